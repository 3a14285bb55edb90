"""Read PMC / JATS full-text articles (``<article>``, or a ``<pmc-articleset>`` of them) into Documents.

This is the layout of PubMed Central's open-access ``.nxml`` files and of E-utilities ``efetch
db=pmc``, tagged with the NLM Journal Archiving / JATS DTDs:

- ``front/journal-meta``: the journal title (``journal-title``, inside ``journal-title-group``
  from JATS 1.0 on) is the source;
- ``front/article-meta``: ``article-id`` with ``pub-id-type`` pmid / pmc / doi, ``title-group/
  article-title``, ``pub-date`` (electronic first, then print, then collection), ``permissions``;
- ``abstract`` and ``body``: each ``<sec>`` becomes a Section named by its heading path joined
  with " › " ("Abstract › Background", "Methods › Study sample"); text before a body's first
  ``<sec>`` is "Main text". Paragraphs, lists, quotes, figure captions and tables are kept as blocks;
  a table row reads ``"header: value; header: value"``. The ``back`` matter (references,
  acknowledgements, contributions) is left out: it does not answer clinical questions.

Id: ``pmc-<number>`` from the PMCID (the full text is another document than the PubMed abstract
``pmid-<PMID>``), else ``pmid-<PMID>``, else ``doi-<DOI>``. Type: the PubMed study-type wording rule
(:func:`medora.corpus.pubmed.study_type`) on the title and abstract. An article without a title or
without any text is reported (path, line) and skipped; the other articles of a set are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..errors import ParseError
from ..types import Document, IngestProblem, Section
from .pubmed import study_type
from .safe_xml import (
    element_table_lines, first_child, inline_text, iter_elements, join_blocks, local, named_children, partial_date,
)

# Subtrees that are not running text: math markup, cross-reference targets, alternative forms.
_SKIP_INLINE = frozenset({"math", "tex-math", "alternatives", "object-id", "graphic", "inline-graphic"})
_BLOCKS_OWN = frozenset({"p", "list", "table-wrap", "disp-quote", "boxed-text", "fig", "statement",
                         "def-list", "disp-formula", "preformat", "speech", "verse-group", "table-wrap-group"})
_DATE_PREFERENCE = ("epub", "pub", "ppub", "epub-ppub", "collection")
_DOI_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def read_pmc_xml(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read a JATS ``<article>`` file or a ``<pmc-articleset>`` (layout in the module docstring)."""
    try:
        for article in iter_elements(path, "article"):
            try:
                yield article_document(article, path)
            except ValueError as e:
                problems.append(IngestProblem(str(path), article.sourceline, str(e)))
    except ParseError as e:
        problems.append(IngestProblem(e.path, e.line, e.reason))


def article_document(article: etree._Element, path: Path) -> Document:
    """The Document of one JATS ``<article>`` element (``path`` names it in messages and ids).

    Raises:
        ValueError: the article has no title or no text.
    """
    meta_el = first_child(first_child(article, "front"), "article-meta")
    ids = {a.get("pub-id-type"): inline_text(a) for a in named_children(meta_el, "article-id")}
    pmid, doi = ids.get("pmid", ""), ids.get("doi", "")
    pmcid = ids.get("pmc") or ids.get("pmcid") or ""
    number = pmcid.upper().removeprefix("PMC")
    name = f"PMC{number}" if number else f"PMID {pmid}" if pmid else path.name  # for messages
    title = inline_text(first_child(first_child(meta_el, "title-group"), "article-title"), _SKIP_INLINE)
    if not title:
        raise ValueError(f"{name}: no article-title; skipped")
    abstract = next((a for a in named_children(meta_el, "abstract") if not a.get("abstract-type")),
                    first_child(meta_el, "abstract"))
    sections = _sections(abstract, ["Abstract"], "Abstract") + _sections(first_child(article, "body"), [], "Main text")
    if not sections:
        raise ValueError(f"{name}: no abstract or body text; skipped")
    date = _pub_date(meta_el)
    journal_meta = first_child(first_child(article, "front"), "journal-meta")
    journal = next((inline_text(e) for e in journal_meta.iterfind(".//{*}journal-title")), "") \
        if journal_meta is not None else ""
    if not journal and journal_meta is not None:
        journal = next((inline_text(e) for e in named_children(journal_meta, "journal-id")), "")
    if number:
        doc_id, url = f"pmc-{number}", f"https://pmc.ncbi.nlm.nih.gov/articles/PMC{number}/"
    elif pmid:
        doc_id, url = f"pmid-{pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    elif doi:
        doc_id, url = f"doi-{_DOI_SAFE.sub('-', doi).strip('-')}", f"https://doi.org/{doi}"
    else:
        raise ValueError(f"{path.name}: no PMCID, PMID or DOI to name the article by; skipped")
    subjects = [inline_text(s) for s in meta_el.iterfind(".//{*}subject")]
    abstract_sections = [s for s in sections if s.name.startswith("Abstract")]
    return Document(
        id=doc_id,
        type=study_type([Section("Title", title), *abstract_sections]),
        title=title,
        source=journal or "PubMed Central",
        year=int(date[:4]) if date else None,
        url=url,
        audience="professional",
        sections=tuple(sections),
        date=date,
        licence=_licence(meta_el),
        meta={k: v for k, v in {"pmid": pmid, "pmcid": f"PMC{number}" if number else "", "doi": doi,
                                "article_type": article.get("article-type", ""), "subjects": subjects}.items() if v},
    )




