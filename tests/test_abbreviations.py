"""Abbreviation definitions mined from real guideline text (Schwartz–Hearst)."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

from conftest import CORPUS, SLICE_GUIDELINES

from medora.corpus.abbreviations import AbbreviationCounter, AcronymHomographs, find_abbreviations

_TAG = re.compile(r"<[^>]+>")


def guideline_fields(ngc_id: str) -> dict[str, str]:
    """Field name -> plain text of one NGC summary (values unescaped, HTML tags dropped)."""
    root = ET.parse(CORPUS / "guidelines-ngc" / f"{ngc_id}.xml").getroot()
    return {
        field.get("Name"): " ".join(_TAG.sub(" ", html.unescape(v.get("Value") or "")) for v in field.iter("FieldValue"))
        for field in root.iter("Field")
    }


def mine(ngc_ids: list[str]) -> AbbreviationCounter:
    counter = AbbreviationCounter()
    for ngc_id in ngc_ids:
        for text in guideline_fields(ngc_id).values():
            counter.add(text)
    return counter


def test_long_form_then_short_form_in_ngc_10495():
    text = guideline_fields("ngc-10495")["Major Recommendations"]
    assert find_abbreviations(text) == [
        ("HER2", "human epidermal growth factor receptor 2"),
        ("ER", "estrogen receptor"),
        ("PgR", "progesterone receptor"),
    ]
    # Also in the text, and rightly not found: "trastuzumab emtansine" has no "d" for the
    # D of T-DM1, so no letter-for-letter definition exists (the drug vocabulary knows T-DM1).
    assert "trastuzumab emtansine [T-DM1]" in text


def test_square_brackets_in_ngc_10008():
    pairs = find_abbreviations(guideline_fields("ngc-10008")["Major Outcomes Considered"])
    assert "myocardial infarction [MI]" in guideline_fields("ngc-10008")["Major Outcomes Considered"]
    assert [p for p in pairs if p[0] == "MI"] == [("MI", "myocardial infarction")]


def test_short_form_then_long_form_in_ngc_10624():
    text = guideline_fields("ngc-10624")["Interventions and Practices Considered"]
    assert find_abbreviations(text) == [
        ("CT", "Computed tomographic"),
        ("MRI", "Magnetic resonance imaging"),
        ("SCPRT", "short-course preoperative radiotherapy"),
        ("FOLFOX", "folinic acid plus fluorouracil plus oxaliplatin"),
        ("FOLFIRI", "folinic acid plus fluorouracil plus irinotecan"),
    ]


def test_a_place_in_brackets_is_no_definition():
    text = guideline_fields("ngc-10013")["Guideline Status"]
    assert "Ann Arbor (MI)" in text
    assert [p for p in find_abbreviations(text) if p[0] == "MI"] == []


def test_text_without_brackets():
    assert find_abbreviations("") == []
    assert find_abbreviations(guideline_fields("ngc-10495")["Guideline Title"]) == []


def test_counter_keeps_frequent_long_forms_over_the_slice():
    counter = mine(SLICE_GUIDELINES + ["ngc-8078"])
    assert {long: n for (short, long), n in counter.counts.items() if short == "mi"} == {
        "myocardial infarction": 10,
        "post-myocardial infarction": 6,  # all in ngc-8078
        "minimal intervention": 1,
    }
    assert {long: n for (short, long), n in counter.counts.items() if short == "ace"} == {
        "angiotensin-converting enzyme": 12,
        "angiotensin converting enzyme": 1,
    }
    best = counter.best(min_count=2)
    # "minimal intervention": seen once; "post-myocardial infarction": extends a more frequent long form.
    assert best["mi"] == ["myocardial infarction"]
    # Two spellings, one long form.
    assert best["ace"] == ["angiotensin-converting enzyme"]
    assert best["her2"] == ["human epidermal growth factor receptor 2"]
    assert "t-dm1" not in best
    assert counter.best(min_count=1)["mi"] == ["myocardial infarction", "minimal intervention"]


def ice_texts() -> tuple[list[str], list[str]]:
    """NCI's pages on the ICE and R-ICE regimens, and the MedlinePlus answers that say "ice"."""
    with (CORPUS / "nci-pdq" / "nci_treatment_and_drug_pages.jsonl").open(encoding="utf-8") as f:
        regimens = [row["text"] for row in map(json.loads, f) if re.search(r"/drugs/(r-)?ice$", row["url"])]
    with (CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl").open(encoding="utf-8") as f:
        pages = [row["answer"] for row in map(json.loads, f) if re.search(r"\bice\b", row["answer"])]
    return regimens, pages


def test_a_word_written_more_often_as_a_word_than_as_an_acronym_is_a_homograph():
    """The regimen pages write ICE; patient pages write "ice" more often: "ice" is a word that is also
    an acronym. "NHL" is written only in capitals: an acronym, no homograph."""
    regimens, pages = ice_texts()
    homographs = AcronymHomographs()
    for text in regimens:
        homographs.add(text)
    assert homographs.words(min_capitals=1) == []  # capitals only so far
    for text in pages:
        homographs.add(text)
    assert "ice" in homographs.words()
    assert "nhl" not in homographs.words(min_capitals=1)
    assert "ice" not in homographs.words(min_capitals=homographs.capitals["ICE"] + 1)  # a one-off shout is none
