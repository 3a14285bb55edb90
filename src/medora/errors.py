"""Errors Medora shows to its users.

Every front door translates these once (CLI: one ``click.Group``; API/web: one
exception handler). Stage code raises; it never prints or exits.

MedoraError
 ├── CorpusError
 │    ├── ParseError(path, line)      a corpus file could not be read
 │    └── UnsupportedSource           a path that is no known corpus format
 ├── IndexStoreError
 │    ├── IndexNotBuilt               no index in the data directory yet
 │    ├── IndexMismatch               the index was built with other settings
 │    └── IndexLocked                 another `medora index` run is writing this index
 ├── QueryError
 │    └── EmptyQuery                  nothing to search for
 ├── NotFound
 │    ├── DocumentNotFound
 │    ├── PassageNotFound
 │    ├── ArticleNotFound
 │    ├── UserNotFound
 │    └── ThreadNotFound              no follow-up thread with that id
 ├── AuthError                        (401) who is asking is not known
 │    ├── NotAuthenticated            no, expired or unknown session or API token
 │    ├── LoginFailed                 wrong username or password
 │    ├── PermissionDenied            (403) the account's role may not do this
 │    │    └── CsrfFailed             a form posted without its CSRF token
 │    └── LoginThrottled(retry_after) (429) too many failed logins
 ├── Conflict                         (409)
 │    ├── InvalidTransition           not allowed from the article's current status
 │    └── StaleEdit                   the article changed since the editor read it
 ├── RequestTooLarge                  (413) a request body over web.max_body_bytes
 ├── TooManyRequests(retry_after)     (429) a client over its rate limit, or the anonymous review-queue cap
 ├── InvalidRequest                   (400) an editorial request that cannot be carried out as given
 │    └── TextTooLong                 (422) a comment longer than its setting allows
 └── ConfigError                      settings that cannot be used

``encodable(text, what)`` refuses text no database or page can hold (a lone surrogate).
"""

from __future__ import annotations


class MedoraError(Exception):
    """Base class: its message is displayed to the user as it is."""

    status = 500


class CorpusError(MedoraError):
    """A corpus source could not be used."""

    status = 400


class ParseError(CorpusError):
    """A corpus file could not be parsed (the message names the file and line)."""

    def __init__(self, path: str, line: int | None, reason: str):
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class UnsupportedSource(CorpusError):
    """A corpus path that holds no format Medora reads."""


class IndexStoreError(MedoraError):
    """The index in the data directory cannot be used."""

    status = 503


class IndexNotBuilt(IndexStoreError):
    """No index has been built in the data directory."""


class IndexMismatch(IndexStoreError):
    """The index was built with settings that differ from the current ones."""


class IndexLocked(IndexStoreError):
    """Another `medora index` run holds the index's build lock."""


class QueryError(MedoraError):
    """A question or search query that cannot be run."""

    status = 400


class EmptyQuery(QueryError):
    """The query has no searchable words."""


class NotFound(MedoraError):
    """A requested object does not exist."""

    status = 404


class DocumentNotFound(NotFound):
    """No document with that id."""


class PassageNotFound(NotFound):
    """No passage with that id."""


class ArticleNotFound(NotFound):
    """No article with that id."""


class UserNotFound(NotFound):
    """No account with that username."""


class ThreadNotFound(NotFound):
    """No follow-up thread with that id in the data directory."""


class AuthError(MedoraError):
    """The request's account is not known."""

    status = 401


class NotAuthenticated(AuthError):
    """No, expired or unknown session or API token."""


class LoginFailed(AuthError):
    """Wrong username or password (the message never says which)."""


class PermissionDenied(AuthError):
    """The account's role may not do this."""

    status = 403


class CsrfFailed(PermissionDenied):
    """A state-changing form was posted without its CSRF token."""


class LoginThrottled(AuthError):
    """Too many failed logins for this account from this address; ``retry_after`` seconds to wait."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


class Conflict(MedoraError):
    """The request conflicts with the object's current state."""

    status = 409


class InvalidTransition(Conflict):
    """The workflow action is not allowed from the article's current status."""


class StaleEdit(Conflict):
    """The article was changed by someone else since it was read (optimistic locking)."""


class RequestTooLarge(MedoraError):
    """A request body larger than ``web.max_body_bytes`` (refused before it is read)."""

    status = 413


class TooManyRequests(MedoraError):
    """A client over its rate limit, or anonymous traffic over the review-queue cap; ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


class InvalidRequest(MedoraError):
    """An editorial request that cannot be carried out as given (weak password, missing comment ...)."""

    status = 400


class TextTooLong(InvalidRequest):
    """A text field longer than the setting that bounds it (the message names both)."""

    status = 422


class ConfigError(MedoraError):
    """Settings that cannot be used."""

    status = 400


def encodable(text: str, what: str, error: type[MedoraError] = InvalidRequest) -> str:
    """``text`` unchanged; ``error`` (400) naming ``what`` when it holds a lone surrogate ("\\ud800").

    JSON may carry one; it can be neither encoded as UTF-8 nor stored, so it is refused before use.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} holds an invalid character; retype it as plain text.") from None
    return text
