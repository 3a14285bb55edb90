"""Editorial workflow: saved answers (articles), their revisions, review decisions and the audit trail.

An article is the answer to one normalised question for one audience. Asking the same
question again serves the saved article instead of composing anew, so an approved
answer is served unchanged. Statuses and who may move an article between them:

    submitted ──assign──▶ under_review ──approve──▶ approved
        ▲                     │ ├──request_changes──▶ changes_requested ──submit──▶ submitted
        │                     │ └──reject──▶ rejected
        └──submit── withdrawn ◀──withdraw── (submitted, under_review, changes_requested, approved)

Only a reviewer (a Medical Advisory Board member) approves, requests changes or rejects;
editors and admins assign, withdraw, resubmit and regenerate. An admin removes spam from
any status (with a reason): a removed article leaves the review queue for good, and its
revisions and the record of its removal stay. Every change is recorded in the append-only
audit trail. Each function opens its own transaction on the store.

    article, created = create_article(store, question, "physician", editor, compose)
    transition(store, article.id, "assign", reviewer, version=article.version)
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .articles_db import Article, ArticleStore, AuditEvent, Comment, Revision, User, utcnow
from .answer.cite import normalise
from .errors import (
    ArticleNotFound,
    InvalidRequest,
    InvalidTransition,
    PermissionDenied,
    StaleEdit,
    TextTooLong,
    TooManyRequests,
    UserNotFound,
    encodable,
)

STATUS_LABELS = {
    "submitted": "Submitted", "under_review": "Under Review", "changes_requested": "Changes requested",
    "approved": "Approved", "rejected": "Rejected", "withdrawn": "Withdrawn", "removed": "Removed",
}
MAIN_PATH = ("submitted", "under_review", "approved")
ROLES = {"admin": "Administrator", "editor": "Editor", "reviewer": "Reviewer (Medical Advisory Board)"}
STAFF = tuple(ROLES)
EDITORS = ("editor", "admin")
# NOTE: the largest integer SQLite and PostgreSQL's BIGINT store; a larger id or revision number in a
# request can name nothing (and would overflow the database driver), so every front door refuses it.
MAX_ID = 2**63 - 1

# compose(question, audience) -> the answer's JSON (``cite.to_json``); supplied by the front door.
Compose = Callable[[str, str], dict]


@dataclass(frozen=True, slots=True)
class Action:
    """A workflow transition: from which statuses, to which, and which roles may take it."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    what: str  # completes "may not ..." and "... only when"
    needs_comment: bool = False


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("assign", "Assign for review", ("submitted", "under_review"), "under_review", STAFF,
           "assign an article for review"),
    Action("approve", "Approve", ("under_review",), "approved", ("reviewer",), "approve an article"),
    Action("request_changes", "Request changes", ("under_review",), "changes_requested", ("reviewer",),
           "request changes to an article", True),
    Action("reject", "Reject", ("under_review",), "rejected", ("reviewer",), "reject an article", True),
    Action("submit", "Resubmit for review", ("changes_requested", "withdrawn"), "submitted", EDITORS,
           "resubmit an article"),
    Action("withdraw", "Withdraw", ("submitted", "under_review", "changes_requested", "approved"), "withdrawn",
           EDITORS, "withdraw an article"),
    # Spam: off the queue for good. Nothing is deleted (revisions and the audit trail are append-only);
    # the article keeps its question's place, so asking it again adds nothing to the queue.
    Action("remove", "Remove (spam)", tuple(s for s in STATUS_LABELS if s != "removed"), "removed", ("admin",),
           "remove an article", True),
)}
# A new revision is allowed from these statuses; an approved article goes back to "submitted".
REGENERATE_FROM = ("submitted", "changes_requested", "approved", "withdrawn")


def normalise_question(question: str) -> str:
    """The form two askings of one question share: case, spacing, Unicode and end punctuation ignored."""
    return re.sub(r"[\s?!.]+$", "", normalise(question))


