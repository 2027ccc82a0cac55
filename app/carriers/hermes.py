"""Hermes Germany HSI `GET /shipmentinfo` (OAuth2 password grant), up to 20 ids per request.

Quirks handled: repeated `shipmentID` parameters, `status[]` newest first, ISO3 country codes,
per-shipment `result` codes (i… info, w… warning, e… error), the error envelope
`listOfResultCodes`, OAuth errors as a string or an object, `deliveryForecast` time slots as
German local times.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.carriers.auth import default_parse_token_response
from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_hermes import lookup
from app.carriers.geo import ISO3_TO_ISO2
from app.carriers.parsing import (
    as_list,
    carrier_parser,
    each,
    finish,
    http_error,
    iso,
    load_json,
    load_json_lenient,
    obj,
    pick,
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
    "TOKEN_URL",
    "TRACKING_PAGE_URL",
    "build_requests",
    "parse_response",
    "parse_token_response",
]

log = logging.getLogger(__name__)

CARRIER_ID = "hermes"
DISPLAY_NAME = "Hermes"
DEFAULT_BASE_URL = "https://de-api.hermesworld.com/services/hsi"
TOKEN_URL = "https://authme.myhermes.de/authorization-facade/oauth2/access_token"  # noqa: S105
TRACKING_PAGE_URL = (
    "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{number}"
)
BATCH_LIMIT = 20  # karrio sends several shipmentID parameters; the answer is a list
AUTH = AuthKind.OAUTH_PASSWORD
CREDENTIAL_FIELDS = (
    CredentialField("username", "User name", "Benutzername", secret=False),
    CredentialField("password", "Password", "Passwort"),
    CredentialField("client_id", "Client ID", "Client-ID", secret=False),
    CredentialField("client_secret", "Client secret", "Client-Secret"),
)
# (requests per second, requests per day or None): not published, so stay modest.
RATE_LIMIT: tuple[float, int | None] = (1.0, 5000)

_ZONE = "Europe/Berlin"
_DELIVERED_PLACES = {
    SubStatus.SAFE_PLACE: "letterbox",
    SubStatus.PICKUP_POINT: "ParcelShop",
    SubStatus.NEIGHBOUR: "neighbour",
}


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    accept = "DE" if (language or "")[:2].lower() == "de" else "EN"
    return [
        RequestSpec(
            method="GET",
            path="/shipmentinfo",
            tracking_numbers=tuple(chunk),
            params=tuple(("shipmentID", number) for number in chunk),
            headers=(("Accept", "application/json"), ("Accept-Language", accept)),
        )
        for chunk in (numbers[i : i + BATCH_LIMIT] for i in range(0, len(numbers), BATCH_LIMIT))
    ]


def parse_token_response(status: int, headers: Mapping[str, str], body: bytes) -> tuple[str, float]:
    """(access token, lifetime in seconds). Raises BadResponse for any unusable answer; the
    client turns HTTP 400/401/403 into AUTH_FAILED and 429/5xx into their kinds first."""
    return default_parse_token_response(status, headers, body)


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
    if "shipmentinfo" not in data:
        code, message = _result_code(data)
        detail = f": {message}" if message else ""
        return whole(ProblemKind.BAD_RESPONSE, f"the Hermes answer has no shipments{detail}", code)
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    infos = [obj(raw) for raw in as_list(data.get("shipmentinfo"))]
    for info in infos:
        returned = text(info.get("shipmentID"))
        number = pick(wanted, [returned]) or returned
        if number is None and len(wanted) == 1 and len(infos) == 1:
            number = wanted[0]
        if number is None:
            continue
        events = _events(info)
        code, message = _result_code(obj(info.get("result")))
        if code and code[:1].lower() == "e" and not events:
            errors.append(_shipment_error(number, code, message))
            continue
        parcels.append(_update(number, info, events, fetched))
    missing = "the Hermes answer did not include this number"
    return finish(parcels, errors, wanted, missing, once_per=str)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse, unique=True, aware=True)


def _status_errors(
    status: int, headers: Mapping[str, str], body: bytes, wanted: tuple[str, ...]
) -> ParseResult:
    data = obj(load_json_lenient(status, headers, body))
    code, message = _result_code(data)
    failure = http_error(status, headers, detail=message, code=code)
    if failure is not None:
        return ParseResult(errors=(failure,))
    if status == 404:
        unknown = "Hermes does not know it"
        return ParseResult(errors=each(ProblemKind.NOT_FOUND, unknown, wanted, code, said=message))
    if status == 400 and len(wanted) == 1:
        rejected = "Hermes rejected it"
        errors = each(ProblemKind.INVALID_NUMBER, rejected, wanted, code, said=message)
        return ParseResult(errors=errors)
    detail = f": {message}" if message else ""
    return whole(ProblemKind.BAD_RESPONSE, f"Hermes answered with HTTP {status}{detail}", code)


def _result_code(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """The code and text of a `result`, a `listOfResultCodes` envelope or an OAuth error."""
    listed = [obj(item) for item in as_list(data.get("listOfResultCodes"))]
    source = listed[0] if listed else data
    error = source.get("error")
    if isinstance(error, dict):  # {"error": {"code", "message"}}
        return text(error.get("code")), text(error.get("message"))
    if error is not None:  # OAuth: {"error": "invalid_token", "error_description": …}
        return text(error), text(source.get("error_description"))
    return text(source.get("code")), text(source.get("message"))


def _shipment_error(number: str, code: str, message: str | None) -> TrackingError:
    lowered = (message or "").lower()
    invalid = any(word in lowered for word in ("invalid", "ungültig", "specification", "not valid"))
    kind = ProblemKind.INVALID_NUMBER if invalid else ProblemKind.NOT_FOUND
    unknown = "Hermes has no information for it"
    return TrackingError(kind, message or unknown, number, None, code, message)


def _events(info: dict[str, Any]) -> list[TrackingEvent]:
    events = [_event(obj(raw)) for raw in as_list(info.get("status"))]
    return sorted((e for e in events if e is not None), key=lambda e: e.occurred_at)


def _event(raw: dict[str, Any]) -> TrackingEvent | None:
    local_text = text(raw.get("timestamp"))
    when = utc(iso(local_text), _ZONE)
    if when is None:
        return None
    code = text(raw.get("code"))
    if code and code.isdigit():
        code = code.zfill(4)  # "0" or 0 for 0000 when numbers arrive as numbers
    status, sub = lookup(code)
    if status is Status.UNKNOWN:
        log.info("Hermes code %r is not in the table", code)
    description = text(raw.get("description")) or ""
    if status is Status.DELIVERED and sub is None and _mentions_neighbour(description):
        sub = SubStatus.NEIGHBOUR
    unit = obj(raw.get("scanningUnit"))
    country = (text(unit.get("countryCode")) or "").upper()
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description,
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        location=Location(
            city=text(unit.get("city")),
            country=ISO3_TO_ISO2.get(country, country if len(country) == 2 else None),
        ),
        source_name=CARRIER_ID,
    )


def _update(
    number: str, info: dict[str, Any], events: list[TrackingEvent], fetched: datetime
) -> ParcelUpdate:
    pre_transit = all(e.status is Status.INFO_RECEIVED for e in events)
    delivered = [e for e in events if e.status is Status.DELIVERED]
    proof = None
    if delivered:
        last = delivered[-1]
        place = _DELIVERED_PLACES.get(last.sub_status) if last.sub_status else None
        proof = ProofOfDelivery(delivered_at=last.occurred_at, place=place)
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source_name=CARRIER_ID,
        events=tuple(events),
        estimate=_estimate(obj(info.get("deliveryForecast"))),
        proof_of_delivery=proof,
        status_hint=Status.INFO_RECEIVED if pre_transit else None,
        sub_status_hint=SubStatus.NOT_HANDED_OVER if pre_transit else None,
        carrier_status_code=events[-1].carrier_code if events else None,
    )


def _estimate(forecast: dict[str, Any]) -> DeliveryEstimate | None:
    try:
        day = date.fromisoformat((text(forecast.get("date")) or "")[:10])
    except ValueError:
        return None
    slot = obj(forecast.get("timeSlot"))
    start, end = _clock(day, slot.get("from")), _clock(day, slot.get("to"))
    if start is None or end is None or end < start:
        return DeliveryEstimate(day=day)
    return DeliveryEstimate(day=day, window_start=start, window_end=end)


def _clock(day: date, value: Any) -> datetime | None:
    try:
        moment = datetime.combine(day, time.fromisoformat(text(value) or ""))
        return moment.replace(tzinfo=ZoneInfo(_ZONE)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _mentions_neighbour(description: str) -> bool:
    lowered = description.lower()
    return "nachbar" in lowered or "neighbour" in lowered or "neighbor" in lowered
