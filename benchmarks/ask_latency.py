"""`ask` latency per audience on the full index: p50 / p95 / p99 in milliseconds.

    python benchmarks/ask_latency.py [--data-dir DIR] [--questions 60]

Asks the first N answerable dev questions of the held-out split (realistic ones first) once per
audience, after one warm-up question per audience (vocabularies, vectors and the model load on the
first question of a process). Run it on a quiet machine; it prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    from medora.answer.audience import AUDIENCES, ask
    from medora.answer.statements import passage_blocks
    from medora.evaluate import load_dev_set
    from medora.index import open_index
    from medora.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    settings = get_settings(args.data_dir)
    index = open_index(settings)
    dev = [d for d in load_dev_set() if d["answerable"] and d["split"] == "heldout"]
    questions = [d["question"] for d in sorted(dev, key=lambda d: d["set"] != "realistic")][: args.questions]
    print(f"{len(questions)} held-out dev questions per audience, one warm-up each; milliseconds\n")
    print("| audience | p50 | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|")
    for audience in AUDIENCES:
        # Each audience asks the same questions: it starts without the passages the last one read.
        passage_blocks.cache_clear()
        ask(questions[0], index, settings, audience=audience)
        seconds = []
        for question in questions:
            t0 = time.perf_counter()
            ask(question, index, settings, audience=audience)
            seconds.append(time.perf_counter() - t0)
        ms = np.asarray(seconds) * 1000
        print(f"| {audience} | {np.percentile(ms, 50):.0f} | {np.percentile(ms, 95):.0f} | "
              f"{np.percentile(ms, 99):.0f} | {ms.max():.0f} |")
    index.close()


if __name__ == "__main__":
    main()
