"""Widening retrieved hits into an answer's evidence, on the real slice: the summary layer,
a study's line of therapy, a guideline option's lead-in, and whose patients a text is about."""

import json
import re

import pytest
from conftest import CORPUS

from medora.answer.statements import option_lists, split_sentences, statement_spans, trim_statement
from medora.answer.audience import ask
from medora.answer.cite import all_statements
from medora.answer.answerability import condition_names
from medora.answer.evidence import (
    AFTER_PRIOR, FIRST, altered_genes, asked_line, asked_therapy_line, concept_weights, context_at,
    about_ruled_out, contradicts_alteration, contradicts_negation, contradicts_prior_drug, contradicts_qualifier,
    contradicts_ruled_out, had_drugs, ruled_out, asked_regimen, regimen_reach, positive_genes, qualifiers_of,
    line_of_heading, relevance,
    guideline_context, item_lines, line_at,
    names_asked_population, names_gene, summary_layer,
)
from medora.corpus import chunk_document
from medora.corpus.pdq_markdown import read_nci
from medora.retrieve import retrieve
from medora.settings import CorpusSettings

PDQ = "nci-types-breast-hp-breast-treatment-pdq"
# The seed question as the issue writes it, with the abbreviation spelled out in brackets.
SEED_LONG = ("What is the recommended treatment approach for a patient with HER2 (Human Epidermal growth factor "
             "Receptor 2) positive breast cancer?")
HER2_METASTATIC = "Treatment of Metastatic Breast Cancer › Metastatic HER2-Positive Breast Cancer"


@pytest.mark.parametrize("question", [SEED_LONG, "Treatment of HER2-positive breast cancer"])
def test_summary_layer_is_the_heading_that_names_the_asked_patients(built_index, question):
    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    layer = summary_layer(question, concept_weights(retrieval.query), retrieval.documents, retrieval.hits, index,
                          abbreviations=retrieval.query.abbreviations)
    assert {h.document.id for h in layer} == {PDQ}
    assert {h.passage.section.split(" › ")[:2] == HER2_METASTATIC.split(" › ") for h in layer} == {True}
    sections = {h.passage.section.rsplit(" › ", 1)[-1] for h in layer}
    assert {"Trastuzumab deruxtecan", "Tucatinib", "Trastuzumab emtansine"} <= sections
    # Result bullets carry the citation of the study described above them.
    results = next(h for h in layer if h.passage.id == f"{PDQ}#trastuzumab-deruxtecan-2")
    assert results.passage.cites == ("35320644",)


def test_summary_layer_is_no_heading_for_another_stage(built_index):
    settings, index = built_index
    question = "bone-modifying therapy for stage IV breast cancer"
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    layer = summary_layer(question, concept_weights(retrieval.query), retrieval.documents, retrieval.hits, index,
                          abbreviations=retrieval.query.abbreviations)
    # "Bone-Modifying Therapy for Stages I, II, and III Breast Cancer" matches the words, not the patients
    assert not [h for h in layer if "Stages I, II, and III" in h.passage.section]


@pytest.mark.parametrize("question", ["PARP inhibitor maintenance therapy in breast cancer?",
                                      "PARP inhibitors for breast cancer after platinum chemotherapy"])
def test_summary_layer_is_in_a_summary_on_the_asked_condition(built_index, question):
    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    layer = summary_layer(question, concept_weights(retrieval.query), retrieval.documents, retrieval.hits, index,
                          abbreviations=retrieval.query.abbreviations, conditions=condition_names(retrieval.query))
    # the ovarian cancer summary's PARP inhibitor headings match the drug, not the patients
    assert {h.document.id for h in layer} == {PDQ}


def test_a_list_continued_from_the_passage_before_gives_no_option_as_a_statement(tmp_path):
    # PDQ's option list for stage IV NSCLC runs over two passages: the second opens in the middle of it,
    # and "11. MET inhibitors (for patients with ...)." there is an option, not a sentence.
    nsclc = "https://www.cancer.gov/types/lung/hp/non-small-cell-lung-treatment-pdq"
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as lines:
        row = next(line for line in lines if f'"url": "{nsclc}"' in line)
    (tmp_path / "pdq_summaries.jsonl").write_text(row, encoding="utf-8")
    (doc,) = read_nci(tmp_path / "pdq_summaries.jsonl", [])
    option = "MET inhibitors (for patients with MET exon 14-skipping variants)."
    continued = [p for p in chunk_document(doc, CorpusSettings())
                 if option in p.text and not re.search(r"(?m)^1\. ", p.text)]
    assert continued
    for p in continued:
        assert option not in [p.text[a:b].strip() for a, b in statement_spans(p.text, p.kind)]


def test_qualifiers_read_the_question_s_own_abbreviation():
    abbreviations = (("HER2", "Human Epidermal growth factor Receptor 2"),)
    assert names_asked_population(SEED_LONG, HER2_METASTATIC, abbreviations)
    heading = "Treatment of Metastatic Breast Cancer › Metastatic HER2-Negative Hormone Receptor–Positive Breast Cancer"
    assert not names_asked_population(SEED_LONG, heading, abbreviations)
    # A guideline title in its long form is about the other patients.
    title = ("Chemotherapy and targeted therapy for women with human epidermal growth factor receptor 2-negative "
             "(or unknown) advanced breast cancer")
    assert contradicts_qualifier(SEED_LONG, title, abbreviations)
    assert not contradicts_qualifier(SEED_LONG, HER2_METASTATIC, abbreviations)


@pytest.mark.parametrize("question, statement, contradicts", [
    ("HER2+ early breast cancer: is trastuzumab given?", "patients with HER2-negative disease.", True),
    ("her2+ and pregnant", "in HER2− disease", True),
    ("HR+/HER2- metastatic breast cancer after a CDK4/6 inhibitor", "for HER2-positive metastatic disease", True),
    ("HR+/HER2- metastatic breast cancer after a CDK4/6 inhibitor", "for HR-positive, HER2-negative disease", False),
    ("HER2+ early breast cancer", "HER2-low disease", False),  # a category of its own, not a sign
    ("first- and second-line therapy for HER2-positive disease", "HER2-positive", False),
    # triple-negative: negative for the oestrogen and progesterone receptors and HER2 (cancer.gov's definition)
    ("first-line treatment of triple-negative, PD-L1-positive metastatic breast cancer",
     "for metastatic HER2-overexpressing breast cancer", True),
    ("triple-negative breast cancer", "ER-positive breast cancer", True),
    ("triple-negative breast cancer", "in triple-negative breast cancer", False),
])
def test_signed_markers_read_as_positive_or_negative(question, statement, contradicts):
    assert contradicts_qualifier(question, statement) is contradicts


@pytest.mark.parametrize("question, statement, contradicts", [
    ("How should metastatic castration-resistant prostate cancer be treated?", "patients with non-metastatic CRPC.", True),
    ("How should metastatic castration-resistant prostate cancer be treated?", "metastatic and non-metastatic CRPC.", False),
    ("treatment of non-small cell lung cancer", "in small cell lung cancer", True),
    ("treatment of non-small cell lung cancer", "in non-small cell lung cancer", False),
])
def test_a_non_prefixed_population_is_other_patients(question, statement, contradicts):
    assert contradicts_negation(question, statement) is contradicts


