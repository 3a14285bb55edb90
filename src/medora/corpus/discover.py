"""Find the corpus files under the given paths and read each with its reader.

Formats, by file name:

=============================================  ===========================================
``ngc-*.xml`` (and any ``*.xml`` beside one)   NGC guideline summary (guideline_xml)
``ori_pqal.json``                              PubMedQA abstracts (pubmed)
``pdq_summaries.jsonl``, ``nci_*.jsonl``       NCI PDQ summaries and pages (pdq_markdown);
                                               ``pdq_references.jsonl`` is read with them
``medquad*.jsonl``                             MedQuAD question–answer pairs (medquad)
other ``*.jsonl`` with an object holding       your own documents (user_jsonl)
``"sections"`` in its first 100 lines
=============================================  ===========================================

Anything else in a folder (README, LICENSE, ``test_ground_truth.json`` ...) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import CorpusError, ParseError, UnsupportedSource
from ..types import Document, IngestProblem
from .guideline_xml import read_guideline
from .medquad import read_medquad
from .pdq_markdown import REFERENCES_FILE, read_nci
from .pubmed import read_pubmedqa
from .user_jsonl import looks_like_user_jsonl, read_user_jsonl

Reader = Callable[[Path, list[IngestProblem]], Iterator[Document]]


def _read_guideline(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    try:
        yield read_guideline(path)
    except ParseError as e:
        problems.append(IngestProblem(e.path, e.line, e.reason))
    except Exception as e:  # noqa: BLE001 - whatever else one file raises costs that file, not the run
        problems.append(IngestProblem(str(path), None, f"unreadable guideline: {type(e).__name__}: {e}"))


def reader_for(path: Path, ngc_folders: dict[Path, bool] | None = None) -> Reader | None:
    """The reader for one file, or None when it is no corpus format.

    ``ngc_folders`` caches, per folder, whether it holds ``ngc-*.xml`` files.
    """
    name = path.name.lower()
    if name.endswith(".xml"):
        cache = {} if ngc_folders is None else ngc_folders
        if path.parent not in cache:
            cache[path.parent] = any(path.parent.glob("ngc-*.xml"))
        return _read_guideline if name.startswith("ngc-") or cache[path.parent] else None
    if name == "ori_pqal.json":
        return read_pubmedqa
    if name == "pdq_summaries.jsonl" or (name.startswith("nci_") and name.endswith(".jsonl")):
        return read_nci
    if name.startswith("medquad") and name.endswith(".jsonl"):
        return read_medquad
    if name.endswith(".jsonl") and name != REFERENCES_FILE and looks_like_user_jsonl(path):
        return read_user_jsonl
    return None


def _files(folder: Path) -> list[Path]:
    """Files under ``folder``, hidden ones skipped, in a stable order."""
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_corpus(paths: list[Path], problems: list[IngestProblem]) -> Iterator[Document]:
    """Read every document under ``paths`` (files or folders, folders recursively).

    Args:
        paths: corpus files or folders (formats in the module docstring).
        problems: receives an IngestProblem (path, line, reason) for each malformed file or
            line, which is skipped; the rest is read.

    Returns:
        An iterator of Documents, lazily read, in a deterministic order: paths as given,
        files within a folder by relative path, a file reached twice read once.

    Raises:
        CorpusError: a path does not exist (raised at once, before any reading).
        UnsupportedSource: a path exists but holds no format Medora reads.
    """
    plan: list[tuple[Path, Reader]] = []
    seen: set[Path] = set()
    ngc_folders: dict[Path, bool] = {}
    for given in map(Path, paths):
        if not given.exists():
            raise CorpusError(f"Corpus path {given} does not exist.")
        candidates = _files(given) if given.is_dir() else [given]
        found = [(p, r) for p in candidates if (r := reader_for(p, ngc_folders)) is not None]
        if not found:
            if given.is_file() and given.name == REFERENCES_FILE:
                raise UnsupportedSource(
                    f"{given}: a reference list, read together with pdq_summaries.jsonl in its folder."
                )
            raise UnsupportedSource(
                f"{given}: no corpus format found (NGC ngc-*.xml, ori_pqal.json, pdq_summaries.jsonl / "
                "nci_*.jsonl, medquad*.jsonl, or a .jsonl of documents with \"sections\")."
            )
        for path, reader in found:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                plan.append((path, reader))
    return _read_all(plan, problems)


def _read_all(plan: list[tuple[Path, Reader]], problems: list[IngestProblem]) -> Iterator[Document]:
    for path, reader in plan:
        try:
            yield from reader(path, problems)
        except (OSError, UnicodeDecodeError) as e:
            problems.append(IngestProblem(str(path), None, f"cannot read: {e}"))
