"""The status-driven refresh schedule."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.models import DeliveryEstimate, Parcel
from app.domain.status import Status
from app.sync.schedule import PollPolicy, next_check_at

NOON = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
NO_JITTER = PollPolicy(jitter=0.0)


def _parcel(status: Status, **fields: object) -> Parcel:
    base: dict[str, object] = {
        "id": "p1",
        "tracking_number": "00340434123456789012",
        "carrier": "dhl",
        "status": status,
        "last_checked_at": NOON,
        "last_event_at": NOON - timedelta(hours=3),
        "created_at": NOON - timedelta(days=1),
    }
    base.update(fields)
    return Parcel(**base)  # type: ignore[arg-type]


def _wait(parcel: Parcel, now: datetime = NOON) -> timedelta | None:
    due = next_check_at(parcel, now=now, policy=NO_JITTER)
    return None if due is None else due - parcel.last_checked_at  # type: ignore[operator]


@pytest.mark.parametrize("status", [Status.DELIVERED, Status.RETURNED, Status.EXPIRED])
def test_terminal_parcels_are_never_polled(status: Status) -> None:
    assert next_check_at(_parcel(status), now=NOON) is None


def test_archived_parcels_are_never_polled() -> None:
    assert next_check_at(_parcel(Status.IN_TRANSIT, archived=True), now=NOON) is None


def test_out_for_delivery_is_polled_often_even_at_night() -> None:
    assert _wait(_parcel(Status.OUT_FOR_DELIVERY)) == timedelta(minutes=12)
    late = NOON.replace(hour=21, minute=55)  # 22:55 in Berlin: quiet hours
    parcel = _parcel(Status.OUT_FOR_DELIVERY, last_checked_at=late)
    assert next_check_at(parcel, now=late, policy=NO_JITTER) == late + timedelta(minutes=12)


MORNING = NOON.replace(hour=7)  # 08:00 in Berlin: inside the 06:00–11:00 delivery window


def test_the_delivery_window_is_polled_often_when_delivery_is_near() -> None:
    today = DeliveryEstimate(day=date(2026, 11, 24))
    tomorrow = DeliveryEstimate(day=date(2026, 11, 25))
    later = DeliveryEstimate(day=date(2026, 11, 27))
    for estimate in (today, tomorrow):  # ETAs are often a day conservative
        parcel = _parcel(Status.IN_TRANSIT, estimate=estimate, last_checked_at=MORNING)
        assert _wait(parcel, MORNING) == timedelta(minutes=12)
    failed = _parcel(Status.FAILED_ATTEMPT, estimate=tomorrow, last_checked_at=MORNING)
    assert _wait(failed, MORNING) == timedelta(minutes=12)
    far = _parcel(Status.IN_TRANSIT, estimate=later, last_checked_at=MORNING)
    assert _wait(far, MORNING) == timedelta(hours=4)


def test_without_eta_the_window_opens_the_day_after_adding() -> None:
    added_yesterday = _parcel(Status.IN_TRANSIT, last_checked_at=MORNING)
    added_today = _parcel(
        Status.IN_TRANSIT, last_checked_at=MORNING, created_at=MORNING - timedelta(hours=1)
    )
    assert _wait(added_yesterday, MORNING) == timedelta(minutes=12)
    assert _wait(added_today, MORNING) == timedelta(hours=4)


def test_a_past_eta_counts_as_none() -> None:
    past = DeliveryEstimate(day=date(2026, 11, 20))
    parcel = _parcel(Status.IN_TRANSIT, estimate=past, created_at=NOON - timedelta(days=5))
    assert _wait(parcel) == timedelta(hours=4)


def test_returning_is_polled_seldom() -> None:
    assert _wait(_parcel(Status.RETURNING)) == timedelta(hours=6)


def test_eta_today_outside_the_window_and_long_transit() -> None:
    today = DeliveryEstimate(day=date(2026, 11, 24))
    tomorrow = DeliveryEstimate(day=date(2026, 11, 25))
    assert _wait(_parcel(Status.IN_TRANSIT, estimate=today)) == timedelta(hours=1)
    assert _wait(_parcel(Status.IN_TRANSIT, estimate=tomorrow)) == timedelta(hours=4)
    assert _wait(_parcel(Status.IN_TRANSIT)) == timedelta(hours=4)
    stale = _parcel(Status.IN_TRANSIT, last_event_at=NOON - timedelta(days=3))
    assert _wait(stale) == timedelta(hours=8)


def test_problem_and_pickup_intervals() -> None:
    assert _wait(_parcel(Status.FAILED_ATTEMPT)) == timedelta(hours=1)
    assert _wait(_parcel(Status.AVAILABLE_FOR_PICKUP)) == timedelta(hours=6)


def test_label_without_handover_slows_down_after_three_days() -> None:
    fresh = _parcel(Status.INFO_RECEIVED)
    morning = NOON.replace(hour=6)  # 07:00 Berlin, so +12 h ends before quiet hours
    old = _parcel(
        Status.INFO_RECEIVED, created_at=NOON - timedelta(days=4), last_checked_at=morning
    )
    assert _wait(fresh) == timedelta(hours=6)
    assert _wait(old, morning) == timedelta(hours=12)


def test_quiet_hours_move_routine_checks_to_the_morning() -> None:
    evening = NOON.replace(hour=19)  # 20:00 Berlin; +4 h lands at midnight
    due = next_check_at(
        _parcel(Status.IN_TRANSIT, last_checked_at=evening), now=evening, policy=NO_JITTER
    )
    assert due == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 06:00 Berlin


def test_jitter_stays_within_ten_percent_and_varies() -> None:
    rng = random.Random(3)
    waits = {
        next_check_at(_parcel(Status.IN_TRANSIT), now=NOON, rng=rng) - NOON  # type: ignore[operator]
        for _ in range(50)
    }
    assert len(waits) > 40
    assert all(timedelta(hours=3.6) <= w <= timedelta(hours=4.4) for w in waits)


def test_never_checked_parcel_is_due_now() -> None:
    parcel = _parcel(Status.INFO_RECEIVED, last_checked_at=None)
    due = next_check_at(parcel, now=NOON, policy=NO_JITTER)
    assert due == NOON
