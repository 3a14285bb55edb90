"""PubMedQA abstracts, MedQuAD, user JSONL and corpus discovery, on real files from ../shared."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, PUBMEDQA, SHARED

import medora.corpus
from medora.corpus import read_corpus
from medora.corpus.medquad import LICENCE as MEDQUAD_LICENCE
from medora.corpus.medquad import read_medquad
from medora.corpus.pubmed import read_pubmedqa
from medora.corpus.user_jsonl import read_user_jsonl
from medora.errors import CorpusError, UnsupportedSource
from medora.types import IngestProblem

MEDQUAD = CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl"


@pytest.fixture(scope="module")
def abstracts():
    problems: list[IngestProblem] = []
    docs = {d.id: d for d in read_pubmedqa(PUBMEDQA, problems)}
    assert problems == []
    return docs


def test_pubmedqa_abstract(abstracts):
    doc = abstracts["pmid-21645374"]
    assert (doc.type, doc.source, doc.year, doc.date, doc.audience) == ("research", "PubMed", 2011, "2011", "professional")
    assert doc.title == "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?"
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/21645374/"
    assert doc.meta == {
        "pmid": "21645374",
        "mesh": ["Alismataceae", "Apoptosis", "Cell Differentiation", "Mitochondria", "Plant Leaves"],
        "title_is_question": True,
        "design_sections": [],
    }
    assert [s.name for s in doc.sections] == ["BACKGROUND", "RESULTS", "Conclusion"]
    assert doc.sections[0].text.startswith("Programmed cell death (PCD) is the regulated death of cells within an organism.")
    assert doc.sections[-1].text.endswith(
        "Overall, our findings implicate the mitochondria as playing a critical and early role in developmentally "
        "regulated PCD in the lace plant."
    )


def test_pubmedqa_eval_labels_are_not_stored(abstracts):
    assert len(abstracts) == 1000
    stored = json.dumps([(d.meta, [s.name for s in d.sections]) for d in abstracts.values()])
    assert [word for word in ("final_decision", "reasoning_required_pred", "reasoning_free_pred") if word in stored] == []


def test_pubmedqa_study_type_heuristic(abstracts):
    assert (abstracts["pmid-27592038"].type, abstracts["pmid-24785562"].type) == ("trial", "systematic_review")
    assert [s.name for s in abstracts["pmid-27592038"].sections] == [
        "BACKGROUND", "OBJECTIVE", "DESIGN", "PATIENTS", "INTERVENTION", "MEASUREMENTS", "RESULTS", "Conclusion",
    ]
    assert (abstracts["pmid-25957366"].year, abstracts["pmid-25957366"].date) == (None, None)  # YEAR is null


@pytest.fixture(scope="module")
def medquad():
    problems: list[IngestProblem] = []
    docs = {d.id: d for d in read_medquad(MEDQUAD, problems)}
    assert problems == []
    return docs


def test_medquad_groups_questions_of_one_page(medquad):
    assert len(medquad) == 5476
    doc = medquad["medquad-condition-acatalasemia"]
    assert (doc.type, doc.audience, doc.year, doc.title) == ("patient_education", "patient", None, "acatalasemia")
    assert (doc.source, doc.url, doc.licence) == (
        "Genetics Home Reference (U.S. National Library of Medicine)",
        "https://ghr.nlm.nih.gov/condition/acatalasemia",
        MEDQUAD_LICENCE,
    )
    assert [s.name for s in doc.sections] == [
        "What is (are) acatalasemia ?",
        "How many people are affected by acatalasemia ?",
        "What are the genetic changes related to acatalasemia ?",
        "Is acatalasemia inherited ?",
        "What are the treatments for acatalasemia ?",
    ]
    assert doc.meta["qtypes"] == ["information", "frequency", "genetic changes", "inheritance", "treatment"]
    assert doc.sections[1].text.startswith("More than 100 cases of acatalasemia have been reported")


def test_medquad_pages_sharing_a_path_are_told_apart_by_doc_id(medquad):
    stem = "medquad-health-information-health-topics-diabetes-causes-diabetes-pages-index-aspx"
    assert sorted((d.id, d.url) for d in medquad.values() if d.id.startswith(stem)) == [
        (stem + "-0000027", "http://www.niddk.nih.gov/health-information/health-topics/Diabetes/causes-diabetes/Pages/index.aspx"),
        (stem + "-0000037", "http://www.niddk.nih.gov/health-information/health-topics/Diabetes/causes-diabetes/Pages/index.aspx#gestational"),
        (stem + "-0000070", "http://www.niddk.nih.gov/health-information/health-topics/Diabetes/causes-diabetes/Pages/index.aspx#causes"),
        (stem + "-0000071", "http://www.niddk.nih.gov/health-information/health-topics/Diabetes/causes-diabetes/Pages/index.aspx#type2"),
    ]


def test_medquad_broken_line_is_reported(tmp_path):
    lines = MEDQUAD.read_text(encoding="utf-8").splitlines(keepends=True)[:6]
    lines[2] = "{" + lines[2][1:].replace('"answer"', '"answr"', 1)  # valid JSON without an answer
    lines[4] = lines[4][:-30] + "\n"  # cut short
    path = tmp_path / "medquad_with_answers.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    problems: list[IngestProblem] = []
    docs = list(read_corpus([path], problems))
    assert [(d.id, len(d.sections)) for d in docs] == [("medquad-types-leukemia-patient-adult-all-treatment-pdq", 4)]
    assert [(p.path, p.line) for p in problems] == [(str(path), 3), (str(path), 5)]
    assert problems[0].reason == "missing answer"


def test_a_jsonl_line_that_is_not_an_object_is_reported_the_same_by_every_reader(tmp_path):
    from medora.corpus.pdq_markdown import read_nci

    good = MEDQUAD.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    for name, reader in (("medquad_with_answers.jsonl", read_medquad), ("user.jsonl", read_user_jsonl),
                         ("nci_treatment_and_drug_pages.jsonl", read_nci)):
        path = tmp_path / name
        path.write_text('["a list"]\n\n' + good, encoding="utf-8")
        problems: list[IngestProblem] = []
        list(reader(path, problems))
        assert problems[0] == IngestProblem(str(path), 1, "a line must be a JSON object"), name
        assert all(p.line != 2 for p in problems), name  # a blank line is skipped, not reported


def user_line(**fields):
    """A user document built from a real abstract (the text is real; the JSON is the user format)."""
    item = json.loads(PUBMEDQA.read_text(encoding="utf-8"))["21645374"]
    doc = {
        "id": "lace-plant-pcd",
        "type": "research",
        "title": item["QUESTION"],
        "source": "Example journal club",
        "year": int(item["YEAR"]),
        "url": None,
        "sections": [{"name": "Conclusion", "text": item["LONG_ANSWER"]}],
    }
    doc.update(fields)
    return json.dumps({k: v for k, v in doc.items() if v != "DROP"})


def test_user_jsonl_is_read_and_bad_lines_reported(tmp_path):
    path = tmp_path / "my-notes.jsonl"
    path.write_text(
        "\n".join(
            [
                user_line(meta={"reviewed": "2024"}),
                user_line(id="second", title="DROP"),
                user_line(id="third", type="blog"),
                user_line(id="fourth", audience="patient", licence="CC BY 4.0"),
                '{"id": "fifth", "sections": [',
            ]
        ),
        encoding="utf-8",
    )
    problems: list[IngestProblem] = []
    docs = list(read_corpus([tmp_path], problems))
    assert [(d.id, d.type, d.audience, d.year, d.licence) for d in docs] == [
        ("lace-plant-pcd", "research", "professional", 2011, ""),
        ("fourth", "research", "patient", 2011, "CC BY 4.0"),
    ]
    assert docs[0].meta == {"reviewed": "2024"}
    assert docs[0].sections[0].text.startswith("Results depicted mitochondrial dynamics in vivo as PCD progresses")
    assert problems == [
        IngestProblem(str(path), 2, "'title' must be a non-empty string"),
        IngestProblem(str(path), 3, "'type' must be one of guideline, summary, systematic_review, trial, research, patient_education, drug_label"),
        IngestProblem(str(path), 5, "not valid JSON: Expecting value"),
    ]
    assert list(read_user_jsonl(path, [])) == docs


def test_nonexistent_path_is_a_corpus_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(CorpusError, match="does not exist") as error:
        read_corpus([missing], [])
    assert str(error.value) == f"Corpus path {missing} does not exist."


@pytest.mark.parametrize(
    "path",
    [CORPUS / "README.md", SHARED / "eval" / "README.md", CORPUS / "nci-pdq" / "pdq_references.jsonl"],
)
def test_explicit_file_of_no_known_format_is_unsupported(path):
    with pytest.raises(UnsupportedSource, match=str(path)):
        read_corpus([path], [])


def test_folder_scan_skips_other_files_and_is_deterministic():
    problems: list[IngestProblem] = []
    first = [d.id for d in read_corpus([PUBMEDQA.parent], problems)]  # LICENSE, test_ground_truth.json skipped
    assert (len(first), problems) == (1000, [])
    assert first == [d.id for d in read_corpus([PUBMEDQA.parent, PUBMEDQA], [])]  # a file read once
    assert first[:3] == ["pmid-21645374", "pmid-16418930", "pmid-9488747"]


def test_public_names():
    assert medora.corpus.__all__ == ["chunk_document", "read_corpus"]


def test_hostile_user_lines_are_reported_and_every_good_line_is_indexed(tmp_path):
    """An oversized year, a lone surrogate, metadata nested 3,000 deep and invalid UTF-8 each cost
    one line, reported with its number, never the run or the rest of the file."""
    from medora.index.build import build_index
    from medora.index.embedded import EmbeddedIndex
    from medora.settings import get_settings

    deep = "[" * 3000 + "]" * 3000
    path = tmp_path / "corpus" / "mine.jsonl"
    path.parent.mkdir()
    lines = [
        user_line().encode(),
        user_line(id="huge-year", year=10 ** 30).encode(),
        user_line(id="surrogate").replace(json.dumps(json.loads(user_line())["title"]), '"\\ud800"').encode(),
        user_line(id="deep").replace('"url": null', f'"url": null, "meta": {{"a": {deep}}}').encode(),
        user_line(id="latin-1").encode()[:-40] + b"\xff\xfe" + user_line(id="latin-1").encode()[-40:],
        user_line(id="last").encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    settings = get_settings(tmp_path / "data", env={}, corpus={"paths": [str(path.parent)]},
                            index={"dense": False})
    report = build_index(settings)
    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "'year' must be between 1 and 9999"),
        (3, "text holds an invalid character (a lone surrogate such as \\ud800)"),
        (4, "nested too deeply to read"),
        (5, "not valid UTF-8 at byte " + str(len(user_line(id="latin-1").encode()) - 40)),
    ]
    index = EmbeddedIndex(settings)
    assert sorted(d.id for d in index.documents()) == ["lace-plant-pcd", "last"]
    index.close()


def test_a_lone_surrogate_costs_one_line_in_every_jsonl_reader(tmp_path):
    """Issue #15: a "\\ud800" escape in a MedQuAD or NCI line ended the whole run with UnicodeEncodeError."""
    from medora.index.build import build_index
    from medora.settings import get_settings

    nci = CORPUS / "nci-pdq" / "nci_treatment_and_drug_pages.jsonl"
    for source, name in ((MEDQUAD, "medquad_with_answers.jsonl"), (nci, "nci_treatment_and_drug_pages.jsonl")):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:3]
        row = json.loads(lines[1])
        text_key = "answer" if source == MEDQUAD else "text"
        lines[1] = json.dumps({**row, text_key: "\ud800" + row[text_key]}) + "\n"  # written as the escape
        folder = tmp_path / name.split("_")[0]
        folder.mkdir()
        (folder / name).write_text("".join(lines), encoding="utf-8")
        report = build_index(get_settings(tmp_path / f"data-{folder.name}", env={}, corpus={"paths": [str(folder)]},
                                          index={"dense": False}))
        assert [(p.path, p.line, p.reason) for p in report.problems] == [
            (str(folder / name), 2, "text holds an invalid character (a lone surrogate such as \\ud800)")], name
        assert report.added >= 1, name


