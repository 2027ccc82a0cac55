"""The merged timeline: one entry per scan, newest first, sources and conflicts visible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.models import Location, Source, TrackingEvent
from app.domain.status import Status, SubStatus
from app.domain.timeline import build_timeline

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NAMES = {Source.CARRIER: "dhl", Source.AGGREGATOR: "17track", Source.MERCHANT: "Shop"}


def ev(
    seconds: float,
    status: Status = Status.IN_TRANSIT,
    text: str = "Unterwegs",
    *,
    source: Source = Source.CARRIER,
    code: str | None = None,
    city: str | None = None,
    sub: SubStatus | None = None,
    fetched: float = 0,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=T0 + timedelta(seconds=seconds),
        status=status,
        description=text,
        sub_status=sub,
        carrier_code=code,
        location=Location(city=city),
        source=source,
        source_name=NAMES[source],
        observed_at=T0 + timedelta(days=1, hours=fetched),
    )


def test_entries_are_newest_first() -> None:
    events = [
        ev(0, Status.INFO_RECEIVED, "Angekündigt"),
        ev(3600 * 5, Status.OUT_FOR_DELIVERY, "In Zustellung"),
        ev(3600, Status.IN_TRANSIT, "Unterwegs"),
    ]

    timeline = build_timeline(events)

    assert [e.status for e in timeline] == [
        Status.OUT_FOR_DELIVERY,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]


def test_newest_first_and_oldest_first_feeds_give_the_same_timeline() -> None:
    feed = [
        ev(0, Status.INFO_RECEIVED, "Angekündigt"),
        ev(600, Status.IN_TRANSIT, "Angekündigt", source=Source.AGGREGATOR),
        ev(3600, text="Paketzentrum"),
        ev(3660, text="Hub", source=Source.AGGREGATOR),
        ev(7200, Status.DELIVERED, "Zugestellt"),
    ]

    assert build_timeline(feed) == build_timeline(list(reversed(feed)))


def test_a_late_event_lands_in_its_place() -> None:
    early, late = ev(0, text="Start"), ev(7200, Status.DELIVERED, "Zugestellt")
    delayed_arrival = ev(3600, Status.OUT_FOR_DELIVERY, "In Zustellung", fetched=5)

    timeline = build_timeline([early, late, delayed_arrival])

    assert [e.description for e in timeline] == ["Zugestellt", "In Zustellung", "Start"]


def test_the_same_scan_from_carrier_and_aggregator_is_one_entry() -> None:
    aggregator = ev(90, Status.DELIVERED, "Delivered", source=Source.AGGREGATOR, city="Berlin")
    carrier = ev(0, Status.DELIVERED, "Zugestellt an Nachbar")

    (entry,) = build_timeline([aggregator, carrier])

    assert entry.sources == (Source.CARRIER, Source.AGGREGATOR)
    assert entry.observations == (carrier, aggregator)
    assert entry.description == "Zugestellt an Nachbar"  # the carrier's words lead
    assert entry.occurred_at == carrier.occurred_at
    assert entry.location == Location(city="Berlin")  # only the aggregator named the place
    assert not entry.conflict


def test_scans_further_apart_than_the_tolerance_stay_separate() -> None:
    carrier = ev(0, Status.DELIVERED, "Zugestellt")
    aggregator = ev(121, Status.DELIVERED, "Delivered", source=Source.AGGREGATOR)

    assert len(build_timeline([carrier, aggregator])) == 2


def test_conflicting_statuses_for_one_scan_are_flagged_with_both_visible() -> None:
    carrier = ev(0, Status.IN_TRANSIT, "Ankunft im Zustellstützpunkt")
    aggregator = ev(30, Status.OUT_FOR_DELIVERY, "Out for delivery", source=Source.AGGREGATOR)

    (entry,) = build_timeline([carrier, aggregator])

    assert entry.conflict
    assert entry.status is Status.IN_TRANSIT
    assert entry.source_statuses == (
        (Source.CARRIER, "dhl", Status.IN_TRANSIT),
        (Source.AGGREGATOR, "17track", Status.OUT_FOR_DELIVERY),
    )


def test_a_different_status_in_another_minute_is_another_scan() -> None:
    carrier = ev(50, Status.IN_TRANSIT, "Hub")
    aggregator = ev(70, Status.OUT_FOR_DELIVERY, "Out for delivery", source=Source.AGGREGATOR)

    timeline = build_timeline([carrier, aggregator])

    assert len(timeline) == 2
    assert not any(entry.conflict for entry in timeline)


def test_a_conflicting_source_lends_no_sub_status() -> None:
    carrier = ev(0, Status.IN_TRANSIT, "Hub")
    aggregator = ev(0, Status.EXCEPTION, "Lost", source=Source.AGGREGATOR, sub=SubStatus.LOST)

    (entry,) = build_timeline([carrier, aggregator])

    assert entry.conflict
    assert entry.sub_status is None
    assert not entry.is_problem


def test_an_unmapped_status_joins_without_a_conflict() -> None:
    carrier = ev(0, Status.FAILED_ATTEMPT, "Empfänger nicht angetroffen")
    aggregator = ev(60, Status.UNKNOWN, "Exception XY", source=Source.AGGREGATOR)

    (entry,) = build_timeline([aggregator, carrier])

    assert not entry.conflict
    assert entry.status is Status.FAILED_ATTEMPT


def test_the_known_status_leads_when_the_carrier_could_not_be_mapped() -> None:
    carrier = ev(0, Status.UNKNOWN, "Code 77")
    aggregator = ev(0, Status.FAILED_ATTEMPT, "Attempt failed", source=Source.AGGREGATOR)

    (entry,) = build_timeline([carrier, aggregator])

    assert entry.status is Status.FAILED_ATTEMPT
    assert entry.description == "Code 77"


def test_an_unconfirmed_merchant_claim_stays_visible_as_such() -> None:
    shipped = ev(0, Status.IN_TRANSIT, "Versandt", source=Source.MERCHANT)
    label = ev(3600, Status.INFO_RECEIVED, "Angekündigt")

    timeline = build_timeline([shipped, label])

    assert [e.merchant_claim for e in timeline] == [False, True]
    assert timeline[1].sources == (Source.MERCHANT,)


def test_a_confirmed_merchant_claim_joins_the_carrier_scan() -> None:
    shipped = ev(60, Status.IN_TRANSIT, "Versandt", source=Source.MERCHANT)
    scan = ev(0, Status.IN_TRANSIT, "Eingeliefert")

    (entry,) = build_timeline([shipped, scan])

    assert not entry.merchant_claim
    assert entry.sources == (Source.CARRIER, Source.MERCHANT)


def test_each_copy_joins_its_own_scan_when_two_scans_share_a_minute() -> None:
    arrived = ev(0, Status.IN_TRANSIT, "Ankunft", code="AA")
    out = ev(20, Status.OUT_FOR_DELIVERY, "In Zustellung", code="OD")
    copies = [
        ev(40, Status.OUT_FOR_DELIVERY, "Out for delivery", source=Source.AGGREGATOR),
        ev(10, Status.IN_TRANSIT, "Arrived", source=Source.AGGREGATOR),
    ]

    timeline = build_timeline([arrived, out, *copies])

    assert [(e.status, e.sources, e.conflict) for e in timeline] == [
        (Status.OUT_FOR_DELIVERY, (Source.CARRIER, Source.AGGREGATOR), False),
        (Status.IN_TRANSIT, (Source.CARRIER, Source.AGGREGATOR), False),
    ]


def test_one_source_never_fills_one_entry_twice() -> None:
    first = ev(0, Status.IN_TRANSIT, "Hub A", code="A")
    second = ev(60, Status.IN_TRANSIT, "Hub B", code="B")

    assert len(build_timeline([first, second])) == 2


def test_edited_text_shows_once_with_the_newest_wording() -> None:
    old = ev(0, text="alt", code="X", fetched=0)
    new = ev(0, text="neu", code="X", fetched=1)

    (entry,) = build_timeline([new, old])

    assert entry.description == "neu"


def test_blank_carrier_text_falls_back_to_another_source() -> None:
    carrier = ev(0, Status.IN_TRANSIT, " ", sub=None)
    aggregator = ev(0, text="In transit", source=Source.AGGREGATOR, sub=SubStatus.CUSTOMS)

    (entry,) = build_timeline([carrier, aggregator])

    assert entry.description == "In transit"
    assert entry.sub_status is SubStatus.CUSTOMS


def test_equal_times_show_the_later_stage_first() -> None:
    delivered = ev(0, Status.DELIVERED, "Zugestellt", code="DL")
    returning = ev(0, Status.RETURNING, "Rücksendung", code="RT")

    timeline = build_timeline([delivered, returning])

    assert [e.status for e in timeline] == [Status.RETURNING, Status.DELIVERED]


def test_problem_entries_are_marked() -> None:
    (entry,) = build_timeline([ev(0, Status.IN_TRANSIT, "Verzögert", sub=SubStatus.DELAYED)])

    assert entry.is_problem


def test_no_events_no_entries() -> None:
    assert build_timeline([]) == ()
