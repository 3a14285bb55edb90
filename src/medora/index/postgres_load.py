"""Loading the PostgreSQL backend from an embedded index: COPY in bulk, or per document.

    report = load_from_embedded(EmbeddedIndex(settings), "postgresql://medora@db/medora")

A full load truncates, COPYs documents, passages, postings and vectors (postings and
vectors in PostgreSQL's binary COPY format laid out by numpy), then builds the postings
keys and the HNSW index once. A reload by document deletes the documents' rows (their
postings found through the ``term_ids`` forward index) and COPYs the new version, keeping
document frequencies and token totals exact by adding and subtracting deltas.

Postings are COPYed into a staging table first and moved into place with their ``impact``
(the posting's BM25 score for a query weight of 1, which search reads best first; see
``postgres._BM25_TEMPLATE``), because idf and average lengths are known only once every
batch is in. A full load computes every impact from the final statistics, in term then
impact order on disk. A reload computes the new postings' impacts with the same averages
and, per term, the same idf the term's other impacts have (``impact_avg_*``, ``impact_idf_*``;
a term new to the index takes today's): the impacts of documents a reload or delete does not
touch are not rewritten, and search widens its bounds by how far the statistics moved since.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import psycopg

from .. import __version__
from ..errors import IndexStoreError
from ..types import Document
from . import postgres_schema as schema
from .embedded import BOILERPLATE_INFO, HOMOGRAPHS_INFO
from .lexical_tantivy import indexed_title
from .postgres import B, EMBED_DIM, K1, TITLE_BOOST, TOKENIZER, analyze, fieldnorm, redact


@dataclass
class LoadReport:
    """What a load did."""

    documents: int = 0
    passages: int = 0
    vectors: int = 0
    postings: int = 0
    deleted_documents: int = 0
    seconds: float = 0.0



_DOC_BATCH = 2000
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_COPY_TRAILER = b"\xff\xff"


def _binary_copy(cur: psycopg.Cursor, table_cols: str, dtype: list, values: dict[str, np.ndarray], n: int) -> None:
    """COPY ... FROM STDIN (FORMAT BINARY) with rows laid out by numpy: no per-row Python."""
    rows = np.zeros(n, dtype=np.dtype(dtype))
    rows["nfields"] = sum(1 for name, *_ in dtype if name.startswith("len_"))
    for name, *_ in dtype:
        if name.startswith("len_"):
            rows[name] = rows.dtype[name[4:]].itemsize
    for name, arr in values.items():
        rows[name] = arr
    if "len_embedding" in rows.dtype.names:  # pgvector's binary form: int16 dim, int16 unused, float4[]
        rows["len_embedding"] = 4 + 4 * EMBED_DIM
    with cur.copy(f"COPY {table_cols} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER)


# Fill in idf and average lengths for impacts where none are recorded yet (the first load,
# a term new to the index), then move the staged postings into place with their impacts.
_IMPACT_STATS_SQL = """
UPDATE corpus_stats SET {pre}impact_avg_title = greatest({tokens}title_tokens::float8 / greatest({n}, 1), 1e-9),
                        {pre}impact_avg_body = greatest({tokens}body_tokens::float8 / greatest({n}, 1), 1e-9)
WHERE %(full)s OR {pre}impact_avg_title = 0;
UPDATE terms t SET {pre}impact_idf_title = ln(1 + (s.{n} - t.{df}title + 0.5) / (t.{df}title + 0.5)),
                   {pre}impact_idf_body = ln(1 + (s.{n} - t.{df}body + 0.5) / (t.{df}body + 0.5))
FROM corpus_stats s WHERE t.{pre}impact_idf_title IS NULL"""
_IMPACT_INSERT_SQL = """
INSERT INTO {table} (term_id, {key}, title_tf, body_tf, title_len, body_len, impact)
SELECT n.term_id, n.{key}, n.title_tf, n.body_tf, n.title_len, n.body_len,
       %(title_boost)s * (1 + %(k1)s) * t.{pre}impact_idf_title * n.title_tf
           / (n.title_tf + %(k1)s * (1 - %(b)s + %(b)s * n.title_len / s.{pre}impact_avg_title))
       + (1 + %(k1)s) * t.{pre}impact_idf_body * n.body_tf
           / (n.body_tf + %(k1)s * (1 - %(b)s + %(b)s * n.body_len / s.{pre}impact_avg_body)) AS impact