@pytest.mark.parametrize("passage, line", [
    ("trastuzumab-emtansine-2", "Second-line"),   # EMILIA results: "previously treated with trastuzumab and a taxane"
    ("trastuzumab-emtansine-5", "First-line"),    # MARIANNE results: "as first-line treatment"
    ("trastuzumab-deruxtecan-2", "Second-line"),  # DESTINY-Breast03 results
    ("tucatinib-2", "Later lines"),               # HER2CLIMB results: three prior agents
])
def test_trial_results_take_the_line_of_the_study_they_report(built_index, passage, line):
    _, index = built_index
    passages = index.passages_of(PDQ)
    marks = item_lines(passages)
    assert line_at(marks, f"{PDQ}#{passage}", 0) == line


def test_a_guideline_option_carries_its_lead_in_and_clinical_question(built_index):
    _, index = built_index
    passages = [p for p in index.passages_of("ngc-10495") if p.kind == "recommendation"]
    option = next(p for p in passages if p.text.startswith("Recommendation 2.A.II."))
    context = context_at(guideline_context(passages), option.id, 0)
    assert context.lead_in == ("If a patient's cancer is hormone receptor positive and HER2 positive, clinicians may "
                               "recommend either:")
    lead_passage = index.passage(context.lead_in_passage)
    assert lead_passage.text[slice(*context.lead_in_span)] == context.lead_in
    assert "ER positive" in context.questions


def test_uspstf_grade_is_trimmed_into_a_badge(built_index):
    settings, index = built_index
    answer = ask("When should pregnant women be screened for gestational diabetes mellitus?", index, settings)
    first = answer.bottom_line[0]
    assert (first.doc_id, first.evidence.get("grade")) == ("ngc-10198", "B")
    assert first.text.endswith("after 24 weeks of gestation.")


def test_list_items_flattened_into_one_line_are_statements_of_their_own():
    from medora.answer.statements import split_sentences

    from conftest import CORPUS

    # A patient page whose list items the source flattened into one line, as the corpus writes it.
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        text = next(json.loads(line)["answer"] for line in f if "after a bowel movement. - Drink" in line)
    pieces = [text[a:b] for a, b in split_sentences(text)]
    item = next(p for p in pieces if "Drink lots of fluids" in p)
    assert item.startswith("- Drink") and "bowel movement" not in item
    # ... and a closing bracket after the full stop ends its sentence with it.
    assert not any(p.startswith(")") for p in pieces)
    assert any(p.endswith(".)") for p in pieces)


def test_rating_parentheses_and_footnotes_are_not_statement_text():
    text = ("- Clinicians should offer radium-223 to patients with symptoms from bony metastases. "
            "(Standard; Evidence Level Grade B)")
    a, b = trim_statement(text, 0, len(text))
    assert text[a:b] == "Clinicians should offer radium-223 to patients with symptoms from bony metastases."
    footnote = "*This recommendation updates and replaces recommendation 1.3 in an earlier guideline."
    assert statement_spans(footnote, "recommendation") == []


def test_a_treatment_options_list_is_one_statement_with_its_lead_in(built_index):
    _, index = built_index
    passage = index.passage(f"{PDQ}#treatment-options-for-dcis-1")
    spans = option_lists(passage.text)
    assert [passage.text[a:b] for a, b in spans][0] == (
        "Treatment options for DCIS include:\n\n"
        "1. Breast-conserving surgery or mastectomy plus radiation therapy with or without tamoxifen.\n"
        "2. Total mastectomy with or without tamoxifen.")


def test_a_summary_sentence_cites_only_the_study_it_names(built_index):
    settings, index = built_index
    answer = ask(SEED_LONG, index, settings)
    marianne = [s for s in all_statements(answer) if "MARIANNE" in s.text]
    assert marianne
    for s in marianne:
        studies = [answer.references[n - 1] for n in s.citations[1:]]
        assert [r.pmid for r in studies] == ["28056202"]


def test_the_seed_question_in_the_issue_s_words(built_index):
    settings, index = built_index
    answer = ask(SEED_LONG, index, settings)
    assert answer.bottom_line[0].doc_id == "ngc-10495"
    sections = {sec.title: sec.statements for sec in answer.sections}
    newer = sections["Second-line"][0]
    assert (newer.doc_id, newer.newer_than) == (PDQ, 2014) and "trastuzumab deruxtecan" in newer.text
    assert any("tucatinib" in s.text for s in sections["Later lines"])
    assert any(s.doc_id == "ngc-10494" for s in sections["Special populations"])
    assert "Duration and monitoring" in sections


@pytest.mark.parametrize("question, title, other", [
    ("How is melanoma treated in children?", "Childhood Melanoma Treatment (PDQ®)–Health Professional Version", False),
    ("What is the treatment of metastatic melanoma?", "Childhood Melanoma Treatment (PDQ®)–Health Professional Version", True),
    ("How should breast cancer be treated?", "Male Breast Cancer Treatment (PDQ®)–Health Professional Version", True),
    ("How should breast cancer in men be treated?", "Male Breast Cancer Treatment (PDQ®)–Health Professional Version", False),
    ("How should breast cancer be treated?", "Breast Cancer Treatment (PDQ®)–Health Professional Version", False),
    ("Is antibiotic prophylaxis recommended before dental procedures?",
     "Prophylaxis against infective endocarditis: antimicrobial prophylaxis against infective endocarditis in adults and "
     "children undergoing interventional procedures.", False),
    # an age is a patient group too
    ("MUAC cut-off to admit a 2 yo for severe acute malnutrition?",
     "Updates on the management of severe acute malnutrition in infants and children.", False),
    ("MUAC cut-off for severe acute malnutrition in a 45 year old?",
     "Updates on the management of severe acute malnutrition in infants and children.", True),
])
def test_a_summary_for_one_population_answers_only_questions_naming_it(question, title, other):
    from medora.answer.applicability import other_population

    assert other_population(question, title) is other


def test_rating_level_headings_run_into_a_recommendation_are_not_part_of_it():
    from conftest import CORPUS
    from medora.corpus.guideline_xml import read_guideline

    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-10960.xml")
    text = next(s.text for s in doc.sections if "Physicians can use a positive test result" in s.text)
    start = text.rindex("Level A recommendations.", 0, text.index("Physicians can use a positive test result"))
    end = text.index("Level C recommendations.", start) + len("Level C recommendations.")
    a, b = trim_statement(text, start, end)
    assert text[a:b].startswith("Physicians can use a positive test result")
    assert text[a:b].endswith("or Gram's stain.")
    # Labels followed by "None specified." go too, up to the recommendation that follows them.
    none = text.index("Level A recommendations. None specified. Level B recommendations. None specified.")
    end = text.index(".", text.index("Infants and children at increased risk", none)) + 1
    a, b = trim_statement(text, none, end)
    assert text[a:b].startswith("Infants and children at increased risk for urinary tract infection include")


