"""Compose an extractive, sectioned answer from retrieved passages.

Every statement is a sentence or recommendation copied from one passage, only
trimmed at its ends (numbering such as "Recommendation 1.A.I." and rating
boilerplate, which becomes a structured evidence badge instead). Nothing is
paraphrased and no two sources are merged into one sentence, so each statement
can be checked against the span it came from (see ``cite.verify``).

The section vocabulary below is about how clinical texts are *organised*
("first-line", "monitoring", "contraindications"), not about what they say.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from .query import QueryAnalysis
from .retrieve import Retrieval, retrieve
from .settings import Settings
from .types import EVIDENCE_RANK, TYPE_LABEL, Answer, AnswerSection, Document, Hit, ReferenceEntry, Statement

DISCLAIMER = (
    "For healthcare professionals. Medora quotes and cites published sources; it supplements and never "
    "replaces clinical judgment. Sources may be out of date (see each reference's date): verify against the "
    "primary literature and current local guidance before acting."
)
ABSTAIN_NOTICE = (
    "The indexed corpus holds no sufficiently relevant evidence for this question, so no answer was composed. "
    "The nearest sources are listed below."
)

# (section title, pattern on the statement text, pattern on the passage's section name)
_TREATMENT_SECTIONS: list[tuple[str, str, str]] = [
    ("First-line", r"\bfirst[- ]line\b|\binitial (?:therapy|treatment)\b|\bfront[- ]line\b|\bpreferred (?:initial )?(?:therapy|treatment)", ""),
    ("Second-line", r"\bsecond[- ]line\b|progress\w* (?:during|after|on|following) first[- ]line", ""),
    ("Later lines", r"\bthird[- ]line\b|\blater[- ]lines?\b|\bor greater\b|\bbeyond\b|\bheavily pretreated\b|\bprior (?:lines|regimens)\b|\btwo or more prior\b", ""),
    ("Special populations", r"\bbrain metasta\w*|\bcentral nervous system\b|\bhormone receptor[–-]positive\b|\b(?:ER|PgR|PR)[- ]positive\b|\bolder (?:adults|patients)\b|\belderly\b|\bpregnan\w*|\bchildren\b|\bpediatric\b|\badolescen\w*|\brenal (?:impairment|insufficiency)\b|\bhepatic impairment\b|\bcomorbid\w*", ""),
    ("Duration and monitoring", r"\bmonitor\w*|\bduration\b|\buntil (?:disease )?progression\b|\bfollow[- ]up\b|\bassess\w* (?:every|at)\b|\bsurveillance\b", ""),
    ("Harms and safety", r"\badverse\b|\btoxicit\w*|\bside effects?\b|\bharms?\b|\bcardiotoxic\w*|\bcardiac dysfunction\b|\binterstitial lung\b|\bgrade 3\b|\bsafety\b", r"Potential Harms|Toxicity"),
    ("Common pitfalls and caveats", r"\bshould not\b|\bnot recommended\b|\bavoid\w*|\binsufficient evidence\b|\bcaution\b|\bcontraindicat\w*", r"Contraindications|Qualifying Statements"),
]
_GENERIC_SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "diagnosis": [
        ("Who to evaluate", r"\bsuspect\w*|\bpresent\w* with\b|\bsymptoms?\b|\bindicated\b|\bshould be (?:tested|evaluated|assessed)\b", ""),
        ("Tests and criteria", r"\btest\w*|\bimaging\b|\bbiopsy\b|\bassay\b|\bcriteria\b|\bmeasure\w*|\bscan\w*|\bultrasound\b|\bMRI\b|\bCT\b", ""),
        ("Follow-up", r"\bfollow[- ]up\b|\brepeat\w*|\bmonitor\w*|\bsurveillance\b", ""),
    ],
    "screening": [
        ("Who to screen", r"\bage[sd]?\b|\bwomen\b|\bmen\b|\badults\b|\bat (?:high|average|increased) risk\b|\baged\b", ""),
        ("How and how often", r"\binterval\b|\bevery\b|\bannual\w*|\bbiennial\w*|\byears?\b|\btest\w*|\bmammograph\w*|\bcolonoscop\w*", ""),
    ],
    "prevention": [
        ("Who benefits", r"\bat (?:high|increased) risk\b|\bwomen\b|\bmen\b|\badults\b|\bchildren\b|\bpatients\b", ""),
        ("Preventive measures", r"\bprevent\w*|\bprophyla\w*|\bvaccin\w*|\breduc\w* (?:the )?risk\b", ""),
    ],
}
_HARMS = ("Harms and safety", r"\badverse\b|\btoxicit\w*|\bside effects?\b|\bharms?\b|\brisk of\b|\bsafety\b", r"Potential Harms|Toxicity")
_CAVEATS = _TREATMENT_SECTIONS[-1]
_EMERGING = "Emerging evidence"
_OTHER = "Other key evidence"

_NUMBERING = re.compile(
    r"^\s*(?:(?:Recommendation|Statement|Rec\.?)\s*[\dIVXLivx]+(?:[.\-][\dA-Za-z]+)*\s*[.:)]?\s*"
    r"|\(?[\dIVX]{1,4}[.)]\s+|[a-z][.)]\s+|[-•*]\s+)"
)
_RATING_TAIL = re.compile(
    r"\s*(?:\(|\[)?\s*(?:Type:\s|Evidence quality:|Quality of evidence:|Strength of recommendation:|"
    r"Level of evidence:|Strength of evidence:|Grade(?: of recommendation)?:|Recommendation strength:|"
    r"(?:Strong|Weak|Conditional|Moderate) recommendation[;,]|LOE:|SOR:|Class [IV]+[;,]).*$",
    re.S,
)
_BRACKET_RATING = re.compile(r"\s*\[(?:[A-D]|[A-D][-–][a-z]+|I{1,3}[AB]?|Level [^\]]{1,20}|Grade [^\]]{1,20})\]\s*$")
# Words after which a full stop does not end a sentence (general English, not medical).
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "al.", "fig.", "approx.", "no.", "dr.", "st.", "cf.", "ca.", "inc.", "ltd.", "u.s.", "resp.")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"“])")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class _Candidate:
    statement: Statement
    hit: Hit
    relevance: float  # 0..1 overlap with the question's concepts
    section: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences (and list items) of ``text``."""
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+", text):
        start = block.start()
        for m in _SENTENCE_END.finditer(block.group()):
            before = block.group()[: m.start()].rsplit(None, 1)[-1].lower()
            if before in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", before):
                continue
            spans.append((start, block.start() + m.start()))
            start = block.start() + m.end()
        spans.append((start, block.end()))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def trim_statement(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``text[start:end]`` to the statement: no numbering in front, no rating boilerplate behind."""
    segment = text[start:end]
    m = _NUMBERING.match(segment)
    if m:
        start += m.end()
        segment = text[start:end]
    for pattern in (_RATING_TAIL, _BRACKET_RATING):
        m = pattern.search(segment)
        if m and m.start() > 0:
            end = start + m.start()
            segment = text[start:end]
    segment = text[start:end]
    stripped = segment.rstrip(" ;,:")
    end = start + len(stripped)
    lead = len(segment) - len(segment.lstrip())
    return start + lead, end


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _concepts(analysis: QueryAnalysis) -> dict[str, float]:
    """Stemmed question words with weights: condition words count double."""
    weights = {_stem(t): 1.0 for term in analysis.terms for t in _WORD.findall(term.lower())}
    for entity in (*analysis.conditions, *analysis.interventions):
        for t in _WORD.findall(entity.matched.lower()):
            weights[_stem(t)] = 2.0
    for phrase in analysis.expansions:
        for t in _WORD.findall(phrase.lower()):
            weights.setdefault(_stem(t), 0.5)
    for generic in ("patient", "recommend", "treatment", "approach", "manag", "therapy", "option", "best"):
        if generic in weights:
            weights[generic] = 0.3
    return weights


def _relevance(text: str, concepts: dict[str, float]) -> float:
    words = {_stem(w) for w in _WORD.findall(text.lower())}
    total = sum(concepts.values()) or 1.0
    return sum(w for c, w in concepts.items() if c in words) / total


def _section_for(text: str, section_name: str, hit: Hit, plan: list[tuple[str, str, str]]) -> str:
    for title, text_pattern, section_pattern in plan:
        if section_pattern and re.search(section_pattern, section_name):
            return title
    for title, text_pattern, _ in plan:
        if re.search(text_pattern, text, re.I if title != "Special populations" else 0):
            return title
    if hit.document.type in ("summary", "trial", "systematic_review", "research") and (hit.document.year or 0) >= 2019:
        return _EMERGING
    return _OTHER


def _plan(question_type: str) -> list[tuple[str, str, str]]:
    if question_type in ("treatment", "dosing", "other", "definition", "prognosis"):
        return _TREATMENT_SECTIONS
    if question_type == "harms":
        return [_HARMS, ("Duration and monitoring", _TREATMENT_SECTIONS[4][1], ""), _CAVEATS]
    return [*_GENERIC_SECTIONS.get(question_type, []), _HARMS, _CAVEATS]


def _candidates(hits: tuple[Hit, ...], concepts: dict[str, float], plan) -> list[_Candidate]:
    out: list[_Candidate] = []
    for hit in hits:
        p, doc = hit.passage, hit.document
        if p.kind == "definitions":
            continue
        spans = [(0, len(p.text))] if p.kind == "recommendation" and len(p.text.split()) <= 80 else split_sentences(p.text)
        for a, b in spans:
            a, b = trim_statement(p.text, a, b)
            text = p.text[a:b]
            words = len(text.split())
            if words < 6 or words > 90 or text.endswith(":") or text.endswith("?"):
                continue
            relevance = _relevance(text, concepts)
            evidence = {k: v for k, v in (("quality", p.evidence_quality), ("strength", p.strength),
                                          ("level", p.evidence_level)) if v}
            statement = Statement(
                text=text, passage_id=p.id, doc_id=p.doc_id, span=(a, b), evidence=evidence, via=p.cites,
                year=doc.year, label=TYPE_LABEL.get(doc.type, doc.type),
                score=hit.score * (0.4 + relevance) * (1.15 if p.kind == "recommendation" else 1.0),
            )
            out.append(_Candidate(statement, hit, relevance, _section_for(text, p.section, hit, plan)))
    out.sort(key=lambda c: (-c.statement.score, c.statement.passage_id, c.statement.span))
    return out


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def should_abstain(retrieval: Retrieval, concepts: dict[str, float], min_relevance: float) -> bool:
    """No answer when the best passages neither match the question's concepts nor sit close in meaning."""
    if not retrieval.hits:
        return True
    top = retrieval.hits[:5]
    best_overlap = max(_relevance(h.passage.text + " " + h.passage.section + " " + h.document.title, concepts) for h in top)
    best_dense = max((h.dense or 0.0) for h in top)
    return best_overlap < min_relevance and best_dense < 0.45


def reference_for(doc: Document, n: int = 0) -> ReferenceEntry:
    """A reference-list entry describing a whole document."""
    return ReferenceEntry(
        n=n, doc_id=doc.id, type=doc.type, label=TYPE_LABEL.get(doc.type, doc.type), title=doc.title,
        source=doc.source, year=doc.year, url=doc.url, pmid=doc.meta.get("pmid"), date=doc.date,
    )


def nearest_sources(hits) -> tuple[ReferenceEntry, ...]:
    """The documents of the best hits, deduplicated and numbered: shown when an answer abstains."""
    seen: dict[str, ReferenceEntry] = {}
    for hit in hits:
        if hit.document.id not in seen:
            seen[hit.document.id] = reference_for(hit.document, len(seen) + 1)
    return tuple(seen.values())


def compose(question: str, index, settings: Settings, *, audience: str = "physician") -> Answer:
    """Answer a clinical question from the index: bottom line, sections, cited references.

    Args:
        question: the clinician's question.
        index: an open index backend.
        settings: resolved settings (``retrieve`` and ``answer`` stages are used).
        audience: who reads the answer.

    Returns:
        An ``Answer`` without reference numbers (``cite.attach_citations`` adds them);
        ``abstained`` with ``nearest`` sources when the corpus has no relevant evidence.
    """
    t0 = time.perf_counter()
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    t1 = time.perf_counter()
    concepts = _concepts(retrieval.query)
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    corpus_version = str(index.stats().get("corpus_version") or "") if hasattr(index, "stats") else ""
    base = dict(question=question, question_type=retrieval.query.question_type, disclaimer=DISCLAIMER,
                corpus_version=corpus_version, generated_at=generated, audience=audience)
    if should_abstain(retrieval, concepts, settings.answer.min_relevance):
        answer = Answer(abstained=True, bottom_line=(), sections=(), references=(),
                        nearest=nearest_sources(retrieval.hits[:5]), notice=ABSTAIN_NOTICE, **base)
        return replace(answer, timings={**retrieval.timings, "retrieve": t1 - t0, "compose": time.perf_counter() - t1})

    plan = _plan(retrieval.query.question_type)
    candidates = [c for c in _candidates(retrieval.hits, concepts, plan) if c.relevance >= 0.2]
    chosen: list[_Candidate] = []
    per_passage: dict[str, int] = {}
    for c in candidates:
        if len(chosen) >= settings.answer.max_statements:
            break
        if per_passage.get(c.statement.passage_id, 0) >= 2:
            continue
        if any(_near_duplicate(c.statement.text, o.statement.text) for o in chosen):
            continue
        chosen.append(c)
        per_passage[c.statement.passage_id] = per_passage.get(c.statement.passage_id, 0) + 1

    bottom = _bottom_line(chosen)
    rest = [c for c in chosen if c not in bottom]
    order = [title for title, _, _ in plan if title != _CAVEATS[0]] + [_EMERGING, _OTHER, _CAVEATS[0]]
    sections = []
    for title in order:
        members = [c for c in rest if c.section == title]
        members.sort(key=lambda c: (-EVIDENCE_RANK.get(c.hit.document.type, 0), -(c.statement.score)))
        if members:
            sections.append(AnswerSection(title, tuple(c.statement for c in members)))
    answer = Answer(abstained=False, bottom_line=tuple(c.statement for c in bottom), sections=tuple(sections),
                    references=(), **base)
    return replace(answer, timings={**retrieval.timings, "retrieve": t1 - t0, "compose": time.perf_counter() - t1})


def _bottom_line(chosen: list[_Candidate]) -> list[_Candidate]:
    """One or two statements that answer directly: the strongest relevant recommendation first."""
    if not chosen:
        return []
    ranked = sorted(
        chosen,
        key=lambda c: (
            -(c.relevance >= 0.5),
            -(c.hit.passage.kind == "recommendation"),
            -EVIDENCE_RANK.get(c.hit.document.type, 0),
            -c.statement.score,
        ),
    )
    first = ranked[0]
    bottom = [first]
    for c in ranked[1:]:
        if c.hit.document.id != first.hit.document.id and c.relevance >= 0.5 and c.hit.passage.kind == "recommendation":
            bottom.append(c)
            break
    return bottom
