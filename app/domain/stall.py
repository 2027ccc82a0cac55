"""How long silence is normal: stalled, awaiting handover and expired parcels.

Calendar days, not working days: carriers scan on Saturdays, and a threshold that reads "3 days"
must mean the same to the user as to the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.models import ensure_utc
from app.domain.status import TERMINAL, Status, SubStatus

__all__ = [
    "DEFAULT_STALL_DAYS",
    "EXPIRY_DAYS",
    "HANDOVER_DAYS",
    "OUT_FOR_DELIVERY_STALL",
    "STALL_DAYS",
    "Silence",
    "assess_silence",
    "stall_threshold",
]

# German domestic networks scan at every hub and deliver within one or two days; three days
# without a scan covers a weekend (a Friday scan, the next on Monday) and is then unusual.
_DOMESTIC_DE = 3
# Express integrators scan at hubs only, and an international leg (a flight, customs) is often
# silent for several days.
_INTEGRATOR = 5
# Postal operators hand international mail from one post to another; a week without a scan
# is ordinary there.
_POSTAL = 7

STALL_DAYS: dict[str, int] = {
    "dhl": _DOMESTIC_DE,
    "hermes": _DOMESTIC_DE,
    "dpd": _DOMESTIC_DE,
    "gls": _DOMESTIC_DE,
    "postnl": _DOMESTIC_DE,
    "amazon": _DOMESTIC_DE,
    "ups": _INTEGRATOR,
    "fedex": _INTEGRATOR,
    "usps": _POSTAL,
    "royalmail": _POSTAL,
}
# Unknown carriers and aggregators (which may track anything, from anywhere) get the patient
# postal threshold rather than a false alarm.
DEFAULT_STALL_DAYS = _POSTAL

# A van goes out and comes back the same day: out for delivery with nothing since means the
# parcel neither arrived nor was reported as a failed attempt.
OUT_FOR_DELIVERY_STALL = timedelta(days=1)

# Shops hand parcels over within one to three working days of printing the label; a label that
# has not been scanned after five days means the seller has not handed the parcel over yet.
HANDOVER_DAYS = 5

# Carriers drop tracking data after weeks of silence; after 30 days with nothing new nothing
# more is expected, so the parcel is marked expired and no longer polled.
EXPIRY_DAYS = 30

_PRE_TRANSIT: frozenset[Status] = frozenset({Status.PENDING, Status.INFO_RECEIVED})
# Waiting for the user (at a pickup point) is not a stall, nor is anything before the pickup
# (that is awaiting handover) or after the end.
_NEVER_STALLED: frozenset[Status] = frozenset(
    {
        Status.PENDING,
        Status.INFO_RECEIVED,
        Status.AVAILABLE_FOR_PICKUP,
        Status.DELIVERED,
        Status.RETURNED,
        Status.EXPIRED,
    }
)


def stall_threshold(carrier: str, status: Status) -> timedelta | None:
    """How long `status` may go without a scan before the parcel counts as stalled; None: never."""
    if status in _NEVER_STALLED:
        return None
    if status is Status.OUT_FOR_DELIVERY:
        return OUT_FOR_DELIVERY_STALL
    days = STALL_DAYS.get(carrier.strip().lower(), DEFAULT_STALL_DAYS)
    return timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Silence:
    stalled: bool = False  # in motion, but no scan for longer than the carrier's usual gap
    awaiting_handover: bool = False  # a label exists, but the seller has not handed it over
    expired: bool = False  # nothing new for EXPIRY_DAYS; nothing more is expected


def assess_silence(
    *,
    carrier: str,
    status: Status,
    sub_status: SubStatus | None,
    since: datetime | None,
    now: datetime,
) -> Silence:
    """What the silence since `since` (the last scan, else when tracking began) means at `now`.

    Needs no events, so a stored parcel's status and last event time are enough.
    """
    quiet = ensure_utc(now) - ensure_utc(since) if since is not None else None

    def silent_for(limit: timedelta | None) -> bool:
        return limit is not None and quiet is not None and quiet >= limit

    if status not in TERMINAL and silent_for(timedelta(days=EXPIRY_DAYS)):
        return Silence(expired=True)
    awaiting = status in _PRE_TRANSIT and (
        sub_status is SubStatus.NOT_HANDED_OVER or silent_for(timedelta(days=HANDOVER_DAYS))
    )
    return Silence(
        stalled=silent_for(stall_threshold(carrier, status)),
        awaiting_handover=awaiting,
    )
