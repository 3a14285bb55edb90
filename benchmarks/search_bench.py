"""Search benchmark: index size, PubMedQA question -> own abstract, latency; bm25s beside it.

Runs on an index that `medora index` has built (default ./.medora) and prints a
Markdown table. Every PubMedQA question (1,000) is searched in lexical, dense and
hybrid mode; a plain bm25s index over the same passages is the baseline.

    python benchmarks/search_bench.py --data-dir .medora [--limit 1000] [--ingest]

``--ingest`` also times a fresh lexical-only ingest of the default corpus into a
temporary directory (read + chunk + SQLite + tantivy).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from medora.index.build import build_index
from medora.index.embedded import EmbeddedIndex
from medora.retrieve import retrieve
from medora.settings import get_settings

PUBMEDQA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "pubmedqa" / "ori_pqal.json"


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def ranks_and_latency(questions, search) -> tuple[list[int | None], list[float]]:
    ranks, latency = [], []
    for pmid, question in questions:
        t0 = time.perf_counter()
        docs = search(question)
        latency.append(time.perf_counter() - t0)
        docs = list(dict.fromkeys(docs))
        target = f"pmid-{pmid}"
        ranks.append(docs.index(target) + 1 if target in docs else None)
    return ranks, latency


def row(name: str, ranks, latency) -> str:
    n = len(ranks)
    recall = lambda k: sum(1 for r in ranks if r and r <= k) / n  # noqa: E731
    mrr = sum(1 / r for r in ranks if r) / n
    p50, p95 = np.percentile(np.array(latency) * 1000, [50, 95])
    return f"| {name} | {recall(1):.3f} | {recall(5):.3f} | {recall(10):.3f} | {mrr:.3f} | {p50:.1f} | {p95:.1f} |"


def bm25s_baseline(index: EmbeddedIndex):
    import bm25s

    rowids, texts, doc_ids = [], [], []
    for rowid, passage in index.store.iter_passages():
        rowids.append(rowid)
        texts.append(f"{passage.section}\n{passage.text}")
        doc_ids.append(passage.doc_id)
    t0 = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    built = time.perf_counter() - t0

    def search(question: str) -> list[str]:
        results, _ = retriever.retrieve(bm25s.tokenize([question], stopwords="en", show_progress=False), k=30,
                                        show_progress=False)
        return [doc_ids[i] for i in results[0]]

    return search, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=".medora")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--ingest", action="store_true", help="also time a fresh lexical ingest")
    args = parser.parse_args()

    lines = [f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
             f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}", ""]
    if args.ingest:
        with tempfile.TemporaryDirectory() as tmp:
            settings = get_settings(tmp, env={})
            t0 = time.perf_counter()
            report = build_index(settings, dense=False)
            seconds = time.perf_counter() - t0
            lines += ["| ingest (lexical, default corpus) | documents | passages | seconds | passages/s | size |",
                      "| --- | --- | --- | --- | --- | --- |",
                      f"| read + chunk + SQLite + tantivy | {report.documents} | {report.passages_written} | "
                      f"{seconds:.1f} | {report.passages_written / seconds:.0f} | "
                      f"{dir_size(Path(tmp)) / 1e6:.0f} MB |", ""]
            shutil.rmtree(tmp, ignore_errors=True)

    settings = get_settings(args.data_dir, env={})
    index = EmbeddedIndex(settings)
    stats = index.stats()
    lines += [f"Index: {stats['documents']} documents, {stats['passages']} passages, {stats['vectors']} with vectors, "
              f"{dir_size(index.path) / 1e6:.0f} MB on disk ({index.path}).", ""]
    items = json.loads(PUBMEDQA.read_text())
    questions = [(pmid, item["QUESTION"]) for pmid, item in list(items.items())[: args.limit]]
    retrieve(questions[0][1], index, settings.retrieve)  # warm up: vocabularies, model, vector cache

    lines += ["| retriever | recall@1 | recall@5 | recall@10 | MRR | p50 ms | p95 ms |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for mode in ("lexical", "dense", "hybrid"):
        search = lambda q, mode=mode: [h.passage.doc_id for h in retrieve(q, index, settings.retrieve, k=30, mode=mode).hits]  # noqa: E731
        lines.append(row(f"medora {mode}", *ranks_and_latency(questions, search)))
    search, built = bm25s_baseline(index)
    lines.append(row(f"bm25s baseline (same passages, built in {built:.0f} s)", *ranks_and_latency(questions, search)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
