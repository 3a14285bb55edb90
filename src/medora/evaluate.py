"""Evaluation suites behind `medora eval`: retrieval, answers, pubmedqa, latency (and, from
``evaluate_questions``, the real-question suites unanswerable, kqa, asco).

Each suite runs over an open index and returns a ``SuiteResult`` (one row per
question, plus a summary); ``evaluate_report`` writes it as JSON, Markdown and PNG.

    results = run_suites(["retrieval", "answers"], settings, index, Path("benchmarks/out/eval-x"))

Data: the clinical dev set ``eval/clinical_dev.jsonl`` (questions written from one
guideline each, see ``eval/README.md``) and the PubMedQA file ``ori_pqal.json`` found
in the corpus paths (its abstracts are in the index as ``pmid-<PMID>``). Questions
whose gold document is not in the index are left out and counted as ``skipped``, so the
same suites run on the test slice and on the full corpus.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DocumentNotFound, MedoraError
from .evaluate_measures import SuiteResult
from .evaluate_questions import suite_asco, suite_kqa, suite_unanswerable
from .settings import Settings, default_corpus_paths

SUITES = ("retrieval", "answers", "unanswerable", "kqa", "asco", "pubmedqa", "latency")
AUDIENCES = ("physician",)  # every audience `ask` supports; the answers suite loops over them
MODES = ("lexical", "dense", "hybrid")
KS = (1, 5, 10)
DOC_DEPTH = 10  # documents ranked per question: recall@10 and MRR@10
PASSAGES_FOR_DOCS = 50  # passages retrieved so that at least DOC_DEPTH distinct documents come back
DUPLICATE_JACCARD = 0.6
DUPLICATE_JACCARD_ACROSS_SECTIONS = 0.85
LATENCY_PUBMEDQA = 200
PUBMEDQA_REFERENCES = {"majority class (always yes)": 0.552, "single human annotator": 0.780}
DEV_SET = Path(__file__).resolve().parents[2] / "eval" / "clinical_dev.jsonl"

_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class EvalData:
    """The questions a run uses, already filtered to what the index holds."""

    dev: list[dict]  # answerable items whose gold is indexed, then the unanswerable items
    dev_skipped: list[str]  # ids of answerable items whose gold document is not in the index
    pubmedqa: dict[str, dict]  # PMID -> PubMedQA item, only abstracts present in the index
    test: dict[str, tuple[str, str]]  # PMID -> (question, yes/no/maybe) of the official test split, indexed ones
    limit: int | None = None  # --limit: at most this many items of each question list
    audiences: tuple[str, ...] = ()  # --audience: who the real-question suites ask as (empty: each set's own)

    def limited(self, items: list) -> list:
        return items[: self.limit] if self.limit else items


# -- data ---------------------------------------------------------------------------


def load_dev_set(path: Path = DEV_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _has_document(index, doc_id: str) -> bool:
    try:
        index.document(doc_id)
        return True
    except DocumentNotFound:
        return False


def _find_pubmedqa(settings: Settings) -> Path | None:
    for p in settings.corpus_paths():
        if p.is_file() and p.name == "ori_pqal.json":
            return p
        if p.is_dir():
            found = sorted(p.rglob("ori_pqal.json"))
            if found:
                return found[0]
    return None


def _ground_truth_file(near: Path | None) -> Path | None:
    candidates = [near.parent / "test_ground_truth.json"] if near else []
    candidates += [p / "test_ground_truth.json" for p in default_corpus_paths()]
    return next((c for c in candidates if c.exists()), None)


def load_data(settings: Settings, index, limit: int | None = None, dev_path: Path = DEV_SET) -> EvalData:
    """The dev set and PubMedQA items that the index can answer; ``limit`` caps each list
    (per dev set: original, realistic, unanswerable, off-topic)."""
    dev, skipped = [], []
    for item in load_dev_set(dev_path):
        if item["answerable"] and not all(_has_document(index, g) for g in item["gold"]):
            skipped.append(item["id"])
        else:
            dev.append(item)
    if limit:
        by_set: dict[str, list[dict]] = {}
        for d in dev:
            by_set.setdefault(d["set"], []).append(d)
        dev = [d for members in by_set.values() for d in members[:limit]]
    source = _find_pubmedqa(settings)
    items = json.loads(source.read_text()) if source else {}
    pubmedqa = {pmid: it for pmid, it in items.items() if _has_document(index, f"pmid-{pmid}")}
    truth_file = _ground_truth_file(source)
    truth = json.loads(truth_file.read_text()) if truth_file else {}
    # in ori_pqal.json order: test_ground_truth.json is sorted by label, so its head is all "yes"
    test = {pmid: (it["QUESTION"], truth[pmid]) for pmid, it in pubmedqa.items() if pmid in truth}
    if limit:
        pubmedqa = dict(list(pubmedqa.items())[:limit])
        test = dict(list(test.items())[:limit])
    return EvalData(dev, skipped, pubmedqa, test, limit)


# -- metrics ------------------------------------------------------------------------


def doc_ranking(hits) -> list[str]:
    """Document ids in order of their best passage (hits deduplicated by document)."""
    return list(dict.fromkeys(h.passage.doc_id for h in hits))


def first_rank(gold: Iterable[str], docs: list[str], depth: int = DOC_DEPTH) -> int | None:
    gold = set(gold)
    return next((i for i, d in enumerate(docs[:depth], start=1) if d in gold), None)


def ranking_metrics(ranks: list[int | None]) -> dict[str, float]:
    """recall@k (gold document within the top k) and MRR@DOC_DEPTH over questions."""
    n = len(ranks)
    out: dict[str, float] = {"n": n}
    for k in KS:
        out[f"recall@{k}"] = sum(1 for r in ranks if r is not None and r <= k) / n if n else 0.0
    out["mrr"] = sum(1.0 / r for r in ranks if r is not None) / n if n else 0.0
    return out


def jaccard(a: str, b: str) -> float:
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    arr = np.asarray(values) * 1000.0
    return {"n": len(values), **{f"p{q}": round(float(np.percentile(arr, q)), 2) for q in (50, 95, 99)},
            "mean": round(float(arr.mean()), 2)}


def _norm(text: str) -> str:
    from .answer.cite import normalise

    return normalise(text)


def _has_vectors(index) -> bool:
    vectors = getattr(index, "vectors", None)
    return vectors is None or len(vectors()) > 0


# -- suites -------------------------------------------------------------------------


def suite_retrieval(settings: Settings, index, data: EvalData) -> SuiteResult:
    """PubMedQA question -> its own abstract, and dev question -> gold guideline, per mode.

    Each mode runs as configured and again with ``evidence_weight=0`` ("no prior"), which
    separates the rankers from the evidence-aware reordering.
    """
    from .retrieve import retrieve

    sets = {
        "pubmedqa": [(f"pmid-{pmid}", it["QUESTION"], [f"pmid-{pmid}"]) for pmid, it in data.pubmedqa.items()],
        "clinical_dev": [(d["id"], d["question"], d["gold"]) for d in data.dev if d["answerable"]],
    }
    variants = [(mode, mode, settings.retrieve) for mode in MODES]
    if settings.retrieve.evidence_weight:
        flat = settings.retrieve.model_copy(update={"evidence_weight": 0.0})
        variants += [(mode, f"{mode} (no prior)", flat) for mode in MODES]
    rows: list[dict] = []
    summary: dict[str, Any] = {}
    for dataset, questions in sets.items():
        summary[dataset] = {}
        for mode, label, retrieve_settings in variants:
            if mode != "lexical" and not _has_vectors(index):
                summary[dataset][label] = {"skipped": "the index has no dense vectors"}
                continue
            ranks = []
            for qid, question, gold in questions:
                hits = retrieve(question, index, retrieve_settings, k=PASSAGES_FOR_DOCS, mode=mode).hits
                docs = doc_ranking(hits)
                rank = first_rank(gold, docs)
                ranks.append(rank)
                rows.append({"dataset": dataset, "mode": label, "id": qid, "gold": gold, "rank": rank,
                             "top_docs": docs[:3]})
            summary[dataset][label] = ranking_metrics(ranks)
    summary["skipped_dev"] = len(data.dev_skipped)
    return SuiteResult("retrieval", summary, rows)


def answer_text(answer) -> str:
    from .answer.cite import all_statements

    return "\n".join(s.text for s in all_statements(answer))


def _answer_row(item: dict, answer, index, audience: str, seconds: float, boilerplate) -> dict:
    import textstat

    from .answer.cite import all_statements, verify
    from .evaluate_measures import coverage, measure

    statements = all_statements(answer)
    gold = set(item["gold"])
    gold_passages = set(item.get("gold_passages", ()))
    text = answer_text(answer)
    bottom = " ".join(s.text for s in answer.bottom_line)
    found = [t for t in item["expected_terms"] if _norm(t) in _norm(text)]
    checks = verify(answer, index)
    # Near-duplicates: word Jaccard > 0.6 within a section, > 0.85 across sections (a
    # guideline's second- and third-line recommendations share most words, not their meaning).
    placed = [(s.text, "bottom line") for s in answer.bottom_line] + \
        [(s.text, sec.title) for sec in answer.sections for s in sec.statements]
    pairs = [(a, b, DUPLICATE_JACCARD if sa == sb else DUPLICATE_JACCARD_ACROSS_SECTIONS)
             for i, (a, sa) in enumerate(placed) for b, sb in placed[i + 1:]]
    cited = {s.doc_id for s in statements} | {r.doc_id for r in answer.references}
    quotes = item.get("gold_quotes", ())
    return {
        **_item_fields(item, audience), **measure(item["question"], answer, boilerplate).as_row(),
        "abstained": answer.abstained, "abstention_correct": answer.abstained != item["answerable"],
        "gold_in_bottom_line": bool(gold & {s.doc_id for s in answer.bottom_line}),
        "gold_cited": bool(gold & cited),
        "gold_passage_in_bottom_line": bool(gold_passages & {s.passage_id for s in answer.bottom_line})
        if gold_passages else None,
        "gold_passage_quoted": bool(gold_passages & {s.passage_id for s in statements}) if gold_passages else None,
        "gold_quote_bottom_line_overlap": round(max(coverage(q, bottom) for q in quotes), 4) if quotes else None,
        "terms_found": found, "terms_missing": [t for t in item["expected_terms"] if t not in found],
        "verified": sum(ok for _, ok in checks),
        "unverified": [{"text": s.text, "passage_id": s.passage_id} for s, ok in checks if not ok],
        "pairs": len(pairs), "duplicate_pairs": sum(jaccard(a, b) > limit for a, b, limit in pairs),
        "words": len(text.split()),
        "reading_grade": round(textstat.flesch_kincaid_grade(text), 2) if text else None,
        "bottom_line": bottom[:400], "cited_docs": sorted(cited), "seconds": round(seconds, 4),
    }


def _item_fields(item: dict, audience: str) -> dict:
    return {"id": item["id"], "audience": audience, "answerable": item["answerable"], "set": item["set"],
            "split": item["split"], "type": item["type"], "question": item["question"], "gold": item["gold"]}


def _answers_summary(rows: list[dict]) -> dict[str, Any]:
    from .evaluate_measures import summarise

    ins = [r for r in rows if r["answerable"]]
    outs = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r["abstained"]]

    def mean(values):
        values = [v for v in values if v is not None]
        return round(float(np.mean(values)), 4) if values else None

    statements = sum(r["statements"] for r in rows)
    pairs = sum(r["pairs"] for r in rows)
    term_total = sum(len(r["terms_found"]) + len(r["terms_missing"]) for r in ins)
    measures = summarise(ins)
    return {
        "answerable": len(ins), "off_topic": len(outs),
        "answered_answerable": mean([not r["abstained"] for r in ins]),
        "status_answered": measures["answered"], "status_partial": measures["partial"],
        "status_not_found": measures["not_found"],
        "abstained_off_topic": mean([r["abstained"] for r in outs]),
        "abstention_accuracy": mean([r["abstention_correct"] for r in rows]),
        "gold_in_bottom_line": mean([r["gold_in_bottom_line"] for r in ins]),
        "gold_cited": mean([r["gold_cited"] for r in ins]),
        "gold_passage_in_bottom_line": mean([r["gold_passage_in_bottom_line"] for r in ins]),
        "gold_passage_quoted": mean([r["gold_passage_quoted"] for r in ins]),
        "gold_quote_bottom_line_overlap": mean([r["gold_quote_bottom_line_overlap"] for r in ins]),
        "expected_term_recall": round(sum(len(r["terms_found"]) for r in ins) / term_total, 4) if term_total else None,
        "faithfulness": round(sum(r["verified"] for r in rows) / statements, 4) if statements else None,
        "statements_checked": statements,
        "duplicate_rate": round(sum(r["duplicate_pairs"] for r in rows) / pairs, 4) if pairs else 0.0,
        "statements_median": measures["statements"]["median"],
        "statements_p25": measures["statements"]["p25"], "statements_p75": measures["statements"]["p75"],
        "statements_max": measures["statements"]["max"],
        "boilerplate_share": measures["boilerplate_share"],
        "other_condition_share": measures["other_condition_share"],
        "other_population_share": measures["other_population_share"],
        "words_median": float(np.median([r["words"] for r in answered])) if answered else None,
        "reading_grade_mean": mean([r["reading_grade"] for r in answered]),
        "wrong_abstentions": [r["id"] for r in rows if not r["abstention_correct"]],
    }


# The groups the answers suite reports: the held-out split is the result, tune what rules were fitted on.
ANSWER_GROUPS = {
    "heldout": lambda r: r["split"] == "heldout",
    "tune": lambda r: r["split"] == "tune",
    "realistic heldout": lambda r: r["set"] in ("realistic", "off_topic") and r["split"] == "heldout",
    "original heldout": lambda r: r["set"] in ("original", "off_topic") and r["split"] == "heldout",
}


def suite_answers(settings: Settings, index, data: EvalData) -> SuiteResult:
    """audience.ask over the dev set's answerable and off-topic questions, once per audience."""
    from .answer import ask
    from .errors import EmptyQuery

    boilerplate = index.boilerplate()
    rows: list[dict] = []
    summary: dict[str, Any] = {"skipped_dev": len(data.dev_skipped), "audiences": {}}
    for audience in AUDIENCES:
        audience_rows = []
        for item in data.dev:
            if item["set"] == "unanswerable":
                continue  # the unanswerable suite's
            t0 = time.perf_counter()
            try:
                answer = ask(item["question"], index, settings, audience=audience)
            except EmptyQuery:  # nothing searchable in the question: a refusal, counted as abstaining
                audience_rows.append({**_refusal_row(item, audience)})
                continue
            audience_rows.append(_answer_row(item, answer, index, audience, time.perf_counter() - t0, boilerplate))
        summary["audiences"][audience] = {group: _answers_summary([r for r in audience_rows if keep(r)])
                                          for group, keep in ANSWER_GROUPS.items()}
        rows.extend(audience_rows)
    return SuiteResult("answers", summary, rows)


