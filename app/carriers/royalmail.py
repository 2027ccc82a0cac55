"""Royal Mail Tracking API v2 ("mailpieces"): `GET /{mailPieceId}/events`, one item each.

Quirks handled: X-IBM-Client-Id/Secret headers, the IBM error envelope `{httpCode, httpMessage,
moreInformation, errors[{errorCode …}]}` with `httpCode` as a number or a string, per-item
errors in `/summary` answers (also parsed, up to 30 items), `mailPieces` as an object (events)
or an array (summary), event order not guaranteed, estimated-delivery windows as times with
offsets beside a date.

Returns (the shared rule of `parsing`): the statusCategory "RETURNED TO SENDER" is RETURNED,
"RETURN TO SENDER" (and any other RETURN…) RETURNING; a delivery scan after a return scan, or
as the newest event under a return category, is the return reaching its sender (RETURNED), and
then no proof of delivery is made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.parsing import (
    as_int,
    as_list,
    carrier_parser,
    finish,
    http_error,
    iso,
    load_json,
    load_json_lenient,
    obj,
    pick,
    returned_after_return,
    settle,
    text,
    to_utc,
    utc,
    whole,
)
from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProblemKind,
    ProofOfDelivery,
    TrackingEvent,
)
from app.domain.status import Status, SubStatus

__all__ = [
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

CARRIER_ID = "royalmail"
DISPLAY_NAME = "Royal Mail"
DEFAULT_BASE_URL = "https://api.royalmail.net/mailpieces/v2"
TRACKING_PAGE_URL = "https://www.royalmail.com/track-your-item#/tracking-results/{number}"
# Numbers per batch: one, because each number gets its own `/events` request (the full
# history). The engine's `AccountGate` counts one slot per batch, so a batch of 30 would send
# 30 requests on one slot and overrun the rate limit. `/summary` would take 30 numbers at once
# but only with the latest event, so it is parsed (up to 30 items), not requested.
BATCH_LIMIT = 1
AUTH = AuthKind.CLIENT_ID_SECRET_HEADERS
CREDENTIAL_FIELDS = (
    CredentialField("client_id", "Client ID", "Client-ID", secret=False),
    CredentialField("client_secret", "Client secret", "Client-Secret"),
)
# (requests per second, requests per day or None): plan-dependent; stay modest.
RATE_LIMIT: tuple[float, int | None] = (1.0, 1000)

_ZONE = "Europe/London"
S, Sub = Status, SubStatus
_EVENT_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "EVKSP": (S.DELIVERED, Sub.SIGNED),
    "EVKSF": (S.DELIVERED, Sub.SAFE_PLACE),
    "EVGPD": (S.OUT_FOR_DELIVERY, None),
    "EVNDA": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # at the delivery office
    "EVKNA": (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT),
}
# statusCategory words, checked in order ("RETURNED" before "RETURN" before "DELIVER…").
_CATEGORIES: tuple[tuple[str, Status, SubStatus | None], ...] = (
    ("RETURNED", S.RETURNED, None),
    ("RETURN", S.RETURNING, None),
    ("OUT FOR DELIVERY", S.OUT_FOR_DELIVERY, None),
    ("ATTEMPT", S.FAILED_ATTEMPT, None),
    ("COLLECT", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("DELIVERED", S.DELIVERED, None),
    # A delay is news, not a stop: the item still travels, as DHL's and FedEx's delays do.
    ("DELAY", S.IN_TRANSIT, Sub.DELAYED),
    ("TRANSIT", S.IN_TRANSIT, None),
    ("NOT YET", S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    ("PRE-ADVICE", S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    ("EXCEPTION", S.EXCEPTION, None),
)
_NOT_FOUND_CODES = frozenset({"E1142"})  # barcode reference not recognised


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    """One events request per item; Royal Mail has no language option."""
    return [
        RequestSpec(
            method="GET",
            path=f"/{quote(number.strip(), safe='')}/events",
            tracking_numbers=(number,),
            headers=(("Accept", "application/json"), ("X-Accept-RMG-Terms", "yes")),
        )
        for number in numbers
    ]


def _parse(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    wanted: tuple[str, ...],
    fetched: datetime,
) -> ParseResult:
    if status != 200:
        return _status_errors(status, headers, body, wanted)
    data = obj(load_json(headers, body))
    if "mailPieces" not in data:
        embedded = as_int(data.get("httpCode"))  # an error envelope delivered with 200
        if embedded is not None and embedded != 200:
            return _envelope_errors(embedded, headers, data, wanted)
        return whole(ProblemKind.BAD_RESPONSE, "the Royal Mail answer has no mail pieces")
    pieces = [obj(raw) for raw in as_list(data.get("mailPieces"))]
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for piece in pieces:
        returned = text(piece.get("mailPieceId"))
        number = pick(wanted, [returned]) or returned
        if number is None and len(wanted) == 1 and len(pieces) == 1:
            number = wanted[0]
        if number is None:
            continue
        problem = obj(piece.get("error"))
        if problem:
            errors.append(_item_error(404, problem, number))
            continue
        parcels.append(_update(number, piece, fetched))
    missing = "the Royal Mail answer did not include this number"
    return finish(parcels, errors, wanted, missing, once_per=str)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse, unique=True, aware=True)


def _status_errors(
    status: int, headers: Mapping[str, str], body: bytes, wanted: tuple[str, ...]
) -> ParseResult:
    data = obj(load_json_lenient(status, headers, body))
    return _envelope_errors(status, headers, data, wanted)


def _envelope_errors(
    status: int, headers: Mapping[str, str], data: dict[str, Any], wanted: tuple[str, ...]
) -> ParseResult:
    first = obj((as_list(data.get("errors")) or [None])[0])
    code = text(first.get("errorCode"))
    detail = (
        text(first.get("errorDescription"))
        or text(data.get("moreInformation"))
        or text(data.get("httpMessage"))
    )
    failure = http_error(status, headers, detail=detail, code=code)
    if failure is not None:
        return ParseResult(errors=(failure,))
    if status in (400, 404) and wanted:
        return ParseResult(errors=tuple(_item_error(status, first, n, detail) for n in wanted))
    suffix = f": {detail}" if detail else ""
    message = f"Royal Mail answered with HTTP {status}{suffix}"
    return ParseResult(errors=(TrackingError(ProblemKind.BAD_RESPONSE, message, None, None, code),))


def _item_error(
    status: int, error: dict[str, Any], number: str, detail: str | None = None
) -> TrackingError:
    code = text(error.get("errorCode"))
    said = text(error.get("errorDescription")) or detail
    if code in _NOT_FOUND_CODES or status == 404:
        kind = ProblemKind.NOT_FOUND
    else:
        kind = ProblemKind.INVALID_NUMBER
    return TrackingError(kind, said or "Royal Mail does not know it", number, None, code, said)


def _update(number: str, piece: dict[str, Any], fetched: datetime) -> ParcelUpdate:
    summary = obj(piece.get("summary"))
    category = _category(text(summary.get("statusCategory")))
    last_code = text(summary.get("lastEventCode"))
    raw_events = as_list(piece.get("events"))
    if raw_events:
        found = [_event(obj(raw), last_code, category) for raw in raw_events]
    else:  # a summary answer: only the latest event
        found = [_summary_event(summary, category)]
    events = returned_after_return(
        sorted((e for e in found if e is not None), key=lambda e: e.occurred_at)
    )
    hint, sub_hint = category if category else (None, None)
    if hint in (Status.RETURNING, Status.RETURNED) and events:
        events = _return_delivered(events)
        if events[-1].status is Status.RETURNED:
            hint, sub_hint = Status.RETURNED, None
    proof = _proof(obj(piece.get("signature")), events)
    if hint is not None:
        hint, sub_hint = settle(hint, sub_hint, events, None)  # only the return rule
    if hint is Status.RETURNED or (events and events[-1].status is Status.RETURNED):
        proof = None  # back at the sender: nothing was delivered
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source_name=CARRIER_ID,
        events=tuple(events),
        estimate=_estimate(obj(piece.get("estimatedDelivery"))),
        proof_of_delivery=proof,
        status_hint=hint,
        sub_status_hint=sub_hint,
        carrier_status_code=last_code or (events[-1].carrier_code if events else None),
    )


def _return_delivered(events: list[TrackingEvent]) -> list[TrackingEvent]:
    """With a return category, a delivery scan as the newest event is the return arriving
    (the earlier return scans may be codes the table does not know)."""
    if events[-1].status is not Status.DELIVERED:
        return events
    return [*events[:-1], replace(events[-1], status=Status.RETURNED, sub_status=None)]


def _category(name: str | None) -> tuple[Status, SubStatus | None] | None:
    upper = (name or "").upper()
    for word, status, sub in _CATEGORIES:
        if word in upper:
            return status, sub
    return (Status.UNKNOWN, None) if upper else None


def _event(
    raw: dict[str, Any], last_code: str | None, category: tuple[Status, SubStatus | None] | None
) -> TrackingEvent | None:
    return _make(
        text(raw.get("eventCode")),
        text(raw.get("eventName")),
        text(raw.get("eventDateTime")),
        text(raw.get("locationName")),
        last_code,
        category,
    )


def _summary_event(
    summary: dict[str, Any], category: tuple[Status, SubStatus | None] | None
) -> TrackingEvent | None:
    code = text(summary.get("lastEventCode"))
    return _make(
        code,
        text(summary.get("lastEventName")),
        text(summary.get("lastEventDateTime")),
        text(summary.get("lastEventLocationName")),
        code,
        category,
    )


def _make(
    code: str | None,
    name: str | None,
    local_text: str | None,
    place: str | None,
    last_code: str | None,
    category: tuple[Status, SubStatus | None] | None,
) -> TrackingEvent | None:
    when = utc(iso(local_text), _ZONE)
    if when is None:
        return None
    found = _EVENT_CODES.get((code or "").upper())
    if found is None and code and code == last_code and category:
        found = category  # the summary's category describes its latest event
    if found is None:
        log.info("Royal Mail event code %r is not in the table", code)
    status, sub = found or (Status.UNKNOWN, None)
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=name or "",
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        location=Location(city=place),
        source_name=CARRIER_ID,
    )


def _estimate(raw: dict[str, Any]) -> DeliveryEstimate | None:
    try:
        day = date.fromisoformat((text(raw.get("date")) or "")[:10])
    except ValueError:
        return None
    start = _clock(day, text(raw.get("startOfEstimatedWindow")))
    end = _clock(day, text(raw.get("endOfEstimatedWindow")))
    if start is None or end is None or end < start:
        return DeliveryEstimate(day=day)
    return DeliveryEstimate(day=day, window_start=start, window_end=end)


def _clock(day: date, clock: str | None) -> datetime | None:
    """ "08:00:00+01:00" on the estimate's day, as UTC."""
    try:
        moment = datetime.combine(day, time.fromisoformat(clock or ""))
        return to_utc(moment, _ZONE)
    except (ValueError, OverflowError):
        return None


def _proof(signature: dict[str, Any], events: list[TrackingEvent]) -> ProofOfDelivery | None:
    delivered = [e for e in events if e.status is Status.DELIVERED]
    signed_by = text(signature.get("recipientName"))
    signed_at = utc(iso(signature.get("signatureDateTime")), _ZONE)
    if not delivered and signed_by is None and signed_at is None:
        return None
    last = delivered[-1] if delivered else None
    place = "safe place" if last and last.sub_status is SubStatus.SAFE_PLACE else None
    return ProofOfDelivery(
        delivered_at=signed_at or (last.occurred_at if last else None),
        signed_by=signed_by,
        place=place,
    )
