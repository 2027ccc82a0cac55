"""Merging observations: idempotent, order-independent, newest fetched text wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.merge import content_key, dedupe, merge_events
from app.domain.models import Location, Source, TrackingEvent
from app.domain.status import Status

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FETCH = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def ev(
    minutes: float,
    status: Status = Status.IN_TRANSIT,
    text: str = "Unterwegs",
    *,
    code: str | None = None,
    fetched: float | None = 0,
    source: Source = Source.CARRIER,
    city: str | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=T0 + timedelta(minutes=minutes),
        status=status,
        description=text,
        carrier_code=code,
        location=Location(city=city),
        source=source,
        source_name="dhl" if source is Source.CARRIER else "17track",
        observed_at=None if fetched is None else FETCH + timedelta(hours=fetched),
    )


def test_new_events_are_added_oldest_first() -> None:
    late, early = ev(60, Status.DELIVERED, "Zugestellt"), ev(0, Status.INFO_RECEIVED, "Angekündigt")

    result = merge_events((), [late, early])

    assert result.events == (early, late)
    assert result.added == (early, late)
    assert result.updated == ()
    assert result.changed


def test_refetching_the_same_events_changes_nothing() -> None:
    first = merge_events((), [ev(0), ev(30, Status.OUT_FOR_DELIVERY, "In Zustellung")])

    again = merge_events(first.events, [ev(30, Status.OUT_FOR_DELIVERY, "In Zustellung"), ev(0)])

    assert not again.changed
    assert again.events == first.events


def test_a_refetch_with_a_newer_fetch_time_but_same_content_writes_nothing() -> None:
    stored = merge_events((), [ev(0, fetched=0)]).events

    result = merge_events(stored, [ev(0, fetched=5)])

    assert not result.changed
    assert result.events == stored


def test_edited_carrier_text_replaces_without_duplicating() -> None:
    stored = merge_events((), [ev(0, text="Sendung wird bearbeitet", code="PO", fetched=0)]).events
    edited = ev(0, text="Die Sendung wurde im Startpaketzentrum bearbeitet", code="PO", fetched=1)

    result = merge_events(stored, [edited])

    assert result.events == (edited,)
    assert result.updated == (edited,)
    assert result.added == ()


def test_a_stale_fetch_of_an_old_text_does_not_win() -> None:
    newer = ev(0, text="neu", fetched=2)
    stored = merge_events((), [newer]).events

    result = merge_events(stored, [ev(0, text="alt", fetched=1)])

    assert not result.changed
    assert result.events == (newer,)


def test_equal_fetch_times_are_broken_by_content_in_any_order() -> None:
    a, b = ev(0, text="Alpha", fetched=1), ev(0, text="Beta", fetched=1)

    assert merge_events((), [a, b]).events == merge_events((), [b, a]).events
    assert merge_events([a], [b]).events == merge_events([b], [a]).events


def test_newest_first_and_oldest_first_feeds_merge_to_the_same_events() -> None:
    feed = [ev(m, text=f"Scan {m}") for m in (0, 15, 45, 90)]

    assert merge_events((), feed).events == merge_events((), list(reversed(feed))).events


def test_carrier_code_case_keeps_identity_but_counts_as_an_update() -> None:
    stored = merge_events((), [ev(0, code="abc", fetched=0)]).events

    result = merge_events(stored, [ev(0, code="ABC", fetched=1)])

    assert len(result.events) == 1
    assert result.updated[0].carrier_code == "ABC"


def test_a_differing_observation_in_the_same_batch_refreshes_the_stored_one() -> None:
    stored = merge_events((), [ev(0, text="a", fetched=1)]).events
    # The newest fetch repeats the stored text, an older one in the batch says something else.
    batch = [ev(0, text="a", fetched=5), ev(0, text="b", fetched=3)]

    result = merge_events(stored, batch)

    assert result.updated == (batch[0],)
    assert not merge_events(result.events, [batch[1]]).changed


def test_same_minute_from_two_sources_stays_two_observations() -> None:
    carrier, aggregator = ev(0), ev(0, source=Source.AGGREGATOR)

    assert len(merge_events((), [carrier, aggregator]).events) == 2


def test_content_key_distinguishes_missing_from_empty_location() -> None:
    assert content_key(ev(0, city=None)) != content_key(ev(0, city=""))
    assert content_key(ev(0, fetched=1)) == content_key(ev(0, fetched=2))


def test_dedupe_keeps_the_newest_fetch_per_identity() -> None:
    old, new = ev(0, text="alt", fetched=0), ev(0, text="neu", fetched=1)
    other = ev(10, Status.OUT_FOR_DELIVERY)

    assert dedupe([new, other, old, new]) == (new, other)
