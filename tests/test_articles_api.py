"""Editorial review through the front doors: REST API (bearer tokens), web forms (session + CSRF), CLI.

The real app on the shared ``built_index`` slice, with its own SQLite editorial database;
accounts and tokens are made with the real `medora users` commands.
"""

from __future__ import annotations

import json
import re
from unittest.mock import ANY

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from medora.api import SEED_QUESTION
from medora.api_articles import NO_ACCOUNT
from medora.cli import cli
from medora.web import create_app

PASSWORD = "correct horse battery"
PEOPLE = [  # username, role, display name, credentials, specialty
    ("root", "admin", "", "", ""),
    ("ed", "editor", "Ed Itor", "", ""),
    ("dr.lee", "reviewer", "Dr Ana Lee", "MD, PhD", "Medical oncology"),
    ("dr.kim", "reviewer", "Dr Min Kim", "MD", "Cardiology"),
    ("brute", "editor", "", "", ""),
]
LEE = {"username": "dr.lee", "name": "Dr Ana Lee", "credentials": "MD, PhD", "specialty": "Medical oncology"}

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = pytest.mark.both_backends


@pytest.fixture(scope="module")
def env(tmp_path_factory, built_index) -> dict[str, str]:
    """The environment that points `medora` commands at this module's editorial database (one per
    index backend, so that no article composed on one backend is served on the other)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('editorial') / 'articles.db'}"
    return {"MEDORA_ARTICLES__DATABASE_URL": url, "MEDORA_ARTICLES__MAX_LOGIN_FAILURES": "3",
            "MEDORA_ARTICLES__LOCKOUT_SECONDS": "60"}


def medora(env, *args, input=None):
    return CliRunner().invoke(cli, list(args), env=env, input=input)


@pytest.fixture(scope="module")
def tokens(env) -> dict[str, str]:
    """Accounts added with `medora users add --password-stdin`, and an API token for each."""
    out = {}
    for username, role, name, credentials, specialty in PEOPLE:
        result = medora(env, "users", "add", username, "--role", role, "--password-stdin", "--name", name,
                        "--credentials", credentials, "--specialty", specialty, input=PASSWORD + "\n")
        assert (result.exit_code, result.output) == (0, f"Added {username} ({role}).\n")
        result = medora(env, "users", "token", username, "--label", "tests")
        assert result.exit_code == 0, result.output
        out[username] = result.output.strip()
    return out


@pytest.fixture(scope="module")
def app(built_index, env, tokens):
    settings, _ = built_index
    articles = settings.articles.model_copy(update={
        "database_url": env["MEDORA_ARTICLES__DATABASE_URL"], "max_login_failures": 3, "lockout_seconds": 60})
    return create_app(settings.model_copy(update={"articles": articles}))


@pytest.fixture(scope="module")
def client(app):
    # https: the session cookie is Secure, and a client only sends it back over HTTPS.
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def bearer(tokens, username) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[username]}"}


def new_article(client, tokens, audience: str) -> dict:
    response = client.post("/api/v1/articles", json={"question": SEED_QUESTION, "audience": audience},
                           headers=bearer(tokens, "ed"))
    assert response.status_code == 201, response.text
    return response.json()


def move(client, tokens, who, article, action, **body):
    return client.post(f"/api/v1/articles/{article['id']}/transitions", headers=bearer(tokens, who),
                       json={"action": action, "version": article["version"], **body})


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def web_login(app, username, password=PASSWORD) -> tuple[TestClient, str]:
    """A browser-like client signed in through the login form; returns it and its forms' CSRF token."""
    browser = TestClient(app, base_url="https://testserver")
    token = csrf_in(browser.get("/login").text)
    response = browser.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                            "next": "/review"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/review"), response.text
    return browser, csrf_in(browser.get("/review").text)


# -- the REST API -------------------------------------------------------------------------


