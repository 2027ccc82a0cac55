"""Opening the database file: per-connection PRAGMAs, real transactions, migrations.

Python's sqlite3 module (3.11) does not BEGIN before DDL or SELECT, so a "transaction" would not
cover a migration or make a read-then-write consistent. Following SQLAlchemy's documented recipe,
the driver's own transaction handling is switched off and SQLAlchemy emits BEGIN itself.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlmodel import Session

from app.native.paths import database_path
from app.store.migrations import migrate

__all__ = ["BUSY_TIMEOUT_MS", "commit_count", "connect", "fold", "new_session", "open_store"]

# A writer holds the lock for milliseconds; a reader or second writer waits this long at most.
BUSY_TIMEOUT_MS = 5000

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",  # readers never block the writer, nor the writer them
    "PRAGMA synchronous = NORMAL",  # durable across app crashes; WAL makes FULL unnecessary
    "PRAGMA foreign_keys = ON",  # off by default in SQLite, per connection
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


def fold(value: str | None) -> str:
    """Case- and accent-insensitive form for search (SQLite's LIKE folds ASCII only)."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see module docstring
    for pragma in _PRAGMAS:
        dbapi_connection.execute(pragma)
    dbapi_connection.create_function("pp_fold", 1, fold, deterministic=True)


def _on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


_commits = 0


def _count_commit(*_args: object) -> None:
    global _commits
    _commits += 1


def commit_count() -> int:
    """How often this process's stores committed: what was read while it stayed the same is
    still what is stored (the UI's reads ahead of a click rely on it).

    Counted as a commit starts (every path) and again once a session's has landed, so a
    read that began in between does not pass for one made after it.
    """
    return _commits


# Every repository write commits through a Session (app.store.session.transaction).
event.listen(Session, "after_commit", _count_commit)


def connect(path: Path, *, echo: bool = False) -> Engine:
    """An engine with the store's connection setup, without migrating (see `open_store`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", echo=echo)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "commit", _count_commit)
    return engine


def open_store(path: Path | str | None = None, *, echo: bool = False) -> Engine:
    """The engine for the database at `path` (default: the app's data dir), migrated to date."""
    engine = connect(Path(path) if path is not None else database_path(), echo=echo)
    migrate(engine)
    return engine


def new_session(engine: Engine, *, write: bool = False) -> Session:
    """A session; `write=True` takes the write lock at BEGIN (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with SQLITE_BUSY if another
    connection committed meanwhile; taking the lock first makes such a writer wait instead.
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    return Session(bind, expire_on_commit=False)
