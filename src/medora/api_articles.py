"""The editorial REST API under ``/api/v1``: articles, review transitions, comments, audit export.

Integrations authenticate with ``Authorization: Bearer <token>`` (``medora users token``);
a signed-in browser may also read (GET) with its session cookie, never write (writes from
a browser go through the CSRF-checked forms in ``web_articles``). Readers need no account:
``/api/v1/answers`` and ``/api/v1/reviewers`` are open.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from . import articles
from .api import SEED_QUESTION, AudienceName, ReviewerOut, check_question, compose_json, medora
from .articles import EDITORS, MAX_ID, STAFF, require_role
from .articles_db import ArticleStore, User
from .auth import SESSION_COOKIE, session_for, user_for_token
from .errors import NotAuthenticated

ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="Article id.")]
NO_ACCOUNT = ("This route needs an editorial account: send Authorization: Bearer <token> "
              "(an administrator creates one with: medora users token USERNAME).")


def store(request: Request) -> ArticleStore:
    return medora(request).articles


def api_user(request: Request, roles: tuple[str, ...] = STAFF, what: str = "use the editorial API") -> User:
    """The account behind the request's bearer token (or, for GET, its session cookie), checked for ``roles``."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Send the API token as: Authorization: Bearer <token>")
        user = user_for_token(store(request), token)
    else:
        found = session_for(store(request), request.cookies.get(SESSION_COOKIE)) if request.method == "GET" else None
        if found is None:
            raise NotAuthenticated(NO_ACCOUNT)
        user = found[0]
    return require_role(user, roles, what)


# -- request and response models ----------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleCreate(_Request):
    question: str = Field(description="The clinical question to answer and review.", examples=[SEED_QUESTION])
    audience: AudienceName = Field("physician", description="Who the article is written for.")


class TransitionRequest(_Request):
    action: Literal["assign", "approve", "request_changes", "reject", "submit", "withdraw", "remove"] = Field(
        description="assign (to a reviewer; a reviewer assigns themself), approve, request_changes, reject "
        "(reviewers), submit (resubmit after changes), withdraw (editors), remove (administrators: spam, with "
        "a comment; off the queue for good, its history kept)."
    )
    version: int = Field(description="The article version you read; a changed article answers 409.")
    comment: str = Field("", description="Why; required for request_changes and reject.")
    assignee: str | None = Field(None, description="For assign by an editor: the reviewer's username.")


class RegenerateRequest(_Request):
    version: int = Field(description="The article version you read; a changed article answers 409.")


class CommentRequest(_Request):
    statement: str = Field(description="The statement's key: bottom_line.N or sections.S.N.",
                           examples=["bottom_line.0"])
    body: str = Field(description="The remark.")
    revision: int | None = Field(None, ge=1, le=MAX_ID,
                                 description="The revision commented on (default: the current one).")


class ArticleSummary(BaseModel):
    id: int
    question: str = Field(description="The question as first asked.")
    audience: str
    status: str = Field(description="submitted, under_review, changes_requested, approved, rejected, withdrawn or "
                        "removed.")
    status_label: str = Field(description="The status as shown to readers, e.g. Under Review.")
    version: int = Field(description="Optimistic-locking version: send it back with every change.")
    revision: int = Field(description="The current revision's number.")
    corpus_version: str = Field(description="Corpus version the current revision was composed from.")
    assignee: str | None = Field(description="Username of the reviewer the article is assigned to.")
    created_at: str
    last_updated: str = Field(description="ISO time of the last content change (the current revision).")
    status_changed_at: str


class RevisionOut(BaseModel):
    number: int
    corpus_version: str
    reason: str = Field(description="composed, regenerated or corpus changed.")
    created_at: str
    created_by: str | None = Field(description="Username; null when composed for a reader.")


class CommentOut(BaseModel):
    id: int
    revision: int
    statement: str = Field(description="Key of the statement commented on.")
    quote: str = Field(description="The statement's text.")
    body: str
    author: str | None
    created_at: str


class AuditEventOut(BaseModel):
    id: int = Field(description="Increasing; export from a point on with ?after=ID.")
    at: str
    actor: str = Field(description="Username, or system for what readers' questions caused.")
    action: str = Field(description="create, regenerate, assign, approve, request_changes, reject, submit, "
                        "withdraw, remove, comment, user_add, user_disable, user_enable, password_reset, token_create, "
                        "token_revoke, login, login_failed, login_locked.")
    article_id: int | None
    revision: int | None
    from_status: str | None
    to_status: str | None
    comment: str
    detail: dict[str, Any]


