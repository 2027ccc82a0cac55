"""UPS Tracking API (`/api/track/v1`): OAuth token, requests and a pure, lenient parser.

Quirks handled: `expires_in` as a string, 200 answers that mean "not found" (warning TW0001),
scan times local to the scan place (UTC from gmtDate/gmtTime, unpadded "74700" included, else
the local time with gmtOffset, else a zone derived from the place), newest-first activity,
base64 signature/photo images, and `response.errors` envelopes.
The client adds `Authorization: Bearer …` and a unique `transId` header to every request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import quote

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_ups import UPS_STATUS_CODES, UPS_TYPES
from app.carriers.geo import iso2, likely_zone, locale_for, zone_for
from app.carriers.parsing import (
    as_list,
    carrier_parser,
    each,
    finish,
    http_error,
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

CARRIER_ID = "ups"
DISPLAY_NAME = "UPS"
DEFAULT_BASE_URL = "https://onlinetools.ups.com"
TRACKING_PAGE_URL = "https://www.ups.com/track?tracknum={number}"
BATCH_LIMIT = 1
AUTH = AuthKind.OAUTH_CLIENT_CREDENTIALS
CREDENTIAL_FIELDS = (
    CredentialField("client_id", "Client ID", "Client-ID", secret=False),
    CredentialField("client_secret", "Client secret", "Client-Secret"),
)
# (requests per second, requests per day or None): UPS publishes no limit, so stay gentle.
RATE_LIMIT: tuple[float, int | None] = (1.0, None)
TOKEN_PATH = "/security/v1/oauth/token"  # noqa: S105  (a path, not a secret)
TRANSACTION_SRC = "paketpilot"
_NOT_FOUND = "UPS has no tracking information for this number"
_WINDOW_TYPES = ("EDW", "CDW", "IDW")


def parse_token_response(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[str, float] | TrackingError:
    """(access token, lifetime in seconds), or the TrackingError that explains the failure.

    Never raises. Wrong credentials (400/401/403) are AUTH_FAILED.
    """
    rejected = "UPS rejected the client ID or secret"
    return token_or_error(
        status, headers, body, name=DISPLAY_NAME, rejected=rejected, first_error=_first_error
    )


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    params = (
        ("locale", locale_for(language)),
        ("returnSignature", "true"),
        ("returnMilestones", "false"),
        ("returnPOD", "true"),
    )
    headers = (("Accept", "application/json"), ("transactionSrc", TRANSACTION_SRC))
    return [
        RequestSpec(
            method="GET",
            path=f"/api/track/v1/details/{quote(number, safe='')}",
            tracking_numbers=(number,),
            params=params,
            headers=headers,
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
    code, message = _first_error(data)
    if status != 200 or (code and "trackResponse" not in obj(data)):
        return ParseResult(errors=_status_errors(status, headers, code, message, requested))
    shipments = obj(obj(data).get("trackResponse")).get("shipment")
    if shipments is None:
        return whole(ProblemKind.BAD_RESPONSE, "the UPS answer has no shipment list")
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for raw in as_list(shipments):
        _shipment(obj(raw), requested, fetched, parcels, errors)
    return finish(parcels, errors, requested, _NOT_FOUND, pieces=True)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse)


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
    if status == 404 or code == "TW0001":
        return each(ProblemKind.NOT_FOUND, _NOT_FOUND, requested, code, said=message)
    if status == 400 or (code or "").startswith("TV"):
        rejected = "UPS rejected this number"
        return each(ProblemKind.INVALID_NUMBER, rejected, requested, code, said=message)
    suffix = f": {message}" if message else ""
    return (
        TrackingError(
            ProblemKind.BAD_RESPONSE, f"unexpected HTTP {status} from UPS{suffix}", None, None, code
        ),
    )


def _shipment(
    ship: dict[str, Any],
    requested: tuple[str, ...],
    fetched: datetime,
    parcels: list[ParcelUpdate],
    errors: list[TrackingError],
) -> None:
    inquiry = text(ship.get("inquiryNumber"))
    packages = [obj(p) for p in as_list(ship.get("package"))]
    if not packages:
        warning = obj(next(iter(as_list(ship.get("warnings"))), None))
        number = pick(requested, [inquiry])
        said = text(warning.get("message"))
        code = text(warning.get("code"))
        if number is not None:
            errors.extend(each(ProblemKind.NOT_FOUND, _NOT_FOUND, [number], code, said=said))
        return
    numbers = [text(p.get("trackingNumber")) for p in packages]
    pieces = tuple(n for n in numbers if n) if len(packages) > 1 else ()
    for package, own in zip(packages, numbers, strict=True):
        alternates = as_list(package.get("alternateTrackingNumber"))
        known = [own, *(text(obj(a).get("number")) for a in alternates)]
        number = _number_for(known, inquiry, requested, only_package=len(packages) == 1)
        if number is None:
            continue
        update = _package(package, number, pieces, fetched)
        if update is not None:
            parcels.append(update)
        else:
            message = "UPS knows this number but has no scan yet"
            errors.append(TrackingError(ProblemKind.PRE_TRANSIT, message, number))


def _number_for(
    known: list[str | None], inquiry: str | None, requested: tuple[str, ...], *, only_package: bool
) -> str | None:
    """The requested spelling when the package answers to a requested number, else its own."""
    found = pick(requested, known)
    if found is None and only_package:
        # A lone package answers the inquiry, whatever number it carries itself.
        found = pick(requested, [inquiry]) or (requested[0] if len(requested) == 1 else None)
    return found or known[0] or inquiry


def _package(
    package: dict[str, Any], number: str, pieces: tuple[str, ...], fetched: datetime
) -> ParcelUpdate | None:
    raw_events = [obj(a) for a in as_list(package.get("activity"))]
    parsed = [e for e in (_event(a, fetched) for a in raw_events) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    head = obj(package.get("currentStatus"))
    if not events and not head:
        return None
    pod = _pod(package, events)
    hint, sub_hint = settle(*_status(head), events, pod)
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        events=tuple(events),
        estimate=None if hint in TERMINAL else _estimate(package, raw_events),
        proof_of_delivery=pod,
        pieces=pieces,
        status_hint=hint if head else None,
        sub_status_hint=sub_hint if head else None,
        carrier_status_code=_code(head),
    )


def _status(raw: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    kind = (text(raw.get("type")) or "").upper()
    code = text(raw.get("statusCode"))
    # A code wins over the coarse type: 032/048 (delays) arrive with type X.
    if code in UPS_STATUS_CODES:
        return UPS_STATUS_CODES[code]
    if kind in UPS_TYPES:
        return UPS_TYPES[kind]
    if kind or code:
        log.info("unknown UPS status type %r / statusCode %r", kind, code)
    return Status.UNKNOWN, None


def _code(raw: dict[str, Any]) -> str | None:
    """type/statusCode/scan code, e.g. 'I/005/DP': every code UPS sent, kept for diagnosis."""
    parts = [text(raw.get(key)) or "" for key in ("type", "statusCode", "code")]
    return "/".join(parts) if any(parts) else None


def _event(act: dict[str, Any], fetched: datetime) -> TrackingEvent | None:
    status_raw = obj(act.get("status"))
    address = obj(obj(act.get("location")).get("address"))
    country = iso2(address.get("countryCode")) or iso2(address.get("country"))
    state = text(address.get("stateProvince"))
    local_text = " ".join(t for t in (text(act.get("date")), text(act.get("time"))) if t)
    when = _when(act, country, state)
    if when is None:
        log.info("UPS activity without a readable time skipped: %r", local_text)
        return None
    status, sub = _status(status_raw)
    description = text(status_raw.get("description")) or text(
        status_raw.get("simplifiedTextDescription")
    )
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description or status.value,
        sub_status=sub,
        carrier_code=_code(status_raw),
        local_time_text=local_text or None,
        location=Location(text(address.get("city")), text(address.get("postalCode")), country),
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _when(act: dict[str, Any], country: str | None, state: str | None) -> datetime | None:
    """UTC from gmtDate/gmtTime; else the local time with gmtOffset; else the place's zone."""
    gmt = _combine(act.get("gmtDate"), act.get("gmtTime"))
    if gmt is not None:
        return gmt.replace(tzinfo=UTC)
    local = _combine(act.get("date"), act.get("time"))
    if local is None:
        return None
    offset = _offset(act.get("gmtOffset"))
    if offset is not None:
        return utc(local.replace(tzinfo=offset))
    zone = zone_for(country, state)
    if zone is None:
        log.debug("UPS time %s at %s/%s has no known zone: read as UTC", local, country, state)
    return utc(local, zone)


