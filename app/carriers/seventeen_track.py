"""17TRACK API v2.2: up to 40 numbers per call, one key for thousands of carriers.

17TRACK only tracks registered numbers, so reading is a two-step flow:

1. Register: `build_register_requests` sends `POST /register` with up to 40 `{number, carrier?}`.
   The answer lists `accepted` and `rejected` numbers; "already registered" is fine, so
   `parse_register_response` reports only real rejections.
2. Read: `build_requests` sends `POST /gettrackinfo` with the same body shape; each accepted
   entry carries `track_info`. A number that is "not registered" must be registered first.

`carrier` in a request is 17TRACK's integer carrier key: it is sent only when the caller's hint
is such a key, otherwise 17TRACK detects the carrier. Events arrive newest first, with `time_iso`
(the carrier's local time with its offset) and `time_utc`.

The negative error codes below are UNCONFIRMED (from secondary sources, not an official list);
an unknown code still ends in a specific message that quotes 17TRACK's own text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.carriers.aggregated import (
    carrier_for_slug,
    clean_numbers,
    clip,
    complete,
    now_utc,
    read_time,
    span_estimate,
    text,
    unreadable,
)
from app.carriers.base import AuthKind, CredentialField, ParseResult, RequestSpec, TrackingError
from app.carriers.parsing import BadResponse, as_int, as_list, http_error, load_json, obj, utc
from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProblemKind,
    ProofOfDelivery,
    Source,
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
    "build_register_requests",
    "build_requests",
    "map_status",
    "parse_item",
    "parse_register_response",
    "parse_response",
]

CARRIER_ID = "17track"
DISPLAY_NAME = "17TRACK"
DEFAULT_BASE_URL = "https://api.17track.net/track/v2.2"
TRACKING_PAGE_URL = "https://t.17track.net/en#nums={number}"
BATCH_LIMIT = 40
AUTH = AuthKind.API_KEY_HEADER
API_KEY_HEADER = "17token"
# (requests per second, requests per day or None): no published figure, so stay modest;
# the daily ceiling is the account's quota, which 17TRACK reports itself (-18019908).
RATE_LIMIT: tuple[float, int | None] = (3.0, None)
CREDENTIAL_FIELDS = (
    CredentialField("api_key", "17TRACK security key", "17TRACK-Sicherheitsschlüssel"),
)

# Carrier keys seen in several open-source clients; other keys fall back to the provider name.
# 17TRACK carrier keys of our carriers: DHL Express and DHL Paket (Germany) are both DHL.
_CARRIER_KEYS = {100001: "dhl", 7041: "dhl", 100002: "ups", 100003: "fedex", 21051: "usps"}

_STATUSES: dict[str, Status] = {
    "notfound": Status.UNKNOWN,
    "inforeceived": Status.INFO_RECEIVED,
    "intransit": Status.IN_TRANSIT,
    "expired": Status.EXPIRED,
    "availableforpickup": Status.AVAILABLE_FOR_PICKUP,
    "outfordelivery": Status.OUT_FOR_DELIVERY,
    "deliveryfailure": Status.FAILED_ATTEMPT,
    "delivered": Status.DELIVERED,
    "exception": Status.EXCEPTION,
}
_FAILED, _EXCEPTION = Status.FAILED_ATTEMPT, Status.EXCEPTION
_SUB_STATUSES: dict[str, tuple[Status, SubStatus | None]] = {
    "intransit_customsprocessing": (Status.IN_TRANSIT, SubStatus.CUSTOMS),
    "intransit_customsrequiringinformation": (_EXCEPTION, SubStatus.CUSTOMS),
    "availableforpickup_other": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
    "deliveryfailure_nobody": (_FAILED, SubStatus.RECIPIENT_ABSENT),
    "deliveryfailure_security": (_FAILED, SubStatus.HELD),
    "deliveryfailure_rejected": (_FAILED, SubStatus.REFUSED),
    "deliveryfailure_invalidaddress": (_FAILED, SubStatus.ADDRESS_PROBLEM),
    "exception_other": (_EXCEPTION, None),
    "exception_returning": (Status.RETURNING, None),
    "exception_returned": (Status.RETURNED, None),
    "exception_nobody": (_EXCEPTION, SubStatus.RECIPIENT_ABSENT),
    "exception_security": (_EXCEPTION, SubStatus.HELD),
    "exception_damage": (_EXCEPTION, SubStatus.DAMAGED),
    "exception_rejected": (_EXCEPTION, SubStatus.REFUSED),
    "exception_delayed": (_EXCEPTION, SubStatus.DELAYED),
    "exception_lost": (_EXCEPTION, SubStatus.LOST),
    "exception_destroyed": (_EXCEPTION, SubStatus.LOST),
    "exception_cancel": (_EXCEPTION, SubStatus.CANCELLED),
}
# An event's milestone stage, used when it has no sub-status.
_STAGES: dict[str, Status] = {
    "inforeceived": Status.INFO_RECEIVED,
    "pickedup": Status.IN_TRANSIT,
    "departure": Status.IN_TRANSIT,
    "arrival": Status.IN_TRANSIT,
    "availableforpickup": Status.AVAILABLE_FOR_PICKUP,
    "outfordelivery": Status.OUT_FOR_DELIVERY,
    "delivered": Status.DELIVERED,
    "returning": Status.RETURNING,
    "returned": Status.RETURNED,
}

# Envelope `code` != 0: the whole request failed. UNCONFIRMED values.
_REQUEST_ERRORS: dict[int, tuple[ProblemKind, str]] = {
    -18010001: (ProblemKind.AUTH_FAILED, "17TRACK does not accept requests from this address"),
    -18010002: (ProblemKind.AUTH_FAILED, "17TRACK rejected the security key"),
    -18010003: (ProblemKind.UNAVAILABLE, "17TRACK has an internal error"),
    -18010004: (ProblemKind.AUTH_FAILED, "the 17TRACK account is disabled"),
    -18010005: (ProblemKind.AUTH_FAILED, "17TRACK denied access with this key"),
    -18010012: (ProblemKind.BAD_RESPONSE, "17TRACK could not read our request"),
    -18010013: (ProblemKind.BAD_RESPONSE, "17TRACK could not read our request"),
    -18010014: (ProblemKind.BAD_RESPONSE, "17TRACK takes at most 40 numbers per request"),
    -18019907: (ProblemKind.RATE_LIMITED, "the 17TRACK daily request limit is reached"),
    -18019908: (ProblemKind.RATE_LIMITED, "the 17TRACK tracking quota is used up"),
}
# `rejected[].error.code`: one number failed. UNCONFIRMED values.
_ALREADY_REGISTERED = -18019901
_NUMBER_ERRORS: dict[int, tuple[ProblemKind, str]] = {
    -18019902: (ProblemKind.NOT_FOUND, "the number is not registered with 17TRACK yet"),
    -18019903: (ProblemKind.NOT_FOUND, "17TRACK cannot tell which carrier this number is from"),
    -18019907: (ProblemKind.RATE_LIMITED, "the 17TRACK daily request limit is reached"),
    -18019908: (ProblemKind.RATE_LIMITED, "the 17TRACK tracking quota is used up"),
    -18019909: (ProblemKind.PRE_TRANSIT, "17TRACK has no tracking information yet"),
    -18019910: (ProblemKind.INVALID_NUMBER, "the chosen carrier does not match this number"),
    -18010012: (ProblemKind.INVALID_NUMBER, "17TRACK says the number's format is invalid"),
}


# ---------------------------------------------------------------- requests -----------------
def _batches(
    numbers: Sequence[str], slugs: Mapping[str, str] | None, path: str
) -> list[RequestSpec]:
    unique = clean_numbers(numbers)
    specs = []
    for start in range(0, len(unique), BATCH_LIMIT):
        chunk = unique[start : start + BATCH_LIMIT]
        items: list[dict[str, str | int]] = []
        for number in chunk:
            item: dict[str, str | int] = {"number": number}
            key = as_int((slugs or {}).get(number))
            if key is not None and key > 0:
                item["carrier"] = key
            items.append(item)
        specs.append(RequestSpec("POST", path, tuple(chunk), json_body=items))
    return specs


def build_register_requests(
    numbers: Sequence[str], *, language: str, slugs: Mapping[str, str] | None = None
) -> list[RequestSpec]:
    """`POST /register` per 40 numbers. `language` is unused: 17TRACK sets it per account."""
    return _batches(numbers, slugs, "/register")


def build_requests(
    numbers: Sequence[str], *, language: str, slugs: Mapping[str, str] | None = None
) -> list[RequestSpec]:
    """`POST /gettrackinfo` per 40 registered numbers; `slugs` may hold 17TRACK carrier keys."""
    return _batches(numbers, slugs, "/gettrackinfo")


# ---------------------------------------------------------------- track_info ---------------
def map_status(status: Any, sub_status: Any = None) -> tuple[Status, SubStatus | None]:
    """17TRACK status and sub-status to ours; unknown values are UNKNOWN."""
    sub_key = (text(sub_status) or "").lower()
    if sub_key in _SUB_STATUSES:
        return _SUB_STATUSES[sub_key]
    prefix = sub_key.partition("_")[0]
    found = _STATUSES.get((text(status) or "").lower()) or _STATUSES.get(prefix, Status.UNKNOWN)
    if found is Status.EXCEPTION and prefix == "exception":
        return found, SubStatus.OTHER
    if found is Status.AVAILABLE_FOR_PICKUP:
        return found, SubStatus.PICKUP_POINT
    return found, None


def _moment(event: dict[str, Any]) -> datetime | None:
    """`time_iso` carries the carrier's offset; `time_utc` is the fallback."""
    for field, naive_is_utc in (("time_iso", False), ("time_utc", True)):
        moment = read_time(event.get(field))
        if moment is None or (moment.tzinfo is None and not naive_is_utc):
            continue  # a zone-less time_iso is local time in an unknown zone
        if (found := utc(moment)) is not None:
            return found
    return None


