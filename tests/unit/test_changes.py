"""Change detection: what the user hears about, each change with a stable key."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from app.domain.changes import Change, ChangeKind, detect_changes
from app.domain.models import DeliveryEstimate, Source, TrackingEvent
from app.domain.state import ParcelState, derive_state
from app.domain.status import Status, SubStatus

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NAMES = {Source.CARRIER: "dhl", Source.AGGREGATOR: "17track", Source.MERCHANT: "Shop"}


def ev(
    hours: float,
    status: Status = Status.IN_TRANSIT,
    *,
    source: Source = Source.CARRIER,
    sub: SubStatus | None = None,
    code: str | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=T0 + timedelta(hours=hours),
        status=status,
        description=status.value,
        sub_status=sub,
        carrier_code=code,
        source=source,
        source_name=NAMES[source],
    )


def state(*events: TrackingEvent, now_hours: float | None = None) -> ParcelState:
    latest = max((e.occurred_at for e in events), default=T0)
    now = T0 + timedelta(hours=now_hours) if now_hours is not None else latest
    return derive_state(events, now=now, carrier="dhl")


def changes(
    before: ParcelState | None,
    after: ParcelState,
    before_estimate: DeliveryEstimate | None = None,
    after_estimate: DeliveryEstimate | None = None,
) -> tuple[Change, ...]:
    return detect_changes(
        before, after, before_estimate=before_estimate, after_estimate=after_estimate
    )


def kinds(found: tuple[Change, ...]) -> list[tuple[ChangeKind, Status]]:
    return [(c.kind, c.status) for c in found]


LABEL = ev(0, Status.INFO_RECEIVED)
PICKED_UP = ev(2)
HUB = ev(10)
OUT = ev(24, Status.OUT_FOR_DELIVERY)
DELIVERED = ev(27, Status.DELIVERED)


def test_nothing_changed_nothing_announced() -> None:
    current = state(LABEL, PICKED_UP, HUB)
    eta = DeliveryEstimate(day=date(2026, 11, 21))

    assert changes(current, current, eta, eta) == ()


def test_first_sync_of_a_delivered_parcel_is_one_status_change() -> None:
    after = state(LABEL, PICKED_UP, HUB, OUT, DELIVERED)

    (change,) = changes(None, after)

    assert change.kind is ChangeKind.STATUS_CHANGED
    assert change.status is Status.DELIVERED
    assert change.previous_status is None
    assert change.key == f"status:delivered@{DELIVERED.identity}"
    assert not change.problem


def test_first_sync_before_pickup_announces_nothing() -> None:
    assert changes(None, state(LABEL)) == ()


def test_the_first_movement_is_announced_as_shipped() -> None:
    (change,) = changes(state(LABEL), state(LABEL, PICKED_UP))

    assert (change.kind, change.status, change.previous_status) == (
        ChangeKind.STATUS_CHANGED,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    )
    assert change.event == PICKED_UP


def test_later_hub_scans_are_routine() -> None:
    assert changes(state(LABEL, PICKED_UP), state(LABEL, PICKED_UP, HUB)) == ()


def test_each_milestone_is_announced_with_its_event() -> None:
    to_out = changes(state(LABEL, PICKED_UP, HUB), state(LABEL, PICKED_UP, HUB, OUT))
    to_delivered = changes(state(PICKED_UP, OUT), state(PICKED_UP, OUT, DELIVERED))

    assert [c.key for c in to_out] == [f"status:out_for_delivery@{OUT.identity}"]
    assert [c.key for c in to_delivered] == [f"status:delivered@{DELIVERED.identity}"]


def test_a_failed_attempt_is_a_loud_status_change_not_also_a_new_problem() -> None:
    failed = ev(26, Status.FAILED_ATTEMPT, sub=SubStatus.RECIPIENT_ABSENT)

    (change,) = changes(state(HUB, OUT), state(HUB, OUT, failed))

    assert change.kind is ChangeKind.STATUS_CHANGED
    assert change.status is Status.FAILED_ATTEMPT
    assert change.sub_status is SubStatus.RECIPIENT_ABSENT
    assert change.problem


def test_a_second_failed_attempt_the_next_day_is_announced_again() -> None:
    first = ev(26, Status.FAILED_ATTEMPT, code="NA")
    second = ev(50, Status.FAILED_ATTEMPT, code="NA")

    found = changes(state(OUT, first), state(OUT, first, second))

    assert [c.key for c in found] == [f"status:failed_attempt@{second.identity}"]


def test_another_source_reporting_the_same_attempt_is_not_news() -> None:
    carrier = ev(26, Status.FAILED_ATTEMPT)
    aggregator = ev(26.02, Status.FAILED_ATTEMPT, source=Source.AGGREGATOR)
    aggregator_first = state(OUT, aggregator)
    both = state(OUT, carrier, aggregator)

    assert changes(state(OUT, carrier), both) == ()
    # The carrier's copy arriving later takes the lead of the same scan: still not news.
    assert (aggregator_first.last_event, both.last_event) == (aggregator, carrier)
    assert changes(aggregator_first, both) == ()


def test_nothing_more_after_delivery_unless_the_parcel_changes_again() -> None:
    delivered = state(OUT, DELIVERED)
    copy = ev(27.01, Status.DELIVERED, source=Source.AGGREGATOR)
    moved = DeliveryEstimate(day=date(2026, 11, 25))

    assert changes(delivered, state(OUT, DELIVERED, copy, now_hours=24 * 9)) == ()
    assert changes(delivered, delivered, DeliveryEstimate(day=date(2026, 11, 21)), moved) == ()


def test_delivered_then_returning_is_announced() -> None:
    returning = ev(48, Status.RETURNING)

    (change,) = changes(state(OUT, DELIVERED), state(OUT, DELIVERED, returning))

    assert (change.status, change.previous_status) == (Status.RETURNING, Status.DELIVERED)
    assert change.problem


def test_eta_moved_later_carries_both_values() -> None:
    current = state(PICKED_UP, HUB)
    old = DeliveryEstimate(day=date(2026, 11, 21))
    new = DeliveryEstimate(day=date(2026, 11, 23))

    (change,) = changes(current, current, old, new)

    assert change.kind is ChangeKind.ETA_MOVED
    assert (change.previous_estimate, change.estimate) == (old, new)
    assert change.eta_later is True
    assert change.problem
    assert change.key == f"eta:2026-11-23@{HUB.identity}"


def test_eta_moved_earlier_is_calm() -> None:
    current = state(PICKED_UP, HUB)
    old = DeliveryEstimate(day=date(2026, 11, 23))
    new = DeliveryEstimate(day=date(2026, 11, 21))

    (change,) = changes(current, current, old, new)

    assert change.eta_later is False
    assert not change.problem


def test_a_later_window_on_the_same_day_is_a_move() -> None:
    current = state(OUT)
    day = date(2026, 11, 21)
    morning = DeliveryEstimate(
        day=day,
        window_start=datetime(2026, 11, 21, 9, tzinfo=UTC),
        window_end=datetime(2026, 11, 21, 11, tzinfo=UTC),
    )
    afternoon = DeliveryEstimate(
        day=day,
        window_start=datetime(2026, 11, 21, 14, tzinfo=UTC),
        window_end=datetime(2026, 11, 21, 16, tzinfo=UTC),
    )

    (change,) = changes(current, current, morning, afternoon)

    assert change.eta_later is True
    assert "2026-11-21T16:00:00+00:00" in change.key


def test_a_window_appearing_on_the_same_day_refines_rather_than_moves() -> None:
    current = state(OUT)
    day = DeliveryEstimate(day=date(2026, 11, 21))
    window = DeliveryEstimate(
        day=date(2026, 11, 21),
        window_start=datetime(2026, 11, 21, 9, tzinfo=UTC),
        window_end=datetime(2026, 11, 21, 11, tzinfo=UTC),
    )

    assert changes(current, current, day, window) == ()


def test_a_range_narrowing_to_its_first_day_moves_earlier() -> None:
    current = state(HUB)
    span = DeliveryEstimate(day=date(2026, 11, 21), latest_day=date(2026, 11, 23))
    first_day = DeliveryEstimate(day=date(2026, 11, 21))

    (change,) = changes(current, current, span, first_day)

    assert change.eta_later is False


def test_a_first_estimate_is_not_a_move() -> None:
    current = state(HUB)

    assert changes(current, current, None, DeliveryEstimate(day=date(2026, 11, 21))) == ()


def test_a_problem_sub_status_without_a_status_change_is_a_new_problem() -> None:
    delayed = ev(12, sub=SubStatus.DELAYED)

    (change,) = changes(state(PICKED_UP, HUB), state(PICKED_UP, HUB, delayed))

    assert change.kind is ChangeKind.NEW_PROBLEM
    assert change.sub_status is SubStatus.DELAYED
    assert change.problem
    assert change.key == f"problem:delayed@{delayed.identity}"


def test_a_problem_already_known_is_not_new() -> None:
    delayed = ev(12, sub=SubStatus.DELAYED)
    still = ev(20, sub=SubStatus.DELAYED)

    assert changes(state(delayed), state(delayed, still)) == ()


def test_another_problem_on_top_is_new() -> None:
    customs = ev(12, Status.EXCEPTION, sub=SubStatus.DELAYED)
    damaged = ev(20, Status.EXCEPTION, sub=SubStatus.DAMAGED)

    (change,) = changes(state(customs), state(customs, damaged))

    assert change.kind is ChangeKind.NEW_PROBLEM
    assert change.key == f"problem:damaged@{damaged.identity}"


def test_becoming_stalled_is_announced_once() -> None:
    quiet = state(PICKED_UP, HUB, now_hours=20)
    stalled = state(PICKED_UP, HUB, now_hours=10 + 72)
    still_stalled = state(PICKED_UP, HUB, now_hours=10 + 96)

    (change,) = changes(quiet, stalled)

    assert change.kind is ChangeKind.STALLED
    assert change.key == f"stalled@{HUB.identity}"
    assert changes(stalled, still_stalled) == ()


def test_awaiting_handover_is_announced_once_and_is_not_a_stall() -> None:
    fresh = state(LABEL, now_hours=1)
    waiting = state(LABEL, now_hours=5 * 24)

    (change,) = changes(fresh, waiting)

    assert change.kind is ChangeKind.AWAITING_HANDOVER
    assert not change.problem
    assert changes(waiting, waiting) == ()


def test_expiry_is_announced() -> None:
    (change,) = changes(state(HUB, now_hours=20), state(HUB, now_hours=10 + 30 * 24))

    assert change.status is Status.EXPIRED
    assert change.key == f"status:expired@{HUB.identity}"


def test_detecting_the_same_change_twice_gives_the_same_keys() -> None:
    before = state(PICKED_UP, HUB)
    after = state(PICKED_UP, HUB, ev(20, Status.EXCEPTION, sub=SubStatus.LOST), now_hours=120)
    old, new = DeliveryEstimate(day=date(2026, 11, 21)), DeliveryEstimate(day=date(2026, 11, 24))

    first = changes(before, after, old, new)
    second = changes(before, after, old, new)

    assert [c.kind for c in first] == [
        ChangeKind.STATUS_CHANGED,
        ChangeKind.ETA_MOVED,
        ChangeKind.STALLED,
    ]
    assert [c.key for c in first] == [c.key for c in second]
    assert len({c.key for c in first}) == len(first)


def test_a_first_sync_in_transit_with_a_delay_is_one_loud_change() -> None:
    found = changes(None, state(LABEL, ev(5, sub=SubStatus.DELAYED)))

    assert kinds(found) == [(ChangeKind.STATUS_CHANGED, Status.IN_TRANSIT)]
    assert found[0].problem


def test_keys_are_scoped_by_parcel_when_given() -> None:
    after = state(LABEL, PICKED_UP, HUB, OUT, DELIVERED)

    (first,) = detect_changes(
        None, after, before_estimate=None, after_estimate=None, parcel_id="p-1"
    )
    (second,) = detect_changes(
        None, after, before_estimate=None, after_estimate=None, parcel_id="p-2"
    )

    assert first.key == f"p-1:status:delivered@{DELIVERED.identity}"
    assert first.key != second.key


def test_the_payload_is_json_and_says_what_changed() -> None:
    current = state(PICKED_UP, HUB)
    old = DeliveryEstimate(day=date(2026, 11, 21))
    new = DeliveryEstimate(
        day=date(2026, 11, 23),
        window_start=datetime(2026, 11, 23, 10, tzinfo=UTC),
        window_end=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )

    (change,) = changes(current, current, old, new)
    payload = json.loads(json.dumps(change.payload))

    assert payload["status"] == "in_transit"
    assert payload["event_identity"] == HUB.identity
    assert payload["eta_later"] is True
    assert payload["previous_estimate"]["day"] == "2026-11-21"
    assert payload["estimate"]["window_end"] == "2026-11-23T12:00:00+00:00"


def test_only_eta_moves_say_which_way_the_eta_went() -> None:
    eta = DeliveryEstimate(day=date(2026, 11, 21))

    (change,) = changes(state(LABEL), state(LABEL, PICKED_UP), eta, eta)

    assert change.kind is ChangeKind.STATUS_CHANGED
    assert change.eta_later is None
