"""Applying one fetch to one parcel: events, parcel state and outbox in ONE transaction.

Only what differs is written, so re-applying the same update writes no row at all. The time of
the fetch (`last_checked_at`) is not part of that count: it may be set in the same transaction
(`checked_at`, one commit instead of two), but it is left out of `rows_written`, which says
whether the parcel's data changed; `parcels.touch_checked` sets it on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import insert, select
from sqlmodel import Session

from app.domain.merge import merge_events
from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProblemKind,
    ProofOfDelivery,
    TrackingEvent,
)
from app.domain.status import Status, SubStatus
from app.store.errors import NotFoundError
from app.store.events import load_events
from app.store.mapping import event_values, state_values
from app.store.outbox import ChangeLike, insert_entries
from app.store.session import total_changes, transaction
from app.store.tables import EVENTS, PARCELS

__all__ = ["ApplyResult", "apply_update"]


@dataclass(frozen=True, slots=True)
class ApplyResult:
    rows_written: int  # counted by SQLite (total_changes), not estimated
    added_events: tuple[TrackingEvent, ...]
    updated_events: tuple[TrackingEvent, ...]
    events: tuple[TrackingEvent, ...]  # the whole merged timeline, oldest first
    state_changed: bool
    outbox_added: int


# The columns a fetch owns; statements built once (see events.py).
_STATE_COLUMNS = (
    *state_values(
        status=Status.UNKNOWN,
        sub_status=None,
        carrier_status_code=None,
        estimate=None,
        location=None,
        last_event_at=None,
        last_event_text=None,
        problem=None,
        problem_detail=None,
        proof_of_delivery=None,
    ),
    "last_changed_at",
)
_PROBLEM_COLUMNS = frozenset({"problem", "problem_detail"})
_STATE = select(*(PARCELS.c[name] for name in _STATE_COLUMNS)).where(
    PARCELS.c.id == sa.bindparam("parcel_id")
)
_INSERT_EVENT = insert(EVENTS)
# When anything differs the whole state is set: still one row written, one cached statement.
_UPDATE_STATE = (
    sa.update(PARCELS)
    .where(PARCELS.c.id == sa.bindparam("b_parcel_id"))
    .values(
        {name: sa.bindparam(f"b_{name}", type_=PARCELS.c[name].type) for name in _STATE_COLUMNS}
    )
)


_TOUCH = (
    sa.update(PARCELS)
    .where(PARCELS.c.id == sa.bindparam("t_parcel_id"))
    .values(last_checked_at=sa.bindparam("t_checked", type_=PARCELS.c.last_checked_at.type))
)


def apply_update(
    session: Session,
    *,
    parcel_id: str,
    update: ParcelUpdate,
    status: Status,
    sub_status: SubStatus | None = None,
    carrier_status_code: str | None = None,
    estimate: DeliveryEstimate | None = None,
    location: Location | None = None,
    last_event_at: datetime | None = None,
    last_event_text: str | None = None,
    problem: ProblemKind | None = None,
    problem_detail: str | None = None,
    proof_of_delivery: ProofOfDelivery | None = None,
    changed_at: datetime | None = None,
    changes: Sequence[ChangeLike] = (),
    checked_at: datetime | None = None,
) -> ApplyResult:
    """Merge `update.events` into the stored ones and store the parcel's derived state.

    The state keywords are the parcel's complete new state (as derived from the merged
    timeline), not a patch: None clears a field. `last_changed_at` becomes `changed_at`
    (default: the fetch time) when an event or a state field changed. One outbox row is written
    per change whose key is new, stamped `changed_at` (default: the fetch time). `checked_at`
    also records the fetch time in the same transaction (not counted in `rows_written`).
    Commits on success; on any error nothing is written.
    Call it on a `new_session(engine, write=True)` session so a concurrent writer waits for the
    lock instead of failing between the read and the write.
    """
    new_state = state_values(
        status=status,
        sub_status=sub_status,
        carrier_status_code=carrier_status_code,
        estimate=estimate,
        location=location,
        last_event_at=last_event_at,
        last_event_text=last_event_text,
        problem=problem,
        problem_detail=problem_detail,
        proof_of_delivery=proof_of_delivery,
    )
    with transaction(session) as connection:
        before = total_changes(connection)
        current = connection.execute(_STATE, {"parcel_id": parcel_id}).first()
        if current is None:
            raise NotFoundError(f"no parcel {parcel_id}")

        merged = merge_events(load_events(connection, parcel_id), update.events)
        if merged.added:
            connection.execute(_INSERT_EVENT, [event_values(parcel_id, e) for e in merged.added])
        for event in merged.updated:
            connection.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.parcel_id == parcel_id, EVENTS.c.identity == event.identity)
                .values(event_values(parcel_id, event))
            )

        stored = current._mapping
        differing = {name for name, value in new_state.items() if stored[name] != value}
        state_changed = bool(differing)
        last_changed = stored["last_changed_at"]
        # A failed fetch changes only the problem: the parcel's data (and its place in the
        # list, which sorts by last change) stays as it was.
        if (differing - _PROBLEM_COLUMNS) or merged.changed:
            last_changed = changed_at or update.fetched_at
        if state_changed or last_changed != stored["last_changed_at"]:
            values = {**new_state, "last_changed_at": last_changed, "parcel_id": parcel_id}
            connection.execute(_UPDATE_STATE, {f"b_{name}": v for name, v in values.items()})

        outbox_added = insert_entries(
            connection, parcel_id=parcel_id, entries=changes, at=changed_at or update.fetched_at
        )
        written = total_changes(connection) - before
        if checked_at is not None:
            connection.execute(_TOUCH, {"t_parcel_id": parcel_id, "t_checked": checked_at})
    return ApplyResult(
        rows_written=written,
        added_events=merged.added,
        updated_events=merged.updated,
        events=merged.events,
        state_changed=state_changed,
        outbox_added=outbox_added,
    )
