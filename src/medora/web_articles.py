"""Editorial pages: login, the review queue, an article's review page, the audit trail, accounts
(administrators), the Medical Advisory Board and the editorial policy.

Every state-changing form posts a CSRF token: a signed-in user's is stored with their
session; the login form's is a double-submit cookie. Permissions are checked on the
server by the workflow functions in ``articles``, whatever the page showed.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from . import articles, auth
from .api import AUDIENCES, charge, check_question, compose_json, medora
from .api_articles import ArticleId, store
from .articles import ACTIONS, EDITORS, MAX_ID, STATUS_LABELS, STAFF, require_role
from .articles_db import User
from .auth import CSRF_COOKIE, SESSION_COOKIE, check_csrf, login, logout, new_secret, session_for
from .errors import LoginFailed, LoginThrottled, NotAuthenticated, TooManyRequests
from .limits import client_address
from .web import page

pages = APIRouter(include_in_schema=False)


def viewer(request: Request) -> tuple[User | None, str]:
    """(signed-in user or None, the CSRF token this request's forms must carry)."""
    found = session_for(store(request), request.cookies.get(SESSION_COOKIE))
    if found:
        return found[0], found[1].csrf_token
    return None, request.cookies.get(CSRF_COOKIE) or ""


def form_user(request: Request, csrf_token: str) -> User:
    """The signed-in user of a posted form, after the CSRF check (403) — 401 when nobody is signed in."""
    user, expected = viewer(request)
    check_csrf(expected, csrf_token)
    if user is None:
        raise NotAuthenticated("Sign in first: /login")
    return user


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int, samesite: str) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite=samesite,
                        secure=store(request).settings.session_secure_cookie)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _safe_next(target: str) -> str:
    """Only same-site paths: ``//evil.example`` or ``https://...`` would make /login an open redirect."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/review"


def login_page(request: Request, next_path: str, error: str = "", status: int = 200,
               retry_after: int | None = None) -> HTMLResponse:
    token = request.cookies.get(CSRF_COOKIE) or new_secret()
    response = page(request, "review_login.html", status=status, csrf=token, next_path=_safe_next(next_path),
                    error=error)
    _cookie(response, request, CSRF_COOKIE, token, 3600 * 12, "strict")
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


# -- sign in and out ----------------------------------------------------------------------


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/review"):
    user, _ = viewer(request)
    return back(_safe_next(next)) if user else login_page(request, next)


@pages.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/review"),
                 csrf_token: str = Form("")):
    check_csrf(request.cookies.get(CSRF_COOKIE), csrf_token)
    address = client_address(request)
    try:
        charge(request, "login attempts", "login ")  # slows guessing across usernames too
        done = login(store(request), username, password, address)
    except (LoginFailed, LoginThrottled, TooManyRequests) as e:
        return login_page(request, next, str(e), e.status, getattr(e, "retry_after", None))
    response = back(_safe_next(next))
    _cookie(response, request, SESSION_COOKIE, done.cookie, int(store(request).settings.session_hours * 3600), "lax")
    return response


@pages.post("/logout")
def logout_submit(request: Request, csrf_token: str = Form("")):
    form_user(request, csrf_token)
    logout(store(request), request.cookies.get(SESSION_COOKIE))
    response = back("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the review queue and an article ------------------------------------------------------


@pages.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, status: str | None = Query(None)):
    user, csrf = viewer(request)
    if user is None:
        return to_login(request)
    require_role(user, STAFF, "see the review queue")
    rows = articles.list_articles(store(request), status or None)
    return page(request, "review_queue.html", user=user, csrf=csrf, rows=rows, shown_status=status,
                counts=articles.status_counts(store(request)), labels=STATUS_LABELS, can_create=user.role in EDITORS)


@pages.post("/review/articles")
def review_create(request: Request, question: str = Form(""), audience: str = Form("physician"),
                  csrf_token: str = Form("")):
    user = form_user(request, csrf_token)
    require_role(user, EDITORS, "create articles")
    question = check_question(question, medora(request).settings)
    audience = audience if audience in AUDIENCES else "physician"
    article, _ = articles.create_article(store(request), question, audience, user,
                                         lambda q, a: compose_json(medora(request), q, a))
    return back(f"/review/articles/{article.id}")


@pages.get("/review/articles/{article_id}", response_class=HTMLResponse)
def review_article(request: Request, article_id: ArticleId,
                   revision: int | None = Query(None, ge=1, le=MAX_ID)):
    user, csrf = viewer(request)
    if user is None:
        return to_login(request)
    require_role(user, STAFF, "review articles")
    data = articles.article_data(store(request), article_id, revision, user=user)
    comments: dict[str, list[dict]] = {}
    for c in data["comments"]:
        comments.setdefault(f"{c['revision']}:{c['statement']}", []).append(c)
    return page(request, "review_article.html", user=user, csrf=csrf, article=data, comments=comments,
                actions=[ACTIONS[a] for a in data["actions"]], reviewers=articles.reviewers(store(request)),
                can_regenerate=user.role in EDITORS and data["status"] in articles.REGENERATE_FROM)


@pages.post("/review/articles/{article_id}/transition")
def review_transition(request: Request, article_id: ArticleId, action: str = Form(""), version: int = Form(...),
                      comment: str = Form(""), assignee: str = Form(""), csrf_token: str = Form("")):
    user = form_user(request, csrf_token)
    articles.transition(store(request), article_id, action, user, version=version, comment=comment,
                        assignee=assignee or None)
    return back(f"/review/articles/{article_id}")


@pages.post("/review/articles/{article_id}/regenerate")
def review_regenerate(request: Request, article_id: ArticleId, version: int = Form(...), csrf_token: str = Form("")):
    user = form_user(request, csrf_token)
    articles.regenerate(store(request), article_id, user, version, lambda q, a: compose_json(medora(request), q, a))
    return back(f"/review/articles/{article_id}")


@pages.post("/review/articles/{article_id}/comments")
def review_comment(request: Request, article_id: ArticleId, statement: str = Form(""), body: str = Form(""),
                   revision: int = Form(..., ge=1, le=MAX_ID), csrf_token: str = Form("")):
    user = form_user(request, csrf_token)
    articles.add_comment(store(request), article_id, user, statement, body, revision)
    return back(f"/review/articles/{article_id}?revision={revision}#s-{statement}")


@pages.get("/review/audit", response_class=HTMLResponse)
def review_audit(request: Request):
    user, csrf = viewer(request)
    if user is None:
        return to_login(request)
    require_role(user, EDITORS, "read the audit trail")
    events = articles.audit_events(store(request))[::-1]
    return page(request, "review_audit.html", user=user, csrf=csrf, events=events, labels=STATUS_LABELS)


# -- accounts (administrators) ------------------------------------------------------------


@pages.get("/review/accounts", response_class=HTMLResponse)
def review_accounts(request: Request):
    user, csrf = viewer(request)
    if user is None:
        return to_login(request)
    require_role(user, ("admin",), "manage accounts")
    return page(request, "review_accounts.html", user=user, csrf=csrf, accounts=auth.list_users(store(request)),
                tokens=auth.list_tokens(store(request)), min_password=auth.MIN_PASSWORD)


@pages.post("/review/accounts/{username}/active")
def review_account_active(request: Request, username: str, active: str = Form(""), csrf_token: str = Form("")):
    auth.set_active(store(request), username, active == "1", form_user(request, csrf_token))
    return back(f"/review/accounts#account-{username}")


@pages.post("/review/accounts/{username}/password")
def review_account_password(request: Request, username: str, password: str = Form(""), csrf_token: str = Form("")):
    auth.reset_password(store(request), username, password, form_user(request, csrf_token))
    return back(f"/review/accounts#account-{username}")


@pages.post("/review/tokens/{token_id}/revoke")
def review_token_revoke(request: Request, token_id: int = Path(ge=1, le=MAX_ID), csrf_token: str = Form("")):
    user = form_user(request, csrf_token)
    require_role(user, ("admin",), "manage accounts")
    auth.revoke_token(store(request), token_id, user)
    return back("/review/accounts")


# -- public pages -------------------------------------------------------------------------


@pages.get("/reviewers", response_class=HTMLResponse)
def reviewers_page(request: Request):
    return page(request, "reviewers.html", reviewers=articles.reviewers(store(request)))


@pages.get("/policy", response_class=HTMLResponse)
def policy_page(request: Request):
    return page(request, "policy.html", labels=STATUS_LABELS, actions=ACTIONS.values())
