"""Answers composed from the real slice index: sections, citations, faithfulness, abstention."""

import itertools
import re

import pytest

from medora.answer.compose import _near_duplicate, points_back
from medora.answer.statements import statement_spans, trim_statement
from medora.answer.evidence import AFTER_PRIOR, FIRST, prior_lines, therapy_line
from medora.answer.audience import ask
from medora.answer.cite import all_statements, to_json, verify

HER2 = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"
PDQ = "nci-types-breast-hp-breast-treatment-pdq"


@pytest.fixture(scope="module")
def her2(built_index):
    settings, index = built_index
    return ask(HER2, index, settings)


def test_her2_bottom_line_is_the_asco_first_line_recommendation(her2):
    assert her2.abstained is False
    first = her2.bottom_line[0]
    assert her2.references[first.citations[0] - 1].doc_id == "ngc-10495"
    # One of the guideline's strong first-line recommendations (HER2-targeted combinations; the
    # trastuzumab, pertuzumab and taxane regimen), whichever the fitted bottom-line model ranks first.
    assert first.text.startswith("Clinicians should recommend") and "for first-line treatment" in first.text
    assert first.evidence == {"quality": "high", "strength": "strong"}


def _section(answer, title):
    return next(s.statements for s in answer.sections if s.title == title)


def test_her2_sections_follow_the_lines_of_therapy(her2):
    titles = [s.title for s in her2.sections]
    assert titles[:3] == ["First-line", "Second-line", "Later lines"]
    assert {"Special populations", "Duration and monitoring"} <= set(titles)
    first_line = _section(her2, "First-line")
    assert any("first-line" in s.text and s.doc_id == "ngc-10495" for s in first_line)
    assert any("trastuzumab, pertuzumab, and a taxane" in s.text and s.doc_id == "ngc-10495"
               for s in [*her2.bottom_line, *first_line])


def _reference(answer, statement, k):
    return answer.references[statement.citations[k] - 1]


def test_her2_second_line_puts_newer_trastuzumab_deruxtecan_evidence_above_the_2014_t_dm1_recommendation(her2):
    second_line = _section(her2, "Second-line")
    newer, *rest = second_line
    # The PDQ summary's conclusion from DESTINY-Breast03, cited via the trial itself ...
    assert newer.doc_id == PDQ and "trastuzumab deruxtecan" in newer.text
    assert newer.newer_than == 2014 and newer.year > 2014
    trial = _reference(her2, newer, 1)
    assert (trial.pmid, trial.via, trial.label) == ("35320644", PDQ, "Trial")
    # ... placed above the guideline's second-line T-DM1 recommendation, whose date stays visible.
    t_dm1 = [s for s in rest if s.doc_id == "ngc-10495" and "T-DM1 as a second-line" in s.text]
    assert len(t_dm1) == 1 and t_dm1[0].year == 2014


def test_her2_later_lines_hold_tucatinib_from_the_summary_with_its_trial(her2):
    later = _section(her2, "Later lines")
    tucatinib = [s for s in later if "tucatinib" in s.text]
    assert tucatinib and tucatinib[0].doc_id == PDQ
    assert _reference(her2, tucatinib[0], 1).pmid == "31825569"


def test_her2_special_populations_cover_hormone_receptor_positive_disease_and_brain_metastases(her2):
    special = _section(her2, "Special populations")
    assert any(s.doc_id == "ngc-10494" and "brain" in s.text for s in special)
    hormone = [s for s in special if s.doc_id == "ngc-10495" and s.lead_in]
    assert hormone and "hormone receptor positive" in hormone[0].lead_in.text


def test_every_statement_is_verbatim_from_its_cited_passage(built_index, her2):
    _, index = built_index
    assert [ok for _, ok in verify(her2, index)] == [True] * len(all_statements(her2))


def test_no_duplicates_and_no_statement_about_the_opposite_marker(her2):
    texts = [s.text for s in all_statements(her2)]
    assert [pair for pair in itertools.combinations(texts, 2) if _near_duplicate(*pair, 0.85)] == []
    for section in her2.sections:
        same = [s.text for s in section.statements]
        assert [pair for pair in itertools.combinations(same, 2) if _near_duplicate(*pair)] == []
    assert [t for t in texts if "HER2-negative" in t and "HER2-positive" not in t] == []


@pytest.mark.parametrize("a, b, duplicate", [
    # MedlinePlus's narcolepsy page says the shorter within the longer (corpus wording)
    ("Narcolepsy has no cure.",
     "Narcolepsy has no cure, but medicines, lifestyle changes, and other therapies can improve symptoms.", True),
    # two recommendations of ngc-11229 that differ by what they recommend
    ("Clinicians may use irrigation in the management of cerumen impaction.",
     "Clinicians may use cerumenolytic agents (including water or saline solution) in the management of cerumen "
     "impaction.", False),
])
def test_a_statement_whose_words_all_stand_in_another_of_its_section_repeats_it(a, b, duplicate):
    assert _near_duplicate(a, b, 0.6, contained=True) is duplicate
    assert not _near_duplicate(a, b, 0.85)  # across sections only near-identical wording repeats


@pytest.mark.parametrize("opening, back", [
    ("During this period, the use of ... is a risk factor for ...", True),
    ("After these, ...", True),
    ("During pregnancy, ...", False),
    # MedQuAD's anal cancer page: the reason is the sentence before
    ("For this reason, patients who have anal cancer and HIV are usually treated with lower doses of anticancer "
     "drugs and radiation than patients who do not have HIV.", True),
])
def test_an_opening_naming_a_time_said_before_points_back(opening, back):
    assert points_back(opening) is back


