"""From the domain's `Change` to the `Announcement` the outbox carries (its JSON is the payload).

| Change                                  | NoticeKind        |
|-----------------------------------------|-------------------|
| status_changed -> in transit            | shipped           |
| status_changed -> out for delivery      | out_for_delivery  |
| status_changed -> available for pickup  | ready_for_pickup  |
| status_changed -> delivered             | delivered         |
| status_changed -> any problem / expired | problem           |
| new_problem                             | problem           |
| eta_moved                               | eta_moved         |
| stalled, awaiting_handover              | stalled           |

The outbox key is the change's key (scoped by the parcel id), so a change recorded twice is
announced once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.changes import Change, ChangeKind
from app.domain.models import Parcel, ProofOfDelivery
from app.domain.status import Status
from app.notify.notice import Announcement, NoticeKind

__all__ = ["OutboxAnnouncement", "announcement_for", "outbox_entries"]

_BY_STATUS: dict[Status, NoticeKind] = {
    Status.IN_TRANSIT: NoticeKind.SHIPPED,
    Status.OUT_FOR_DELIVERY: NoticeKind.OUT_FOR_DELIVERY,
    Status.AVAILABLE_FOR_PICKUP: NoticeKind.READY_FOR_PICKUP,
    Status.DELIVERED: NoticeKind.DELIVERED,
}


@dataclass(frozen=True, slots=True)
class OutboxAnnouncement:
    """An `Announcement` in the shape `apply_update(changes=...)` takes (a store ChangeLike)."""

    announcement: Announcement

    @property
    def key(self) -> str:
        return self.announcement.change_key

    @property
    def kind(self) -> str:
        return self.announcement.kind.value

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.announcement.to_json())
        return data


def notice_kind(change: Change) -> NoticeKind:
    if change.kind is ChangeKind.STATUS_CHANGED:
        return _BY_STATUS.get(change.status, NoticeKind.PROBLEM)
    if change.kind is ChangeKind.ETA_MOVED:
        return NoticeKind.ETA_MOVED
    if change.kind in (ChangeKind.STALLED, ChangeKind.AWAITING_HANDOVER):
        return NoticeKind.STALLED
    return NoticeKind.PROBLEM


def _pod_detail(pod: ProofOfDelivery | None) -> str | None:
    if pod is None:
        return None
    return pod.place or pod.signed_by or None


def announcement_for(
    change: Change,
    parcel: Parcel,
    *,
    now: datetime,
    proof_of_delivery: ProofOfDelivery | None = None,
) -> Announcement:
    kind = notice_kind(change)
    detail: str | None = None
    if kind is NoticeKind.DELIVERED:
        detail = _pod_detail(proof_of_delivery)
    elif kind is NoticeKind.READY_FOR_PICKUP and change.event is not None:
        detail = change.event.location.label() or None
    stalled_days: int | None = None
    if kind is NoticeKind.STALLED:
        since = change.event.occurred_at if change.event else parcel.created_at
        stalled_days = max(0, (now - since).days) if since else None
    return Announcement(
        change_key=change.key,
        parcel_id=parcel.id,
        parcel_name=parcel.display_name,
        kind=kind,
        status=change.status,
        sub_status=change.sub_status,
        estimate=change.estimate,
        previous_estimate=change.previous_estimate,
        detail=detail,
        stalled_days=stalled_days,
    )


def outbox_entries(
    changes: Iterable[Change],
    parcel: Parcel,
    *,
    now: datetime,
    proof_of_delivery: ProofOfDelivery | None = None,
) -> list[OutboxAnnouncement]:
    return [
        OutboxAnnouncement(
            announcement_for(c, parcel, now=now, proof_of_delivery=proof_of_delivery)
        )
        for c in changes
    ]
