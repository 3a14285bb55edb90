"""`medora index` on real guideline files: incremental, resumable, reports malformed input.

Embedded backend only: these are the builder's internals (its SQLite store, tantivy, the vectors file),
which every backend is loaded from; loading PostgreSQL from them is tested in test_cli.py and
test_postgres_backend.py.
"""

import shutil

import pytest
from click.testing import CliRunner

from medora.cli import cli
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
