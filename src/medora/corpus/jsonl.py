"""JSON Lines files: one decoded object per line, bad lines reported with their number.

Every JSONL reader of the corpus (NCI pages and PDQ references, MedQuAD, user files)
reads through :func:`json_objects`, so a blank line is skipped, undecodable text or a
line that is not an object is reported the same way everywhere, and the rest is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ..types import IngestProblem

# A lone surrogate can enter only through a JSON escape: the line itself is valid UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_objects(path: Path, problems: list[IngestProblem]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each line of ``path`` holding a JSON object.

    Each line is decoded on its own, so invalid UTF-8, a line nested too deeply to decode or
    text holding a lone surrogate (``"\\ud800"``, which no store can encode) is reported with
    its number and the lines after it are still read.
    """
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                problems.append(IngestProblem(str(path), number, f"not valid UTF-8 at byte {e.start}"))
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(IngestProblem(str(path), number, f"not valid JSON: {e.msg}"))
                continue
            except RecursionError:
                problems.append(IngestProblem(str(path), number, "nested too deeply to read"))
                continue
            if not isinstance(row, dict):
                problems.append(IngestProblem(str(path), number, "a line must be a JSON object"))
                continue
            if _SURROGATE_ESCAPE.search(line) and not _encodable(row):
                problems.append(IngestProblem(str(path), number,
                                              "text holds an invalid character (a lone surrogate such as \\ud800)"))
                continue
            yield number, row


def _encodable(row: dict) -> bool:
    try:
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
