"""The evaluation suites run end to end on the session's slice index (the dev set itself is
checked against the real corpus in test_dev_set.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SLICE_PUBMEDQA

from medora.evaluate import (
    DEV_SET,
    _has_document,
    decide,
    doc_ranking,
    first_rank,
    jaccard,
    load_dev_set,
    ranking_metrics,
    run_suites,
)

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = pytest.mark.both_backends

# -- metric helpers (hand-computed values) ----------------------------------------------


def test_ranking_metrics_by_hand():
    assert ranking_metrics([1, 3, None, 10]) == {
        "n": 4, "recall@1": 0.25, "recall@5": 0.5, "recall@10": 0.75, "mrr": pytest.approx((1 + 1 / 3 + 1 / 10) / 4)}
    assert first_rank(["b"], ["a", "b", "c"]) == 2
    assert first_rank(["z"], ["a", "b"]) is None


def test_doc_ranking_dedupes_in_order(built_index):
    from medora.retrieve import retrieve

    settings, index = built_index
    hits = retrieve("HER2-positive breast cancer brain metastases", index, settings.retrieve, k=30).hits
    docs = doc_ranking(hits)
    assert len(docs) == len(set(docs))
    assert docs == sorted(set(docs), key=[h.passage.doc_id for h in hits].index)


def test_jaccard_and_decision_rule():
    assert jaccard("Offer clozapine now", "offer clozapine later") == pytest.approx(2 / 4)
    assert decide(["There was no significant difference in mortality."]) == "no"
    assert decide(["These findings may suggest a benefit; further studies are needed."]) == "maybe"
    assert decide(["Screening reduced mortality in this cohort."]) == "yes"


# -- suites on the slice ----------------------------------------------------------------


@pytest.fixture(scope="module")
def slice_results(built_index, tmp_path_factory):
    settings, index = built_index
    out = tmp_path_factory.mktemp("eval")
    return out, run_suites(["retrieval", "answers"], settings, index, out)


def test_suites_write_json_markdown_png(slice_results):
    out, results = slice_results
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.json", "answers.md", "answers.png", "retrieval.json", "retrieval.md", "retrieval.png", "summary.md"]
    assert (out / "retrieval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((out / "answers.json").read_text())
    assert saved["summary"] == results["answers"]["summary"]
    assert "| faithfulness (statements verified) | 100.0% | 100.0% |" in (out / "answers.md").read_text()


def test_retrieval_on_slice(slice_results, built_index):
    _, results = slice_results
    _, index = built_index
    s = results["retrieval"]["summary"]
    answerable = [d for d in load_dev_set(DEV_SET) if d["answerable"]]
    in_slice = [d for d in answerable if all(_has_document(index, g) for g in d["gold"])]
    assert s["skipped_dev"] == len(answerable) - len(in_slice)  # gold outside the slice
    assert s["pubmedqa"]["lexical"]["n"] == SLICE_PUBMEDQA
    assert s["clinical_dev"]["lexical"]["n"] == len(in_slice) >= 24
    # Measured on the slice: R@1 0.98 in every mode (3 of 150 questions rank another abstract first).
    for mode in ("lexical", "hybrid", "dense", "lexical (no prior)", "hybrid (no prior)"):
        assert s["pubmedqa"][mode]["recall@1"] >= 0.95
        assert s["pubmedqa"][mode]["recall@10"] >= 0.99
    for mode in ("lexical", "hybrid"):
        assert s["clinical_dev"][mode]["recall@1"] >= 0.95
    assert s["clinical_dev"]["dense"]["recall@5"] == 1.0


def test_answers_on_slice(slice_results):
    _, results = slice_results
    groups = results["answers"]["summary"]["audiences"]["physician"]
    tune, heldout = groups["tune"], groups["heldout"]
    assert tune["answerable"] + heldout["answerable"] == 28  # the slice's 24 original questions, 4 realistic
    assert tune["off_topic"] + heldout["off_topic"] == 12
    for a in (tune, heldout):
        assert a["faithfulness"] == 1.0
        assert a["abstained_off_topic"] == 1.0
        assert a["answered_answerable"] >= 0.9
        assert a["gold_cited"] >= 0.9  # the realistic question of the slice is harder
        assert a["duplicate_rate"] == 0.0
        assert len(a["wrong_abstentions"]) <= 1
        assert a["statements_median"] > 0 and 0 <= a["boilerplate_share"] <= 1
    # measured on the slice: gold guideline in the bottom line 22 of 24; expected-term recall 0.784 before
    # statements had to match what is asked in their own words (answer.min_own_match_ratio), 0.545 after:
    # shorter answers hold fewer of the expected words (the judged sample weighs that trade, RESULTS.md).
    # Tune 0.4375 since applicability reads the line of therapy: the first-line question (cd-001) no
    # longer holds the later-line statements that carried "trastuzumab" (measured, session 9).
    assert (tune["gold_in_bottom_line"] * tune["answerable"] + heldout["gold_in_bottom_line"] * heldout["answerable"]
            ) >= 21
    assert min(tune["expected_term_recall"], heldout["expected_term_recall"]) >= 0.43


def test_eval_command_help_and_run(built_index, tmp_path):
    from medora.evaluate_report import eval_command

    settings, _ = built_index
    runner = CliRunner()
    assert "Run evaluation SUITES" in runner.invoke(eval_command, ["--help"]).output
    result = runner.invoke(eval_command, ["pubmedqa", "--limit", "20", "--out", str(tmp_path / "e"),
                                          "--data-dir", str(settings.data_dir)], env={"MEDORA_CORPUS": str(
                                              settings.corpus.paths[0])})
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "e" / "pubmedqa.json").read_text())
    assert saved["summary"]["n"] == len(saved["rows"]) > 0
    assert "| single human annotator |  | 78.0% |" in result.output


def test_unknown_suite_is_refused(built_index, tmp_path):
    from medora.errors import MedoraError

    settings, index = built_index
    with pytest.raises(MedoraError, match="Unknown suite"):
        run_suites(["speed"], settings, index, tmp_path)


def test_dev_set_path_is_in_the_repo():
    assert DEV_SET == ROOT / "eval" / "clinical_dev.jsonl"
    assert Path(DEV_SET).exists()


def test_real_question_suites_on_slice(built_index, tmp_path):
    """unanswerable, kqa and asco run end to end: every question gets a status or is counted as an error."""
    settings, index = built_index
    results = run_suites(["unanswerable", "kqa", "asco"], settings, index, tmp_path, limit=4)
    kqa = results["kqa"]["summary"]["audiences"]
    assert set(kqa) == {"physician", "patient_caregiver"}
    assert kqa["patient_caregiver"]["labelled"]["questions"] == 4
    assert kqa["patient_caregiver"]["unlabelled"]["questions"] == 4
    assert kqa["patient_caregiver"]["errors"] == 0 and kqa["physician"]["errors"] == 0
    asco = results["asco"]["summary"]["audiences"]["physician"]
    assert asco["questions"] == 4 and asco["errors"] == 0
    assert 0 <= asco["reference_overlap"] <= 1
    unanswerable = results["unanswerable"]["summary"]["audiences"]["physician"]
    assert unanswerable["off_topic"]["honest"] == 1.0  # off-topic questions abstain
    rows = json.loads((tmp_path / "kqa.json").read_text())["rows"]
    assert all(r["status"] in ("answered", "partial", "not_found") for r in rows)
    assert "| errors | 0 |" in (tmp_path / "asco.md").read_text()


def test_real_question_suites_ask_as_the_audiences_given(built_index, tmp_path):
    settings, index = built_index
    results = run_suites(["kqa"], settings, index, tmp_path, limit=2, audiences=["pharmacist", "student"])
    kqa = results["kqa"]["summary"]["audiences"]
    assert set(kqa) == {"pharmacist", "student", "physician", "patient_caregiver"}  # labelled: also both defaults
    assert kqa["pharmacist"]["unlabelled"]["questions"] == 2 and kqa["pharmacist"]["errors"] == 0
