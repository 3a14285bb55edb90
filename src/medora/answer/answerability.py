"""Can the corpus answer the question? An answer's ``status`` and what it is ``missing``.

The question's subjects are what it is about: the conditions and interventions the shipped
vocabularies recognise, and any other content word of at least ``MIN_SUBJECT_LETTERS`` letters
that no indexed document contains (a drug, test or condition the vocabularies do not know, such
as one approved after the corpus was written). A subject is

- *absent* when no document of the index mentions it (by any of its names, or a word that begins
  with it): "No source in the corpus mentions X". An unknown word that does not read as a name
  (``NAME_LETTERS``: short, lower case, no digit, such as "weeker") is shorthand, not a subject.

Common English words (the Dale–Chall list of easy words that ``textstat`` ships) are never
subjects. ``status`` is ``not_found`` when no statement applies to the question or every subject is
absent or no condition is left to answer about, ``partial`` when some subject is absent but a
condition the question names is covered, else ``answered``. Whether the statements found
apply to the asked patients is decided before, statement by statement (``applicability``);
nothing here is about a particular disease or drug.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..index.vocabulary import easy_words
from ..query import (
    STOP_WORDS, QueryAnalysis, analyse, answers_type, asked_quantity, drugs_named, names_nothing, states_quantity,
)
from .applicability import about_condition, names_group, populations, stage_named
from .evidence import altered_genes, had_clause_spans, had_drugs, names_gene, qualifiers_of, tested_genes

MIN_SUBJECT_LETTERS = 5  # shorter unknown words are too often typing slips or chat ("gonna")
# A word no document holds is missing from the corpus when it reads as a name: typed with a capital or
# a digit ("Vuity", "p-tau217"), or this long. Shorter lower-case ones are more often shorthand or
# slang ("28 weeker", "ex-prem", "e-cigs") than a drug or test the corpus lacks.
NAME_LETTERS = 7
MAX_NAME_WORDS = 4  # vocabulary synonyms longer than this are descriptions, not names
_WORD = re.compile(r"[a-z0-9]+")
_LETTER_WORDS = re.compile(r"[A-Za-z]+")
# Question words that are never the subject, however rare in a clinical corpus.
_QUESTION_WORDS = frozenset(
    "alright okay ok hello thanks thank hi hey doc doctor wondering gonna wanna kinda sorta yeah yep lol".split())
_NAME_NOTE = re.compile(r"\([^)]*\)")  # "insulin detemir (rdna origin)": the note is no part of the name
# Patient groups whose care differs from that of the adults most statements are written for: a
# question naming one is answered only by statements (or their headings or titles) that name it
# too; the others speak of the condition, not of these patients. (Older adults, women and men are
# mostly treated as adults are: a statement naming no group applies to them.)
# Each with the words an answer missing it says it lacks.
CARE_DIFFERS_GROUPS = {"children": "children", "pregnancy": "pregnancy or breastfeeding"}


def _care_differs_for(question: str) -> frozenset[str]:
    """The groups of ``CARE_DIFFERS_GROUPS`` the question's patients belong to. In a question about
    pregnancy the child it names is the one expected ("is it riskier for the baby"), not the patient."""
    groups = CARE_DIFFERS_GROUPS.keys() & populations(question)
    return groups - {"children"} if "pregnancy" in groups else groups



@dataclass(frozen=True, slots=True)
class Subject:
    """Something the question is about, with every name that counts as mentioning it."""

    asked: str  # as written in the question
    names: tuple[str, ...]
    kind: str  # "condition" | "intervention" | "term"


@dataclass(frozen=True, slots=True)
class Answerability:
    status: str  # "answered" | "partial" | "not_found"
    missing: tuple[str, ...]  # one plain sentence per missing subject


@functools.lru_cache(maxsize=256)  # asked by several stages of one answer: read the question once
def subjects(query: QueryAnalysis) -> tuple[Subject, ...]:
    """The question's subjects: recognised entities, then other long content words."""
    found: list[Subject] = []
    named: set[str] = set()
    for kind, entities in (("condition", query.conditions), ("intervention", query.interventions)):
        for e in entities:
            synonyms = [_NAME_NOTE.sub("", n).strip() for n in e.synonyms]
            names = tuple(dict.fromkeys(n for n in [e.matched.lower(), _NAME_NOTE.sub("", e.name.lower()).strip(),
                                                     *synonyms] if n and len(_WORD.findall(n)) <= MAX_NAME_WORDS))
            # An acronym spelt like a function word ("ALL") is no name in lower case: "all" is in every text.
            if e.matched.lower() in STOP_WORDS:
                names = tuple(n for n in names if e.matched.lower() not in _WORD.findall(n))
            found.append(Subject(e.matched, names, kind))
            named.update(w for n in names for w in _WORD.findall(n))
    easy = easy_words()
    for term in query.terms:
        # "p-tau217" is one subject of two words; a common word alone is no subject.
        words = _WORD.findall(term.lower())
        rare = [w for w in words if w not in named and w not in STOP_WORDS and w not in easy
                and w not in _QUESTION_WORDS and not w.isdigit()]
        if rare and len("".join(words)) >= MIN_SUBJECT_LETTERS and (len(words) > 1 or len(words[0]) >= MIN_SUBJECT_LETTERS):
            found.append(Subject(term, (" ".join(words),), "term"))
    return tuple(found)


