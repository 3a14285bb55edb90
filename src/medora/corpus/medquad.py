"""Read MedQuAD question–answer pairs (``medquad*.jsonl``) into patient-education Documents.

One line per pair: ``doc_id``, ``source`` (GHR, GARD, NIDDK ...), ``url``, ``focus``,
``qid``, ``qtype``, ``question``, ``answer``. The pairs of one page (same source and URL;
a MedQuAD ``doc_id`` numbers topics per source) become one Document, in file order:
one Section per question (name = the question, text = the answer). The chunker reads
``meta["sections_are_questions"]`` and makes passages of kind "qa".
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from ..types import Document, IngestProblem, Section
from .jsonl import json_objects
from .pdq_markdown import slug

LICENCE = "CC BY 4.0 (MedQuAD, Ben Abacha & Demner-Fushman 2019)"
# MedQuAD's source codes -> the organisation that wrote the page.
ORGANISATIONS = {
    "GHR": "Genetics Home Reference (U.S. National Library of Medicine)",
    "GARD": "Genetic and Rare Diseases Information Center (NIH)",
    "NIDDK": "National Institute of Diabetes and Digestive and Kidney Diseases",
    "NINDS": "National Institute of Neurological Disorders and Stroke",
    "MPlusHealthTopics": "MedlinePlus (U.S. National Library of Medicine)",
    "NIHSeniorHealth": "NIHSeniorHealth (National Institutes of Health)",
    "CancerGov": "National Cancer Institute",
    "NHLBI": "National Heart, Lung, and Blood Institute",
    "CDC": "Centers for Disease Control and Prevention",
}
_REQUIRED = ("source", "url", "question", "answer")
# GARD's symptom tables (from the Human Phenotype Ontology) lost their rows in MedQuAD: "... medical
# terms. Signs and Symptoms Approximate number of patients (when available) Alopecia 90% Pustule 90%
# ... The Human Phenotype Ontology (HPO) has collected ...". On a line of its own the table is no
# longer read as the start of the sentence after it, and, ending in no full stop, is never quoted.
_HPO_TABLE = re.compile(r"\s*(Signs and Symptoms Approximate number of patients \(when available\).*?)\s*"
                        r"(?=The Human Phenotype Ontology \(HPO\) has collected|\Z)", re.S)


# MedQuAD flattened the pages' bulleted lists into the running text: "... one of these quick-fix foods
# should be consumed right away to raise blood glucose: - 3 or 4 glucose tablets - 1 serving of glucose
# gel ... - 1 tablespoon of sugar or honey Recommended amounts may be less for small children." Read as
# one sentence it is too long to quote and its lead-in never stands with its items. Each item goes back
# on a line of its own.
_ITEM_MARK = re.compile(r"(?:^|(?<=\s))- (?=\S)")
# An item ends where the sentence after the list starts: a capitalised word after a lower-case word,
# without punctuation between them ("... sugar or honey Recommended amounts may be ..."). A word that
# cannot end an item ("people with Down syndrome") does not end one.
_ITEM_THEN_SENTENCE = re.compile(r"(?<=\s)(?P<word>[a-z][a-z0-9-]*) (?=[A-Z][a-z]+,? [a-z])")
_CANNOT_END = frozenset("a an the and or nor but of for with without to from in on at by as than like such "
                        "called named including include includes is are was were be been".split())
# Items are short; a longer run is more likely a sentence whose capital is a name.
MAX_ITEM_WORDS = 12


def _unflatten_lists(text: str) -> str:
    marks = [m.start() for m in _ITEM_MARK.finditer(text)]
    # Two dashes inside a sentence ("neuron proliferation - the process in which ... - is regulated")
    # set off a phrase; a list of two is introduced ("The two types ... are: - ... - ...").
    if len(marks) < 2 or (len(marks) == 2 and not re.search(r"(?:^|[:.])\s*$", text[: marks[0]])):
        return text
    pieces = [text[: marks[0]]]
    for a, b in zip(marks, marks[1:] + [len(text)]):
        pieces += _item_and_after(text[a:b])
    return "\n".join(piece.strip() for piece in pieces if piece.strip())


def _item_and_after(piece: str) -> list[str]:
    """An item, and the text after the list when the item runs into it."""
    for m in _ITEM_THEN_SENTENCE.finditer(piece):
        if len(piece[: m.end("word")].split()) > MAX_ITEM_WORDS:
            break
        after = piece[m.end():]
        # "... classical Hodgkin lymphoma." is the item's own words, not a sentence after it.
        if m["word"] not in _CANNOT_END and len(after.split(".", 1)[0].split()) >= 4:
            return [piece[: m.end("word")], after]
    return [piece]


def _answer(text: str) -> str:
    text = _HPO_TABLE.sub(lambda m: "\n" + m.group(1) + "\n", text.strip()).strip()
    return "\n".join(_unflatten_lists(line) for line in text.split("\n"))


def read_medquad(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read a MedQuAD JSONL file; a bad line is reported in ``problems`` and skipped."""
    pages: dict[tuple[str, str], list[dict]] = {}
    for number, row in json_objects(path, problems):
        missing = [k for k in _REQUIRED if not isinstance(row.get(k), str) or not row[k].strip()]
        if missing:
            problems.append(IngestProblem(str(path), number, f"missing {', '.join(missing)}"))
            continue
        pages.setdefault((row["source"], row["url"]), []).append(row)

    slugs = {key: slug(urlparse(key[1]).path) or slug(urlparse(key[1]).netloc) for key in pages}
    taken = Counter(slugs.values())
    for key, rows in pages.items():
        ident = slugs[key]
        if taken[ident] > 1:  # several pages share a path (URL fragments, other hosts)
            first = rows[0]
            ident += "-" + (slug(str(first.get("doc_id") or str(first.get("qid") or "").split("-")[0]))
                            or hashlib.sha1(key[1].encode()).hexdigest()[:10])  # neither: the URL's own hash
        yield _document("medquad-" + ident, rows)


def _document(ident: str, rows: list[dict]) -> Document:
    first = rows[0]
    focus = next((r["focus"].strip() for r in rows if isinstance(r.get("focus"), str) and r["focus"].strip()), "")
    title = focus or urlparse(first["url"]).path.rstrip("/").rsplit("/", 1)[-1] or first["url"]
    return Document(
        id=ident,
        type="patient_education",
        title=title,
        source=ORGANISATIONS.get(first["source"], first["source"]),
        year=None,
        url=first["url"],
        audience="patient",
        sections=tuple(Section(" ".join(r["question"].split()), _answer(r["answer"])) for r in rows),
        licence=LICENCE,
        meta={
            "sections_are_questions": True,
            "medquad_source": first["source"],
            "medquad_doc_id": first.get("doc_id"),
            "qtypes": [r.get("qtype") for r in rows],
        },
    )
