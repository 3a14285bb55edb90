"""Real-question suites behind `medora eval`: ``unanswerable``, ``kqa`` and ``asco``.

- ``unanswerable``: the dev set's questions the corpus cannot answer (``answerable: false``): clinical
  questions whose subject appears nowhere in the corpus (``absent``) and off-topic questions. The right
  answer is ``not_found`` or ``partial``, never a confident answer about something else.
- ``kqa``: K-QA's real patient questions (``../shared/eval/kqa``): the 101 with physicians' must-have
  statements (coverage of each must-have, a word-overlap proxy) and the 1,107 without answers, which
  must each get an answer or a clear "not found", never an error.
- ``asco``: 72 clinician questions on 2022–2025 ASCO guidelines with the authors' reference answers
  (coverage of the reference answer by the bottom line and by the whole answer; word-overlap proxies).

Every row carries the measures of ``evaluate_measures`` (status, statements, precision proxies), and
every summary the figures of ``evaluate_measures.summarise``.
"""

from __future__ import annotations

import csv
import json
import time
import traceback
from pathlib import Path

import numpy as np

from .evaluate_measures import MUST_HAVE_COVERED, SuiteResult, coverage, measure, summarise
from .errors import MedoraError
from .settings import default_corpus_paths

# Who asks each set, by default: K-QA's askers are patients, ASCO's and the dev set's clinicians.
KQA_AUDIENCES = ("patient_caregiver",)
KQA_LABELLED_AUDIENCES = ("physician", "patient_caregiver")
ASCO_AUDIENCES = ("physician",)


def shared_eval_dir() -> Path:
    """``../shared/eval`` beside the checkout (where the default corpus comes from).

    Raises:
        MedoraError: it is not there (a suite that ran on no question would report nothing).
    """
    for path in default_corpus_paths():
        candidate = path.parent / "eval" if path.name == "corpus" else path.parent
        if (candidate / "kqa").exists() and (candidate / "asco-guideline-qa").exists():
            return candidate
    raise MedoraError("The K-QA and ASCO question sets were not found: expected ../shared/eval/kqa and "
                      "../shared/eval/asco-guideline-qa beside the checkout or the current directory.")


def load_kqa(eval_dir: Path) -> tuple[list[dict], list[dict]]:
    """(labelled, unlabelled) K-QA questions; each labelled item keeps its must-have statements."""
    labelled = [json.loads(line) for line in (eval_dir / "kqa" / "questions_w_answers.jsonl").open() if line.strip()]
    unlabelled = [json.loads(line) for line in (eval_dir / "kqa" / "questions.jsonl").open() if line.strip()]
    return (
        [{"id": f"kqa-{i:03d}", "question": d["Question"], "must_have": d.get("Must_have") or [],
          "reference": d.get("Free_form_answer", "")} for i, d in enumerate(labelled, start=1)],
        [{"id": f"kqa-u{i:04d}", "question": d["Question"]} for i, d in enumerate(unlabelled, start=1)],
    )


def load_asco(eval_dir: Path) -> list[dict]:
    folder = eval_dir / "asco-guideline-qa"
    years = {k: v[0] for k, v in json.loads((folder / "guideline_index.json").read_text())
             .get("guideline_urls", {}).items()}
    with (folder / "asco_guideline_qa.csv").open(newline="") as f:
        return [{"id": f"asco-{i:03d}", "question": row["Question"], "reference": row["Answer"],
                 "guideline": row["Guideline"], "guideline_year": years.get(row["Guideline"])}
                for i, row in enumerate(csv.DictReader(f), start=1)]


def run_answer(item: dict, index, settings, audience: str, boilerplate: frozenset[str]) -> tuple[dict, object]:
    """Ask one question; a row of measures, or an error row (any exception counts as an error)."""
    from .answer import ask
    from .answer.cite import all_statements
    from .errors import EmptyQuery

    row = {"id": item["id"], "question": item["question"], "audience": audience}
    t0 = time.perf_counter()
    try:
        answer = ask(item["question"], index, settings, audience=audience)
    except EmptyQuery:  # nothing searchable in the question: a clear refusal, not an error
        return {**row, "status": "not_found", "statements": 0, "boilerplate": 0, "other_condition": 0,
                "other_population": 0, "bottom_line": "", "seconds": time.perf_counter() - t0}, None
    except Exception as e:  # noqa: BLE001 — the suite counts every failure instead of stopping
        return {**row, "error": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc(limit=4)[-1500:], "statements": 0}, None
    seconds = time.perf_counter() - t0
    measures = measure(item["question"], answer, boilerplate)
    return {**row, **measures.as_row(), "bottom_line": " ".join(s.text for s in answer.bottom_line)[:400],
            "docs": sorted({s.doc_id for s in all_statements(answer)}),
            "missing": list(getattr(answer, "missing", ()) or ()), "seconds": round(seconds, 4),
            "_text": measures.text}, answer


