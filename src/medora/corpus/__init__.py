"""The corpus stage: read sources into Documents and cut them into Passages.

- :func:`read_corpus` (discover.py) finds and reads NGC guideline XML, PubMedQA abstracts,
  NCI PDQ® / cancer.gov JSONL, MedQuAD JSONL and user JSONL, and the formats a user brings, told by
  their content: PubMed, PMC/JATS and DailyMed SPL XML, PDF, DOCX and HTML;
- :func:`chunk_document` (chunk.py) cuts a Document into structure-following Passages.

The readers are imported on first use of ``read_corpus``: answering a question needs none of them.
"""

from .chunk import chunk_document

__all__ = ["chunk_document", "read_corpus"]


def __getattr__(name: str):
    if name == "read_corpus":
        from .discover import read_corpus

        return read_corpus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
