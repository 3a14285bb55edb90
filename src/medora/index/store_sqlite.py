"""SQLite store: documents, passages, cited references, vectors and mined abbreviations.

The store is the source of truth; the tantivy index and the ``vectors.npy`` cache
are derived from it and can be rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import DocumentNotFound, PassageNotFound
from ..types import Document, Passage, Reference, Section

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    """Register an ordered schema change; applied once, recorded in ``_migrations``."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
            year INTEGER, url TEXT, audience TEXT NOT NULL, date TEXT, licence TEXT NOT NULL,
            meta TEXT NOT NULL, refs TEXT NOT NULL, sections TEXT NOT NULL,
            content_hash TEXT NOT NULL, indexed_at TEXT NOT NULL
        );
        CREATE TABLE passages (
            rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            section TEXT NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            position INTEGER NOT NULL, kind TEXT NOT NULL, evidence_quality TEXT NOT NULL,
            strength TEXT NOT NULL, evidence_level TEXT NOT NULL, cites TEXT NOT NULL,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX passages_doc ON passages(doc_id);
        CREATE INDEX passages_hash ON passages(content_hash);
        -- Keyed by passage text hash: unchanged text keeps its vector across re-indexing.
        CREATE TABLE vectors (content_hash TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
                              PRIMARY KEY (content_hash, model));
        CREATE TABLE abbreviations (short TEXT PRIMARY KEY, long_forms TEXT NOT NULL);
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def apply_migrations(db: sqlite3.Connection, migrations: list[Callable[[sqlite3.Connection], None]]) -> None:
    """Apply, in order, each migration not yet recorded in the database's ``_migrations`` table."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    for fn in migrations:
        if fn.__name__ not in done:
            with db:
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (fn.__name__, _now()))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def document_hash(doc: Document) -> str:
    return text_hash(json.dumps(asdict(doc), sort_keys=True, default=str))


class Store:
    """Documents and passages in one SQLite file.

    The server's request threads share one store: each read runs under a lock held only while
    SQLite executes and its rows are fetched (milliseconds), never while an answer is composed.

    Example::

        store = Store(data_dir / "medora.db")
        store.put_document(doc, passages)
        store.passages_by_rowid([1, 2])
    """

    def __init__(self, path: Path | str):
        self.path = path
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()
        self._doc_cache: dict[str, Document] = {}
        self._audience_rowids: dict[str, frozenset[int]] = {}

    def _migrate(self) -> None:
        apply_migrations(self.db, MIGRATIONS)

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """All rows of one query, read under the connection's lock."""
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    # -- writing -----------------------------------------------------------------

    def document_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, content_hash FROM documents"))

    def put_document(self, doc: Document, passages: Sequence[Passage], content_hash: str) -> None:
        """Replace a document and its passages (the caller commits)."""
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self.db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id, doc.type, doc.title, doc.source, doc.year, doc.url, doc.audience, doc.date,
                doc.licence, json.dumps(doc.meta, default=str),
                json.dumps({k: asdict(r) for k, r in doc.references.items()}),
                json.dumps([[s.name, s.text] for s in doc.sections]), content_hash, _now(),
            ),
        )
        self.db.executemany(
            "INSERT INTO passages (id, doc_id, section, text, start, \"end\", position, kind, evidence_quality,"
            " strength, evidence_level, cites, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (p.id, p.doc_id, p.section, p.text, p.start, p.end, p.position, p.kind, p.evidence_quality,
                 p.strength, p.evidence_level, json.dumps(list(p.cites)), text_hash(p.text))
                for p in passages
            ],
        )
        self._doc_cache.pop(doc.id, None)
        self._audience_rowids.clear()

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM documents WHERE id = ?", [(d,) for d in doc_ids])
        self._audience_rowids.clear()

    def commit(self) -> None:
        self.db.commit()

    def set_info(self, key: str, value: object) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, json.dumps(value)))

    def get_info(self, key: str, default: object = None) -> object:
        rows = self._rows("SELECT value FROM info WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def put_abbreviations(self, mapping: dict[str, list[str]]) -> None:
        with self.db:
            self.db.execute("DELETE FROM abbreviations")
            self.db.executemany(
                "INSERT INTO abbreviations VALUES (?, ?)", [(k, json.dumps(v)) for k, v in mapping.items()]
            )

    def abbreviations(self) -> dict[str, list[str]]:
        return {k: json.loads(v) for k, v in self._rows("SELECT short, long_forms FROM abbreviations")}

    # -- vectors -----------------------------------------------------------------

    def passages_without_vectors(self, model: str) -> list[tuple[str, str]]:
        """(content_hash, text) of passages not yet embedded, strongest evidence first.

        Order: source type (guideline first), recommendations before other text, then
        document order — so a time-limited embedding run covers what answers cite most.
        """
        rows = self.db.execute(
            """
            SELECT p.content_hash, MIN(p.text) FROM passages p JOIN documents d ON d.id = p.doc_id
            WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.content_hash = p.content_hash AND v.model = ?)
            GROUP BY p.content_hash
            ORDER BY MIN(CASE d.type WHEN 'guideline' THEN 0 WHEN 'summary' THEN 1 WHEN 'drug_label' THEN 1
                              WHEN 'systematic_review' THEN 2
                              WHEN 'trial' THEN 2 WHEN 'research' THEN 3 ELSE 4 END),
                     MIN(CASE p.kind WHEN 'recommendation' THEN 0 ELSE 1 END), MIN(p.rowid)
            """,
            (model,),
        )
        return [(h, t) for h, t in rows]

    def put_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(h, model, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )

    def vector_matrix(self, model: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids, (n, dim) float32 matrix) for every passage that has a vector."""
        rows = self.db.execute(
            "SELECT p.rowid, v.vector FROM passages p JOIN vectors v ON v.content_hash = p.content_hash"
            " AND v.model = ? ORDER BY p.rowid",
            (model,),
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return ids, matrix

    # -- reading -----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        docs = dict(self._rows("SELECT type, COUNT(*) FROM documents GROUP BY type"))
        return {
            "documents": sum(docs.values()),
            "passages": self._rows("SELECT COUNT(*) FROM passages")[0][0],
            "vectors": self._rows(
                "SELECT COUNT(*) FROM passages p WHERE EXISTS (SELECT 1 FROM vectors v WHERE v.content_hash = p.content_hash)"
            )[0][0],
            **{f"documents_{k}": v for k, v in sorted(docs.items())},
        }

    def document(self, doc_id: str, *, with_sections: bool = False) -> Document:
        if not with_sections and doc_id in self._doc_cache:
            return self._doc_cache[doc_id]
        rows = self._rows("SELECT * FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            raise DocumentNotFound(f"No document with id {doc_id!r}")
        doc = _document(rows[0], with_sections)
        if not with_sections:
            self._doc_cache[doc_id] = doc
        return doc

    def documents(self, doc_type: str | None = None, limit: int = 50) -> list[Document]:
        """Documents (metadata only), newest first."""
        where, args = ("WHERE type = ?", [doc_type]) if doc_type else ("", [])
        rows = self._rows(f"SELECT * FROM documents {where} ORDER BY year DESC, id LIMIT ?", [*args, limit])
        return [_document(r, False) for r in rows]

    def passage(self, passage_id: str) -> Passage:
        rows = self._rows(_PASSAGE_SELECT + " WHERE id = ?", (passage_id,))
        if not rows:
            raise PassageNotFound(f"No passage with id {passage_id!r}")
        return _passage(rows[0][1:])

    def passages_by_rowid(self, rowids: Sequence[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        for start in range(0, len(rowids), 500):
            chunk = list(rowids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._rows(_PASSAGE_SELECT + f" WHERE rowid IN ({marks})", chunk):
                out[row[0]] = _passage(row[1:])
        return out

    def rowids_for(self, audience: str) -> frozenset[int]:
        if audience not in self._audience_rowids:
            rows = self._rows("SELECT p.rowid FROM passages p JOIN documents d ON d.id = p.doc_id WHERE d.audience = ?",
                              (audience,))
            self._audience_rowids[audience] = frozenset(r for (r,) in rows)
        return self._audience_rowids[audience]

    def passages_of(self, doc_id: str) -> list[Passage]:
        rows = self._rows(_PASSAGE_SELECT + " WHERE doc_id = ? ORDER BY position", (doc_id,))
        return [_passage(r[1:]) for r in rows]

    def iter_passages(self) -> Iterator[tuple[int, Passage]]:
        for row in self.db.execute(_PASSAGE_SELECT + " ORDER BY rowid"):
            yield row[0], _passage(row[1:])


_PASSAGE_SELECT = (
    'SELECT rowid, id, doc_id, section, text, start, "end", position, kind, evidence_quality, strength,'
    " evidence_level, cites FROM passages"
)


def _passage(row: Sequence) -> Passage:
    *head, cites = row
    return Passage(*head, cites=tuple(json.loads(cites)))


def _document(row: sqlite3.Row | tuple, with_sections: bool) -> Document:
    (doc_id, type_, title, source, year, url, audience, date, licence, meta, refs, sections, *_rest) = row
    return Document(
        id=doc_id, type=type_, title=title, source=source, year=year, url=url, audience=audience,
        sections=tuple(Section(n, t) for n, t in json.loads(sections)) if with_sections else (),
        date=date, licence=licence, meta=json.loads(meta),
        references={k: Reference(**v) for k, v in json.loads(refs).items()},
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