def _refusal_row(item: dict, audience: str) -> dict:
    return {**_item_fields(item, audience), "status": "not_found", "abstained": True,
            "abstention_correct": not item["answerable"], "gold_in_bottom_line": False, "gold_cited": False,
            "gold_passage_in_bottom_line": False if item.get("gold_passages") else None,
            "gold_passage_quoted": False if item.get("gold_passages") else None,
            "gold_quote_bottom_line_overlap": 0.0 if item.get("gold_quotes") else None,
            "terms_found": [], "terms_missing": list(item["expected_terms"]), "statements": 0, "verified": 0,
            "boilerplate": 0, "other_condition": 0, "other_population": 0,
            "unverified": [], "pairs": 0, "duplicate_pairs": 0, "words": 0, "reading_grade": None,
            "bottom_line": "", "cited_docs": [], "seconds": 0.0}


# PubMedQA decision rule (eval/README.md; chosen on the 500 development items, never on
# the test split). Cue lists describe how conclusions are worded, not medical content.
EVIDENCE_SENTENCES = 3
STUDY_TYPES = ("research", "trial", "systematic_review")
NO_CUES = re.compile(
    r"\b(?:no (?:significant |statistically significant |clear |clinically relevant )?(?:difference|association|"
    r"effect|benefit|evidence|correlation|relationship|impact|advantage|improvement|increase|reduction)s?|"
    r"not (?:significantly |statistically |independently )?(?:associated|related|correlated|different|superior|"
    r"effective|improve\w*|reduce\w*|increase\w*|affect\w*|predict\w*|necessary|required|justified|useful)|"
    r"did not|does not|do not|was not|were not|is not|are not|cannot|failed to|neither|no longer|unrelated)\b", re.I)
