"""The judged sample: a fixed, seeded set of questions rendered for a clinician judge
(``../shared/eval/JUDGING.md``), and the judges' scores added up.

    python benchmarks/judged_sample.py render --seed 2026 --out benchmarks/out/judged-2026
    # judges write DIR/scores/<id>.json (one per answer; fields below), seeing only DIR/answers/*.md
    python benchmarks/judged_sample.py aggregate benchmarks/out/judged-2026

The sample: ``DEV`` held-out answerable dev questions (every question type the set has, then
at random), ``UNANSWERABLE`` held-out unanswerable ones, ``KQA`` K-QA questions with must-haves (asked as
a patient would: audience ``patient_caregiver``) and ``ASCO`` ASCO guideline questions. The same seed
gives the same questions, so the next change is judged on the same sample.

A score file: {"id": "...", "bottom_line": 0-2, "useful": k, "statements": n, "completeness": 0-2,
"organisation": 0-2, "misleading": ["quoted statement", ...], "abstention": "honest" | "answered anyway"
| "n/a", "other_condition": k, "notes": "..."}
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

DEV, UNANSWERABLE, KQA, ASCO = 8, 3, 10, 10


def pick(seed: int) -> list[dict]:
    from medora.evaluate import load_dev_set
    from medora.evaluate_questions import load_asco, load_kqa, shared_eval_dir

    rng = random.Random(seed)
    dev = load_dev_set()
    answerable = sorted((d for d in dev if d["answerable"] and d["split"] == "heldout" and d["set"] == "realistic"),
                        key=lambda d: d["id"])
    rng.shuffle(answerable)
    chosen: list[dict] = []
    for item in answerable:  # one of each question type first, then at random
        if item["type"] not in {c["type"] for c in chosen}:
            chosen.append(item)
    chosen = (chosen + [a for a in answerable if a not in chosen])[:max(DEV, len(chosen))]
    unanswerable = sorted((d for d in dev if d["set"] == "unanswerable" and d["split"] == "heldout"),
                          key=lambda d: d["id"])
    labelled, _ = load_kqa(shared_eval_dir())
    asco = load_asco(shared_eval_dir())
    sample = [{**d, "source": "dev", "audience": "physician"} for d in chosen]
    sample += [{**d, "source": "dev-unanswerable", "audience": "physician"} for d in rng.sample(unanswerable, UNANSWERABLE)]
    sample += [{**d, "source": "kqa", "audience": "patient_caregiver"} for d in rng.sample(labelled, KQA)]
    sample += [{**d, "source": "asco", "audience": "physician"} for d in rng.sample(asco, ASCO)]
    return sample


def _for_the_judge(item: dict) -> list[str]:
    if item["source"] == "kqa":
        return ["", "## For the judge: physicians' must-have statements", ""] + [f"- {m}" for m in item["must_have"]]
    if item["source"] == "asco":
        return ["", f"## For the judge: the guideline authors' reference answer ({item['guideline_year']} guideline)",
                "", item["reference"]]
    if item["source"] == "dev-unanswerable":
        return ["", "## For the judge", "",
                f"The corpus has no source mentioning: {', '.join(item['absent'])}. The right answer says so."]
    return ["", "## For the judge: the passage a correct bottom line would quote", ""] + \
        [f"> {q}" for q in item.get("gold_quotes", [])]


def render(seed: int, out: Path, data_dir: str | None) -> None:
    from medora.answer.audience import ask
    from medora.answer.cite import to_json
    from medora.index import open_index
    from medora.render import to_markdown
    from medora.settings import get_settings

    settings = get_settings(data_dir)
    index = open_index(settings)
    (out / "answers").mkdir(parents=True, exist_ok=True)
    (out / "scores").mkdir(exist_ok=True)
    sample = pick(seed)
    manifest = []
    for n, item in enumerate(sample, start=1):
        name = f"{n:02d}"
        try:
            body = to_markdown(to_json(ask(item["question"], index, settings, audience=item["audience"])))
        except Exception as e:  # noqa: BLE001 — an error is what the judge sees, and is scored as such
            body = f"**Error:** {type(e).__name__}: {e}"
        lines = [f"# Answer {name} (audience: {item['audience']})", "", f"**Question:** {item['question']}", "",
                 body, *_for_the_judge(item)]
        (out / "answers" / f"{name}.md").write_text("\n".join(lines) + "\n")
        manifest.append({"answer": name, "id": item["id"], "source": item["source"], "type": item.get("type"),
                         "question": item["question"]})
    (out / "sample.json").write_text(json.dumps({"seed": seed, "answers": manifest}, indent=2))
    index.close()
    print(f"{len(manifest)} answers in {out / 'answers'}", file=sys.stderr)


def aggregate(out: Path) -> str:
    manifest = json.loads((out / "sample.json").read_text())
    source_of = {a["answer"]: a["source"] for a in manifest["answers"]}
    groups: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((out / "scores").glob("*.json")):
        score = json.loads(path.read_text())
        groups[source_of[score.get("id") or score["answer"]]].append(score)  # "id" as documented; "answer" in older files
    lines = [f"Judged sample, seed {manifest['seed']} ({sum(map(len, groups.values()))} answers judged)", "",
             "| set | n | bottom line (0-2) | useful statements | statements (median) | completeness (0-2) | "
             "organisation (0-2) | answers with a misleading statement | honest abstention |",
             "|---|---|---|---|---|---|---|---|---|"]
    for source in ("dev", "dev-unanswerable", "kqa", "asco"):
        scores = groups.get(source, [])
        if not scores:
            continue
        n = len(scores)
        useful, total = sum(s["useful"] for s in scores), sum(s["statements"] for s in scores)
        counts = sorted(s["statements"] for s in scores)
        abstention = [s for s in scores if s.get("abstention") in ("honest", "answered anyway")]
        lines.append(
            f"| {source} | {n} | {sum(s['bottom_line'] for s in scores) / n:.2f} | "
            f"{useful}/{total} ({100 * useful / total if total else 0:.0f}%) | {counts[n // 2]} | "
            f"{sum(s['completeness'] for s in scores) / n:.2f} | {sum(s['organisation'] for s in scores) / n:.2f} | "
            f"{sum(bool(s['misleading']) for s in scores)} of {n} | "
            + (f"{sum(s['abstention'] == 'honest' for s in abstention)} of {len(abstention)} |" if abstention else "– |"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--data-dir", default=None)
    a = sub.add_parser("aggregate")
    a.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "render":
        render(args.seed, args.out, args.data_dir)
    else:
        print(aggregate(args.out))


if __name__ == "__main__":
    main()