@pytest.mark.parametrize(("doc_id", "opening", "ending"), [
    # The full stop after the rating: "... of bronchiolitis (Evidence quality: B; Recommendation Strength: ...)."
    ("ngc-10786", "Clinicians should not administer albuterol", "with a diagnosis of bronchiolitis"),
    # Two ratings and a citation: "(Evidence level: I–II; Grade: B) (de Silva et al., 2014)."
    ("ngc-10563", "Dietary restrictions are not recommended", "pregnant or lactating mothers"),
    # "(Standard; Evidence Strength Grade B)", whose second half repeats across guidelines.
    ("ngc-10424", "Providers should not perform ultrasound", "rarely assist in decision making."),
    # "Strength of Recommendation: Strong ****" after the sentence, in its own capitals.
    ("ngc-10528", "Strong evidence supports arthroplasty", "(displaced) femoral neck fractures."),
    # SIGN's grade in front: "D - Women with epilepsy should be informed ...".
    ("ngc-10803", "Women with epilepsy should be informed that antiepileptic drug polytherapy",
     "regimens not including sodium valproate."),
    # "R10 - ..." numbering in front, "(Grade C)" behind.
    ("ngc-10707", "Where medication is considered for the treatment of PTSD", "should be considered the first choice."),
    # A rating closing a recommendation that has no full stop.
    ("ngc-10967", "Clinicians may obtain testing for pertussis", "presenting with a lower-risk BRUE"),
    # "Level of Evidence = B (Benefit/Effectiveness/Harm = Class I)".
    ("ngc-11065", "Provide daily calorie and protein intake", "1.25–1.5 g of protein per kg body weight."),
    # ASCO's "(Chemotherapy: Type: evidence based, ...; Evidence quality: ...;" cut off by the field.
    ("ngc-11310", "In the context of shared decision making, combination therapy", "in this population with PS 2"),
    # "(GPP)" and "(High Quality Evidence, Strong Recommendation)" after the full stop.
    ("ngc-11273", "Women requiring EC who are using enzyme-inducing drugs", "A double-dose of UPA-EC is not recommended."),
    ("ngc-11142", "A single 8 Gy fraction provides noninferior pain relief", "patients with limited life expectancy."),
    # A table cell written as a sentence, between the row's label and its ratings.
    ("ngc-9821", "For individuals with CF, 6 years of age and older, the CF Foundation recommends the chronic use of "
                 "inhaled hypertonic saline", "reduce exacerbations."),
])
def test_a_recommendation_rated_in_its_publishers_format_is_quotable(built_index, doc_id, opening, ending):
    from conftest import CORPUS
    from medora.answer.statements import statement_at
    from medora.corpus.guideline_xml import read_guideline

    _, index = built_index
    doc = read_guideline(CORPUS / "guidelines-ngc" / f"{doc_id}.xml")
    text = next(s.text for s in doc.sections if opening in s.text)
    found = []
    for start, end in statement_spans(text, "recommendation"):
        a, b, ended = statement_at(text, start, end, index.boilerplate())
        if text[a:b].startswith(opening):
            found.append((text[a:b], ended))
    assert len(found) == 1
    statement, ended = found[0]
    assert ended and statement.endswith(ending)
    assert not any(word in statement for word in ("Grade", "Evidence", "Strength", "GPP", "(Chemotherapy", " | "))


def test_a_grade_in_front_of_a_recommendation_is_its_grade_not_its_text():
    """SIGN puts the grade before the recommendation ("D - Women with epilepsy should be informed
    ..."): the quote starts at the recommendation, and the grade goes with it."""
    from conftest import CORPUS
    from medora.answer.statements import ratings, statement_at
    from medora.corpus.guideline_xml import read_guideline
    from medora.types import Passage

    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-10803.xml")
    text = next(s.text for s in doc.sections if "D - Women with epilepsy should be informed" in s.text)
    at = text.index("D - Women with epilepsy should be informed")
    a, b, _ = statement_at(text, at, text.index(".", at) + 1, frozenset())
    assert text[a:b].startswith("Women with epilepsy should be informed")

    unrated = Passage(id="ngc-10803#s", doc_id="ngc-10803", section="", text=text, start=0, end=len(text), position=0)
    line_end = text.find("\n", b)
    assert ratings(text[b:line_end if line_end >= 0 else len(text)], unrated, text[text.rfind("\n", 0, a) + 1:a]) \
        == {"grade": "D"}


def test_a_guideline_profiles_fields_hold_no_statement_whatever_sentence_of_the_field(built_index):
    """AAO-HNS action statement profiles ("- Role of patient preferences: Large—Shared decision making
    ...", "- Intentional vagueness: ... . The Guideline Development Group also did not specify ...") rate
    the recommendation above them; their labels are repeated across the corpus, and cutting them off
    must not leave the rest of the field quotable."""
    from conftest import CORPUS
    from medora.answer.statements import statement_at
    from medora.corpus.guideline_xml import read_guideline

    _, index = built_index
    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-10639.xml")
    text = next(s.text for s in doc.sections if "Role of patient preferences: Large" in s.text)
    quoted = []
    for start, end in statement_spans(text, "recommendation"):
        a, b, _ = statement_at(text, start, end, index.boilerplate())
        line = text[text.rfind("\n", 0, start) + 1:].lstrip("- ")
        if b > a and re.match(r"(?:Role of patient preferences|Intentional vagueness|Level of confidence in evidence"
                              r"|Risks, harms, costs|Aggregate evidence quality|Value judgments):", line):
            quoted.append(text[a:b])
    assert quoted == []
    # The recommendation the profile rates is still quoted.
    spans = [statement_at(text, start, end, index.boilerplate()) for start, end in statement_spans(text, "recommendation")]
    assert any(text[a:b].startswith("Clinicians should") for a, b, _ in spans)


@pytest.mark.parametrize("text, carried, absent", [
    ("stage IV NSCLC with EGFR exon 19 deletion mutation", {"EGFR"}, set()),
    ("KRAS G12C-mutated NSCLC", {"KRAS"}, set()),
    ("MET exon 14-skipping variants", {"MET"}, set()),
    ("RET rearrangement-positive NSCLC", {"RET"}, set()),
    ("mutations in BRCA1 or BRCA2", {"BRCA1", "BRCA2"}, set()),
    ("EGFR L858R–mutated NSCLC that lacks MET amplification", {"EGFR"}, {"MET"}),
    ("HER2-positive breast cancer", set(), set()),  # a marker's sign, read by the qualifiers instead
    ("PD-L1 expression of at least 50%", set(), set()),
    # a list of protein changes follows its gene's symbol (PDQ melanoma summary's wording)
    ("melanoma with BRAF V600E or V600K pathogenic variants, as detected by an FDA-approved test", {"BRAF"}, set()),
    # "aberrations" is the PDQ NSCLC summary's word for a change too: these patients carry none
    ("patients with metastatic nonsquamous NSCLC with no EGFR or ALK genomic aberrations", set(), {"EGFR", "ALK"}),
])
def test_altered_genes_are_read_from_the_kind_of_change(text, carried, absent):
    assert (altered_genes(text), altered_genes(text, carried=False)) == (carried, absent)


def test_a_statement_about_another_genes_change_does_not_answer(built_index):
    """A question about one gene's change turns away statements (or, naming none, headings) about
    others' and about patients without it; the slice's own passages name several genes."""
    settings, index = built_index
    question = "Which treatment is recommended for metastatic breast cancer with a PIK3CA mutation?"
    sentences = [p.text[a:b] for p in index.passages_of(PDQ) for a, b in split_sentences(p.text)]
    other = next(t for t in sentences if altered_genes(t) == {"BRCA"})
    asked = next(t for t in sentences if "PIK3CA" in altered_genes(t))
    plain = next(t for t in sentences if "endocrine therapy" in t and not altered_genes(t))
    assert contradicts_alteration(question, other)
    assert not contradicts_alteration(question, asked) and not contradicts_alteration(question, plain)
    for statement in all_statements(ask(question, index, settings)):
        genes = altered_genes(statement.text)
        assert not genes or "PIK3CA" in genes, statement.text


