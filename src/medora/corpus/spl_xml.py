"""Read DailyMed drug labels (FDA Structured Product Labeling, SPL: HL7 v3 ``<document
xmlns="urn:hl7-org:v3">``) into Documents of type ``drug_label``.

- title: the product as the label lists it, "<name> (<generic name>) <dosage form>" from the
  ``manufacturedProduct`` elements ("Haloperidol (haloperidol) tablet"). The document ``<title>``
  is often empty or a "These highlights do not include ..." header, so it is kept as
  ``meta["label_title"]`` and used only when the label lists no product;
- source: the labeler (``author/assignedEntity/representedOrganization/name``);
- date and year: the document's ``effectiveTime`` (the label version's date);
- id ``spl-<setId>``: one id across the label's versions, so a newer version replaces the older;
  meta ``set_id``, ``version`` (``versionNumber``), ``spl_id`` (document ``id``), ``document_type``;
- sections: each ``<section>`` of the structured body with text, named by its LOINC code when it
  is one of the standard sections (``SECTION_NAMES``: "Indications and Usage", "Dosage and
  Administration", "Contraindications", "Warnings and Precautions", "Adverse Reactions" ...), else
  by its own title; a subsection's name is the heading path joined with " › ". Product data,
  indexing and package-label panels are left out; so are the Highlights excerpts, which repeat the
  full sections. Paragraphs, lists and tables become blocks; a table row reads "header: value; ...".
- audience: ``patient`` for an OTC "Drug Facts" label (document code 34390-5), else ``professional``.

A file that is not well-formed XML, or a label with neither a title nor a product name, or with no
section text, is reported and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..errors import ParseError
from ..types import Document, IngestProblem, Section
from .safe_xml import (
    element_table_lines, first_child, inline_text, join_blocks, local, named_children, parse_file, partial_date,
)

LICENCE = "Drug label as submitted to the US FDA by its labeler; published by NLM DailyMed"
LOINC = "2.16.840.1.113883.6.1"
OTC_LABEL = "34390-5"  # HUMAN OTC DRUG LABEL: the consumer-facing "Drug Facts"
# Standard label sections by LOINC code (FDA SPL section headings).
SECTION_NAMES = {
    "34066-1": "Boxed Warning",
    "34067-9": "Indications and Usage",
    "34068-7": "Dosage and Administration",
    "43678-2": "Dosage Forms and Strengths",
    "34070-3": "Contraindications",
    "43685-7": "Warnings and Precautions",
    "34071-1": "Warnings",
    "42232-9": "Precautions",
    "34084-4": "Adverse Reactions",
    "34073-7": "Drug Interactions",
    "43684-0": "Use in Specific Populations",
    "34081-0": "Pediatric Use",
    "34082-8": "Geriatric Use",
    "34088-5": "Overdosage",
    "34089-3": "Description",
    "34090-1": "Clinical Pharmacology",
    "34092-7": "Clinical Studies",
    "34069-5": "How Supplied",
}
# Not label text: product data elements, indexing data, the package label's display panel.
SKIPPED_SECTIONS = frozenset({"48780-1", "48779-3", "51945-4"})
_SKIP_INLINE = frozenset({"renderMultiMedia", "footnote"})
_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*\s+")


def read_spl_xml(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read one SPL drug-label file (layout in the module docstring)."""
    try:
        root = parse_file(path)
        yield label_document(root)
    except ParseError as e:
        problems.append(IngestProblem(e.path, e.line, e.reason))
    except ValueError as e:
        problems.append(IngestProblem(str(path), None, str(e)))


def label_document(root: etree._Element) -> Document:
    """The Document of an SPL ``<document>`` root element.

    Raises:
        ValueError: no set id, no title or product name, or no section text.
    """
    set_id_el = first_child(root, "setId")
    set_id = set_id_el.get("root", "").strip() if set_id_el is not None else ""
    if not set_id:
        raise ValueError("drug label without a setId; skipped")
    label_title = inline_text(first_child(root, "title"))
    products = _products(root)
    title = ", ".join(products[:3]) or label_title
    if not title:
        raise ValueError(f"drug label {set_id}: no title and no product name; skipped")
    body = first_child(first_child(root, "component"), "structuredBody")
    sections = _merge_adjacent([s for c in named_children(body, "component") for s in _sections(first_child(c, "section"), [])])
    if not sections:
        raise ValueError(f"drug label {set_id}: no section text; skipped")
    date = _date(first_child(root, "effectiveTime"))
    code = first_child(root, "code")
    labeler = next((inline_text(n) for n in root.iterfind(
        "{*}author/{*}assignedEntity/{*}representedOrganization/{*}name")), "")
    version = first_child(root, "versionNumber")
    meta = {
        "set_id": set_id,
        "version": version.get("value", "") if version is not None else "",
        "spl_id": first_child(root, "id").get("root", "") if first_child(root, "id") is not None else "",
        "document_type": code.get("displayName", "") if code is not None else "",
        "label_title": label_title,
        "products": products,
    }
    return Document(
        id=f"spl-{set_id}",
        type="drug_label",
        title=title,
        source=labeler or "DailyMed",
        year=int(date[:4]) if date else None,
        url=f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={set_id}",
        audience="patient" if code is not None and code.get("code") == OTC_LABEL else "professional",
        sections=tuple(sections),
        date=date,
        licence=LICENCE,
        meta={k: v for k, v in meta.items() if v},
    )