def question_key(question: str) -> str:
    return hashlib.sha256(normalise_question(question).encode()).hexdigest()


def iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t else None


def require_role(user: User | None, roles: tuple[str, ...], what: str) -> User:
    """``user`` when its role is one of ``roles``; ``PermissionDenied`` (403) otherwise."""
    if user is None or not user.active or user.role not in roles:
        who = f"'{user.username}' ({user.role})" if user else "An anonymous reader"
        raise PermissionDenied(f"{who} may not {what}: that needs the role {' or '.join(roles)}.")
    return user


def _audit(db: Session, actor: User | None, action: str, article: Article | None = None, *,
           from_status: str | None = None, comment: str = "", **detail: Any) -> None:
    db.add(AuditEvent(actor_id=actor.id if actor else None, actor=actor.username if actor else "system",
                      action=action, article_id=article.id if article else None,
                      revision=article.current_revision if article else None, from_status=from_status,
                      to_status=article.status if article else None, comment=comment, detail=detail))


def _get(db: Session, article_id: int) -> Article:
    article = db.get(Article, article_id) if 0 < article_id <= MAX_ID else None
    if article is None:
        raise ArticleNotFound(f"No article with id {article_id} — see the review queue: medora review list")
    return article


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"No account named '{username}' — add it with: medora users add {username} --role ...")
    return user


def _check_version(article: Article, version: int | None) -> None:
    if version is not None and version != article.version:
        raise StaleEdit(f"Article {article.id} was changed by someone else since you read it (you had version "
                        f"{version}, it is now version {article.version}, {STATUS_LABELS[article.status]}). "
                        "Reload it and try again.")


@contextmanager
def _changing(store: ArticleStore, article_id: int | None) -> Iterator[Session]:
    """``store.transaction()`` for a change to one article: a concurrent change caught by the version
    column becomes ``StaleEdit`` (409) wherever SQLAlchemy flushes — an autoflush before a query
    included, not only the explicit flush at the end."""
    try:
        with store.transaction() as db:
            yield db
    except StaleDataError as e:
        raise StaleEdit(f"Article {article_id} was changed by someone else while you were editing it. "
                        "Reload it and try again.") from e


def _new_revision(db: Session, article: Article, answer: dict, actor: User | None, reason: str) -> None:
    created = datetime.fromisoformat(answer["generated_at"]) if answer.get("generated_at") else utcnow()
    article.current_revision = (article.current_revision or 0) + 1
    article.updated_at, article.corpus_version = created, answer.get("corpus_version") or ""
    article.approved_by_id = article.approved_at = None
    if article.id is None:
        db.add(article)
        db.flush()
    db.add(Revision(article_id=article.id, number=article.current_revision, answer=answer,
                    corpus_version=article.corpus_version, reason=reason, created_by_id=actor.id if actor else None,
                    created_at=created))


def _create(db: Session, question: str, audience: str, answer: dict, actor: User | None) -> Article:
    article = Article(question=question, question_norm=normalise_question(question),
                      question_key=question_key(question),
                      audience=audience, status="submitted", current_revision=0,
                      created_by_id=actor.id if actor else None)
    _new_revision(db, article, answer, actor, "composed")
    _audit(db, actor, "create", article, reason="asked by a reader" if actor is None else "created by an editor")
    return article


def _find(db: Session, question: str, audience: str) -> Article | None:
    return db.scalar(select(Article).where(Article.question_key == question_key(question),
                                           Article.audience == audience))


# -- serving answers ------------------------------------------------------------------------


def review_json(db: Session, article: Article) -> dict:
    """The ``review`` object of the answer JSON: real status, steps, last content change, approver."""
    status = article.status
    steps = [STATUS_LABELS[s] for s in MAIN_PATH]
    if status not in MAIN_PATH:  # off the main path: the status takes the last step's place
        steps[-1] = STATUS_LABELS[status]
    approver = db.get(User, article.approved_by_id) if status == "approved" and article.approved_by_id else None
    return {
        "status": STATUS_LABELS[status], "steps": steps, "last_updated": iso(article.updated_at),
        "article_id": article.id, "revision": article.current_revision,
        "reviewed_by": [reviewer_json(approver)] if approver else [], "approved_at": iso(article.approved_at),
    }


