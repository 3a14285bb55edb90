"""Does a statement apply to the patients the question asks about?

An exact quote about other patients misleads as much as an invented one. A question and a
statement each name, in words, where on a few clinical axes they stand: disease stage,
where the infection was acquired, the care setting, acute or chronic course, and the patient
group. A statement conflicts with the question on an axis when both name a value on it and
none of the statement's values is compatible with the question's. Such a statement is left
out of the answer, not ranked lower.

The axes and their wording are data (``AXES``); nothing here is about one disease or drug.
``about_condition`` asks the other half: is the statement (with its heading and document
title) about the condition the question names at all?
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..query import STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+")

# Patient groups, their wording, and the groups each is compatible with: a statement about
# "older adults" applies to an "adults" question; one about "women" to a pregnancy question.
POPULATION_GROUPS: dict[str, tuple[str, ...]] = {
    "children": ("child", "children", "childhood", "pediatric", "paediatric", "kids", "infant", "infants",
                 "baby", "babies", "toddler", "toddlers", "preschool", "preschoolers",
                 "newborn", "newborns", "neonate", "neonates", "neonatal", "adolescent", "adolescents",
                 "teenager", "teenagers", "teens", "youth", "girls", "boys"),
    "adults": ("adult", "adults", "young adult", "young adults"),
    "older adults": ("older adult", "older adults", "older people", "older persons", "older patients", "elderly",
                     "geriatric"),
    "pregnancy": ("pregnant", "pregnancy", "pregnancies", "postpartum", "breastfeeding", "lactating", "antenatal",
                  "prenatal", "gestation", "gestational", "trimester", "trimesters"),
    "women": ("women", "woman", "female", "females", "postmenopausal", "premenopausal"),
    "men": ("men", "male", "males"),
}
POPULATION_COMPATIBLE: dict[str, frozenset[str]] = {
    "children": frozenset({"children"}),
    "adults": frozenset({"adults", "older adults", "women", "men", "pregnancy"}),
    "older adults": frozenset({"older adults", "adults", "women", "men"}),
    "pregnancy": frozenset({"pregnancy", "women", "adults"}),
    "women": frozenset({"women", "pregnancy", "adults", "older adults"}),
    "men": frozenset({"men", "adults", "older adults"}),
}


@dataclass(frozen=True, slots=True)
class Axis:
    """One way clinical text says which patients it is about.

    ``values`` maps a value to the phrases that name it (whole words, case-insensitive);
    ``compatible`` maps a value to the values a statement may name and still apply.
    ``anchored``: in a statement, the value counts only where it qualifies the asked condition
    (within three words before one of its words): "acute kidney injury" as a side effect says
    nothing about whether a statement on chronic pain applies. ``asked``: phrases that name a value
    in a question only ("before my surgery" is where the asker stands; "surgery" in a statement is
    as often the treatment itself).
    """

    name: str
    values: dict[str, tuple[str, ...]]
    compatible: dict[str, frozenset[str]]
    anchored: bool = False
    asked: dict[str, tuple[str, ...]] = field(default_factory=dict)


# The care-setting axis, and its value for patients not in hospital (as one asking of their own is).
CARE_SETTING, OUTPATIENT = "care setting", "outpatient"

AXES: tuple[Axis, ...] = (
    Axis("where the infection was acquired",
         {"community": ("community-acquired", "community acquired"),
          "hospital": ("hospital-acquired", "hospital acquired", "nosocomial", "ventilator-associated",
                       "ventilator associated", "healthcare-associated", "health care-associated")},
         {"community": frozenset({"community"}), "hospital": frozenset({"hospital"})}),
    # (around an operation: what to do with a drug "perioperatively" is said of patients having surgery)
    # (at home or in a health facility: "newborns who are born at home in settings with high neonatal
    # mortality" are not babies born in hospital. Not "at home" alone: "can I do my sleep apnea test at
    # home?" asks about a test done there, not about patients cared for there)
    Axis(CARE_SETTING,
         {"outpatient": ("outpatient", "outpatients", "ambulatory"),
          "home": ("born at home", "home birth", "home births", "home based"),
          "inpatient": ("inpatient", "inpatients", "hospitalized", "hospitalised", "in hospital", "in a hospital",
                        "in the hospital", "health facility", "health facilities"),
          "intensive care": ("intensive care", "icu", "critically ill", "critical care"),
          "surgery": ("perioperative", "perioperatively", "preoperative", "preoperatively", "intraoperative",
                      "intraoperatively")},
         {"outpatient": frozenset({"outpatient", "home"}), "home": frozenset({"home", "outpatient"}),
          "inpatient": frozenset({"inpatient", "intensive care", "surgery"}),
          "intensive care": frozenset({"intensive care", "inpatient", "surgery"}),
          "surgery": frozenset({"surgery", "inpatient", "intensive care"})},
         asked={"surgery": ("surgery", "surgeries", "surgical", "operation", "operations")}),
    Axis("course",
         {"acute": ("acute",), "subacute": ("subacute",), "chronic": ("chronic",)},
         {"acute": frozenset({"acute"}), "subacute": frozenset({"subacute", "acute", "chronic"}),
          "chronic": frozenset({"chronic"})}, anchored=True),
    # How severe the asked condition is: a 7- to 10-day course "for moderate- or high-severity
    # community-acquired pneumonia" is no answer for mild CAP. Moderate and severe share a boundary.
    Axis("severity",
         {"low": ("mild", "low severity", "non severe", "nonsevere"),
          "moderate": ("moderate", "moderate severity", "moderately severe"),
          "high": ("severe", "high severity", "very severe")},
         {"low": frozenset({"low"}), "moderate": frozenset({"moderate", "high"}),
          "high": frozenset({"high", "moderate"})}, anchored=True),
    # How fit the patients are for intensive treatment: myeloma and other cancers are treated by it
    # ("younger, fit patients" / "older, unfit patients"); "not frail" is fit. Phrases only: "fit" alone
    # is also a test (FIT) and a verb.
    Axis("fitness",
         {"fit": ("fit patients", "fit adults", "fit older", "fit elderly", "medically fit", "physically fit",
                  "not frail", "non frail", "nonfrail", "not unfit"),
          "unfit": ("unfit", "frail", "frailty", "not fit", "medically unfit")},
         {"fit": frozenset({"fit"}), "unfit": frozenset({"unfit"})}),
    Axis("patient group", POPULATION_GROUPS, POPULATION_COMPATIBLE),
)


def compatible_settings(setting: str) -> frozenset[str]:
    """The care settings a statement may name and still apply to patients in ``setting``."""
    return next(a for a in AXES if a.name == CARE_SETTING).compatible[setting]


# Stage wording: "stage II", "stage IIIA", "stages I-II", "stage II–IIIA", "stage 3", and the
# words that name stage ranges ("early-stage", "metastatic"). Values are main stages 0..5.
_ROMAN = {"0": 0, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_STAGE_VALUE = r"(?:0|iv|v|i{1,3}|[1-5])[a-c]?\d?"
# (a list runs on: "stages I, II, and III", "stages IIIB, IIIC, or IV")
_STAGE = re.compile(
    rf"\bstages?\s+{_STAGE_VALUE}(?:\s*(?:-|–|to|through|or|and|,)\s*(?:and\s+|or\s+)?(?:stage\s+)?{_STAGE_VALUE})*\b")
_STAGE_PART = re.compile(rf"(-|–|\bto\b|\bthrough\b)?\s*(?:and\s+|or\s+)?(?:stage\s+)?\b(0|iv|v|i{{1,3}}|[1-5])(?:[a-c]?\d?)\b")
_STAGE_WORDS: dict[str, frozenset[int]] = {
    "early-stage": frozenset({0, 1, 2}), "early stage": frozenset({0, 1, 2}),
    "locally advanced": frozenset({3}), "metastatic": frozenset({4}),
}
_STAGE_WORD = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_STAGE_WORDS, key=len, reverse=True))) + r")\b")
_NOT_STAGED = re.compile(r"\bnon[-–\s]?metastatic\b")
_ADVANCED = re.compile(r"(?<!locally )\badvanced\b(?! (?:age|practice|life|airway|imaging|directive))")
_ADVANCED_STAGES = frozenset({3, 4, 5})
_METASTASES = re.compile(r"\bmetastas[ie]s\b", re.I)


def _phrases(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower().replace("-", " "))) + " "


def _pattern(axis: Axis, asked: bool = False) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pass per axis: every phrase of every value in one alternation (longest first), over the
    text as ``_phrases`` writes it; an anchored axis also captures the three words after. ``asked``:
    for reading a question, with the axis's question-only phrases."""
    named = [axis.values, axis.asked] if asked else [axis.values]
    forms = {" ".join(_WORD.findall(phrase.replace("-", " "))): value
             for values in named for value, phrases in values.items() for phrase in phrases}
    alternation = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    # (the words after are looked ahead at, not taken: "moderate or high severity pneumonia" is read at
    # "moderate" and again at "high severity")
    after = r"(?=((?: [a-z0-9]+){1,3}) )" if axis.anchored else r"(?= )"
    # A value negated names the others: "women of childbearing age who are not pregnant", "non-pregnant
    # adults", "patients who are not critically ill" (phrases that are negations, "non severe", match whole).
    return re.compile(rf"(?<= )(?<! not )(?<! non )(?<! never )({alternation}){after}"), forms