def test_a_piece_cut_from_inside_brackets_does_not_stand_alone():
    """NICE's sepsis guideline ends recommendations with "(This recommendation is from NICE's guideline on
    neonatal infection [see the NGC summary of the NICE guideline Antibiotics for early-onset neonatal
    infection. Antibiotics for the prevention and treatment of early-onset neonatal infection].)": split at
    its inner full stop, the last piece closes brackets it never opened."""
    from conftest import CORPUS
    from medora.answer.compose import closes_unopened, stands_alone
    from medora.corpus.guideline_xml import read_guideline
    from medora.types import Statement

    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-11019.xml")
    text = next(s.text for s in doc.sections if "neonatal infection].)" in s.text)
    end = text.index("neonatal infection].)") + len("neonatal infection].)")
    start = text.rindex("Antibiotics for the prevention", 0, end)
    piece = text[start:end]
    whole = text[text.rindex("(This recommendation", 0, end):end]
    assert closes_unopened(piece) and not closes_unopened(whole)
    assert not stands_alone(Statement(text=piece, passage_id="ngc-11019#x", doc_id="ngc-11019", span=(start, end)))


def test_the_balance_of_benefits_and_harms_is_no_harm():
    """USPSTF's I statement ("... insufficient to assess the balance of benefits and harms of screening ...")
    says whom the evidence leaves undecided, not a harm: it is not filed under harms, while its finding on
    the harms of screening is."""
    from conftest import CORPUS
    from medora.answer.compose import _HARMS
    from medora.corpus.guideline_xml import read_guideline

    doc = read_guideline(CORPUS / "guidelines-ngc" / "ngc-10798.xml")
    text = "\n".join(s.text for s in doc.sections)
    sentences = re.split(r"(?<=\.)\s+", text)
    balance = next(s for s in sentences if "balance of benefits and harms of screening" in s)
    harms = next(s for s in sentences if "inadequate evidence on the harms of routine screening" in s)
    assert not re.search(_HARMS[1], balance, re.I)
    assert re.search(_HARMS[1], harms, re.I)


def test_references_are_numbered_in_order_of_first_use(her2):
    first_use = list(dict.fromkeys(n for s in all_statements(her2) for n in s.citations))
    assert sorted(first_use) == [r.n for r in her2.references]
    assert [r.n for r in her2.references] == list(range(1, len(her2.references) + 1))


def test_json_contract(her2):
    data = to_json(her2)
    assert {"question", "abstained", "bottom_line", "sections", "references", "disclaimer", "corpus_version"} <= set(data)
    assert set(data["bottom_line"][0]) >= {"text", "citations"}
    assert set(data["references"][0]) >= {"n", "doc_id", "type", "title", "source", "year", "url"}
    assert data["references"][0]["label"] == "Guideline"


@pytest.mark.parametrize("question", [
    "How do I replace the brake pads on a 2012 Honda Civic?",
    "zxqv blorf snargle wibble frobnicate",
])
def test_out_of_scope_questions_abstain_with_nearest_sources(built_index, question):
    settings, index = built_index
    answer = ask(question, index, settings)
    assert (answer.abstained, answer.sections, answer.bottom_line) == (True, (), ())
    assert len(answer.nearest) >= 1


def test_recommendation_numbering_and_ratings_are_trimmed(built_index):
    _, index = built_index
    passage = index.passage("ngc-10495#major-recommendations-6")
    spans = statement_spans(passage.text, passage.kind)
    a, b = trim_statement(passage.text, *spans[-1])
    assert passage.text[a:b] == (
        "If a patient's HER2-positive advanced breast cancer has progressed during or after first-line "
        "HER2-targeted therapy, clinicians should recommend T-DM1 as a second-line treatment."
    )


@pytest.mark.parametrize("passage_id, line", [
    (f"{PDQ}#trastuzumab-deruxtecan-1", "Second-line"),
    (f"{PDQ}#tucatinib-1", "Later lines"),
])
def test_line_of_therapy_from_the_trials_prior_treatment(built_index, passage_id, line):
    _, index = built_index
    assert prior_lines(index.passage(passage_id).text) == line


def test_the_bottom_line_model_has_a_fitted_weight_for_every_feature():
    from medora.answer.compose import BOTTOM_LINE_FEATURES, bottom_line_weights

    weights = bottom_line_weights()
    assert len(weights) == len(BOTTOM_LINE_FEATURES) and all(isinstance(w, float) for w in weights)


@pytest.mark.parametrize("question, asked", [
    ("What first-line treatment is recommended for HER2-positive advanced breast cancer?", FIRST),
    ("What options are there when HER2-positive advanced breast cancer progresses after first-line "
     "HER2-targeted therapy?", AFTER_PRIOR),
])
def test_a_question_asking_one_line_of_therapy_gets_no_statement_restricted_to_the_other(built_index, her2, question,
                                                                                         asked):
    """Applicability reads the line of therapy: a statement (by its words, its trial's description
    or its heading) restricted to the other line is dropped, while a question naming no line (the
    seed) keeps both."""
    settings, index = built_index
    assert therapy_line(question) == asked
    answer = ask(question, index, settings)
    assert all_statements(answer)
    assert not [s.text for s in all_statements(answer) if therapy_line(s.text) not in (None, asked)]
    assert {therapy_line(s.text) for s in all_statements(her2)} >= {FIRST, AFTER_PRIOR}


@pytest.mark.parametrize("passage_id, wording, line", [
    ("ngc-10495#major-recommendations-6", "progressed during or after first-line", AFTER_PRIOR),
    ("ngc-10495#major-recommendations-2", "for first-line treatment", FIRST),
    (f"{PDQ}#trastuzumab-deruxtecan-1", "previously treated", AFTER_PRIOR),  # a trial's patients
])
def test_therapy_line_of_real_statements(built_index, passage_id, wording, line):
    _, index = built_index
    passage = index.passage(passage_id)
    statements = [passage.text[slice(*trim_statement(passage.text, a, b))]
                  for a, b in statement_spans(passage.text, passage.kind)]
    said = [t for t in statements if wording in t]
    assert said and all(therapy_line(t) == line for t in said), statements


