"""AfterShip Tracking API (2024-04): one key, hundreds of couriers behind one envelope.

AfterShip only tracks numbers it was told about, so reading is a two-step flow:

1. Register: `build_register_requests` sends one `POST /trackings` per number (the API creates
   one tracking per call). 201 means created and meta.code 4003 means it already exists; both
   are fine (`parse_register_response` reports only real rejections) and both answers name the
   courier slug AfterShip chose: `registered_slugs` reads it, the client keeps it per parcel.
2. Read: `build_requests` sends `GET /trackings/{slug}/{number}` (the legacy path) when the slug
   is known. Without one it falls back to the create call: its 201 carries the tracking and its
   4003 carries the slug for the next read. A 4004 means "not registered": register, read again.

Checkpoints come oldest first. `checkpoint_time` is the courier's local time, usually without an
offset. The zone is derived from the checkpoint's country when that country has a single zone;
in the US from its `state` (or the state in its `location` text, "MEMPHIS, TN 38101"), where a
state split between two zones takes the zone most of it uses (`geo.likely_zone`). Only when no
zone follows is the time read as UTC. The original text is always kept in `local_time_text`.

A tracking without checkpoints: AfterShip answers for any well-formed number and keeps it
`Pending` until the courier has data, so it stays a parcel (the number is registered, the
courier known) in PENDING, with `problem` PRE_TRANSIT ("known, but nothing yet": what the
carrier adapters report as a PRE_TRANSIT error). `InfoReceived` without checkpoints is label
data without a scan: INFO_RECEIVED / NOT_HANDED_OVER, as the carrier adapters read a label.

The small helpers the two aggregators share (`text`, `clip`, `now_utc`, `clean_numbers`,
`complete`, `read_time`, `span_estimate`, `carrier_for_slug`) live in `app.carriers.aggregated`;
they are re-exported here under their old names.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from app.carriers.aggregated import (
    carrier_for_slug,
    clean_numbers,
    clip,
    complete,
    now_utc,
    read_time,
    span_estimate,
    text,
    unreadable,
)
from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.geo import from_iso3, likely_zone, us_state
from app.carriers.parsing import (
    BadResponse,
    as_int,
    as_list,
    header,
    http_error,
    load_json,
    obj,
    utc,
)
from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProblemKind,
    ProofOfDelivery,
    Source,
    TrackingEvent,
)
from app.domain.status import Status, SubStatus

__all__ = [
    "API_KEY_HEADER",
    "AUTH",
    "BATCH_LIMIT",
    "CARRIER_ID",
    "CREDENTIAL_FIELDS",
    "DEFAULT_BASE_URL",
    "DISPLAY_NAME",
    "RATE_LIMIT",
    "TRACKING_PAGE_URL",
    "build_register_requests",
    "build_requests",
    "carrier_for_slug",
    "clean_numbers",
    "clip",
    "complete",
    "map_status",
    "now_utc",
    "parse_register_response",
    "parse_response",
    "parse_tracking",
    "read_time",
    "registered_slugs",
    "span_estimate",
    "text",
]

CARRIER_ID = "aftership"
DISPLAY_NAME = "AfterShip"
DEFAULT_BASE_URL = "https://api.aftership.com/tracking/2024-04"
TRACKING_PAGE_URL = "https://www.aftership.com/track?t={number}"
BATCH_LIMIT = 1  # one tracking per create or read call
AUTH = AuthKind.API_KEY_HEADER
API_KEY_HEADER = "as-api-key"
# (requests per second, requests per day or None): the reported default, unconfirmed.
RATE_LIMIT: tuple[float, int | None] = (10.0, None)
CREDENTIAL_FIELDS = (
    CredentialField("api_key", "AfterShip API key", "AfterShip-API-Schlüssel"),
    CredentialField(
        "webhook_secret", "Webhook secret", "Webhook-Geheimnis", secret=True, optional=True
    ),
)

# Our carrier ids as a slug hint when registering; "" = let AfterShip detect (DHL and Amazon
# each span several AfterShip couriers, a wrong guess would be rejected with 4012).
_SLUG_HINTS = {
    "dhl": "",
    "amazon": "",
    "dpd": "dpd-de",
    "hermes": "hermes-de",
    "royalmail": "royal-mail",
}

_TAGS: dict[str, Status] = {
    "pending": Status.PENDING,
    "inforeceived": Status.INFO_RECEIVED,
    "intransit": Status.IN_TRANSIT,
    "outfordelivery": Status.OUT_FOR_DELIVERY,
    "attemptfail": Status.FAILED_ATTEMPT,
    "delivered": Status.DELIVERED,
    "availableforpickup": Status.AVAILABLE_FOR_PICKUP,
    "exception": Status.EXCEPTION,
    "expired": Status.EXPIRED,
}
_EXCEPTION = Status.EXCEPTION
# Subtags that say more than their tag; any other Exception_NNN is an exception of OTHER kind.
_SUBTAGS: dict[str, tuple[Status, SubStatus | None]] = {
    "intransit_006": (Status.IN_TRANSIT, SubStatus.CUSTOMS),  # customs clearance started
    "attemptfail_002": (Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
    "attemptfail_003": (Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),  # business closed
    "delivered_002": (Status.DELIVERED, SubStatus.PICKED_UP),  # picked up by the customer
    "delivered_003": (Status.DELIVERED, SubStatus.SIGNED),
    "availableforpickup_001": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
    "exception_001": (_EXCEPTION, None),  # generic delivery exception
    "exception_002": (_EXCEPTION, SubStatus.ADDRESS_PROBLEM),  # customer moved
    "exception_003": (_EXCEPTION, SubStatus.REFUSED),
    "exception_004": (_EXCEPTION, SubStatus.CUSTOMS),  # customs delay
    "exception_005": (_EXCEPTION, SubStatus.DELAYED),  # external factors
    "exception_006": (_EXCEPTION, SubStatus.PAYMENT_DUE),  # held for payment
    "exception_007": (_EXCEPTION, SubStatus.ADDRESS_PROBLEM),  # incorrect address
    "exception_010": (Status.RETURNING, None),
    "exception_011": (Status.RETURNED, None),
    "exception_012": (_EXCEPTION, SubStatus.DAMAGED),
    "exception_013": (_EXCEPTION, SubStatus.LOST),
}

# meta.code -> (kind, message) for errors about the one number of the request.
_NUMBER_ERRORS: dict[int, tuple[ProblemKind, str]] = {
    4001: (ProblemKind.BAD_RESPONSE, "AfterShip could not read our request"),
    4004: (ProblemKind.NOT_FOUND, "AfterShip is not tracking this number yet"),
    4005: (ProblemKind.INVALID_NUMBER, "AfterShip says this tracking number is invalid"),
    4010: (ProblemKind.INVALID_NUMBER, "AfterShip does not know the courier chosen for it"),
    4012: (ProblemKind.INVALID_NUMBER, "AfterShip cannot track it with the chosen courier"),
    404: (ProblemKind.NOT_FOUND, "AfterShip has no such tracking"),
}
_OK_CODES = frozenset({200, 201})
_EXISTS = 4003


# ---------------------------------------------------------------- requests -----------------
def _language(language: str) -> str | None:
    code = language.replace("_", "-").split("-")[0].strip().lower()
    return code if code.isalpha() and len(code) == 2 else None


def _create(number: str, language: str, slug: str | None) -> RequestSpec:
    tracking: dict[str, str] = {"tracking_number": number}
    if slug:
        tracking["slug"] = slug
    if lang := _language(language):
        tracking["language"] = lang
    return RequestSpec("POST", "/trackings", (number,), json_body={"tracking": tracking})


def build_register_requests(
    numbers: Sequence[str], *, language: str, slugs: Mapping[str, str] | None = None
) -> list[RequestSpec]:
    """One create call per number. `slugs` may hold AfterShip slugs or our carrier ids."""
    specs = []
    for number in clean_numbers(numbers):
        hint = (slugs or {}).get(number, "").strip().lower()
        specs.append(_create(number, language, _SLUG_HINTS.get(hint, hint) or None))
    return specs


def build_requests(
    numbers: Sequence[str], *, language: str, slugs: Mapping[str, str] | None = None
) -> list[RequestSpec]:
    """Read each tracking; `slugs` holds AfterShip slugs as `registered_slugs` returned them."""
    specs = []
    for number in clean_numbers(numbers):
        slug = (slugs or {}).get(number, "").strip().lower()
        if slug:
            path = f"/trackings/{quote(slug, safe='')}/{quote(number, safe='')}"
            specs.append(RequestSpec("GET", path, (number,)))
        else:
            specs.append(_create(number, language, None))
    return specs


# ---------------------------------------------------------------- tracking object ----------
def map_status(tag: Any, subtag: Any) -> tuple[Status, SubStatus | None]:
    """AfterShip tag and subtag to our status and sub-status; unknown values are UNKNOWN."""
    sub_key = (text(subtag) or "").lower()
    if sub_key in _SUBTAGS:
        return _SUBTAGS[sub_key]
    prefix = sub_key.partition("_")[0]
    status = _TAGS.get((text(tag) or "").lower()) or _TAGS.get(prefix, Status.UNKNOWN)
    if status is Status.EXCEPTION and prefix == "exception":
        return status, SubStatus.OTHER  # e.g. Exception_016..021: a reason we do not model
    return status, None


# "MEMPHIS, TN 38101", "Memphis, TN, US": a state code after a comma; "MEMPHIS TN 38101": one
# before a ZIP code.
_LOCATION_STATE = re.compile(
    r",\s*([A-Za-z]{2})(?:\s+\d{5}(?:-\d{4})?)?\s*(?:,|$)|\b([A-Za-z]{2})\s+\d{5}(?:-\d{4})?\b"
)


def _state(point: dict[str, Any], country: str | None) -> str | None:
    """The checkpoint's US state: its `state`, else one named in its `location` text."""
    found = us_state(point.get("state"))
    if found is None and country == "US":
        match = _LOCATION_STATE.search(text(point.get("location")) or "")
        found = us_state(match.group(1) or match.group(2)) if match else None
    return found


