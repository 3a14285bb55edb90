"""From a passage's text to the statements an answer may quote.

A statement is a sentence, a whole recommendation block, or a lead-in with the short
options listed under it, taken verbatim and only trimmed at its ends: numbering such as
"Recommendation 1.A.I." in front, rating boilerplate behind (which becomes an evidence
badge, see ``ratings``). The patterns are about how clinical documents are typeset and
rated, never about what they say.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from typing import NamedTuple

from ..corpus.boilerplate import without_repeated_edges
from ..corpus.guideline_xml import PROFILE_RATING_FIELD, parse_ratings

_NUMBERING = re.compile(
    r"^\s*(?:(?:Recommendation|Statement|Rec\.?)\s*[A-Z]?[\dIVXLivx]+(?:[.\-][\dA-Za-z]+)*\s*[.:)]?\s*"
    r"|\(?(?:\d{1,3}(?:\.\d{1,3})*[A-Za-z]?|[IVXA-H]{1,6})[.)]\s+|[a-z][.)]\s+|[-•*]\s+|\[(?:new )?\d{4}\]\s*"
    r"|[A-Z]{1,3}\d{1,3}[a-z]?\s+[-–]\s+"  # "R10 - Where medication is considered ..."
    r"|[A-D]\s*[-–]\s+(?=[A-Z]))"  # SIGN's grade in front: "D - Women with epilepsy should be informed ..."
)
# ... which is the statement's grade (``ratings``): the line's text before the statement ends with it.
_GRADE_HEAD = re.compile(r"(?:^|\s)([A-D])\s*[-–]\s*$")
NUMBERING = _NUMBERING  # how a list item or numbered recommendation opens
_NUMBERING_REACH = 40  # characters that hold any numbering ("Recommendation 2.1.3a: ")
_LEADING_QUESTION = re.compile(r"^[^?.\n]{10,300}\?\s+(?=[A-Z])")
# Rating-level headings run into the text ("Level A recommendations. None specified. Level B
# recommendations. Physicians can use ... Level C recommendations."): labels, not statements.
_LEVEL_LABEL = r"(?:Level|Grade|Class|Category) (?:[A-D]|[1-4]|I{1,3}|IV)[a-c]?\+? recommendations?\s*[.:]?"
_LEADING_LEVELS = re.compile(rf"^(?:{_LEVEL_LABEL}\s*(?:None specified\.?\s*)?)+(?=[A-Z])")
_TRAILING_LEVELS = re.compile(rf"(?<=[.!?])(?:\s*{_LEVEL_LABEL}(?:\s*None specified\.?)?)+\s*$")
# NICE dates each recommendation: "... undergoing dental procedures. [new 2015]".
_YEAR_TAG = re.compile(r"\s*\[(?:new |amended |updated )?(?:19|20)\d\d[^\]]{0,40}\]\s*$")
# The rating labels as guidelines capitalise them ("Strength of Recommendation: Strong", "(Evidence
# level: I–II; Grade: B)"): multi-word labels in any case, one-word ones capitalised only.
# The tail starts at the label, or before the bracket and spaces in front of it (found by hand:
# a pattern opening with "\s*" is tried at every position, and this runs on every statement).
_RATING_LABEL = re.compile(
    r"Type:\s|(?i:Evidence quality|Quality of evidence|Strength of recommendation|"
    r"Level of evidence|Evidence level|Strength of evidence|Grade of recommendation|Recommendation strength)\s*[:=]|Grade:|"
    r"(?:Strong|Weak|Conditional|Moderate) recommendation[;,]|LOE:|SOR:|Class [IV]+[;,]"
)


def _rating_tail(segment: str) -> int:
    """Where a rating label's tail begins (its bracket and the spaces before included), or -1."""
    # Every label holds one of these (searching for the labels costs ten times more than this).
    if not (":" in segment or "=" in segment or "recommendation;" in segment or "recommendation," in segment
            or "Class " in segment):
        return -1
    m = _RATING_LABEL.search(segment)
    if not m:
        return -1
    at = len(segment[: m.start()].rstrip())
    if at and segment[at - 1] in "([":
        at = len(segment[: at - 1].rstrip())
    return at


