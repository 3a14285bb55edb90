"""Errors Medora shows to its users.

Every front door translates these once (CLI: one ``click.Group``; API/web: one
exception handler). Stage code raises; it never prints or exits.

MedoraError
 ├── CorpusError
 │    ├── ParseError(path, line)      a corpus file could not be read
 │    └── UnsupportedSource           a path that is no known corpus format
 ├── IndexStoreError
 │    ├── IndexNotBuilt               no index in the data directory yet
 │    └── IndexMismatch               the index was built with other settings
 ├── QueryError
 │    └── EmptyQuery                  nothing to search for
 ├── NotFound
 │    ├── DocumentNotFound
 │    └── PassageNotFound
 └── ConfigError                      settings that cannot be used
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


class ConfigError(MedoraError):
    """Settings that cannot be used."""

    status = 400
