"""How Medora's search scales with corpus size: lexical (tantivy) and dense (numpy exact).

Synthetic corpora of 10k / 100k / 1M passages are made from REAL corpus sentences:
sentences are read from the NGC guideline summaries (all text fields, via Medora's
guideline reader) and the NCI PDQ summaries, and each passage recombines 3-6 random
sentences (seeded). Each size runs in its own child process so that peak RSS
(``resource.getrusage``) belongs to that size alone.

Lexical: passages are indexed with Medora's ``TantivyLexical`` (the same schema,
tokenizer and writer settings as ``medora index``); measured: index time, size on
disk, peak RSS, query latency p50/p95 over 200 real questions (the clinical dev set
and PubMedQA questions) at k=100, the candidate depth hybrid retrieval uses.

Dense: embedding 1M passages with MiniLM on 2 CPU cores takes about 5 hours, so the
dense side measures the search itself: ``NumpyVectors`` exact search over random
L2-normalised float32 vectors of 384 dimensions (the model's width), 200 queries, k=100.

    python benchmarks/scaling.py                       # 10k and 100k
    python benchmarks/scaling.py --sizes 10000,100000,1000000 --out benchmarks/out/scaling
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = 20240601
QUERIES = 200
K = 100
COMMIT_EVERY = 100_000
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_LINK_TARGET = re.compile(r"\]\((?:[^()]|\([^)]*\))*\)")
_CITATION_GROUP = re.compile(r"\[(?:\s*\[?(?:\d+|Level of evidence[^\]]*)\]?\s*,?)+\]")
_BIBLIO = re.compile(r"\d+ \(\d+\): ?\d|\bet al\b|https?:|\.gov/")


def _clean_markdown(text: str) -> str:
    """PDQ Markdown to plain sentences: drop link targets and citation groups, unwrap [text]."""
    text = _CITATION_GROUP.sub("", _LINK_TARGET.sub("]", text))
    return text.replace("[", "").replace("]", "").replace("*", "")


def _sentences_of(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.strip().lstrip("#-* ").strip()
        for s in _SENTENCE.split(line):
            if 6 <= len(s.split()) <= 60 and "|" not in s and not _BIBLIO.search(s):
                out.append(s)
    return out


def real_sentences(shared: Path = SHARED) -> list[str]:
    """Sentences of every NGC guideline's text fields and every PDQ summary, in file order."""
    sys.path.insert(0, str(ROOT / "src"))
    from medora.corpus.guideline_xml import read_guideline

    sentences: list[str] = []
    for path in sorted((shared / "corpus" / "guidelines-ngc").glob("ngc-*.xml")):
        for section in read_guideline(path).sections:
            sentences += _sentences_of(section.text)
    with open(shared / "corpus" / "nci-pdq" / "pdq_summaries.jsonl") as f:
        for line in f:
            sentences += _sentences_of(_clean_markdown(json.loads(line)["text"]))
    return sentences


def questions(shared: Path = SHARED, n: int = QUERIES) -> list[str]:
    dev = [json.loads(line)["question"] for line in (ROOT / "eval" / "clinical_dev.jsonl").read_text().splitlines()
           if line.strip() and json.loads(line)["answerable"]]
    pubmedqa = json.loads((shared / "eval" / "pubmedqa" / "ori_pqal.json").read_text())
    return (dev + [it["QUESTION"] for it in pubmedqa.values()])[:n]


def make_passages(sentences: list[str], n: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(sentences, rng.randint(3, 6))) for _ in range(n)]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _pcts(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3)}


def measure_lexical(n: int, workdir: Path) -> dict:
    """Child-process body: build a tantivy index of n passages and time queries."""
    sys.path.insert(0, str(ROOT / "src"))
    from medora.index.lexical_tantivy import TantivyLexical
    from medora.types import Document, Passage

    t0 = time.perf_counter()
    sentences = real_sentences()
    passages = make_passages(sentences, n)
    qs = questions()
    prepare_s = time.perf_counter() - t0
    rss_before = _rss_mb()

    path = workdir / f"tantivy-{n}"
    lexical = TantivyLexical(path)
    t0 = time.perf_counter()
    batch = []
    for i, text in enumerate(passages):
        doc_id = f"syn-{i // 10}"
        doc = Document(id=doc_id, type="guideline", title="", source="", year=None, url=None,
                       audience="professional", sections=())
        batch.append((i + 1, Passage(id=f"{doc_id}#p-{i % 10}", doc_id=doc_id, section="", text=text,
                                     start=0, end=len(text), position=i % 10), doc))
        if len(batch) >= COMMIT_EVERY:
            lexical.add(batch)
            lexical.commit()
            batch = []
    lexical.add(batch)
    lexical.commit()
    index_s = time.perf_counter() - t0
    assert lexical.count() == n, (lexical.count(), n)
    for q in qs[:5]:  # warm-up
        lexical.search(q, K)
    times = []
    for q in qs:
        t = time.perf_counter()
        lexical.search(q, K)
        times.append(time.perf_counter() - t)
    return {"passages": n, "sentences_pool": len(sentences), "prepare_s": round(prepare_s, 1),
            "index_s": round(index_s, 1), "index_mb": round(_dir_mb(path), 1),
            "rss_before_index_mb": round(rss_before), "peak_rss_mb": round(_rss_mb()),
            "queries": len(times), **_pcts(times)}