_PATTERNS = {axis.name: _pattern(axis) for axis in AXES}
# The values a text names negated ("who are not pregnant"): patients other than the value's.
_NEGATION = re.compile(r" (?:not|non|never) ")
_NEGATED_PATTERNS = {axis.name: re.compile(r"(?<= )(?:not|non|never) (" + "|".join(
    sorted(map(re.escape, _PATTERNS[axis.name][1]), key=len, reverse=True)) + r")(?= )") for axis in AXES if not axis.anchored}
_ASKED_PATTERNS = {axis.name: _pattern(axis, asked=True) for axis in AXES}
_GROUP_AXIS = next(axis for axis in AXES if axis.name == "patient group")


def _values(text: str, axis: Axis, anchors: frozenset[str] | None) -> frozenset[str]:
    pattern, forms = (_ASKED_PATTERNS if anchors is None else _PATTERNS)[axis.name]
    found = set()
    for m in pattern.finditer(text):
        if not axis.anchored or anchors is None or anchors & set(m.group(2).split()):
            found.add(forms[m.group(1)])
    return frozenset(found)


def stage_named(text: str) -> str:
    """The first stage ``text`` names, in its words, lower case ("stage 0", "stage iiia"); "" if none."""
    m = _STAGE.search(text.lower())
    return m.group(0) if m else ""