def _sections(container: etree._Element | None, path: list[str], lead_name: str) -> list[Section]:
    """Sections of ``container``: its own blocks under ``path`` (or ``lead_name``), then each ``<sec>``."""
    if container is None:
        return []
    out = []
    own = join_blocks(b for child in container if local(child.tag) in _BLOCKS_OWN for b in _blocks(child))
    if own:
        out.append(Section(" › ".join(path) or lead_name, own))
    for n, sec in enumerate(named_children(container, "sec"), start=1):
        heading = inline_text(first_child(sec, "title"), _SKIP_INLINE).rstrip(":") or inline_text(first_child(sec, "label")) \
            or f"Section {n}"
        out.extend(_sections(sec, [*path, heading], lead_name))
    return out


def _blocks(element: etree._Element) -> list[str]:
    """The text blocks of one block-level element (a list is one block, a table one block)."""
    name = local(element.tag)
    if name == "list":
        return ["\n".join(_list_lines(element, 0))]
    if name in ("table-wrap", "fig", "boxed-text", "table-wrap-group"):
        label = inline_text(first_child(element, "label"))
        caption = first_child(element, "caption")
        head = " ".join(x for x in (label, inline_text(caption, _SKIP_INLINE) if caption is not None else "") if x)
        inner = []
        for child in element:
            if local(child.tag) == "table":
                inner.append("\n".join(element_table_lines(child, _SKIP_INLINE)))
            elif local(child.tag) in _BLOCKS_OWN:
                inner.extend(_blocks(child))
            elif local(child.tag) == "table-wrap-foot":
                inner.append(inline_text(child, _SKIP_INLINE))
        body = "\n".join(x for x in inner if x)
        return [f"{head}\n{body}" if head and body else head or body]
    if name in ("disp-quote", "statement", "speech", "verse-group"):
        return [join_blocks(b for child in element for b in _blocks(child)) or inline_text(element, _SKIP_INLINE)]
    if name == "def-list":
        return ["\n".join(f"- {inline_text(first_child(item, 'term'))}: {inline_text(first_child(item, 'def'), _SKIP_INLINE)}"
                          for item in named_children(element, "def-item"))]
    return [inline_text(element, _SKIP_INLINE)]


def _list_lines(element: etree._Element, depth: int) -> list[str]:
    lines = []
    for item in named_children(element, "list-item"):
        text = " ".join(inline_text(c, _SKIP_INLINE) for c in item if local(c.tag) not in ("list", "label"))
        lines.append(f"{'  ' * depth}- {text}".rstrip())
        for sub in named_children(item, "list"):
            lines.extend(_list_lines(sub, depth + 1))
    return lines


def _pub_date(meta_el: etree._Element | None) -> str | None:
    dates = {}
    for d in named_children(meta_el, "pub-date"):
        kind = d.get("pub-type") or d.get("date-type") or ""
        if kind == "pub" and d.get("publication-format") == "print":
            kind = "ppub"
        found = partial_date(*(inline_text(first_child(d, p)) for p in ("year", "month", "day")))
        if found:
            dates.setdefault(kind, found)
    return next((dates[k] for k in _DATE_PREFERENCE if k in dates), next(iter(dates.values()), None))


def _licence(meta_el: etree._Element | None) -> str:
    permissions = first_child(meta_el, "permissions")
    if permissions is None:
        return "Full text (c) its authors or publisher; from PubMed Central"
    licence = first_child(permissions, "license")
    href = ""
    if licence is not None:
        href = licence.get("{http://www.w3.org/1999/xlink}href") or next(
            (inline_text(e) for e in licence.iterfind(".//{*}license_ref")), "")
    statement = inline_text(first_child(permissions, "copyright-statement"))
    return "; ".join(x for x in (statement, href) if x) or "Full text (c) its authors or publisher; from PubMed Central"
