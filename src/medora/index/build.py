"""`medora index`: read the corpus, chunk, store, index lexically, then embed.

Incremental and resumable by construction:
- a document whose content hash is unchanged is skipped;
- documents are written in batches; tantivy commits *before* SQLite, so after an
  interruption a batch is either recorded in SQLite (and in tantivy) or is simply
  redone on the next run (tantivy deletes the document's old entries first);
- vectors are keyed by passage text hash and committed batch by batch, so an
  interrupted embedding run continues where it stopped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus import chunk_document
from ..corpus.abbreviations import AbbreviationCounter, AcronymHomographs
from ..corpus.boilerplate import RepeatedSentences
from ..corpus.chunk import CHUNK_VERSION
from ..corpus.discover import plan_corpus, read_file
from ..errors import IndexLocked
from ..settings import Settings
from ..types import Document, IngestProblem, Passage
from .embed_workers import vectors_by_chunk, worker_count
from .embedded import BOILERPLATE_INFO, HOMOGRAPHS_INFO, EmbeddedIndex, index_dir
from .store_sqlite import document_hash
from .vocabulary import ensure_vocabulary

log = logging.getLogger(__name__)

DOC_BATCH = 200
PROGRESS_EVERY = 200  # documents between two updates of the file being read on the progress bar
EMBED_BATCH = 256


class _NoProgress:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str) -> None: ...
    def close(self) -> None: ...


# progress(total, description) -> an object with update()/close() (tqdm fits): one bar over the
# corpus files ("reading corpus"), one over the passages to embed ("embedding passages").
ProgressFactory = Callable[[int | None, str], object]


def _no_progress(total: int | None, desc: str) -> _NoProgress:
    return _NoProgress()


def _show(bar: object, text: str) -> None:
    """Name the file being read on the bar, where the bar can show it (tqdm's postfix)."""
    show = getattr(bar, "set_postfix_str", None)
    if show is not None:
        show(text)


@dataclass
class FormatCounts:
    """What one run read of one corpus format (a row of the summary `medora index` prints)."""

    files: int = 0
    documents: int = 0
    passages: int = 0  # passages written (new or changed documents; unchanged ones are skipped)
    problems: int = 0


@dataclass
class IngestReport:
    """What one `medora index` run did; printed by the CLI at the end."""

    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    passages_written: int = 0
    vectors_added: int = 0
    vectors_missing: int = 0
    problems: list[IngestProblem] = field(default_factory=list)
    formats: dict[str, FormatCounts] = field(default_factory=dict)  # by format, in reading order
    seconds_lexical: float = 0.0
    seconds_dense: float = 0.0
    corpus_version: str = ""


def build_index(
    settings: Settings,
    *,
    prune: bool = False,
    dense: bool | None = None,
    dense_budget_seconds: float | None = None,
    progress: ProgressFactory = _no_progress,
    doc_batch: int = DOC_BATCH,
    embed_batch: int = EMBED_BATCH,
) -> IngestReport:
    """Bring the index in ``settings.data_dir`` up to date with the corpus.

    Args:
        settings: resolved settings (corpus paths, chunking, model).
        prune: remove documents that are no longer in the corpus paths (off by
            default so that adding your own folder keeps the default corpus).
        dense: compute dense vectors (default: ``settings.index.dense``).
        dense_budget_seconds: stop embedding after this long (0: no limit);
            the next run resumes.
        progress: factory for progress bars.
        doc_batch: documents written per commit (the unit an interruption can lose).
        embed_batch: passages embedded and stored per commit.

    With ``index.embed_workers`` other than 1, passages are embedded by spawned worker processes,
    which import the caller's main module: a script calling this must do so under
    ``if __name__ == "__main__":`` (the ``medora`` command does).

    Returns:
        An ``IngestReport``; malformed inputs are listed in ``problems``, never raised.
    """
    with build_lock(index_dir(settings)):
        return _build(settings, prune, dense, dense_budget_seconds, progress, doc_batch, embed_batch)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold ``<index folder>/build.lock`` for one run; ``IndexLocked`` when another run holds it.

    NOTE: without it the second of two concurrent runs read and chunked the corpus, then died
    in tantivy's writer lock with a raw ``LockBusy`` traceback. An OS file lock is released
    when its process ends, however it ends, so a killed run leaves nothing to clean up.
    """
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "build.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLocked(f"another index run holds the lock on {folder}; wait for it to finish, "
                              "then run medora index again") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _build(settings: Settings, prune: bool, dense: bool | None, dense_budget_seconds: float | None,
           progress: ProgressFactory, doc_batch: int, embed_batch: int) -> IngestReport:
    report = IngestReport()
    index = EmbeddedIndex(settings, create=True)
    try:
        ensure_vocabulary(settings.data_dir)  # what questions are read with, ready before the first one
        started = time.perf_counter()
        _ingest(index, settings, report, prune, progress, doc_batch)
        report.seconds_lexical = time.perf_counter() - started
        if settings.index.dense if dense is None else dense:
            budget = settings.index.dense_budget_seconds if dense_budget_seconds is None else dense_budget_seconds
            started = time.perf_counter()
            _embed(index, report, budget, progress, embed_batch)
            report.seconds_dense = time.perf_counter() - started
        report.vectors_missing = len(index.store.passages_without_vectors(index.model_id))
        report.corpus_version = str(index.store.get_info("corpus_version", ""))
        changed = report.added or report.updated or report.removed or report.vectors_added
        if settings.index.backend == "postgres":
            _load_postgres(index, settings, changed)
    finally:
        index.close()
    return report


def _ingest(index: EmbeddedIndex, settings: Settings, report: IngestReport, prune: bool, progress,
            doc_batch: int) -> None:
    store, lexical = index.store, index.lexical
    known = store.document_hashes()
    if not known:  # a new index is chunked by this version from its first batch on
        store.set_info("chunk_version", CHUNK_VERSION)
    rechunk = store.get_info("chunk_version") != CHUNK_VERSION
    seen: set[str] = set()
    batch: list[tuple[Document, list[Passage], str]] = []
    plan = plan_corpus(settings.corpus_paths())
    bar = progress(len(plan), "reading corpus")

    def flush() -> None:
        if not batch:
            return
        lexical.delete_documents([doc.id for doc, _, _ in batch])
        for doc, passages, digest in batch:
            store.put_document(doc, passages, digest)
        rows = []
        for doc, passages, _ in batch:
            rowids = dict(store.db.execute("SELECT id, rowid FROM passages WHERE doc_id = ?", (doc.id,)))
            rows.extend((rowids[p.id], p, doc) for p in passages)
        lexical.add(rows)
        lexical.add_documents([doc for doc, _, _ in batch])
        lexical.commit()  # tantivy first: see the module docstring
        store.commit()
        report.passages_written += len(rows)
        batch.clear()

    for item in plan:
        _show(bar, item.path.name)
        bar.update(1)  # counted as it starts: the bar names the file being read
        counts = report.formats.setdefault(item.format, FormatCounts())
        counts.files += 1
        problems_before = len(report.problems)
        for n, doc in enumerate(read_file(item, report.problems), start=1):
            counts.documents += 1
            report.documents += 1
            if n % PROGRESS_EVERY == 0:  # a file of thousands of documents (MedQuAD, PubMed) shows it moves
                _show(bar, f"{item.path.name}: {n} documents")
            if doc.id in seen:
                report.problems.append(IngestProblem(doc.id, None, "duplicate document id; later copy skipped"))
                continue
            seen.add(doc.id)
            digest = document_hash(doc)
            if known.get(doc.id) == digest and not rechunk:
                report.unchanged += 1
                continue
            if doc.id in known:
                report.updated += 1
            else:
                report.added += 1
            passages = chunk_document(doc, settings.corpus)
            counts.passages += len(passages)
            batch.append((doc, passages, digest))
            if len(batch) >= doc_batch:
                flush()
        counts.problems += len(report.problems) - problems_before
    flush()
    bar.close()
    store.set_info("chunk_version", CHUNK_VERSION)
    if prune:
        gone = sorted(set(known) - seen)
        if gone:
            lexical.delete_documents(gone)
            lexical.commit()
            store.delete_documents(gone)
            store.commit()
        report.removed = len(gone)
    if report.added or report.updated or report.removed or store.get_info("corpus_version") is None \
            or store.get_info(BOILERPLATE_INFO) is None or store.get_info(HOMOGRAPHS_INFO) is None:
        store.set_info("vectors_stamp", None)  # rowids changed: the .npy cache no longer matches
        _refresh_corpus_facts(index)


def _load_postgres(index: EmbeddedIndex, settings: Settings, changed: bool) -> None:
    """Copy the embedded index into PostgreSQL's primary (the embedded build stays the source of truth).

    A full COPY each time something changed, or the server does not hold this index (a new,
    wiped or older database, another URL): simple and always consistent; per-document
    reloads (``PostgresIndex.reload_documents``) are there for callers that track changes.
    """
    from ..errors import ConfigError

    if not settings.index.postgres_url:
        raise ConfigError("index.backend is 'postgres' but no URL is set — set MEDORA_INDEX__POSTGRES_URL")
    try:
        from .postgres_load import holds, load_from_embedded
    except ImportError as e:
        raise ConfigError("The PostgreSQL backend needs: pip install 'medora[postgres]'") from e
    if changed or not holds(index, settings.index.postgres_url):
        load_from_embedded(index, settings.index.postgres_url)


def _refresh_corpus_facts(index: EmbeddedIndex) -> None:
    """Corpus version (hash of every document hash), abbreviations mined from the text, the
    sentences repeated across many documents (boilerplate, never quoted) and the words the corpus
    also writes as acronyms of something else."""
    store = index.store
    hashes = sorted(store.document_hashes().items())
    version = hashlib.sha256(repr(hashes).encode()).hexdigest()[:12]
    counter = AbbreviationCounter()
    repeated = RepeatedSentences()
    homographs = AcronymHomographs()
    for _, passage in store.iter_passages():
        counter.add(passage.text)
        repeated.add(passage.doc_id, passage.text)
        homographs.add(passage.text)
    store.put_abbreviations(counter.best(min_count=2))
    store.set_info(BOILERPLATE_INFO, repeated.repeated())
    store.set_info(HOMOGRAPHS_INFO, homographs.words())
    # Last: a run killed before this line finds no corpus version and refreshes these facts again.
    store.set_info("corpus_version", version)


def _embed(index: EmbeddedIndex, report: IngestReport, budget: float, progress, embed_batch: int) -> None:
    todo = index.store.passages_without_vectors(index.model_id)
    if not todo:
        # Re-chunked or changed documents get new passage rowids: the cache maps rowids
        # to vectors, so it is rewritten whenever the passages changed.
        if index.store.get_info("vectors_stamp") is None or report.added or report.updated or report.removed:
            index.write_vector_cache(f"{index.store.get_info('corpus_version')}-{time.time():.0f}")
        return
    workers = worker_count(index.settings.index.embed_workers)
    if len(todo) < workers * embed_batch:  # starting workers takes seconds: not worth it for less than a chunk each
        workers = 1
    chunks = [todo[start : start + embed_batch] for start in range(0, len(todo), embed_batch)]
    bar = progress(len(todo), "embedding passages")
    started = time.perf_counter()
    with vectors_by_chunk(index, [[text for _, text in chunk] for chunk in chunks], workers) as vectors:
        for chunk, chunk_vectors in zip(chunks, vectors):
            index.store.put_vectors(index.model_id, [h for h, _ in chunk], chunk_vectors)
            report.vectors_added += len(chunk)
            bar.update(len(chunk))
            if budget and time.perf_counter() - started > budget:
                break
    bar.close()
    index.write_vector_cache(f"{index.store.get_info('corpus_version')}-{time.time():.0f}")
