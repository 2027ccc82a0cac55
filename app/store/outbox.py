"""The notification outbox: written in the same transaction as the change it announces.

`change_key` is UNIQUE and inserts ignore a key already present, so recording a change twice
(a re-ingest, a retry after a crash) is a no-op and each change is announced exactly once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, bindparam, func, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session

from app.store.columns import dump_json, load_json
from app.store.session import total_changes, transaction
from app.store.tables import OUTBOX

__all__ = [
    "ChangeLike",
    "OutboxEntry",
    "OutboxItem",
    "enqueue",
    "insert_entries",
    "latest_of_kind",
    "mark_dispatched",
    "pending",
    "record_attempt",
]


class ChangeLike(Protocol):
    """Anything that names one change: a stable key, a kind and a JSON-able payload."""

    @property
    def key(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, object]: ...


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    key: str  # stable for the change, e.g. f"{parcel_id}:status:delivered:{event identity}"
    kind: str
    payload: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    parcel_id: str | None
    key: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    dispatched_at: datetime | None
    attempts: int


_INSERT_NEW_KEYS = insert(OUTBOX).on_conflict_do_nothing(index_elements=["change_key"])


def insert_entries(
    connection: Connection, *, parcel_id: str | None, entries: Sequence[ChangeLike], at: datetime
) -> int:
    """Insert inside the caller's transaction; returns how many keys were new."""
    if not entries:
        return 0
    before = total_changes(connection)
    rows = [
        {
            "parcel_id": parcel_id,
            "change_key": entry.key,
            "kind": entry.kind,
            "payload": dump_json(entry.payload),
            "created_at": at,
        }
        for entry in entries
    ]
    connection.execute(_INSERT_NEW_KEYS, rows)
    return total_changes(connection) - before


def enqueue(
    session: Session,
    *,
    entries: Sequence[ChangeLike],
    parcel_id: str | None = None,
    at: datetime | None = None,
) -> int:
    with transaction(session) as connection:
        return insert_entries(
            connection, parcel_id=parcel_id, entries=entries, at=at or datetime.now(UTC)
        )


def pending(session: Session, *, limit: int = 100) -> list[OutboxItem]:
    """Undispatched entries, oldest first."""
    query = select(OUTBOX).where(OUTBOX.c.dispatched_at.is_(None)).order_by(OUTBOX.c.id)
    rows = session.connection().execute(query.limit(limit))
    return [_item(row) for row in rows]


# Built once (a parcel's panel asks on every click); the ids expand to one parameter each.
_NEWEST_OF_KIND = select(OUTBOX).where(
    OUTBOX.c.id.in_(
        select(func.max(OUTBOX.c.id))
        .where(
            OUTBOX.c.parcel_id.in_(bindparam("parcel_ids", expanding=True)),
            OUTBOX.c.kind == bindparam("kind"),
        )
        .group_by(OUTBOX.c.parcel_id)
    )
)


def latest_of_kind(
    session: Session, *, parcel_ids: Collection[str], kind: str
) -> dict[str, OutboxItem]:
    """Each parcel's newest recorded change of one kind, announced or not; parcels without
    one are left out. One query for a page of rows."""
    if not parcel_ids:
        return {}
    values = {"parcel_ids": list(parcel_ids), "kind": kind}
    rows = session.connection().execute(_NEWEST_OF_KIND, values)
    return {row.parcel_id: _item(row) for row in rows}


def _item(row: Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        parcel_id=row.parcel_id,
        key=row.change_key,
        kind=row.kind,
        payload=load_json(row.payload),
        created_at=row.created_at,
        dispatched_at=row.dispatched_at,
        attempts=row.attempts,
    )


def mark_dispatched(session: Session, *, outbox_ids: Sequence[int], at: datetime) -> int:
    """Mark entries as announced; ones already marked stay as they were."""
    with transaction(session) as connection:
        result = connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(list(outbox_ids)), OUTBOX.c.dispatched_at.is_(None))
            .values(dispatched_at=at)
        )
        return int(result.rowcount)


def record_attempt(session: Session, *, outbox_id: int) -> int:
    with transaction(session) as connection:
        result = connection.execute(
            update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(attempts=OUTBOX.c.attempts + 1)
        )
        return int(result.rowcount)
