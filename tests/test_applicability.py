"""Applicability, answerability and the statement bar, across many questions on the real slice.

Questions come from the dev set (written from the corpus) or are plain question wording; the
statements checked are the ones the real pipeline quotes from the slice of ../shared/corpus.
"""

from __future__ import annotations

import json
import re

import pytest

from medora.answer.compose import _asked_about, stands_alone
from medora.answer.evidence import GENERIC_WEIGHT, concept_weights, contradicts_negation, relevance, stems
from medora.answer.applicability import (
    about_condition, age_groups, age_ranges, asked_facets, asked_gestation, asks_of_its_group, conflicts, facets,
    gestation_ranges, other_population, stages,
)
from medora.answer.audience import AUDIENCES, ask
from medora.answer.cite import all_statements, to_json, verify
from medora.corpus.boilerplate import is_boilerplate
from medora.evaluate import load_dev_set
from medora.query import analyse
from medora.settings import AnswerSettings

from conftest import CORPUS

DEV = load_dev_set()
SLICE_QUESTIONS = [d["question"] for d in DEV if d["set"] == "original"][:24]


# -- reading facets from wording (question wording only: no medical claim) ------------------


@pytest.mark.parametrize("text, expected", [
    ("stage II-IIIA non-small cell lung cancer", {2, 3}),
    ("stages I and II", {1, 2}),
    ("stage IIIB or IV", {3, 4}),
    ("early-stage breast cancer", {0, 1, 2}),
    ("non-metastatic prostate cancer", set()),
    ("end-stage renal disease", set()),
    # a list names each of its stages, a range every stage between (PDQ headings)
    ("Systemic Therapy for Stages I, II, and III Breast Cancer", {1, 2, 3}),
    ("stages IIIB, IIIC, or IV", {3, 4}),
    ("stages I through IV", {1, 2, 3, 4}),
    ("stage I and stage II", {1, 2}),
])
def test_stages_are_read_from_wording(text, expected):
    assert stages(text) == expected


def test_a_question_on_advanced_disease_is_about_stages_three_to_five():
    """ASCO 036 ("... osimertinib ... with chemotherapy for advanced EGFR-mutated NSCLC?") was answered with
    osimertinib "as adjuvant therapy after surgery for people with early-stage NSCLC"."""
    asked = asked_facets("How should osimertinib be administered with chemotherapy for advanced EGFR-mutated NSCLC?")
    assert asked.stages == {3, 4, 5}
    assert conflicts(asked, facets("for people with early-stage NSCLC", frozenset({"nsclc"}))) == ["stage"]
    assert conflicts(asked, facets("for people with stage III NSCLC", frozenset({"nsclc"}))) == []
    assert asked_facets("locally advanced rectal cancer").stages == {3}
    assert asked_facets("falls in advanced age").stages == set()
    # a statement's "advanced" may be its nurses, its imaging or its age: not read
    assert facets("advanced practice nurses", frozenset({"nsclc"})).stages == set()


@pytest.mark.parametrize("text, expected", [
    ("MUAC cut-off to admit a 2 yo", {"children"}),
    ("daridorexant for insomnia in a 75yo", {"older adults"}),
    ("a 45-year-old with chest pain", {"adults"}),
    ("fever in a 6 month old", {"children"}),
    ("antibiotics for 5 years", set()),  # a duration is no age
])
def test_ages_are_patient_groups(text, expected):
    assert age_groups(text) == expected


@pytest.mark.parametrize("text, ranges", [
    ("If a woman younger than 21 years is inadvertently screened", ((0, 20),)),
    ("women aged 21 to 65 years", ((21, 65),)),
    ("adults 65 years or older", ((65, 200),)),
    ("under the age of 18", ((0, 17),)),
    ("continue for 3 to 5 years", ()),  # durations are no ages
    ("over 5 years of follow-up", ()),
    # ages spelt out, and wordings of NICE's dental guidance (ngc-10310)
    ("children under three years of age", ((0, 2),)),
    ("until the age of around three years", ((0, 3),)),
    ("children aged from 10 to 16 years", ((10, 16),)),
    ("twenty years of follow-up", ()),
])
def test_age_ranges_are_read_only_from_wording_that_names_an_age(text, ranges):
    assert age_ranges(text) == ranges


@pytest.mark.parametrize("text, weeks", [
    ("28 weeker w/ suspected preterm labour", ((28, 28),)),
    ("she is 32 weeks pregnant", ((32, 32),)),
    ("at 30+2 weeks' gestation", ((30, 30),)),
    ("hoarse voice for 5 weeks", ()),  # a duration
    ("cervix 22 mm on TV scan at 20 wks", ()),  # may be a duration: not read
])
def test_weeks_of_pregnancy_are_read_from_a_question_only_where_they_can_be_nothing_else(text, weeks):
    assert asked_gestation(text) == weeks


# Wordings of ngc-10831 (NICE preterm labour and birth) and of other guidelines of the corpus.
@pytest.mark.parametrize("text, ranges", [
    ("Offer nifedipine for tocolysis³ to women between 26⁺⁰ and 33⁺⁶ weeks of pregnancy who have intact "
     "membranes", ((26, 33),)),
    ("Consider nifedipine for tocolysis³ for women between 24⁺⁰ and 25⁺⁶ weeks of pregnancy", ((24, 25),)),
    ("Manage all women who are <37 weeks' gestation and in labour", ((0, 36),)),
    ("pregnancies at ≥32 weeks' gestation", ((32, 45),)),
    # when to act, not whom for
    ("glucose challenge test (OGCT) is performed between 24 and 28 weeks of gestation", ()),
])
def test_gestation_ranges_are_read_only_after_the_people_they_restrict(text, ranges):
    assert gestation_ranges(text) == ranges


def test_a_statement_restricted_to_other_weeks_of_pregnancy_does_not_apply():
    question = asked_facets("28 weeker w/ suspected preterm labour, membranes intact - which tocolytic?")
    other = "Consider nifedipine for tocolysis³ for women between 24⁺⁰ and 25⁺⁶ weeks of pregnancy"
    these = "Offer nifedipine for tocolysis³ to women between 26⁺⁰ and 33⁺⁶ weeks of pregnancy"
    assert conflicts(question, facets(other, frozenset())) == ["weeks of pregnancy"]
    assert conflicts(question, facets(these, frozenset())) == []


def test_a_statement_restricted_to_other_ages_does_not_apply():
    question = asked_facets("should my 78 year old mother get a memory screening test?")
    assert conflicts(question, facets("If a woman younger than 21 years is screened", frozenset())) == ["age"]
    assert conflicts(question, facets("adults aged 65 years or older", frozenset())) == []
    assert conflicts(question, facets("women aged 21 to 29 years and women aged 70 to 80 years", frozenset())) == []
    assert conflicts(question, facets("screening for cognitive impairment", frozenset())) == []  # no ages: applies


def test_a_document_about_the_non_prefixed_condition_is_about_other_patients():
    # The title says whom every statement of the document is about.
    question = "first-line regimens for advanced classic Hodgkin lymphoma"
    assert contradicts_negation(question, "Non-Hodgkin's lymphoma: diagnosis and management. Consider 'watch and wait'")
    assert not contradicts_negation(question, "Hodgkin lymphoma guideline. RT should not normally be omitted")


def test_conflicts_need_both_sides_to_name_an_axis():
    question = facets("hospital-acquired pneumonia in adults, outpatient follow-up")
    assert conflicts(question, facets("community-acquired pneumonia")) == ["where the infection was acquired"]
    assert conflicts(question, facets("pneumonia")) == []  # says nothing on the axis: applies
    assert conflicts(facets("pneumonia"), facets("community-acquired pneumonia in children")) == []
    assert conflicts(question, facets("adults and children")) == []  # one group compatible is enough


def test_course_counts_only_next_to_the_asked_condition():
    asked = facets("acute low back pain")
    anchors = frozenset({"back", "pain"})
    assert conflicts(asked, facets("chronic low back pain", anchors)) == ["course"]
    assert conflicts(asked, facets("acute kidney injury; chronic disease of another organ", anchors)) == []


def test_severity_counts_only_next_to_the_asked_condition():
    """NICE (ngc-10899): "Consider a 7- to 10-day course ... for patients with moderate- or high-severity
    community-acquired pneumonia" is no answer to "how many days of antibiotics for mild CAP?"; its
    5-day course for low-severity disease is. A severe allergic reaction says nothing of the disease's severity."""
    from medora.corpus.guideline_xml import read_guideline

    sentences = [s for section in read_guideline(CORPUS / "guidelines-ngc" / "ngc-10899.xml").sections
                 for s in section.text.split("\n") if "community-acquired pneumonia" in s]
    longer = next(s for s in sentences if s.startswith("Consider a 7- to 10-day course"))
    five = next(s for s in sentences if s.startswith("Offer a 5-day course"))
    asked = asked_facets("how many days of antibiotics for mild CAP?", [("CAP", "community-acquired pneumonia")])
    anchors = frozenset({"community", "acquired", "pneumonia"})
    assert conflicts(asked, facets(longer, anchors)) == ["severity"]
    assert conflicts(asked, facets(five, anchors)) == []
    assert conflicts(asked, facets("A severe allergic reaction can cause anaphylactic shock.", anchors)) == []  # MedQuAD


