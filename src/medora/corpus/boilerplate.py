"""Sentences that repeat across many documents: publishers' notes, rating definitions, disclaimers.

Found from the corpus itself at index time (``RepeatedSentences``), stored with the index, and
never quoted in an answer: a sentence that stands word for word in five guidelines says how the
publisher works, not what the evidence is for this patient.

    counter = RepeatedSentences()
    for passage in passages:
        counter.add(passage.doc_id, passage.text)
    keys = counter.repeated()          # sentence keys found in >= MIN_DOCUMENTS documents
    is_boilerplate("NICE produces guidance ...", keys)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

MIN_DOCUMENTS = 5  # in this many documents a sentence is the publisher's, not the evidence's
MIN_WORDS = 4  # shorter pieces ("Yes.", "Strong recommendation.") are left to other rules
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def sentence_key(sentence: str) -> str:
    """The same key for a sentence whatever its case, punctuation and spacing."""
    return hashlib.blake2b(" ".join(_WORD.findall(sentence.lower())).encode(), digest_size=8).hexdigest()


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if len(_WORD.findall(s.lower())) >= MIN_WORDS]


class RepeatedSentences:
    """Counts, per sentence, the documents it occurs in (up to ``MIN_DOCUMENTS``)."""

    def __init__(self) -> None:
        self._docs: dict[str, set[str]] = {}

    def add(self, doc_id: str, text: str) -> None:
        for sentence in sentences(text):
            seen = self._docs.setdefault(sentence_key(sentence), set())
            if len(seen) < MIN_DOCUMENTS:
                seen.add(doc_id)

    def repeated(self) -> list[str]:
        return sorted(key for key, docs in self._docs.items() if len(docs) >= MIN_DOCUMENTS)


def without_repeated_edges(text: str, start: int, end: int, repeated: Collection[str]) -> tuple[int, int]:
    """Narrow ``text[start:end]`` past the repeated sentences at its start and end ("... Alopecia 90%.
    The Human Phenotype Ontology (HPO) has collected information on how often ..."): the part left
    is the source's own words, or nothing (start == end) when every sentence repeats."""
    cuts = [start, *(start + m.end() for m in _SENTENCE_END.finditer(text[start:end])), end]
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]
    own = [(a, b) for a, b in pieces
           if len(_WORD.findall(text[a:b].lower())) < MIN_WORDS or sentence_key(text[a:b]) not in repeated]
    if len(own) == len(pieces):
        return start, end
    while pieces and pieces[0] not in own:
        pieces.pop(0)
    while pieces and pieces[-1] not in own:
        pieces.pop()
    return (pieces[0][0], pieces[-1][1]) if pieces else (start, start)


def is_boilerplate(statement: str, repeated: Collection[str]) -> bool:
    """Every sentence of the statement (at least one) repeats across many documents."""
    parts = sentences(statement) or [statement]
    return all(sentence_key(s) in repeated for s in parts)
