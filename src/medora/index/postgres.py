"""The PostgreSQL + pgvector backend: the same search as ``EmbeddedIndex``, on a server.

    load_from_embedded(EmbeddedIndex(settings), "postgresql://...")   # postgres_load: COPY everything
    index = PostgresIndex("postgresql://...", settings=settings)
    retrieve("HER2-positive breast cancer", index, settings.retrieve)          # retrieval can't tell

Lexical search is true BM25 (k1=1.2, b=0.75, title boost 0.6 + body, tantivy's
formula) computed in SQL from a ``postings`` table, not ``ts_rank`` (which ignores
how rare a term is). Terms come from tantivy's own ``en_stem`` analyzer (simple
tokenizer, drop tokens of 40+ bytes, lower-case, Snowball English), run in Python at
load and query time, so both backends see identical terms. PostgreSQL's
``to_tsvector('english')`` was not used: it drops stop words, indexes "her2-positive"
as three tokens and "2.5" as one, which would change document lengths and matches.
Field lengths in the postings are bucketed the way tantivy stores them (one byte a
length: exact up to 40 tokens, then ~6-12 % steps; ``fieldnorm``); averages use exact
token totals, as tantivy's do. So both backends give the same scores up to float32
rounding — see tests/test_postgres_backend.py for the measured agreement. A search does
not read every posting of every query term: postings are stored with their score
(impact-ordered) and bounds tell which terms' long lists cannot change the top k
(``_BM25_TEMPLATE``); the top k stays the exact one.

Dense search is pgvector HNSW (``vector_cosine_ops``); scores are cosine similarities.
``hybrid_search`` does both rankings and reciprocal-rank fusion in one statement.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import DocumentNotFound, IndexMismatch, IndexNotBuilt, IndexStoreError, PassageNotFound
from ..types import Document, Passage, Reference, Section
from . import postgres_schema as schema
from . import vocabulary
from .embedded import BOILERPLATE_INFO, HOMOGRAPHS_INFO
from .lexical_tantivy import EXPANSION_BOOST, PREFIX_LETTERS, one_edit_apart, safe_query, typo_candidate

K1, B, TITLE_BOOST = 1.2, 0.75, 0.6  # tantivy's BM25 constants; TantivyLexical's title boost
# Postings read per query term, best impact first, before the bounds decide which terms' whole lists
# must be read (the default of settings.index.postgres_bm25_candidates; see _BM25_TEMPLATE and
# benchmarks/RESULTS.md, "PostgreSQL BM25 at 1M passages").
BM25_CANDIDATES = 250
# Impacts are stored as float4 (relative error < 6e-8): bounds are widened by this factor to stay bounds.
BOUND_SLACK = 1.000001
EMBED_DIM = 384
TOKENIZER = "tantivy-en_stem"
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
# What a reader is told when the database cannot be reached (the log names the server; responses do not).
UNAVAILABLE = "The search index is unavailable (its database server cannot be reached); try again in a moment."
logger = logging.getLogger(__name__)

# -- terms -------------------------------------------------------------------------------

_local = threading.local()


def analyze(text: str) -> list[str]:
    """tantivy's ``en_stem`` terms of ``text`` (the analyzer object is per thread)."""
    analyzer = getattr(_local, "analyzer", None)
    if analyzer is None:
        import tantivy

        analyzer = _local.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english")).build()
        )
    return analyzer.analyze(text)


def _fieldnorm_table() -> list[int]:
    # tantivy's one-byte length code (src/fieldnorm/code.rs): identity below 24, then
    # 3 mantissa bits with a growing shift.
    table = []
    for byte in range(256):
        if byte < 24:
            table.append(byte)
            continue
        bits, shift = (byte - 24) & 7, (byte - 24) >> 3
        table.append(24 + (bits if shift == 0 else (bits | 8) << (shift - 1)))
    return table


FIELDNORMS = _fieldnorm_table()


def fieldnorm(length: int) -> int:
    """The length tantivy scores a field of ``length`` tokens with (largest table entry <= length)."""
    return FIELDNORMS[bisect.bisect_right(FIELDNORMS, length) - 1]