def _event(raw: Any, fetched_at: datetime) -> TrackingEvent | None:
    event = obj(raw)
    occurred = _moment(event)
    if occurred is None:
        return None
    sub = text(event.get("sub_status"))
    stage = text(event.get("stage"))
    if sub:
        status, sub_status = map_status(None, sub)
    else:
        status, sub_status = _STAGES.get((stage or "").lower(), Status.UNKNOWN), None
    address = obj(event.get("address"))
    country = (text(address.get("country")) or "").upper()
    translated = obj(event.get("description_translation")).get("description")
    try:
        return TrackingEvent(
            occurred_at=occurred,
            status=status,
            description=text(event.get("description")) or text(translated) or "",
            sub_status=sub_status,
            carrier_code=sub or stage,
            local_time_text=text(event.get("time_iso")),
            location=Location(
                city=text(address.get("city")) or text(event.get("location")),
                postal_code=text(address.get("postal_code")),
                country=country or None,
            ),
            source=Source.AGGREGATOR,
            source_name=CARRIER_ID,
            observed_at=fetched_at,
        )
    except (ValueError, OverflowError):
        return None


def _carrier(key: int | None, providers: list[dict[str, Any]]) -> str:
    """Our carrier id when 17TRACK's carrier is one of ours, else its provider name or key."""
    if key in _CARRIER_KEYS:
        return _CARRIER_KEYS[key]
    chosen = next(
        (p for p in providers if as_int(obj(p.get("provider")).get("key")) == key), None
    ) or (providers[0] if providers else {})
    name = text(obj(chosen.get("provider")).get("name"))
    return carrier_for_slug(name) or (str(key) if key and key > 0 else CARRIER_ID)


