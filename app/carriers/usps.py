"""USPS Tracking API v3: OAuth token, requests and a pure, lenient parser.

Quirks handled: `eventTimestamp` in local time without offset (UTC from GMTTimestamp, else the
local time with GMTOffset as minutes (-420) or text ("-05:00"), else the state's zone),
reverse-chronological events, booleans and numbers as strings, blank countries for domestic
scans, the `{apiVersion, error{code, message, errors[]}}` envelope, Retry-After on 429/503.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import quote

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_usps import USPS_CATEGORIES, USPS_EVENT_CODES
from app.carriers.geo import US_STATE_ZONES, likely_zone, zone_for
from app.carriers.parsing import (
    as_float,
    as_list,
    carrier_parser,
    each,
    finish,
    http_error,
    iso,
    load_json_lenient,
    obj,
    pick,
    returned_after_return,
    settle,
    text,
    token_or_error,
    utc,
    whole,
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
from app.domain.status import TERMINAL, Status, SubStatus

__all__ = [
    "AUTH",
    "BATCH_LIMIT",
    "CARRIER_ID",
    "CREDENTIAL_FIELDS",
    "DEFAULT_BASE_URL",
    "DISPLAY_NAME",
    "RATE_LIMIT",
    "TOKEN_PATH",
    "TRACKING_PAGE_URL",
    "build_requests",
    "parse_response",
    "parse_token_response",
]

log = logging.getLogger(__name__)

CARRIER_ID = "usps"
DISPLAY_NAME = "USPS"
DEFAULT_BASE_URL = "https://apis.usps.com"
TRACKING_PAGE_URL = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
BATCH_LIMIT = 1
AUTH = AuthKind.OAUTH_CLIENT_CREDENTIALS
CREDENTIAL_FIELDS = (
    CredentialField("client_id", "Consumer key", "Consumer Key", secret=False),
    CredentialField("client_secret", "Consumer secret", "Consumer Secret"),
)
# (requests per second, requests per day or None): the default quota is 60 per hour.
RATE_LIMIT: tuple[float, int | None] = (60 / 3600, None)
TOKEN_PATH = "/oauth2/v3/token"  # noqa: S105  (a path, not a secret)
_NOT_FOUND = "USPS has no record of this number"

# USPS's wording for a late parcel, "In Transit, Arriving Late". Its event code is unconfirmed,
# so the words mark the delay on an in-transit or unknown event [unconf].
_ARRIVING_LATE = "arriving late"

_COUNTRY_NAMES = {"UNITED STATES": "US", "USA": "US", "CANADA": "CA", "MEXICO": "MX"}
_COUNTRY_NAMES |= {"GERMANY": "DE", "UNITED KINGDOM": "GB", "CHINA": "CN", "FRANCE": "FR"}


def parse_token_response(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[str, float] | TrackingError:
    """(access token, lifetime in seconds), or the TrackingError that explains the failure.

    Never raises. Wrong credentials (400/401/403, RFC 6749 `invalid_client`) are AUTH_FAILED.
    """
    rejected = "USPS rejected the consumer key or secret"
    return token_or_error(
        status, headers, body, name=DISPLAY_NAME, rejected=rejected, first_error=_first_error
    )


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    del language  # USPS answers in English only
    return [
        RequestSpec(
            method="GET",
            path=f"/tracking/v3/tracking/{quote(number, safe='')}",
            tracking_numbers=(number,),
            params=(("expand", "DETAIL"),),
            headers=(("Accept", "application/json"),),
        )
        for number in numbers
    ]


def _parse(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    requested: tuple[str, ...],
    fetched: datetime,
) -> ParseResult:
    data = load_json_lenient(status, headers, body)
    root = obj(data)
    code, message = _first_error(data)
    if status == 200 and "error" in root and "trackingEvents" not in root:
        status = _status_from(code)  # an error envelope delivered with 200
    if status != 200:
        return ParseResult(errors=_status_errors(status, headers, code, message, requested))
    if not root or not ("trackingNumber" in root or "trackingEvents" in root):
        return whole(ProblemKind.BAD_RESPONSE, "the USPS answer has no tracking data")
    own = text(root.get("trackingNumber"))
    found = pick(requested, [own]) or (requested[0] if len(requested) == 1 else own)
    if found is None:
        return whole(ProblemKind.BAD_RESPONSE, "the USPS answer names no tracking number")
    update = _update(root, found, fetched)
    if update is None:
        message = "USPS knows this number but has no scan yet"
        pre_transit = TrackingError(ProblemKind.PRE_TRANSIT, message, found)
        return finish([], [pre_transit], requested, _NOT_FOUND)
    return finish([update], [], requested, _NOT_FOUND)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse)


def _status_from(code: str | None) -> int:
    value = as_float(code)
    return int(value) if value is not None and 400 <= value < 600 else 404


def _status_errors(
    status: int,
    headers: Mapping[str, str],
    code: str | None,
    message: str | None,
    requested: tuple[str, ...],
) -> tuple[TrackingError, ...]:
    failure = http_error(status, headers, detail=message, code=code)
    if failure is not None:
        return (failure,)
    if status == 404:
        return each(ProblemKind.NOT_FOUND, _NOT_FOUND, requested, code, said=message)
    if status == 400:
        rejected = "USPS rejected this number"
        return each(ProblemKind.INVALID_NUMBER, rejected, requested, code, said=message)
    suffix = f": {message}" if message else ""
    unexpected = f"unexpected HTTP {status} from USPS{suffix}"
    return (TrackingError(ProblemKind.BAD_RESPONSE, unexpected, None, None, code),)


def _update(root: dict[str, Any], number: str, fetched: datetime) -> ParcelUpdate | None:
    raw_events = [obj(e) for e in as_list(root.get("trackingEvents"))]
    parsed = [e for e in (_event(raw, fetched) for raw in raw_events) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    category = text(root.get("statusCategory"))
    if not events and not category and not text(root.get("status")):
        return None
    hint, sub_hint = USPS_CATEGORIES.get((category or "").lower(), (Status.UNKNOWN, None))
    newest = events[-1] if events else None
    # "Alert" says only that something is wrong; a known scan code says what.
    vague = hint is Status.UNKNOWN or (category or "").lower() == "alert"
    if newest and newest.status is not Status.UNKNOWN and (vague or hint is newest.status):
        hint, sub_hint = newest.status, newest.sub_status or sub_hint
    pod = _pod(raw_events, events)
    hint, sub_hint = settle(hint, sub_hint, events, pod)
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        events=tuple(events),
        estimate=None if hint in TERMINAL else _estimate(root, raw_events),
        proof_of_delivery=pod,
        status_hint=hint,
        sub_status_hint=sub_hint,
        carrier_status_code=category or (events[-1].carrier_code if events else None),
    )


def _event(raw: dict[str, Any], fetched: datetime) -> TrackingEvent | None:
    state = text(raw.get("eventState"))
    country_text = (text(raw.get("eventCountry")) or "").upper()
    country = _COUNTRY_NAMES.get(country_text) or (country_text if len(country_text) == 2 else None)
    if country is None and not country_text and (state or "").upper() in US_STATE_ZONES:
        country = "US"  # domestic scans leave the country blank
    local_text = text(raw.get("eventTimestamp"))
    when = _when(raw, local_text, country, state)
    if when is None:
        log.info("USPS event without a readable time skipped: %r", local_text)
        return None
    code = text(raw.get("eventCode"))
    status, sub = USPS_EVENT_CODES.get((code or "").upper(), (Status.UNKNOWN, None))
    kind = text(raw.get("eventType"))
    late = _ARRIVING_LATE in (kind or "").lower()
    if late and sub is None and status in (Status.IN_TRANSIT, Status.UNKNOWN):
        status, sub = Status.IN_TRANSIT, SubStatus.DELAYED
    elif code and code.upper() not in USPS_EVENT_CODES:
        log.info("unknown USPS eventCode %r", code)
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=kind or status.value,
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        location=Location(text(raw.get("eventCity")), text(raw.get("eventZIP")), country),
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _when(
    raw: dict[str, Any], local_text: str | None, country: str | None, state: str | None
) -> datetime | None:
    """UTC from GMTTimestamp; else local time with GMTOffset; else the place's zone."""
    gmt = iso(raw.get("GMTTimestamp"))
    if gmt is not None:
        return utc(gmt if gmt.tzinfo else gmt.replace(tzinfo=UTC))
    local = iso(local_text)
    if local is None:
        return None
    if local.tzinfo is not None:
        return utc(local)
    offset = _offset(raw.get("GMTOffset"))
    if offset is not None:
        return utc(local.replace(tzinfo=offset))
    zone = zone_for(country or "US", state)
    if zone is None:
        log.debug(
            "USPS time %r at %s/%s has no known zone: read as UTC", local_text, country, state
        )
    return utc(local, zone)


