"""Accounts and who is asking: argon2 passwords, web sessions, CSRF tokens, API tokens, login lockout.

Secrets are never stored: passwords as argon2id hashes, session cookies and API tokens
(random, 256 bits) as SHA-256 digests. A web session carries its own CSRF token; every
state-changing form must post it back. Failed logins are counted per account and client
address; after ``articles.max_login_failures`` of them, logins from that address for that
account are refused for ``articles.lockout_seconds``. Those counts are deleted once they
are that old, so guessed usernames leave no lasting rows.

Account lifecycle: tokens expire (``articles.token_days``) and can be listed and revoked;
accounts can be disabled and re-enabled; an administrator can reset a password. Each of
these, and every login and failed login, is written to the audit trail.

    user = add_user(store, "dr.lee", "reviewer", password, display_name="Dr Ana Lee", credentials="MD")
    token = create_token(store, "dr.lee", "hospital intranet")   # shown once
    user = user_for_token(store, token)
    revoke_token(store, list_tokens(store, "dr.lee")[0]["id"], actor=admin)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from .articles import ROLES, iso, require_role
from .articles_db import ApiToken, ArticleStore, AuditEvent, LoginFailure, User, WebSession, utcnow
from .errors import (
    CsrfFailed,
    InvalidRequest,
    LoginFailed,
    LoginThrottled,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    UserNotFound,
    encodable,
)

MIN_PASSWORD = 12
TOKEN_PREFIX = "mdr_"
SESSION_COOKIE = "medora_session"
CSRF_COOKIE = "medora_csrf"  # anonymous forms (login): double-submit token
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _audit(db, actor: User | None, action: str, **detail) -> None:
    db.add(AuditEvent(actor_id=actor.id if actor else None, actor=actor.username if actor else "system",
                      action=action, comment="", detail=detail))


# -- accounts ---------------------------------------------------------------------------


def add_user(store: ArticleStore, username: str, role: str, password: str, *, display_name: str = "",
             credentials: str = "", specialty: str = "", actor: User | None = None) -> User:
    """Create an account with an argon2id password hash.

    Args:
        store: the editorial database.
        username: lower-case letters, digits, ``.``, ``_``, ``-``; 2–64 characters.
        role: ``admin``, ``editor`` or ``reviewer``.
        password: at least ``MIN_PASSWORD`` characters.
        display_name, credentials, specialty: shown on approved articles (reviewers).
        actor: who adds it (None: the command line).

    Returns:
        The new ``User``.

    Raises:
        InvalidRequest: a bad username, an unknown role, a short password or a taken username.
    """
    if not _USERNAME.match(username or ""):
        raise InvalidRequest(f"Username {username!r}: use 2–64 lower-case letters, digits, '.', '_' or '-'.")
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role '{role}'; one of: {', '.join(ROLES)}")
    _check_password(password)
    try:
        with store.transaction() as db:
            user = User(username=username, role=role, password_hash=hash_password(password),
                        display_name=display_name.strip(), credentials=credentials.strip(),
                        specialty=specialty.strip(), active=True)
            db.add(user)
            db.flush()
            _audit(db, actor, "user_add", username=username, role=role)
            return user
    except IntegrityError as e:
        raise InvalidRequest(f"An account named '{username}' already exists.") from e


def _check_password(password: str | None) -> None:
    encodable(password or "", "The password")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidRequest(f"The password is too short: use at least {MIN_PASSWORD} characters.")


def set_active(store: ArticleStore, username: str, active: bool, actor: User | None = None) -> User:
    """Disable (``active=False``) or re-enable an account; disabling ends its web sessions at once.

    A disabled account cannot sign in, and its API tokens and sessions are refused; its name
    stays on what it approved and in the audit trail.

    Args:
        store: the editorial database.
        username: the account.
        active: the new state.
        actor: the administrator acting (None: the command line, an operator's local power).
    """
    _admin(actor, "disable or enable accounts")
    if actor is not None and actor.username == username and not active:
        raise InvalidRequest("You cannot disable your own account; ask another administrator.")
    with store.transaction() as db:
        user = _account(db, username)
        user.active = active
        if not active:
            db.execute(delete(WebSession).where(WebSession.user_id == user.id))
        _audit(db, actor, "user_enable" if active else "user_disable", username=username)
        return user


def reset_password(store: ArticleStore, username: str, password: str, actor: User | None = None) -> User:
    """Set a new password (an administrator's reset): ends the account's sessions and lifts its lockouts."""
    _admin(actor, "reset passwords")
    _check_password(password)
    with store.transaction() as db:
        user = _account(db, username)
        user.password_hash = hash_password(password)
        db.execute(delete(WebSession).where(WebSession.user_id == user.id))
        db.execute(delete(LoginFailure).where(LoginFailure.username == username))
        _audit(db, actor, "password_reset", username=username)
        return user


def _admin(actor: User | None, what: str) -> None:
    if actor is not None:  # None: the command line, whose operator can open the database anyway
        require_role(actor, ("admin",), what)


def _account(db, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"No account named '{username}' — list them with: medora users list")
    return user


def get_user(store: ArticleStore, username: str) -> User:
    with store.session() as db:
        user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"No account named '{username}' — list them with: medora users list")
    return user


def list_users(store: ArticleStore) -> list[User]:
    with store.session() as db:
        return list(db.scalars(select(User).order_by(User.username)))


# -- API tokens -------------------------------------------------------------------------


def create_token(store: ArticleStore, username: str, label: str = "", days: float | None = None) -> str:
    """A new API token for ``username``; returned once, stored only as its SHA-256.

    Args:
        store: the editorial database.
        username: the account the token acts as (with that account's role).
        label: what the token is for.
        days: it expires after this many days (default ``articles.token_days``; 0: never).
    """
    user = get_user(store, username)
    days = store.settings.token_days if days is None else days
    expires = utcnow() + timedelta(days=days) if days else None
    token = TOKEN_PREFIX + new_secret()
    with store.transaction() as db:
        db.add(ApiToken(user_id=user.id, label=label, token_hash=digest(token), prefix=token[:10], expires_at=expires))
        _audit(db, user, "token_create", label=label, prefix=token[:10], expires_at=iso(expires))
    return token


def user_for_token(store: ArticleStore, token: str) -> User:
    """The active account an unexpired, unrevoked ``Authorization: Bearer`` token belongs to
    (``NotAuthenticated``: 401)."""
    now = utcnow()
    with store.transaction() as db:
        row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token.strip()),
                                               ApiToken.revoked_at.is_(None)))
        user = db.get(User, row.user_id) if row else None
        if user is None or not user.active:
            raise NotAuthenticated("Unknown or revoked API token; create one with: medora users token USERNAME")
        if row.expires_at is not None and row.expires_at <= now:
            raise NotAuthenticated(f"This API token ({row.prefix}…) expired on {iso(row.expires_at)}; create a new "
                                   "one with: medora users token USERNAME")
        row.last_used_at = now
        return user


def list_tokens(store: ArticleStore, username: str | None = None) -> list[dict]:
    """API tokens, newest first (all accounts', or ``username``'s): never the secret, only its prefix."""
    with store.session() as db:
        query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
        if username is not None:
            query = query.where(User.username == _account(db, username).username)
        return [_token_json(row, name) for row, name in db.execute(query)]


def revoke_token(store: ArticleStore, token_id: int, actor: User | None = None) -> dict:
    """Revoke a token at once; an account may revoke its own tokens, an administrator anyone's."""
    with store.transaction() as db:
        row = db.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
        if row is None:
            raise NotFound(f"No API token with id {token_id} — list them with: medora users tokens")
        owner = db.get(User, row.user_id)
        if actor is not None and actor.id != owner.id and actor.role != "admin":
            raise PermissionDenied(f"'{actor.username}' ({actor.role}) may revoke only their own tokens; "
                                   "an administrator revokes others'.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            _audit(db, actor, "token_revoke", username=owner.username, prefix=row.prefix, label=row.label)
        return _token_json(row, owner.username)


def _token_json(row: ApiToken, username: str) -> dict:
    return {"id": row.id, "username": username, "label": row.label, "prefix": row.prefix,
            "created_at": iso(row.created_at), "last_used_at": iso(row.last_used_at),
            "expires_at": iso(row.expires_at), "revoked_at": iso(row.revoked_at)}


# -- web sessions and login -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login:
    """A web session just opened: the cookie value (secret) and the session's CSRF token."""

    user: User
    cookie: str
    csrf_token: str


def _lock_message(username: str, seconds: int) -> str:
    return (f"Too many failed logins for '{username}' from this address; try again in {seconds} s "
            "or ask an administrator to reset the password.")


def login(store: ArticleStore, username: str, password: str, address: str) -> Login:
    """Check a password and open a web session; failures are counted per (account, address).

    Raises:
        LoginThrottled: this account is locked for this address (429; ``retry_after`` seconds).
        LoginFailed: wrong username or password (401; the message never says which).
    """
    settings = store.settings
    username = (username or "").strip().lower()[:64]
    address = (address or "unknown")[:64]
    now = utcnow()
    with store.session() as db:
        failure = db.get(LoginFailure, (username, address))
        if failure and failure.locked_until and failure.locked_until > now:
            seconds = int((failure.locked_until - now).total_seconds()) + 1
            raise LoginThrottled(_lock_message(username, seconds), seconds)
        user = db.scalar(select(User).where(User.username == username, User.active.is_(True)))
    # NOTE: an unknown user costs one argon2 verification too, so timing tells no usernames.
    if not verify_password(user.password_hash if user else _dummy_hash(), password or "") or user is None:
        _record_failure(store, username, address, known=user is not None)
    with store.transaction() as db:
        if _hasher.check_needs_rehash(user.password_hash):
            db.get(User, user.id).password_hash = hash_password(password)
        db.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.address == address))
        db.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at < now))
        cookie, csrf = new_secret(), new_secret()
        db.add(WebSession(id=digest(cookie), user_id=user.id, csrf_token=csrf,
                          expires_at=now + timedelta(hours=settings.session_hours)))
        _audit(db, user, "login", address=address)
    return Login(user, cookie, csrf)


