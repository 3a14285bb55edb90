"""The corpus stage: read sources into Documents and cut them into Passages.

- :func:`read_corpus` (discover.py) finds and reads NGC guideline XML, PubMedQA abstracts,
  NCI PDQ® / cancer.gov JSONL, MedQuAD JSONL and user JSONL;
- :func:`chunk_document` (chunk.py) cuts a Document into structure-following Passages.
"""

from .chunk import chunk_document
from .discover import read_corpus

__all__ = ["chunk_document", "read_corpus"]