def test_medquad_pages_sharing_a_path_without_doc_id_or_qid_are_told_apart(tmp_path):
    """Two pages whose URLs differ only by a fragment, with neither doc_id nor qid: a KeyError escaped the reader."""
    rows = [json.loads(line) for line in MEDQUAD.read_text(encoding="utf-8").splitlines()[:2]]
    for row, fragment in zip(rows, ("", "#treatment")):
        del row["doc_id"], row["qid"]
        row["url"] = rows[0]["url"].split("#")[0] + fragment
    path = tmp_path / "medquad_with_answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    problems: list[IngestProblem] = []
    docs = list(read_medquad(path, problems))
    assert problems == []
    assert [d.url for d in docs] == [r["url"] for r in rows]
    assert len({d.id for d in docs}) == 2


def test_a_user_file_whose_first_line_is_malformed_is_still_read(tmp_path):
    """Only the first line decided the format, so a bad first line silently dropped the whole file."""
    folder = tmp_path / "mine"
    folder.mkdir()
    path = folder / "notes.jsonl"
    path.write_bytes(user_line().encode()[:50] + b"\xff\n" + user_line(sections="DROP").encode() + b"\n"
                     + user_line().encode() + b"\n")
    problems: list[IngestProblem] = []
    assert [d.id for d in read_corpus([folder], problems)] == ["lace-plant-pcd"]
    assert [(p.line, p.reason) for p in problems] == [(1, "not valid UTF-8 at byte 50"),
                                                     (2, "'sections' must be a non-empty list")]


