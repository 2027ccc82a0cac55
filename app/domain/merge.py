"""Idempotent, order-independent merge of observed events into a parcel's stored events.

The stored events are observations keyed by `TrackingEvent.identity`. Merging the same batch
twice, in any order, newest-first or oldest-first, gives the same result. When one identity is
seen with different texts (a carrier edited its wording), the observation fetched last wins;
ties are broken by content so the outcome never depends on arrival order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.models import TrackingEvent
from app.domain.status import LIFECYCLE_RANK

__all__ = ["MergeResult", "canonical_order", "merge_events"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MergeResult:
    events: tuple[TrackingEvent, ...]  # every observation, oldest first
    added: tuple[TrackingEvent, ...]
    updated: tuple[TrackingEvent, ...]  # same identity, new wording or details

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _preference(event: TrackingEvent) -> tuple[datetime, str, str, str, str]:
    return (
        event.observed_at or _EPOCH,
        event.description,
        event.local_time_text or "",
        event.location.label(),
        event.sub_status.value if event.sub_status else "",
    )


def _same_content(a: TrackingEvent, b: TrackingEvent) -> bool:
    """Equal apart from when it was fetched: a refetch of identical data is not an update."""
    return (
        a.description == b.description
        and a.local_time_text == b.local_time_text
        and a.location == b.location
        and a.sub_status == b.sub_status
        and a.status == b.status
        and a.occurred_at == b.occurred_at
    )


def canonical_order(event: TrackingEvent) -> tuple[datetime, int, str]:
    return (event.occurred_at, LIFECYCLE_RANK[event.status], event.identity)


def merge_events(
    existing: Iterable[TrackingEvent], incoming: Iterable[TrackingEvent]
) -> MergeResult:
    by_identity: dict[str, TrackingEvent] = {}
    for event in existing:
        current = by_identity.get(event.identity)
        if current is None or _preference(event) > _preference(current):
            by_identity[event.identity] = event
    stored = dict(by_identity)

    for event in incoming:
        current = by_identity.get(event.identity)
        if current is None or (
            _preference(event) > _preference(current) and not _same_content(event, current)
        ):
            by_identity[event.identity] = event

    added = [e for key, e in by_identity.items() if key not in stored]
    updated = [e for key, e in by_identity.items() if key in stored and e is not stored[key]]
    return MergeResult(
        events=tuple(sorted(by_identity.values(), key=canonical_order)),
        added=tuple(sorted(added, key=canonical_order)),
        updated=tuple(sorted(updated, key=canonical_order)),
    )
