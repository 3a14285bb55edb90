"""Chunking real documents: recommendations whole with ratings, structure respected, offsets exact."""

from __future__ import annotations

import pytest
from conftest import CORPUS, PUBMEDQA

from medora.corpus import chunk_document
from medora.corpus.guideline_xml import read_guideline
from medora.corpus.medquad import read_medquad
from medora.corpus.pubmed import read_pubmedqa
from medora.settings import CorpusSettings

NGC = CORPUS / "guidelines-ngc"
SETTINGS = CorpusSettings()


def passages_of(file: str):
    return chunk_document(read_guideline(NGC / file), SETTINGS)


def containing(passages, text: str):
    (found,) = [p for p in passages if text in p.text]
    return found


def test_recommendation_1AI_is_one_passage_with_its_ratings():
    p = containing(passages_of("ngc-10495.xml"), "Recommendation 1.A.I.")
    assert (p.id, p.doc_id, p.section, p.position) == (
        "ngc-10495#major-recommendations-2",
        "ngc-10495",
        "Major Recommendations",
        1,
    )
    assert (p.kind, p.evidence_quality, p.strength, p.evidence_level, p.cites) == (
        "recommendation",
        "high",
        "strong",
        "",
        (),
    )
    # the clinical questions leading to the statement come with it
    assert p.text == (
        "Clinical Question 1\n\n"
        "What is the optimal treatment for patients with human epidermal growth factor receptor 2 (HER2)-positive "
        "advanced breast cancer?\n\n"
        "For patients with HER2-positive advanced breast cancer:\n\n"
        "Clinical Question 1.A\n\n"
        "Is HER2-targeted therapy recommended for all patients in the first-line setting?\n\n"
        "Recommendation 1.A.I. Clinicians should recommend HER2-targeted therapy–based combinations for first-line "
        "treatment, except for highly selected patients with estrogen receptor (ER)-positive or progesterone receptor "
        "(PgR)-positive and HER2-positive disease, for whom clinicians may use endocrine therapy alone (see Clinical "
        "Question 2). Type: evidence based. Evidence quality: high. Strength of recommendation: strong."
    )


def test_ngc_10495_passage_kinds_and_ratings():
    recommendations = [p for p in passages_of("ngc-10495.xml") if p.section == "Major Recommendations"]
    assert [(p.kind, p.evidence_quality, p.strength) for p in recommendations] == [
        ("text", "", ""),
        ("recommendation", "high", "strong"),  # 1.A.I
        ("recommendation", "high", "strong"),  # 1.A.II
        ("recommendation", "intermediate", "moderate"),  # 1.A.III
        ("recommendation", "high", "strong"),  # 1.B.I
        ("recommendation", "high", "strong"),  # 1.B.II
        ("recommendation", "high", "strong"),  # 1.B.III.a
        ("recommendation", "insufficient", "weak"),  # 1.B.III.b + c: same ratings, grouped
        ("text", "", ""),  # clinical question 1.B.IV with no recommendation on timing or dose
        ("recommendation", "intermediate", "moderate"),  # 1.B.IV
        ("recommendation", "intermediate", "moderate"),  # 1.B.V.a
        ("recommendation", "high", "strong"),  # 1.B.V.b
        ("recommendation", "high", "strong"),  # 2.A.I
        ("recommendation", "high", "moderate"),  # 2.A.II
        ("recommendation", "intermediate", "weak"),  # 2.A.III
        ("recommendation", "insufficient", "weak"),  # 2.B
        ("recommendation", "intermediate", "weak"),  # 2.C
        ("definitions", "", ""),
        ("definitions", "", ""),
        ("definitions", "", ""),
        ("definitions", "", ""),
    ]
    assert recommendations[-4].text.startswith("Definitions:\n\nGuide for Rating Strength of Evidence\n\n")


@pytest.mark.parametrize(
    ("file", "statement", "quality", "strength"),
    [
        # "Class I" heading above the list rates its items; "(Level of evidence B)" on each item
        ("ngc-10036.xml", "AVR) is recommended in patients with severe AS at the onset of symptoms", "B", "I"),
        # "(Strength of Evidence = C; Strength of Recommendation = Weak positive recommendation)"
        ("ngc-10603.xml", "Repeat the risk assessment as often as required", "C", "weak positive"),
        ("ngc-10000.xml", "Intravenous alemtuzumab should be used as first line therapy for T-PLL (Grade 1B).", "B", "1"),
        ("ngc-10366.xml", "Routine screening for brain metastases is not recommended", "1", ""),
        ("ngc-10910.xml", "(APRI) is recommended as the preferred non-invasive test", "low", "conditional"),
        # A range, as rated by a body of evidence: "(Level of Evidence = III–IV)", "(Evidence level: I–III*; Grade: A–C)"
        ("ngc-10101.xml", "Assess affected limb(s) for vascular supply", "III–IV", ""),
        ("ngc-10562.xml", "Evidence of IgE sensitization to common food and appropriate aeroallergens", "I–III", "A–C"),
    ],
)
def test_rating_formats(file, statement, quality, strength):
    p = containing(passages_of(file), statement)
    assert (p.kind, p.evidence_quality, p.strength) == ("recommendation", quality, strength)


def test_toxicity_grades_are_not_ratings():
    p = containing(passages_of("ngc-10182.xml"), "there was no grade 3 toxicity")
    assert (p.kind, p.evidence_quality, p.strength) == ("text", "", "")