def stages(text: str) -> frozenset[int]:
    """Main stages (0..5) the text names; empty when it names none."""
    lowered = text.lower()
    found: set[int] = set()
    for m in _STAGE.finditer(lowered):
        previous = None
        for part in _STAGE_PART.finditer(m.group(), m.group().index(" ")):
            value = _ROMAN[part.group(2)]
            if part.group(1) and previous is not None:  # a range: "stages I-III", "stage II to IIIA"
                found.update(range(min(previous, value), max(previous, value) + 1))
            found.add(value)
            previous = value
    for m in _STAGE_WORD.finditer(_NOT_STAGED.sub(" ", lowered)):
        found |= _STAGE_WORDS[m.group()]
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Facets:
    """Where a text stands on each axis (value names), the stages it names, and the ages: those a
    question gives ("a 78 year old", as (78, 78)), the ranges a statement is restricted to
    ("women younger than 21 years", as (0, 20))."""

    values: dict[str, frozenset[str]]
    stages: frozenset[int]
    ages: tuple[tuple[int, int], ...] = ()
    # Weeks of pregnancy, read as ages are: the question's ("a 28 weeker", as (28, 28)), the ranges
    # a statement's patients are restricted to ("women between 26+0 and 33+6 weeks of pregnancy").
    gestation: tuple[tuple[int, int], ...] = ()
    # Values named only negated ("women of childbearing age who are not pregnant"), by axis.
    negated: dict[str, frozenset[str]] = field(default_factory=dict)

    def names_nothing(self) -> bool:
        """No value on any axis, no stage, no age: a question like this conflicts with no statement."""
        return not (self.stages or self.ages or self.gestation or any(self.values.values()))


# Ages as questions give them ("a 2 yo", "75-year-old", "6 month old"): a patient group too.
_AGE = re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:yo|y/o|y\.o\.|yrs?[- ]old|years?[- ]old|year-old"
                  r"|(mo|mos|months?|wks?|weeks?|days?)[- ]?old)\b", re.I)
CHILD_UNDER_YEARS = 18
OLDER_FROM_YEARS = 65


# Age ranges as guidelines write them. Only wordings that can name nothing but an age: "aged 21 to
# 65 years", "women 50 to 74 years", "younger than 21 years", "65 years or older", "under the age of
# 18" ("over 5 years", "less than 2 years" and "for 3 to 5 years" may be a duration: not read).
_DIGIT = re.compile(r"\d")
_AGE_UNIT = r"(?:\s*years?(?:\s+of\s+age|\s+old)?)"
_AGE_RANGES = (
    (re.compile(rf"\bage[sd]?\s+(?:from\s+|between\s+)?(\d{{1,3}}){_AGE_UNIT}?\s*(?:to|through|-|–|and)\s*(\d{{1,3}}){_AGE_UNIT}?",
                re.I), lambda a, b: (a, b)),
    (re.compile(r"\b(\d{1,3})\s*(?:to|through|-|–)\s*(\d{1,3})\s*years?\s+(?:of\s+age|old)\b", re.I),
     lambda a, b: (a, b)),
    (re.compile(r"\b(?:women|men|adults|children|adolescents|patients|people|persons|individuals)\s+(\d{1,3})\s*"
                r"(?:to|through|-|–)\s*(\d{1,3})\s*years\b", re.I), lambda a, b: (a, b)),
    (re.compile(rf"\b(?:younger than|under the age of|aged (?:less than|under))\s+(\d{{1,3}})", re.I),
     lambda a: (0, a - 1)),
    (re.compile(r"\bunder\s+(\d{1,3})\s+years?\s+of\s+age\b", re.I), lambda a: (0, a - 1)),
    (re.compile(r"\b(?:until|up to) the age of (?:around |about )?(\d{1,3})\b", re.I), lambda a: (0, a)),
    (re.compile(rf"\b(?:older than|over the age of)\s+(\d{{1,3}})", re.I), lambda a: (a + 1, 200)),
    (re.compile(rf"\b(\d{{1,3}}){_AGE_UNIT}\s+(?:or|and)\s+(?:older|over)\b", re.I), lambda a: (a, 200)),
)


# Ages guidelines spell out ("children under three years of age"), read as their digits.
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_SPELT_AGE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?=[\s-]+years?\b)", re.I)


def age_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """The age ranges ``text`` restricts its patients to, in years."""
    return _ranges(_SPELT_AGE.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text), _AGE_RANGES)


