"""When to ask a carrier about a parcel next: status-driven, ETA-aware, never for finished ones.

Intervals, and why (tests/bench/polling_efficiency.py measures them against a blind 15-min poll):
- out for delivery: 12 min. The next event is the delivery itself, hours away at most, and it
  is the one users wait for; this finds it about as fast as a 15-min poll, on one day only.
- the delivery window (06:00–11:00 local) of a parcel in transit (or after a failed attempt)
  whose ETA is today or tomorrow: 12 min. "Out for delivery" is scanned in the morning, and
  carriers' ETAs are often a day conservative, so the window also covers the day before.
  A parcel without any ETA gets the window on the day after it was added.
- ETA today outside the window: 1 h; ETA tomorrow: 4 h. Enough to notice an ETA moving.
- a problem (failed attempt, exception): 1 h. Something is happening.
- returning to the sender: 6 h. Nothing the user waits for.
- ready for pickup: 6 h. The parcel waits for the user, not the other way round.
- in transit: 4 h; long transit (no scan for 2 days): 8 h. Hub scans change no decision.
- label created / waiting for data: 6 h; after 3 days without a handover: 12 h.
- delivered, returned, expired: never, unless the user asks.
An ETA in the past says nothing about today and counts as none. Quiet hours (22:00–06:00
local) push routine checks to the morning; only a parcel out for delivery keeps its pace.
A ±10 % jitter spreads parcels so they don't fire together. A parcel with no data at all for
`EXPIRE_AFTER` is marked expired by the engine. Where a carrier answers several numbers per
request (FedEx, GLS, Hermes, 17TRACK), the engine fills a batch that goes out anyway with
parcels that have at most half their interval left (`RIDE_ALONG_SHARE`): seen earlier, at no
extra call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.models import Parcel
from app.domain.status import PROBLEMS, TERMINAL, Status

__all__ = ["EXPIRE_AFTER", "PollPolicy", "next_check_at"]

EXPIRE_AFTER = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    out_for_delivery: timedelta = timedelta(minutes=12)
    delivery_window: timedelta = timedelta(minutes=12)
    delivery_window_from: time = time(6, 0)
    delivery_window_to: time = time(11, 0)
    eta_today: timedelta = timedelta(hours=1)
    eta_tomorrow: timedelta = timedelta(hours=4)
    problem: timedelta = timedelta(hours=1)
    returning: timedelta = timedelta(hours=6)
    pickup: timedelta = timedelta(hours=6)
    in_transit: timedelta = timedelta(hours=4)
    long_transit: timedelta = timedelta(hours=8)
    long_transit_after: timedelta = timedelta(days=2)
    pre_transit: timedelta = timedelta(hours=6)
    awaiting_handover: timedelta = timedelta(hours=12)
    awaiting_handover_after: timedelta = timedelta(days=3)
    day_starts: time = time(6, 0)
    quiet_from: time = time(22, 0)
    jitter: float = 0.10


def _in_window(local: datetime, policy: PollPolicy) -> bool:
    return policy.delivery_window_from <= local.time() < policy.delivery_window_to


def _interval(parcel: Parcel, now: datetime, local: datetime, policy: PollPolicy) -> timedelta:
    status = parcel.status
    today = local.date()
    if status is Status.OUT_FOR_DELIVERY:
        return policy.out_for_delivery
    if status is Status.RETURNING:
        return policy.returning
    eta = parcel.estimate.day if parcel.estimate else None
    if eta is not None and eta < today:
        eta = None  # a past ETA says nothing about today
    awaiting_delivery = status in (Status.IN_TRANSIT, Status.FAILED_ATTEMPT)
    if awaiting_delivery and _in_window(local, policy):
        if eta is not None and eta <= today + timedelta(days=1):
            return policy.delivery_window
        added = (parcel.created_at or now).astimezone(local.tzinfo).date()
        if eta is None and status is Status.IN_TRANSIT and today - added == timedelta(days=1):
            return policy.delivery_window
    if status in PROBLEMS:
        return policy.problem
    if status is Status.AVAILABLE_FOR_PICKUP:
        return policy.pickup
    if eta is not None and eta == today and status is Status.IN_TRANSIT:
        return policy.eta_today
    if eta is not None and eta == today + timedelta(days=1):
        return policy.eta_tomorrow
    if status in (Status.PENDING, Status.INFO_RECEIVED, Status.UNKNOWN):
        since = parcel.created_at or now
        if now - since > policy.awaiting_handover_after:
            return policy.awaiting_handover
        return policy.pre_transit
    last_scan = parcel.last_event_at or parcel.created_at or now
    if now - last_scan > policy.long_transit_after:
        return policy.long_transit
    return policy.in_transit


def next_check_at(
    parcel: Parcel,
    *,
    now: datetime,
    zone: str = "Europe/Berlin",
    policy: PollPolicy | None = None,
    rng: random.Random | None = None,
) -> datetime | None:
    """The next moment to fetch `parcel`, or None if it needs no more fetching."""
    policy = policy or PollPolicy()
    if parcel.archived or parcel.status in TERMINAL:
        return None
    local_now = now.astimezone(ZoneInfo(zone))
    interval = _interval(parcel, now, local_now, policy)
    spread = (rng or random.Random()).uniform(-policy.jitter, policy.jitter)  # noqa: S311
    base = parcel.last_checked_at or now - interval
    due = base + interval * (1 + spread)
    if parcel.status is Status.OUT_FOR_DELIVERY:
        return due
    return _outside_quiet_hours(due, zone, policy)


def _outside_quiet_hours(moment: datetime, zone: str, policy: PollPolicy) -> datetime:
    local = moment.astimezone(ZoneInfo(zone))
    if policy.day_starts <= local.time() < policy.quiet_from:
        return moment
    morning_day = local.date() if local.time() < policy.day_starts else local.date() + timedelta(1)
    morning = datetime.combine(morning_day, policy.day_starts, tzinfo=ZoneInfo(zone))
    return morning.astimezone(moment.tzinfo)