def test_a_misspelt_drug_name_is_searched_as_the_vocabulary_spells_it(built_index):
    """"trastuzmab" (one letter dropped) is searched as "trastuzumab", and the answer says so; a
    word English spells so, or one the corpus holds, is never respelt."""
    from medora.query import respell
    from medora.threads import ThreadStore
    from medora.threads import ask as ask_in_thread

    settings, index = built_index
    assert respell("Is trastuzmab given with pertuzumab?", index.document_frequency) == \
        ("Is trastuzumab given with pertuzumab?", (("trastuzmab", "trastuzumab"),))
    # "cardiac" is English; "lapatinib" is the corpus's own (and the drug vocabulary's) word.
    assert respell("cardiac toxicity of lapatinib", index.document_frequency) == ("cardiac toxicity of lapatinib", ())
    answer = ask("What are the side effects of trastuzmab?", index, settings)
    assert answer.resolved_question == "What are the side effects of trastuzumab?"
    assert any("trastuzumab" in s.text.lower() for s in all_statements(answer))
    assert not [m for m in answer.missing if "trastuzmab" in m]
    store = ThreadStore.open(settings)
    try:
        threaded = ask_in_thread("What are the side effects of trastuzmab?", index, settings, store)
    finally:
        store.close()
    assert (threaded.question, threaded.resolved_question) == (
        "What are the side effects of trastuzmab?", "What are the side effects of trastuzumab?")
    plain = settings.model_copy(update={"retrieve": settings.retrieve.model_copy(update={"respell": False})})
    assert ask("What are the side effects of trastuzmab?", index, plain).resolved_question == ""


def test_a_name_two_slips_away_is_searched_as_the_vocabulary_spells_it(built_index):
    """A long name two slips from its spelling ("capecitibene": two letters changed) is searched as
    the name; sound-alike spellings count as one ("mycofenolate" is "mycophenolate" as it sounds,
    "ghonerrea" one slip from "gonorrhea"). K-QA typed the last two, and "chylamdia"."""
    from medora.query import _two_slips_away, respell, slips_apart, spelling_key

    settings, index = built_index
    assert respell("Is capecitibene given with trastuzumab?", index.document_frequency) == \
        ("Is capecitabine given with trastuzumab?", (("capecitibene", "capecitabine"),))
    assert (_two_slips_away("mycofenolate"), _two_slips_away("ghonerrea")) == (["mycophenolate"], ["gonorrhea"])
    # a word of a longer disease name counts ("chlamydia infections"); a drug's salt or form does not
    # (Chloraseptic, a brand the vocabulary lacks, is not "clorazepic" of "clorazepic acid")
    assert _two_slips_away("chylamdia") == ["chlamydia"] and "clorazepic" not in _two_slips_away("chloraseptic")
    assert spelling_key("mycofenolate") == spelling_key("mycophenolate")
    assert [slips_apart("capecitibene", "capecitabine", 2), slips_apart("pertuzamub", "pertuzumab", 2),
            slips_apart("trastuzumab", "pertuzumab", 2)] == [2, 2, 3]
    answer = ask("What are the side effects of capecitibene?", index, settings)
    assert answer.resolved_question == "What are the side effects of capecitabine?"
    assert not answer.missing


def test_a_disease_name_typed_as_two_words_is_searched_as_one(built_index):
    """K-QA: "can I still take Advil for the head ache?" is searched for "headache"; two words that
    are a name of their own, or a drug's name joined ("eye drops"), stay as typed."""
    from medora.query import respell

    _, index = built_index
    assert respell("When taking the antibiotics can I still take Advil for the head ache?", index.document_frequency) \
        == ("When taking the antibiotics can I still take Advil for the headache?", (("head ache", "headache"),))
    assert respell("Are there eye drops that you recommend?", index.document_frequency)[1] == ()
    assert respell("Is breast cancer in men treated the same way?", index.document_frequency)[1] == ()


@pytest.mark.parametrize("question, respelt", [
    # K-QA wording: a long English word, mistyped, is no missing subject ("No source mentions cantagious").
    ("Is the rash cantagious?", "Is the rash contagious?"),
    ("Is he perscribing chemotherapy?", "Is he prescribing chemotherapy?"),
    # ... and a longer one two slips away (ASCO's question: "Partly answered: No source mentions incoperated").
    ("When should aspirin be incoperated in the treatment of localized dMMR colon cancer?",
     "When should aspirin be incorporated in the treatment of localized dMMR colon cancer?"),
    # Short ones are not respelt as English: "worred" is one slip from "worked" and from "worried".
    ("I'm mainly worred about my heart", "I'm mainly worred about my heart"),
])
def test_a_long_mistyped_english_word_is_searched_as_english_spells_it(built_index, question, respelt):
    from medora.query import respell

    settings, index = built_index
    assert respell(question, index.document_frequency)[0] == respelt
    answer = ask(question, index, settings)
    assert not [m for m in answer.missing if "cantagious" in m or "perscribing" in m or "incoperated" in m]


def test_patients_who_have_had_a_drug_are_not_offered_it_again_alone(built_index):
    """Patients "previously treated with T-DM1" are not answered with the recommendation of T-DM1 as
    second-line therapy (ngc-10495), which is for patients who have not had it (before, it was the
    bottom line); a statement adding a drug they have not had may still be theirs."""
    from medora.answer.evidence import had_drugs
    from medora.query import drugs_named

    settings, index = built_index
    question = "HER2-positive breast cancer previously treated with T-DM1: what next?"
    assert had_drugs(question) == {"Ado-trastuzumab Emtansine"}
    statements = all_statements(ask(question, index, settings))
    assert statements
    for s in statements:
        passage = next(p for p in index.passages_of(s.doc_id) if p.id == s.passage_id)
        context = f"{passage.section} {s.lead_in.text if s.lead_in else ''} {s.text}"
        assert drugs_named(s.text) != {"Ado-trastuzumab Emtansine"} or had_drugs(context), s.text


