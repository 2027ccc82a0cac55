"""DHL Shipment Tracking – Unified API (v1): requests and a pure, lenient parser.

Quirks handled: parcel-de/post-de timestamps without offset (German local time), newest-first
events, `references` as one object instead of an array, combined `addressLocality` strings,
RFC 7807 ProblemDetail errors, and everything `parsing.load_json` catches.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_dhl import STATUS_CODES, refine
from app.carriers.geo import iso2, zone_for
from app.carriers.parsing import (
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

_NOT_FOUND = "DHL has no shipment with this number"
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


def _parse(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    requested: tuple[str, ...],
    fetched: datetime,
) -> ParseResult:
    data = load_json_lenient(status, headers, body)
    problem = obj(data)
    embedded = problem.get("status")
    if status == 200 and "shipments" not in problem and type(embedded) is int:
        status = embedded  # a ProblemDetail delivered with 200
    if status != 200:
        return ParseResult(errors=_status_errors(status, headers, problem, requested))
    if not isinstance(data, dict) or "shipments" not in data:
        return whole(ProblemKind.BAD_RESPONSE, "the DHL answer has no shipment list")
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for raw in as_list(data.get("shipments")):
        _shipment(obj(raw), requested, fetched, parcels, errors)
    return finish(parcels, errors, requested, _NOT_FOUND)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse)


def _status_errors(
    status: int, headers: Mapping[str, str], problem: dict[str, Any], requested: tuple[str, ...]
) -> tuple[TrackingError, ...]:
    detail = text(problem.get("detail")) or text(problem.get("title"))
    whole = http_error(status, headers, detail=detail)
    if whole is not None:
        return (whole,)
    if status == 404:
        return each(ProblemKind.NOT_FOUND, _NOT_FOUND, requested, said=detail)
    if status == 400:
        rejected = "DHL rejected this number"
        return each(ProblemKind.INVALID_NUMBER, rejected, requested, said=detail)
    message = f"unexpected HTTP {status} from DHL" + (f": {detail}" if detail else "")
    return (TrackingError(ProblemKind.BAD_RESPONSE, message),)


def _shipment(
    ship: dict[str, Any],
    requested: tuple[str, ...],
    fetched: datetime,
    parcels: list[ParcelUpdate],
    errors: list[TrackingError],
) -> None:
    details = obj(ship.get("details"))
    pieces = tuple(p for p in (text(x) for x in as_list(details.get("pieceIds"))) if p)
    refs = [text(obj(r).get("number")) for r in as_list(details.get("references"))]
    number = _match(requested, [text(ship.get("id")), *pieces, *refs])
    if number is None:
        log.info("DHL shipment without a usable id skipped")
        return
    zone = _SERVICE_ZONES.get(text(ship.get("service")) or "")
    raw_events = as_list(ship.get("events"))
    parsed = [e for e in (_event(obj(raw), zone, fetched) for raw in raw_events) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    head = obj(ship.get("status"))
    if not events and not head:
        errors.append(_pre_transit(number))
        return
    pod = _pod(obj(details.get("proofOfDelivery")), zone)
    hint, sub_hint = settle(*_status(head), events, pod)
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
            carrier_status_code=text(head.get("statusCode")),
        )
    )


def _pre_transit(number: str) -> TrackingError:
    message = "DHL knows this number but has no scan yet"
    return TrackingError(ProblemKind.PRE_TRANSIT, message, number)


def _status(raw: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    code = (text(raw.get("statusCode")) or "").lower()
    status, sub = STATUS_CODES.get(code, (Status.UNKNOWN, None))
    if code and code not in STATUS_CODES:
        log.info("unknown DHL statusCode %r", code)
    texts = " ".join(
        t for key in ("status", "statusDetailed", "description") if (t := text(raw.get(key)))
    )
    return refine(status, sub, texts)


def _event(raw: dict[str, Any], zone: str | None, fetched: datetime) -> TrackingEvent | None:
    stamp = text(raw.get("timestamp"))
    address = obj(obj(raw.get("location")).get("address"))
    location = Location(
        city=_city(text(address.get("addressLocality"))),
        postal_code=text(address.get("postalCode")),
        country=iso2(address.get("countryCode")),
    )
    when = _moment(stamp, zone or zone_for(location.country))
    if when is None:
        log.info("DHL event without a readable timestamp skipped: %r", stamp)
        return None
    status, sub = _status(raw)
    description = text(raw.get("description")) or text(raw.get("status")) or status.value
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description,
        sub_status=sub,
        carrier_code=text(raw.get("statusCode")),
        local_time_text=stamp,
        location=location,
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _estimate(ship: dict[str, Any], zone: str | None) -> DeliveryEstimate | None:
    frame = obj(ship.get("estimatedDeliveryTimeFrame"))
    start = iso(frame.get("estimatedFrom"))
    end = iso(frame.get("estimatedThrough"))
    anchor = start or iso(ship.get("estimatedTimeOfDelivery")) or end
    if anchor is None:
        return None
    day = anchor.date()  # the day as DHL wrote it, in the recipient's local time
    latest = end.date() if end is not None and end.date() > day else None
    return DeliveryEstimate(
        day=day,
        latest_day=latest,
        window_start=utc(start, zone),
        window_end=utc(end, zone),
        source=Source.CARRIER,
    )


def _pod(raw: dict[str, Any], zone: str | None) -> ProofOfDelivery | None:
    if not raw:
        return None
    signed = obj(raw.get("signed"))
    name = text(signed.get("name")) or " ".join(
        t for t in (text(signed.get("givenName")), text(signed.get("familyName"))) if t
    )
    return ProofOfDelivery(
        delivered_at=utc(iso(raw.get("timestamp")), zone),
        signed_by=name or None,
        # The POD document carries the signature when DHL sends no separate image.
        signature_url=text(raw.get("signatureUrl")) or text(raw.get("documentUrl")),
    )


# ------------------------------------------------------------------ small lenient helpers --


def _match(requested: tuple[str, ...], candidates: list[str | None]) -> str | None:
    """The requested spelling of a number the shipment answers to (id, piece or reference)."""
    found = pick(requested, candidates)
    if found is not None:
        return found
    if len(requested) == 1:
        return requested[0]  # one number per request: the answer is for it
    return candidates[0]


def _moment(stamp: str | None, zone: str | None) -> datetime | None:
    moment = iso(stamp)
    if moment is not None and moment.tzinfo is None and zone is None:
        log.debug("DHL time %r has no zone and no known place: read as UTC", stamp)
    return utc(moment, zone)


def _city(locality: str | None) -> str | None:
    """'Oderweg 2, AMSTERDAM' -> 'AMSTERDAM'; 'MUNICH - GERMANY' -> 'MUNICH'."""
    if not locality:
        return None
    city = locality.rsplit(",", 1)[-1].split(" - ", 1)[0].strip()
    return city or None
