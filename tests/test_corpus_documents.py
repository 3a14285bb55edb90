"""PDF, Word and HTML readers, on documents made at test time from real NGC guidelines.

The documents are laid out by reportlab, python-docx and the standard library
(tests/made_documents.py) from ngc-10495 (ASCO, "Evidence quality: high. Strength of
recommendation: strong."), ngc-10795 (ATS/ERS GRADE: "(strong recommendation, moderate confidence
in estimates of effect)") and ngc-10432 (ACC/AHA: "Class I" headings, "(Level of Evidence: B)").
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import pytest
from made_documents import guideline, make_docx, make_html, make_pdf

from medora.corpus import chunk_document
from medora.corpus.docx import read_docx
from medora.corpus.html_doc import read_html
from medora.corpus.pages import page_text, pages_of
from medora.corpus.pdf import read_pdf
from medora.settings import get_settings
from medora.types import IngestProblem


@pytest.fixture(scope="module")
def her2():
    return guideline("ngc-10495")


@pytest.fixture(scope="module")
def made(tmp_path_factory, her2):
    folder = tmp_path_factory.mktemp("made")
    return {
        "pdf": make_pdf(folder / "ASCO HER2 guideline.pdf", her2),
        "pdf-outline": make_pdf(folder / "her2-outline.pdf", her2, outline=True),
        "docx": make_docx(folder / "ipf.docx", guideline("ngc-10795")),
        "html": make_html(folder / "vhd.html", guideline("ngc-10432")),
    }


def read_one(reader, path):
    problems: list[IngestProblem] = []
    docs = list(reader(path, problems))
    assert problems == []
    assert len(docs) == 1
    return docs[0]


def passages(doc):
    return chunk_document(doc, get_settings(env={}).corpus)


def recommendation_of(doc, opening: str):
    found = [p for p in passages(doc) if opening in p.text]
    assert len(found) == 1, [p.text[:60] for p in found]
    return found[0]


# -- PDF ------------------------------------------------------------------------------


@pytest.mark.parametrize("made_as", ["pdf", "pdf-outline"])
def test_pdf_title_date_and_sections(made, her2, made_as):
    doc = read_one(read_pdf, made[made_as])
    assert (doc.type, doc.title, doc.source) == ("guideline", her2.title, "American Society of Clinical Oncology")
    assert (doc.date, doc.year) == ("2014 July 1", 2014)
    names = [s.name for s in doc.sections]
    assert names[:6] == [
        her2.title,  # the title page's lines under the title
        "Major Recommendations",
        "Major Recommendations › Clinical Question 1",
        "Major Recommendations › Clinical Question 1.A",
        "Major Recommendations › Clinical Question 1.A.II",
        "Major Recommendations › Clinical Question 1.A.III",
    ]
    assert {"Potential Harms", "Contraindications", "Target Population"} <= set(names)
    assert doc.meta["page_count"] == 17
    # the title page's text, without the running head and the page number printed on every page
    assert doc.sections[0].text == f"{her2.organisation} Date released: {her2.date}"
    assert not any(her2.title[:60] in s.text or re.search(r"(?m)^\d+$", s.text) for s in doc.sections)


def test_pdf_without_metadata_takes_its_title_from_the_largest_lines_of_page_1(tmp_path, her2):
    doc = read_one(read_pdf, make_pdf(tmp_path / "plain.pdf", her2, metadata=False))
    assert (doc.title, doc.source, doc.date) == (her2.title, "", "2014 July 1")
    assert doc.sections[0].name == her2.title


def test_pdf_recommendation_keeps_its_ratings_and_page(made):
    doc = read_one(read_pdf, made["pdf"])
    rec = recommendation_of(doc, "Recommendation 1.B.III.b.")
    assert (rec.kind, rec.evidence_quality, rec.strength) == ("recommendation", "insufficient", "weak")
    assert rec.section == "Major Recommendations › Clinical Question 1.B.III"
    assert rec.text.endswith("Type: informal consensus. Evidence quality: insufficient. Strength of recommendation: weak.")
    assert pages_of(doc.meta, rec.section, rec.start, rec.end) == ("3",)
    first = recommendation_of(doc, "Recommendation 1.A.I.")
    assert (first.evidence_quality, first.strength) == ("high", "strong")
    assert page_text(pages_of(doc.meta, first.section, first.start, first.end)) == "p. 2"


def test_pdf_rating_definitions_are_not_recommendations(made):
    doc = read_one(read_pdf, made["pdf"])
    kinds = {p.section: p.kind for p in passages(doc) if p.section.endswith((
        "Guide for Rating Strength of Evidence", "Guide for Strength of Recommendations",
        "Guide for Types of Recommendations"))}
    assert kinds == {
        "Major Recommendations › Guide for Rating Strength of Evidence": "definitions",
        "Major Recommendations › Guide for Strength of Recommendations": "definitions",
        "Major Recommendations › Guide for Types of Recommendations": "definitions",
    }


def test_pdf_page_map_follows_a_section_across_a_page_break(made):
    doc = read_one(read_pdf, made["pdf"])
    name = "Major Recommendations › Clinical Question 1.B.II"
    entries = [e for e in doc.meta["pages"] if e[0] == name]
    assert [e[2] for e in entries] == ["2", "3"]
    text = next(s.text for s in doc.sections if s.name == name)
    assert pages_of(doc.meta, name, 0, len(text)) == ("2", "3")
    assert page_text(("2", "3")) == "pp. 2–3"


def _damaged(path, tmp_path):
    data = path.read_bytes()
    broken = tmp_path / "damaged.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(len(data) // 2))
    return broken


@pytest.mark.parametrize("kind, reason", [
    ("encrypted", "encrypted PDF: it needs a password; save it unprotected"),
    ("image-only", "no text layer (an image-only or scanned PDF); OCR it first"),
    ("damaged", "not a readable PDF"),
])
def test_unreadable_pdf_is_reported_with_its_path_and_skipped(tmp_path, her2, made, kind, reason):
    if kind == "encrypted":
        path = make_pdf(tmp_path / "locked.pdf", her2, password="medora")
    elif kind == "image-only":
        path = make_pdf(tmp_path / "scanned.pdf", her2, image_only=True)
    else:
        path = _damaged(made["pdf"], tmp_path)
    problems: list[IngestProblem] = []
    assert list(read_pdf(path, problems)) == []
    assert [(p.path, p.line) for p in problems] == [(str(path), None)]
    assert problems[0].reason.startswith(reason)


# -- Word -----------------------------------------------------------------------------


def test_docx_title_date_sections_and_numbered_recommendations(made):
    doc = read_one(read_docx, made["docx"])
    ipf = guideline("ngc-10795")
    assert (doc.type, doc.title, doc.source) == ("guideline", ipf.title, ipf.organisation)
    assert (doc.date, doc.year) == ("2015-07-15", 2015)
    names = [s.name for s in doc.sections]
    assert names[1:4] == [
        "Major Recommendations",
        "Major Recommendations › Recommendations for Specific Treatment Questions",
        "Major Recommendations › Question 1: Should patients with idiopathic pulmonary fibrosis (IPF) be treated "
        "with anticoagulation?",
    ]
    rec = recommendation_of(doc, "clinicians use nintedanib")
    assert rec.text == (
        "5. The committee suggests that clinicians use nintedanib in patients with IPF (conditional recommendation, "
        "moderate confidence in estimates of effect)."
    )
    assert (rec.kind, rec.evidence_quality, rec.strength) == ("recommendation", "moderate", "conditional")
    rec = recommendation_of(doc, "clinicians not use imatinib")
    assert (rec.evidence_quality, rec.strength) == ("moderate", "strong")


def test_docx_table_rows_name_their_headers(made):
    doc = read_one(read_docx, made["docx"])
    text = "\n".join(s.text for s in doc.sections)
    assert "Quality of Evidence (GRADE) | The quality of evidence is a judgement" in text  # the header row
    rows = [line for line in text.split("\n") if line.startswith("Quality of Evidence (GRADE): ")]
    assert len(rows) >= 3


def test_truncated_docx_is_reported_with_its_path_and_skipped(made, tmp_path):
    broken = tmp_path / "truncated.docx"
    broken.write_bytes(made["docx"].read_bytes()[:2000])
    problems: list[IngestProblem] = []
    assert list(read_docx(broken, problems)) == []
    assert [(p.path, p.line) for p in problems] == [(str(broken), None)]
    assert problems[0].reason.startswith("not a readable Word document: ")


# -- HTML -----------------------------------------------------------------------------


def test_html_meta_tags_sections_and_no_site_furniture(made):
    doc = read_one(read_html, made["html"])
    vhd = guideline("ngc-10432")
    assert (doc.type, doc.title, doc.source) == ("guideline", vhd.title, vhd.organisation)
    assert (doc.date, doc.year) == ("1998 Nov 1 (revised 2014 June 10)", 2014)
    assert [s.name for s in doc.sections] == ["Major Recommendations", "Potential Harms"]
    text = "\n".join(s.text for s in doc.sections)
    for furniture in ("- Guidelines\n- Search", "window.dataLayer", "font-family"):  # nav, script, style
        assert furniture not in text
    assert not doc.sections[0].text.startswith(vhd.organisation)  # the header


def test_html_class_and_level_of_evidence_are_parsed(made):
    doc = read_one(read_html, made["html"])
    rec = recommendation_of(doc, "TTE is recommended in patients with known VHD with any change in symptoms")
    assert (rec.kind, rec.evidence_quality, rec.strength) == ("recommendation", "C", "I")
    assert rec.text.endswith("(Level of Evidence: C)")


def test_html_table_rows_name_their_headers(tmp_path, her2):
    doc = read_one(read_html, make_html(tmp_path / "her2.html", her2, fields=("Major Recommendations",)))
    lines = doc.sections[0].text.split("\n")
    assert "Rating for Strength of Evidence | Definition" in lines  # the header row
    assert (
        "Rating for Strength of Evidence: High; Definition: High confidence that the available evidence reflects "
        "the true magnitude and direction of the net effect (i.e., balance of benefits v harms) and that further "
        "research is very unlikely to change either the magnitude or direction of this net effect."
    ) in lines


# -- from a PDF to a cited answer ---------------------------------------------------------


def test_question_answered_from_a_pdf_cites_its_page_and_year(made, tmp_path):
    from medora.answer.audience import ask
    from medora.answer.cite import to_json
    from medora.render import to_text
    from medora.web import ENV

    from medora.index import open_index
    from medora.index.build import build_index

    folder = tmp_path / "my-documents"  # a user's folder: the PDF, found by its content
    folder.mkdir()
    shutil.copy(made["pdf"], folder / made["pdf"].name)
    settings = get_settings(tmp_path / "data", env={}, index={"dense": False}, corpus={"paths": [str(folder)]})
    report = build_index(settings, dense=False)
    assert (report.added, report.problems) == (1, [])
    doc = read_one(read_pdf, made["pdf"])
    index = open_index(settings)
    try:
        answer = to_json(ask("Which HER2-targeted therapy is recommended as second-line treatment for HER2-positive "
                             "advanced breast cancer?", index, settings))
    finally:
        index.close()
    ref = next(r for r in answer["references"] if r["doc_id"] == "asco-her2-guideline.pdf")
    assert (ref["year"], ref["date"], ref["label"]) == (2014, "2014 July 1", "Guideline")
    quoted = [s for s in [*answer["bottom_line"], *(s for sec in answer["sections"] for s in sec["statements"])]
              if s["doc_id"] == ref["doc_id"]]
    assert quoted and all(s["year"] == 2014 for s in quoted)
    by_id = {p.id: p for p in passages(doc)}
    expected = {page for s in quoted for page in pages_of(
        doc.meta, by_id[s["passage_id"]].section, by_id[s["passage_id"]].start + s["span"][0],
        by_id[s["passage_id"]].start + s["span"][1])}
    assert ref["pages"] == sorted(expected, key=int)
    for st in quoted:  # each statement names its own page(s)
        p = by_id[st["passage_id"]]
        own = pages_of(doc.meta, p.section, p.start + st["span"][0], p.start + st["span"][1])
        assert (st["pages"], st["locator"]) == (list(own), page_text(own))
    assert "2" in ref["pages"]  # the second-line recommendations (1.A.II, 1.B.II) begin on page 2
    assert ref["locator"] == page_text(ref["pages"])
    text = to_text(answer)
    assert f"2014. {ref['locator']}." in text
    first = quoted[0]
    assert f"[{first['citations'][0]}, {first['locator']}]" in " ".join(text.split())
    macros = ENV.get_template("_macros.html").module
    assert f'<span class="pages">{ref["locator"]}.</span>' in str(macros.reference(ref))
    assert f'<span class="locator">({first["locator"]})</span>' in str(macros.statement(first))
    json.dumps(dataclasses.asdict(doc))  # the page map is plain JSON, stored with the document
