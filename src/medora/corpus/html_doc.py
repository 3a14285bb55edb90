"""Read a saved guideline web page (``.html``) into a Document.

Read with the standard library's HTML parser (chosen over BeautifulSoup after measuring both,
see benchmarks/RESULTS.md "#16 readers"); each section's HTML is turned into text by
:mod:`medora.corpus.html_text`, as the NGC summaries are.

- Title: the ``citation_title`` / ``DC.title`` / ``og:title`` meta tag, else ``<title>``, else
  the first ``<h1>``. Organisation: ``citation_publisher`` / ``DC.publisher`` /
  ``og:site_name``. Date: ``citation_publication_date`` / ``citation_date`` / ``DC.date`` /
  ``article:published_time``, else a date stated near the start of the text.
- Sections: ``<h1>``–``<h4>`` open a section named by its heading path (two levels, joined
  with " › "); an ``<h1>`` repeating the title opens none.
- Site furniture is dropped: ``nav``, ``header``, ``footer``, ``aside``, ``form``, ``script``,
  ``style``, ``noscript``, ``template``.
- A table is one block, one row per line, each cell labelled by its column's header
  ("Header: value; Header: value"); lists are one block, one item per line (html_text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from ..types import Document, IngestProblem, Section
from .document_files import file_document, find_date, fold_empty_sections, unique_names
from .html_text import collapse, html_to_text

_DROP = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template", "svg", "button"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_TITLE_KEYS = ("citation_title", "dc.title", "og:title")
_PUBLISHER_KEYS = ("citation_publisher", "dc.publisher", "citation_journal_title", "og:site_name")
_DATE_KEYS = ("citation_publication_date", "citation_date", "dc.date", "dc.date.issued", "article:published_time",
              "citation_online_date")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


def read_html(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read one saved web page (layout rules in the module docstring).

    Args:
        path: the HTML file.
        problems: receives one IngestProblem (path, None, reason) when the page holds no text.

    Returns:
        An iterator of at most one Document.
    """
    raw = path.read_bytes()
    page = _Page()
    page.feed(_decode(raw))
    page.close()
    page.end_section()
    meta = page.meta
    title = next((meta[k] for k in _TITLE_KEYS if meta.get(k)), "") or page.title or page.first_h1
    parts = [(name or title or path.stem, [text] if (text := html_to_text(fragment).strip()) else [])
             for name, fragment in page.sections]
    sections = [Section(n, "\n\n".join(p)) for n, p, _ in fold_empty_sections(parts)]
    if not sections:
        problems.append(IngestProblem(str(path), None, "no text in the web page"))
        return
    sections = [Section(n, s.text) for n, s in zip(unique_names([s.name for s in sections]), sections)]
    date = next((meta[k] for k in _DATE_KEYS if meta.get(k)), None) or find_date("\n".join(s.text for s in sections))
    source = next((meta[k] for k in _PUBLISHER_KEYS if meta.get(k)), "")
    yield file_document(path, "html", title=title or path.stem, source=source, date=date, sections=sections,
                        meta={"url": meta["citation_pdf_url"]} if meta.get("citation_pdf_url") else None)


def _decode(raw: bytes) -> str:
    m = _CHARSET.search(raw[:4096])
    for encoding in ([m.group(1).decode("ascii")] if m else []) + ["utf-8"]:
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("cp1252", errors="replace")


class _Page(HTMLParser):
    """Splits a page at its headings, re-serialising each section's HTML for html_text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.first_h1 = ""
        self.sections: list[tuple[str, str]] = []
        self._name = ""
        self._html: list[str] = []
        self._path: list[tuple[int, str]] = []
        self._drop = 0
        self._drop_tag = ""
        self._cell_header = False
        self._in_title = False
        self._heading: tuple[int, list[str]] | None = None
        self._table: list[list[tuple[str, bool]]] | None = None  # rows of (cell text, is header)
        self._cell: list[str] | None = None
        self._table_depth = 0

    # -- sections -------------------------------------------------------------------
    def end_section(self) -> None:
        fragment = "".join(self._html)
        if fragment.strip() or self._name:  # a heading without text leads into the next section
            self.sections.append((self._name, fragment))
        self._html = []

    def _open_heading(self, level: int, text: str) -> None:
        if level == 1 and not self.first_h1:
            self.first_h1 = text
            if self._matches_title(text):
                return
        self.end_section()
        self._path = [(lv, t) for lv, t in self._path if lv < level] + [(level, text)]
        self._name = " › ".join(t for _, t in self._path[-2:])

    def _matches_title(self, text: str) -> bool:
        titles = [self.title, *(self.meta.get(k, "") for k in _TITLE_KEYS)]
        return any(t and collapse(t).lower().rstrip(".") == text.lower().rstrip(".") for t in titles)

    # -- parser callbacks -------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = dict(attrs)
            key = (a.get("name") or a.get("property") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = collapse(a["content"])
            return
        if self._drop:  # inside dropped furniture: count only its own tag name (unclosed <p>s abound)
            self._drop += tag == self._drop_tag
            return
        if tag in _DROP:
            self._drop, self._drop_tag = 1, tag
            return
        if tag == "title":
            self._in_title = True
        elif tag in _HEADINGS and self._table is None:
            self._heading = (_HEADINGS[tag], [])
        elif tag == "table":
            self._table_depth += 1
            if self._table_depth == 1:
                self._table = []
        elif self._table is not None:
            if tag == "tr" and self._table_depth == 1:
                self._table.append([])
            elif tag in ("td", "th") and self._table_depth == 1:
                self._cell = []
                self._cell_header = tag == "th"
            elif tag in ("br", "p", "li", "div") and self._cell is not None:
                self._cell.append(" ")
        elif self._heading is None:
            self._html.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._drop:
            self._drop -= tag == self._drop_tag
            return
        if tag == "title":
            self._in_title = False
        elif tag in _HEADINGS and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            text = collapse("".join(parts))
            if text:
                self._open_heading(level, text)
        elif tag == "table" and self._table_depth:
            self._table_depth -= 1
            if not self._table_depth and self._table is not None:
                rows = _table_rows(self._table)
                self._table = None
                if rows:
                    self._html.append("<p>" + "<br>".join(html.escape(r) for r in rows) + "</p>")
        elif self._table is not None:
            if tag in ("td", "th") and self._cell is not None and self._table_depth == 1:
                if self._table:
                    self._table[-1].append((collapse("".join(self._cell)), self._cell_header))
                self._cell = None
        elif self._heading is None and tag not in _VOID:
            self._html.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        if self._in_title:
            self.title = collapse(self.title + " " + data)
        elif self._heading is not None:
            self._heading[1].append(data)
        elif self._table is not None:
            if self._cell is not None:
                self._cell.append(data)
        else:
            self._html.append(html.escape(data, quote=False))


def _table_rows(table: list[list[tuple[str, bool]]]) -> list[str]:
    """Rows as lines; with a header row, each cell labelled by its column header."""
    rows = [r for r in table if any(text for text, _ in r)]
    if not rows:
        return []
    first = rows[0]
    if len(rows) > 1 and all(is_header and text for text, is_header in first):
        header = [text for text, _ in first]
        out = [" | ".join(header)]
        for row in rows[1:]:
            out.append("; ".join(f"{h}: {text}" if h else text for h, (text, _) in zip(header, row) if text))
        return out
    return [" | ".join(text for text, _ in row if text) for row in rows]
