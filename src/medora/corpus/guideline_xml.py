"""Read National Guideline Clearinghouse (NGC) summaries, ``ngc-<id>.xml``, into Documents.

Each file is ``<Version><Section Name=…><Field Name=… Type=…><FieldValue Value="…"/>``;
``Value`` holds HTML (XML-escaped once), converted with :mod:`medora.corpus.html_text`.

Also here: the guideline-specific rules the chunker uses — where the rating
definitions start (:func:`definitions_start`) and which evidence/strength ratings a
recommendation statement carries (:func:`parse_ratings`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..errors import ParseError
from ..types import Document, Section
from .html_text import collapse, fix_mojibake, html_to_text

LICENCE = (
    "Summary: AHRQ National Guideline Clearinghouse (US government work, public domain); "
    "the guideline itself belongs to its developer - cite the developer and the bibliographic source."
)

# Sections kept as text, in this order. Methodology, disclaimer, funding, committee
# and availability fields are boilerplate for answering clinical questions.
TEXT_FIELDS = (
    "Major Recommendations",
    "Clinical Algorithm(s)",
    "Potential Benefits",
    "Potential Harms",
    "Contraindications",
    "Qualifying Statements",
    "Type of Evidence Supporting the Recommendations",
    "Guideline Objective(s)",
    "Target Population",
    "Interventions and Practices Considered",
    "Disease/Condition(s)",
)
# Field name -> meta key, for fields that are lists (picklists, or one item per line).
LIST_FIELDS = {
    "Disease/Condition(s)": "conditions",
    "Guideline Category": "category",
    "Clinical Specialty": "specialty",
    "Intended Users": "intended_users",
    "Target Population": "target_population",
    "Interventions and Practices Considered": "interventions",
}
_PMID = re.compile(r"list_uids=(\d+)")
# A field NGC filled with "None provided" / "Not stated" says nothing worth a passage.
_NOTHING = re.compile(r"(?:none|not)(?: (?:provided|stated|specified|applicable|available|identified))?\.?", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def read_guideline(path: Path) -> Document:
    """Read one ``ngc-*.xml`` file.

    Raises:
        ParseError: the file is not well-formed XML (with the parser's line) or has no title.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ParseError(str(path), e.position[0], f"not well-formed XML: {e}") from e
    fields: dict[str, list[str]] = {}
    for field in root.iter("Field"):
        name = field.get("Name") or ""
        # Some fields appear twice (once per NGC page section) with the same values.
        if name and name not in fields:
            fields[name] = [v.get("Value") or "" for v in field.findall("FieldValue")]

    title = collapse(html_to_text("".join(fields.get("Guideline Title", []))))
    if not title:
        raise ParseError(str(path), None, "no 'Guideline Title' field")
    citations = [_citation_text(v) for v in fields.get("Bibliographic Source(s)", [])]
    pmids = [m.group(1) for v in fields.get("Bibliographic Source(s)", []) for m in _PMID.finditer(v)]
    developers = [_organisation(v) for v in fields.get("Guideline Developer(s)", [])]
    date = collapse(" ".join(fields.get("Date Released", []))) or None
    years = [int(y) for y in _YEAR.findall(date or "")]

    meta: dict[str, object] = {
        "status": html_to_text(" ".join(fields.get("Guideline Status", []))),
        "citation": " ".join(citations),
        "developers": developers,
    }
    if pmids:
        meta["pmid"] = pmids[0]
    for name, key in LIST_FIELDS.items():
        meta[key] = _list_values(fields.get(name, []))

    sections = []
    for name in TEXT_FIELDS:
        text = html_to_text("\n".join(fields.get(name, []))).strip()
        if text and not _NOTHING.fullmatch(text):
            sections += literature_review(text) if name == "Major Recommendations" else [Section(name, text)]
    return Document(
        id=path.stem,
        type="guideline",
        title=title,
        source="; ".join(developers),
        year=max(years) if years else None,
        url=f"https://www.ncbi.nlm.nih.gov/pubmed/{pmids[0]}" if pmids else None,
        audience="professional",
        sections=tuple(sections),
        date=date,
        licence=LICENCE,
        meta=meta,
    )


# ACR Appropriateness Criteria follow their rated variants with a "Summary of Literature Review" under
# headings of its own: background, each imaging modality or procedure, a summary, abbreviations. It
# reviews; it recommends nothing the rated variants do not.
LITERATURE_REVIEW = "Summary of Literature Review"
# The review's headings that say nothing of patients: its background ("The management of metastatic
# colorectal cancer (mCRC) has evolved over the past decades ...") and its glossaries.
REVIEW_SCOPE_HEADINGS = ("Introduction/Background", "Introduction", "Abbreviations",
                         "Relative Radiation Level Designations")
_REVIEW_AT = re.compile(rf"^{LITERATURE_REVIEW}[ \t]*$", re.M)
_HEADING_WORDS = 8  # "Mammography and Digital Breast Tomosynthesis Diagnostic"


def literature_review(text: str) -> list[Section]:
    """The Major Recommendations field, with a literature review after its recommendations cut into
    sections under its own headings ("Major Recommendations › Summary of Literature Review ›
    Management of Liver Metastases"): a paragraph of one short line that ends in no punctuation."""
    found = _REVIEW_AT.search(text)
    if not found:
        return [Section("Major Recommendations", text)]
    out = [Section("Major Recommendations", text[: found.start()].strip())] if text[: found.start()].strip() else []
    heading, body = "", []
    for block in (b.strip() for b in re.split(r"\n[ \t]*\n", text[found.end():])):
        if not block:
            continue
        if "\n" not in block and len(block.split()) <= _HEADING_WORDS and block[0].isupper() \
                and not re.search(r"[.:;,]$", block):
            if body:
                out.append(Section(review_section(heading), "\n\n".join(body)))
            heading, body = block, []
        else:
            body.append(block)
    if body:
        out.append(Section(review_section(heading), "\n\n".join(body)))
    return out


def review_section(heading: str) -> str:
    """The section name of a literature review's part under ``heading``."""
    return " › ".join(["Major Recommendations", LITERATURE_REVIEW, *([heading] if heading else [])])


def _citation_text(value: str) -> str:
    text = collapse(html_to_text(value))
    return text.removesuffix(" PubMed").strip()


def _organisation(value: str) -> str:
    """"American Society of Clinical Oncology - Medical Specialty Society" -> the name only."""
    name = collapse(fix_mojibake(value))
    head, sep, _kind = name.rpartition(" - ")
    return head if sep else name


def _list_values(values: list[str]) -> list[str]:
    """Picklist values as they are; an HTML field as one value per paragraph or list item."""
    out: list[str] = []
    for value in values:
        for line in html_to_text(value).splitlines():
            line = line.strip().removeprefix("- ").strip()
            if line:
                out.append(line)
    return out


# A note among a Target Population's items says whom else the guideline is, or is not, for: "Note:
# This guideline does not cover:", and the items after it are the people it leaves out.
_NOTE = re.compile(r"\s*notes?\b", re.I)
_LEAVES_OUT = re.compile(r"\b(?:not|excluded?|excluding|except|beyond)\b|n[’']t\b", re.I)
# ... or an item says so of the people it names: "Infants born at home or in the community setting ... will
# not be considered in this guideline."
_NOT_COVERED = re.compile(r"\bnot (?:be )?(?:considered|covered|included|addressed)\b|\b(?:are|is) excluded\b", re.I)


def population_covered(items: Iterable[str]) -> tuple[str, ...]:
    """The items of a guideline's target population (``meta["target_population"]``) that say whom
    it is for: not a note that says whom it leaves out ("Note: The following groups that will not be
    covered in this guideline:"), nor the items listed after one ("People attending hospital as
    outpatients"), nor an item saying they are not considered. A note that adds to whom it is for ("These
    include mother-infant pairs ...") is kept."""
    covered, leaving_out = [], False
    for item in items:
        if _NOTE.match(item):
            leaving_out = bool(_LEAVES_OUT.search(item))
        if not leaving_out and not _NOT_COVERED.search(item):
            covered.append(item)
    return tuple(covered)


# -- guideline rules used by the chunker -----------------------------------------

_DEFINITIONS = re.compile(r"Definitions:?")
# NGC's pointer to the rating definitions names the rating scales; it rates nothing.
_POINTER = re.compile(r"at the end of the \W?Major Recommendations?\W? field", re.I)


def definitions_start(blocks: list[str]) -> int | None:
    """Index of the block that opens the rating definitions ("Definitions:"), if any.

    NGC puts the definitions of the evidence and strength ratings after the last
    recommendation, under a paragraph that reads exactly "Definitions" or "Definitions:".
    """
    found = [i for i, block in enumerate(blocks) if _DEFINITIONS.fullmatch(block.strip())]
    return found[-1] if found else None


# Rating values: words are lower-cased; codes (A, B1, IIa, 1++, 2b) are kept as written.
_ONE_CODE = r"(?-i:[A-D][1-3]|[A-D][+-]?|U|I{1,3}[ab]?|IV[ab]?|V|[1-5](?:[+-]{1,2}|[a-c](?:i{1,3})?)?)(?![\w-])"
# ... or a range of them, as EAACI rates a body of evidence: "(Evidence level: I–III*; Grade: B)".
_CODE = _ONE_CODE + r"(?:\s*[–-]\s*" + _ONE_CODE + ")?"
_Q_WORD = (
    r"very low|low|moderate|intermediate|high|insufficient|limited|strong|weak|inconclusive"
    r"|good|fair|poor|expert opinion|consensus"
)
_S_WORD = (
    r"strong|moderate|weak|conditional|optional|limited|discretionary|insufficient|inconclusive|no specific"
    r"|consensus|expert opinion|standard|option|recommendation|not graded|ungraded|mandatory"
)
_SEP = r"\s*(?:[:=\u2013-]|is)?\s*"
# The rationale fields of a key action statement profile (AAO-HNS, AAP, VA/DoD summaries), which rate a
# recommendation rather than state anything: "- Role of patient preferences: Large—Shared decision making ...".
# (VA/DoD summaries lost the colon: "Benefits-Harms Assessment Given the ...".) A pattern to build on.
PROFILE_RATING_FIELD = (
    r"(?:Value judgments?|Role of patient preferences|Intentional vagueness|Policy level|Aggregate evidence quality"
    r"|Level of confidence in (?:the )?evidence|Quality improvement opportunity|Differences of opinion"
    r"|Benefits?[-–]harms? assessment|Exclusions|Key references|Relevant resources|Risks?, harms?,? (?:and )?costs?)"
    r"\s*(?:\([^)]*\))?(?::|\s+(?=[A-Z]))")

# "Grade 1C" (ACCP / BCSH style): 1-2 is the strength, A-D the quality of evidence.
_GRADE_1C = re.compile(r"\bGrade\s*([12])\s*([A-D])\b", re.I)
# Each pattern comes with words one of which the lower-cased text must contain: a cheap
# substring test spares most regex scans (the corpus has ~60,000 guideline paragraphs).
_QUALITY = (
    (
        ("evidence", "loe", "bel"),
        re.compile(
            r"\b(?:evidence quality|quality of (?:the )?evidence|(?:strength|level|grade|class|certainty|quality) of "
            r"(?:the )?evidence|evidence (?:level|grade|strength(?: grade)?|rating)|aggregate evidence quality|LOE|BEL)"
            + _SEP
            + r"(?:grade|level|class)?\s*("
            + _Q_WORD
            + "|"
            + _CODE
            + ")",
            re.I,
        ),
    ),
    (
        ("evidence",),
        re.compile(r"\b(very low|low|moderate|high)[- ](?:quality|certainty|level)(?: of)?(?: the)? evidence", re.I),
    ),
    (("level",), re.compile(r"(?-i:\bLevel)\s+(" + _CODE + r")(?!\s+recommendations?\b)")),
    # GRADE as ATS/ERS word it: "(strong recommendation, low confidence in estimates of effect)"
    (("confidence",), re.compile(r"\b(very low|low|moderate|high) confidence in (?:the )?estimates? of (?:the )?effect", re.I)),
)
_STRENGTH = (
    (
        ("recommend", "strength", "policy", "cor", "sor", "grade"),
        re.compile(
            r"\b(?:strength of (?:the )?recommendations?|recommendation (?:strength|grade|level|class)"
            r"|(?:grade|class|level|strength) of recommendations?|policy level|COR|SOR|strength"
            r"|(?-i:GRADE)(?: [Rr]ecommendation)?(?=\s*:))"  # "GRADE: Weak", not "grade 3 toxicity"
            + _SEP
            + r"(?:grade\s*)?((?:"
            + _S_WORD
            + r")(?:\s+(?:positive|negative|for|against))?|"
            + _CODE
            + r")(?:\s+recommendations?\b)?",
            re.I,
        ),
    ),
    (
        ("recommendation",),
        re.compile(
            r"\b(strong|weak|conditional|moderate|discretionary|optional|consensus)(?: positive| negative)?"
            r"\s+recommendation",
            re.I,
        ),
    ),
    (("class",), re.compile(r"(?-i:\bClass)\s+(I{1,3}[ab]?|IV)\b(?!\s*(?:evidence|stud|data|trial|RCT|or\b|and\b))")),
    (("(grade",), re.compile(r"\(Grade\s*[:=\u2013-]?\s*([12A-D]|I|consensus)\b", re.I)),
    (("grade",), re.compile(r"(?-i:\bGrade)\s*[:=]?\s*([A-D](?:\s*[–-]\s*[A-D])?)\b")),  # "Grade: A–C" a range
    (("recommendation",), re.compile(r"(?-i:\b([A-D]) recommendation\b)")),
    (("(",), re.compile(r"\((Standard|Recommendation|Option|Expert Opinion|Clinical Principle|GPP)\s*[;,)]")),
)
_ANY_RATING = tuple({word for needles, _ in (*_QUALITY, *_STRENGTH) for word in needles} - {"("})


def _value(raw: str) -> str:
    raw = " ".join(raw.split())
    return raw if re.fullmatch(_CODE, raw) else raw.lower()


@lru_cache(maxsize=8192)  # the chunker asks about a block, then its lines and statements
def parse_ratings(text: str) -> tuple[str, str, tuple[tuple[int, int], ...]]:
    """The first evidence-quality and strength rating stated in ``text``.

    Recognises the common NGC formats, e.g. "Evidence quality: high. Strength of
    recommendation: strong", "(Strength of Evidence = C; Strength of Recommendation =
    Weak positive recommendation)", "(Grade 1C)", "(Level of Evidence: B)", "Class IIa",
    "(Conditional recommendation, low quality of evidence)", "(Level 3)", "(Grade B)", GRADE's
    "(strong recommendation, moderate-quality evidence)" and "(conditional recommendation, low
    confidence in estimates of effect)". Publisher-independent: the PDF, Word and HTML readers'
    documents are rated by the same function.

    Returns:
        (evidence_quality, strength, (start, end) of the matched rating expressions); the
        ratings are "" when the text states none.
    """
    spans: list[tuple[int, int]] = []
    quality = strength = ""
    lower = text.lower()
    if not any(word in lower for word in _ANY_RATING) or _POINTER.search(text):
        # no rating word; or "... are defined at the end of the "Major Recommendations" field."
        return "", "", ()
    masked = text

    def mask(m: re.Match[str]) -> None:
        nonlocal masked
        spans.append(m.span())
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]

    if "grade" in lower and (m := _GRADE_1C.search(masked)):
        strength, quality = m.group(1), m.group(2).upper()
        mask(m)
    for needles, pattern in _QUALITY:
        if any(word in lower for word in needles) and (m := pattern.search(masked)):
            quality = quality or _value(m.group(1))
            mask(m)  # so "Evidence Strength Grade C" is not read again as a strength
            break
    for needles, pattern in _STRENGTH:
        if any(word in lower for word in needles) and (m := pattern.search(masked)):
            strength = strength or _value(m.group(1))
            spans.append(m.span())
            break
    return quality, strength, tuple(sorted(spans))