def test_a_clipped_drug_name_is_read_as_the_drug(built_index):
    """Clinicians clip drug names ("palbo", "tras/pertu" in the ASCO questions' "ipi/nivo"): a word that
    is no English word, no name and no word of the corpus, and that begins the name of exactly one drug
    the corpus mentions, is that drug; in a combination shorter ones are too. An inflection
    ("anticoagulant") is no clipped name. The answer reads the question as understood: patients who
    "progressed after tras/pertu" have had trastuzumab and pertuzumab, and are not offered them again alone."""
    from medora.answer.evidence import had_drugs
    from medora.query import drugs_named, respell

    settings, index = built_index
    assert respell("palbo with letrozole for HR-positive breast cancer?", index.document_frequency) == \
        ("palbociclib with letrozole for HR-positive breast cancer?", (("palbo", "palbociclib"),))
    question = "HER2-positive metastatic breast cancer that progressed after tras/pertu: what next?"
    respelt, pairs = respell(question, index.document_frequency)
    assert dict(pairs) == {"tras": "trastuzumab", "pertu": "pertuzumab"}
    assert had_drugs(respelt) == {"Trastuzumab", "Pertuzumab"}
    assert respell("Should she stop the anticoagulant before surgery?", index.document_frequency)[1] == ()
    answer = ask(question, index, settings)
    assert answer.resolved_question == respelt
    for s in all_statements(answer):
        passage = next(p for p in index.passages_of(s.doc_id) if p.id == s.passage_id)
        context = f"{passage.section} {s.lead_in.text if s.lead_in else ''} {s.text}"
        given = drugs_named(s.text)
        assert not given or not given <= {"Trastuzumab", "Pertuzumab"} or had_drugs(context), s.text


@pytest.mark.parametrize("question", ["How is high blood pressure treated?", "How is diabetes treated?",
                                      "What is high blood pressure?"])
def test_short_statements_are_whole_sentences_of_patient_pages(built_index, question):
    """Patient pages answer in a few words ("Follow a healthy eating plan."); shorter clinical text and
    list items, headings or cuts after an abbreviation are not statements."""
    from medora.answer.compose import MIN_STATEMENT_WORDS, _candidates, _plan, whole_short_sentence
    from medora.answer.evidence import concept_weights
    from medora.retrieve import retrieve

    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    query = retrieval.query
    candidates = _candidates(list(retrieval.hits), concept_weights(query), _plan(query.question_type),
                             question=question, question_type=query.question_type)
    short = [c for c in candidates if len(c.statement.text.split()) < MIN_STATEMENT_WORDS]
    assert short
    assert all(c.hit.document.audience == "patient" and whole_short_sentence(c.statement.text) for c in short)


@pytest.mark.parametrize("question", ["How is high blood pressure treated?", "How is diabetes treated?"])
def test_statements_scored_alike_are_ordered_worded_for_the_question_first(built_index, question):
    """A patient page's sentences share its title's match: among them, those worded for the question's
    type come before the ones the page has first."""
    from medora.answer.compose import _candidates, _plan
    from medora.answer.evidence import concept_weights
    from medora.query import answers_type
    from medora.retrieve import retrieve

    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    query = retrieval.query
    candidates = _candidates(list(retrieval.hits), concept_weights(query), _plan(query.question_type),
                             question=question, question_type=query.question_type)
    candidates = [c for c in candidates if c.hit.document.audience == "patient"]
    worded = [answers_type(query.question_type, c.statement.text) for c in candidates]
    ties = [(a, b) for (a, b), (x, y) in zip(zip(candidates, candidates[1:]), zip(worded, worded[1:]))
            if a.statement.score == b.statement.score and a.hit.passage.id == b.hit.passage.id and x != y]
    assert ties  # the slice's patient pages hold sentences worded both ways
    assert not [(a, b) for a, b in ties if not answers_type(query.question_type, a.statement.text)]


@pytest.mark.parametrize("question, audience", [
    ("What are the types of standard treatment?", "patient_caregiver"),
    ("Which treatments should I ask about?", "physician"),
])
def test_a_lay_question_naming_no_condition_is_not_answered_about_people_with_one(built_index, question, audience):
    """A reader who says they are a patient or caregiver, or who asks about themselves, and names no
    condition, is not answered with what is said of people with a disease they did not name ("There are
    different types of treatment for patients with breast cancer."): that is about other patients (K-QA,
    session 17), though the search finds it."""
    from medora.answer.compose import _candidates, _plan
    from medora.answer.evidence import about_other_patients, concept_weights
    from medora.index import vocabulary
    from medora.retrieve import retrieve

    settings, index = built_index
    words = vocabulary.current()
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    found = _candidates(list(retrieval.hits), concept_weights(retrieval.query), _plan(retrieval.query.question_type),
                        question=question, question_type=retrieval.query.question_type)
    assert [c for c in found if about_other_patients(c.statement.text, question, words)]
    answer = ask(question, index, settings, audience=audience)
    said = [s.original.text if s.original else s.text for s in all_statements(answer)]
    assert said and not [t for t in said if about_other_patients(t, question, words)]


@pytest.mark.parametrize("question", ["Is trastuzumab effective for HER2-positive breast cancer?",
                                      "How is high blood pressure treated?",
                                      "Should women with a BRCA mutation be screened for breast cancer with MRI?"])
