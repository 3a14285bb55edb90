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

from .corpus.chunk import SCOPE_SECTIONS
from .query import QueryAnalysis
from .retrieve import Retrieval, retrieve
from .settings import AnswerSettings, Settings
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
    ("Duration and monitoring", r"\bmonitor\w*|\bduration\b|\buntil (?:the time of |disease )?progression\b|\bfollow[- ]up\b|\bassess\w* (?:every|at)\b|\bsurveillance\b|\bshould continue\b|\bis stopped\b", ""),
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
    r"|\(?(?:\d{1,3}(?:\.\d{1,3})*[a-z]?|[IVXA-H]{1,6})[.)]\s+|[a-z][.)]\s+|[-•*]\s+)"
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
    concepts: dict[str, float]


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


_PRIOR_TREATMENT = re.compile(r"\b(?:previously (?:been )?(?:treated|received)|pretreated|who had received)\b[^.;]*", re.I)


def prior_lines(text: str) -> str | None:
    """Line of therapy from how a study describes its patients' prior treatment.

    "previously treated with a taxane and trastuzumab" (one prior regimen) -> second line;
    "previously been treated with trastuzumab, pertuzumab, and trastuzumab emtansine"
    (three or more agents listed) -> later lines. Wording only: nothing medical is inferred.
    """
    lines = None
    for m in _PRIOR_TREATMENT.finditer(text):
        if m.group().lower().startswith("pretreated"):  # says nothing about how many lines
            lines = lines or "Second-line"
            continue
        items = [x for x in re.split(r",|\band\b|\bor\b", m.group()) if x.strip()]
        if len(items) >= 3:
            return "Later lines"
        lines = "Second-line"
    return lines


# Classification tries the most specific line of therapy first: "progressed after
# first-line therapy ... second-line" is about the second line, not the first.
_PRIORITY = ("Later lines", "Second-line", "First-line")


def _section_for(text: str, section_name: str, hit: Hit, plan: list[tuple[str, str, str]]) -> str:
    for title, text_pattern, section_pattern in plan:
        if section_pattern and re.search(section_pattern, section_name):
            return title
    ordered = sorted(plan, key=lambda entry: _PRIORITY.index(entry[0]) if entry[0] in _PRIORITY else len(_PRIORITY))
    for title, text_pattern, _ in ordered:
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



_LABEL = re.compile(r"^(?:Clinical |Key )?Questions?\s*[\dA-Za-z.]*\s*$|^Recommendations?\s*[\dA-Za-z.]*\s*$")
_ENDS_SENTENCE = re.compile(r"[.!][\"”’)\]]*$")
_QUALITY = re.compile(r"(?:Evidence quality|Quality of evidence|Level of evidence|Strength of evidence)\s*[:=]\s*([A-Za-z0-9+ -]{1,30}?)\s*[.;)\]]", re.I)
_STRENGTH = re.compile(r"(?:Strength of recommendation|Recommendation strength|Grade of recommendation)\s*[:=]\s*([A-Za-z0-9+ -]{1,30}?)\s*[.;)\]]", re.I)