def _place(point: dict[str, Any]) -> tuple[str | None, str | None]:
    """(country code for a Location, zone for a time without offset) of one checkpoint."""
    country, zone = from_iso3(point.get("country_iso3"))
    if zone is None:
        zone = likely_zone(country, _state(point, country))
    return country, zone


def _checkpoint(raw: Any, fetched_at: datetime) -> TrackingEvent | None:
    point = obj(raw)
    country, zone = _place(point)
    original = text(point.get("checkpoint_time"))
    occurred = utc(read_time(original), zone) or utc(read_time(point.get("created_at")), None)
    if occurred is None:
        return None  # no usable time at all: an event cannot be placed on the timeline
    status, sub_status = map_status(point.get("tag"), point.get("subtag"))
    description = (
        text(point.get("message")) or text(point.get("subtag_message")) or text(point.get("tag"))
    )
    location = Location(
        city=text(point.get("city")) or text(point.get("location")),
        postal_code=text(point.get("zip")),
        country=country,
    )
    try:
        return TrackingEvent(
            occurred_at=occurred,
            status=status,
            description=description or "",
            sub_status=sub_status,
            carrier_code=text(point.get("subtag")) or text(point.get("tag")),
            local_time_text=original,
            location=location,
            source=Source.AGGREGATOR,
            source_name=CARRIER_ID,
            observed_at=fetched_at,
        )
    except (ValueError, OverflowError):
        return None


