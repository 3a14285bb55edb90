"""The evidence an answer is composed from: retrieved hits, widened to whole documents and headings.

Retrieval finds passages that share words or meaning with the question. A clinical
answer needs more than those passages:

- all the recommendations of the guideline that matched, not only the ones that
  happened to repeat the question's words;
- from the current evidence summary (NCI PDQ), the whole heading about the asked
  population ("Metastatic HER2-Positive Breast Cancer", with its trials by drug).
  That layer is newer than most guidelines but rarely outranks guideline wording
  on its own, so it is looked up by heading instead of by passage score.

Every pattern here is about how clinical texts are *organised* and *worded*
("first-line", "previously treated with", "X-positive"), never about what is true.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import Stemmer

from ..query import STOP_WORDS, QueryAnalysis, drugs_named
from ..corpus.guideline_xml import population_covered
from ..types import Document, Hit, Passage
from .applicability import (
    CARE_SETTING, OUTPATIENT, about_condition, asked_facets, compatible_settings, disease_names, facets, is_under,
    named_diseases, other_population, stages,
)
from .statements import NUMBERING, split_sentences

_WORD = re.compile(r"[a-z0-9]+")
HEADING_SEPARATOR = " › "


# -- the question's concepts ------------------------------------------------------

# The Snowball (Porter 2) English stemmer: "damaged" is "damage", "permanently" is "permanent",
# "anticoagulation" is "anticoagulate" to a reader, and so to the match. A suffix list of our own
# missed these (held-out dev: gold document in the bottom line 61.5 -> 64.1% with Snowball).
_ENGLISH = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1 << 16)  # statements share most of their words: stem each once
def _stem(word: str) -> str:
    return _ENGLISH.stemWord(word)


# "GLP-1", "IL-6", "HER-2" are written with and without the hyphen: one word either way.
_LETTERS_DASH_DIGITS = re.compile(r"\b([a-z]+)-(\d+)\b")


def _words(text: str) -> list[str]:
    return _WORD.findall(_LETTERS_DASH_DIGITS.sub(r"\1\2", text.lower()))


@functools.lru_cache(maxsize=16384)  # a statement's words are weighed at each step of an answer
def stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _words(text))


# Question wording that says little about what is asked ("the recommended treatment approach",
# "how is it treated"): words starting so weigh GENERIC_WEIGHT.
GENERIC_WEIGHT = 0.3
_GENERIC_ROOTS = ("patient", "recommend", "treat", "approach", "manag", "therap", "option", "best")


class Concepts(Mapping[str, float]):
    """The question's stemmed words with weights, and the other names it calls them by.

    A statement that says "valproate" answers a question about "Depakote", and one that says
    "community-acquired pneumonia" a question about "CAP": ``aliases`` maps the words of each
    other name of a drug, condition or abbreviation to the question's own words it stands for,
    so that a statement naming it matches as fully as one repeating the question's word.
    """

    def __init__(self, weights: Mapping[str, float],
                 aliases: Sequence[tuple[frozenset[str], frozenset[str]]] = (),
                 ordinary: frozenset[str] = frozenset()) -> None:
        self._weights = dict(weights)
        # Question words meant as words that the corpus also writes as acronyms of something else:
        # "ice" is not matched by "ICE" (a chemotherapy regimen), nor "fish oil" by "FISH" testing.
        self.ordinary = ordinary & self._weights.keys()
        self.aliases = tuple(dict.fromkeys((words, stands) for words, stands in aliases
                                           if words and stands & self._weights.keys()))
        # Each alias filed under one of its words: a statement is checked only against the
        # aliases it could contain.
        self._by_word: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = {}
        for words, stands in self.aliases:
            self._by_word.setdefault(min(words), []).append((words, stands))

    def __getitem__(self, word: str) -> float:
        return self._weights[word]

    def __iter__(self):
        return iter(self._weights)

    def __len__(self) -> int:
        return len(self._weights)

    def only(self, words: Iterable[str]) -> Concepts:
        """These concepts restricted to ``words`` (the aliases that stand for them kept)."""
        keep = set(words)
        return Concepts({w: x for w, x in self._weights.items() if w in keep}, self.aliases, self.ordinary)

    def found_in(self, text: str) -> set[str]:
        """The concepts ``text`` names, by the question's word or by another name of it."""
        words = stems(text)
        if words & self.ordinary:
            words -= {w for w in words & self.ordinary if not _written_as_word(text, w)}
        named = [stands for w in words & self._by_word.keys() for other, stands in self._by_word[w] if other <= words]
        return words.union(*named) & self._weights.keys()


_LETTERS = re.compile(r"[A-Za-z]+")


def _written_as_word(text: str, stem: str) -> bool:
    """Does ``text`` write a word of this stem other than as an acronym (in capitals, on a line
    that is not all capitals itself, as a heading may be)?"""
    for m in _LETTERS.finditer(text):
        word = m.group()
        if _stem(word.lower()) != stem:
            continue
        if not word.isupper():
            return True
        start, end = text.rfind("\n", 0, m.start()) + 1, text.find("\n", m.end())
        if not any(c.islower() for c in text[start : end if end >= 0 else len(text)]):
            return True
    return False


# Stems of the words clinical text names a disease that came back with, one for another.
COURSE_SYNONYMS = frozenset({"relaps", "recurr", "recur"})


# Vocabulary names usable as aliases: plain words, not inverted index forms ("cancer, breast"),
# chemical names or foreign spellings.
_DERIVED_ADJECTIVE_LETTERS = 7  # "curable", "treatable": shorter ones make no base word ("stable", "table")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 '-]*")
_ALIAS_MAX_WORDS = 4


def concept_weights(analysis: QueryAnalysis, homographs: frozenset[str] = frozenset()) -> Concepts:
    """Stemmed question words with weights: condition and intervention words count double.

    Another name of a named drug or condition (its generic or brand name, a synonym) and the long
    form of an abbreviation are aliases of the question's words, not concepts of their own; other
    search expansions count half. ``homographs`` are the words the corpus mostly writes as words and
    sometimes as acronyms (``Index.homographs``): typed not in capitals and not read as an
    abbreviation, the question means the word, and an acronym does not match it.
    """
    weights = {_stem(t): 1.0 for term in analysis.terms for t in _words(term)
               if t not in STOP_WORDS and (len(t) > 1 or t.isdigit())}
    for entity in (*analysis.conditions, *analysis.interventions):
        for t in _words(entity.matched):
            weights[_stem(t)] = 2.0
    aliases: list[tuple[frozenset[str], frozenset[str]]] = []
    for entity in (*analysis.conditions, *analysis.interventions):
        own = frozenset(stems(entity.matched))
        # Every word of the other name must be there: "brain tumors" names brain metastases, "tumors" does not.
        aliases += [(frozenset(stems(name)), own) for name in (entity.name, *entity.synonyms)
                    if _PLAIN_NAME.fullmatch(name) and len(name.split()) <= _ALIAS_MAX_WORDS
                    and not stems(name) <= own]
    for short, long in analysis.abbreviations:
        aliases.append((frozenset(stems(long)), frozenset(stems(short))))
        # "HER2 (human epidermal growth factor receptor 2)": the long form names the short form's
        # concept; its words on their own ("growth factor") are not what is asked.
        if stems(short) & weights.keys():
            for word in stems(long) - stems(short):
                weights.pop(word, None)
    for other, short in analysis.short_forms:  # "AF" names the "afib" asked about
        aliases.append((frozenset(stems(other)), frozenset(stems(short))))
    # Clinical text names a disease that came back in either word: a question's "relapsed" is a
    # summary's "recurrent" (stems: "relaps", "recurr", "recur").
    for own in COURSE_SYNONYMS & weights.keys():
        aliases += [(frozenset({other}), frozenset({own})) for other in COURSE_SYNONYMS - {own}]
    # "Is it curable?" is answered by what "may offer a cure": an adjective in "-able" / "-ible" is named
    # by the verb or noun it is made from (English word formation: "treatable", "preventable", "reversible").
    for term in analysis.terms:
        for t in _words(term):
            if len(t) >= _DERIVED_ADJECTIVE_LETTERS and t.endswith(("able", "ible")) and _stem(t) in weights:
                aliases += [(frozenset({_stem(base)}), frozenset({_stem(t)})) for base in (t[:-4], t[:-4] + "e")
                            if _stem(base) != _stem(t) and base not in STOP_WORDS]
    aliased = {w for words, _ in aliases for w in words}
    for phrase in analysis.expansions:
        for t in _words(phrase):
            if _stem(t) not in aliased:
                weights.setdefault(_stem(t), 0.5)
    for word in weights:
        if word.startswith(_GENERIC_ROOTS):  # "treated" as "treatment", "therapies" as "therapy"
            weights[word] = GENERIC_WEIGHT
    shorts = {short.lower() for short, _ in analysis.abbreviations}
    ordinary = frozenset(_stem(w.lower()) for w in _LETTERS.findall(analysis.text)
                         if not w.isupper() and w.lower() in homographs and w.lower() not in shorts)
    return Concepts(weights, aliases, ordinary)