def statement_spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that can stand alone as statements.

    A recommendation block (one line) stays whole, with its ratings trimmed later;
    clinical-question labels, the questions themselves and lead-ins ending in ":"
    are structure, not statements.
    """
    spans: list[tuple[int, int]] = []
    after_lead_in = False
    for m in re.finditer(r"[^\n]+", text):
        block = m.group().strip()
        if not block:
            continue
        # A short option under "clinicians may recommend either:" means nothing on its own.
        option = after_lead_in and len(block.split()) < 12
        after_lead_in = block.endswith(":") or (after_lead_in and option)
        if option or block.endswith("?") or block.endswith(":") or _LABEL.match(block):
            continue
        if kind == "recommendation" and len(block.split()) <= 90:
            spans.append((m.start(), m.end()))
        else:
            spans.extend((m.start() + a, m.start() + b) for a, b in split_sentences(m.group()))
    return spans


def _ratings(tail: str, passage) -> dict[str, str]:
    """The statement's own ratings when its text carries them, else the passage's."""
    quality, strength = _QUALITY.search(tail), _STRENGTH.search(tail)
    found = {"quality": quality.group(1).strip().lower() if quality else "",
             "strength": strength.group(1).strip().lower() if strength else ""}
    if not any(found.values()):
        found = {"quality": passage.evidence_quality, "strength": passage.strength}
    found["level"] = passage.evidence_level
    return {k: v for k, v in found.items() if v}


# Guideline fields whose statements are harms and caveats of the recommendations.
_CAVEAT_SECTIONS = ("Potential Harms", "Contraindications", "Qualifying Statements")


def _document_scores(hits: tuple[Hit, ...]) -> dict[str, float]:
    """A document's weight: its best hit plus a quarter of its second best."""
    per_doc: dict[str, list[float]] = {}
    for h in hits:
        per_doc.setdefault(h.document.id, []).append(h.score)
    return {d: s[0] + 0.25 * (s[1] if len(s) > 1 else 0.0) for d, s in per_doc.items()}


def evidence_pool(hits: tuple[Hit, ...], index, max_documents: int = 4) -> tuple[list[Hit], list[str]]:
    """The retrieved hits plus the rest of the evidence in the best documents.

    A guideline that matches the question is read whole: all its recommendation
    statements and its harms/caveats fields join the pool, not only the passages that
    happened to share words with the question. In an evidence summary, the passages
    under the same heading as a hit join (the trial results beneath an "Evidence"
    heading), and the best-matching summary always joins the focus documents: it is the
    current layer beside older guidelines. Pooled passages are weighted by their
    document's score.
    """
    scores = _document_scores(hits)
    ranked = sorted(scores, key=lambda d: -scores[d])
    focus = ranked[:max_documents]
    docs = {h.document.id: h.document for h in hits}
    summary = next((d for d in ranked if docs[d].type == "summary"), None)
    if summary and summary not in focus:
        focus.append(summary)
    seen = {h.passage.id for h in hits}
    pool = list(hits)
    for doc_id in focus:
        doc = docs[doc_id]
        parents = {h.passage.section.rsplit(" › ", 1)[0] for h in hits if h.document.id == doc_id}
        for passage in index.passages_of(doc_id):
            if passage.id in seen:
                continue
            if doc.type == "guideline":
                wanted = passage.kind == "recommendation" or passage.section.startswith(_CAVEAT_SECTIONS)
            else:
                wanted = doc.type == "summary" and any(passage.section.startswith(parent) for parent in parents)
            if wanted:
                seen.add(passage.id)
                pool.append(Hit(passage, doc, score=scores[doc_id] * 0.8))
    return _inherit_citations(pool), focus


def _inherit_citations(pool: list[Hit]) -> list[Hit]:
    """Result bullets in a summary cite nothing themselves: they report the study cited
    just above them under the same heading, so they carry that citation."""
    last: dict[tuple[str, str], tuple[str, ...]] = {}
    out = []
    for hit in sorted(pool, key=lambda h: (h.document.id, h.passage.position)):
        key = (hit.document.id, hit.passage.section)
        if hit.passage.cites:
            last[key] = hit.passage.cites
        elif hit.document.type == "summary" and key in last:
            hit = replace(hit, passage=replace(hit.passage, cites=last[key]))
        out.append(hit)
    order = {h.passage.id: i for i, h in enumerate(pool)}
    return sorted(out, key=lambda h: order[h.passage.id])


_QUALIFIED = re.compile(r"\b([A-Za-z0-9]+)[\s–-]+(positive|negative)\b", re.I)


