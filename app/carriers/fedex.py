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
    "build_token_request",
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
_FALLBACK_TOKEN_SECONDS = 300.0  # when the lifetime is missing: refresh soon rather than fail

_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "it": "it_IT", "es": "es_ES"}
_LOCALES |= {"nl": "nl_NL", "pl": "pl_PL", "cs": "cs_CZ", "da": "da_DK", "sv": "sv_SE"}


def locale_for(language: str) -> str:
    """'de' -> 'de_DE', 'de-AT' -> 'de_AT'; unknown languages fall back to US English."""
    tag = (language or "").replace("-", "_")
    if len(tag) == 5 and tag[2] == "_":
        return f"{tag[:2].lower()}_{tag[3:].upper()}"
    return _LOCALES.get(tag[:2].lower(), "en_US")


def build_token_request(client_id: str, client_secret: str) -> RequestSpec:
    return RequestSpec(
        method="POST",
        path=TOKEN_PATH,
        tracking_numbers=(),
        headers=(("Accept", "application/json"),),
        form_body=(
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ),
    )


def parse_token_response(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[str, float] | TrackingError:
    """(access token, lifetime in seconds), or the TrackingError that explains the failure.

    Never raises. Wrong credentials (400/401/403) are AUTH_FAILED.
    """
    try:
        data = load_json(headers, body)
    except BadResponse as exc:
        data = None
        if status == 200:
            return TrackingError(ProblemKind.BAD_RESPONSE, f"FedEx token: {exc}")
    code, message = _first_error(data)
    if status in (400, 401, 403):
        detail = message or "FedEx rejected the API key or secret"
        return TrackingError(ProblemKind.AUTH_FAILED, detail, None, None, code)
    whole = http_error(status, headers, detail=message, code=code)
    if whole is not None:
        return whole
    token = _text(_obj(data).get("access_token"))
    if status != 200 or token is None:
        return TrackingError(ProblemKind.BAD_RESPONSE, f"FedEx sent no token (HTTP {status})")
    seconds = _number(_obj(data).get("expires_in"))
    valid = seconds is not None and 0 < seconds < 10**7
    return token, seconds if valid and seconds is not None else _FALLBACK_TOKEN_SECONDS


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
        log.exception("FedEx parser failed on HTTP %s", status)
        message = "the FedEx answer could not be read"
        error = TrackingError(ProblemKind.BAD_RESPONSE, message, None, None, "parser_error")
        return ParseResult(errors=(error,))


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
    code, message = _first_error(data)
    output = _obj(data).get("output")
    if status != 200 or (code and output is None):
        return ParseResult(errors=_status_errors(status, headers, code, message, requested))
    results = _obj(output).get("completeTrackResults")
    if results is None:
        return ParseResult(errors=(_bad("the FedEx answer has no track results"),))
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for complete in (_obj(c) for c in as_list(results)):
        outer = _text(complete.get("trackingNumber"))
        for result in (_obj(r) for r in as_list(complete.get("trackResults"))):
            own = _text(_obj(result.get("trackingNumberInfo")).get("trackingNumber"))
            number = _pick(requested, [own, outer]) or own or outer
            if number is not None:
                _result(result, number, fetched, parcels, errors)
    return _finish(parcels, errors, requested)


def _status_errors(
    status: int,
    headers: Mapping[str, str],
    code: str | None,
    message: str | None,
    requested: tuple[str, ...],
) -> tuple[TrackingError, ...]:
    whole = http_error(status, headers, detail=message, code=code)
    if whole is not None:
        return (whole,)
    if status == 404 or "NOTFOUND" in (code or ""):
        text = message or "FedEx has no shipment with this number"
        return _each(ProblemKind.NOT_FOUND, text, requested, code)
    if (status == 400 or "TRACKINGNUMBER" in (code or "")) and len(requested) <= 1:
        text = message or "FedEx rejected this number"
        return _each(ProblemKind.INVALID_NUMBER, text, requested, code)
    # A batch rejected as a whole cannot blame one number.
    suffix = f": {message}" if message else ""
    text = f"FedEx refused the request (HTTP {status}){suffix}"
    return (TrackingError(ProblemKind.BAD_RESPONSE, text, None, None, code),)


def _result(
    result: dict[str, Any],
    number: str,
    fetched: datetime,
    parcels: list[ParcelUpdate],
    errors: list[TrackingError],
) -> None:
    error = _obj(result.get("error"))
    if error:
        errors.append(_result_error(error, number))
        return
    scans = as_list(result.get("scanEvents"))
    parsed = [e for e in (_event(_obj(s), fetched) for s in scans) if e]
    events = returned_after_return(sorted(parsed, key=lambda e: e.occurred_at))
    head = _obj(result.get("latestStatusDetail"))
    if not events and not head:
        message = "FedEx knows this number but has no scan yet"
        errors.append(TrackingError(ProblemKind.PRE_TRANSIT, message, number))
        return
    hint, sub_hint = _head_status(head)
    if hint is Status.DELIVERED and events and events[-1].status is Status.RETURNED:
        hint, sub_hint = Status.RETURNED, None  # the return reached the sender
    pod = _pod(result, events)
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
            estimate=None if hint in TERMINAL else _estimate(result),
            proof_of_delivery=pod,
            status_hint=hint if head else None,
            sub_status_hint=sub_hint if head else None,
            carrier_status_code=_text(head.get("code")) or _text(head.get("derivedCode")),
        )
    )


