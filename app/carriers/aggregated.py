"""What the two aggregators (AfterShip, 17TRACK) and their webhook parsers share.

Both answer for hundreds of couriers behind one envelope, so both need the same small steps:
numbers cleaned once, a courier slug or provider name mapped to one of our carriers, ETAs
read from one or two ISO texts, messages clipped for display, and an error for every
requested number the answer did not mention.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.carriers.base import ParseResult, TrackingError
from app.carriers.parsing import BadResponse, http_error, iso, norm, text, utc
from app.domain.models import DeliveryEstimate, ProblemKind, Source

__all__ = [
    "carrier_for_slug",
    "clean_numbers",
    "clip",
    "complete",
    "now_utc",
    "read_time",
    "span_estimate",
    "text",
    "unreadable",
]

# Aggregator slugs and provider names (normalised to slug form) that are one of our carriers.
_OUR_CARRIERS: dict[str, str] = {
    **dict.fromkeys(
        ("dhl", "dhl-germany", "dhl-paket", "dhl-express", "deutsch-post", "deutsche-post"), "dhl"
    ),
    **dict.fromkeys(("dpd", "dpd-de", "dpd-germany"), "dpd"),
    **dict.fromkeys(("hermes", "hermes-de", "hermes-germany"), "hermes"),
    **dict.fromkeys(("postnl", "postnl-international", "postnl-international-mail"), "postnl"),
    **dict.fromkeys(("royal-mail", "royalmail"), "royalmail"),
    **dict.fromkeys(("amazon", "amazon-logistics", "amazon-shipping"), "amazon"),
    **{name: name for name in ("ups", "fedex", "usps", "gls")},
}
_WHOLE_DAY = timedelta(hours=23)


def clip(value: Any, limit: int = 200) -> str | None:
    """An API's own message, single-line and short enough to show."""
    found = text(value)
    if found is None:
        return None
    flat = " ".join(found.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def now_utc(fetched_at: datetime | None) -> datetime:
    if fetched_at is None:
        return datetime.now(UTC)
    if fetched_at.tzinfo is None or fetched_at.utcoffset() is None:
        return fetched_at.replace(tzinfo=UTC)
    return fetched_at.astimezone(UTC)


def carrier_for_slug(slug: str | None) -> str | None:
    """Our carrier id for an aggregator's slug or provider name, else the slug lower-cased."""
    if not slug:
        return None
    key = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    return _OUR_CARRIERS.get(key, key) or None


def clean_numbers(numbers: Sequence[str]) -> list[str]:
    """Stripped, non-empty, each number once, in the caller's order."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in numbers:
        number = raw.strip() if isinstance(raw, str) else ""
        if number and norm(number) not in seen:
            seen.add(norm(number))
            out.append(number)
    return out


def complete(result: ParseResult, requested: Sequence[str], who: str) -> ParseResult:
    """Add an error for every requested number the answer did not mention at all."""
    if any(error.tracking_number is None for error in result.errors):
        return result  # a whole-request error already covers every number
    covered = {norm(p.tracking_number) for p in result.parcels}
    covered |= {norm(e.tracking_number) for e in result.errors if e.tracking_number}
    missing = tuple(
        TrackingError(ProblemKind.BAD_RESPONSE, f"{who}'s answer does not mention this number", n)
        for n in clean_numbers(requested)
        if norm(n) not in covered
    )
    return dataclasses.replace(result, errors=result.errors + missing) if missing else result


def unreadable(
    status: int, headers: Mapping[str, str], problem: BadResponse, who: str
) -> TrackingError:
    """The whole-request error for a body that is not JSON: the HTTP status's when it has one."""
    failure = http_error(status, headers) if status >= 400 else None
    return failure or TrackingError(ProblemKind.BAD_RESPONSE, f"{who}: {problem}")


def read_time(raw: Any) -> datetime | None:
    """ISO 8601 text as written (aware or naive); None when unusable or not text."""
    return iso(raw) if isinstance(raw, str) else None


def _has_clock(raw: Any) -> bool:
    return isinstance(raw, str) and len(raw.strip()) > 10


def span_estimate(first: Any, last: Any, zone: str | None = None) -> DeliveryEstimate | None:
    """An aggregator ETA from one or two ISO texts: the days as the carrier wrote them, and a
    UTC window when both ends carry a time on the same day and a zone is known."""
    start, end = read_time(first), read_time(last)
    start, end = start or end, end or start
    if start is None or end is None:
        return None
    if end.date() < start.date():
        start, end = end, start
    window: tuple[datetime | None, datetime | None] = (None, None)
    same_day = start.date() == end.date()
    aware = start.tzinfo is not None and end.tzinfo is not None
    if same_day and _has_clock(first) and _has_clock(last) and (aware or zone is not None):
        lo, hi = utc(start, zone), utc(end, zone)
        # A window is hours; "00:00 to 23:59" only restates the day.
        if lo is not None and hi is not None and timedelta(0) < hi - lo < _WHOLE_DAY:
            window = (lo, hi)
    day: date = start.date()
    return DeliveryEstimate(
        day=day,
        latest_day=None if same_day else end.date(),
        window_start=window[0],
        window_end=window[1],
        source=Source.AGGREGATOR,
    )