MAYBE_CUES = re.compile(
    r"\b(?:unclear|uncertain|inconclusive|controversial|conflicting|remains? to be|not (?:yet )?(?:clear|known|"
    r"established)|further (?:studies|research|investigation|trials) (?:is|are) (?:needed|required|warranted))\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def evidence_sentences(question: str, hits) -> list[str]:
    """The first sentences of the conclusion of the best-ranked study among the hits;
    without one, the sentences of the top 3 passages sharing most words with the question."""
    study = next((h.passage.doc_id for h in hits if h.document.type in STUDY_TYPES), None)
    conclusion = next((h.passage.text for h in hits
                       if h.passage.doc_id == study and "conclu" in h.passage.section.lower()), None)
    if conclusion:
        return _sentences(conclusion)[:EVIDENCE_SENTENCES]
    q = set(_WORD.findall(question.lower()))
    sentences = [s for h in hits[:3] for s in _sentences(h.passage.text)]
    return sorted(sentences, key=lambda s: -len(q & set(_WORD.findall(s.lower()))))[:EVIDENCE_SENTENCES]


def decide(sentences: list[str]) -> str:
    """'no' if negation cues are present and at least as many as hedges; else 'maybe' if hedged; else 'yes'."""
    text = " ".join(sentences)
    no, maybe = len(NO_CUES.findall(text)), len(MAYBE_CUES.findall(text))
    if no and no >= maybe:
        return "no"
    return "maybe" if maybe else "yes"


def suite_pubmedqa(settings: Settings, index, data: EvalData) -> SuiteResult:
    from .retrieve import retrieve

    rows = []
    for pmid, (question, label) in data.test.items():
        hits = retrieve(question, index, settings.retrieve, k=10).hits
        sentences = evidence_sentences(question, hits)
        rows.append({"pmid": pmid, "question": question, "label": label, "predicted": decide(sentences),
                     "own_abstract_top": bool(hits) and hits[0].passage.doc_id == f"pmid-{pmid}",
                     "evidence": sentences})
    n = len(rows)
    labels = ("yes", "no", "maybe")
    confusion = {t: {p: sum(1 for r in rows if (r["label"], r["predicted"]) == (t, p)) for p in labels}
                 for t in labels}
    summary = {
        "n": n, "accuracy": round(sum(r["label"] == r["predicted"] for r in rows) / n, 4) if n else None,
        "label_share": {lab: round(sum(r["label"] == lab for r in rows) / n, 4) if n else None for lab in labels},
        "own_abstract_top": round(sum(r["own_abstract_top"] for r in rows) / n, 4) if n else None,
        "confusion": confusion, "references": PUBMEDQA_REFERENCES,
    }
    return SuiteResult("pubmedqa", summary, rows)


def suite_latency(settings: Settings, index, data: EvalData) -> SuiteResult:
    """Wall time of search and ask per stage, after one warm-up call of each."""
    from .answer import ask
    from .errors import EmptyQuery
    from .retrieve import retrieve

    questions = [("dev", d["id"], d["question"]) for d in data.dev]
    questions += [("pubmedqa", f"pmid-{p}", it["QUESTION"]) for p, it in list(data.pubmedqa.items())[:LATENCY_PUBMEDQA]]
    if questions:
        retrieve(questions[0][2], index, settings.retrieve)
        ask(questions[0][2], index, settings)
    rows = []
    for source, qid, question in questions:
        try:
            t0 = time.perf_counter()
            r = retrieve(question, index, settings.retrieve)
            t1 = time.perf_counter()
            a = ask(question, index, settings)
            t2 = time.perf_counter()
        except EmptyQuery:
            continue
        search = {**r.timings, "total": t1 - t0}
        answer = {"retrieve": a.timings.get("retrieve", 0.0), "compose": a.timings.get("compose", 0.0)}
        answer["cite"] = max(t2 - t1 - answer["retrieve"] - answer["compose"], 0.0)  # citations, serialisable answer
        answer["total"] = t2 - t1
        rows.append({"source": source, "id": qid, "search": search, "ask": answer})
    summary: dict[str, Any] = {"questions": len(rows)}
    for op in ("search", "ask"):
        stages = list(dict.fromkeys(k for r in rows for k in r[op]))
        summary[op] = {s: percentiles([r[op][s] for r in rows if s in r[op]]) for s in stages}
    return SuiteResult("latency", summary, rows)


SUITE_FUNCS: dict[str, Callable[[Settings, Any, EvalData], SuiteResult]] = {
    "retrieval": suite_retrieval, "answers": suite_answers, "pubmedqa": suite_pubmedqa, "latency": suite_latency,
    "unanswerable": suite_unanswerable, "kqa": suite_kqa, "asco": suite_asco,
}


def run_suites(names: Iterable[str], settings: Settings, index, out_dir: Path, limit: int | None = None,
               dev_path: Path = DEV_SET, audiences: Iterable[str] = ()) -> dict[str, dict]:
    """Run the named suites and write ``<suite>.json``, ``.md``, ``.png`` and ``summary.md`` in ``out_dir``.

    Returns:
        ``{suite: {"summary": ..., "files": [paths], "seconds": ...}}``.
    """
    from . import __version__
    from .evaluate_report import write_index, write_suite
    from .index import LOCATION_KEYS

    names = list(names) or list(SUITES)
    unknown = [n for n in names if n not in SUITE_FUNCS]
    if unknown:
        raise MedoraError(f"Unknown suite(s) {', '.join(unknown)}; choose from: {', '.join(SUITES)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_data(settings, index, limit, dev_path)
    data.audiences = tuple(audiences)
    stats = index.stats() if hasattr(index, "stats") else {}
    meta = {"medora_version": __version__, "corpus_version": stats.get("corpus_version"), "limit": limit,
            "index": {k: v for k, v in stats.items() if k not in LOCATION_KEYS},
            "retrieve": settings.retrieve.model_dump(),
            "answer": settings.answer.model_dump(), "dev_questions": len(data.dev),
            "dev_skipped": data.dev_skipped, "pubmedqa_indexed": len(data.pubmedqa),
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    results: dict[str, dict] = {}
    done: list[SuiteResult] = []
    for name in names:
        t0 = time.perf_counter()
        result = SUITE_FUNCS[name](settings, index, data)
        result.meta = {**meta, "seconds": round(time.perf_counter() - t0, 2)}
        files = write_suite(result, out_dir)
        done.append(result)
        results[name] = {"summary": result.summary, "files": [str(f) for f in files], "seconds": result.meta["seconds"]}
    write_index(done, out_dir)
    return results