def _result_error(error: dict[str, Any], number: str) -> TrackingError:
    code = _text(error.get("code")) or ""
    message = _text(error.get("message"))
    if "NOTFOUND" in code or "NOT.FOUND" in code:
        kind, default = ProblemKind.NOT_FOUND, "FedEx has no shipment with this number"
    elif "INVALID" in code or "EMPTY" in code:
        kind, default = ProblemKind.INVALID_NUMBER, "FedEx rejected this number"
    else:
        kind, default = ProblemKind.BAD_RESPONSE, "FedEx reported an error for this number"
    return TrackingError(kind, message or default, number, None, code or None)


def _lookup(*codes: str | None) -> tuple[Status, SubStatus | None]:
    for code in codes:
        if code and code.upper() in FEDEX_CODES:
            return FEDEX_CODES[code.upper()]
    if any(codes):
        log.info("unknown FedEx codes %r", codes)
    return Status.UNKNOWN, None


def _head_status(head: dict[str, Any]) -> tuple[Status, SubStatus | None]:
    status, sub = _lookup(_text(head.get("code")), _text(head.get("derivedCode")))
    reasons = {_text(_obj(a).get("reason")) for a in as_list(head.get("ancillaryDetails"))}
    if status is Status.FAILED_ATTEMPT and reasons & RECIPIENT_ABSENT_REASONS:
        sub = SubStatus.RECIPIENT_ABSENT
    delay = (_text(_obj(head.get("delayDetail")).get("status")) or "").upper()
    if status is Status.IN_TRANSIT and sub is None and delay == "DELAYED":
        sub = SubStatus.DELAYED
    return status, sub


def _event(scan: dict[str, Any], fetched: datetime) -> TrackingEvent | None:
    place = _obj(scan.get("scanLocation"))
    country = _country(place.get("countryCode"))
    stamp = _text(scan.get("date"))
    when = _moment(stamp, zone_for(country, _text(place.get("stateOrProvinceCode"))))
    if when is None:
        log.info("FedEx scan without a readable date skipped: %r", stamp)
        return None
    event_type = _text(scan.get("eventType"))
    status, sub = _lookup(event_type, _text(scan.get("derivedStatusCode")))
    text = _text(scan.get("eventDescription")) or _text(scan.get("derivedStatus"))
    exception = _text(scan.get("exceptionDescription"))
    description = f"{text}: {exception}" if text and exception else text or exception
    return TrackingEvent(
        occurred_at=when,
        status=status,
        description=description or status.value,
        sub_status=sub,
        carrier_code=event_type or _text(scan.get("derivedStatusCode")),
        local_time_text=stamp,
        location=Location(_text(place.get("city")), _text(place.get("postalCode")), country),
        source=Source.CARRIER,
        source_name=CARRIER_ID,
        observed_at=fetched,
    )


