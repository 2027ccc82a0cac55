"""What changed for the user between two states of a parcel, each change with a stable key.

A change's `key` depends only on what it announces (the status and the event that carries it,
the new delivery estimate, the scan after which the parcel went quiet), so detecting the same
change twice gives the same key and an outbox with unique keys announces it once. Event
identities repeat across parcels (two parcels delivered from one van in one minute), so keys are
scoped by the parcel's id when `detect_changes` is given it.

One fact is one change: a problem status reached by a status change is that status change
(with `problem` set), not also a `new_problem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from app.domain.models import DeliveryEstimate, TrackingEvent
from app.domain.state import ParcelState
from app.domain.status import PROBLEM_SUB_STATUSES, PROBLEMS, Status, SubStatus
from app.domain.timeline import SAME_SCAN_TOLERANCE

__all__ = ["Change", "ChangeKind", "detect_changes", "moved_later"]


class ChangeKind(StrEnum):
    STATUS_CHANGED = "status_changed"
    ETA_MOVED = "eta_moved"
    NEW_PROBLEM = "new_problem"
    STALLED = "stalled"
    AWAITING_HANDOVER = "awaiting_handover"


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    key: str
    status: Status  # the parcel's status after the change
    sub_status: SubStatus | None = None
    previous_status: Status | None = None
    event: TrackingEvent | None = None  # the latest event after the change
    estimate: DeliveryEstimate | None = None
    previous_estimate: DeliveryEstimate | None = None
    problem: bool = False  # to be announced loudly

    @property
    def payload(self) -> dict[str, object]:
        """What a notification needs to word the change, as JSON-able values."""
        event = self.event
        return {
            "status": self.status.value,
            "sub_status": self.sub_status.value if self.sub_status else None,
            "previous_status": self.previous_status.value if self.previous_status else None,
            "event_identity": event.identity if event else None,
            "event_text": event.description if event else None,
            "occurred_at": event.occurred_at.isoformat() if event else None,
            "estimate": _estimate_payload(self.estimate),
            "previous_estimate": _estimate_payload(self.previous_estimate),
            "eta_later": self.eta_later,
            "problem": self.problem,
        }

    @property
    def eta_later(self) -> bool | None:
        """For ETA moves: True when it moved later, False when earlier; otherwise None."""
        if self.kind is not ChangeKind.ETA_MOVED or not (self.estimate and self.previous_estimate):
            return None
        return moved_later(self.previous_estimate, self.estimate)


# Routine statuses the user hears about. IN_TRANSIT only counts when it is the first movement
# ("shipped"); later hub scans are routine and stay quiet. Label created is quiet too.
_ANNOUNCED: frozenset[Status] = frozenset(
    {
        Status.OUT_FOR_DELIVERY,
        Status.AVAILABLE_FOR_PICKUP,
        Status.DELIVERED,
        Status.FAILED_ATTEMPT,
        Status.EXCEPTION,
        Status.RETURNING,
        Status.RETURNED,
        Status.EXPIRED,
    }
)
_NO_WINDOW = datetime.min.replace(tzinfo=UTC)
_BEFORE_SHIPPING: frozenset[Status] = frozenset({Status.PENDING, Status.INFO_RECEIVED})
# A second delivery attempt, or out for delivery again the next day, is news even though the
# status did not change.
_REPEATABLE: frozenset[Status] = frozenset({Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT})


def _anchor(state: ParcelState) -> str:
    return state.last_event.identity if state.last_event else "-"


def _is_new_scan(before: ParcelState, after: ParcelState) -> bool:
    """A later scan, not the same scan reported again by another source."""
    old, new = before.last_event, after.last_event
    if new is None:
        return False
    return old is None or new.occurred_at - old.occurred_at > SAME_SCAN_TOLERANCE


def _status_changed(before: ParcelState | None, after: ParcelState) -> bool:
    previous = before.status if before else None
    if after.status is Status.IN_TRANSIT:
        return previous is None or previous in _BEFORE_SHIPPING
    if after.status not in _ANNOUNCED:
        return False
    if before is None or previous is not after.status:
        return True
    return after.status in _REPEATABLE and _is_new_scan(before, after)


def _problems(state: ParcelState) -> set[str]:
    facts: set[str] = set()
    if state.status in PROBLEMS:
        facts.add(state.status.value)
    if state.sub_status in PROBLEM_SUB_STATUSES:
        facts.add(f"{state.sub_status}")
    return facts


def _eta_moved(old: DeliveryEstimate, new: DeliveryEstimate) -> bool:
    """The last possible day moved, or both have windows and the window's end moved.

    A window appearing or disappearing on the same day refines the estimate; it does not move it.
    """
    if old.last_day != new.last_day:
        return True
    return None not in (old.window_end, new.window_end) and old.window_end != new.window_end


def moved_later(old: DeliveryEstimate, new: DeliveryEstimate) -> bool:
    """The last possible day, or else the window's end, is later than before."""
    if old.last_day != new.last_day:
        return new.last_day > old.last_day
    return (new.window_end or _NO_WINDOW) > (old.window_end or _NO_WINDOW)