def _ranges(text: str, wordings) -> tuple[tuple[int, int], ...]:
    """The ranges ``text`` words as one of ``wordings`` ((pattern, range from its numbers), ...)."""
    if not _DIGIT.search(text):
        return ()  # every wording holds a number, and most statements name none: one scan instead of each pattern
    found = []
    for pattern, make in wordings:
        for m in pattern.finditer(text):
            lo, hi = make(*(int(g) for g in m.groups()))
            if lo <= hi:
                found.append((lo, hi))
    return tuple(found)


def asked_ages(text: str) -> tuple[tuple[int, int], ...]:
    """The ages a question gives ("a 78 year old", "6 month old": 0), each as a range of one year."""
    return tuple((years, years) for years in (0 if m.group(2) else int(m.group(1)) for m in _AGE.finditer(text)))


# Weeks of pregnancy as questions give them ("28 weeker", "32 weeks pregnant", "at 30+2 weeks'
# gestation"; NICE writes the days as superscripts, "26⁺⁰"). A bare "20 wks" may be how long something has lasted: not read.
_GESTATION_WEEKS = r"(\d{1,2})(?:[+⁺][0-6⁰¹²³⁴⁵⁶])?\s*(?:wks?|weeks?)'?\s*(?:of\s+)?(?:pregnan\w*|gestation\w*)"
_ASKED_GESTATION = re.compile(rf"\b(?:(\d{{1,2}})(?:[+⁺][0-6⁰¹²³⁴⁵⁶])?\s*-?\s*weekers?\b|{_GESTATION_WEEKS})", re.I)
# ... and as guidelines restrict their patients to them: only a range that follows the people it
# restricts ("Offer nifedipine ... to women between 26+0 and 33+6 weeks of pregnancy who ..."); "offer
# screening between 24 and 28 weeks of gestation" says when to act, not whom it is for.
_GESTATION_PEOPLE = r"\b(?:women|woman|patients|pregnancies|pregnant people)\s+(?:who\s+are\s+)?(?:at\s+)?"
_GESTATION_RANGES = (
    (re.compile(rf"{_GESTATION_PEOPLE}(?:between|from)\s+(\d{{1,2}})(?:[+⁺][0-6⁰¹²³⁴⁵⁶])?\s*(?:weeks?\s+)?(?:and|to|-|–)\s*"
                rf"{_GESTATION_WEEKS}", re.I), lambda a, b: (a, b)),
    (re.compile(rf"{_GESTATION_PEOPLE}(?:<|less than|before|under)\s*{_GESTATION_WEEKS}", re.I),
     lambda a: (0, a - 1)),
    (re.compile(rf"{_GESTATION_PEOPLE}(?:≤|up to)\s*{_GESTATION_WEEKS}", re.I), lambda a: (0, a)),
    (re.compile(rf"{_GESTATION_PEOPLE}(?:≥|>|more than|after|beyond|over)\s*{_GESTATION_WEEKS}", re.I),
     lambda a: (a, 45)),
)


def asked_gestation(text: str) -> tuple[tuple[int, int], ...]:
    """The weeks of pregnancy a question gives ("28 weeker"), each as a range of one week."""
    return tuple((w, w) for w in (int(m.group(1) or m.group(2)) for m in _ASKED_GESTATION.finditer(text)))


def gestation_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """The ranges of weeks of pregnancy ``text`` restricts its patients to."""
    return _ranges(text, _GESTATION_RANGES)


def age_groups(text: str) -> frozenset[str]:
    groups = set()
    for m in _AGE.finditer(text):
        years = 0 if m.group(2) else int(m.group(1))
        groups.add("children" if years < CHILD_UNDER_YEARS else "older adults" if years >= OLDER_FROM_YEARS
                   else "adults")
    return frozenset(groups)


def facets(text: str, anchors: frozenset[str] | None = None) -> Facets:
    """The text's values on every axis. ``anchors``: the asked condition's words, for reading a
    statement (anchored axes count only next to them); None for reading the question."""
    words = _phrases(text)
    values = {axis.name: _values(words, axis, anchors) for axis in AXES}
    values["patient group"] |= age_groups(text)
    staged = stages(text)
    if anchors is None and not staged and _ADVANCED.search(_NOT_STAGED.sub(" ", text.lower())):
        # A question about "advanced" disease is about stages III to V (a statement's "advanced" may be
        # its practice nurses, its imaging or its age: only the question's is read).
        staged = _ADVANCED_STAGES
    if anchors is None and _METASTASES.search(text):
        # A question about a patient's metastases ("What if she has brain metastases?") is about
        # metastatic disease; a statement naming metastases may be naming an outcome it prevents.
        staged |= _STAGE_WORDS["metastatic"]
    if anchors is None:
        return Facets(values=values, stages=staged, ages=asked_ages(text), gestation=asked_gestation(text))
    negated = {name: frozenset(_PATTERNS[name][1][m.group(1)] for m in pattern.finditer(words)) - values[name]
               for name, pattern in _NEGATED_PATTERNS.items()} if _NEGATION.search(words) else {}
    return Facets(values=values, stages=staged, ages=age_ranges(text), gestation=gestation_ranges(text),
                  negated={name: found for name, found in negated.items() if found})