def reviewer_json(user: User) -> dict:
    return {"username": user.username, "name": user.name, "credentials": user.credentials,
            "specialty": user.specialty}


def _served(db: Session, article: Article) -> tuple[dict, dict]:
    revision = db.scalar(select(Revision).where(Revision.article_id == article.id,
                                                Revision.number == article.current_revision))
    return dict(revision.answer), review_json(db, article)


def serve_answer(store: ArticleStore, question: str, audience: str, compose: Compose,
                 corpus_version: Callable[[], str]) -> tuple[dict, dict]:
    """The saved article for (question, audience), composing and saving it on first asking.

    A still-unclaimed (``submitted``) article whose corpus has changed gets a new revision;
    an article in any other status is served exactly as saved.

    Args:
        store: the editorial database.
        question: the question as asked (already checked).
        audience: who reads it.
        compose: builds the answer JSON when there is no usable article.
        corpus_version: the index's current corpus version (called only when it matters).

    Returns:
        (answer JSON, review JSON) — ``review_json`` of the article served.
    """
    t0 = time.perf_counter()
    with store.session() as db:
        article = _find(db, question, audience)
        if article is not None and not (article.status == "submitted"
                                        and article.corpus_version != (corpus_version() or "")):
            answer, review = _served(db, article)
            return {**answer, "timings_ms": {"article": round((time.perf_counter() - t0) * 1000, 1)}}, review
        if article is None:
            _check_anonymous_cap(db, store.settings.anonymous_articles_per_hour)
    answer = compose(question, audience)  # slow: outside any transaction
    try:
        with _changing(store, article.id if article else None) as db:
            if article is None:
                fresh = _create(db, question, audience, answer, None)
            else:
                fresh = _get(db, article.id)
                _check_version(fresh, article.version)
                _new_revision(db, fresh, answer, None, "corpus changed")
                _audit(db, None, "regenerate", fresh, from_status=fresh.status, corpus_version=fresh.corpus_version)
            db.flush()
            return answer, review_json(db, fresh)
    except (IntegrityError, StaleEdit):  # another request saved it first: serve theirs
        with store.session() as db:
            return _served(db, _find(db, question, audience))


def _check_anonymous_cap(db: Session, per_hour: int) -> None:
    """``TooManyRequests`` (429) when readers' questions added ``per_hour`` articles in the last hour.

    NOTE: refusing the new question (rather than answering it unsaved) keeps every served answer
    an article with a review status; questions already saved are still answered.
    """
    since = utcnow() - timedelta(hours=1)
    recent = select(Article.created_at).where(Article.created_by_id.is_(None), Article.created_at > since)
    count = db.scalar(select(func.count()).select_from(recent.subquery()))
    if count >= per_hour:
        oldest = db.scalar(recent.order_by(Article.created_at).offset(count - per_hour).limit(1))
        wait = max(1, math.ceil((oldest + timedelta(hours=1) - utcnow()).total_seconds())) if oldest else 3600
        raise TooManyRequests(f"Medora has saved {per_hour:,} new questions from readers for review in the last "
                              f"hour, as many as it takes; ask again in {wait} s. Questions asked before are "
                              "still answered.", wait)


# -- editorial operations -------------------------------------------------------------------


def create_article(store: ArticleStore, question: str, audience: str, actor: User,
                   compose: Compose) -> tuple[Article, bool]:
    """An editor saves the answer to ``question`` as an article; returns (article, created).

    An existing article for the same normalised question and audience is returned unchanged.
    """
    require_role(actor, EDITORS, "create articles")
    with store.session() as db:
        existing = _find(db, question, audience)
    if existing is not None:
        return existing, False
    answer = compose(question, audience)
    try:
        with store.transaction() as db:
            return _create(db, question, audience, answer, actor), True
    except IntegrityError:
        with store.session() as db:
            return _find(db, question, audience), False