def _estimate(package: dict[str, Any], raw_events: list[dict[str, Any]]) -> DeliveryEstimate | None:
    dates = {
        (text(obj(d).get("type")) or "").upper(): _day(obj(d).get("date"))
        for d in as_list(package.get("deliveryDate"))
    }
    day = dates.get("RDD") or dates.get("SDD")  # a rescheduled date replaces the scheduled one
    if day is None:
        return None
    window = obj(package.get("deliveryTime"))
    kind = (text(window.get("type")) or "").upper()
    start = _clock(window.get("startTime")) if kind in _WINDOW_TYPES else None
    end = _clock(window.get("endTime")) if kind in (*_WINDOW_TYPES, "CMT") else None
    zone = _destination_zone(package)
    # Without a destination zone, the newest scan's offset is the nearest local clock we know.
    newest = next((a.get("gmtOffset") for a in raw_events if a.get("gmtOffset")), None)
    offset = None if zone else _offset(newest)
    return DeliveryEstimate(
        day=day,
        window_start=_at(day, start, zone, offset),
        window_end=_at(day, end, zone, offset),
        source=Source.CARRIER,
    )


def _destination_zone(package: dict[str, Any]) -> str | None:
    for entry in as_list(package.get("packageAddress")):
        if (text(obj(entry).get("type")) or "").upper() == "DESTINATION":
            address = obj(obj(entry).get("address"))
            country = iso2(address.get("countryCode")) or iso2(address.get("country"))
            # A state split between zones takes its main zone, as USPS's does: the newest
            # scan's offset would move the window each time the parcel crosses a zone.
            return likely_zone(country, text(address.get("stateProvince")))
    return None


