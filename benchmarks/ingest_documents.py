"""Reading your own documents (issue #16): two libraries per format, then Medora's readers at 500 pages.

1. Candidates, on the same files: a PDF, a Word document and a saved web page made from the
   real guideline ngc-10495 by tests/made_documents.py (reportlab, python-docx, the standard
   library). Measured: word recall (share of the source text's word tokens, counted with
   multiplicity, found in the extracted text), paragraphs intact (share of the source's
   paragraphs, list items and table rows excluded, found whole in the extracted text, whitespace
   aside) and milliseconds per file (best of 3).
   PDF: pypdf vs pypdfium2; Word: python-docx vs docx2python; HTML: Medora's stdlib reader
   (html_doc) vs BeautifulSoup ``get_text`` (html.parser).
2. Scale: a 500-page PDF (ngc-10495's text repeated, ~16 pages a copy) and a Word document and
   web page holding the same text, each read by Medora's reader (``read_pdf``, ``read_docx``,
   ``read_html``: text, headings, pages) in a fresh process: seconds, pages per second (for Word
   and HTML, the pages of the PDF made from the same text) and peak RSS of that process.

    python benchmarks/ingest_documents.py [--copies 32] [--out /tmp/ingest-documents]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from made_documents import guideline, make_docx, make_html, make_pdf, source_words  # noqa: E402

HTML_FIELDS = ("Major Recommendations", "Potential Harms", "Qualifying Statements")


def intact(blocks: list[str], text: str) -> float:
    """Share of the source's paragraphs found whole (whitespace aside) in the extracted text."""
    flat = " ".join(text.split())
    return sum(" ".join(b.split()) in flat for b in blocks) / len(blocks)


def recall(source: list[str], text: str) -> float:
    want, got = Counter(source), Counter(re.findall(r"\w+", text.lower()))
    return sum(min(n, got[w]) for w, n in want.items()) / sum(want.values())


def best_of(fn, runs: int = 3) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(runs):
        t = time.perf_counter()
        text = fn()
        times.append(time.perf_counter() - t)
    return min(times), text


def _pypdf(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def _pdfium(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _medora(reader_name: str, path: Path) -> str:
    from medora.corpus.docx import read_docx
    from medora.corpus.html_doc import read_html
    from medora.corpus.pdf import read_pdf

    reader = {"pdf": read_pdf, "docx": read_docx, "html": read_html}[reader_name]
    docs = list(reader(path, []))
    return "\n".join([docs[0].title, docs[0].source, *(s.name + "\n" + s.text for s in docs[0].sections)])


def _docx2python(path: Path) -> str:
    from docx2python import docx2python

    with docx2python(str(path)) as content:
        return content.text


def _bs4(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["nav", "header", "footer", "script", "style"]):
        tag.decompose()
    return soup.get_text("\n")


def candidates(folder: Path) -> list[str]:
    g = guideline("ngc-10495")
    pdf = make_pdf(folder / "her2.pdf", g)
    docx = make_docx(folder / "her2.docx", g)
    html = make_html(folder / "her2.html", g, fields=HTML_FIELDS)
    rows = [
        ("PDF", "pypdf 7 (BSD) - plain extract_text", pdf, lambda: _pypdf(pdf), source_words(g)),
        ("PDF", "pypdfium2 5 (Apache-2.0/BSD) - get_text_range", pdf, lambda: _pdfium(pdf), source_words(g)),
        ("PDF", "Medora read_pdf (pypdf + headings + pages)", pdf, lambda: _medora("pdf", pdf), source_words(g)),
        ("DOCX", "python-docx 1.2 (MIT) - Medora read_docx", docx, lambda: _medora("docx", docx), source_words(g)),
        ("DOCX", "docx2python 3 (MIT) - .text", docx, lambda: _docx2python(docx), source_words(g)),
        ("HTML", "stdlib html.parser - Medora read_html", html, lambda: _medora("html", html),
         source_words(g, HTML_FIELDS)),
        ("HTML", "beautifulsoup4 4.15 (MIT) - get_text", html, lambda: _bs4(html), source_words(g, HTML_FIELDS)),
    ]
    out = ["| format | library | word recall | paragraphs intact | ms per file (best of 3) |",
           "| --- | --- | --- | --- | --- |"]
    for fmt, name, _path, fn, words in rows:
        seconds, text = best_of(fn)
        fields = HTML_FIELDS if fmt == "HTML" else None
        blocks = [b for n, bs in g.sections if fields is None or n in fields for b in bs if "\n" not in b]
        out.append(f"| {fmt} | {name} | {recall(words, text):.3f} | {intact(blocks, text):.3f} | {seconds * 1000:.0f} |")
    return out


_CHILD = """
import json, sys, time
sys.path[:0] = {paths!r}
from pathlib import Path
import ingest_documents
t = time.perf_counter()
sections = ingest_documents.read_with({how!r}, Path({path!r})) if {path!r} else 0
seconds = time.perf_counter() - t
# NOTE: VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork + exec.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"seconds": seconds, "rss_mb": hwm / 1024, "sections": sections}}))
"""


def read_with(how: str, path: Path) -> int | str:
    """Read ``path`` one way; the number of sections for Medora's readers, "-" for plain text."""
    if how.startswith("medora-"):
        from medora.corpus.docx import read_docx
        from medora.corpus.html_doc import read_html
        from medora.corpus.pdf import read_pdf

        reader = {"medora-pdf": read_pdf, "medora-docx": read_docx, "medora-html": read_html}[how]
        return len(next(iter(reader(path, []))).sections)
    {"pypdf": _pypdf, "pypdfium2": _pdfium, "docx2python": _docx2python, "bs4": _bs4}[how](path)
    return "-"


def _child(how: str, path: str) -> dict:
    paths = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "benchmarks")]
    code = _CHILD.format(paths=paths, how=how, path=path)
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def scale(folder: Path, copies: int) -> list[str]:
    import pypdf

    g = guideline("ngc-10495")
    pdf = make_pdf(folder / "big.pdf", g, repeat=copies)
    pages = len(pypdf.PdfReader(pdf).pages)
    docx = make_docx(folder / "big.docx", g, repeat=copies)
    html = make_html(folder / "big.html", g, fields=tuple(n for n, _ in g.sections if n in g.html_fields), repeat=copies)
    runs = [("PDF", "Medora read_pdf (pypdf)", "medora-pdf", pdf), ("PDF", "pypdf plain text", "pypdf", pdf),
            ("PDF", "pypdfium2 plain text", "pypdfium2", pdf),
            ("DOCX", "Medora read_docx (python-docx)", "medora-docx", docx), ("DOCX", "docx2python", "docx2python", docx),
            ("HTML", "Medora read_html (stdlib)", "medora-html", html), ("HTML", "beautifulsoup4", "bs4", html)]
    out = ["| format | reader | file | pages | seconds | pages/s | peak RSS (MB) | sections |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |",
           f"| - | (Python + Medora's corpus imports, nothing read) | | | | | {_child('-', '')['rss_mb']:.1f} | |"]
    for fmt, name, how, path in runs:
        r = _child(how, str(path))
        out.append(f"| {fmt} | {name} | {path.stat().st_size / 1e6:.1f} MB | {pages} | {r['seconds']:.1f} "
                   f"| {pages / r['seconds']:.0f} | {r['rss_mb']:.1f} | {r['sections']} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=32, help="copies of the guideline's text (32: ~500 PDF pages)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/ingest-documents"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("\n".join(candidates(args.out)))
    print()
    print("\n".join(scale(args.out, args.copies)))


if __name__ == "__main__":
    main()