def query_terms(query: str, expansion: str = "") -> tuple[list[str], list[float]]:
    """Distinct terms of a query and the weight of each, as ``TantivyLexical.search`` parses them.

    Each distinct question word counts 1 and each new expansion word ``EXPANSION_BOOST``
    (tantivy's query parser drops a repeated word); different words that stem to the same
    term add up, as tantivy scores each word's clause.
    """
    words = list(dict.fromkeys(safe_query(query).split()))
    extra = [w for w in dict.fromkeys(safe_query(expansion).split()) if w not in words]
    weights: dict[str, float] = {}
    for word, weight in [(w, 1.0) for w in words] + [(w, EXPANSION_BOOST) for w in extra]:
        for term in analyze(word):
            weights[term] = weights.get(term, 0.0) + weight
    return list(weights), list(weights.values())


# -- SQL -----------------------------------------------------------------------------------

# BM25 per field, summed over fields and query terms, exactly as tantivy scores
# `title:t^0.6 body:t` clauses: boost * idf * (1 + k1) * tf / (tf + k1 * (1 - b + b * len / avglen)),
# idf = ln(1 + (N - df + 0.5) / (df + 0.5)), N = passages (or documents), df per field.
#
# Reading every posting of a common term is what made this slow (125 ms p50 at 100k passages):
# question words like "the", "in", "of" are in most passages. Each posting stores its ``impact``
# (its score for a query weight of 1, computed at load by postgres_load), indexed by
# (term_id, impact DESC), and the exact top k comes from MaxScore-style pruning in one statement:
#   1. ``top``: the best ``m`` postings of each query term (``bm25_candidates``). A posting not
#      read scores at most the term's ``bound``: its m-th impact (0 when the whole list was read)
#      times ``drift`` (how far idf and average lengths moved since the impacts were computed:
#      reloads and deletes do not rewrite the impacts of documents they do not touch).
#      ``theta0``: the k passages best so far, completed by key lookups; the k-th of their exact
#      scores is a lower bound of the final k-th score.
#   2. ``ess``: terms ordered by bound, the smallest first, are left pruned while their bounds sum
#      below theta0 (a passage holding none of the others cannot reach the top k); every posting of
#      the rest is read. Common words have small bounds (low idf): their long lists stay unread.
#   3. A passage read for some terms is scored exactly (the missing postings read by key) when its
#      score so far plus the bounds of the pruned terms it was not seen for can still reach ``theta``.
# With m above every list length nothing is pruned: the ranking is the one from scoring every posting.
# One posting p's score for one query term w.
_CONTRIBUTION = ("w.w_title * p.title_tf / (p.title_tf + %(k1)s * (1 - %(b)s + %(b)s * p.title_len / w.avg_title))"
                 " + w.w_body * p.body_tf / (p.body_tf + %(k1)s * (1 - %(b)s + %(b)s * p.body_len / w.avg_body))")
