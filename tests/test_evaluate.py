"""The evaluation data and suites: the dev set is checked against the real guidelines,
and the suites run end to end on the session's slice index."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, ROOT, SLICE_GUIDELINES, SLICE_PUBMEDQA

from medora.corpus.guideline_xml import read_guideline
from medora.evaluate import (
    DEV_SET,
    decide,
    doc_ranking,
    first_rank,
    jaccard,
    load_dev_set,
    ranking_metrics,
    run_suites,
)

DEV = load_dev_set(DEV_SET)
QUESTION_TYPES = {"treatment", "diagnosis", "screening", "prevention", "harms", "dosing"}


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("–", "-").replace("—", "-").split())


def _major_recommendations(doc_id: str) -> str:
    doc = read_guideline(CORPUS / "guidelines-ngc" / f"{doc_id}.xml")
    return next(s.text for s in doc.sections if s.name == "Major Recommendations")


# -- the dev set ------------------------------------------------------------------------


def test_dev_set_shape():
    ids = [d["id"] for d in DEV]
    assert len(ids) == len(set(ids))
    assert {tuple(sorted(d)) for d in DEV} == {("expected_terms", "gold", "id", "in_scope", "question", "type")}
    in_scope = [d for d in DEV if d["in_scope"]]
    out_scope = [d for d in DEV if not d["in_scope"]]
    assert (len(in_scope), len(out_scope)) == (62, 12)
    assert all(len(d["gold"]) == 1 and 2 <= len(d["expected_terms"]) <= 5 and d["type"] in QUESTION_TYPES
               for d in in_scope)
    assert all(d["gold"] == [] and d["expected_terms"] == [] for d in out_scope)
    assert Counter(d["type"] for d in in_scope) == {"treatment": 22, "screening": 13, "prevention": 11,
                                                   "diagnosis": 8, "dosing": 6, "harms": 2}
    # every slice guideline has a question, so CI can run the dev set on the slice
    assert set(SLICE_GUIDELINES) <= {d["gold"][0] for d in in_scope}


@pytest.mark.parametrize("item", [d for d in DEV if d["in_scope"]], ids=lambda d: d["id"])
def test_expected_terms_are_in_the_gold_guideline(item):
    (gold,) = item["gold"]
    assert (CORPUS / "guidelines-ngc" / f"{gold}.xml").exists()
    text = _norm(_major_recommendations(gold))
    assert [t for t in item["expected_terms"] if _norm(t) not in text] == []


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
    assert "| faithfulness (statements verified) | 100.0% |" in (out / "answers.md").read_text()


def test_retrieval_on_slice(slice_results):
    _, results = slice_results
    s = results["retrieval"]["summary"]
    assert s["skipped_dev"] == 38  # dev questions whose gold guideline is outside the slice
    assert s["pubmedqa"]["lexical"]["n"] == SLICE_PUBMEDQA
    assert s["clinical_dev"]["lexical"]["n"] == 24
    # Measured on the slice: R@1 0.98 in every mode (3 of 150 questions rank another abstract first).
    for mode in ("lexical", "hybrid", "dense", "lexical (no prior)", "hybrid (no prior)"):
        assert s["pubmedqa"][mode]["recall@1"] >= 0.95
        assert s["pubmedqa"][mode]["recall@10"] >= 0.99
    for mode in ("lexical", "hybrid"):
        assert s["clinical_dev"][mode]["recall@1"] == 1.0
    assert s["clinical_dev"]["dense"]["recall@5"] == 1.0


def test_answers_on_slice(slice_results):
    _, results = slice_results
    a = results["answers"]["summary"]["audiences"]["physician"]
    assert (a["in_scope"], a["out_of_scope"]) == (24, 12)
    assert a["faithfulness"] == 1.0
    assert a["abstained_out_of_scope"] == 1.0
    assert a["answered_in_scope"] == 1.0
    assert a["gold_cited"] == 1.0
    assert a["gold_in_bottom_line"] >= 0.85  # measured 22 of 24
    assert a["expected_term_recall"] >= 0.72  # measured 0.784
    assert a["duplicate_rate"] == 0.0
    assert a["wrong_abstentions"] == []


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