def _dates(result: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in (_obj(d) for d in as_list(result.get("dateAndTimes"))):
        kind, value = _text(entry.get("type")), _text(entry.get("dateTime"))
        if kind and value:
            found.setdefault(kind.upper(), value)
    return found


def _estimate(result: dict[str, Any]) -> DeliveryEstimate | None:
    window = _obj(_obj(result.get("estimatedDeliveryTimeWindow")).get("window"))
    begins, ends = _iso(window.get("begins")), _iso(window.get("ends"))
    dates = _dates(result)
    anchor = (
        begins or ends or _iso(dates.get("ESTIMATED_DELIVERY")) or _iso(dates.get("COMMITMENT"))
    )
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
    details = _obj(result.get("deliveryDetails"))
    delivered = [e.occurred_at for e in events if e.status in (Status.DELIVERED, Status.RETURNED)]
    signed_by = _text(details.get("signedByName")) or _text(details.get("receivedByName"))
    if not delivered and not signed_by:
        return None
    actual = _moment(_dates(result).get("ACTUAL_DELIVERY"), None)
    return ProofOfDelivery(
        delivered_at=actual or (delivered[-1] if delivered else None),
        signed_by=signed_by,
        place=_text(details.get("locationDescription")),
    )


# ------------------------------------------------------------------ small lenient helpers --


def _first_error(data: Any) -> tuple[str | None, str | None]:
    """(code, message) of the first `errors[]` entry (or an RFC 6749 token error)."""
    root = _obj(data)
    first = _obj(next(iter(as_list(root.get("errors"))), None))
    message = _text(first.get("message")) or _text(root.get("error_description"))
    return _text(first.get("code")) or _text(root.get("error")), message


def _iso(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _aware_utc(moment: datetime | None) -> datetime | None:
    """Only times with an offset make a window; a zone-less one is left out, not guessed."""
    if moment is None or moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _moment(text: str | None, zone: str | None) -> datetime | None:
    moment = _iso(text)
    if moment is None:
        return None
    if moment.tzinfo is None and zone is None:
        log.debug("FedEx time %r has no offset and no known zone: read as UTC", text)
    try:
        return to_utc(moment, zone or "UTC")
    except (OverflowError, ValueError):
        return None


def _finish(
    parcels: list[ParcelUpdate], errors: list[TrackingError], requested: tuple[str, ...]
) -> ParseResult:
    seen = {_norm(p.tracking_number) for p in parcels}
    seen |= {_norm(e.tracking_number) for e in errors if e.tracking_number}
    for number in requested:
        if _norm(number) not in seen:
            message = "FedEx has no shipment with this number"
            errors.append(TrackingError(ProblemKind.NOT_FOUND, message, number))
            seen.add(_norm(number))
    return ParseResult(parcels=tuple(parcels), errors=tuple(errors))


def _each(
    kind: ProblemKind, message: str, requested: tuple[str, ...], code: str | None
) -> tuple[TrackingError, ...]:
    if not requested:
        return (TrackingError(kind, message, None, None, code),)
    return tuple(TrackingError(kind, message, number, None, code) for number in requested)


def _bad(message: str) -> TrackingError:
    return TrackingError(ProblemKind.BAD_RESPONSE, message)


def _pick(requested: tuple[str, ...], candidates: list[str | None]) -> str | None:
    known = {_norm(c) for c in candidates if c}
    return next((number for number in requested if _norm(number) in known), None)


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


def _number(value: Any) -> float | None:
    try:
        return float(_text(value) or "")
    except ValueError:
        return None


def _country(value: Any) -> str | None:
    code = _text(value)
    return code.upper() if code and len(code) == 2 and code.isalpha() else None