def _strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def suite_unanswerable(settings, index, data):
    audiences = data.audiences or ("physician",)
    boilerplate = index.boilerplate()
    items = [d for d in data.dev if not d["answerable"]]
    rows = []
    for audience in audiences:
        for item in items:
            row, _ = run_answer(item, index, settings, audience, boilerplate)
            honest = row.get("status") in ("not_found", "partial")
            rows.append({**row, "set": item["set"], "split": item["split"], "type": item["type"],
                         "absent": item.get("absent", []), "honest": honest})
    summary: dict = {"audiences": {}}
    for audience in audiences:
        mine = [r for r in rows if r["audience"] == audience]
        per_set = {}
        for name in ("unanswerable", "off_topic"):
            members = [r for r in mine if r["set"] == name]
            per_set[name] = {**summarise(members), "honest": _mean([r["honest"] for r in members])}
            for split in ("tune", "heldout"):
                part = [r for r in members if r["split"] == split]
                per_set[name][f"honest_{split}"] = _mean([r["honest"] for r in part])
        summary["audiences"][audience] = per_set
    return SuiteResult("unanswerable", summary, _strip(rows))


def suite_kqa(settings, index, data):
    audiences = data.audiences or KQA_AUDIENCES
    boilerplate = index.boilerplate()
    labelled, unlabelled = load_kqa(shared_eval_dir())
    rows = []
    for audience in sorted(set(audiences) | set(KQA_LABELLED_AUDIENCES)):
        for item in data.limited(labelled):
            row, _ = run_answer(item, index, settings, audience, boilerplate)
            text = row.pop("_text", "")
            scores = [coverage(m, text) for m in item["must_have"]]
            rows.append({**row, "set": "labelled", "must_have": len(scores),
                         "must_have_covered": sum(s >= MUST_HAVE_COVERED for s in scores),
                         "must_have_overlap": round(float(np.mean(scores)), 4) if scores else None,
                         "reference_overlap": round(coverage(item["reference"], text), 4)})
    for audience in audiences:
        for item in data.limited(unlabelled):
            row, _ = run_answer(item, index, settings, audience, boilerplate)
            rows.append({**row, "set": "unlabelled"})
    summary: dict = {"audiences": {}}
    for audience in sorted({r["audience"] for r in rows}):
        per_set = {}
        for name in ("labelled", "unlabelled"):
            members = [r for r in rows if r["audience"] == audience and r["set"] == name]
            if not members:
                continue
            per_set[name] = summarise(members)
            if name == "labelled":
                ok = [r for r in members if not r.get("error")]
                total = sum(r["must_have"] for r in ok)
                per_set[name]["must_have_coverage"] = round(sum(r["must_have_covered"] for r in ok) / total, 4) \
                    if total else None
                per_set[name]["must_have_overlap"] = _mean([r["must_have_overlap"] for r in ok])
                per_set[name]["reference_overlap"] = _mean([r["reference_overlap"] for r in ok])
        both = [r for r in rows if r["audience"] == audience]
        summary["audiences"][audience] = {**per_set, "errors": sum(bool(r.get("error")) for r in both),
                                          "questions": len(both)}
    return SuiteResult("kqa", summary, _strip(rows))


def suite_asco(settings, index, data):
    audiences = data.audiences or ASCO_AUDIENCES
    boilerplate = index.boilerplate()
    rows = []
    for audience in audiences:
        for item in data.limited(load_asco(shared_eval_dir())):
            row, answer = run_answer(item, index, settings, audience, boilerplate)
            text = row.pop("_text", "")
            rows.append({**row, "guideline": item["guideline"], "guideline_year": item["guideline_year"],
                         "reference_overlap": round(coverage(item["reference"], text), 4),
                         "bottom_line_overlap": round(coverage(item["reference"], row.get("bottom_line", "")), 4)})
    summary: dict = {"audiences": {}}
    for audience in audiences:
        members = [r for r in rows if r["audience"] == audience]
        ok = [r for r in members if not r.get("error")]
        summary["audiences"][audience] = {
            **summarise(members), "reference_overlap": _mean([r["reference_overlap"] for r in ok]),
            "bottom_line_overlap": _mean([r["bottom_line_overlap"] for r in ok]),
        }
    return SuiteResult("asco", summary, _strip(rows))


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None
