"""ONE transaction per parcel update: read what is stored, derive the state before and after,
detect the changes, and write events, state, the fetch time and one outbox row per change."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from app.carriers.base import TrackingError
from app.domain.changes import Change, ChangeKind, detect_changes
from app.domain.merge import merge_events
from app.domain.models import Parcel, ParcelUpdate, ProblemKind
from app.domain.stall import HANDOVER_DAYS
from app.domain.state import ParcelState, derive_state
from app.domain.status import Status, SubStatus
from app.store import NotFoundError, apply_update, get_parcel, list_events, new_session
from app.sync.announce import outbox_entries
from app.sync.batches import NOT_AN_ANSWER
from app.sync.report import ParcelOutcome

__all__ = ["store_update"]

log = logging.getLogger(__name__)

_SILENCE = frozenset({ChangeKind.STALLED, ChangeKind.AWAITING_HANDOVER})
# Statuses a "label known, no scan yet" answer may stand in for: nothing has moved yet.
_UNSHIPPED = frozenset({None, Status.PENDING, Status.UNKNOWN, Status.INFO_RECEIVED})


def store_update(
    store: Any,
    parcel_id: str,
    update: ParcelUpdate | None,
    error: TrackingError | None,
    now: datetime,
    checked_at: datetime | None = None,
) -> ParcelOutcome | None:
    """ONE transaction: read events + state, derive, detect, write events/state/outbox,
    and the fetch time (`checked_at`, when given)."""
    try:
        with new_session(store, write=True) as session:
            parcel = get_parcel(session, parcel_id=parcel_id)
            stored = list_events(session, parcel_id=parcel_id)
            return _apply(session, parcel, stored, update, error, now, checked_at)
    except NotFoundError:
        return None  # deleted while it was being fetched
    except Exception:
        log.exception("storing the update of parcel %s failed; nothing was written", parcel_id)
        return None


def _apply(
    session: Any,
    parcel: Parcel,
    stored: Sequence[Any],
    update: ParcelUpdate | None,
    error: TrackingError | None,
    now: datetime,
    checked_at: datetime | None = None,
) -> ParcelOutcome:
    # Without stored events, the stored status came from a carrier's headline: keep it.
    hint = None if stored else parcel.status
    sub_hint = None if stored else parcel.sub_status
    before = derive_state(
        stored,
        now=parcel.last_checked_at or parcel.created_at or now,
        carrier=parcel.carrier,
        tracked_since=parcel.created_at,
        status_hint=hint,
        sub_status_hint=sub_hint,
    )
    if update is None:
        update = ParcelUpdate(
            tracking_number=parcel.tracking_number, carrier=parcel.carrier, fetched_at=now
        )
    events = merge_events(stored, update.events).events
    status_hint = update.status_hint or hint
    sub_status_hint = update.sub_status_hint if update.status_hint else sub_hint
    if error is not None and error.kind is ProblemKind.PRE_TRANSIT and status_hint in _UNSHIPPED:
        # The carrier knows the label but has scanned nothing: the seller has not handed the
        # parcel over yet, a state of its own (not "waiting for data", and never "not found").
        status_hint, sub_status_hint = Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER
    after = derive_state(
        events,
        now=now,
        carrier=parcel.carrier,
        tracked_since=parcel.created_at,
        status_hint=status_hint,
        sub_status_hint=sub_status_hint,
    )
    if error is None:
        estimate = update.estimate
        pod = update.proof_of_delivery or (
            parcel.proof_of_delivery if after.status is Status.DELIVERED else None
        )
        code = update.carrier_status_code or (
            after.last_event.carrier_code if after.last_event else None
        )
        problem, detail = update.problem, update.problem_detail
    else:
        estimate, pod, code = (
            parcel.estimate,
            parcel.proof_of_delivery,
            parcel.carrier_status_code,
        )
        # The parcel keeps the carrier's words; our English note is for logs and reports.
        problem, detail = error.kind, error.carrier_text
    changes = _handover_overdue(
        detect_changes(
            before,
            after,
            before_estimate=parcel.estimate,
            after_estimate=estimate,
            parcel_id=parcel.id,
        ),
        parcel,
        before,
        after,
        now,
    )
    if error is not None and error.kind in NOT_AN_ANSWER:
        # Silence is news only when the carrier confirmed it: a fetch that got no readable
        # answer says nothing about new scans. The next answered fetch announces it.
        changes = [c for c in changes if c.kind not in _SILENCE]
    result = apply_update(
        session,
        parcel_id=parcel.id,
        update=update,
        status=after.status,
        sub_status=after.sub_status,
        carrier_status_code=code,
        estimate=estimate,
        location=after.location,
        last_event_at=after.last_event_at,
        last_event_text=after.last_event.description if after.last_event else None,
        problem=problem,
        problem_detail=detail,
        proof_of_delivery=pod,
        changed_at=now,
        changes=outbox_entries(changes, parcel, now=now, proof_of_delivery=pod),
        checked_at=checked_at,
    )
    return ParcelOutcome(
        parcel_id=parcel.id,
        rows_written=result.rows_written,
        outbox_added=result.outbox_added,
        status=after.status,
        problem=problem,
    )


def _overdue(state: ParcelState, since: datetime | None, at: datetime) -> bool:
    return (
        state.awaiting_handover
        and since is not None
        and at - since >= timedelta(days=HANDOVER_DAYS)
    )


def _handover_overdue(
    changes: tuple[Change, ...],
    parcel: Parcel,
    before: ParcelState,
    after: ParcelState,
    now: datetime,
) -> list[Change]:
    """Announce "not handed over" only once it is overdue (HANDOVER_DAYS without a scan).

    Carriers that report a fresh label as "not handed over yet" (DHL, UPS, FedEx ...) make the
    domain flag `awaiting_handover` at the first sync; that is no news. The change is emitted
    with the domain's own key when the silence passes HANDOVER_DAYS, so it stays exactly-once.
    """
    kept = [c for c in changes if c.kind is not ChangeKind.AWAITING_HANDOVER]
    since_after = after.last_event_at or parcel.created_at
    since_before = before.last_event_at or parcel.created_at
    checked = parcel.last_checked_at or parcel.created_at or now
    if _overdue(after, since_after, now) and not _overdue(before, since_before, checked):
        anchor = after.last_event.identity if after.last_event else "-"
        kept.append(
            Change(
                kind=ChangeKind.AWAITING_HANDOVER,
                key=f"{parcel.id}:handover@{anchor}",
                status=after.status,
                sub_status=after.sub_status,
                previous_status=before.status,
                event=after.last_event,
                problem=False,
            )
        )
    return kept