def _estimate(info: dict[str, Any]) -> DeliveryEstimate | None:
    eta = obj(obj(info.get("time_metrics")).get("estimated_delivery_date"))
    return span_estimate(eta.get("from"), eta.get("to") or eta.get("from"))


def _proof(info: dict[str, Any], events: tuple[TrackingEvent, ...]) -> ProofOfDelivery | None:
    for stone in as_list(info.get("milestone")):
        stage = obj(stone)
        if (text(stage.get("key_stage")) or "").lower() == "delivered":
            when = _moment(stage)
            if when is not None:
                return ProofOfDelivery(delivered_at=when)
    delivered = [e.occurred_at for e in events if e.status is Status.DELIVERED]
    return ProofOfDelivery(delivered_at=max(delivered)) if delivered else None


def _not_found(number: str, carrier_known: bool, sub: str | None) -> TrackingError:
    if (sub or "").lower() == "notfound_invalidcode":
        message = "17TRACK says this tracking number is invalid"
        return TrackingError(ProblemKind.INVALID_NUMBER, message, number, None, sub)
    if carrier_known:  # the carrier is known but has no scan yet: a label without a parcel
        message = "the carrier has no scan of this parcel yet"
        return TrackingError(ProblemKind.PRE_TRANSIT, message, number, None, sub or "NotFound")
    message = "17TRACK found no carrier with tracking for this number"
    return TrackingError(ProblemKind.NOT_FOUND, message, number, None, sub or "NotFound")