def test_review_lifecycle_through_the_api(client, tokens):
    assert client.get("/api/v1/articles").json() == {"ok": False, "error": NO_ACCOUNT, "status": 401}
    response = client.get("/api/v1/articles", headers={"Authorization": "Basic ZWQ6eA=="})
    assert (response.status_code, response.json()["error"]) == (
        401, "Send the API token as: Authorization: Bearer <token>")
    response = client.get("/api/v1/articles", headers={"Authorization": "Bearer mdr_forged"})
    assert (response.status_code, response.json()["error"]) == (
        401, "Unknown or revoked API token; create one with: medora users token USERNAME")
    response = client.post("/api/v1/articles", json={"question": SEED_QUESTION, "audience": "nurse_np_pa"},
                           headers=bearer(tokens, "dr.lee"))
    assert (response.status_code, response.json()["error"]) == (
        403, "'dr.lee' (reviewer) may not create articles: that needs the role editor or admin.")

    article = new_article(client, tokens, "nurse_np_pa")
    assert {k: article[k] for k in ("status", "status_label", "version", "revision", "assignee", "actions")} == {
        "status": "submitted", "status_label": "Submitted", "version": 1, "revision": 1, "assignee": None,
        "actions": ["assign", "withdraw"]}
    assert (article["answer"]["question"], article["answer"]["audience"]) == (SEED_QUESTION, "nurse_np_pa")
    again = client.post("/api/v1/articles", json={"question": SEED_QUESTION.upper(), "audience": "nurse_np_pa"},
                        headers=bearer(tokens, "ed"))
    assert (again.status_code, again.json()["id"], again.json()["version"]) == (200, article["id"], 1)

    forbidden = [  # (who, action, status, error)
        ("dr.lee", "approve", 409, f"Article {article['id']} is Submitted: you can approve it only when it is "
                                   "Under Review."),
        ("ed", "approve", 403, "'ed' (editor) may not approve an article: that needs the role reviewer."),
        ("root", "reject", 403, "'root' (admin) may not reject an article: that needs the role reviewer."),
        ("dr.lee", "withdraw", 403, "'dr.lee' (reviewer) may not withdraw an article: that needs the role editor "
                                    "or admin."),
    ]
    for who, action, status, error in forbidden:
        response = move(client, tokens, who, article, action, comment="because")
        assert (response.status_code, response.json()) == (status, {"ok": False, "error": error, "status": status})

    article = move(client, tokens, "dr.lee", article, "assign").json()
    assert (article["status"], article["assignee"], article["version"], article["actions"]) == (
        "under_review", "dr.lee", 2, ["approve", "request_changes", "reject"])
    response = move(client, tokens, "dr.kim", article, "approve")
    assert (response.status_code, response.json()["error"]) == (
        403, f"Article {article['id']} is assigned to 'dr.lee'; only they can approve it (an editor can reassign it).")

    statement = article["answer"]["bottom_line"][0]["text"]
    response = client.post(f"/api/v1/articles/{article['id']}/comments", headers=bearer(tokens, "dr.lee"),
                           json={"statement": "bottom_line.0", "body": "Matches the guideline wording."})
    assert (response.status_code, response.json()) == (201, {
        "id": ANY, "revision": 1, "statement": "bottom_line.0", "quote": statement,
        "body": "Matches the guideline wording.", "author": "dr.lee", "created_at": ANY})

    response = move(client, tokens, "dr.lee", {**article, "version": 1}, "approve")
    assert (response.status_code, response.json()["error"]) == (
        409, f"Article {article['id']} was changed by someone else since you read it (you had version 1, it is now "
             "version 2, Under Review). Reload it and try again.")
    approved = move(client, tokens, "dr.lee", article, "approve", comment="Faithful to the sources.").json()
    assert (approved["status"], approved["version"], approved["review"]["status"],
            approved["review"]["reviewed_by"]) == ("approved", 3, "Approved", [LEE])

    response = client.get("/api/v1/audit", headers=bearer(tokens, "dr.lee"))
    assert (response.status_code, response.json()["error"]) == (
        403, "'dr.lee' (reviewer) may not read the audit trail: that needs the role editor or admin.")
    trail = client.get(f"/api/v1/articles/{article['id']}/audit", headers=bearer(tokens, "ed")).json()
    assert [(e["actor"], e["action"], e["from_status"], e["to_status"], e["comment"]) for e in trail] == [
        ("ed", "create", None, "submitted", ""),
        ("dr.lee", "assign", "submitted", "under_review", ""),
        ("dr.lee", "comment", "under_review", "under_review", "Matches the guideline wording."),
        ("dr.lee", "approve", "under_review", "approved", "Faithful to the sources."),
    ]
    export = client.get("/api/v1/audit", headers=bearer(tokens, "root")).json()
    assert [e for e in export if e["article_id"] == article["id"]] == trail
    assert [e["action"] for e in export if e["article_id"] is None][:10] == ["user_add", "token_create"] * 5
    listed = client.get("/api/v1/articles", params={"status": "approved"}, headers=bearer(tokens, "dr.kim")).json()
    assert article["id"] in [a["id"] for a in listed]
    missing = client.get("/api/v1/articles/9999", headers=bearer(tokens, "dr.kim"))
    assert (missing.status_code, missing.json()["error"]) == (
        404, "No article with id 9999 — see the review queue: medora review list")