def test_a_user_line_whose_type_is_not_a_string_costs_only_that_line(tmp_path):
    """Found by fuzzing: "type": [] raised TypeError (unhashable) out of the reader, ending the run."""
    path = tmp_path / "notes.jsonl"
    path.write_text(user_line(id="listed", type=[]) + "\n" + user_line() + "\n", encoding="utf-8")
    problems: list[IngestProblem] = []
    assert [d.id for d in read_user_jsonl(path, problems)] == ["lace-plant-pcd"]
    assert [p.line for p in problems] == [1] and problems[0].reason.startswith("'type' must be one of")


def test_gard_symptom_tables_stand_on_a_line_of_their_own_and_are_never_quoted(medquad):
    from medora.answer.statements import ENDS_SENTENCE, split_sentences

    doc = medquad["medquad-gard-373-quinquauds-decalvans-folliculitis"]
    text = next(s.text for s in doc.sections if "Human Phenotype Ontology provides" in s.text)
    table = next(line for line in text.splitlines() if "Approximate number of patients" in line)
    assert table.startswith("Signs and Symptoms") and table.endswith("Atypical scarring of skin 50%")
    assert not any(ENDS_SENTENCE.search(table[a:b]) for a, b in split_sentences(table))
    # Nothing but line breaks changed: the words are the page's own.
    row = next(json.loads(line) for line in MEDQUAD.open() if "quinquaud" in line.lower() and "Phenotype" in line)
    assert text.split() == row["answer"].split()