@functools.lru_cache(maxsize=256)
def asked_interventions(query: QueryAnalysis) -> tuple[Subject, ...]:
    """The drugs and tests the question asks about: not those its patients have had ("progressed after
    osimertinib", "had received ipi/nivo"), which are their history."""
    had = {h.lower() for h in had_drugs(query.text)}
    return tuple(s for s in subjects(query) if s.kind == "intervention" and not had & {n.lower() for n in s.names})


@functools.lru_cache(maxsize=256)
def condition_names(query: QueryAnalysis) -> tuple[tuple[str, ...], ...]:
    """The names of each condition the question names, its abbreviations read in full too ("CAP":
    community-acquired pneumonia, whose vocabulary condition is pneumonia)."""
    found = [s.names for s in subjects(query) if s.kind == "condition"]
    # ... not an abbreviation that is only part of a condition's name: the "SCC" of "anal SCC" (Anus
    # Neoplasms) does not make squamous cell carcinoma anywhere a condition of the question.
    # Nor one whose long form names a condition only as what another thing is named after: "BRCA",
    # "breast cancer susceptibility gene", is a gene, and "BRCA-mutated ovarian cancer" no breast cancer.
    within = [e.matched.lower() for e in query.conditions]
    for short, long in query.abbreviations:
        if any(short.lower() != m and re.search(rf"\b{re.escape(short.lower())}\b", m) for m in within):
            continue
        read = analyse(long)
        if not any(re.search(rf"\b{re.escape(e.matched.lower())}\W*$", long.lower()) for e in read.conditions):
            continue
        found += [s.names for s in subjects(read) if s.kind == "condition"]
    return tuple(dict.fromkeys(found))


def absent(found: Sequence[Subject], index) -> list[Subject]:
    """The subjects no indexed document mentions by any of their names (every word of a name)."""
    words = sorted({w for s in found for name in s.names for w in _WORD.findall(name)})
    frequency = index.document_frequency(words) if words else {}

    def mentioned(name: str) -> bool:
        parts = _WORD.findall(name)
        return bool(parts) and all(frequency.get(w, 0) > 0 for w in parts)

    return [s for s in found if not any(mentioned(n) for n in s.names)]


# A name typed as one ("my Apple Watch", "the Canadian Task Force"): two or more capitalised words
# inside a sentence. A question in title case ("Does Low Thyroid Contribute To Weight Gain?") names
# nothing by its capitals.
_PROPER_NAME = re.compile(r"(?<![.?!:]\s)\b[A-Z][a-z0-9]+(?:[ \t]+[A-Z][a-z0-9]+)+\b")
_NAME_SEARCH_DEPTH = 20  # passages read for the name: one holding it as a phrase ranks near the top


def proper_names(question: str) -> tuple[str, ...]:
    """The names ``question`` types in capitals within a sentence (``_PROPER_NAME``)."""
    words = _LETTER_WORDS.findall(question)
    if sum(w[0].isupper() for w in words) * 2 > len(words):
        return ()
    return tuple(m.group() for m in _PROPER_NAME.finditer(question) if m.start() > 0)


def mentions_phrase(name: str, index) -> bool:
    """Does a passage of the corpus hold ``name``'s words together, in order? Each word alone may be
    common ("apple", "watch"); the name is the phrase."""
    phrase = " ".join(_WORD.findall(name.lower()))
    rowids, _ = index.lexical_search(phrase, _NAME_SEARCH_DEPTH)
    return any(phrase in " ".join(_WORD.findall(p.text.lower())) for p in index.passages(rowids).values())


