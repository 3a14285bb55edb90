"""Is every answer statement really in the passage it cites?

Runs ``audience.ask`` over every answerable question of the clinical dev set and 50
PubMedQA questions, and checks each statement two ways:

- contained: ``cite.verify`` — the statement's text is in its passage, at its span;
- cited right: the statement's first reference number names that passage's document.

Prints a Markdown table and lists every failing statement.

    python benchmarks/faithfulness.py --data-dir .medora
    python benchmarks/faithfulness.py --data-dir /tmp/slice --pubmedqa 20
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from medora.answer.audience import ask  # noqa: E402
from medora.answer.cite import all_statements, verify  # noqa: E402
from medora.errors import EmptyQuery  # noqa: E402
from medora.evaluate import DEV_SET, load_data, load_dev_set  # noqa: E402
from medora.index.embedded import EmbeddedIndex  # noqa: E402
from medora.settings import get_settings  # noqa: E402


def check(question: str, index, settings) -> dict:
    try:
        answer = ask(question, index, settings)
    except EmptyQuery:
        return {"abstained": True, "statements": 0, "contained": 0, "cited_right": 0, "failures": []}
    by_number = {r.n: r for r in answer.references}
    failures, contained, cited_right = [], 0, 0
    for s, ok in verify(answer, index):
        first = by_number.get(s.citations[0]) if s.citations else None
        right = first is not None and first.doc_id == s.doc_id
        contained += ok
        cited_right += right
        if not (ok and right):
            failures.append({"passage_id": s.passage_id, "contained": ok, "cited_right": right, "text": s.text})
    return {"abstained": answer.abstained, "statements": len(all_statements(answer)), "contained": contained,
            "cited_right": cited_right, "failures": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="Medora data directory (default: $MEDORA_DATA or ./.medora).")
    parser.add_argument("--pubmedqa", type=int, default=50, help="PubMedQA questions to add (default 50).")
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="Dev set JSONL.")
    args = parser.parse_args(argv)

    settings = get_settings(args.data_dir)
    index = EmbeddedIndex(settings)
    data = load_data(settings, index, dev_path=args.dev)
    questions = [(d["id"], d["question"]) for d in load_dev_set(args.dev) if d["answerable"]]
    questions += [(f"pmid-{p}", it["QUESTION"]) for p, it in list(data.pubmedqa.items())[: args.pubmedqa]]
    results = [(qid, q, check(q, index, settings)) for qid, q in questions]
    index.close()

    answered = [r for _, _, r in results if not r["abstained"]]
    total = sum(r["statements"] for r in answered)
    contained = sum(r["contained"] for r in answered)
    cited = sum(r["cited_right"] for r in answered)

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f}%" if total else "–"

    print(f"Faithfulness over {len(questions)} questions ({len(answered)} answered, "
          f"{len(questions) - len(answered)} abstained)\n")
    print("| statements checked | contained in cited passage | first citation names its document | failing questions |")
    print("|---|---|---|---|")
    failing = [(qid, q, r) for qid, q, r in results if r["failures"]]
    print(f"| {total} | {contained} ({pct(contained)}) | {cited} ({pct(cited)}) | {len(failing)} |")
    if failing:
        print("\nFailures:\n")
        for qid, q, r in failing:
            print(f"- **{qid}** {q}")
            for f in r["failures"]:
                print(f"  - {f['passage_id']} contained={f['contained']} cited_right={f['cited_right']}: "
                      f"{f['text'][:200]}")
    return 0 if not failing else 1


if __name__ == "__main__":
    sys.exit(main())