@pytest.mark.parametrize("question", [
    # Before, each was answered by the general treatment of metastatic breast cancer (the second
    # with HER2-positive disease's).
    "What is the treatment for metastatic breast cancer with an ESR1 mutation?",
    "How should women with BRCA1 mutations and HER2-negative metastatic breast cancer be treated?",
    "AKT1 mutation breast cancer treatment options?",
    "Which treatment is recommended for metastatic breast cancer with a PIK3CA mutation?",
])
def test_a_gene_change_question_is_answered_from_what_is_said_of_its_carriers(built_index, question):
    """Statements about the carriers (the gene named in their words, lead-in, heading or document
    title) answer, not the disease's general treatment, when the corpus holds any."""
    settings, index = built_index
    statements = all_statements(ask(question, index, settings))
    assert statements
    for statement in statements:
        passage = next(p for p in index.passages_of(statement.doc_id) if p.id == statement.passage_id)
        lead_in = statement.lead_in.text if statement.lead_in else ""
        said = f"{index.document(statement.doc_id).title} {passage.section} {lead_in} {statement.text}"
        assert names_gene(said, altered_genes(question)), statement.text


@pytest.mark.parametrize("text, genes, abbreviations, named", [
    ("Somatic gene fusions of RET occur in 1% to 2% of patients", {"RET"}, (), True),
    ("retreatment with platinum-based chemotherapy", {"RET"}, (), False),  # the symbol as the corpus writes it
    ("carriers of BRCA mutations", {"BRCA1"}, (), True),  # the family
    ("Clinical Pharmacogenetics Implementation Consortium (CPIC) guideline for dihydropyrimidine dehydrogenase "
     "genotype and fluoropyrimidine dosing: 2017 update.", {"DPYD"},
     (("DPYD", "dihydropyrimidine dehydrogenase"),), True),  # the long form the corpus gives the symbol
    ("platinum-based doublet for advanced NSCLC", {"RET"}, (), False),
])
def test_a_text_names_a_gene_by_its_symbol_family_or_long_form(text, genes, abbreviations, named):
    assert names_gene(text, frozenset(genes), abbreviations) is named


@pytest.mark.parametrize("question, statement, contradicts", [
    ("NSCLC with an EGFR exon 19 deletion", "patients with ALK rearrangements", True),
    ("NSCLC with an EGFR exon 19 deletion", "patients with EGFR or ALK alterations", False),
    ("NSCLC with an EGFR exon 19 deletion", "patients without EGFR mutations", True),
    ("melanoma that does not have a BRAF mutation", "patients with BRAF V600 mutations", True),
    ("melanoma that does not have a BRAF mutation", "patients whose tumors lack BRAF mutations", False),
    ("melanoma that does not have a BRAF mutation", "patients with mutations in a gene called BRAF", True),
    ("melanoma", "patients with BRAF V600 mutations", False),  # the question names no gene
    # a drug aimed at the gene is no patient's change (the PDQ melanoma summary's lifileucel approval)
    ("melanoma that does not have a BRAF mutation", "adult patients with unresectable or metastatic melanoma who have "
     "previously received a PD-1 blocking antibody and, if BRAF V600 variant–positive, a BRAF inhibitor with or without "
     "a MEK inhibitor", False),
])
def test_whose_gene_change_a_text_is_about(question, statement, contradicts):
    assert contradicts_alteration(question, statement) is contradicts


# ngc-11310 (ASCO 2017, stage IV NSCLC) and the NSCLC PDQ summary's MARIPOSA-2 entry, as the corpus words them.
_OSIMERTINIB_AFTER_TKI = ("For patients with stage IV NSCLC with a sensitizing EGFR mutation and disease progression after "
                          "first-line therapy with an EGFR-TKI and the presence of the T790M resistance mutation, clinicians "
                          "should recommend osimertinib")
_MARIPOSA_2 = "Patients had disease progression after receiving prior osimertinib."


@pytest.mark.parametrize("text, had", [
    ("EGFR-mutated NSCLC that progressed after osimertinib: what next?", {"Osimertinib"}),
    ("ROS1-positive NSCLC after progression on crizotinib", {"Crizotinib"}),
    # the clause ends where another begins: fulvestrant is what she starts, not what she has had
    ("metastatic breast cancer that progressed on letrozole and is starting fulvestrant", {"Letrozole"}),
    (_MARIPOSA_2, {"Osimertinib"}),
    ("how long after starting metformin does it work?", set()),
    # a list goes on past its commas and into a parenthesis; the question after it is not had
    ("A patient with melanoma who had received nivolumab, ipilimumab, and pembrolizumab, and does not have a "
     "BRAF mutation: what next?", {"Nivolumab", "Ipilimumab", "Pembrolizumab"}),
    ("She progressed on fulvestrant, and has since received two chemotherapies (capecitabine then eribulin).",
     {"Fulvestrant", "Capecitabine", "Eribulin"}),
    ("relapsed in 6 months after finishing carboplatin/etoposide/atezolizumab, what is the second-line therapy?",
     {"Carboplatin", "Etoposide", "Atezolizumab"}),
    ("refractory to endocrine therapy, should chemotherapy or sacituzumab govitecan be offered?", set()),
])
def test_the_drugs_a_text_says_its_patients_have_had(text, had):
    assert had_drugs(text) == had


@pytest.mark.parametrize("statement, context, contradicts", [
    (_OSIMERTINIB_AFTER_TKI, "", True),  # offers only the drug they have had: for patients before it
    (_MARIPOSA_2, "", False),  # its patients have had it too
    ("Patients were randomly assigned in a 2:2:1 ratio to receive amivantamab plus lazertinib plus chemotherapy, "
     "chemotherapy alone, or amivantamab and chemotherapy.", _MARIPOSA_2, False),
])
def test_a_statement_offering_only_a_drug_the_patients_have_had_is_for_other_patients(statement, context, contradicts):
    question = "What is recommended for EGFR-mutated NSCLC that progressed after osimertinib?"
    assert contradicts_prior_drug(question, statement, context) is contradicts
    # asked about as well as had ("is osimertinib continued?"): not turned away
    assert not contradicts_prior_drug("After progression on osimertinib, is osimertinib continued with chemotherapy?",
                                      _OSIMERTINIB_AFTER_TKI)


def test_wild_type_patients_and_either_way_statements():
    """"BRCA wild-type" patients do not carry the change; a statement about carriers is for others,
    one about patients either way is not (phrases as the ovarian cancer PDQ summary words them)."""
    question = "Which maintenance therapy for recurrent ovarian cancer, BRCA wild-type?"
    assert altered_genes(question, carried=False) == {"BRCA"}
    assert altered_genes("in BRCA wild-type women with high genomic loss of heterozygosity", carried=False) == {"BRCA"}
    assert contradicts_alteration(question, "with BRCA1 or BRCA2 mutations detected")
    assert not contradicts_alteration(question, "regardless of BRCA mutation status")
    assert not contradicts_alteration(question, "patients with or without germline BRCA mutations")


