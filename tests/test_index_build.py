"""`medora index` on real guideline files: incremental, resumable, reports malformed input.

Embedded backend only: these are the builder's internals (its SQLite store, tantivy, the vectors file),
which every backend is loaded from; loading PostgreSQL from them is tested in test_cli.py and
test_postgres_backend.py.
"""

import multiprocessing
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from medora.cli import cli
from medora.errors import ConfigError, IndexStoreError
from medora.index.build import build_index
from medora.index.embedded import EmbeddedIndex
from medora.settings import get_settings

from conftest import CORPUS

FILES = ["ngc-10495", "ngc-10494", "ngc-10006", "ngc-10008", "ngc-10009"]


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "guidelines"
    folder.mkdir()
    for name in FILES:
        shutil.copy(CORPUS / "guidelines-ngc" / f"{name}.xml", folder / f"{name}.xml")
    return folder


def _settings(tmp_path, corpus_dir):
    return get_settings(tmp_path / "data", env={}, corpus={"paths": [str(corpus_dir)]})


def _consistent(settings) -> tuple[int, int, int]:
    index = EmbeddedIndex(settings)
    counts = index.store.counts()
    result = (counts["documents"], counts["passages"], index.lexical.count())
    index.close()
    return result


def test_an_index_built_before_homographs_were_counted_counts_them_on_the_next_run(tmp_path, corpus_dir):
    """An index from an older version has no words-also-acronyms: the next run counts them from its
    passages, re-reading no file."""
    from medora.corpus.abbreviations import AcronymHomographs
    from medora.index.embedded import HOMOGRAPHS_INFO

    settings = _settings(tmp_path, corpus_dir)
    build_index(settings, dense=False)
    index = EmbeddedIndex(settings)
    counted = AcronymHomographs()
    for _, passage in index.iter_passages():
        counted.add(passage.text)
    assert index.store.get_info(HOMOGRAPHS_INFO) == counted.words()  # a list, though maybe empty: None is missing
    index.store.db.execute("DELETE FROM info WHERE key = ?", (HOMOGRAPHS_INFO,))
    index.store.db.commit()
    index.close()
    again = build_index(settings, dense=False)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    index = EmbeddedIndex(settings)
    assert index.store.get_info(HOMOGRAPHS_INFO) == counted.words()
    assert index.homographs() == frozenset(counted.words())
    index.close()


def test_second_run_changes_nothing(tmp_path, corpus_dir):
    settings = _settings(tmp_path, corpus_dir)
    first = build_index(settings, dense=False)
    second = build_index(settings, dense=False)
    assert (first.added, first.unchanged, first.problems) == (5, 0, [])
    assert (second.added, second.updated, second.unchanged, second.passages_written) == (0, 0, 5, 0)
    documents, passages, lexical = _consistent(settings)
    assert (documents, lexical) == (5, passages)


class Interrupt(KeyboardInterrupt):
    pass


def test_interrupted_index_resumes_where_it_stopped(tmp_path, corpus_dir):
    settings = _settings(tmp_path, corpus_dir)

    class StopAfterThree:
        """A progress bar that is interrupted (as by Ctrl-C) while the fourth document is read."""
        seen = 0

        def update(self, n=1):
            self.seen += n
            if self.seen == 4:
                raise Interrupt

        def close(self):
            pass

    with pytest.raises(Interrupt):
        build_index(settings, dense=False, doc_batch=2, progress=lambda total, desc: StopAfterThree())
    assert _consistent(settings)[0] == 2  # the first committed batch survived
    resumed = build_index(settings, dense=False, doc_batch=2)
    assert (resumed.unchanged, resumed.added) == (2, 3)
    documents, passages, lexical = _consistent(settings)
    assert (documents, lexical) == (5, passages)


