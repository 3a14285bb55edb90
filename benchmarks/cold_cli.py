"""Cold `medora ask QUESTION --json`: wall time, CPU time and peak RSS of fresh processes, and where the time goes.

    python benchmarks/cold_cli.py [--data-dir DIR] [--runs 5] [--question Q] [--audience physician]

Each run is a new process, as a clinician at a terminal would start it (the operating system's
file cache stays warm between runs, as it does between two questions). Then one more fresh process
times the stages in order: imports, settings and opening the index, the first question analysis
(the vocabularies), the vector matrix, the ONNX session, the answer itself. Prints Markdown tables
and the machine's load average, since on a shared machine the wall time follows the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

SEED = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"

# Runs in a fresh interpreter; prints one JSON object of stage -> seconds.
STAGES = r"""
import json, resource, sys, time
out = {}
def stage(name, t0):
    out[name] = time.perf_counter() - t0
    return time.perf_counter()
t = time.perf_counter()
import medora.cli
t = stage("import medora.cli", t)
from medora.answer import ask
from medora.index import open_index
from medora.settings import get_settings
t = stage("import the answer pipeline", t)
settings = get_settings(sys.argv[1] or None)
index = open_index(settings)
t = stage("settings + open the index", t)
from medora.query import analyse
analyse("HER2-positive breast cancer", index.abbreviations())
t = stage("first question analysis (vocabularies)", t)
index.dense_search("HER2-positive breast cancer", 1)
t = stage("first dense search (vectors + ONNX session)", t)
answer = ask(sys.argv[2], index, settings, audience=sys.argv[3])
t = stage("ask (5 retrievals, compose, cite, follow-ups)", t)
out["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default=SEED)
    parser.add_argument("--audience", default="physician")
    args = parser.parse_args()
    medora = shutil.which("medora") or os.path.join(os.path.dirname(sys.executable), "medora")
    command = [medora, "ask", args.question, "--json", "--audience", args.audience]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]

    walls, cpus, rss = [], [], []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        rss.append(after.ru_maxrss / 1024)  # the largest child so far: runs are alike, so the peak
    load = os.getloadavg()
    print(f"`medora ask --json --audience {args.audience}`, {args.runs} fresh processes, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}\n")
    print("| | median | min | max |")
    print("|---|---:|---:|---:|")
    print(f"| wall s | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} |")
    print(f"| CPU s (user + sys) | {statistics.median(cpus):.2f} | {min(cpus):.2f} | {max(cpus):.2f} |")
    print(f"| peak RSS MB | {max(rss):.0f} | | |")

    result = subprocess.run([sys.executable, "-c", STAGES, args.data_dir, args.question, args.audience],
                            check=True, capture_output=True, text=True)
    stages = json.loads(result.stdout)
    peak = stages.pop("peak RSS MB")
    print(f"\nStages of one more fresh process (wall s; peak RSS {peak:.0f} MB)\n")
    print("| stage | s |")
    print("|---|---:|")
    for name, seconds in stages.items():
        print(f"| {name} | {seconds:.3f} |")
    print(f"| total | {sum(stages.values()):.3f} |")


if __name__ == "__main__":
    main()