@pytest.mark.parametrize("question, line, therapy_line", [
    ("extensive-stage small cell lung cancer that relapsed 6 months after finishing carboplatin/etoposide/atezolizumab:"
     " what is the recommended secondary line therapy?", "Second-line", AFTER_PRIOR),
    # what the patients have had asks for the next line, though no line is named
    ("ROS1-positive NSCLC after progression on crizotinib: what is recommended?", "Second-line", AFTER_PRIOR),
    ("progressed on letrozole, and has since received capecitabine: what next?", "Later lines", AFTER_PRIOR),
    # progression after a named line asks for the one after it
    ("What options are there when HER2-positive advanced breast cancer progresses after second-line HER2-targeted "
     "therapy?", "Later lines", AFTER_PRIOR),
    ("first-line treatment of HER2-positive metastatic breast cancer", "First-line", FIRST),
    ("What is the recommendation for RET rearrangement-positive NSCLC as 1st line therapy?", "First-line", FIRST),
    ("how long after starting metformin does it work?", None, None),
    # "the preferred treatment" reads as first line, but not after what the patients have had
    ("melanoma that progressed after nivolumab: what is the preferred treatment?", "Second-line", AFTER_PRIOR),
    # treatment had, named by its kind rather than a drug (an ASCO guideline question)
    ("How should patients with BRAF V600E-mutant mCRC receive after prior chemotherapy?", "Second-line", AFTER_PRIOR),
])
def test_the_line_a_question_asks_for(question, line, therapy_line):
    assert (asked_line(question), asked_therapy_line(question)) == (line, therapy_line)


@pytest.mark.parametrize("heading, line", [
    # PDQ summaries' headings: recurrent disease alone is after the first treatment ...
    ("Treatment of Recurrent SCLC › Treatment Options for Patients With Recurrent SCLC", AFTER_PRIOR),
    ("Treatment of Locoregional Recurrent Breast Cancer", AFTER_PRIOR),
    # ... grouped with a stage or the newly diagnosed it is not restricted to a line
    ("Treatment of Unresectable Stage III, Stage IV, and Recurrent Melanoma", None),
    ("Treatment of Newly Diagnosed Stage IV, Relapsed, and Recurrent NSCLC", None),
    ("Treatment of Extensive-Stage SCLC", None),
    ("Treatment Options for Progressive Stage IV, Relapsed, and Recurrent NSCLC (Second-Line Therapy)", AFTER_PRIOR),
])
def test_the_line_a_heading_is_about(heading, line):
    assert line_of_heading(heading) == line


RELAPSED = "Which treatment is recommended for breast cancer that relapsed in the chest wall after finishing tamoxifen?"


def test_a_relapse_is_named_recurrence_too(built_index):
    """Clinical text calls a disease that came back relapsed or recurrent: a heading on "recurrent"
    disease matches a question on a "relapsed" one as fully as its own word would."""
    settings, index = built_index
    concepts = concept_weights(retrieve(RELAPSED, index, settings.retrieve, k=5).query)
    assert relevance("recurrent breast cancer", concepts) == relevance("relapsed breast cancer", concepts) > 0


def test_patients_after_earlier_treatment_are_answered_under_the_summary_s_heading_for_them(built_index):
    """The breast summary treats by stage and has a heading for locoregional recurrence: a question on a
    relapse after treatment takes its layer and its bottom line from there, not from the first treatment
    of metastatic disease."""
    settings, index = built_index
    retrieval = retrieve(RELAPSED, index, settings.retrieve, k=30)
    layer = summary_layer(RELAPSED, concept_weights(retrieval.query), retrieval.documents, retrieval.hits, index,
                          abbreviations=retrieval.query.abbreviations, conditions=condition_names(retrieval.query))
    headings = {h.passage.section.split(" › ")[0] for h in layer}
    assert headings == {"Treatment of Locoregional Recurrent Breast Cancer"}
    answer = ask(RELAPSED, index, settings)
    assert answer.status == "answered" and answer.bottom_line
    assert all(line_of_heading(index.passage(s.passage_id).section) == AFTER_PRIOR for s in answer.bottom_line)
    # the same patients without a relapse named are not restricted to it
    plain = "Which treatment is recommended for breast cancer in the chest wall?"
    assert asked_therapy_line(plain) is None
    # metastatic disease after treatment is not a recurrence in place: no locoregional heading
    metastatic = "Which treatment is recommended for metastatic breast cancer that progressed after letrozole?"
    retrieval = retrieve(metastatic, index, settings.retrieve, k=30)
    layer = summary_layer(metastatic, concept_weights(retrieval.query), retrieval.documents, retrieval.hits, index,
                          abbreviations=retrieval.query.abbreviations, conditions=condition_names(retrieval.query))
    assert "Treatment of Locoregional Recurrent Breast Cancer" not in {h.passage.section.split(" › ")[0] for h in layer}


@pytest.mark.parametrize("doc_id, deliberation, position", [
    ("ngc-10831", "The guideline committee recognised that the clinical decision to start tocolytic", "Consider nifedipine"),
    ("ngc-11165", None, "The panel recognizes that some clinicians omit axillary dissection"),
])
def test_the_authors_account_of_weighing_the_evidence_is_no_statement(doc_id, deliberation, position):
    """"The guideline committee recognised that ..." tells how the authors weighed the evidence when they
    wrote: their deliberation, not a recommendation or finding. In the present tense it is their
    position, and stays."""
    from conftest import CORPUS
    from medora.answer.statements import not_a_finding
    from medora.corpus.guideline_xml import read_guideline

    sentences = [s for section in read_guideline(CORPUS / "guidelines-ngc" / f"{doc_id}.xml").sections
                 for s in split_text(section.text)]
    if deliberation:
        assert not_a_finding(next(s for s in sentences if deliberation in s))
    assert not not_a_finding(next(s for s in sentences if s.startswith(position)))


def split_text(text: str) -> list[str]:
    return [text[a:b].strip("- ") for a, b in split_sentences(text)]


def _pdq_sentence(url_part: str, start: str, file: str = "pdq_summaries.jsonl") -> str:
    """The sentence of a PDQ summary or NCI page (the shared corpus, as the PDQ reader cleans it) that
    begins with ``start``."""
    from conftest import CORPUS
    from medora.corpus.pdq_markdown import parse_markdown

    with (CORPUS / "nci-pdq" / file).open(encoding="utf-8") as f:
        text = next(r["text"] for r in map(json.loads, f) if r["url"].endswith(url_part))
    return next(s[s.index(start):] for section in parse_markdown(text)[0] for s in split_text(section.text) if start in s)


def test_a_change_named_only_as_a_condition_on_prior_treatment_does_not_restrict_the_patients():
    """Lifileucel is approved for patients who had a PD-1 antibody "and, if BRAF V600 variant–positive, a
    BRAF inhibitor": patients without a BRAF mutation are among them (ASCO: after ipi/nivo, no BRAF
    mutation; before, the sentence was turned away as about BRAF-mutated patients)."""
    approval = _pdq_sentence("/types/skin/hp/melanoma-treatment-pdq", "The FDA approved lifileucel")
    question = ("A patient with metastatic melanoma, who had received ipilimumab/nivolumab and pembrolizumab, "
                "and does not have BRAF mutation, what is the preferred treatment?")
    assert altered_genes(question, carried=False) == {"BRAF"}
    assert not altered_genes(approval, definite=True)
    assert not contradicts_alteration(question, approval)
    trametinib = _pdq_sentence("/types/skin/hp/melanoma-treatment-pdq", "The FDA approved trametinib in 2013 for patients")
    assert contradicts_alteration(question, trametinib)  # "with BRAF V600E or V600K pathogenic variants"


