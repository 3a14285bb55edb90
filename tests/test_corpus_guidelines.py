"""NGC guideline summaries: real files from ../shared/corpus/guidelines-ngc."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS

from medora.corpus import read_corpus
from medora.corpus.guideline_xml import LICENCE, read_guideline
from medora.corpus.html_text import fix_mojibake
from medora.types import IngestProblem

NGC = CORPUS / "guidelines-ngc"


@pytest.fixture(scope="module")
def her2():
    return read_guideline(NGC / "ngc-10495.xml")


def test_ngc_10495_metadata(her2):
    assert (her2.id, her2.type, her2.audience) == ("ngc-10495", "guideline", "professional")
    assert her2.title == (
        "Systemic therapy for patients with advanced human epidermal growth factor receptor 2-positive "
        "breast cancer: American Society of Clinical Oncology clinical practice guideline."
    )
    assert her2.source == "American Society of Clinical Oncology"
    assert (her2.year, her2.date) == (2014, "2014 July 1")
    assert her2.url == "https://www.ncbi.nlm.nih.gov/pubmed/24799465"
    assert her2.licence == LICENCE
    assert her2.meta["pmid"] == "24799465"
    assert her2.meta["citation"] == (
        "Giordano SH, Temin S, Kirshner JJ, Chandarlapaty S, Crews JR, Davidson NE, Esteva FJ, Gonzalez-Angulo AM, "
        "Krop I, Levinson J, Lin NU, Modi S, Patt DA, Perez EA, Perlmutter J, Ramakrishna N, Winer EP. Systemic "
        "therapy for patients with advanced human epidermal growth factor receptor 2-positive breast cancer: "
        "American Society of Clinical Oncology clinical practice guideline. J Clin Oncol. 2014 Jul 1;32(19):2078-99. "
        "[52 references]"
    )
    assert her2.meta["status"] == (
        "This is the current release of the guideline.\n\nThis guideline meets NGC's 2013 (revised) inclusion criteria."
    )
    assert her2.meta["category"] == ["Management", "Treatment"]
    assert her2.meta["specialty"] == ["Oncology", "Radiation Oncology", "Surgery"]
    assert her2.meta["intended_users"] == [
        "Advanced Practice Nurses",
        "Allied Health Personnel",
        "Nurses",
        "Patients",
        "Physician Assistants",
        "Physicians",
    ]
    assert her2.meta["conditions"] == ["Advanced human epidermal growth factor receptor 2 (HER2)–positive breast cancer"]
    assert her2.references == {}


def test_ngc_10495_sections_in_order_without_boilerplate(her2):
    assert [s.name for s in her2.sections] == [
        "Major Recommendations",
        "Clinical Algorithm(s)",
        "Potential Benefits",
        "Potential Harms",
        "Contraindications",
        "Qualifying Statements",
        "Type of Evidence Supporting the Recommendations",
        "Guideline Objective(s)",
        "Target Population",
        "Interventions and Practices Considered",
        "Disease/Condition(s)",
    ]


def test_html_lists_become_indented_dash_lines(her2):
    section = next(s for s in her2.sections if s.name == "Interventions and Practices Considered")
    assert section.text == (
        "- Human epidermal growth factor receptor 2 (HER2)-targeted therapy\n"
        "  - First-line: trastuzumab, pertuzumab, taxane combination\n"
        "  - Second-line: trastuzumab emtansine (T-DM1), pertuzumab if not previously received\n"
        "  - Third-line: lapatinib plus capecitabine, as well as other combinations of chemotherapy, and "
        "trastuzumab, lapatinib and trastuzumab, or hormonal therapy\n"
        "- Chemotherapy in combination with HER2-targeted therapy (depending on toxicity and absence of progression)\n"
        "- Endocrine therapy (alone or in combination with HER2-targeted therapy)"
    )


def test_html_paragraphs_and_tables(her2):
    text = her2.sections[0].text
    # entities decoded (&ndash;), <em> dropped, paragraphs separated by a blank line
    assert "Clinical Question 1.A\n\nIs HER2-targeted therapy recommended for all patients in the first-line setting?" in text
    assert "HER2-targeted therapy–based combinations" in text
    # a table row: header cell and definition joined with " | "
    assert "\nHigh | High confidence that the available evidence reflects the true magnitude" in text


@pytest.mark.parametrize(
    ("file", "date", "year"),
    [
        ("ngc-10003.xml", "2006 Apr 3 (revised 2013 Mar 18)", 2013),
        ("ngc-10013.xml", "1999 Aug (revised 2013 Aug)", 2013),
        ("ngc-10513.xml", "2011 Jan (reaffirmed 2017 Apr 24)", 2017),
    ],
)
def test_year_is_the_latest_year_of_date_released(file, date, year):
    doc = read_guideline(NGC / file)
    assert (doc.date, doc.year) == (date, year)


def test_several_developers_are_joined():
    doc = read_guideline(NGC / "ngc-10032.xml")
    assert doc.source == "American Association for the Study of Liver Diseases; American Society of Transplantation"
    assert doc.meta["developers"] == [
        "American Association for the Study of Liver Diseases",
        "American Society of Transplantation",
    ]


def test_mojibake_is_repaired():
    # ngc-11080.xml spells "≥" as the UTF-8 bytes read as Latin-1 ("â\x89¥")
    raw = (NGC / "ngc-11080.xml").read_text(encoding="utf-8")
    assert "Man \u00e2\u0089\u00a540 years" in raw
    doc = read_guideline(NGC / "ngc-11080.xml")
    recommendations = doc.sections[0].text
    assert "Man ≥40 years of age" in recommendations
    assert "\u00e2\u0089" not in recommendations
    assert fix_mojibake("Clearinghouse\u00e2\u0084\u00a2 (NGC)") == "Clearinghouse™ (NGC)"
    assert fix_mojibake("na\u00efve, Rosenm\u00fcller") == "na\u00efve, Rosenm\u00fcller"  # real accents stay


def test_truncated_xml_is_reported_and_the_rest_read(tmp_path):
    folder = tmp_path / "guidelines"
    folder.mkdir()
    shutil.copy(NGC / "ngc-10495.xml", folder)
    lines = (NGC / "ngc-10000.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "ngc-10000.xml").write_text("".join(lines[:20]), encoding="utf-8")
    (folder / "README.md").write_text("not a guideline", encoding="utf-8")
    problems: list[IngestProblem] = []
    docs = list(read_corpus([folder], problems))
    assert [d.id for d in docs] == ["ngc-10495"]
    assert problems == [
        IngestProblem(str(folder / "ngc-10000.xml"), 21, "not well-formed XML: no element found: line 21, column 0")
    ]


def test_a_target_population_is_read_without_the_people_its_notes_leave_out():
    """NGC's Target Population lists whom a guideline is for, then often a note and the people it
    leaves out: the hospital VTE guideline's "Note: The following groups that will not be covered in
    this guideline:" is followed by "People attending hospital as outpatients". A note that adds
    whom it is for ("These include mother–infant pairs ...") stays."""
    from medora.corpus.guideline_xml import population_covered

    hospital = read_guideline(NGC / "ngc-10743.xml").meta["target_population"]
    covered = population_covered(hospital)
    assert "People attending hospital as outpatients" in hospital
    assert "People attending hospital as outpatients" not in covered
    assert not [item for item in covered if "outpatient" in item.lower()]
    assert [item for item in covered if "inpatients" in item.lower()]
    maternity = read_guideline(NGC / "ngc-11309.xml").meta["target_population"]
    assert [item for item in population_covered(maternity) if "intensive care" in item]
    # ... and an item that says its people "will not be considered" is about people left out.
    assert [item for item in maternity if item.startswith("Infants born at home")]
    assert not [item for item in population_covered(maternity) if "born at home" in item]


def test_an_acr_literature_review_stands_under_its_own_headings_and_its_background_is_scope():
    """ACR Appropriateness Criteria (ngc-10464, rectal cancer with metastatic disease) follow their rated
    variants with a "Summary of Literature Review": its "Introduction/Background" ("The management of
    metastatic colorectal cancer (mCRC) has evolved over the past decades ...") led seed-2035's SBRT answer."""
    from medora.corpus import chunk_document
    from medora.settings import CorpusSettings

    doc = read_guideline(NGC / "ngc-10464.xml")
    names = [s.name for s in doc.sections]
    review = "Major Recommendations › Summary of Literature Review › "
    assert names[0] == "Major Recommendations" and "Summary of Literature Review" not in doc.sections[0].text
    assert f"{review}Introduction/Background" in names and f"{review}Management of Liver Metastases" in names
    passages = chunk_document(doc, CorpusSettings())
    background = [p for p in passages if p.section.endswith("Introduction/Background")]
    assert background and {p.kind for p in background} == {"scope"}
    assert any("has evolved over the past decades" in p.text for p in background)
    liver = [p for p in passages if p.section.endswith("Management of Liver Metastases")]
    assert liver and {p.kind for p in liver} == {"text"}
    # A heading names its part; it is not a statement of it.
    assert not any(p.text.startswith("Management of Liver Metastases") for p in liver)
