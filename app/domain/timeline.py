"""The user-facing timeline: one entry per scan, whichever sources reported it.

Stored events are observations, one per source. A carrier and an aggregator (or a shop) often
report the same scan; the timeline shows it once, with every source that reported it and the
carrier's wording first. When the sources disagree about the status of one scan, the entry keeps
each source's status and is flagged as a conflict rather than silently picking one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.merge import dedupe
from app.domain.models import Location, Source, TrackingEvent
from app.domain.status import LIFECYCLE_RANK, Status, SubStatus, is_problem

__all__ = ["SAME_SCAN_TOLERANCE", "SOURCE_RANK", "TimelineEntry", "build_timeline"]

# Sources copy the carrier's scan time but round it differently (or to the minute), so the same
# scan may differ by a minute or two between sources; distinct scans of one parcel are further
# apart than that.
SAME_SCAN_TOLERANCE = timedelta(minutes=2)

# Whose wording and details lead when several sources report one scan: the carrier said it
# first-hand, an aggregator relays the carrier, a shop relays whatever it was told.
SOURCE_RANK: dict[Source, int] = {
    Source.CARRIER: 0,
    Source.AGGREGATOR: 1,
    Source.MERCHANT: 2,
    Source.USER: 3,
}

_SAME_STATUS, _ONE_UNKNOWN, _CONFLICT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    key: str  # the leading observation's identity: stable, unique within one timeline
    occurred_at: datetime
    status: Status
    sub_status: SubStatus | None
    description: str
    carrier_code: str | None
    local_time_text: str | None
    location: Location
    observations: tuple[TrackingEvent, ...]  # the leading source first
    conflict: bool  # the sources disagree about this scan's status

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(dict.fromkeys(o.source for o in self.observations))

    @property
    def source_statuses(self) -> tuple[tuple[Source, str, Status], ...]:
        """What each source said, to show both sides of a conflict."""
        return tuple((o.source, o.source_name, o.status) for o in self.observations)

    @property
    def merchant_claim(self) -> bool:
        """Only the shop says so; no carrier has confirmed it ("laut Händler")."""
        return all(o.source is Source.MERCHANT for o in self.observations)

    @property
    def is_problem(self) -> bool:
        return is_problem(self.status, self.sub_status)


def _feed(event: TrackingEvent) -> tuple[int, str, str]:
    return (SOURCE_RANK[event.source], event.source.value, event.source_name)


def _match(event: TrackingEvent, anchor: TrackingEvent) -> int | None:
    """How well `event` fits the scan led by `anchor` (lower is better); None: another scan."""
    if abs(event.occurred_at - anchor.occurred_at) > SAME_SCAN_TOLERANCE:
        return None
    if event.status is anchor.status:
        return _SAME_STATUS
    if Status.UNKNOWN in (event.status, anchor.status):
        return _ONE_UNKNOWN  # a source that could not map its code does not contradict
    # A different status is the same scan only when both name the same minute; otherwise it is
    # more likely a separate scan close in time.
    return _CONFLICT if event.minute == anchor.minute else None


def _group(observations: tuple[TrackingEvent, ...]) -> list[list[TrackingEvent]]:
    """Feeds in rank order; each observation joins the best-fitting scan of an earlier feed."""
    feeds: dict[tuple[int, str, str], list[TrackingEvent]] = {}
    for event in observations:  # already in canonical order
        feeds.setdefault(_feed(event), []).append(event)

    groups: list[list[TrackingEvent]] = []
    for feed_key in sorted(feeds):
        feed = feeds[feed_key]
        candidates: list[tuple[int, timedelta, int, int]] = []
        for oi, event in enumerate(feed):
            for gi, group in enumerate(groups):
                fit = _match(event, group[0])
                if fit is not None:
                    gap = abs(event.occurred_at - group[0].occurred_at)
                    candidates.append((fit, gap, oi, gi))
        # Best pairs first, each observation and each scan used once: a source never reports
        # one scan twice.
        placed: set[int] = set()
        filled: set[int] = set()
        for _fit, _gap, oi, gi in sorted(candidates):
            if oi not in placed and gi not in filled:
                groups[gi].append(feed[oi])
                placed.add(oi)
                filled.add(gi)
        groups.extend([event] for oi, event in enumerate(feed) if oi not in placed)
    return groups


def _entry(group: list[TrackingEvent]) -> TimelineEntry:
    lead = group[0]
    known = [o.status for o in group if o.status is not Status.UNKNOWN]
    status = known[0] if known else lead.status
    description = next((o.description for o in group if o.description.strip()), lead.description)
    location = next((o.location for o in group if not o.location.is_empty), lead.location)
    return TimelineEntry(
        key=lead.identity,
        occurred_at=lead.occurred_at,
        status=status,
        # Only from a source that agrees on the status: a detail never mixes two readings.
        sub_status=next((o.sub_status for o in group if o.status is status and o.sub_status), None),
        description=description,
        carrier_code=lead.carrier_code,
        local_time_text=lead.local_time_text,
        location=location,
        observations=tuple(group),
        conflict=len(set(known)) > 1,
    )


def _newest_first(entry: TimelineEntry) -> tuple[datetime, int, str]:
    return (entry.occurred_at, LIFECYCLE_RANK[entry.status], entry.key)


def build_timeline(events: Iterable[TrackingEvent]) -> tuple[TimelineEntry, ...]:
    """The merged view, newest first. Independent of the order and repetition of `events`."""
    observations = dedupe(events)  # canonical order
    entries = (_entry(group) for group in _group(observations))
    return tuple(sorted(entries, key=_newest_first, reverse=True))
