"""Limits for a public deployment (issue #15), with their default settings, on the real app.

One index backend: the limits sit in front of the index and never reach it.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import serve
from medora import articles
from medora.api import SEED_QUESTION
from medora.limits import TokenBuckets
from medora.errors import TooManyRequests
from medora.settings import ArticlesSettings, WebSettings
from medora.web import create_app


def with_defaults(built_index, tmp_path, **articles_settings):
    """The shared index with the default web and editorial limits, and an editorial database of its own."""
    settings, _ = built_index
    editorial = ArticlesSettings(database_url=f"sqlite:///{tmp_path / 'articles.db'}", **articles_settings)
    return settings.model_copy(update={"web": WebSettings(), "articles": editorial})


def test_a_burst_of_200_questions_from_one_client_gets_429s(built_index, tmp_path):
    app = create_app(with_defaults(built_index, tmp_path))
    assert (WebSettings().questions_burst, WebSettings().questions_per_minute) == (60, 30)
    with TestClient(app) as client:
        responses = [client.post("/api/v1/answers", json={"question": SEED_QUESTION}) for _ in range(200)]
        # The bucket refills half a token a second: a token may come back just before the page is asked
        # for (CI saw it once); the next ask, a moment later, finds the bucket empty again.
        page = client.get("/answer", params={"q": SEED_QUESTION})
        if page.status_code == 200:
            page = client.get("/answer", params={"q": SEED_QUESTION})
        other = TestClient(app, client=("203.0.113.9", 50000))
        elsewhere = other.post("/api/v1/answers", json={"question": SEED_QUESTION})
    statuses = [r.status_code for r in responses]
    assert statuses[:60] == [200] * 60
    assert set(statuses[60:]) <= {200, 429} and statuses.count(429) >= 130  # refilled at 0.5 a second meanwhile
    refused = next(r for r in reversed(responses) if r.status_code == 429)  # the last may have had a refilled token
    wait = refused.headers["retry-after"]
    assert (refused.status_code, refused.json()) == (429, {
        "ok": False, "status": 429, "error": f"Too many questions from your address; try again in {wait} s."})
    assert 1 <= int(wait) <= 2
    assert (page.status_code, page.headers["retry-after"] in ("1", "2")) == (429, True)
    assert "Too many questions from your address" in page.text
    assert elsewhere.status_code == 200  # another client has its own bucket


def test_token_buckets_refill_at_their_rate():
    now = [0.0]
    buckets = TokenBuckets(per_minute=6, burst=2, clock=lambda: now[0])
    buckets.take("a"), buckets.take("a")
    with pytest.raises(TooManyRequests) as refused:
        buckets.take("a")
    assert (refused.value.retry_after, str(refused.value)) == (10, "Too many requests from your address; try "
                                                                    "again in 10 s.")
    buckets.take("b")
    now[0] = 10.0
    buckets.take("a")
    with pytest.raises(TooManyRequests):
        buckets.take("a")


def _raw(url: str, head: bytes, body_chunks: list[bytes] = ()) -> tuple[str, dict[str, str], bytes]:
    """Send ``head`` and ``body_chunks`` over a plain socket; returns (status line, headers, body) received."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            sock.sendall(chunk)
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(received):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    head_text, body = received.split(b"\r\n\r\n", 1)
    status, *lines = head_text.decode().split("\r\n")
    return status, {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}, body


def _length(received: bytes) -> int:
    for line in received.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


LIMIT_MESSAGE = ("The request body is larger than this server accepts (262,144 bytes); send the question alone, "
                 "without attachments.")


def test_a_2_mb_body_gets_413_before_the_server_reads_it(built_index, tmp_path):
    with serve(create_app(with_defaults(built_index, tmp_path))) as url:
        # Only the headers are sent: the 413 comes back without waiting for a byte of the 2 MB body.
        status, headers, body = _raw(url, b"POST /api/v1/answers HTTP/1.1\r\nHost: medora\r\n"
                                          b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n")
        assert (status, json.loads(body)) == ("HTTP/1.1 413 Request Entity Too Large", {
            "ok": False, "status": 413, "error": LIMIT_MESSAGE})
        assert headers["x-content-type-options"] == "nosniff"
        # Chunked, with no length announced: read up to the limit, then refused.
        chunk = b"a" * 65536
        status, headers, body = _raw(url, b"POST /login HTTP/1.1\r\nHost: medora\r\n"
                                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                                          b"Transfer-Encoding: chunked\r\n\r\n",
                                     [b"10000\r\n" + chunk + b"\r\n"] * 5)
        assert (status, headers["content-type"]) == ("HTTP/1.1 413 Request Entity Too Large",
                                                     "text/html; charset=utf-8")
        assert LIMIT_MESSAGE in body.decode()


def test_readers_cannot_grow_the_review_queue_past_the_cap(built_index, tmp_path):
    app = create_app(with_defaults(built_index, tmp_path, anonymous_articles_per_hour=2))
    with TestClient(app) as client:
        first, second, third = (client.post("/api/v1/answers", json={"question": SEED_QUESTION, "audience": a})
                                for a in ("physician", "student", "pharmacist"))
        again = client.post("/api/v1/answers", json={"question": SEED_QUESTION.lower(), "audience": "physician"})
    assert (first.status_code, second.status_code) == (200, 200)
    wait = int(third.headers["retry-after"])
    assert (third.status_code, third.json()["error"]) == (429, (
        f"Medora has saved 2 new questions from readers for review in the last hour, as many as it takes; ask "
        f"again in {wait} s. Questions asked before are still answered."))
    assert 3590 <= wait <= 3600
    assert (again.status_code, again.json()["review"]["article_id"]) == (200, first.json()["review"]["article_id"])
    queue = articles.list_articles(app.state.medora.articles)
    assert [(a["audience"], a["status"]) for a in queue] == [("student", "submitted"), ("physician", "submitted")]


def _guesses(url: str, forwarded_for: list[str]) -> list[int]:
    """Wrong-password logins through the real login form, one per X-Forwarded-For value; their statuses."""
    import re

    import httpx

    with httpx.Client(base_url=url) as browser:
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
        return [browser.post("/login", headers={"X-Forwarded-For": address},
                             data={"username": "ed", "password": "guess", "csrf_token": token}).status_code
                for address in forwarded_for]


@pytest.mark.parametrize(("trusted", "statuses"), [
    ([], [401] * 4 + [429] * 2),  # the default: the header is ignored, the lockout holds
    (["127.0.0.1"], [401] * 6),  # the proxy is trusted: each forwarded address counts on its own
])
def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(built_index, tmp_path, trusted, statuses):
    # Issue #15: behind loopback uvicorn believed X-Forwarded-For, so rotating it escaped the lockout.
    from medora.web import uvicorn_options

    settings = with_defaults(built_index, tmp_path, session_secure_cookie=False)  # plain-HTTP test server
    settings = settings.model_copy(update={"web": WebSettings(trusted_proxies=trusted)})
    assert settings.articles.max_login_failures == 5
    with serve(create_app(settings), **uvicorn_options(settings.web)) as url:
        assert _guesses(url, [f"198.51.100.{n}" for n in range(6)]) == statuses
