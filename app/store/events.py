"""Reading a parcel's stored observations."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select
from sqlmodel import Session

from app.domain.merge import canonical_order
from app.domain.models import TrackingEvent
from app.store.mapping import event_from_row
from app.store.tables import EVENTS

__all__ = ["list_events", "load_events"]


# Built once: the sync engine runs this per parcel, and a prebuilt statement skips SQLAlchemy's
# per-call construction and cache-key work.
_BY_PARCEL = select(EVENTS).where(EVENTS.c.parcel_id == bindparam("parcel_id"))


def load_events(connection: Connection, parcel_id: str) -> list[TrackingEvent]:
    rows = connection.execute(_BY_PARCEL, {"parcel_id": parcel_id})
    return [event_from_row(row._mapping) for row in rows]


def list_events(session: Session, *, parcel_id: str) -> tuple[TrackingEvent, ...]:
    """Every observation of the parcel, oldest first, in the merge's canonical order."""
    events = load_events(session.connection(), parcel_id)
    return tuple(sorted(events, key=canonical_order))
