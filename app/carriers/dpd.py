"""DPD Germany, public tracking JSON `GET /rest/plc/{locale}/{parcelNo}` (no auth, one parcel).

Quirks handled: scan dates in Europe/Berlin with no offset, `scan[]` oldest first, statusInfo
dates as "dd.MM.yyyy, HH:mm" free text, unknown numbers answered with 200 and an empty life
cycle, Akamai bot-protection pages (403 or HTML with 200), the 14-digit number the user typed
vs. the 15-character one with DPD's check character.

Returns: DPD has no return scan (see codes_dpd). When a return step of the statusInfo list
(RETURN, RETURN_TO_SENDER, RETURNED) has been reached, the hub scans from its date on are the
return travelling (RETURNING) and the delivery scan after them is the return reaching the sender
(RETURNED, the shared rule `returned_after_return`/`settle`), so no proof of delivery is made.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_dpd import RETURN_STEPS, SCAN_CODES, STATUS_INFO, sub_status_from_text
from app.carriers.geo import iso2
from app.carriers.parsing import (
    as_list,
    carrier_parser,
    each,
    http_error,
    iso,
    load_json,
    obj,
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
    "TRACKING_PAGE_URL",
    "build_requests",
    "parse_response",
]

log = logging.getLogger(__name__)

CARRIER_ID = "dpd"
DISPLAY_NAME = "DPD"
DEFAULT_BASE_URL = "https://tracking.dpd.de"
TRACKING_PAGE_URL = "https://tracking.dpd.de/status/de_DE/parcel/{number}"
BATCH_LIMIT = 1
AUTH = AuthKind.NONE
CREDENTIAL_FIELDS: tuple[CredentialField, ...] = ()
# (requests per second, requests per day or None): unofficial and bot-protected, so go slowly.
RATE_LIMIT: tuple[float, int | None] = (0.2, 500)

_ZONE = "Europe/Berlin"
_UNKNOWN = "DPD does not know this parcel number"
_LOCALES = {"de": "de_DE", "en": "en_US"}
_PLACE = re.compile(r"^(?P<city>.*?)\s*\((?P<country>[A-Za-z]{2})\)\s*$")


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    locale = _LOCALES.get((language or "")[:2].lower(), "en_US")
    return [
        RequestSpec(
            method="GET",
            path=f"/rest/plc/{locale}/{quote(number.strip(), safe='')}",
            tracking_numbers=(number,),
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
    if status in (401, 403):  # no auth exists: this is Akamai refusing a "bot"
        return whole(ProblemKind.UNAVAILABLE, "DPD's bot protection refused the request")
    failure = http_error(status, headers)
    if failure is not None:
        return ParseResult(errors=(failure,))
    if status == 404:
        return ParseResult(errors=each(ProblemKind.NOT_FOUND, _UNKNOWN, wanted))
    if status == 400:
        rejected = "DPD rejected this parcel number"
        return ParseResult(errors=each(ProblemKind.INVALID_NUMBER, rejected, wanted))
    if status != 200:
        return whole(ProblemKind.BAD_RESPONSE, f"DPD answered with HTTP {status}")
    envelope = obj(load_json(headers, body)).get("parcellifecycleResponse")
    if not isinstance(envelope, dict):
        return whole(ProblemKind.BAD_RESPONSE, "the DPD answer has no parcel life cycle")
    data = obj(envelope.get("parcelLifeCycleData"))
    if not data:  # DPD answers unknown numbers with an empty life cycle
        return ParseResult(errors=each(ProblemKind.NOT_FOUND, _UNKNOWN, wanted))
    number = _number(wanted, text(obj(data.get("shipmentInfo")).get("parcelLabelNumber")))
    if number is None:
        return whole(ProblemKind.BAD_RESPONSE, "the DPD answer names no parcel")
    update = _update(number, data, fetched)
    rest = wanted[1:]  # more than one number per request is a caller bug; do not lose them
    errors = tuple(
        TrackingError(ProblemKind.NOT_FOUND, "the DPD answer did not include this number", n)
        for n in rest
    )
    return ParseResult(parcels=(update,), errors=errors)


parse_response = carrier_parser(DISPLAY_NAME, log, _parse, unique=True, aware=True)


def _number(wanted: tuple[str, ...], returned: str | None) -> str | None:
    """One request asks for one parcel, so the answer is for the first requested number."""
    return wanted[0] if wanted else returned


def _update(number: str, data: dict[str, Any], fetched: datetime) -> ParcelUpdate:
    scans = [_scan(obj(raw)) for raw in as_list(obj(data.get("scanInfo")).get("scan"))]
    events = sorted((e for e in scans if e is not None), key=lambda e: e.occurred_at)
    infos = [obj(raw) for raw in as_list(data.get("statusInfo"))]
    if not events:  # no scans: the reached statusInfo steps are the only history
        events = [e for e in (_info_event(info) for info in infos) if e is not None]
    events = returned_after_return(_returns(events, infos))
    hint, sub_hint, code = _headline(infos)
    if not events and hint in (None, Status.INFO_RECEIVED):
        hint, sub_hint = Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER  # label data only
    delivered = [e for e in events if e.status is Status.DELIVERED]
    proof = None
    if delivered:
        last = delivered[-1]
        proof = ProofOfDelivery(delivered_at=last.occurred_at, place=_place(last.sub_status))
    if hint is not None:
        hint, sub_hint = settle(hint, sub_hint, events, proof)
    return ParcelUpdate(
        tracking_number=number,
        carrier=CARRIER_ID,
        fetched_at=fetched,
        source_name=CARRIER_ID,
        events=tuple(events),
        proof_of_delivery=proof,
        status_hint=hint,
        sub_status_hint=sub_hint,
        carrier_status_code=code or (events[-1].carrier_code if events else None),
    )


def _returns(events: list[TrackingEvent], infos: list[dict[str, Any]]) -> list[TrackingEvent]:
    """Oldest-first events with the return marked: from the first reached return step's time
    on, hub scans are the return travelling and a delivery scan is it reaching the sender."""
    begun = [
        when
        for info in infos
        if _flag(info.get("statusHasBeenReached"))
        and _key(text(info.get("status")) or "") in RETURN_STEPS
        and (when := _info_time(text(info.get("date")))) is not None
    ]
    if not begun:
        return events
    since = min(begun)  # to the minute: the statusInfo date has no seconds
    marked: list[TrackingEvent] = []
    for event in events:
        if event.occurred_at.replace(second=0, microsecond=0) >= since:
            if event.status is Status.IN_TRANSIT:
                event = replace(event, status=Status.RETURNING, sub_status=None)
            elif event.status is Status.DELIVERED:
                event = replace(event, status=Status.RETURNED, sub_status=None)
        marked.append(event)
    return marked


def _scan(scan: dict[str, Any]) -> TrackingEvent | None:
    local_text = text(scan.get("date"))
    when = utc(iso(local_text), _ZONE)
    if when is None:
        return None
    data = obj(scan.get("scanData"))
    kind = obj(data.get("scanType"))
    code = text(kind.get("code"))
    if code and code.isdigit():
        code = code.zfill(2)  # 3 sent as a number means "03"
    lines = [text(line) for line in as_list(obj(scan.get("scanDescription")).get("content"))]
    description = " ".join(line for line in lines if line) or text(kind.get("name")) or ""
    status, sub = SCAN_CODES.get(code or "", (Status.UNKNOWN, None))
    if status is Status.UNKNOWN:
        log.info("DPD scan code %r is not in the table", code)
    sub = sub or sub_status_from_text(description, status)
    if status is Status.IN_TRANSIT and sub is None and says_delayed(description):
        sub = SubStatus.DELAYED
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description,
        sub_status=sub,
        carrier_code=code,
        local_time_text=local_text,
        location=_location(text(data.get("location")), text(data.get("country"))),
        source_name=CARRIER_ID,
    )


def _info_event(info: dict[str, Any]) -> TrackingEvent | None:
    if not _flag(info.get("statusHasBeenReached")):
        return None
    local_text = text(info.get("date"))
    when = _info_time(local_text)
    name = text(info.get("status"))
    if when is None or name is None:
        return None
    status, sub = STATUS_INFO.get(_key(name), (Status.UNKNOWN, None))
    label = text(info.get("label")) or name
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=label,
        sub_status=sub,
        carrier_code=name,
        local_time_text=local_text,
        source_name=CARRIER_ID,
    )


def _headline(infos: list[dict[str, Any]]) -> tuple[Status | None, SubStatus | None, str | None]:
    """The current statusInfo step, else the last one reached."""
    current = [i for i in infos if _flag(i.get("isCurrentStatus"))]
    reached = [i for i in infos if _flag(i.get("statusHasBeenReached"))]
    chosen = (current or reached or [{}])[-1]
    name = text(chosen.get("status"))
    if name is None:
        return None, None, None
    status, sub = STATUS_INFO.get(_key(name), (Status.UNKNOWN, None))
    return status, sub, name


def _info_time(stamp: str | None) -> datetime | None:
    if stamp is None:
        return None
    try:
        return utc(datetime.strptime(stamp, "%d.%m.%Y, %H:%M"), _ZONE)
    except ValueError:
        return None


def _location(place: str | None, country: str | None) -> Location:
    """ "Aschaffenburg (DE)" -> city and country; a bare country field fills the gap."""
    city = place
    code = iso2(country)
    match = _PLACE.match(place or "")
    if match:
        city = match.group("city") or None
        code = match.group("country").upper()
    return Location(city=city, country=code)


def _place(sub: SubStatus | None) -> str | None:
    return {SubStatus.NEIGHBOUR: "neighbour", SubStatus.PICKUP_POINT: "Pickup parcel shop"}.get(
        sub or SubStatus.OTHER
    )


def _key(name: str) -> str:
    return name.replace("_", "").replace(" ", "").upper()


def _flag(value: Any) -> bool:
    """Booleans sometimes arrive as strings."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