def relevance(text: str, concepts: Concepts) -> float:
    """0..1: the weighted share of the question's concepts that ``text`` contains."""
    found = concepts.found_in(text)
    total = sum(concepts.values()) or 1.0
    return sum(w for c, w in concepts.items() if c in found) / total


# "HER2-positive", "ER negative", and "HER2 (Human Epidermal growth factor Receptor 2) positive".
_QUALIFIED = re.compile(r"\b([A-Za-z0-9]+)(?:\s*\([^()]{1,80}\))?[\s–-]+(positive|negative|overexpressing|overexpressed)\b",
                        re.I)
# A marker overexpressed is positive for it: "HER2-overexpressing breast cancer" is HER2-positive.
_POLARITY = {"positive": "positive", "negative": "negative", "overexpressing": "positive", "overexpressed": "positive"}
# The signed shorthand of the same: "HER2+", "HR+/HER2-", "ER−". The marker is written as a symbol
# (capitals, or letters with a digit: "her2+"), so that "first- and second-line" names no marker;
# a minus counts only where no word follows it ("HER2-low" is a category of its own).
_SIGNED = re.compile(r"(?<![\w+-])([A-Z][A-Z0-9]{1,9}|[A-Za-z]+\d[A-Za-z0-9]*)(\+|[-−–](?![\w-]))")
_SIGN = {"+": "positive", "-": "negative", "−": "negative", "–": "negative"}
# The same in words: "high expression of PD-L1" is PD-L1-positive, "no expression of ..." negative
# (the marker as ``_QUALIFIED`` reads it: its last part, "L1" of "PD-L1").
_EXPRESSED = re.compile(r"\b(high|positive|no|negative)\s+(?:levels?\s+of\s+)?expression\s+of\s+(?:the\s+)?"
                        r"(?:[A-Za-z0-9]+-)*([A-Za-z0-9]+)\b", re.I)
_EXPRESSED_POLARITY = {"high": "positive", "positive": "positive", "no": "negative", "negative": "negative"}


@functools.lru_cache(maxsize=4096)  # the question's own, asked once per candidate statement
def _qualifiers(text: str, abbreviations: tuple[tuple[str, str], ...] = ()) -> frozenset[tuple[str, str]]:
    # "human epidermal growth factor receptor 2-negative" is "HER2-negative": long forms the
    # question defined are read as their abbreviation first.
    for short, long in abbreviations:
        text = re.sub(re.escape(long), short, text, flags=re.I)
    found = set()
    for m in _QUALIFIED.finditer(text):
        marker = m.group(1).lower()
        if marker in _ALTERATIONS:  # "RET rearrangement-positive": the marker is the gene, not the kind of change
            gene = _GENE_BEFORE.search(text, 0, m.start())
            marker = gene.group(1).lower() if gene else marker
        found.add((marker, _POLARITY[m.group(2).lower()]))
    found |= {(m.group(1).lower(), _SIGN[m.group(2)]) for m in _SIGNED.finditer(text)}
    found |= {(m.group(2).lower(), _EXPRESSED_POLARITY[m.group(1).lower()]) for m in _EXPRESSED.finditer(text)}
    if ("triple", "negative") in found:
        found |= {(marker, "negative") for marker in _TRIPLE_NEGATIVE}
    return frozenset(found)


# Triple-negative breast cancer: "the cancer cells do not have estrogen receptors, progesterone receptors,
# or large amounts of HER2/neu protein" (cancer.gov): negative for each, as the corpus abbreviates them.
_TRIPLE_NEGATIVE = ("er", "pr", "her2", "hr")


# Kinds of genetic change a question qualifies its patients by ("EGFR mutation-positive"), and the
# gene symbol written before one (upper case, as the corpus writes genes: RET, ROS1, EGFR).
_ALTERATIONS = frozenset({"mutation", "mutations", "mutated", "rearrangement", "rearranged", "fusion", "fusions",
                          "variant", "variants", "alteration", "alterations", "amplification", "amplified",
                          "translocation", "expression"})
_GENE_BEFORE = re.compile(r"\b([A-Z][A-Z0-9]{1,7})\s+(?:gene\s+)?$")


def qualifiers_of(text: str, abbreviations: Sequence[tuple[str, str]] = ()) -> frozenset[tuple[str, str]]:
    """The ("her2", "positive") markers ``text`` qualifies its patients with."""
    return _qualifiers(text, tuple(abbreviations))


def contradicts_qualifier(question: str, statement: str, abbreviations: Sequence[tuple[str, str]] = ()) -> bool:
    """True when the question asks about "X-positive" and the statement only speaks of
    "X-negative" (or the reverse): true to its source, but about other patients."""
    said = _qualifiers(statement, tuple(abbreviations))
    for marker, polarity in _qualifiers(question, tuple(abbreviations)):
        other = "negative" if polarity == "positive" else "positive"
        if (marker, other) in said and (marker, polarity) not in said:
            return True
    return False


# A marker's level as a share of cells, and the levels a statement restricts its patients to: a
# question's "PD-L1 expression 32%" or "TPS of 0" is no patient of "PD-L1 (>50% by
# immunohistochemistry)" or "TPS ≥50%". Markers are symbols as the corpus writes them (PD-L1, TPS,
# CPS, Ki-67); levels are read within ``_LEVEL_REACH`` characters after one.
_LEVEL_MARKER = re.compile(r"\b([A-Z][A-Za-z]?[A-Z0-9]*(?:-[A-Z0-9]+)?)\b")
_LEVEL_REACH = 60
# A level is its marker's within the marker's clause: "NSCLC and PD-L1 TPS ≥50%" gives NSCLC none.
_CLAUSE_END = re.compile(
    r"\s(?:and|or(?! (?:more|greater|higher|above)\b)|with|whose|who|which|that|in|for|but)\s|[,;]|\.\s")
_NUMBER = r"(\d{1,3}(?:\.\d+)?)"
_LEVELS = (  # (pattern, interval from its numbers), the more specific first
    (re.compile(rf"{_NUMBER}\s*%?\s*(?:-|–|to)\s*{_NUMBER}\s*%"), lambda a, b: (a, b)),
    (re.compile(rf"(?:≥|>=|at least|of at least|no less than)\s*{_NUMBER}\s*%"), lambda a: (a, 100.0)),
    (re.compile(rf"(?:>|greater than|more than|above|over)\s*{_NUMBER}\s*%"), lambda a: (a + 1e-6, 100.0)),
    (re.compile(rf"{_NUMBER}\s*%\s*or (?:more|greater|higher|above)"), lambda a: (a, 100.0)),
    (re.compile(rf"(?:≤|<=|at most|no more than)\s*{_NUMBER}\s*%"), lambda a: (0.0, a)),
    (re.compile(rf"(?:<|less than|below|under)\s*{_NUMBER}\s*%"), lambda a: (0.0, a - 1e-6)),
)
_ASKED_LEVEL = re.compile(rf"(?:\bof\s+|[=:]\s*|\s)(?<![\d.]){_NUMBER}\s*%?(?![\d.])")


@functools.lru_cache(maxsize=1024)  # the question's own, asked once per candidate statement
def _asked_levels(question: str) -> dict[str, list[tuple[float, float]]]:
    return _marker_levels(question, asked=True)


def _marker_levels(text: str, asked: bool) -> dict[str, list[tuple[float, float]]]:
    """Marker symbol -> the level intervals ``text`` gives it; for a question (``asked``) also a bare
    level ("PD-L1 expression 32%"), as the interval of that one value."""
    found: dict[str, list[tuple[float, float]]] = {}
    for marker in _LEVEL_MARKER.finditer(text):
        if not any(c.isupper() for c in marker.group(1)[1:]) and not any(c.isdigit() for c in marker.group(1)):
            continue  # a capitalised word, not a symbol
        window = _CLAUSE_END.split(text[marker.end():marker.end() + _LEVEL_REACH], 1)[0]
        for pattern, interval in _LEVELS:
            if m := pattern.search(window):
                found.setdefault(marker.group(1).upper(), []).append(interval(*map(float, m.groups())))
                break
        else:
            if asked and (m := _ASKED_LEVEL.match(window) or _ASKED_LEVEL.search(window[:20])):
                value = float(m.group(1))
                found.setdefault(marker.group(1).upper(), []).append((value, value))
    return found