def test_an_approved_answer_is_served_unchanged_with_its_reviewer(client, tokens):
    first = client.post("/api/v1/answers", json={"question": SEED_QUESTION}).json()
    assert {k: first["review"][k] for k in ("status", "reviewed_by", "revision")} == {
        "status": "Submitted", "reviewed_by": [], "revision": 1}
    html = client.get("/answer", params={"q": SEED_QUESTION}).text
    assert "Educational purpose only — content pending human review" in html
    assert '<li class="current" aria-current="step">Submitted</li>' in html

    headers = bearer(tokens, "dr.lee")
    article = client.get(f"/api/v1/articles/{first['review']['article_id']}", headers=headers).json()
    article = move(client, tokens, "dr.lee", article, "assign").json()
    assert move(client, tokens, "dr.lee", article, "approve").status_code == 200

    again = client.post("/api/v1/answers", json={"question": "  " + SEED_QUESTION.lower().rstrip("?") + "  "}).json()
    content = ("bottom_line", "sections", "references", "generated_at", "corpus_version", "disclaimer")
    assert {k: again[k] for k in content} == {k: first[k] for k in content}
    assert again["review"] == {
        "status": "Approved", "steps": ["Submitted", "Under Review", "Approved"],
        "last_updated": first["generated_at"], "article_id": first["review"]["article_id"], "revision": 1,
        "reviewed_by": [LEE], "approved_at": ANY,
    }
    html = client.get("/answer", params={"q": SEED_QUESTION}).text
    assert "content pending human review" not in html
    assert '<li class="current" aria-current="step">Approved</li>' in html
    assert ('Reviewed by <a href="/reviewers#dr.lee">Dr Ana Lee</a>, MD, PhD (Medical oncology)' in html)
    assert f'Last updated <time datetime="{first["generated_at"]}">' in html


def test_two_editors_at_once_the_second_gets_409(client, tokens):
    article = new_article(client, tokens, "student")
    first = move(client, tokens, "ed", article, "withdraw", comment="Duplicate topic")
    second = move(client, tokens, "dr.kim", article, "assign")  # read the same version 1
    assert (first.status_code, first.json()["status"]) == (200, "withdrawn")
    assert (second.status_code, second.json()) == (409, {"ok": False, "status": 409, "error": (
        f"Article {article['id']} was changed by someone else since you read it (you had version 1, it is now "
        "version 2, Withdrawn). Reload it and try again.")})


# -- web forms ------------------------------------------------------------------------------


def test_web_forms_need_their_csrf_token(app, client, tokens):
    article = new_article(client, tokens, "pharmacist")
    browser, csrf = web_login(app, "dr.lee")
    url = f"/review/articles/{article['id']}/transition"
    form = {"action": "assign", "version": str(article["version"])}
    for data in (form, {**form, "csrf_token": "not-the-token"}):
        response = browser.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "This form is missing its security token or it has expired (CSRF check)." in response.text
    assert client.get(f"/api/v1/articles/{article['id']}", headers=bearer(tokens, "ed")).json()["status"] == "submitted"
    response = browser.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/review/articles/{article['id']}")
    page = browser.get(response.headers["location"]).text
    assert '<li class="current" aria-current="step">Under Review</li>' in page
    assert 'class="stacked decision action-approve"' in page and f'name="csrf_token" value="{csrf}"' in page

    response = browser.post(f"/review/articles/{article['id']}/comments", follow_redirects=False,
                            data={"statement": "bottom_line.0", "body": "Check the dose.", "revision": "1",
                                  "csrf_token": csrf})
    assert response.headers["location"] == f"/review/articles/{article['id']}?revision=1#s-bottom_line.0"
    assert "<strong>dr.lee</strong>" in browser.get(response.headers["location"]).text
    assert browser.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert browser.get("/review", follow_redirects=False).headers["location"] == "/login?next=%2Freview"
    anonymous = TestClient(app, base_url="https://testserver")
    assert anonymous.post("/login", data={"username": "ed", "password": PASSWORD}).status_code == 403


