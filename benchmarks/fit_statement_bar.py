"""Fit the statement bar (``answer.min_score_ratio``, ``answer.min_relevance_ratio``) on the dev
set's tune split: how many statements each pair of ratios keeps, against how many gold passages
(the statements a correct answer quotes) it keeps.

    python benchmarks/fit_statement_bar.py [--data-dir DIR]

Every statement that would be chosen with no bar is recorded with its score and its match with the
question, each as a share of the best in its answer; the table then shows, per pair of ratios,
statements kept, their median per answer, gold statements kept and questions still quoting gold.
The chosen pair is the one that drops most statements while keeping nearly every gold statement
(measured: 0.6 / 0.4 kept 104 of 110 gold statements and 70 of 72 questions with gold, with a
median of 7 statements instead of 17.5). Run on the tune split only; the held-out split judges it.
"""

from __future__ import annotations

import argparse
import statistics

RATIOS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def main() -> None:
    from medora.answer import compose as composition
    from medora.evaluate import load_dev_set
    from medora.index import open_index
    from medora.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    settings = get_settings(args.data_dir, answer={"min_score_ratio": 0.0, "min_relevance_ratio": 0.0})
    index = open_index(settings)
    records: list[tuple[str, str, float, float, bool]] = []
    current = {"id": ""}
    clear = composition._clear_the_bar

    def observe(chosen, answer_settings, query, exempt, *args, **options):  # records what the bar sees, changes nothing
        kept = clear(chosen, answer_settings, query, exempt, *args, **options)
        free = {id(c) for c in exempt}
        best = max((c.statement.score for c in kept if id(c) not in free), default=1.0) or 1.0
        best_match = max((c.relevance for c in kept if id(c) not in free), default=1.0) or 1.0
        records.extend((current["id"], c.statement.passage_id, c.statement.score / best, c.relevance / best_match,
                        id(c) in free) for c in kept)
        return kept

    composition._clear_the_bar = observe
    questions = [d for d in load_dev_set() if d["split"] == "tune" and d["set"] == "realistic"]
    for item in questions:
        current["id"] = item["id"]
        composition.compose(item["question"], index, settings)
    gold = {d["id"]: set(d["gold_passages"]) for d in questions}
    print("| score ratio | match ratio | statements | median per answer | gold statements | questions with gold |")
    print("|---|---|---|---|---|---|")
    for score_ratio in RATIOS:
        for match_ratio in RATIOS[:6]:
            kept = [r for r in records if r[4] or (r[2] >= score_ratio and r[3] >= match_ratio)]
            per: dict[str, int] = {}
            for r in kept:
                per[r[0]] = per.get(r[0], 0) + 1
            with_gold = [r for r in kept if r[1] in gold[r[0]]]
            print(f"| {score_ratio} | {match_ratio} | {len(kept)} | {statistics.median(per.values()) if per else 0} "
                  f"| {len(with_gold)} | {len({r[0] for r in with_gold})} |")
    index.close()


if __name__ == "__main__":
    main()
