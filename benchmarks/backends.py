"""Embedded (SQLite + tantivy + numpy) vs PostgreSQL (+ pgvector HNSW): load, size, memory, hybrid latency.

Passages:
- default: the passages and vectors of a built index (``--data-dir``, as ``medora index`` left it);
- ``--synthetic N``: N passages made by recombining 3-6 real sentences sampled from that
  index's passages (seeded), 10 passages a document, with random L2-normalised 384-d
  vectors (seeded) for the dense part — embedding 1M passages on 2 cores takes hours.

Both backends are loaded from the same rows: the embedded one by writing a fresh
SQLite store + tantivy index + vector cache, PostgreSQL by ``load_from_embedded``
(COPY, then the postings keys and the HNSW index are built). Queries: 200 real PubMedQA
questions through ``medora.query.analyse`` (question words + expansions, as ``retrieve``
sends them); query vectors are passage vectors plus noise (a query is near some
passages, as a real question is). Hybrid = BM25 top-100 + dense top-100 + RRF:
for the embedded backend in Python, for PostgreSQL in one SQL statement (``hybrid_search``).

    python benchmarks/backends.py --data-dir .medora
    python benchmarks/backends.py --data-dir .medora --synthetic 100000 --out benchmarks/out/backends-100k.md
"""

from __future__ import annotations

import os