def _at(
    day: date, clock: time | None, zone: str | None, offset: timezone | None
) -> datetime | None:
    if clock is None or (zone is None and offset is None):
        return None  # a clock time in an unknown zone would be a guess
    local = datetime.combine(day, clock)
    return utc(local.replace(tzinfo=offset)) if offset else utc(local, zone)


def _pod(package: dict[str, Any], events: list[TrackingEvent]) -> ProofOfDelivery | None:
    info = obj(package.get("deliveryInformation"))
    signature = _data_url(text(obj(info.get("signature")).get("image")))
    photo = _data_url(text(obj(info.get("deliveryPhoto")).get("photo")))
    signed_by = text(info.get("receivedBy"))
    place = text(info.get("location"))
    if not (signature or photo or signed_by or place):
        return None
    delivered = [e.occurred_at for e in events if e.status in (Status.DELIVERED, Status.RETURNED)]
    return ProofOfDelivery(
        delivered_at=delivered[-1] if delivered else None,
        signed_by=signed_by,
        place=place,
        signature_url=signature,
        photo_url=photo,
    )


def _data_url(image: str | None) -> str | None:
    """UPS sends images as base64; a data URL lets the UI show them without another call."""
    if not image:
        return None
    mime = "image/png" if image.startswith("iVBOR") else "image/gif"
    if image.startswith("/9j/"):
        mime = "image/jpeg"
    return f"data:{mime};base64,{image}"


# ------------------------------------------------------------------ small lenient helpers --


def _first_error(data: Any) -> tuple[str | None, str | None]:
    """(code, message) of the first `response.errors` entry, for tokens and tracking alike."""
    root = obj(data)
    errors = as_list(obj(root.get("response")).get("errors")) or as_list(root.get("errors"))
    first = obj(next(iter(errors), None))
    message = text(first.get("message")) or text(root.get("error_description"))
    return text(first.get("code")) or text(root.get("error")), message


def _combine(day_raw: Any, clock_raw: Any) -> datetime | None:
    day = _day(day_raw)
    clock = _clock(clock_raw)
    return datetime.combine(day, clock) if day and clock else None


def _day(value: Any) -> date | None:
    digits = (text(value) or "").replace("-", "")
    try:
        return datetime.strptime(digits, "%Y%m%d").date() if len(digits) == 8 else None
    except ValueError:
        return None


def _clock(value: Any) -> time | None:
    """'074700', unpadded '74700' or '07:47:00' -> 07:47:00."""
    digits = (text(value) or "").replace(":", "")
    if not digits.isdigit() or len(digits) > 6:
        return None
    digits = digits.zfill(6)
    try:
        return time(int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return None


def _offset(value: Any) -> timezone | None:
    """'-05:00', '-5:00' or '+0530' -> a fixed offset."""
    raw = (text(value) or "").replace(":", "")
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("+-")
    if not digits.isdigit() or not 1 <= len(digits) <= 4:
        return None
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