def test_rating_paragraph_stays_with_its_statement_and_label():
    p = containing(passages_of("ngc-10739.xml"), "For clients who use substances")
    assert (p.kind, p.evidence_quality, p.text) == (
        "recommendation",
        "V",
        "Recommendation 1.2\n\nFor clients who use substances, use universal screening questions and/or an "
        "appropriate screening tool to determine the level of support required.\n\n(Level of Evidence = V)",
    )


def test_several_rated_sentences_in_one_paragraph_are_separate_statements():
    passages = passages_of("ngc-10366.xml")
    p = containing(passages, "Routine screening for brain metastases")
    assert p.text == (
        "Routine screening for brain metastases is not recommended unless a patient has non-small-cell cancer "
        "or melanoma (Level 1)."
    )
    before = passages[p.position - 1]
    assert before.text == (
        "Nurses should be aware that as survival from primary cancers improves, the incidence of brain "
        "metastases increases (Level 2)."
    )
    assert (before.evidence_quality, before.start < before.end <= p.start) == ("2", True)


def check_invariants(doc, passages, settings):
    sections = [s for s in doc.sections]
    assert [p.position for p in passages] == list(range(len(passages)))
    assert len({p.id for p in passages}) == len(passages)
    for p in passages:
        assert any(s.name == p.section and s.text[p.start : p.end] == p.text for s in sections), p.id
        assert p.text == p.text.strip() and p.text
        assert len(p.text.split()) <= settings.max_words, p.id


@pytest.mark.parametrize("file", ["ngc-10495.xml", "ngc-10148.xml", "ngc-10010.xml", "ngc-10603.xml", "ngc-10967.xml"])
def test_guideline_passages_are_exact_spans(file):
    doc = read_guideline(NGC / file)
    check_invariants(doc, chunk_document(doc, SETTINGS), SETTINGS)


def test_smaller_settings_give_smaller_passages():
    doc = read_guideline(NGC / "ngc-10148.xml")  # ACR tables: long rows without sentences
    small = CorpusSettings(min_words=10, target_words=50, max_words=80)
    passages = chunk_document(doc, small)
    check_invariants(doc, passages, small)
    assert len(passages) > len(chunk_document(doc, SETTINGS))


def test_list_stays_with_the_line_that_introduces_it():
    doc = read_guideline(NGC / "ngc-10495.xml")
    passages = chunk_document(doc, SETTINGS)
    p = containing(passages, "- Human epidermal growth factor receptor 2 (HER2)-targeted therapy")
    assert (p.id, p.text) == (
        "ngc-10495#interventions-and-practices-considered-1",
        next(s.text for s in doc.sections if s.name == "Interventions and Practices Considered"),
    )


def test_abstract_passages_follow_its_sections():
    doc = next(d for d in read_pubmedqa(PUBMEDQA, []) if d.id == "pmid-21645374")
    passages = chunk_document(doc, SETTINGS)
    assert [(p.id, p.section, p.kind) for p in passages] == [
        ("pmid-21645374#background-1", "BACKGROUND", "text"),
        ("pmid-21645374#results-1", "RESULTS", "text"),
        ("pmid-21645374#conclusion-1", "Conclusion", "text"),
    ]
    assert [p.text for p in passages] == [s.text for s in doc.sections]


def test_medquad_answers_are_qa_passages(tmp_path):
    lines = (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").read_text(encoding="utf-8")
    slice_ = tmp_path / "medquad_slice.jsonl"
    slice_.write_text("".join(lines.splitlines(keepends=True)[:40]), encoding="utf-8")
    docs = list(read_medquad(slice_, []))
    for doc in docs:
        passages = chunk_document(doc, SETTINGS)
        check_invariants(doc, passages, SETTINGS)
        assert {p.kind for p in passages} == {"qa"}
        assert {p.section for p in passages} == {s.name for s in doc.sections}


def test_a_list_of_short_items_stays_with_its_lead_in(tmp_path):
    """MedQuAD's hypoglycaemia page: the quick-fix foods and the sentence introducing them are one
    passage, though the paragraph before the lead-in fills most of one."""
    row = next(line for line in (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8")
               if "quick-fix foods should be consumed" in line)
    (tmp_path / "medquad_with_answers.jsonl").write_text(row, encoding="utf-8")
    [doc] = read_medquad(tmp_path / "medquad_with_answers.jsonl", [])
    passages = chunk_document(doc, SETTINGS)
    check_invariants(doc, passages, SETTINGS)
    listed = next(p for p in passages if "- 3 or 4 glucose tablets" in p.text)
    assert listed.text.startswith("If the level is below 70 mg/dL, one of these quick-fix foods")
    assert "- 1 tablespoon of sugar or honey" in listed.text


def test_a_guideline_clinical_algorithm_field_is_scope_not_statements():
    """NGC's "Clinical Algorithm(s)" field only says where the original document's flow charts are ("The
    original guideline document contains the following clinical algorithms: ..."): it was once the
    bottom line of "How is prosthetic joint infection diagnosed?"."""
    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-9512.xml")
    passages = [p for p in chunk_document(doc, SETTINGS) if p.section == "Clinical Algorithm(s)"]
    assert passages and {p.kind for p in passages} == {"scope"}
    assert passages[0].text.startswith("The original guideline document contains the following clinical algorithms")