# Terms are told apart by one bit of a bigint (which terms a passage was seen for); the terms of a
# (rare) longer query beyond 62 are read whole, so never need one.
_BM25_TEMPLATE = """
q AS (SELECT t.term_id, t.{df}title AS df_title, t.{df}body AS df_body, x.qtf,
             t.{pre}impact_idf_title AS idf0_title, t.{pre}impact_idf_body AS idf0_body,
             CASE WHEN x.ord <= 62 THEN 1::int8 << (x.ord::int - 1) ELSE 0 END AS bit
      FROM unnest(%(terms)s::text[], %(qtf)s::float8[]) WITH ORDINALITY AS x(term, qtf, ord)
      JOIN terms t ON t.term = x.term),
s AS (SELECT {n}::float8 AS n,
             greatest({tokens}title_tokens::float8 / greatest({n}, 1), 1e-9) AS avg_title,
             greatest({tokens}body_tokens::float8 / greatest({n}, 1), 1e-9) AS avg_body,
             greatest({pre}impact_avg_title, 1e-9) AS avg0_title, greatest({pre}impact_avg_body, 1e-9) AS avg0_body
      FROM corpus_stats),
w AS (SELECT q.term_id, q.bit, s.avg_title, s.avg_body,
             q.qtf * %(title_boost)s * (1 + %(k1)s) * i.title AS w_title,
             q.qtf * (1 + %(k1)s) * i.body AS w_body,
             -- a stored impact times this bounds the posting's score now (a tf part grows at most by
             -- avglen now / avglen then when the average length grows; idf scales it directly)
             q.qtf * greatest(i.title / q.idf0_title * greatest(1, s.avg_title / s.avg0_title),
                              i.body / q.idf0_body * greatest(1, s.avg_body / s.avg0_body)) * %(slack)s AS drift
      FROM q CROSS JOIN s CROSS JOIN LATERAL (
          SELECT ln(1 + (s.n - q.df_title + 0.5) / (q.df_title + 0.5)) AS title,
                 ln(1 + (s.n - q.df_body + 0.5) / (q.df_body + 0.5)) AS body) i),
top AS (SELECT w.term_id, w.bit, p.{key}, ({score})::float8 AS score, p.impact
        FROM w CROSS JOIN LATERAL (SELECT * FROM {postings} p WHERE p.term_id = w.term_id
                                   ORDER BY p.impact DESC LIMIT %(m)s) p),
cut AS (SELECT w.term_id, w.bit,
               CASE WHEN count(t.term_id) < %(m)s THEN 0 ELSE min(t.impact) * w.drift END AS bound
        FROM w LEFT JOIN top t ON t.term_id = w.term_id GROUP BY w.term_id, w.bit, w.drift),
-- the k passages best so far, completed by key lookups: the k-th of their scores is a lower bound
-- of the final k-th score (``bit`` 0: never looked up, so at worst under-counted)
best0 AS (SELECT {key}, sum(score) AS lb, bit_or(bit) AS seen FROM top GROUP BY {key} ORDER BY lb DESC LIMIT %(k)s),
theta0 AS (SELECT CASE WHEN count(*) < %(k)s THEN 0 ELSE min(b.lb + coalesce(e.score, 0)) END AS lb
           FROM best0 b LEFT JOIN LATERAL (
               SELECT sum({score}) AS score FROM w JOIN {postings} p ON p.term_id = w.term_id AND p.{key} = b.{key}
               WHERE w.bit > 0 AND (b.seen & w.bit) = 0) e ON true),
ess AS (SELECT term_id FROM (SELECT term_id, bit, bound, sum(bound) OVER (ORDER BY bound, term_id) AS below
                             FROM cut) c
        WHERE c.bound > 0 AND (c.below >= (SELECT lb FROM theta0) OR c.bit = 0)),
pruned AS (SELECT term_id, bit, bound FROM cut WHERE bound > 0 AND term_id NOT IN (SELECT term_id FROM ess)),
-- what was read: the pruned terms' top postings and the other terms' whole lists, each with the
-- bound of its term when that term is pruned (what a passage seen for it no longer misses)
hits AS (SELECT t.{key}, t.score, t.bit, coalesce(x.bound, 0) AS pb FROM top t
         LEFT JOIN pruned x ON x.term_id = t.term_id WHERE t.term_id NOT IN (SELECT term_id FROM ess)
         UNION ALL
         SELECT p.{key}, ({score})::float8, w.bit, 0 FROM w JOIN {postings} p ON p.term_id = w.term_id
         WHERE w.term_id IN (SELECT term_id FROM ess)),
part AS (SELECT {key}, sum(score) AS lb, bit_or(bit) AS seen, sum(pb) AS seen_pruned FROM hits GROUP BY {key}),
theta AS (SELECT greatest((SELECT lb FROM theta0),
                          coalesce((SELECT lb FROM part ORDER BY lb DESC LIMIT 1 OFFSET %(k)s - 1), 0)) AS lb),
-- float noise in the subtraction only adds candidates (each is scored exactly), never drops one
cand AS (SELECT p.{key}, p.lb, p.seen FROM part p
         WHERE p.lb + ((SELECT coalesce(sum(bound), 0) FROM pruned) - p.seen_pruned) * %(slack)s
               >= (SELECT lb FROM theta) * (2 - %(slack)s)),
extra AS (SELECT c.{key}, sum({score}) AS score
          FROM cand c JOIN pruned x ON (c.seen & x.bit) = 0 JOIN w ON w.term_id = x.term_id
               JOIN {postings} p ON p.term_id = x.term_id AND p.{key} = c.{key}
          GROUP BY c.{key}),
lex AS (SELECT c.{key}::int8 AS {key}, c.lb + coalesce(e.score, 0) AS score
        FROM cand c LEFT JOIN extra e ON e.{key} = c.{key})"""
_BM25_CTES = _BM25_TEMPLATE.format(df="df_", pre="", n="passages", tokens="", key="rowid", postings="postings",
                                   score=_CONTRIBUTION)
_DOC_BM25_CTES = _BM25_TEMPLATE.format(df="doc_df_", pre="doc_", n="documents", tokens="doc_", key="doc_key",
                                       postings="doc_postings", score=_CONTRIBUTION)
