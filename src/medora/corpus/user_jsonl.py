"""Read your own documents from a JSONL file.

Format: UTF-8, one JSON object per line (blank lines are ignored)::

    {"id": "clinic-asthma-2024", "type": "guideline", "title": "Asthma in adults",
     "source": "Example Clinic", "year": 2024, "url": "https://example.org/asthma",
     "sections": [{"name": "Recommendations", "text": "Offer a SABA reliever ..."},
                  {"name": "Background", "text": "..."}],
     "audience": "professional", "date": "2024-03-01",
     "licence": "CC BY 4.0", "meta": {"reviewed_by": "..."}}

Required fields:

- ``id`` (string, unique; letters, digits, ``-``, ``_``, ``.``), ``title`` (string),
  ``source`` (string: the organisation or journal), ``sections`` (a non-empty list of
  ``{"name": string, "text": string}``; at least one text must be non-empty);
- ``type``: one of ``guideline``, ``summary``, ``systematic_review``, ``trial``, ``research``,
  ``patient_education``, ``drug_label`` (it sets how much the document counts as evidence);
- ``year``: an integer or ``null``; ``url``: a string or ``null``.

Optional: ``audience`` (``professional``, the default, or ``patient``), ``date`` (string),
``licence`` (string), ``meta`` (object). A guideline's section named "Major Recommendations"
is chunked like the NGC guidelines (statements kept whole with their ratings).

A file is read as this format when it ends in ``.jsonl`` and an object among its first
100 lines has ``"sections"``. A line that is not valid JSON or misses a required field is reported with
its line number and skipped; the other lines are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..types import EVIDENCE_RANK, Document, IngestProblem, Section
from .jsonl import json_objects

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def looks_like_user_jsonl(path: Path, lines: int = 100) -> bool:
    """True when one of the first ``lines`` lines is a JSON object with "sections".

    Not just the first line: a malformed first line must cost that line (reported by the
    reader), not the whole file.
    """
    try:
        with path.open("rb") as f:
            for _, raw in zip(range(lines), f):
                try:
                    row = json.loads(raw)
                except (UnicodeDecodeError, ValueError, RecursionError):
                    continue
                if isinstance(row, dict) and "sections" in row:
                    return True
    except OSError:
        return False
    return False


def read_user_jsonl(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read a user JSONL file (format in the module docstring)."""
    seen: set[str] = set()
    for number, row in json_objects(path, problems):
        try:
            doc = parse_user_document(row)
        except ValueError as e:
            problems.append(IngestProblem(str(path), number, str(e)))
            continue
        if doc.id in seen:
            problems.append(IngestProblem(str(path), number, f"duplicate id {doc.id!r}"))
            continue
        seen.add(doc.id)
        yield doc


MIN_YEAR, MAX_YEAR = 1, 9999  # what a date can hold; 10**30 would overflow the store


def parse_user_document(obj: Any) -> Document:
    """Validate one decoded line and build its Document.

    Raises:
        ValueError: with a message naming the first field that is wrong.
    """
    if not isinstance(obj, dict):
        raise ValueError("a line must be a JSON object")
    for name in ("id", "title", "source"):
        if not isinstance(obj.get(name), str) or not obj[name].strip():
            raise ValueError(f"'{name}' must be a non-empty string")
    if not _ID.fullmatch(obj["id"]):
        raise ValueError("'id' may hold only letters, digits, '-', '_' and '.'")
    if not isinstance(obj.get("type"), str) or obj["type"] not in EVIDENCE_RANK:
        raise ValueError(f"'type' must be one of {', '.join(EVIDENCE_RANK)}")
    year = obj.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise ValueError("'year' must be an integer or null")
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"'year' must be between {MIN_YEAR} and {MAX_YEAR}")
    for name in ("url", "date", "licence"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise ValueError(f"'{name}' must be a string")
    audience = obj.get("audience", "professional")
    if audience not in ("professional", "patient"):
        raise ValueError("'audience' must be 'professional' or 'patient'")
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("'meta' must be an object")
    try:  # what is stored must be storable: no lone surrogate ("\ud800"), no endless nesting
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text holds an invalid character (a lone surrogate such as \\ud800)") from None
    except (RecursionError, ValueError):
        raise ValueError("'meta' is nested too deeply") from None
    raw_sections = obj.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ValueError("'sections' must be a non-empty list")
    sections = []
    for i, s in enumerate(raw_sections):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not isinstance(s.get("text"), str):
            raise ValueError(f"sections[{i}] must be {{\"name\": string, \"text\": string}}")
        if s["text"].strip():
            sections.append(Section(s["name"].strip(), s["text"].strip()))
    if not sections:
        raise ValueError("every section text is empty")
    return Document(
        id=obj["id"],
        type=obj["type"],
        title=obj["title"].strip(),
        source=obj["source"].strip(),
        year=year,
        url=obj.get("url"),
        audience=audience,
        sections=tuple(sections),
        date=obj.get("date"),
        licence=obj.get("licence") or "",
        meta=dict(meta),
    )
