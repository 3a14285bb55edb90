"""Embedding speed of all-MiniLM-L6-v2 on onnxruntime: fp32 vs int8, by batch size.

Usage: python benchmarks/embed_speed.py [--n 2000] [--threads 0] [--whole-abstracts]

Embeds the first N PubMedQA context paragraphs (or whole abstracts) with ``OnnxMiniLM``
and prints a Markdown table: passages/s, model build time and file size, and how close
int8 vectors are to fp32. Models are built into a fresh temporary folder, so the build
time is real.

The int8 model runs one passage per onnxruntime call (``OnnxMiniLM`` does so: dynamic
quantisation scales activations per call, so batching would make a passage's vector depend
on its batch). The "int8 batched" rows force batches anyway to show what that would gain
and cost: speed, and the cosine between a passage embedded alone and in its batch.
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


def passages(n: int, whole: bool) -> list[str]:
    items = json.loads(PUBMEDQA.read_text()).values()
    texts = [" ".join(i["CONTEXTS"]) for i in items] if whole else [c for i in items for c in i["CONTEXTS"]]
    if len(texts) < n:
        sys.exit(f"only {len(texts)} passages in {PUBMEDQA}")
    return texts[:n]


def timed_embed(embedder: OnnxMiniLM, texts: list[str]) -> tuple[np.ndarray, float]:
    embedder.embed(texts[:8])  # warm-up
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    return vectors, len(texts) / (time.perf_counter() - start)


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

        first = OnnxMiniLM(cache_dir, threads=args.threads)
        lengths = [len(e.ids) for e in first._tokenizer.encode_batch(texts)]
        rows, results = [], {}
        for bs in batch_sizes:
            embedder = OnnxMiniLM(cache_dir, quantized=False, batch_size=bs, threads=args.threads)
            results["fp32", bs], rate = timed_embed(embedder, texts)
            rows.append(["fp32", str(bs), rate, *built[False], None])
        int8 = OnnxMiniLM(cache_dir, threads=args.threads)
        results["int8", 1], rate = timed_embed(int8, texts)
        fp32_ref = results["fp32", batch_sizes[0]]
        rows.append(["int8", "1 (per passage)", rate, *built[True], float((results["int8", 1] * fp32_ref).sum(1).mean())])
        for bs in batch_sizes:
            batched = OnnxMiniLM(cache_dir, threads=args.threads)
            batched._rows_per_run = bs  # what OnnxMiniLM deliberately does not do
            vectors, rate = timed_embed(batched, texts)
            alone = float((vectors * results["int8", 1]).sum(1).min())
            rows.append(["int8 batched", f"{bs} (alone vs batched: min cos {alone:.4f})", rate, *built[True], float((vectors * fp32_ref).sum(1).mean())])

    print(
        f"{len(texts)} PubMedQA {'abstracts' if args.whole_abstracts else 'context paragraphs'}, "
        f"tokens per passage: mean {np.mean(lengths):.0f}, max {max(lengths)} (cut at 256); "
        f"threads: {args.threads or 'one per core'}; {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (above the core count: other work competed)\n"
    )
    print("| variant | batch size | passages/s | build time (s) | model file (MB) | int8-vs-fp32 mean cosine |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for variant, bs, rate, build_s, size_mb, cos in rows:
        print(f"| {variant} | {bs} | {rate:.1f} | {build_s:.1f} | {size_mb:.1f} | {'—' if cos is None else f'{cos:.4f}'} |")


if __name__ == "__main__":
    main()
