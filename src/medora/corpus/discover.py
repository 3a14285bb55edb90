"""Find the corpus files under the given paths, tell each one's format, and read it with its reader.

Formats, by file name first, then by content (the first bytes), then by extension:

==============================================  ==============  =========================================
File                                            format          reader
==============================================  ==============  =========================================
``ngc-*.xml``; an ``*.xml`` beside one, or an   ``ngc-xml``     NGC guideline summary (guideline_xml)
XML file whose root is NGC's ``<Version>``
``ori_pqal.json``                               ``pubmedqa``    PubMedQA abstracts (pubmed)
``pdq_summaries.jsonl``, ``nci_*.jsonl``        ``nci-jsonl``   NCI PDQ summaries and pages (pdq_markdown);
                                                                ``pdq_references.jsonl`` is read with them
``medquad*.jsonl``                              ``medquad``     MedQuAD question–answer pairs (medquad)
other ``*.jsonl`` with an object holding        ``user-jsonl``  your own documents (user_jsonl)
``"sections"`` in its first 100 lines
XML, root ``<PubmedArticleSet>``                ``pubmed-xml``  PubMed abstracts (pubmed_xml)
XML, root ``<article>`` (JATS / NLM DTD or      ``pmc-xml``     PMC full-text articles (pmc_xml)
namespace) or ``<pmc-articleset>``
XML, root ``<document>`` in the HL7 v3         ``spl-xml``     DailyMed SPL drug labels (spl_xml)
namespace ``urn:hl7-org:v3``
starts ``%PDF-``, or ``*.pdf``                  ``pdf``         PDF documents (pdf)
a zip holding ``word/document.xml``, or         ``docx``        Word documents (docx)
``*.docx``
starts ``<!doctype html`` / ``<html``, or       ``html``        web pages (html_doc)
``*.html`` / ``*.htm``
==============================================  ==============  =========================================

A ``<file>.meta.json`` sidecar beside a file of the last six formats fills in or corrects its title,
source, dates, url, type, audience, licence and id (:mod:`medora.corpus.sidecar`). Anything else in a
folder (README, LICENSE, ``test_ground_truth.json``, sidecars ...) is skipped.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, ParseError, UnsupportedSource
from ..types import Document, IngestProblem
from .guideline_xml import read_guideline
from .medquad import read_medquad
from .pdq_markdown import REFERENCES_FILE, read_nci
from .pmc_xml import read_pmc_xml
from .pubmed import read_pubmedqa
from .pubmed_xml import read_pubmed_xml
from .sidecar import is_sidecar, with_sidecar
from .spl_xml import read_spl_xml
from .user_jsonl import looks_like_user_jsonl, read_user_jsonl

Reader = Callable[[Path, list[IngestProblem]], Iterator[Document]]

SNIFF_BYTES = 4096  # enough for an XML declaration, a DOCTYPE and the root element's attributes


def _read_guideline(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    try:
        yield read_guideline(path)
    except ParseError as e:
        problems.append(IngestProblem(e.path, e.line, e.reason))
    except Exception as e:  # noqa: BLE001 - whatever else one file raises costs that file, not the run
        problems.append(IngestProblem(str(path), None, f"unreadable guideline: {type(e).__name__}: {e}"))


def _no_reader(path: Path, label: str, e: ImportError) -> IngestProblem:
    return IngestProblem(str(path), None, f"no reader for {label} in this install ({e})")


# The PDF, Word and HTML readers are imported when first used: a missing optional parser costs that
# format (reported per file), not the run.
def _lazy(module: str, name: str, label: str) -> Reader:
    def read(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
        try:
            reader = getattr(importlib.import_module(module, __package__), name)
        except ImportError as e:
            problems.append(_no_reader(path, label, e))
            return
        yield from reader(path, problems)

    return read


_read_pdf = _lazy(".pdf", "read_pdf", "PDF")
_read_docx = _lazy(".docx", "read_docx", "DOCX")
_read_html = _lazy(".html_doc", "read_html", "HTML")


READERS: dict[str, Reader] = {
    "ngc-xml": _read_guideline,
    "pubmedqa": read_pubmedqa,
    "nci-jsonl": read_nci,
    "medquad": read_medquad,
    "user-jsonl": read_user_jsonl,
    "pubmed-xml": read_pubmed_xml,
    "pmc-xml": read_pmc_xml,
    "spl-xml": read_spl_xml,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "html": _read_html,
}
# The formats a user brings: a sidecar applies to them; a reader's unexpected error costs one file.
OWN_FORMATS = frozenset({"pubmed-xml", "pmc-xml", "spl-xml", "pdf", "docx", "html"})
_EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html"}


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One file to read and its format (a key of ``READERS``)."""

    path: Path
    format: str


# -- detection ---------------------------------------------------------------------------

_PROLOGUE = re.compile(r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE(?:[^\[>]|\[.*?\])*>\s*)*", re.S | re.I)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)([^>]*)")
_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*", re.I)


