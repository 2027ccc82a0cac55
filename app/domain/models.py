"""Domain models: orders, parcels and tracking events. Pure data, no I/O.

All datetimes are timezone-aware UTC. Carriers' original texts and codes travel beside the
normalised values so nothing the carrier said is ever lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from app.domain.status import Status, SubStatus

__all__ = [
    "DeliveryEstimate",
    "Location",
    "Order",
    "Parcel",
    "ParcelUpdate",
    "ProblemKind",
    "ProofOfDelivery",
    "Source",
    "TrackingEvent",
    "ensure_utc",
]


class Source(StrEnum):
    """Who reported a piece of data."""

    CARRIER = "carrier"
    AGGREGATOR = "aggregator"
    MERCHANT = "merchant"
    USER = "user"


class ProblemKind(StrEnum):
    """Why the last fetch of one parcel produced no data. Shown to the user for that parcel only."""

    NOT_FOUND = "not_found"
    INVALID_NUMBER = "invalid_number"
    PRE_TRANSIT = "pre_transit"
    AUTH_FAILED = "auth_failed"
    # No account or aggregator can track this carrier: nothing was asked, nothing failed.
    NO_ACCOUNT = "no_account"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    BAD_RESPONSE = "bad_response"


# The carrier read the request and answered about the number itself (it does not know it, it
# is not its format, a label without a scan): the account works, and its words are the carrier's.
ANSWERED_ABOUT_THE_NUMBER = frozenset(
    {ProblemKind.NOT_FOUND, ProblemKind.INVALID_NUMBER, ProblemKind.PRE_TRANSIT}
)


def ensure_utc(moment: datetime) -> datetime:
    """Reject naive datetimes (a zone must be decided by the caller) and normalise to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: convert carrier local time with its zone first")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 where known

    @property
    def is_empty(self) -> bool:
        return not (self.city or self.postal_code or self.country)

    def label(self) -> str:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        if self.country and place:
            return f"{place}, {self.country}"
        return place or (self.country or "")


@dataclass(frozen=True, slots=True)
class DeliveryEstimate:
    """The expected delivery: a day, optionally a span of days, optionally a time window."""

    day: date
    latest_day: date | None = None  # set when the carrier gives a range of days
    window_start: datetime | None = None  # UTC
    window_end: datetime | None = None  # UTC
    source: Source = Source.CARRIER

    def __post_init__(self) -> None:
        for moment in (self.window_start, self.window_end):
            if moment is not None:
                ensure_utc(moment)

    @property
    def last_day(self) -> date:
        return self.latest_day or self.day

    def sort_key(self) -> tuple[date, datetime | None]:
        """What 'later' means when the ETA moves: the last possible day, then the window end."""
        return (self.last_day, self.window_end)


@dataclass(frozen=True, slots=True)
class ProofOfDelivery:
    delivered_at: datetime | None = None
    signed_by: str | None = None
    place: str | None = None  # e.g. "Nachbar", "Briefkasten", "front door"
    signature_url: str | None = None
    photo_url: str | None = None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan or message as one source reported it (an observation).

    `identity` is stable across refetches and edited carrier texts: it is built from who said it,
    when (to the minute), what code or status and where, never from the free text.
    """

    occurred_at: datetime
    status: Status
    description: str
    sub_status: SubStatus | None = None
    carrier_code: str | None = None
    local_time_text: str | None = None
    location: Location = field(default_factory=Location)
    source: Source = Source.CARRIER
    source_name: str = ""  # carrier id, aggregator id or shop name
    observed_at: datetime | None = None  # when it was fetched; the newest text wins
    # Computed once: merging asks for it several times per event (16% of ingest time).
    _identity: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", ensure_utc(self.occurred_at))
        if self.observed_at is not None:
            object.__setattr__(self, "observed_at", ensure_utc(self.observed_at))
        object.__setattr__(self, "_identity", self._compute_identity())

    @property
    def minute(self) -> datetime:
        return self.occurred_at.replace(second=0, microsecond=0)

    @property
    def identity(self) -> str:
        return self._identity

    def _compute_identity(self) -> str:
        what = (self.carrier_code or "").strip().upper() or self.status.value
        # The place tells apart two scans with one coarse code in the same minute ("transit"
        # at the hub, then "transit" at the depot); spelling changes of it do not.
        place = "".join((self.location.postal_code or self.location.city or "").split()).casefold()
        key = f"{self.source.value}|{self.source_name}|{self.minute.isoformat()}|{what}|{place}"
        return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    shop: str
    order_number: str | None = None
    title: str | None = None
    placed_at: datetime | None = None
    items_summary: str | None = None
    created_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """ "Bücherwelt · Zwei Romane": how the order is offered, linked and announced."""
        return " · ".join(part for part in (self.shop, self.title) if part)


@dataclass(frozen=True, slots=True)
class Parcel:
    id: str
    tracking_number: str
    carrier: str
    order_id: str | None = None
    label: str | None = None
    status: Status = Status.PENDING
    sub_status: SubStatus | None = None
    carrier_status_code: str | None = None
    estimate: DeliveryEstimate | None = None
    location: Location | None = None
    last_event_at: datetime | None = None
    last_event_text: str | None = None
    last_checked_at: datetime | None = None
    last_changed_at: datetime | None = None
    source: Source = Source.CARRIER
    archived: bool = False
    problem: ProblemKind | None = None  # why the last fetch failed, if it did
    problem_detail: str | None = None  # the carrier's own words about it, if it gave any
    proof_of_delivery: ProofOfDelivery | None = None
    created_at: datetime | None = None

    @property
    def display_name(self) -> str:
        return self.label or self.tracking_number


@dataclass(frozen=True, slots=True)
class ParcelUpdate:
    """Everything one fetch learned about one parcel, from one source."""

    tracking_number: str
    carrier: str
    fetched_at: datetime
    source: Source = Source.CARRIER
    source_name: str = ""
    events: tuple[TrackingEvent, ...] = ()
    estimate: DeliveryEstimate | None = None
    proof_of_delivery: ProofOfDelivery | None = None
    pieces: tuple[str, ...] = ()
    # The carrier's own headline status, used when it sends no events (e.g. label created).
    status_hint: Status | None = None
    sub_status_hint: SubStatus | None = None
    carrier_status_code: str | None = None
    problem: ProblemKind | None = None
    problem_detail: str | None = None  # the carrier's own words about `problem`

    def __post_init__(self) -> None:
        object.__setattr__(self, "fetched_at", ensure_utc(self.fetched_at))