# Per query term: its id and whether every posting of it was read (benchmarks count postings read).
PRUNING_SQL = ("WITH" + _BM25_CTES + "\nSELECT c.term_id, c.bound = 0 OR c.term_id IN (SELECT term_id FROM ess)"
               " FROM cut c")

DOCUMENT_SQL = "WITH" + _DOC_BM25_CTES + """
SELECT d.id, lex.score FROM lex JOIN documents d ON d.key = lex.doc_key ORDER BY lex.score DESC, d.key LIMIT %(k)s"""
# A score summed over terms in another order (the planner's) differs in its last bits: ranked to nine
# decimals, equal scores tie on rowid in every query (the lexical search and the hybrid's alike).
_LEX_ORDER = "round(score::numeric, 9) DESC, rowid"
LEXICAL_SQL = "WITH" + _BM25_CTES + f"\nSELECT rowid, score FROM lex ORDER BY {_LEX_ORDER} LIMIT %(k)s"

# NOTE: the ORDER BY distance LIMIT k must stay alone in the inner query for pgvector to use HNSW;
# ties (identical vectors of duplicate passages) are ordered by rowid outside it.
_DENSE_CTE = """
nn AS (SELECT rowid, dist FROM (SELECT rowid, embedding <=> %(vec)s::vector AS dist FROM passage_vectors
                                ORDER BY dist LIMIT %(k)s) hnsw)"""
DENSE_SQL = "WITH" + _DENSE_CTE + "\nSELECT rowid, 1 - dist FROM nn ORDER BY dist, rowid"

HYBRID_SQL = (
    "WITH" + _BM25_CTES + "," + _DENSE_CTE + """,
lex_top AS (SELECT rowid, score, row_number() OVER (ORDER BY """ + _LEX_ORDER + """) AS rank
            FROM lex ORDER BY """ + _LEX_ORDER + """ LIMIT %(k)s),
dense_top AS (SELECT rowid, dist, row_number() OVER (ORDER BY dist, rowid) AS rank FROM nn),
fused AS (SELECT coalesce(l.rowid, d.rowid) AS rowid,
                 coalesce(1.0::float8 / (%(rrf_k)s + l.rank), 0)
                 + coalesce(1.0::float8 / (%(rrf_k)s + d.rank), 0) AS fused,
                 l.score AS bm25, 1 - d.dist AS dense
          FROM lex_top l FULL JOIN dense_top d ON d.rowid = l.rowid)
SELECT rowid, fused, bm25, dense FROM fused ORDER BY fused DESC, rowid LIMIT %(limit)s"""
)

# PostgreSQL text cannot hold NUL: no id holds one, and a key with one (typed into a URL) finds nothing.
_NUL = "\x00"

_PASSAGE_COLS = ('rowid, id, doc_id, section, text, start, "end", position, kind, evidence_quality, strength,'
                 " evidence_level, cites")
_DOC_COLS = "id, type, title, source, year, url, audience, date, licence, meta, refs"


@dataclass(frozen=True, slots=True)
class HybridResult:
    """Fused ranking from ``hybrid_search``; ``bm25``/``dense`` are NaN where a passage was not in that top-k."""

    ids: np.ndarray  # int64 passage rowids, best first
    fused: np.ndarray  # float64 reciprocal-rank-fusion scores
    bm25: np.ndarray  # float32
    dense: np.ndarray  # float32 cosine similarity


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<invalid PostgreSQL URL>"
    user, host, port, db = (parts.get(k, "") for k in ("user", "host", "port", "dbname"))
    return f"postgresql://{user}@{host}:{port or 5432}/{db}"


def _vector_literal(vector: np.ndarray) -> str:
    # float32 -> Python float is exact and round-trips through pgvector's float4 parser
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"


