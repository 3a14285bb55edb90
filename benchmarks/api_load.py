"""Load test of POST /api/v1/answers: 4 concurrent clients for 30 s against a local server.

Starts `medora.web.run_server` in a subprocess on a free 127.0.0.1 port over an index
already built in the data directory (`medora index`), waits for /api/v1/health, then
runs the clients (bounded in time and in requests) and prints a Markdown table.

With ``--distinct-from`` (a MedQuAD JSONL file of the corpus), every other request asks a real
question not asked before (each one adds an article, a revision and a thread), the others repeat
the fixed list. The server's resident memory (VmRSS) is read after start-up, after the warm-up
request and at the end; 429 answers are counted apart from errors. All clients share one address,
so ``--no-limits`` lifts the per-client question limits, which would otherwise answer most requests
with 429 (issue #15 tests those limits on their own).

    python benchmarks/api_load.py --data-dir ./.medora --clients 4 --seconds 30
    python benchmarks/api_load.py --data-dir ./.medora --clients 8 --seconds 30 --new

``--new`` asks each of the clinical dev set's questions at most once, into an editorial database
of its own (a temporary file) with the rate limits lifted: every request composes an answer,
instead of being served from the article saved at its first asking.
    python benchmarks/api_load.py --data-dir DIR --clients 8 --seconds 20 --no-limits \\
        --distinct-from ../shared/corpus/patient-education-medquad/medquad_with_answers.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import httpx

QUESTIONS = [
    "What is the recommended treatment approach for a patient with HER2-positive breast cancer?",
    "Which patients with HER2-positive breast cancer and brain metastases should receive radiotherapy?",
    "What are the cardiac risks of trastuzumab?",
    "Who should be screened for abdominal aortic aneurysm?",
    "What is the first-line treatment for hypertension in older adults?",
    "How should atrial fibrillation be anticoagulated?",
    "What are the symptoms of a heart attack?",
    "How is type 2 diabetes managed with metformin?",
    "What is the role of pertuzumab in metastatic breast cancer?",
    "When is endocrine therapy preferred for hormone receptor-positive breast cancer?",
    "What monitoring is needed during treatment with trastuzumab deruxtecan?",
    "How is interstitial lung disease managed in patients on antibody-drug conjugates?",
]
SERVER = (
    "import sys, logging, uvicorn; from medora.settings import get_settings; from medora.web import create_app; "
    "logging.basicConfig(level=logging.WARNING); "
    "uvicorn.run(create_app(get_settings(sys.argv[1])), host='127.0.0.1', port=int(sys.argv[2]), "
    "log_level='warning', access_log=False)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NO_LIMITS = {"MEDORA_WEB__QUESTIONS_BURST": "1000000", "MEDORA_WEB__QUESTIONS_PER_MINUTE": "1000000",
             "MEDORA_ARTICLES__ANONYMOUS_ARTICLES_PER_HOUR": "1000000"}


def rss_mb(pid: int) -> float:
    """The process's resident set size in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def real_questions(path: str, n: int) -> list[str]:
    """The first ``n`` distinct questions of a MedQuAD JSONL file."""
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            seen.setdefault(" ".join(json.loads(line)["question"].split()), None)
            if len(seen) >= n:
                break
    return list(seen)


def start_server(data_dir: str, port: int, log, timeout: float = 120, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, data_dir, str(port)], stdout=log, stderr=log,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited with code {proc.returncode}:\n{log.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("server did not become healthy in time")


def new_questions() -> list[str]:
    """The clinical dev set's questions, each once (none of them saved as an article yet)."""
    from medora.evaluate import load_dev_set

    return [d["question"] for d in load_dev_set()]


def fresh_server_env(folder: str) -> dict[str, str]:
    """An editorial database of the run's own, and no rate limit: every question is composed."""
    return {"MEDORA_ARTICLES__DATABASE_URL": f"sqlite:///{folder}/articles.db",
            "MEDORA_WEB__QUESTIONS_PER_MINUTE": "1000000", "MEDORA_WEB__QUESTIONS_BURST": "1000000",
            "MEDORA_ARTICLES__ANONYMOUS_ARTICLES_PER_HOUR": "1000000"}


def client(base: str, questions, stop_at: float, max_requests: int, out: list, lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        for _ in range(max_requests):
            if time.monotonic() >= stop_at:
                break
            question = next(questions, None)
            if question is None:
                break
            t0 = time.perf_counter()
            try:
                status = http.post("/api/v1/answers", json={"question": question}).status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                out.append((time.perf_counter() - t0, status))


class _Shared:
    """An iterator several client threads may draw from (a generator raises when two do at once)."""

    def __init__(self, questions):
        self._questions, self._lock = iter(questions), threading.Lock()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        with self._lock:
            return next(self._questions)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("MEDORA_DATA", "./.medora"))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=5000, help="Per client, a hard bound.")
    parser.add_argument("--new", action="store_true", help="Each request a question not asked before (composed).")
    parser.add_argument("--distinct-from", help="MedQuAD JSONL: every other request asks a new real question.")
    parser.add_argument("--no-limits", action="store_true", help="Lift the per-client question limits.")
    args = parser.parse_args(argv)

    port = free_port()
    log = tempfile.TemporaryFile()  # the server's output; a pipe nobody reads could fill and stall it
    folder = tempfile.TemporaryDirectory()
    env = fresh_server_env(folder.name) if args.new else NO_LIMITS if args.no_limits else None
    proc = start_server(args.data_dir, port, log, env=env)
    rss = {"started": rss_mb(proc.pid)}
    try:
        base = f"http://127.0.0.1:{port}"
        httpx.post(f"{base}/api/v1/answers", json={"question": QUESTIONS[0]}, timeout=120)  # warm up the model
        rss["warm"] = rss_mb(proc.pid)
        if args.new:
            mixed = iter(q for q in new_questions() if q != QUESTIONS[0])
        elif args.distinct_from:
            distinct = real_questions(args.distinct_from, args.clients * args.max_requests)
            mixed = itertools.chain.from_iterable(zip(itertools.cycle(QUESTIONS), distinct))
        else:
            mixed = itertools.cycle(QUESTIONS)
        questions = _Shared(mixed)
        results: list[tuple[float, int]] = []
        lock = threading.Lock()
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = [threading.Thread(target=client, args=(base, questions, stop_at, args.max_requests, results, lock))
                   for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        rss["end"] = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        folder.cleanup()

    latencies = [t * 1000 for t, status in results if status == 200]
    limited = sum(1 for _, status in results if status == 429)
    errors = sum(1 for _, status in results if status not in (200, 429))
    mix = ("each question new (composed)" if args.new else "repeated and new real questions, alternately"
           if args.distinct_from else f"{len(QUESTIONS)} questions, repeated")
    print(f"POST /api/v1/answers — {args.clients} clients, {elapsed:.1f} s, {mix}\n")
    print("| requests | requests/s | p50 ms | p95 ms | p99 ms | mean ms | 429 | errors | server RSS MB: start / warm / end |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    mean = statistics.fmean(latencies) if latencies else float("nan")
    print(f"| {len(results)} | {len(results) / elapsed:.2f} | {percentile(latencies, 50):.0f} | "
          f"{percentile(latencies, 95):.0f} | {percentile(latencies, 99):.0f} | {mean:.0f} | {limited} | {errors} | "
          f"{rss['started']:.0f} / {rss['warm']:.0f} / {rss['end']:.0f} |")


if __name__ == "__main__":
    main()