def test_a_treatment_or_efficacy_question_is_not_led_by_harms(built_index, question):
    """Held-out dev: "Is vagus nerve stimulation effective for epilepsy in children?" was led by the
    infection risk at the implantation site. What to give, or how well it works, is answered by a
    treatment or its result: a statement filed under harms leads only when nothing else could."""
    from medora.answer.compose import _SAFETY_SECTIONS, _candidates, _plan, bottom_line_pool
    from medora.answer.evidence import concept_weights
    from medora.retrieve import retrieve

    settings, index = built_index
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    query = retrieval.query
    assert query.question_type in ("treatment", "efficacy", "screening")
    candidates = _candidates(list(retrieval.hits), concept_weights(query), _plan(query.question_type),
                             question=question, question_type=query.question_type)
    harms = [c for c in candidates if c.section == _SAFETY_SECTIONS[0]]
    assert harms and len(harms) < len(candidates)
    assert not [c for c in bottom_line_pool(harms[:1] + candidates, query) if c.section == _SAFETY_SECTIONS[0]]
    assert bottom_line_pool(harms[:1], query) == harms[:1]


def test_a_summary_result_naming_no_treatment_is_shown_after_its_study(built_index):
    """"Among the 69 treatment-naive patients, the objective response rate was 84%" says nothing of
    what was given: a summary's result naming no drug carries the opening sentence of the study its
    numbered item reports, a verbatim span of the summary, shown as its lead-in once chosen."""
    from medora.answer.compose import _ARM, _RESULT, _candidates, _plan, _with_study
    from medora.answer.evidence import concept_weights
    from medora.query import drugs_named
    from medora.retrieve import retrieve

    settings, index = built_index
    question = "What is the efficacy of T-DM1 after trastuzumab and a taxane?"
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    candidates = _candidates(list(retrieval.hits), concept_weights(retrieval.query), _plan("efficacy"),
                             question=question, question_type="efficacy")
    studied = [c for c in candidates if c.study]
    assert studied
    for c in studied:
        assert c.hit.document.type == "summary" and (_RESULT.search(c.statement.text) or _ARM.search(c.statement.text))
        assert not drugs_named(c.statement.text) and c.statement.lead_in is None
        passage = index.passage(c.study.passage_id)
        assert passage.text[c.study.span[0]:c.study.span[1]] == c.study.text != c.statement.text
        assert _with_study(c).statement.lead_in == c.study
    assert not [c for c in candidates if c.study and drugs_named(c.statement.text)]


def test_a_sentence_of_a_studys_opening_paragraph_tells_how_it_was_run(built_index):
    """DESTINY-Breast06's "These patients previously received one or more lines of endocrine-based therapy
    ..." (PDQ breast, in the slice) led a treatment answer as if it said what to give: a sentence of a
    summary study's opening paragraph that reports no result describes the study (as "randomly
    assigned" does), for the statement bar; the result bullets after it do not."""
    from medora.answer.compose import _RESULT, _candidates, _plan
    from medora.answer.evidence import concept_weights
    from medora.retrieve import retrieve

    settings, index = built_index
    question = "trastuzumab deruxtecan for HER2-low metastatic breast cancer after endocrine therapy"
    retrieval = retrieve(question, index, settings.retrieve, k=30)
    candidates = _candidates(list(retrieval.hits), concept_weights(retrieval.query), _plan("treatment"),
                             question=question, question_type="treatment")
    described = {c.statement.text: c.describes_study for c in candidates}
    assert described["These patients previously received one or more lines of endocrine-based therapy and no "
                     "previous chemotherapy for metastatic breast cancer."]
    assert any(text.startswith("The phase III, randomized, open-label DESTINY-Breast06") and flag
               for text, flag in described.items())
    results = [c for c in candidates if c.hit.document.type == "summary" and _RESULT.search(c.statement.text)]
    assert results and not any(c.describes_study for c in results)
    assert not any(c.describes_study for c in candidates if c.hit.document.type != "summary")


def test_a_question_asking_how_long_is_answered_by_a_statement_stating_how_long(built_index):
    """"how many days of antibiotics ...?" asks how long: NICE's low-severity pneumonia recommendations
    (ngc-10899) answer it with a course's length, not with their advice to come back if not better
    "within 3 days" (a point in time), which led before."""
    from medora.query import states_quantity

    settings, index = built_index
    answer = ask("how many days of antibiotics for low-severity community-acquired pneumonia?", index, settings)
    assert answer.bottom_line and answer.bottom_line[0].doc_id == "ngc-10899"
    assert states_quantity("duration", answer.bottom_line[0].text), answer.bottom_line[0].text


def test_statements_below_the_floor_are_not_built_and_the_rest_are_the_same(built_index):
    """Building only the statements that clear the statement floor (or are a recommendation of one of
    the two best-matching guidelines) gives exactly the statements that building all of them and
    filtering by the floor gives, in the same order."""
    from medora.answer.compose import _candidates, _plan
    from medora.answer.evidence import concept_weights, evidence_pool
    from medora.retrieve import retrieve

    settings, index = built_index
    floor = settings.answer.min_statement_match
    pruned = 0
    for question in ("What is the recommended treatment approach for a patient with HER2-positive breast cancer?",
                     "How is high blood pressure treated?", "how many days of antibiotics for mild CAP?"):
        retrieval = retrieve(question, index, settings.retrieve, k=30)
        query = retrieval.query
        pool, focus = evidence_pool(retrieval.hits, index)
        args = (pool, concept_weights(query), _plan(query.question_type))
        every = _candidates(*args, question=question, question_type=query.question_type)
        kept = _candidates(*args, question=question, question_type=query.question_type, floor=floor,
                           floor_exempt=focus[:2])
        expected = [c for c in every if c.relevance >= floor
                    or (c.hit.document.id in focus[:2] and c.hit.passage.kind == "recommendation")]
        assert [(c.statement.passage_id, c.statement.span, c.section) for c in kept] == \
            [(c.statement.passage_id, c.statement.span, c.section) for c in expected]
        pruned += len(every) - len(kept)
    assert pruned  # the floor leaves statements out of some of these answers


