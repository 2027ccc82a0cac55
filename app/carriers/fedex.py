"""FedEx Track API (`/track/v1`): OAuth token, batched requests and a pure, lenient parser.

Quirks handled: unknown numbers answered with HTTP 200 and `trackResults[].error`
(TRACKING.TRACKINGNUMBER.NOTFOUND), newest-first scans, counts as strings, duplicate numbers
(several trackResults, each kept), windows whose start lacks an offset, `errors[]` envelopes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.codes_fedex import FEDEX_CODES, RECIPIENT_ABSENT_REASONS
from app.carriers.geo import iso2, locale_for, zone_for
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

CARRIER_ID = "fedex"
DISPLAY_NAME = "FedEx"
DEFAULT_BASE_URL = "https://apis.fedex.com"
TRACKING_PAGE_URL = "https://www.fedex.com/fedextrack/?trknbr={number}"
BATCH_LIMIT = 30
AUTH = AuthKind.OAUTH_CLIENT_CREDENTIALS
CREDENTIAL_FIELDS = (
    CredentialField("client_id", "API key (client ID)", "API-Schlüssel (Client-ID)", secret=False),
    CredentialField("client_secret", "Secret key", "Geheimer Schlüssel"),
)
# (requests per second, requests per day or None): 1400 per 10 s, 100k per day per project.
RATE_LIMIT: tuple[float, int | None] = (140.0, 100_000)
TOKEN_PATH = "/oauth/token"  # noqa: S105  (a path, not a secret)
_NOT_FOUND = "FedEx has no shipment with this number"


def parse_token_response(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[str, float] | TrackingError:
    """(access token, lifetime in seconds), or the TrackingError that explains the failure.

    Never raises. Wrong credentials (400/401/403) are AUTH_FAILED.
    """
    rejected = "FedEx rejected the API key or secret"
    return token_or_error(
        status, headers, body, name=DISPLAY_NAME, rejected=rejected, first_error=_first_error
    )


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    headers = (
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("x-locale", locale_for(language)),
    )
    batches = [tuple(numbers[i : i + BATCH_LIMIT]) for i in range(0, len(numbers), BATCH_LIMIT)]
    return [
        RequestSpec(
            method="POST",
            path="/track/v1/trackingnumbers",
            tracking_numbers=batch,
            headers=headers,
            json_body={
                "includeDetailedScans": True,
                "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in batch],
            },
        )
        for batch in batches
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
    output = obj(data).get("output")
    if status != 200 or (code and output is None):
        return ParseResult(errors=_status_errors(status, headers, code, message, requested))
    results = obj(output).get("completeTrackResults")
    if results is None:
        return whole(ProblemKind.BAD_RESPONSE, "the FedEx answer has no track results")
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for complete in (obj(c) for c in as_list(results)):
        outer = text(complete.get("trackingNumber"))
        for result in (obj(r) for r in as_list(complete.get("trackResults"))):
            own = text(obj(result.get("trackingNumberInfo")).get("trackingNumber"))
            number = pick(requested, [own, outer]) or own or outer
            if number is not None:
                _result(result, number, fetched, parcels, errors)
    return finish(parcels, errors, requested, _NOT_FOUND)


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
    if status == 404 or "NOTFOUND" in (code or ""):
        return each(ProblemKind.NOT_FOUND, _NOT_FOUND, requested, code, said=message)
    if (status == 400 or "TRACKINGNUMBER" in (code or "")) and len(requested) <= 1:
        rejected = "FedEx rejected this number"
        return each(ProblemKind.INVALID_NUMBER, rejected, requested, code, said=message)
    # A batch rejected as a whole cannot blame one number.
    suffix = f": {message}" if message else ""
    refused = f"FedEx refused the request (HTTP {status}){suffix}"
    return (TrackingError(ProblemKind.BAD_RESPONSE, refused, None, None, code),)


def _result(
    result: dict[str, Any],
    number: str,
    fetched: datetime,
    parcels: list[ParcelUpdate],
    errors: list[TrackingError],
) -> None:
    error = obj(result.get("error"))
    if error:
        errors.append(_result_error(error, number))
        return
    scans = as_list(result.get("scanEvents"))
    parsed = [e for e in (_event(obj(s), fetched) for s in scans) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    head = obj(result.get("latestStatusDetail"))
    if not events and not head:
        message = "FedEx knows this number but has no scan yet"
        errors.append(TrackingError(ProblemKind.PRE_TRANSIT, message, number))
        return
    pod = _pod(result, events)
    hint, sub_hint = settle(*_head_status(head), events, pod)
    parcels.append(
        ParcelUpdate(
            tracking_number=number,
            carrier=CARRIER_ID,
            fetched_at=fetched,
            source=Source.CARRIER,
            source_name=CARRIER_ID,
            events=tuple(events),
            estimate=None if hint in TERMINAL else _estimate(result),
            proof_of_delivery=pod,
            status_hint=hint if head else None,
            sub_status_hint=sub_hint if head else None,
            carrier_status_code=text(head.get("code")) or text(head.get("derivedCode")),
        )
    )


def _result_error(error: dict[str, Any], number: str) -> TrackingError:
    code = text(error.get("code")) or ""
    message = text(error.get("message"))
    if "NOTFOUND" in code or "NOT.FOUND" in code:
        kind, default = ProblemKind.NOT_FOUND, "FedEx has no shipment with this number"
    elif "INVALID" in code or "EMPTY" in code:
        kind, default = ProblemKind.INVALID_NUMBER, "FedEx rejected this number"
    else:
        kind, default = ProblemKind.BAD_RESPONSE, "FedEx reported an error for this number"
    return TrackingError(kind, message or default, number, None, code or None, message)


def _lookup(*codes: str | None) -> tuple[Status, SubStatus | None]:
    for code in codes:
        if code and code.upper() in FEDEX_CODES:
            return FEDEX_CODES[code.upper()]
    if any(codes):
        log.info("unknown FedEx codes %r", codes)
    return Status.UNKNOWN, None


def _head_status(head: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    status, sub = _lookup(text(head.get("code")), text(head.get("derivedCode")))
    reasons = {text(obj(a).get("reason")) for a in as_list(head.get("ancillaryDetails"))}
    if status is Status.FAILED_ATTEMPT and reasons & RECIPIENT_ABSENT_REASONS:
        sub = SubStatus.RECIPIENT_ABSENT
    delay = (text(obj(head.get("delayDetail")).get("status")) or "").upper()
    if status is Status.IN_TRANSIT and sub is None and delay == "DELAYED":
        sub = SubStatus.DELAYED
    return status, sub


def _event(scan: dict[str, Any], fetched: datetime) -> TrackingEvent | None:
    place = obj(scan.get("scanLocation"))
    country = iso2(place.get("countryCode"))
    stamp = text(scan.get("date"))
    when = _moment(stamp, zone_for(country, text(place.get("stateOrProvinceCode"))))
    if when is None:
        log.info("FedEx scan without a readable date skipped: %r", stamp)
        return None
    event_type = text(scan.get("eventType"))
    status, sub = _lookup(event_type, text(scan.get("derivedStatusCode")))
    said = text(scan.get("eventDescription")) or text(scan.get("derivedStatus"))
    exception = text(scan.get("exceptionDescription"))
    description = f"{said}: {exception}" if said and exception else said or exception
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description or status.value,
        sub_status=sub,
        carrier_code=event_type or text(scan.get("derivedStatusCode")),
        local_time_text=stamp,
        location=Location(text(place.get("city")), text(place.get("postalCode")), country),
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _dates(result: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in (obj(d) for d in as_list(result.get("dateAndTimes"))):
        kind, value = text(entry.get("type")), text(entry.get("dateTime"))
        if kind and value:
            found.setdefault(kind.upper(), value)
    return found


def _estimate(result: dict[str, Any]) -> DeliveryEstimate | None:
    window = obj(obj(result.get("estimatedDeliveryTimeWindow")).get("window"))
    begins, ends = iso(window.get("begins")), iso(window.get("ends"))
    dates = _dates(result)
    anchor = begins or ends or iso(dates.get("ESTIMATED_DELIVERY")) or iso(dates.get("COMMITMENT"))
    if anchor is None:
        return None
    # A window start without offset shares the end's offset (the spec's own example).
    if begins is not None and begins.tzinfo is None and ends is not None:
        begins = begins.replace(tzinfo=ends.tzinfo)
    day = anchor.date()
    latest = ends.date() if ends is not None and ends.date() > day else None
    return DeliveryEstimate(
        day=day,
        latest_day=latest,
        window_start=_aware_utc(begins),
        window_end=_aware_utc(ends),
        source=Source.CARRIER,
    )


def _pod(result: dict[str, Any], events: list[TrackingEvent]) -> ProofOfDelivery | None:
    details = obj(result.get("deliveryDetails"))
    delivered = [e.occurred_at for e in events if e.status in (Status.DELIVERED, Status.RETURNED)]
    signed_by = text(details.get("signedByName")) or text(details.get("receivedByName"))
    if not delivered and not signed_by:
        return None
    actual = _moment(_dates(result).get("ACTUAL_DELIVERY"), None)
    return ProofOfDelivery(
        delivered_at=actual or (delivered[-1] if delivered else None),
        signed_by=signed_by,
        place=text(details.get("locationDescription")),
    )


# ------------------------------------------------------------------ small lenient helpers --


def _first_error(data: Any) -> tuple[str | None, str | None]:
    """(code, message) of the first `errors[]` entry (or an RFC 6749 token error)."""
    root = obj(data)
    first = obj(next(iter(as_list(root.get("errors"))), None))
    message = text(first.get("message")) or text(root.get("error_description"))
    return text(first.get("code")) or text(root.get("error")), message


def _aware_utc(moment: datetime | None) -> datetime | None:
    """Only times with an offset make a window; a zone-less one is left out, not guessed."""
    if moment is None or moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _moment(stamp: str | None, zone: str | None) -> datetime | None:
    moment = iso(stamp)
    if moment is not None and moment.tzinfo is None and zone is None:
        log.debug("FedEx time %r has no offset and no known zone: read as UTC", stamp)
    return utc(moment, zone)
