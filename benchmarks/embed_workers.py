"""Embedding workers (issue #17): `medora index`'s passages/s and peak memory by `index.embed_workers`.

Usage: python benchmarks/embed_workers.py [--db .medora/index-*/medora.db] [--n 5000] [--seed 17]
                                          [--workers 1,2] [--rounds 2] [--breakdown]

Samples N distinct passage texts with a fixed seed from a built index's SQLite file (opened
read-only), then embeds them as `medora index` does (``embed_workers.vectors_by_chunk`` over
chunks of ``build.EMBED_BATCH``), once per worker count per round, alternating, each run in a
fresh process with a data directory of its own (the model file copied from the index's data
directory). Workers 1 is the in-process path (``index.threads`` 0: one onnxruntime thread per
core); more is that many spawned workers of one thread each. The time includes starting the
workers and building their sessions. Peak RSS is the largest sum, sampled every 0.1 s, of the
process and its workers. The vectors of every run are checked equal (``np.array_equal``).

``--breakdown`` times the rest of the embedding loop in one process: tokenisation, the ONNX
runs, the pooling around them (cProfile of ``OnnxMiniLM.embed``), the store writes
(``Store.put_vectors`` into a new SQLite file), and over the whole index (read-only) the query
for the passages still to embed and the vector cache written at the end (``Store.vector_matrix``,
then the two ``np.save``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

DEFAULT_DB = Path(".medora/index-308f21e87259/medora.db")


def sample_texts(db: Path, n: int, seed: int) -> list[str]:
    """N distinct passage texts (one per content hash, as `medora index` embeds them), fixed seed."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        texts = [t for (t,) in con.execute("SELECT MIN(text) FROM passages GROUP BY content_hash ORDER BY content_hash")]
    finally:
        con.close()
    if len(texts) < n:
        sys.exit(f"only {len(texts)} distinct passages in {db}")
    return random.Random(seed).sample(texts, n)


