"""Compose an extractive, sectioned answer from retrieved passages.

Every statement is a sentence or recommendation copied from one passage (see
``statements``), taken from the evidence ``evidence`` gathers. Nothing is paraphrased
and no two sources are merged into one sentence, so each statement can be checked
against the span it came from (see ``cite.verify``). Here statements are scored, placed
in sections, deduplicated, and the bottom line chosen.

The section vocabulary below is about how clinical texts are *organised*
("first-line", "monitoring", "contraindications"), not about what they say.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..corpus.boilerplate import is_boilerplate
from ..corpus.chunk import SCOPE_SECTIONS
from ..errors import PassageNotFound
from ..index import vocabulary
from ..query import answers_type, asked_quantity, drugs_named, names_nothing, states_quantity
from ..retrieve import Retrieval, retrieve
from ..settings import AnswerSettings, Settings
from ..types import (
    EVIDENCE_RANK, TYPE_LABEL, Answer, AnswerSection, Document, Hit, Passage, ReferenceEntry, Statement,
)
from .answerability import (
    NAMES_NOTHING, asked_interventions, assess, condition_names, defines, easy_words, names_its_kind,
    says_what_it_is, says_what_the_drug_is, speaks_of_its_takers, subjects,
)
from .applicability import (
    about_condition, about_lacking, about_preventing, age_ranges, asked_ages, asked_facets, asked_trees, axis_phrases,
    asks_of_its_group, class_page, conflicts, facets, names_another_kind, names_pregnancy_disease, names_ruled_out,
    other_population, populations, asked_risk, risk_levels, ruled_out_diseases, stage_named, without_risk_factors,
)
from .evidence import (
    ABOUT_THE_SUMMARY, AFTER_PRIOR, GENERIC_WEIGHT, LINE_PATTERNS, LINE_PRIORITY, Concepts, about_other_patients,
    about_ruled_out,
    altered_genes, asked_line, asked_regimen, asked_therapy_line, concept_weights, context_at, contradicts_alteration,
    contradicts_marker_level, contradicts_negation, contradicts_prior_drug, contradicts_qualifier, contradicts_ruled_out, evidence_pool, guideline_context,
    had_clauses_text, item_lines, line_at, line_of_heading, names_gene, page_about_other_patients, positive_genes,
    qualifiers_of, regimen_reach,
    relevance, stated_line, stems, study_at, study_starts, summary_layer, tested_genes, therapy_line,
)
from .other_names import named_in_evidence
from .statements import ENDS_SENTENCE, PROFILE_FIELD, passage_blocks, ratings

DISCLAIMER = (
    "For healthcare professionals. Medora quotes and cites published sources; it supplements and never "
    "replaces clinical judgment. Sources may be out of date (see each reference's date): verify against the "
    "primary literature and current local guidance before acting."
)
ABSTAIN_NOTICE = (
    "The indexed corpus holds no sufficiently relevant evidence for this question, so no answer was composed. "
    "The nearest sources are listed below."
)
NAMES_NOTHING_NOTICE = (
    "No answer was composed: the question does not say what it is about. Ask it again naming the condition, drug "
    "or test, or as a follow-up in the thread it continues. The sources nearest its words are listed below."
)
NOT_FOUND_NOTICE = (
    "The indexed corpus holds no statement that applies to what this question asks, so no answer was composed. "
    "The nearest sources are listed below."
)

# (section title, pattern on the statement text, pattern on the passage's section name)
_TREATMENT_SECTIONS: list[tuple[str, str, str]] = [
    *((title, pattern, "") for title, pattern in LINE_PATTERNS.items()),
    ("Special populations", r"\bbrain metasta\w*|\bcentral nervous system\b|\bhormone receptor[\s–-]positive\b|\b(?:ER|PgR|PR)[- ]positive\b|\bolder (?:adults|patients)\b|\belderly\b|\bpregnan\w*|\bchildren\b|\bpediatric\b|\badolescen\w*|\brenal (?:impairment|insufficiency)\b|\bhepatic impairment\b|\bcomorbid\w*", ""),
    ("Duration and monitoring", r"\bmonitor\w*|\bduration\b|\buntil (?:the time of |disease )?progression\b|\bfollow[- ]up\b|\bassess\w* (?:every|at)\b|\bsurveillance\b|\bshould continue\b|\bis stopped\b", ""),
    ("Harms and safety", r"\badverse\b|\btoxicit\w*|\bside effects?\b|(?<!benefits and )(?<!benefit and )\bharms?\b|\bcardiotoxic\w*|\bcardiac dysfunction\b|\binterstitial lung\b|\bgrade 3\b|(?<!efficacy and )\bsafety\b", r"Potential Harms|Toxicity"),
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
_HARMS = ("Harms and safety", r"\badverse\b|\btoxicit\w*|\bside effects?\b|(?<!benefits and )(?<!benefit and )\bharms?\b|\brisk of\b|\bsafety\b", r"Potential Harms|Toxicity")
_CAVEATS = _TREATMENT_SECTIONS[-1]
_EMERGING = "Emerging evidence"
_OTHER = "Other key evidence"
# A guideline's recommendations that name no line of therapy, population or harm.
_KEY_RECOMMENDATIONS = "Key recommendations"

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class _Candidate:
    statement: Statement
    hit: Hit
    relevance: float  # 0..1 overlap with the question's concepts
    section: str
    concepts: Concepts
    layer: bool = False  # from the current-evidence layer of a summary
    own: float = 0.0  # 0..1 overlap of its own words (not its heading's or title's) with the question's concepts
    # The line of therapy its patients are restricted to (``evidence.therapy_line``): by its own words,
    # else its study's description, else its heading ("... (Second-Line Therapy)").
    line: str | None = None
    # A summary's result naming no treatment ("Among the 69 treatment-naïve patients, the objective
    # response rate was 84%") reports the study its numbered item opens with: that opening sentence,
    # shown before it as its lead-in once the statement is chosen (choosing reads the result's own words).
    study: Statement | None = None
    # It tells how its study was run, not what it found: a sentence of a summary's numbered study's
    # opening paragraph ("ROS1 rearrangements were identified using break-apart FISH ...", "Of those
    # patients, 160 had NSCLC ...") that reports no result; the results follow as bullets.
    describes_study: bool = False


# Evidence from this year on counts as emerging (the corpus snapshot is from 2025).
_EMERGING_SINCE = 2019


def _section_for(text: str, section_name: str, hit: Hit, plan: list[tuple[str, str, str]], cited_year: int = 0,
                 question: str = "") -> str:
    """The answer section a statement belongs to: its source field, then its own wording,
    then, for research and for summary sentences citing recent studies, emerging evidence."""
    for title, text_pattern, section_pattern in plan:
        if section_pattern and re.search(section_pattern, section_name):
            return title
    ordered = sorted(plan, key=lambda entry: LINE_PRIORITY.index(entry[0]) if entry[0] in LINE_PRIORITY else len(LINE_PRIORITY))
    for title, text_pattern, _ in ordered:
        if _matches_section(title, text_pattern, text, question):
            return title
    if hit.document.type in ("trial", "systematic_review", "research") and (hit.document.year or 0) >= _EMERGING_SINCE:
        return _EMERGING
    if hit.document.type == "summary" and cited_year >= _EMERGING_SINCE:
        return _EMERGING
    return _OTHER


def _matches_section(title: str, pattern: str, text: str, question: str) -> bool:
    """Does ``text`` belong under ``title``? A population the question itself names ("in
    children") does not make a statement about it a special population; a risk a treatment
    lowers ("finasteride and dutasteride reduce the risk of being diagnosed with prostate cancer") is
    its benefit, not its harm."""
    if title == "Special populations":
        return any(m.group().lower()[:5] not in question.lower() for m in re.finditer(pattern, text))
    if title == _HARMS[0]:
        return any(not _LOWERED_RISK.search(text, 0, m.start() + len("risk"))
                   for m in re.finditer(pattern, text, re.I))
    return bool(re.search(pattern, text, re.I))


# A risk named as what is lowered: "reduces the risk of", "lowered their risk of", "a decreased risk of".
_LOWERED_RISK = re.compile(r"\b(?:reduc|lower|decreas|diminish|halv|cut)\w*\s+(?:(?:the|their|your|his|her|its|a|an)\s+)?"
                           r"(?:\w+\s+)?risk$", re.I)


def _context_section(context: str, plan: list[tuple[str, str, str]], question: str = "") -> str | None:
    """The section a guideline question's wording points to: the patients it names first
    ("... also ER positive"), then a line of therapy, then the other sections."""
    ordered = sorted(plan, key=lambda e: (e[0] != "Special populations", LINE_PRIORITY.index(e[0]) if e[0] in LINE_PRIORITY else 9))
    for title, text_pattern, _ in ordered:
        if _matches_section(title, text_pattern, context, question):
            return title
    return None


def _plan(question_type: str) -> list[tuple[str, str, str]]:
    if question_type in ("treatment", "efficacy", "dosing", "other", "definition", "prognosis", "cause", "transmission"):
        return _TREATMENT_SECTIONS
    if question_type == "harms":
        return [_HARMS, ("Duration and monitoring", _TREATMENT_SECTIONS[4][1], ""), _CAVEATS]
    return [*_GENERIC_SECTIONS.get(question_type, []), _HARMS, _CAVEATS]


# Wording with which an evidence summary states its conclusion about a study, and with
# which it says the standard changed: such sentences carry a study's meaning best.
_CONCLUSION = re.compile(
    r"\bstandard of care\b|\bstandard (?:first|second)[- ]line\b|\bstandard (?:treatment|therapy)\b|"
    r"\bled to (?:a change|the (?:FDA )?approval)\b|\brather than\b|\binstead of\b|\btreatment options for\b[^:]*\binclude:", re.I)
_UPDATE = re.compile(r"\bchange in the standard\b|\bnew standard\b|\brather than\b|\binstead of\b|\breplac\w+|\bsupersed\w+", re.I)


def _summary_cue(text: str, p, a: int, section: str, line_titles, newest: int) -> float:
    """How much a summary sentence carries: a study's description (the trial, its patients
    and comparison) or its stated conclusion over a bare result, a sentence naming its own
    line of therapy, and newer cited studies over older ones (the summary's current layer)."""
    cue = 1.3 if _CONCLUSION.search(text) else 1.2 if a in study_starts(p.text) else 1.0
    if section in line_titles and stated_line(text):
        cue *= 1.1
    return cue * (1.0 + min(max(newest - 2010, 0), 15) * 0.02)


# A statement's length in words. Shorter clinical text is mostly labels and fragments ("Risks, harms,
# cost:"); patient pages write whole answers in a few words ("Antibiotics can cure PID.").
MIN_STATEMENT_WORDS = 6
MIN_PATIENT_PAGE_WORDS = 4
MAX_STATEMENT_WORDS = 90
_SHORT_SENTENCE = re.compile(r"^[A-Z][^\n]*\b[A-Za-z]{2,}[.!?]$")


def whole_short_sentence(text: str) -> bool:
    """Is a short statement a whole sentence: opening with a capital, ending on a word (not a list item,
    "- Targeted therapy (trastuzumab).", nor a cut after an abbreviation, "Eighty percent of U.S."), and
    not a heading in title case ("Angiotensin-Converting Enzyme (ACE) Inhibitors.")?"""
    return bool(_SHORT_SENTENCE.match(text)) and any(w[:1].islower() for w in text.split()[1:])


def _candidates(hits: list[Hit], concepts: Concepts, plan, layer: frozenset[str] = frozenset(),
                study_years: dict[str, int] | None = None, question: str = "",
                boilerplate: frozenset[str] = frozenset(), question_type: str = "other", floor: float = 0.0,
                floor_exempt: Collection[str] = (), defined: Sequence[str] = (),
                earlier: Callable[[Passage], Passage | None] = lambda passage: None) -> list[_Candidate]:
    """Every usable statement of the pooled passages, scored and placed in a section.

    ``layer`` holds the passage ids of the current-evidence layer (``summary_layer``):
    their statements are chosen separately, so guideline wording cannot crowd them out.
    ``study_years`` maps the PMIDs summaries cite to their publication years. ``floor``: a statement
    matching less of the question (``min_statement_match``) is not built at all, unless it is a
    recommendation of one of the ``floor_exempt`` documents, or says what one of the ``defined`` names
    is (a definition question's answer: "Peripheral artery disease (P.A.D.) is a disease in which ..."
    matches little of "what is PAD - my doctor says I have poor circulation in my legs"): most
    statements fall below it, and placing each in a section is the costly part. ``earlier``: the
    passage before one, under the same heading, whose last sentence a passage's first statement may
    point back to ("In response to these findings, the USPSTF recommended ...").
    """
    out: list[_Candidate] = []
    context_relevance: dict[tuple[str, str], float] = {}
    heading_line: dict[tuple[str, str], str | None] = {}
    asks_line = asked_therapy_line(question) is not None  # a statement's line matters only then
    studies = item_lines(h.passage for h in hits if h.document.type == "summary")
    passages = {h.passage.id: h.passage for h in hits}
    contexts = guideline_context(h.passage for h in hits if h.document.type == "guideline")
    years = study_years or {}
    titles = {t for t, _, _ in plan}
    line_titles = titles & set(LINE_PRIORITY)
    for hit in hits:
        p, doc = hit.passage, hit.document
        if p.kind in ("definitions", "scope") or p.section in SCOPE_SECTIONS or ABOUT_THE_SUMMARY.match(p.section):
            continue
        # A statement inherits most of the relevance of the document and heading it sits
        # under: "a taxane for first-line treatment" answers a HER2 question because it
        # stands in the HER2 guideline, though it does not repeat the word.
        key = (doc.id, p.section)
        if key not in context_relevance:
            context_relevance[key] = 0.8 * relevance(f"{'' if doc.meta.get('title_is_question') else doc.title} {p.section}", concepts)
        previous: tuple[int, int] | None = None  # the sentence before, as context for "This trial ..."
        min_words = MIN_PATIENT_PAGE_WORDS if doc.audience == "patient" else MIN_STATEMENT_WORDS
        for a, b, words, usable in passage_blocks(p.text, p.kind, boilerplate):
            before, previous = previous, (a, b)
            if words < min_words or words > MAX_STATEMENT_WORDS or not usable:
                continue
            text = p.text[a:b]
            if words < MIN_STATEMENT_WORDS and not whole_short_sentence(text):
                continue
            own = relevance(text, concepts)
            match = max(own, context_relevance[key])
            if match < floor and not (p.kind == "recommendation" and doc.id in floor_exempt) \
                    and not (defined and says_what_it_is(text, defined)):
                continue
            line_end = p.text.find("\n", b)
            tail = p.text[b : len(p.text) if line_end < 0 else line_end]
            cited_year = max((years.get(pmid) or 0 for pmid in p.cites), default=0)
            section = _section_for(text, p.section, hit, plan, cited_year, question)
            profile = PROFILE_FIELD.match(text)
            if profile and profile.group().lower().startswith(("harm", "risk", "cost")) and "Harms and safety" in titles:
                section = "Harms and safety"
            lead_in = None
            cue = 1.0
            if doc.type == "guideline":
                # "Endocrine therapy alone (in selected cases)." is about the patients its
                # clinical question names ("... that is also ER positive"): place it by them.
                context = context_at(contexts, p.id, a)
                if section in (_OTHER, _EMERGING) and context.questions:
                    section = _context_section(f"{context.questions} {context.lead_in}", plan, question) or section
                if section in (_OTHER, _EMERGING) and _is_recommendation(p, text):
                    section = _KEY_RECOMMENDATIONS
                if p.kind == "recommendation" and line_titles and drugs_named(text):
                    cue = 1.05  # a recommendation naming the regimen over "HER2-targeted therapy"
                if context.lead_in and words < 15:
                    lead_in = Statement(text=context.lead_in, passage_id=context.lead_in_passage, doc_id=doc.id,
                                        span=context.lead_in_span)
            if lead_in is None and points_back(text):
                # "This trial ..." speaks of the study whose numbered item it stands in, else of the sentence before.
                study = study_at(studies, p.id, a)
                lead_in = _context_sentence(passages.get(study.passage_id), study.span) if study.passage_id \
                    and study.span[0] != a else _context_sentence(p, before) if before else _last_sentence(earlier(p))
            if doc.type == "summary":
                # A summary's trial results belong to the line of therapy the trial studied,
                # unless the sentence names its own line or a population or harm.
                study_line = line_at(studies, p.id, a)
                if study_line in line_titles and section not in (*line_titles, "Harms and safety", "Special populations"):
                    section = study_line
                if p.id in layer:  # choosing among the layer's studies, not weighing them against guidelines
                    cue = _summary_cue(text, p, a, section, line_titles, cited_year)
            study_lead, describes = None, False
            if doc.type == "summary" and not _RESULT.search(text):
                opening = study_at(studies, p.id, a)
                describes = opening.passage_id == p.id and "\n" not in p.text[opening.span[0]:a] \
                    and bool(_STUDY_WORDS.search(p.text[slice(*opening.span)]))
            # An abstract's "OBJECTIVE" and "METHODS" sentences, as its reader labels them.
            describes = describes or p.section in doc.meta.get("design_sections", ())
            if lead_in is None and doc.type == "summary" and (_RESULT.search(text) or _ARM.search(text)) \
                    and not drugs_named(text):
                study = study_at(studies, p.id, a)
                if study.passage_id and (study.passage_id, study.span[0]) != (p.id, a):
                    study_lead = _context_sentence(passages.get(study.passage_id), study.span)
            line = None
            if asks_line:
                if key not in heading_line:
                    heading_line[key] = line_of_heading(p.section)
                line = therapy_line(text) or (study_at(studies, p.id, a).therapy_line if doc.type == "summary"
                                              else None) or heading_line[key]
            statement = Statement(
                text=text, passage_id=p.id, doc_id=p.doc_id, span=(a, b),
                evidence=ratings(tail, p, p.text[p.text.rfind("\n", 0, a) + 1:a]), via=p.cites,
                year=doc.year, label=TYPE_LABEL.get(doc.type, doc.type), lead_in=lead_in,
                score=hit.score * (0.4 + match) * (1.3 if p.kind == "recommendation" else 1.0) * cue,
            )
            statement = replace(statement, score=statement.score * _rating_weight(statement.evidence))
            out.append(_Candidate(statement, hit, match, section, concepts, p.id in layer, own, line, study_lead,
                                  describes))
    # A patient page's sentences share its title's match, so score alike: among them, first those worded
    # for the question's type ("Antibiotics can cure PID" for "how is PID treated?"), then those matching
    # more of the question in their own words, then as the page has them. (In clinical text, trial reports
    # use the types' words for design: "patients with ESR1 mutations detected".)
    worded = {id(c): c.hit.document.audience == "patient" and answers_type(question_type, c.statement.text)
              for c in out}
    own = {id(c): c.own if c.hit.document.audience == "patient" else 0.0 for c in out}
    out.sort(key=lambda c: (-c.statement.score, not worded[id(c)], -own[id(c)], c.statement.doc_id,
                            c.hit.passage.position, c.statement.span))
    return out


_QUALITY_ORDER = {"high": 3, "a": 3, "intermediate": 2, "moderate": 2, "b": 2, "low": 1, "c": 1}


# A statement's score grows by these shares per step of its rated strength (0..3) and evidence quality
# (0..3): enough to order two equally matching statements by their rating, never to lift a weak match
# over a strong one (at most +15% and +9%).
STRENGTH_STEP = 0.05
QUALITY_STEP = 0.03


def _rating_weight(evidence: dict[str, str]) -> float:
    """Statements the source rates strong and high-quality before weak or insufficient ones."""
    # (codes as the source writes them: "B", "IIa"; words lower-cased)
    return 1.0 + STRENGTH_STEP * _STRENGTH_ORDER.get((evidence.get("strength") or evidence.get("grade", "")).lower(), 0) \
        + QUALITY_STEP * _QUALITY_ORDER.get(evidence.get("quality", "").lower(), 0)


def select_statements(candidates: list[_Candidate], limit: int, chosen: list[_Candidate] | None = None,
                      per_heading: int | None = None, per_passage: int = 2) -> list[_Candidate]:
    """Best-scored statements without near-duplicates (of each other or of ``chosen``),
    at most ``per_passage`` per passage and ``per_heading`` per document heading."""
    taken = list(chosen or [])
    picked: list[_Candidate] = []
    in_passage: dict[str, int] = {}
    per_section: dict[tuple[str, str], int] = {}
    for c in candidates:
        if len(picked) >= limit:
            break
        heading = (c.hit.document.id, c.hit.passage.section)
        if in_passage.get(c.statement.passage_id, 0) >= per_passage:
            continue
        if per_heading is not None and per_section.get(heading, 0) >= per_heading:
            continue
        if any(_near_duplicate(c.statement.text, o.statement.text, *((0.6, True) if c.section == o.section else (0.85,)))
               for o in (*taken, *picked)):
            continue
        picked.append(c)
        in_passage[c.statement.passage_id] = in_passage.get(c.statement.passage_id, 0) + 1
        per_section[heading] = per_section.get(heading, 0) + 1
    return picked


@functools.lru_cache(maxsize=8192)  # selection compares each statement with every one already taken
def _word_set(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _overlap(a: str, b: str) -> float:
    wa, wb = _word_set(a), _word_set(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


# A sentence whose words all stand in another says nothing more than it ("Narcolepsy has no cure." beside
# "Narcolepsy has no cure, but medicines, ... can improve symptoms."), though their overlap is low: the
# longer one holds more words. (Not nearly all: "Clinicians may use irrigation in the management of
# cerumen impaction" differs from its neighbour recommending cerumenolytic agents by one word.) Shorter
# sentences share their few words by chance.
CONTAINED_MIN_WORDS = 4


def _near_duplicate(a: str, b: str, threshold: float = 0.6, contained: bool = False) -> bool:
    """Word-set overlap above ``threshold``, or with ``contained`` the words of one all in the other.
    Selection uses 0.6 and ``contained`` within a section, 0.85 across sections: a guideline's second-
    and third-line recommendations share most words yet say different things, and they land in
    different sections."""
    if _overlap(a, b) > threshold:
        return True
    wa, wb = _word_set(a), _word_set(b)
    fewer = min(len(wa), len(wb))
    return contained and fewer >= CONTAINED_MIN_WORDS and len(wa & wb) == fewer


def should_abstain(retrieval: Retrieval, concepts: Concepts, settings: AnswerSettings) -> bool:
    """No answer when the evidence is not about the question.

    With vectors, closeness in meaning decides (on the dev set every in-scope question's
    best cosine was >= 0.66, every out-of-scope one's <= 0.38); a strong word overlap
    still answers. Without vectors (a lexical-only index) word overlap alone decides.
    """
    if not retrieval.hits:
        return True
    top = retrieval.hits[:5]
    best_overlap = max(relevance(h.passage.text + " " + h.passage.section + " " + h.document.title, concepts) for h in top)
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
    concepts = concept_weights(retrieval.query, index.homographs())
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    corpus_version = index.corpus_version()
    base = dict(question=question, question_type=retrieval.query.question_type, disclaimer=DISCLAIMER,
                corpus_version=corpus_version, generated_at=generated, audience=audience)

    def not_found(missing: tuple[str, ...], notice: str) -> Answer:
        answer = Answer(abstained=True, bottom_line=(), sections=(), references=(), status="not_found", missing=missing,
                        nearest=nearest_sources(retrieval.hits[:5]), notice=notice, **base)
        return replace(answer, timings={**retrieval.timings, "retrieve": t1 - t0, "compose": time.perf_counter() - t1})

    if names_nothing(retrieval.query):  # "Is it contagious?" outside its thread: no subject to answer about
        return not_found((NAMES_NOTHING,), NAMES_NOTHING_NOTICE)
    if should_abstain(retrieval, concepts, settings.answer):
        return not_found(assess(retrieval.query, (), index).missing, ABSTAIN_NOTICE)

    # The question as understood: misspelt and clipped names spelt out (``query.respell``), so
    # "progressed after ipi/nivo" is read as after ipilimumab and nivolumab.
    asked = retrieval.query.text
    plan = _plan(retrieval.query.question_type)
    pool, focus = evidence_pool(retrieval.hits, index)
    # The class an asked drug is listed in and the kind of an asked condition named after it, in
    # the evidence's words, name what was asked ("urate-lowering therapy" for allopurinol).
    enriched = named_in_evidence(retrieval.query, pool, vocabulary.current())
    if enriched is not retrieval.query:
        retrieval = replace(retrieval, query=enriched)
        concepts = concept_weights(enriched, index.homographs())
    abbreviations = retrieval.query.abbreviations
    layer = summary_layer(asked, concepts, retrieval.documents, retrieval.hits, index, abbreviations=abbreviations,
                          conditions=condition_names(retrieval.query)) \
        if settings.answer.summary_statements else []
    pooled = {h.passage.id for h in pool}
    pool += [h for h in layer if h.passage.id not in pooled]
    boilerplate = index.boilerplate()
    # A question naming no patient group is about adults, unless the source that matches it best
    # is written for one group: then that is whom its subject concerns. A reader asking of their own
    # is one of that group only when that source is about what they ask: "What is chlorhexidine?" is
    # not a question about newborns because a newborn-care guideline names chlorhexidine most often.
    titles = {h.document.id: h.document.title for h in pool}
    focus_title = titles.get(focus[0], "") if focus else ""
    assume_adults = not (asks_of_its_group(asked, [titles.get(d, "") for d in focus],
                                           condition_names(retrieval.query))
                         and (audience != LAY_AUDIENCE
                              or any(about_condition(n, focus_title) for s in subjects(retrieval.query) for n in s.names)))
    # ... and such a reader, speaking of no one else, is answered by statements about adults: those
    # speaking only of children are about other patients (a clinician's answer keeps them, placed
    # under special populations).
    applies = _applicability(retrieval.query, asked, adults=assume_adults and audience == LAY_AUDIENCE
                             and not _OF_ANOTHER.search(asked))
    # Someone asking about themselves or their own ("can I keep taking my cystex for pain relief?"; a
    # reader who said they are a patient or caregiver) who names no condition has none to speak of: a
    # statement about people with cancer is about other patients (``about_other_patients``). A
    # clinician's question naming none leaves its patients' disease unsaid ("Which bisphosphonates are
    # recommended for adjuvant therapy?").
    conditions_named = condition_names(retrieval.query)
    unnamed = not conditions_named and (audience == LAY_AUDIENCE or bool(_FIRST_PERSON.search(asked)))
    words = vocabulary.current()
    understood = " ".join([asked, *(long for _, long in abbreviations)])
    weighed = [
        c for c in _candidates(pool, concepts, plan, frozenset(h.passage.id for h in layer), _study_years(pool, index),
                               asked, boilerplate, retrieval.query.question_type,
                               floor=settings.answer.min_statement_match, floor_exempt=focus[:2],
                               defined=_defined_names(retrieval.query),
                               # (a patient page's sentence is a step of its own story: "If these treatments
                               # aren't enough, you may need medicines, such as antibiotics" of another disease's)
                               earlier=_passage_before(index) if audience != LAY_AUDIENCE else lambda passage: None)
        # (the statement floor is applied while building them: most statements fall below it)
        if not contradicts_qualifier(asked, f"{c.hit.document.title} {c.statement.text}", abbreviations)
        and not contradicts_negation(asked, f"{c.hit.document.title} {c.statement.text}")
        and not contradicts_alteration(asked, _with_lead_in(c.statement), c.hit.passage.section, c.hit.document.title)
        and not contradicts_marker_level(asked, f"{c.hit.passage.section}. {_with_lead_in(c.statement)}")
        and not contradicts_prior_drug(asked, _with_lead_in(c.statement), c.hit.passage.section)
        and not contradicts_ruled_out(asked, _with_lead_in(c.statement))
        and not other_population(asked, c.hit.document.title, assume_adults)
        and not (unnamed and about_other_patients(c.statement.text, understood, words))
        and stands_alone(c.statement) and not is_boilerplate(c.statement.text, boilerplate)
    ]
    reach = {id(c): applies(c) for c in weighed}
    candidates = [c for c in weighed if reach[id(c)]]
    # A page on a broader condition answers only when no statement speaks of the asked one.
    candidates = [c for c in candidates if reach[id(c)] == "condition"] or candidates
    # Patients with a change in a gene ("RET rearrangement-positive NSCLC") are answered by what is
    # said of them, when anything is: statements naming the gene in their words, lead-in, heading or
    # document title, not the disease's general first-line chemotherapy.
    genes = altered_genes(asked) | tested_genes(asked) | positive_genes(asked, abbreviations)
    if genes:
        specific = [c for c in candidates if names_gene(
            f"{c.hit.document.title} {c.hit.passage.section} {_with_lead_in(c.statement)}", genes, abbreviations)]
        candidates = specific or candidates
    # A regimen asked as a whole ("atezolizumab plus bevacizumab and chemotherapy") is answered by what
    # is said of it, when anything is; a result under the heading of a regimen lacking one of its drugs
    # is another trial's.
    regimen = asked_regimen(asked)
    if regimen:
        reach_of = {id(c): regimen_reach(regimen, c.hit.passage.section.rsplit(" › ", 1)[-1], _with_lead_in(c.statement))
                    for c in candidates}
        candidates = [c for c in candidates if reach_of[id(c)] == "whole"] \
            or [c for c in candidates if reach_of[id(c)] != "other"]
    # Patients for whom a treatment is ruled out ("not a candidate for autologous stem cell transplant",
    # "allergic to penicillin") are answered by what is said of such patients, when anything is.
    candidates = [c for c in candidates if about_ruled_out(
        asked, f"{c.hit.passage.section} {c.study.text if c.study else ''} {_with_lead_in(c.statement)}")] or candidates
    # Patients after earlier treatment ("relapsed after finishing carboplatin/etoposide/atezolizumab"),
    # when the evidence summary has a heading for them ("Treatment of Recurrent SCLC"), are answered by
    # what is said of patients after earlier treatment, not by the first treatment of the stage they
    # were diagnosed at, which the summary describes without naming a line.
    lined = bool(layer) and asked_therapy_line(asked) == AFTER_PRIOR \
        and all(line_of_heading(h.passage.section) == AFTER_PRIOR for h in layer)
    if lined:
        candidates = [c for c in candidates if c.line == AFTER_PRIOR] or candidates
    # The current-evidence layer first (one statement per study heading), then the guideline
    # statement each of its "the standard changed" sentences sits beside, then safety, then the rest.
    # For "what is the benefit of X", a study's sentence reporting how well it worked ("median PFS was
    # 23.7 months") speaks for it before its higher-scored discontinuation rate.
    # Likewise "what is the survival like" is answered by a statement reporting it ("the median survival is
    # 16 to 24 months"), not by one saying that treatment improves it.
    layered = [c for c in candidates if c.layer]
    if retrieval.query.question_type in _OUTCOME_ASKED:
        layered.sort(key=lambda c: not _reports_outcome(c.statement.text, retrieval.query.question_type))
    chosen = select_statements(layered, settings.answer.summary_statements, per_heading=1)
    for update in [c for c in chosen if _UPDATE.search(c.statement.text)]:
        # The guideline statement naming the same drug ("T-DM1" / "trastuzumab emtansine"),
        # else the closest in wording, is the one the newer evidence speaks to.
        drugs = drugs_named(update.statement.text)
        beside = sorted((c for c in candidates if c.section == update.section and c.hit.document.type == "guideline"),
                        key=lambda c: (-len(drugs & drugs_named(c.statement.text)),
                                       -_overlap(c.statement.text, update.statement.text)))
        chosen += select_statements(beside[:1], 1, chosen=chosen)
    safety = _safety(chosen, candidates, focus[:2])
    chosen += safety
    # The fitted bar weighs more statements than an answer holds: a trial's result that scores below
    # eighteen neighbouring sentences may still be the one that answers; the cap applies after the bar.
    rest = [c for c in candidates if not c.layer and c not in chosen]
    if _fitted_bar(retrieval.query, concepts, settings.answer):
        # ... and one whose passage ranks low may still say, in its own words, what is asked.
        chosen += select_statements(rest, settings.answer.bar_candidates - settings.answer.bar_own_words_candidates
                                    - len(chosen), chosen=chosen, per_passage=settings.answer.bar_per_passage)
        # ... and, for a definition question, first the statements that open with what it asks about.
        defined = _defined_names(retrieval.query)
        kinds = [n for s in subjects(retrieval.query) if s.kind == "intervention" for n in s.names] if defined else []
        chosen += select_statements(sorted((c for c in rest if c not in chosen),
                                           key=lambda c: (not (defines(c.statement.text, defined)
                                                               or names_its_kind(c.statement.text, kinds)), -c.own)),
                                    settings.answer.bar_own_words_candidates, chosen=chosen,
                                    per_passage=settings.answer.bar_per_passage)
    else:
        chosen += select_statements(rest, settings.answer.max_statements - len(chosen), chosen=chosen)
    # Whose question it is, for the bar's last word on a statement nearest only on a page about other
    # patients: a patient's or caregiver's, whatever it names ("anything for the throat pain?"), or
    # one asked in the first person naming no condition. A clinician's "should I retest stool for C
    # diff" names the patient's disease in shorthand the vocabulary may not read.
    chosen = _clear_the_bar(chosen, settings.answer, retrieval.query, exempt=[*safety, *(c for c in chosen if c.layer)],
                            focus=focus, safety=safety, found=lined,
                            own=" ".join([understood, *(n for names in conditions_named for n in names)])
                            if unnamed or audience == LAY_AUDIENCE else None)
    verdict = assess(retrieval.query, tuple(_context(c) for c in chosen), index)
    if verdict.status == "not_found":
        return not_found(verdict.missing, NOT_FOUND_NOTICE)

    bottom = _bottom_line(chosen, focus, retrieval.query, settings.answer.bottom_line_match_ratio,
                          ranked=_fitted_bar(retrieval.query, concepts, settings.answer))
    rest = _not_shown_as_lead_in([c for c in chosen if c not in bottom], chosen)
    bottom, rest = [_with_heading(_with_study(c)) for c in bottom], [_with_heading(_with_study(c)) for c in rest]
    lines = [title for title, _, _ in plan if title in LINE_PRIORITY]
    order = [*lines, _KEY_RECOMMENDATIONS, *(title for title, _, _ in plan if title not in lines and title != _CAVEATS[0]),
             _EMERGING, _OTHER, _CAVEATS[0]]
    sections = []
    for title in order:
        members = _newer_first([c for c in rest if c.section == title])
        if members:
            sections.append(AnswerSection(title, tuple(members)))
    answer = Answer(abstained=False, bottom_line=tuple(c.statement for c in bottom), sections=tuple(sections),
                    references=(), status=verdict.status, missing=verdict.missing,
                    currency=currency_notice([c.statement for c in chosen], settings.answer.stale_after_years),
                    **base)
    return replace(answer, timings={**retrieval.timings, "retrieve": t1 - t0, "compose": time.perf_counter() - t1})


_SAFETY_SECTIONS = ("Harms and safety", "Common pitfalls and caveats")
LAY_AUDIENCE = "patient_caregiver"  # ``audience.PATIENT``: a reader asking about themselves or their own
# "I" as a word, not the numeral of "stage I" or "type I".
_FIRST_PERSON = re.compile(r"(?<![Ss]tage )(?<![Tt]ype )(?<![Gg]rade )(?<![Cc]lass )(?<![Pp]hase )\bI\b"
                           r"|\b(?:I'm|Im|I've|I'd|me|my|mine|myself)\b")


# A reader speaking of someone else, who may be a child though no age is said ("my son keeps ...").
_OF_ANOTHER = re.compile(r"\b(?:he|she|him|his|her|hers|(?:grand)?(?:son|daughter|child)s?|nieces?|nephews?)\b", re.I)


def _safety(chosen: list[_Candidate], candidates: list[_Candidate], focus: list[str]) -> list[_Candidate]:
    """The best harms and the best caveat statement of the best-matching guidelines: safety
    is never crowded out by the many recommendations that outscore it."""
    picked: list[_Candidate] = []
    for title in _SAFETY_SECTIONS:
        if not any(c.section == title for c in chosen):
            pool = [c for c in candidates if c.section == title and c.hit.document.id in focus]
            picked += select_statements(pool, 1, chosen=chosen + picked)
    return picked


def _study_years(pool: list[Hit], index) -> dict[str, int]:
    """Publication year of every study the pooled summaries cite."""
    summaries = {h.document.id for h in pool if h.document.type == "summary"}
    return {r.pmid: r.year for d in summaries for r in index.document(d).references.values() if r.pmid and r.year}


def _newer_first(members: list[_Candidate]) -> list[Statement]:
    """A section's statements: guidelines first, by score, except that a newer source saying
    the standard changed ("... rather than trastuzumab emtansine") leads, marked with the
    year of the guideline statements it sits beside so both dates are visible."""
    members = sorted(members, key=lambda c: (-EVIDENCE_RANK.get(c.hit.document.type, 0), -c.statement.score))
    guideline_years = [c.statement.year for c in members if c.hit.document.type == "guideline" and c.statement.year]
    if not guideline_years:
        return [c.statement for c in members]
    oldest = min(guideline_years)
    newer = [c for c in members if c.hit.document.type != "guideline" and (c.statement.year or 0) > oldest
             and _UPDATE.search(c.statement.text)]
    return [replace(c.statement, newer_than=oldest) for c in newer] + [c.statement for c in members if c not in newer]


# Strength words of the rating schemes in the corpus (GRADE, ASCO, USPSTF letters, AUA).
def _is_recommendation(passage, text: str) -> bool:
    """A guideline statement that recommends. NICE recommendations carry no rating, so they
    are not tagged as recommendations: a sentence of the Major Recommendations field that
    recommends ("Offer ...", "... is not recommended") is one."""
    return passage.kind == "recommendation" or (
        passage.section.startswith("Major Recommendations") and bool(_RECOMMENDS.search(text))
        and not text.rstrip().endswith("?"))


_RECOMMENDS = re.compile(
    r"^(?:Offer|Consider|Do not|Don't|Use|Give|Measure|Assess|Ensure|Advise|Explain|Discuss|Refer|Stratify|Perform"
    r"|Check|Start|Stop|Review|Monitor|Test|Treat|Avoid|Prescribe|Provide|Obtain|Arrange|Record|Reassess|Be aware)\b"
    r"|\b(?:recommends?|recommended|should|suggests?|must|is indicated|are indicated)\b")
_STRENGTH_ORDER = {"strong": 3, "a": 3, "standard": 3, "moderate": 2, "b": 2, "recommendation": 2,
                   "weak": 1, "conditional": 1, "option": 1, "expert opinion": 1, "clinical principle": 1}


# What the bottom-line model reads of each statement the answer holds, all in 0..1. The weights
# are fitted on the dev set's tune split (``benchmarks/fit_bottom_line.py``, which writes
# ``bottom_line_weights.json``): a conditional logit over each answer's statements, the statement
# quoting the gold passage being the one to choose.
BOTTOM_LINE_FEATURES = (
    "own match",  # its own words' match with what is asked, as a share of the best statement's
    "own match close to best",  # at least ``answer.bottom_line_match_ratio`` of the best
    "another line of therapy",  # a later line than the question names (first line when it names none)
    "names the asked drug or test",
    "worded for the question type",  # "side effects" for a harms question, "X is a ..." for a definition
    "recommendation of the best guideline",
    "recommendation",
    "score",  # the statement's score as a share of the best
    "match with its context",  # with its heading and document title
    "source rank",  # 1 for the best-matching document, 1/2 for the next, ...
    "evidence rank",  # guideline > summary > review > trial > ...
    "names the asked patient group",  # when the question names one other than adults
    "reports a result",
    "current evidence",  # from the current-evidence layer of a summary
    "safety section",
    "length",  # words, up to 60
)
_WEIGHTS_FILE = Path(__file__).with_name("bottom_line_weights.json")


@functools.cache
def bottom_line_weights() -> tuple[float, ...]:
    """The fitted weights, in the order of ``BOTTOM_LINE_FEATURES``."""
    fitted = json.loads(_WEIGHTS_FILE.read_text(encoding="utf-8"))["weights"]
    return tuple(fitted[name] for name in BOTTOM_LINE_FEATURES)


def bottom_line_features(pool: list[_Candidate], focus: list[str], query, match_ratio: float) -> list[tuple[float, ...]]:
    """One row of ``BOTTOM_LINE_FEATURES`` per statement of ``pool``."""
    top_doc = focus[0] if focus else None
    asked = [s.names for s in asked_interventions(query)]
    defined = _defined_names(query)
    line_asked = asked_line(query.text)
    groups = populations(query.text) - {"adults"}
    asked_about = _asked_about(query, pool[0].concepts)
    own = [relevance(_own_words(c), asked_about) for c in pool]
    best_own = max(own) or 1.0
    best_score = max(c.statement.score for c in pool) or 1.0
    top_rank = max(EVIDENCE_RANK.values())
    rows = []
    for c, match in zip(pool, own):
        text = _own_words(c)
        recommends = c.hit.document.type == "guideline" and _is_recommendation(c.hit.passage, c.statement.text)
        doc_rank = focus.index(c.hit.document.id) + 1 if c.hit.document.id in focus else 0
        rows.append((
            match / best_own,
            float(match >= match_ratio * best_own),
            float(_other_line(c, line_asked)),
            float(not asked or any(about_condition(n, text) for n in asked)),
            float(answers_type(query.question_type, c.statement.text) or defines(c.statement.text, defined)),
            float(recommends and c.hit.document.id == top_doc),
            float(recommends),
            c.statement.score / best_score,
            c.relevance,
            1.0 / doc_rank if doc_rank else 0.0,
            EVIDENCE_RANK.get(c.hit.document.type, 0) / top_rank,
            float(bool(groups) and bool(populations(f"{c.hit.document.title} {text}") & groups)),
            float(bool(_RESULT.search(c.statement.text))),
            float(c.layer),
            float(c.section in _SAFETY_SECTIONS),
            min(len(c.statement.text.split()), 60) / 60,
        ))
    return rows


# What the statement bar reads of each statement an answer could hold: the bottom-line features
# and, besides, how the statement stands beside the best of its answer. The weights and the
# threshold are fitted on statements a clinician labelled useful or not
# (``benchmarks/fit_statement_model.py``, which writes ``statement_bar_weights.json``).
STATEMENT_BAR_FEATURES = (
    *BOTTOM_LINE_FEATURES,
    "own match (absolute)",  # its own words' match with what is asked, not as a share of the best
    "match with the question",  # its own or its context's match with all the question's concepts
    "match as a share of the best",
    "closeness in meaning",  # the passage's cosine with the question (0 without vectors)
    "patient page",
    "result naming no treatment or subject",
    "chosen for safety",
    "names the asked condition",  # in its own words or its document's title (1 when the question names none)
    "passage rank",  # 1 for the best-ranked passage of the search, 1/2 for the next, ...
    "study design without a result",
    "names the asked marker",  # the gene or receptor the question qualifies its patients by ("RET", "HER2")
    "own match on uncommon words",  # the question's words most readers do not know: drugs, genes, trials
)
_BAR_WEIGHTS_FILE = Path(__file__).with_name("statement_bar_weights.json")


@functools.cache
def statement_bar_model() -> tuple[tuple[float, ...], float, float, float] | None:
    """(weights in the order of ``STATEMENT_BAR_FEATURES``, bias, threshold, not-found floor), or None
    before a fit."""
    if not _BAR_WEIGHTS_FILE.exists():
        return None
    fitted = json.loads(_BAR_WEIGHTS_FILE.read_text(encoding="utf-8"))
    return (tuple(fitted["weights"][name] for name in STATEMENT_BAR_FEATURES), fitted["bias"], fitted["threshold"],
            fitted["not_found_below"])


def statement_bar_features(chosen: list[_Candidate], focus: list[str], query, match_ratio: float,
                           safety: set[int]) -> list[tuple[float, ...]]:
    """One row of ``STATEMENT_BAR_FEATURES`` per statement of ``chosen``; ``safety`` holds the ids of
    the statements chosen so that safety is never crowded out."""
    asked_about = _asked_about(query, chosen[0].concepts)
    best_match = max(c.relevance for c in chosen) or 1.0
    names = [s.names for s in subjects(query) if s.kind != "term"]
    conditions = condition_names(query)
    markers = [re.compile(rf"\b{re.escape(m)}\b", re.I) for m, _ in qualifiers_of(query.text, query.abbreviations)]
    uncommon = chosen[0].concepts.only(set(chosen[0].concepts) - _common_stems())
    rows = []
    for c, row in zip(chosen, bottom_line_features(chosen, focus, query, match_ratio)):
        said = f"{c.hit.document.title} {_own_words(c)}"
        text = c.statement.text
        bare_result = bool(_RESULT.search(text)) and not drugs_named(text) \
            and not any(about_condition(n, text) for n in names)
        rows.append((*row, relevance(_own_words(c), asked_about), c.relevance, c.relevance / best_match,
                     max(c.hit.dense or 0.0, 0.0), float(c.hit.document.audience == "patient"),
                     float(bare_result), float(id(c) in safety),
                     float(not conditions or any(about_condition(n, said) for n in conditions)),
                     1.0 / max(c.hit.rank, 1),
                     float(c.describes_study or design_without_result(text)),
                     float(any(m.search(_own_words(c)) for m in markers)),
                     relevance(_own_words(c), uncommon) if uncommon else 0.0))
    return rows


@functools.cache
def _common_stems() -> frozenset[str]:
    """Stems of the words most readers know (``easy_words``)."""
    return frozenset(w for word in easy_words() for w in stems(word))


def _other_line(c: _Candidate, asked_line: str | None) -> bool:
    """Is the statement about another line of therapy than asked (the first, when none is)?"""
    said = c.section if c.section in LINE_PRIORITY else None
    return said is not None and said != (asked_line or "First-line")


# Question types answered by what to do or whom it concerns, not by its harms.
_NOT_ASKING_HARMS = ("treatment", "efficacy", "screening", "prevention", "diagnosis")


def bottom_line_pool(chosen: list[_Candidate], query) -> list[_Candidate]:
    """The statements a bottom line is chosen from: not a guideline profile's field label, not one
    filed under harms when the question asks what to do or whom it concerns (``_NOT_ASKING_HARMS``)
    while any other is chosen, not about patients on another line of therapy than asked (those who
    progressed after first-line treatment are other patients) while any statement is about the asked
    line, and naming an asked drug or test in its own words while any statement does ("can
    trastuzumab be given during pregnancy?" is answered by the statement on trastuzumab, not the pregnant patients' options), and
    of those, about the asked children, older adults or pregnancy (in its words or its document's
    title; the pregnancy first, as the child a pregnant patient names is the one expected) while any
    is: that trastuzumab is contraindicated in pregnancy, not a trial of it in women at large. A
    question asking how long or how often (``asked_quantity``) is answered, while any
    statement states such an amount, by one that does."""
    pool = [c for c in chosen if not PROFILE_FIELD.match(c.statement.text)] or chosen
    # What the asked condition is ("Tardive dyskinesia is a neurological syndrome caused by ...", "Stage IV
    # Merkel cell carcinoma (MCC) includes patients with distant metastases.") is background to any question
    # but what it is, worded as such or not ("KDIGO definition of CKD - how long ..."): even a statement
    # filed under harms that names its treatment answers more.
    if query.question_type != "definition" and not re.search(r"\bdefin(?:e|ed|es|ing|itions?)\b", query.text, re.I):
        conditions = [n for names in condition_names(query) for n in names]
        pool = [c for c in pool if not describes_condition(c.statement.text, conditions)] or pool
    # What to give, or how well it works, is answered by a treatment or its result, not by its harms;
    # whether to screen, by whom to screen ("does USPSTF recommend screening all pregnant women ...?":
    # its I statement, not that it "found inadequate evidence on the harms of routine screening").
    if query.question_type in _NOT_ASKING_HARMS:
        pool = [c for c in pool if c.section != _SAFETY_SECTIONS[0]] or pool
    line_asked = asked_line(query.text)
    pool = [c for c in pool if not _other_line(c, line_asked)] or pool
    asked = [s.names for s in asked_interventions(query)]
    # What an asked drug is ("Pembrolizumab is a humanized monoclonal antibody that inhibits ...") is
    # background to any question but "what is it": whether to give it, to whom, how well it works.
    if query.question_type != "definition":
        pool = [c for c in pool if not any(describes_drug(c.statement.text, n) for n in asked)] or pool
    # ... the most of them when it asks about several ("atezolizumab plus bevacizumab and chemotherapy":
    # the combination, not atezolizumab with chemotherapy alone; "tamoxifen ... what about raloxifene?")
    named = {id(c): sum(about_condition(n, _own_words(c)) for n in asked) for c in pool}
    most = max(named.values(), default=0)
    pool = [c for c in pool if named[id(c)] == most] if most else pool
    # How long or how often is answered by a statement stating such an amount ("Offer a 5-day course of
    # a single antibiotic"), not by its neighbour on when to seek advice.
    kind = asked_quantity(query.text)
    if kind:
        pool = [c for c in pool if states_quantity(kind, c.statement.text)] or pool
    groups = populations(query.text) & _LIFE_STAGES
    ages = asked_ages(query.text)
    # A question about pregnancy asks for the pregnant patient: the child it names is the one expected
    # ("avoid peanuts while pregnant so my baby doesn't get allergies"), and what is said of the
    # pregnancy answers before what is said of the child after birth.
    for asked_for in ([{"pregnancy"}] if "pregnancy" in groups else []) + ([groups] if groups else []):
        about = [c for c in pool if _names_group(c, asked_for, ages)]
        if about:
            return about
    return pool


# A drug's name as the subject, then what kind of drug it is or how it works: "Pembrolizumab is a
# humanized monoclonal antibody ...", "Abemaciclib works by blocking ...". Not "Vancomycin delivered
# orally ... is the treatment of choice", a recommendation; not "X is an effective treatment", a result;
# not "Cognitive behavioral therapy (CBT) is a type of psychotherapy that is very useful in treating
# anxiety disorders", which says what it treats.
_DESCRIBED_AS = r"(?:\s*\([^)]{1,60}\))?\s+(?:is an?|are an?|works? by|belongs? to)\b"


_STAGE_OPENING = re.compile(r"^(?:the )?stage [0IV]+[A-C]?\d? ", re.I)  # "Stage IV Merkel cell carcinoma ..."


def describes_condition(text: str, names: Sequence[str]) -> bool:
    """Does the statement open by saying what a condition of ``names`` (or a stage of it) is or whom it
    includes, and no more?"""
    text = _STAGE_OPENING.sub("", text)
    return describes_drug(text, names) or bool(names) and bool(re.match(
        rf"(?:the )?(?:{'|'.join(map(re.escape, names))})(?:\s*\([^)]{{1,60}}\))?\s+(?:includes|refers to|is defined as|means)\b",
        text, re.I))


def describes_drug(text: str, names: Sequence[str]) -> bool:
    """Does the statement open by saying what one of ``names`` is or how it works, and no more?"""
    return bool(names) and bool(_describes(tuple(names)).match(text)) \
        and not answers_type("efficacy", text) and not answers_type("treatment", text)


@functools.lru_cache(maxsize=256)  # one question's names, tried on each of its statements
def _describes(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?:the )?(?:{'|'.join(re.escape(n) for n in names if n) or '(?!)'}){_DESCRIBED_AS}", re.I)


def _not_shown_as_lead_in(rest: list[_Candidate], chosen: list[_Candidate]) -> list[_Candidate]:
    """The statements of ``rest`` (those below the bottom line) that no statement of ``chosen`` shows
    as its lead-in: "The goal of treatment is to provide breathing support ... … This may involve
    medications to treat infections" says the first sentence already, which quoted again on its own
    repeats it. (Applied once the bottom line and the status are settled, which read every statement.)"""
    shown = {(s.lead_in.passage_id, s.lead_in.text) for s in (c.statement for c in chosen) if s.lead_in}
    return [c for c in rest if (c.statement.passage_id, c.statement.text) not in shown]


def sentences_quoted(answer: Answer) -> int:
    """The statements of ``answer`` and the lead-ins they show: at least as many as the statements
    chosen under the budget (``max_statements``), those shown only as a lead-in included."""
    statements = [*answer.bottom_line, *(s for sec in answer.sections for s in sec.statements)]
    return len(statements) + sum(1 for s in statements if s.lead_in)


def _bottom_line(chosen: list[_Candidate], focus: list[str], query, match_ratio: float, *,
                 ranked: bool = False) -> list[_Candidate]:
    """One or two statements that answer directly.

    ``ranked``: ``chosen`` comes from the fitted statement bar, likeliest useful first; then the
    first is its likeliest statement. Read side by side on the 15 of 117 held-out dev questions
    where the two differ, the bar's choice answered better in 8 and the bottom-line model's in 3
    (the bar is fitted on statements a clinician labelled, the model on gold passages, before the
    bar existed). Otherwise the first is the statement the fitted bottom-line model
    (``BOTTOM_LINE_FEATURES``) ranks highest: chiefly
    one whose own words (not its heading's or document's: a guideline's neighbouring recommendation
    inherits the guideline's match but does not say what was asked) match what the question asks
    about its patients, that is for the asked line of therapy and patient group, names the asked
    drug or test, and is worded as an answer to the question's type. A second statement only when
    another source's strong recommendation matches the question in its own words.
    """
    if not chosen:
        return []
    pool = bottom_line_pool(chosen, query)
    if not ranked:
        weights = bottom_line_weights()
        value = {id(c): sum(w * x for w, x in zip(weights, row))
                 for c, row in zip(pool, bottom_line_features(pool, focus, query, match_ratio))}
        pool = sorted(pool, key=lambda c: -value[id(c)])
    first = pool[0]
    bottom = [first]
    for c in pool[1:]:
        if (c.hit.document.id != first.hit.document.id and c.hit.passage.kind == "recommendation"
                and relevance(c.statement.text, c.concepts) >= 0.6 and c.statement.evidence.get("strength") == "strong"):
            bottom.append(c)
            break
    return bottom


def _asked_about(query, concepts: Concepts) -> Concepts:
    """What the question asks about its patients: its concepts without the words that say who they
    are (the condition, its qualifiers such as "HER2-positive", the setting or course, the drugs they
    have had), which applicability has already matched and which a guideline's recommendations leave
    to their title.
    A patient group other than adults stays: applicability turns away statements naming another
    group but passes those naming none, so "during pregnancy" must still count in what is asked.
    A definition question asks what the condition or drug it names is: the words of that name
    ("narcolepsy", not the "falling asleep in class" told before it); all its concepts when it
    names none."""
    if query.question_type == "definition":
        named = stems(" ".join(e.matched for e in (*query.conditions, *query.interventions)))
        named |= stems(" ".join(long for short, long in query.abbreviations if short.lower() in named))
        return concepts.only(named) if named & concepts.keys() else concepts
    qualifiers = " ".join(f"{m} {p}" for m, p in qualifiers_of(query.text, query.abbreviations))
    who = stems(" ".join([*(e.matched for e in query.conditions), qualifiers, *query.population,
                          *axis_phrases(query.text), *had_clauses_text(query.text)]))
    # "HER2 (Human Epidermal growth factor Receptor 2) positive": a long form says who as its short form does.
    who |= stems(" ".join(long for short, long in query.abbreviations if short.lower() in who))
    who -= stems(" ".join(g for g in query.population if not g.startswith("adult")))  # axis_phrases named them
    asked = stems(" ".join(query.terms)) - who  # the question's own words: synonyms added for search are not asked
    return concepts.only(asked) if asked & concepts.keys() else concepts


def _defined_names(query) -> list[str]:
    """What a definition question asks to have defined: the names of the condition or drug it names,
    with the stage it names (none for another question type)."""
    if query.question_type != "definition":
        return []
    # (with an abbreviation's long forms: "what is PAD" asks what peripheral artery disease is)
    names = list(dict.fromkeys([*(n for s in subjects(query) if s.kind != "term" for n in s.names),
                                *(n for names in condition_names(query) for n in names)]))
    # "what is stage 0 testicular cancer": the stage asked is part of what is to be defined, and
    # "Testicular cancer can recur ..." no definition of it.
    stage = stage_named(query.text)
    return [f"{stage} {n}" for n in names] if stage else names


def _own_words(c: _Candidate) -> str:
    return f"{c.statement.lead_in.text if c.statement.lead_in else ''} {c.statement.text}"


# -- applicability, standalone statements, the bar, currency ---------------------------------

# Openings that point back to a sentence the statement does not carry ("However, ...",
# "This trial ...", "These patients ..."): without it the statement misleads.
_DEPENDENT_OPENING = re.compile(
    r"^(?:However|But|And|Or|Also|Additionally|In addition|Furthermore|Moreover|Thus|Therefore|Hence|Similarly"
    r"|Likewise|Conversely|In contrast|Nevertheless|Nonetheless|Consequently|Accordingly|Otherwise|Instead|Again"
    r"|Still|Yet|Both|Neither|Either|This|These|That|Those|Such|It|Its|They|Their|Them|He|She|Here"
    r"|The (?:trial|study|studies|results?|findings?|authors?|investigators?|same|latter|former|above|following"
    r"|remaining|rest|difference|drug|agent|regimen|combination|intervention|treatment group)"
    r"|In (?:this|these|that|those|both|the (?:same|latter|former|above))|Of (?:these|those|them|the)"
    r"|(?:Among|For|With|In) (?:them|these|those|such)|(?:For|With|In) (?:this|that) reason"
    r"|(?:During|After|Before|Since) (?:this|that|these|those)"
    r"|Compared with (?:this|these|that|placebo)|As (?:a result|above|such)"
    # ... or a demonstrative among its first words: "On the basis of these data", "Based on these
    # results", "Most of these patients", "Women in these groups".
    r"|[A-Z][\w-]*(?: [\w-]+){0,3} (?:this|these|those))\b")
# How trial reports describe a study's design: a design sentence without a result tells a
# clinician what was tried, not what it did.
_DESIGN = re.compile(r"\brandomly assigned\b|\brandomi[sz]ed\b|\benrolled\b|\bwere eligible\b|\bprimary end ?points?\b"
                     r"|\bphase (?:I{1,3}|[123])\b|\b(?:included|recruited|evaluated|examined) \d[\d,]* (?:patients|participants)\b"
                     r"|\bopen-label\b|\bdouble-blind\b", re.I)
# A sentence saying what a study looked at or that it was done ("A prospective cohort study examined the
# use of aspirin after ...", "... performed a meta-analysis using individual patient data from ..."): a
# design sentence too, unless it also says what was found.
_STUDY_DONE = re.compile(
    r"\b(?:stud(?:y|ies)|trials?|meta-analys[ie]s|analys[ie]s|reviews?|surveys?)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:examined|compared|evaluated|assessed|investigated|explored|studied)\b"
    r"|\b(?:performed|conducted|undertook) an? (?:[\w’'-]+ ){0,3}(?:meta-analysis|systematic review|study|trial|analysis)\b", re.I)
_FOUND = re.compile(r"\b(?:found|showed|shown|demonstrated|concluded|reported|suggest(?:s|ed)|confirmed|observed"
                    r"|reduced|improved|increased|decreased|prolonged|associated)\b", re.I)


def design_without_result(text: str) -> bool:
    """Does ``text`` say how a study was run or what it set out to examine, and nothing it found?"""
    if _RESULT.search(text):
        return False
    return bool(_DESIGN.search(text)) or bool(_STUDY_DONE.search(text)) and not _FOUND.search(text)


# Wording of a reported result: it needs a named treatment to mean anything.
_RESULT = re.compile(r"\d\s?%|\bhazard ratio\b|\bodds ratio\b|\brelative risk\b|\b95% CI\b|\bconfidence interval\b"
                     r"|\bP\s?[<=>]|\bno (?:statistically )?(?:significant )?differences?\b|\bsignificantly\b"
                     r"|\bmedian (?:overall |progression-free |event-free )?survival\b|\bresponse rate\b", re.I)


# The opening sentence of a numbered item that is a study ("In an expansion cohort of a phase I study of
# crizotinib, ...", "The phase III ... trial ..."), not an option of a treatment list ("1. Surgery.").
_STUDY_WORDS = re.compile(r"\b(?:stud(?:y|ies)|trials?|cohorts?|analys[ie]s|meta-analys[ie]s|review|series)\b", re.I)


# A trial arm named by the abbreviation its study sentence defines ("the ABCP group", "the BCP arm"):
# the statement means nothing without that sentence.
_ARM = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]* (?:groups?|arms?|cohorts?)\b")


# Question types asking how things turn out: how well a treatment works, how patients fare.
_OUTCOME_ASKED = ("efficacy", "prognosis")


def _reports_outcome(text: str, question_type: str = "efficacy") -> bool:
    """Does ``text`` report the outcome a ``question_type`` question asks, with the figures of a result
    ("The median PFS was 23.7 months ... (95% CI ...)", "the median survival is 16 to 24 months"), not
    only what a study set out to measure or that a treatment improves it?"""
    return answers_type(question_type, text) and bool(_RESULT.search(text))


# Patients named only as the rest of a group defined elsewhere ("... recommends not screening all
# other adults"): without that sentence the statement reads as if about everyone.
_OTHER_GROUP = re.compile(r"\b(?:all|any) other (?:adults|patients|individuals|persons|people|women|men|children)\b",
                          re.I)


def points_back(text: str) -> bool:
    """Does the statement lean on a sentence it does not carry?"""
    return bool(_DEPENDENT_OPENING.match(text) or _OTHER_GROUP.search(text))


# A sentence announcing what comes after it ("... provides the following list of signs and symptoms
# for X.", "Risk factors include the following:"): without its list or table it says nothing.
_POINTS_FORWARD = re.compile(r"\b(?:the following|as follows|(?:listed|shown|described|given|table|figure|see) below)\b|:\s*$",
                             re.I)


_CARRIES_ITS_LIST = re.compile(r":\s*\S+(?:\s+\S+){2,}")


def points_forward(text: str) -> bool:
    """Does the statement announce a list or table it does not carry?"""
    carried = "\n" in text.strip() or _CARRIES_ITS_LIST.search(text)  # "... the following: a, b and c."
    return not carried and bool(_POINTS_FORWARD.search(text))


# A sentence that sends the reader to another text ("More detailed information about the treatment
# of X can be accessed through ...", "An algorithm titled ... is available from ...", "X is addressed
# in a separate recommendation statement", "(Refer to the Systemic therapy with PARP inhibitors for ovarian
# cancer section for more information ...)"): it says where an answer is, not what it is.
# Only when what is "available" is a text ("Naloxone is available at pharmacies" says something).
_POINTS_ELSEWHERE = re.compile(
    r"\b(?:algorithms?|pathways?|reports?|tools?|information|summar(?:y|ies)|versions?|tables?|figures?|calculators?"
    r"|documents?|statements?|details|guidance|resources?|web ?sites?)\b[^.;]{0,80}?\b(?:is|are|can be) (?:available|"
    r"accessible|accessed|found|obtained|viewed) (?:from|at|on|through|in|by)\b"
    r"|^\(?(?:For|To find) (?:(?:more|further|additional) )?(?:information|details)\b"
    # a page's link text: "Learn more about treating urinary tract infections."
    r"|^(?:Learn|Read|Find out) more about\b[^.;]{0,100}\.?$"
    r"|^\(?(?:Refer to|See) (?:the )?[^.;]{0,120}?\b(?:sections?|summar(?:y|ies)|tables?|figures?)\b"
    r"|\b(?:is|are) addressed in (?:a|another) separate\b", re.I)


def points_elsewhere(text: str) -> bool:
    """Does the statement send the reader to another text instead of saying something?"""
    return bool(_POINTS_ELSEWHERE.search(text))


# A list marker closes a bracket it never opened ("2) Offer ...", "a) ..."): that is no fragment.
_LIST_MARKER_CLOSE = re.compile(r"(?:^|\s)[0-9A-Za-z]{1,3}\)")
_BRACKET = re.compile(r"[()\[\]]")
_OPENS = {")": "(", "]": "["}


def closes_unopened(text: str) -> bool:
    """Is ``text`` cut from inside brackets: does it close one it never opened ("Antibiotics for the
    prevention and treatment of early-onset neonatal infection].)", the end of a cross-reference)?"""
    if ")" not in text and "]" not in text:
        return False
    depth = {"(": 0, "[": 0}
    for m in _BRACKET.finditer(_LIST_MARKER_CLOSE.sub(" ", text)):
        ch = m.group()
        if ch in depth:
            depth[ch] += 1
        else:
            depth[_OPENS[ch]] -= 1
            if depth[_OPENS[ch]] < 0:
                return True
    return False


def stands_alone(statement: Statement) -> bool:
    """A statement that makes sense on its own: it does not send the reader elsewhere, is no piece
    cut from inside brackets, and (unless it is shown with its lead-in or context) nothing points
    back to missing text and no fragment starts mid-sentence."""
    text = statement.text.lstrip("*•-– \t")
    if points_elsewhere(text) or closes_unopened(text):
        return False
    if statement.lead_in:
        return True
    return bool(text) and not text[0].islower() and not points_back(text) and not points_forward(text)


def _context_sentence(passage, span: tuple[int, int] | None) -> Statement | None:
    """The sentence before a statement that points back ("This trial led to ..."), as the context it
    is shown with: only when that sentence stands on its own and ends as a sentence does."""
    if passage is None or span is None:
        return None
    a, b = span
    text = passage.text[a:b]
    if not text or text[0].islower() or _DEPENDENT_OPENING.match(text) or not ENDS_SENTENCE.search(text) \
            or len(text.split()) > 60:
        return None
    return Statement(text=text, passage_id=passage.id, doc_id=passage.doc_id, span=(a, b))


def _last_sentence(passage: Passage | None) -> Statement | None:
    """The last sentence of ``passage`` as a context (``_context_sentence``), if it is one."""
    if passage is None:
        return None
    blocks = [(a, b) for a, b, _, usable in passage_blocks(passage.text, passage.kind) if usable]
    return _context_sentence(passage, blocks[-1]) if blocks else None


def _passage_before(index) -> Callable[[Passage], Passage | None]:
    """The passage before one under the same heading (``chunk`` numbers a heading's passages in order)."""
    def before(passage: Passage) -> Passage | None:
        base, _, n = passage.id.rpartition("-")
        if not n.isdigit() or int(n) < 2:
            return None
        try:
            found = index.passage(f"{base}-{int(n) - 1}")
        except PassageNotFound:
            return None
        return found if found.section == passage.section else None
    return before


def _with_study(c: _Candidate) -> _Candidate:
    """The candidate with its study's opening sentence as lead-in, when it reports a result of it
    naming no treatment."""
    return replace(c, statement=replace(c.statement, lead_in=c.study)) if c.study else c


def _with_heading(c: _Candidate) -> _Candidate:
    """The candidate with the heading it stands under, when the heading names a drug and the statement
    and its lead-in name none: a summary's result under "Selpercatinib" does not say whose it is."""
    heading = c.hit.passage.section.rsplit(" › ", 1)[-1].strip()
    if not heading or not drugs_named(heading) or drugs_named(_with_lead_in(c.statement)):
        return c
    return replace(c, statement=replace(c.statement, heading=heading))


def _with_lead_in(s: Statement) -> str:
    """The statement as shown: its lead-in ("Approximately half ... have mutations in BRAF.") before it."""
    return f"{s.lead_in.text} {s.text}" if s.lead_in else s.text


def _context(c: _Candidate) -> str:
    """What a statement says with where it stands: document title, heading, lead-in, text."""
    lead = c.statement.lead_in.text if c.statement.lead_in else ""
    title = "" if c.hit.document.meta.get("title_is_question") else c.hit.document.title
    return f"{title}\n{c.hit.passage.section}\n{lead}\n{c.statement.text}"


_HAVE_IT = frozenset({"treatment", "efficacy", "prognosis"})  # question types asked of patients who have the condition


def _applicability(query, question: str, adults: bool = False):
    """Does a candidate apply to the asked patients? Its context must name one of the conditions the
    question names (when it names any: "condition"), or stand on a page on a broader condition
    (``applicability.class_page``: "broader"), and must not conflict with the question on stage,
    setting, course, patient group (``applicability``), the asked risk of it (``applicability.risk_levels``)
    or line of therapy (``evidence.therapy_line``),
    nor name a disease the question says its patients do not have. Asked of patients who have the
    condition, it must not speak of preventing it, of people without it, or of it only as a risk factor
    of another. ``adults``: a question naming no patient group asks about adults. "" when it does not apply."""
    asked = asked_facets(question, query.abbreviations)
    if adults and not asked.values["patient group"] and not asked.ages:  # read as a question about adults
        asked = replace(asked, values={**asked.values, "patient group": frozenset({"adults"})})
    names = condition_names(query)
    # The words naming the asked condition, as typed and as its abbreviation reads in full ("mild CAP":
    # community-acquired pneumonia): an anchored axis's value counts in a statement only beside one.
    anchors = frozenset(w for e in query.conditions for w in _WORD.findall(e.matched.lower()) if len(w) > 2) \
        | frozenset(w for short, long in query.abbreviations if any(about_condition(n, long) for n in names)
                    for w in _WORD.findall(long.lower()) if len(w) > 2)
    asks_nothing = asked.names_nothing()
    # ("at high caries risk": advice for those at standard risk of caries is for other patients)
    risk, risk_of = asked_risk(question)
    line = asked_therapy_line(question)
    words = vocabulary.current()
    trees = asked_trees(names, words)
    broader = functools.lru_cache(maxsize=None)(lambda title: class_page(title, trees, words) if trees else ())

    # Patients being treated for the condition are not those in whom it is prevented.
    treated = query.question_type in _HAVE_IT and bool(trees)
    ruled_out = ruled_out_diseases(question, words)  # "... without hepatitis B"

    def applies(c: _Candidate) -> str:
        if line and c.line and c.line != line:  # "untreated" is not answered by a trial after progression
            return ""
        said = _with_lead_in(c.statement)
        if treated and (about_preventing(said, trees, words) or about_lacking(said, trees, words)):
            return ""
        if names_ruled_out(f"{c.hit.passage.section}\n{said}", ruled_out, words):
            return ""
        context = _context(c)
        how = "condition"
        named = not names or any(about_condition(n, context) for n in names)
        # A statement naming the asked condition only as a risk factor of another is about the other.
        if treated and names and named:
            unrisked = without_risk_factors(context)
            if unrisked is not context and not any(about_condition(n, unrisked) for n in names):
                return ""
        if not named:
            # A page on the broader condition ("Tinea Infections" for tinea capitis) speaks of its
            # kinds, except in statements naming another kind ("athlete's foot").
            page = broader(c.hit.document.title)
            if not page or names_another_kind(context.split("\n", 1)[1], page, trees, words):
                return ""
            how = "broader"
        said_risk = risk_levels(context, risk_of) if risk else frozenset()
        if said_risk and not risk & said_risk:
            return ""  # advice for those at another risk of what is asked
        return how if asks_nothing or not conflicts(asked, facets(context, anchors)) else ""

    return applies


def _clear_the_bar(chosen: list[_Candidate], settings: AnswerSettings, query,
                   exempt: list[_Candidate], focus: list[str] = (), safety: list[_Candidate] = (),
                   found: bool = False, own: str | None = None) -> list[_Candidate]:
    """The statements that clear the bar.

    A question that asks something particular keeps the statements the fitted statement bar
    finds likely useful (``_useful``). A broad question ("the recommended approach") asks for the
    whole picture, which no labelled question taught the model, and so does an index without the
    fitted bar: there a statement needs a score and a match with the question's concepts of at
    least ``min_score_ratio`` and ``min_relevance_ratio`` of the best ones, and a reported result
    must name a treatment or one of the question's subjects. ``exempt`` from the score bar: the
    current-evidence layer (chosen by heading, on its own scale) and the best-matching guidelines'
    harms and caveat (chosen so that safety is never crowded out).

    Without the fitted bar, a statement of a particular question must also match, in its own words
    (not its document's), at least ``min_own_match_ratio`` of the best match with what the
    question asks about its patients (``_asked_about``).
    """
    if not chosen:
        return chosen
    if _fitted_bar(query, chosen[0].concepts, settings):
        return _useful(chosen, settings, query, list(focus), {id(c) for c in safety}, found=found, own=own)
    asked_about = _asked_about(query, chosen[0].concepts)
    broad = max(asked_about.values()) <= GENERIC_WEIGHT
    free = {id(c) for c in exempt}
    best = max((c.statement.score for c in chosen if id(c) not in free), default=0.0)
    best_match = max((c.relevance for c in chosen if id(c) not in free), default=0.0)
    names = [s.names for s in subjects(query) if s.kind != "term"]
    own = {id(c): relevance(_own_words(c), asked_about) for c in chosen}
    best_own = 0.0 if broad else max((own[id(c)] for c in chosen if id(c) not in free), default=0.0)
    kept = []
    for c in chosen:
        if id(c) not in free and (c.statement.score < settings.min_score_ratio * best
                                  or c.relevance < settings.min_relevance_ratio * best_match):
            continue
        # Safety statements stay; the current-evidence layer's trials must speak to what is asked too.
        if (id(c) not in free or c.layer) and own[id(c)] < settings.min_own_match_ratio * best_own:
            continue
        if _RESULT.search(c.statement.text) and not drugs_named(c.statement.text) \
                and not any(about_condition(n, c.statement.text) for n in names):
            continue
        kept.append(c)
    return kept


def weighs_by_fitted_bar(query, settings: AnswerSettings) -> bool:
    """Is the question one the fitted statement bar answers (a particular one)? Then a wider
    composition holds the same statements: the bar, not the statement budget, decides."""
    return _fitted_bar(query, concept_weights(query), settings)


def _fitted_bar(query, concepts: Concepts, settings: AnswerSettings) -> bool:
    """Does the fitted statement bar decide (a question asking something particular, the bar on and fitted)?"""
    return settings.statement_bar and statement_bar_model() is not None \
        and max(_asked_about(query, concepts).values()) > GENERIC_WEIGHT


def _useful(chosen: list[_Candidate], settings: AnswerSettings, query, focus: list[str],
            safety: set[int], found: bool = False, own: str | None = None) -> list[_Candidate]:
    """The statements the fitted statement bar (``STATEMENT_BAR_FEATURES``) finds likely useful to a
    clinician reading this answer, at most ``max_statements``, and always the likeliest one, unless
    even that one is less likely useful than in any labelled question the corpus answers (the fitted
    not-found floor): then none, and the answer says not found. ``found``: the evidence summary has a
    heading for the asked patients (``summary_layer``'s recurrent disease): the corpus speaks of them,
    and the likeliest statement stays. ``own``: the question (with its abbreviations' long forms and
    its conditions' names) when a reader asks of their own: a patient or caregiver, or anyone asking
    in the first person and naming no condition (``compose``'s ``unnamed``)."""
    weights, bias, threshold, floor = statement_bar_model()
    odds = [bias + sum(w * x for w, x in zip(weights, row))
            for row in statement_bar_features(chosen, focus, query, settings.bottom_line_match_ratio, safety)]
    ranked = sorted(range(len(chosen)), key=lambda i: -odds[i])
    if odds[ranked[0]] < floor and not found:
        return []
    # What to give, or how well it works, is answered by a treatment or its result: the statement kept
    # whatever its odds is the likeliest one not filed under harms, when one clears the floor.
    lead = ranked[0]
    if query.question_type in ("treatment", "efficacy"):
        lead = next((i for i in ranked if odds[i] >= floor and chosen[i].section != _SAFETY_SECTIONS[0]), lead)
    kept = {i for i in ranked[:settings.max_statements] if odds[i] >= threshold} | {lead}
    # Kept below the bar, the likeliest statement is the corpus's nearest one, not an answer: to a
    # reader asking of their own, nearest on a page about patients with a disease they did not name
    # ("Diabetic Neuropathies" to "anything to reduce my sweating?", an intracranial-haemorrhage
    # guideline to "charcoal for a stomach bug?", "Nutrition During Cancer Treatment" to "anything for
    # the throat pain?") it answers someone else, and the answer is not found. What it says an asked
    # drug is holds on any page ("These antiviral medicines include ... valacyclovir"), unless it is
    # said of a care setting the reader did not name ("GLP-1 agonists (exenatide, liraglutide,
    # pramlintide) should be held perioperatively" to "is Saxenda a GLP-1 blocker?").
    if own is not None and kept == {lead} and odds[lead] < threshold and not found \
            and ((page_about_other_patients(chosen[lead].hit.document.title, own, vocabulary.current(),
                                            asked_trees(condition_names(query), vocabulary.current()))
                  and not _of_the_asked_drug(chosen[lead], query))
                 or _in_a_care_setting_not_asked(chosen[lead], query)):
        return []
    # A question about children, older adults or pregnancy keeps too the likeliest statement about
    # each such group a bottom line could be (``bottom_line_pool``), when one clears the not-found
    # floor: "avoid peanuts while pregnant so my baby doesn't get allergies" asks of the pregnancy as
    # well as of the baby ...
    groups = populations(query.text) & _LIFE_STAGES
    ages = asked_ages(query.text) if groups else ()
    asked = [s.names for s in asked_interventions(query)] if groups else []
    for group in sorted(groups):
        # ... naming the asked drug or test too when the question names one: "a full-term pregnancy
        # before age 20" is no answer on tamoxifen in pregnancy.
        about = [i for i in ranked if odds[i] >= floor and _names_group(chosen[i], {group}, ages)
                 and (not asked or any(about_condition(n, _own_words(chosen[i])) for n in asked))]
        if about:
            first = bottom_line_pool([chosen[i] for i in about], query)[0]
            kept.add(next(i for i in about if chosen[i] is first))
    # A question asking how long, how soon or how often keeps too the likeliest statement of a guideline
    # already quoted that states such an amount, when none kept does and it clears the not-found floor:
    # "CKD is defined as abnormalities ... present for >3 months" scores below the bar for "how long must
    # abnormalities last", beside the same guideline's referral advice. A guideline speaks of its topic;
    # an evidence summary states amounts of every setting it covers ("mucositis 3 to 4 days after infusion"
    # is not the healing time before radiation to prevent osteoradionecrosis). Where the question names
    # its condition, the statement's context must name it too.
    kind = asked_quantity(query.text)
    if kind and not any(states_quantity(kind, chosen[i].statement.text) for i in kept):
        sources = {chosen[i].statement.doc_id for i in kept if chosen[i].hit.document.type == "guideline"}
        conditions = condition_names(query)
        stating = next((i for i in ranked if odds[i] >= floor and chosen[i].statement.doc_id in sources
                        and states_quantity(kind, chosen[i].statement.text)
                        and (not conditions or any(about_condition(n, _context(chosen[i])) for n in conditions))),
                       None)
        if stating is not None:
            kept.add(stating)
    # ... and a question about a pregnancy is answered by what is said of pregnancy, when a statement
    # kept says anything of it: a drug's benefit, dose or safety at large is that for patients who are
    # not pregnant ("trastuzumab extends survival ... the HERA trial" to "can trastuzumab be given
    # during pregnancy?"). (A statement on adults at large does speak for older adults and on
    # children's care for a child: those groups keep them.)
    alone = groups & _ANSWERED_ALONE
    if alone:
        speaking = {i for i in kept if _names_group(chosen[i], alone, ages)}
        kept = speaking or kept
    return [chosen[i] for i in ranked if i in kept]


def _in_a_care_setting_not_asked(c: _Candidate, query) -> bool:
    """Does the statement speak of a care setting ("should be held perioperatively", "in the ICU")
    when the question names none: of patients other than a reader asking of their own?"""
    # (read as a statement, not a question: "surgery" in it is as often the treatment as the setting)
    return bool(facets(c.statement.text, frozenset()).values["care setting"]) \
        and not asked_facets(query.text, query.abbreviations).values["care setting"]


def _of_the_asked_drug(c: _Candidate, query) -> bool:
    """Does the statement say what a drug or test the question asks about is (as a definition, or as
    one of a kind: "These antiviral medicines include acyclovir, valacyclovir, or famcyclovir"), or
    speak of the people who take it ("People who take acarbose (Precose) ... should know")?"""
    text = c.statement.text
    return any(says_what_the_drug_is(text, asked.names) or speaks_of_its_takers(text, asked.names)
               for asked in asked_interventions(query))


# The patient groups a bottom line must speak of when the question names one: a statement on
# "women" or "men" at large is no less about a woman than one naming her sex.
_LIFE_STAGES = frozenset({"children", "older adults", "pregnancy"})
# The groups a question is answered about alone, when anything is said of them (``_useful``).
_ANSWERED_ALONE = frozenset({"pregnancy"})


def _names_group(c: _Candidate, groups: set[str], ages: tuple[tuple[int, int], ...] = ()) -> bool:
    """Is the statement, in its own words or its document's title, about one of ``groups``, or about
    an age range holding one of the question's ``ages`` ("adults aged 60 to 74" for a 65-year-old)?"""
    said = f"{c.hit.document.title} {_own_words(c)}"
    return bool(populations(said) & groups) or any(lo <= age <= hi for age, _ in ages for lo, hi in age_ranges(said)) \
        or ("pregnancy" in groups and names_pregnancy_disease(said, vocabulary.current()))


def currency_notice(statements: list[Statement], stale_after_years: int, today: int | None = None) -> str:
    """A plain warning when the newest source quoted is older than ``stale_after_years``."""
    years = [s.year for s in statements if s.year]
    if not years:
        return ""
    newest = max(years)
    this_year = today or datetime.now(timezone.utc).year
    if this_year - newest <= stale_after_years:
        return ""
    return (f"The newest source quoted here is from {newest}, {this_year - newest} years ago: "
            "guidance may have changed since. Check current guidelines before acting.")
