"""Fit the statement bar (``answer.compose.STATEMENT_BAR_FEATURES``) on statements a clinician labelled.

    python benchmarks/fit_statement_model.py [--data-dir DIR] [--write]

The labels are ``benchmarks/data/statement_labels.jsonl`` (``label_statements.py``: tune-split dev,
K-QA and ASCO questions, never one of the judged sample). Each labelled question is answered again
with the ratio bar open (``answer.min_*_ratio`` = 0, as when it was labelled); every statement the
fitted bar weighs is matched to its label by passage and span, with its features from the current
pipeline.

The model is a logistic regression with an L2 penalty, fitted by plain gradient descent from zero
(deterministic). An answer keeps the statements whose odds clear the threshold, and always its
likeliest one. The penalty and the threshold are chosen by cross-validation over questions
(``FOLDS`` folds, a question's statements never split): the threshold maximises F(``BETA``) of
useful statements kept, precision weighted over recall, because a clinician reading a padded
answer loses more than one reading a short one (JUDGING.md counts useful / shown). An answer whose likeliest statement's odds fall below every
labelled answerable question's (``not_found_below``) says not found instead of quoting it.

Measured and not kept: a conditional logit (ranking within each answer, keeping the statements
within a margin of the first) put a useful statement first about as often (31 against 29 of the
70 labelled questions holding one) but kept far more useless ones (best cross-validated F0.5 0.23
against 0.33): what the logistic model learns is also a level, so an answer with nothing useful
keeps one statement, not several.

``--write`` stores weights, bias and threshold in ``src/medora/answer/statement_bar_weights.json``.
The judged sample and the held-out split judge the fit, never this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

L2_CHOICES = (0.1, 0.03, 0.01, 0.003, 0.001)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(-2.0, 2.01, 0.1))
FOLDS = 5
BETA = 0.5
FLOOR_MARGIN = 0.25  # below the lowest likeliest odds of an answerable labelled question, for safety
STEPS = 4000
LEARNING_RATE = 0.5
LABELS_FILE = Path(__file__).resolve().parent / "data" / "statement_labels.jsonl"
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "src" / "medora" / "answer" / "statement_bar_weights.json"
OPEN_BAR = {"min_score_ratio": 0.0, "min_relevance_ratio": 0.0, "min_own_match_ratio": 0.0}


def collect(settings, index, labels: list[dict]) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(features, useful labels, question id) per labelled question, from the current pipeline."""
    from medora.answer import compose as composition
    from medora.answer.audience import ask

    from label_statements import questions

    by_question: dict[str, dict] = defaultdict(dict)
    for row in labels:
        by_question[row["id"]][(row["passage_id"], *row["span"])] = row["useful"]
    known = questions()
    asked = {qid: known[qid] for qid in by_question}
    groups = []
    useful, model = composition._useful, composition.statement_bar_model
    for qid, (question, audience) in asked.items():
        rows, ys, seen = [], [], set()

        def observe(chosen, answer_settings, query, focus, safety, **options):  # records what the bar sees
            if chosen:
                features = composition.statement_bar_features(chosen, focus, query,
                                                              answer_settings.bottom_line_match_ratio, safety)
                for c, x in zip(chosen, features):
                    key = (c.statement.passage_id, *c.statement.span)
                    if key in by_question[qid] and key not in seen:
                        seen.add(key)
                        rows.append(x)
                        ys.append(float(by_question[qid][key]))
            return chosen

        # Every statement reaches the recorder, whether or not a model is stored yet.
        composition._useful, composition.statement_bar_model = observe, lambda: ((), 0.0, 0.0, -1e9)
        try:
            ask(question, index, settings, audience=audience)
        finally:
            composition._useful, composition.statement_bar_model = useful, model
        if rows:
            groups.append((np.array(rows, dtype=float), np.array(ys), qid))
    return groups


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Logistic regression weights and bias minimising mean log loss plus ``l2``·|w|²/2."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= LEARNING_RATE * (x.T @ (p - y) / len(y) + l2 * w)
        b -= LEARNING_RATE * float(np.mean(p - y))
    return w, b


def kept_counts(groups, odds: list[np.ndarray], threshold: float) -> tuple[int, int, int]:
    """(useful kept, kept, useful in all) when each answer keeps its statements at or above
    ``threshold`` and always its likeliest one."""
    useful_kept = kept = total = 0
    for (_, y, _), z in zip(groups, odds):
        keep = z >= threshold
        keep[int(np.argmax(z))] = True
        useful_kept += int(y[keep].sum())
        kept += int(keep.sum())
        total += int(y.sum())
    return useful_kept, kept, total


