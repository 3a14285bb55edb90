"""Follow-up threads: questions asked one after another, each read in the light of the last.

    store = ThreadStore.open(settings)                  # <data_dir>/threads.db
    first = ask("Treatment of HER2-positive breast cancer?", index, settings, store)
    again = ask("What if she has brain metastases?", index, settings, store, thread_id=first.thread_id)
    again.resolved_question  # "What if she has brain metastases? (HER2-positive breast cancer)"

A follow-up that names no condition, or that points back ("she", "what if", "it"), is
searched with the conditions, interventions and population of the thread's last
(resolved) question added, as ``query.analyse`` finds them.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .answer import ask as ask_audience
from .errors import QueryError, ThreadNotFound, encodable
from .index import Index
from .index.store_sqlite import apply_migrations
from .query import Entity, analyse
from .settings import Settings
from .types import Answer


def m001_threads(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE threads (id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
        CREATE TABLE turns (
            thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
            n INTEGER NOT NULL, question TEXT NOT NULL, resolved_question TEXT NOT NULL,
            audience TEXT NOT NULL, asked_at TEXT NOT NULL,
            PRIMARY KEY (thread_id, n)
        );
        """
    )


def m002_thread_expiry(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE threads ADD COLUMN updated_at TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE threads SET updated_at = COALESCE((SELECT MAX(asked_at) FROM turns "
               "WHERE turns.thread_id = threads.id), created_at)")
    db.execute("CREATE INDEX threads_updated_at ON threads(updated_at)")


# Ordered schema changes of threads.db, applied by ``apply_migrations`` when the store opens.
MIGRATIONS = [m001_threads, m002_thread_expiry]


@dataclass(frozen=True, slots=True)
class Turn:
    """One question of a thread, as asked and as searched."""

    thread_id: str
    n: int  # 1, 2, ... in the order asked
    question: str
    resolved_question: str
    audience: str
    asked_at: str


class ThreadStore:
    """Threads and their turns in one SQLite file.

    A thread expires ``expire_days`` after its last question: it is then unknown, and it is
    deleted the next time a thread is started (lazily; no background job).

    Example::

        store = ThreadStore(data_dir / "threads.db")
        turn = store.add(None, "HER2 treatment?", "HER2 treatment?", "physician")  # starts a thread
        store.turns(turn.thread_id)
    """

    def __init__(self, path: Path | str, expire_days: float = 30):
        self.path, self.expire_days = path, expire_days
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.RLock()  # one connection, shared by the server's request threads
        self.db.execute("PRAGMA foreign_keys = ON")
        apply_migrations(self.db, MIGRATIONS)

    @classmethod
    def open(cls, settings: Settings) -> ThreadStore:
        """The store in ``<data_dir>/threads.db`` (the data directory is created if missing)."""
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        return cls(Path(settings.data_dir) / "threads.db", settings.threads.expire_days)

    def close(self) -> None:
        self.db.close()

    def turns(self, thread_id: str) -> tuple[Turn, ...]:
        """The thread's turns in order; ``ThreadNotFound`` for an unknown id."""
        encodable(thread_id, "The thread id", QueryError)
        with self._lock:
            return self._turns(thread_id)

    def _turns(self, thread_id: str) -> tuple[Turn, ...]:
        if self.db.execute("SELECT 1 FROM threads WHERE id = ? AND updated_at >= ?",
                           (thread_id, self._expired_before())).fetchone() is None:
            raise ThreadNotFound(f"No thread {thread_id!r}: start one by asking without a thread id.")
        rows = self.db.execute("SELECT thread_id, n, question, resolved_question, audience, asked_at FROM turns "
                               "WHERE thread_id = ? ORDER BY n", (thread_id,)).fetchall()
        return tuple(Turn(*row) for row in rows)

    def add(self, thread_id: str | None, question: str, resolved_question: str, audience: str) -> Turn:
        """Record a question; ``thread_id=None`` starts a new thread.

        Asking the thread's last question again (a reload, another audience) updates that
        turn instead of adding one.
        """
        with self._lock, self.db:
            if thread_id is None:
                self.db.execute("DELETE FROM threads WHERE updated_at < ?", (self._expired_before(),))
                thread_id = secrets.token_hex(8)
                self.db.execute("INSERT INTO threads (id, created_at, updated_at) VALUES (?, ?, ?)",
                                (thread_id, _now(), _now()))
            turns = self.turns(thread_id)
            self.db.execute("UPDATE threads SET updated_at = ? WHERE id = ?", (_now(), thread_id))
            if turns and turns[-1].question == question:
                last = replace(turns[-1], resolved_question=resolved_question, audience=audience)
                self.db.execute("UPDATE turns SET resolved_question = ?, audience = ? WHERE thread_id = ? AND n = ?",
                                (resolved_question, audience, thread_id, last.n))
                return last
            turn = Turn(thread_id, len(turns) + 1, question, resolved_question, audience, _now())
            self.db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                            (turn.thread_id, turn.n, turn.question, turn.resolved_question, turn.audience, turn.asked_at))
            return turn


    def _expired_before(self) -> str:
        """Threads whose last question is older than this ISO time have expired ("": none expire)."""
        if not self.expire_days:
            return ""
        return (datetime.now(timezone.utc) - timedelta(days=self.expire_days)).isoformat(timespec="seconds")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Wording that points back at an earlier question (general English, no medical words).
_POINTS_BACK = re.compile(
    r"^\s*(?:and|also|so|then)\b|^\s*(?:what|how) (?:if|about)\b|"
    r"\b(?:she|he|they|her|his|him|them|their|it|its|this|that|these|those|same)\b",
    re.I,
)


def resolve(question: str, turns: tuple[Turn, ...], abbreviations: Mapping[str, list[str]] | None = None) -> str:
    """The follow-up ``question`` with the thread's context added, or unchanged.

    Args:
        question: the follow-up as typed.
        turns: the thread so far (the last turn's resolved question carries the context).
        abbreviations: the index's mined abbreviations, for ``query.analyse``.

    Returns:
        ``"<question> (<context>)"`` when the question names no condition or points back and
        the last question had conditions, interventions or a population it does not repeat;
        otherwise ``question``.
    """
    if not turns:
        return question
    asked = analyse(question, abbreviations)
    if asked.conditions and not _POINTS_BACK.search(question):
        return question
    previous = turns[-1].resolved_question
    before = analyse(previous, abbreviations)
    have = {e.name for e in (*asked.conditions, *asked.interventions)}
    written = _plain(question)
    context: list[str] = []
    entities = [*before.conditions, *([] if asked.interventions else before.interventions)]
    for phrase in [_phrase(previous, e) for e in entities if e.name not in have] + list(before.population):
        if _plain(phrase) not in written and phrase not in context:
            context.append(phrase)
    return f"{question.rstrip()} ({'; '.join(context)})" if context else question


def resolve_in(store: ThreadStore, thread_id: str | None, question: str,
               abbreviations: Mapping[str, list[str]] | None = None) -> str:
    """``resolve`` against a stored thread; asking its last question again resolves it as before."""
    turns = store.turns(thread_id) if thread_id else ()
    if turns and turns[-1].question == question:
        turns = turns[:-1]
    return resolve(question, turns, abbreviations)


def _plain(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _phrase(text: str, entity: Entity) -> str:
    """The entity as written in ``text``, with an abbreviated word just before it ("HER2-positive breast cancer")."""
    m = re.search(r"(?:([\w-]+)\s+)?" + re.escape(entity.matched), text, re.I)
    if not m:
        return entity.matched
    lead = m.group(1) or ""
    looks_abbreviated = sum(c.isupper() for c in lead) >= 2 or (any(c.isdigit() for c in lead) and any(c.isalpha() for c in lead))
    return m.group(0) if lead and looks_abbreviated else m.group(0)[len(m.group(0)) - len(entity.matched):]


def ask(question: str, index: Index, settings: Settings, store: ThreadStore, *, audience: str = "physician",
        thread_id: str | None = None) -> Answer:
    """Answer ``question`` within a thread (a new one when ``thread_id`` is None) and record it.

    Args:
        question: the question as typed.
        index: an open index backend.
        settings: resolved settings.
        store: where threads persist.
        audience: one of ``audience.AUDIENCES``.
        thread_id: the thread to continue.

    Returns:
        The audience's cited answer to the resolved question, with ``question`` as typed,
        ``resolved_question`` and ``thread_id`` set.

    Raises:
        ThreadNotFound: an unknown ``thread_id``.
    """
    resolved = resolve_in(store, thread_id, question, index.abbreviations())
    answer = ask_audience(resolved, index, settings, audience=audience)
    turn = store.add(thread_id, question, resolved, audience)
    # A respelt question was searched as the answer says ("Whats meningitis?" for "Whats menigitis?").
    return replace(answer, question=question, resolved_question=answer.resolved_question or resolved,
                   thread_id=turn.thread_id)
