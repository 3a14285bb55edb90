"""What the evaluation suites measure in one answer, beyond citing the right document.

Every answer suite (``answers``, ``unanswerable``, ``kqa``, ``asco``) reports these per answer:

- ``status``: ``answered``, ``partial`` or ``not_found`` (``Answer.status`` when the pipeline sets
  one; an answer that only says ``abstained`` counts as ``not_found``, any other as ``answered``).
- precision proxies, so that coverage is never read without what it cost:
  - ``boilerplate``: statements all of whose sentences occur, word for word, in at least
    ``corpus.boilerplate.MIN_DOCUMENTS`` documents of the index (publisher notes, rating
    definitions), as found at index time (``index.boilerplate()``);
  - ``other_condition``: statements that name a condition of the disease vocabulary and none of
    the question's, when the question names one;
  - ``other_population``: statements that name a patient group (``applicability.POPULATION_GROUPS``)
    and none compatible with the question's, when the question names one. The answer pipeline drops
    such statements when their wording, heading or title says so; this proxy reads the statement alone.
- ``coverage``: the share of a reference text's content words (stop words removed, words cut to
  ``STEM_LETTERS`` letters) that the answer's statements contain. A word-overlap proxy: it cannot
  tell "do X" from "do not do X"; read it beside the judged sample.

All of them are proxies, documented as such in ``eval/README.md``; the judged sample
(``../shared/eval/JUDGING.md``) is what says whether an answer answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .answer.applicability import POPULATION_COMPATIBLE, populations
from .corpus.boilerplate import is_boilerplate
from .query import STOP_WORDS, analyse

STEM_LETTERS = 5  # "recommended"/"recommendation" -> "recom": crude, language-agnostic, documented
MUST_HAVE_COVERED = 0.6  # a K-QA must-have counts as covered when this share of its content words is present

_WORD = re.compile(r"[a-z0-9]+")


def answer_status(answer) -> str:
    """``answered`` / ``partial`` / ``not_found`` of an answer, whatever version of the pipeline made it."""
    status = getattr(answer, "status", "")
    if status:
        return status
    return "not_found" if answer.abstained else "answered"


def content_words(text: str) -> set[str]:
    return {w[:STEM_LETTERS] for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1}


def coverage(reference: str, answer_text: str) -> float:
    """Share of ``reference``'s content words that ``answer_text`` holds (0 when it has none)."""
    wanted = content_words(reference)
    return len(wanted & content_words(answer_text)) / len(wanted) if wanted else 0.0


def other_population(question_groups: frozenset[str], statement: str) -> bool:
    """The statement names patient groups and none compatible with the question's."""
    said = populations(statement)
    if not question_groups or not said:
        return False
    compatible = set().union(*(POPULATION_COMPATIBLE[g] for g in question_groups))
    return not (said & compatible)


def _condition_names(entities) -> set[str]:
    return {name for e in entities for name in (e.name.lower(), *e.synonyms)}


def other_condition(question_conditions: set[str], statement: str) -> bool:
    """The statement names conditions of the vocabulary and none of the question's (by name or synonym)."""
    if not question_conditions:
        return False
    said = analyse(statement).conditions
    if not said:
        return False
    return not (_condition_names(said) & question_conditions) and not any(
        f" {name} " in f" {' '.join(_WORD.findall(statement.lower()))} " for name in question_conditions
        if len(name) > 3)


@dataclass
class SuiteResult:
    """What one suite of `medora eval` returns: one row per question (and audience), and a summary."""

    name: str
    summary: dict[str, Any]
    rows: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerMeasures:
    status: str
    statements: int
    boilerplate: int
    other_condition: int
    other_population: int
    text: str  # every statement's text, one a line

    def as_row(self) -> dict:
        return {"status": self.status, "statements": self.statements, "boilerplate": self.boilerplate,
                "other_condition": self.other_condition, "other_population": self.other_population}


def measure(question: str, answer, boilerplate: frozenset[str]) -> AnswerMeasures:
    from .answer.cite import all_statements

    texts = [s.text for s in all_statements(answer)]
    asked = analyse(question)
    conditions = _condition_names(asked.conditions)
    groups = populations(question)
    return AnswerMeasures(
        status=answer_status(answer), statements=len(texts),
        boilerplate=sum(is_boilerplate(t, boilerplate) for t in texts),
        other_condition=sum(other_condition(conditions, t) for t in texts),
        other_population=sum(other_population(groups, t) for t in texts),
        text="\n".join(texts),
    )


def spread_summary(values: list[int]) -> dict[str, float | None]:
    """Median, quartiles and maximum of a count (statements per answer)."""
    if not values:
        return {"median": None, "p25": None, "p75": None, "max": None}
    arr = np.asarray(values)
    return {"median": float(np.median(arr)), "p25": float(np.percentile(arr, 25)),
            "p75": float(np.percentile(arr, 75)), "max": int(arr.max())}


def summarise(rows: list[dict]) -> dict:
    """The figures every answer suite reports for a set of rows (errors included)."""
    ok = [r for r in rows if not r.get("error")]
    answered = [r for r in ok if r["status"] != "not_found"]
    statements = sum(r["statements"] for r in ok)

    def share(key: str) -> float | None:
        return round(sum(r[key] for r in ok) / statements, 4) if statements else None

    n = len(rows)
    return {
        "questions": n,
        "errors": n - len(ok),
        **{status: round(sum(r.get("status") == status for r in ok) / n, 4) if n else None
           for status in ("answered", "partial", "not_found")},
        "statements": spread_summary([r["statements"] for r in answered]),
        "boilerplate_share": share("boilerplate"),
        "other_condition_share": share("other_condition"),
        "other_population_share": share("other_population"),
    }
