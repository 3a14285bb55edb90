"""NCI PDQ® summaries and cancer.gov pages: real lines from ../shared/corpus/nci-pdq."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS

from medora.corpus import chunk_document, read_corpus
from medora.corpus.pdq_markdown import (
    align_references,
    citation_contexts,
    load_reference_rows,
    parse_markdown,
    read_nci,
)
from medora.settings import CorpusSettings
from medora.types import IngestProblem, Reference

PDQ = CORPUS / "nci-pdq"
BREAST = "https://www.cancer.gov/types/breast/hp/breast-treatment-pdq"
HER2_LOW = "Treatment of Metastatic Breast Cancer › Metastatic HER2-Low Breast Cancer"
# Ground truth from the summary's own reference list for section 10.
REF_10_53 = Reference(
    "32058843",
    "Modi S, Park H, Murthy RK, et al.: Antitumor Activity and Safety of Trastuzumab Deruxtecan in Patients With "
    "HER2-Low-Expressing Advanced Breast Cancer: Results From a Phase Ib Study. J Clin Oncol 38 (17): 1887-1896, 2020.",
    2020,
)
REF_10_54 = Reference(
    "35665782",
    "Modi S, Jacot W, Yamashita T, et al.: Trastuzumab Deruxtecan in Previously Treated HER2-Low Advanced Breast "
    "Cancer. N Engl J Med 387 (1): 9-20, 2022.",
    2022,
)
REF_10_55 = Reference(
    "39282896",
    "Bardia A, Hu X, Dent R, et al.: Trastuzumab Deruxtecan after Endocrine Therapy in Metastatic Breast Cancer. "
    "N Engl J Med 391 (22): 2110-2122, 2024.",
    2024,
)


def lines_where(path, **match):
    with path.open(encoding="utf-8") as f:
        return [line for line in f if all(json.loads(line).get(k) == v for k, v in match.items())]


@pytest.fixture(scope="module")
def breast_folder(tmp_path_factory):
    """The breast treatment summary and its reference rows, copied as a one-summary corpus."""
    folder = tmp_path_factory.mktemp("nci-pdq")
    (folder / "pdq_summaries.jsonl").write_text("".join(lines_where(PDQ / "pdq_summaries.jsonl", url=BREAST)))
    (folder / "pdq_references.jsonl").write_text("".join(lines_where(PDQ / "pdq_references.jsonl", cited_in=BREAST)))
    return folder


@pytest.fixture(scope="module")
def breast(breast_folder):
    problems: list[IngestProblem] = []
    (doc,) = read_nci(breast_folder / "pdq_summaries.jsonl", problems)
    assert problems == []
    return doc


def test_breast_summary_metadata(breast):
    assert (breast.id, breast.type, breast.audience) == ("nci-types-breast-hp-breast-treatment-pdq", "summary", "professional")
    assert breast.title == "Breast Cancer Treatment (PDQ®)–Health Professional Version"
    assert (breast.source, breast.year, breast.date) == ("National Cancer Institute (PDQ®)", 2025, "2025-12-30")
    assert (breast.url, breast.licence) == (BREAST, "public domain (NCI)")


def test_sections_are_heading_paths_without_boilerplate(breast):
    names = [s.name for s in breast.sections]
    assert names[:3] == [
        "General Information About Breast Cancer › Incidence and Mortality",
        "General Information About Breast Cancer › Anatomy",
        "General Information About Breast Cancer › Risk Factors",
    ]
    assert "Treatment of Metastatic Breast Cancer › Metastatic HER2-Positive Breast Cancer › Trastuzumab deruxtecan" in names
    assert names[-1] == "Treatment of Ductal Carcinoma In Situ › Treatment Options for DCIS"
    dropped = ("About This PDQ Summary", "Latest Updates", "References", "Current Clinical Trials")
    assert [n for n in names if any(word in n for word in dropped)] == []


def test_text_is_clean_markdown_free(breast):
    text = "\n".join(s.text for s in breast.sections)
    assert [marker for marker in ("[[", "](", "**", "Go to Patient Version", "#cit/") if marker in text] == []
    incidence = breast.sections[0].text
    assert incidence.startswith(
        "Estimated new cases and deaths from breast cancer (women only) in the United States in 2025:\n\n"
        "- New cases: 316,950.\n- Deaths: 42,170.\n\n"
    )
    # emphasis removed: "*in situ*"
    assert "ductal carcinoma in situ (DCIS) and 316,950 cases of invasive disease in 2025." in incidence


def test_citation_and_level_positions_point_after_their_sentence(breast):
    index = [s.name for s in breast.sections].index(HER2_LOW)
    text = breast.sections[index].text
    cites = breast.meta["citations"][index]
    assert [key for _offset, key in cites] == ["10.53", "10.54", "10.54", "10.55", "10.55"]
    assert text[: cites[0][0]].endswith("Early-phase trials of trastuzumab deruxtecan showed potential efficacy in this subgroup.")
    assert text[: cites[1][0]].endswith("A subsequent randomized phase III trial showed OS benefit in this subgroup.")
    assert [key for _offset, key in breast.meta["evidence_levels"][index]] == ["A1", "B1"]


def test_ground_truth_references_resolve(breast):
    assert (breast.references["10.53"], breast.references["10.54"], breast.references["10.55"]) == (
        REF_10_53,
        REF_10_54,
        REF_10_55,
    )
    # only references with a PMID: section 1's first reference is a web page
    assert "1.1" not in breast.references and len(breast.references) == 533


def test_alignment_of_the_pmid_only_list_agrees_with_the_in_text_lists(breast_folder):
    """The fallback for summaries without reference lists: pdq_references.jsonl aligned by DP."""
    (line,) = lines_where(breast_folder / "pdq_summaries.jsonl")
    sections, cites, _levels, truth, cited = parse_markdown(json.loads(line)["text"])
    contexts = citation_contexts(sections, cites)
    rows = load_reference_rows(breast_folder, [])[BREAST]
    assert (len(cited), len(rows)) == (551, 533)  # citation numbers drift from list positions
    aligned = align_references(cited, contexts, rows)
    assert [aligned[k].pmid for k in ("10.53", "10.54", "10.55")] == ["32058843", "35665782", "39282896"]
    agree = sum(k in aligned and aligned[k].pmid == truth[k].pmid for k in cited if k in truth)
    assert (agree, sum(k in truth for k in cited)) == (494, 533)


def test_passages_carry_resolved_pmids_and_levels(breast):
    passages = chunk_document(breast, CorpusSettings())
    her2_low = [p for p in passages if p.section == HER2_LOW]
    assert [(p.id, p.evidence_level, p.cites) for p in her2_low] == [
        ("nci-types-breast-hp-breast-treatment-pdq#metastatic-her2-low-breast-cancer-1", "A1", ("32058843", "35665782")),
        ("nci-types-breast-hp-breast-treatment-pdq#metastatic-her2-low-breast-cancer-2", "", ()),
        ("nci-types-breast-hp-breast-treatment-pdq#metastatic-her2-low-breast-cancer-3", "", ("39282896",)),
        ("nci-types-breast-hp-breast-treatment-pdq#metastatic-her2-low-breast-cancer-4", "B1", ("39282896",)),
    ]
    sections = {}
    for s in breast.sections:
        sections.setdefault(s.name, []).append(s.text)
    for p in passages:  # never across a heading; exact spans; within max_words
        assert any(text[p.start : p.end] == p.text for text in sections[p.section])
        assert len(p.text.split()) <= 250


def test_patient_and_drug_pages(tmp_path):
    (tmp_path / "nci_treatment_and_drug_pages.jsonl").write_text(
        "".join(
            lines_where(
                PDQ / "nci_treatment_and_drug_pages.jsonl",
                url="https://www.cancer.gov/about-cancer/treatment/drugs/famtrastuzumabderuxtecan-nxki",
            )
        )
    )
    (doc,) = read_corpus([tmp_path], [])
    assert (doc.id, doc.type, doc.audience, doc.source, doc.title) == (
        "nci-about-cancer-treatment-drugs-famtrastuzumabderuxtecan-nxki",
        "patient_education",
        "patient",
        "National Cancer Institute",
        "Fam-Trastuzumab Deruxtecan-nxki",
    )
    # text under the "#" title is named after it; link sections at the end are dropped
    assert [s.name for s in doc.sections] == ["Fam-Trastuzumab Deruxtecan-nxki", "Use in Cancer"]
    assert doc.sections[0].text.startswith(
        "(fam-tras-TOO-zoo-mab DEH-rux-TEE-kan)\n\nFam-trastuzumab deruxtecan-nxki is a type of targeted therapy drug"
    )


def test_broken_jsonl_line_is_reported_and_the_others_read(tmp_path):
    lines = (PDQ / "nci_coping_pages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:3]
    lines[1] = lines[1][:200] + "\n"
    path = tmp_path / "nci_coping_pages.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    problems: list[IngestProblem] = []
    docs = list(read_corpus([tmp_path], problems))
    assert [d.url for d in docs] == [json.loads(lines[0])["url"], json.loads(lines[2])["url"]]
    assert [(p.path, p.line) for p in problems] == [(str(path), 2)]
    assert problems[0].reason == "not valid JSON: Invalid control character at"


def test_nested_lists_written_flat_are_nested_again():
    # The summaries' Markdown writes a list under an item as a list starting again at 1, or as bullets.
    (line,) = lines_where(PDQ / "pdq_summaries.jsonl", url="https://www.cancer.gov/types/lung/hp/non-small-cell-lung-treatment-pdq")
    sections, *_ = parse_markdown(json.loads(line)["text"])
    text = next(s.text for s in sections if "Treatment options for stages IIIB NSCLC and IIIC NSCLC include:" in s.text)
    start = text.index("Treatment options for stages IIIB NSCLC and IIIC NSCLC include:")
    assert text[start:].startswith(
        "Treatment options for stages IIIB NSCLC and IIIC NSCLC include:\n\n"
        "1. Sequential or concurrent chemotherapy and radiation therapy.\n\n"
        "  1. Radiation therapy dose escalation for concurrent chemoradiation.\n"
        "  2. Systemic consolidation therapy before or after concurrent chemoradiation therapy.\n\n"
        "    - Consolidation immunotherapy.\n"
        "    - Other systemic consolidation therapies.\n"
        "2. Radiation therapy alone.\n\n"
        "  - For treatment of locally advanced unresectable tumor in patients who are not candidates for chemotherapy.\n"
        "  - For patients requiring palliative treatment.\n"
        "3. New fractionation schedules (under clinical evaluation).\n")
    # a paragraph ends the list: the next list starts at the margin
    assert "depending on:\n\n- Sites of tumor involvement.\n- The patient's performance status." in text
