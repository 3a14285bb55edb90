"""The web app and REST API on the real test index (FastAPI TestClient, no mocks)."""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from unittest.mock import ANY
from urllib.parse import quote, urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from conftest import serve
from medora import __version__
from medora.api import SEED_QUESTION
from medora.answer.audience import ask
from medora.answer.cite import to_json
from medora.retrieve import hit_row
from medora.retrieve import retrieve
from medora.web import CSP, GENERIC_500, PERMISSIONS_POLICY, create_app

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = pytest.mark.both_backends

HER2_TERMS = "trastuzumab pertuzumab HER2-positive metastatic breast cancer"


@pytest.fixture(scope="module")
def app(built_index):
    settings, _ = built_index
    return create_app(settings)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def her2(client):
    """The seed question's answer, asked once through the API."""
    response = client.post("/api/v1/answers", json={"question": SEED_QUESTION})
    assert response.status_code == 200, response.text
    return response.json()


def _path(passage_id: str) -> str:
    return quote(passage_id, safe="")


# -- JSON API -----------------------------------------------------------------------------


def test_health(client, built_index):
    _, index = built_index
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    where = {"path", "url"}  # the data folder, the database server: not for the public
    assert response.json() == {
        "ok": True, "version": __version__, "index": {k: v for k, v in index.stats().items() if k not in where},
    }
    assert response.json()["index"]["backend"] == index.stats()["backend"] in ("embedded", "postgres")


# Issue #17: no process-wide lock around composition; request threads share the index.
CONCURRENT = [
    (SEED_QUESTION, "physician"),
    (SEED_QUESTION, "pharmacist"),
    ("Which patients with HER2-positive breast cancer and brain metastases should receive radiotherapy?", "physician"),
    ("What are the cardiac risks of trastuzumab?", "nurse_np_pa"),
    ("What are the symptoms of a heart attack?", "patient_caregiver"),
    ("How should atrial fibrillation be anticoagulated?", "physician"),
    ("What is the role of pertuzumab in metastatic breast cancer?", "student"),
    ("What monitoring is needed during treatment with trastuzumab deruxtecan?", "pharmacist"),
]