FROM _new_{table} n JOIN terms t ON t.term_id = n.term_id CROSS JOIN corpus_stats s
ORDER BY n.term_id, impact DESC"""
_IMPACT_TABLES = (dict(table="postings", key="rowid", pre="", df="df_", n="passages", tokens=""),
                  dict(table="doc_postings", key="doc_key", pre="doc_", df="doc_df_", n="documents", tokens="doc_"))


def _insert_with_impacts(cur: psycopg.Cursor, full: bool) -> None:
    """Move the staged postings into ``postings`` / ``doc_postings`` with their impacts."""
    params = {"full": full, "k1": K1, "b": B, "title_boost": TITLE_BOOST}
    for names in _IMPACT_TABLES:
        for sql in _IMPACT_STATS_SQL.format(**names).split(";"):
            cur.execute(sql, params)
        cur.execute(_IMPACT_INSERT_SQL.format(**names), params)
        cur.execute(f"TRUNCATE _new_{names['table']}")


_VECTOR_DTYPE = [("nfields", ">i2"), ("len_rowid", ">i4"), ("rowid", ">i8"), ("len_embedding", ">i4"), ("dim", ">i2"),
                 ("unused", ">i2"), ("embedding", ">f4", (EMBED_DIM,))]


def delete(conn: psycopg.Connection, doc_ids: list[str]) -> int:
    """Delete documents, their postings (found through the ``term_ids`` forward index) and fix the statistics."""
    if not doc_ids:
        return 0
    for postings, owner, where, own_key, key, df in (("postings", "passages", "doc_id", "rowid", "rowid", "df_"),
                                                    ("doc_postings", "documents", "id", "key", "doc_key", "doc_df_")):
        conn.execute(
            f"""
            WITH gone AS (SELECT {own_key} AS k, unnest(term_ids) AS term_id FROM {owner} WHERE {where} = ANY(%(ids)s)),
            del AS (DELETE FROM {postings} p USING gone g WHERE p.term_id = g.term_id AND p.{key} = g.k
                    RETURNING p.term_id, p.title_tf, p.body_tf)
            UPDATE terms t SET {df}title = t.{df}title - d.dt, {df}body = t.{df}body - d.db
            FROM (SELECT term_id, count(*) FILTER (WHERE title_tf > 0) AS dt, count(*) FILTER (WHERE body_tf > 0) AS db
                  FROM del GROUP BY term_id) d
            WHERE t.term_id = d.term_id
            """, {"ids": doc_ids},
        )
    conn.execute(
        """UPDATE corpus_stats SET passages = passages - p.n, title_tokens = title_tokens - p.t,
                  body_tokens = body_tokens - p.b, documents = documents - d.n,
                  doc_title_tokens = doc_title_tokens - d.t, doc_body_tokens = doc_body_tokens - d.b
           FROM (SELECT count(*) AS n, coalesce(sum(title_len), 0) AS t, coalesce(sum(body_len), 0) AS b
                 FROM passages WHERE doc_id = ANY(%(ids)s)) p,
                (SELECT count(*) AS n, coalesce(sum(title_len), 0) AS t, coalesce(sum(body_len), 0) AS b
                 FROM documents WHERE id = ANY(%(ids)s)) d""", {"ids": doc_ids},
    )
    return conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (doc_ids,)).rowcount


def load_from_embedded(embedded, pg_url: str, *, doc_ids: Iterable[str] | None = None,
                       maintenance_work_mem: str = "512MB") -> LoadReport:
    """Copy an embedded index into PostgreSQL: documents, passages, postings and vectors, by COPY.

    Args:
        embedded: an open ``EmbeddedIndex``.
        pg_url: the primary's URL; the schema is created or migrated first.
        doc_ids: reload only these documents (incremental update); None replaces everything.
        maintenance_work_mem: for the HNSW and key builds after a full load.

    Returns:
        A ``LoadReport`` with counts and the time taken.
    """
    with _connect(pg_url) as conn:
        schema.migrate(conn)
        return load(conn, embedded, None if doc_ids is None else list(doc_ids), maintenance_work_mem)


def holds(embedded, pg_url: str) -> bool:
    """Whether the server at ``pg_url`` holds this embedded index: same layout, settings, corpus version
    and number of vectors (False for an empty, wiped or older database, or one a load with vectors
    added since never reached)."""
    with _connect(pg_url) as conn:
        missing = [f.__name__ for f in schema.MIGRATIONS if f.__name__ not in schema.applied(conn)]
        if missing:
            return False
        info = dict(conn.execute("SELECT key, value FROM info").fetchall())
        vectors = conn.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]
    return HOMOGRAPHS_INFO in info and (info.get("layout"), info.get("params"), info.get("corpus_version"), vectors) == (
        schema.LAYOUT, embedded.settings.index_params(), embedded.store.get_info("corpus_version"),
        embedded.store.counts()["vectors"])


def _connect(pg_url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(pg_url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as e:
        raise IndexStoreError(
            f"Cannot connect to PostgreSQL at {redact(pg_url)} — is the server running? ({e})") from e


def load(conn: psycopg.Connection, embedded, doc_ids: list[str] | None,
         maintenance_work_mem: str = "512MB") -> LoadReport:
    """Load everything (``doc_ids`` None: replace all) or reload these documents, in one transaction."""
    started = time.perf_counter()
    report = LoadReport()
    db = embedded.store.db
    full = doc_ids is None
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (schema._LOCK_KEY,))
        if full:
            cur.execute("TRUNCATE documents, passages, passage_vectors, postings, doc_postings, terms, abbreviations"
                        " RESTART IDENTITY")
            cur.execute("UPDATE corpus_stats SET passages = 0, title_tokens = 0, body_tokens = 0, documents = 0,"
                        " doc_title_tokens = 0, doc_body_tokens = 0")
            # Bulk load without indexes, then build them once (much faster than row by row).
            cur.execute("DROP INDEX IF EXISTS passage_vectors_hnsw")
            for name in schema.POSTINGS_KEYS:
                cur.execute(f"ALTER TABLE {name.removesuffix('_pkey')} DROP CONSTRAINT IF EXISTS {name}")
            for name in schema.IMPACT_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {name}")
            ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
        else:
            report.deleted_documents = delete(conn, doc_ids)
            ids = [r[0] for r in db.execute(f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(doc_ids))})",
                                            doc_ids)] if doc_ids else []
        term_ids: dict[str, int] = {}
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS _new_terms (term text) ON COMMIT DROP")
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS _df (term_id int, dt int, db int, ddt int, ddb int)"
                    " ON COMMIT DROP")
        for table in ("postings", "doc_postings"):
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS _new_{table} (LIKE {table} INCLUDING DEFAULTS)"
                        " ON COMMIT DROP")
        for start in range(0, len(ids), _DOC_BATCH):
            _load_batch(cur, embedded, ids[start : start + _DOC_BATCH], term_ids, report)
        if full:  # the impact-ordered rewrite sorts every posting once
            cur.execute(f"SET LOCAL work_mem = '{maintenance_work_mem}'")
        _insert_with_impacts(cur, full)
        if full:
            cur.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
            for sql in [*schema.POSTINGS_KEYS.values(), *schema.IMPACT_INDEXES.values()]:
                cur.execute(sql)
            cur.execute(schema.HNSW_INDEX)
        cur.execute("DELETE FROM terms WHERE df_title = 0 AND df_body = 0 AND doc_df_title = 0 AND doc_df_body = 0")
        cur.execute("DELETE FROM abbreviations")
        with cur.copy("COPY abbreviations (short, long_forms) FROM STDIN") as copy:
            for short, long_forms in embedded.store.abbreviations().items():
                copy.write_row((short, json.dumps(long_forms)))
        info = {"params": embedded.settings.index_params(), "corpus_version": embedded.store.get_info("corpus_version"),
                "model": embedded.model_id, "tokenizer": TOKENIZER, "layout": schema.LAYOUT,
                BOILERPLATE_INFO: sorted(embedded.boilerplate()),
                HOMOGRAPHS_INFO: sorted(embedded.homographs()),
                "medora_version": __version__}
        cur.executemany("INSERT INTO info VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [(k, json.dumps(v)) for k, v in info.items()])
    if full:
        conn.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    return report


class _Postings:
    """Postings of one batch, gathered in flat lists and written with one binary COPY."""

    def __init__(self) -> None:
        names = ("term_id", "key", "title_tf", "body_tf", "title_len", "body_len")
        self.cols: dict[str, list[int]] = {c: [] for c in names}
        self.df: dict[int, list[int]] = {}

    def add(self, key: int, title: Counter, body: Counter, title_len: int, body_len: int,
            term_ids: dict[str, int]) -> list[int]:
        """Add one passage or document; returns its term ids (its forward index)."""
        tids, c = [], self.cols
        tlen, blen = fieldnorm(title_len), fieldnorm(body_len)  # tantivy's length buckets
        for term in title.keys() | body.keys():
            tid = term_ids[term]
            tids.append(tid)
            t, b = title.get(term, 0), body.get(term, 0)
            c["term_id"].append(tid), c["key"].append(key), c["title_tf"].append(t), c["body_tf"].append(b)
            c["title_len"].append(tlen), c["body_len"].append(blen)
            d = self.df.setdefault(tid, [0, 0])
            d[0] += t > 0
            d[1] += b > 0
        return sorted(tids)

    def copy(self, cur: psycopg.Cursor, table: str, key: str, dtype: list) -> int:
        arrays = {name: np.asarray(values, dtype=np.int64) for name, values in self.cols.items()}
        order = np.lexsort((arrays["key"], arrays["term_id"]))
        _binary_copy(cur, f"{table} (term_id, {key}, title_tf, body_tf, title_len, body_len)", dtype,
                     {(key if name == "key" else name): a[order] for name, a in arrays.items()}, len(order))
        return len(order)


def _posting_dtype(key: str, small: bool) -> list:
    i = ">i2" if small else ">i4"
    fields = [("term_id", ">i4"), (key, ">i4"), ("title_tf", i), ("body_tf", i), ("title_len", i), ("body_len", i)]
    return [("nfields", ">i2")] + [f for name, t in fields for f in ((f"len_{name}", ">i4"), (name, t))]


def _load_batch(cur: psycopg.Cursor, embedded, doc_ids: list[str], term_ids: dict[str, int],
                report: LoadReport) -> None:
    db = embedded.store.db
    marks = ",".join("?" * len(doc_ids))
    docs = db.execute(
        "SELECT id, type, title, source, year, url, audience, date, licence, meta, refs, sections, content_hash,"
        f" indexed_at FROM documents WHERE id IN ({marks})", doc_ids).fetchall()
    rows = db.execute(
        'SELECT rowid, id, doc_id, section, text, start, "end", position, kind, evidence_quality, strength,'
        f" evidence_level, cites, content_hash FROM passages WHERE doc_id IN ({marks}) ORDER BY rowid", doc_ids
    ).fetchall()
    if rows and rows[-1][0] >= 2**31:
        raise IndexStoreError("Passage rowids above 2^31 do not fit the postings table; widen postings.rowid first")
    # Terms as tantivy indexes them: per passage title + "section\ntext"; per document
    # title + every "section name\nsection text".
    titles, doc_terms = {}, {}
    for row in docs:
        head = Document(row[0], row[1], row[2], row[3], row[4], row[5], row[6], (), meta=json.loads(row[9]))
        titles[row[0]] = analyze(indexed_title(head))
        body = analyze("\n".join(f"{name}\n{text}" for name, text in json.loads(row[11])))
        doc_terms[row[0]] = (Counter(titles[row[0]]), Counter(body), len(titles[row[0]]), len(body))
    passage_terms = []
    for row in rows:
        body = analyze(f"{row[3]}\n{row[4]}")
        passage_terms.append((Counter(titles[row[2]]), Counter(body), len(titles[row[2]]), len(body)))
    if max((p[3] for p in passage_terms), default=0) > 32767:
        raise IndexStoreError("A passage has more than 32767 terms; postings store lengths as smallint")
    vocabulary = set().union(*(t.keys() | b.keys() for t, b, _, _ in [*doc_terms.values(), *passage_terms]))
    new = sorted(vocabulary - term_ids.keys())
    if new:
        cur.execute("TRUNCATE _new_terms")
        with cur.copy("COPY _new_terms (term) FROM STDIN") as copy:
            for term in new:
                copy.write_row((term,))
        cur.execute("INSERT INTO terms (term) SELECT term FROM _new_terms ON CONFLICT (term) DO NOTHING")
        term_ids.update(cur.execute("SELECT t.term, t.term_id FROM terms t JOIN _new_terms n ON n.term = t.term"))

    doc_postings, postings = _Postings(), _Postings()
    keys = [r[0] for r in cur.execute("SELECT nextval(pg_get_serial_sequence('documents', 'key'))"
                                      " FROM generate_series(1, %s)", (len(docs),)).fetchall()]
    with cur.copy("COPY documents (id, type, title, source, year, url, audience, date, licence, meta, refs, sections,"
                  " content_hash, indexed_at, key, title_len, body_len, term_ids) FROM STDIN") as copy:
        for row, key in zip(docs, keys):
            title, body, title_len, body_len = doc_terms[row[0]]
            copy.write_row((*row, key, title_len, body_len, doc_postings.add(key, title, body, title_len, body_len,
                                                                               term_ids)))
    with cur.copy("COPY passages FROM STDIN") as copy:
        for row, terms in zip(rows, passage_terms):
            copy.write_row((*row, terms[2], terms[3], postings.add(row[0], *terms, term_ids)))
    report.postings += postings.copy(cur, "_new_postings", "rowid", _posting_dtype("rowid", small=True))
    doc_postings.copy(cur, "_new_doc_postings", "doc_key", _posting_dtype("doc_key", small=False))
    cur.execute("TRUNCATE _df")
    with cur.copy("COPY _df FROM STDIN") as copy:
        for tid in postings.df.keys() | doc_postings.df.keys():
            copy.write_row((tid, *postings.df.get(tid, (0, 0)), *doc_postings.df.get(tid, (0, 0))))
    cur.execute("UPDATE terms t SET df_title = t.df_title + d.dt, df_body = t.df_body + d.db,"
                " doc_df_title = t.doc_df_title + d.ddt, doc_df_body = t.doc_df_body + d.ddb FROM _df d"
                " WHERE t.term_id = d.term_id")
    cur.execute("UPDATE corpus_stats SET passages = passages + %s, title_tokens = title_tokens + %s,"
                " body_tokens = body_tokens + %s, documents = documents + %s, doc_title_tokens = doc_title_tokens + %s,"
                " doc_body_tokens = doc_body_tokens + %s",
                (len(rows), sum(p[2] for p in passage_terms), sum(p[3] for p in passage_terms),
                 len(docs), sum(d[2] for d in doc_terms.values()), sum(d[3] for d in doc_terms.values())))
    vec_rows = db.execute(
        "SELECT p.rowid, v.vector FROM passages p JOIN vectors v ON v.content_hash = p.content_hash AND v.model = ?"
        f" WHERE p.doc_id IN ({marks}) ORDER BY p.rowid", [embedded.model_id, *doc_ids]).fetchall()
    if vec_rows:
        matrix = np.frombuffer(b"".join(r[1] for r in vec_rows), dtype=np.float32).reshape(len(vec_rows), EMBED_DIM)
        _binary_copy(cur, "passage_vectors (rowid, embedding)", _VECTOR_DTYPE,
                     {"rowid": np.array([r[0] for r in vec_rows], dtype=np.int64), "dim": EMBED_DIM,
                      "embedding": matrix}, len(vec_rows))
    report.documents += len(docs)
    report.passages += len(rows)
    report.vectors += len(vec_rows)