def _tail(pattern: re.Pattern[str], *, ends: str = "", holds: str = ""):
    """Where ``pattern``'s match begins in a segment, or -1. A tail pattern is anchored at the end,
    so the search tries every position: when the tail can only close on one of the characters
    ``ends`` or must hold ``holds``, segments that do not are not searched."""
    def start(segment: str) -> int:
        if ends and not segment.rstrip().endswith(tuple(ends)) or holds and holds not in segment:
            return -1
        return m.start() if (m := pattern.search(segment)) else -1
    return start
# USPSTF-style grades after the statement: "(B recommendation)", "(I statement)".
_GRADE_TAIL = re.compile(r"\s*\(([A-D]|I) (?:recommendation|statement)\)\s*$")
# AUA-style ratings after the statement: "(Standard; Evidence Level Grade A [abiraterone ...]/ B [docetaxel])".
_PAREN_RATING = re.compile(
    r"\s*\((?:Standard|Recommendation|Option|Expert Opinion|Clinical Principle)\b[^()]*\)\s*$"
    r"|\s*\([^()]*\b(?:Evidence Level|Level of Evidence|Quality of Evidence|Evidence Grade)\b[^()]*\)\s*$"
    # A short parenthesis after the full stop that rates the sentence: "(GPP)", "(High Quality Evidence,
    # Strong Recommendation)", "(Moderate recommendation; consensus)".
    r"|(?<=[.!?])\s*\([^()]{0,80}\b(?i:evidence|recommendations?|grade|level|GPP|consensus|expert opinion"
    r"|good practice point)\b[^()]{0,80}\)\s*$"
    # ... and one closing a recommendation that has no full stop: "... a lower-risk BRUE (Grade B, Weak
    # Recommendation)" (not "(grade 3 or higher)", which is part of the sentence).
    r"|\s*\([^()]{0,80}\b(?i:evidence|recommendation|GPP|consensus)\b[^()]{0,80}\)\s*$")
# An opened parenthesis the rating was cut out of, with its label: "... with PS 2 (Chemotherapy: Type: ...".
_OPEN_LABEL = re.compile(r"\s*\([^()]{0,60}$")
_BRACKET_RATING = re.compile(r"\s*\[(?:[A-D]|[A-D][-–][a-z]+|I{1,3}[AB]?|Level [^\]]{1,20}|Grade [^\]]{1,20})\]\s*$"
                             r"|\s*\((?:Level|Grade) [A-D1-4I][^()]{0,18}\)\s*$")  # "... the first choice. (Grade C)"
_TAILS = (_tail(_TRAILING_LEVELS, holds="recommendation"), _tail(_YEAR_TAG, ends="]"), _rating_tail,
          _tail(_BRACKET_RATING, ends=")]"), _tail(_GRADE_TAIL, ends=")"), _tail(_PAREN_RATING, ends=")"))
# Words after which a full stop does not end a sentence (general English, not medical).
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "al.", "fig.", "approx.", "no.", "dr.", "st.", "cf.", "ca.", "inc.", "ltd.", "u.s.", "resp.")
# A sentence ends before a capital, a bracket or quote, or an inline list item ("... a bowel
# movement. - Drink lots of fluids": list items flattened into one line by the source).
# A closing bracket or quote after the full stop belongs to the sentence ("... healthy for you.)").
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][)\]\"”’]))\s+(?=[A-Z(\[\"“]|[-•*–]\s)")

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
    original_end = end
    segment = text[start:end]
    m = _NUMBERING.match(segment)
    if m:
        start += m.end()
        segment = text[start:end]
    # "Should linaclotide be used in patients with IBS-C? The AGA recommends ...": the
    # clinical question in front of a recommendation is structure, not statement.
    m = _LEADING_QUESTION.match(segment)
    if m and m.end() < len(segment):
        start += m.end()
        segment = text[start:end]
    m = _LEADING_LEVELS.match(segment)
    if m and m.end() < len(segment):
        start += m.end()
        segment = text[start:end]
    for tail_start in _TAILS:
        at = tail_start(segment)
        if at > 0:
            end = start + at
            segment = text[start:end]
    segment = text[start:end]
    m = _OPEN_LABEL.search(segment)
    if m and m.start() > 0 and end < original_end:
        segment = text[start:start + m.start()]
    stripped = segment.rstrip(" ;,:")
    end = start + len(stripped)
    lead = len(segment) - len(segment.lstrip())
    return start + lead, end


