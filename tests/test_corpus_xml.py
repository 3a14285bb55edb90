"""PubMed, PMC/JATS and DailyMed SPL readers on real files shipped by public packages (tests/data/README.md)."""

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from medora.corpus import read_corpus
from medora.corpus.pmc_xml import read_pmc_xml
from medora.corpus.pubmed_xml import read_pubmed_xml
from medora.corpus.spl_xml import read_spl_xml
from medora.types import IngestProblem

DATA = Path(__file__).parent / "data"
NEJM = DATA / "pubmed" / "pubmed-29768149.xml"
TWO_ABSTRACTS = DATA / "pubmed" / "pubmed2.xml"
OHIP = DATA / "pmc" / "1472-6831-8-11.nxml"
ERJ_SET = DATA / "pmc" / "efetch_pmc.xml"
HALOPERIDOL = DATA / "spl" / "no-title.xml"
TRIAMINIC = DATA / "spl" / "cough.xml"


def test_a_structured_pubmed_abstract_keeps_its_labels_journal_date_and_ids():
    problems = []
    (doc,) = read_pubmed_xml(NEJM, problems)
    assert problems == []
    assert (doc.id, doc.type, doc.title, doc.source, doc.year, doc.date, doc.url) == (
        "pmid-29768149", "trial", "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma",
        "The New England journal of medicine", 2018, "2018-05-17", "https://pubmed.ncbi.nlm.nih.gov/29768149/")
    assert [s.name for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.sections[0].text == ("In patients with mild asthma, as-needed use of an inhaled glucocorticoid plus a "
                                    "fast-acting β 2-agonist may be an alternative to conventional treatment strategies.")
    assert (doc.meta["pmid"], doc.meta["doi"]) == ("29768149", "10.1056/NEJMoa1715274")
    assert doc.meta["mesh"][:4] == ["Administration, Inhalation", "Adolescent", "Adult", "Aged"]
    assert "Randomized Controlled Trial" in doc.meta["publication_types"]


def test_every_article_of_a_set_is_a_document():
    problems = []
    docs = list(read_pubmed_xml(TWO_ABSTRACTS, problems))
    assert problems == []
    assert [(d.id, d.type, d.source, d.date, [s.name for s in d.sections]) for d in docs] == [
        ("pmid-11748933", "research", "Cryobiology", "2001-06", ["Abstract"]),
        ("pmid-11700088", "research", "Journal of magnetic resonance (San Diego, Calif. : 1997)", "2001-11",
         ["Abstract"]),
    ]
    assert docs[1].title == "Proton MRI of (13)C distribution by J and chemical shift editing"
    assert docs[0].licence.endswith("Copyright 2001 Elsevier Science.")


def test_an_article_without_a_title_is_reported_and_the_others_read(tmp_path):
    copy = tmp_path / "two.xml"
    text = TWO_ABSTRACTS.read_text()
    start = text.index("<ArticleTitle>Is cryopreservation")
    end = text.index("</ArticleTitle>", start) + len("</ArticleTitle>")
    copy.write_text(text[:start] + "<ArticleTitle></ArticleTitle>" + text[end:])  # a real file, one title removed
    problems = []
    assert [d.id for d in read_pubmed_xml(copy, problems)] == ["pmid-11700088"]
    assert problems == [IngestProblem(str(copy), 4, "PMID 11748933: no ArticleTitle; skipped")]


def test_a_truncated_pubmed_file_keeps_the_articles_before_the_break(tmp_path):
    copy = tmp_path / "cut.xml"
    text = TWO_ABSTRACTS.read_text()
    copy.write_text(text[: text.index("Proton MRI")])  # cut inside the second article
    problems = []
    assert [d.id for d in read_pubmed_xml(copy, problems)] == ["pmid-11748933"]
    assert [(p.path, p.line) for p in problems] == [(str(copy), 4)]
    assert problems[0].reason.startswith("not well-formed XML: ")


def test_a_pmc_article_has_its_ids_journal_date_sections_and_tables():
    problems = []
    (doc,) = read_pmc_xml(OHIP, problems)
    assert problems == []
    assert (doc.id, doc.type, doc.source, doc.year, doc.date, doc.url) == (
        "pmc-2329613", "research", "BMC Oral Health", 2008, "2008-04-11",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC2329613/")
    assert doc.title == ("The Dutch version of the Oral Health Impact Profile (OHIP-NL): "
                         "Translation, reliability and construct validity")
    assert {k: doc.meta[k] for k in ("pmid", "pmcid", "doi")} == {
        "pmid": "18405359", "pmcid": "PMC2329613", "doi": "10.1186/1472-6831-8-11"}
    assert doc.licence == ("Copyright © 2008 van der Meulen et al; licensee BioMed Central Ltd.; "
                           "http://creativecommons.org/licenses/by/2.0")
    assert [s.name for s in doc.sections] == [
        "Abstract › Background", "Abstract › Methods", "Abstract › Results", "Abstract › Conclusion",
        "Background", "Methods › Oral Health Impact Profile", "Methods › Translation into Dutch",
        "Methods › Study sample and procedure", "Methods › Internal consistency", "Methods › Test-retest reliability",
        "Methods › Construct validity", "Methods › Control measures", "Methods › Missing data", "Results",
        "Discussion", "Conclusion", "Authors' contributions", "Pre-publication history",
    ]
    table = doc.sections[5].text.split("\n\n")[-1].splitlines()
    assert table[:3] == [
        "Table 1 Mean total scores and mean item scores of the total OHIP-NL and of its seven domains "
        "(the number of constituent questions is given between parentheses)",
        "Total OHIP-NL (49) — Mean total score: 44.1; SD: 40.2; Mean item score: 0.9; SD: 0.8",
        "Functional limitation (9) — Mean total score: 10.6; SD: 7.8; Mean item score: 1.2; SD: 0.9",
    ]


def test_a_pmc_article_set_from_efetch_is_read():
    problems = []
    (doc,) = read_pmc_xml(ERJ_SET, problems)
    assert problems == []
    assert (doc.id, doc.source, doc.date, doc.meta["article_type"], [s.name for s in doc.sections]) == (
        "pmc-8435807", "ERJ Open Research", "2021-09-13", "correction", ["Main text"])
    assert doc.licence == "Copyright ©The authors 2021; https://creativecommons.org/licenses/by-nc/4.0/"
    assert doc.sections[0].text.startswith("This article was originally published with an error in table 2.")


def test_a_prescription_drug_label_has_its_product_labeler_version_and_loinc_sections():
    problems = []
    (doc,) = read_spl_xml(HALOPERIDOL, problems)
    assert problems == []
    assert (doc.id, doc.type, doc.title, doc.source, doc.year, doc.date, doc.audience) == (
        "spl-0027b8a3-73bf-4005-a7e3-b035f451a861", "drug_label", "Haloperidol (haloperidol) tablet",
        "Contract Pharmacy Services-PA", 2010, "2010-07-28", "professional")
    assert doc.url == "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=0027b8a3-73bf-4005-a7e3-b035f451a861"
    assert {k: doc.meta[k] for k in ("set_id", "version", "document_type")} == {
        "set_id": "0027b8a3-73bf-4005-a7e3-b035f451a861", "version": "1",
        "document_type": "HUMAN PRESCRIPTION DRUG LABEL"}
    names = [s.name for s in doc.sections]
    assert names[:5] == ["Boxed Warning", "Description", "Clinical Pharmacology", "Indications and Usage",
                         "Contraindications"]
    assert {"Warnings › Tardive Dyskinesia", "Precautions › Geriatric Use", "Adverse Reactions › Cardiovascular Effects",
            "Dosage and Administration", "How Supplied"} <= set(names)
    assert doc.sections[4].text == (
        "Haloperidol is contraindicated in severe toxic central nervous system depression or comatose states from "
        "any cause and in individuals who are hypersensitive to this drug or have Parkinson’s disease.")


def test_an_otc_drug_facts_label_is_for_patients():
    (doc,) = read_spl_xml(TRIAMINIC, [])
    assert (doc.title, doc.source, doc.date, doc.audience, doc.meta["label_title"]) == (
        "TRIAMINIC Childrens Night Time Cold and Cough (Diphenhydramine HCl, Phenylephrine HCl) syrup",
        "Novartis Consumer Health, Inc.", "2011-04-26", "patient", "Drug Facts")
    assert [s.name for s in doc.sections][:4] == ["Active ingredient", "Purpose", "Indications and Usage",
                                                  "Warnings › Do not use"]


@pytest.mark.parametrize("source", [NEJM, OHIP, HALOPERIDOL], ids=["pubmed", "pmc", "spl"])
def test_a_truncated_copy_is_reported_with_its_path_and_the_other_files_are_read(tmp_path, source):
    folder = tmp_path / "mine"
    folder.mkdir()
    for path in (NEJM, OHIP, HALOPERIDOL):
        shutil.copy(path, folder / path.name)
    broken = folder / source.name
    broken.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    problems = []
    ids = [d.id for d in read_corpus([folder], problems)]
    expected = {NEJM: "pmid-29768149", OHIP: "pmc-2329613", HALOPERIDOL: "spl-0027b8a3-73bf-4005-a7e3-b035f451a861"}
    assert sorted(ids) == sorted(v for k, v in expected.items() if k != source)
    assert [p.path for p in problems] == [str(broken)]
    assert problems[0].line and problems[0].reason.startswith("not well-formed XML: ")


def test_no_entity_is_expanded_and_no_external_file_is_read(tmp_path):
    # The real NEJM record with an external entity pointing at a local file put into its title.
    hostile = tmp_path / "hostile.xml"
    text = NEJM.read_text().replace(
        '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">',
        f'<!DOCTYPE PubmedArticleSet [<!ENTITY secret SYSTEM "file://{NEJM}">]>')
    hostile.write_text(text.replace("Inhaled Combined", "&secret; Inhaled Combined"))
    (doc,) = read_pubmed_xml(hostile, [])
    assert doc.title == "&secret; Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma"


FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("source", [NEJM, TWO_ABSTRACTS, OHIP, ERJ_SET, HALOPERIDOL, TRIAMINIC],
                         ids=lambda p: p.name)
def test_a_damaged_copy_of_a_real_file_costs_only_that_file(tmp_path, source):
    """Cut short, or a stretch overwritten with arbitrary bytes: reported with its path, never raised."""
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(NEJM, folder / "intact.xml")
    damaged = folder / f"damaged{source.suffix}"
    original = source.read_bytes()

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        cut = data.draw(st.integers(0, len(original)))
        noise = data.draw(st.binary(max_size=40))
        damaged.write_bytes(original[:cut] + noise + original[cut + len(noise):])
        problems: list[IngestProblem] = []
        ids = [d.id for d in read_corpus([folder], problems)]  # nothing may escape
        assert "pmid-29768149" in ids
        assert all(p.path == str(damaged) for p in problems)

    fuzz()
