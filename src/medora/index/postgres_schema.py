"""PostgreSQL schema for the scale-out backend: ordered migrations recorded in ``_migrations``.

Tables (passage ``rowid`` is the embedded store's SQLite rowid, so both backends
return the same integer ids):

    documents        one row per source document (JSON columns kept as ``json``, not
                     ``jsonb``: jsonb reorders object keys and references are ordered)
    passages         one row per passage + its BM25 field lengths and ``term_ids``
                     (the forward index: which postings to remove when it is deleted)
    passage_vectors  rowid -> vector(384), HNSW index with vector_cosine_ops
    terms            term -> term_id, document frequency in the title and body fields
                     (over passages; ``doc_df_*`` over whole documents)
    postings         (term_id, rowid) -> term frequency and field length per field, and the
                     posting's ``impact``: its BM25 score for a query weight of 1, indexed by
                     (term_id, impact DESC) so a search reads a term's best postings first
    doc_postings     (term_id, doc_key) -> the same for whole documents (document-level BM25)
    corpus_stats     one row: passage and document counts and token totals (average lengths),
                     and the average lengths the impacts were computed with
    abbreviations, info

Like ``store_sqlite``: a migration is a function registered in order, applied once,
recorded by name; an advisory lock keeps two loaders from migrating at the same time.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

MIGRATIONS: list[Callable[[psycopg.Connection], None]] = []
_LOCK_KEY = 0x6D65646F7261  # "medora"

HNSW_INDEX = (
    "CREATE INDEX IF NOT EXISTS passage_vectors_hnsw ON passage_vectors"
    " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)
POSTINGS_KEYS = {
    "postings_pkey": "ALTER TABLE postings ADD CONSTRAINT postings_pkey PRIMARY KEY (term_id, rowid)",
    "doc_postings_pkey": "ALTER TABLE doc_postings ADD CONSTRAINT doc_postings_pkey PRIMARY KEY (term_id, doc_key)",
}
# A term's postings best first: a search reads the top few of each term, not the whole list.
IMPACT_INDEXES = {
    "postings_impact": "CREATE INDEX IF NOT EXISTS postings_impact ON postings (term_id, impact DESC)",
    "doc_postings_impact": "CREATE INDEX IF NOT EXISTS doc_postings_impact ON doc_postings (term_id, impact DESC)",
}
# What the loaded rows look like; data loaded under another layout must be reloaded.
LAYOUT = 3


def migration(fn: Callable[[psycopg.Connection], None]) -> Callable[[psycopg.Connection], None]:
    """Register an ordered schema change; applied once, recorded in ``_migrations``."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(conn: psycopg.Connection) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(
        """
        CREATE TABLE documents (
            id text PRIMARY KEY, type text NOT NULL, title text NOT NULL, source text NOT NULL,
            year int, url text, audience text NOT NULL, date text, licence text NOT NULL,
            meta json NOT NULL, refs json NOT NULL, sections json NOT NULL,
            content_hash text NOT NULL, indexed_at text NOT NULL
        );
        CREATE TABLE passages (
            rowid bigint PRIMARY KEY, id text NOT NULL UNIQUE,
            doc_id text NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            section text NOT NULL, text text NOT NULL, start int NOT NULL, "end" int NOT NULL,
            position int NOT NULL, kind text NOT NULL, evidence_quality text NOT NULL,
            strength text NOT NULL, evidence_level text NOT NULL, cites json NOT NULL,
            content_hash text NOT NULL,
            title_len int NOT NULL, body_len int NOT NULL, term_ids int[] NOT NULL
        );
        CREATE INDEX passages_doc ON passages(doc_id);
        CREATE TABLE passage_vectors (
            rowid bigint PRIMARY KEY REFERENCES passages(rowid) ON DELETE CASCADE,
            embedding vector(384) NOT NULL
        );
        CREATE TABLE terms (
            term_id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, term text NOT NULL UNIQUE,
            df_title int NOT NULL DEFAULT 0, df_body int NOT NULL DEFAULT 0
        );
        -- NOTE: no foreign key to passages: a cascade would need a second index on rowid
        -- (~20 bytes a posting); deletes go through passages.term_ids instead.
        -- int4 rowid: 8 bytes less a posting; loading checks rowids stay below 2^31.
        CREATE TABLE postings (
            term_id int NOT NULL, rowid int NOT NULL,
            title_tf smallint NOT NULL, body_tf smallint NOT NULL,
            title_len smallint NOT NULL, body_len smallint NOT NULL
        );
        CREATE TABLE corpus_stats (
            one bool PRIMARY KEY DEFAULT true CHECK (one),
            passages bigint NOT NULL, title_tokens bigint NOT NULL, body_tokens bigint NOT NULL
        );
        INSERT INTO corpus_stats VALUES (true, 0, 0, 0);
        CREATE TABLE abbreviations (short text PRIMARY KEY, long_forms json NOT NULL);
        CREATE TABLE info (key text PRIMARY KEY, value json NOT NULL);
        """
    )
    conn.execute(POSTINGS_KEYS["postings_pkey"])
    conn.execute(HNSW_INDEX)


