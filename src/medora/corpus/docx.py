"""Read a Word document (``.docx``: a local protocol, a society guideline) into a Document.

Read with python-docx (MIT; chosen over docx2python after measuring both, see
benchmarks/RESULTS.md "#16 readers"): it gives each paragraph's style, which is what the
headings and lists are found by, and the body's paragraphs and tables in reading order.

- Title: the core property ``title``, else the first paragraph in the Title style, else the
  first Heading 1. Organisation: the core property ``author``. Date: the core property
  ``created`` (ISO date), else a date stated near the start of the text.
- Sections: paragraphs in a "Heading N" style open a section named by its heading path (two
  levels, joined with " › ").
- A list is one block, one item per line: "1. ..." for a numbered style ("List Number"),
  "- ..." for others; an item stays whole with its rating.
- A table is one block, one row per line, each cell labelled by its column's header
  ("Header: value; Header: value"); a table without a header row keeps " | " between cells.

A file that is not a readable Word document (truncated, not a zip, broken XML) is reported as
an IngestProblem with its path and skipped.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..types import Document, IngestProblem, Section
from .document_files import file_document, find_date, fold_empty_sections, unique_names

_HEADING = re.compile(r"Heading (\d)")


def read_docx(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read one ``.docx`` file (layout rules in the module docstring).

    Args:
        path: the Word file.
        problems: receives one IngestProblem (path, None, reason) when the file cannot be read.

    Returns:
        An iterator of at most one Document.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        blocks = list(_blocks(document))
        props = document.core_properties
        title_prop, author, created = props.title, props.author, props.created
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        problems.append(IngestProblem(str(path), None, f"not a readable Word document: {type(e).__name__}: {e}"))
        return
    except Exception as e:  # noqa: BLE001 - lxml's XMLSyntaxError and kin: the file, not the run
        problems.append(IngestProblem(str(path), None, f"not a readable Word document: {type(e).__name__}: {e}"))
        return
    doc = _document(path, blocks, " ".join((title_prop or "").split()), " ".join((author or "").split()), created)
    if doc is None:
        problems.append(IngestProblem(str(path), None, "no text in the Word document"))
        return
    yield doc


def _blocks(document) -> Iterator[tuple[str, int | None, str]]:
    """(kind, heading level, text) in reading order; kind: title, heading, para, item, table."""
    from docx.table import Table

    numbers: dict[str, int] = {}  # Word numbers a list on through other paragraphs: per list id
    styles: dict[str | None, str] = {}
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            yield "table", None, _table_text(item)
            continue
        text = " ".join(item.text.split())
        style_id = item._p.style  # looking a style up is the slow part of python-docx: once per style
        if style_id not in styles:
            styles[style_id] = item.style.name if item.style is not None else ""
        style = styles[style_id]
        if not text:
            continue
        if style == "Title":
            yield "title", None, text
        elif m := _HEADING.fullmatch(style):
            yield "heading", int(m.group(1)), text
        elif style.startswith("List") or _list_id(item):
            if "Number" in style:
                key = _list_id(item) or style
                numbers[key] = numbers.get(key, 0) + 1
                yield "item", None, f"{numbers[key]}. {text}"
            else:
                yield "item", None, f"- {text}"
        else:
            yield "para", None, text


def _list_id(paragraph) -> str:
    """The paragraph's own list (numbering) id, "" when its numbering comes from its style or none."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    return str(num.numId.val) if num is not None and num.numId is not None else ""


def _table_text(table) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:  # a merged cell repeats itself across the span
                cells.append(text)
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    if not body or not all(header):
        return "\n".join(" | ".join(c for c in r if c) for r in rows)
    lines = [" | ".join(header)]
    for r in body:
        pairs = [f"{h}: {v}" if h else v for h, v in zip(header, r) if v]
        lines.append("; ".join(pairs))
    return "\n".join(lines)


def _document(path: Path, blocks, title: str, author: str, created) -> Document | None:
    title = title or next((t for k, _, t in blocks if k == "title"), "") or \
        next((t for k, lvl, t in blocks if k == "heading" and lvl == 1), "")
    names: list[str] = []
    texts: list[list[str]] = []
    heading_path: list[tuple[int, str]] = []
    last = ""
    for kind, level, text in blocks:
        if kind == "title" or not text:
            continue
        if kind == "heading":
            heading_path = [(lv, t) for lv, t in heading_path if lv < level] + [(level, text)]
            names.append(" › ".join(t for _, t in heading_path[-2:]))
            texts.append([])
            last = kind
            continue
        if not names:
            names.append(title or path.stem)
            texts.append([])
        paras = texts[-1]
        if kind == "item" and paras and last == "item":
            paras[-1] += "\n" + text  # a list is one block
        else:
            paras.append(text)
        last = kind
    sections = [Section(n, "\n\n".join(p)) for n, p, _ in fold_empty_sections(list(zip(unique_names(names), texts)))]
    if not sections:
        return None
    date = created.date().isoformat() if created is not None else None
    date = date or find_date("\n".join(s.text for s in sections))
    return file_document(path, "docx", title=title or path.stem, source=author, date=date, sections=sections)
