"""The embedded index: one folder holding SQLite, tantivy and a vector cache.

The folder is named by a hash of every setting that shapes it
(``Settings.index_name()``) and holds ``params.json`` with those values, so an
index built with other chunking or another model is never served by mistake.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import IndexMismatch, IndexNotBuilt
from ..settings import Settings
from ..types import Document, Passage
from . import vocabulary
from .lexical_tantivy import TantivyLexical
from .store_sqlite import Store
from .vectors_numpy import NumpyVectors

EMBED_DIM = 384
# The info key under which the keys of sentences repeated across many documents are stored.
BOILERPLATE_INFO = "boilerplate_sentences"
# ... and the words the corpus also writes as acronyms (``corpus.abbreviations.AcronymHomographs``).
HOMOGRAPHS_INFO = "acronym_homographs"


def index_dir(settings: Settings) -> Path:
    return settings.data_dir / settings.index_name()


class EmbeddedIndex:
    """Store + lexical + dense search behind the methods retrieval needs.

    Example::

        index = EmbeddedIndex(settings)            # raises IndexNotBuilt before `medora index`
        rowids, scores = index.lexical_search("her2 breast cancer", k=10)
        passages = index.passages(rowids)
    """

    def __init__(self, settings: Settings, *, create: bool = False):
        self.settings = settings
        self.path = index_dir(settings)
        params = {**settings.index_params(), "medora_version": __version__}
        params_file = self.path / "params.json"
        if not params_file.exists():
            if not create:
                raise IndexNotBuilt(f"No index in {settings.data_dir} — run: medora index")
            self.path.mkdir(parents=True, exist_ok=True)
            params_file.write_text(json.dumps(params, indent=2, sort_keys=True))
        stored = json.loads(params_file.read_text())
        if {k: v for k, v in stored.items() if k != "medora_version"} != settings.index_params():
            raise IndexMismatch(
                f"The index in {self.path} was built with other settings ({stored}); run: medora index"
            )
        vocabulary.use_data_dir(settings.data_dir)
        self.store = Store(self.path / "medora.db")
        self.lexical = TantivyLexical(self.path / "tantivy")
        self._vectors: NumpyVectors | None = None
        self._embedder = None
        # NOTE: the server's request threads share this index; what loads on first use loads once.
        # The ONNX session's run() and tantivy's searchers are safe to share; the store locks its connection.
        self._load_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.settings.index.model_name

    # -- dense -------------------------------------------------------------------

    def embedder(self):
        """The query/passages embedding model, built on first use (a few seconds once per data dir)."""
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    from .embed import OnnxMiniLM  # onnxruntime loads only when dense search is used

                    self._embedder = OnnxMiniLM(**self.embedder_options(self.settings.index.threads))
        return self._embedder

    def embedder_options(self, threads: int) -> dict[str, object]:
        """What ``OnnxMiniLM`` is built with, here and in `medora index`'s embedding workers."""
        cfg = self.settings.index
        return {"cache_dir": self.settings.data_dir / "models", "max_tokens": cfg.max_tokens,
                "batch_size": cfg.batch_size, "threads": threads}

    def vectors(self) -> NumpyVectors:
        found = self._vectors
        if found is not None:
            return found
        with self._load_lock:
            if self._vectors is None:
                stamp = self.store.get_info("vectors_stamp")
                ids_file, mat_file = self.path / "vector_rowids.npy", self.path / "vectors.npy"
                cached = self.path / "vectors.stamp"
                if stamp and cached.exists() and cached.read_text() == str(stamp):
                    self._vectors = NumpyVectors(np.load(ids_file), np.load(mat_file, mmap_mode="r"))
                else:
                    self._vectors = NumpyVectors(*self.store.vector_matrix(self.model_id, EMBED_DIM))
            return self._vectors

    def write_vector_cache(self, stamp: str) -> None:
        """Save the vector matrix as .npy for fast, memory-mapped loading."""
        rowids, matrix = self.store.vector_matrix(self.model_id, EMBED_DIM)
        np.save(self.path / "vector_rowids.npy", rowids)
        np.save(self.path / "vectors.npy", matrix)
        (self.path / "vectors.stamp").write_text(stamp)
        self.store.set_info("vectors_stamp", stamp)
        self._vectors = None

    def dense_search(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        vectors = self.vectors()
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return vectors.search(self.embedder().embed([text])[0], k)

    # -- lexical and lookups ------------------------------------------------------

    def lexical_search(self, query: str, k: int, expansion: str = "") -> tuple[np.ndarray, np.ndarray]:
        return self.lexical.search(query, k, expansion)

    def document_search(self, query: str, k: int, expansion: str = "") -> dict[str, float]:
        return self.lexical.search_documents(query, k, expansion)

    def passages(self, rowids) -> dict[int, Passage]:
        return self.store.passages_by_rowid([int(r) for r in rowids])

    def document_frequency(self, words, *, exact: bool = False) -> dict[str, int]:
        """Documents holding each word (stemmed), 0 when none: whether the corpus mentions it at all."""
        return self.lexical.document_frequency(list(words), exact=exact)

    def documents(self, doc_type: str | None = None, limit: int = 50) -> list[Document]:
        return self.store.documents(doc_type, limit)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.store.passages_of(doc_id)

    def iter_passages(self):
        """Every passage with its rowid, in rowid order (corpus-wide statistics)."""
        return self.store.iter_passages()

    def document(self, doc_id: str, *, with_sections: bool = False) -> Document:
        return self.store.document(doc_id, with_sections=with_sections)

    def passage(self, passage_id: str) -> Passage:
        return self.store.passage(passage_id)

    def rowids_for(self, audience: str) -> frozenset[int]:
        return self.store.rowids_for(audience)

    def abbreviations(self) -> dict[str, list[str]]:
        if not hasattr(self, "_abbreviations"):
            self._abbreviations = self.store.abbreviations()
        return self._abbreviations

    def boilerplate(self) -> frozenset[str]:
        """Keys (``corpus.boilerplate.sentence_key``) of the sentences found in many documents."""
        if not hasattr(self, "_boilerplate"):
            self._boilerplate = frozenset(self.store.get_info(BOILERPLATE_INFO) or ())
        return self._boilerplate

    def homographs(self) -> frozenset[str]:
        """Lower-case words the corpus mostly writes as words and sometimes as acronyms ("ice", "ICE")."""
        if not hasattr(self, "_homographs"):
            self._homographs = frozenset(self.store.get_info(HOMOGRAPHS_INFO) or ())
        return self._homographs

    def stats(self) -> dict[str, object]:
        return {**self.store.counts(), "corpus_version": self.corpus_version(), "backend": "embedded",
                "path": str(self.path)}

    def corpus_version(self) -> str:
        """The indexed corpus's version, stamped on every answer (one row, unlike ``stats``'s counts)."""
        return str(self.store.get_info("corpus_version") or "")

    def close(self) -> None:
        self.store.close()
