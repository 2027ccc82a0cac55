"""Properties of merge, timeline and state over generated event batches (hypothesis).

Projections ignore only `observed_at`: when content is identical, which fetch of it is kept is
allowed to depend on history (an unchanged refetch is deliberately not written).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.changes import detect_changes
from app.domain.merge import ContentKey, MergeResult, content_key, merge_events
from app.domain.models import DeliveryEstimate, Location, Source, TrackingEvent
from app.domain.state import derive_state, state_of_timeline
from app.domain.status import Status, SubStatus
from app.domain.timeline import TimelineEntry, build_timeline

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FETCH = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

times = st.builds(
    lambda minute, second: T0 + timedelta(minutes=minute, seconds=second),
    st.integers(0, 12),
    st.sampled_from([0, 0, 30, 59]),  # repeats make equal timestamps common
)
locations = st.sampled_from(
    [Location(), Location(city="Berlin"), Location(city="Leipzig", country="DE"), Location("")]
)
fetch_times = st.none() | st.integers(0, 3).map(lambda h: FETCH + timedelta(hours=h))
events = st.builds(
    TrackingEvent,
    occurred_at=times,
    status=st.sampled_from(Status),
    description=st.sampled_from(["Unterwegs", "In transit", "Zugestellt", ""]),
    sub_status=st.none() | st.sampled_from(SubStatus),
    carrier_code=st.none() | st.sampled_from(["PO", "po", "DL", "X9"]),
    local_time_text=st.none() | st.sampled_from(["09:00", "9 Uhr"]),
    location=locations,
    source=st.sampled_from(Source),
    source_name=st.sampled_from(["", "dhl", "17track"]),
    observed_at=fetch_times,
)


def refetch(
    event: TrackingEvent, observed: datetime | None, text: str | None, place: Location | None
) -> TrackingEvent:
    """The same scan fetched again: another fetch time, sometimes edited wording or place."""
    return replace(
        event,
        observed_at=observed,
        description=event.description if text is None else text,
        location=event.location if place is None else place,
    )


@st.composite
def batch_lists(draw: st.DrawFn) -> list[list[TrackingEvent]]:
    """Fetches of one parcel: mostly refetches of a few scans, plus some fresh events."""
    scans = draw(st.lists(events, min_size=1, max_size=6))
    refetches = st.builds(
        refetch,
        st.sampled_from(scans),
        fetch_times,
        st.none() | st.sampled_from(["Unterwegs", "Neu formuliert"]),
        st.none() | locations,
    )
    return draw(st.lists(st.lists(events | refetches, max_size=6), min_size=1, max_size=4))


batches = batch_lists()


def projection(result: MergeResult) -> tuple[tuple[str, ContentKey], ...]:
    return tuple((e.identity, content_key(e)) for e in result.events)


def timeline_projection(entries: tuple[TimelineEntry, ...]) -> tuple[object, ...]:
    return tuple(
        (
            entry.key,
            entry.status,
            entry.description,
            entry.conflict,
            tuple(content_key(o) for o in entry.observations),
        )
        for entry in entries
    )


def merge_stepwise(batches: list[list[TrackingEvent]]) -> MergeResult:
    stored: tuple[TrackingEvent, ...] = ()
    result = merge_events((), ())
    for batch in batches:
        result = merge_events(stored, batch)
        stored = result.events
    return result


def fetched_in_order(batches: list[list[TrackingEvent]]) -> list[list[TrackingEvent]]:
    """Stamp each batch with its own fetch time, later batches later, as a sync does."""
    return [
        [replace(e, observed_at=FETCH + timedelta(hours=i)) for e in batch]
        for i, batch in enumerate(batches)
    ]


@PROPERTY_SETTINGS
@given(batches=batches, data=st.data())
def test_any_permutation_or_duplication_merges_to_the_same_result(
    batches: list[list[TrackingEvent]], data: st.DataObject
) -> None:
    flat = [e for batch in batches for e in batch]
    extra = data.draw(st.lists(st.sampled_from(flat), max_size=5)) if flat else []
    shuffled = data.draw(st.permutations(flat + extra))

    reference = merge_events((), flat)

    assert merge_events((), shuffled) == reference
    assert build_timeline(shuffled) == build_timeline(flat)
    assert build_timeline(reference.events) == build_timeline(flat)


@PROPERTY_SETTINGS
@given(batches=batches, data=st.data())
def test_batches_merged_one_by_one_in_fetch_order_equal_one_merge(
    batches: list[list[TrackingEvent]], data: st.DataObject
) -> None:
    # Each batch may be refetched (duplicated) and arrive in any order within itself.
    repeated = data.draw(st.lists(st.sampled_from(batches), max_size=2))
    fetched = fetched_in_order(
        [data.draw(st.permutations(batch)) for batch in [*batches, *repeated]]
    )

    stepwise = merge_stepwise(fetched)
    at_once = merge_events((), [e for batch in fetched for e in batch])

    assert projection(stepwise) == projection(at_once)
    assert timeline_projection(build_timeline(stepwise.events)) == timeline_projection(
        build_timeline(at_once.events)
    )


@PROPERTY_SETTINGS
@given(existing=st.lists(events, max_size=8), first=st.lists(events), second=st.lists(events))
def test_merging_in_steps_equals_merging_the_concatenation(
    existing: list[TrackingEvent], first: list[TrackingEvent], second: list[TrackingEvent]
) -> None:
    base, one, two = fetched_in_order([existing, first, second])
    stored = merge_events((), base).events

    in_steps = merge_events(merge_events(stored, one).events, two)
    together = merge_events(stored, one + two)

    assert projection(in_steps) == projection(together)


@PROPERTY_SETTINGS
@given(batches=batches, data=st.data())
def test_re_ingesting_anything_already_merged_writes_nothing(
    batches: list[list[TrackingEvent]], data: st.DataObject
) -> None:
    # Deliberately any order and any fetch times: stale batches included.
    merged = merge_stepwise(batches)
    seen = [e for batch in batches for e in batch] + list(merged.events)
    again = data.draw(st.lists(st.sampled_from(seen), max_size=10)) if seen else []

    result = merge_events(merged.events, again)

    assert not result.changed
    assert result.events == merged.events


@PROPERTY_SETTINGS
@given(pool=st.lists(events, min_size=1, max_size=10), data=st.data())
def test_without_edits_the_order_of_batches_does_not_matter(
    pool: list[TrackingEvent], data: st.DataObject
) -> None:
    # One content per identity (no edited texts): then even stale fetches cannot differ.
    consistent = list({e.identity: e for e in pool}.values())
    batches = data.draw(st.lists(st.lists(st.sampled_from(consistent)), min_size=1, max_size=4))
    reordered = data.draw(st.permutations(batches))
    duplicated = [*reordered, *data.draw(st.lists(st.sampled_from(batches), max_size=2))]

    assert projection(merge_stepwise(duplicated)) == projection(merge_stepwise(batches))


@PROPERTY_SETTINGS
@given(batches=batches, hours=st.integers(0, 24 * 40), data=st.data())
def test_derive_state_is_invariant_under_permutation_and_duplication(
    batches: list[list[TrackingEvent]], hours: int, data: st.DataObject
) -> None:
    batch = [e for fetched in batches for e in fetched]
    extra = data.draw(st.lists(st.sampled_from(batch), max_size=4)) if batch else []
    shuffled = data.draw(st.permutations(batch + extra))
    carrier = data.draw(st.sampled_from(["dhl", "usps", "ups", "other"]))
    now = T0 + timedelta(hours=hours)

    expected = derive_state(batch, now=now, carrier=carrier)

    assert derive_state(shuffled, now=now, carrier=carrier) == expected
    assert derive_state(merge_events((), shuffled).events, now=now, carrier=carrier) == expected
    # The parcel panel builds the timeline once and derives the state from it.
    assert state_of_timeline(build_timeline(shuffled), now=now, carrier=carrier) == expected


@PROPERTY_SETTINGS
@given(batch=st.lists(events, min_size=1, max_size=12))
def test_every_observation_appears_in_exactly_one_timeline_entry(
    batch: list[TrackingEvent],
) -> None:
    merged = merge_events((), batch).events

    entries = build_timeline(batch)
    placed = [o for entry in entries for o in entry.observations]

    assert sorted(placed, key=lambda e: e.identity) == sorted(merged, key=lambda e: e.identity)
    for entry in entries:
        feeds = [(o.source, o.source_name) for o in entry.observations]
        assert len(feeds) == len(set(feeds))
    newest_first = [(e.occurred_at) for e in entries]
    assert newest_first == sorted(newest_first, reverse=True)


@PROPERTY_SETTINGS
@given(
    batch=st.lists(events, max_size=12),
    hours=st.integers(0, 24 * 40),
    estimate=st.none() | st.dates().map(lambda day: DeliveryEstimate(day=day)),
)
def test_an_unchanged_parcel_announces_nothing(
    batch: list[TrackingEvent], hours: int, estimate: DeliveryEstimate | None
) -> None:
    state = derive_state(batch, now=T0 + timedelta(hours=hours), carrier="dhl")
    refetched = derive_state(list(reversed(batch)), now=T0 + timedelta(hours=hours), carrier="dhl")

    assert detect_changes(state, refetched, before_estimate=estimate, after_estimate=estimate) == ()