def contradicts_marker_level(question: str, statement: str) -> bool:
    """True when the question gives a marker's level and the statement restricts its patients to
    levels of that marker that exclude it ("TPS of 0" against "TPS ≥50%")."""
    if "%" not in statement:
        return False  # every level a statement restricts to is a percentage: most statements give none
    asked = _asked_levels(question)
    if not asked:
        return False
    said = _marker_levels(statement, asked=False)
    for marker, levels in asked.items():
        ranges = said.get(marker)
        if ranges and not any(lo <= hi_q and lo_q <= hi for lo_q, hi_q in levels for lo, hi in ranges):
            return True
    return False


# A gene named with the kind of change the patients' tumours carry: "EGFR exon 19 deletion", "ALK
# rearrangements", "KRAS G12C-mutated", "MET exon 14-skipping", "mutations in BRCA1". Genes are
# symbols as the corpus writes them (capitals and digits); the change words are general English.
_GENE = r"[A-Z][A-Z0-9]{1,7}"
_CHANGE = (r"(?:mutations?|mutated|mutant|rearrangements?|rearranged|fusions?|variants?|alterations?|aberrations?|amplifications?"
           r"|amplified|translocations?|deletions?|insertions?|skipping)")
# A change in a protein ("V600E", "T790M", "G12C") is written after its gene's symbol, never instead of it.
_PROTEIN_CHANGE = r"[A-Z]\d{2,4}[A-Z]?"
_PROTEIN_CHANGES = rf"{_PROTEIN_CHANGE}(?:(?:,\s*|,?\s+(?:and|or)\s+|/){_PROTEIN_CHANGE})*"  # "V600E or V600K"
_GENES = rf"{_GENE}(?:/\d)?(?:(?:,\s*|,?\s+(?:and|or)\s+|/){_GENE})*"  # "BRCA1 and BRCA2", "EGFR or ALK"
_ALTERED_GENE = re.compile(
    rf"\b({_GENES})(?:\s+genes?)?(?:\s+(?:exon\s+\d+|{_PROTEIN_CHANGES}))*"
    rf"[\s–-]+(?:(?!and\b|or\b)[a-z]+[\s–-]+)?"
    rf"{_CHANGE}\b|\b{_CHANGE}\s+(?:in|of)\s+(?:the\s+|a\s+)?(?:genes?\s+(?:called\s+|named\s+)?)?({_GENES})\b")
_SYMBOL = re.compile(_GENE)
# "without EGFR or ALK alterations", "lacks MET amplification": patients who do not carry the change.
_WITHOUT = re.compile(r"\b(?:no|not|without|lacks?|lacking|absence of|negative for)\s+(?:[\w-]+\s+){0,2}$", re.I)


# "regardless of BRCA mutation status", "with or without EGFR mutations": patients either way.
# ... or only some of them ("who have received a PD-1 blocking antibody and, if BRAF V600 variant–positive,
# a BRAF inhibitor"): a condition on what else they had, not who the patients are.
_EITHER = re.compile(r"\b(?:regardless of|irrespective of|independent of|independently of|with or without|whether or not|if)"
                     r"\s+(?:[\w-]+\s+){0,3}$", re.I)
_STATUS = re.compile(r"[\s-]+status\b", re.I)
# "BRCA wild-type", "wild-type KRAS": patients whose gene carries no change.
_WILD_TYPE = re.compile(rf"\b({_GENES})[\s–-]+wild[\s–-]?type\b|\bwild[\s–-]?type\s+({_GENES})\b")


# A gene or protein the question asks to test for: "CLDN18.2 testing", "HER2 testing criteria",
# "testing for ESR1", "PD-L1 expression". Only symbols with a digit, as genes and their proteins are
# numbered: "HIV test" and "PSA testing" name a test, not the patients' tumour.
_MARKER = r"[A-Z][A-Z0-9]{1,7}(?:-[A-Z0-9]{1,4})?"
_TESTED_GENE = re.compile(rf"\b({_MARKER}(?:\.\d+)?)[\s–-]+(?:testing|tests?|tested|status|expression|assays?|IHC)\b"
                          rf"|\b(?:testing|tests?|tested|assays?)\s+(?:for\s+)?(?:the\s+|an?\s+)?({_MARKER})\b")


def positive_genes(text: str, abbreviations: Sequence[tuple[str, str]] = ()) -> frozenset[str]:
    """The genes ``text`` qualifies its patients as positive for, written as gene symbols with a digit
    ("ROS1-positive NSCLC" -> {"ROS1"}, as ``tested_genes``): the patients carry that gene's change or
    product. A receptor ("HER2-positive", "ER-positive": the long form ``abbreviations`` give names a
    receptor) is expressed, a marker of its own, and not among them."""
    receptors = {short.lower() for short, long in abbreviations if re.search(r"\breceptors?\b", long, re.I)}
    return frozenset(m.upper() for m, sign in qualifiers_of(text, abbreviations)
                     if sign == "positive" and len(m) >= 3 and any(ch.isdigit() for ch in m)
                     and any(ch.isalpha() for ch in m) and m not in receptors)


def tested_genes(text: str) -> frozenset[str]:
    """The genes or proteins ``text`` speaks of testing for ("Should CLDN18.2 testing be performed" -> {"CLDN18.2"})."""
    named = (m.group(1) or m.group(2) for m in _TESTED_GENE.finditer(text))
    return frozenset(g for g in named if any(ch.isdigit() for ch in g))


def altered_genes(text: str, *, carried: bool = True, definite: bool = False) -> frozenset[str]:
    """The genes whose changes ``text`` says its patients carry ("EGFR exon 19 deletion" -> {"EGFR"}),
    or with ``carried=False`` the ones it says they do not ("without EGFR or ALK alterations",
    "BRCA wild-type"). ``definite``: not where it speaks of patients either way ("regardless of
    BRCA mutation status"), which a question asking about a gene may ("EGFR mutation status")."""
    found = {g for m in _ALTERED_GENE.finditer(text)
             if not (definite and (_EITHER.search(text, max(m.start() - 40, 0), m.start()) or _STATUS.match(text, m.end())))
             and bool(_WITHOUT.search(text, max(m.start() - 40, 0), m.start())) != carried
             for g in _SYMBOL.findall(m.group(1) or m.group(2))}
    if not carried:
        found |= {g for m in _WILD_TYPE.finditer(text) for g in _SYMBOL.findall(m.group(1) or m.group(2))}
    return frozenset(found)


# Whom a statement speaks of, named by their disease: "People with Crohn's disease should avoid
# ibuprofen", "Some people with cancer stop getting pain relief from opioids".
_OWN_PATIENTS = re.compile(
    r"\b(?:people|persons|patients|adults|children|kids|women|men|those|individuals|anyone|someone)\s+"
    r"(?:with|who (?:have|has|had))\s+(?!no\b|not\b|without\b)([^,.;:()\n]{3,80})", re.I)
# Words any disease's name may hold: sharing one says nothing about being the same disease.
_DISEASE_WORDS = frozenset(_stem(w) for w in ("disease", "disorder", "syndrome", "condition", "infection"))


def about_other_patients(statement: str, question: str, vocabulary) -> bool:
    """Does the statement's first sentence speak of patients with a disease the question does not name?
    "Some people with cancer stop getting pain relief from opioids" is about people with cancer, not
    about whoever asks "can I keep taking cystex for pain relief?". The words naming them run to the
    last disease named ("dementia with agitation or psychosis"); one of them in the question, and they
    are its patients. Asked of a question naming no condition: one that names one is matched to it
    otherwise (``about_condition``). ``question``: with its abbreviations' long forms."""
    spans = split_sentences(statement)
    first = statement[slice(*spans[0])] if spans else statement
    asked = stems(question)
    for m in _OWN_PATIENTS.finditer(first):
        phrase = m.group(1)
        names = disease_names(phrase, vocabulary)
        if not names:
            continue
        naming = phrase[: max(phrase.lower().rfind(n.lower()) + len(n) for n in names)]
        if not (stems(naming) - _DISEASE_WORDS - STOP_WORDS) & asked:
            return True
    return False


