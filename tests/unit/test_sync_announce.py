"""Domain changes -> notify announcements (the outbox payload)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app.domain.changes import Change, ChangeKind
from app.domain.models import DeliveryEstimate, Parcel, ProofOfDelivery
from app.domain.status import Status, SubStatus
from app.notify.notice import Announcement, NoticeKind
from app.sync.announce import announcement_for, notice_kind, outbox_entries
from tests.unit.test_sync_support import T0, event

PARCEL = Parcel(
    id="p1", tracking_number="00340434000000000001", carrier="dhl", label="Winterjacke",
    created_at=T0 - timedelta(days=9),
)  # fmt: skip


def _change(kind: ChangeKind, status: Status, **extra: object) -> Change:
    return Change(kind=kind, key=f"p1:{kind}:{status}", status=status, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (ChangeKind.STATUS_CHANGED, Status.IN_TRANSIT, NoticeKind.SHIPPED),
        (ChangeKind.STATUS_CHANGED, Status.OUT_FOR_DELIVERY, NoticeKind.OUT_FOR_DELIVERY),
        (ChangeKind.STATUS_CHANGED, Status.AVAILABLE_FOR_PICKUP, NoticeKind.READY_FOR_PICKUP),
        (ChangeKind.STATUS_CHANGED, Status.DELIVERED, NoticeKind.DELIVERED),
        (ChangeKind.STATUS_CHANGED, Status.FAILED_ATTEMPT, NoticeKind.PROBLEM),
        (ChangeKind.STATUS_CHANGED, Status.RETURNING, NoticeKind.PROBLEM),
        (ChangeKind.STATUS_CHANGED, Status.EXPIRED, NoticeKind.PROBLEM),
        (ChangeKind.NEW_PROBLEM, Status.IN_TRANSIT, NoticeKind.PROBLEM),
        (ChangeKind.ETA_MOVED, Status.IN_TRANSIT, NoticeKind.ETA_MOVED),
        (ChangeKind.STALLED, Status.IN_TRANSIT, NoticeKind.STALLED),
        (ChangeKind.AWAITING_HANDOVER, Status.INFO_RECEIVED, NoticeKind.STALLED),
    ],
)
def test_each_change_kind_maps_to_a_notice_kind(
    kind: ChangeKind, status: Status, expected: NoticeKind
) -> None:
    assert notice_kind(_change(kind, status)) is expected


def test_delivered_carries_where_it_was_left() -> None:
    change = _change(ChangeKind.STATUS_CHANGED, Status.DELIVERED, sub_status=SubStatus.NEIGHBOUR)
    pod = ProofOfDelivery(signed_by="Nachbar (Hausnr. 12)")
    announcement = announcement_for(change, PARCEL, now=T0, proof_of_delivery=pod)
    assert announcement.detail == "Nachbar (Hausnr. 12)"
    assert announcement.parcel_name == "Winterjacke"
    assert announcement.change_key == change.key


def test_stalled_counts_the_days_since_the_last_scan() -> None:
    change = _change(ChangeKind.STALLED, Status.IN_TRANSIT, event=event(-24 * 4))
    assert announcement_for(change, PARCEL, now=T0).stalled_days == 4


def test_the_outbox_payload_is_the_announcement_json() -> None:
    estimate = DeliveryEstimate(day=date(2026, 11, 25))
    change = _change(
        ChangeKind.ETA_MOVED,
        Status.IN_TRANSIT,
        estimate=estimate,
        previous_estimate=DeliveryEstimate(day=date(2026, 11, 24)),
    )
    (entry,) = outbox_entries([change], PARCEL, now=T0)
    assert entry.key == change.key
    assert entry.kind == "eta_moved"
    back = Announcement.from_json(json.dumps(entry.payload))
    assert back == announcement_for(change, PARCEL, now=T0)
    assert back.estimate == estimate