# NOTE: OpenBLAS's thread pool makes a (2k x 384) matrix-vector product on this 2-core
# machine take 8 ms instead of 0.12 ms (measured) and serialises
# concurrent clients; the embedded backend is measured as it should be deployed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from medora.index.embedded import EMBED_DIM, EmbeddedIndex  # noqa: E402
from medora.index.pg_server import LocalPostgres  # noqa: E402
from medora.index.postgres import PostgresIndex  # noqa: E402
from medora.index.postgres_load import load_from_embedded  # noqa: E402
from medora.index.store_sqlite import text_hash  # noqa: E402
from medora.retrieve import rrf  # noqa: E402
from medora.settings import get_settings  # noqa: E402
from medora.types import Document, Passage, Section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PUBMEDQA = ROOT.parent / "shared" / "eval" / "pubmedqa" / "ori_pqal.json"
SEED = 20240601
K, RRF_K, QUERIES = 100, 60, 200
# A server sized for the machine, as production would be; durable (fsync on).
PG_SETTINGS = {"shared_buffers": "1GB", "maintenance_work_mem": "1GB", "max_parallel_maintenance_workers": "2",
               "effective_cache_size": "4GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def _mb(n: float) -> float:
    return round(n / 2**20, 1)


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def source_rows(source: EmbeddedIndex, synthetic: int, seed: int = SEED):
    """(document, passages, vectors) triples: the source index's own, or synthetic ones from its sentences."""
    store = source.store
    if not synthetic:
        rowids, matrix = store.vector_matrix(source.model_id, EMBED_DIM)
        vec_of = dict(zip(rowids.tolist(), matrix))
        for (doc_id,) in store.db.execute("SELECT id FROM documents ORDER BY id").fetchall():
            doc = source.document(doc_id, with_sections=True)
            rows = store.db.execute("SELECT rowid FROM passages WHERE doc_id = ? ORDER BY position", (doc_id,))
            rowids = [r[0] for r in rows]
            passages = list(source.passages(rowids).values())
            yield doc, passages, [vec_of.get(r) for r in rowids]
        return
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    rowids, matrix = store.vector_matrix(source.model_id, EMBED_DIM)
    vec_of = dict(zip(rowids.tolist(), matrix))
    sentences: list[tuple[str, int]] = []  # (sentence, rowid of the passage it came from)
    for rowid, passage in store.iter_passages():
        sentences.extend((s, rowid) for s in _SENTENCE.split(passage.text) if 6 <= len(s.split()) <= 60)
    titles = [r[0] for r in store.db.execute("SELECT title FROM documents")]
    for d in range(0, synthetic, 10):
        picks = [rng.sample(sentences, rng.randint(3, 6)) for _ in range(min(10, synthetic - d))]
        texts = [" ".join(s for s, _ in pick) for pick in picks]
        doc = Document(id=f"syn-{d // 10}", type="research", title=rng.choice(titles), source="synthetic",
                       year=2000 + d % 25, url=None, audience="professional",
                       sections=(Section("Text", "\n\n".join(texts)),))
        passages = [Passage(id=f"{doc.id}#text-{i}", doc_id=doc.id, section="Text", text=t, start=0, end=len(t),
                            position=i) for i, t in enumerate(texts)]
        # A passage's vector: the mean of its sentences' source-passage vectors plus noise, so the
        # synthetic set keeps the clustered shape of real embeddings (pure random 384-d vectors are
        # HNSW's worst case: no neighbour is much nearer than any other). Random if the source has none.
        vectors = nrng.standard_normal((len(texts), EMBED_DIM)).astype(np.float32)
        if vec_of:
            vectors = 0.03 * vectors + np.stack([np.mean([vec_of[r] for _, r in pick if r in vec_of] or
                                                         [np.zeros(EMBED_DIM, np.float32)], axis=0) for pick in picks])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        yield doc, passages, list(vectors)


def build_embedded(settings, rows) -> tuple[EmbeddedIndex, float]:
    """Write the rows into a fresh embedded index (store + tantivy + vector cache); returns it and the seconds."""
    started = time.perf_counter()
    index = EmbeddedIndex(settings, create=True)
    batch = []

    def flush():
        for doc, passages, _ in batch:
            index.store.put_document(doc, passages, text_hash(doc.id))
        ids = {}
        for doc, _, _ in batch:
            ids.update(index.store.db.execute("SELECT id, rowid FROM passages WHERE doc_id = ?", (doc.id,)))
        index.lexical.add([(ids[p.id], p, doc) for doc, passages, _ in batch for p in passages])
        hashes, vecs = [], []
        for _, passages, vectors in batch:
            for p, v in zip(passages, vectors):
                if v is not None:
                    hashes.append(text_hash(p.text)), vecs.append(v)
        if hashes:
            index.store.put_vectors(index.model_id, hashes, np.stack(vecs))
        index.store.commit()
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= 1000:
            flush()
    flush()
    index.lexical.commit()
    index.store.set_info("corpus_version", "benchmark")
    index.write_vector_cache("benchmark")
    return index, time.perf_counter() - started


def queries(index: EmbeddedIndex, n: int = QUERIES, seed: int = SEED) -> list[tuple[str, str, np.ndarray]]:
    """(question words, expansion words, query vector) as ``retrieve`` would send them.

    Words: real PubMedQA questions through ``medora.query.analyse``. Vector: a random
    passage's vector plus noise (the embedding model is not needed to time the search).
    """
    from medora.query import analyse

    abbreviations = index.abbreviations()
    vectors = index.vectors()
    rng = np.random.default_rng(seed)
    out = []
    for item in list(json.loads(PUBMEDQA.read_text()).values())[:n]:
        analysis = analyse(item["QUESTION"], abbreviations)
        v = np.asarray(vectors.matrix[rng.integers(len(vectors))], dtype=np.float32) + \
            0.01 * rng.standard_normal(EMBED_DIM).astype(np.float32)
        out.append((" ".join(analysis.terms), " ".join(analysis.expansions), v / np.linalg.norm(v)))
    return out


def embedded_hybrid(index: EmbeddedIndex, text: str, expansion: str, vector: np.ndarray) -> dict[int, float]:
    lex_ids, _ = index.lexical_search(text, K, expansion)
    dense_ids, _ = index.vectors().search(vector, K)
    return rrf([lex_ids, dense_ids], RRF_K)


def components(lexical, documents, dense, qs) -> dict[str, float]:
    """p50 ms of each search alone, one client."""
    out = {}
    for name, call in (("bm25", lambda t, e, v: lexical(t, K, e)), ("doc_bm25", lambda t, e, v: documents(t, K, e)),
                       ("dense", lambda t, e, v: dense(v, K))):
        out[name] = latencies(call, qs, 1)["p50_ms"]
    return out


def latencies(search, qs, clients: int) -> dict[str, float]:
    def run(q):
        t = time.perf_counter()
        search(*q)
        return time.perf_counter() - t

    for q in qs[:10]:  # warm caches
        search(*q)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = list(pool.map(run, qs * clients))
    wall = time.perf_counter() - started
    times.sort()
    return {"p50_ms": round(1000 * statistics.median(times), 2),
            "p95_ms": round(1000 * times[int(0.95 * len(times))], 2),
            "qps": round(len(times) / wall, 1)}


def pg_sizes(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        rel = dict(conn.execute(
            "SELECT relname, pg_relation_size(oid) + coalesce(pg_relation_size(reltoastrelid), 0) FROM pg_class"
            " WHERE relname IN ('documents', 'passages', 'passage_vectors', 'passage_vectors_hnsw', 'postings',"
            " 'postings_pkey', 'doc_postings', 'doc_postings_pkey', 'terms', 'passages_pkey', 'passages_id_key',"
            " 'passages_doc', 'documents_pkey',"
            " 'terms_term_key', 'terms_pkey', 'passage_vectors_pkey')").fetchall())
        rel["database"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return rel


def pg_memory(server: LocalPostgres) -> int:
    """Proportional set size of the server's processes (shared buffers counted once)."""
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    main = psutil.Process(pid)
    return sum(p.memory_full_info().pss for p in [main, *main.children()])


def serving_rss(data_dir: Path) -> int:
    """RSS growth of a fresh process that opens the embedded index and answers every query once."""
    script = (
        "import os, sys, psutil; os.environ.setdefault('OPENBLAS_NUM_THREADS', '1'); sys.path.insert(0, sys.argv[2]);"
        "import backends as b; from medora.query import analyse; from medora.settings import get_settings;"
        "analyse('warm up', {}); p = psutil.Process(); base = p.memory_info().rss;"
        "i = b.EmbeddedIndex(get_settings(sys.argv[1], env={}));"
        "[b.embedded_hybrid(i, t, e, v) for t, e, v in b.queries(i)]; print(p.memory_info().rss - base)"
    )
    out = subprocess.run([sys.executable, "-c", script, str(data_dir), str(Path(__file__).parent)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="a built Medora data dir (default: MEDORA_DATA or ./.medora)")
    parser.add_argument("--synthetic", type=int, default=0, help="N synthetic passages (e.g. 100000, 1000000)")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)

    source = EmbeddedIndex(get_settings(args.data_dir))
    work = Path(tempfile.mkdtemp(prefix="medora-bench-"))
    settings = get_settings(work / "embedded", env={})

    embedded, embedded_load = build_embedded(settings, source_rows(source, args.synthetic))
    source.close()
    qs = queries(embedded)
    stats = embedded.stats()
    n, nvec = stats["passages"], stats["vectors"]
    results = {"embedded": {"load_s": embedded_load, "disk": _dir_bytes(embedded.path)}}
    for clients in (1, 8):
        results["embedded"][clients] = latencies(lambda t, e, v: embedded_hybrid(embedded, t, e, v), qs, clients)
    results["embedded"]["parts"] = components(embedded.lexical_search, embedded.document_search,
                                              lambda v, k: embedded.vectors().search(v, k), qs)
    results["embedded"]["rss"] = serving_rss(settings.data_dir)

    with LocalPostgres.start(settings=PG_SETTINGS) as server:
        report = load_from_embedded(embedded, server.url(), maintenance_work_mem="1GB")
        pg = PostgresIndex(server.url(), settings=settings, pool_size=8)
        sizes = pg_sizes(server.url())
        results["postgres"] = {"load_s": report.seconds, "disk": sizes["database"]}
        for clients in (1, 8):
            results["postgres"][clients] = latencies(
                lambda t, e, v: pg.hybrid_search(t, v, K, RRF_K, expansion=e), qs, clients)
        results["postgres"]["parts"] = components(pg.lexical_search, pg.document_search, pg.dense_search_vector, qs)
        results["postgres"]["rss"] = pg_memory(server)
        recall = np.mean([len(set(pg.dense_search_vector(v, 10)[0]) & set(embedded.vectors().search(v, 10)[0])) / 10
                          for _, _, v in qs])
        pg.close()
    embedded.close()

    source_kind = (f"synthetic ({args.synthetic:,} passages recombining real sentences; vectors = noisy means of"
                   " their source passages' vectors)") if args.synthetic \
        else f"the built index in {source.path}"
    lines = [
        f"Passages: {n:,} ({nvec:,} with vectors), from {source_kind}; {psutil.cpu_count()} CPUs,"
        f" {_mb(psutil.virtual_memory().total) / 1024:.0f} GB RAM. Hybrid = BM25 top-{K} + dense top-{K} + RRF, "
        f"{len(qs)} queries; 8 clients = 8 threads each running all queries.",
        "",
        "| backend | load (s) | size on disk (MB) | memory (MB) | p50 1 client (ms) | p95 1 client (ms) "
        "| p50 8 clients (ms) | p95 8 clients (ms) | q/s 8 clients |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['load_s']:.1f} | {_mb(r['disk'])} | {_mb(r['rss'])} | {r[1]['p50_ms']} "
                     f"| {r[1]['p95_ms']} | {r[8]['p50_ms']} | {r[8]['p95_ms']} | {r[8]['qps']} |")
    lines += [
        "",
        "One client, each search alone (p50 ms): " + "; ".join(
            f"{name}: BM25 {r['parts']['bm25']}, document BM25 {r['parts']['doc_bm25']}, dense {r['parts']['dense']}"
            for name, r in results.items()) + ".",
        "",
        "Memory: embedded = RSS growth of a fresh process that opens the index and answers the queries once"
        " (SQLite cache, tantivy, memory-mapped vectors; query vocabularies loaded before the baseline);"
        " postgres = PSS of all server processes (shared_buffers 1 GB, counted once).",
        f"HNSW recall@10 against exact cosine: {recall:.3f} (m=16, ef_construction=64, ef_search=200).",
        "",
        "PostgreSQL sizes (heap + TOAST, or index):",
        "",
        "| relation | MB | bytes per passage |",
        "|---|---:|---:|",
    ]
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {_mb(size)} | {size / max(n, 1):,.0f} |")
    shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
