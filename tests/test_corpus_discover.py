"""Formats told by content, optional readers, and ``<file>.meta.json`` sidecars (issue #16)."""

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from medora.corpus import read_corpus
from medora.corpus.discover import format_of, plan_corpus
from medora.errors import UnsupportedSource
from medora.types import IngestProblem

from conftest import CORPUS

DATA = Path(__file__).parent / "data"
NEJM = DATA / "pubmed" / "pubmed-29768149.xml"
TWO_ABSTRACTS = DATA / "pubmed" / "pubmed2.xml"
HALOPERIDOL = DATA / "spl" / "no-title.xml"
NGC = CORPUS / "guidelines-ngc" / "ngc-10495.xml"


@pytest.mark.parametrize("source, expected", [
    (DATA / "pubmed" / "pubmed-29768149.xml", "pubmed-xml"),
    (DATA / "pubmed" / "pubmed2.xml", "pubmed-xml"),
    (DATA / "pmc" / "1472-6831-8-11.nxml", "pmc-xml"),
    (DATA / "pmc" / "efetch_pmc.xml", "pmc-xml"),
    (DATA / "spl" / "no-title.xml", "spl-xml"),
    (DATA / "spl" / "cough.xml", "spl-xml"),
    (NGC, "ngc-xml"),
    (DATA / "README.md", None),
])
def test_a_format_is_told_by_the_content_whatever_the_file_is_called(tmp_path, source, expected):
    assert format_of(source) == expected
    renamed = tmp_path / "download.dat"
    shutil.copy(source, renamed)
    assert format_of(renamed) == expected


def test_an_ngc_guideline_keeps_being_read_by_its_name_and_beside_its_kind(tmp_path):
    shutil.copy(NGC, tmp_path / "ngc-10495.xml")
    shutil.copy(NEJM, tmp_path / "abstract.xml")
    assert [(f.path.name, f.format) for f in plan_corpus([tmp_path])] == [
        ("abstract.xml", "pubmed-xml"), ("ngc-10495.xml", "ngc-xml")]


def test_pdf_docx_and_html_are_told_by_their_first_bytes(tmp_path):
    pdf, docx, zip_, html = (tmp_path / n for n in ("a.bin", "b.bin", "c.bin", "d.txt"))
    pdf.write_bytes(b"%PDF-1.7\n")
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with zipfile.ZipFile(zip_, "w") as z:
        z.writestr("data.csv", "")
    html.write_text("<!DOCTYPE html>\n<html><body></body></html>")
    assert [format_of(p) for p in (pdf, docx, zip_, html)] == ["pdf", "docx", None, "html"]


def test_a_pdf_that_cannot_be_read_is_reported_with_its_path_and_the_rest_is_read(tmp_path):
    # Whether or not this install has a PDF reader, a file holding only a PDF header gives no document.
    stub = tmp_path / "scan.pdf"
    stub.write_bytes(b"%PDF-1.7\n")
    shutil.copy(NEJM, tmp_path / NEJM.name)
    problems = []
    assert [d.id for d in read_corpus([tmp_path], problems)] == ["pmid-29768149"]
    assert [p.path for p in problems] == [str(stub)]
    if importlib.util.find_spec("medora.corpus.pdf") is None:
        assert problems[0].reason.startswith("no reader for PDF in this install")


def test_a_folder_without_any_format_names_them_all(tmp_path):
    (tmp_path / "notes.txt").write_text((DATA / "README.md").read_text())
    with pytest.raises(UnsupportedSource, match="PubMed XML, PMC/JATS XML, DailyMed SPL XML, PDF, DOCX or HTML"):
        plan_corpus([tmp_path])


# -- sidecars ----------------------------------------------------------------------------

SIDECAR = {"title": "Budesonide-formoterol as needed (local copy)", "source": "Example Clinic library",
           "date": "2019-01-15", "url": "https://example.org/library/29768149", "type": "research",
           "audience": "professional", "licence": "For staff use", "id": "library-29768149"}


def test_a_sidecar_fills_in_and_overrides_the_metadata(tmp_path):
    shutil.copy(NEJM, tmp_path / "nejm.xml")
    (tmp_path / "nejm.xml.meta.json").write_text(json.dumps(SIDECAR))
    problems = []
    (doc,) = read_corpus([tmp_path], problems)
    assert problems == []
    assert (doc.id, doc.title, doc.source, doc.year, doc.date, doc.url, doc.type, doc.audience, doc.licence) == (
        "library-29768149", SIDECAR["title"], "Example Clinic library", 2019, "2019-01-15",
        "https://example.org/library/29768149", "research", "professional", "For staff use")
    assert [s.name for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_a_sidecar_may_be_named_after_the_stem(tmp_path):
    shutil.copy(HALOPERIDOL, tmp_path / "haloperidol.xml")
    (tmp_path / "haloperidol.meta.json").write_text(json.dumps({"year": 2024}))
    (doc,) = read_corpus([tmp_path], [])
    assert (doc.year, doc.date, doc.title) == (2024, "2010-07-28", "Haloperidol (haloperidol) tablet")


@pytest.mark.parametrize("text, reason", [
    ("{not json", "sidecar ignored: not valid JSON: Expecting property name enclosed in double quotes: "
                  "line 1 column 2 (char 1)"),
    ('["a list"]', "sidecar ignored: a sidecar must be a JSON object"),
    ('{"titel": "x"}', "sidecar ignored: unknown field(s) 'titel'; known: title, source, year, date, url, type, "
                       "audience, licence, id"),
    ('{"year": "2019"}', "sidecar ignored: 'year' must be an integer between 1 and 9999, or null"),
    ('{"type": "blog"}', "sidecar ignored: 'type' must be one of guideline, summary, systematic_review, trial, "
                         "research, patient_education, drug_label"),
    ('{"id": "a b"}', "sidecar ignored: 'id' may hold only letters, digits, '-', '_' and '.'"),
])
def test_a_malformed_sidecar_is_reported_and_the_document_read_without_it(tmp_path, text, reason):
    shutil.copy(NEJM, tmp_path / "nejm.xml")
    side = tmp_path / "nejm.xml.meta.json"
    side.write_text(text)
    problems = []
    (doc,) = read_corpus([tmp_path], problems)
    assert problems == [IngestProblem(str(side), None, reason)]
    assert (doc.id, doc.source) == ("pmid-29768149", "The New England journal of medicine")


def test_a_sidecar_id_cannot_name_every_article_of_a_set(tmp_path):
    shutil.copy(TWO_ABSTRACTS, tmp_path / "two.xml")
    side = tmp_path / "two.meta.json"
    side.write_text(json.dumps({"id": "one-id", "source": "Example Clinic library"}))
    problems = []
    docs = list(read_corpus([tmp_path], problems))
    assert [(d.id, d.source) for d in docs] == [("pmid-11748933", "Example Clinic library"),
                                                 ("pmid-11700088", "Example Clinic library")]
    assert problems == [IngestProblem(str(side), None, "'id' ignored: two.xml holds more than one document")]


def test_a_sidecar_is_not_a_corpus_file(tmp_path):
    side = tmp_path / "nejm.xml.meta.json"
    side.write_text(json.dumps(SIDECAR))
    assert format_of(side) is None
    with pytest.raises(UnsupportedSource):
        plan_corpus([tmp_path])