def regenerate(store: ArticleStore, article_id: int, actor: User, version: int | None, compose: Compose) -> Article:
    """Compose the article's question again into a new revision (older revisions stay readable).

    An approved article goes back to ``submitted``: changed content needs a new review.
    """
    require_role(actor, EDITORS, "regenerate articles")
    with store.session() as db:
        article = _get(db, article_id)
        _check_version(article, version)
        if article.status not in REGENERATE_FROM:
            raise InvalidTransition(_not_from(article, "regenerate it", REGENERATE_FROM))
    answer = compose(article.question, article.audience)
    with _changing(store, article_id) as db:
        fresh = _get(db, article_id)
        _check_version(fresh, article.version)
        before = fresh.status
        _new_revision(db, fresh, answer, actor, "regenerated")
        if before == "approved":
            fresh.status, fresh.status_changed_at = "submitted", utcnow()
        _audit(db, actor, "regenerate", fresh, from_status=before, corpus_version=fresh.corpus_version)
        return fresh


def _not_from(article: Article, what: str, sources: tuple[str, ...]) -> str:
    allowed = " or ".join(STATUS_LABELS[s] for s in sources)
    return f"Article {article.id} is {STATUS_LABELS[article.status]}: you can {what} only when it is {allowed}."


def allowed_actions(article: Article, user: User | None) -> list[Action]:
    """The actions ``user`` may take on ``article`` now (what the review page offers)."""
    if user is None:
        return []
    out = []
    for action in ACTIONS.values():
        if article.status in action.sources and user.role in action.roles:
            decides = action.name in ("approve", "request_changes", "reject")
            if decides and article.assignee_id not in (None, user.id):
                continue
            if action.name == "assign" and user.role == "reviewer" and article.assignee_id == user.id:
                continue
            out.append(action)
    return out


def transition(store: ArticleStore, article_id: int, action: str, actor: User, *, version: int | None,
               comment: str = "", assignee: str | None = None) -> Article:
    """Move an article along the workflow, recording who, when and why in the audit trail.

    Args:
        store: the editorial database.
        article_id: the article.
        action: one of ``ACTIONS``.
        actor: who acts; checked against the action's roles (``PermissionDenied``, 403).
        version: the article version the actor saw (``StaleEdit``, 409, when it changed since);
            None only where one operator is sure to be alone (the CLI).
        comment: why; required to request changes or reject.
        assignee: for ``assign``: the reviewer's username (a reviewer assigns themself by default).

    Returns:
        The article after the change.

    Raises:
        InvalidTransition: the action is not allowed from the article's status (409).
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidRequest(f"Unknown action '{action}'; one of: {', '.join(ACTIONS)}")
    require_role(actor, spec.roles, spec.what)
    comment = _comment_text(store, comment)
    assignee = encodable(assignee, "The assignee") if assignee else assignee
    if spec.needs_comment and not comment:
        raise InvalidRequest(f"{spec.label}: say what needs to change in a comment.")
    with _changing(store, article_id) as db:
        article = _get(db, article_id)
        _check_version(article, version)
        if article.status not in spec.sources:
            raise InvalidTransition(_not_from(article, spec.what.replace("an article", "it"), spec.sources))
        before = article.status
        if action == "assign":
            article.assignee_id = _assignee(db, article, actor, assignee).id
        elif action in ("approve", "request_changes", "reject"):
            if article.assignee_id not in (None, actor.id):
                holder = db.get(User, article.assignee_id)
                raise PermissionDenied(f"Article {article.id} is assigned to '{holder.username}'; only they can "
                                       f"{spec.what.replace('an article', 'it')} (an editor can reassign it).")
            article.assignee_id = actor.id
        if action == "approve":
            article.approved_by_id, article.approved_at = actor.id, utcnow()
        elif action == "withdraw":
            article.approved_by_id = article.approved_at = None
        article.status, article.status_changed_at = spec.target, utcnow()
        _audit(db, actor, action, article, from_status=before, comment=comment,
               **({"assignee": db.get(User, article.assignee_id).username} if action == "assign" else {}))
        return article


def _assignee(db: Session, article: Article, actor: User, username: str | None) -> User:
    if actor.role == "reviewer":
        if username not in (None, "", actor.username):
            raise PermissionDenied("A reviewer can assign articles only to themself; an editor assigns others.")
        if article.assignee_id not in (None, actor.id):
            raise PermissionDenied(f"Article {article.id} is already assigned to another reviewer.")
        return actor
    if not username:
        raise InvalidRequest("Assign: name the reviewer (assignee).")
    user = _user(db, username)
    if user.role != "reviewer" or not user.active:
        raise InvalidRequest(f"'{username}' is not an active reviewer; only reviewers review articles.")
    return user


# Statement keys: only plain ASCII digits, so "bottom_line.-1" (Python's last item) or " 1" name nothing.
_STATEMENT_KEY = re.compile(r"bottom_line\.(\d+)|sections\.(\d+)\.(\d+)", re.ASCII)


def statement_at(answer: dict, key: str) -> dict:
    """The statement ``key`` ("bottom_line.0", "sections.2.1") of an answer's JSON."""
    m = _STATEMENT_KEY.fullmatch(key)
    try:
        if m and m[1] is not None:
            return answer["bottom_line"][int(m[1])]
        if m:
            return answer["sections"][int(m[2])]["statements"][int(m[3])]
    except IndexError:
        pass
    raise InvalidRequest(f"No statement '{key}' in this revision; keys look like bottom_line.0 or sections.2.1.")