def page_about_other_patients(title: str, question: str, vocabulary, asked: Iterable[str] = (),
                              population: Iterable[str] = ()) -> bool:
    """Is a document titled ``title`` a page about patients with a disease the question does not name:
    its title names a disease, and the question none of that disease's words, nor a kind of it
    (``asked``: the MeSH tree numbers of the question's conditions) ("Diabetic Neuropathies" or
    "Diarrhea and Cancer Treatment" to "is there a medication to reduce my sweating?", not "Cold
    Sores" to "can mouth sores appear on the chin?", nor "Eye Infections" to a question on styes).
    ``question``: with its abbreviations' long forms. ``population``: whom the page's source says it is
    for ("Patients who need central venous access"): patients having a procedure the question does not
    name are others too, as are patients in a care setting the question's are not in
    (``in_other_setting``, read from the title and the population)."""
    asked_words, asked = stems(question), tuple(asked)
    # A question naming a sign or symptom (MeSH's C23: "weight gain", "runny nose") asks of what
    # patients with any disease may have: a title's signs and symptoms ("Overweight and Obesity") are
    # what its patients share with the asker, and only the title's other diseases make them others;
    # unless the question names one that MeSH files as a disease too ("atrial fibrillation", under
    # arrhythmias and C23): a page on preventing stroke in it is about the asker's disease.
    shared = any(is_under(a, SIGNS_AND_SYMPTOMS) for a in asked)
    named = []
    diseases = named_diseases(title, vocabulary)
    for name, trees in diseases:
        # The disease's words only: a title's other words are as often a symptom the page's patients
        # share with anyone ("Pain and Cancer", "Edema (Swelling) and Cancer Treatment"); a title
        # naming only a kind of disease in general ("Infections") names none in particular.
        words = stems(name) - _DISEASE_WORDS - STOP_WORDS
        if not words:
            continue
        # A disease named with a word that only places it ("Oral lichen planus", "Breast Cancer") is
        # named by the disease it is a kind of, not by that word: "will the medication be oral?"
        # names no lichen planus, "breast pain" no cancer.
        kinds = [k for other, _ in diseases if other != name
                 for k in [stems(other) - _DISEASE_WORDS - STOP_WORDS] if k and k < stems(name)]
        if kinds:
            words = frozenset().union(*kinds)
        asked_for = bool(words & asked_words) or any(is_under(a, t) for a in asked for t in trees) \
            or _named_otherwise(name, asked_words, vocabulary)
        symptom = [is_under(t, SIGNS_AND_SYMPTOMS) for t in trees]
        if shared and any(symptom) and not (asked_for and not all(symptom)):
            continue
        named.append(asked_for)
    named += _procedures_named(population, asked_words)
    return (bool(named) and not any(named)) or in_other_setting(" ".join([title, *population]), question)


# A population restricted by what is done to them: "Patients who need central venous access", "Patients
# undergoing elective colorectal surgery", "Children ... receiving an injection". The words naming it
# run to the next clause.
_BY_PROCEDURE = re.compile(
    r"\b(?:undergoing|requiring|receiving|in need of|scheduled for|referred for|candidates for|"
    r"(?:who|that) (?:are |will )?(?:need|needs|require|requires|receive|receives|undergo|undergoes|undergoing|"
    r"receiving)|who (?:have|has) (?:undergone|received))\s+(?:an? |the )?([^,.;:()\n]{3,60}?)"
    r"(?=\s+(?:for|to|in|with|who|that|and|or|after|before|during|at)\b|[,.;:()\n]|$)", re.I)


def _procedures_named(population: Iterable[str], asked_words: frozenset[str]) -> list[bool]:
    """For each procedure a page's population is restricted to ("Patients who need central venous
    access"), does the question name any word of it?"""
    named = []
    for m in _BY_PROCEDURE.finditer(" ".join(population)):
        words = stems(m.group(1)) - STOP_WORDS
        if words:
            named.append(bool(words & asked_words))
    return named


def in_other_setting(page: str, question: str) -> bool:
    """Is a page (its title and population) about patients in a care setting the question's are not
    in: one naming a setting, none compatible with the page's ("intensive care" for outpatients); or,
    naming none, one whose page names hospital settings only. One asking of their own, naming no
    setting, is not in hospital; a page naming outpatients among others may be theirs."""
    settings = facets(page, anchors=frozenset()).values[CARE_SETTING]
    if not settings:
        return False
    asked = asked_facets(question).values[CARE_SETTING]
    if asked:
        return not settings & frozenset().union(*(compatible_settings(v) for v in asked))
    return not settings & compatible_settings(OUTPATIENT)


def page_subject(document: Document) -> str:
    """Whom a document is about, in its own words: its title, and the conditions its source lists
    for it (``meta["conditions"]``). A guideline titled "Aortic valve and ascending aorta guidelines
    for management and quality measures" names no disease; its conditions, "Aortic stenosis" and
    "Aortic regurgitation", say its patients have one."""
    return "; ".join([document.title, *document.meta.get("conditions", ())])


def page_population(document: Document) -> tuple[str, ...]:
    """Whom a document's source says it is for (``meta["target_population"]``, without the people its
    notes leave out): "Patients who need central venous access"; empty when the source does not say."""
    return population_covered(document.meta.get("target_population", ()))


def _named_otherwise(name: str, asked_words: frozenset[str], vocabulary) -> bool:
    """Does the question name the disease by another of its names in the vocabulary, every word of it
    ("itch" for the "Pruritus" of a title: its synonyms are "pruritis" and "itching"; not "iris" for
    "Intraocular (Uveal) Melanoma", one of whose names is "iris melanoma")?"""
    for canonical in vocabulary.canonicals("disease", name.lower()):
        for synonym in vocabulary.entry("disease", canonical).get("synonyms", ()):
            words = stems(synonym) - _DISEASE_WORDS - STOP_WORDS
            if words and words <= asked_words:
                return True
    return False


# MeSH's "Pathological Conditions, Signs and Symptoms": what a patient with any disease may have.
SIGNS_AND_SYMPTOMS = "C23"


def contradicts_alteration(question: str, statement: str, heading: str = "", title: str = "") -> bool:
    """True when the question's patients carry a change in one gene ("EGFR-mutated NSCLC") and the
    statement speaks only of changes in others ("... and ALK rearrangements, first-line crizotinib"),
    or of patients without the asked one ("no sensitizing EGFR variants"), or only of a change the
    question says its patients lack ("does not have BRAF mutation"), or, naming none, stands under a
    heading or in a document (``title``) that does ("... (for patients with ALK translocations)";
    "Olaparib for maintenance treatment of ... BRCA mutation-positive ovarian ... cancer"): other patients."""
    asked, lacking = altered_genes(question), altered_genes(question, carried=False) | _markers_ruled_out(question)
    further = bool(_NO_FURTHER_CHANGE.search(question))
    if not asked and not lacking and not further:
        return False
    if _within(asked, altered_genes(statement, carried=False, definite=True)):
        return True
    said = altered_genes(statement, definite=True) or altered_genes(heading, definite=True) \
        or altered_genes(title, definite=True)
    # "without targetable alterations": a change the question does not name is another patient's
    # ("... and the presence of the T790M resistance mutation" for EGFR-mutated NSCLC without them)
    if further and any(not _within({g}, asked) for g in said):
        return True
    # "does not have a BRAF mutation": a treatment for BRAF-mutated disease is for other patients, as
    # is one for "BRCA-positive patients" when the question's have no BRCA mutation
    carriers = said | _carriers_named(statement, lacking) if lacking else said
    return bool((said and asked and not _within(said, asked))
                or (lacking and carriers and all(_within({g}, lacking) for g in carriers)))


# "... ovarian cancer without BRCA-mutation or HRD-positivity": the markers after "without", up to where the
# question goes on.
_WITHOUT_PHRASE = re.compile(r"\bwithout\s+([^?.,;:!()]{2,60})", re.I)
_PHRASE_ENDS = re.compile(r"\s(?:who|that|which|what|how|when|should|is|are|in|for|after|before)\s", re.I)
# A marker named otherwise than of its carriers: testing for it, its status, patients either way or without it,
# or a drug aimed at it ("a BRAF inhibitor").
_NOT_CARRIED_AFTER = re.compile(r"[\s–-]+(?:wild[\s–-]?type|negative|status|testing|tests?|proficient|inhibit\w*"
                                r"|antagonists?|blockers?|blockade|targeted|directed|antibod\w*)\b", re.I)


def _markers_ruled_out(question: str) -> frozenset[str]:
    """The markers (gene symbols and the like) the question says its patients do not have ("HRD")."""
    return frozenset(g for m in _WITHOUT_PHRASE.finditer(question)
                     for g in _SYMBOL.findall(_PHRASE_ENDS.split(m.group(1), maxsplit=1)[0]))


def _carriers_named(text: str, markers: frozenset[str]) -> set[str]:
    """The ``markers`` (or their numbered kinds) ``text`` names as its patients' ("BRCA-positive patients",
    "PARP inhibitors in HRD ovarian cancers"), not as something they lack, are tested for, or either way."""
    families = {m.rstrip("0123456789") or m for m in markers}
    found = set()
    for m in re.finditer(r"\b(" + "|".join(map(re.escape, sorted(families))) + r")\d*(?:/\d)?\b", text):
        before = text[max(m.start() - 40, 0):m.start()]
        if _WITHOUT.search(before) or _EITHER.search(before) or _NOT_CARRIED_AFTER.match(text, m.end()):
            continue
        found.add(m.group(1))
    return found


# "without targetable alterations", "no other driver mutations": the patients carry no change but the
# ones the question names.
_NO_FURTHER_CHANGE = re.compile(
    rf"\b(?:without|no|lacking|absence of)\s+(?:(?:other|further|additional|known|targetable|actionable|driver"
    rf"|oncogenic|genomic|molecular)\s+)*{_CHANGE}\b", re.I)


