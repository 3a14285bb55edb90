"""Sidecar metadata: ``<file>.meta.json`` beside a document fills in or corrects what the file says.

For a PDF, Word, HTML, PubMed, PMC or SPL file ``guide.pdf``, Medora looks for ``guide.pdf.meta.json``,
then ``guide.meta.json``: one JSON object with any of these fields, which override the document's own::

    {"title": "Asthma in adults", "source": "Example Clinic", "year": 2024, "date": "2024-03-01",
     "url": "https://example.org/asthma", "type": "guideline", "audience": "professional",
     "licence": "CC BY 4.0", "id": "clinic-asthma-2024"}

A ``date`` given without a ``year`` sets the year too. ``type`` is one of the document types
(:data:`medora.types.EVIDENCE_RANK`); ``audience`` is ``professional`` or ``patient``; ``id`` may hold
letters, digits, ``-``, ``_`` and ``.`` and applies only to a file that holds one document (a PubMed
file of many articles keeps their PMIDs). A sidecar that is not valid JSON or has a wrong field is
reported (its path and the reason) and the document is read without it. Sidecar files are never read as corpus files themselves.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..types import EVIDENCE_RANK, Document, IngestProblem

SUFFIX = ".meta.json"
FIELDS = ("title", "source", "year", "date", "url", "type", "audience", "licence", "id")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MIN_YEAR, MAX_YEAR = 1, 9999


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIX)


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of ``path``, if one exists (``guide.pdf.meta.json`` before ``guide.meta.json``)."""
    for candidate in (path.with_name(path.name + SUFFIX), path.with_name(path.stem + SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def load_sidecar(path: Path) -> dict[str, Any]:
    """The validated fields of the sidecar file ``path``.

    Raises:
        ValueError: the file is not a JSON object of known, well-typed fields (the message says which).
        OSError: the file cannot be read.
    """
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"not valid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ValueError("a sidecar must be a JSON object")
    unknown = sorted(set(obj) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}; known: {', '.join(FIELDS)}")
    for name in ("title", "source", "date", "url", "licence", "id"):
        if name in obj and (not isinstance(obj[name], str) or not obj[name].strip()):
            raise ValueError(f"'{name}' must be a non-empty string")
    if "id" in obj and not _ID.fullmatch(obj["id"]):
        raise ValueError("'id' may hold only letters, digits, '-', '_' and '.'")
    year = obj.get("year")
    if "year" in obj and year is not None and (not isinstance(year, int) or isinstance(year, bool)
                                               or not MIN_YEAR <= year <= MAX_YEAR):
        raise ValueError(f"'year' must be an integer between {MIN_YEAR} and {MAX_YEAR}, or null")
    if "type" in obj and obj["type"] not in EVIDENCE_RANK:
        raise ValueError(f"'type' must be one of {', '.join(EVIDENCE_RANK)}")
    if "audience" in obj and obj["audience"] not in ("professional", "patient"):
        raise ValueError("'audience' must be 'professional' or 'patient'")
    return {k: v.strip() if isinstance(v, str) else v for k, v in obj.items()}


def with_sidecar(path: Path, documents: Iterator[Document], problems: list[IngestProblem]) -> Iterator[Document]:
    """``documents`` (all read from ``path``) with the fields of its sidecar applied, if it has one."""
    side = sidecar_path(path)
    if side is None:
        yield from documents
        return
    try:
        fields = load_sidecar(side)
    except (ValueError, OSError) as e:
        problems.append(IngestProblem(str(side), None, f"sidecar ignored: {e}"))
        yield from documents
        return
    first = next(documents, None)
    if first is None:
        return
    second = next(documents, None)
    if second is not None and "id" in fields:  # one id cannot name several documents
        problems.append(IngestProblem(str(side), None, f"'id' ignored: {path.name} holds more than one document"))
        fields = {k: v for k, v in fields.items() if k != "id"}
    yield _apply(first, fields)
    if second is not None:
        yield _apply(second, fields)
        for doc in documents:
            yield _apply(doc, fields)


def _apply(doc: Document, fields: dict[str, Any]) -> Document:
    changes = dict(fields)
    if "date" in changes and "year" not in changes:  # a new date brings its year unless one is given
        found = re.match(r"(\d{4})\b", changes["date"])
        if found:
            changes["year"] = int(found.group(1))
    return dataclasses.replace(doc, **changes)