def _comment_text(store: ArticleStore, text: str | None) -> str:
    """A comment stripped, checked for storable text and for ``articles.max_comment_chars``."""
    text = encodable((text or "").strip(), "The comment")
    limit = store.settings.max_comment_chars
    if len(text) > limit:
        raise TextTooLong(f"The comment is {len(text):,} characters long; the limit is {limit:,}. "
                          "Keep it to what needs to change, or split it over the statements concerned.")
    return text


def statement_keys(answer: dict) -> list[str]:
    keys = [f"bottom_line.{i}" for i in range(len(answer.get("bottom_line", [])))]
    for i, sec in enumerate(answer.get("sections", [])):
        keys += [f"sections.{i}.{j}" for j in range(len(sec["statements"]))]
    return keys


def add_comment(store: ArticleStore, article_id: int, actor: User, statement: str, body: str,
                revision: int | None = None) -> Comment:
    """A remark on one statement of a revision (default: the current one), recorded in the audit trail."""
    require_role(actor, STAFF, "comment on articles")
    body = _comment_text(store, body)
    statement = encodable(statement or "", "The statement key")
    if not body:
        raise InvalidRequest("The comment is empty.")
    with store.transaction() as db:
        article = _get(db, article_id)
        number = revision or article.current_revision
        rev = db.scalar(select(Revision).where(Revision.article_id == article_id, Revision.number == number))
        if rev is None:
            raise InvalidRequest(f"Article {article_id} has no revision {number}.")
        quote = statement_at(rev.answer, statement)["text"]
        comment = Comment(article_id=article_id, revision=number, statement=statement, quote=quote, body=body,
                          author_id=actor.id)
        db.add(comment)
        db.add(AuditEvent(actor_id=actor.id, actor=actor.username, action="comment", article_id=article_id,
                          revision=number, from_status=article.status, to_status=article.status, comment=body,
                          detail={"statement": statement, "quote": quote}))
        return comment


# -- reading --------------------------------------------------------------------------------


