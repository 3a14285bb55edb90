"""Read PubMed XML (``<PubmedArticleSet>``, as PubMed and E-utilities ``efetch`` export it) into Documents.

One Document per ``<PubmedArticle>``:

- id ``pmid-<PMID>`` (the id the PubMedQA abstracts use, so one article is indexed once);
- title ``ArticleTitle`` (without PubMed's closing full stop); source the journal's ``Title``;
  date from ``JournalIssue/PubDate`` (``Year``/``Month``/``Day``, or the year of a ``MedlineDate``
  such as "1979 Jul-Sep"), else the electronic ``ArticleDate``;
- sections: one per ``AbstractText``, named by its ``Label`` ("BACKGROUND", "METHODS" ...), or
  "Abstract" when the abstract is not structured;
- type from ``PublicationType``: "Systematic Review" / "Meta-Analysis" -> ``systematic_review``,
  a randomized or clinical trial -> ``trial``, else ``research``;
- meta: ``pmid``, ``doi``, ``pmcid``, ``mesh`` (descriptor names), ``keywords``, ``publication_types``.

An article without a title or without abstract text, and a book record (``<PubmedBookArticle>``), is
reported (path, line, PMID) and skipped; the other articles of the file are read. The file is
streamed, so a baseline file of 30,000 articles reads in constant memory, and a file cut off part-way
keeps the articles before the break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..errors import ParseError
from ..types import Document, IngestProblem, Section
from .pubmed import design_sections
from .safe_xml import inline_text, iter_elements, partial_date

LICENCE = "Abstract (c) its publisher; record from PubMed (US National Library of Medicine)"
_REVIEW_TYPES = {"systematic review", "meta-analysis"}
_TRIAL_TYPE = re.compile(r"randomized controlled trial|clinical trial", re.I)  # "Clinical Trial, Phase III" too
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def read_pubmed_xml(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read a ``PubmedArticleSet`` file (layout in the module docstring)."""
    try:
        for article in iter_elements(path, "PubmedArticle", "PubmedBookArticle"):
            if article.tag == "PubmedBookArticle":
                pmid = inline_text(article.find("BookDocument/PMID"))
                problems.append(IngestProblem(str(path), article.sourceline,
                                              f"PMID {pmid}: a book record (PubmedBookArticle), not read; skipped"))
                continue
            try:
                yield article_document(article)
            except ValueError as e:
                problems.append(IngestProblem(str(path), article.sourceline, str(e)))
    except ParseError as e:
        problems.append(IngestProblem(e.path, e.line, e.reason))


def article_document(article: etree._Element) -> Document:
    """The Document of one ``<PubmedArticle>`` element.

    Raises:
        ValueError: the article has no PMID, no title or no abstract text (the message names the PMID).
    """
    citation = article.find("MedlineCitation")
    pmid = inline_text(citation.find("PMID")) if citation is not None else ""
    if not pmid.isdigit():
        raise ValueError("article without a PMID; skipped")
    info = citation.find("Article")
    title = inline_text(info.find("ArticleTitle")).removesuffix(".") if info is not None else ""
    if not title:
        raise ValueError(f"PMID {pmid}: no ArticleTitle; skipped")
    sections = _abstract(info)
    if not sections:
        raise ValueError(f"PMID {pmid}: no abstract text; skipped")
    journal = info.find("Journal")
    date = _date(info)
    ids = {a.get("IdType"): inline_text(a) for a in article.iterfind("PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next((inline_text(e) for e in info.iterfind("ELocationID")
                                  if e.get("EIdType") == "doi"), "")
    types = [inline_text(t) for t in info.iterfind("PublicationTypeList/PublicationType")]
    meta = {
        "pmid": pmid, "doi": doi, "pmcid": ids.get("pmc", ""),
        "mesh": [inline_text(d) for d in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName")],
        "keywords": [inline_text(k) for k in citation.iterfind("KeywordList/Keyword")],
        "publication_types": types,
        "design_sections": design_sections([s.name for s in sections]),
    }
    copyright_note = inline_text(info.find("Abstract/CopyrightInformation"))
    return Document(
        id=f"pmid-{pmid}",
        type=publication_type(types),
        title=title,
        source=(inline_text(journal.find("Title")) or inline_text(journal.find("ISOAbbreviation"))
                if journal is not None else "") or "PubMed",
        year=int(date[:4]) if date else None,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        audience="professional",
        sections=tuple(sections),
        date=date,
        licence=f"{LICENCE}. {copyright_note}" if copyright_note else LICENCE,
        meta={k: v for k, v in meta.items() if v},
    )


def publication_type(types: list[str]) -> str:
    """``systematic_review`` | ``trial`` | ``research`` from PubMed's PublicationType list."""
    lowered = {t.lower() for t in types}
    if lowered & _REVIEW_TYPES:
        return "systematic_review"
    if any(_TRIAL_TYPE.search(t) for t in types):
        return "trial"
    return "research"


def _abstract(info: etree._Element | None) -> list[Section]:
    if info is None:
        return []
    sections = []
    for part in info.iterfind("Abstract/AbstractText"):
        text = inline_text(part)
        if text:
            sections.append(Section((part.get("Label") or "Abstract").strip() or "Abstract", text))
    return sections


def _date(info: etree._Element) -> str | None:
    issue = info.find("Journal/JournalIssue/PubDate")
    if issue is not None:
        found = partial_date(*(inline_text(issue.find(p)) for p in ("Year", "Month", "Day")))
        if found:
            return found
        medline = _YEAR.search(inline_text(issue.find("MedlineDate")))
        if medline:
            return medline.group(1)
    electronic = info.find("ArticleDate")
    if electronic is not None:
        return partial_date(*(inline_text(electronic.find(p)) for p in ("Year", "Month", "Day")))
    return None
