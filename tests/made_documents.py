"""PDF, Word and HTML documents made at test time from real NGC guideline summaries.

Nothing here is written by hand: every title, organisation, date and paragraph comes from a
guideline of ``../shared/corpus/guidelines-ngc``, laid out by a document library (reportlab
for PDF, python-docx for Word, the standard library for HTML) the way a society or a
hospital lays out its own documents — a title page line, headings, paragraphs, lists, tables.
The benchmark ``benchmarks/ingest_documents.py`` makes its 500-page PDF here too.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from medora.corpus.guideline_xml import read_guideline

NGC = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "guidelines-ngc"


@dataclass
class Guideline:
    """A real NGC guideline, as the blocks a document library lays out."""

    id: str
    title: str
    organisation: str
    date: str
    year: int
    sections: list[tuple[str, list[str]]]  # (field name, its paragraphs / lists / tables)
    html_fields: dict[str, str]  # field name -> the NGC field's own HTML


def guideline(ngc_id: str) -> Guideline:
    doc = read_guideline(NGC / f"{ngc_id}.xml")
    sections = [(s.name, [b.strip() for b in re.split(r"\n[ \t]*\n", s.text) if b.strip()]) for s in doc.sections]
    fields = {}
    for field in ET.parse(NGC / f"{ngc_id}.xml").getroot().iter("Field"):
        name = field.get("Name") or ""
        if name not in fields:
            fields[name] = "".join(v.get("Value") or "" for v in field.findall("FieldValue"))
    return Guideline(doc.id, doc.title, doc.source, doc.date or "", doc.year or 0, sections, fields)


def is_subheading(block: str) -> bool:
    """A short line without a full stop ("Clinical Question 1.A"): laid out as a subheading."""
    return "\n" not in block and len(block.split()) <= 6 and not block.endswith((".", ":", "?", ")"))


def _rows(block: str) -> list[list[str]] | None:
    lines = block.split("\n")
    if len(lines) > 1 and all(" | " in line for line in lines):
        return [line.split(" | ") for line in lines]
    return None


# -- PDF ---------------------------------------------------------------------------


def make_pdf(path: Path, g: Guideline, *, repeat: int = 1, outline: bool = False, image_only: bool = False,
             password: str | None = None, metadata: bool = True) -> Path:
    """A PDF of the guideline: title, organisation and date lines, one heading per field (a new
    page each), subheadings, paragraphs and tables, a running head and page numbers;
    ``repeat`` copies of the body (benchmark); ``metadata=False`` leaves the title and author
    fields to reportlab's placeholders."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()

    class Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable):  # noqa: N802 - reportlab's hook name
            if outline and isinstance(flowable, Paragraph) and flowable.style.name in ("Heading1", "Heading2"):
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.getPlainText(), key, int(flowable.style.name[-1]) - 1)

    encrypt = None
    if password:
        from reportlab.lib import pdfencrypt

        encrypt = pdfencrypt.StandardEncryption(password, canPrint=0)
    # without metadata reportlab writes its own: "untitled", "anonymous"
    doc = Doc(str(path), pagesize=A4, encrypt=encrypt,
              **({"title": g.title, "author": g.organisation} if metadata else {}))
    if image_only:
        return _image_only_pdf(doc, g)
    story = [Paragraph(html.escape(g.title), styles["Title"]), Paragraph(html.escape(g.organisation), styles["Normal"]),
             Paragraph(html.escape(f"Date released: {g.date}"), styles["Normal"]), Spacer(1, 12)]
    for copy in range(repeat):
        for name, blocks in g.sections:
            story += [PageBreak(), Paragraph(html.escape(name), styles["Heading1"])]
            for block in blocks:
                rows = _rows(block)
                if rows:
                    cells = [[Paragraph(html.escape(c), styles["BodyText"]) for c in row] for row in rows]
                    table = Table(cells, repeatRows=1)
                    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
                    story.append(table)
                elif is_subheading(block):
                    story.append(Paragraph(html.escape(block), styles["Heading2"]))
                else:
                    for line in block.split("\n"):
                        story.append(Paragraph(html.escape(line), styles["BodyText"]))
    def furniture(canvas, doc_):  # a running head (the short title) and the page number, as printed guidelines have
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(doc_.leftMargin, A4[1] - 40, g.title[:60])
        canvas.drawCentredString(A4[0] / 2, 30, str(doc_.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def _image_only_pdf(doc, g: Guideline) -> Path:
    """A scanned-looking page: the title drawn as a picture, no text layer."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from reportlab.platypus import Image

    fig = plt.figure(figsize=(6, 1))
    fig.text(0.02, 0.5, g.title[:80], fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    buf.seek(0)
    doc.build([Image(buf, width=432, height=72)])
    return Path(doc.filename)


# -- Word --------------------------------------------------------------------------


def make_docx(path: Path, g: Guideline, *, numbered_after: str = "Recommendation", repeat: int = 1) -> Path:
    """A Word document: core properties (title, author, created = the release date), a Title
    paragraph, Heading 1 per field, Heading 2 subheadings, body paragraphs, bullet lists, tables;
    the paragraph after a "Recommendation" label line is a numbered list item (List Number)."""
    import datetime as dt

    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = g.title, g.organisation
    props.created = dt.datetime(g.year, *_month_day(g.date))
    document.add_paragraph(g.title, style="Title")
    document.add_paragraph(g.organisation)
    for name, blocks in [section for _ in range(repeat) for section in g.sections]:
        document.add_heading(name, level=1)
        numbered = False
        for block in blocks:
            rows = _rows(block)
            if rows:
                width = max(len(r) for r in rows)
                table = document.add_table(rows=len(rows), cols=width)
                for i, row in enumerate(rows):
                    for j, cell in enumerate(row):
                        table.cell(i, j).text = cell
            elif block == numbered_after:
                numbered = True  # the label is the list's numbering in the Word layout
            elif numbered:
                document.add_paragraph(block, style="List Number")
                numbered = False
            elif is_subheading(block) or block.endswith("?"):
                document.add_heading(block, level=2)
            elif block.startswith("- "):
                for line in block.split("\n"):
                    document.add_paragraph(line.strip().removeprefix("- "), style="List Bullet")
            else:
                document.add_paragraph(block)
    document.save(str(path))
    return path


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def _month_day(date: str) -> tuple[int, int]:
    """ "2015 Jul 15" -> (7, 15); (1, 1) when the date gives the year only."""
    m = re.search(r"\d{4}\s+([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2}))?", date)
    if not m or m.group(1).lower() not in _MONTHS:
        return 1, 1
    return _MONTHS[m.group(1).lower()], int(m.group(2) or 1)


# -- HTML --------------------------------------------------------------------------


def make_html(path: Path, g: Guideline, fields: tuple[str, ...] = ("Major Recommendations", "Potential Harms"),
              repeat: int = 1) -> Path:
    """A saved society web page: <title>, Highwire citation_* and DC meta tags, a navigation
    bar, header and footer (site furniture), an <h1>, and one <h2> per NGC field holding
    that field's own HTML."""
    body = "\n".join(f"<section><h2>{html.escape(name)}</h2>\n{g.html_fields[name]}</section>"
                     for _ in range(repeat) for name in fields)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(g.title)}</title>
<meta name="citation_title" content="{html.escape(g.title)}">
<meta name="citation_publisher" content="{html.escape(g.organisation)}">
<meta name="DC.date" content="{html.escape(g.date)}">
<style>body {{ font-family: sans-serif; }}</style>
<script>window.dataLayer = [];</script>
</head><body>
<header><a href="/">{html.escape(g.organisation)}</a></header>
<nav><ul><li><a href="/guidelines">Guidelines</a></li><li><a href="/search">Search</a></li></ul></nav>
<main><h1>{html.escape(g.title)}</h1>
{body}
</main>
<footer>{html.escape(g.organisation)}</footer>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


def source_words(g: Guideline, fields: tuple[str, ...] | None = None) -> list[str]:
    """The words of the text a made document holds (for word recall in the benchmark)."""
    text = " ".join([g.title, g.organisation, *(b for name, blocks in g.sections if fields is None or name in fields
                                                for b in blocks)])
    return re.findall(r"\w+", text.lower())