def article_summary(db: Session, article: Article) -> dict:
    assignee = db.get(User, article.assignee_id) if article.assignee_id else None
    return {
        "id": article.id, "question": article.question, "audience": article.audience,
        "status": article.status, "status_label": STATUS_LABELS[article.status], "version": article.version,
        "revision": article.current_revision, "corpus_version": article.corpus_version,
        "assignee": assignee.username if assignee else None, "created_at": iso(article.created_at),
        "last_updated": iso(article.updated_at), "status_changed_at": iso(article.status_changed_at),
    }


def list_articles(store: ArticleStore, status: str | None = None, limit: int = 200) -> list[dict]:
    """Articles newest status change first, optionally of one status (the review queue).

    Removed articles (spam) are listed only when asked for: ``status="removed"``.
    """
    if status is not None and status not in STATUS_LABELS:
        raise InvalidRequest(f"Unknown status '{status}'; one of: {', '.join(STATUS_LABELS)}")
    with store.session() as db:
        query = select(Article).order_by(Article.status_changed_at.desc(), Article.id.desc()).limit(limit)
        query = query.where(Article.status == status) if status else query.where(Article.status != "removed")
        return [article_summary(db, a) for a in db.scalars(query)]


def status_counts(store: ArticleStore) -> dict[str, int]:
    with store.session() as db:
        counts = dict(db.execute(select(Article.status, func.count()).group_by(Article.status)).all())
    return {s: counts.get(s, 0) for s in STATUS_LABELS}


def article_data(store: ArticleStore, article_id: int, revision: int | None = None,
                 user: User | None = None) -> dict:
    """An article with one revision's answer (default: current), its revisions, comments and history."""
    with store.session() as db:
        article = _get(db, article_id)
        number = revision or article.current_revision
        revisions = db.scalars(select(Revision).where(Revision.article_id == article_id)
                               .order_by(Revision.number)).all()
        shown = next((r for r in revisions if r.number == number), None)
        if shown is None:
            raise ArticleNotFound(f"Article {article_id} has no revision {number} (it has 1 to {len(revisions)}).")
        names = {u.id: u.username for u in db.scalars(select(User))}
        comments = db.scalars(select(Comment).where(Comment.article_id == article_id).order_by(Comment.id)).all()
        return {
            **article_summary(db, article),
            "review": review_json(db, article),
            "shown_revision": number,
            "answer": shown.answer,
            "revisions": [{"number": r.number, "corpus_version": r.corpus_version, "reason": r.reason,
                           "created_at": iso(r.created_at), "created_by": names.get(r.created_by_id)}
                          for r in revisions],
            "comments": [{"id": c.id, "revision": c.revision, "statement": c.statement, "quote": c.quote,
                          "body": c.body, "author": names.get(c.author_id), "created_at": iso(c.created_at)}
                         for c in comments],
            "history": _events(db, article_id=article_id),
            "actions": [a.name for a in allowed_actions(article, user)],
        }


def _events(db: Session, article_id: int | None = None, after: int = 0, limit: int = 10_000) -> list[dict]:
    query = select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(limit)
    if article_id is not None:
        query = query.where(AuditEvent.article_id == article_id)
    return [{"id": e.id, "at": iso(e.at), "actor": e.actor, "action": e.action, "article_id": e.article_id,
             "revision": e.revision, "from_status": e.from_status, "to_status": e.to_status, "comment": e.comment,
             "detail": e.detail} for e in db.scalars(query)]


def audit_events(store: ArticleStore, article_id: int | None = None, after: int = 0,
                 limit: int = 10_000) -> list[dict]:
    """The audit trail in order (the JSON export): every state change and edit, who and when."""
    with store.session() as db:
        if article_id is not None:
            _get(db, article_id)  # ArticleNotFound for an unknown id, not an empty list
        return _events(db, article_id, after, limit)


def reviewers(store: ArticleStore) -> list[dict]:
    """The Medical Advisory Board: active reviewers with name, credentials and specialty."""
    with store.session() as db:
        users = db.scalars(select(User).where(User.role == "reviewer", User.active.is_(True))
                           .order_by(User.display_name, User.username))
        return [reviewer_json(u) for u in users]