def test_malformed_file_is_reported_with_its_path_and_the_rest_indexed(tmp_path, corpus_dir):
    broken = corpus_dir / "ngc-10009.xml"
    broken.write_text(broken.read_text()[:5000])  # a real file, cut off mid-element
    result = CliRunner().invoke(
        cli, ["index", "--corpus", str(corpus_dir), "--no-dense", "--quiet", "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output
    assert "Indexed 4 documents: 4 added" in result.output
    assert "1 problem(s); these inputs were skipped:" in result.output
    assert str(broken) in result.output


def test_a_second_run_started_meanwhile_is_refused_with_one_line(tmp_path, corpus_dir):
    # Issue #15: the second of two concurrent runs died with tantivy's raw LockBusy traceback.
    settings = _settings(tmp_path, corpus_dir)
    second = []

    class Bar:
        def update(self, n=1): ...
        def close(self): ...

    def progress(total, desc):  # called while the first run holds the lock
        if not second:
            second.append(CliRunner().invoke(cli, ["index", "--data-dir", str(settings.data_dir), "--corpus",
                                                   str(corpus_dir), "--no-dense", "--quiet"]))
        return Bar()

    first = build_index(settings, dense=False, progress=progress)
    folder = settings.data_dir / settings.index_name()
    assert (second[0].exit_code, second[0].output) == (1, (
        f"Error: another index run holds the lock on {folder}; wait for it to finish, then run medora index again\n"))
    assert "Traceback" not in second[0].output
    assert (first.added, first.problems) == (5, [])
    third = CliRunner().invoke(cli, ["index", "--data-dir", str(settings.data_dir), "--corpus", str(corpus_dir),
                                     "--no-dense", "--quiet"])
    assert third.exit_code == 0 and third.output.startswith("Indexed 5 documents: 0 added, 0 updated, 5 unchanged")


# -- your own sources (issue #16): PubMed, PMC and SPL XML beside a guideline -------------------------------

DATA = Path(__file__).parent / "data"
OWN = [DATA / "pmc" / "1472-6831-8-11.nxml", DATA / "spl" / "no-title.xml", DATA / "pubmed" / "pubmed-29768149.xml",
       DATA / "pubmed" / "pubmed2.xml"]


@pytest.fixture
def own_dir(tmp_path):
    folder = tmp_path / "own"
    folder.mkdir()
    for path in OWN:
        shutil.copy(path, folder / path.name)
    shutil.copy(CORPUS / "guidelines-ngc" / "ngc-10495.xml", folder / "ngc-10495.xml")
    return folder


def test_index_names_each_file_as_it_reads_it_and_sums_up_per_format(tmp_path, own_dir):
    bars = []

    class Bar:
        def __init__(self, total, desc):
            self.total, self.desc, self.shown, self.done = total, desc, [], 0
            bars.append(self)

        def update(self, n=1):
            self.done += n

        def set_postfix_str(self, text):
            self.shown.append(text)

        def close(self): ...

    report = build_index(_settings(tmp_path, own_dir), dense=False, progress=Bar)
    assert [(b.desc, b.total, b.done, b.shown) for b in bars] == [("reading corpus", 5, 5, [
        "1472-6831-8-11.nxml", "ngc-10495.xml", "no-title.xml", "pubmed-29768149.xml", "pubmed2.xml"])]
    assert {name: (c.files, c.documents, c.problems) for name, c in report.formats.items()} == {
        "pmc-xml": (1, 1, 0), "ngc-xml": (1, 1, 0), "spl-xml": (1, 1, 0), "pubmed-xml": (2, 3, 0)}
    assert sum(c.passages for c in report.formats.values()) == report.passages_written


def test_the_cli_prints_the_summary_and_a_second_run_over_the_new_formats_changes_nothing(tmp_path, own_dir):
    args = ["index", "--corpus", str(own_dir), "--no-dense", "--quiet", "--data-dir", str(tmp_path / "data")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith("Indexed 6 documents: 6 added, 0 updated, 0 unchanged, 0 removed;")
    assert [line.split()[:4] + [line.split()[-1]] for line in lines[1:6]] == [
        ["format", "files", "documents", "passages", "problems"],
        ["pmc-xml", "1", "1", lines[2].split()[3], "0"],
        ["ngc-xml", "1", "1", lines[3].split()[3], "0"],
        ["spl-xml", "1", "1", lines[4].split()[3], "0"],
        ["pubmed-xml", "2", "3", lines[5].split()[3], "0"],
    ]
    second = CliRunner().invoke(cli, args)
    assert second.output.splitlines()[0].startswith(
        "Indexed 6 documents: 0 added, 0 updated, 6 unchanged, 0 removed; 0 passages written")
    assert [line.split()[3] for line in second.output.splitlines()[2:6]] == ["0", "0", "0", "0"]


def test_prune_removes_the_documents_of_deleted_files_of_the_new_formats(tmp_path, own_dir):
    settings = _settings(tmp_path, own_dir)
    build_index(settings, dense=False)
    (own_dir / "pubmed2.xml").unlink()
    (own_dir / "no-title.xml").unlink()
    kept = build_index(settings, dense=False)
    assert (kept.removed, _consistent(settings)[0]) == (0, 6)  # without --prune nothing is removed
    pruned = build_index(settings, dense=False, prune=True)
    assert (pruned.removed, pruned.unchanged) == (3, 3)
    index = EmbeddedIndex(settings)
    try:
        assert sorted(index.store.document_hashes()) == ["ngc-10495", "pmc-2329613", "pmid-29768149"]
    finally:
        index.close()


def test_a_pubmed_article_indexed_beside_a_guideline_is_found_by_its_own_title(tmp_path):
    from medora.retrieve import retrieve

    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(DATA / "pubmed" / "pubmed-29768149.xml", folder / "asthma.xml")
    shutil.copy(CORPUS / "guidelines-ngc" / "ngc-10495.xml", folder / "ngc-10495.xml")
    settings = _settings(tmp_path, folder)
    report = build_index(settings)  # with the real embedding model
    assert (report.added, report.problems) == (2, [])
    index = EmbeddedIndex(settings)
    try:
        title = index.document("pmid-29768149").title
        hits = retrieve(f"{title}?", index, settings.retrieve, k=3).hits
    finally:
        index.close()
    assert hits[0].document.id == "pmid-29768149"
    assert (hits[0].document.source, hits[0].document.date) == ("The New England journal of medicine", "2018-05-17")


# -- embedding workers (issue #17): the same vectors, written by the indexing process alone -------------------

EMBED_BATCH = 16  # passages per chunk: the five guidelines make several chunks per worker


def _dense_settings(tmp_path, corpus_dir, name, **index):
    return get_settings(tmp_path / name, env={}, corpus={"paths": [str(corpus_dir)]}, index=index)


def _vectors(settings):
    index = EmbeddedIndex(settings)
    try:
        return index.store.vector_matrix(index.model_id, 384), index.vectors()
    finally:
        index.close()


class WorkersBar:
    """A progress bar that notes, as each chunk of vectors is stored, how many worker processes run."""

    def __init__(self, total, desc):
        self.desc, self.workers, self.done = desc, [], 0

    def update(self, n=1):
        self.done += n
        if self.desc == "embedding passages":
            self.workers.append(len(multiprocessing.active_children()))

    def close(self): ...


def test_two_embedding_workers_store_the_vectors_one_process_stores(tmp_path, corpus_dir):
    alone = build_index(_dense_settings(tmp_path, corpus_dir, "one", embed_workers=1), embed_batch=EMBED_BATCH)
    bars = []
    pooled = build_index(_dense_settings(tmp_path, corpus_dir, "two", embed_workers=2), embed_batch=EMBED_BATCH,
                         progress=lambda total, desc: bars.append(WorkersBar(total, desc)) or bars[-1])
    assert alone.vectors_added == pooled.vectors_added > 2 * EMBED_BATCH
    assert (alone.vectors_missing, pooled.vectors_missing) == (0, 0)
    assert set(bars[1].workers) == {2}  # every chunk came from the two workers ...
    assert multiprocessing.active_children() == []  # ... which ended with the run
    (rowids_1, matrix_1), cache_1 = _vectors(_dense_settings(tmp_path, corpus_dir, "one"))
    (rowids_2, matrix_2), cache_2 = _vectors(_dense_settings(tmp_path, corpus_dir, "two"))
    assert np.array_equal(rowids_1, rowids_2) and np.array_equal(matrix_1, matrix_2)
    assert np.array_equal(cache_1.matrix, cache_2.matrix)  # the .npy cache written at the end too


def test_a_budgeted_then_interrupted_run_with_workers_resumes_where_it_stopped(tmp_path, corpus_dir):
    settings = _dense_settings(tmp_path, corpus_dir, "data", embed_workers=2)
    budgeted = build_index(settings, dense_budget_seconds=1e-6, embed_batch=EMBED_BATCH)
    assert budgeted.vectors_added == EMBED_BATCH  # the budget is checked after each stored chunk
    total = budgeted.vectors_added + budgeted.vectors_missing

    class InterruptAfterTwoChunks(WorkersBar):
        def update(self, n=1):
            super().update(n)
            if self.desc == "embedding passages" and self.done == 2 * EMBED_BATCH:
                raise Interrupt  # as by Ctrl-C, with the next chunks queued or running in the workers

    with pytest.raises(Interrupt):
        build_index(settings, embed_batch=EMBED_BATCH, progress=InterruptAfterTwoChunks)
    assert multiprocessing.active_children() == []
    resumed = build_index(settings, embed_batch=EMBED_BATCH)
    assert (resumed.vectors_added, resumed.vectors_missing) == (total - 3 * EMBED_BATCH, 0)
    alone = build_index(_dense_settings(tmp_path, corpus_dir, "one", embed_workers=1))
    assert alone.vectors_added == total
    (rowids, matrix), _ = _vectors(settings)
    (rowids_1, matrix_1), _ = _vectors(_dense_settings(tmp_path, corpus_dir, "one"))
    assert np.array_equal(rowids, rowids_1) and np.array_equal(matrix, matrix_1)


def test_a_bad_model_setting_reaches_the_indexing_process_from_the_workers_as_itself(tmp_path, corpus_dir):
    settings = _dense_settings(tmp_path, corpus_dir, "data", embed_workers=2, max_tokens=1)
    with pytest.raises(ConfigError, match=r"index.max_tokens must be between 2 and 512 \(got 1\)"):
        build_index(settings, embed_batch=EMBED_BATCH)
    assert multiprocessing.active_children() == []


def test_a_worker_killed_mid_run_ends_the_run_with_one_clear_error_and_the_next_run_resumes(tmp_path, corpus_dir):
    import os
    import signal

    settings = _dense_settings(tmp_path, corpus_dir, "data", embed_workers=2)

    class KillAWorkerAfterOneChunk(WorkersBar):
        def update(self, n=1):
            super().update(n)
            if self.desc == "embedding passages" and self.done == EMBED_BATCH:
                os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)  # as the OOM killer would

    with pytest.raises(IndexStoreError, match="an embedding worker process ended abruptly .* run medora index again"):
        build_index(settings, embed_batch=EMBED_BATCH, progress=KillAWorkerAfterOneChunk)
    assert multiprocessing.active_children() == []
    index = EmbeddedIndex(settings)
    try:
        total = index.store.db.execute("SELECT COUNT(DISTINCT content_hash) FROM passages").fetchone()[0]
        missing = len(index.store.passages_without_vectors(index.model_id))
    finally:
        index.close()
    assert missing <= total - EMBED_BATCH  # the chunks stored before the worker died are kept
    resumed = build_index(settings, embed_batch=EMBED_BATCH)
    assert (resumed.vectors_added, resumed.vectors_missing) == (missing, 0)