@pytest.mark.parametrize("question", [  # K-QA's, which on the slice stand nearest to the pages on heart attack
    "Is there anything else I could take for the sinus pain",  # and atrial fibrillation
    "Is there anyway to get medication for sleep",
    "Which doctor should i go to for vertigo",
])
def test_a_lay_question_naming_no_condition_is_not_answered_only_from_pages_about_other_diseases(built_index, question):
    """K-QA (session 24): a patient's question naming no condition, which no statement clears the bar
    for, was answered with the nearest statement whatever page it stood on: gastroparesis drugs from
    the page on diabetic neuropathies for "reduce my sweating". Such an answer is about someone else:
    the answer says not found and lists the nearest sources instead."""
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary

    settings, index = built_index
    words = vocabulary.current()
    answer = ask(question, index, settings, audience="patient_caregiver")
    said = all_statements(answer)
    titles = {index.document(s.doc_id).title for s in said}
    assert not said or not all(page_about_other_patients(t, question, words) for t in titles), titles
    assert answer.status != "not_found" or answer.nearest


@pytest.mark.parametrize("question", [  # K-QA's, which on the slice stand nearest to guidelines on other diseases
    "The yeast infection is not transferable?",  # acute kidney injury
    "Can I get something to treat the yeast infection too?",  # diabetic foot ulcers
    "what is used to treat upper respiratory infection?",
])
def test_a_lay_question_naming_a_condition_is_not_answered_only_from_pages_about_other_diseases(built_index, question):
    """K-QA (session 25): a patient naming a condition the corpus holds no statement on got the nearest
    statement on a page about another disease ("Nutrition During Cancer Treatment" for throat pain;
    on the slice, renal replacement therapy for a yeast infection). The answer says not found and
    lists the nearest sources instead."""
    from medora.answer.answerability import condition_names
    from medora.answer.applicability import asked_trees
    from medora.answer.evidence import page_about_other_patients
    from medora.index import vocabulary
    from medora.query import analyse

    settings, index = built_index
    words = vocabulary.current()
    names = condition_names(analyse(question))
    asked = " ".join([question, *(n for group in names for n in group)])
    answer = ask(question, index, settings, audience="patient_caregiver")
    said = all_statements(answer)
    titles = {index.document(s.doc_id).title for s in said}
    assert not said or not all(page_about_other_patients(t, asked, words, asked_trees(names, words))
                               for t in titles), titles
    assert answer.status != "not_found" or answer.nearest


@pytest.mark.parametrize("question", [  # K-QA's
    "Is saxenda a glp1 blocker as well?",
    "How long would I be on Saxenda before I could move to the next dose?",
])
def test_a_patient_is_not_answered_only_with_what_is_done_around_an_operation(tmp_path, question):
    """K-QA (session 25): the corpus's only statement naming liraglutide is the perioperative protocol's
    "GLP-1 agonists (exenatide, liraglutide, pramlintide) should be held perioperatively". A patient
    who asked about no operation got it as the answer, below the bar, to what Saxenda is and how long
    to stay on a dose: advice for someone else. Not found, and the protocol among the nearest sources."""
    settings, index = _tiny_index(tmp_path, ["ngc-10503"])
    try:
        answer = ask(question, index, settings, audience="patient_caregiver")
        assert answer.status == "not_found" and not all_statements(answer)
        assert [r.doc_id for r in answer.nearest] == ["ngc-10503"]
    finally:
        index.close()


def test_tail_patterns_skip_only_segments_they_cannot_match(built_index):
    """A rating or date tail is searched only in segments that end with, or hold, what it must: the
    shortcut changes no statement of the slice's passages."""
    from medora.answer.statements import (_BRACKET_RATING, _GRADE_TAIL, _PAREN_RATING, _RATING_LABEL, _TAILS,
                                          _TRAILING_LEVELS, _YEAR_TAG, _rating_tail, _tail)

    _, index = built_index
    shortcuts = [(_tail(_TRAILING_LEVELS, holds="recommendation"), _tail(_TRAILING_LEVELS)),
                 (_tail(_YEAR_TAG, ends="]"), _tail(_YEAR_TAG)), (_tail(_BRACKET_RATING, ends=")]"), _tail(_BRACKET_RATING)),
                 (_tail(_GRADE_TAIL, ends=")"), _tail(_GRADE_TAIL)), (_tail(_PAREN_RATING, ends=")"), _tail(_PAREN_RATING))]
    assert len(_TAILS) == len(shortcuts) + 1  # and _rating_tail
    segments = [p.text[a:b] for d in index.documents(limit=100_000) for p in index.passages_of(d.id)
                for a, b in statement_spans(p.text, p.kind)]
    assert len(segments) > 1000
    tails = sum(1 for s in segments if any(full(s) >= 0 for _, full in shortcuts) or _RATING_LABEL.search(s))
    assert tails > 50  # the slice has rated and dated recommendations
    for segment in segments:
        assert [short(segment) for short, _ in shortcuts] == [full(segment) for _, full in shortcuts]
        assert (_rating_tail(segment) >= 0) == bool(_RATING_LABEL.search(segment))


def test_a_reader_asking_of_their_own_is_not_answered_with_statements_about_newborns(tmp_path):
    """K-QA (session 26): "What is chlorhexidine?" from a patient was led by the WHO postnatal-care
    guideline's cord-care recommendation for newborns: the source naming chlorhexidine most often was
    read as saying whom the question concerns. A reader asking of their own, naming no one else, is
    an adult; the statements they get speak of adults or of no group."""
    from medora.answer.applicability import populations

    # postnatal care of mother and newborn; oral health of adults
    settings, index = _tiny_index(tmp_path, ["ngc-10309", "ngc-11047"])
    try:
        question = "What is chlorhexidine?"
        patient = all_statements(ask(question, index, settings, audience="patient_caregiver"))
        assert patient and all("chlorhexidine" in s.text.lower() for s in patient)
        assert not [s.text for s in patient if populations(s.text) == {"children"}]
        # A clinician's answer keeps what the sources say of other groups.
        clinician = all_statements(ask(question, index, settings))
        assert [s.text for s in clinician if populations(s.text) == {"children"}]
    finally:
        index.close()