def reads_as_name(term: str, question: str) -> bool:
    """Is ``term`` (lower-cased) typed in ``question`` as a name would be (``NAME_LETTERS``)? Two common
    words typed without the space between them ("gettingit", "upWith") are no name."""
    typed = re.search(re.escape(term), question, re.I)
    word = typed.group() if typed else term
    if _joined_common_words(term):
        return False
    return any(c.isupper() or c.isdigit() for c in word) or max(map(len, _WORD.findall(term)), default=0) >= NAME_LETTERS


def _joined_common_words(term: str) -> bool:
    """Two common words, one of them a function word ("it", "with", "is"), typed as one: a compound of
    two content words is a name of its own ("elderberry")."""
    easy = easy_words()
    return term.isalpha() and any(term[:i] in easy and term[i:] in easy and (term[:i] in STOP_WORDS or term[i:] in STOP_WORDS)
                                  for i in range(2, len(term) - 1))


# A symbol as markers are written: letters then digits, with a hyphen or a dot maybe ("Ki-67",
# "HER2", "ESR1", "CLDN18.2", "PD-L1", "CDK4"), a capital among its letters, two letters at least:
# one letter and a number is a stage or grade ("T3", "N2", "F3") or a formula ("O2").
_SYMBOL = re.compile(r"(?<![\w.-])(?=[^\s]*[A-Z])((?:[A-Za-z]{1,6}-)?[A-Za-z]{1,6}-?\d{1,3}(?:\.\d)?)(?![\w.]*\d)(?=$|[^\w.]|[-–])")
_STAGE_CATEGORY = re.compile(r"[A-Za-z]-?\d+")


