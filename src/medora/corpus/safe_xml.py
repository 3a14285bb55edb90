"""Parse XML corpus files safely, and turn XML blocks into the plain text the chunker expects.

Used by the PubMed, PMC/JATS and DailyMed SPL readers. Safe means: no DTD is loaded, no entity is
expanded (``resolve_entities=False``: an entity bomb stays one unexpanded node), nothing is fetched
from the network, and comments and processing instructions are dropped. The parser is lxml, chosen
over the standard library's ElementTree by measurement on the same files (benchmarks/RESULTS.md,
"#16 readers (XML)"): faster, and it keeps each element's line number for problem reports.

Text layout (as :mod:`medora.corpus.html_text` gives the NGC guidelines): blocks separated by a
blank line; a list item is a line starting with ``"- "``; a table row is a line of
``"header: value; header: value"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from ..errors import ParseError

_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                       remove_pis=True, huge_tree=False)


def local(tag: object) -> str:
    """The element name without its namespace (``{urn:hl7-org:v3}section`` -> ``section``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def first_child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child of ``element`` named ``name`` (namespace ignored), or None."""
    if element is None:
        return None
    return next((c for c in element if local(c.tag) == name), None)


def named_children(element: etree._Element | None, name: str) -> list[etree._Element]:
    """The children of ``element`` named ``name`` (namespace ignored)."""
    return [] if element is None else [c for c in element if local(c.tag) == name]


def _problem(path: Path, e: etree.XMLSyntaxError) -> ParseError:
    line = e.position[0] if e.position and e.position[0] else getattr(e, "lineno", None)
    return ParseError(str(path), line or None, f"not well-formed XML: {e.msg}")


def parse_file(path: Path) -> etree._Element:
    """The root element of ``path``.

    Raises:
        ParseError: the file is not well-formed XML (with the line the parser stopped at).
    """
    try:
        return etree.parse(str(path), etree.XMLParser(**_PARSER_OPTIONS)).getroot()
    except etree.XMLSyntaxError as e:
        raise _problem(path, e) from None


def iter_elements(path: Path, *names: str) -> Iterator[etree._Element]:
    """Each complete element of ``path`` named one of ``names`` (any namespace), streamed: a PubMed baseline file
    of 30,000 articles is read in constant memory. Each element is cleared once the caller moves on.

    Raises:
        ParseError: the file stops being well-formed XML; the elements before that point were
            already yielded, so a truncated file keeps what it holds.
    """
    context = etree.iterparse(str(path), events=("end",), tag=[f"{{*}}{n}" for n in names], **_PARSER_OPTIONS)
    try:
        for _, element in context:
            yield element
            element.clear(keep_tail=True)
            while element.getprevious() is not None:  # drop the cleared siblings too
                del element.getparent()[0]
    except etree.XMLSyntaxError as e:
        raise _problem(path, e) from None


def inline_text(element: etree._Element | None, skip: frozenset[str] = frozenset()) -> str:
    """All text under ``element`` on one line, whitespace collapsed; subtrees named in ``skip`` left out."""
    if element is None:
        return ""
    return " ".join("".join(_texts(element, skip, tail=False)).split())


_LINE_BREAKS = frozenset({"br", "break"})  # SPL / HTML <br/>, JATS <break/>: a space on one line


def _texts(element: etree._Element, skip: frozenset[str], tail: bool) -> Iterator[str]:
    name = local(element.tag)
    if name in _LINE_BREAKS:
        yield " "
    elif name not in skip:
        if element.text:
            yield element.text
        for child in element:
            yield from _texts(child, skip, tail=True)
    if tail and element.tail:
        yield element.tail


def table_lines(rows: list[list[str]], header_rows: int) -> list[str]:
    """Table rows as readable lines: ``"header: value; header: value"``.

    Args:
        rows: the cell texts, row by row (the header rows first).
        header_rows: how many of ``rows`` are headers; the last one names the columns.

    Returns:
        One line per body row. A row label under an empty header leads the line
        (``"Total (49) — Mean: 44.1; SD: 40.2"``); a table without headers gives its cells
        joined by ``" | "``.
    """
    header = rows[header_rows - 1] if header_rows else []
    lines = []
    for row in rows[header_rows:]:
        cells = list(row)
        if not any(cells):
            continue
        if not header:
            lines.append(" | ".join(c for c in cells if c))
            continue
        lead = ""
        if header and not header[0] and cells[0]:
            lead, cells, names = cells[0], cells[1:], header[1:]
        else:
            names = header
        pairs = [f"{n}: {c}" if n else c for n, c in zip(names, cells) if c]
        pairs += [c for c in cells[len(names):] if c]  # cells beyond the header (spanning rows)
        body = "; ".join(pairs)
        lines.append(f"{lead} — {body}" if lead and body else lead or body)
    return lines


def element_table_lines(table: etree._Element, skip: frozenset[str] = frozenset()) -> list[str]:
    """:func:`table_lines` of a ``<table>`` in the row model JATS, SPL and HTML share
    (``tr`` rows of ``th``/``td`` cells, directly or inside ``thead``/``tbody``/``tfoot``;
    the rows inside ``thead`` are headers)."""
    head: list[list[str]] = []
    body: list[list[str]] = []
    for part in table:
        name = local(part.tag)
        rows = [part] if name == "tr" else [r for r in part if local(r.tag) == "tr"] \
            if name in ("thead", "tbody", "tfoot") else []
        cells = [[inline_text(c, skip) for c in r if local(c.tag) in ("td", "th")] for r in rows]
        (head if name == "thead" else body).extend(cells)
    return table_lines(head + body, len(head))


def join_blocks(blocks: Iterable[str]) -> str:
    """Non-empty blocks separated by a blank line (the chunker's block boundary)."""
    return "\n\n".join(b for b in (b.strip() for b in blocks) if b)


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def partial_date(year: str, month: str = "", day: str = "") -> str | None:
    """An ISO date as precise as the parts allow: ``("2001", "Jun")`` -> ``"2001-06"``; None without a year.

    Months come as numbers (``"05"``, ``"4"``) or English names (``"Jun"``, ``"June"``).
    """
    year, month, day = year.strip(), month.strip(), day.strip()
    if not (len(year) == 4 and year.isdigit()):
        return None
    m = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower(), 0)
    if not 1 <= m <= 12:
        return year
    if not (day.isdigit() and 1 <= int(day) <= 31):
        return f"{year}-{m:02d}"
    return f"{year}-{m:02d}-{int(day):02d}"