def test_born_at_home_is_another_care_setting_than_born_in_hospital():
    """WHO postnatal care (ngc-10309), asked "umbilical cord care for a baby born in hospital": the daily
    chlorhexidine recommendation for "newborns who are born at home in settings with high neonatal mortality"
    is for other babies; clean, dry cord care "for newborns born in health facilities, and at home ..." is
    theirs. A question naming no setting conflicts with neither."""
    from medora.corpus.guideline_xml import read_guideline

    sentences = [s for section in read_guideline(CORPUS / "guidelines-ngc" / "ngc-10309.xml").sections
                 for s in section.text.split("\n")]
    at_home = next(s for s in sentences if s.startswith("Daily chlorhexidine"))
    both = next(s for s in sentences if s.startswith("Clean, dry cord care"))
    asked = asked_facets("umbilical cord care for a baby born in hospital - chlorhexidine or just keep it dry?")
    assert conflicts(asked, facets(at_home, frozenset())) == ["care setting"]
    assert conflicts(asked, facets(both, frozenset())) == []
    assert conflicts(asked_facets("umbilical cord care - chlorhexidine or keep it dry?"), facets(at_home, frozenset())) == []


def test_about_condition_matches_every_word_of_a_name_in_any_order():
    assert about_condition(["breast cancer"], "Metastatic HER2-Positive Breast Cancer")
    assert about_condition(["cancer, breast"], "breast cancer treatment")
    assert not about_condition(["lung cancer"], "Metastatic HER2-Positive Breast Cancer")


# -- the pipeline on the slice ----------------------------------------------------------


@pytest.fixture(scope="module")
def slice_answers(built_index):
    settings, index = built_index
    return {q: ask(q, index, settings) for q in SLICE_QUESTIONS}


def test_no_quota_and_every_statement_clears_the_bars(slice_answers, built_index):
    _, index = built_index
    counts = [len(all_statements(a)) for a in slice_answers.values()]
    assert max(counts) <= AnswerSettings().max_statements
    assert len(set(counts)) > 3  # answers are as long as their evidence, not a fixed length
    boilerplate = index.boilerplate()
    for question, answer in slice_answers.items():
        asked = facets(question)
        query = analyse(question)
        anchors = frozenset(w for e in query.conditions for w in e.matched.lower().split())
        for s in all_statements(answer):
            assert stands_alone(s), (question, s.text)
            assert not is_boilerplate(s.text, boilerplate)
            # what the statement says where it stands: its document's title, its heading, its lead-in
            context = "\n".join([index.document(s.doc_id).title, index.passage(s.passage_id).section,
                                  s.lead_in.text if s.lead_in else "", s.text])
            assert not conflicts(asked, facets(context, anchors)), (question, s.text)
        assert all(ok for _, ok in verify(answer, index))  # lead-ins shown as context are verbatim too


def _candidates(question, built_index):
    """(the question's retrieval, every candidate statement of its evidence pool) on the slice."""
    from medora.answer import compose
    from medora.answer.evidence import evidence_pool
    from medora.retrieve import retrieve

    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    pool, _ = evidence_pool(retrieval.hits, index)
    return retrieval, compose._candidates(pool, concept_weights(retrieval.query), compose._plan("treatment"),
                                          frozenset(), {}, question, index.boilerplate())


def test_the_bottom_line_is_chosen_among_statements_naming_the_asked_drug(built_index):
    from medora.answer import compose
    from medora.answer.answerability import subjects

    retrieval, candidates = _candidates("Is tucatinib given with trastuzumab and capecitabine after progression?",
                                        built_index)
    drugs = [s.names for s in subjects(retrieval.query) if s.kind == "intervention"]

    def names_drug(c):
        return any(about_condition(n, compose._own_words(c)) for n in drugs)

    def drugs_named(c):
        return sum(about_condition(n, compose._own_words(c)) for n in drugs)

    assert any(names_drug(c) for c in candidates) and not all(names_drug(c) for c in candidates)
    pool = compose.bottom_line_pool(candidates, retrieval.query)
    assert all(names_drug(c) for c in pool)
    # Asked about a combination: the statements naming the most of its drugs, not one of them alone.
    assert len({drugs_named(c) for c in candidates if names_drug(c)}) > 1
    assert {drugs_named(c) for c in pool} == {max(drugs_named(c) for c in candidates)}


def test_the_bottom_line_is_chosen_among_statements_about_the_asked_patient_group(built_index):
    """A question about pregnancy, children or older adults is answered from what is said of them
    when anything is; "women" at large is no such group."""
    from medora.answer import compose

    retrieval, candidates = _candidates("Which breast cancer treatments can be given during pregnancy?", built_index)
    about = [c for c in candidates if compose._names_group(c, {"pregnancy"})]
    assert about and len(about) < len(candidates)
    assert all(c in about for c in compose.bottom_line_pool(candidates, retrieval.query))
    women = retrieval.query.text.replace("during pregnancy", "for women")
    assert compose.bottom_line_pool(candidates, analyse(women)) == compose.bottom_line_pool(candidates, analyse(
        "Which breast cancer treatments can be given?"))


def test_a_bottom_line_says_more_than_what_the_asked_drug_is(built_index):
    """"Tucatinib works by binding to the part of the HER2 protein ..." says what the drug is: background
    to whether or when to give it, the answer to "What is tucatinib?"."""
    from medora.answer import compose
    from medora.answer.answerability import says_what_it_is, subjects

    question = "Should tucatinib be used for HER2-positive breast cancer?"
    retrieval, candidates = _candidates(question, built_index)
    names = [s.names for s in subjects(retrieval.query) if s.kind == "intervention"]

    def defines_drug(c):
        return any(says_what_it_is(c.statement.text, n) for n in names)

    assert any(defines_drug(c) for c in candidates) and not all(defines_drug(c) for c in candidates)
    assert not any(defines_drug(c) for c in compose.bottom_line_pool(candidates, retrieval.query))
    what = analyse("What is tucatinib?")
    assert what.question_type == "definition"
    assert any(defines_drug(c) for c in compose.bottom_line_pool(candidates, what))


def test_a_statement_shown_as_another_ones_lead_in_is_not_quoted_again(built_index):
    """"The goal of treatment is ... … This may involve medications ..." shows its first sentence as
    the lead-in; quoted on its own as well, the answer repeats it."""
    from medora.answer import compose

    pairs = []
    for question in ("What is the recommended treatment approach for a patient with HER2-positive breast cancer?",
                     "How is high blood pressure treated?", "What are the treatment options for atrial fibrillation?"):
        _, candidates = _candidates(question, built_index)
        by_text = {(c.statement.passage_id, c.statement.text): c for c in candidates}
        pairs += [(c, by_text[(c.statement.lead_in.passage_id, c.statement.lead_in.text)]) for c in candidates
                  if c.statement.lead_in and (c.statement.lead_in.passage_id, c.statement.lead_in.text) in by_text]
    assert pairs
    for shows, shown in pairs:
        assert compose._not_shown_as_lead_in([shown, shows], [shown, shows]) == [shows]
        assert compose._not_shown_as_lead_in([shown], [shown]) == [shown]


def test_a_question_about_two_patient_groups_keeps_a_statement_about_each(built_index):
    """"Avoid peanuts while pregnant so my baby doesn't get food allergies" asks of the pregnancy as
    well as of the baby: the answer keeps what the food-allergy guideline says of each, and so
    speaks of pregnancy (it was partial, quoting only the infants' weaning advice)."""
    settings, index = built_index
    answer = ask("should I avoid peanuts and eggs while pregnant so my baby doesn't get food allergies?", index, settings)
    said = [s for s in all_statements(answer) if s.doc_id == "ngc-10563"]
    assert any("pregnant or lactating mothers" in s.text for s in said)
    assert any("infants" in s.text for s in said)
    assert answer.status == "answered"
    # ... and the pregnant patient asking is answered first: the child named is the one expected.
    assert "pregnant or lactating mothers" in answer.bottom_line[0].text


