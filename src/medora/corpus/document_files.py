"""What the readers of everyday document files (PDF, Word, saved web pages) share.

A document of these formats carries no fixed fields: its id comes from its file name, its date
from its metadata or its first page, its sections from its headings, and recommendations may
stand under any heading (``chunk.ANY_SECTION``). Knowledge of one format's layout stays in its
reader (pdf.py, docx.py, html_doc.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..types import Document, Section
from .chunk import ANY_SECTION
from .guideline_xml import parse_ratings

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
          r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_YEAR = r"(?:19|20)\d\d"
# "2014 July 1", "July 1, 2014", "1 July 2014", "2014-07-01", "July 2014"; the most precise first.
_DATES = (
    re.compile(rf"\b{_YEAR}-[01]\d-[0-3]\d\b"),
    re.compile(rf"\b{_YEAR}\s+{_MONTH}(?:\s+[0-3]?\d\b)?", re.I),
    re.compile(rf"\b{_MONTH}\s+[0-3]?\d,\s*{_YEAR}\b", re.I),
    re.compile(rf"\b[0-3]?\d\s+{_MONTH}\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.I),
)
# A date the document itself labels as its publication or revision date comes first.
_LABELLED = re.compile(
    r"\b(?:published|publication date|date released|released|issued|updated|last updated|revised|reviewed"
    r"|last reviewed|approved|effective(?: date)?|date)\b\s*(?:on|:)?\s*", re.I)
_GUIDELINE = re.compile(r"\b(?:guidelines?|recommendations?|consensus statement|protocol|position statement)\b", re.I)
_FRONT = 3000  # characters of the first page(s) a date or the kind of document is looked for in


def document_id(path: Path) -> str:
    """A readable, stable id from the file name: ``HER2 guideline.pdf`` -> ``her2-guideline.pdf``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip("-._").lower()
    return name or "document"


def find_date(text: str) -> str | None:
    """The publication date stated near the start of ``text``, as written; None when none is.

    A labelled date ("Date released: 2014 July 1", "Updated March 2023") wins over the first
    date found anywhere in the first ``_FRONT`` characters.
    """
    front = text[:_FRONT]
    for m in _LABELLED.finditer(front):
        for pattern in _DATES:
            found = pattern.match(front, m.end())
            if found:
                return found.group().rstrip(".,")
    for pattern in _DATES:
        if found := pattern.search(front):
            return found.group().rstrip(".,")
    return None


def year_of(date: str | None) -> int | None:
    """The latest year in a date ("1998 Nov 1 (revised 2014 June 10)" -> 2014)."""
    years = [int(y) for y in re.findall(rf"\b{_YEAR}\b", date or "")]
    return max(years) if years else None


def reads_as_guideline(title: str, sections: list[Section]) -> bool:
    """A guideline when its title or opening says so, or a statement in it carries a rating."""
    front = title + " " + " ".join(s.name + " " + s.text for s in sections)[:_FRONT]
    return bool(_GUIDELINE.search(front)) or any(any(parse_ratings(p)[:2]) for s in sections
                                                 for p in s.text.split("\n\n"))


def unique_names(names: list[str]) -> list[str]:
    """Section names made unique ("Methods", "Methods (2)"): a page map and a citation name one section."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def fold_empty_sections(sections: list[tuple[str, list[str]]]) -> list[tuple[str, list[str], int]]:
    """Sections with text, each with the headings of text-less sections just before it as its
    first paragraphs (a heading "Clinical Question 1.B" directly above the heading of its
    question leads into it), unless the section's own name already holds them.

    Returns:
        (name, paragraphs, number of heading paragraphs put first) per section with text.
    """
    out: list[tuple[str, list[str], int]] = []
    pending: list[str] = []
    for name, paras in sections:
        if not paras:
            pending.append(name.rsplit(" › ", 1)[-1])
            continue
        lead = [h for h in pending if h not in name.split(" › ")]
        out.append((name, lead + paras, len(lead)))
        pending = []
    return out


def file_document(path: Path, fmt: str, *, title: str, source: str, date: str | None,
                  sections: list[Section], meta: dict | None = None) -> Document:
    """The Document of one file; ``meta`` gets the format and the chunking rule of these formats."""
    return Document(
        id=document_id(path),
        type="guideline" if reads_as_guideline(title, sections) else "research",
        title=title,
        source=source,
        year=year_of(date),
        url=None,
        audience="professional",
        sections=tuple(sections),
        date=date,
        meta={"format": fmt, "file": path.name, ANY_SECTION: True, **(meta or {})},
    )
