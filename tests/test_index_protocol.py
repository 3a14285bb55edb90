"""Both backends implement the whole ``Index`` protocol, with the protocol's parameters.

The real classes are read, not instances of them: a method missing from a backend, or one
whose parameters differ from the protocol's, fails here before any query could reach it.
"""

from __future__ import annotations

import inspect

import pytest

from medora.index import Index
from medora.index.embedded import EmbeddedIndex

pytest.importorskip("psycopg_pool", reason="PostgreSQL backend: pip install 'medora[postgres]'")
from medora.index.postgres import PostgresIndex  # noqa: E402

PROTOCOL_METHODS = sorted(
    name for name, member in vars(Index).items() if inspect.isfunction(member) and not name.startswith("_")
)


def _parameters(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_protocol_is_the_read_surface():
    assert PROTOCOL_METHODS == [
        "abbreviations", "boilerplate", "close", "corpus_version", "dense_search", "document",
        "document_frequency", "document_search", "documents", "embedder", "homographs", "iter_passages",
        "lexical_search", "passage", "passages", "passages_of", "rowids_for", "stats",
    ]


@pytest.mark.parametrize("backend", [EmbeddedIndex, PostgresIndex], ids=lambda c: c.__name__)
def test_backend_implements_every_method(backend):
    missing = [name for name in PROTOCOL_METHODS if not callable(getattr(backend, name, None))]
    assert missing == []
    differing = {name: _parameters(getattr(backend, name)) for name in PROTOCOL_METHODS
                 if _parameters(getattr(backend, name)) != _parameters(getattr(Index, name))}
    assert differing == {}


def test_an_open_index_is_an_index(built_index):
    _, index = built_index
    assert isinstance(index, Index)
