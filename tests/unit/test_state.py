"""The current state: latest scan by time, stalled, awaiting handover, expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.models import Location, Source, TrackingEvent
from app.domain.stall import Silence, assess_silence
from app.domain.state import derive_state
from app.domain.status import Status, SubStatus

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NAMES = {Source.CARRIER: "dhl", Source.AGGREGATOR: "17track", Source.MERCHANT: "Shop"}


def ev(
    hours: float,
    status: Status = Status.IN_TRANSIT,
    text: str = "Unterwegs",
    *,
    source: Source = Source.CARRIER,
    city: str | None = None,
    sub: SubStatus | None = None,
    code: str | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=T0 + timedelta(hours=hours),
        status=status,
        description=text,
        sub_status=sub,
        carrier_code=code,
        location=Location(city=city),
        source=source,
        source_name=NAMES[source],
    )


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_the_latest_event_by_time_decides() -> None:
    events = [ev(5, Status.OUT_FOR_DELIVERY), ev(0, Status.INFO_RECEIVED), ev(2)]

    state = derive_state(events, now=at(6), carrier="dhl")

    assert state.status is Status.OUT_FOR_DELIVERY
    assert state.last_event == events[0]
    assert state.last_event_at == at(5)


def test_a_late_older_event_does_not_change_the_current_status() -> None:
    known = [ev(0, Status.INFO_RECEIVED), ev(10, Status.DELIVERED, "Zugestellt")]
    before = derive_state(known, now=at(11), carrier="dhl")

    after = derive_state([*known, ev(5, Status.OUT_FOR_DELIVERY)], now=at(11), carrier="dhl")

    assert after == before


def test_equal_timestamps_are_broken_by_lifecycle_stage() -> None:
    events = [ev(3, Status.DELIVERED, code="DL"), ev(3, Status.OUT_FOR_DELIVERY, code="OD")]

    assert derive_state(events, now=at(4), carrier="dhl").status is Status.DELIVERED


def test_delivered_can_turn_into_returning() -> None:
    events = [ev(3, Status.DELIVERED, code="DL"), ev(30, Status.RETURNING, code="RT")]

    state = derive_state(events, now=at(31), carrier="dhl")

    assert state.status is Status.RETURNING
    assert not state.is_terminal
    assert state.is_problem


def test_returning_wins_over_delivered_at_the_same_instant() -> None:
    events = [ev(3, Status.RETURNING, code="RT"), ev(3, Status.DELIVERED, code="DL")]

    assert derive_state(events, now=at(4), carrier="dhl").status is Status.RETURNING


def test_the_carrier_event_leads_when_an_aggregator_reports_the_same_instant() -> None:
    carrier = ev(3, Status.DELIVERED, "Zugestellt")
    aggregator = ev(3, Status.DELIVERED, "Delivered", source=Source.AGGREGATOR)

    state = derive_state([aggregator, carrier], now=at(4), carrier="dhl")

    assert state.last_event == carrier


def test_an_aggregator_copy_a_minute_later_does_not_take_over_the_scan() -> None:
    carrier = ev(3, Status.IN_TRANSIT, "Ankunft im Zustellstützpunkt")
    aggregator = ev(3.01, Status.OUT_FOR_DELIVERY, "Out for delivery", source=Source.AGGREGATOR)

    state = derive_state([carrier, aggregator], now=at(4), carrier="dhl")

    assert state.status is Status.IN_TRANSIT  # the same scan, read by the carrier
    assert state.last_event == carrier


def test_the_location_is_the_latest_event_that_named_one() -> None:
    events = [ev(0, city="Leipzig"), ev(2, city="Berlin"), ev(4, Status.OUT_FOR_DELIVERY)]

    state = derive_state(events, now=at(5), carrier="dhl")

    assert state.location == Location(city="Berlin")


def test_no_events_is_pending_or_the_carrier_hint() -> None:
    assert derive_state([], now=at(0), carrier="dhl").status is Status.PENDING
    hinted = derive_state([], now=at(0), carrier="dhl", status_hint=Status.INFO_RECEIVED)
    assert hinted.status is Status.INFO_RECEIVED
    assert hinted.last_event is None
    assert hinted.location is None


def test_a_merchant_claim_does_not_override_the_carrier() -> None:
    events = [ev(0, Status.INFO_RECEIVED), ev(5, Status.IN_TRANSIT, source=Source.MERCHANT)]

    assert derive_state(events, now=at(6), carrier="dhl").status is Status.INFO_RECEIVED


def test_a_merchant_claim_decides_while_no_carrier_reported_anything() -> None:
    events = [ev(5, Status.IN_TRANSIT, "Versandt", source=Source.MERCHANT)]

    assert derive_state(events, now=at(6), carrier="dhl").status is Status.IN_TRANSIT


@pytest.mark.parametrize(
    ("carrier", "days"),
    [("dhl", 3), ("hermes", 3), ("dpd", 3), ("GLS", 3), ("ups", 5), ("usps", 7), ("royalmail", 7)],
)
def test_stalled_after_the_carriers_usual_silence(carrier: str, days: int) -> None:
    events = [ev(0, Status.IN_TRANSIT)]

    just_before = derive_state(events, now=at(days * 24 - 1), carrier=carrier)
    on_time = derive_state(events, now=at(days * 24), carrier=carrier)

    assert not just_before.stalled
    assert on_time.stalled


def test_an_unknown_carrier_gets_the_patient_threshold() -> None:
    events = [ev(0, Status.IN_TRANSIT)]

    assert not derive_state(events, now=at(6 * 24), carrier="somewhere").stalled
    assert derive_state(events, now=at(7 * 24), carrier="somewhere").stalled


def test_out_for_delivery_stalls_after_a_day() -> None:
    events = [ev(0, Status.OUT_FOR_DELIVERY)]

    assert not derive_state(events, now=at(23), carrier="usps").stalled
    assert derive_state(events, now=at(24), carrier="usps").stalled


@pytest.mark.parametrize("status", [Status.DELIVERED, Status.RETURNED, Status.AVAILABLE_FOR_PICKUP])
def test_never_stalled_when_nothing_is_expected_from_the_carrier(status: Status) -> None:
    state = derive_state([ev(0, status)], now=at(10 * 24), carrier="dhl")

    assert not state.stalled
    assert not state.expired


def test_a_label_never_handed_over_is_awaiting_handover_not_stalled() -> None:
    events = [ev(0, Status.INFO_RECEIVED, "Angekündigt")]

    early = derive_state(events, now=at(4 * 24), carrier="dhl")
    late = derive_state(events, now=at(5 * 24), carrier="dhl")

    assert not early.awaiting_handover
    assert late.awaiting_handover
    assert not late.stalled
    assert late.status is Status.INFO_RECEIVED


def test_a_carrier_saying_not_handed_over_is_awaiting_handover_at_once() -> None:
    events = [ev(0, Status.INFO_RECEIVED, sub=SubStatus.NOT_HANDED_OVER)]

    assert derive_state(events, now=at(1), carrier="dhl").awaiting_handover


def test_no_data_at_all_expires_after_thirty_days() -> None:
    fresh = derive_state([], now=at(29 * 24), carrier="dhl", tracked_since=at(0))
    old = derive_state([], now=at(30 * 24), carrier="dhl", tracked_since=at(0))

    assert fresh.status is Status.PENDING
    assert fresh.awaiting_handover
    assert old.expired
    assert old.status is Status.EXPIRED
    assert not old.awaiting_handover


def test_thirty_silent_days_in_transit_expire_and_stop_counting_as_stalled() -> None:
    state = derive_state([ev(0)], now=at(30 * 24), carrier="dhl")

    assert state.expired
    assert state.status is Status.EXPIRED
    assert state.is_terminal
    assert not state.stalled


def test_a_new_scan_revives_an_expired_parcel() -> None:
    events = [ev(0), ev(40 * 24, Status.OUT_FOR_DELIVERY)]

    state = derive_state(events, now=at(40 * 24 + 1), carrier="dhl")

    assert state.status is Status.OUT_FOR_DELIVERY
    assert not state.expired


def test_the_order_of_events_does_not_matter() -> None:
    events = [
        ev(0, Status.INFO_RECEIVED),
        ev(3, Status.IN_TRANSIT, city="Hub"),
        ev(3, Status.IN_TRANSIT, "In transit", source=Source.AGGREGATOR),
        ev(9, Status.FAILED_ATTEMPT, sub=SubStatus.RECIPIENT_ABSENT),
    ]

    forward = derive_state(events, now=at(10), carrier="dhl")

    assert derive_state(list(reversed(events)), now=at(10), carrier="dhl") == forward
    assert forward.status is Status.FAILED_ATTEMPT
    assert forward.sub_status is SubStatus.RECIPIENT_ABSENT


def test_a_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        derive_state([], now=datetime(2026, 11, 20, 9, 0), carrier="dhl")


def test_silence_can_be_judged_from_a_stored_parcel_without_events() -> None:
    def judge(status: Status, days: float) -> Silence:
        return assess_silence(
            carrier="hermes", status=status, sub_status=None, since=at(0), now=at(days * 24)
        )

    assert judge(Status.IN_TRANSIT, 3) == Silence(stalled=True)
    assert judge(Status.IN_TRANSIT, 2) == Silence()
    assert judge(Status.INFO_RECEIVED, 6) == Silence(awaiting_handover=True)
    assert judge(Status.DELIVERED, 60) == Silence()
    assert judge(Status.EXCEPTION, 30) == Silence(expired=True)
    assert (
        assess_silence(carrier="dhl", status=Status.PENDING, sub_status=None, since=None, now=at(0))
        == Silence()
    )