def measure_dense(n: int, dim: int = 384, seed: int = SEED) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from medora.index.vectors_numpy import NumpyVectors

    rng = np.random.default_rng(seed)
    matrix = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: never a float64 copy of the whole matrix
        block = rng.standard_normal((min(100_000, n - start), dim), dtype=np.float32)
        matrix[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    vectors = NumpyVectors(np.arange(n, dtype=np.int64), matrix)
    queries = rng.standard_normal((QUERIES, dim), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    for q in queries[:5]:
        vectors.search(q, K)
    times = []
    for q in queries:
        t = time.perf_counter()
        vectors.search(q, K)
        times.append(time.perf_counter() - t)
    return {"passages": n, "matrix_mb": round(matrix.nbytes / 1e6, 1), "peak_rss_mb": round(_rss_mb()), **_pcts(times)}


def _child(kind: str, n: int, threads: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n)], capture_output=True, text=True,
                         check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def markdown(lexical: list[dict], dense: list[dict]) -> str:
    lines = ["**Lexical (tantivy BM25, k=100, 200 real questions)**", "",
             "| passages | index time (s) | index size (MB) | peak RSS (MB) | p50 (ms) | p95 (ms) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['passages']:,} | {r['index_s']} | {r['index_mb']} | {r['peak_rss_mb']} | {r['p50_ms']} | "
              f"{r['p95_ms']} |" for r in lexical]
    lines += ["", "**Dense (NumpyVectors exact search, 384-d random normalised vectors, k=100, 200 queries)**", "",
              "| passages | matrix (MB) | peak RSS (MB) | p50 (ms) | p95 (ms) |", "|---|---|---|---|---|"]
    lines += [f"| {r['passages']:,} | {r['matrix_mb']} | {r['peak_rss_mb']} | {r['p50_ms']} | {r['p95_ms']} |"
              for r in dense]
    lines += ["", "Peak RSS includes loading the real sentences (lexical) or building the matrix (dense). "
              "Embedding the passages themselves is not measured: MiniLM on 2 cores needs about 5 h for 1M."]
    return "\n".join(lines)


def plot(lexical: list[dict], dense: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for rows, name, color in ((lexical, "lexical (tantivy)", "tab:blue"), (dense, "dense (numpy exact)", "tab:red")):
        sizes = [r["passages"] for r in rows]
        ax.plot(sizes, [r["p50_ms"] for r in rows], "o-", color=color, label=f"{name} p50")
        ax.plot(sizes, [r["p95_ms"] for r in rows], "o--", color=color, label=f"{name} p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages")
    ax.set_ylabel("query latency (ms, k=100)")
    ax.set_title("Medora search latency vs corpus size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated passage counts (1000000 optional).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "scaling")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for the dense search (default 1: stable numbers on a shared machine).")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        if kind == "lexical":
            with tempfile.TemporaryDirectory(prefix="medora-scaling-") as tmp:
                print(json.dumps(measure_lexical(n, Path(tmp))))
        else:
            print(json.dumps(measure_dense(n)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    lexical, dense = [], []
    for n in sizes:
        lexical.append(_child("lexical", n, args.threads))
        dense.append(_child("dense", n, args.threads))
        print(f"{n:,}: lexical {lexical[-1]}  dense {dense[-1]}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaling.json").write_text(json.dumps({"lexical": lexical, "dense": dense, "threads": args.threads,
                                                        "load_average": os.getloadavg()}, indent=2))
    table = markdown(lexical, dense) + f"\n\nBLAS threads: {args.threads}; load average at the end: " + \
        ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores."
    (args.out / "scaling.md").write_text(table + "\n")
    plot(lexical, dense, args.out / "scaling.png")
    print(table)
    print(f"\nResults in {args.out}")


if __name__ == "__main__":
    main()