def statement_at(text: str, start: int, end: int, repeated: Collection[str] = ()) -> tuple[int, int, bool]:
    """The statement a block ``text[start:end]`` holds, and whether it ends as a sentence does.

    Ratings and numbering are trimmed first, then sentences repeated across the corpus
    (``repeated``) off its edges: a rating phrase many guidelines share ("Evidence Strength
    Grade B)") is not a sentence to cut at. A recommendation whose rating closed it ended,
    with or without a full stop ("... with bronchiolitis (Evidence quality: B; ...).").
    A block on the line of a guideline profile's rating field ("Role of patient preferences: Large—Shared
    decision making ...") holds no statement (an empty span), whichever of the line's sentences it is,
    and though the label may be cut off later as text repeated across the corpus.
    """
    line = text.rfind("\n", 0, start) + 1
    numbered = _NUMBERING.match(text[line:line + _NUMBERING_REACH])  # "- Role of patient preferences: ..."
    if _RATING_FIELD_LINE.match(text, line + (numbered.end() if numbered else 0)):
        return start, start, False
    a, b = trim_statement(text, start, end)
    rated = b < start + len(text[start:end].rstrip(" ;,:\n\t"))  # a rating or date tag closed the block
    edges = without_repeated_edges(text, a, b, repeated)
    if edges != (a, b):  # what the repeated sentences left may open with numbering again
        a, b = trim_statement(text, *edges)
    return a, b, bool(ENDS_SENTENCE.search(text[a:b]) or rated)


# A guideline profile's rating field (its source's format, ``corpus.guideline_xml``): each sentence of the
# field's line rates the recommendation rather than stating anything.
_RATING_FIELD_LINE = re.compile(PROFILE_RATING_FIELD, re.I)
# Sentences about the document rather than the patient: pointers to tables and product
# literature, and publishers' notes on how their guidance is to be used. Openings and
# phrases are two patterns: as one alternation, Python's re tries every "^" alternative at
# every position, five times slower, and this test runs on every candidate statement.
_NOT_A_FINDING_OPENING = re.compile(
    r"(?:Table|Figure|Appendix) \w+ (?:describes|shows|lists|summari[sz]es)\b|Readers are encouraged\b"
    r"|(?:Strong|Weak|Moderate|Conditional) recommendation based on\b|See\b|Note from\b"
    r"|\(This recommendation is from\b"
    # The document speaking of itself: what it is for, how it was made, what it is not ("The guideline is
    # intended to focus on ...", "This clinical practice guideline was undertaken to ..."); not what it
    # recommends ("The guideline recommends ...").
    r"|(?:This|The|These) (?:clinical |practice )*(?:guidance|information|guidelines?|document|parameters?)"
    r" (?:(?:is|are|was|were) (?:not |also |primarily )?(?:intended|designed|developed|undertaken|meant|written|based|limited"
    r"|not|a complete)\b|represents|addresses|focuses|aims|covers|updates|replaces)\b"
    # ... and its authors telling how they weighed the evidence when they wrote it ("The guideline committee
    # recognised that the clinical decision ..."): the account of their deliberation, not a finding or
    # recommendation. (In the present tense it is their position: "The panel recognizes that some clinicians
    # omit axillary dissection ..." stays, as does "The panel recommends ...".)
    r"|(?:the|this) (?:guideline |expert |development |writing )*(?:committee|panel|GDG"
    r"|Guideline Development Group|work(?:ing)? group|task force|authors)s? (?:also )?(?:recogni[sz]ed|agreed|noted"
    r"|discussed|considered|felt|acknowledged|(?:was|were) aware|believed)\b"
    r"|\((?:Strong|Weak|Moderate|Conditional)? ?(?:Recommendation|Option)\b"
    rf"|{PROFILE_RATING_FIELD}"
    # ... and the profile's benefit and harm lines when they do not say of what ("Harm: Patient discomfort.").
    r"|(?:Benefits?|Harms?(?:/risks?/costs?)?|Risks?|Costs?|Notes?)\s*(?::|\s+(?=[A-Z]))", re.I)
