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
        out.append(f"Dev questions skipped (gold not indexed): {s['skipped_dev']}.")
        metrics = [("in-scope questions", "in_scope", str), ("out-of-scope questions", "out_of_scope", str),
                   ("in-scope answered", "answered_in_scope", _pct),
                   ("out-of-scope abstained", "abstained_out_of_scope", _pct),
                   ("abstention accuracy", "abstention_accuracy", _pct),
                   ("gold guideline in bottom line", "gold_in_bottom_line", _pct),
                   ("gold guideline cited anywhere", "gold_cited", _pct),
                   ("expected-term recall", "expected_term_recall", _pct),
                   ("faithfulness (statements verified)", "faithfulness", _pct),
                   ("statements checked", "statements_checked", str),
                   ("duplicate statement pairs (Jaccard > 0.6 in a section, > 0.85 across)", "duplicate_rate", _pct),
                   ("statements per answer (mean)", "statements_mean", _fmt),
                   ("words per answer (mean)", "words_mean", _fmt),
                   ("words per answer (median)", "words_median", _fmt),
                   ("Flesch-Kincaid grade (mean)", "reading_grade_mean", _fmt)]
        audiences = list(s["audiences"])
        rows = [[label] + [fmt(s["audiences"][a][key]) if s["audiences"][a][key] is not None else "–"
                           for a in audiences] for label, key, fmt in metrics]
        out += ["", _table(["metric", *audiences], rows)]
        for a in audiences:
            wrong = s["audiences"][a]["wrong_abstentions"]
            out += ["", f"Wrong abstention decisions ({a}): {', '.join(wrong) if wrong else 'none'}."]
        failures = [r for r in result.rows if r["unverified"]]
        if failures:
            out += ["", "Unverified statements:", ""]
            out += [f"- {r['id']} ({r['audience']}): {u['passage_id']}: {u['text'][:160]}" for r in failures
                    for u in r["unverified"]]
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
        keys = ["answered_in_scope", "abstained_out_of_scope", "gold_in_bottom_line", "gold_cited",
                "expected_term_recall", "faithfulness", "duplicate_rate"]
        fig, ax = plt.subplots(figsize=(9, 4))
        for i, audience in enumerate(s["audiences"]):
            values = [s["audiences"][audience][k] or 0 for k in keys]
            ax.barh(np.arange(len(keys)) + i * 0.8 / len(s["audiences"]), values, 0.8 / len(s["audiences"]),
                    label=audience)
        ax.set_yticks(np.arange(len(keys)), [k.replace("_", " ") for k in keys])
        ax.set_xlim(0, 1.05)
        ax.legend()
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
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory (default: $MEDORA_DATA or ./.medora).")
def eval_command(suites, out, limit, data_dir) -> None:
    """Run evaluation SUITES (default: all) and write JSON, Markdown and PNG results.

    \b
    Suites: retrieval, answers, pubmedqa, latency.
    Example:
        medora eval
        medora eval retrieval answers --limit 20 --out /tmp/medora-eval
    """
    from .evaluate import run_suites
    from .index import open_index
    from .settings import get_settings

    settings = get_settings(data_dir)
    out = out or Path("benchmarks/out") / time.strftime("eval-%Y%m%d-%H%M%S")
    index = open_index(settings)
    try:
        run_suites(list(suites), settings, index, out, limit=limit)
    finally:
        index.close()
    click.echo((out / "summary.md").read_text())
    click.echo(f"Results in {out}")


__all__ = ["eval_command", "markdown", "plot", "write_index", "write_suite"]
