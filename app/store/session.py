"""Transaction helpers shared by the repository modules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Connection
from sqlmodel import Session

__all__ = ["total_changes", "transaction"]


@contextmanager
def transaction(session: Session) -> Iterator[Connection]:
    """Run the body in the session's transaction, commit on success, roll back on any error.

    Repository writes commit themselves (as in full-stack-fastapi-template), so one call is one
    transaction; work the caller left pending in the session is committed with it.
    """
    try:
        yield session.connection()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def total_changes(connection: Connection) -> int:
    """Rows inserted, updated or deleted on this SQLite connection since it was opened."""
    raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
    return raw.total_changes
