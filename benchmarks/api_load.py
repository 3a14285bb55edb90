"""Load test of POST /api/v1/answers: 4 concurrent clients for 30 s against a local server.

Starts `medora.web.run_server` in a subprocess on a free 127.0.0.1 port over an index
already built in the data directory (`medora index`), waits for /api/v1/health, then
runs the clients (bounded in time and in requests) and prints a Markdown table.

    python benchmarks/api_load.py --data-dir ./.medora --clients 4 --seconds 30
"""

from __future__ import annotations

import argparse
import itertools
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


def start_server(data_dir: str, port: int, log, timeout: float = 120) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, data_dir, str(port)], stdout=log, stderr=log)
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


def client(base: str, questions, stop_at: float, max_requests: int, out: list, lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        for _ in range(max_requests):
            if time.monotonic() >= stop_at:
                break
            question = next(questions)
            t0 = time.perf_counter()
            try:
                ok = http.post("/api/v1/answers", json={"question": question}).status_code == 200
            except httpx.HTTPError:
                ok = False
            with lock:
                out.append((time.perf_counter() - t0, ok))


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
    args = parser.parse_args(argv)

    port = free_port()
    log = tempfile.TemporaryFile()  # the server's output; a pipe nobody reads could fill and stall it
    proc = start_server(args.data_dir, port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        httpx.post(f"{base}/api/v1/answers", json={"question": QUESTIONS[0]}, timeout=120)  # warm up the model
        questions = itertools.cycle(QUESTIONS)
        results: list[tuple[float, bool]] = []
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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    latencies = [t * 1000 for t, ok in results if ok]
    errors = sum(1 for _, ok in results if not ok)
    print(f"POST /api/v1/answers — {args.clients} clients, {elapsed:.1f} s, {len(QUESTIONS)} distinct questions\n")
    print("| requests | requests/s | p50 ms | p95 ms | p99 ms | mean ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    mean = statistics.fmean(latencies) if latencies else float("nan")
    print(f"| {len(results)} | {len(results) / elapsed:.2f} | {percentile(latencies, 50):.0f} | "
          f"{percentile(latencies, 95):.0f} | {percentile(latencies, 99):.0f} | {mean:.0f} | {errors} |")


if __name__ == "__main__":
    main()
