"""Shared test fixtures: real slices of ../shared, never invented text."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
PUBMEDQA = SHARED / "eval" / "pubmedqa" / "ori_pqal.json"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Every test gets its own data directory; nothing leaks into ./.medora."""
    for name in ("MEDORA_CORPUS", "MEDORA_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEDORA_DATA", str(tmp_path / "medora-data"))


# The named slice of the real corpus that retrieval, answer and front-door tests share.
SLICE_GUIDELINES = [
    "ngc-10495",  # ASCO: systemic therapy for advanced HER2-positive breast cancer
    "ngc-10494",  # ASCO: HER2-positive breast cancer with brain metastases
    "ngc-10006", "ngc-10008", "ngc-10009", "ngc-10013", "ngc-10016", "ngc-10019", "ngc-10028",
    "ngc-10057", "ngc-10101", "ngc-10144", "ngc-10170", "ngc-10185", "ngc-10198", "ngc-10203",
    "ngc-10280", "ngc-10290", "ngc-10307", "ngc-10308",
]
SLICE_PDQ_URLS = [
    "https://www.cancer.gov/types/breast/hp/breast-treatment-pdq",
    "https://www.cancer.gov/types/breast/patient/breast-treatment-pdq",
]
SLICE_NCI_PAGE_WORDS = ["trastuzumab-deruxtecan", "tucatinib", "/types/breast"]
SLICE_MEDQUAD_FOCUS = ["Breast Cancer", "High Blood Pressure", "Diabetes", "Heart Attack", "Atrial Fibrillation"]
SLICE_PUBMEDQA = 150  # the first N abstracts of ori_pqal.json


def write_corpus_slice(target: Path) -> Path:
    """Copy the named real records into ``target`` under their original file names."""
    import json
    import shutil

    ngc = target / "guidelines-ngc"
    ngc.mkdir(parents=True)
    for name in SLICE_GUIDELINES:
        shutil.copy(CORPUS / "guidelines-ngc" / f"{name}.xml", ngc / f"{name}.xml")
    pdq = target / "nci-pdq"
    pdq.mkdir()
    keep = set(SLICE_PDQ_URLS)
    with open(CORPUS / "nci-pdq" / "pdq_summaries.jsonl") as src, open(pdq / "pdq_summaries.jsonl", "w") as out:
        out.writelines(line for line in src if json.loads(line)["url"] in keep)
    with open(CORPUS / "nci-pdq" / "pdq_references.jsonl") as src, open(pdq / "pdq_references.jsonl", "w") as out:
        out.writelines(line for line in src if json.loads(line)["cited_in"] in keep)
    with open(CORPUS / "nci-pdq" / "nci_treatment_and_drug_pages.jsonl") as src, \
            open(pdq / "nci_treatment_and_drug_pages.jsonl", "w") as out:
        out.writelines(line for line in src if any(w in json.loads(line)["url"] for w in SLICE_NCI_PAGE_WORDS))
    mq = target / "patient-education-medquad"
    mq.mkdir()
    with open(CORPUS / "patient-education-medquad" / "medquad_with_answers.jsonl") as src, \
            open(mq / "medquad_with_answers.jsonl", "w") as out:
        out.writelines(line for line in src if json.loads(line)["focus"] in SLICE_MEDQUAD_FOCUS)
    pq = target / "pubmedqa"
    pq.mkdir()
    items = json.loads(PUBMEDQA.read_text())
    (pq / "ori_pqal.json").write_text(json.dumps(dict(list(items.items())[:SLICE_PUBMEDQA])))
    return target


@pytest.fixture(scope="session")
def corpus_slice(tmp_path_factory) -> Path:
    return write_corpus_slice(tmp_path_factory.mktemp("corpus-slice"))


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, corpus_slice):
    """(settings, open EmbeddedIndex) over the named slice, built once per test session with the real model."""
    from medora.index.build import build_index
    from medora.index.embedded import EmbeddedIndex
    from medora.settings import get_settings

    data_dir = tmp_path_factory.mktemp("built-index")
    # Front-door tests share this app state; the public-deployment limits are tested on their own
    # (tests/test_limits.py), so here they are set out of the way.
    settings = get_settings(data_dir, env={}, corpus={"paths": [str(corpus_slice)]},
                            web={"questions_burst": 100_000}, articles={"anonymous_articles_per_hour": 100_000})
    report = build_index(settings)
    assert report.problems == []
    index = EmbeddedIndex(settings)
    yield settings, index
    index.close()


@contextlib.contextmanager
def serve(app, **options):
    """Serve an ASGI app with uvicorn on a free loopback port in a background thread; yields its URL.

    ``options`` go to ``uvicorn.Config`` (e.g. ``web.uvicorn_options(settings.web)``).
    """
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