def sniff(path: Path) -> str | None:
    """The format the first bytes of ``path`` show (PDF, DOCX, HTML or one of the XML formats), or None."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return None
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                return "docx" if "word/document.xml" in z.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    rest = text[_PROLOGUE.match(text).end():]
    if re.match(r"\s*<!doctype\s+html", text, re.I) or re.match(r"<html[\s>]", rest, re.I):
        return "html"
    root = _ROOT.match(rest)
    if not root:
        return None
    name, attributes = root.group(1).rsplit(":", 1)[-1], root.group(2)
    found_doctype = _DOCTYPE.search(text)
    doctype = found_doctype.group(0) if found_doctype else ""
    if name == "PubmedArticleSet":
        return "pubmed-xml"
    if name == "pmc-articleset" or (name == "article" and (
            re.search(r"JATS|NLM|Journal (?:Archiving|Publishing)", doctype)
            or re.search(r"jats\.nlm\.nih\.gov|dtd-version=|xmlns:xlink=", attributes))):
        return "pmc-xml"
    if name == "document" and "urn:hl7-org:v3" in attributes:
        return "spl-xml"
    if name == "Version" and "National Guideline Clearinghouse" in text:
        return "ngc-xml"
    return None


def format_of(path: Path, ngc_folders: dict[Path, bool] | None = None) -> str | None:
    """The format of one file (a key of ``READERS``), or None when it is no corpus format.

    ``ngc_folders`` caches, per folder, whether it holds ``ngc-*.xml`` files.
    """
    name = path.name.lower()
    if is_sidecar(path):
        return None
    if name.startswith("ngc-") and name.endswith(".xml"):
        return "ngc-xml"
    if name == "ori_pqal.json":
        return "pubmedqa"
    if name == "pdq_summaries.jsonl" or (name.startswith("nci_") and name.endswith(".jsonl")):
        return "nci-jsonl"
    if name.startswith("medquad") and name.endswith(".jsonl"):
        return "medquad"
    if name.endswith(".jsonl"):
        return "user-jsonl" if name != REFERENCES_FILE and looks_like_user_jsonl(path) else None
    found = sniff(path)
    if found:
        return found
    if name.endswith(".xml"):
        cache = {} if ngc_folders is None else ngc_folders
        if path.parent not in cache:
            cache[path.parent] = any(path.parent.glob("ngc-*.xml"))
        return "ngc-xml" if cache[path.parent] else None
    return _EXTENSIONS.get(path.suffix.lower())


def reader_for(path: Path, ngc_folders: dict[Path, bool] | None = None) -> Reader | None:
    """The reader for one file, or None when it is no corpus format."""
    found = format_of(path, ngc_folders)
    return READERS[found] if found else None


# -- planning and reading ----------------------------------------------------------------


def _files(folder: Path) -> list[Path]:
    """Files under ``folder``, hidden ones skipped, in a stable order."""
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def plan_corpus(paths: list[Path]) -> list[CorpusFile]:
    """The corpus files under ``paths`` with their formats, in reading order.

    Raises:
        CorpusError: a path does not exist.
        UnsupportedSource: a path exists but holds no format Medora reads.
    """
    plan: list[CorpusFile] = []
    seen: set[Path] = set()
    ngc_folders: dict[Path, bool] = {}
    for given in map(Path, paths):
        if not given.exists():
            raise CorpusError(f"Corpus path {given} does not exist.")
        candidates = _files(given) if given.is_dir() else [given]
        found = [CorpusFile(p, f) for p in candidates if (f := format_of(p, ngc_folders)) is not None]
        if not found:
            if given.is_file() and given.name == REFERENCES_FILE:
                raise UnsupportedSource(
                    f"{given}: a reference list, read together with pdq_summaries.jsonl in its folder."
                )
            raise UnsupportedSource(
                f"{given}: no corpus format found (NGC ngc-*.xml, ori_pqal.json, pdq_summaries.jsonl / "
                "nci_*.jsonl, medquad*.jsonl, a .jsonl of documents with \"sections\", PubMed XML, "
                "PMC/JATS XML, DailyMed SPL XML, PDF, DOCX or HTML)."
            )
        for item in found:
            key = item.path.resolve()
            if key not in seen:
                seen.add(key)
                plan.append(item)
    return plan


def read_file(item: CorpusFile, problems: list[IngestProblem]) -> Iterator[Document]:
    """The documents of one planned file; what cannot be read goes to ``problems`` (path, line, reason)."""
    path, reader = item.path, READERS[item.format]
    try:
        if item.format in OWN_FORMATS:
            yield from with_sidecar(path, reader(path, problems), problems)
        else:
            yield from reader(path, problems)
    except (OSError, UnicodeDecodeError) as e:
        problems.append(IngestProblem(str(path), None, f"cannot read: {e}"))
    except Exception as e:  # noqa: BLE001 - one file a reader cannot cope with costs that file, not the run
        if item.format not in OWN_FORMATS:
            raise
        problems.append(IngestProblem(str(path), None, f"unreadable {item.format}: {type(e).__name__}: {e}"))


def read_corpus(paths: list[Path], problems: list[IngestProblem]) -> Iterator[Document]:
    """Read every document under ``paths`` (files or folders, folders recursively).

    Args:
        paths: corpus files or folders (formats in the module docstring).
        problems: receives an IngestProblem (path, line, reason) for each malformed file or
            line, which is skipped; the rest is read.

    Returns:
        An iterator of Documents, lazily read, in a deterministic order: paths as given,
        files within a folder by relative path, a file reached twice read once.

    Raises:
        CorpusError: a path does not exist (raised at once, before any reading).
        UnsupportedSource: a path exists but holds no format Medora reads.
    """
    plan = plan_corpus(paths)
    return (doc for item in plan for doc in read_file(item, problems))