def test_what_is_done_around_an_operation_is_read_as_a_care_setting():
    """ICSI's perioperative protocol holds the corpus's only statement naming liraglutide, on holding it
    around an operation: said of patients having surgery, the care setting a question names ("before
    my surgery") or not. "Surgery" in a statement is as often the treatment itself: not a setting."""
    from conftest import CORPUS

    held = "Glucagon-like peptide-1 (GLP-1) agonists (exenatide, liraglutide, pramlintide) should be held perioperatively"
    assert held in (CORPUS / "guidelines-ngc" / "ngc-10503.xml").read_text(encoding="utf-8")
    assert facets(held, frozenset()).values["care setting"] == {"surgery"}
    assert asked_facets("Should I stop taking my Saxenda before my surgery?").values["care setting"] == {"surgery"}
    assert not asked_facets("Is saxenda a glp1 blocker as well?").values["care setting"]
    treatment = "Surgery is the most common treatment for adult soft tissue sarcoma."
    assert treatment in (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").read_text(encoding="utf-8")
    assert not facets(treatment, frozenset()).values["care setting"]
    assert conflicts(asked_facets("outpatient management of type 2 diabetes"), facets(held, frozenset())) == ["care setting"]
    assert conflicts(asked_facets("hospitalized patient on liraglutide"), facets(held, frozenset())) == []


def test_a_question_about_a_pregnancy_is_answered_by_what_is_said_of_pregnancy(built_index):
    """A drug's benefit or a baby's weaning, said of no pregnancy, speaks of other patients than a
    pregnant asker ("trastuzumab extends survival ... the HERA trial" to "can trastuzumab be given
    during pregnancy?", judged so in session 24): when a statement kept speaks of pregnancy, in a
    group's words or by a disease of pregnancy, the answer holds those only."""
    from medora.answer.applicability import populations

    settings, index = built_index
    answer = ask("should I avoid peanuts and eggs while pregnant so my baby doesn't get food allergies?", index, settings)
    said = all_statements(answer)
    assert said and all("pregnancy" in populations(f"{index.document(s.doc_id).title} {s.text}") for s in said)
    assert not any(s.text.startswith("No special dietary restrictions after the age of 4 months") for s in said)


def test_a_disease_of_pregnancy_speaks_of_a_pregnancy():
    """"Women at increased risk for preeclampsia" are pregnant, whatever words say so (MeSH files
    preeclampsia under pregnancy complications); "women with epilepsy" need not be."""
    from conftest import CORPUS
    from medora.answer.applicability import names_pregnancy_disease
    from medora.index import vocabulary

    words = vocabulary.current()
    aspirin = "Low-dose aspirin use in women at increased risk for preeclampsia has not been shown to increase"
    assert aspirin in (CORPUS / "guidelines-ngc" / "ngc-10602.xml").read_text(encoding="utf-8")
    assert names_pregnancy_disease(aspirin, words)
    epilepsy = "Women with epilepsy should be informed that sodium valproate is associated with a higher rate"
    assert epilepsy in (CORPUS / "guidelines-ngc" / "ngc-10803.xml").read_text(encoding="utf-8")
    assert not names_pregnancy_disease(epilepsy, words)


def test_a_statement_shows_its_own_ratings_not_its_passages_first(built_index):
    """EAACI rates each recommendation of a passage in its own words ("... (Evidence level: II–III;
    Grade: C)"): each statement carries its own, the range whole, not the first one the passage states."""
    _, candidates = _candidates("should I avoid peanuts and eggs while pregnant so my baby doesn't get food allergies?",
                                built_index)
    own = {c.statement.text: c.statement.evidence for c in candidates if c.statement.doc_id == "ngc-10563"}
    mothers = next(e for t, e in own.items() if t.startswith("Dietary restrictions are not recommended"))
    weaning = next(e for t, e in own.items() if t.startswith("No special dietary restrictions after the age of 4 months"))
    assert (mothers["quality"], mothers["strength"]) == ("I–II", "B")
    assert (weaning["quality"], weaning["strength"]) == ("II–III", "C")


@pytest.mark.parametrize("name, text, named", [
    # Corpus titles: an English noun ending ...
    ("iron supplement", "WHO guideline: daily iron supplementation in infants and children.", True),
    ("iron supplement", "Screening for iron deficiency anemia in young children: USPSTF recommendation statement.",
     False),
    # ... and a Greek letter written as names spell it.
    ("tnf alpha", "American Gastroenterological Association Institute guideline on the use of thiopurines, "
     "methotrexate, and anti–TNF-α biologic drugs for the induction and maintenance of remission in "
     "inflammatory Crohn's disease.", True),
    ("beta carotene", "Guideline for environmental cleaning.", False),
])
def test_a_name_is_found_however_its_words_are_written(name, text, named):
    assert about_condition([name], text) is named


def test_a_statement_that_points_back_is_shown_with_what_it_points_to(built_index):
    settings, index = built_index
    answer = ask("What is the recommended treatment approach for a patient with HER2-positive breast cancer?",
                 index, settings)
    pointing = [s for s in all_statements(answer) if s.text.startswith("This trial")]
    assert pointing, "the PDQ's 'This trial led to a change in the standard of care ...' sentence"
    for s in pointing:
        assert s.lead_in is not None and s.lead_in.passage_id.split("#")[0] == s.doc_id
        assert "trial" in s.lead_in.text.lower()


def test_a_passage_s_first_statement_pointing_back_is_shown_with_the_passage_before(tmp_path):
    """"In response to these findings ..., the USPSTF recommended that all average-risk women initiate
    screening at age 40 years" opens its passage of the PDQ breast screening summary: the findings are
    the last sentence of the passage before, under the same heading."""
    from medora.answer.compose import _last_sentence, _passage_before
    from medora.corpus import chunk_document, read_corpus
    from medora.errors import PassageNotFound
    from medora.settings import CorpusSettings

    url = "https://www.cancer.gov/types/breast/hp/breast-screening-pdq"
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        (tmp_path / "pdq_summaries.jsonl").write_text("".join(line for line in f if json.loads(line)["url"] == url))
    (doc,) = read_corpus([tmp_path], [])
    passages = {p.id: p for p in chunk_document(doc, CorpusSettings())}

    class Passages:  # the one lookup ``_passage_before`` makes of an index
        def passage(self, passage_id):
            if passage_id not in passages:
                raise PassageNotFound(passage_id)
            return passages[passage_id]

    opening = next(p for p in passages.values() if p.text.startswith("In response to these findings"))
    before = _passage_before(Passages())(opening)
    assert before is not None and before.section == opening.section
    context = _last_sentence(before)
    assert context is not None and context.passage_id == before.id
    assert before.text[context.span[0]:context.span[1]] == context.text
    assert "breast cancer deaths" in context.text


@pytest.mark.parametrize("item", [d for d in DEV if d["id"] in ("un-028", "un-030", "un-046")], ids=lambda d: d["id"])
def test_a_question_about_a_drug_no_source_mentions_is_not_answered_as_if_it_were(item, built_index):
    settings, index = built_index
    answer = ask(item["question"], index, settings)
    assert answer.status in ("partial", "not_found")
    assert any(term.lower() in " ".join(answer.missing).lower() for term in item["absent"])
    rendered = to_json(answer)
    assert rendered["status"] == answer.status and rendered["missing"] == list(answer.missing)


def test_off_topic_questions_are_not_found(built_index):
    settings, index = built_index
    for item in [d for d in DEV if d["set"] == "off_topic"][:4]:
        answer = ask(item["question"], index, settings)
        assert (answer.status, answer.abstained, answer.bottom_line) == ("not_found", True, ())
        assert answer.nearest  # the nearest sources are shown instead


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_audience_answers_or_says_not_found_never_fails(audience, built_index):
    """Patient questions of K-QA's kind, including ones that found nothing (an IndexError before)."""
    settings, index = built_index
    for question in ("Is it contagious?", "is it okay to take imodium long term?",
                     "Any thoughts on taking activated charcoal to help w stomach bug?"):
        answer = ask(question, index, settings, audience=audience)
        assert answer.status in ("answered", "partial", "not_found")
        assert answer.abstained == (answer.status == "not_found")


@pytest.mark.parametrize("text, alone", [
    # sentences as they stand in ../shared/corpus (ngc-10950, the PDQ breast summary, ngc-10075)
    ("The Task Force recommends not screening all other adults, regardless of age, smoking history or other "
     "risk factors, for lung cancer with low-dose CT.", False),
    ("This trial led to a change in the standard of care for patients with HER2-positive metastatic breast "
     "cancer, such that patients with prior taxane/trastuzumab therapy proceed to trastuzumab deruxtecan, "
     "rather than trastuzumab emtansine, for second-line therapy.", False),
    ("Clinicians should not routinely perform diagnostic imaging for patients with new-onset Bell's palsy.", True),
    # ... and sentences that send the reader to another text (GARD's ARDS page, an NGC summary)
    ("More detailed information about the treatment of ARDS can be accessed through the National Heart, Lung and "
     "Blood Institute (NHLBI) and Medscape Reference.", False),
    ("Screening for iron deficiency anemia in young children is addressed in a separate recommendation "
     "statement.", False),
    # (the PDQ myeloma summary)
    ("For information on watchful waiting versus immediate therapy for patients with asymptomatic smoldering "
     "myeloma, see the Asymptomatic Plasma Cell Neoplasms (Smoldering Multiple Myeloma) section.", False),
    # (the PDQ BRCA summary, its link read as its text: the bottom line of seed-2028's "PARP inhibitors ... without BRCA-mutation" answer)
    ("(Refer to the Systemic therapy with PARP inhibitors for ovarian cancer section for more information about "
     "PARP inhibitors.)", False),
    # ... and a demonstrative among the first words (NCI's abiraterone news page, the PDQ breast screening summary)
    ("On the basis of these results, the Food and Drug Administration (FDA) approved abiraterone in April 2011 for "
     "men with metastatic castration-resistant prostate cancer that has previously been treated with a "
     "chemotherapy regimen containing docetaxel.", False),
    ("In response to these findings and to address inequities in breast cancer outcomes, the USPSTF recommended "
     "that all average-risk women initiate screening at age 40 years (instead of at age 50 years, as previously "
     "recommended) and be screened every 2 years until age 74 years.", False),
    ("A bundle of measures should be in place to reduce surgical site infection.", True),
])
def test_a_statement_leaning_on_a_sentence_it_does_not_carry_does_not_stand_alone(text, alone):
    from medora.types import Statement

    assert stands_alone(Statement(text=text, passage_id="p", doc_id="d", span=(0, len(text)))) is alone


def test_untreated_patients_are_first_line():
    from medora.answer.evidence import prior_lines

    # PDQ non-small cell lung cancer summary, FLAURA2
    assert prior_lines("Patients had not previously received treatment for advanced disease.") == "First-line"
    assert prior_lines("patients previously treated with trastuzumab and a taxane") == "Second-line"
    # PDQ non-small cell lung cancer summary, MARIPOSA-2; a question asking about untreated patients
    assert prior_lines("Patients had disease progression after receiving prior osimertinib.") == "Second-line"
    # PDQ bladder and cervical cancer summaries: drug treatment had, named by its kind; not radiation (late effects)
    assert prior_lines("The FDA approved erdafitinib for patients with urothelial carcinoma and a variant in one of the "
                       "four *FGFR* genes and disease that has progressed after prior chemotherapy.") == "Second-line"
    assert prior_lines("Patients had metastatic or recurrent cervical cancer (squamous cell, adenocarcinoma, or "
                       "adenosquamous histology) with measurable disease after prior systemic therapy") == "Second-line"
    assert prior_lines("A PENTEC analysis of CNS SNs included 32 published studies of 1,035 subsequent meningiomas "
                       "after previous radiation therapy in childhood cancer survivors.") is None
    from medora.answer.evidence import stated_line
    assert stated_line("amivantamab plus lazertinib in untreated EGFR mutation-positive stage IV NSCLC?") == "First-line"


@pytest.mark.parametrize("a, b, apart", [
    ("osmiertinib", "osimertinib", True),  # two neighbours swapped (an ASCO question's spelling)
    ("trastuzmab", "trastuzumab", True),  # a letter dropped
    ("vuity", "unity", False),  # two changes: a product absent from the corpus stays absent
    ("pertuzumab", "trastuzumab", False),
])
def test_one_typing_slip(a, b, apart):
    from medora.index.lexical_tantivy import one_edit_apart

    assert one_edit_apart(a, b) is apart


@pytest.mark.parametrize("names, context, about", [
    # The course is an axis of its own: "cholecystitis" in a gallstone guideline is about acute cholecystitis.
    (("acute cholecystitis",), "Evaluation and management of gallstone-related diseases\nthe diagnosis of cholecystitis", True),
    # A statement about the type covers its subtypes, not a sibling type.
    (("men2a",), "Multiple Endocrine Neoplasia Type 2 (MEN2) (PDQ®)", True),
    (("multiple endocrine neoplasia type 2a",), "Multiple Endocrine Neoplasia Type 2 (MEN2)", True),
    (("type 2 diabetes",), "adults with type 1 diabetes", False),
    # The adjective a text writes for the condition's noun (ngc-11253, ngc-10213).
    (("hypercapnia",), "acutely ill patients not at risk of hypercapnic respiratory failure", True),
    (("cirrhosis",), "Peptic ulcers are also more frequent in cirrhotics.", True),
    (("hypercapnia",), "acutely ill patients with hypoxaemia", False),
    # ... and the noun for the adjective a question writes (ngc-10831).
    (("tocolytic",), "Offer nifedipine for tocolysis³ to women between 26⁺⁰ and 33⁺⁶ weeks", True),
    (("cirrhotic",), "Peptic ulcers are also more frequent in patients with cirrhosis.", True),
])
def test_about_condition_reads_course_and_subtype_as_parts_of_a_name(names, context, about):
    assert about_condition(names, context) is about


def test_a_question_naming_no_group_is_about_adults_unless_its_best_source_is_for_one_group():
    title = "Childhood Melanoma Treatment (PDQ®)–Health Professional Version"
    assert other_population("treatment of melanoma", title)
    assert not other_population("treatment of melanoma", title, assume_adults=False)
    assert not other_population("melanoma in a toddler", title)


def test_a_best_source_for_one_group_speaks_for_the_question_unless_one_for_everyone_is_on_its_condition():
    # Titles of the corpus: NCI PDQ's childhood ALL summary, ngc-10925 (Program in Evidence-based Care),
    # ngc-9635 (toxoplasmosis in pregnancy) and ngc-10001.
    childhood = "Childhood Acute Lymphoblastic Leukemia Treatment (PDQ®)–Health Professional Version"
    for_everyone = "Stem cell transplantation in the treatment of acute lymphoblastic leukemia."
    all_names = [("acute lymphoblastic leukemia", "lymphoblastic leukemia, acute")]
    question = "Should patients with newly diagnosed B-cell ALL have allogeneic stem cell transplantation?"
    assert asks_of_its_group(question, [childhood], all_names)
    assert not asks_of_its_group(question, [childhood, for_everyone], all_names)
    assert asks_of_its_group("Should children with ALL have a transplant?", [childhood, for_everyone], all_names) is False
    # A source for everyone on another condition the question names leaves the group's source speaking.
    toxoplasmosis = "Toxoplasmosis in pregnancy: prevention, screening, and treatment."
    cytomegalovirus = "Management of cytomegalovirus infection in haemopoietic stem cell transplantation."
    assert asks_of_its_group("tx once fetal toxo infection confirmed on amnio PCR?", [toxoplasmosis, cytomegalovirus],
                             [("infection",)])


def test_without_the_fitted_bar_statements_speak_to_what_is_asked_in_their_own_words(built_index):
    """The ratio bar (an index without the fitted bar, or ``answer.statement_bar`` off): a statement's
    heading or guideline does not make it answer the question: its own words must share what the
    question asks about its patients (not the condition, which applicability checks)."""
    base, index = built_index
    ratio_bar = base.model_copy(update={"answer": base.answer.model_copy(update={"statement_bar": False})})
    settings = ratio_bar.answer
    checked = 0
    for question in SLICE_QUESTIONS:
        answer = ask(question, index, ratio_bar)
        if answer.abstained:
            continue
        query = analyse(question)
        asked = _asked_about(query, concept_weights(query))
        if max(asked.values()) <= GENERIC_WEIGHT:
            continue  # a broad question asks for the whole picture
        def own(s):
            return relevance(f"{s.lead_in.text if s.lead_in else ''} {s.text}", asked)
        quoted = [s for sec in answer.sections if sec.title not in ("Harms and safety", "Common pitfalls and caveats")
                  for s in sec.statements] + list(answer.bottom_line)
        best = max(own(s) for s in quoted)
        assert all(own(s) >= settings.min_own_match_ratio * best for s in quoted), question
        # A statement shown as another's lead-in is quoted there, not again on its own: it still counts.
        quoted += [s.lead_in for s in quoted if s.lead_in]
        # The bottom line is ranked by the fitted model, own match first among its features: it
        # clears the same bar as every statement (checked above) and is never the weakest match.
        assert own(answer.bottom_line[0]) > min(own(s) for s in quoted) or len(quoted) == 1 \
            or own(answer.bottom_line[0]) == best, question
        checked += 1
    assert checked >= 10


def test_the_asked_patient_group_is_part_of_what_is_asked():
    # Applicability only turns away statements naming another group: one naming none passes, so
    # the group must still count in what a statement is weighed on. Adults are the default reader.
    pregnancy = analyse("can trastuzumab be given during pregnancy?")
    assert set(stems("pregnancy")) <= set(_asked_about(pregnancy, concept_weights(pregnancy)))
    adults = analyse("which statin dose for adults with diabetes?")
    assert not set(stems("adults")) & set(_asked_about(adults, concept_weights(adults)))


# -- the question's concepts: other names of what it names (vocabulary and abbreviations) --------


def test_a_drug_s_other_names_match_as_the_question_s_own_word():
    concepts = concept_weights(analyse("Is Depakote riskier in pregnancy?"))
    assert relevance("sodium valproate in pregnancy", concepts) == relevance("Depakote in pregnancy", concepts)
    assert relevance("valproate sodium", concepts) > relevance("sodium", concepts)


def test_another_name_counts_only_with_all_its_words():
    concepts = concept_weights(analyse("What if she has brain metastases?"))
    assert relevance("brain tumors", concepts) == relevance("brain metastases", concepts) > 0
    assert relevance("tumors", concepts) == 0.0


def test_an_abbreviation_s_long_form_in_the_question_is_one_concept_not_six_words():
    concepts = concept_weights(analyse("Treatment for HER2 (Human Epidermal growth factor Receptor 2) positive "
                                       "breast cancer?"))
    assert {"growth", "factor", "receptor", "epidermal"}.isdisjoint(concepts)
    assert relevance("human epidermal growth factor receptor 2", concepts) == relevance("HER2", concepts) > 0
    assert concept_weights(analyse("I'm on it and want help")).keys().isdisjoint({"i", "m"})


def test_a_question_about_metastases_is_about_metastatic_disease_a_statement_naming_them_need_not_be():
    assert facets("What if she has brain metastases?").stages == frozenset({4})
    assert facets("reduces the risk of distant metastases", frozenset({"breast"})).stages == frozenset()
    assert conflicts(facets("What if she has brain metastases?"), facets("Stages I, II, and III HER2-positive"))


def test_a_drug_the_corpus_mentions_but_no_statement_names_makes_the_answer_partial(built_index):
    from medora.answer.answerability import assess

    _, index = built_index
    query = analyse("Is trastuzumab used in HER2-positive breast cancer?")
    named = assess(query, ("Breast cancer\nTreatment\n\nTrastuzumab is given for one year.",), index)
    assert (named.status, named.missing) == ("answered", ())
    unnamed = assess(query, ("Breast cancer\nTreatment\n\nSurgery is the first treatment.",), index)
    assert (unnamed.status, unnamed.missing) == ("partial", ("No statement found speaks of trastuzumab.",))
    assert assess(query, (), index).status == "not_found"
    # Once the answer names one asked drug, the others may be the patient's history: not flagged.
    after = analyse("What next after trastuzumab and pertuzumab in HER2-positive breast cancer?")
    assert assess(after, ("Breast cancer\nTreatment\n\nTrastuzumab is given for one year.",), index).status == "answered"
    # A drug the patients have had is their history: an answer naming none of it is not partial for it.
    had = analyse("HER2-positive breast cancer previously treated with T-DM1: what next?")
    assert assess(had, ("Breast cancer\nTreatment\n\nTrastuzumab is given for one year.",), index).status == "answered"


def _medquad_sentence(focus: str, *words: str) -> str:
    """The first sentence of a MedQuAD answer on ``focus`` holding every one of ``words``."""
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        for row in map(json.loads, f):
            if row["focus"] == focus:
                for sentence in row["answer"].split(". "):
                    if all(w in sentence for w in words):
                        return sentence
    raise LookupError(focus)


def test_a_name_typed_in_capitals_that_no_passage_holds_is_missing(built_index):
    """Seed-2030 sample, held-out un-041 ("my Apple Watch keeps saying I might have afib ..."): both judges
    found the answer, NICE's pulse palpation for people with symptoms, answered anyway. Each word of
    the name is in the corpus; the name is not."""
    from medora.answer.answerability import proper_names

    settings, index = built_index
    answer = ask("my Apple Watch keeps saying I might have afib, do I need to get checked?", index, settings)
    assert answer.status in ("partial", "not_found")
    assert "No source in the corpus mentions Apple Watch." in answer.missing
    # A name the slice holds is no missing subject; a question in title case names nothing by its capitals.
    asco = ask("What does the American Society of Clinical Oncology recommend for HER2-positive breast cancer?",
               index, settings)
    assert not [m for m in asco.missing if "Society" in m or "Oncology" in m]
    assert proper_names("Does Low Thyroid Contribute To Weight Gain?") == ()


def test_a_question_whether_it_spreads_answered_by_no_statement_saying_so_is_partial(built_index):
    """Seed-2027 sample, K-QA "Is poison ivy contagious between people?": both judges found the answer, "If you spend
    time outdoors, chances are you have been bothered by poison ivy ...", answered anyway. A statement saying
    whether it passes from one person to another answers (MedlinePlus on Behcet's disease says so)."""
    from medora.answer.answerability import assess

    _, index = built_index
    query = analyse("Is poison ivy contagious between people?")
    outdoors = _medquad_sentence("Poison Ivy, Oak and Sumac", "If you spend time outdoors")
    spread = _medquad_sentence("Behcet's disease", "not contagious")
    lacks = "passes from one person to another"
    assert any(lacks in m for m in assess(query, (f"Poison Ivy, Oak and Sumac\n\n\n{outdoors}",), index).missing)
    assert not any(lacks in m for m in assess(query, (f"Behcet's disease\n\n\n{spread}",), index).missing)
    # Other question types are not asked whether it spreads.
    assert not any(lacks in m for m in assess(analyse("What is poison ivy?"), (f"Poison Ivy, Oak and Sumac\n\n\n{outdoors}",),
                                              index).missing)


def test_an_answer_naming_no_marker_the_question_names_by_symbol_is_partial(built_index):
    """"restricted to patients with a high Ki-67 score?" asks whether the marker decides: an answer on
    the drug naming no Ki-67 says partial; "Ki67" names it; TNM categories are no markers. (The
    questions are ASCO guideline questions, ``../shared/eval/asco-guideline-qa``.)"""
    from medora.answer.answerability import assess, marker_symbols

    _, index = built_index
    with (CORPUS / "nci-pdq" / "nci_treatment_and_drug_pages.jsonl").open(encoding="utf-8") as f:
        page = next(row["text"] for row in map(json.loads, f) if row["url"].endswith("/drugs/abemaciclib"))
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        marker = next(s for row in map(json.loads, f) for s in row["text"].split(". ")
                      if "cells expressing Ki-67" in s)
    works = next(s for s in page.split(". ") if "Abemaciclib works by" in s)
    query = analyse("Is the use of abemaciclib restricted to patients with a high Ki-67 score?")
    assert marker_symbols(query) == ("Ki-67",)
    assert "No statement found speaks of Ki-67." in assess(query, (f"Abemaciclib\n{works}",), index).missing
    assert "No statement found speaks of Ki-67." not in assess(query, (f"Abemaciclib\n{works}",
                                                                        marker.replace("Ki-67", "Ki67")), index).missing
    assert marker_symbols(analyse("What surgical approach is recommended for T3-T4 parotid cancers?")) == ()
    assert marker_symbols(analyse("What is the recommended therapy for stage IV NSCLC with PD-L1 TPS of 0?")) == ("PD-L1",)
    # "PD-L1-negative" says who the patients are (applicability reads it), "progressed on AI+CDK4/6" what
    # they have had: neither is what is asked about them.
    assert marker_symbols(analyse("What is the preferred treatment for triple-negative, PD-L1-negative metastatic "
                                  "breast cancer?")) == ()
    assert marker_symbols(analyse("A 49-year-old woman with HER2− metastatic breast cancer progressed on AI+CDK4/6 "
                                  "and fulvestrant; should she receive single-agent chemotherapy?")) == ()


def test_an_answer_naming_no_child_or_pregnancy_the_question_names_is_partial(built_index):
    from medora.answer.answerability import assess

    _, index = built_index
    general = f"Ulcerative Colitis\n{_medquad_sentence('Ulcerative Colitis', 'treats ulcerative colitis with')}"
    pregnant = f"Over-the-Counter Medicines\n{_medquad_sentence('Over-the-Counter Medicines', 'pregnant')}"
    query = analyse("What medications are contraindicated for a pregnant woman with ulcerative colitis?")
    verdict = assess(query, (general,), index)
    assert (verdict.status, verdict.missing) == ("partial", ("No statement found speaks of pregnancy or breastfeeding.",))
    assert assess(query, (general, pregnant), index).status == "answered"
    # Breastfeeding counts as pregnancy does; "the baby" of a pregnant patient is not the patient.
    lacks = "No statement found speaks of pregnancy or breastfeeding."
    assert lacks in assess(analyse("Any issues taking oral steroids while breastfeeding?"), (general,), index).missing
    baby = assess(analyse("I'm on valproate and want to get pregnant - is it riskier for the baby?"), (pregnant,), index)
    assert not [m for m in baby.missing if "children" in m or "pregnancy" in m]
    assert "No statement found speaks of children." in assess(analyse("my 14yo has ulcerative colitis, which medications?"),
                                                               (general,), index).missing
    # A statement naming the children's age names them: "Screening, usually at age 6 months, ..."
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(row["text"] for row in map(json.loads, f) if row["url"].endswith("/neuroblastoma-screening-pdq"))
    at_age = next(s for s in text.split(". ") if "usually at age 6 months" in s)
    infants = analyse("Is urine screening of infants for neuroblastoma worthwhile?")
    assert not [m for m in assess(infants, (f"Neuroblastoma Screening\n{at_age}",), index).missing if "children" in m]
    # Adults' groups (older adults, women) are treated as adults are: a statement naming none applies.
    assert assess(analyse("Ulcerative colitis medications for a 75-year-old woman?"), (general,), index).status == "answered"


def test_a_definition_question_answered_by_no_statement_saying_what_it_is_is_partial(built_index):
    """"What is X?" asks what it is: statements that only mention it, or open with its name without
    saying what it is, leave it unanswered. Sentences from the corpus's MedlinePlus page."""
    from medora.answer.answerability import assess, says_what_it_is

    _, index = built_index
    defined = _medquad_sentence("Ulcerative Colitis", "is a disease that causes inflammation")
    mentioned = _medquad_sentence("Ulcerative Colitis", "A health care provider diagnoses ulcerative colitis")
    query = analyse("What is ulcerative colitis?")
    lacks = "No statement found says what ulcerative colitis is."
    assert assess(query, (f"Ulcerative Colitis\n{mentioned}",), index).missing == (lacks,)
    assert assess(query, (f"Ulcerative Colitis\n{mentioned}", f"Ulcerative Colitis\n{defined}"), index).status == "answered"
    assert says_what_it_is(defined, ("ulcerative colitis",))
    assert not says_what_it_is(_medquad_sentence("Ulcerative Colitis", "The exact cause of ulcerative colitis"),
                               ("ulcerative colitis",))
    # Other question types are not asked what it is.
    assert lacks not in assess(analyse("How is ulcerative colitis treated?"), (f"Ulcerative Colitis\n{mentioned}",),
                               index).missing


def test_a_definition_question_naming_a_stage_asks_what_that_stage_is():
    """"What is stage 0 testicular cancer?" was led by "Testicular cancer can recur (come back) after it has
    been treated" (seed-2028 sample): a sentence opening with the disease's name defines the stage asked only
    when it names the stage, as the PDQ summary's "Stage 0 testicular cancer is testicular intraepithelial
    neoplasia (TIN), also referred to as ..." does, naming it by its other name."""
    from medora.answer.answerability import defines, says_what_it_is
    from medora.answer.applicability import stage_named

    stage0 = _sentence_in("nci-pdq/pdq_summaries.jsonl", "Stage 0 testicular cancer is testicular intraepithelial")
    recurs = _sentence_in("nci-pdq/nci_cancer_type_pages.jsonl", "Testicular cancer can recur (come back)")
    stage = stage_named("what is stage 0 testicular cancer")
    assert stage == "stage 0" and stage_named("what is testicular cancer") == ""
    assert defines(stage0, (f"{stage} testicular cancer",)) and says_what_it_is(stage0, (f"{stage} testicular cancer",))
    assert defines(recurs, ("testicular cancer",)) and not defines(recurs, (f"{stage} testicular cancer",))
    assert not says_what_it_is(recurs, ("testicular cancer",))


def test_a_drug_named_as_one_of_a_kind_is_said_to_be_of_that_kind(built_index):
    """"What is Valtrex?" was partial though MedlinePlus says "These antiviral medicines include acyclovir,
    valacyclovir, or famcyclovir": naming a drug among the members of a kind (Hearst's "such as",
    "include", "are examples of") says what it is. A symptom among a disease's features is not defined
    so ("Other features can include drooling")."""
    from medora.answer.answerability import assess, names_its_kind

    _, index = built_index
    antivirals = _medquad_sentence("Shingles", "antiviral medicines include acyclovir")
    relievers = _medquad_sentence("Premenstrual Syndrome", "pain relievers such as ibuprofen")
    features = _medquad_sentence("Troyer syndrome", "Other features can include drooling")
    assert names_its_kind(antivirals, ("valacyclovir",)) and names_its_kind(relievers, ("naproxen",))
    assert not names_its_kind(antivirals, ("pain",))  # named after the list, not in it
    assert names_its_kind(features, ("drooling",))  # the pattern holds; only a drug is defined by it
    rhythm = _medquad_sentence("Atrial Fibrillation", "Medicines used to control the heart rhythm include")
    assert assess(analyse("What is flecainide?"), (f"Atrial Fibrillation\n{rhythm}",), index).status == "answered"
    lacks = assess(analyse("What is atrial fibrillation?"), (f"Atrial Fibrillation\n{rhythm}",), index)
    assert lacks.missing == ("No statement found says what atrial fibrillation is.",)


def test_advice_to_take_a_drug_of_a_kind_does_not_say_what_the_drug_is():
    """"Since I took Fioricet, can I take ibuprofen?" was led by sickle-cell crisis advice naming
    ibuprofen's kind (seed-2034 sample): advice is said to its page's patients, though it names the kind."""
    from medora.answer.answerability import says_what_the_drug_is

    crisis = _medquad_sentence("Sickle Cell Disease", "most doctors will advise", "ibuprofen")
    antivirals = _medquad_sentence("Shingles", "antiviral medicines include acyclovir")
    assert not says_what_the_drug_is(crisis, ("ibuprofen",))
    assert says_what_the_drug_is(antivirals, ("valacyclovir",))


def test_people_taking_a_drug_are_those_taking_the_first_one_named():
    """"Is Buspar a good medicine to take with the Zoloft?" was led by "Antidepressants that doctors may
    recommend for people taking tamoxifen include sertraline ..." (seed-2035 sample)."""
    from medora.answer.answerability import speaks_of_its_takers

    with (CORPUS / "nci-pdq" / "nci_cancer_type_pages.jsonl").open(encoding="utf-8") as f:
        text = next(row["text"] for row in map(json.loads, f) if "for people taking tamoxifen include" in row["text"])
    tamoxifen = next(s for s in text.split(". ") if "for people taking tamoxifen include" in s)
    assert not speaks_of_its_takers(tamoxifen, ("sertraline", "zoloft"))
    assert speaks_of_its_takers(tamoxifen, ("tamoxifen",))


def test_an_answer_naming_no_gene_the_question_tests_for_is_partial(built_index):
    from medora.answer.answerability import assess
    from medora.answer.evidence import tested_genes

    _, index = built_index
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(row["text"] for row in map(json.loads, f) if row["url"].endswith("/breast/hp/breast-treatment-pdq"))
    sentences = [s.strip() for s in text.split(". ")]
    naming = next(s for s in sentences if s.startswith("*ESR1* variants result in"))
    other = next(s for s in sentences if "tamoxifen" in s and "ESR1" not in s)
    query = analyse("Should ESR1 testing be performed in metastatic breast cancer?")
    assert assess(query, (f"Breast cancer\n{naming}",), index).status == "answered"
    verdict = assess(query, (f"Breast cancer\n{other}",), index)
    assert (verdict.status, verdict.missing) == ("partial", ("No statement found speaks of ESR1.",))
    # Genes and their proteins are numbered; "HIV test" names a test, not a tumour's marker.
    assert tested_genes("Should CLDN18.2 testing be performed on the biopsy?") == {"CLDN18.2"}
    assert tested_genes("What are the best practices for distinguishing HER2 IHC 0 from 1+?") == {"HER2"}
    assert tested_genes("testing for ESR1 mutations") == {"ESR1"}
    assert tested_genes("monitoring labs on PrEP - how often HIV test and renal function") == frozenset()


def test_a_sentence_announcing_a_list_it_does_not_carry_does_not_stand_alone():
    from medora.answer.compose import points_forward

    # The lead-in of the symptom tables on the corpus's rare-disease pages, as the corpus writes it.
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        answer = next(json.loads(line)["answer"] for line in f if "The Human Phenotype Ontology provides" in line)
    sentence = answer[answer.index("The Human Phenotype Ontology provides"):].split(". ")[0] + "."
    assert points_forward(sentence)
    assert points_forward("Risk factors include the following:")
    assert not points_forward("Treatment options include:\n\n1. Surgery.")
    assert not points_forward("Vaccinate household contacts with the following vaccines: measles, mumps and rubella.")
    assert not points_forward("Patients with stage I disease below age 50 should be offered surgery.")


def test_letters_and_digits_are_one_word_with_or_without_the_hyphen():
    from medora.answer.evidence import stems

    assert stems("GLP-1 receptor") == stems("glp1 receptor")
    assert {"glp", "1"} <= set(analyse("Is saxenda a glp1 agonist?").lexical_query().split())
    assert "her" not in analyse("HER2 positive").lexical_query().split()  # a stop word stays out


def test_the_fitted_statement_bar_names_every_feature_it_weighs():
    from medora.answer.compose import STATEMENT_BAR_FEATURES, statement_bar_model

    weights, bias, threshold, floor = statement_bar_model()
    assert len(weights) == len(STATEMENT_BAR_FEATURES) and all(isinstance(w, float) for w in weights)
    assert isinstance(bias, float) and isinstance(threshold, float) and floor < threshold


def test_particular_questions_keep_what_the_fitted_bar_finds_likely_useful(built_index):
    """A particular question keeps the statements whose odds clear the fitted threshold, and always
    its likeliest one; its features are all in 0..1. A broad question keeps the whole picture."""
    from medora.answer import compose as composition

    settings, index = built_index
    weights, bias, threshold, floor = composition.statement_bar_model()
    seen: list[tuple[int, list[float]]] = []
    useful = composition._useful

    def observe(chosen, answer_settings, query, focus, safety, found=False, own=None):
        rows = composition.statement_bar_features(chosen, focus, query, answer_settings.bottom_line_match_ratio, safety)
        assert all(0.0 <= x <= 1.0 for row in rows for x in row)
        kept = useful(chosen, answer_settings, query, focus, safety, found=found, own=own)
        odds = {id(c): bias + sum(w * x for w, x in zip(weights, row)) for c, row in zip(chosen, rows)}
        likeliest = max(odds.values())
        assert all(odds[id(c)] >= threshold or odds[id(c)] == likeliest for c in kept)
        # nothing likely useful: the answer says not found, unless a heading for the asked patients was found;
        # so too, to a reader asking of their own, when the likeliest is below the bar on a page about another
        assert not kept or likeliest >= floor or found
        assert kept or likeliest < floor or (own is not None and likeliest < threshold)
        seen.append((len(kept), sorted(odds.values())))
        return kept

    composition._useful = observe
    try:
        for question in SLICE_QUESTIONS:
            ask(question, index, settings)
    finally:
        composition._useful = useful
    assert len(seen) >= 10  # most slice questions ask something particular
    assert len({n for n, _ in seen}) > 1  # as many statements as clear the bar, not a fixed number
    broad = ask("What is the recommended treatment approach for a patient with HER2-positive breast cancer?",
                index, settings)
    assert len(all_statements(broad)) >= 10


def test_a_course_inside_an_abbreviation_s_long_form_names_the_disease_not_the_patient():
    # "acute exacerbations of COPD" (ngc-10698's wording) applies to a question about a COPD patient;
    # an abbreviation's long form still says where an infection was acquired.
    copd = asked_facets("COPD pt still exacerbating on triple inhalers", [("COPD", "chronic obstructive pulmonary disease")])
    assert not copd.values["course"]
    assert conflicts(copd, facets("in acute exacerbations of COPD", frozenset({"copd"}))) == []
    assert asked_facets("chronic low back pain").values["course"] == {"chronic"}
    cap = asked_facets("antibiotics for CAP", [("CAP", "community-acquired pneumonia")])
    assert cap.values["where the infection was acquired"] == {"community"}


@pytest.mark.parametrize("question", [
    "my mom was just told she has atrial fibrillation - what is that?",
    "they said my dad had a heart attack, what does that mean?",
])
def test_a_definition_question_is_answered_with_what_its_subject_is_not_with_the_story_around_it(question, built_index):
    settings, index = built_index
    answer = ask(question, index, settings, audience="patient_caregiver")
    assert answer.question_type == "definition" and answer.bottom_line
    first = answer.bottom_line[0].text.lower()
    name = "atrial fibrillation" if "fibrillation" in question else "heart attack"
    assert first.startswith(name) or f"{name} (" in first[:60] or first.startswith(("a ", "an ")), first


def test_an_unknown_word_is_missing_from_the_corpus_only_when_it_reads_as_a_name(built_index):
    """A word no document holds is a missing subject when typed as a name (capital, digit, or
    ``NAME_LETTERS`` long), not when it is short lower-case shorthand ("28 weeker", "e-cigs")."""
    from medora.answer.answerability import assess, reads_as_name

    _, index = built_index
    context = ("Breast cancer\nTreatment\n\nTrastuzumab is given for one year.",)
    assert assess(analyse("Is trastuzumab used in HER2-positive breast cancer in a preggo?"), context,
                  index).status == "answered"
    for name in ("Zorbix", "zorblatinib"):
        verdict = assess(analyse(f"Is trastuzumab used with {name} in HER2-positive breast cancer?"), context, index)
        assert (verdict.status, verdict.missing) == ("partial", (f"No source in the corpus mentions {name.lower()}.",))
    assert [reads_as_name(t, q) for t, q in [("weeker", "a 28 weeker"), ("e-cigs", "vaping / e-cigs"),
                                             ("vuity", "what are Vuity eye drops"), ("p-tau217", "p-tau217 test")]] \
        == [False, False, True, True]
    # K-QA: two common words typed without a space are no name the corpus lacks ("after already gettingit").
    assert [reads_as_name(t, q) for t, q in [("gettingit", "unlikely to get pink eye after already gettingit"),
                                             ("upwith", "Can it clear upWith antibiotics"),
                                             ("opill", "can I buy Opill birth control pills"),
                                             ("elderberry", "does elderberry syrup help")]] == [False, False, True, True]


def _medquad(focus: set[str]) -> list[dict]:
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        return [r for r in map(json.loads, f) if r["focus"] in focus]


def test_a_page_on_the_broader_condition_speaks_of_its_kinds_but_not_in_sentences_naming_another():
    """MeSH places tinea capitis under tinea and under infections: the MedlinePlus page "Tinea
    Infections" is a page on a broader condition for a tinea capitis question; "Lung Cancer" is no
    page on breast cancer's broader condition. On that page a sentence naming athlete's foot (MeSH
    tinea pedis, another kind of tinea) is not about tinea capitis; one naming no kind is."""
    from medora.answer.applicability import asked_trees, class_page, names_another_kind
    from medora.index import vocabulary

    words = vocabulary.current()
    (page,) = _medquad({"Tinea Infections"})
    assert page["focus"] == "Tinea Infections"
    capitis = asked_trees([("tinea capitis",)], words)
    broader = class_page(page["focus"], capitis, words)
    assert broader
    assert not class_page("Lung Cancer", asked_trees([("breast cancer",)], words), words)
    assert not class_page("Tinea Infections", asked_trees([("hypertension",)], words), words)
    sentences = page["answer"].split(". ")
    athlete = next(s for s in sentences if "Athlete's foot causes" in s)
    touching = next(s for s in sentences if s.startswith("You can get them by touching"))
    assert names_another_kind(athlete, broader, capitis, words)
    assert not names_another_kind(touching, broader, capitis, words)



def _nsclc_summary_sentence(opening: str) -> str:
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        text = next(row["text"] for row in map(json.loads, f) if row["url"].endswith("/non-small-cell-lung-treatment-pdq"))
    start = text.index(opening)
    return text[start:text.index(". ", start) + 1]


def test_a_statement_on_other_levels_of_the_asked_marker_or_the_non_histology_does_not_apply():
    """A question giving a marker's level ("PD-L1 expression 32%", "TPS of 0") is about none of the
    patients of a statement restricted to levels excluding it ("PD-L1 (>50% by immunohistochemistry)");
    "nonsquamous" written as one word is not "squamous"."""
    from medora.answer.evidence import contradicts_marker_level

    high = _nsclc_summary_sentence("Patients with tumors expressing PD-L1 (>50%")
    any_level = _nsclc_summary_sentence("The FDA also approved pembrolizumab as a first-line monotherapy")
    nonsquamous = _nsclc_summary_sentence("The addition of pembrolizumab to carboplatin-plus-pemetrexed")
    tps_in_trial = _nsclc_summary_sentence("In the PD-L1 TPS ≥50% population")
    assert contradicts_marker_level("Pembrolizumab for stage IV NSCLC and PD-L1 expression 32%?", high)
    assert not contradicts_marker_level("Pembrolizumab for stage IV NSCLC and PD-L1 expression 32%?", any_level)
    assert contradicts_marker_level("What is the recommended therapy for stage IV NSCLC with PD-L1 TPS of 0?", any_level)
    assert contradicts_marker_level("Adjuvant therapy for NSCLC with PD-L1 TPS 10%?", tps_in_trial)
    assert not contradicts_marker_level("First-line treatment for stage IV NSCLC and PD-L1 TPS ≥50%?", high)
    assert not contradicts_marker_level("First-line treatment for stage IV NSCLC?", high)  # no level asked
    assert contradicts_negation("Pembrolizumab for stage IV squamous NSCLC?", nonsquamous)
    assert not contradicts_negation("Pembrolizumab for stage IV nonsquamous NSCLC?", nonsquamous)


def _sentence_in(path: str, opening: str) -> str:
    """The sentence of a corpus JSONL file (under the shared corpus) that begins with ``opening``, its
    Markdown links read as their text."""
    with (CORPUS / path).open(encoding="utf-8") as f:
        for line in f:
            if opening[:40] in line:
                for value in json.loads(line).values():
                    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", value) if isinstance(value, str) else ""
                    if opening in text:
                        start = text.index(opening)
                        end = re.compile(r"\.(?:\s|$)").search(text, start + len(opening))  # (or the text's last)
                        return text[start:end.start() + 1]
    raise AssertionError(f"not in {path}: {opening}")


def test_what_is_said_of_preventing_a_condition_is_not_said_of_patients_treated_for_it():
    """CAPP2's "decrease in colorectal cancer incidence" in Lynch syndrome is about people who do not have
    colorectal cancer: not an answer on aspirin in the treatment of colon cancer (MeSH places colon
    cancer under colorectal cancer). Aspirin after a diagnosis is; so is a drug that lowers the
    incidence of new primary cancers in women treated for a first one."""
    from medora.answer.applicability import about_preventing, asked_trees
    from medora.index import vocabulary

    words = vocabulary.current()
    colon = asked_trees([("colon cancer",)], words)
    capp2 = _sentence_in("nci-pdq/nci_cancer_type_pages.jsonl", "Conducted in the United Kingdom, the trial, dubbed CAPP2")
    after = _sentence_in("nci-pdq/pdq_summaries.jsonl", "Regular users of aspirin after a diagnosis of colorectal cancer")
    assert about_preventing(capp2, colon, words)
    assert not about_preventing(after, colon, words)
    second = _sentence_in("nci-pdq/pdq_summaries.jsonl", "In postmenopausal women treated with adjuvant tamoxifen for "
                          "hormone-sensitive breast cancer, subsequent therapy with AIs reduced the incidence")
    assert not about_preventing(second, asked_trees([("breast cancer",)], words), words)
    # ... and what prevents another condition says nothing of the asked one
    assert not about_preventing(capp2, asked_trees([("breast cancer",)], words), words)
    # What is said of people at risk of it is said of people who do not have it (seed-2027 sample, held-out
    # rb-046: screening for children at higher risk, in an answer on a child's Wilms tumor prognosis).
    wilms = asked_trees([("wilms tumor",)], words)
    at_risk = _sentence_in("nci-pdq/nci_cancer_type_pages.jsonl", "If your child has a higher risk of Wilms tumor")
    cured = _sentence_in("nci-pdq/nci_cancer_type_pages.jsonl", "Newly diagnosed Wilms tumor with")
    assert about_preventing(at_risk, wilms, words)
    assert not about_preventing(cured, wilms, words)
    # ... but not a risk of what befalls those who have it.
    recurrence = _sentence_in("nci-pdq/pdq_summaries.jsonl", "The study enrolled 994 patients with clear cell renal")
    assert "at high risk of recurrence" in recurrence
    assert not about_preventing(recurrence, asked_trees([("renal cell carcinoma",)], words), words)



def _line_in(path: str, opening: str) -> str:
    """The line of a corpus JSONL file's text that begins with ``opening``, Markdown links read as their text."""
    with (CORPUS / path).open(encoding="utf-8") as f:
        for row in f:
            if opening[:30] in row:
                for value in json.loads(row).values():
                    if isinstance(value, str):
                        for line in re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", value).splitlines():
                            if line.lstrip("- ").startswith(opening):
                                return line.lstrip("- ")
    raise AssertionError(f"not in {path}: {opening}")


def test_patients_not_frail_are_not_answered_by_what_is_said_of_unfit_ones():
    """The PDQ myeloma page sorts patients into "younger, fit" and "older, unfit" ones: a question about
    patients who are not frail conflicts with the second, not the first; one about frail patients the
    other way round; a question saying nothing of fitness with neither."""
    pages = "nci-pdq/nci_cancer_type_pages.jsonl"
    unfit = facets(_line_in(pages, "Older, unfit patients who are not eligible"), frozenset())
    fit = facets(_line_in(pages, "Younger, fit patients who are eligible"), frozenset())
    not_frail = asked_facets("For patients with multiple myeloma who are not a candidate for autologous stem cell "
                             "transplant, should quadruple therapy be still offered if patients are not frail?")
    assert conflicts(not_frail, unfit) == ["fitness"] and conflicts(not_frail, fit) == []
    frail = asked_facets("vitamin D dose for frail elderly to prevent fall injuries")
    assert conflicts(frail, fit) == ["fitness"] and conflicts(frail, unfit) == []
    assert conflicts(asked_facets("treatment of multiple myeloma"), unfit) == []


def test_what_is_said_of_people_without_the_asked_condition_or_of_it_as_a_risk_factor_is_not_about_its_patients():
    """Seed-2027 sample, K-QA "What is the best hypertension treatment for patients who are also diabetic?":
    the answer quoted the kidney-disease page's "... even in people with diabetes who did not have high blood
    pressure", and the Binswanger's disease page's "controlling risk factors such as hypertension, diabetes".
    The first speaks of people without the asked condition; the second of the disease those are risk factors
    of. A question may rule a disease out too ("without ..."), and a statement naming it is about others."""
    from medora.answer.applicability import (about_lacking, asked_trees, names_ruled_out, ruled_out_diseases,
                                             without_risk_factors)
    from medora.index import vocabulary

    words = vocabulary.current()
    pages = "patient-education-medquad/medquad_with_answers.jsonl"
    normotensive = _sentence_in(pages, "ACE inhibitors have lowered proteinuria and slowed deterioration even")
    hypertension = asked_trees([("hypertension",)], words)
    assert about_lacking(normotensive, hypertension, words)
    assert not about_lacking(normotensive, asked_trees([("diabetes mellitus",)], words), words)
    # (population phrases, no claims) "with or without" is either way
    diabetes = asked_trees([("diabetes mellitus",)], words)
    assert about_lacking("adults without diabetes mellitus", diabetes, words)
    assert not about_lacking("adults with or without diabetes mellitus", diabetes, words)
    risk_factors = _sentence_in(pages, "Because there is no cure, the best treatment is preventive")
    assert about_condition(("hypertension",), risk_factors)
    assert not about_condition(("hypertension",), without_risk_factors(risk_factors))
    ruled_out = ruled_out_diseases("treatment of dementia without hypertension?", words)
    assert names_ruled_out(risk_factors, ruled_out, words)
    assert not names_ruled_out(normotensive, ruled_out, words)  # its people do not have it either
    assert not names_ruled_out(risk_factors, ruled_out_diseases("treatment of dementia?", words), words)


def test_an_abbreviation_read_in_full_names_a_condition_only_as_its_head():
    """ASCO "... recurrent ovarian cancer without BRCA-mutation or HRD-positivity": BRCA read in full is a
    "breast cancer susceptibility gene" (the PDQ BRCA summary's words), a gene named after a cancer, and
    the question's patients have no breast cancer; nor do "PD-L1 TPS >=50%" patients have a "tumor" for
    being scored by the "tumor proportion score" (ngc-11310). CAP read in full is a pneumonia. And
    "non-small-cell lung cancer", as that guideline's title writes it, names the vocabulary's "nonsmall
    cell lung cancer"."""
    from medora.answer.answerability import condition_names
    from medora.query import analyse

    mined = {"brca": ["breast cancer susceptibility gene"], "tps": ["tumor proportion score"],
             "cap": ["community-acquired pneumonia"]}
    ovarian = condition_names(analyse("What is the effect of PARP inhibitors in recurrent ovarian cancer without "
                                      "BRCA-mutation or HRD-positivity?", mined))
    assert any("ovarian cancer" in names for names in ovarian)
    assert not any("breast cancer" in names for names in ovarian)
    assert not any("neoplasms" in names for names in condition_names(analyse("stage IV NSCLC and PD-L1 TPS >=50%",
                                                                               mined)))
    assert any("community-acquired pneumonia" in names
               for names in condition_names(analyse("how many days of antibiotics for mild CAP?", mined)))
    title = "Systemic therapy for stage IV non–small-cell lung cancer"
    assert about_condition(["nonsmall cell lung cancer"], title) and not about_condition(["small cell lung cancer"],
                                                                                          "lung cancer")


def test_advice_for_another_risk_of_the_asked_condition_is_for_other_patients():
    """SIGN's toothpaste recommendations are one for children "at increased risk of developing dental
    caries" and one for those "at standard risk": a question on a child at high caries risk is answered
    by the first only. A "high-risk" feature of something else states no risk of the condition."""
    from conftest import CORPUS
    from medora.answer.applicability import asked_risk, risk_levels
    from medora.corpus.guideline_xml import read_guideline

    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-10310.xml")
    text = "\n".join(s.text for s in doc.sections)
    standard = next(line for line in text.split("\n") if "at standard risk of developing dental caries" in line)
    increased = next(line for line in text.split("\n") if "at increased risk of developing dental caries" in line)

    levels, of = asked_risk("toothpaste fluoride concentration for a 12 yo at high caries risk?")
    assert levels == {"high"} and "carie" in of
    assert risk_levels(standard, of) == {"standard"}
    assert risk_levels(increased, of) == {"high"}
    assert risk_levels("high-risk HPV types", of) == frozenset()
    assert asked_risk("What toothpaste should a 12 year old use?") == (frozenset(), frozenset())


def test_patients_named_negated_are_other_patients():
    """MedlinePlus's iron-deficiency screening intervals for "women of childbearing age who are not pregnant"
    are not for pregnant women, though they name pregnancy; "non-severe" is still low severity."""
    from conftest import CORPUS
    from medora.answer.applicability import asked_facets, conflicts, facets

    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        text = next(line for line in f if "women of childbearing age who are not pregnant" in line)
    at = text.index("Girls aged 12 to 18 and women of childbearing age who are not pregnant")
    interval = text[at : text.index(".", at) + 1]

    pregnant = asked_facets("does USPSTF recommend screening all pregnant women for iron deficiency anemia?")
    said = facets(interval, frozenset())
    assert "pregnancy" not in said.values["patient group"]
    assert conflicts(pregnant, said) == ["patient group"]
    assert not conflicts(asked_facets("iron deficiency screening in teenage girls?"), said)
    assert facets("non-severe community-acquired pneumonia", frozenset({"pneumonia"})).values["severity"] == {"low"}