def asked_facets(question: str, abbreviations: Iterable[tuple[str, str]] = ()) -> Facets:
    """The question's facets, its abbreviations read as their long forms ("CAP": community-acquired),
    except the course: the "chronic" of COPD's long form names the disease, and says nothing
    against a statement on its acute exacerbations. The course comes from the question's own words."""
    expanded = facets(" ".join([question, *(long for _, long in abbreviations)]))
    return Facets(values={**expanded.values, "course": facets(question).values["course"]}, stages=expanded.stages,
                  ages=expanded.ages, gestation=expanded.gestation)


def conflicts(question: Facets, statement: Facets) -> list[str]:
    """The axes on which the statement names only values the question's exclude."""
    out = []
    for axis in AXES:
        asked, said = question.values[axis.name], statement.values[axis.name]
        if asked and said:
            allowed = frozenset().union(*(axis.compatible[v] for v in asked))
            if not said & allowed:
                out.append(axis.name)
                continue
        if asked & statement.negated.get(axis.name, frozenset()):  # "... who are not pregnant"
            out.append(axis.name)
    if question.stages and statement.stages and not question.stages & statement.stages:
        out.append("stage")
    if question.ages and statement.ages and not any(lo <= age <= hi for age, _ in question.ages
                                                    for lo, hi in statement.ages):
        out.append("age")
    if question.gestation and statement.gestation and not any(lo <= weeks <= hi for weeks, _ in question.gestation
                                                              for lo, hi in statement.gestation):
        out.append("weeks of pregnancy")
    return out


def axis_phrases(text: str) -> list[str]:
    """The words with which ``text`` names a value on any axis ("ICU", "community-acquired", "acute")."""
    words = _phrases(text)
    return [m.group(1) for axis in AXES for m in _PATTERNS[axis.name][0].finditer(words)]


def populations(text: str) -> frozenset[str]:
    """The patient groups ``text`` names, ages included."""
    return _values(_phrases(text), _GROUP_AXIS, None) | age_groups(text)


# One age a statement names its patients at: "screening, usually at age 6 months". (Not read as
# an age range: "screening should begin at age 50" is for older people too.)
_AT_AGE = re.compile(r"\b(?:at|by) (?:the )?age (?:of )?(\d{1,3})(\s*months?)?\b", re.I)


def names_group(text: str, group: str) -> bool:
    """Does ``text`` name the patient ``group``: by a word for it or, for children, by ages below
    ``CHILD_UNDER_YEARS`` ("aged 2 to 11 years", "at age 6 months")?"""
    if group in populations(text):
        return True
    return group == "children" and (any(hi < CHILD_UNDER_YEARS for _, hi in age_ranges(text)) or any(
        m.group(2) or int(m.group(1)) < CHILD_UNDER_YEARS for m in _AT_AGE.finditer(text)))


# Documents written for one of these groups answer only questions that name it ("Childhood
# Melanoma Treatment", "Male Breast Cancer", "... in pregnancy"); a question naming no group is
# taken to be about adults.
SINGLE_POPULATION_GROUPS = frozenset({"children", "pregnancy", "men"})


@functools.lru_cache(maxsize=4096)  # asked once per candidate statement: the same pairs again and again
def other_population(question: str, title: str, assume_adults: bool = True) -> bool:
    """Is ``title`` written for a patient group the question is not about?

    ``assume_adults``: read a question that names no group as about adults. The caller turns it off
    when the best-matching source is itself written for one group (severe acute malnutrition in
    children): then that group is whom the question's subject concerns.
    """
    written_for = populations(title)
    if not written_for or "adults" in written_for:  # "in adults and children": written for everyone
        return False
    asked = populations(question)
    if not asked:
        return assume_adults and bool(written_for & SINGLE_POPULATION_GROUPS)
    return not written_for & frozenset().union(*(POPULATION_COMPATIBLE[g] for g in asked))


def asks_of_its_group(question: str, focus_titles: Sequence[str], condition_names: Iterable[Iterable[str]]) -> bool:
    """Is a question naming no patient group about the one group the source matching it best
    (``focus_titles[0]``) is written for ("fetal toxoplasmosis confirmed on amniocentesis": the
    guideline on toxoplasmosis in pregnancy)? Not when another source the evidence centres on, written
    for everyone, is about a condition the question and that source name: "newly diagnosed B-cell ALL"
    is answered for adults by the guideline on ALL, though the childhood summary matches best."""
    if not focus_titles or not other_population(question, focus_titles[0]):
        return False
    best = focus_titles[0]
    for_everyone = [t for t in focus_titles[1:] if not populations(t)]
    return not any(about_condition(names, best) and about_condition(names, t)
                   for names in condition_names for t in for_everyone)


# A condition's name without its course ("acute cholecystitis"): the course is an axis of its own,
# so a statement on "cholecystitis" in a gallstone guideline is about it unless it names another course.
_COURSE_WORDS = frozenset(w for axis in AXES if axis.name == "course" for phrases in axis.values.values()
                          for p in phrases for w in _WORD.findall(p))
# A subtype written as a letter after a type number ("2a", "iia", "men2a"): a statement about the
# type ("MEN2", "type 2") covers its subtypes.
_SUBTYPE = re.compile(r"^(.*(?:\d|\bi{1,3}|\biv|\bv))[a-c]$")