def test_a_first_treatment_is_the_first_line():
    """"as the first treatment for metastatic BRAF-positive melanoma" (NCI skin cancer research articles)
    speaks of untreated patients, as "first-line" does; patients who progressed after it do not."""
    from medora.answer.evidence import therapy_line

    news = _pdq_sentence("/types/skin/research/articles", "Clinical trial finds that ipilimumab", "nci_cancer_type_pages.jsonl")
    assert "as the first treatment for" in news and therapy_line(news) == FIRST
    assert therapy_line("patients who progressed after first treatment") != FIRST


def test_an_efficacy_question_is_answered_by_a_study_s_outcome_not_its_design_or_harms():
    """"What is the benefit of amivantamab plus lazertinib over osimertinib?": MARIPOSA's PFS result
    answers; its primary end point (a design) and its discontinuation rate (a harm) do not. Before, the
    current-evidence layer kept the study's best-scored sentence, the discontinuation rate."""
    from medora.answer.compose import _reports_outcome

    pdq = "/types/lung/hp/non-small-cell-lung-treatment-pdq"
    assert _reports_outcome(_pdq_sentence(pdq, "The median PFS was 23.7 months"))
    assert not _reports_outcome(_pdq_sentence(pdq, "The primary end point of the study was PFS for the amivantamab"))
    assert not _reports_outcome(_pdq_sentence(pdq, "The treatment discontinuation rate due to adverse events was 10%"))


def test_a_statement_about_people_with_a_disease_the_question_does_not_name_is_about_other_patients():
    """K-QA asked "Since I took Fioricet about an hour ago, can I take ibuprofen?" and was answered "People
    with Crohn's disease should avoid using ibuprofen ..." (MedlinePlus). The people a statement names by
    their disease are the question's patients when the question names the disease ("dementia pt on an
    antipsychotic for agitation", APA ngc-10994), however the vocabulary reads the rest of the words."""
    from conftest import CORPUS
    from medora.answer.evidence import about_other_patients
    from medora.corpus.guideline_xml import read_guideline
    from medora.index import vocabulary

    words = vocabulary.current()
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        crohn = next(s for r in map(json.loads, f) if "People with Crohn's disease should avoid" in r["answer"]
                     for s in split_text(r["answer"]) if s.startswith("People with Crohn's disease should avoid"))
    assert about_other_patients(crohn, "Since I took Fioricet about an hour ago, can I take ibuprofen?", words)
    assert not about_other_patients(crohn, "I have Crohn's disease: can I take ibuprofen?", words)
    apa = next(s for section in read_guideline(CORPUS / "guidelines-ngc" / "ngc-10994.xml").sections
               for s in split_text(section.text) if "if there is no clinically significant response" in s)
    assert not about_other_patients(
        apa, "dementia pt on an antipsychotic for agitation, no real response after a month - keep going?", words)
    # "without" names no patients with the disease
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        without = next(s for r in map(json.loads, f) if "people without a family history" in r["answer"]
                       for s in split_text(r["answer"]) if "people without a family history" in s)
    assert not about_other_patients(without, "Will I get it too?", words)


def test_high_expression_of_a_marker_qualifies_patients_as_positive_for_it():
    """ASCO: "preferred treatment for triple-negative, PD-L1-negative metastatic breast cancer?" was
    answered with pembrolizumab's approval for triple-negative breast cancer "that has high expression
    of PD-L1" (NCI breast research page): patients positive for the marker, not the asked ones."""
    sentence = _pdq_sentence("/types/breast/research", "Pembrolizumab (Keytruda) in combination with chemotherapy",
                             "nci_cancer_type_pages.jsonl")
    assert "high expression of PD-L1" in sentence
    question = "What is the preferred treatment for triple-negative, PD-L1-negative metastatic breast cancer?"
    assert contradicts_qualifier(question, sentence)
    assert not contradicts_qualifier(question.replace("PD-L1-negative", "PD-L1-positive"), sentence)


def test_an_acknowledgement_is_no_finding():
    """K-QA "is there anything I need to know about this medication?" was answered "The NIDDK would like
    to thank: Neil R. Powe, M.D., ..." (MedQuAD): whom a page's authors thank is about the page."""
    from conftest import CORPUS
    from medora.answer.statements import not_a_finding

    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        thanks = [s for r in map(json.loads, f) if "would like to thank" in r["answer"]
                  for s in split_text(r["answer"]) if "would like to thank" in s]
    assert thanks and all(not_a_finding(s) for s in thanks)
    assert not not_a_finding("Ask how the medication will affect driving and other daily activities.")  # MedQuAD


def test_a_word_the_question_means_as_a_word_is_not_matched_by_its_acronym():
    """"heat or ice?": NCI's ICE (a chemotherapy regimen) is no match for the corpus's homograph "ice";
    a patient page's "ice pack" and a guideline's "Heat/Ice" heading are. Typed in capitals, or when the
    corpus has no such homograph, ICE is what is asked."""
    from medora.query import analyse
    from test_abbreviations import ice_texts

    regimens, pages = ice_texts()
    regimen = next(line for line in regimens[0].splitlines() if line.startswith("ICE is used to treat"))
    pack = next(s for text in pages for s in text.split(". ") if "ice pack" in s)
    homographs = frozenset({"ice"})
    word = concept_weights(analyse("Wait heat or ice?"), homographs)
    assert "ice" not in word.found_in(regimen)
    assert "ice" in word.found_in(pack)
    assert "ice" in word.found_in("Heat/Ice")
    assert "ice" in word.found_in("HEAT OR ICE")  # a heading all in capitals writes words so
    assert "ice" in concept_weights(analyse("Wait heat or ice?")).found_in(regimen)
    assert "ice" in concept_weights(analyse("What is ICE used to treat?"), homographs).found_in(regimen)


def _myeloma_sentence(url_end: str, words: str) -> str:
    from conftest import CORPUS

    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(row["text"] for row in map(json.loads, f) if row["url"].endswith(url_end))
    return next(s for s in re.split(r"(?<=\.) ", text) if words in s)


def test_a_treatment_ruled_out_for_the_patients_is_not_offered_to_them():
    """ASCO: "not a candidate for autologous stem cell transplant" rules transplant out; the myeloma
    summary's consolidation "autologous stem cell transplant (SCT) consolidation" is for other patients,
    its trials of patients "ineligible for transplant" are theirs. A branch of the question ("and if pen
    allergic?", dev) rules nothing out for its patients; "cannot take X with Y" asks whether they may."""
    question = ("For patients with multiple myeloma who are not a candidate for autologous stem cell transplant, "
                "should quadruple therapy be still offered if patients are not frail?")
    assert ruled_out(question) == {"transplant"}
    consolidation = _myeloma_sentence("/myeloma-treatment-pdq", "autologous stem cell transplant (SCT) consolidation")
    ineligible = _myeloma_sentence("/myeloma-treatment-pdq", "who were ineligible for transplant, daratumumab plus VMP")
    assert contradicts_ruled_out(question, consolidation)
    assert not contradicts_ruled_out(question, ineligible) and about_ruled_out(question, ineligible)
    assert ruled_out("first line abx for low severity CAP in primary care, and if pen allergic?") == set()
    assert ruled_out("Ok thank you I believe I cannot take benadryl with klonopin correct?") == set()
    assert ruled_out("bempedoic acid in statin-intolerant pt w/ hx of gout - flare risk?") == {"statin"}