@migration
def m002_document_bm25(conn: psycopg.Connection) -> None:
    # Whole-document BM25 (retrieval lets a passage borrow its document's match).
    # Lengths and tfs are int: a PDQ summary runs to tens of thousands of tokens.
    conn.execute(
        """
        ALTER TABLE documents ADD COLUMN key int GENERATED BY DEFAULT AS IDENTITY UNIQUE,
            ADD COLUMN title_len int NOT NULL DEFAULT 0, ADD COLUMN body_len int NOT NULL DEFAULT 0,
            ADD COLUMN term_ids int[] NOT NULL DEFAULT '{}';
        ALTER TABLE terms ADD COLUMN doc_df_title int NOT NULL DEFAULT 0, ADD COLUMN doc_df_body int NOT NULL DEFAULT 0;
        ALTER TABLE corpus_stats ADD COLUMN documents bigint NOT NULL DEFAULT 0,
            ADD COLUMN doc_title_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN doc_body_tokens bigint NOT NULL DEFAULT 0;
        CREATE TABLE doc_postings (
            term_id int NOT NULL, doc_key int NOT NULL, title_tf int NOT NULL, body_tf int NOT NULL,
            title_len int NOT NULL, body_len int NOT NULL
        );
        """
    )
    conn.execute(POSTINGS_KEYS["doc_postings_pkey"])


@migration
def m003_impacts(conn: psycopg.Connection) -> None:
    # Impact-ordered postings (postgres_load computes them, postgres reads them). ``impact_idf_*``
    # (per term) and ``impact_avg_*`` (corpus) are what the stored impacts were computed with:
    # a search scales its bounds by how far df and average lengths have moved since.
    conn.execute(
        """
        ALTER TABLE postings ADD COLUMN impact real NOT NULL DEFAULT 0;
        ALTER TABLE doc_postings ADD COLUMN impact real NOT NULL DEFAULT 0;
        ALTER TABLE terms ADD COLUMN impact_idf_title float8, ADD COLUMN impact_idf_body float8,
            ADD COLUMN doc_impact_idf_title float8, ADD COLUMN doc_impact_idf_body float8;
        ALTER TABLE corpus_stats ADD COLUMN impact_avg_title float8 NOT NULL DEFAULT 0,
            ADD COLUMN impact_avg_body float8 NOT NULL DEFAULT 0,
            ADD COLUMN doc_impact_avg_title float8 NOT NULL DEFAULT 0,
            ADD COLUMN doc_impact_avg_body float8 NOT NULL DEFAULT 0;
        """
    )
    for sql in IMPACT_INDEXES.values():
        conn.execute(sql)


def applied(conn: psycopg.Connection) -> list[str]:
    exists = conn.execute("SELECT to_regclass('_migrations') IS NOT NULL").fetchone()[0]
    return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")] if exists else []


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations in one transaction; returns the names applied."""
    done: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL)")
        have = set(applied(conn))
        for fn in MIGRATIONS:
            if fn.__name__ not in have:
                fn(conn)
                conn.execute("INSERT INTO _migrations VALUES (%s, now())", (fn.__name__,))
                done.append(fn.__name__)
    return done
