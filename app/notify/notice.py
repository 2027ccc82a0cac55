"""What the outbox carries for one change, and what a channel shows for it.

An `Announcement` is written by the sync engine into the outbox in the same transaction as the
events; its JSON form is the outbox payload. A `Notice` is the text a channel shows, already in
the user's language; several announcements of one drain may collapse into one notice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.domain.models import DeliveryEstimate
from app.domain.status import Status, SubStatus, parse_status, parse_sub_status

__all__ = ["Announcement", "Notice", "NoticeKind"]


class NoticeKind(StrEnum):
    """The kinds a user can switch on and off (notification preferences)."""

    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    PROBLEM = "problem"
    ETA_MOVED = "eta_moved"
    STALLED = "stalled"


def _estimate_json(estimate: DeliveryEstimate | None) -> dict[str, str | None] | None:
    if estimate is None:
        return None
    return {
        "day": estimate.day.isoformat(),
        "latest_day": estimate.latest_day.isoformat() if estimate.latest_day else None,
        "window_start": estimate.window_start.isoformat() if estimate.window_start else None,
        "window_end": estimate.window_end.isoformat() if estimate.window_end else None,
    }


def _estimate_from(data: object) -> DeliveryEstimate | None:
    if not isinstance(data, dict) or not data.get("day"):
        return None
    return DeliveryEstimate(
        day=date.fromisoformat(data["day"]),
        latest_day=date.fromisoformat(data["latest_day"]) if data.get("latest_day") else None,
        window_start=(
            datetime.fromisoformat(data["window_start"]) if data.get("window_start") else None
        ),
        window_end=datetime.fromisoformat(data["window_end"]) if data.get("window_end") else None,
    )


@dataclass(frozen=True, slots=True)
class Announcement:
    change_key: str  # unique per change: the outbox's exactly-once key
    parcel_id: str
    parcel_name: str
    kind: NoticeKind
    status: Status
    sub_status: SubStatus | None = None
    estimate: DeliveryEstimate | None = None
    previous_estimate: DeliveryEstimate | None = None
    detail: str | None = None  # e.g. who signed, where it was left, the pickup point
    stalled_days: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "change_key": self.change_key,
                "parcel_id": self.parcel_id,
                "parcel_name": self.parcel_name,
                "kind": self.kind.value,
                "status": self.status.value,
                "sub_status": self.sub_status.value if self.sub_status else None,
                "estimate": _estimate_json(self.estimate),
                "previous_estimate": _estimate_json(self.previous_estimate),
                "detail": self.detail,
                "stalled_days": self.stalled_days,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Announcement:
        return cls.from_payload(json.loads(text))

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Announcement:
        """From the outbox's payload (the parsed `to_json()`)."""
        return cls(
            change_key=str(data["change_key"]),
            parcel_id=str(data["parcel_id"]),
            parcel_name=str(data["parcel_name"]),
            kind=NoticeKind(data["kind"]),
            status=parse_status(data.get("status")),
            sub_status=parse_sub_status(data.get("sub_status")),
            estimate=_estimate_from(data.get("estimate")),
            previous_estimate=_estimate_from(data.get("previous_estimate")),
            detail=data.get("detail"),
            stalled_days=data.get("stalled_days"),
        )


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    body: str
    route: str  # where a tap leads: "/parcels/<id>" or "/" for a burst
    change_keys: tuple[str, ...]
    urgent: bool = False
