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
    python benchmarks/backends.py --synthetic 1000000 --bm25-candidates 250 1000 --ef-search 200 100
    python benchmarks/backends.py --attach postgresql://... /tmp/medora-bench-x/embedded   # a loaded pair

PostgreSQL BM25 reads the best ``bm25_candidates`` postings of each term, then whole lists only
for the terms its bounds cannot leave out (``medora.index.postgres``): the run reports, per
(bm25_candidates, ef_search), the share of postings read, top-10 overlap with tantivy, and the
latencies; "every posting" (bm25_candidates above any list, the search as it was before
impacts) is timed on the first ``--exhaustive-queries``. bm25s (its own tokenizer and stop
words, so overlap is indicative) is the in-process baseline.
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
from medora.index.postgres import (  # noqa: E402
    B,
    BM25_CANDIDATES,
    BOUND_SLACK,
    K1,
    PRUNING_SQL,
    TITLE_BOOST,
    PostgresIndex,
    query_terms,
)
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


EVERY_POSTING = 10**9  # bm25_candidates above any posting list: BM25 reads every posting, as before impacts


def postings_read(url: str, qs, m: int, k: int, lengths: dict[int, int]) -> float:
    """Share of the query terms' postings the pruned BM25 top ``k`` reads (every posting = 1)."""
    import psycopg

    read = total = 0
    with psycopg.connect(url) as conn:
        for terms, qtf in (query_terms(t, e) for t, e, _ in qs):
            for term_id, whole in conn.execute(PRUNING_SQL, {"terms": terms, "qtf": qtf, "k": k, "k1": K1, "b": B,
                                                             "title_boost": TITLE_BOOST, "m": max(m, k),
                                                             "slack": BOUND_SLACK}):
                length = lengths.setdefault(term_id, conn.execute(
                    "SELECT count(*) FROM postings WHERE term_id = %s", (term_id,)).fetchone()[0])
                read, total = read + (length if whole else min(length, max(m, k))), total + length
    return read / max(total, 1)


def top10_overlap(search, embedded: EmbeddedIndex, qs) -> float:
    """Mean share of ``search(text, 10, expansion)``'s top 10 that is tantivy's BM25 top 10, up to ties: a hit
    outside it counts when its score equals tantivy's 10th (which of equal passages make the cut is arbitrary)."""
    shares = []
    for t, e, _ in qs:
        ids, scores = search(t, 10, e)
        ref_ids, ref_scores = embedded.lexical_search(t, 10, e)
        if not len(ref_ids):
            shares.append(float(not len(ids)))
            continue
        last = float(ref_scores[-1])
        same = sum(1 for i, s in zip(ids.tolist(), scores.tolist())
                   if i in set(ref_ids.tolist()) or abs(s - last) <= 1e-5 * abs(last))
        shares.append(same / len(ref_ids))
    return float(np.mean(shares))


