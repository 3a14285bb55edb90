"""Property-based fuzzing of every API and web route on the real app and test index: input never causes a 5xx.

Hypothesis throws arbitrary text (lone surrogates, NUL, invalid percent-encoded UTF-8), huge and negative
integers and arbitrary JSON at each route's path parameters, query string, JSON body and form body, anonymously
and as an administrator. The budget is bounded (a fixed number of examples per route) so the suite stays fast.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st

from medora.cli import cli
from medora.web import create_app

PASSWORD = "correct horse battery"

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = pytest.mark.both_backends
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
# Answering runs retrieval and composition (~0.5-1 s each on 2 cores), so routes that compose get fewer examples.
COMPOSING = settings(FUZZ, max_examples=8)

odd = st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "../", "%", "%ff", "\ufeff", "9" * 30, "-1", " "])
texts = st.lists(st.one_of(st.characters(), odd), max_size=30).map("".join)
ints = st.one_of(st.integers(-10, 10), st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
                 st.integers(), st.just(10**30))
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=True), texts)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(texts, inner, max_size=4)),
                           max_leaves=12)
path_values = st.one_of(texts, ints.map(str))
query_values = st.one_of(texts, ints.map(str))
# Each route's own field names, so the fuzz reaches past "field missing" into the handlers.
FIELDS = ["question", "audience", "thread_id", "action", "version", "comment", "assignee", "statement", "body",
          "revision", "password", "q", "k", "limit", "after", "status", "username", "csrf_token", "label"]
bodies = st.one_of(json_values, st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), json_values, max_size=6))
queries = st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), query_values, max_size=4)


def _routes(prefix_api: bool) -> list[tuple[str, str, list[str]]]:
    """(method, path template, path parameter names) of every route the app mounts from our routers."""
    from medora import api, api_accounts, api_articles, web, web_articles

    out = []
    for route in [r for m in (api, api_accounts, api_articles) for r in m.router.routes] + \
            [r for m in (web, web_articles) for r in m.pages.routes]:
        if isinstance(route, APIRoute) and route.path.startswith("/api/") == prefix_api:
            names = re.findall(r"{(\w+)(?::path)?}", route.path)
            out += [(method, route.path, names) for method in sorted(route.methods) if method != "HEAD"]
    return out


@pytest.fixture(scope="module")
def editorial_db(tmp_path_factory) -> str:
    """The URL of an editorial database with an administrator made by the real `medora users add`."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz-editorial') / 'articles.db'}"
    added = CliRunner().invoke(cli, ["users", "add", "root", "--role", "admin", "--password-stdin"],
                               env={"MEDORA_ARTICLES__DATABASE_URL": url}, input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    return url


@pytest.fixture
def admin_token(editorial_db) -> tuple[str, str]:
    """(database URL, a fresh API token of the administrator): fuzzing DELETE /tokens/{id} may revoke one."""
    token = CliRunner().invoke(cli, ["users", "token", "root", "--label", "fuzz"],
                               env={"MEDORA_ARTICLES__DATABASE_URL": editorial_db})
    assert token.exit_code == 0, token.output
    return editorial_db, token.output.strip()


@pytest.fixture(scope="module")
def app(built_index, editorial_db):
    settings_, _ = built_index
    articles = settings_.articles.model_copy(update={"database_url": editorial_db})
    return create_app(settings_.model_copy(update={"articles": articles}))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


def _url(template: str, names: list[str], values: list[str], query: dict) -> str:
    path = template
    for name, value in zip(names, values):
        path = re.sub(r"{%s(?::path)?}" % name, quote(value, safe="", errors="surrogatepass") or "x", path)
    return path + ("?" + urlencode(query, errors="surrogatepass") if query else "")


def _check(response, method, url):
    assert response.status_code < 500, f"{method} {url!r} -> {response.status_code}: {response.text[:500]}"


def _fuzz_route(client, method, template, names, data, headers):
    url = _url(template, names, [data.draw(path_values) for _ in names], data.draw(queries))
    if method in ("POST", "PUT", "PATCH"):
        if data.draw(st.booleans()):
            body = json.dumps(data.draw(bodies))  # ASCII-escaped: lone surrogates and NaN reach the server
            response = client.request(method, url, content=body, headers={**headers, "Content-Type": "application/json"})
        else:
            form = urlencode(data.draw(queries), errors="surrogatepass")
            response = client.request(method, url, content=form,
                                      headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        response = client.request(method, url, headers=headers)
    _check(response, method, url)


def _composes(template: str) -> bool:
    return template.endswith(("/answers", "/regenerate", "/articles", "/answer", "/review/articles"))


def _route_params(prefix_api: bool):
    routes = _routes(prefix_api)
    return [pytest.param(*r, id=f"{r[0]} {r[1]}") for r in routes]


@pytest.mark.parametrize("method,template,names", _route_params(prefix_api=True))
@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_api_routes_never_answer_5xx(client, admin_token, method, template, names, who):
    headers = {"Authorization": f"Bearer {admin_token[1]}"} if who == "admin" else {}
    assert client.get("/api/v1/users", headers=headers).status_code == (200 if who == "admin" else 401)

    @(COMPOSING if _composes(template) else FUZZ)
    @given(data=st.data())
    def fuzz(data):
        _fuzz_route(client, method, template, names, data, headers)

    fuzz()


@pytest.mark.parametrize("method,template,names", _route_params(prefix_api=False))
def test_web_routes_never_answer_5xx(client, method, template, names):
    @(COMPOSING if _composes(template) else FUZZ)
    @given(data=st.data())
    def fuzz(data):
        _fuzz_route(client, method, template, names, data, {})

    fuzz()


@FUZZ
@given(raw=st.binary(max_size=300), content_type=st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]))
def test_raw_bodies_never_answer_5xx(client, admin_token, raw, content_type):
    headers = {"Authorization": f"Bearer {admin_token[1]}", "Content-Type": content_type}
    for url in ("/api/v1/answers", "/api/v1/articles/1/comments", "/login", "/api/v1/users/root/password"):
        _check(client.post(url, content=raw, headers=headers), "POST", url)