def test_the_session_cookie_is_httponly_samesite_and_secure(app):
    browser = TestClient(app, base_url="https://testserver")
    token = csrf_in(browser.get("/login").text)
    response = browser.post("/login", data={"username": "ed", "password": PASSWORD, "csrf_token": token,
                                            "next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/review"  # no open redirect
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("medora_session="))
    assert sorted(part.strip() for part in cookie.split(";")[1:]) == [
        "HttpOnly", "Max-Age=43200", "Path=/", "SameSite=lax", "Secure"]


def test_brute_force_logins_are_locked_out(app):
    browser = TestClient(app, base_url="https://testserver")
    token = csrf_in(browser.get("/login").text)

    def attempt(password):
        return browser.post("/login", data={"username": "brute", "password": password, "csrf_token": token},
                            follow_redirects=False)

    first = attempt("guess-1")
    assert (first.status_code, "Wrong username or password." in first.text) == (401, True)
    assert attempt("guess-2").status_code == 401
    third = attempt("guess-3")
    assert (third.status_code, third.headers["retry-after"]) == (429, "60")
    locked = attempt(PASSWORD)  # the right password, but the account is locked for this address
    assert (locked.status_code, locked.headers["retry-after"]) == (429, ANY)
    assert 0 < int(locked.headers["retry-after"]) <= 60
    assert "Too many failed logins for &#39;brute&#39; from this address; try again in" in locked.text


def test_editorial_pages_need_an_account_and_the_right_role(app):
    anonymous = TestClient(app, base_url="https://testserver")
    for path in ("/review", "/review/audit", "/review/articles/1"):
        response = anonymous.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/login?next={path.replace('/', '%2F')}")
    reviewer, _ = web_login(app, "dr.kim")
    response = reviewer.get("/review/audit")
    assert response.status_code == 403
    assert "&#39;dr.kim&#39; (reviewer) may not read the audit trail" in response.text
    editor, _ = web_login(app, "root")
    for path, text in [("/review", "Review queue"), ("/review/audit", "Audit trail"),
                       ("/reviewers", "Dr Ana Lee</strong>, MD, PhD"), ("/policy", "The review workflow")]:
        response = editor.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path
        assert "<script>" not in response.text and "style=" not in response.text  # CSP: nothing inline
    public = anonymous.get("/reviewers").text
    assert "Dr Min Kim</strong>, MD<br><span class=\"meta\">Cardiology</span>" in public
    assert anonymous.get("/policy").status_code == 200
    assert anonymous.get("/api/v1/reviewers").json() == [LEE, {
        "username": "dr.kim", "name": "Dr Min Kim", "credentials": "MD", "specialty": "Cardiology"}]


# -- the command line ---------------------------------------------------------------------


def test_review_commands(client, tokens, env):
    article = new_article(client, tokens, "patient_caregiver")
    listed = medora(env, "review", "list", "--status", "submitted", "--json")
    assert listed.exit_code == 0
    assert article["id"] in [row["id"] for row in json.loads(listed.output)]
    result = medora(env, "review", "approve", str(article["id"]), "--as", "ed")
    assert (result.exit_code, result.output) == (
        1, "Error: 'ed' (editor) may not approve an article: that needs the role reviewer.\n")
    result = medora(env, "review", "assign", str(article["id"]), "--as", "ed", "--to", "dr.kim")
    assert (result.exit_code, result.output) == (
        0, f"Article {article['id']}: Under Review (version 2, assigned to dr.kim).\n")
    result = medora(env, "review", "request-changes", str(article["id"]), "--as", "dr.kim")
    assert (result.exit_code, result.output) == (1, "Error: Request changes: say what needs to change in a comment.\n")
    result = medora(env, "review", "reject", str(article["id"]), "--as", "dr.kim", "--comment", "Off topic",
                    "--version", "1")
    assert (result.exit_code, result.output) == (1, (
        f"Error: Article {article['id']} was changed by someone else since you read it (you had version 1, it is "
        "now version 2, Under Review). Reload it and try again.\n"))
    result = medora(env, "review", "request-changes", str(article["id"]), "--as", "dr.kim", "--comment", "Simpler")
    assert (result.exit_code, result.output) == (0, f"Article {article['id']}: Changes requested (version 3).\n")
    trail = client.get(f"/api/v1/articles/{article['id']}/audit", headers=bearer(tokens, "ed")).json()
    assert [(e["actor"], e["action"], e["comment"]) for e in trail] == [
        ("ed", "create", ""), ("ed", "assign", ""), ("dr.kim", "request_changes", "Simpler")]
    result = medora(env, "users", "add", "newbie", "--role", "editor", "--password-stdin", input="short\n")
    assert (result.exit_code, result.output) == (
        1, "Error: The password is too short: use at least 12 characters.\n")


# -- input that must never be a 500 (issue #15) -------------------------------------------

HUGE = 2**63  # one more than any database integer


@pytest.mark.parametrize(("method", "url", "body", "error"), [
    ("get", f"/api/v1/articles/{HUGE}", None,
     "Invalid request: article_id: Input should be less than or equal to 9223372036854775807"),
    ("get", f"/api/v1/articles/{10**30}/audit", None,
     "Invalid request: article_id: Input should be less than or equal to 9223372036854775807"),
    ("get", f"/api/v1/articles/1?revision={HUGE}", None,
     "Invalid request: revision: Input should be less than or equal to 9223372036854775807"),
    ("get", f"/api/v1/audit?after={HUGE}", None,
     "Invalid request: after: Input should be less than or equal to 9223372036854775807"),
    ("post", "/api/v1/articles/1/comments", {"statement": "bottom_line.0", "body": "x", "revision": HUGE},
     "Invalid request: revision: Input should be less than or equal to 9223372036854775807"),
    ("post", f"/api/v1/articles/{HUGE}/transitions", {"action": "assign", "version": 1},
     "Invalid request: article_id: Input should be less than or equal to 9223372036854775807"),
])
def test_integers_beyond_the_database_are_422_not_500(client, tokens, method, url, body, error):
    response = client.request(method.upper(), url, json=body, headers=bearer(tokens, "root"))
    assert (response.status_code, response.json()["error"]) == (422, error)


def test_integers_beyond_the_database_on_pages_and_the_command_line(app, env):
    editor, csrf = web_login(app, "root")
    response = editor.get(f"/review/articles/{HUGE}")
    assert response.status_code == 400
    assert "article_id: Input should be less than or equal to 9223372036854775807" in response.text
    response = editor.post(f"/review/articles/{HUGE}/comments", follow_redirects=False,
                           data={"statement": "bottom_line.0", "body": "x", "revision": "1", "csrf_token": csrf})
    assert response.status_code == 400
    result = medora(env, "review", "withdraw", str(HUGE), "--as", "ed")
    assert result.exit_code == 2
    assert "Invalid value for 'ARTICLE_ID': 9223372036854775808 is not in the range 1<=x<=9223372036854775807." \
        in result.output


def saved_article(client, tokens, question=SEED_QUESTION, audience="physician") -> dict:
    """The article for (question, audience), new (201) or as already saved by an earlier test (200)."""
    response = client.post("/api/v1/articles", json={"question": question, "audience": audience},
                           headers=bearer(tokens, "ed"))
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_lone_surrogate_anywhere_in_a_request_is_a_400(client, tokens):
    article = saved_article(client, tokens)
    url = f"/api/v1/articles/{article['id']}"
    requests = [  # (url, body, who, error)
        ("/api/v1/answers", {"question": SEED_QUESTION, "thread_id": "ab\ud800"}, "ed",
         "The thread id holds an invalid character; retype it as plain text."),
        (f"{url}/comments", {"statement": "bottom_line.0", "body": "dose \ud800"}, "dr.lee",
         "The comment holds an invalid character; retype it as plain text."),
        (f"{url}/comments", {"statement": "bottom_line.\udfff", "body": "dose"}, "dr.lee",
         "The statement key holds an invalid character; retype it as plain text."),
        (f"{url}/transitions", {"action": "withdraw", "version": article["version"], "comment": "\ud800"}, "ed",
         "The comment holds an invalid character; retype it as plain text."),
        (f"{url}/transitions", {"action": "assign", "version": article["version"], "assignee": "dr.\ud800"}, "ed",
         "The assignee holds an invalid character; retype it as plain text."),
    ]
    for path, body, who, error in requests:  # json.dumps escapes the surrogate as JSON allows: "\ud800"
        response = client.post(path, content=json.dumps(body).encode(),
                               headers={**bearer(tokens, who), "content-type": "application/json"})
        assert (response.status_code, response.json()) == (400, {"ok": False, "error": error, "status": 400}), path
    after = client.get(url, headers=bearer(tokens, "ed")).json()
    assert (after["version"], after["comments"], after["history"]) == (
        article["version"], article["comments"], article["history"])


def test_racing_reviewers_and_editors_get_one_winner_and_409s(client, tokens):
    # Issue #15: 4 of 22 such races ended in a 500 (StaleDataError from an autoflush).
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    article, start = saved_article(client, tokens, SEED_QUESTION + " In older adults?"), Barrier(2)

    def race(seen, who, action, **body):
        start.wait()
        return move(client, tokens, who, seen, action, **body).status_code

    def read():
        return client.get(f"/api/v1/articles/{article['id']}", headers=bearer(tokens, "ed")).json()

    outcomes = []
    with ThreadPoolExecutor(2) as pool:
        for _ in range(11):
            pair = [pool.submit(race, article, "dr.lee", "assign"), pool.submit(race, article, "dr.kim", "assign")]
            outcomes.append(sorted(f.result() for f in pair))
            article = read()
            pair = [pool.submit(race, article, article["assignee"], "request_changes", comment="Shorter"),
                    pool.submit(race, article, "ed", "withdraw", comment="Duplicate")]
            outcomes.append(sorted(f.result() for f in pair))
            article = move(client, tokens, "ed", read(), "submit").json()
    # One winner per race; the loser is told its read is stale (409) or, when it lost an assign to a
    # reviewer who held the article before, that it is assigned to someone else (403).
    assert [(a, b in (403, 409)) for a, b in outcomes] == [(200, True)] * 22, outcomes
    assert outcomes.count([200, 409]) >= 11


def test_long_comments_and_negative_statement_keys_are_refused(client, tokens):
    article = saved_article(client, tokens)
    url = f"/api/v1/articles/{article['id']}/comments"
    response = client.post(url, headers=bearer(tokens, "dr.lee"), json={"statement": "bottom_line.0",
                                                                        "body": "x" * 10_001})
    assert (response.status_code, response.json()["error"]) == (422, (
        "The comment is 10,001 characters long; the limit is 10,000. Keep it to what needs to change, "
        "or split it over the statements concerned."))
    response = client.post(url, headers=bearer(tokens, "dr.lee"), json={"statement": "bottom_line.-1", "body": "?"})
    assert (response.status_code, response.json()["error"]) == (
        400, "No statement 'bottom_line.-1' in this revision; keys look like bottom_line.0 or sections.2.1.")


# -- account lifecycle (issue #15) --------------------------------------------------------


def test_account_lifecycle_through_the_api_and_the_command_line(app, client, tokens, env):
    result = medora(env, "users", "add", "locum", "--role", "editor", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = medora(env, "users", "token", "locum", "--label", "laptop", "--days", "30")
    locum = {"Authorization": f"Bearer {result.output.strip()}"}
    own = client.get("/api/v1/tokens", headers=locum).json()
    assert [(t["username"], t["label"], t["prefix"], t["revoked_at"]) for t in own] == [
        ("locum", "laptop", result.output.strip()[:10], None)]
    assert client.get("/api/v1/tokens", params={"username": "locum"}, headers=bearer(tokens, "root")).json() == own
    response = client.get("/api/v1/tokens", params={"username": "ed"}, headers=locum)
    assert (response.status_code, response.json()["error"]) == (403, "'locum' (editor) may list only their own tokens.")
    response = client.get("/api/v1/users", headers=bearer(tokens, "ed"))
    assert (response.status_code, response.json()["error"]) == (
        403, "'ed' (editor) may not list accounts: that needs the role admin.")

    disabled = client.post("/api/v1/users/locum/disable", headers=bearer(tokens, "root")).json()
    assert (disabled["username"], disabled["active"]) == ("locum", False)
    refused = client.get("/api/v1/articles", headers=locum)
    assert (refused.status_code, refused.json()["error"]) == (
        401, "Unknown or revoked API token; create one with: medora users token USERNAME")
    assert client.post("/api/v1/users/locum/enable", headers=bearer(tokens, "root")).json()["active"] is True
    assert client.get("/api/v1/articles", headers=locum).status_code == 200

    short = client.post("/api/v1/users/locum/password", json={"password": "short"}, headers=bearer(tokens, "root"))
    assert (short.status_code, short.json()["error"]) == (400, "The password is too short: use at least 12 characters.")
    response = client.post("/api/v1/users/locum/password", json={"password": "another good passphrase"},
                           headers=bearer(tokens, "root"))
    assert response.status_code == 200
    web_login(app, "locum", "another good passphrase")

    revoked = client.delete(f"/api/v1/tokens/{own[0]['id']}", headers=locum).json()
    assert (revoked["id"], revoked["revoked_at"] is not None) == (own[0]["id"], True)
    assert client.get("/api/v1/articles", headers=locum).status_code == 401
    gone = client.delete(f"/api/v1/tokens/{2**63}", headers=bearer(tokens, "root"))
    assert gone.status_code == 422

    listed = medora(env, "users", "tokens", "locum")
    assert (listed.exit_code, f"{own[0]['id']:>5}  locum" in listed.output, "revoked 20" in listed.output) == (
        0, True, True)
    assert medora(env, "users", "disable", "locum").output == "Disabled locum.\n"
    assert "locum                editor    locum  (disabled)\n" in medora(env, "users", "list").output
    assert medora(env, "users", "enable", "locum").output == "Enabled locum.\n"
    result = medora(env, "users", "reset-password", "locum", "--password-stdin", input="short\n")
    assert (result.exit_code, result.output) == (1, "Error: The password is too short: use at least 12 characters.\n")
    result = medora(env, "users", "reset-password", "locum", "--password-stdin", input=PASSWORD + "\n")
    assert (result.exit_code, result.output) == (0, "Password of locum reset; its sessions were ended.\n")
    result = medora(env, "users", "revoke-token", str(own[0]["id"]))
    assert result.output == f"Revoked token {own[0]['id']} ({own[0]['prefix']}…) of locum.\n"

    trail = client.get("/api/v1/audit", headers=bearer(tokens, "root")).json()
    about_locum = [(e["actor"], e["action"]) for e in trail
                   if e["detail"].get("username") == "locum" or e["actor"] == "locum"]
    assert about_locum == [
        ("system", "user_add"), ("locum", "token_create"), ("root", "user_disable"), ("root", "user_enable"),
        ("root", "password_reset"), ("locum", "login"), ("locum", "token_revoke"), ("system", "user_disable"),
        ("system", "user_enable"), ("system", "password_reset")]


def test_an_admin_removes_spam_through_the_api_the_web_and_the_command_line(app, client, tokens, env):
    spam = [client.post("/api/v1/answers", json={"question": SEED_QUESTION + suffix, "audience": "pharmacist"}).json()
            for suffix in (" Now?", " Today?", " Again?")]
    ids = [a["review"]["article_id"] for a in spam]
    first = client.get(f"/api/v1/articles/{ids[0]}", headers=bearer(tokens, "root")).json()
    assert "remove" in first["actions"]
    response = move(client, tokens, "ed", first, "remove", comment="spam")
    assert (response.status_code, response.json()["error"]) == (
        403, "'ed' (editor) may not remove an article: that needs the role admin.")
    removed = move(client, tokens, "root", first, "remove", comment="spam").json()
    assert (removed["status"], removed["status_label"], removed["actions"]) == ("removed", "Removed", [])

    admin, csrf = web_login(app, "root")
    second = client.get(f"/api/v1/articles/{ids[1]}", headers=bearer(tokens, "root")).json()
    assert 'class="stacked decision action-remove"' in admin.get(f"/review/articles/{ids[1]}").text
    response = admin.post(f"/review/articles/{ids[1]}/transition", follow_redirects=False, data={
        "action": "remove", "version": str(second["version"]), "comment": "spam", "csrf_token": csrf})
    assert response.status_code == 303

    result = medora(env, "review", "remove", str(ids[2]), "--as", "root", "--comment", "spam")
    assert (result.exit_code, result.output) == (0, f"Article {ids[2]}: Removed.\n")
    result = medora(env, "review", "remove", str(ids[2]), "--as", "ed", "--comment", "spam")
    assert (result.exit_code, result.output) == (
        1, "Error: 'ed' (editor) may not remove an article: that needs the role admin.\n")

    queue = client.get("/api/v1/articles", headers=bearer(tokens, "ed")).json()
    assert set(ids) & {a["id"] for a in queue} == set()
    listed = client.get("/api/v1/articles", params={"status": "removed"}, headers=bearer(tokens, "ed")).json()
    assert sorted(a["id"] for a in listed) == sorted(ids)
    trail = client.get("/api/v1/audit", headers=bearer(tokens, "root")).json()
    assert [(e["article_id"], e["actor"], e["action"], e["comment"]) for e in trail if e["action"] == "remove"] == [
        (article_id, "root", "remove", "spam") for article_id in ids]
    again = client.post("/api/v1/answers", json={"question": SEED_QUESTION + " Now?", "audience": "pharmacist"})
    assert (again.json()["review"]["article_id"], again.json()["review"]["status"]) == (ids[0], "Removed")


def test_an_administrator_manages_accounts_on_the_web(app, client, tokens, env):
    result = medora(env, "users", "add", "temp.rev", "--role", "reviewer", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    token = medora(env, "users", "token", "temp.rev").output.strip()
    reviewer, _ = web_login(app, "dr.kim")
    response = reviewer.get("/review/accounts")
    assert (response.status_code, "&#39;dr.kim&#39; (reviewer) may not manage accounts" in response.text) == (403, True)

    admin, csrf = web_login(app, "root")
    page = admin.get("/review/accounts").text
    assert '<a href="/review/accounts">Accounts</a>' in page and '<tr id="account-temp.rev"><td>temp.rev</td>' in page
    assert "<script>" not in page and "style=" not in page  # CSP: nothing inline
    url = "/review/accounts/temp.rev"
    assert admin.post(f"{url}/active", data={"active": "0"}, follow_redirects=False).status_code == 403  # no CSRF
    response = admin.post(f"{url}/active", data={"active": "0", "csrf_token": csrf}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/review/accounts#account-temp.rev")
    assert client.get("/api/v1/articles", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    admin.post(f"{url}/active", data={"active": "1", "csrf_token": csrf})
    assert client.get("/api/v1/articles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = admin.post(f"{url}/password", data={"password": "short", "csrf_token": csrf})
    assert (response.status_code, "The password is too short" in response.text) == (400, True)
    admin.post(f"{url}/password", data={"password": "a fresh passphrase", "csrf_token": csrf})
    web_login(app, "temp.rev", "a fresh passphrase")
    row = next(t for t in auth_tokens(client, tokens) if t["username"] == "temp.rev")
    admin.post(f"/review/tokens/{row['id']}/revoke", data={"csrf_token": csrf})
    assert client.get("/api/v1/articles", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    trail = client.get("/api/v1/audit", headers=bearer(tokens, "root")).json()
    assert [(e["actor"], e["action"]) for e in trail if e["detail"].get("username") == "temp.rev"
            and e["action"] != "user_add"] == [
        ("root", "user_disable"), ("root", "user_enable"), ("root", "password_reset"), ("root", "token_revoke")]


def auth_tokens(client, tokens) -> list[dict]:
    return client.get("/api/v1/tokens", headers=bearer(tokens, "root")).json()