def parse_item(raw: Any, fetched_at: datetime) -> ParcelUpdate | TrackingError | None:
    """One `accepted[]` entry (or a push's `data`): a ParcelUpdate, or NotFound as an error."""
    item = obj(raw)
    number = text(item.get("number"))
    if not number:
        return None
    info = obj(item.get("track_info"))
    providers = [
        p for p in as_list(obj(info.get("tracking")).get("providers")) if isinstance(p, dict)
    ]
    events = tuple(
        event
        for provider in providers
        for raw_event in as_list(provider.get("events"))
        if (event := _event(raw_event, fetched_at)) is not None
    )
    latest = obj(info.get("latest_status"))
    status_text, sub = text(latest.get("status")), text(latest.get("sub_status"))
    key = as_int(item.get("carrier"))
    if not events and (status_text is None or status_text.lower() == "notfound"):
        return _not_found(number, bool(key and key > 0) or bool(providers), sub)
    status, sub_status = map_status(status_text, sub) if status_text or sub else (None, None)
    return ParcelUpdate(
        tracking_number=number,
        carrier=_carrier(key, providers),
        fetched_at=fetched_at,
        source=Source.AGGREGATOR,
        source_name=CARRIER_ID,
        events=events,
        estimate=_estimate(info),
        proof_of_delivery=_proof(info, events) if status is Status.DELIVERED else None,
        status_hint=status,
        sub_status_hint=sub_status,
        carrier_status_code=sub or status_text,
    )


# ---------------------------------------------------------------- responses ----------------
def _rejection(raw: Any, *, registering: bool) -> TrackingError | None:
    entry = obj(raw)
    number = text(entry.get("number"))
    error = obj(entry.get("error"))
    code = as_int(error.get("code"))
    if number is None or (registering and code == _ALREADY_REGISTERED):
        return None
    said = clip(error.get("message"))
    suffix = f" (17TRACK: {said})" if said else ""
    kind, message = _NUMBER_ERRORS.get(
        code if code is not None else 0, (ProblemKind.NOT_FOUND, "17TRACK rejected this number")
    )
    return TrackingError(kind, message + suffix, number, None, None if code is None else str(code))


def _envelope(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[dict[str, Any], None] | tuple[None, TrackingError]:
    """(`data`, None) for a code-0 answer, or (None, the error for the whole request)."""
    try:
        root = obj(load_json(headers, body))
    except BadResponse as exc:
        return None, unreadable(status, headers, exc, DISPLAY_NAME)
    code = as_int(root.get("code"))
    if code == 0 and status < 400:
        return obj(root.get("data")), None
    # Some errors nest the real code and text in data.errors[0].
    nested = obj(next(iter(as_list(obj(root.get("data")).get("errors"))), None))
    if code not in _REQUEST_ERRORS and as_int(nested.get("code")) in _REQUEST_ERRORS:
        code = as_int(nested.get("code"))
    said = clip(root.get("message")) or clip(nested.get("message"))
    suffix = f" (17TRACK: {said})" if said else ""
    carrier_code = None if code is None else str(code)
    if code in _REQUEST_ERRORS:
        kind, message = _REQUEST_ERRORS[code]
        return None, TrackingError(kind, message + suffix, None, None, carrier_code)
    for candidate in (status, code):  # the HTTP status, then a code that looks like one
        if candidate is not None and 400 <= candidate < 600:
            detail = said and f"17TRACK: {said}"
            whole = http_error(candidate, headers, detail=detail, code=carrier_code)
            if whole is not None:
                return None, whole
    what = f"code {code}" if code is not None else f"HTTP {status} without a result code"
    message = f"17TRACK answered {what}{suffix}"
    return None, TrackingError(ProblemKind.BAD_RESPONSE, message, None, None, carrier_code)


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A `/gettrackinfo` answer: one ParcelUpdate or error per number."""
    now = now_utc(fetched_at)
    data, failure = _envelope(status, headers, body)
    if failure is not None or data is None:
        return ParseResult(errors=(failure,) if failure else ())
    parcels: list[ParcelUpdate] = []
    errors: list[TrackingError] = []
    for raw in as_list(data.get("accepted")):
        found = parse_item(raw, now)
        if isinstance(found, ParcelUpdate):
            parcels.append(found)
        elif found is not None:
            errors.append(found)
    errors.extend(
        e for raw in as_list(data.get("rejected")) if (e := _rejection(raw, registering=False))
    )
    return complete(ParseResult(tuple(parcels), tuple(errors)), requested, DISPLAY_NAME)


def parse_register_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A `/register` answer: no parcels; an error for each number 17TRACK really rejected."""
    data, failure = _envelope(status, headers, body)
    if failure is not None or data is None:
        return ParseResult(errors=(failure,) if failure else ())
    errors = tuple(
        e for raw in as_list(data.get("rejected")) if (e := _rejection(raw, registering=True))
    )
    return ParseResult(errors=errors)
