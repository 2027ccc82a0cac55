"""GLS Group Track & Trace API v1 `GET /tracking/simple/trackids/{unitnos}`, up to 10 numbers.

Quirks handled: OAuth client credentials, comma-separated unit numbers, `+0200` offsets with no
colon, per-parcel `errorCode` (E_404_01 …) inside a 200, Apigee fault bodies for 401/429
(`steps.jwt.TokenExpired`, `policies.ratelimit.QuotaViolation`), ProblemDetail for 400/404,
and one reference that finds several parcels.

Returns (the shared rule of `parsing`): a delivery scan after a RETURN scan is the return
reaching its sender (RETURNED). GLS has no "returned" event group, so a return may also end with
one more RETURN scan and the parcel status FINAL ("history closed"): that newest RETURN scan is
then the return's end too. Neither gives a proof of delivery.

The spec (v1.0.7) has no status or event group for an address problem or a lost parcel: its
parcel statuses only know NOTDELIVERED and its documented event codes are the INTIAL, DELIVD,
CHANGD and CANCEL ones. Such cases stay NOTDEL scans (FAILED_ATTEMPT) with GLS's own text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from app.carriers.auth import default_parse_token_response
from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.geo import iso2
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
    returned_after_return,
    says_delayed,
    settle,
    text,
    utc,
    whole,
)
from app.domain.models import Location, ParcelUpdate, ProblemKind, ProofOfDelivery, TrackingEvent
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

CARRIER_ID = "gls"
DISPLAY_NAME = "GLS"
DEFAULT_BASE_URL = "https://api.gls-group.net/track-and-trace-v1"
# karrio's v2 path; the spec's securityScheme still names /oauth2/v1/token.
TOKEN_URL = "https://api.gls-group.net/oauth2/v2/token"  # noqa: S105
TRACKING_PAGE_URL = "https://gls-group.com/DE/de/paketverfolgung?match={number}"
BATCH_LIMIT = 10
AUTH = AuthKind.OAUTH_CLIENT_CREDENTIALS
CREDENTIAL_FIELDS = (
    CredentialField("client_id", "Client ID", "Client-ID", secret=False),
    CredentialField("client_secret", "Client secret", "Client-Secret"),
)
# (requests per second, requests per day or None): 500 a day is GLS's default quota.
RATE_LIMIT: tuple[float, int | None] = (1.0, 500)

_ZONE = "Europe/Berlin"  # only for a timestamp that arrives without its offset
_E = ProblemKind
_PARCEL_ERRORS = {
    "E_400_01": _E.INVALID_NUMBER,
    "E_400_02": _E.BAD_RESPONSE,  # more than 10 numbers: a client bug
    "E_400_03": _E.INVALID_NUMBER,
    "E_404_01": _E.NOT_FOUND,
    "E_404_02": _E.NOT_FOUND,
    "E_500_01": _E.UNAVAILABLE,
}
S, Sub = Status, SubStatus
_PARCEL_STATUS: dict[str, tuple[Status | None, SubStatus | None]] = {
    "PLANNEDPICKUP": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "INPICKUP": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "NOTPICKEDUP": (S.EXCEPTION, Sub.NOT_HANDED_OVER),
    "PREADVICE": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "INTRANSIT": (S.IN_TRANSIT, None),
    "INDELIVERY": (S.OUT_FOR_DELIVERY, None),
    # GLS counts the hand-over to a ParcelShop as its delivery; the recipient still collects.
    "DELIVEREDPS": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "DELIVERED": (S.DELIVERED, None),
    "INWAREHOUSE": (S.IN_TRANSIT, Sub.HELD),
    "NOTDELIVERED": (S.FAILED_ATTEMPT, None),
    "CANCELED": (S.EXCEPTION, Sub.CANCELLED),
    "FINAL": (None, None),  # history closed: says nothing about where the parcel is
}
# Event codes are "GROUP.DETAIL"; exact codes first, then the group [groups partly unconf].
_EVENT_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "INTIAL.PREADVICE": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "INTIAL.E48_DATA": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "INTIAL.NORMAL": (S.IN_TRANSIT, Sub.PICKED_UP),
    "DELIVD.PARCELSHOP": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "DELIVD.NEIGHBOR": (S.DELIVERED, Sub.NEIGHBOUR),
    "DELIVD.DEPOSIT": (S.DELIVERED, Sub.SAFE_PLACE),
}
_EVENT_GROUPS: dict[str, tuple[Status, SubStatus | None]] = {
    "INTIAL": (S.IN_TRANSIT, None),
    "INBOUND": (S.IN_TRANSIT, None),
    "OUTBOUND": (S.IN_TRANSIT, None),
    "INTRANSIT": (S.IN_TRANSIT, None),
    "INWAREHOUSE": (S.IN_TRANSIT, Sub.HELD),
    "INDELIVERY": (S.OUT_FOR_DELIVERY, None),
    "DELIVD": (S.DELIVERED, None),
    "NOTDEL": (S.FAILED_ATTEMPT, None),
    "RETURN": (S.RETURNING, None),
    "DAMAGE": (S.EXCEPTION, Sub.DAMAGED),
    "CANCEL": (S.EXCEPTION, Sub.CANCELLED),
    "CHANGD": (S.IN_TRANSIT, None),  # a delivery change the recipient asked for
}


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    accept = "DE" if (language or "")[:2].lower() == "de" else "EN"
    chunks = (numbers[i : i + BATCH_LIMIT] for i in range(0, len(numbers), BATCH_LIMIT))
    return [
        RequestSpec(
            method="GET",
            path="/tracking/simple/trackids/" + ",".join(quote(n.strip(), safe="") for n in chunk),
            tracking_numbers=tuple(chunk),
            params=(("showEvents", "true"), ("showLinks", "false")),
            headers=(("Accept", "application/json"), ("Accept-Language", accept)),
        )
        for chunk in chunks
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
        return _status_errors(status, headers, body)
    data = obj(load_json(headers, body))
    if "parcels" not in data:
        return whole(ProblemKind.BAD_RESPONSE, "the GLS answer has no parcel list")
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for raw in as_list(data.get("parcels")):
        parcel = obj(raw)
        unitno = text(parcel.get("unitno"))
        asked = text(parcel.get("requested")) or unitno
        number = pick(wanted, [asked]) or pick(wanted, [unitno]) or asked
        if number is None:
            continue
        code = text(parcel.get("errorCode"))
        if code is not None:
            kind = _PARCEL_ERRORS.get(code.upper(), ProblemKind.NOT_FOUND)
            said = text(parcel.get("errorMessage"))
            errors.extend(each(kind, "GLS could not find it", [number], code, said=said))
            continue
        parcels.append(_update(number, unitno, parcel, fetched))
    missing = "the GLS answer did not include this number"
    return finish(parcels, errors, wanted, missing, once_per=str)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse, unique=True, aware=True)


def _status_errors(status: int, headers: Mapping[str, str], body: bytes) -> ParseResult:
    """Apigee faults (401, 429) and ProblemDetails (400, 404) concern the whole request."""
    data = obj(load_json_lenient(status, headers, body))
    fault = obj(data.get("fault"))
    code = text(obj(fault.get("detail")).get("errorcode"))
    detail = text(fault.get("faultstring")) or text(data.get("detail"))
    if code == "policies.ratelimit.QuotaViolation":
        status = 429  # Apigee has been seen to send quota faults with other statuses
    failure = http_error(status, headers, detail=detail, code=code)
    if failure is not None:
        return ParseResult(errors=(failure,))
    suffix = f": {detail}" if detail else ""
    return whole(ProblemKind.BAD_RESPONSE, f"GLS refused the request (HTTP {status}){suffix}")


def _update(
    number: str, unitno: str | None, parcel: dict[str, Any], fetched: datetime
) -> ParcelUpdate:
    raw_events = [_event(obj(raw)) for raw in as_list(parcel.get("events"))]
    events = sorted((e for e in raw_events if e is not None), key=lambda e: e.occurred_at)
    code = text(parcel.get("status"))
    events = returned_after_return(_closed_return(code, events))
    hint, sub_hint = _PARCEL_STATUS.get((code or "").upper(), (Status.UNKNOWN, None))
    if code and hint is Status.UNKNOWN:
        log.info("GLS parcel status %r is not in the table", code)
    proof = _proof(code, utc(iso(parcel.get("statusDateTime")), _ZONE), events)
    if hint is not None:
        hint, sub_hint = settle(hint, sub_hint, events, proof)
    elif events and events[-1].status is Status.RETURNED:
        hint, sub_hint = Status.RETURNED, None  # FINAL after the return's end
    if hint is Status.RETURNED:
        proof = None  # the parcel went back to its sender: nothing was delivered
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source_name=CARRIER_ID,
        events=tuple(events),
        proof_of_delivery=proof,
        pieces=(unitno,) if unitno and unitno != number else (),
        status_hint=hint,
        sub_status_hint=sub_hint,
        carrier_status_code=code,
    )


def _closed_return(code: str | None, events: list[TrackingEvent]) -> list[TrackingEvent]:
    """Oldest-first events where, with the history closed (FINAL), a newest RETURN scan is the
    return's end: GLS has no event group for "back at the sender"."""
    if (code or "").upper() != "FINAL" or not events or events[-1].status is not Status.RETURNING:
        return events
    return [*events[:-1], replace(events[-1], status=Status.RETURNED, sub_status=None)]