class PostgresIndex:
    """Documents, passages, BM25 postings and HNSW vectors in PostgreSQL, behind ``EmbeddedIndex``'s methods.

    Example::

        index = PostgresIndex("postgresql://medora@db/medora", settings=settings,
                              replica_url="postgresql://medora@replica/medora")  # searches go to the replica
        rowids, scores = index.lexical_search("her2 breast cancer", k=10)
        index.passages(rowids)

    Args:
        url: the primary (writes: ``delete_documents``, ``reload_documents``; with a replica, connected
            to on the first write).
        settings: ``Settings``: the index parameters the data must have been built with and
            the embedding model's configuration.
        replica_url: a read replica; every search and lookup goes there when given.
        embedder: an object with ``embed(texts) -> np.ndarray`` (default: the settings' model, built on first use).
        pool_size: connections per pool.
        ef_search: HNSW candidate list size (pgvector returns at most this many neighbours).
        bm25_candidates: postings read per query term, best impact first, before whole lists are read for
            the terms that can still change the top k (the exact BM25 top k either way; this sets the speed).
        wait_seconds: how long a request waits for a connection (all busy, or the server unreachable)
            before it fails with ``IndexStoreError`` (a 503).
    """

    def __init__(self, url: str, *, settings, replica_url: str | None = None, embedder=None,
                 pool_size: int = 8, ef_search: int = 200, wait_seconds: float = 10,
                 bm25_candidates: int = BM25_CANDIDATES):
        self.settings, self.url, self.replica_url = settings, url, replica_url
        self.ef_search, self.wait_seconds, self.bm25_candidates = ef_search, wait_seconds, bm25_candidates
        vocabulary.use_data_dir(settings.data_dir)
        self._embedder = embedder
        self._embedder_lock = threading.Lock()  # request threads: build the model once
        self._docs: dict[str, Document] = {}
        self._rowids_for: dict[str, frozenset[int]] = {}
        self._abbreviations: dict[str, list[str]] | None = None
        self._boilerplate: frozenset[str] | None = None
        self._homographs: frozenset[str] | None = None
        self._pool_size, self._primary_lock = pool_size, threading.Lock()
        # With a replica, the primary is connected to on the first write only: servers that only
        # read start and serve while the primary is down.
        self._pool: ConnectionPool | None = None if replica_url else self._open_pool(url, pool_size, "medora-primary")
        self._read = self._open_pool(replica_url, pool_size, "medora-replica") if replica_url else self._pool
        try:
            self._check()
        except BaseException:
            self.close()
            raise

    def _open_pool(self, url: str, size: int, name: str) -> ConnectionPool:
        def configure(conn: psycopg.Connection) -> None:
            conn.execute(f"SET hnsw.ef_search = {int(self.ef_search)}")

        try:  # fail fast with the server's reason; the pool itself would retry until its timeout
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.OperationalError as e:
            raise IndexStoreError(
                f"Cannot connect to PostgreSQL at {redact(url)} — is the server running? ({e})") from e
        # check: a connection the server dropped (restart, failover, idle timeout) is replaced before
        # use, one empty statement per checkout, instead of failing the request that drew it.
        pool = ConnectionPool(url, min_size=1, max_size=size, kwargs={"autocommit": True}, configure=configure,
                              check=ConnectionPool.check_connection, timeout=self.wait_seconds, name=name, open=True)
        try:
            pool.wait(timeout=15)
        except PoolTimeout as e:
            pool.close()
            raise IndexStoreError(f"Cannot connect to PostgreSQL at {redact(url)} — is the server running?") from e
        return pool

    def _check(self) -> None:
        with self._read.connection() as conn:
            missing = [f.__name__ for f in schema.MIGRATIONS if f.__name__ not in schema.applied(conn)]
            info = {} if missing else dict(conn.execute("SELECT key, value FROM info").fetchall())
        where = redact(self.replica_url or self.url)
        if "params" not in info:
            raise IndexNotBuilt(f"No Medora index in PostgreSQL at {where} — load one with: medora index --backend "
                                "postgres (a replica shows it once the primary's load has reached it)")
        if info.get("layout") != schema.LAYOUT:
            raise IndexMismatch(f"The index in PostgreSQL at {where} was loaded by an older Medora; reload it with: "
                                "medora index --backend postgres")
        if info["params"] != self.settings.index_params():
            raise IndexMismatch(
                f"The index in PostgreSQL at {where} was built with other settings ({info['params']}); reload it with: "
                "medora index --backend postgres")

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        """A connection of the read pool; a server gone mid-request is ``IndexStoreError`` (503), not a 500."""
        try:
            with self._read.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as e:
            logger.warning("PostgreSQL at %s: %s", redact(self.replica_url or self.url), e)
            raise IndexStoreError(UNAVAILABLE) from e

    def _primary(self) -> ConnectionPool:
        with self._primary_lock:
            if self._pool is None:
                self._pool = self._open_pool(self.url, self._pool_size, "medora-primary")
        return self._pool

    def close(self) -> None:
        for pool in {id(p): p for p in (self._read, self._pool) if p is not None}.values():
            pool.close()

    # -- search ------------------------------------------------------------------------

    def _query(self, sql: str, params: dict, k: int) -> list[tuple]:
        with self._reading() as conn:
            if k > self.ef_search:  # rare: keep HNSW from cutting the list short
                conn.execute(f"SET hnsw.ef_search = {min(int(k), 1000)}")
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                if k > self.ef_search:
                    conn.execute(f"SET hnsw.ef_search = {int(self.ef_search)}")

    def _bm25_params(self, terms: list[str], qtf: list[float], k: int) -> dict:
        return {"terms": terms, "qtf": qtf, "k": k, "k1": K1, "b": B, "title_boost": TITLE_BOOST,
                "m": max(self.bm25_candidates, k), "slack": BOUND_SLACK}

    def lexical_search(self, query: str, k: int, expansion: str = "") -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` passage rowids and BM25 scores (same terms, weights and formula as ``TantivyLexical.search``)."""
        terms, qtf = query_terms(query, expansion)
        if not terms or k <= 0:
            return _EMPTY
        rows = self._query(LEXICAL_SQL, self._bm25_params(terms, qtf, k), 0)
        return (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows)))

    def document_search(self, query: str, k: int, expansion: str = "") -> dict[str, float]:
        """BM25 of whole documents, ``{doc_id: score}`` best first (as ``TantivyLexical.search_documents``)."""
        terms, qtf = query_terms(query, expansion)
        if not terms or k <= 0:
            return {}
        rows = self._query(DOCUMENT_SQL, self._bm25_params(terms, qtf, k), 0)
        return {doc_id: float(np.float32(score)) for doc_id, score in rows}

    def document_frequency(self, words, *, exact: bool = False) -> dict[str, int]:
        """Documents holding each word, or unless ``exact`` a word beginning with it, or one a typing
        slip away (as ``TantivyLexical.document_frequency``;
        the larger of the title and body counts, so a lower bound where a word is in both), 0 when none."""
        out: dict[str, int] = {}
        with self._reading() as conn:
            for word in words:
                terms, _ = query_terms(word)
                found, fewest = conn.execute(
                    "SELECT count(*), min(greatest(doc_df_title, doc_df_body)) FROM terms WHERE term = ANY(%s)",
                    (terms,)).fetchone() if terms else (0, 0)
                out[word] = int(fewest or 0) if terms and found == len(terms) else 0
                text = safe_query(word)
                if not out[word] and not exact and len(text) >= PREFIX_LETTERS and " " not in text:
                    row = conn.execute("SELECT max(greatest(doc_df_title, doc_df_body)) FROM terms WHERE term LIKE %s",
                                       (text.replace("%", "").replace("_", "") + "%",)).fetchone()
                    out[word] = int(row[0] or 0)
                if not out[word] and not exact and typo_candidate(text):
                    rows = conn.execute(
                        "SELECT term, greatest(doc_df_title, doc_df_body) FROM terms WHERE term LIKE %s"
                        " AND length(term) BETWEEN %s AND %s", (text[:2] + "%", len(text) - 1, len(text) + 1)).fetchall()
                    out[word] = max((int(n) for term, n in rows if n and one_edit_apart(text, term)), default=0)
        return out

    def embedder(self):
        """The query embedding model (the settings' OnnxMiniLM unless one was passed in), built on first use."""
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    from .embed import OnnxMiniLM

                    cfg = self.settings.index
                    self._embedder = OnnxMiniLM(self.settings.data_dir / "models", max_tokens=cfg.max_tokens,
                                                batch_size=cfg.batch_size, threads=cfg.threads)
        return self._embedder

    def dense_search(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` passage rowids by cosine similarity to the embedded ``text`` (HNSW, approximate)."""
        return self.dense_search_vector(self.embedder().embed([text])[0], k)

    def dense_search_vector(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0:
            return _EMPTY
        rows = self._query(DENSE_SQL, {"vec": _vector_literal(vector), "k": k}, k)
        return (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows)))

    def hybrid_search(self, lexical_text: str, dense_vector: np.ndarray | None, k: int, rrf_k: int = 60,
                      *, expansion: str = "", limit: int | None = None) -> HybridResult:
        """BM25 top ``k`` + HNSW top ``k`` + reciprocal-rank fusion, in one SQL round trip.

        Args:
            lexical_text: the lexical query; ``expansion``: its expansion words (as for ``lexical_search``).
            dense_vector: the query's embedding (None: lexical ranking only).
            k: candidates taken from each ranking.
            rrf_k: fusion constant; a passage scores sum(1 / (rrf_k + rank)) over the rankings it is in.
            limit: fused results returned (default: all, at most 2k).

        Returns:
            A ``HybridResult``, equal to ``medora.retrieve.rrf`` over ``lexical_search`` and ``dense_search``.
        """
        terms, qtf = query_terms(lexical_text, expansion)
        # NOTE: a vector no row is near still needs a valid literal; None turns the dense ranking off.
        vec = _vector_literal(dense_vector) if dense_vector is not None else None
        sql = HYBRID_SQL if vec is not None else \
            HYBRID_SQL.replace("FROM passage_vectors", "FROM passage_vectors WHERE false")
        rows = self._query(sql, {**self._bm25_params(terms, qtf, k),
                                 "vec": vec or _vector_literal(np.zeros(EMBED_DIM)), "rrf_k": rrf_k,
                                 "limit": limit if limit is not None else 2 * k}, k)
        nan = float("nan")
        return HybridResult(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            fused=np.array([r[1] for r in rows], dtype=np.float64),
            bm25=np.array([nan if r[2] is None else r[2] for r in rows], dtype=np.float32),
            dense=np.array([nan if r[3] is None else r[3] for r in rows], dtype=np.float32),
        )

    # -- lookups -----------------------------------------------------------------------

    def passages(self, rowids) -> dict[int, Passage]:
        ids = [int(r) for r in rowids]
        if not ids:
            return {}
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {_PASSAGE_COLS} FROM passages WHERE rowid = ANY(%s)", (ids,)).fetchall()
            out = {r[0]: _passage(r[1:]) for r in rows}
            # Hits need their documents next: fetch the uncached ones in the same visit.
            missing = sorted({p.doc_id for p in out.values()} - set(self._docs))
            if missing:
                for row in conn.execute(f"SELECT {_DOC_COLS} FROM documents WHERE id = ANY(%s)", (missing,)):
                    self._docs[row[0]] = _document(row, None)
        return out

    def document(self, doc_id: str, *, with_sections: bool = False) -> Document:
        if not with_sections and doc_id in self._docs:
            return self._docs[doc_id]
        if _NUL in doc_id:
            raise DocumentNotFound(f"No document with id {doc_id!r}")
        cols = _DOC_COLS + (", sections" if with_sections else "")
        with self._reading() as conn:
            row = conn.execute(f"SELECT {cols} FROM documents WHERE id = %s", (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(f"No document with id {doc_id!r}")
        doc = _document(row[:11], row[11] if with_sections else None)
        if not with_sections:
            self._docs[doc_id] = doc
        return doc

    def documents(self, doc_type: str | None = None, limit: int = 50) -> list[Document]:
        """Documents (metadata only), newest first, then by id: the embedded store's order."""
        # NOTE: SQLite puts NULL years last when descending and compares ids byte by byte;
        # PostgreSQL does neither unless told.
        if doc_type and _NUL in doc_type:
            return []
        where, args = ("WHERE type = %s", [doc_type]) if doc_type else ("", [])
        with self._reading() as conn:
            rows = conn.execute(f'SELECT {_DOC_COLS} FROM documents {where} ORDER BY year DESC NULLS LAST,'
                                f' id COLLATE "C" LIMIT %s', [*args, limit]).fetchall()
        return [_document(row, None) for row in rows]

    def rowids_for(self, audience: str) -> frozenset[int]:
        if audience not in self._rowids_for:
            with self._reading() as conn:
                rows = conn.execute("SELECT p.rowid FROM passages p JOIN documents d ON d.id = p.doc_id"
                                    " WHERE d.audience = %s", (audience,)).fetchall()
            self._rowids_for[audience] = frozenset(r for (r,) in rows)
        return self._rowids_for[audience]

    def passage(self, passage_id: str) -> Passage:
        if _NUL in passage_id:
            raise PassageNotFound(f"No passage with id {passage_id!r}")
        with self._reading() as conn:
            row = conn.execute(f"SELECT {_PASSAGE_COLS} FROM passages WHERE id = %s", (passage_id,)).fetchone()
        if row is None:
            raise PassageNotFound(f"No passage with id {passage_id!r}")
        return _passage(row[1:])

    def passages_of(self, doc_id: str) -> list[Passage]:
        if _NUL in doc_id:
            return []
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {_PASSAGE_COLS} FROM passages WHERE doc_id = %s ORDER BY position",
                                (doc_id,)).fetchall()
        return [_passage(r[1:]) for r in rows]

    def iter_passages(self):
        """Every passage with its rowid, in rowid order (corpus-wide statistics), read in batches."""
        with self._reading() as conn, conn.transaction(), \
                conn.cursor(name="medora_iter_passages") as cursor:  # a named cursor lives in a transaction
            cursor.itersize = 2000
            cursor.execute(f"SELECT {_PASSAGE_COLS} FROM passages ORDER BY rowid")
            for row in cursor:
                yield row[0], _passage(row[1:])

    def abbreviations(self) -> dict[str, list[str]]:
        if self._abbreviations is None:
            with self._reading() as conn:
                self._abbreviations = dict(conn.execute("SELECT short, long_forms FROM abbreviations").fetchall())
        return self._abbreviations

    def boilerplate(self) -> frozenset[str]:
        """Keys (``corpus.boilerplate.sentence_key``) of the sentences found in many documents."""
        if self._boilerplate is None:
            self._boilerplate = self._info_set(BOILERPLATE_INFO)
        return self._boilerplate

    def homographs(self) -> frozenset[str]:
        """Lower-case words the corpus mostly writes as words and sometimes as acronyms ("ice", "ICE")."""
        if self._homographs is None:
            self._homographs = self._info_set(HOMOGRAPHS_INFO)
        return self._homographs

    def _info_set(self, key: str) -> frozenset[str]:
        """A corpus fact stored as a list under ``key`` in ``info``; empty when the load had none."""
        with self._reading() as conn:
            row = conn.execute("SELECT value FROM info WHERE key = %s", (key,)).fetchone()
        return frozenset(row[0] if row else ())

    def corpus_version(self) -> str:
        """The indexed corpus's version, stamped on every answer (one row, unlike ``stats``'s counts)."""
        with self._reading() as conn:
            row = conn.execute("SELECT value FROM info WHERE key = 'corpus_version'").fetchone()
        return str(row[0]) if row else ""

    def stats(self) -> dict[str, object]:
        with self._reading() as conn:
            docs = dict(conn.execute("SELECT type, count(*) FROM documents GROUP BY type").fetchall())
            passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            vectors = conn.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]
            version = conn.execute("SELECT value FROM info WHERE key = 'corpus_version'").fetchone()
        return {"documents": sum(docs.values()), "passages": passages, "vectors": vectors,
                **{f"documents_{k}": v for k, v in sorted(docs.items())},
                "corpus_version": version[0] if version else None, "backend": "postgres",
                "url": redact(self.replica_url or self.url)}

    # -- incremental updates (primary) ----------------------------------------------------

    def delete_documents(self, doc_ids: Iterable[str]) -> int:
        """Remove documents with their passages, vectors and postings; returns how many existed."""
        from .postgres_load import delete

        with self._primary().connection() as conn, conn.transaction():
            n = delete(conn, list(doc_ids))
        self._forget()
        return n

    def reload_documents(self, embedded, doc_ids: Iterable[str]):
        """Replace these documents with their current version in ``embedded`` (gone there: deleted here).

        Returns:
            A ``postgres_load.LoadReport``.
        """
        from .postgres_load import load

        with self._primary().connection() as conn:
            report = load(conn, embedded, list(doc_ids))
        self._forget()
        return report

    def _forget(self) -> None:
        self._docs.clear()
        self._rowids_for.clear()
        self._abbreviations = None
        self._boilerplate = None
        self._homographs = None


def _passage(row: Sequence) -> Passage:
    *head, cites = row
    return Passage(*head, cites=tuple(cites))


def _document(row: Sequence, sections: list | None) -> Document:
    doc_id, type_, title, source, year, url, audience, date, licence, meta, refs = row
    return Document(
        id=doc_id, type=type_, title=title, source=source, year=year, url=url, audience=audience,
        sections=tuple(Section(n, t) for n, t in sections) if sections else (), date=date, licence=licence,
        meta=meta, references={k: Reference(**v) for k, v in refs.items()},
    )
