"""Parcels: adding, reading and the user's own edits (label, order, archive, delete).

What a fetch changes (status, estimate, events ...) is written by `apply.apply_update` only;
`restore_parcel` (undo of a delete) puts back what was stored before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.domain.models import Parcel, Source, TrackingEvent
from app.store.errors import DuplicateParcelError, NotFoundError
from app.store.mapping import event_values, parcel_from_row, parcel_values
from app.store.session import total_changes, transaction
from app.store.tables import EVENTS, ORDERS, PARCELS

__all__ = [
    "add_parcel",
    "delete_parcel",
    "find_parcel",
    "get_parcel",
    "list_parcels",
    "restore_parcel",
    "set_archived",
    "set_label",
    "set_order",
    "touch_checked",
]


def add_parcel(
    session: Session,
    *,
    tracking_number: str,
    carrier: str,
    order_id: str | None = None,
    label: str | None = None,
    source: Source = Source.USER,
    parcel_id: str | None = None,
    created_at: datetime | None = None,
) -> Parcel:
    parcel = Parcel(
        id=parcel_id or uuid.uuid4().hex,
        tracking_number=tracking_number,
        carrier=carrier,
        order_id=order_id,
        label=label,
        source=source,
        created_at=created_at or datetime.now(UTC),
    )
    with transaction(session) as connection:
        _insert(connection, parcel)
    return parcel


def _insert(connection: Connection, parcel: Parcel) -> None:
    try:
        connection.execute(insert(PARCELS).values(parcel_values(parcel)))
    except IntegrityError as error:
        if _duplicate(error):
            raise DuplicateParcelError(
                f"{parcel.carrier} {parcel.tracking_number} is already being tracked"
            ) from None
        raise


def _duplicate(error: IntegrityError) -> bool:
    """The parcel's id, or its number with that carrier, is taken."""
    failed = str(error.orig)
    return "UNIQUE" in failed and ("tracking_number" in failed or "parcels.id" in failed)


# Built once, as events._BY_PARCEL: opening a parcel runs these on every click.
_BY_ID = select(PARCELS).where(PARCELS.c.id == bindparam("parcel_id"))
_IDS_OF_ORDER = (
    select(PARCELS.c.id)
    .where(PARCELS.c.order_id == bindparam("order_id"))
    .order_by(PARCELS.c.created_at, PARCELS.c.id)
)


def get_parcel(session: Session, *, parcel_id: str) -> Parcel:
    row = session.connection().execute(_BY_ID, {"parcel_id": parcel_id}).first()
    if row is None:
        raise NotFoundError(f"no parcel {parcel_id}")
    return parcel_from_row(row._mapping)


def find_parcel(session: Session, *, tracking_number: str, carrier: str) -> Parcel | None:
    row = (
        session.connection()
        .execute(
            select(PARCELS).where(
                and_(PARCELS.c.carrier == carrier, PARCELS.c.tracking_number == tracking_number)
            )
        )
        .first()
    )
    return None if row is None else parcel_from_row(row._mapping)


def list_parcels(
    session: Session,
    *,
    include_archived: bool = False,
    statuses: Sequence[str] = (),
    carriers: Sequence[str] = (),
    order_id: str | None = None,
) -> list[Parcel]:
    """Plain parcel list (for the scheduler, or one order's); 'My orders' is `listing.my_orders`."""
    query = select(PARCELS).order_by(PARCELS.c.created_at, PARCELS.c.id)
    if order_id is not None:  # uses ix_parcels_order
        query = query.where(PARCELS.c.order_id == order_id)
    if not include_archived:
        query = query.where(PARCELS.c.archived.is_(False))
    if statuses:
        query = query.where(PARCELS.c.status.in_([str(s) for s in statuses]))
    if carriers:
        query = query.where(PARCELS.c.carrier.in_(list(carriers)))
    return [parcel_from_row(row._mapping) for row in session.connection().execute(query)]


def order_parcel_ids(session: Session, *, order_id: str) -> list[str]:
    """The ids of one order's parcels, archived ones included, in `list_parcels`' order:
    what "Paket 1 von 2" counts, without loading the parcels."""
    rows = session.connection().execute(_IDS_OF_ORDER, {"order_id": order_id})
    return [str(parcel_id) for parcel_id in rows.scalars()]


def _set(session: Session, parcel_id: str, values: dict[str, Any]) -> int:
    """Update columns that differ; returns the rows written (0 when nothing changed)."""
    differs = [PARCELS.c[name].is_not(value) for name, value in values.items()]
    with transaction(session) as connection:
        before = total_changes(connection)
        connection.execute(
            update(PARCELS).where(PARCELS.c.id == parcel_id, or_(*differs)).values(values)
        )
        written = total_changes(connection) - before
        if not written and _missing(connection, parcel_id):
            raise NotFoundError(f"no parcel {parcel_id}")
        return written


def _order_gone(connection: Connection, order_id: str) -> bool:
    return connection.execute(select(ORDERS.c.id).where(ORDERS.c.id == order_id)).first() is None


def _missing(connection: Connection, parcel_id: str) -> bool:
    return connection.execute(select(PARCELS.c.id).where(PARCELS.c.id == parcel_id)).first() is None


def set_label(session: Session, *, parcel_id: str, label: str | None) -> int:
    return _set(session, parcel_id, {"label": label or None})


def set_archived(session: Session, *, parcel_id: str, archived: bool) -> int:
    return _set(session, parcel_id, {"archived": archived})


def set_order(session: Session, *, parcel_id: str, order_id: str | None) -> int:
    return _set(session, parcel_id, {"order_id": order_id})


def set_carrier(session: Session, *, parcel_id: str, carrier: str) -> int:
    """Track the parcel with another carrier (the user's correction): what the old one said
    about it goes, and it is due at once. DuplicateParcelError if that carrier has it already."""
    values = {
        "carrier": carrier,
        "problem": None,
        "problem_detail": None,
        "carrier_status_code": None,
        "last_checked_at": None,
    }
    try:
        return _set(session, parcel_id, values)
    except IntegrityError as error:
        if _duplicate(error):
            raise DuplicateParcelError(f"{carrier} already tracks this number") from None
        raise


def touch_checked(session: Session, *, parcel_id: str, at: datetime) -> int:
    """Record when the parcel was last fetched, changed or not.

    Kept apart from `apply_update` on purpose: every fetch moves this timestamp, so folding it
    into the update would make an identical re-ingest write a row. Here it is one tiny UPDATE
    the caller makes after the apply (or after a failed fetch, to show freshness).
    """
    return _set(session, parcel_id, {"last_checked_at": at})


def delete_parcel(session: Session, *, parcel_id: str) -> None:
    """Delete the parcel with its events and pending notifications (ON DELETE CASCADE)."""
    with transaction(session) as connection:
        connection.execute(delete(PARCELS).where(PARCELS.c.id == parcel_id))


def restore_parcel(session: Session, *, parcel: Parcel, events: Sequence[TrackingEvent]) -> None:
    """Put a deleted parcel back as it was read before the delete: same id, state, label,
    archive flag and events, in one transaction (an undo never leaves a parcel without its
    history). An order deleted meanwhile is left out; DuplicateParcelError if the parcel or
    its number is tracked again meanwhile."""
    with transaction(session) as connection:
        order = parcel.order_id
        if order is not None and _order_gone(connection, order):
            parcel = replace(parcel, order_id=None)  # as delete_order leaves its parcels
        _insert(connection, parcel)
        if events:
            connection.execute(insert(EVENTS), [event_values(parcel.id, e) for e in events])