_NOT_A_FINDING_PHRASE = re.compile(
    r"\bsee (?:the )?(?:Table|Figure)\b.{0,40}$|\b(?:are|is) (?:defined|provided|described|explained) at the end of\b"
    r"|\bNo new recommendations\b|\bFor recommendations marked\b|\bhas been reviewed but no change\b"
    r"|\bhave not directly resulted from\b|\bThis (?:guideline|document) (?:updates|replaces)\b"
    r"|\bin the original guideline document\b[^.]*\.$|\bsee the [\"“][^\"”]{1,80}[\"”] (?:section|field)"
    r"|\bNICE guidance\b|\bsee the NGC summary\b|\bThis document reflects\b|\bshould not be construed as dictating\b"
    r"|\b(?:are|is) not intended to (?:define|be construed|serve|replace)\b"
    r"|\bSummary of Product Characteristics\b|\b(?:this|the) guidance\b|\bpatient access scheme\b"
    r"|\bUse of the information is voluntary\b|\bexpected to take it fully into account\b|\bnot continually updated\b"
    r"|\bThe recommendations cited here\b|\bThe decision to adopt any of the recommendations\b"
    r"|\bneed to use clinical judge?ment\b|\bThese references have been identified\b"
    # Publishers' standard notes on how their recommendations are to be used.
    r"|\bNICE (?:produces|has agreements|expects)\b|\bUK marketing authori[sz]ation\b"
    r"|\bThe prescriber should follow relevant professional guidance\b|\bThis discussion aims to help them\b"
    r"|\bdo not indicate an exclusive course of treatment\b|\bVariations, taking into account individual circumstances\b"
    # Acknowledgements: whom the authors thank ("The NIDDK would like to thank: Neil R. Powe, M.D., ...").
    r"|\bwould like to thank\b|\bgratefully acknowledges?\b",
    re.I)


class Block(NamedTuple):
    """One block of a passage and the statement it holds (``statement_at``), with what is read of it alone."""

    start: int
    end: int
    words: int
    usable: bool  # ends as a sentence does and is about the patient, not the document (``not_a_finding``)


@functools.lru_cache(maxsize=16384)
def passage_blocks(text: str, kind: str, repeated: frozenset[str] = frozenset()) -> tuple[Block, ...]:
    """The statements of a passage's blocks (``statement_spans``, ``statement_at``), in order.

    Read once per passage: an answer reads every statement of some 30 passages, and a passage
    retrieved again (a popular guideline, or the same question asked by another audience) is not
    read again.
    """
    out = []
    for block_start, block_end in statement_spans(text, kind):
        a, b, ended = statement_at(text, block_start, block_end, repeated)
        words = len(text[a:b].split())
        out.append(Block(a, b, words, ended and not not_a_finding(text[a:b])))
    return tuple(out)


def not_a_finding(text: str) -> bool:
    """Is ``text`` about the document rather than the patient ("See Table 2 ...", "NICE produces ...")?"""
    return bool(_NOT_A_FINDING_OPENING.match(text) or _NOT_A_FINDING_PHRASE.search(text))

# "Harm (of using metformin): ..." and "Benefit: ..." lines of a key action statement
# profile: findings about a recommendation, never the recommendation itself.
PROFILE_FIELD = re.compile(r"^(?:Benefits?|Harms?(?:/risks?/costs?)?|Risks?|Costs?)\s*(?:\([^)]*\))?:")


_LABEL = re.compile(r"^(?:Clinical |Key )?Questions?\s*[\dA-Za-z.]*\s*$|^Recommendations?\s*[\dA-Za-z.]*\s*$")
# A statement ends as a sentence does, or is a lead-in with its list (NICE lists carry no full stops).
ENDS_SENTENCE = re.compile(r"[.!][\"”’)\]]*$|:[ \t]*\n(?:[ \t]*\n)?[ \t]*(?:\d{1,2}[.)]|[-•*])[ \t][^\n]*(?:\n[^\n]+)*$")


_ITEM_NUMBER = re.compile(r"^(\d{1,2})[.)]\s")