def _offset(value: Any) -> timezone | None:
    """GMTOffset as minutes (-420), hours (-7) or text ('-05:00', '-7:00', '-0500')."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        minutes = float(value) * 60 if abs(value) <= 14 else float(value)
    else:
        raw = text(value) or ""
        sign = -1 if raw.startswith("-") else 1
        body = raw.lstrip("+-")
        if ":" in body:
            hours, _, mins = body.partition(":")
            if not (hours.isdigit() and mins.isdigit()):
                return None
            minutes = sign * (int(hours) * 60 + int(mins))
        elif body.isdigit() and len(body) == 4:
            minutes = sign * (int(body[:2]) * 60 + int(body[2:]))
        elif body.isdigit():
            amount = int(body)
            minutes = sign * (amount * 60 if amount <= 14 else amount)
        else:
            return None
    if not -14 * 60 <= minutes <= 14 * 60:
        return None
    return timezone(timedelta(minutes=minutes))


def _estimate(root: dict[str, Any], raw_events: list[dict[str, Any]]) -> DeliveryEstimate | None:
    predicted = iso(root.get("predictedDeliveryDate"))
    expected = iso(root.get("expectedDeliveryTimeStamp"))
    guaranteed = iso(root.get("guaranteedDeliveryTimeStamp"))
    anchor = predicted or expected or guaranteed
    if anchor is None:
        return None
    day = anchor.date()
    start = end = None
    if predicted is not None:
        start = _clock(root.get("predictedDeliveryWindowStartTime"))
        end = _clock(root.get("predictedDeliveryWindowEndTime"))
    # A state split between zones takes its main zone: the newest scan's offset would move
    # the window by an hour each time the parcel crosses a zone on its way.
    zone = likely_zone("US", text(root.get("destinationState")))
    # Without a destination state, the newest scan's offset is the nearest local clock we know.
    offset = (
        None if zone else next((o for e in raw_events if (o := _offset(e.get("GMTOffset")))), None)
    )

    def at(clock: time | None) -> datetime | None:
        if clock is None or (zone is None and offset is None):
            return None  # a clock time in an unknown zone would be a guess
        local = datetime.combine(day, clock)
        return utc(local.replace(tzinfo=offset)) if offset else utc(local, zone)

    return DeliveryEstimate(
        day=day, window_start=at(start), window_end=at(end), source=Source.CARRIER
    )


def _pod(raw_events: list[dict[str, Any]], events: list[TrackingEvent]) -> ProofOfDelivery | None:
    delivered = next(
        (e for e in raw_events if (text(e.get("eventCode")) or "") in ("01", "17", "43")), None
    )
    if delivered is None:
        return None
    said = text(delivered.get("eventType")) or ""
    # "Delivered, Front Door/Porch": the part after the comma says where.
    place = said.partition(",")[2].strip() or None
    times = [e.occurred_at for e in events if e.status in (Status.DELIVERED, Status.RETURNED)]
    return ProofOfDelivery(
        delivered_at=times[-1] if times else None,
        signed_by=text(delivered.get("name")) or text(delivered.get("firm")),
        place=place,
    )


# ------------------------------------------------------------------ small lenient helpers --


def _first_error(data: Any) -> tuple[str | None, str | None]:
    """(code, message) of the USPS error envelope, or of an RFC 6749 token error."""
    root = obj(data)
    error = root.get("error")
    if isinstance(error, str):  # OAuth: {"error": "invalid_client", "error_description": …}
        return error, text(root.get("error_description"))
    envelope = obj(error)
    first = obj(next(iter(as_list(envelope.get("errors"))), None))
    message = text(envelope.get("message")) or text(first.get("detail"))
    return text(envelope.get("code")) or text(first.get("code")), message


def _clock(value: Any) -> time | None:
    """'09:00', '09:00:00' or '9:00 AM'."""
    clock = (text(value) or "").upper()
    for pattern in ("%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M%p"):
        try:
            return datetime.strptime(clock, pattern).time()
        except ValueError:
            continue
    return None