def _record_failure(store: ArticleStore, username: str, address: str, known: bool) -> NoReturn:
    """Count one failure (its own transaction: the count must outlive the error), audit it and raise.

    An unknown username is audited without the name guessed (no attacker-chosen text in the
    permanent trail), and failure counts older than the lockout window are deleted here.
    """
    settings, now = store.settings, utcnow()
    window = timedelta(seconds=settings.lockout_seconds)
    with store.transaction() as db:
        db.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - window, or_(
            LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now)))
        who = {"username": username} if known else {"account": "unknown"}
        _audit(db, None, "login_failed", address=address, **who)
        failure = db.get(LoginFailure, (username, address), with_for_update=True)
        if failure is None:
            failure = LoginFailure(username=username, address=address, failures=0, last_failed_at=now)
            db.add(failure)
        elif now - failure.last_failed_at > window:  # old failures are forgotten
            failure.failures, failure.locked_until = 0, None
        failure.failures += 1
        failure.last_failed_at = now
        if failure.failures >= settings.max_login_failures:
            failure.locked_until = now + window
            _audit(db, None, "login_locked", address=address, failures=failure.failures, **who)
            locked = True
        else:
            locked = False
    if locked:
        raise LoginThrottled(_lock_message(username, settings.lockout_seconds), settings.lockout_seconds)
    raise LoginFailed("Wrong username or password.")


def session_for(store: ArticleStore, cookie: str | None) -> tuple[User, WebSession] | None:
    """The live session (and its user) a cookie value names; None when absent or expired."""
    if not cookie:
        return None
    with store.session() as db:
        session = db.get(WebSession, digest(cookie))
        if session is None or session.expires_at <= utcnow():
            return None
        user = db.get(User, session.user_id)
        return (user, session) if user is not None and user.active else None


def logout(store: ArticleStore, cookie: str | None) -> None:
    if cookie:
        with store.transaction() as db:
            db.execute(delete(WebSession).where(WebSession.id == digest(cookie)))


def check_csrf(expected: str | None, given: str | None) -> None:
    """``CsrfFailed`` (403) unless the form posted back the token its page was rendered with."""
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfFailed("This form is missing its security token or it has expired (CSRF check). "
                         "Reload the page and submit the form again.")
