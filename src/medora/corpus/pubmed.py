"""Read PubMed abstracts from PubMedQA's ``ori_pqal.json`` into Documents.

The file is one JSON object keyed by PMID; each item has ``QUESTION`` (derived from the
article title), ``CONTEXTS`` with their section ``LABELS``, ``LONG_ANSWER`` (the
conclusion), ``MESHES`` and ``YEAR``. Titles and journals are not included, so the
document title is the question (``meta["title_is_question"] = True``). The eval label
``final_decision`` and the annotators' predictions are never stored.

Study type is a heuristic on the abstract's own words, outside its background section:
"systematic review" / "meta-analysis" -> ``systematic_review``; "randomized/randomised
... trial" -> ``trial``; else ``research``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ..types import Document, IngestProblem, Section

LICENCE = "Abstract (c) its publisher; via PubMedQA (MIT licence, Jin et al. 2019)"
_REVIEW = re.compile(r"\bsystematic(?:ally)? review|\bmeta-?analys[ie]s\b", re.I)
_TRIAL = re.compile(r"\brandomi[sz]ed\b[\w\s,()-]{0,60}?\btrials?\b", re.I)
_BACKGROUND = re.compile(r"BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE", re.I)
# Structured-abstract labels over what a study set out to do and how it was run (NLM's OBJECTIVE
# and METHODS categories): "OBJECTIVE: To compare adherence to ...", "DESIGN: Retrospective cohort
# study.", "MAIN OUTCOME MEASURES: ...". Their sentences say nothing the study found.
_DESIGN_LABEL = re.compile(r"OBJECTIVE|\bAIMS?\b|PURPOSE|GOAL|HYPOTHES|METHOD|DESIGN|SETTING|PATIENTS|PARTICIPANTS"
                           r"|SUBJECTS|POPULATION|INTERVENTION|MEASURE|MATERIALS|PROCEDURE|DATA SOURCE|STUDY SELECTION"
                           r"|DATA EXTRACTION|ELIGIBILITY|SEARCH STRATEGY", re.I)
_FINDING_LABEL = re.compile(r"RESULT|FINDING|CONCLU|INTERPRETATION|DISCUSSION", re.I)


def design_sections(names: list[str]) -> list[str]:
    """The abstract's sections that describe the study's aim and methods (``meta["design_sections"]``)."""
    return [n for n in dict.fromkeys(names) if _DESIGN_LABEL.search(n) and not _FINDING_LABEL.search(n)]


def study_type(sections: list[Section]) -> str:
    """``systematic_review`` | ``trial`` | ``research``, from the abstract's wording (see module doc)."""
    own = " ".join(s.text for s in sections if not _BACKGROUND.search(s.name))
    if _REVIEW.search(own):
        return "systematic_review"
    if _TRIAL.search(own):
        return "trial"
    return "research"


def read_pubmedqa(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read ``ori_pqal.json``; an item that is not a well-formed abstract is reported and skipped."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        problems.append(IngestProblem(str(path), e.lineno, f"not valid JSON: {e.msg}"))
        return
    if not isinstance(items, dict):
        problems.append(IngestProblem(str(path), None, "expected an object keyed by PMID"))
        return
    for pmid, item in items.items():
        try:
            yield _document(str(pmid), item)
        except (KeyError, TypeError, ValueError) as e:
            problems.append(IngestProblem(str(path), None, f"PMID {pmid}: {type(e).__name__}: {e}"))


def _document(pmid: str, item: dict) -> Document:
    contexts, labels = item["CONTEXTS"], item["LABELS"]
    if len(contexts) != len(labels):
        raise ValueError("CONTEXTS and LABELS differ in length")
    sections = [Section(str(label), " ".join(str(text).split())) for label, text in zip(labels, contexts)]
    if item.get("LONG_ANSWER"):
        sections.append(Section("Conclusion", " ".join(str(item["LONG_ANSWER"]).split())))
    year = item.get("YEAR")
    return Document(
        id=f"pmid-{pmid}",
        type=study_type(sections),
        title=str(item["QUESTION"]).strip(),
        source="PubMed",
        year=int(year) if year else None,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        audience="professional",
        sections=tuple(s for s in sections if s.text),
        date=str(year) if year else None,
        licence=LICENCE,
        meta={"pmid": pmid, "mesh": list(item.get("MESHES") or []), "title_is_question": True,
              "design_sections": design_sections([s.name for s in sections])},
    )