def test_a_penicillin_allergy_keeps_the_recommendation_for_the_allergic_and_drops_the_one_for_others():
    """K-QA: "allergic to penicillin". NICE (ngc-10899) "Consider a macrolide or a tetracycline for patients
    who are allergic to penicillin" is theirs; AAP's amoxicillin for a child who "is not allergic to
    penicillin" (ngc-9684) is not."""
    from conftest import CORPUS
    from medora.corpus.guideline_xml import read_guideline

    def line(name, words):
        return next(x for section in read_guideline(CORPUS / "guidelines-ngc" / f"{name}.xml").sections
                    for x in section.text.split("\n") if words in x)

    question = "Ok is amoxicillin ok if I am allergic to penicillin?"
    assert ruled_out(question) == {"penicillin"}
    nice = line("ngc-10899", "who are allergic to penicillin")
    aap = line("ngc-9684", "not allergic to penicillin")
    assert not contradicts_ruled_out(question, nice) and about_ruled_out(question, nice)
    assert contradicts_ruled_out(question, aap)


def _pdq_heading_of(url_part: str, start: str) -> str:
    """The last heading above the PDQ sentence that begins with ``start``."""
    from conftest import CORPUS
    from medora.corpus.pdq_markdown import parse_markdown

    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(r["text"] for r in map(json.loads, f) if r["url"].endswith(url_part))
    return next(section.name for section in parse_markdown(text)[0] if start in section.text).rsplit(" › ", 1)[-1]


def test_a_regimen_asked_as_a_whole_is_told_from_another_by_the_heading_its_evidence_stands_under():
    """ASCO: atezolizumab plus bevacizumab and chemotherapy in EGFR-mutated NSCLC was answered with
    IMpower130's subgroup result for atezolizumab with carboplatin and nab-paclitaxel, which stands under
    "Atezolizumab plus chemotherapy"; IMpower150's, under "Atezolizumab plus bevacizumab plus
    chemotherapy", names its arms only as "ABCP" and "BCP"."""
    nsclc = "/types/lung/hp/non-small-cell-lung-treatment-pdq"
    question = "What is the efficacy of atezolizumab plus bevacizumab and chemotherapy in EGFR-mutated NSCLC?"
    regimen = asked_regimen(question)
    assert len(regimen) == 2
    subgroup, arms = "Subgroup analyses showed OS and PFS benefit with atezolizumab", "PFS was also longer in the ABCP group"
    assert regimen_reach(regimen, _pdq_heading_of(nsclc, subgroup), _pdq_sentence(nsclc, subgroup)) == "other"
    assert regimen_reach(regimen, _pdq_heading_of(nsclc, arms), _pdq_sentence(nsclc, arms)) == "whole"
    # Drugs set apart as alternatives, or one drug, are no regimen; nor is a drug the patients had.
    assert asked_regimen("Is osimertinib or gefitinib preferred for EGFR-mutated NSCLC?") == frozenset()
    assert asked_regimen("What is the efficacy of osimertinib in EGFR-mutated NSCLC?") == frozenset()
    assert asked_regimen("After progression on osimertinib, what is the efficacy of amivantamab?") == frozenset()


def test_a_gene_the_patients_are_positive_for_is_one_they_carry_a_receptor_is_not():
    """"ROS1-positive NSCLC" was answered with a trial in ALK-rearranged patients: the patients are those
    the ROS1 change is said of. "HER2-positive" (a receptor, as the corpus's long form says) stays a
    marker: a pregnant patient's HER2-positive cancer is answered by what is said of pregnancy."""
    her2 = [("HER2", "human epidermal growth factor receptor 2")]
    assert positive_genes("What is the treatment recommendation for ROS1-positive NSCLC after progression on crizotinib?") \
        == {"ROS1"}
    assert positive_genes("pregnant with early breast cancer HER2+ - can trastuzumab be given during pregnancy?", her2) \
        == frozenset()
    assert positive_genes("ER-positive breast cancer") == frozenset()  # no digit: a receptor's symbol


def test_a_marker_overexpressed_is_a_marker_positive():
    """PDQ writes "HER2-overexpressing" for HER2-positive: it is no answer for HER2-negative patients."""
    statement = _pdq_sentence("/types/breast/hp/breast-treatment-pdq", "Outside of a clinical trial, standard first-line")
    assert "HER2-overexpressing" in statement
    assert ("her2", "positive") in qualifiers_of(statement)
    question = "For HER2-negative metastatic breast cancer refractory to endocrine therapy, should single-agent chemotherapy be offered?"
    assert contradicts_qualifier(question, statement)


def test_a_page_titled_by_a_disease_the_question_does_not_name_is_about_other_patients():
    """K-QA's "reduce my sweating" was answered, below the statement bar, with gastroparesis drugs from
    the page on diabetic neuropathies, and "activated charcoal to help w stomach bug" from an
    intracranial-haemorrhage guideline. A page whose title names a disease none of whose words the
    question names is about other patients; a page on what the question names ("mouth sore" and the
    page on cold sores, "UTI" read in full), or titled by no disease, is not."""
    from conftest import CORPUS
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary

    words = vocabulary.current()
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        titles = {r["focus"] for r in map(json.loads, f)}
    neuropathy = next(t for t in titles if t.startswith("Diabetic Neuropathies"))
    assert page_about_other_patients(
        neuropathy, "Is there any kind of medication you can prescribe in the meantime to help reduce my sweating ?", words)
    assert not page_about_other_patients(neuropathy, "can diabetes damage the nerves in my feet?", words)
    assert not page_about_other_patients(
        "Cold Sores", "can mouth sore or mouth herpes ever appear on the chin, or NOT on the lips?", words)
    assert "Antibiotics" in titles
    assert not page_about_other_patients("Antibiotics", "Can i take the painkiller and the antibiotics at the same time?",
                                         words)
    uti = next(t for t in titles if t.lower().startswith("urinary tract infection"))
    assert not page_about_other_patients(uti, "Can clindamycin be used to treat a UTI urinary tract infection", words)


def test_a_page_is_about_other_patients_by_its_diseases_not_its_symptoms_or_kinds():
    """K-QA (session 25): a patient naming a symptom ("throat pain") was answered from the page on
    nutrition during cancer treatment. Such a page is about other patients; but a page on a kind of
    disease the question names a case of ("Eye Infections" to styes, by MeSH's tree), on a sign the
    question shares ("Overweight and Obesity" to "weight gain", both in MeSH's C23), or titled by no
    disease in particular ("Yeast Infections": "infections") is not."""
    from conftest import CORPUS
    from medora.answer.answerability import condition_names
    from medora.answer.applicability import asked_trees
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary
    from medora.query import analyse

    words = vocabulary.current()
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        titles = {r["focus"] for r in map(json.loads, f)}
    with (CORPUS / "nci-pdq" / "nci_treatment_and_drug_pages.jsonl").open(encoding="utf-8") as f:
        titles |= {line[2:] for r in map(json.loads, f) for line in r["text"].splitlines() if line.startswith("# ")}

    def other(title: str, question: str) -> bool:
        assert title in titles
        names = condition_names(analyse(question))
        asked = " ".join([question, *(n for group in names for n in group)])
        return page_about_other_patients(title, asked, words, asked_trees(names, words))

    assert other("Nutrition During Cancer Treatment", "Is there anything youd recommend for the throat pain")
    assert other("Hay Fever", "Is post nasal drip runny nose?")
    assert not other("Eye Infections", "Can styes be on other areas of the eyelid besides just the edges?")
    assert not other("Overweight and Obesity", "Does low thyroid contribute to weight gain?")
    assert not other("Yeast Infections", "The urine can be smelly with a yeast infection?")
    # A question naming no sign keeps a title's signs as its diseases: weight gain is not low blood sugar.
    assert other("Overweight and Obesity", "my sugar just read 62 what should I eat or drink to bring it up")


