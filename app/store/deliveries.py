"""Per-channel delivery of outbox entries: claimed before a channel is asked, finished after.

One row per (outbox entry, channel slot), e.g. the native notification and the e-mail update, so
a failed e-mail is retried without showing the desktop notice again. The protocol:

1. `claim_deliveries` marks the deliveries a dispatcher is about to hand to a channel, with the
   dispatcher's run id and the time, in one transaction (a claim by another run is respected
   until its lease has passed).
2. The dispatcher asks the channel.
3. `finish_deliveries` (delivered, skipped, gave up) or `release_deliveries` (failed; retry
   later) ends the claim in one transaction. When every required channel of an entry has
   finished, the same transaction sets the outbox entry's `dispatched_at`.

A crash between 1 and 3 leaves a claim without an outcome; the next dispatcher (another run id)
takes it over once the lease has passed and delivers it again. See app/notify/dispatcher.py for
the window this leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Table, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Field, Session, SQLModel

from app.store.columns import UTCDateTime
from app.store.session import transaction
from app.store.tables import OUTBOX

__all__ = [
    "DELIVERIES",
    "Delivery",
    "DeliveryOutcome",
    "DeliveryRow",
    "claim_deliveries",
    "finish_deliveries",
    "list_deliveries",
    "release_deliveries",
    "retry_waiting_now",
]


class DeliveryRow(SQLModel, table=True):
    """One outbox entry on one channel slot (created by migration 4)."""

    __tablename__ = "deliveries"

    outbox_id: int = Field(primary_key=True, foreign_key="outbox.id")
    channel: str = Field(primary_key=True)
    via: str | None = None  # the concrete channel that delivered it (desktop, plyer, mobile)
    claimed_by: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = None
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[attr-defined]


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # by design: the kind is switched off, the parcel muted
    GAVE_UP = "gave_up"  # too many failed attempts, or too old to be news


@dataclass(frozen=True, slots=True)
class Delivery:
    outbox_id: int
    channel: str
    via: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    outcome: DeliveryOutcome | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        outbox_id=row.outbox_id,
        channel=row.channel,
        via=row.via,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        outcome=DeliveryOutcome(row.outcome) if row.outcome else None,
        finished_at=row.finished_at,
    )


def list_deliveries(
    session: Session, *, outbox_ids: Sequence[int] | None = None, channel: str | None = None
) -> list[Delivery]:
    query = select(DELIVERIES).order_by(DELIVERIES.c.outbox_id, DELIVERIES.c.channel)
    if outbox_ids is not None:
        query = query.where(DELIVERIES.c.outbox_id.in_(list(outbox_ids)))
    if channel is not None:
        query = query.where(DELIVERIES.c.channel == channel)
    return [_delivery(row) for row in session.connection().execute(query)]


def _ensure_rows(connection: Any, outbox_ids: Sequence[int], channel: str) -> None:
    rows = [{"outbox_id": i, "channel": channel} for i in outbox_ids]
    connection.execute(insert(DELIVERIES).on_conflict_do_nothing(), rows)


def claim_deliveries(
    session: Session,
    *,
    outbox_ids: Sequence[int],
    channel: str,
    claimant: str,
    at: datetime,
    lease: timedelta,
) -> list[int]:
    """Claim the unfinished deliveries of `outbox_ids` on `channel`; returns the ids claimed.

    Not claimed: finished ones, ones waiting for their retry time, and ones another claimant
    claimed less than `lease` ago. A claim older than the lease (its dispatcher died) is taken
    over. Claiming again with the same claimant renews the claim.
    """
    ids = list(dict.fromkeys(outbox_ids))
    if not ids:
        return []
    c = DELIVERIES.c
    with transaction(session) as connection:
        _ensure_rows(connection, ids, channel)
        connection.execute(
            update(DELIVERIES)
            .where(
                c.outbox_id.in_(ids),
                c.channel == channel,
                c.finished_at.is_(None),
                or_(c.next_attempt_at.is_(None), c.next_attempt_at <= at),
                or_(c.claimed_by.is_(None), c.claimed_by == claimant, c.claimed_at <= at - lease),
            )
            .values(claimed_by=claimant, claimed_at=at)
        )
        claimed = connection.execute(
            select(c.outbox_id)
            .where(
                c.outbox_id.in_(ids),
                c.channel == channel,
                c.claimed_by == claimant,
                c.claimed_at == at,
                c.finished_at.is_(None),
            )
            .order_by(c.outbox_id)
        ).scalars()
        return [int(i) for i in claimed]


def finish_deliveries(
    session: Session,
    *,
    outbox_ids: Sequence[int],
    channel: str,
    outcome: DeliveryOutcome,
    at: datetime,
    via: str | None = None,
    required_channels: Sequence[str] = (),
) -> int:
    """Record the outcome; returns how many deliveries were finished by this call.

    In the same transaction, every entry whose `required_channels` (this one included) have
    all finished is marked dispatched in the outbox.
    """
    ids = list(dict.fromkeys(outbox_ids))
    if not ids:
        return 0
    c = DELIVERIES.c
    with transaction(session) as connection:
        _ensure_rows(connection, ids, channel)
        result = connection.execute(
            update(DELIVERIES)
            .where(c.outbox_id.in_(ids), c.channel == channel, c.finished_at.is_(None))
            .values(
                outcome=outcome.value, finished_at=at, via=via, claimed_by=None, claimed_at=None
            )
        )
        finished = int(result.rowcount)
        required = sorted({channel, *required_channels})
        done_counts = connection.execute(
            select(c.outbox_id, func.count())
            .where(
                c.outbox_id.in_(ids),
                c.channel.in_(required),
                c.finished_at.is_not(None),
            )
            .group_by(c.outbox_id)
        ).all()
        complete = [row[0] for row in done_counts if row[1] == len(required)]
        if complete:
            connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(complete), OUTBOX.c.dispatched_at.is_(None))
                .values(dispatched_at=at)
            )
        return finished


def release_deliveries(
    session: Session,
    *,
    outbox_ids: Sequence[int],
    channel: str,
    claimant: str,
    retry_at: datetime | None,
) -> int:
    """A failed attempt: count it, drop the claim, and wait until `retry_at` before the next."""
    ids = list(dict.fromkeys(outbox_ids))
    if not ids:
        return 0
    c = DELIVERIES.c
    with transaction(session) as connection:
        result = connection.execute(
            update(DELIVERIES)
            .where(
                c.outbox_id.in_(ids),
                c.channel == channel,
                c.claimed_by == claimant,
                c.finished_at.is_(None),
            )
            .values(
                attempts=c.attempts + 1,
                claimed_by=None,
                claimed_at=None,
                next_attempt_at=retry_at,
            )
        )
        return int(result.rowcount)


def retry_waiting_now(session: Session, *, channel: str, at: datetime) -> int:
    """Let every failed delivery on `channel` that waits for its retry time be retried at `at`
    (a place to show it has just opened); returns how many were waiting."""
    c = DELIVERIES.c
    with transaction(session) as connection:
        result = connection.execute(
            update(DELIVERIES)
            .where(
                c.channel == channel,
                c.finished_at.is_(None),
                c.claimed_by.is_(None),
                c.next_attempt_at > at,
            )
            .values(next_attempt_at=at)
        )
        return int(result.rowcount)
