"""Suggested follow-up questions: what else the cited evidence answers.

    suggest_follow_ups(answer, retrieval.hits, index, settings)
    # ("What are the potential harms of systemic therapy for patients with advanced ...?", ...)

Questions are made from the corpus itself — a cited guideline's harms and
contraindications fields, related guidelines' titles, MedQuAD's own questions, an
evidence summary's headings — and each is kept only if the corpus answers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import EmptyQuery
from ..query import analyse
from ..retrieve import retrieve
from ..settings import Settings
from ..types import Answer, Hit
from .answerability import condition_names
from .applicability import about_condition
from .cite import all_statements
from .compose import should_abstain
from .evidence import concept_weights, contradicts_negation

MAX_FOLLOW_UPS = 3
_FOLLOW_UP_TRIES = 8
_WORD = re.compile(r"[a-z0-9]+")


def suggest_follow_ups(answer: Answer, hits: Iterable[Hit], index, settings: Settings, *,
                       patient: bool = False) -> tuple[str, ...]:
    """Up to ``MAX_FOLLOW_UPS`` questions the corpus answers, derived from this answer's evidence.

    Candidates: the harms and contraindications fields of a cited guideline; related
    guidelines among the hits not cited; the other questions of a cited or retrieved
    MedQuAD page (first when ``patient``); headings beside a cited evidence-summary section.
    Each is kept only if asking it would not abstain and retrieves the document it was
    derived from.
    """
    if answer.abstained:
        return ()
    hits = list(hits)
    statements = all_statements(answer) + [s.original for s in all_statements(answer) if s.original]
    cited = list(dict.fromkeys(s.doc_id for s in statements))
    shown_sections = {(s.doc_id, index.passage(s.passage_id).section) for s in statements}
    docs = list(dict.fromkeys([*cited, *(h.document.id for h in hits)]))
    # Follow-ups stay on the asked condition: a document whose title names none of the question's
    # conditions (when it names any), or names its "non-" counterpart ("Non-Small Cell Lung Cancer" for
    # small cell lung cancer), suggests nothing, cited or not.
    query = analyse(answer.resolved_question or answer.question, index.abbreviations())
    conditions = condition_names(query)
    guideline_harms, related, headings, medquad = [], [], [], []
    for doc_id in docs:
        doc = index.document(doc_id)
        if conditions and (not any(about_condition(n, doc.title) for n in conditions)
                           or contradicts_negation(answer.question, doc.title)):
            continue
        passages = index.passages_of(doc_id)
        if doc.type == "guideline" and doc_id in cited and answer.question_type != "harms":
            fields = {p.section for p in passages}
            if "Potential Harms" in fields:
                guideline_harms.append((f"What are the potential harms of {_topic(doc.title)}?", doc_id))
            if "Contraindications" in fields:
                guideline_harms.append((f"What are the contraindications to {_topic(doc.title)}?", doc_id))
        elif doc.type == "guideline" and doc_id not in cited:
            related.append((f"What do guidelines recommend on {_topic(doc.title)}?", doc_id))
        elif doc.type == "summary" and doc_id in cited:
            headings += _sibling_headings(doc_id, passages, shown_sections,
                                          query.conditions[0].matched if query.conditions else "")
        elif doc.meta.get("sections_are_questions"):
            medquad += [(_as_question(section), doc_id) for section in dict.fromkeys(p.section for p in passages)
                        if (doc_id, section) not in shown_sections]
    groups = [medquad, guideline_harms, related, headings] if patient else [guideline_harms, related, medquad, headings]
    asked = {_key(answer.question), _key(answer.resolved_question)}
    out: list[str] = []
    for question, doc_id in _interleave(groups)[:_FOLLOW_UP_TRIES]:
        if _key(question) in asked or _key(question) in {_key(q) for q in out}:
            continue
        if _answerable(question, doc_id, index, settings):
            out.append(question)
        if len(out) == MAX_FOLLOW_UPS:
            break
    return tuple(out)


def _interleave(groups: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """First of each group, then the second of each, ...: variety before depth."""
    out = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def _key(question: str) -> str:
    return " ".join(_WORD.findall(question.lower()))


def _answerable(question: str, doc_id: str, index, settings: Settings) -> bool:
    # Words alone: a follow-up is worded from its document's own title or headings, so the search by
    # words finds it; the model and the vector product would add ~11 ms per suggestion, 3 per answer.
    # A heading worded as a question may have lost its subject ("What is (are)  ?" in a MedQuAD record):
    # with nothing to search for, it is no question to suggest.
    try:
        retrieval = retrieve(question, index, settings.retrieve, k=10, mode="lexical")
    except EmptyQuery:
        return False
    if should_abstain(retrieval, concept_weights(retrieval.query, index.homographs()), settings.answer):
        return False
    return doc_id in {h.document.id for h in retrieval.hits}


_NOT_A_TOPIC = re.compile(r"guideline|report of|update|criteria|task force|consortium|statement", re.I)
_TITLE_LEAD = re.compile(r"^(?:(?:clinical |practice |evidence-based )*(?:guidelines?|recommendations?|summary|update)"
                         r"\s+(?:on|for|of|about)\s+)+", re.I)


def _topic(title: str) -> str:
    """"Recommendations on disease management for ...: ASCO guideline." -> "disease management for ..."."""
    parts = [p.strip().rstrip(".") for p in re.split(r":|\. ", title) if p.strip()] or [title]
    # A long part that names a topic, else a short one ("Clinical practice guideline: allergic rhinitis").
    topics = [p for p in parts if not _NOT_A_TOPIC.search(p)]
    topic = next((p for p in topics if len(p) >= 20), topics[0] if topics else parts[0])
    topic = _TITLE_LEAD.sub("", topic)
    return topic[0].lower() + topic[1:] if topic[1:2].islower() else topic


def _as_question(section: str) -> str:
    """MedQuAD section names are its questions: "Who is at risk for Breast Cancer? ?" -> "... Cancer?"."""
    text = re.sub(r"(?:\s*\?)+\s*$", "?", section.strip()).replace("What is (are) ", "What is ")
    return text[0].upper() + text[1:]


def _sibling_headings(doc_id: str, passages, shown_sections: set[tuple[str, str]],
                      condition: str = "") -> list[tuple[str, str]]:
    """"What does the evidence show for <heading> in <parent heading>?" for headings beside the ones cited,
    with the asked ``condition`` when the headings do not name it: asked on its own, the question must
    still say whose evidence it wants."""
    parents = {section.rsplit(" › ", 1)[0] for d, section in shown_sections if d == doc_id and " › " in section}
    out = []
    for section in dict.fromkeys(p.section for p in passages):
        if " › " not in section or (doc_id, section) in shown_sections:
            continue
        parent, leaf = section.rsplit(" › ", 1)
        if parent in parents and not leaf.lower().startswith("evidence"):
            where = parent.rsplit(" › ", 1)[-1]
            whose = f" ({condition})" if condition and condition.lower() not in f"{leaf} {where}".lower() else ""
            out.append((f"What does the evidence show for {leaf} in {where}{whose}?", doc_id))
    return out
