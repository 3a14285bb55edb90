"""`kill -9` at several points of a real `medora index` run; the next run ends with the clean run's index.

Issue #15: a run killed between committing the corpus version and storing the abbreviations left 0
abbreviations that later runs never repaired. Here a subprocess indexes a small real slice with the real
model and is killed with SIGKILL while reading the corpus, as embedding starts, while embedding and as
embedding ends; a re-run must then hold exactly the documents, passages, vectors and abbreviations of an
uninterrupted run (compared as sets of ids and content hashes, not only counts).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, SLICE_GUIDELINES

from medora.index.embedded import EmbeddedIndex
from medora.settings import get_settings

pytestmark = pytest.mark.slow

GUIDELINES = SLICE_GUIDELINES[:8]
# (pattern of stderr to wait for, seconds to wait after it): each point is reached while the run still works.
KILL_POINTS = {
    "reading the corpus": (r"reading corpus", 0.1),
    "embedding starts": (r"embedding passages", 0.0),
    "mid-embedding": (r"embedding passages: +[1-9]\d?%", 0.0),  # a batch of vectors is stored, not all
    "embedding ends": (r"embedding passages: 100%", 0.0),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill-corpus") / "guidelines"
    folder.mkdir()
    for name in GUIDELINES:
        shutil.copy(CORPUS / "guidelines-ngc" / f"{name}.xml", folder / f"{name}.xml")
    return folder


def medora_index(data_dir: Path, corpus: Path) -> subprocess.Popen:
    """`medora index` in a subprocess of its own (progress bars on stderr), like an operator runs it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("MEDORA_DATA", None)
    return subprocess.Popen([sys.executable, "-c", "from medora.cli import cli; cli()", "index", "--corpus",
                             str(corpus), "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def run_to_end(data_dir: Path, corpus: Path) -> str:
    proc = medora_index(data_dir, corpus)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def kill_at(data_dir: Path, corpus: Path, marker: str, delay: float) -> bool:
    """Start a run, SIGKILL it ``delay`` s after ``marker`` first shows on stderr; False when it ended first."""
    proc = medora_index(data_dir, corpus)
    os.set_blocking(proc.stderr.fileno(), False)
    seen, at = b"", None
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        chunk = proc.stderr.read()
        seen += chunk or b""
        if at is None and re.search(marker.encode(), seen):
            at = time.monotonic() + delay
        if at is not None and time.monotonic() >= at:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            return proc.returncode == -signal.SIGKILL
        time.sleep(0.005)
    proc.kill()
    proc.communicate()
    return False


def snapshot(data_dir: Path, corpus: Path) -> dict:
    """What the index holds: ids and content hashes of documents and passages, which passages have a
    vector (in the store and in the loaded matrix), the lexical count and the abbreviations."""
    settings = get_settings(data_dir, env={}, corpus={"paths": [str(corpus)]})
    index = EmbeddedIndex(settings)
    try:
        db = index.store.db
        return {
            "documents": set(db.execute("SELECT id, content_hash FROM documents")),
            "passages": set(db.execute("SELECT id, content_hash FROM passages")),
            "vectors": {pid for (pid,) in db.execute("SELECT p.id FROM passages p JOIN vectors v ON v.content_hash = p.content_hash "
                                      "AND v.model = ?", [index.model_id])},
            "vector_matrix": len(index.vectors()),
            "lexical": index.lexical.count(),
            "abbreviations": index.store.abbreviations(),
            "corpus_version": index.store.get_info("corpus_version"),
        }
    finally:
        index.close()


def clean_counts(snap: dict) -> tuple[int, int, int]:
    return len(snap["documents"]), len(snap["passages"]), len(snap["vectors"])


def partial(data_dir: Path, corpus: Path) -> tuple[int, int, int] | None:
    """(documents, passages, vectors) a killed run left, or None when it left no index yet."""
    try:
        return clean_counts(snapshot(data_dir, corpus))
    except Exception:  # IndexNotBuilt, or a store the killed run had only begun to create
        return None


@pytest.fixture(scope="module")
def clean(tmp_path_factory, corpus) -> dict:
    data_dir = tmp_path_factory.mktemp("clean-run")
    run_to_end(data_dir, corpus)
    result = snapshot(data_dir, corpus)
    assert len(result["documents"]) == len(GUIDELINES)
    assert result["vectors"] == {pid for pid, _ in result["passages"]} and result["abbreviations"]
    return result


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_run_killed_with_sigkill_is_completed_by_the_next_run(tmp_path, corpus, clean, point):
    marker, delay = KILL_POINTS[point]
    killed = kill_at(tmp_path / "data", corpus, marker, delay)
    if point != "embedding ends":  # the last point may race the run's own end; the others never do
        assert killed, f"the run ended before the kill point {point!r}"
        left = partial(tmp_path / "data", corpus)
        assert left != clean_counts(clean), "the kill came after the work was done"
    run_to_end(tmp_path / "data", corpus)
    after = snapshot(tmp_path / "data", corpus)
    for key in ("documents", "passages", "vectors", "abbreviations", "corpus_version"):
        assert after[key] == clean[key], key
    assert after["vector_matrix"] == after["lexical"] == len(clean["passages"])
