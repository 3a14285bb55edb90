"""Turn the HTML fragments of NGC guideline summaries into clean plain text.

Layout of the result:

- paragraphs, headings and strong-only lines are blocks separated by a blank line;
- a list is one block, one item per line starting with ``"- "`` (nested items are
  indented by two spaces per level);
- a table is one block, one row per line, cells joined with ``" | "``;
- ``<br>`` starts a new line inside its block.

Footnote marks (``<sup>a</sup>``, ``<sup>*</sup>``, in-page ``#`` links) are dropped;
numeric superscripts become Unicode superscripts (``m<sup>2</sup>`` -> ``m²``).
Mojibake (UTF-8 read as Latin-1 / cp1252, e.g. ``â¢`` for ``™``) is repaired first.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "center", "dl", "dt", "dd"}
_SKIP_TAGS = {"script", "style"}
_SUPERSCRIPT = str.maketrans("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾")
_ONLY_SUPERSCRIPTABLE = re.compile(r"[0-9+\-−=()]+")

# Characters a UTF-8 byte in 0x80-0xBF turns into when read as cp1252 (the rest map to U+0080-U+00BF).
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(
    "(?:[\u00c2-\u00f4][\u0080-\u00bf" + re.escape(_CP1252_HIGH) + "]{1,3})+"
)
_INVISIBLE = str.maketrans({"\u200b": None, "\u00ad": None, "\ufeff": None, "\u2010": "-", "\u2011": "-"})


def _to_bytes(run: str) -> bytes:
    out = bytearray()
    for ch in run:
        out += bytes([ord(ch)]) if ord(ch) < 256 else ch.encode("cp1252")
    return bytes(out)


def fix_mojibake(text: str) -> str:
    """Repair runs of UTF-8 that were decoded as Latin-1/cp1252 ("â\\x84¢" -> "™", "â€™" -> "’").

    Only a run that decodes as valid UTF-8 in full is replaced, so genuine accented
    text ("naïve", "Müller") is left alone.
    """

    def repair(m: re.Match[str]) -> str:
        try:
            return _to_bytes(m.group()).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return m.group()

    return _MOJIBAKE.sub(repair, text).translate(_INVISIBLE)


def collapse(text: str) -> str:
    """HTML whitespace rules: any run of whitespace (NBSP included) is one space."""
    return " ".join(text.split())


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished blocks
        self.lines: list[str] = []  # lines of the block being built
        self.frags: list[str] = []  # inline text of the line being built
        self.prefix = ""  # prefix of the line being built ("- ", "  - ", "  " ...)
        self.list_depth = 0
        self.table_depth = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.sup: list[str] | None = None
        self.skip = 0
        self.anchor_is_footnote = False

    # -- line and block assembly ------------------------------------------------
    def _sink(self) -> list[str]:
        if self.sup is not None:
            return self.sup
        if self.cell is not None:
            return self.cell
        return self.frags

    def flush_line(self, next_prefix: str | None = None) -> None:
        text = collapse("".join(self.frags))
        if text:
            self.lines.append(self.prefix + text)
        self.frags = []
        if next_prefix is not None:
            self.prefix = next_prefix

    def flush_block(self) -> None:
        self.flush_line("")
        if self.lines:
            self.blocks.append("\n".join(self.lines))
        self.lines = []

    # -- parser callbacks -------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.cell is not None and tag not in {"td", "th", "tr", "table"}:
            # Inside a table cell everything is inline; structure becomes separators.
            if tag == "li" and self.cell:
                self.cell.append("; ")
            elif tag in _BLOCK_TAGS or tag in {"br", "ul", "ol"}:
                self.cell.append(" ")
            elif tag == "img":
                self._image(attrs)
            elif tag == "sup":
                self.sup = []
            return
        if tag in _BLOCK_TAGS or tag == "hr":
            if self.list_depth:
                self.frags.append(" ")
            else:
                self.flush_block()
        elif tag in {"ul", "ol"}:
            if self.list_depth:
                indent = "  " * self.list_depth
                self.flush_line(indent)
            else:
                self.flush_block()
            self.list_depth += 1
        elif tag == "li":
            indent = "  " * max(self.list_depth - 1, 0)
            self.flush_line()
            self.prefix = indent + "- "
        elif tag == "br":
            cont = ("  " * self.list_depth) if self.list_depth else ""
            self.flush_line(cont)
        elif tag == "table":
            if not self.table_depth:
                self.flush_block()
            self.table_depth += 1
        elif tag == "tr":
            self.row = []
        elif tag in {"td", "th"}:
            if self.row is None:
                self.row = []
            self.cell = []
        elif tag == "caption":
            self.flush_line()
        elif tag == "sup":
            self.sup = []
        elif tag == "img":
            self._image(attrs)
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.anchor_is_footnote = href.startswith("#")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(self.skip - 1, 0)
            return
        if tag == "sup" and self.sup is not None:
            self._end_sup()
            return
        if tag in {"td", "th"}:
            if self.cell is not None and self.row is not None:
                self.row.append(collapse("".join(self.cell)))
            self.cell = None
            return
        if self.cell is not None:
            return
        if tag == "tr":
            if self.row:
                cells = [c for c in self.row if c]
                if cells:
                    self.lines.append(" | ".join(cells))
            self.row = None
        elif tag == "table":
            self.table_depth = max(self.table_depth - 1, 0)
            if not self.table_depth:
                self.flush_block()
        elif tag == "caption":
            self.flush_line()
        elif tag in _BLOCK_TAGS:
            if self.list_depth:
                self.frags.append(" ")
            else:
                self.flush_block()
        elif tag == "li":
            self.flush_line("  " * self.list_depth)
        elif tag in {"ul", "ol"}:
            self.flush_line()
            self.list_depth = max(self.list_depth - 1, 0)
            self.prefix = "  " * self.list_depth
            if not self.list_depth:
                self.flush_block()
        elif tag == "a":
            self.anchor_is_footnote = False

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.anchor_is_footnote and collapse(data).strip("[]()").isdigit():
            return  # an in-page footnote link such as <a href="#fn3">3</a>
        self._sink().append(data)

    def _image(self, attrs: list[tuple[str, str | None]]) -> None:
        alt = (dict(attrs).get("alt") or "").lower()
        # ACR Appropriateness Criteria draw the relative radiation level as a row of icons.
        if "radioactive" in alt:
            (self.cell if self.cell is not None else self.frags).append("☢")

    def _end_sup(self) -> None:
        text = collapse("".join(self.sup or []))
        self.sup = None
        sink = self._sink()
        if _ONLY_SUPERSCRIPTABLE.fullmatch(text):
            sink.append(text.translate(_SUPERSCRIPT))
        elif len(text) > 3:
            sink.append(" " + text + " ")
        # else: a footnote mark (a, b, *, †): noise in running text

    def result(self) -> str:
        if self.sup is not None:
            self._end_sup()
        if self.cell is not None and self.row is not None:
            self.row.append(collapse("".join(self.cell)))
            self.cell = None
        if self.row:
            self.lines.append(" | ".join(c for c in self.row if c))
            self.row = None
        self.flush_block()
        return "\n\n".join(self.blocks)


def html_to_text(fragment: str) -> str:
    """Convert one HTML fragment to plain text (see the module docstring for the layout)."""
    builder = _TextBuilder()
    builder.feed(fix_mojibake(fragment))
    builder.close()
    return builder.result()