def _date(effective: etree._Element | None) -> str | None:
    value = effective.get("value", "") if effective is not None else ""
    return partial_date(value[:4], value[4:6], value[6:8]) if value[:8].isdigit() else None


def _products(root: etree._Element) -> list[str]:
    """Distinct "<name> (<generic>) <form>" of the products the label lists, in order."""
    names: dict[str, None] = {}
    for product in root.iterfind(".//{*}manufacturedProduct"):
        name_el = first_child(product, "name")
        if name_el is None:  # the outer manufacturedProduct wraps the one that has the name
            continue
        # <name>TRIAMINIC<suffix>Childrens Night Time ...</suffix></name>: the suffix is a separate word
        name = " ".join(" ".join(name_el.itertext()).split())
        generic = inline_text(next(product.iterfind("{*}asEntityWithGeneric/{*}genericMedicine/{*}name"), None))
        form = first_child(product, "formCode")
        form_name = form.get("displayName", "").lower() if form is not None else ""
        if not name:
            continue
        label = name if not generic or generic.lower() == name.lower() else f"{name} ({generic})"
        if generic and generic.lower() == name.lower():
            label = f"{name} ({generic.lower()})"
        names[f"{label} {form_name}".strip()] = None
    return list(names)


def _heading(section: etree._Element, top: bool) -> str:
    """A top-level section's standard name by its LOINC code, else its own title; a subsection's
    own title only (old labels code untitled boxes inside sections as "Boxed Warning")."""
    code = first_child(section, "code")
    loinc = code.get("code", "") if code is not None and code.get("codeSystem") == LOINC else ""
    if top and loinc in SECTION_NAMES:
        return SECTION_NAMES[loinc]
    own = _NUMBERING.sub("", inline_text(first_child(section, "title"))).strip()
    if own:
        return own.title() if own.isupper() else own
    if not top:
        return ""
    shown = (code.get("displayName", "") if code is not None else "").removesuffix(" SECTION").removesuffix(" section")
    return shown.title() if shown and "UNCLASSIFIED" not in shown.upper() else ""


def _sections(section: etree._Element | None, path: list[str]) -> list[Section]:
    if section is None:
        return []
    code = first_child(section, "code")
    if code is not None and code.get("code") in SKIPPED_SECTIONS:
        return []
    heading = _heading(section, top=not path)
    here = [*path, heading] if heading else path
    out = []
    text = join_blocks(b for child in named_children(section, "text") for b in _blocks(child))
    if text:
        out.append(Section(" › ".join(here) or "Label text", text))
    for component in named_children(section, "component"):
        out.extend(_sections(first_child(component, "section"), here))
    return out


def _merge_adjacent(sections: list[Section]) -> list[Section]:
    """One section for consecutive parts under one heading (a box inside a section splits its text)."""
    out: list[Section] = []
    for s in sections:
        if out and out[-1].name == s.name:
            out[-1] = Section(s.name, f"{out[-1].text}\n\n{s.text}")
        else:
            out.append(s)
    return out


def _blocks(text: etree._Element) -> list[str]:
    """Blocks of an SPL ``<text>``: paragraphs, lists (``- item`` lines), tables (one row a line)."""
    blocks = []
    loose = []  # inline content directly under <text> (no <paragraph>)
    if text.text and text.text.strip():
        loose.append(text.text)
    for child in text:
        name = local(child.tag)
        if name == "list":
            blocks.append("\n".join(_list_lines(child, 0)))
        elif name == "table":
            caption = inline_text(first_child(child, "caption"), _SKIP_INLINE)
            rows = "\n".join(element_table_lines(child, _SKIP_INLINE))
            blocks.append(f"{caption}\n{rows}" if caption and rows else caption or rows)
        elif name == "paragraph":
            blocks.append(inline_text(child, _SKIP_INLINE))
        elif name not in _SKIP_INLINE:
            loose.append(inline_text(child, _SKIP_INLINE))
        if child.tail and child.tail.strip():
            loose.append(child.tail)
    if loose:
        blocks.insert(0, " ".join(" ".join(loose).split()))
    return blocks


def _list_lines(element: etree._Element, depth: int) -> list[str]:
    lines = []
    for item in named_children(element, "item"):
        lines.append(f"{'  ' * depth}- {inline_text(item, _SKIP_INLINE | {'list'})}".rstrip())
        for sub in named_children(item, "list"):
            lines.extend(_list_lines(sub, depth + 1))
    return lines
