"""Statement labels for fitting the statement bar: which candidate statements a clinician finds useful.

    python benchmarks/label_statements.py render --out DIR [--seed 7] [--judged-seed 2026] [--dev 24 --kqa 18 --asco 18]
    # labellers write DIR/labels/<NN>.json, seeing only DIR/items/<NN>.md and JUDGING.md:
    #   {"item": "NN", "useful": [statement numbers], "best": statement number or null}
    python benchmarks/label_statements.py pack DIR   # adds to benchmarks/data/statement_labels.jsonl

The questions: realistic answerable dev questions of the tune split, K-QA questions with must-haves
and ASCO guideline questions, never one of the judged sample (``judged_sample.pick(judged_seed)``),
so the judged sample stays a test of the fitted bar. For each, every statement the answer could
hold before the bar (``answer.min_*_ratio`` set to 0) is listed, clinical and patient pages alike,
with its source, year and the heading it would be shown under; labellers mark the useful ones
(JUDGING.md's definition) and the one a bottom line should quote. The packed labels are keyed by
question id, passage and span (never the corpus text itself), so the fit (``fit_statement_bar.py``) recomputes the features from
the current pipeline. A later round (another seed, or the same questions after the pipeline
changed) lists only the statements not yet labelled, and ``pack`` adds its labels to the file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

DEV, KQA, ASCO = 24, 18, 18
LABELS_FILE = Path(__file__).resolve().parent / "data" / "statement_labels.jsonl"
OPEN_BAR = {"min_score_ratio": 0.0, "min_relevance_ratio": 0.0, "min_own_match_ratio": 0.0}


def labelled() -> dict[str, set[tuple[str, str]]]:
    """Question -> (passage, statement text) already labelled."""
    done: dict[str, set[tuple[str, str]]] = {}
    if LABELS_FILE.exists():
        for line in LABELS_FILE.read_text().splitlines():
            row = json.loads(line)
            done.setdefault(row["question"], set()).add((row["passage_id"], row["text"]))
    return done


def pick(seed: int, judged_seed: int, sizes: tuple[int, int, int] = (DEV, KQA, ASCO), new_questions: bool = False) -> list[dict]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from judged_sample import pick as judged_pick

    from medora.evaluate import load_dev_set
    from medora.evaluate_questions import load_asco, load_kqa, shared_eval_dir

    judged = {d["question"] for d in judged_pick(judged_seed)}
    if new_questions:  # another round on questions no round has labelled yet
        judged |= {questions()[qid][0] for qid in labelled()}
    rng = random.Random(seed)
    dev = sorted((d for d in load_dev_set() if d["answerable"] and d["split"] == "tune" and d["set"] == "realistic"),
                 key=lambda d: d["id"])
    kqa, _ = load_kqa(shared_eval_dir())
    asco = load_asco(shared_eval_dir())
    fresh = lambda items: [d for d in items if d["question"] not in judged]  # noqa: E731
    n_dev, n_kqa, n_asco = sizes
    sample = [{**d, "source": "dev", "audience": "physician"} for d in rng.sample(fresh(dev), n_dev)]
    sample += [{**d, "source": "kqa", "audience": "patient_caregiver"} for d in rng.sample(fresh(kqa), n_kqa)]
    sample += [{**d, "source": "asco", "audience": "physician"} for d in rng.sample(fresh(asco), n_asco)]
    return sample


def candidates(question: str, audience: str, index, settings) -> list[dict]:
    """Every statement the answer could hold before the bar, in the order the pipeline ranks them."""
    from medora.answer import compose as composition
    from medora.answer.audience import ask

    seen: dict[tuple[str, str], dict] = {}
    clear = composition._clear_the_bar

    def observe(chosen, answer_settings, query, exempt, **kwargs):
        for c in chosen:
            key = (c.statement.passage_id, c.statement.text)
            if key not in seen:
                seen[key] = {"passage_id": c.statement.passage_id, "text": c.statement.text, "span": c.statement.span,
                             "lead_in": c.statement.lead_in.text if c.statement.lead_in else "",
                             "section": c.section, "title": c.hit.document.title, "source": c.hit.document.source,
                             "year": c.hit.document.year, "audience": c.hit.document.audience}
        return clear(chosen, answer_settings, query, exempt, **kwargs)

    composition._clear_the_bar = observe
    try:
        ask(question, index, settings, audience=audience)
    finally:
        composition._clear_the_bar = clear
    return list(seen.values())


def _for_the_labeller(item: dict) -> list[str]:
    if item["source"] == "kqa":
        return ["## Physicians' must-have statements", ""] + [f"- {m}" for m in item["must_have"]]
    if item["source"] == "asco":
        return [f"## The guideline authors' reference answer ({item['guideline_year']} guideline)", "", item["reference"]]
    return ["## The passage a correct bottom line would quote", ""] + [f"> {q}" for q in item.get("gold_quotes", [])]


def labelled_items() -> list[dict]:
    """The questions earlier rounds labelled, as ``pick`` gives them, in the order first labelled."""
    from medora.evaluate import load_dev_set
    from medora.evaluate_questions import load_asco, load_kqa, shared_eval_dir

    kqa, _ = load_kqa(shared_eval_dir())
    sets = {**{d["id"]: {**d, "source": "dev", "audience": "physician"} for d in load_dev_set()},
            **{d["id"]: {**d, "source": "kqa", "audience": "patient_caregiver"} for d in kqa},
            **{d["id"]: {**d, "source": "asco", "audience": "physician"} for d in load_asco(shared_eval_dir())}}
    return [sets[qid] for qid in labelled()]


def render(seed: int, judged_seed: int, out: Path, data_dir: str | None,
           sizes: tuple[int, int, int] = (DEV, KQA, ASCO), new_questions: bool = False, again: bool = False) -> None:
    from medora.index import open_index
    from medora.settings import get_settings

    settings = get_settings(data_dir, answer=OPEN_BAR)
    index = open_index(settings)
    (out / "items").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(exist_ok=True)
    manifest = []
    done = labelled()
    for n, item in enumerate(labelled_items() if again else pick(seed, judged_seed, sizes, new_questions), start=1):
        name = f"{n:02d}"
        known = done.get(item["id"], set())
        rows = [r for r in candidates(item["question"], item["audience"], index, settings)
                if (r["passage_id"], *r["span"]) not in known]
        if not rows:
            continue
        lines = [f"# Item {name} (asked by: {item['audience']})", "", f"**Question:** {item['question']}", "",
                 "## Candidate statements", ""]
        for k, row in enumerate(rows, start=1):
            context = f" *(context: {row['lead_in']})*" if row["lead_in"] else ""
            lines.append(f"S{k}. [{row['section']}] {row['text']}{context}  \n"
                         f"   — {row['title']} ({row['source']}, {row['year'] or 'n.d.'}; {row['audience']} page)")
        lines += ["", *_for_the_labeller(item)]
        (out / "items" / f"{name}.md").write_text("\n".join(lines) + "\n")
        manifest.append({"item": name, "id": item["id"], "source": item["source"], "audience": item["audience"],
                         "question": item["question"], "statements": rows})
    (out / "manifest.json").write_text(json.dumps({"seed": seed, "judged_seed": judged_seed, "items": manifest},
                                                  indent=1))
    index.close()
    print(f"{len(manifest)} items, {sum(len(m['statements']) for m in manifest)} statements in {out}", file=sys.stderr)


def questions() -> dict[str, tuple[str, str]]:
    """Question id -> (question, audience) of every set the labels come from."""
    from medora.evaluate import load_dev_set
    from medora.evaluate_questions import load_asco, load_kqa, shared_eval_dir

    kqa, _ = load_kqa(shared_eval_dir())
    found = {d["id"]: (d["question"], "physician") for d in [*load_dev_set(), *load_asco(shared_eval_dir())]}
    return found | {d["id"]: (d["question"], "patient_caregiver") for d in kqa}


def labelled() -> dict[str, set[tuple[str, int, int]]]:
    """Question id -> (passage, span) of the statements already labelled."""
    done: dict[str, set[tuple[str, int, int]]] = {}
    if LABELS_FILE.exists():
        for line in LABELS_FILE.read_text().splitlines():
            row = json.loads(line)
            done.setdefault(row["id"], set()).add((row["passage_id"], *row["span"]))
    return done


def pack(out: Path, data_dir: str | None) -> None:
    """Add one line per labelled statement: question id, set, passage, span, useful, best. The
    statement is kept as its passage and span, never its text: the corpus stays in ../shared."""
    from medora.index import open_index
    from medora.settings import get_settings

    index = open_index(get_settings(data_dir))
    manifest = json.loads((out / "manifest.json").read_text())
    known = labelled()
    rows = []
    for item in manifest["items"]:
        path = out / "labels" / f"{item['item']}.json"
        if not path.exists():
            continue
        label = json.loads(path.read_text())
        useful = set(label.get("useful") or [])
        for k, s in enumerate(item["statements"], start=1):
            start = index.passage(s["passage_id"]).text.find(s["text"])
            span = (start, start + len(s["text"]))
            if start < 0 or (s["passage_id"], *span) in known.get(item["id"], set()):
                continue
            rows.append({"id": item["id"], "source": item["source"], "passage_id": s["passage_id"], "span": span,
                         "useful": k in useful, "best": label.get("best") == k})
    index.close()
    LABELS_FILE.parent.mkdir(exist_ok=True)
    with LABELS_FILE.open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    print(f"{len(rows)} labelled statements, {sum(r['useful'] for r in rows)} useful -> {LABELS_FILE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render")
    r.add_argument("--seed", type=int, default=7)
    r.add_argument("--judged-seed", type=int, default=2026)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--data-dir", default=None)
    r.add_argument("--new-questions", action="store_true", help="only questions no earlier round labelled")
    r.add_argument("--again", action="store_true",
                   help="the questions earlier rounds labelled, for the statements the pipeline now weighs that no round has")
    r.add_argument("--dev", type=int, default=DEV)
    r.add_argument("--kqa", type=int, default=KQA)
    r.add_argument("--asco", type=int, default=ASCO)
    p = sub.add_parser("pack")
    p.add_argument("out", type=Path)
    p.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    if args.command == "render":
        render(args.seed, args.judged_seed, args.out, args.data_dir, (args.dev, args.kqa, args.asco), args.new_questions,
               args.again)
    else:
        pack(args.out, args.data_dir)


if __name__ == "__main__":
    main()
