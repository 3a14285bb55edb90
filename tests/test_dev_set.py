"""The dev set is checked against the real corpus: every gold passage exists as Medora chunks it
and holds its quote, every absent term of an unanswerable question is absent from every corpus file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, PUBMEDQA, SLICE_GUIDELINES

from medora.corpus.chunk import chunk_document
from medora.corpus.guideline_xml import read_guideline
from medora.corpus.medquad import read_medquad
from medora.corpus.pdq_markdown import REFERENCES_FILE, read_nci
from medora.evaluate import DEV_SET, load_dev_set
from medora.settings import CorpusSettings

DEV = load_dev_set(DEV_SET)
SETS = {"original", "realistic", "unanswerable", "off_topic"}
TYPES = {"definition", "diagnosis", "treatment", "drug_information", "dosing", "screening", "prevention",
         "prognosis", "harms"}
REALISTIC = [d for d in DEV if d["set"] == "realistic"]
UNANSWERABLE = [d for d in DEV if d["set"] == "unanswerable"]


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("–", "-").replace("—", "-").split())


def test_dev_set_shape():
    ids = [d["id"] for d in DEV]
    assert len(ids) == len(set(ids))
    assert {d["set"] for d in DEV} == SETS
    assert all(d["split"] in ("tune", "heldout") for d in DEV)
    assert all(d["answerable"] == (d["set"] in ("original", "realistic")) for d in DEV)
    assert len(REALISTIC) >= 150 and len(UNANSWERABLE) >= 40
    assert {d["type"] for d in REALISTIC} == TYPES
    assert len({d["specialty"] for d in REALISTIC + UNANSWERABLE}) >= 25
    assert {d["voice"] for d in REALISTIC} == {"clinician", "patient"}
    for d in REALISTIC:
        assert 1 <= len(d["gold_passages"]) == len(d["gold_quotes"]) <= 3
        assert set(d["gold"]) == {p.split("#")[0] for p in d["gold_passages"]}
        assert 2 <= len(d["expected_terms"]) <= 5
    for d in UNANSWERABLE:
        assert d["gold"] == [] and d["absent"] and all(len(t) >= 4 for t in d["absent"])
    # every slice guideline has an answerable question, so CI can run the dev set on the slice
    assert set(SLICE_GUIDELINES) <= {g for d in DEV if d["answerable"] for g in d["gold"]}


def test_splits_are_stratified():
    """About half of each set and question type is held out (to within one per group)."""
    groups = Counter((d["set"], d["type"], d["split"]) for d in DEV)
    for s, t in {(d["set"], d["type"]) for d in DEV}:
        assert abs(groups[(s, t, "tune")] - groups[(s, t, "heldout")]) <= 1
    split = Counter(d["split"] for d in DEV)
    assert abs(split["tune"] - split["heldout"]) <= 2


@pytest.mark.parametrize("item", [d for d in DEV if d["set"] == "original"], ids=lambda d: d["id"])
def test_original_expected_terms_are_in_the_gold_guideline(item):
    (gold,) = item["gold"]
    doc = read_guideline(CORPUS / "guidelines-ngc" / f"{gold}.xml")
    # (the whole field: an ACR literature review stands under headings of its own)
    text = _norm(" ".join(s.text for s in doc.sections if s.name.startswith("Major Recommendations")))
    assert [t for t in item["expected_terms"] if _norm(t) not in text] == []


@pytest.fixture(scope="module")
def gold_passages() -> dict[str, str]:
    """Passage id -> text, for every document a realistic question names, chunked as `medora index` does."""
    wanted = {g for d in REALISTIC for g in d["gold"]}
    docs = [read_guideline(CORPUS / "guidelines-ngc" / f"{g}.xml") for g in sorted(wanted) if g.startswith("ngc-")]
    problems: list = []
    for path in sorted((CORPUS / "nci-pdq").glob("*.jsonl")):
        if path.name != REFERENCES_FILE:
            docs += [d for d in read_nci(path, problems) if d.id in wanted]
    for path in sorted((CORPUS / "patient-education-medquad").glob("*.jsonl")):
        docs += [d for d in read_medquad(path, problems) if d.id in wanted]
    assert {d.id for d in docs} == wanted
    settings = CorpusSettings()
    return {p.id: p.text for doc in docs for p in chunk_document(doc, settings)}


def test_gold_passages_hold_their_quotes(gold_passages):
    bad = []
    for d in REALISTIC:
        for pid, quote in zip(d["gold_passages"], d["gold_quotes"]):
            if quote not in gold_passages.get(pid, ""):
                bad.append((d["id"], pid))
        quotes = _norm(" ".join(d["gold_quotes"]))
        bad += [(d["id"], t) for t in d["expected_terms"] if _norm(t) not in quotes]
    assert bad == []


@pytest.fixture(scope="module")
def corpus_words() -> set[bytes]:
    """Every lower-cased word of every corpus file (the indexed PubMedQA abstracts included)."""
    words: set[bytes] = set()
    for path in [p for p in sorted(CORPUS.rglob("*")) if p.is_file()] + [PUBMEDQA]:
        words.update(re.findall(rb"[a-z0-9]+", path.read_bytes().lower()))
    return words


def test_absent_terms_are_absent_from_the_corpus(corpus_words):
    """A multi-word term is absent when one of its words is (else it is searched for as a phrase)."""
    assert not _absent("trastuzumab deruxtecan", corpus_words)  # the check can see a present term
    assert [(d["id"], t) for d in UNANSWERABLE for t in d["absent"] if not _absent(t, corpus_words)] == []


def _absent(term: str, corpus_words: set[bytes]) -> bool:
    words = re.findall(rb"[a-z0-9]+", term.lower().encode())
    return not (all(w in corpus_words for w in words) and _in_some_file(term))


def _in_some_file(term: str) -> bool:
    needle = term.lower().encode()
    return any(needle in p.read_bytes().lower() for p in [*CORPUS.rglob("*"), PUBMEDQA] if Path(p).is_file())
