"""The editorial database: accounts, articles and their revisions, comments, the audit trail.

SQLAlchemy 2 models on one ``MetaData``. The schema belongs to the Alembic scripts shipped
in ``medora/migrations``; ``ArticleStore.open`` runs ``upgrade head`` before first use.
SQLite at ``<data_dir>/articles.db`` by default, PostgreSQL through ``articles.database_url``.

    store = ArticleStore.open(settings)
    with store.session() as db:
        db.scalars(select(Article).where(Article.status == "approved")).all()
    store.close()
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from .errors import ConfigError
from .settings import ArticlesSettings, Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC time")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    })


class User(Base):
    """An editorial account: ``admin``, ``editor`` or ``reviewer`` (a Medical Advisory Board member)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    display_name: Mapped[str] = mapped_column(String(200), default="")
    credentials: Mapped[str] = mapped_column(String(200), default="")  # "MD, PhD"
    specialty: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self) -> str:
        return self.display_name or self.username


class ApiToken(Base):
    """A bearer token for integrations; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in listings to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # null: never


class WebSession(Base):
    """A browser login; ``id`` is the SHA-256 of the cookie value, never the value itself."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """Failed logins per account and client address, for the lockout."""

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Article(Base):
    """A saved answer to one normalised question for one audience, with its editorial status.

    ``version`` is SQLAlchemy's ``version_id_col``: an UPDATE made from a stale read matches
    no row and fails, so two reviewers can never overwrite each other's decision.
    """

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("question_key", "audience"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)  # as first asked
    question_norm: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(64))  # sha256 of question_norm (bounded index size)
    audience: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="submitted", index=True)
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    corpus_version: Mapped[str] = mapped_column(String(64), default="")  # of the current revision
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # last content change
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Revision(Base):
    """One version of an article's answer JSON (``cite.to_json``); never changed once written."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    number: Mapped[int] = mapped_column(Integer)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    corpus_version: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    """A reviewer's (or editor's) remark on one statement of one revision."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(String(32))  # "bottom_line.0", "sections.2.1"
    quote: Mapped[str] = mapped_column(Text)  # the statement's text, as commented on
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """One append-only record of a state change or edit (the database refuses UPDATE and DELETE)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))  # username then, or "system"
    action: Mapped[str] = mapped_column(String(32))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True, index=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError(f"{target.__tablename__} is append-only: row {target.id} cannot be changed or deleted")


for _name in ("before_update", "before_delete"):
    event.listen(AuditEvent, _name, _refuse_change)
    event.listen(Revision, _name, _refuse_change)


# -- the store ------------------------------------------------------------------------------


def database_url(settings: Settings) -> str:
    """``articles.database_url``, else SQLite at ``<data_dir>/articles.db``; ``postgresql://`` uses psycopg 3."""
    url = settings.articles.database_url.strip()
    if not url:
        return f"sqlite:///{Path(settings.data_dir).resolve() / 'articles.db'}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the one writer
    cursor.close()


class ArticleStore:
    """The open editorial database: an engine, a session factory and the articles settings.

    Use ``ArticleStore.open(settings)``, which also migrates the schema to the newest version.
    """

    def __init__(self, engine: Engine, settings: ArticlesSettings):
        self.engine, self.settings = engine, settings
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, settings: Settings) -> ArticleStore:
        """Connect to the database named by ``settings`` and run ``alembic upgrade head``.

        Raises:
            ConfigError: the URL names no usable database.
        """
        url = database_url(settings)
        try:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                Path(parsed.database or ".").parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, pool_pre_ping=True)
        except Exception as e:  # an unknown driver or a malformed URL
            raise ConfigError(f"articles.database_url cannot be used ({e}); "
                              "leave it empty for SQLite or give postgresql://user@host/dbname") from e
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, settings.articles)
        try:
            store.upgrade()
        except OperationalError as e:
            engine.dispose()
            where = engine.url.render_as_string(hide_password=True)
            raise ConfigError(f"Cannot open the editorial database {where}: {e.orig} — "
                              "check articles.database_url") from e
        except Exception:
            engine.dispose()
            raise
        return store

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (``alembic upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading; roll back on leaving."""
        with self._sessions() as db:
            yield db

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on leaving, rolled back on an exception."""
        with self._sessions.begin() as db:
            yield db

    def close(self) -> None:
        self.engine.dispose()