class ArticleOut(ArticleSummary):
    review: dict[str, Any] = Field(description="The review object readers see with the answer.")
    shown_revision: int = Field(description="The revision whose answer is included.")
    answer: dict[str, Any] = Field(description="That revision's answer JSON, as served to readers.")
    revisions: list[RevisionOut]
    comments: list[CommentOut]
    history: list[AuditEventOut] = Field(description="The article's audit trail.")
    actions: list[str] = Field(description="Workflow actions the requesting account may take now.")


# -- routes -------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1", tags=["editorial review"])


@router.get("/articles", response_model=list[ArticleSummary], summary="The review queue")
def get_articles(request: Request, status: str | None = Query(
        None, description="Only articles with this status (removed ones are listed only with status=removed)."),
                 limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    api_user(request)
    return articles.list_articles(store(request), status, limit)


@router.post("/articles", response_model=ArticleOut, status_code=201,
             summary="Save the answer to a question as an article (201; 200 when it exists)")
def post_article(body: ArticleCreate, request: Request, response: Response) -> dict:
    user = api_user(request, EDITORS, "create articles")
    question = check_question(body.question, medora(request).settings)
    article, created = articles.create_article(store(request), question, body.audience, user,
                                               lambda q, a: compose_json(medora(request), q, a))
    response.status_code = 201 if created else 200
    return articles.article_data(store(request), article.id, user=user)


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="An article, a revision, its history")
def get_article(request: Request, article_id: ArticleId,
                revision: int | None = Query(None, ge=1, le=MAX_ID,
                                             description="Revision to include (default: current).")
                ) -> dict:
    user = api_user(request)
    return articles.article_data(store(request), article_id, revision, user=user)


@router.post("/articles/{article_id}/transitions", response_model=ArticleOut, summary="Move along the workflow")
def post_transition(body: TransitionRequest, request: Request, article_id: ArticleId) -> dict:
    user = api_user(request)
    articles.transition(store(request), article_id, body.action, user, version=body.version, comment=body.comment,
                        assignee=body.assignee)
    return articles.article_data(store(request), article_id, user=user)


@router.post("/articles/{article_id}/regenerate", response_model=ArticleOut,
             summary="Compose the question again into a new revision")
def post_regenerate(body: RegenerateRequest, request: Request, article_id: ArticleId) -> dict:
    user = api_user(request, EDITORS, "regenerate articles")
    articles.regenerate(store(request), article_id, user, body.version,
                        lambda q, a: compose_json(medora(request), q, a))
    return articles.article_data(store(request), article_id, user=user)


@router.post("/articles/{article_id}/comments", response_model=CommentOut, status_code=201,
             summary="Comment on one statement")
def post_comment(body: CommentRequest, request: Request, article_id: ArticleId) -> dict:
    user = api_user(request)
    comment = articles.add_comment(store(request), article_id, user, body.statement, body.body, body.revision)
    return {"id": comment.id, "revision": comment.revision, "statement": comment.statement, "quote": comment.quote,
            "body": comment.body, "author": user.username, "created_at": articles.iso(comment.created_at)}


@router.get("/articles/{article_id}/audit", response_model=list[AuditEventOut], summary="One article's audit trail")
def get_article_audit(request: Request, article_id: ArticleId) -> list[dict]:
    api_user(request, EDITORS, "read the audit trail")
    return articles.audit_events(store(request), article_id)


@router.get("/audit", response_model=list[AuditEventOut], summary="Export the audit trail as JSON")
def get_audit(request: Request, after: int = Query(0, ge=0, le=MAX_ID, description="Only events with a larger id."),
              limit: int = Query(10_000, ge=1, le=100_000)) -> list[dict]:
    api_user(request, EDITORS, "read the audit trail")
    return articles.audit_events(store(request), None, after, limit)


@router.get("/reviewers", response_model=list[ReviewerOut], summary="The Medical Advisory Board")
def get_reviewers(request: Request) -> list[dict]:
    return articles.reviewers(store(request))