def statement_spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that can stand alone as statements.

    A recommendation block (one line) stays whole, with its ratings trimmed later;
    clinical-question labels, the questions themselves and lead-ins ending in ":"
    are structure, not statements.
    """
    spans: list[tuple[int, int]] = [] if kind == "recommendation" else option_lists(text)
    after_lead_in = first_item_seen = False
    for m in re.finditer(r"[^\n]+", text):
        block = m.group().strip()
        if not block:
            continue
        numbered = _ITEM_NUMBER.match(block)
        if numbered:
            first_item_seen |= numbered.group(1) == "1"
            # Item 7 of a list whose first items stand in the passage before ("Treatment options ...
            # include: 1. ..."): its lead-in is there, and a short option means nothing here either.
            after_lead_in |= not first_item_seen
        # A short option under "clinicians may recommend either:" means nothing on its own.
        option = after_lead_in and len(block.split()) < 12
        after_lead_in = block.endswith(":") or (after_lead_in and option)
        # "*This recommendation updates and replaces ..." and "Note from the National Guideline
        # Clearinghouse (NGC): ..." paragraphs are editorial notes, not recommendations.
        if block.endswith(":") and not option and not _LABEL.match(block):
            # "... If you are sick or taking antibiotics, it can multiply and cause an infection. Yeast
            # infections affect different parts of the body in different ways:": the sentences before
            # the lead-in stand on their own.
            spans.extend((m.start() + a, m.start() + b) for a, b in split_sentences(m.group())[:-1])
            continue
        if option or block.endswith("?") or _LABEL.match(block) or re.match(r"\*[A-Za-z]|Note from\b|NGC Note\b", block):
            continue
        # A table row ("Inhaled hypertonic saline | For individuals with CF, ... recommends ... | Moderate | B"):
        # each cell on its own, so that a cell written as a sentence can be quoted.
        for a, b in _cells(m.group()):
            if kind == "recommendation" and len(m.group()[a:b].split()) <= 90:
                spans.append((m.start() + a, m.start() + b))
            else:
                spans.extend((m.start() + a + x, m.start() + a + y) for x, y in split_sentences(m.group()[a:b]))
    return spans


_CELL_SEPARATOR = re.compile(r" \| ")


def _cells(line: str) -> list[tuple[int, int]]:
    """Spans of the cells of a table row written "a | b | c"; the whole line when it is not one."""
    cuts = [0, *(x for m in _CELL_SEPARATOR.finditer(line) for x in (m.start(), m.end())), len(line)]
    return [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if line[a:b].strip()]


_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*])\s+")


_COUNT = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(?:main |major |different |common |basic )?"
                    r"(?:types?|kinds?|forms?|stages?|groups?|categories|classes|ways|steps|options|phases|parts)\b", re.I)


def option_lists(text: str) -> list[tuple[int, int]]:
    """Spans that run from a lead-in ("Treatment options for stage III colon cancer include:")
    through the short items listed under it ("1. Surgery. 2. Adjuvant chemotherapy. 3. Clinical
    trials."), up to the first sentence of each item: the items mean nothing without the
    lead-in, and together they are one contiguous, verbatim statement. A list whose lead-in counts
    its items is quoted whole or not at all."""
    out = []
    lines = list(re.finditer(r"[^\n]+", text))
    for i, lead in enumerate(lines):
        if not lead.group().rstrip().endswith(":") or len(lead.group().split()) < 4:
            continue
        end, items, whole = None, 0, True
        for item in lines[i + 1:]:
            marker = _LIST_ITEM.match(item.group())
            if not marker:
                break
            body = item.group()[marker.end():]
            first = split_sentences(body)[0] if body.strip() else (0, 0)
            if not body.strip() or len(body[first[0]:first[1]].split()) >= 12:
                whole = False
                break
            end, items = item.start() + marker.end() + first[1], items + 1
        start = lead.start() + split_sentences(lead.group())[-1][0]  # the lead-in's own sentence
        # "There are three types of burns:" quoted with two of them would mislead.
        counted = _COUNT.search(text[start:lead.end()])
        if items >= 2 and (whole or not counted) and len(text[start:end].split()) <= 90:
            out.append((start, end))
    return out


def ratings(tail: str, passage, head: str = "") -> dict[str, str]:
    """The statement's own ratings where its line carries them after it ("... (Evidence level: II–III;
    Grade: C)"), read as the guideline readers read a passage's, else the passage's (its first,
    or those its heading gives); ``head``: its line's text before it, which may hold its grade ("D - ")."""
    quality, strength, _ = parse_ratings(tail)
    found = {"quality": quality or passage.evidence_quality, "strength": strength or passage.strength}
    found["level"] = passage.evidence_level
    grade = _GRADE_TAIL.search(tail) or _GRADE_HEAD.search(head)
    found["grade"] = grade.group(1) if grade else ""
    return {k: v for k, v in found.items() if v}