def _within(genes: Iterable[str], named: frozenset[str]) -> bool:
    """Is one of ``genes`` among ``named``, or of a family ``named`` names without its number
    ("BRCA1" within "BRCA wild-type"; "IDH2" not within "IDH1")?"""
    families = {n for n in named if not n[-1].isdigit()}
    return any(g in named or g.rstrip("0123456789") in families for g in genes)


# What the patients have already had: "progressed after osimertinib", "refractory to fulvestrant",
# "after progression on crizotinib". The drugs named up to the end of that clause ("... and is
# starting fulvestrant" is not had).
_HAD = re.compile(
    r"\b(?:(?:progress(?:ed|es|ion|ing)?|relapsed?|recurred|failed|failure|resistan(?:t|ce)|refractory|intoleran(?:t|ce))"
    r"\s+(?:on|after|following|during|while on|to|of)|previously (?:been )?(?:treated|received)|pretreated"
    r"|(?:has|have|had)(?: since| already| previously)? (?:received|been treated with|been on)"
    r"|after (?:prior|previous|finishing|completing|completion of))\s", re.I)
_HAD_END = re.compile(r"[,;.?!()]|\s(?:who|which|but|and (?:is|are|has|have|was|now|then|she|he|they|does|do|did))\s",
                      re.I)
# After a comma or an opening parenthesis the clause goes on while what follows is one more item of
# its list ("ipilimumab, nivolumab, and pembrolizumab", "two chemotherapies (capecitabine then
# eribulin)"): a drug named before the next comma, not a clause of its own ("and does not have ...").
_LIST_ITEM_END = re.compile(r"[,;.?!)]")
_NEW_CLAUSE = re.compile(r"\s*(?:and |or |but )?(?:is|are|has|have|had|was|were|does|do|did|now|then|she|he|they"
                         r"|who|which|what|how|when|where|why|should|shall|can|could|would|will|may|might|must"
                         r"|with|without|not|no)\b", re.I)
# "osimertinib-resistant", "crizotinib-refractory": a drug the statement's own patients have had.
_HAD_SUFFIX = re.compile(r"\b([\w-]+)[\s-](?:resistant|refractory|pretreated|exposed|experienced|failed)\b", re.I)


_LIST_JOINERS = frozenset({"and", "or", "then", "plus", "with", "followed", "by"})
_ITEM_OTHER_WORDS = 2  # besides drug names and joiners: "two prior lines of ..." is a clause, not an item


def _list_item(text: str) -> bool:
    """Is ``text`` one more item of a list of drugs ("and pembrolizumab", "capecitabine then eribulin"),
    not a clause that names one ("clinicians should recommend osimertinib")?"""
    drugs = drugs_named(text)
    if not drugs:
        return False
    named = {w for d in drugs for w in _WORD.findall(d.lower())}
    other = [w for w in _WORD.findall(text.lower()) if w not in named and w not in _LIST_JOINERS]
    return len(other) <= _ITEM_OTHER_WORDS