def test_eight_questions_at_once_get_the_answers_asked_one_at_a_time(built_index, tmp_path):
    settings, index = built_index
    # An editorial database of its own: every question is composed, none served from a saved article.
    own = settings.model_copy(update={"articles": settings.articles.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'articles.db'}"})})
    volatile = ("generated_at", "timings_ms", "thread_id")  # the server starts a thread per question
    expected = [{k: v for k, v in to_json(ask(q, index, settings, audience=a)).items() if k not in volatile}
                for q, a in CONCURRENT]
    start = threading.Barrier(len(CONCURRENT))

    def post(url: str, question: str, audience: str) -> dict:
        start.wait()
        response = httpx.post(f"{url}/api/v1/answers", json={"question": question, "audience": audience}, timeout=120)
        assert response.status_code == 200, response.text
        return response.json()

    with serve(create_app(own)) as url, ThreadPoolExecutor(len(CONCURRENT)) as pool:
        answers = list(pool.map(lambda qa: post(url, *qa), CONCURRENT))
    assert [{k: a[k] for k in e} for a, e in zip(answers, expected)] == expected


def test_answer_is_the_cited_answer_plus_its_page_url(her2, built_index):
    settings, index = built_index
    expected = to_json(ask(SEED_QUESTION, index, settings))
    assert her2 == {
        **expected,
        "generated_at": ANY,
        "timings_ms": ANY,
        "url": "http://testserver/answer?" + urlencode({"q": SEED_QUESTION, "audience": "physician"}),
        "review": {"status": "Submitted", "steps": ["Submitted", "Under Review", "Approved"], "last_updated": ANY,
                   "article_id": ANY, "revision": 1, "reviewed_by": [], "approved_at": None},
        "thread_id": ANY,
        "turn": 1,
        "thread": [{"n": 1, "question": SEED_QUESTION, "resolved_question": SEED_QUESTION, "audience": "physician",
                    "asked_at": ANY}],
    }
    assert her2["abstained"] is False
    assert her2["review"]["last_updated"] == her2["generated_at"]
    assert "ngc-10495" in [r["doc_id"] for r in her2["references"]]


def test_answer_citations_point_into_the_reference_list(her2):
    numbers = [r["n"] for r in her2["references"]]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = {n for s in her2["bottom_line"] for n in s["citations"]} | {
        n for sec in her2["sections"] for s in sec["statements"] for n in s["citations"]
    }
    assert cited == set(numbers)


def test_answer_audience_is_passed_through(client):
    response = client.post("/api/v1/answers", json={"question": SEED_QUESTION, "audience": "pharmacist"})
    assert response.status_code == 200
    assert (response.json()["audience"], response.json()["url"]) == (
        "pharmacist", "http://testserver/answer?" + urlencode({"q": SEED_QUESTION, "audience": "pharmacist"}),
    )


def test_search_rows(client, built_index):
    settings, index = built_index
    response = client.get("/api/v1/search", params={"q": HER2_TERMS, "k": 5})
    assert response.status_code == 200
    expected = [hit_row(h) for h in retrieve(HER2_TERMS, index, settings.retrieve, k=5).hits]
    assert response.json() == expected
    assert [row["rank"] for row in expected] == [1, 2, 3, 4, 5]
    assert all(row["doc_id"] and row["passage_id"].startswith(row["doc_id"] + "#") for row in expected)


def test_document_and_passage_from_a_search_result(client, built_index):
    _, index = built_index
    row = client.get("/api/v1/search", params={"q": HER2_TERMS, "k": 1}).json()[0]

    doc = index.document(row["doc_id"], with_sections=True)
    response = client.get(f"/api/v1/documents/{row['doc_id']}")
    assert response.status_code == 200
    assert response.json() == {
        **asdict(doc), "sections": [{"name": s.name, "text": s.text} for s in doc.sections],
    }
    assert response.json()["title"] == row["title"]

    passage = index.passage(row["passage_id"])
    response = client.get(f"/api/v1/passages/{_path(row['passage_id'])}")
    assert response.status_code == 200
    assert response.json() == {
        **asdict(passage), "cites": list(passage.cites), "source_url": f"/source/{_path(passage.id)}",
    }
    assert response.json()["text"] == row["text"]


LONG = "What is the treatment of breast cancer? " * 1250  # 50 kB


def test_a_lone_surrogate_in_a_question_is_a_400_not_a_500(client):
    # JSON may escape a lone surrogate; Python decodes it into a string that cannot be stored or searched.
    response = client.post("/api/v1/answers", content=b'{"question": "\\ud800 HER2"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "The question holds an invalid character; retype it as plain text."


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "error"),
    [
        ("post", "/api/v1/answers", {"question": ""}, 400, "Ask a question: type a clinical question, e.g. "
         + repr(SEED_QUESTION)),
        ("post", "/api/v1/answers", {"question": " \n\t "}, 400, "Ask a question: type a clinical question, e.g. "
         + repr(SEED_QUESTION)),
        ("post", "/api/v1/answers", {"question": LONG}, 400, "The question is 49,999 characters long; the limit is "
         "1,000. Shorten it to the clinical question itself (condition, population, intervention)."),
        ("post", "/api/v1/answers", {"question": 123}, 422, "Invalid request: question: Input should be a valid string"),
        ("post", "/api/v1/answers", {}, 422, "Invalid request: question: Field required"),
        ("post", "/api/v1/answers", {"question": SEED_QUESTION, "audience": "alien"}, 422,
         "Invalid request: audience: Input should be 'physician', 'nurse_np_pa', 'pharmacist', 'student' or "
         "'patient_caregiver'"),
        ("post", "/api/v1/answers", {"question": SEED_QUESTION, "questoin": "typo"}, 422,
         "Invalid request: questoin: Extra inputs are not permitted"),
        ("get", "/api/v1/search?q=&k=5", None, 400, "Ask a question: type a clinical question, e.g. "
         + repr(SEED_QUESTION)),
        ("get", "/api/v1/search?q=HER2&k=0", None, 422, "Invalid request: k: Input should be greater than or equal to 1"),
        ("get", "/api/v1/search?q=HER2&k=many", None, 422,
         "Invalid request: k: Input should be a valid integer, unable to parse string as an integer"),
        ("get", "/api/v1/documents/no-such-doc", None, 404, "No document with id 'no-such-doc'"),
        ("get", "/api/v1/passages/" + _path("ngc-10495#no-such-passage"), None, 404,
         "No passage with id 'ngc-10495#no-such-passage'"),
        ("get", "/api/v1/no-such-route", None, 404, "Not found: no page or API route at this address."),
    ],
)
def test_api_errors(client, method, url, payload, status, error):
    response = client.request(method.upper(), url, json=payload)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": False, "error": error, "status": status, **(
        {"details": ANY} if status == 422 else {})}
    assert "Traceback" not in response.text


