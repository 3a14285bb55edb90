"""The index stage: a store plus lexical and dense search, behind one protocol (``Index``).

``open_index(settings)`` picks the backend: the embedded default (SQLite + tantivy +
numpy in the data directory) or PostgreSQL + pgvector for corpora and loads beyond
one machine. Both implement ``Index`` (protocol.py) in full; retrieval, answers and the
front doors call nothing else, so they never know which one runs.
"""

from __future__ import annotations

from ..errors import ConfigError
from ..settings import Settings
from .protocol import LOCATION_KEYS, Index

__all__ = ["LOCATION_KEYS", "Index", "open_index"]


def open_index(settings: Settings) -> Index:
    """Open the configured search backend (``index.backend``); both implement ``Index``."""
    if settings.index.backend == "postgres":
        if not settings.index.postgres_url:
            raise ConfigError("index.backend is 'postgres' but no URL is set — set MEDORA_INDEX__POSTGRES_URL")
        try:
            from .postgres import PostgresIndex
        except ImportError as e:
            raise ConfigError("The PostgreSQL backend needs: pip install 'medora[postgres]'") from e
        return PostgresIndex(settings.index.postgres_url, settings=settings,
                             replica_url=settings.index.postgres_replica_url or None,
                             bm25_candidates=settings.index.postgres_bm25_candidates,
                             ef_search=settings.index.postgres_ef_search)
    from .embedded import EmbeddedIndex

    return EmbeddedIndex(settings)