def test_a_patient_answer_leaves_out_a_guideline_whose_listed_conditions_the_question_does_not_name(tmp_path):
    """K-QA (session 28): "What is chlorhexidine?" from a patient was led by "Preoperative chlorhexidine
    showers and mouth washes should be considered", from a surgical guideline titled "Aortic valve and
    ascending aorta guidelines for management and quality measures". Its title names no disease, so
    it was not read as a page about other patients; the conditions its source lists for it do name
    some. A patient answer reads both: with nothing else, it is not found and lists the guideline among
    the nearest sources. A clinician's answer keeps it."""
    from medora.answer.evidence import page_about_other_patients, page_subject
    from medora.index import vocabulary

    settings, index = _tiny_index(tmp_path, ["ngc-10036", "ngc-11047"])  # aortic valve surgery; oral health
    try:
        question, words = "What is chlorhexidine?", vocabulary.current()
        surgical = index.document("ngc-10036")
        assert not page_about_other_patients(surgical.title, question, words)
        assert page_about_other_patients(page_subject(surgical), question, words)
        assert not page_about_other_patients(page_subject(index.document("ngc-11047")), question, words)
    finally:
        index.close()
    (tmp_path / "surgical").mkdir()
    settings, index = _tiny_index(tmp_path / "surgical", ["ngc-10036"])
    try:
        assert [s for s in all_statements(ask(question, index, settings)) if s.doc_id == "ngc-10036"]
        patient = ask(question, index, settings, audience="patient_caregiver")
        assert patient.status == "not_found" and not all_statements(patient)
        assert [n for n in patient.nearest if n.doc_id == "ngc-10036"]
    finally:
        index.close()


def _tiny_index(tmp_path, doc_ids):
    """A lexical index of a few guidelines of the shared corpus (built in seconds)."""
    import shutil

    from conftest import CORPUS
    from medora.index import open_index
    from medora.index.build import build_index
    from medora.settings import get_settings

    (tmp_path / "corpus").mkdir()
    for doc_id in doc_ids:
        shutil.copy(CORPUS / "guidelines-ngc" / f"{doc_id}.xml", tmp_path / "corpus")
    settings = get_settings(tmp_path / "data", env={}, corpus={"paths": [str(tmp_path / "corpus")]},
                            index={"dense": False})
    assert build_index(settings).problems == []
    return settings, open_index(settings)


def _dev_question(question_id):
    from medora.evaluate import load_dev_set

    return next(d["question"] for d in load_dev_set() if d["id"] == question_id)


def test_a_question_asking_how_long_is_answered_by_the_amount_its_source_states(tmp_path):
    """Dev (session 26): "how long must abnormalities last" for the KDIGO definition of CKD was answered with
    the guideline's referral advice; its "present for >3 months" scored below the bar. A question asking how
    long, how soon or how often keeps the likeliest statement of a source it quotes that states the amount,
    and the bottom line is one that states it."""
    from medora.query import asked_quantity, states_quantity

    settings, index = _tiny_index(tmp_path, ["ngc-9925"])  # KDIGO 2012 on chronic kidney disease
    try:
        question = _dev_question("ra-028")
        kind = asked_quantity(question)
        answer = ask(question, index, settings)
        assert kind and answer.status == "answered", answer.missing
        assert states_quantity(kind, answer.bottom_line[0].text), answer.bottom_line[0].text
    finally:
        index.close()


def test_an_answer_stating_no_amount_asked_for_is_partial(tmp_path):
    """Dev (session 26): "pt on lithium long term, how often check kidney function" was "answered" with "Monitor
    lithium dose and plasma lithium levels more frequently if ...", which says no interval. An answer none of
    whose statements states the amount asked (how long, how soon, how often) says so above the bottom line."""
    from medora.query import asked_quantity, states_quantity

    settings, index = _tiny_index(tmp_path, ["ngc-10556"])  # NICE bipolar disorder
    try:
        question = _dev_question("ra-032")
        kind = asked_quantity(question)
        answer = ask(question, index, settings)
        said = all_statements(answer)
        assert said and not any(states_quantity(kind, s.text) for s in said)
        assert answer.status == "partial" and "No statement found says how often." in answer.missing
    finally:
        index.close()


def test_a_question_giving_weeks_of_pregnancy_is_answered_for_those_weeks_in_the_asked_word_form(tmp_path):
    """Held-out dev (session 27): a "28 weeker" in preterm labour asking "which tocolytic?" was answered
    with NICE's recommendation for women between 24⁺⁰ and 25⁺⁶ weeks, and called partial because no
    statement said "tocolytic" (they say "for tocolysis"). Weeks of pregnancy are read as ages are, a
    range restricting a statement's women conflicts with other weeks, and the adjective and the noun
    of a word name the same thing."""
    from medora.answer.applicability import gestation_ranges

    settings, index = _tiny_index(tmp_path, ["ngc-10831"])  # NICE preterm labour and birth
    try:
        answer = ask(_dev_question("rb-002"), index, settings)
        assert answer.status == "answered", answer.missing
        assert answer.bottom_line
        for s in all_statements(answer):
            assert all(lo <= 28 <= hi for lo, hi in gestation_ranges(s.text)), s.text
    finally:
        index.close()