def marker_symbols(query: QueryAnalysis) -> tuple[str, ...]:
    """The markers the question names by symbol in what it asks ("restricted to patients with a high
    Ki-67 score", "overexpression of CLDN18.2", "anti-PD-1 therapy"): not in the patients' history
    ("progressed on AI+CDK4/6"), not as "X-positive"/"X-negative" (who the patients are, which
    applicability reads: ``qualifiers_of``), not as a drug's or a disease's name ("COVID-19"), nor as a
    stage category."""
    text = query.text
    for start, end in reversed(had_clause_spans(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    text = re.sub(r"\banti[-–]", "anti ", text, flags=re.I)  # "anti-PD-1": the marker is PD-1
    named = " ".join(e.matched for e in (*query.conditions, *query.interventions)).lower()
    qualifying = {marker for marker, _ in qualifiers_of(query.text, query.abbreviations)}
    found = [m.group(1) for m in _SYMBOL.finditer(text)]
    return tuple(dict.fromkeys(m for m in found if not _STAGE_CATEGORY.fullmatch(m) and m.lower() not in named
                               and re.split(r"[-–]", m)[-1].lower() not in qualifying))


def _names_symbol(text: str, symbol: str) -> bool:
    """Does ``text`` name ``symbol``, hyphens aside ("Ki67" for "Ki-67")?"""
    letters = re.sub(r"[-–]", "", symbol)
    pattern = "[-–]?".join(re.escape(ch) for ch in letters)
    return bool(re.search(rf"(?<![\w]){pattern}(?![\d])", text, re.I))


NAMES_NOTHING = "The question does not say what it is about: name the condition, drug or test."


def defines(text: str, names: Sequence[str]) -> bool:
    """Does the statement open with one of ``names`` as its subject ("A heart attack happens when ...",
    "Narcolepsy (NAR-ko-lep-se) is a disorder ...")? What a definition question asks for."""
    opening = " ".join(_WORD.findall(text.lower())[:8])
    return any(re.match(rf"(?:an? |the )?{re.escape(' '.join(_WORD.findall(n.lower())))}\b", opening)
               for n in names if n)


# A thing named as one of a kind (Hearst's patterns, "Automatic acquisition of hyponyms from large text
# corpora", COLING 1992): "These antiviral medicines include acyclovir, valacyclovir, or famcyclovir",
# "topical steroids such as hydrocortisone", "Aspirin, naproxen (Aleve), and ibuprofen are examples of
# OTC NSAIDs". The kind is what the thing is. (Not "X and other Y": "the cause of ARDS, associated
# illnesses, and other factors" makes no factor of ARDS.)
_ITEM = r"[\w-]+(?:\s+[\w-]+){0,3}(?:\s*\([^()]{1,40}\))?"  # one item of a list: a few words, maybe a bracket
_ITEMS = rf"(?:{_ITEM}(?:,\s+|,?\s+(?:and|or)\s+)){{0,5}}"  # the items before it
_KIND_BEFORE = rf"\b(?:such as|include|includes|including)\s+{_ITEMS}"
_KIND_AFTER = rf"(?:\s*\([^()]{{1,40}}\))?(?:(?:,\s+|,?\s+(?:and|or)\s+){_ITEM}){{0,5}}\s+(?:is|are) (?:an? )?(?:examples?|types?|kinds?) of\b"


def names_its_kind(text: str, names: Sequence[str]) -> bool:
    """Does the statement name one of ``names`` as a member of a kind it names (``_KIND_BEFORE``,
    ``_KIND_AFTER``)? Read of drugs and tests: of a symptom, "features may include drooling" says what
    it goes with, not what it is."""
    lowered = text.lower()
    for n in names:
        name = re.escape(" ".join(_WORD.findall(n.lower())))
        if name and (re.search(rf"{_KIND_BEFORE}{name}\b", lowered) or re.search(rf"\b{name}\b{_KIND_AFTER}", lowered)):
            return True
    return False


# Advice, not a description: "should", "recommended", "most doctors will advise ...".
_ADVICE = re.compile(r"\b(?:should|must|recommends?|recommended|advis(?:e|es|ed|ing)|suggests?)\b", re.I)


def says_what_the_drug_is(text: str, names: Sequence[str]) -> bool:
    """Does the statement say what a drug or test of ``names`` is, as a definition (``says_what_it_is``)
    or as one of a kind (``names_its_kind``), without advising it? Advice to take it ("most doctors will
    advise ... an NSAID pain medication, such as ibuprofen") is said to its page's patients, though it
    names the drug's kind."""
    return not _ADVICE.search(text) and (says_what_it_is(text, names) or names_its_kind(text, names))


# The people taking a drug, named before it: "people who take", "patients taking", "those on".
_TAKERS = re.compile(r"\b(?:people|patients|persons|individuals|those|anyone|adults|children|women|men)\s+"
                     r"(?:who\s+(?:take|takes|are taking|use|uses|are using|are on)|taking|using|on)\b", re.I)
_TAKERS_REACH = 40  # letters between that wording and the drug's name ("either of these", "a combination of")


def speaks_of_its_takers(text: str, names: Sequence[str]) -> bool:
    """Does the statement speak of the people who take a drug of ``names`` ("People who take acarbose
    (Precose) ... should know")? The drug they take, not one named after another: "people taking
    tamoxifen include sertraline" speaks of those taking tamoxifen."""
    for m in _TAKERS.finditer(text):
        near = text[m.end():m.end() + _TAKERS_REACH + max(map(len, names), default=0)]
        found = [f for f in (re.search(rf"\b{re.escape(n)}\b", near, re.I) for n in names) if f]
        if found and not drugs_named(near[:min(f.start() for f in found)]):
            return True
    return False


DEFINING_OPENING_WORDS = 12  # "Acute respiratory distress syndrome (ARDS) is a ...": the name, then what it is


def says_what_it_is(text: str, names: Sequence[str]) -> bool:
    """Does the statement say what one of ``names`` is: name it in its opening words, worded as a
    definition ("Contact dermatitis is a common type of rash")? Opening with the name is not enough
    ("Chlorhexidine mouthwash should not be offered ...")."""
    opening = " ".join(_WORD.findall(text.lower())[:DEFINING_OPENING_WORDS])
    return (answers_type("definition", text) or bool(_NAMED_AS.search(text))) and any(
        re.search(rf"\b{re.escape(' '.join(_WORD.findall(n.lower())))}\b", opening) for n in names if _WORD.search(n.lower()))


# A definition that names the thing by its other names: "Stage 0 testicular cancer is testicular intraepithelial
# neoplasia (TIN), also referred to as intratubular germ cell neoplasia".
_NAMED_AS = re.compile(r"\b(?:is|are)\b[^.;]{1,120}\balso (?:referred to as|called|known as)\b", re.I)


_QUANTITY_WORDS = {"onset": "how soon", "duration": "how long", "frequency": "how often"}


def assess(query: QueryAnalysis, contexts: Sequence[str], index) -> Answerability:
    """Status and missing subjects, given each statement chosen for the answer with where it stands:
    its document's title, heading, lead-in and text, in that order, one per line."""
    if names_nothing(query):
        return Answerability("not_found", (NAMES_NOTHING,))
    found = list(subjects(query))
    gone = absent(found, index)
    shorthand = [s for s in gone if s.kind == "term" and not reads_as_name(s.asked, query.text)]
    found = [s for s in found if s not in shorthand]
    gone = [s for s in gone if s not in shorthand]
    missing = [f"No source in the corpus mentions {s.asked}." for s in gone]
    # ... nor a name the question types ("my Apple Watch") whose words no passage holds together.
    named_words = {w for s in found for n in s.names for w in _WORD.findall(n)}
    missing += [f"No source in the corpus mentions {name}." for name in proper_names(query.text)
                if not set(_WORD.findall(name.lower())) <= named_words and not mentions_phrase(name, index)]
    # A partial answer is about the asked condition without the asked drug or test: with no
    # condition left to answer about, what remains would answer another question.
    left = [s for s in found if s not in gone]
    kind = asked_quantity(query.text)
    if not contexts or (found and not left) or (gone and not any(s.kind == "condition" for s in left)):
        # With what it names in the corpus and nothing chosen, what was asked of it is what is missing.
        if kind and not contexts and left and not missing:
            missing.append(f"No statement found says {_QUANTITY_WORDS[kind]}.")
        return Answerability("not_found", tuple(missing))
    # Drugs or tests the corpus mentions elsewhere but no statement of this answer names: the answer
    # speaks of the condition, not of what was asked about it. When it names one of them, the others
    # may be the patient's history ("progressed after ipi/nivo, nivo/rela and pembrolizumab").
    # A drug the patients have had ("progressed after osimertinib") is their history, not what is asked.
    asked = [s for s in asked_interventions(query) if s in left]
    named = [s for s in asked if any(about_condition(s.names, c) for c in contexts)]
    if not named:
        missing += [f"No statement found speaks of {s.asked}." for s in asked]
    # So with the genes or proteins the patients are qualified or tested by ("CLDN18.2 testing",
    # "EGFR exon 19 deletion"): an answer naming none speaks of the disease, not of these patients.
    genes = altered_genes(query.text) | tested_genes(query.text)
    missing += [f"No statement found speaks of {g}." for g in sorted(genes)
                if not any(names_gene(c, frozenset({g}), query.abbreviations) for c in contexts)]
    # ... and the markers it names by symbol ("restricted to patients with a high Ki-67 score"): an
    # answer naming none speaks of the drug, not of whether the marker decides.
    spoken = " ".join(contexts)
    unknown = {s.asked.lower() for s in gone}  # already said: "No source in the corpus mentions sflt-1."
    missing += [f"No statement found speaks of {m}." for m in marker_symbols(query)
                if m.upper() not in genes and m.lower() not in unknown and not _names_symbol(spoken, m)]
    missing += [f"No statement found speaks of {CARE_DIFFERS_GROUPS[group]}."
                for group in sorted(_care_differs_for(query.text)) if not any(names_group(c, group) for c in contexts)]
    # "What is blepharitis?" asks what it is: an answer whose statements only mention it (a trial's list
    # of adverse events) does not say. Asked of one named condition or drug, whose names are known.
    # "What is stage 0 testicular cancer?" asks what that stage of it is.
    named_subjects = [s for s in left if s.kind != "term"]
    stage = stage_named(query.text)
    if query.question_type == "definition" and len(named_subjects) == 1:
        names = [f"{stage} {n}" for n in named_subjects[0].names] if stage else named_subjects[0].names
        if not any(says_what_it_is(c.split("\n", 3)[-1], names)
                   or (named_subjects[0].kind == "intervention" and names_its_kind(c.split("\n", 3)[-1], names))
                   for c in contexts):
            missing.append(f"No statement found says what {stage + ' ' if stage else ''}{named_subjects[0].asked} is.")
    # "Is poison ivy contagious between people?" asks whether it passes from one person to another: an
    # answer none of whose statements speaks of that ("If you spend time outdoors, chances are you have been
    # bothered by poison ivy") does not say.
    if query.question_type == "transmission" and not any(
            answers_type("transmission", c.split("\n", 3)[-1]) for c in contexts):
        conditions = [s for s in named_subjects if s.kind == "condition"]  # (not "antibiotics")
        subject = conditions[0].asked if len(conditions) == 1 else "it"
        missing.append(f"No statement found says whether {subject} passes from one person to another.")
    # "How long is the healing period ...?" asks for an amount of time: an answer stating none speaks of
    # the subject, not of what is asked of it.
    if kind and not any(states_quantity(kind, c) for c in contexts):
        missing.append(f"No statement found says {_QUANTITY_WORDS[kind]}.")
    missing = list(dict.fromkeys(missing))  # a gene the vocabulary also knows as a test ("IDH") is said once
    return Answerability("partial" if missing else "answered", tuple(missing))
