"""The one index protocol: what retrieval, answers and the front doors may ask of an index.

Both backends implement all of it — ``EmbeddedIndex`` (SQLite + tantivy + numpy) and
``PostgresIndex`` (PostgreSQL + pgvector) — and nothing above ``medora.index`` calls
anything else, so neither needs to know which one it talks to
(``tests/test_index_protocol.py`` fails when a backend lacks a method or a parameter).
Building and maintenance stay backend-specific: ``EmbeddedIndex.write_vector_cache``,
``PostgresIndex.hybrid_search`` / ``reload_documents`` are not part of it.

    index: Index = open_index(settings)
    rowids, scores = index.lexical_search("her2 breast cancer", k=10)
    passages = index.passages(rowids)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from ..types import Document, Passage
from .embed import Embedder

# The ``stats()`` keys that say where an index lives (the embedded folder; the PostgreSQL server's
# URL, without its password): for the operator's `medora stats`, never in a response or saved result.
LOCATION_KEYS = frozenset({"path", "url"})


@runtime_checkable
class Index(Protocol):
    """Search and lookups over one indexed corpus (passages keyed by integer rowid)."""

    # -- search -------------------------------------------------------------------------

    def lexical_search(self, query: str, k: int, expansion: str = "") -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` passages by BM25: (rowids int64, scores float32), best first.

        ``expansion`` holds extra words searched at a lower weight (synonyms, long forms).
        """
        ...

    def document_search(self, query: str, k: int, expansion: str = "") -> dict[str, float]:
        """BM25 of whole documents, ``{doc_id: score}`` best first."""
        ...

    def dense_search(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` passages by cosine similarity to the embedded ``text``: (rowids, scores)."""
        ...

    def document_frequency(self, words: Iterable[str], *, exact: bool = False) -> dict[str, int]:
        """Documents holding each word (or, unless ``exact``, a word it begins, or one a typing slip
        away); 0 when none."""
        ...

    def embedder(self) -> Embedder:
        """The embedding model the vectors were made with, created on first use, once."""
        ...

    # -- lookups --------------------------------------------------------------------------

    def passages(self, rowids: Iterable[int]) -> dict[int, Passage]:
        """The passages of these rowids (a deleted one is simply absent)."""
        ...

    def passage(self, passage_id: str) -> Passage:
        """One passage by id; raises ``PassageNotFound``."""
        ...

    def rowids_for(self, audience: str) -> frozenset[int]:
        """The rowids of the passages of the documents written for ``audience`` ("patient"), read once:
        a patient answer's search keeps those of its candidates before reading any passage."""
        ...

    def passages_of(self, doc_id: str) -> list[Passage]:
        """A document's passages in reading order."""
        ...

    def iter_passages(self) -> Iterator[tuple[int, Passage]]:
        """Every passage with its rowid, in rowid order (corpus-wide statistics)."""
        ...

    def document(self, doc_id: str, *, with_sections: bool = False) -> Document:
        """One document (metadata only unless ``with_sections``); raises ``DocumentNotFound``."""
        ...

    def documents(self, doc_type: str | None = None, limit: int = 50) -> list[Document]:
        """Documents (metadata only), newest first (then by id), optionally of one type."""
        ...

    # -- corpus facts ---------------------------------------------------------------------

    def abbreviations(self) -> dict[str, list[str]]:
        """Short form (lower-case) -> long forms mined from the corpus, most frequent first."""
        ...

    def boilerplate(self) -> frozenset[str]:
        """Keys (``corpus.boilerplate.sentence_key``) of the sentences found in many documents."""
        ...

    def homographs(self) -> frozenset[str]:
        """Lower-case words the corpus mostly writes as words and sometimes, in capitals, as acronyms
        of something else ("ice" and ICE, "fish" and FISH)."""
        ...

    def corpus_version(self) -> str:
        """The indexed corpus's version, stamped on every answer."""
        ...

    def stats(self) -> dict[str, object]:
        """Counts of documents (by type), passages and vectors, the corpus version, the ``backend``
        ('embedded' or 'postgres') and where it lives (``LOCATION_KEYS``)."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...