@functools.lru_cache(maxsize=4096)  # a question's few names, read for each statement
def _name_parts(name: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD.findall(name.lower()) if (len(w) > 1 or w.isdigit()) and w not in _COURSE_WORDS)


# A noun and the adjective a text writes instead, either way round ("patients at risk of hypercapnic
# respiratory failure", "cirrhotic patients", "diabetic patients"; a question's "which tocolytic?"
# answered by "nifedipine for tocolysis"): English word formation.
_ADJECTIVE_SUFFIXES = (("ia", "ic"), ("osis", "otic"), ("ysis", "ytic"), ("esis", "etic"), ("itis", "itic"),
                       ("es", "ic"))
_MIN_DERIVING_LETTERS = 6  # shorter words make other words ("basic" is no "bases")


@functools.lru_cache(maxsize=4096)
def adjective_forms(word: str) -> tuple[str, ...]:
    """The word's other forms: "hypercapnia" -> ("hypercapnic",); "cirrhosis" -> ("cirrhotic",);
    "tocolytic" -> ("tocolytia", "tocolysis", "tocolytes"), of which a text may write one; a short word -> ()."""
    if len(word) < _MIN_DERIVING_LETTERS:
        return ()
    return tuple(word[: -len(end)] + other for noun, adjective in _ADJECTIVE_SUFFIXES
                 for end, other in ((noun, adjective), (adjective, noun)) if word.endswith(end))


_NOUN_ENDINGS = ("ation", "ion")  # compared with words stripped of a plural "s"
_DERIVED_MIN_LETTERS = 5  # "supplement", "vaccinat..."; shorter words make other words ("ion" after "cat")


