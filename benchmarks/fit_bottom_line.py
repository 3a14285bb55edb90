"""Fit the bottom-line model (``answer.compose.BOTTOM_LINE_FEATURES``) on the dev set's tune split.

    python benchmarks/fit_bottom_line.py [--data-dir DIR] [--write]

For every realistic tune question with a gold passage, the statements the answer holds (those the
bottom line is chosen from) are recorded with their features. A statement is a right bottom line
when it quotes the gold passage and covers at least ``GOLD_COVERAGE`` of a gold quote's words, or
covers ``ANY_COVERAGE`` of them from any passage. The weights are those of a conditional logit (a
softmax over each answer's statements) with an L2 penalty, fitted by plain gradient descent from
zero: deterministic, no random state. The penalty is chosen by leave-one-out cross-validation. Questions whose answer holds no right statement teach nothing
about choosing among statements and are left out.

``--write`` stores the weights in ``src/medora/answer/bottom_line_weights.json``. The held-out split
judges the fit (``medora eval`` and the judged sample), never this script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

GOLD_COVERAGE = 0.3
ANY_COVERAGE = 0.6
L2_CHOICES = (0.3, 0.1, 0.03, 0.01, 0.003)  # chosen by leave-one-out cross-validation on the tune split
STEPS = 3000
LEARNING_RATE = 0.5
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "src" / "medora" / "answer" / "bottom_line_weights.json"


def collect(settings, index, questions: list[dict]) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(features, labels, question id) of each answer whose statements include a right one."""
    from medora.answer import compose as composition
    from medora.evaluate_measures import coverage

    groups: list[tuple[np.ndarray, np.ndarray, str]] = []
    current: dict = {}
    choose = composition._bottom_line

    def observe(chosen, focus, query, match_ratio, **options):  # records what the bottom line sees, changes nothing
        pool = composition.bottom_line_pool(chosen, query)
        if pool:
            item = current["item"]
            rows = composition.bottom_line_features(pool, focus, query, match_ratio)
            quotes = item.get("gold_quotes") or []
            labels = []
            for c in pool:
                text = f"{c.statement.lead_in.text if c.statement.lead_in else ''} {c.statement.text}"
                best = max((coverage(q, text) for q in quotes), default=0.0)
                labels.append(float(best >= ANY_COVERAGE or (c.statement.passage_id in item["gold_passages"]
                                                             and best >= GOLD_COVERAGE)))
            if any(labels):
                groups.append((np.array(rows, dtype=float), np.array(labels), item["id"]))
        return choose(chosen, focus, query, match_ratio, **options)

    composition._bottom_line = observe
    try:
        for item in questions:
            current["item"] = item
            composition.compose(item["question"], index, settings)
    finally:
        composition._bottom_line = choose
    return groups


def fit(groups: list[tuple[np.ndarray, np.ndarray, str]], dims: int, l2: float) -> np.ndarray:
    """Weights maximising the mean log-probability of the right statements, minus an ``l2`` penalty."""
    longest = max(len(y) for _, y, _ in groups)
    x = np.zeros((len(groups), longest, dims))
    right = np.zeros((len(groups), longest))
    present = np.zeros((len(groups), longest), dtype=bool)
    for g, (rows, labels, _) in enumerate(groups):
        x[g, : len(labels)] = rows
        right[g, : len(labels)] = labels / labels.sum()
        present[g, : len(labels)] = True
    w = np.zeros(dims)
    for _ in range(STEPS):
        z = np.where(present, x @ w, -np.inf)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = l2 * w - np.einsum("gn,gnd->d", right - p, x) / len(groups)
        w -= LEARNING_RATE * grad
    return w


def top1(groups, w: np.ndarray) -> float:
    return sum(float(y[int(np.argmax(x @ w))] > 0) for x, y, _ in groups) / max(len(groups), 1)


def main() -> None:
    from medora.answer.compose import BOTTOM_LINE_FEATURES, bottom_line_weights
    from medora.evaluate import load_dev_set
    from medora.index import open_index
    from medora.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--write", action="store_true", help="store the fitted weights in the package")
    args = parser.parse_args()
    settings = get_settings(args.data_dir)
    index = open_index(settings)
    questions = [d for d in load_dev_set()
                 if d["split"] == "tune" and d["set"] == "realistic" and d.get("gold_passages")]
    groups = collect(settings, index, questions)
    dims = len(BOTTOM_LINE_FEATURES)
    # Leave-one-out: with a few dozen questions, k-fold splits move the choice more than the penalty does.
    folds = {l2: sum(top1([g], fit(groups[:i] + groups[i + 1:], dims, l2)) for i, g in enumerate(groups)) / len(groups)
             for l2 in L2_CHOICES}
    l2 = max(L2_CHOICES, key=lambda v: (folds[v], v))
    print("cross-validated right bottom line by L2 penalty: " + ", ".join(f"{v}: {folds[v]:.1%}" for v in L2_CHOICES))
    w = fit(groups, dims, l2)
    print(f"{len(questions)} tune questions, {len(groups)} with a right statement among the answer's")
    print(f"right bottom line among those: current weights {top1(groups, np.array(bottom_line_weights())):.1%}, "
          f"fitted {top1(groups, w):.1%}")
    print("| feature | weight |\n|---|---|")
    for name, value in zip(BOTTOM_LINE_FEATURES, w):
        print(f"| {name} | {value:+.2f} |")
    if args.write:
        fitted = {"fitted_on": "dev set, tune split, realistic questions (benchmarks/fit_bottom_line.py)",
                  "questions": len(groups), "l2": l2, "weights": {n: round(float(v), 3) for n, v in zip(BOTTOM_LINE_FEATURES, w)}}
        WEIGHTS_FILE.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
        print(f"written to {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