@pytest.mark.parametrize("doc_id, question, others", [
    # "Patients who need central venous access": one asking what chlorhexidine is does not ...
    ("ngc-11324", "What is chlorhexidine?", True),
    # ... one asking of a central venous catheter does.
    ("ngc-11324", "How is a central venous catheter kept clean?", False),
    # "... adult patients in the intensive care unit": one asking of their own is not in one ...
    ("ngc-9692", "What can I take for my back pain?", True),
    # ... one asking of a patient in it is.
    ("ngc-9692", "My father is critically ill in the ICU: what can he take for pain?", False),
    # Outpatients with suspected venous thrombosis: the asker's own disease and setting; inpatients at
    # risk of it: the asker's disease, another setting.
    ("ngc-10400", "Do I need a blood thinner for a deep vein thrombosis?", False),
    ("ngc-10743", "Do I need a blood thinner for a deep vein thrombosis?", True),
    ("ngc-10743", "Do I need a blood thinner for a deep vein thrombosis while I am an inpatient?", False),
])
def test_a_guidelines_population_says_which_procedure_and_care_setting_its_patients_have(doc_id, question, others):
    """K-QA (session 28): a patient's "What is chlorhexidine?" was answered, beside a care-home guideline's
    side effects, with chlorhexidine-bathing infection rates from a guideline on central venous access;
    two judges counted them as statements about other patients. The population NGC gives each guideline
    names the procedure its patients have and the care setting they are in."""
    from medora.answer.evidence import page_about_other_patients, page_population, page_subject
    from medora.corpus.guideline_xml import read_guideline
    from medora.index import vocabulary
    from conftest import CORPUS

    doc = read_guideline(CORPUS / "guidelines-ngc" / f"{doc_id}.xml")
    assert page_population(doc)
    assert page_about_other_patients(page_subject(doc), question, vocabulary.current(),
                                     population=page_population(doc)) is others


def test_a_question_ruling_out_gene_changes_turns_away_their_carriers():
    """"Recurrent ovarian cancer without BRCA-mutation or HRD-positivity" (ASCO's question) is not answered by
    what the PDQ BRCA summary says of "BRCA-positive patients"; "EGFR mutation-positive NSCLC without
    targetable alterations" not by osimertinib for patients with "the T790M resistance mutation"
    (ngc-11310), though it keeps what is said of the sensitizing EGFR mutation it names."""
    from conftest import CORPUS

    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(json.loads(line)["text"] for line in f if "PARP-inhibitors will likely improve" in line)
    text = text.replace("*", "")  # the summary's Markdown emphasis of gene symbols, as the index reads it
    start = text.index("While most literature on survival outcomes predates")
    brca_positive = text[start:text.index(". ", start) + 1]
    ovarian = "What is the effect of PARP inhibitors in recurrent ovarian cancer without BRCA-mutation or HRD-positivity?"
    assert contradicts_alteration(ovarian, brca_positive)
    # ... nor by what is said of HRD ovarian cancers; but a text ruling the marker out too, or speaking of
    # testing for it, may be about them
    hrd = text[text.index("More study of PARP inhibitors in HRD"):]
    hrd = hrd[:hrd.index(".") + 1]
    assert contradicts_alteration(ovarian, hrd)
    testing = text[text.index("On the basis of these data, the authors concluded"):]
    testing = testing[:testing.index(". ") + 1]
    assert "without requiring additional HRD or BRCA testing" in testing
    assert not contradicts_alteration(ovarian, testing)
    assert not contradicts_alteration("What is the effect of PARP inhibitors in recurrent ovarian cancer?", brca_positive)
    lung = "Should anti-PD-L1 be used for second-line therapy for EGFR mutation-positive NSCLC without targetable alterations?"
    assert contradicts_alteration(lung, _OSIMERTINIB_AFTER_TKI)
    assert not contradicts_alteration(lung, "For patients with stage IV NSCLC with a sensitizing EGFR mutation")
    assert not contradicts_alteration("Second-line therapy for EGFR mutation-positive NSCLC?", _OSIMERTINIB_AFTER_TKI)


def test_an_adjective_in_able_is_named_by_the_word_it_is_made_from():
    """Held-out "is aplastic anemia curable?" was led by "Outlook Aplastic anemia is a rare but serious disorder"
    while MedlinePlus's "Blood and marrow stem cell transplants may offer a cure for some people who have aplastic
    anemia" did not match "curable" at all (stems "curabl" and "cure")."""
    from medora.query import analyse

    from conftest import CORPUS

    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        text = next(json.loads(line)["answer"] for line in f if "may offer a cure for some people who have aplastic" in line)
    start = text.index("Blood and marrow stem cell transplants may offer a cure")
    cure = text[start:text.index(".", start) + 1]
    concepts = concept_weights(analyse("is aplastic anemia curable?"))
    curable = next(w for w in concepts if w.startswith("curab"))
    assert curable in concepts.found_in(cure)
    assert curable not in concepts.found_in("Aplastic anemia is a rare but serious disorder.")


def test_treatments_no_longer_effective_are_prior_treatment():
    """NCI's lung cancer research page: "... in whom immunotherapy and chemotherapy are no longer effective,
    several new options are available" speaks of patients after earlier treatment, not of a first-line
    question's patients; kidneys that "have stopped working" (MedlinePlus) are no treatment."""
    from medora.answer.evidence import AFTER_PRIOR, therapy_line

    research = _pdq_sentence("/types/lung/research", "For people with advanced lung cancer that has mutations in the KRAS",
                             "nci_cancer_type_pages.jsonl")
    assert therapy_line(research) == AFTER_PRIOR
    assert therapy_line("These methods help replace kidney function if your own kidneys have stopped working.") is None


MEDQUAD = CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl"


def _medquad_answer(words: str) -> str:
    from medora.corpus.medquad import _answer

    return next(_answer(json.loads(line)["answer"]) for line in MEDQUAD.open(encoding="utf-8") if words in line)


def test_sentences_before_a_lead_in_on_its_line_are_statements():
    """MedlinePlus on yeast infections: "... If you are sick or taking antibiotics, it can multiply and cause
    an infection. Yeast infections affect different parts of the body in different ways:" then its list."""
    text = _medquad_answer("If you are sick or taking antibiotics, it can multiply")
    said = [text[a:b] for a, b in statement_spans(text, "qa")]
    assert "If you are sick or taking antibiotics, it can multiply and cause an infection." in said
    assert not any(s.endswith("in different ways:") for s in said)


def test_a_list_is_quoted_whole_or_not_at_all():
    """MedlinePlus on burns: "There are three types of burns:" and three items, the third in sentences of its
    own: quoted with the first two it would say there are three and show two."""
    text = _medquad_answer("There are three types of burns")
    assert not any(text[a:b].startswith("There are three types of burns") for a, b in option_lists(text))