def _contradicts_qualifier(question: str, statement: str) -> bool:
    """True when the question asks about "X-positive" and the statement only speaks of
    "X-negative" (or the reverse): true to its source, but about other patients."""
    asked = {(m.group(1).lower(), m.group(2).lower()) for m in _QUALIFIED.finditer(question)}
    if not asked:
        return False
    said = {(m.group(1).lower(), m.group(2).lower()) for m in _QUALIFIED.finditer(statement)}
    for marker, polarity in asked:
        other = "negative" if polarity == "positive" else "positive"
        if (marker, other) in said and (marker, polarity) not in said:
            return True
    return False


def _candidates(hits: list[Hit], concepts: dict[str, float], plan) -> list[_Candidate]:
    out: list[_Candidate] = []
    context_relevance: dict[tuple[str, str], float] = {}
    heading_line: dict[tuple[str, str], str | None] = {}
    for hit in hits:
        p, doc = hit.passage, hit.document
        if p.kind in ("definitions", "scope") or p.section in SCOPE_SECTIONS:
            continue
        heading_key = (doc.id, p.section)
        if doc.type == "summary" and heading_key not in heading_line:
            heading_line[heading_key] = prior_lines(" ".join(h.passage.text for h in hits if (h.document.id, h.passage.section) == heading_key))
        # A statement inherits most of the relevance of the document and heading it sits
        # under: "a taxane for first-line treatment" answers a HER2 question because it
        # stands in the HER2 guideline, though it does not repeat the word.
        key = (doc.id, p.section)
        if key not in context_relevance:
            context_relevance[key] = 0.8 * _relevance(f"{'' if doc.meta.get('title_is_question') else doc.title} {p.section}", concepts)
        for block_start, block_end in statement_spans(p.text, p.kind):
            a, b = trim_statement(p.text, block_start, block_end)
            text = p.text[a:b]
            words = len(text.split())
            if words < 6 or words > 90 or not _ENDS_SENTENCE.search(text):
                continue
            relevance = max(_relevance(text, concepts), context_relevance[key])
            line_end = p.text.find("\n", b)
            tail = p.text[b : len(p.text) if line_end < 0 else line_end]
            statement = Statement(
                text=text, passage_id=p.id, doc_id=p.doc_id, span=(a, b), evidence=_ratings(tail, p), via=p.cites,
                year=doc.year, label=TYPE_LABEL.get(doc.type, doc.type),
                score=hit.score * (0.4 + relevance) * (1.3 if p.kind == "recommendation" else 1.0),
            )
            section = _section_for(text, p.section, hit, plan)
            line = heading_line.get((doc.id, p.section))
            # A summary's trial results belong to the line of therapy the trial studied.
            if line and section not in ("Harms and safety", "Special populations") and any(t == line for t, _, _ in plan):
                section = line
            out.append(_Candidate(statement, hit, relevance, section, concepts))
    out.sort(key=lambda c: (-c.statement.score, c.statement.passage_id, c.statement.span))
    return out


def select_statements(candidates: list[_Candidate], limit: int) -> list[_Candidate]:
    """Best-scored statements without near-duplicates, at most two per passage."""
    chosen: list[_Candidate] = []
    per_passage: dict[str, int] = {}
    for c in candidates:
        if len(chosen) >= limit:
            break
        if per_passage.get(c.statement.passage_id, 0) >= 2:
            continue
        if any(_near_duplicate(c.statement.text, o.statement.text) for o in chosen):
            continue
        chosen.append(c)
        per_passage[c.statement.passage_id] = per_passage.get(c.statement.passage_id, 0) + 1
    return chosen


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def should_abstain(retrieval: Retrieval, concepts: dict[str, float], settings: AnswerSettings) -> bool:
    """No answer when the evidence is not about the question.

    With vectors, closeness in meaning decides (on the dev set every in-scope question's
    best cosine was >= 0.66, every out-of-scope one's <= 0.38); a strong word overlap
    still answers. Without vectors (a lexical-only index) word overlap alone decides.
    """
    if not retrieval.hits:
        return True
    top = retrieval.hits[:5]
    best_overlap = max(_relevance(h.passage.text + " " + h.passage.section + " " + h.document.title, concepts) for h in top)
    dense = [h.dense for h in retrieval.hits if h.dense is not None]
    if dense:
        return max(dense) < settings.min_similarity and best_overlap < 0.6
    return best_overlap < settings.min_relevance


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


