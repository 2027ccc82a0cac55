"""DHL Shipment Tracking – Unified API (v1): requests and a pure, lenient parser.

Quirks handled: parcel-de/post-de timestamps without offset (German local time), newest-first
events, `references` as one object instead of an array, combined `addressLocality` strings,
RFC 7807 ProblemDetail errors, and everything `parsing.load_json` catches.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_dhl import STATUS_CODES, refine
from app.carriers.codes_ups import returned_after_return, zone_for
from app.carriers.parsing import BadResponse, as_list, http_error, load_json, to_utc
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
    "API_KEY_HEADER",
    "AUTH",
    "BATCH_LIMIT",
    "CARRIER_ID",
    "CREDENTIAL_FIELDS",
    "DEFAULT_BASE_URL",
    "DISPLAY_NAME",
    "RATE_LIMIT",
    "TRACKING_PAGE_URL",
    "build_requests",
    "parse_response",
]

log = logging.getLogger(__name__)

CARRIER_ID = "dhl"
DISPLAY_NAME = "DHL"
DEFAULT_BASE_URL = "https://api-eu.dhl.com"
TRACKING_PAGE_URL = "https://www.dhl.com/de-de/home/tracking.html?tracking-id={number}"
BATCH_LIMIT = 1
AUTH = AuthKind.API_KEY_HEADER
API_KEY_HEADER = "DHL-API-Key"
CREDENTIAL_FIELDS = (CredentialField("api_key", "API key", "API-Schlüssel"),)
# (requests per second, requests per day or None): the starter key's quota.
RATE_LIMIT: tuple[float, int | None] = (1.0, 250)

# Services whose zone-less timestamps are German local time.
_SERVICE_ZONES = {
    "parcel-de": "Europe/Berlin",
    "post-de": "Europe/Berlin",
    "post-international": "Europe/Berlin",
    "parcel-nl": "Europe/Amsterdam",
    "parcel-pl": "Europe/Warsaw",
    "parcel-uk": "Europe/London",
}


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    lang = (language or "de")[:2].lower()
    return [
        RequestSpec(
            method="GET",
            path="/track/shipments",
            tracking_numbers=(number,),
            params=(("trackingNumber", number), ("language", lang)),
            headers=(("Accept", "application/json"),),
        )
        for number in numbers
    ]


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    fetched = fetched_at or datetime.now(UTC)
    try:
        return _parse(status, headers, body, tuple(requested), fetched)
    except Exception:  # a parser bug must not take a sync down; fuzz tests hunt for this
        log.exception("DHL parser failed on HTTP %s", status)
        return ParseResult(errors=(_internal_error(),))


def _internal_error() -> TrackingError:
    return TrackingError(
        ProblemKind.BAD_RESPONSE, "the DHL answer could not be read", None, None, "parser_error"
    )


def _parse(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    requested: tuple[str, ...],
    fetched: datetime,
) -> ParseResult:
    try:
        data = load_json(headers, body) if body.strip() or status == 200 else None
    except BadResponse as exc:
        data = None
        if status == 200:
            return ParseResult(errors=(TrackingError(ProblemKind.BAD_RESPONSE, str(exc)),))
    problem = _obj(data)
    embedded = problem.get("status")
    if status == 200 and "shipments" not in problem and type(embedded) is int:
        status = embedded  # a ProblemDetail delivered with 200
    if status != 200:
        return ParseResult(errors=_status_errors(status, headers, problem, requested))
    if not isinstance(data, dict) or "shipments" not in data:
        return ParseResult(errors=(_bad("the DHL answer has no shipment list"),))
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for raw in as_list(data.get("shipments")):
        _shipment(_obj(raw), requested, fetched, parcels, errors)
    return _finish(parcels, errors, requested)


def _status_errors(
    status: int, headers: Mapping[str, str], problem: dict[str, Any], requested: tuple[str, ...]
) -> tuple[TrackingError, ...]:
    detail = _text(problem.get("detail")) or _text(problem.get("title"))
    whole = http_error(status, headers, detail=detail)
    if whole is not None:
        return (whole,)
    if status == 404:
        message = detail or "DHL has no shipment with this number"
        return _each(ProblemKind.NOT_FOUND, message, requested)
    if status == 400:
        return _each(ProblemKind.INVALID_NUMBER, detail or "DHL rejected this number", requested)
    return (_bad(f"unexpected HTTP {status} from DHL" + (f": {detail}" if detail else "")),)


def _shipment(
    ship: dict[str, Any],
    requested: tuple[str, ...],
    fetched: datetime,
    parcels: list[ParcelUpdate],
    errors: list[TrackingError],
) -> None:
    details = _obj(ship.get("details"))
    pieces = tuple(p for p in (_text(x) for x in as_list(details.get("pieceIds"))) if p)
    refs = [_text(_obj(r).get("number")) for r in as_list(details.get("references"))]
    number = _match(requested, [_text(ship.get("id")), *pieces, *refs])
    if number is None:
        log.info("DHL shipment without a usable id skipped")
        return
    zone = _SERVICE_ZONES.get(_text(ship.get("service")) or "")
    raw_events = as_list(ship.get("events"))
    parsed = [e for e in (_event(_obj(raw), zone, fetched) for raw in raw_events) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    head = _obj(ship.get("status"))
    if not events and not head:
        errors.append(_pre_transit(number))
        return
    hint, sub_hint = _status(head)
    if hint is Status.DELIVERED and events and events[-1].status is Status.RETURNED:
        hint, sub_hint = Status.RETURNED, None  # the return reached the sender
    pod = _pod(_obj(details.get("proofOfDelivery")), zone)
    if hint is Status.DELIVERED and sub_hint is None and pod and pod.signed_by:
        sub_hint = SubStatus.SIGNED
    parcels.append(
        ParcelUpdate(
            tracking_number=number,
            carrier=CARRIER_ID,
            fetched_at=fetched,
            source=Source.CARRIER,
            source_name=CARRIER_ID,
            events=tuple(events),
            estimate=None if hint in TERMINAL else _estimate(ship, zone),
            proof_of_delivery=pod,
            pieces=pieces,
            status_hint=hint if head else None,
            sub_status_hint=sub_hint if head else None,
            carrier_status_code=_text(head.get("statusCode")),
        )
    )


def _pre_transit(number: str) -> TrackingError:
    message = "DHL knows this number but has no scan yet"
    return TrackingError(ProblemKind.PRE_TRANSIT, message, number)


def _status(raw: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    code = (_text(raw.get("statusCode")) or "").lower()
    status, sub = STATUS_CODES.get(code, (Status.UNKNOWN, None))
    if code and code not in STATUS_CODES:
        log.info("unknown DHL statusCode %r", code)
    texts = " ".join(
        t for key in ("status", "statusDetailed", "description") if (t := _text(raw.get(key)))
    )
    return refine(status, sub, texts)


def _event(raw: dict[str, Any], zone: str | None, fetched: datetime) -> TrackingEvent | None:
    stamp = _text(raw.get("timestamp"))
    address = _obj(_obj(raw.get("location")).get("address"))
    location = Location(
        city=_city(_text(address.get("addressLocality"))),
        postal_code=_text(address.get("postalCode")),
        country=_country(address.get("countryCode")),
    )
    when = _moment(stamp, zone or zone_for(location.country))
    if when is None:
        log.info("DHL event without a readable timestamp skipped: %r", stamp)
        return None
    status, sub = _status(raw)
    description = _text(raw.get("description")) or _text(raw.get("status")) or status.value
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description,
        sub_status=sub,
        carrier_code=_text(raw.get("statusCode")),
        local_time_text=stamp,
        location=location,
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _estimate(ship: dict[str, Any], zone: str | None) -> DeliveryEstimate | None:
    frame = _obj(ship.get("estimatedDeliveryTimeFrame"))
    start = _iso(frame.get("estimatedFrom"))
    end = _iso(frame.get("estimatedThrough"))
    anchor = start or _iso(ship.get("estimatedTimeOfDelivery")) or end
    if anchor is None:
        return None
    day = anchor.date()  # the day as DHL wrote it, in the recipient's local time
    latest = end.date() if end is not None and end.date() > day else None
    return DeliveryEstimate(
        day=day,
        latest_day=latest,
        window_start=_utc(start, zone),
        window_end=_utc(end, zone),
        source=Source.CARRIER,
    )


def _pod(raw: dict[str, Any], zone: str | None) -> ProofOfDelivery | None:
    if not raw:
        return None
    signed = _obj(raw.get("signed"))
    name = _text(signed.get("name")) or " ".join(
        t for t in (_text(signed.get("givenName")), _text(signed.get("familyName"))) if t
    )
    return ProofOfDelivery(
        delivered_at=_utc(_iso(raw.get("timestamp")), zone),
        signed_by=name or None,
        # The POD document carries the signature when DHL sends no separate image.
        signature_url=_text(raw.get("signatureUrl")) or _text(raw.get("documentUrl")),
    )


# ------------------------------------------------------------------ small lenient helpers --


def _finish(
    parcels: list[ParcelUpdate], errors: list[TrackingError], requested: tuple[str, ...]
) -> ParseResult:
    seen = {_norm(p.tracking_number) for p in parcels}
    seen |= {_norm(e.tracking_number) for e in errors if e.tracking_number}
    for number in requested:
        if _norm(number) not in seen:
            message = "DHL has no shipment with this number"
            errors.append(TrackingError(ProblemKind.NOT_FOUND, message, number))
            seen.add(_norm(number))
    return ParseResult(parcels=tuple(parcels), errors=tuple(errors))


def _each(kind: ProblemKind, message: str, requested: tuple[str, ...]) -> tuple[TrackingError, ...]:
    if not requested:
        return (TrackingError(kind, message),)
    return tuple(TrackingError(kind, message, number) for number in requested)


def _bad(message: str) -> TrackingError:
    return TrackingError(ProblemKind.BAD_RESPONSE, message)


def _match(requested: tuple[str, ...], candidates: list[str | None]) -> str | None:
    """The requested spelling of a number the shipment answers to (id, piece or reference)."""
    known = {_norm(c) for c in candidates if c}
    for number in requested:
        if _norm(number) in known:
            return number
    if len(requested) == 1:
        return requested[0]  # one number per request: the answer is for it
    return candidates[0]


def _norm(number: str) -> str:
    return "".join(number.split()).upper()


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _iso(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _utc(moment: datetime | None, zone: str | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return to_utc(moment, zone or "UTC")
    except (OverflowError, ValueError):
        return None


def _moment(text: str | None, zone: str | None) -> datetime | None:
    moment = _iso(text)
    if moment is not None and moment.tzinfo is None and zone is None:
        log.debug("DHL time %r has no zone and no known place: read as UTC", text)
    return _utc(moment, zone)


def _country(value: Any) -> str | None:
    code = _text(value)
    return code.upper() if code and len(code) == 2 and code.isalpha() else None


def _city(locality: str | None) -> str | None:
    """'Oderweg 2, AMSTERDAM' -> 'AMSTERDAM'; 'MUNICH - GERMANY' -> 'MUNICH'."""
    if not locality:
        return None
    city = locality.rsplit(",", 1)[-1].split(" - ", 1)[0].strip()
    return city or None
