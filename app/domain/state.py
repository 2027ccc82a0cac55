"""A parcel's current state, derived from its observations alone.

The latest scan by time decides, never the order in which events arrived: a late event with an
older timestamp lands in the history without moving the current status. Equal scan times are
broken by lifecycle stage, so a parcel can go from delivered back to returning.

The state is read off the merged timeline, so it always agrees with the timeline's top entry: an
aggregator's copy of a carrier scan, a minute off, is the same scan, and the carrier's reading
of it leads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.models import Location, Source, TrackingEvent, ensure_utc
from app.domain.stall import assess_silence
from app.domain.status import TERMINAL, Status, SubStatus, is_problem
from app.domain.timeline import TimelineEntry, build_timeline

__all__ = ["ParcelState", "derive_state", "state_of_timeline"]

# Carriers and aggregators track the parcel itself; a shop's "shipped" or a user's note is a
# claim that only decides the state while no tracking source has reported anything.
_TRACKING_SOURCES: frozenset[Source] = frozenset({Source.CARRIER, Source.AGGREGATOR})


@dataclass(frozen=True, slots=True)
class ParcelState:
    status: Status
    sub_status: SubStatus | None = None
    last_event: TrackingEvent | None = None  # the leading observation of the latest scan
    location: Location | None = None  # from the latest event that named a place
    stalled: bool = False  # see app.domain.stall
    awaiting_handover: bool = False
    expired: bool = False  # then the status is EXPIRED

    @property
    def last_event_at(self) -> datetime | None:
        return self.last_event.occurred_at if self.last_event else None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_problem(self) -> bool:
        return is_problem(self.status, self.sub_status)


def _confirmed(entry: TimelineEntry) -> bool:
    return any(o.source in _TRACKING_SOURCES for o in entry.observations)


def derive_state(
    events: Iterable[TrackingEvent],
    *,
    now: datetime,
    carrier: str,
    tracked_since: datetime | None = None,
    status_hint: Status | None = None,
    sub_status_hint: SubStatus | None = None,
) -> ParcelState:
    """The current state at `now`. Invariant under permutation and repetition of `events`.

    `tracked_since` (when the parcel was added) measures silence while there are no events;
    the hints are the carrier's headline status, used only while it has sent no events.
    """
    return state_of_timeline(
        build_timeline(events),
        now=now,
        carrier=carrier,
        tracked_since=tracked_since,
        status_hint=status_hint,
        sub_status_hint=sub_status_hint,
    )


def state_of_timeline(
    timeline: Sequence[TimelineEntry],
    *,
    now: datetime,
    carrier: str,
    tracked_since: datetime | None = None,
    status_hint: Status | None = None,
    sub_status_hint: SubStatus | None = None,
) -> ParcelState:
    """`derive_state` for a timeline the caller has built already (`build_timeline`, newest
    first): a parcel's panel shows the timeline and its state, and builds it once."""
    now = ensure_utc(now)
    basis = [entry for entry in timeline if _confirmed(entry)] or timeline
    latest = basis[0] if basis else None
    last = latest.observations[0] if latest else None
    if latest is not None:
        status, sub_status = latest.status, latest.sub_status
    else:
        status, sub_status = status_hint or Status.PENDING, sub_status_hint
    place = next((entry.location for entry in basis if not entry.location.is_empty), None)

    since = last.occurred_at if last else tracked_since
    silence = assess_silence(
        carrier=carrier, status=status, sub_status=sub_status, since=since, now=now
    )
    return ParcelState(
        status=Status.EXPIRED if silence.expired else status,
        sub_status=sub_status,
        last_event=last,
        location=place,
        stalled=silence.stalled,
        awaiting_handover=silence.awaiting_handover,
        expired=silence.expired,
    )