def _estimate(tracking: dict[str, Any], zone: str | None) -> DeliveryEstimate | None:
    latest = obj(tracking.get("latest_estimated_delivery"))
    own = obj(tracking.get("aftership_estimated_delivery_date"))
    spans = (
        (latest.get("datetime_min") or latest.get("datetime"), latest.get("datetime_max")),
        (tracking.get("expected_delivery"), None),
        (
            own.get("estimated_delivery_date_min") or own.get("estimated_delivery_date"),
            own.get("estimated_delivery_date_max"),
        ),
    )
    for first, last in spans:
        if (found := span_estimate(first, last or first, zone)) is not None:
            return found
    return None


def parse_tracking(
    raw: Any, fetched_at: datetime, *, fallback_number: str | None = None
) -> ParcelUpdate | None:
    """One AfterShip tracking object (polling answer or webhook `msg`) to a ParcelUpdate."""
    tracking = obj(raw)
    number = text(tracking.get("tracking_number")) or fallback_number
    if not number:
        return None
    _, dest_zone = from_iso3(tracking.get("destination_country_iso3"))
    points = as_list(tracking.get("checkpoints"))
    events = tuple(
        event for point in points if (event := _checkpoint(point, fetched_at)) is not None
    )
    tag, subtag = text(tracking.get("tag")), text(tracking.get("subtag"))
    status, sub_status = map_status(tag, subtag) if tag or subtag else (None, None)
    problem = None
    if not events and status in (None, Status.PENDING):
        problem = ProblemKind.PRE_TRANSIT  # known, nothing yet
    elif not events and status is Status.INFO_RECEIVED and sub_status is None:
        sub_status = SubStatus.NOT_HANDED_OVER  # label data, no scan
    delivery_zone = dest_zone
    if delivery_zone is None and points:  # delivered where the last checkpoint was
        delivery_zone = _place(obj(points[-1]))[1]
    signed_by = text(tracking.get("signed_by"))
    delivered_at = utc(read_time(tracking.get("shipment_delivery_date")), delivery_zone)
    proof = None
    if signed_by or (status is Status.DELIVERED and delivered_at is not None):
        proof = ProofOfDelivery(delivered_at=delivered_at, signed_by=signed_by)
    return ParcelUpdate(
        tracking_number=number,
        carrier=carrier_for_slug(text(tracking.get("slug"))) or CARRIER_ID,
        fetched_at=fetched_at,
        source=Source.AGGREGATOR,
        source_name=CARRIER_ID,
        events=events,
        estimate=_estimate(tracking, dest_zone),
        proof_of_delivery=proof,
        status_hint=status,
        sub_status_hint=sub_status,
        carrier_status_code=subtag or tag,
        problem=problem,
    )