def test_api_body_that_is_not_json(client):
    response = client.post("/api/v1/answers", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {
        "ok": False, "error": "Invalid request: body: Request body is not valid JSON", "status": 422,
        "details": [{"field": "body", "message": "Request body is not valid JSON"}],
    }


def test_question_without_searchable_words(client):
    response = client.post("/api/v1/answers", json={"question": "?? !! --"})
    assert response.status_code == 400
    assert response.json() == {
        "ok": False, "status": 400,
        "error": "Nothing to search for in '?? !! --': ask with a few clinical words.",
    }


def test_unexpected_errors_are_500_without_traceback(built_index, caplog):
    settings, _ = built_index
    app = create_app(settings)

    def boom():
        raise RuntimeError("secret internal detail")

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        api_response = client.get("/api/v1/boom")
        page_response = client.get("/boom")
    assert (api_response.status_code, api_response.json()) == (500, {"ok": False, "error": GENERIC_500, "status": 500})
    assert page_response.status_code == 500
    assert GENERIC_500 in page_response.text
    for response in (api_response, page_response):
        assert "Traceback" not in response.text and "secret internal detail" not in response.text
        assert response.headers["content-security-policy"] == CSP
    logged = [r for r in caplog.records if r.name == "medora.web"]
    assert [(r.getMessage(), r.exc_info[0]) for r in logged] == [("Unexpected error", RuntimeError)] * 2


def test_openapi_documents_every_route(client):
    spec = client.get("/openapi.json").json()
    assert sorted(spec["paths"]) == [
        "/api/v1/answers", "/api/v1/articles", "/api/v1/articles/{article_id}", "/api/v1/articles/{article_id}/audit",
        "/api/v1/articles/{article_id}/comments", "/api/v1/articles/{article_id}/regenerate",
        "/api/v1/articles/{article_id}/transitions", "/api/v1/audit", "/api/v1/documents/{doc_id}", "/api/v1/health",
        "/api/v1/passages/{passage_id}", "/api/v1/reviewers", "/api/v1/search", "/api/v1/tokens",
        "/api/v1/tokens/{token_id}", "/api/v1/users", "/api/v1/users/{username}/disable",
        "/api/v1/users/{username}/enable", "/api/v1/users/{username}/password",
    ]
    assert spec["components"]["schemas"]["AnswerRequest"]["properties"]["question"]["description"] == (
        "The clinical question, in plain words."
    )
    assert client.get("/docs").status_code == 200


def test_the_docs_page_loads_nothing_from_elsewhere(client):
    # Issue #15: FastAPI's /docs loaded Swagger UI from a CDN (and needed a looser CSP for it).
    response = client.get("/docs")
    assert (response.status_code, response.headers["content-security-policy"]) == (200, CSP)
    assert re.findall(r'(?:src|href)="([^"]+)"', response.text) == [
        "data:,", "/static/medora.css", "/static/medora.js", "#main", "/", "/", "/search", "/docs", "/review",
        "/openapi.json", "/policy", "/reviewers"]
    assert ("<tr><td>POST</td><td><code>/api/v1/answers</code></td><td>Answer a clinical question with cited "
            "statements</td></tr>") in response.text
    assert client.get("/redoc").status_code == 404


def test_permissions_policy_everywhere_and_hsts_over_https(app, client):
    over_http = [client.get("/"), client.get("/api/v1/health"), client.get("/api/v1/no-such-route")]
    secure = TestClient(app, base_url="https://testserver")  # no `with`: the module's app stays open
    over_https = [secure.get("/"), secure.get("/api/v1/health"), secure.get("/api/v1/no-such-route")]
    assert [(r.headers["permissions-policy"], r.headers.get("strict-transport-security")) for r in over_http] == [
        (PERMISSIONS_POLICY, None)] * 3
    assert [(r.headers["permissions-policy"], r.headers.get("strict-transport-security")) for r in over_https] == [
        (PERMISSIONS_POLICY, "max-age=31536000; includeSubDomains")] * 3
    assert PERMISSIONS_POLICY.startswith("accelerometer=(), camera=(), geolocation=()")


# -- HTML pages ---------------------------------------------------------------------------


def test_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert {k: response.headers[k] for k in ("content-security-policy", "x-content-type-options", "referrer-policy")} == {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    assert "default-src 'self'" in CSP and "unsafe-inline" not in CSP


def test_home_page(client, app):
    html = client.get("/").text
    examples = app.state.examples
    assert examples == [
        SEED_QUESTION,
        "What do guidelines recommend on screening for gestational diabetes mellitus?",
        "What do guidelines recommend on diagnosis and assessment of atopic dermatitis?",
        "What do guidelines recommend on psychosis and schizophrenia in adults?",
        "What do guidelines recommend on prevention of stroke in nonvalvular atrial fibrillation?",
    ]
    for question in examples:
        assert f'href="/answer?{escape(urlencode({"q": question}))}"' in html
    assert "What the corpus covers" in html
    assert "<script>" not in html and "style=" not in html  # no inline script or style (CSP)


def test_answer_page_shows_what_the_api_returns(client, her2):
    response = client.get("/answer", params={"q": SEED_QUESTION})
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{escape(SEED_QUESTION)}</h1>" in html
    assert '<li class="current" aria-current="step">Submitted</li>' in html
    assert "Educational purpose only — content pending human review" in html
    assert "Which best describes you?" in html
    for s in her2["bottom_line"] + [s for sec in her2["sections"] for s in sec["statements"]]:
        assert f'<span class="text">{escape(s["text"])}</span>' in html
    for sec in her2["sections"]:
        assert f"<h2>{escape(sec['title'])}</h2>" in html
    for r in her2["references"]:
        assert f'<li id="ref-{r["n"]}" value="{r["n"]}" class="reference">' in html
        assert f'href="#ref-{r["n"]}"' in html
    assert escape(her2["disclaimer"]) in html
    assert f"Corpus version {escape(her2['corpus_version'] or 'unknown')}" in html


def test_answer_page_shows_a_source_without_a_year_as_undated(client):
    """A patient page gives no year: the page says "undated" where a year would stand."""
    response = client.get("/answer", params={"q": "What are the symptoms of a heart attack?", "audience": "patient_caregiver"})
    assert response.status_code == 200
    answer = client.post("/api/v1/answers", json={"question": "What are the symptoms of a heart attack?",
                                                  "audience": "patient_caregiver"}).json()
    undated = [r for r in answer["references"] if not r.get("year")]
    assert undated
    assert "undated" in response.text


def test_answer_page_escapes_the_question(client):
    question = "<script>alert(1)</script> HER2-positive breast cancer treatment"
    response = client.get("/answer", params={"q": question})
    assert response.status_code == 200
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; HER2-positive breast cancer treatment</h1>" in response.text
    assert "<script>alert(1)" not in response.text


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/answer?q=", 400, "Ask a question: type a clinical question"),
        ("/answer?q=HER2&audience=alien", 400, "Invalid request: audience: Input should be"),
        ("/source/no-such-passage", 404, "No passage with id &#39;no-such-passage&#39;"),
        ("/no-such-page", 404, "Not found: no page or API route at this address."),
    ],
)
def test_page_errors(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert "Traceback" not in response.text


def test_source_view_highlights_the_statement(client, her2, built_index):
    _, index = built_index
    s = her2["bottom_line"][0]
    passage = index.passage(s["passage_id"])
    response = client.get(f"/source/{_path(s['passage_id'])}", params={"start": s["span"][0], "end": s["span"][1]})
    assert response.status_code == 200
    html = response.text
    assert f'<mark class="statement" id="statement">{escape(s["text"])}</mark>' in html
    assert '<mark class="passage" id="passage">' in html
    assert escape(index.document(passage.doc_id).title) in html


def test_source_view_rejects_a_span_outside_the_passage(client, her2, built_index):
    _, index = built_index
    s = her2["bottom_line"][0]
    length = len(index.passage(s["passage_id"]).text)
    response = client.get(f"/source/{_path(s['passage_id'])}", params={"start": 5, "end": length + 1})
    assert response.status_code == 400
    assert f"0 ≤ start &lt; end ≤ {length}" in response.text


def test_search_page(client):
    rows = client.get("/api/v1/search", params={"q": HER2_TERMS, "k": 5}).json()
    html = client.get("/search", params={"q": HER2_TERMS, "k": 5}).text
    assert html.count('<li class="result">') == 5
    for row in rows:
        assert f'href="/source/{_path(row["passage_id"])}#passage">{escape(row["title"])}</a>' in html
    assert client.get("/search").status_code == 200


def test_templates_never_mark_text_safe():
    templates = Path(__file__).resolve().parents[1] / "src" / "medora" / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text()
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, path.name
        assert "<script>" not in text and " style=" not in text, path.name


def test_every_passage_is_shown_in_its_document_section(app, built_index):
    # MedQuAD documents repeat section names; the source view must still find the right one.
    from medora.web import source_data

    _, index = built_index
    medora = app.state.medora
    missing = [p.id for _, p in index.iter_passages() if not source_data(medora, p.id, None, None)["in_context"]]
    assert missing == []
