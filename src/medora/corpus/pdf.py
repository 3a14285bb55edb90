"""Read a PDF (a society guideline, a local protocol) into a Document, with its page numbers.

Read with pypdf (BSD; chosen over pypdfium2 after measuring both, see benchmarks/RESULTS.md
"#16 readers"): its text visitor gives every text run with its font and size, which is what
the headings are found by.

- Title: the PDF's /Title, else the largest-font line(s) of page 1. Organisation: /Author.
- Date: a date on page 1 ("Date released: 2014 July 1", "July 2014"), else /CreationDate.
- Sections: the outline (bookmarks) where the PDF has one — a line reading as an outline
  entry is a heading at that entry's depth — else lines set larger than the body text, or
  bold and short; a section is named by its heading path joined with " › " (two levels).
- Paragraphs are separated by the vertical gaps between lines; a line opening with a number
  or bullet ("1.", "2.3", "•") starts a new line of its block, so a numbered recommendation
  stays whole with its rating. Page numbers and lines repeated on most pages (running heads)
  are dropped.
- Pages: ``meta["pages"]`` maps each section's offsets to page labels (corpus/pages.py).

An encrypted PDF (one that needs a password) or one without a text layer (scanned) is reported
as an IngestProblem with its path and skipped.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..types import Document, IngestProblem, Section
from .document_files import file_document, find_date, fold_empty_sections, unique_names
from .pages import PAGES

log = logging.getLogger(__name__)

_ITEM = re.compile(r"(?:\d+(?:\.\d+)*[.)]|[a-z][.)]|[•●▪◦■–-])\s")
_PAGE_NUMBER = re.compile(r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", re.I)
_PDF_DATE = re.compile(r"D?:?((?:19|20)\d\d)(\d\d)?(\d\d)?")
HEADING_RATIO = 1.12  # a line set this much larger than the body text is a heading
PARAGRAPH_GAP = 1.45  # a gap this many times the usual line spacing separates paragraphs
HEADING_WORDS = 15  # a bold line this long or shorter, without a full stop, is a heading
EDGE_LINES = 2  # lines at the top and at the bottom of a page where running heads and page numbers stand


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    y: float
    page: int


def read_pdf(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read one PDF file (layout rules in the module docstring).

    Args:
        path: the PDF file.
        problems: receives one IngestProblem (path, page or None, reason) when the file cannot
            be read — damaged, encrypted, or without a text layer; nothing is yielded then.

    Returns:
        An iterator of at most one Document.
    """
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            problems.append(IngestProblem(str(path), None, "encrypted PDF: it needs a password; save it unprotected"))
            return
        pages = _lines(reader, path, problems)
        labels = list(reader.page_labels)
        info = reader.metadata or {}
        outline = _outline_titles(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        problems.append(IngestProblem(str(path), None, f"not a readable PDF: {type(e).__name__}: {e}"))
        return
    if not any(pages):
        problems.append(IngestProblem(str(path), None, "no text layer (an image-only or scanned PDF); OCR it first"))
        return
    yield _document(path, pages, labels, info, outline)


def _lines(reader, path: Path, problems: list[IngestProblem]) -> list[list[_Line]]:
    """Each page's text lines, with their font size and weight, top to bottom."""
    out: list[list[_Line]] = []
    for number, page in enumerate(reader.pages):
        lines: list[_Line] = []
        parts: list[tuple[str, float, bool, float]] = []

        def visit(text, cm, tm, font, size, parts=parts, lines=lines, number=number):
            if text.strip():
                scale = abs(tm[3] * cm[3]) or 1.0
                name = str((font or {}).get("/BaseFont", ""))
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                parts.append((text, size * scale, "bold" in name.lower() or "black" in name.lower(), y))
            if text.endswith("\n") and parts:
                joined = " ".join("".join(p[0] for p in parts).split())
                if joined:
                    size = max(p[1] for p in parts)
                    lines.append(_Line(joined, size, all(p[2] for p in parts), parts[0][3], number))
                parts.clear()

        try:
            page.extract_text(visitor_text=visit)
            visit("\n", [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0], None, 0)  # a last line without "\n"
        except Exception as e:  # noqa: BLE001 - a damaged page costs that page, not the document
            problems.append(IngestProblem(str(path), number + 1, f"page {number + 1} unreadable: {e}"))
        out.append(lines)
    return _without_furniture(out)


def _edges(lines: list[_Line]) -> list[_Line]:
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def _without_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop page numbers and running heads/feet: a line at the top or bottom of most pages.

    Only the edges count: a label repeated in the body ("Recommendation") is text.
    """
    repeated = Counter(text for lines in pages for text in {ln.text for ln in _edges(lines)})
    common = {t for t, n in repeated.items() if len(pages) >= 4 and n > len(pages) / 2}
    out = []
    for lines in pages:
        edge = {id(ln) for ln in _edges(lines)}
        out.append([ln for ln in lines
                    if id(ln) not in edge or (ln.text not in common and not _PAGE_NUMBER.fullmatch(ln.text))])
    return out


def _outline_titles(reader) -> dict[str, int]:
    """Outline (bookmark) titles -> depth (0 = top), normalised; {} when the PDF has none."""
    found: dict[str, int] = {}

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.setdefault(_norm(str(item.title)), depth)

    try:
        walk(reader.outline, 0)
    except Exception:  # noqa: BLE001 - a broken outline: headings come from the fonts instead
        log.debug("unreadable outline", exc_info=True)
        return {}
    return found


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _document(path: Path, pages: list[list[_Line]], labels: list[str], info, outline: dict[str, int]) -> Document:
    lines = [ln for page in pages for ln in page]
    sizes = Counter()
    for ln in lines:
        sizes[round(ln.size, 1)] += len(ln.text)
    body = sizes.most_common(1)[0][0]
    title_lines = _title_lines(pages[0] if pages[0] else lines[:5])
    given = _useful_title(str(info.get("/Title") or ""))
    title = given or " ".join(ln.text for ln in title_lines)
    skip = {id(ln) for ln in title_lines} if not given or \
        _norm(" ".join(ln.text for ln in title_lines)) == _norm(title) else set()

    heading_sizes = sorted({round(ln.size, 1) for ln in lines if ln.size >= body * HEADING_RATIO}, reverse=True)

    def level(ln: _Line) -> int | None:
        if outline:
            return outline.get(_norm(ln.text))
        if round(ln.size, 1) in heading_sizes:
            return heading_sizes.index(round(ln.size, 1))
        if ln.bold and len(ln.text.split()) <= HEADING_WORDS and not ln.text.endswith((".", ";", ",")):
            return len(heading_sizes)
        return None

    names: list[str] = []
    texts: list[list[str]] = []  # paragraphs per section
    page_marks: list[list[tuple[int, int, int]]] = []  # per section: (paragraph, page, offset in it)
    path_: list[tuple[int, str]] = []
    prev: _Line | None = None
    spacing = _line_spacing(pages)
    for ln in lines:
        if id(ln) in skip:
            continue
        depth = level(ln)
        if depth is not None and len(ln.text) < 200:
            path_ = [(d, t) for d, t in path_ if d < depth] + [(depth, ln.text)]
            names.append(" › ".join(t for _, t in path_[-2:]))
            texts.append([])
            page_marks.append([])
            prev = None
            continue
        if not names:
            names.append(title or path.stem)
            texts.append([])
            page_marks.append([])
        paras = texts[-1]
        new_paragraph = (
            prev is None
            or (ln.page == prev.page and prev.y - ln.y > spacing * PARAGRAPH_GAP)
            # across a page break: a new paragraph when the last one ended a sentence
            or (ln.page != prev.page and prev.text.endswith((".", "?", "!", ":", ")")) and ln.text[:1].isupper())
            or abs(ln.size - prev.size) > 0.5
        )
        if new_paragraph:
            paras.append(ln.text)
        elif _ITEM.match(ln.text):
            paras[-1] += "\n" + ln.text
        elif paras[-1].endswith("-"):
            paras[-1] += ln.text
        else:
            paras[-1] += " " + ln.text
        if not page_marks[-1] or page_marks[-1][-1][1] != ln.page:
            page_marks[-1].append((len(paras) - 1, ln.page, len(paras[-1]) - len(ln.text)))
        prev = ln

    sections, page_map = [], []
    kept = [m for m, paras in zip(page_marks, texts) if paras]
    folded = fold_empty_sections(list(zip(unique_names(names), texts)))
    for (name, paras, lead), marks in zip(folded, kept):
        marks = [(para + lead, page, within) for para, page, within in marks]
        starts, pos = [], 0
        for p in paras:
            starts.append(pos)
            pos += len(p) + 2
        text = "\n\n".join(paras)
        for i, (para, page, within) in enumerate(marks):
            offset = 0 if i == 0 else starts[para] + within
            page_map.append([name, offset, labels[page] if page < len(labels) else str(page + 1)])
        sections.append(Section(name, text))
    first_page = "\n".join(ln.text for ln in pages[0]) if pages else ""
    date = find_date(first_page) or _metadata_date(info)
    return file_document(path, "pdf", title=title or path.stem, source=_useful_title(str(info.get("/Author") or "")),
                         date=date, sections=sections, meta={PAGES: page_map, "page_count": len(pages)})


# Titles that PDF producers write when the author gave none.
_NO_TITLE = re.compile(r"untitled|\(?anonymous\)?|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|pdf|rtf|odt|indd|tex)", re.I)


def _useful_title(title: str) -> str:
    """The title (or author) field, unless it is a producer's placeholder."""
    title = " ".join(title.split())
    return "" if len(title) < 4 or _NO_TITLE.fullmatch(title) else title


def _title_lines(first_page: list[_Line]) -> list[_Line]:
    """The largest-font run of consecutive lines near the top of page 1."""
    top = first_page[:12]
    if not top:
        return []
    biggest = max(ln.size for ln in top)
    start = next(i for i, ln in enumerate(top) if ln.size == biggest)
    run = [top[start]]
    for ln in top[start + 1 :]:
        if ln.size != biggest:
            break
        run.append(ln)
    return run


def _line_spacing(pages: list[list[_Line]]) -> float:
    """The most common vertical distance between consecutive lines of a page."""
    gaps = Counter(round(a.y - b.y) for page in pages for a, b in zip(page, page[1:]) if 0 < a.y - b.y < 100)
    return float(gaps.most_common(1)[0][0]) if gaps else 12.0


def _metadata_date(info) -> str | None:
    """ "D:20140701..." -> "2014-07-01" (as precise as it is)."""
    for key in ("/CreationDate", "/ModDate"):
        m = _PDF_DATE.match(str(info.get(key) or ""))
        if m:
            return "-".join(x for x in m.groups() if x)
    return None
