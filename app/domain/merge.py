"""Idempotent, order-independent merge of observed events into a parcel's stored events.

The stored events are observations keyed by `TrackingEvent.identity`, one per identity. When one
identity is seen with different content (a carrier edited its wording), the observation fetched
last (`observed_at`) wins; equal fetch times are broken by the content itself, so one merge of
any permutation or duplication of the same observations always gives the same result.

A refetch of unchanged content is not written: the stored observation keeps its older
`observed_at`, so syncing an unchanged parcel writes nothing. The stored observation is still
kept ahead of every differing observation merged so far (it is rewritten when one of them
would otherwise win later), so re-ingesting anything already merged never changes a thing.
Batches merged one by one in fetch order give the same content as merging them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.models import Location, TrackingEvent
from app.domain.status import LIFECYCLE_RANK

__all__ = ["ContentKey", "MergeResult", "canonical_order", "content_key", "dedupe", "merge_events"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# An optional text as a sortable, injective pair: None and "" stay different.
_OptText = tuple[bool, str]
ContentKey = tuple[
    datetime, str, str, _OptText, _OptText, _OptText, _OptText, _OptText, _OptText, str, str
]


@dataclass(frozen=True, slots=True)
class MergeResult:
    events: tuple[TrackingEvent, ...]  # every observation, oldest first
    added: tuple[TrackingEvent, ...]
    updated: tuple[TrackingEvent, ...]  # same identity, new wording or details

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _opt(value: str | None) -> _OptText:
    return (value is not None, value or "")


def _location_key(location: Location) -> tuple[_OptText, _OptText, _OptText]:
    return (_opt(location.city), _opt(location.postal_code), _opt(location.country))


def content_key(event: TrackingEvent) -> ContentKey:
    """Everything an observation says except when it was fetched; equal keys mean equal content."""
    return (
        event.occurred_at,
        event.status.value,
        event.description,
        _opt(event.sub_status.value if event.sub_status else None),
        _opt(event.carrier_code),
        _opt(event.local_time_text),
        *_location_key(event.location),
        event.source.value,
        event.source_name,
    )


def _preference(event: TrackingEvent) -> tuple[datetime, ContentKey]:
    return (event.observed_at or _EPOCH, content_key(event))


def canonical_order(event: TrackingEvent) -> tuple[datetime, int, str]:
    return (event.occurred_at, LIFECYCLE_RANK[event.status], event.identity)


def _best_by_identity(events: Iterable[TrackingEvent]) -> dict[str, TrackingEvent]:
    best: dict[str, TrackingEvent] = {}
    for event in events:
        current = best.get(event.identity)
        if current is None or _preference(event) > _preference(current):
            best[event.identity] = event
    return best


def dedupe(events: Iterable[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    """One observation per identity (the preferred one), oldest first. Order-independent."""
    return tuple(sorted(_best_by_identity(events).values(), key=canonical_order))


def merge_events(
    existing: Iterable[TrackingEvent], incoming: Iterable[TrackingEvent]
) -> MergeResult:
    stored = _best_by_identity(existing)
    grouped: dict[str, list[TrackingEvent]] = {}
    for event in incoming:
        grouped.setdefault(event.identity, []).append(event)

    merged = dict(stored)
    added: list[TrackingEvent] = []
    updated: list[TrackingEvent] = []
    for identity, group in grouped.items():
        best = max(group, key=_preference)
        current = stored.get(identity)
        if current is None:
            merged[identity] = best
            added.append(best)
            continue
        floor = _preference(current)
        rivals = [
            e for e in group if _preference(e) > floor and content_key(e) != content_key(current)
        ]
        if rivals:
            # `best` may carry the stored content with a newer fetch time: writing it keeps the
            # stored row ahead of the rival, so re-ingesting the rival later changes nothing.
            merged[identity] = best
            updated.append(best)

    return MergeResult(
        events=tuple(sorted(merged.values(), key=canonical_order)),
        added=tuple(sorted(added, key=canonical_order)),
        updated=tuple(sorted(updated, key=canonical_order)),
    )