def f_beta(useful_kept: int, kept: int, total: int) -> float:
    precision, recall = useful_kept / max(kept, 1), useful_kept / max(total, 1)
    return (1 + BETA**2) * precision * recall / max(BETA**2 * precision + recall, 1e-9)


def cross_validated_odds(groups, l2: float) -> list[np.ndarray]:
    odds: list[np.ndarray] = [np.zeros(0)] * len(groups)
    for fold in range(FOLDS):
        train = [g for i, g in enumerate(groups) if i % FOLDS != fold]
        w, b = fit(np.vstack([g[0] for g in train]), np.concatenate([g[1] for g in train]), l2)
        for i, g in enumerate(groups):
            if i % FOLDS == fold:
                odds[i] = g[0] @ w + b
    return odds


def main() -> None:
    from medora.answer.compose import STATEMENT_BAR_FEATURES
    from medora.index import open_index
    from medora.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--write", action="store_true", help="store the fitted model in the package")
    args = parser.parse_args()
    settings = get_settings(args.data_dir, answer=OPEN_BAR)
    index = open_index(settings)
    labels = [json.loads(line) for line in LABELS_FILE.read_text().splitlines() if line.strip()]
    groups = sorted(collect(settings, index, labels), key=lambda g: g[2])
    index.close()
    n = sum(len(y) for _, y, _ in groups)
    print(f"{len(groups)} questions, {n} labelled statements matched of {len(labels)}, "
          f"{int(sum(y.sum() for _, y, _ in groups))} useful")
    print("\n| L2 | threshold | useful kept | kept | precision | recall | F0.5 | useful statement first |")
    print("|---|---|---|---|---|---|---|---|")
    best = (-1.0, 0.0, 0.0)
    for l2 in L2_CHOICES:
        odds = cross_validated_odds(groups, l2)
        score, _, t = max((f_beta(*kept_counts(groups, odds, t)), l2, t) for t in THRESHOLDS)
        best = max(best, (score, l2, t))
        u, k, total = kept_counts(groups, odds, t)
        first = sum(int(y[int(np.argmax(z))] > 0) for (_, y, _), z in zip(groups, odds))
        print(f"| {l2} | {t:+.1f} | {u} | {k} | {u / k:.1%} | {u / total:.1%} | {score:.3f} | {first} |")
    _, l2, threshold = best
    # Not found: an answer whose likeliest statement is less likely useful than that of any labelled
    # question holding a useful statement (cross-validated, less ``FLOOR_MARGIN``) answers nothing.
    likeliest = [(float(z.max()), bool(y.sum() > 0)) for (_, y, _), z in zip(groups, cross_validated_odds(groups, l2))]
    floor = round(min(v for v, useful in likeliest if useful) - FLOOR_MARGIN, 2)
    print(f"not found below {floor:+.2f}: {sum(v < floor and not u for v, u in likeliest)} of "
          f"{sum(not u for _, u in likeliest)} questions with no useful statement, "
          f"{sum(v < floor and u for v, u in likeliest)} with one")
    base = kept_counts(groups, [np.ones(len(y)) for _, y, _ in groups], 0.0)
    print(f"\nwithout the bar: {base[0]} useful of {base[1]} kept ({base[0] / base[1]:.1%}); "
          f"{sum(int(y.sum() > 0) for _, y, _ in groups)} questions hold a useful statement")
    print(f"chosen: L2 {l2}, threshold {threshold:+.1f}")
    w, b = fit(np.vstack([g[0] for g in groups]), np.concatenate([g[1] for g in groups]), l2)
    print("\n| feature | weight |\n|---|---|")
    for name, value in zip(STATEMENT_BAR_FEATURES, w):
        print(f"| {name} | {value:+.2f} |")
    print(f"| (bias) | {b:+.2f} |")
    if args.write:
        WEIGHTS_FILE.write_text(json.dumps({
            "fitted_on": "statements labelled useful or not (benchmarks/data/statement_labels.jsonl; "
                         "benchmarks/fit_statement_model.py)",
            "questions": len(groups), "statements": n, "l2": l2, "threshold": threshold, "bias": round(b, 3),
            "not_found_below": floor,
            "weights": {name: round(float(v), 3) for name, v in zip(STATEMENT_BAR_FEATURES, w)},
        }, indent=1) + "\n")
        print(f"written {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
