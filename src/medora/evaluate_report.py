"""Write evaluation results as JSON, Markdown and PNG; the `medora eval` command.

    medora eval                          # all suites, results in benchmarks/out/eval-<timestamp>/
    medora eval retrieval answers --limit 50 --out /tmp/eval
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from .answer import AUDIENCES
from .evaluate import KS, SUITES, SuiteResult


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


# -- Markdown per suite ---------------------------------------------------------------

def _spread_rows(key: str) -> list[tuple[str, str, Any]]:
    """Statements per answer: median, quartiles, max, under ``key`` + "median", "p25", ..."""
    return [(f"statements per answer ({q})", f"{key}{q}", _fmt) for q in ("median", "p25", "p75", "max")]


# The precision proxies, read beside coverage in every answer suite (eval/README.md).
PROXY_ROWS = [
    ("boilerplate statements", "boilerplate_share", _pct),
    ("statements naming another condition", "other_condition_share", _pct),
    ("statements naming another population", "other_population_share", _pct),
]
ANSWER_METRICS = [
    ("answerable questions", "answerable", str), ("off-topic questions", "off_topic", str),
    ("status answered", "status_answered", _pct), ("status partial", "status_partial", _pct),
    ("status not found", "status_not_found", _pct), ("off-topic abstained", "abstained_off_topic", _pct),
    ("abstention accuracy", "abstention_accuracy", _pct),
    ("gold document in bottom line", "gold_in_bottom_line", _pct),
    ("gold document cited anywhere", "gold_cited", _pct),
    ("gold passage in bottom line", "gold_passage_in_bottom_line", _pct),
    ("gold passage quoted anywhere", "gold_passage_quoted", _pct),
    ("gold quote words in bottom line (mean)", "gold_quote_bottom_line_overlap", _pct),
    ("expected-term recall", "expected_term_recall", _pct),
    *_spread_rows("statements_"), *PROXY_ROWS,
    ("faithfulness (statements verified)", "faithfulness", _pct), ("statements checked", "statements_checked", str),
    ("duplicate statement pairs", "duplicate_rate", _pct), ("words per answer (median)", "words_median", _fmt),
    ("Flesch-Kincaid grade (mean)", "reading_grade_mean", _fmt),
]
QUESTION_METRICS = [
    ("questions", "questions", str), ("errors", "errors", str), ("answered", "answered", _pct),
    ("partial", "partial", _pct), ("not found", "not_found", _pct), ("honest (partial or not found)", "honest", _pct),
    ("honest, tune split", "honest_tune", _pct), ("honest, held-out split", "honest_heldout", _pct),
    *_spread_rows("statements."),
    ("must-haves covered (>= 60% of their words)", "must_have_coverage", _pct),
    ("must-have words covered (mean)", "must_have_overlap", _pct),
    ("reference-answer words covered (mean)", "reference_overlap", _pct),
    ("reference-answer words in bottom line (mean)", "bottom_line_overlap", _pct),
    *PROXY_ROWS,
]
QUESTION_SUITE_NOTES = {
    "unanswerable": "Dev questions the corpus cannot answer: clinical ones whose subject is absent from the corpus "
                    "('unanswerable') and off-topic ones. Honest = status partial or not found.",
    "kqa": "K-QA real patient questions: 'labelled' have physicians' must-have statements (coverage is a "
           "word-overlap proxy), 'unlabelled' must get an answer or a clear not-found, never an error.",
    "asco": "ASCO guideline questions (2022-2025 guidelines; the corpus's guidelines stop in 2018): coverage of the "
            "authors' reference answer, a word-overlap proxy.",
}


def _dig(values: dict, key: str):
    for part in key.split("."):
        if not isinstance(values, dict):
            return None
        values = values.get(part)
    return values



def markdown(result: SuiteResult) -> str:
    s = result.summary
    out = [f"## {result.name}", ""]
    if result.name == "retrieval":
        out.append(f"Document-level ranking (hits deduplicated by document), MRR@10. "
                   f"Dev questions skipped (gold not indexed): {s['skipped_dev']}.")
        for dataset in ("pubmedqa", "clinical_dev"):
            rows = []
            for mode, m in s[dataset].items():
                rows.append([mode, m.get("n", "–")] + ([_pct(m[f"recall@{k}"]) for k in KS] + [_fmt(m["mrr"])]
                                                       if "mrr" in m else [m["skipped"]] + [""] * len(KS)))
            out += ["", f"**{dataset}**", "", _table(["mode", "n", *[f"R@{k}" for k in KS], "MRR"], rows)]
    elif result.name == "answers":
        out.append(f"Dev questions skipped (gold not indexed): {s['skipped_dev']}. The held-out split is the "
                   "result; the tune split is what rules were fitted on. Read coverage beside statements per answer "
                   "and the precision proxies (eval/README.md).")
        for audience, groups in s["audiences"].items():
            names = list(groups)
            rows = [[label] + [fmt(groups[g][key]) if groups[g].get(key) is not None else "–" for g in names]
                    for label, key, fmt in ANSWER_METRICS]
            out += ["", f"**{audience}**", "", _table(["metric", *names], rows)]
            wrong = groups.get("heldout", {}).get("wrong_abstentions", [])
            out += ["", f"Wrong abstention decisions, held-out ({audience}): {', '.join(wrong) if wrong else 'none'}."]
        failures = [r for r in result.rows if r.get("unverified")]
        if failures:
            out += ["", "Unverified statements:", ""]
            out += [f"- {r['id']} ({r['audience']}): {u['passage_id']}: {u['text'][:160]}" for r in failures
                    for u in r["unverified"]]
    elif result.name in ("unanswerable", "kqa", "asco"):
        out.append(QUESTION_SUITE_NOTES[result.name])
        for audience, sets in s["audiences"].items():
            groups = {name: v for name, v in sets.items() if isinstance(v, dict)} if result.name != "asco" \
                else {"asco": sets}
            names = list(groups)
            rows = [[label] + [fmt(_dig(groups[g], key)) if _dig(groups[g], key) is not None else "–" for g in names]
                    for label, key, fmt in QUESTION_METRICS if any(_dig(groups[g], key) is not None for g in names)]
            out += ["", f"**{audience}**", "", _table(["metric", *names], rows)]
        errors = [r for r in result.rows if r.get("error")]
        if errors:
            out += ["", f"Errors ({len(errors)}):", ""]
            out += [f"- {r['id']} ({r['audience']}): {r['error'][:200]}" for r in errors[:20]]
    elif result.name == "pubmedqa":
        out.append("Yes/no/maybe from cue words in the retrieved evidence (rule in eval/README.md). The indexed "
                   "abstract includes its conclusion, so this is not the reasoning-required setting of the "
                   "published references; they are shown for scale only.")
        rows = [["Medora cue rule", s["n"], _pct(s["accuracy"])]]
        rows += [[name, "", _pct(v)] for name, v in s["references"].items()]
        out += ["", _table(["method", "n", "accuracy"], rows), "",
                f"Own abstract ranked first: {_pct(s['own_abstract_top'])}. "
                f"Label shares: " + ", ".join(f"{k} {_pct(v)}" for k, v in s["label_share"].items()) + ".",
                "", "Confusion (rows: label, columns: predicted):", "",
                _table(["label", "yes", "no", "maybe"],
                       [[t] + [s["confusion"][t][p] for p in ("yes", "no", "maybe")] for t in ("yes", "no", "maybe")])]
    elif result.name == "latency":
        out.append(f"{s['questions']} questions (dev set + up to 200 PubMedQA), milliseconds, after one warm-up call.")
        for op in ("search", "ask"):
            rows = [[stage, p["n"], p.get("p50"), p.get("p95"), p.get("p99"), p.get("mean")]
                    for stage, p in s[op].items()]
            out += ["", f"**{op}**", "", _table(["stage", "n", "p50", "p95", "p99", "mean"], rows)]
    out += ["", f"_{result.meta.get('seconds', '?')} s; corpus {result.meta.get('corpus_version')}; "
                f"limit {result.meta.get('limit')}_", ""]
    return "\n".join(out)


# -- plots ----------------------------------------------------------------------------


def plot(result: SuiteResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    s = result.summary
    if result.name == "retrieval":
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
        names = [*[f"R@{k}" for k in KS], "MRR"]
        for ax, dataset in zip(axes, ("pubmedqa", "clinical_dev")):
            x = np.arange(len(names))
            width = 0.84 / len(s[dataset])
            for i, (mode, m) in enumerate(s[dataset].items()):
                values = [m.get(f"recall@{k}", 0) for k in KS] + [m.get("mrr", 0)]
                ax.bar(x - 0.42 + (i + 0.5) * width, values, width, label=mode,
                       hatch="//" if "no prior" in mode else None)
            ax.set_xticks(x, names)
            ax.set_title(f"{dataset} (n={s[dataset]['lexical'].get('n', 0)})")
            ax.set_ylim(0, 1.05)
        axes[0].legend(fontsize=7, loc="lower right")
    elif result.name == "answers":
        keys = ["status_answered", "abstained_off_topic", "gold_passage_in_bottom_line", "gold_cited",
                "expected_term_recall", "boilerplate_share", "other_condition_share", "faithfulness"]
        groups = next(iter(s["audiences"].values()))
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for i, group in enumerate(groups):
            values = [groups[group].get(k) or 0 for k in keys]
            ax.barh(np.arange(len(keys)) + i * 0.8 / len(groups), values, 0.8 / len(groups), label=group)
        ax.set_yticks(np.arange(len(keys)), [k.replace("_", " ") for k in keys])
        ax.set_xlim(0, 1.05)
        ax.legend(fontsize=7)
    elif result.name in ("unanswerable", "kqa", "asco"):
        keys = ["answered", "partial", "not_found", "boilerplate_share", "other_condition_share"]
        columns = [(f"{a} {name}", v) for a, sets in s["audiences"].items()
                   for name, v in (sets.items() if result.name != "asco" else [("", sets)]) if isinstance(v, dict)]
        fig, ax = plt.subplots(figsize=(9, 4))
        for i, (label, values) in enumerate(columns):
            ax.barh(np.arange(len(keys)) + i * 0.8 / len(columns), [values.get(k) or 0 for k in keys],
                    0.8 / len(columns), label=label)
        ax.set_yticks(np.arange(len(keys)), [k.replace("_", " ") for k in keys])
        ax.set_xlim(0, 1.05)
        ax.legend(fontsize=7)
    elif result.name == "pubmedqa":
        fig, ax = plt.subplots(figsize=(7, 3.5))
        labels = ["Medora cue rule", *s["references"]]
        values = [s["accuracy"] or 0, *s["references"].values()]
        ax.barh(labels, values, color=["tab:blue", "tab:gray", "tab:gray"])
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"accuracy on PubMedQA test split (n={s['n']})")
    else:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, op in zip(axes, ("search", "ask")):
            stages = list(s[op])
            x = np.arange(len(stages))
            for i, q in enumerate(("p50", "p95", "p99")):
                ax.bar(x + (i - 1) * 0.27, [s[op][st].get(q, 0) for st in stages], 0.27, label=q)
            ax.set_xticks(x, stages)
            ax.set_ylabel("ms")
            ax.set_yscale("log")
            ax.set_title(op)
        axes[0].legend()
    fig.suptitle(f"medora eval: {result.name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_suite(result: SuiteResult, out_dir: Path) -> list[Path]:
    """``<name>.json`` (summary, rows, meta), ``<name>.md`` and ``<name>.png``."""
    paths = [out_dir / f"{result.name}.{ext}" for ext in ("json", "md", "png")]
    payload = {"suite": result.name, "summary": result.summary, "meta": result.meta, "rows": result.rows}
    paths[0].write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    paths[1].write_text(markdown(result))
    plot(result, paths[2])
    return paths


def write_index(results: list[SuiteResult], out_dir: Path) -> Path:
    path = out_dir / "summary.md"
    path.write_text("# Medora evaluation\n\n" + "\n".join(markdown(r) for r in results))
    return path


@click.command("eval")
@click.argument("suites", nargs=-1, type=click.Choice(SUITES))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results directory (default: benchmarks/out/eval-<timestamp>).")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N questions per question set.")
@click.option("--audience", "audiences", multiple=True, type=click.Choice([*AUDIENCES, "all"]),
              help="Who the unanswerable, kqa and asco suites ask as (repeatable; 'all': every audience). "
                   "Default: each set's own (K-QA: patient_caregiver; the others: physician).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory (default: $MEDORA_DATA or ./.medora).")
def eval_command(suites, out, limit, audiences, data_dir) -> None:
    """Run evaluation SUITES (default: all) and write JSON, Markdown and PNG results.

    \b
    Suites: retrieval, answers, unanswerable, kqa, asco, pubmedqa, latency.
    Example:
        medora eval
        medora eval kqa asco unanswerable answers
        medora eval kqa --audience all          # every K-QA question for every audience
        medora eval retrieval answers --limit 20 --out /tmp/medora-eval
    """
    from .evaluate import run_suites
    from .index import open_index
    from .settings import get_settings

    settings = get_settings(data_dir)
    out = out or Path("benchmarks/out") / time.strftime("eval-%Y%m%d-%H%M%S")
    index = open_index(settings)
    try:
        run_suites(list(suites), settings, index, out, limit=limit,
                   audiences=AUDIENCES if "all" in audiences else audiences)
    finally:
        index.close()
    click.echo((out / "summary.md").read_text())
    click.echo(f"Results in {out}")


__all__ = ["eval_command", "markdown", "plot", "write_index", "write_suite"]