def _estimate_payload(estimate: DeliveryEstimate | None) -> dict[str, str | None] | None:
    if estimate is None:
        return None
    return {
        "day": estimate.day.isoformat(),
        "latest_day": estimate.latest_day.isoformat() if estimate.latest_day else None,
        "window_start": estimate.window_start.isoformat() if estimate.window_start else None,
        "window_end": estimate.window_end.isoformat() if estimate.window_end else None,
        "source": estimate.source.value,
    }


def _eta_text(estimate: DeliveryEstimate) -> str:
    text = estimate.day.isoformat()
    if estimate.latest_day and estimate.latest_day != estimate.day:
        text += f"..{estimate.latest_day.isoformat()}"
    if estimate.window_start or estimate.window_end:
        start = estimate.window_start.isoformat() if estimate.window_start else ""
        end = estimate.window_end.isoformat() if estimate.window_end else ""
        text += f"[{start}/{end}]"
    return text


def detect_changes(
    before: ParcelState | None,
    after: ParcelState,
    *,
    before_estimate: DeliveryEstimate | None,
    after_estimate: DeliveryEstimate | None,
    parcel_id: str | None = None,
) -> tuple[Change, ...]:
    """The changes worth announcing, in a fixed order. `before` None: the parcel's first sync.

    `before` is the state at the previous check (for instance `derive_state` over the stored
    events with `now` set to that check's time), so that becoming stalled is seen as a change.
    With `parcel_id`, every key starts with "<parcel_id>:" and is unique across parcels.
    """
    anchor = _anchor(after)
    scope = f"{parcel_id}:" if parcel_id else ""

    def change(kind: ChangeKind, key: str, *, problem: bool) -> Change:
        return Change(
            kind=kind,
            key=scope + key,
            status=after.status,
            sub_status=after.sub_status,
            previous_status=before.status if before else None,
            event=after.last_event,
            estimate=after_estimate,
            previous_estimate=before_estimate,
            problem=problem,
        )

    changes: list[Change] = []
    if _status_changed(before, after):
        key = f"status:{after.status}@{anchor}"
        changes.append(change(ChangeKind.STATUS_CHANGED, key, problem=after.is_problem))
    else:
        new_problems = _problems(after) - (_problems(before) if before else set())
        if new_problems:
            key = f"problem:{'+'.join(sorted(new_problems))}@{anchor}"
            changes.append(change(ChangeKind.NEW_PROBLEM, key, problem=True))

    if (
        before is not None
        and not after.is_terminal
        and before_estimate is not None
        and after_estimate is not None
        and _eta_moved(before_estimate, after_estimate)
    ):
        later = moved_later(before_estimate, after_estimate)
        key = f"eta:{_eta_text(after_estimate)}@{anchor}"
        changes.append(change(ChangeKind.ETA_MOVED, key, problem=later))

    if after.stalled and not (before and before.stalled):
        changes.append(change(ChangeKind.STALLED, f"stalled@{anchor}", problem=True))
    if after.awaiting_handover and not (before and before.awaiting_handover):
        key = f"handover@{anchor}"
        changes.append(change(ChangeKind.AWAITING_HANDOVER, key, problem=False))
    return tuple(changes)