def bm25s_baseline(embedded: EmbeddedIndex, qs) -> dict:
    """bm25s over the same passages (section + text, its tokenizer and English stop words): build time, latency
    of a top-100 search (question + expansion words) and top-10 overlap with tantivy."""
    import bm25s

    rowids, texts = [], []
    for rowid, passage in embedded.store.iter_passages():
        rowids.append(rowid)
        texts.append(f"{passage.section}\n{passage.text}")
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    built = time.perf_counter() - started
    del texts
    ids = np.array(rowids, dtype=np.int64)

    def search(text: str, k: int, expansion: str):
        tokens = bm25s.tokenize([f"{text} {expansion}"], stopwords="en", show_progress=False)
        results, scores = retriever.retrieve(tokens, k=k, show_progress=False)
        return ids[results[0]], scores[0]

    return {"build_s": built, 1: latencies(lambda t, e, v: search(t, K, e), qs, 1),
            "overlap": top10_overlap(search, embedded, qs)}


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def pg_sizes(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        rel = dict(conn.execute(
            "SELECT relname, pg_relation_size(oid) + coalesce(pg_relation_size(reltoastrelid), 0) FROM pg_class"
            " WHERE relname IN ('documents', 'passages', 'passage_vectors', 'passage_vectors_hnsw', 'postings',"
            " 'postings_pkey', 'doc_postings', 'doc_postings_pkey', 'postings_impact', 'doc_postings_impact',"
            " 'terms', 'passages_pkey', 'passages_id_key',"
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


def variant_lines(variants, exhaustive, args) -> list[str]:
    """The Markdown table of ``measure_postgres``'s figures."""
    lines: list[str] = []
    lines += [
        "",
        f"PostgreSQL BM25 (top-{K} unless said) by bm25_candidates (postings read per term before pruning) and"
        " HNSW ef_search; read = share of the query terms' postings read (every posting = 1);"
        " overlap = top-10 shared with tantivy (up to ties at the 10th score):",
        "",
        "| bm25_candidates | ef_search | read k=100 | read k=10 | top-10 overlap | BM25 p50 / p95 ms "
        "| dense p50 ms | hybrid p50 / p95 ms, 1 client | hybrid p50 / p95 ms, 8 clients | load avg |",
        "|---:|---:|---:|---:|---:|---|---:|---|---|---|",
    ]
    for m, ef, f in variants:
        lines.append(f"| {m:,} | {ef} | {f['read_k100']:.3f} | {f['read_k10']:.3f} | {f['overlap']:.3f} "
                     f"| {f['bm25']['p50_ms']} / {f['bm25']['p95_ms']} | {f['parts']['dense']} "
                     f"| {f[1]['p50_ms']} / {f[1]['p95_ms']} | {f[8]['p50_ms']} / {f[8]['p95_ms']} | {f['load']} |")
    lines.append(f"| every posting (before) | 200 | 1 | 1 | {exhaustive['overlap']:.3f} "
                 f"| {exhaustive['bm25']['p50_ms']} / {exhaustive['bm25']['p95_ms']} | | "
                 f"{exhaustive['hybrid']['p50_ms']} / {exhaustive['hybrid']['p95_ms']} | not run "
                 f"| {exhaustive['load']} |")
    lines.append("")
    lines.append(f"'every posting' timed on the first {exhaustive['queries']} queries only, one client.")
    return lines


def measure_postgres(url: str, settings, embedded: EmbeddedIndex, qs, args) -> tuple[list, dict]:
    """Time PostgreSQL hybrid and BM25 search for each (bm25_candidates, ef_search), then with every posting read.

    Returns:
        [(bm25_candidates, ef_search, figures)], and the every-posting figures (first ``--exhaustive-queries``).
    """
    variants = []
    lengths: dict[int, int] = {}  # postings of a term
    for m in args.bm25_candidates:
        for ef in args.ef_search:
            pg = PostgresIndex(url, settings=settings, pool_size=8, bm25_candidates=m, ef_search=ef)
            figures = {clients: latencies(lambda t, e, v: pg.hybrid_search(t, v, K, RRF_K, expansion=e), qs,
                                          clients) for clients in (1, 8)}
            figures["parts"] = components(pg.lexical_search, pg.document_search, pg.dense_search_vector, qs)
            figures["bm25"] = latencies(lambda t, e, v: pg.lexical_search(t, K, e), qs, 1)
            figures["read_k100"] = postings_read(url, qs, m, K, lengths)
            figures["read_k10"] = postings_read(url, qs, m, 10, lengths)
            figures["overlap"] = top10_overlap(pg.lexical_search, embedded, qs)
            figures["recall"] = np.mean([len(set(pg.dense_search_vector(v, 10)[0])
                                             & set(embedded.vectors().search(v, 10)[0])) / 10 for _, _, v in qs])
            figures["load"] = load_average()
            variants.append((m, ef, figures))
            pg.close()
    pg = PostgresIndex(url, settings=settings, pool_size=8, bm25_candidates=EVERY_POSTING)
    few = qs[:args.exhaustive_queries]
    exhaustive = {"hybrid": latencies(lambda t, e, v: pg.hybrid_search(t, v, K, RRF_K, expansion=e), few, 1),
                  "bm25": latencies(lambda t, e, v: pg.lexical_search(t, K, e), few, 1),
                  "overlap": top10_overlap(pg.lexical_search, embedded, few), "load": load_average(),
                  "queries": len(few)}
    pg.close()
    return variants, exhaustive


def attached(args) -> str:
    """``--attach``: time an embedded index and a PostgreSQL server already loaded from it (by an earlier run)."""
    settings = get_settings(args.attach[1], env={})
    embedded = EmbeddedIndex(settings)
    qs = queries(embedded)[:args.queries]
    loads = {"start": load_average()}
    own = {clients: latencies(lambda t, e, v: embedded_hybrid(embedded, t, e, v), qs, clients) for clients in (1, 8)}
    parts = components(embedded.lexical_search, embedded.document_search,
                       lambda v, k: embedded.vectors().search(v, k), qs)
    loads["embedded"] = load_average()
    variants, exhaustive = measure_postgres(args.attach[0], settings, embedded, qs, args)
    n = embedded.stats()["passages"]
    embedded.close()
    lines = [f"Passages: {n:,}; {len(qs)} queries; hybrid = BM25 top-{K} + dense top-{K} + RRF.", "",
             f"embedded hybrid p50 / p95 ms: 1 client {own[1]['p50_ms']} / {own[1]['p95_ms']}, 8 clients"
             f" {own[8]['p50_ms']} / {own[8]['p95_ms']} ({own[8]['qps']} q/s); alone, p50 ms: BM25 {parts['bm25']},"
             f" document BM25 {parts['doc_bm25']}, dense (exact numpy) {parts['dense']}.",
             "HNSW recall@10 against exact cosine: " + ", ".join(
                 f"ef_search={ef}: {f['recall']:.3f}" for m, ef, f in variants if m == variants[0][0]) + "."]
    lines += variant_lines(variants, exhaustive, args)
    lines.append("Load average (1 / 5 / 15 min): " + "; ".join(f"{k}: {v}" for k, v in loads.items()) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="a built Medora data dir (default: MEDORA_DATA or ./.medora)")
    parser.add_argument("--synthetic", type=int, default=0, help="N synthetic passages (e.g. 100000, 1000000)")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--bm25-candidates", type=int, nargs="+", default=[BM25_CANDIDATES],
                        help="PostgreSQL BM25 postings read per term (each value timed; the first is the headline)")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[200], help="HNSW ef_search values to time")
    parser.add_argument("--exhaustive-queries", type=int, default=50,
                        help="queries timed with every posting read (the search before impacts), one client")
    parser.add_argument("--no-bm25s", action="store_true", help="skip the bm25s baseline")
    parser.add_argument("--attach", nargs=2, metavar=("PG_URL", "EMBEDDED_DATA_DIR"),
                        help="only time searches: a running server already loaded from this embedded index")
    parser.add_argument("--queries", type=int, default=QUERIES, help="queries (with --attach)")
    parser.add_argument("--maintenance-work-mem", default=PG_SETTINGS["maintenance_work_mem"],
                        help="PostgreSQL maintenance_work_mem for the load: the HNSW build of 1M vectors slows "
                        "tenfold once its graph outgrows it (1GB is enough for 100k; give 1M 4GB)")
    args = parser.parse_args(argv)
    if args.attach:
        text = attached(args)
        print(text)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text + "\n")
        return
    loads = {"start": load_average()}

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
    loads["embedded"] = load_average()
    baseline = None if args.no_bm25s else bm25s_baseline(embedded, qs)
    loads["bm25s"] = load_average()

    with LocalPostgres.start(settings={**PG_SETTINGS, "maintenance_work_mem": args.maintenance_work_mem}) as server:
        report = load_from_embedded(embedded, server.url(), maintenance_work_mem=args.maintenance_work_mem)
        loads["postgres load"] = load_average()
        sizes = pg_sizes(server.url())
        variants, exhaustive = measure_postgres(server.url(), settings, embedded, qs, args)
        m, ef, first = variants[0]
        results["postgres"] = {"load_s": report.seconds, "disk": sizes["database"], 1: first[1], 8: first[8],
                               "parts": first["parts"], "rss": pg_memory(server)}
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
        f"HNSW recall@10 against exact cosine: {variants[0][2]['recall']:.3f} (m=16, ef_construction=64,"
        f" ef_search={args.ef_search[0]}).",
        "",
        "PostgreSQL sizes (heap + TOAST, or index):",
        "",
        "| relation | MB | bytes per passage |",
        "|---|---:|---:|",
    ]
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {_mb(size)} | {size / max(n, 1):,.0f} |")
    lines += variant_lines(variants, exhaustive, args)
    if baseline:
        lines.append(f"bm25s (in process, built in {baseline['build_s']:.1f} s): top-{K} p50 / p95"
                     f" {baseline[1]['p50_ms']} / {baseline[1]['p95_ms']} ms, one client; top-10 overlap with"
                     f" tantivy {baseline['overlap']:.3f} (other tokenizer and stop words).")
    lines.append("Load average (1 / 5 / 15 min): " + "; ".join(f"{k}: {v}" for k, v in loads.items()) + ".")
    shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