def compose(question: str, index, settings: Settings, *, audience: str = "physician",
            retrieval: Retrieval | None = None) -> Answer:
    """Answer a clinical question from the index: bottom line, sections, cited references.

    Args:
        question: the clinician's question.
        index: an open index backend.
        settings: resolved settings (``retrieve`` and ``answer`` stages are used).
        audience: who reads the answer.
        retrieval: hits to compose from (default: ``retrieve(question, ...)``, 30 hits); the
            ``audience`` stage passes hits of patient-audience documents here.

    Returns:
        An ``Answer`` without reference numbers (``cite.attach_citations`` adds them);
        ``abstained`` with ``nearest`` sources when the corpus has no relevant evidence.
    """
    t0 = time.perf_counter()
    retrieval = retrieval or retrieve(question, index, settings.retrieve, k=30)
    t1 = time.perf_counter()
    concepts = _concepts(retrieval.query)
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    corpus_version = str(index.stats().get("corpus_version") or "") if hasattr(index, "stats") else ""
    base = dict(question=question, question_type=retrieval.query.question_type, disclaimer=DISCLAIMER,
                corpus_version=corpus_version, generated_at=generated, audience=audience)
    if should_abstain(retrieval, concepts, settings.answer):
        answer = Answer(abstained=True, bottom_line=(), sections=(), references=(),
                        nearest=nearest_sources(retrieval.hits[:5]), notice=ABSTAIN_NOTICE, **base)
        return replace(answer, timings={**retrieval.timings, "retrieve": t1 - t0, "compose": time.perf_counter() - t1})

    plan = _plan(retrieval.query.question_type)
    pool, focus = evidence_pool(retrieval.hits, index)
    candidates = [
        c for c in _candidates(pool, concepts, plan)
        if not _contradicts_qualifier(question, c.statement.text)
        and (c.relevance >= 0.25 or (c.hit.document.id in focus[:2] and c.hit.passage.kind == "recommendation"))
    ]
    chosen = select_statements(candidates, settings.answer.max_statements)

    bottom = _bottom_line(chosen, focus)
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


_STRENGTH_ORDER = {"strong": 3, "a": 3, "moderate": 2, "b": 2, "weak": 1, "conditional": 1}


def _bottom_line(chosen: list[_Candidate], focus: list[str]) -> list[_Candidate]:
    """One or two statements that answer directly.

    From the best-matching document when it holds recommendations: its most strongly
    rated recommendation, earliest in the document (guidelines open with the main
    question); otherwise the best-scored statement of the strongest source type.
    """
    if not chosen:
        return []
    top_doc = focus[0] if focus else None
    ranked = sorted(
        chosen,
        key=lambda c: (
            -(c.hit.passage.kind == "recommendation" and c.hit.document.id == top_doc),
            -(c.hit.passage.kind == "recommendation"),
            -_STRENGTH_ORDER.get(c.statement.evidence.get("strength", ""), 0),
            -EVIDENCE_RANK.get(c.hit.document.type, 0),
            c.hit.passage.position if c.hit.document.id == top_doc else 0,
            -c.statement.score,
        ),
    )
    first = ranked[0]
    bottom = [first]
    # A second statement only when another source's recommendation matches the question in its own words.
    for c in ranked[1:]:
        if (c.hit.document.id != first.hit.document.id and c.hit.passage.kind == "recommendation"
                and _relevance(c.statement.text, c.concepts) >= 0.6 and c.statement.evidence.get("strength") == "strong"):
            bottom.append(c)
            break
    return bottom
