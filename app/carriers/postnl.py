"""PostNL Shippingstatus webservice v2 `GET /shipment/v2/status/barcode/{barcode}?detail=true`.

Quirks handled: `apikey` header, `TimeStamp` as "dd-MM-yyyy HH:mm:ss" in Dutch local time,
`Shipment` as an object or an array (multi-collo), CurrentStatus vs CompleteStatus envelopes,
`Warnings`/`Errors` lists for unknown or invalid barcodes, Apigee fault bodies for 401/429.
PostNL speaks NL and EN only, so German users get EN.

Returns (the shared rule of `parsing`): PostNL's tables have no "returned to sender". A return
ends with one more return event (X22) while the status recorded at that moment is a delivery
(11, or phase 4 "Afgeleverd"): that event is the return reaching its sender (RETURNED), as is
any delivery after a return event. Neither gives a proof of delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec
from app.carriers.codes_postnl import EVENT_CODES, PHASES, STATUS_CODES
from app.carriers.parsing import (
    as_list,
    carrier_parser,
    each,
    finish,
    http_error,
    load_json,
    load_json_lenient,
    norm,
    obj,
    pick,
    returned_after_return,
    settle,
    text,
    to_utc,
    whole,
)
from app.domain.models import (
    DeliveryEstimate,
    ParcelUpdate,
    ProblemKind,
    ProofOfDelivery,
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
    "build_requests",
    "parse_response",
]

log = logging.getLogger(__name__)

CARRIER_ID = "postnl"
DISPLAY_NAME = "PostNL"
DEFAULT_BASE_URL = "https://api.postnl.nl"
TRACKING_PAGE_URL = "https://postnl.nl/tracktrace/?B={number}"
BATCH_LIMIT = 1
AUTH = AuthKind.API_KEY_HEADER
API_KEY_HEADER = "apikey"
CREDENTIAL_FIELDS = (CredentialField("api_key", "API key", "API-Schlüssel"),)
# (requests per second, requests per day or None): not published for this API; stay modest.
RATE_LIMIT: tuple[float, int | None] = (1.0, 10000)

_ZONE = "Europe/Amsterdam"
_TZ = ZoneInfo(_ZONE)
_FORMATS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y")
_INVALID_WORDS = ("invalid", "ongeldig", "not valid")


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    return [
        RequestSpec(
            method="GET",
            path=f"/shipment/v2/status/barcode/{quote(number.strip(), safe='')}",
            tracking_numbers=(number,),
            params=(("detail", "true"), ("language", "EN")),  # NL or EN only
            headers=(("Accept", "application/json"),),
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
    root = obj(data.get("CompleteStatus")) or obj(data.get("CurrentStatus")) or data
    shipments = [obj(raw) for raw in as_list(root.get("Shipment"))]
    code, message = _problem(data, root)
    if not shipments:
        if code is None and message is None:
            return whole(ProblemKind.BAD_RESPONSE, "the PostNL answer has no shipment")
        unknown = "PostNL does not know it"
        return ParseResult(errors=each(_kind(message), unknown, wanted, code, said=message))
    parcels: list[ParcelUpdate] = []
    for shipment in shipments:
        barcode = text(shipment.get("Barcode"))
        main = text(shipment.get("MainBarcode"))
        number = pick(wanted, [barcode]) or pick(wanted, [main]) or barcode or main
        if number is None and len(wanted) == 1 and len(shipments) == 1:
            number = wanted[0]
        if number is not None:
            parcels.append(_update(number, barcode, shipment, fetched))
    missing = "the PostNL answer did not include this number"
    return finish(parcels, [], wanted, missing, once_per=str)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse, unique=True, aware=True)


def _status_errors(
    status: int, headers: Mapping[str, str], body: bytes, wanted: tuple[str, ...]
) -> ParseResult:
    data = obj(load_json_lenient(status, headers, body))
    code, message = _problem(data, data)
    failure = http_error(status, headers, detail=message, code=code)
    if failure is not None:
        return ParseResult(errors=(failure,))
    if status == 404:
        unknown = "PostNL does not know it"
        return ParseResult(errors=each(ProblemKind.NOT_FOUND, unknown, wanted, code, said=message))
    if status == 400:
        rejected = "PostNL rejected it"
        errors = each(ProblemKind.INVALID_NUMBER, rejected, wanted, code, said=message)
        return ParseResult(errors=errors)
    suffix = f": {message}" if message else ""
    return whole(ProblemKind.BAD_RESPONSE, f"PostNL answered with HTTP {status}{suffix}", code)


def _problem(data: dict[str, Any], root: dict[str, Any]) -> tuple[str | None, str | None]:
    """The first warning, error or Apigee fault, as (code, text)."""
    fault = obj(data.get("fault"))
    if fault:
        return text(obj(fault.get("detail")).get("errorcode")), text(fault.get("faultstring"))
    for holder in (root, data):
        for key in ("Warnings", "Errors", "Error"):
            for raw in as_list(holder.get(key)):
                item = obj(raw)
                code = text(item.get("Code")) or text(item.get("ErrorNumber"))
                said = next(
                    (
                        text(item.get(name))
                        for name in ("Description", "Message", "ErrorMsg", "Error")
                        if text(item.get(name))
                    ),
                    None,
                )
                if code or said:
                    return code, said
    return None, None


def _kind(message: str | None) -> ProblemKind:
    lowered = (message or "").lower()
    invalid = any(word in lowered for word in _INVALID_WORDS)
    return ProblemKind.INVALID_NUMBER if invalid else ProblemKind.NOT_FOUND


def _update(
    number: str, barcode: str | None, shipment: dict[str, Any], fetched: datetime
) -> ParcelUpdate:
    current = obj(shipment.get("Status"))
    statuses = [current, *(obj(raw) for raw in as_list(shipment.get("OldStatus")))]
    by_moment: dict[str, tuple[Status, SubStatus | None]] = {}
    for entry in reversed(statuses):  # the current status wins a tie
        moment = text(entry.get("TimeStamp")) or text(entry.get("Timestamp"))
        if moment:
            by_moment[moment] = _status_of(entry)
    raw_events = as_list(shipment.get("Event"))
    if raw_events:
        found = [_event(obj(raw), by_moment) for raw in raw_events]
    else:  # detail=false: the status history is all there is
        found = [_status_event(entry) for entry in statuses]
    events = returned_after_return(
        sorted((e for e in found if e is not None), key=lambda e: e.occurred_at)
    )
    hint, sub_hint = _status_of(current) if current else (None, None)
    if hint is not None:
        hint, sub_hint = settle(hint, sub_hint, events, None)
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source_name=CARRIER_ID,
        events=tuple(events),
        estimate=_estimate(shipment),
        proof_of_delivery=_proof(events),
        pieces=(barcode,) if barcode and norm(barcode) != norm(number) else (),
        status_hint=hint,
        sub_status_hint=sub_hint,
        carrier_status_code=text(current.get("StatusCode")) or text(current.get("Code")),
    )


def _status_of(entry: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    code = text(entry.get("StatusCode")) or text(entry.get("Code"))
    phase = text(entry.get("PhaseCode"))
    found = STATUS_CODES.get(code or "") or PHASES.get(phase or "")
    if found is None:
        log.info("PostNL status %r (phase %r) is not in the table", code, phase)
        return Status.UNKNOWN, None
    return found


def _event(
    raw: dict[str, Any], by_moment: dict[str, tuple[Status, SubStatus | None]]
) -> TrackingEvent | None:
    local_text = text(raw.get("TimeStamp")) or text(raw.get("Timestamp"))
    when = _local(local_text)
    if when is None or local_text is None:
        return None
    code = text(raw.get("Code"))
    found = EVENT_CODES.get((code or "").upper()) or by_moment.get(local_text)
    if found is None:
        log.info("PostNL event code %r is not in the table", code)
    status, sub = found or (Status.UNKNOWN, None)
    at_moment = by_moment.get(local_text, (None, None))[0]
    if status is Status.RETURNING and at_moment is Status.DELIVERED:
        status, sub = Status.RETURNED, None  # the return handed over: back at the sender
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=text(raw.get("Description")) or "",
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        source_name=CARRIER_ID,
    )


def _status_event(entry: dict[str, Any]) -> TrackingEvent | None:
    local_text = text(entry.get("TimeStamp")) or text(entry.get("Timestamp"))
    when = _local(local_text)
    if when is None:
        return None
    status, sub = _status_of(entry)
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=text(entry.get("StatusDescription")) or text(entry.get("Description")) or "",
        sub_status=sub,
        carrier_code=text(entry.get("StatusCode")) or text(entry.get("Code")),
        local_time_text=local_text,
        source_name=CARRIER_ID,
    )


def _estimate(shipment: dict[str, Any]) -> DeliveryEstimate | None:
    expectation = obj(shipment.get("Expectation"))
    start = _local(text(expectation.get("ETAFrom")))
    end = _local(text(expectation.get("ETATo")))
    if start is not None and end is not None and start <= end:
        day = start.astimezone(_TZ).date()
        return DeliveryEstimate(day=day, window_start=start, window_end=end)
    planned = _local(text(shipment.get("DeliveryDate")))
    return DeliveryEstimate(day=planned.astimezone(_TZ).date()) if planned else None


def _proof(events: list[TrackingEvent]) -> ProofOfDelivery | None:
    delivered = [e for e in events if e.status is Status.DELIVERED]
    if not delivered:
        return None
    last = delivered[-1]
    place = "PostNL point" if last.sub_status is SubStatus.PICKUP_POINT else None
    return ProofOfDelivery(delivered_at=last.occurred_at, place=place)


def _local(stamp: str | None) -> datetime | None:
    """PostNL's Dutch local time, "dd-MM-yyyy HH:mm:ss" (ISO is accepted too)."""
    if stamp is None:
        return None
    for pattern in _FORMATS:
        try:
            return to_utc(datetime.strptime(stamp, pattern), _ZONE)
        except ValueError:
            continue
        except OverflowError:
            return None
    try:
        return to_utc(datetime.fromisoformat(stamp), _ZONE)
    except (ValueError, OverflowError):
        return None
