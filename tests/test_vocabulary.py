"""The compiled vocabulary against the packages it is compiled from, on real corpus text.

Like bm25s' ``compare_with_rank_bm25``: the same input through both, the whole output compared.
"""

from __future__ import annotations

import re

import pytest
import textstat
from conftest import CORPUS, SLICE_GUIDELINES
from drug_named_entity_recognition import find_drugs
from medical_named_entity_recognition import find_diseases

from medora.corpus import chunk_document, read_corpus
from medora.index.vocabulary import (
    ENTRY_FIELDS,
    Vocabulary,
    ensure_vocabulary,
    flesch_kincaid_grade,
    is_difficult_word,
    syllable_count,
    vocabulary_path,
)
from medora.query import _split_hyphens, _tokens
from medora.settings import CorpusSettings


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Vocabulary:
    vocabulary = Vocabulary(ensure_vocabulary(tmp_path_factory.mktemp("vocabulary-data")))
    yield vocabulary
    vocabulary.close()


@pytest.fixture(scope="module")
def passages() -> list[str]:
    paths = [CORPUS / "guidelines-ngc" / f"{name}.xml" for name in SLICE_GUIDELINES[:8]]
    docs = list(read_corpus(paths, []))
    return [p.text for doc in docs for p in chunk_document(doc, CorpusSettings())]


def _runs(text: str) -> list[list[str]]:
    """The token lists ``query._matches`` gives the finders: the words, and the words with hyphens split."""
    tokens = _tokens(text)
    return [[t[0] for t in tokens], [piece[0] for t in tokens for piece in _split_hyphens(t)]]


def _package(find, tokens):
    return [({k: data[k] for k in (*ENTRY_FIELDS, "match_type", "matching_string") if k in data}, i, j)
            for data, i, j in find(tokens)]


def test_finders_match_the_packages(compiled, passages):
    sentences = [s for text in passages for s in re.split(r"(?<=[.;:])\s+", text) if s.strip()]
    assert len(sentences) > 300
    found = {"drug": 0, "disease": 0}
    for sentence in sentences:
        for tokens in _runs(sentence):
            for kind, find in (("drug", find_drugs), ("disease", find_diseases)):
                ours = compiled.find(kind, tokens)
                assert ours == _package(find, tokens), (kind, tokens)
                found[kind] += len(ours)
    assert found["drug"] > 50 and found["disease"] > 500  # the comparison saw real matches of both kinds


def test_lookups_match_the_packages(compiled):
    from drug_named_entity_recognition import drugs_finder

    assert compiled.canonicals("drug", "kadcyla") == tuple(drugs_finder.drug_variant_to_canonical["kadcyla"])
    assert compiled.entry("drug", "ado-trastuzumab emtansine")["name"] == "Ado-trastuzumab Emtansine"
    brands = {v for v, d in drugs_finder.drug_variant_to_variant_data.items() if d.get("is_brand")}
    sample = sorted(brands)[::97] + sorted(set(drugs_finder.drug_variant_to_canonical) - brands)[::997]
    assert [compiled.is_brand("drug", v) for v in sample] == [v in brands for v in sample]
    assert compiled.is_brand("disease", "breast cancer") is False
    assert compiled.canonicals("drug", "no such drug") == ()
    assert compiled.entry("drug", "no such drug") == {}


def test_reading_grade_matches_textstat(compiled, passages):
    texts = passages[:200] + [" ".join(passages[i : i + 5]) for i in range(0, 100, 5)]
    texts += ["", "Yes.", "Don't stop.", "DON'T STOP NOW, 'they' said."]
    assert [flesch_kincaid_grade(t, compiled) for t in texts] == [textstat.flesch_kincaid_grade(t) for t in texts]
    assert [syllable_count(t, compiled) for t in texts[:50]] == [textstat.syllable_count(t) for t in texts[:50]]


def test_a_second_data_dir_gets_a_copy(compiled, tmp_path):
    path = ensure_vocabulary(tmp_path)
    assert path == vocabulary_path(tmp_path)
    assert path.read_bytes() == compiled.path.read_bytes()


def test_hyphenation_matches_pyphen(compiled, passages):
    from pyphen import Pyphen

    pyphen = Pyphen(lang="en_US")
    words = sorted({w for text in passages for w in re.findall(r"[\w']+", text.lower())})
    assert len(words) > 2000
    assert [compiled.hyphenation_points(w) for w in words] == [len(pyphen.positions(w)) for w in words]


def test_difficult_words_match_textstat(compiled, passages):
    words = sorted({w for text in passages[:100] for w in text.split()})[:3000] + ["", "heart attack", "Heart"]
    assert [is_difficult_word(w, compiled) for w in words] == [textstat.is_difficult_word(w) for w in words]