def _had_clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of ``text`` that says what its patients have had."""
    clauses = []
    for m in _HAD.finditer(text):
        end = _HAD_END.search(text, m.end())
        while end and end.group() in ",(":
            item = _LIST_ITEM_END.search(text, end.end())
            stop = item.start() if item else len(text)
            if _NEW_CLAUSE.match(text, end.end()) or not _list_item(text[end.end(): stop]):
                break
            end = _HAD_END.search(text, stop + (1 if item and item.group() == ")" else 0))
        clauses.append((m.end(), end.start() if end else len(text)))
    return clauses


@functools.lru_cache(maxsize=2048)  # asked of the same question for every candidate statement
def had_drugs(text: str) -> frozenset[str]:
    """The drugs (vocabulary names, as ``query.drugs_named``) ``text`` says its patients have had."""
    had: set[str] = set()
    for start, end in _had_clauses(text):
        had |= drugs_named(text[start:end])
    for m in _HAD_SUFFIX.finditer(text):
        had |= drugs_named(m.group(1))
    return frozenset(had)


# Words that set two drugs of a question apart, as alternatives or in sequence ("osimertinib or
# gefitinib", "X versus Y", "after X"), not as one regimen.
_APART = re.compile(r"\b(?:or|vs|versus|compared|than|over|instead|rather|after|following|before|then|switch\w*)\b", re.I)


# ... and words that join them into one ("atezolizumab plus bevacizumab"). ("With" and "and" also join
# what is compared or asked of each: "naloxone with opioids", "tamoxifen and raloxifene".)
_JOINED = re.compile(r"\bplus\b|\b(?:in combination|combined|together) with\b|\w\s?\+\s?\w", re.I)


@functools.lru_cache(maxsize=256)
def asked_regimen(question: str) -> frozenset[str]:
    """The drugs the question asks about together, as one regimen ("atezolizumab plus bevacizumab and
    chemotherapy"): two or more named, joined as one, with no word setting them apart; not drugs its
    patients had."""
    had = had_drugs(question)
    for piece in _APART.split(question):
        drugs = drugs_named(piece) - had
        if len(drugs) >= 2 and _JOINED.search(piece):
            return frozenset(drugs)
    return frozenset()


def regimen_reach(regimen: frozenset[str], heading: str, statement: str) -> str:
    """How a statement stands to the asked ``regimen``: "whole" when it or the heading it stands under
    (a summary's heading names the regimen its evidence is about: "Atezolizumab plus bevacizumab plus
    chemotherapy") names every drug of it; "other" when the heading names a regimen lacking one of them
    ("Atezolizumab plus chemotherapy": another trial's regimen), unless the statement names it; else "part"."""
    named = drugs_named(heading)
    said = named | drugs_named(statement)
    if regimen <= said:
        return "whole"
    return "other" if named else "part"


def contradicts_prior_drug(question: str, statement: str, context: str = "") -> bool:
    """True when the question's patients have had a drug ("progressed after osimertinib") and the
    statement offers only drugs they have had, without saying its own patients had them ("clinicians
    should recommend osimertinib"): it is about patients who have not had them yet. A statement
    adding a drug they have not had ("tucatinib with trastuzumab and capecitabine" after trastuzumab)
    may still be theirs. ``statement``: as shown, after its lead-in; ``context``: its heading, which
    may say that its patients had them."""
    had = had_drugs(question)
    given = {d for d in drugs_named(statement) if not _a_class(d)} if had else set()
    if not given or any(not _same_drug(d, had) for d in given):
        return False
    rest, start = [], 0  # the question outside its "had" clauses: drugs named there are asked about too
    for begin, end in _had_clauses(question):
        rest.append(question[start: begin])
        start = end
    asked_too = drugs_named(" ".join([*rest, question[start:]]))
    theirs = had_drugs(f"{context}\n{statement}") | asked_too
    return any(not _same_drug(d, theirs) for d in given)


# Patients for whom a treatment is ruled out: "not a candidate for autologous stem cell transplant",
# "ineligible for surgery", "allergic to penicillin", "intolerant of aspirin", "transplant-ineligible",
# "statin-intolerant". (Not "cannot take X with Y", which asks whether they may.) The words ruled
# out run to the clause's end; the last of them names it ("transplant", "penicillin").
_RULED_OUT = (r"not (?:a |good )*candidates? for|(?:not )?(?:in)?eligible for|unfit for|not fit for"
              r"|intoleran(?:t|ce) (?:of|to)|allerg(?:ic|y|ies) to|contraindications? to")
_RULED_OUT_AFTER = re.compile(
    rf"\b(?P<how>{_RULED_OUT})\s+(?:an? |the |any )?(?P<what>[a-z][\w-]*(?:\s+(?!(?:and|or|but|if|who|that|which|with"
    r"|because|so|since|should|is|are|was|were|has|have|do|does|can|could|would|will|in|at|on|of|for)\b)[a-z][\w-]*){0,4})",
    re.I)
_RULED_OUT_BEFORE = re.compile(r"\b(?P<what>[a-z]\w{2,})[- ](?P<how>ineligible|intolerant|allergic)\b", re.I)
# ... said as a branch of the question, not of its patients: "first line abx ..., and if pen allergic?"
_BRANCH = re.compile(r"\b(?:if|in case|what if|when|unless)\s+(?:\w+\s+)?$", re.I)
# A statement's patients for whom it is not ruled out: "eligible for transplant", "candidates for
# surgery", "transplant-eligible", "not allergic to penicillin".
_NOT_RULED_OUT = re.compile(
    r"(?<!not )(?<!in)\beligible for\b|(?<!not )(?<!not a )\bcandidates? for\b|\b\w+-eligible\b"
    r"|\bnot (?:allergic|intolerant)\b|\bno (?:history of )?(?:allergy|intolerance)\b", re.I)


@functools.lru_cache(maxsize=1024)  # the question's own, read once per candidate statement
def ruled_out(question: str) -> frozenset[str]:
    """Stems of the last word of each treatment the question rules out for its patients, as said of
    them and not as a branch of the question ("and if pen allergic?")."""
    return _ruled_out_in(question, branches=False)


def _ruled_out_in(text: str, branches: bool = True) -> frozenset[str]:
    found = set()
    for pattern in (_RULED_OUT_AFTER, _RULED_OUT_BEFORE):
        for m in pattern.finditer(text):
            how = m.group("how").lower()
            if how.startswith("eligible"):
                continue  # "eligible for" says what they may have
            if not branches and _BRANCH.search(text[max(m.start() - 20, 0):m.start()]):
                continue
            last = m.group("what").split()[-1].lower()
            if last not in STOP_WORDS:  # "I am allergic": no treatment named
                found.add(_stem(last))
    return frozenset(found)


def contradicts_ruled_out(question: str, statement: str) -> bool:
    """True when the question rules a treatment out for its patients (``ruled_out``) and a sentence of
    the statement names it for other patients: plainly ("autologous SCT consolidation" for a patient
    who is "not a candidate for autologous stem cell transplant") or for those eligible for it
    ("eligible for transplant", "not allergic to penicillin"). A sentence about patients for whom it
    is ruled out too ("patients who were ineligible for transplant") is theirs (``about_ruled_out``)."""
    excluded = ruled_out(question)
    if not excluded:
        return False
    for sentence in re.split(r"(?<=[.;])\s+", statement):
        named = excluded & stems(sentence)
        if named and (_NOT_RULED_OUT.search(sentence) or not named & _ruled_out_in(sentence)):
            return True
    return False


def about_ruled_out(question: str, text: str) -> bool:
    """Does ``text`` speak of patients for whom a treatment the question rules out is ruled out too
    ("who were ineligible for transplant", "transplant-ineligible", "allergic to penicillin")?"""
    excluded = ruled_out(question)
    return bool(excluded and excluded & _ruled_out_in(text))


def _same_drug(name: str, names: Iterable[str]) -> bool:
    """Is the vocabulary name ``name`` one of ``names``, or one holding all the words of one
    ("Fam-trastuzumab deruxtecan-nxki", Enhertu's, holds "Trastuzumab deruxtecan")?"""
    words = set(_WORD.findall(name.lower()))
    return any(set(_WORD.findall(n.lower())) <= words for n in names)


def _a_class(name: str) -> bool:
    """A class of drugs, named in the plural as the vocabulary names classes ("Immunoconjugates",
    "Aromatase Inhibitors"), not one drug the patients may have had."""
    return name.lower().endswith("s") and not name.lower().endswith(("ss", "us", "is"))


def names_gene(text: str, genes: frozenset[str], abbreviations: tuple[tuple[str, str], ...] = ()) -> bool:
    """Does ``text`` name one of ``genes`` as the corpus writes gene symbols (upper case), its family
    ("BRCA" for "BRCA1"), or the long form the corpus gives the symbol ("dihydropyrimidine
    dehydrogenase" for "DPYD", from ``abbreviations``)?"""
    families = {g.rstrip("0123456789") or g for g in genes}
    if any(re.search(rf"\b{re.escape(f)}\d*\b", text) for f in families):
        return True
    longs = [long for short, long in abbreviations if short.upper() in genes]
    return any(re.search(rf"\b{re.escape(long)}\b", text, re.I) for long in longs)


# "non-metastatic", and written as one word: "nonsquamous", "nonmetastatic".
_NEGATED = re.compile(r"\bnon[-–]?([a-z]{4,})", re.I)


def _negation_forms(text: str) -> tuple[set[str], set[str]]:
    """The words ``text`` negates with "non-", and the ones it uses bare."""
    negated = {w.lower() for w in _NEGATED.findall(text)}
    bare = {m.group(1).lower() for m in re.finditer(r"(?<![-–])\b([a-z]{4,})\b", text, re.I)
            if text[max(m.start() - 4, 0):m.start()].lower() not in ("non-", "non–")}
    return negated, bare


def contradicts_negation(question: str, statement: str) -> bool:
    """True when the question asks about "metastatic" and the statement only about
    "non-metastatic" (or "small cell" against "non-small cell"): other patients again."""
    if not (_NEGATED.search(question) or _NEGATED.search(statement)):
        return False  # no "non-" on either side: nothing to contradict
    q_negated, q_bare = _negation_forms(question)
    s_negated, s_bare = _negation_forms(statement)
    return bool((q_bare & s_negated) - s_bare) or bool((q_negated & s_bare) - s_negated)


def names_asked_population(question: str, heading: str, abbreviations: Sequence[tuple[str, str]] = ()) -> bool:
    """A heading is about the asked patients when it names every "X-positive/negative" the question does."""
    return _qualifiers(question, tuple(abbreviations)) <= _qualifiers(heading, tuple(abbreviations))


# -- line of therapy from a study's wording ---------------------------------------

LINE_PATTERNS: dict[str, str] = {
    "First-line": r"\b(?:first|1st)[- ]line\b|\binitial (?:therapy|treatment)\b|\bfront[- ]line\b|\bpreferred (?:initial )?(?:therapy|treatment)"
                  r"|\b(?:previously )?untreated\b|\btreatment[- ]na[iï]ve\b",
    "Second-line": r"\b(?:second(?:ary)?|2nd)[- ]line\b"
                   r"|progress\w* (?:(?:during|after|on|following|or) )+(?:first|1st)[- ]line",
    "Later lines": r"\b(?:third|3rd)[- ]line\b|progress\w* (?:(?:during|after|on|following|or) )+(?:second|2nd)[- ]line"
                   r"|\blater[- ]lines?\b|\bor greater\b|\bbeyond\b|\bheavily pretreated\b|\bprior (?:lines|regimens)\b"
                   r"|\b(?:two|three|2|3) or more (?:prior|previous)\b|\b(?:two|three|2|3) or more [\w–-]+(?: [\w–-]+)? (?:regimens|therapies|lines)\b"
                   r"|\b(?:at|as) least (?:two|three|2|3) (?:prior|previous)\b",
}
# The most specific line first: "progressed after first-line therapy ... second-line" is about the second line.
LINE_PRIORITY = ("Later lines", "Second-line", "First-line")
# The prior-treatment clause ends where the sentence moves on ("..., were randomly assigned").
_PRIOR_TREATMENT = re.compile(
    r"\b(?:previously (?:been )?(?:treated|received)|pretreated|who had received|progression (?:on|after|following) "
    r"(?:receiving )?prior"
    # "after prior chemotherapy", "following previous systemic therapy": drug treatment had, not radiation or surgery
    r"|(?:after|following) (?:prior|previous) (?!radi|surg|resect)(?=(?:[\w-]+ ){0,2}(?:chemotherapy|therapy|therapies"
    r"|treatments?|immunotherapy|regimens?)\b))\b[^.;]*?(?=,?\s+(?:were|was|are|is)\b|[.;]|$)", re.I)


_NEGATED_PRIOR = re.compile(r"\b(?:not|never|no)\s+(?:been\s+)?$", re.I)


def prior_lines(text: str) -> str | None:
    """Line of therapy from how a study describes its patients' prior treatment.

    "previously treated with a taxane and trastuzumab" (one prior regimen) -> second line;
    "previously been treated with trastuzumab, pertuzumab, and trastuzumab emtansine"
    (three or more agents listed) -> later lines. Wording only: nothing medical is inferred.
    """
    lines = None
    for m in _PRIOR_TREATMENT.finditer(text):
        if _NEGATED_PRIOR.search(text[max(m.start() - 12, 0): m.start()]):
            # "had not previously received treatment for advanced disease": untreated, first line
            lines = lines or "First-line"
            continue
        if m.group().lower().startswith("pretreated"):  # says nothing about how many lines
            lines = lines or "Second-line"
            continue
        items = [x for x in re.split(r",|\band\b|\bor\b", m.group()) if x.strip()]
        if len(items) >= 3:
            return "Later lines"
        lines = "Second-line"
    return lines


def stated_line(text: str) -> str | None:
    """The line of therapy ``text`` names itself, or reads from its prior-treatment wording."""
    for title in LINE_PRIORITY:
        if re.search(LINE_PATTERNS[title], text, re.I):
            return title
    return prior_lines(text)


# Line of therapy for applicability: only wording that cannot mean anything else. The section
# patterns above also read loose cues ("beyond", "or greater") that may place a statement but
# must not turn one away. Two values: before any treatment, and after earlier treatment.
FIRST = "first line"
AFTER_PRIOR = "after prior treatment"
# Progression is a restriction when patients have had it ("progressed on osimertinib"), not when it is
# watched for or counted ("assessed for progression during therapy", "time to progression after").
_NOT_HAD = "".join(f"(?<!{w} )(?<!{w} disease )"
                   for w in ("for", "of", "to", "until", "no", "not", "without", "before"))
# Patient pages say it of the treatment: "in whom immunotherapy and chemotherapy are no longer effective",
# "after other treatments have stopped working".
_LATER_LINE_WORDS = re.compile(
    r"\b(?:second(?:ary)?|2nd|third|3rd|fourth|4th|later|subsequent)[- ]lines?\b"
    rf"|{_NOT_HAD}\bprogress(?:es|ed|ion|ing)? (?:on|after|during|following|while on)\b"
    r"|\b(?:treatments?|therap(?:y|ies)|chemotherapy|immunotherapy|drugs?|medicines?|medications?) (?:(?:is|are|was|were)"
    r" no longer (?:effective|working)|(?:has|have|had) stopped working)\b", re.I)
# "first-line" as the line a statement is about, not the one its patients have been through
# ("progressed after first-line chemotherapy").
_FIRST_LINE_WORDS = re.compile(r"(?<!after )(?<!during )(?<!following )(?<!beyond )(?<!on )"
                               r"(?:\b(?:first|1st|front)[- ]line\b|\b(?:previously )?untreated\b|\btreatment[- ]na[iï]ve\b"
                               r"|\b(?:initial|first) (?:therapy|treatment)\b)",
                               re.I)


def therapy_line(text: str) -> str | None:
    """``FIRST``, ``AFTER_PRIOR`` or None: the one line of therapy ``text`` restricts its patients to.

    "progression after first-line therapy" is after prior treatment; "(First-Line Therapy)" and
    "untreated" are first line; "previously treated with ..." is after prior treatment unless
    negated ("had not previously received"). Text naming both ("NSAIDs as first-line therapy or
    tramadol as second-line therapy") is restricted to neither.
    """
    first, later = bool(_FIRST_LINE_WORDS.search(text)), bool(_LATER_LINE_WORDS.search(text))
    if first or later:
        return None if first and later else FIRST if first else AFTER_PRIOR
    prior = prior_lines(text)
    return None if prior is None else FIRST if prior == "First-line" else AFTER_PRIOR


def had_clause_spans(question: str) -> list[tuple[int, int]]:
    """(start, end) of each clause saying what the patients have had ("progressed on AI+CDK4/6 and
    fulvestrant"), whether or not it names a drug the vocabulary knows."""
    return _had_clauses(question)


@functools.lru_cache(maxsize=2048)  # asked of the same question by several stages
def had_clauses_text(question: str) -> tuple[str, ...]:
    """The question's clauses that say which drugs its patients have had ("carboplatin/etoposide/
    atezolizumab" of "relapsed after finishing carboplatin/etoposide/atezolizumab"): who the patients
    are, as their condition is, not what is asked about them."""
    return tuple(question[start:end] for start, end in _had_clauses(question) if drugs_named(question[start:end]))


def _had_drug_clauses(question: str) -> int:
    return len(had_clauses_text(question))


@functools.lru_cache(maxsize=2048)
def asked_line(question: str) -> str | None:
    """The line of therapy a question asks about, as a section title (``LINE_PRIORITY``): the one it
    names ("second-line"), else the one after what its patients have had ("relapsed after finishing
    carboplatin/etoposide/atezolizumab" asks for the next line; "progressed on X and has since
    received Y" for a later one). None when it says neither."""
    stated, clauses = stated_line(question), _had_drug_clauses(question)
    if not clauses or (stated and stated != "First-line"):
        return stated
    # "the preferred treatment" reads as first line, but not for patients who have had treatment
    return "Later lines" if clauses > 1 else "Second-line"


@functools.lru_cache(maxsize=2048)
def asked_therapy_line(question: str) -> str | None:
    """``therapy_line`` of a question, counting what its patients have had: after prior treatment."""
    return therapy_line(question) or (AFTER_PRIOR if _had_drug_clauses(question) else None)


# A heading for patients whose disease came back or did not respond ("Treatment of Recurrent SCLC",
# "Relapsed/Refractory ...") is about treatment after the first. One that also names a stage or the
# extent of disease ("Unresectable Stage III, Stage IV, and Recurrent Melanoma", "Newly Diagnosed Stage
# IV, Relapsed, and Recurrent NSCLC") groups the recurrent with the newly diagnosed: no line of its own.
_RECURRENCE = re.compile(r"\b(?:recurrent|relapsed|refractory)\b", re.I)
_EXTENT = re.compile(r"\b(?:stages?|newly diagnosed|metastatic|advanced|unresectable)\b", re.I)


def _recurrent_alone(heading: str) -> bool:
    return bool(_RECURRENCE.search(heading)) and not _EXTENT.search(heading)


def line_of_heading(heading: str) -> str | None:
    """``therapy_line`` of a heading, which also names the line by the disease's course."""
    line = therapy_line(heading)
    return AFTER_PRIOR if line is None and _recurrent_alone(heading) else line


_ITEM = re.compile(r"(?m)^[ \t]*\d{1,2}\.[ \t]+(.*)$")


@dataclass(frozen=True, slots=True)
class Study:
    """A numbered study of a summary's evidence list: the line of therapy it describes, and where
    its opening sentence stands (passage id and span), which its result bullets and "This trial
    ..." sentences speak of."""

    line: str | None
    passage_id: str = ""
    span: tuple[int, int] = (0, 0)
    therapy_line: str | None = None  # ``therapy_line`` of its description, for applicability


def item_lines(passages: Iterable[Passage]) -> dict[str, list[tuple[int, Study]]]:
    """Where each numbered study in a summary starts, and the study it describes.

    A PDQ "Evidence" list reads "1. The phase III EMILIA trial ... in patients previously
    treated with trastuzumab and a taxane." followed by result bullets; the bullets report
    that trial, so they belong to its line. Returns, per passage id, (offset, Study) marks in
    order; offset -1 is the study carried over from the heading's previous passage.
    """
    marks: dict[str, list[tuple[int, Study]]] = {}
    current: dict[str, Study] = {}
    for p in sorted(passages, key=lambda p: (p.doc_id, p.position)):
        key = f"{p.doc_id}\n{p.section}"
        marks[p.id] = [(-1, current.get(key, Study(None)))]
        for m in _ITEM.finditer(p.text):
            first = _first_sentence(m.group(1))
            current[key] = Study(stated_line(m.group(1)), p.id, (m.start(1), m.start(1) + len(first)),
                                 therapy_line(m.group(1)))
            marks[p.id].append((m.start(), current[key]))
    return marks


def _first_sentence(text: str) -> str:
    end = re.search(r"[.!?](?=\s+[A-Z(]|\s*$)", text)
    return text[: end.end()] if end else text


def study_starts(text: str) -> set[int]:
    """Offsets where a numbered study description begins (after its "1. ")."""
    return {m.start(1) for m in _ITEM.finditer(text)}


def study_at(marks: dict[str, list[tuple[int, Study]]], passage_id: str, offset: int) -> Study:
    """The study that ``offset`` in the passage reports on."""
    found = Study(None)
    for start, value in marks.get(passage_id, ()):
        if start <= offset:
            found = value
    return found


def line_at(marks: dict[str, list[tuple[int, Study]]], passage_id: str, offset: int) -> str | None:
    """The line of therapy of the study that ``offset`` in the passage reports on."""
    return study_at(marks, passage_id, offset).line


# -- where a guideline statement stands ---------------------------------------------

_STRUCTURE_LABEL = re.compile(r"^(?:Clinical |Key )?Questions?\s*[\dA-Za-z.]*\s*$|^Recommendations?\s*[\dA-Za-z.]*\s*$")


@dataclass(frozen=True, slots=True)
class Context:
    """The clinical questions and lead-in a guideline statement stands under.

    ``questions`` are the last few question and lead-in lines before the statement (they
    say which patients it is about); ``lead_in`` is the "clinicians may recommend either:"
    line whose options the statement completes, with the passage and span it comes from,
    so it can be shown, and checked, verbatim.
    """

    questions: str = ""
    lead_in: str = ""
    lead_in_passage: str = ""
    lead_in_span: tuple[int, int] = (0, 0)


def guideline_context(passages: Iterable[Passage], depth: int = 3) -> dict[str, list[tuple[int, Context]]]:
    """Per passage id, (offset, Context) marks at each statement line, reading each
    guideline's passages in document order (a question can sit in the passage before)."""
    marks: dict[str, list[tuple[int, Context]]] = {}
    recent: dict[str, list[str]] = {}
    lead: dict[str, tuple[str, str, tuple[int, int]] | None] = {}
    for p in sorted(passages, key=lambda p: (p.doc_id, p.position)):
        key = f"{p.doc_id}\n{p.section}"
        lines = recent.setdefault(key, [])
        marks[p.id] = []
        for m in re.finditer(r"[^\n]+", p.text):
            block = m.group().strip()
            if not block or _STRUCTURE_LABEL.match(block):
                continue
            if block.endswith("?") or block.endswith(":"):
                lines.append(block)
                del lines[:-depth]
                lead[key] = (block, p.id, (m.start(), m.end())) if block.endswith(":") else None
                continue
            if not NUMBERING.match(m.group()):  # a lead-in covers only the list items right under it
                lead[key] = None
            current = lead.get(key)
            marks[p.id].append((m.start(), Context(" ".join(lines), *(current or ("", "", (0, 0))))))
    return marks


def context_at(marks: dict[str, list[tuple[int, Context]]], passage_id: str, offset: int) -> Context:
    found = Context()
    for start, value in marks.get(passage_id, ()):
        if start <= offset:
            found = value
    return found


# -- widening the retrieved hits ----------------------------------------------------

# Guideline fields whose statements are harms and caveats of the recommendations.
CAVEAT_SECTIONS = ("Potential Harms", "Contraindications", "Qualifying Statements")


def _document_scores(hits: Sequence[Hit]) -> dict[str, float]:
    """A document's weight: its best hit plus a quarter of its second best."""
    per_doc: dict[str, list[float]] = {}
    for h in hits:
        per_doc.setdefault(h.document.id, []).append(h.score)
    return {d: s[0] + 0.25 * (s[1] if len(s) > 1 else 0.0) for d, s in per_doc.items()}


def evidence_pool(hits: Sequence[Hit], index, max_documents: int = 4) -> tuple[list[Hit], list[str]]:
    """The retrieved hits plus the rest of the evidence in the best documents.

    A guideline that matches the question is read whole: all its recommendation
    statements and its harms/caveats fields join the pool. In an evidence summary, the
    passages under the same heading as a hit join (the trial results beneath an
    "Evidence" heading), and the best-matching summary always joins the focus documents.
    Pooled passages are weighted by their document's score.
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
        parents = tuple({h.passage.section.rsplit(HEADING_SEPARATOR, 1)[0] for h in hits if h.document.id == doc_id})
        for passage in index.passages_of(doc_id):
            if passage.id in seen:
                continue
            if doc.type == "guideline":
                wanted = passage.kind == "recommendation" or passage.section.startswith(CAVEAT_SECTIONS)
            else:
                wanted = doc.type == "summary" and bool(parents) and passage.section.startswith(parents)
            if wanted:
                seen.add(passage.id)
                pool.append(Hit(passage, doc, score=scores[doc_id] * 0.8))
    return inherit_citations(pool), focus


def summary_layer(question: str, concepts: Concepts, documents: Sequence[str], hits: Sequence[Hit],
                  index, *, abbreviations: Sequence[tuple[str, str]] = (), max_summaries: int = 3,
                  min_relevance: float = 0.4, conditions: Sequence[Sequence[str]] = ()) -> list[Hit]:
    """All passages under the one heading of a current evidence summary that best names the asked patients.

    Candidates are the summaries that match the question best as whole documents
    (``documents``, best first) or hold a hit. In each, a heading qualifies when it names
    every "X-positive/negative" the question does and carries enough of its concepts; the
    shortest such heading path is a root (its sub-headings are the studies by drug).
    When no heading says "EGFR-positive" in those words, one naming EGFR at all (and not
    "EGFR-negative") qualifies, its match counted with the summary's title. Roots compete
    on their heading's match plus half of their best passage's match. The passages come
    back as hits weighted like the best retrieved hit, with citations inherited by result
    bullets. For patients after earlier treatment, a heading on recurrent disease alone in a summary
    on one of the asked ``conditions`` (their names) comes first.
    """
    # Summaries on the asked condition first, when any is among them: "PARP inhibitors" in an ovarian
    # cancer summary's heading does not make it about breast cancer.
    known = {h.document.id: h.document for h in hits}
    eligible, on_condition = [], []
    for doc_id in dict.fromkeys([d for d in documents if d] + [h.document.id for h in hits if h.document.type == "summary"]):
        doc = known.get(doc_id) or index.document(doc_id)
        if doc.type != "summary" or other_population(question, doc.title):
            continue
        eligible.append(doc)
        if any(about_condition(n, doc.title) for n in conditions):
            on_condition.append(doc)
            if len(on_condition) == max_summaries:
                break
    summaries = [(doc, index.passages_of(doc.id)) for doc in (on_condition or eligible)[:max_summaries]]
    markers = {marker for marker, _ in _qualifiers(question, tuple(abbreviations))}

    def strict(doc, prefix: str) -> float:
        return relevance(prefix, concepts) if names_asked_population(question, prefix, abbreviations) else 0.0

    def by_marker(doc, prefix: str) -> float:
        named = markers <= {w.lower() for w in re.findall(r"[A-Za-z0-9]+", prefix)}
        if not named or contradicts_qualifier(question, prefix, abbreviations):
            return 0.0
        return relevance(f"{doc.title} {prefix}", concepts)

    weight = 0.8 * max((h.score for h in hits), default=1.0)
    # Patients after earlier treatment ("relapsed after finishing carboplatin/etoposide/atezolizumab") are
    # answered under a summary's heading for them ("Treatment of Recurrent SCLC"), in a summary on the
    # asked condition, before any heading for the stage they were diagnosed at.
    if asked_therapy_line(question) == AFTER_PRIOR and conditions:
        lined = [(doc, passages, root) for doc, passages in summaries
                 if any(about_condition(n, doc.title) for n in conditions)
                 and not contradicts_negation(question, doc.title)
                 for root in _recurrence_roots(passages, METASTATIC_STAGE in stages(question))]
        if lined:
            doc, passages, root = max(lined, key=lambda r: relevance(f"{r[0].title} {r[2]}", concepts))
            return inherit_citations([Hit(p, doc, score=weight) for p in passages if _under(p.section, root)])
    asked_stages = stages(question)

    def for_others(heading: str) -> bool:
        # a heading for another stage ("Treatment of Stage IIIA NSCLC" to a stage IV question): its
        # evidence is about those patients, however well its drug matches
        named = stages(heading)
        return bool(asked_stages and named and not asked_stages & named)

    for match in (strict, by_marker) if markers else (strict,):
        best = _best_root(summaries, match, concepts, min_relevance, for_others)
        if best:
            doc, passages, root = best
            return inherit_citations([Hit(p, doc, score=weight) for p in passages if _under(p.section, root)])
    return []


METASTATIC_STAGE = 4  # ``applicability.stages``: "metastatic", "stage IV"
# A recurrence in place ("Locoregional Recurrent Breast Cancer") is not metastatic disease.
_LOCAL = re.compile(r"\b(?:locoregional|local|locally|regional)\b", re.I)


def _recurrence_roots(passages, metastatic: bool = False) -> list[str]:
    """The shortest headings of a summary for recurrent disease alone ("Treatment of Recurrent SCLC"),
    for ``metastatic`` patients not those on a recurrence in place."""
    roots: list[str] = []
    for heading in dict.fromkeys(p.section for p in passages):
        parts = heading.split(HEADING_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            prefix = HEADING_SEPARATOR.join(parts[:depth])
            if _recurrent_alone(prefix) and not (metastatic and _LOCAL.search(prefix)):
                if prefix not in roots:
                    roots.append(prefix)
                break
    return roots


# A summary's own apparatus, not evidence: its reading list, change log and colophon.
ABOUT_THE_SUMMARY = re.compile(r"^(?:Key References|References|Changes to This Summary|About This PDQ Summary|Latest Updates)\b", re.I)

def _best_root(summaries, match, concepts: Concepts, min_relevance: float, for_others=lambda heading: False):
    """(document, its passages, heading) of the best-matching root heading, or None. A heading
    ``for_others`` (and every heading under it) is no root."""
    best, best_score = None, 0.0
    for doc, passages in summaries:
        roots: dict[str, float] = {}
        for heading in dict.fromkeys(p.section for p in passages):
            if ABOUT_THE_SUMMARY.match(heading):
                continue
            parts = heading.split(HEADING_SEPARATOR)
            for depth in range(1, len(parts) + 1):
                prefix = HEADING_SEPARATOR.join(parts[:depth])
                if for_others(prefix):
                    break
                score = roots.get(prefix)
                if score is None:
                    score = match(doc, prefix)
                if score >= min_relevance:
                    roots[prefix] = score
                    break
        for root, heading_match in roots.items():
            text_match = max((relevance(p.text, concepts) for p in passages if _under(p.section, root)), default=0.0)
            if heading_match + 0.5 * text_match > best_score:
                best, best_score = (doc, passages, root), heading_match + 0.5 * text_match
    return best


def _under(section: str, root: str) -> bool:
    return section == root or section.startswith(root + HEADING_SEPARATOR)


def inherit_citations(pool: list[Hit]) -> list[Hit]:
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
