"""Embedding speed of all-MiniLM-L6-v2 on onnxruntime: fp32 vs int8, by batch size.

Usage: python benchmarks/embed_speed.py [--n 2000] [--threads 0] [--whole-abstracts]

Embeds the first N PubMedQA context paragraphs (or whole abstracts) with ``OnnxMiniLM``
and prints a Markdown table: passages/s (wall clock, and per CPU-second of this process,
which other load on the machine disturbs less), model build time and file size, and how
close int8 vectors are to fp32. Models are built into a fresh temporary folder, so the
build time is real. The passages are embedded in slices of 250, each slice by every
variant in turn, so a burst of other load on the machine hits all variants alike.

The int8 model runs one passage per onnxruntime call (``OnnxMiniLM`` does so: dynamic
quantisation scales activations per call, so batching would make a passage's vector depend
on its batch). The "int8 batched" rows force batches anyway to show what that would gain
and cost: speed, and the lowest cosine between a passage embedded alone and in its batch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from medora.index.embed import OnnxMiniLM
from medora.index.onnx_minilm import build_model

PUBMEDQA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "pubmedqa" / "ori_pqal.json"
SLICE = 250


def passages(n: int, whole: bool) -> list[str]:
    items = json.loads(PUBMEDQA.read_text()).values()
    texts = [" ".join(i["CONTEXTS"]) for i in items] if whole else [c for i in items for c in i["CONTEXTS"]]
    if len(texts) < n:
        sys.exit(f"only {len(texts)} passages in {PUBMEDQA}")
    return texts[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="passages to embed")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: one per core)")
    parser.add_argument("--batch-sizes", default="8,16,32")
    parser.add_argument("--whole-abstracts", action="store_true", help="embed whole abstracts, not paragraphs")
    args = parser.parse_args()
    texts = passages(args.n, args.whole_abstracts)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as cache:
        cache_dir = Path(cache)
        built = {}
        for quantized in (False, True):
            start = time.perf_counter()
            path = build_model(cache_dir, quantized)
            built[quantized] = (time.perf_counter() - start, path.stat().st_size / 1e6)

        variants: dict[tuple[str, str], OnnxMiniLM] = {}
        for bs in batch_sizes:
            variants["fp32", str(bs)] = OnnxMiniLM(cache_dir, quantized=False, batch_size=bs, threads=args.threads)
        variants["int8", "1 (per passage)"] = OnnxMiniLM(cache_dir, threads=args.threads)
        for bs in batch_sizes:
            forced = OnnxMiniLM(cache_dir, threads=args.threads)
            forced._rows_per_run = bs  # what OnnxMiniLM deliberately does not do
            variants["int8 batched", str(bs)] = forced
        lengths = [len(e.ids) for e in variants["int8", "1 (per passage)"]._tokenizer.encode_batch(texts)]

        wall = dict.fromkeys(variants, 0.0)
        cpu = dict.fromkeys(variants, 0.0)
        parts: dict[tuple[str, str], list[np.ndarray]] = {key: [] for key in variants}
        for embedder in variants.values():
            embedder.embed(texts[:8])  # warm-up
        for start in range(0, len(texts), SLICE):
            chunk = texts[start : start + SLICE]
            for key, embedder in variants.items():
                t, c = time.perf_counter(), time.process_time()
                parts[key].append(embedder.embed(chunk))
                wall[key] += time.perf_counter() - t
                cpu[key] += time.process_time() - c
    vectors = {key: np.concatenate(p) for key, p in parts.items()}

    fp32_ref = vectors["fp32", str(batch_sizes[0])]
    int8_alone = vectors["int8", "1 (per passage)"]
    print(
        f"{len(texts)} PubMedQA {'abstracts' if args.whole_abstracts else 'context paragraphs'}, "
        f"tokens per passage: mean {np.mean(lengths):.0f}, max {max(lengths)} (cut at 256); "
        f"threads: {args.threads or 'one per core'}; {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (above the core count: other work competed)\n"
    )
    print(
        "| variant | batch size | passages/s | passages per CPU-s | build time (s) | model file (MB) "
        "| int8-vs-fp32 mean cosine | alone-vs-batched min cosine |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (variant, bs), v in vectors.items():
        build_s, size_mb = built[variant != "fp32"]
        vs_fp32 = "—" if variant == "fp32" else f"{(v * fp32_ref).sum(1).mean():.4f}"
        alone = {"fp32": "—", "int8": "1 (by design)"}.get(variant) or f"{(v * int8_alone).sum(1).min():.4f}"
        print(
            f"| {variant} | {bs} | {len(texts) / wall[variant, bs]:.1f} | {len(texts) / cpu[variant, bs]:.1f} "
            f"| {build_s:.1f} | {size_mb:.1f} | {vs_fp32} | {alone} |"
        )


if __name__ == "__main__":
    main()