# Greek letters as names spell them out: "β-carotene" names "beta carotene", "TNF-α" "TNF alpha".
_GREEK = str.maketrans({"α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "κ": " kappa ", "λ": " lambda "})


@functools.lru_cache(maxsize=8192)  # one statement's context is matched against each name asked, twice for a patient
def _words_of(context: str) -> tuple[frozenset[str], frozenset[str]]:
    tokens = _WORD.findall(context.lower().translate(_GREEK))
    # "non-small-cell" is the vocabulary's "nonsmall cell": a "non-" prefix written apart or joined.
    words = frozenset(tokens) | {a + b for a, b in zip(tokens, tokens[1:]) if a == "non"}
    return words, frozenset(w.rstrip("s") for w in words)


def about_condition(names: Iterable[str], context: str) -> bool:
    """Does ``context`` (a statement with its heading and document title) name one of the
    condition ``names`` (every word of the name, in any order; a subtype's type counts)?"""
    words, stems = _words_of(context)

    def named(part: str) -> bool:
        if part in words or part.rstrip("s") in stems or any(
                a in words or a.rstrip("s") in stems for a in adjective_forms(part)):
            return True
        # "iron supplementation" names an "iron supplement": the word with an English noun ending.
        if len(part) >= _DERIVED_MIN_LETTERS and any(part + ending in stems for ending in _NOUN_ENDINGS):
            return True
        subtype = _SUBTYPE.match(part)
        return bool(subtype) and subtype.group(1) in words

    for name in names:
        parts = _name_parts(name)
        if parts and all(named(p) for p in parts):
            return True
    return False



# --- a page on the broader condition ------------------------------------------------------------
# MeSH places each disease in a tree ("tinea" C01.150.703.302.720, "tinea capitis" below it at
# .730): what a page on the broader condition says of it as a whole applies to its kinds.


def _under(tree: str, ancestor: str) -> bool:
    return tree.startswith(ancestor + ".")


def asked_trees(names: Iterable[Iterable[str]], vocabulary) -> frozenset[str]:
    """The MeSH tree numbers of the conditions the question names."""
    return frozenset(t for group in names for n in group for c in vocabulary.canonicals("disease", n.lower())
                     for t in vocabulary.entry("disease", c).get("mesh_tree") or ())


def _named_diseases(text: str, vocabulary) -> tuple[list[tuple[tuple[str, ...], range]], list[str]]:
    """Each disease ``text`` names, as (its MeSH tree numbers, the words naming it), and the words."""
    tokens = re.findall(r"[\w'’-]+", text)
    named = [(tuple(data.get("mesh_tree") or ()), range(first, first + len(data["matching_string"].split())))
             for data, first, _ in vocabulary.find("disease", tokens)
             if data.get("match_type") == "exact" and data.get("matching_string")]
    return named, tokens


def named_diseases(text: str, vocabulary) -> list[tuple[str, tuple[str, ...]]]:
    """Each disease ``text`` names, as (the words naming it, its MeSH tree numbers)."""
    named, tokens = _named_diseases(text, vocabulary)
    return [(" ".join(tokens[i] for i in words), trees) for trees, words in named]


def is_under(tree: str, ancestor: str) -> bool:
    """Is MeSH tree number ``tree`` the same as, or below, ``ancestor``?"""
    return tree == ancestor or _under(tree, ancestor)


# The diseases of pregnancy, as MeSH files them ("preeclampsia", "gestational diabetes" below
# "pregnancy complications"): a text naming one speaks of a pregnancy, in whatever words.
PREGNANCY_DISEASES = "pregnancy complications"


def names_pregnancy_disease(text: str, vocabulary) -> bool:
    """Does ``text`` name a disease MeSH files under ``PREGNANCY_DISEASES``?"""
    roots = asked_trees(((PREGNANCY_DISEASES,),), vocabulary)
    return any(is_under(t, r) for _, trees in named_diseases(text, vocabulary) for t in trees for r in roots)


def disease_names(text: str, vocabulary) -> list[str]:
    """The words of ``text`` that name a disease, one string per disease named."""
    named, tokens = _named_diseases(text, vocabulary)
    return [" ".join(tokens[i] for i in words) for _, words in named]


def class_page(title: str, asked: frozenset[str], vocabulary) -> tuple[str, ...]:
    """The broader conditions (MeSH tree numbers) a document is a page on, when its title names
    nothing but conditions the asked one is a kind of: "Tinea Infections" for "tinea capitis";
    not "Hospital-acquired pneumonia" for "pneumonia", nor "Lung Cancer" for "breast cancer"."""
    named, tokens = _named_diseases(title, vocabulary)
    covered = {i for _, words in named for i in words}
    if not named or any(i not in covered and t.lower() not in STOP_WORDS for i, t in enumerate(tokens)):
        return ()
    above = [[t for t in trees if any(_under(a, t) for a in asked)] for trees, _ in named]
    return tuple(t for trees in above for t in trees) if all(above) else ()


# Fewer people getting a disease: "a nearly 60 percent decrease in colorectal cancer incidence",
# "reduces the risk of developing breast cancer". What is said of preventing it is said of people
# who do not have it.
_PREVENTED = re.compile(r"\b(?:decreas\w*|reduc\w*|lower\w*|fewer|prevent\w*)\b[^.;:]{0,80}?"
                        r"\b(?:incidence|risk of (?:developing|getting))\b", re.I)
_PREVENTED_REACH = 60  # letters either side of that wording in which the disease is named
# So is what is said of people at risk of getting it: "If your child has a higher risk of Wilms tumor,
# they may have an abdominal ultrasound ... every 3 months". The disease is named after the wording,
# and the risk is not one of what befalls those who have it ("at high risk of recurrence", "at increased
# risk of breast cancer recurrence", "of asthma exacerbations").
_AT_RISK = re.compile(r"\b(?:at|has|have|with) (?:an? )?(?:high|higher|increased|greater) risk (?:of|for) "
                      r"(?:developing |getting )?([^,.;:()\n]{3,60})", re.I)
_WHAT_BEFALLS = re.compile(r"\b(?:recurr\w*|relaps\w*|progress\w*|metasta\w*|death|dying|mortality|complications?"
                           r"|exacerbations?|flares?|worsening|severe)\b", re.I)
# A broader condition counts from this depth of MeSH's tree: "colorectal neoplasms" (C04.588.274.476.411)
# for colon cancer, not "cancer" (neoplasms, C04), above every cancer.
_PREVENTED_MIN_DEPTH = 2
# ... unless it is a new cancer in patients treated for a first one: "reduced the incidence of new primary
# breast cancers" in women treated with adjuvant tamoxifen is a benefit of treating them.
_ANOTHER_PRIMARY = re.compile(r"\b(?:new|second|contralateral)\s+(?:primary\s+)?", re.I)


def about_preventing(text: str, asked: frozenset[str], vocabulary) -> bool:
    """Does ``text`` speak of preventing the asked condition (MeSH tree numbers ``asked``), or a broader
    one it is a kind of ("colorectal cancer" for colon cancer), or of people at risk of getting it?
    Then it is about people who do not have it, not about patients being treated for it."""
    for m in _PREVENTED.finditer(text):
        window = text[max(0, m.start() - _PREVENTED_REACH): m.end() + _PREVENTED_REACH]
        if _ANOTHER_PRIMARY.search(window):
            continue
        named, _ = _named_diseases(window, vocabulary)
        if any(t == a or (_under(a, t) and t.count(".") >= _PREVENTED_MIN_DEPTH) for trees, _ in named for t in trees
               for a in asked):
            return True
    for m in _AT_RISK.finditer(text):
        if _WHAT_BEFALLS.search(m.group(1)) or _ANOTHER_PRIMARY.search(m.group(1)):
            continue
        named, _ = _named_diseases(m.group(1), vocabulary)
        if any(t == a or (_under(a, t) and t.count(".") >= _PREVENTED_MIN_DEPTH) for trees, _ in named for t in trees
               for a in asked):
            return True
    return False


def names_another_kind(text: str, broader: tuple[str, ...], asked: frozenset[str], vocabulary) -> bool:
    """Does ``text`` name a kind of the broader condition other than the asked one ("athlete's foot",
    MeSH "tinea pedis", on a page on tinea, asked about tinea capitis)?"""
    named, _ = _named_diseases(text, vocabulary)
    for trees, _ in named:
        related = any(t == a or _under(t, a) or _under(a, t) for t in trees for a in asked)
        if not related and any(_under(t, b) for t in trees for b in broader):
            return True
    return False


# --- patients said not to have a condition ------------------------------------------------------
# "... in cirrhosis without hepatitis B": the question's patients do not have it, and a statement naming it
# ("... 0.2% per year in patients with hepatitis B") is about others. "ACE inhibitors ... even in
# people with diabetes who did not have high blood pressure": a statement's own patients may lack the asked
# condition. "with or without" is either way.
_WITHOUT_DISEASE = re.compile(r"(?<!\bor )\bwithout\s+([^?.,;:!()\n]{3,60})", re.I)
_LACKING = re.compile(r"\b(?:patients|people|persons|individuals|adults|children|women|men|those)\b[^.;:]{0,60}?"
                      r"\b(?:who (?:do|does|did) not have|(?<!\bor )without)\s+([^,.;:()]{3,60})", re.I)
# Negated wording in a statement: what follows it is what its patients do not have.
_NEGATED = re.compile(r"\b(?:without|regardless of|irrespective of|(?:do|does|did) not have|no|absence of)\b"
                      r"[^,.;:()]{0,50}", re.I)


def ruled_out_diseases(question: str, vocabulary) -> frozenset[str]:
    """The MeSH tree numbers of the diseases ``question`` says its patients do not have."""
    return frozenset(t for m in _WITHOUT_DISEASE.finditer(question)
                     for _, trees in named_diseases(m.group(1), vocabulary) for t in trees)


def names_ruled_out(text: str, ruled_out: frozenset[str], vocabulary) -> bool:
    """Does ``text`` name one of the ``ruled_out`` diseases (tree numbers), or a kind of one, other than
    as something its patients do not have?"""
    return bool(ruled_out) and any(is_under(t, r) for _, trees in named_diseases(_NEGATED.sub(" ", text), vocabulary)
                                   for t in trees for r in ruled_out)


def about_lacking(text: str, asked: frozenset[str], vocabulary) -> bool:
    """Does ``text`` speak of people who do not have the asked condition (tree numbers ``asked``)?"""
    return any(is_under(t, a) for m in _LACKING.finditer(text)
               for _, trees in named_diseases(m.group(1), vocabulary) for t in trees for a in asked)


# A condition named as a risk factor of another ("the best treatment is preventive ... by controlling risk
# factors such as hypertension, diabetes, and smoking", on a page on Binswanger's disease; "any other heart
# disease risk factors you have, such as ... high blood pressure"; "high blood pressure is a major risk factor
# for stroke") is not what the statement is about: the other one is.
_RISK_FACTORS = re.compile(r"\brisk factors?(?:\s+[\w'’]+){0,3},?\s*(?:such as|like|including|includes?|:"
                           r"|,?\s*\(?e\.?g\.?,?)[^.;()]{0,120}"
                           r"|(?:[\w'’-]+\s+){1,6}(?:is|are)\s+(?:a\s+|an\s+|the\s+)?(?:\w+\s+)?risk factors?\b", re.I)


def without_risk_factors(text: str) -> str:
    """``text`` without the conditions it names as risk factors of another."""
    # (the pattern backtracks over every word of a text that names no risk factor: ~1 ms a statement)
    return _RISK_FACTORS.sub(" ", text) if "risk factor" in text.lower() else text


# --- how likely the asked condition is --------------------------------------------------------------
# Advice for people at increased risk of a condition is not advice for those at standard risk, and the
# reverse: "children ... at increased risk of developing dental caries" against "... at standard risk".
# A level counts where it is the risk of the asked condition: "high caries risk", "at increased risk of
# developing dental caries", not a "high-risk" feature of something else. "moderate" sits between both.
RISK_LEVELS = {"high": "high", "higher": "high", "increased": "high", "elevated": "high", "greater": "high",
               "standard": "standard", "average": "standard", "low": "standard", "lower": "standard",
               "normal": "standard"}
_RISK_LEVEL = re.compile(r"\b(" + "|".join(RISK_LEVELS) + r")[\s-]+((?:[a-z][\w-]*\s+){0,2})risks?\b"
                         r"(?:\s+(?:of|for)\s+((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*))?", re.I)

# Words between a risk and what it is of that name nothing ("at increased risk of developing dental caries").
_RISK_FILLER = frozenset({"of", "for", "developing", "getting", "having", "a", "an", "the", "their", "future"})


def _risks(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each risk level ``text`` states, with the words naming what it is the risk of (stems by a
    plural "s")."""
    return [(RISK_LEVELS[m.group(1).lower()],
             frozenset(w.rstrip("s") for w in _WORD.findall(f"{m.group(2)} {m.group(3) or ''}".lower())
                       if w not in _RISK_FILLER))
            for m in _RISK_LEVEL.finditer(text)]


def asked_risk(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The risk levels the question states and the words naming what they are the risk of
    ("at high caries risk": {"high"}, {"carie"})."""
    risks = _risks(question)
    return frozenset(level for level, _ in risks), frozenset(w for _, words in risks for w in words)


def risk_levels(text: str, of: frozenset[str]) -> frozenset[str]:
    """The risk levels ``text`` states of what the words ``of`` name."""
    return frozenset(level for level, words in _risks(text) if words & of)