class PeakRss:
    """Largest RSS of this process plus its children, sampled every 0.1 s in a thread."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for p in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # a worker that ended meanwhile
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_once(workers: int, texts_file: Path, models: Path, out: Path) -> dict:
    """One timed embedding of the sample in this (fresh) process; vectors saved to ``out``."""
    from medora.index.build import EMBED_BATCH
    from medora.index.embed_workers import vectors_by_chunk
    from medora.index.embedded import EmbeddedIndex
    from medora.settings import get_settings

    texts = json.loads(texts_file.read_text())
    chunks = [texts[start : start + EMBED_BATCH] for start in range(0, len(texts), EMBED_BATCH)]
    with tempfile.TemporaryDirectory() as data_dir:
        shutil.copytree(models, Path(data_dir) / "models")
        settings = get_settings(data_dir, env={}, index={"embed_workers": workers})
        index = EmbeddedIndex(settings, create=True)
        cpu = time.process_time()
        with PeakRss() as rss:
            started = time.perf_counter()
            first = None
            parts = []
            with vectors_by_chunk(index, chunks, workers) as vectors:
                for chunk_vectors in vectors:
                    parts.append(chunk_vectors)
                    first = first or time.perf_counter() - started
            seconds = time.perf_counter() - started
        index.close()
    np.save(out, np.concatenate(parts))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, ended and waited for by now
    parent_cpu = time.process_time() - cpu
    return {"workers": workers, "seconds": seconds, "first_chunk": first, "peak_rss": rss.peak,
            "parent_cpu": parent_cpu, "cpu": parent_cpu + children.ru_utime + children.ru_stime,
            "load": os.getloadavg()[0]}


def breakdown(texts: list[str], db: Path) -> None:
    """Where one process's embedding loop spends its time, besides the model."""
    import cProfile
    import pstats
    from types import SimpleNamespace

    from medora.index.build import EMBED_BATCH
    from medora.index.embed import OnnxMiniLM
    from medora.index.embedded import EMBED_DIM
    from medora.index.store_sqlite import Store, text_hash

    models = db.parent.parent / "models"
    embedder = OnnxMiniLM(models)
    embedder.embed(texts[:8])  # warm-up
    started = time.perf_counter()
    embedder._tokenizer.encode_batch(texts)
    tokenise = time.perf_counter() - started
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    vectors = embedder.embed(texts)
    profile.disable()
    embed = time.perf_counter() - started
    stats = pstats.Stats(profile).stats
    # (file, line, name) -> (calls, primitive calls, own time, cumulative time, callers)
    run = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
              if name == "run" and file.endswith("onnxruntime_inference_collection.py"))
    encode = sum(tt for (_, _, name), (_, _, tt, _, _) in stats.items() if "encode_batch" in name)
    total = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
                if name == "embed" and file.endswith("embed.py"))
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "medora.db")
        hashes = [text_hash(t) for t in texts]
        started = time.perf_counter()
        for start in range(0, len(texts), EMBED_BATCH):
            store.put_vectors("bench", hashes[start : start + EMBED_BATCH], vectors[start : start + EMBED_BATCH])
        writes = time.perf_counter() - started
        store.close()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        model = con.execute("SELECT model FROM vectors LIMIT 1").fetchone()[0]
        started = time.perf_counter()
        rowids, matrix = Store.vector_matrix(SimpleNamespace(db=con), model, EMBED_DIM)  # the real query, read-only
        np.save(Path(folder) / "vector_rowids.npy", rowids)
        np.save(Path(folder) / "vectors.npy", matrix)
        cache = time.perf_counter() - started
        started = time.perf_counter()
        Store.passages_without_vectors(SimpleNamespace(db=con), model)
        find = time.perf_counter() - started
        con.close()
    n = len(texts)
    print(f"\nOne process, {n} passages, embedded in {embed:.1f} s under cProfile ({n / embed:.0f} passages/s); "
          "the rows inside `embed` are cProfile's:\n")
    print("| step | seconds | share of the embedding time |")
    print("| --- | ---: | ---: |")
    print(f"| tokenisation (`encode_batch`; timed alone: {tokenise:.2f} s) | {encode:.2f} | {encode / total:.1%} |")
    print(f"| ONNX runs (`InferenceSession.run`) | {run:.2f} | {run / total:.1%} |")
    print(f"| the rest of `embed` (padding, pooling, normalising) | {total - run - encode:.2f} "
          f"| {(total - run - encode) / total:.1%} |")
    print(f"| store writes (`put_vectors`, {EMBED_BATCH} a commit) | {writes:.2f} | {writes / embed:.1%} |")
    print(f"| finding the passages to embed (`passages_without_vectors`, whole index; twice a run) | {find:.2f} "
          f"| {find / (embed / n * len(rowids)):.1%} of embedding them all |")
    print(f"| vector cache at the end, whole index ({len(rowids):,} vectors; once per run) | {cache:.2f} "
          f"| {cache / (embed / n * len(rowids)):.1%} of embedding them all |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="a built index's medora.db (read-only)")
    parser.add_argument("--n", type=int, default=5000, help="passages to embed")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--rounds", type=int, default=2, help="runs per worker count, alternating")
    parser.add_argument("--breakdown", action="store_true", help="also time the rest of the embedding loop")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # internal: one timed run in this process
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = args.db.resolve()
    if args.run is not None:
        print(json.dumps(run_once(args.run, args.texts, db.parent.parent / "models", args.out)))
        return

    texts = sample_texts(db, args.n, args.seed)
    counts = [int(w) for w in args.workers.split(",")]
    results: dict[int, list[dict]] = {w: [] for w in counts}
    vectors: dict[int, np.ndarray] = {}
    loads = [os.getloadavg()]
    with tempfile.TemporaryDirectory() as folder:
        texts_file = Path(folder) / "texts.json"
        texts_file.write_text(json.dumps(texts))
        for _ in range(args.rounds):
            for w in counts:
                out = Path(folder) / f"vectors-{w}.npy"
                line = subprocess.run(
                    [sys.executable, __file__, "--db", str(db), "--run", str(w), "--texts", str(texts_file),
                     "--out", str(out)], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
                results[w].append(json.loads(line))
                loads.append(os.getloadavg())
                run_vectors = np.load(out)
                if not np.array_equal(vectors.setdefault(w, run_vectors), run_vectors):
                    sys.exit(f"workers {w}: vectors differ between runs")
    same = all(np.array_equal(vectors[counts[0]], v) for v in vectors.values())
    print(f"{len(texts)} distinct passages of {db} (seed {args.seed}); {os.cpu_count()} cores; "
          f"load average (1 min) {min(l[0] for l in loads):.2f}-{max(l[0] for l in loads):.2f} over the runs; "
          f"vectors identical across worker counts: {same}\n")
    print("| index.embed_workers | onnxruntime threads per process | passages/s (each run; load average at its end) "
          "| best | passages per CPU-second, all processes | first chunk stored after (s) "
          "| peak RSS, process + workers (MB) | CPU of the indexing process (s) |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for w in counts:
        rates = [len(texts) / r["seconds"] for r in results[w]]
        threads = os.cpu_count() if w == 1 else 1
        each = ", ".join(f"{rate:.0f} ({r['load']:.1f})" for rate, r in zip(rates, results[w]))
        print(f"| {w} | {threads} | {each} | {max(rates):.0f} "
              f"| {np.median([len(texts) / r['cpu'] for r in results[w]]):.0f} "
              f"| {min(r['first_chunk'] for r in results[w]):.1f} | {max(r['peak_rss'] for r in results[w]) / 1e6:.0f} "
              f"| {np.median([r['parent_cpu'] for r in results[w]]):.1f} |")
    if args.breakdown:
        breakdown(texts, db)


if __name__ == "__main__":
    main()