def test_medquad_flattened_lists_are_put_back_on_lines(medquad):
    doc = medquad["medquad-health-information-health-topics-diabetes-hypoglycemia-pages-index-aspx"]
    text = next(s.text for s in doc.sections if "quick-fix foods should be consumed" in s.text)
    lines = text.splitlines()
    lead = next(i for i, line in enumerate(lines) if line.endswith("to raise blood glucose:"))
    assert lines[lead + 1] == "- 3 or 4 glucose tablets"
    # The last item ends where the sentence after the list begins.
    assert lines[lead + 7] == "- 1 tablespoon of sugar or honey"
    assert lines[lead + 8].startswith("Recommended amounts may be less for small children.")
    # A list introduced without a colon, its items in lower case.
    assert "- learning what can trigger low blood glucose levels" in lines
    row = next(json.loads(line) for line in MEDQUAD.open() if "quick-fix foods should be consumed" in line)
    assert text.split() == row["answer"].split()  # only line breaks changed


def test_a_phrase_set_off_by_two_dashes_is_no_list(medquad):
    text = next(s.text for d in medquad.values() for s in d.sections if "neuron proliferation - the process" in s.text)
    assert "\n" not in text[text.index("In normal development"):text.index("appropriate time.")]


def test_abstract_aim_and_methods_sections_are_marked(abstracts):
    assert abstracts["pmid-27592038"].meta["design_sections"] == [
        "OBJECTIVE", "DESIGN", "PATIENTS", "INTERVENTION", "MEASUREMENTS",
    ]
    assert abstracts["pmid-21645374"].meta["design_sections"] == []  # background and results only