def _proof(
    code: str | None, when: datetime | None, events: list[TrackingEvent]
) -> ProofOfDelivery | None:
    status = (code or "").upper()
    if status not in ("DELIVERED", "DELIVEREDPS"):
        return None
    handed = [e for e in events if e.status in (Status.DELIVERED, Status.AVAILABLE_FOR_PICKUP)]
    at = handed[-1].occurred_at if handed else when
    if status == "DELIVEREDPS":
        return ProofOfDelivery(delivered_at=at, place="ParcelShop")
    sub = handed[-1].sub_status if handed else None
    place = {SubStatus.NEIGHBOUR: "neighbour", SubStatus.SAFE_PLACE: "safe place"}.get(
        sub or SubStatus.OTHER
    )
    return ProofOfDelivery(delivered_at=at, place=place)


def _event(raw: dict[str, Any]) -> TrackingEvent | None:
    local_text = text(raw.get("eventDateTime"))
    when = utc(iso(local_text), _ZONE)
    if when is None:
        return None
    code = text(raw.get("code"))
    key = (code or "").upper()
    found = _EVENT_CODES.get(key) or _EVENT_GROUPS.get(key.split(".", 1)[0])
    status, sub = found or (Status.UNKNOWN, None)
    if found is None:
        log.info("GLS event code %r is not in the table", code)
    description = text(raw.get("description")) or ""
    if status is Status.IN_TRANSIT and sub is None and says_delayed(description):
        sub = SubStatus.DELAYED
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description,
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        location=Location(
            city=text(raw.get("city")),
            postal_code=text(raw.get("postalCode")),
            country=iso2(raw.get("country")),
        ),
        source_name=CARRIER_ID,
    )