# ---------------------------------------------------------------- responses ----------------
def _rate_reset(error: TrackingError, headers: Mapping[str, str], now: datetime) -> TrackingError:
    """AfterShip rarely sends Retry-After; its X-RateLimit-Reset (epoch seconds) says as much."""
    if error.kind is not ProblemKind.RATE_LIMITED or error.retry_after is not None:
        return error
    reset = as_int(header(headers, "x-ratelimit-reset"))
    if reset is None or not 1_000_000_000 <= reset < 100_000_000_000:
        return error  # not an epoch time in seconds
    return dataclasses.replace(error, retry_after=max(0.0, reset - now.timestamp()))


def _error(
    status: int,
    headers: Mapping[str, str],
    meta: dict[str, Any],
    number: str | None,
    now: datetime,
) -> TrackingError:
    code = as_int(meta.get("code"))
    said = clip(meta.get("message"))
    suffix = f" (AfterShip: {said})" if said else ""
    carrier_code = str(code) if code is not None else None
    if code in _NUMBER_ERRORS:
        kind, message = _NUMBER_ERRORS[code]
        return TrackingError(kind, message + suffix, number, None, carrier_code)
    for candidate in (code, status):
        if candidate is not None and 400 <= candidate < 600:
            whole = http_error(candidate, headers, detail=said and f"AfterShip: {said}")
            if whole is not None:
                whole = dataclasses.replace(whole, carrier_code=carrier_code)
                return _rate_reset(whole, headers, now)
    if status == 404:
        kind, message = _NUMBER_ERRORS[404]
        return TrackingError(kind, message + suffix, number, None, carrier_code)
    what = f"code {code}" if code is not None else f"HTTP {status}"
    return TrackingError(
        ProblemKind.BAD_RESPONSE, f"AfterShip answered {what}{suffix}", number, None, carrier_code
    )


def _load(
    status: int, headers: Mapping[str, str], body: bytes, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]] | TrackingError:
    """(meta, tracking) of the envelope, or the whole-request error an unusable body means."""
    try:
        doc = load_json(headers, body)
    except BadResponse as exc:
        return _rate_reset(unreadable(status, headers, exc, DISPLAY_NAME), headers, now)
    root = obj(doc)
    return obj(root.get("meta")), obj(obj(root.get("data")).get("tracking"))


def _only(requested: Sequence[str]) -> str | None:
    numbers = clean_numbers(requested)
    return numbers[0] if len(numbers) == 1 else None


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A read (GET) or create (POST) answer to one ParcelUpdate, or errors."""
    now = now_utc(fetched_at)
    loaded = _load(status, headers, body, now)
    if isinstance(loaded, TrackingError):
        return ParseResult(errors=(loaded,))
    meta, tracking = loaded
    code = as_int(meta.get("code"))
    number = text(tracking.get("tracking_number")) or _only(requested)
    readable = code in _OK_CODES or code == _EXISTS or (code is None and 200 <= status < 300)
    if not readable:
        result = ParseResult(errors=(_error(status, headers, meta, number, now),))
        return complete(result, requested, DISPLAY_NAME)
    update = parse_tracking(tracking, now, fallback_number=_only(requested)) if tracking else None
    if update is not None:
        return complete(ParseResult(parcels=(update,)), requested, DISPLAY_NAME)
    if code == _EXISTS:  # without its slug the next read cannot be built
        missing = "AfterShip already tracks this number but did not name its courier"
    else:
        missing = "AfterShip's answer contains no tracking"
    carrier_code = None if code is None else str(code)
    error = TrackingError(ProblemKind.BAD_RESPONSE, missing, number, None, carrier_code)
    return complete(ParseResult(errors=(error,)), requested, DISPLAY_NAME)


def parse_register_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A create answer: no parcels; an error only when AfterShip rejected the number."""
    now = now_utc(fetched_at)
    loaded = _load(status, headers, body, now)
    if isinstance(loaded, TrackingError):
        return ParseResult(errors=(loaded,))
    meta, tracking = loaded
    code = as_int(meta.get("code"))
    if code in _OK_CODES or code == _EXISTS or (code is None and status in _OK_CODES):
        return ParseResult()
    number = text(tracking.get("tracking_number")) or _only(requested)
    return ParseResult(errors=(_error(status, headers, meta, number, now),))


def registered_slugs(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """number -> AfterShip slug from a create answer (201 or 4003); empty when there is none."""
    loaded = _load(status, headers, body, datetime.now(UTC))
    if isinstance(loaded, TrackingError):
        return {}
    meta, tracking = loaded
    code = as_int(meta.get("code"))
    if code not in _OK_CODES and code != _EXISTS:
        return {}
    number, slug = text(tracking.get("tracking_number")), text(tracking.get("slug"))
    return {number: slug.lower()} if number and slug else {}