def test_a_result_naming_no_treatment_is_shown_under_the_heading_that_names_it(tmp_path):
    """ASCO (session 27): "first-line therapy for RET rearrangement-positive NSCLC" was answered with
    "Among the 69 treatment-naïve patients, the objective response rate was 84% ...", which names no
    drug: the summary says whose result it is in the heading it stands under ("Selpercatinib"). That
    heading is shown before it, verbatim from the passage's heading path, and checked like a statement."""
    import json

    from conftest import CORPUS
    from medora.index import open_index
    from medora.index.build import build_index
    from medora.query import drugs_named
    from medora.render import to_markdown
    from medora.settings import get_settings

    url = "https://www.cancer.gov/types/lung/hp/non-small-cell-lung-treatment-pdq"
    (tmp_path / "corpus" / "nci-pdq").mkdir(parents=True)
    with open(CORPUS / "nci-pdq" / "pdq_summaries.jsonl") as src, \
            open(tmp_path / "corpus" / "nci-pdq" / "pdq_summaries.jsonl", "w") as out:
        out.writelines(line for line in src if json.loads(line)["url"] == url)
    settings = get_settings(tmp_path / "data", env={}, corpus={"paths": [str(tmp_path / "corpus")]},
                            index={"dense": False})
    assert build_index(settings).problems == []
    index = open_index(settings)
    try:
        answer = ask("What is the recommendation for RET rearrangement-positive NSCLC as 1st line therapy?",
                     index, settings)
        headed = [s for s in all_statements(answer) if s.heading]
        assert headed, [s.text for s in all_statements(answer)]
        for s in headed:
            assert s.heading in index.passage(s.passage_id).section.split(" › ")
            assert drugs_named(s.heading)
            assert not drugs_named(f"{s.lead_in.text if s.lead_in else ''} {s.text}")
        assert all(ok for _, ok in verify(answer, index))
        shown = to_markdown(to_json(answer))
        assert all(f"[{s.heading}]" in shown for s in headed)
    finally:
        index.close()


def _pdq_sentence(opening: str) -> str:
    """The sentence of the PDQ summaries (``../shared/corpus``) that opens with ``opening``."""
    from conftest import CORPUS

    text = (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").read_text(encoding="utf-8")
    at = text.index(opening)
    return text[at:text.index(".", at + len(opening)) + 1]


@pytest.mark.parametrize("opening, design", [
    ("A prospective cohort study examined the use of aspirin", True),  # what it looked at, not what it found
    ("In 2019, the Early Breast Cancer Trialists’ Collaborative Group performed a meta-analysis", True),
    ("A Cochrane systematic review of all published studies of clinical outcome", False),  # "... concluded that"
    ("Chemotherapy and radiation therapy have been shown to improve survival", False),
])
def test_a_sentence_saying_only_what_a_study_looked_at_is_a_design(opening, design):
    from medora.answer.compose import design_without_result

    assert design_without_result(_pdq_sentence(opening)) is design


def test_how_patients_fare_is_answered_by_the_figures_not_by_what_improves_them():
    from medora.answer.compose import _reports_outcome

    assert _reports_outcome(_pdq_sentence("For patients with LD, the median survival is"), "prognosis")
    assert not _reports_outcome(_pdq_sentence("Chemotherapy and radiation therapy have been shown to improve survival"),
                                "prognosis")


def test_a_risk_a_treatment_lowers_is_not_its_harm():
    """"finasteride and dutasteride reduce the risk of being diagnosed with prostate cancer" is their
    benefit: a harms question's answer does not file it under harms, and a risk it raises stays there."""
    from medora.answer.compose import _HARMS, _matches_section

    lowered = _pdq_sentence("A Cochrane systematic review of all published studies of clinical outcome")
    assert not _matches_section(_HARMS[0], _HARMS[1], lowered, "finasteride side effects?")
    raised = _pdq_sentence("The concern that finasteride may increase the risk of high-grade cancer")
    assert _matches_section(_HARMS[0], _HARMS[1], raised, "finasteride side effects?")


def test_a_pages_link_text_points_elsewhere():
    """MedlinePlus's "Learn more about treating urinary tract infections." was the bottom line of two K-QA
    answers: it names where an answer is, not what it is."""
    from conftest import CORPUS
    from medora.answer.compose import points_elsewhere

    text = (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").read_text(encoding="utf-8")
    link = "Learn more about treating urinary tract infections."
    assert link in text and points_elsewhere(link)
    assert not points_elsewhere(_pdq_sentence("Chemotherapy and radiation therapy have been shown to improve survival"))



@pytest.mark.parametrize("statement, names, background", [
    # NINDS on tardive dyskinesia (MedQuAD), to dev cd-044 "Which drugs are effective for treating ...?"
    ("Tardive dyskinesia is a neurological syndrome caused by the long-term use of neuroleptic drugs.",
     ["tardive dyskinesia"], True),
    ("The only approved drug treatment for tardive dyskenesia is tetrabenazine, which is usually effective but can "
     "have side effects that need to be discussed prior to starting therapy.", ["tardive dyskinesia"], False),
    # PDQ Merkel cell carcinoma, to dev rb-018 "stage IV Merkel cell carcinoma options"
    ("Stage IV Merkel cell carcinoma (MCC) includes patients with distant metastases.", ["merkel cell carcinoma"], True),
    ("Merkel cell carcinoma is a very rare disease in which malignant (cancer) cells form in the skin.",
     ["merkel cell carcinoma"], True),
    ("Treatment of stage IV Merkel cell carcinoma may include the following as palliative treatment:",
     ["merkel cell carcinoma"], False),
])
def test_what_the_asked_condition_is_is_background_to_a_bottom_line(statement, names, background):
    """The bottom line of a question that does not ask what the condition is leaves out what it is (while any
    other statement is chosen): it says nothing of what to do."""
    from medora.answer.compose import describes_condition

    assert describes_condition(statement, names) is background
