"""How an answer reads in the terminal and in Markdown: a quoted list keeps its lines and nesting."""

from __future__ import annotations

import json

from conftest import CORPUS

from medora.answer.statements import option_lists
from medora.corpus.pdq_markdown import parse_markdown
from medora.render import to_markdown, to_text

NSCLC = "https://www.cancer.gov/types/lung/hp/non-small-cell-lung-treatment-pdq"


def _options_list() -> str:
    """The NSCLC summary's stage IIIB–IIIC treatment options, as the statement quoting it."""
    with (CORPUS / "nci-pdq" / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        row = next(json.loads(line) for line in f if NSCLC in line and json.loads(line)["url"] == NSCLC)
    sections, *_ = parse_markdown(row["text"])
    text = next(s.text for s in sections if "Treatment options for stages IIIB NSCLC and IIIC NSCLC include:" in s.text)
    return next(text[a:b] for a, b in option_lists(text) if text[a:b].startswith("Treatment options for stages IIIB"))


def _answer(text: str) -> dict:
    statement = {"text": text, "citations": [1], "label": "Evidence summary", "year": 2025}
    return {"question": "q", "abstained": False, "bottom_line": [statement],
            "sections": [{"title": "Other key evidence", "statements": [statement]}],
            "references": [{"n": 1, "label": "Evidence summary", "title": "Non-Small Cell Lung Cancer Treatment (PDQ®)"}],
            "disclaimer": "d", "corpus_version": "v", "generated_at": "t"}


def test_a_quoted_list_keeps_its_items_and_their_nesting():
    answer = _answer(_options_list())
    markdown = to_markdown(answer)
    assert ("- **Treatment options for stages IIIB NSCLC and IIIC NSCLC include:**\n"
            "  1. Sequential or concurrent chemotherapy and radiation therapy.\n"
            "     1. Radiation therapy dose escalation for concurrent chemoradiation.\n"
            "     2. Systemic consolidation therapy before or after concurrent chemoradiation therapy.\n"
            "        - Consolidation immunotherapy.\n") in markdown
    assert "\n  2. Radiation therapy alone. [1] (Evidence summary 2025)\n" in markdown
    text = to_text(answer)
    assert "  * Treatment options for stages IIIB NSCLC and IIIC NSCLC include:\n      1. Sequential" in text
    assert "\n        1. Radiation therapy dose escalation" in text
    assert "      2. Radiation therapy alone. [1] (Evidence summary 2025)" in text

