"""Helpers every parser shares: lenient JSON, HTTP-level errors, times without zones.

All of them are pure. They turn what carriers really send (HTML error pages with status 200,
truncated JSON, numbers as strings, single objects where arrays are expected, local times with
no zone) into values or a specific `TrackingError`, never an exception that escapes a parser.

Beside the decoding and coercion helpers (`obj`, `text`, `iso`, `as_float`, `utc`, `norm`,
`pick`) live the steps the carrier parsers share: one error per requested number (`each`),
NOT_FOUND for numbers the answer did not mention (`finish`), the return rule and headline of
DHL, UPS, FedEx and USPS (`returned_after_return`, `settle`), their OAuth token answer
(`token_or_error`), and the last-resort `guard` that turns a parser bug into BAD_RESPONSE with
carrier code `parser_error`; `carrier_parser` builds a module's public, guarded
`parse_response` from its own `_parse`.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ParamSpec
from zoneinfo import ZoneInfo

from app.carriers.base import CarrierParser, ParseResult, TrackingError
from app.domain.models import ParcelUpdate, ProblemKind, ProofOfDelivery, TrackingEvent
from app.domain.status import Status, SubStatus

__all__ = [
    "BadResponse",
    "CarrierParse",
    "as_float",
    "as_int",
    "as_list",
    "carrier_parser",
    "each",
    "fetched_utc",
    "finish",
    "guard",
    "header",
    "http_error",
    "iso",
    "load_json",
    "load_json_lenient",
    "norm",
    "obj",
    "parse_retry_after",
    "pick",
    "returned_after_return",
    "says_delayed",
    "settle",
    "text",
    "to_utc",
    "token_or_error",
    "utc",
    "whole",
]

_P = ParamSpec("_P")
_FALLBACK_TOKEN_SECONDS = 300.0  # when the lifetime is missing: refresh soon rather than fail


class BadResponse(Exception):
    """The body is not what the API documents; the message says how, for the user."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def load_json(headers: Mapping[str, str], body: bytes) -> Any:
    """Decode a JSON body or raise BadResponse with a specific reason."""
    text = body.lstrip()[:64].lower()
    content_type = (header(headers, "content-type") or "").lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml")) or "text/html" in content_type:
        raise BadResponse("the carrier sent a web page instead of tracking data")
    if not body.strip():
        raise BadResponse("the carrier sent an empty answer")
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise BadResponse("the carrier's answer is not valid text") from exc
    except json.JSONDecodeError as exc:
        raise BadResponse(f"the carrier's answer is cut off or malformed ({exc.msg})") from exc
    except RecursionError as exc:
        raise BadResponse("the carrier's answer is nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer longer than Python's 4300-digit limit
        raise BadResponse("the carrier's answer holds a value out of range") from exc


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait, from `Retry-After` as delta-seconds or an HTTP date."""
    raw = header(headers, "retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def http_error(
    status: int, headers: Mapping[str, str], *, detail: str | None = None, code: str | None = None
) -> TrackingError | None:
    """The whole-request error an HTTP status means, or None for a status to parse further."""
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        return TrackingError(
            ProblemKind.AUTH_FAILED,
            f"the carrier rejected the credentials{suffix}",
            None,
            None,
            code,
        )
    if status == 429:
        return TrackingError(
            ProblemKind.RATE_LIMITED,
            f"too many requests, the carrier asks us to slow down{suffix}",
            None,
            parse_retry_after(headers),
            code,
        )
    if status >= 500:
        return TrackingError(
            ProblemKind.UNAVAILABLE,
            f"the carrier's service is unavailable (HTTP {status}){suffix}",
            None,
            parse_retry_after(headers),
            code,
        )
    return None


def as_list(value: Any) -> list[Any]:
    """APIs send one object where they document an array; treat both the same."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def as_int(value: Any) -> int | None:
    """Counts often arrive as strings ("2"); anything unusable is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def to_utc(moment: datetime, zone: str) -> datetime:
    """A carrier time to UTC: aware values keep their offset, naive ones are in `zone`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def utc(moment: datetime | None, zone: str | None = None) -> datetime | None:
    """`to_utc` that never raises: None in, None out, no zone means UTC, an unusable time None."""
    if moment is None:
        return None
    try:
        return to_utc(moment, zone or "UTC")
    except (OverflowError, ValueError, KeyError):  # KeyError: ZoneInfoNotFoundError
        return None


def fetched_utc(fetched_at: datetime | None) -> datetime:
    """The moment of the fetch: now when not given, a naive one read as UTC."""
    fetched = fetched_at or datetime.now(UTC)
    return fetched if fetched.tzinfo is not None else fetched.replace(tzinfo=UTC)


def load_json_lenient(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """The decoded body. With HTTP 200 an unusable body raises BadResponse; with any other
    status (where the body only explains the failure) it is None."""
    if status != 200 and not body.strip():
        return None
    try:
        return load_json(headers, body)
    except BadResponse:
        if status == 200:
            raise
        return None


# ------------------------------------------------------------------ lenient JSON values --


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """A non-empty, stripped string from a JSON scalar (numbers arrive as ints too)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_float(value: Any) -> float | None:
    """A number sent as a number or as text ("14399"); None when unusable."""
    try:
        return float(text(value) or "")
    except ValueError:
        return None


def iso(value: Any) -> datetime | None:
    """ISO 8601 text as written (aware or naive); None when unusable."""
    found = text(value)
    if found is None:
        return None
    try:
        return datetime.fromisoformat(found)
    except ValueError:
        return None


# ------------------------------------------------------------------ tracking numbers --


def norm(tracking_number: str) -> str:
    """The spelling-free key of a tracking number: no white space, upper case."""
    return "".join(tracking_number.split()).upper()


def pick(requested: Iterable[str], candidates: Iterable[str | None]) -> str | None:
    """The requested spelling of the first requested number any candidate names."""
    known = {key for c in candidates if c and (key := norm(c))}
    return next((n for n in requested if norm(n) in known), None)


# ------------------------------------------------------------------ errors and results --


def each(
    kind: ProblemKind,
    message: str,
    numbers: Sequence[str],
    code: str | None = None,
    *,
    said: str | None = None,
) -> tuple[TrackingError, ...]:
    """The same error for every number, or once for the whole request when there is none.

    `said` is the carrier's own words, when it gave any: they become the message and the
    error's `carrier_text`; `message` is our note for when it gave none.
    """
    words = said or None
    shown = words or message
    if not numbers:
        return (TrackingError(kind, shown, None, None, code, words),)
    return tuple(TrackingError(kind, shown, n, None, code, words) for n in numbers)


def whole(kind: ProblemKind, message: str, code: str | None = None) -> ParseResult:
    """A result that is one error for the whole request."""
    return ParseResult(errors=(TrackingError(kind, message, None, None, code),))


def finish(
    parcels: Iterable[ParcelUpdate],
    errors: Iterable[TrackingError],
    requested: Iterable[str],
    message: str,
    *,
    pieces: bool = False,
    once_per: Callable[[str], str] = norm,
) -> ParseResult:
    """The result, plus NOT_FOUND (`message`) for each requested number nothing mentioned.

    A number counts as mentioned by a parcel (and, with `pieces`, by one of its pieces) or by
    an error about it. Requested numbers that `once_per` maps alike get one error.
    """
    found, failed = tuple(parcels), list(errors)
    seen = {norm(p.tracking_number) for p in found}
    if pieces:
        seen |= {norm(piece) for p in found for piece in p.pieces}
    seen |= {norm(e.tracking_number) for e in failed if e.tracking_number is not None}
    reported: set[str] = set()
    for wanted in requested:
        if norm(wanted) not in seen and once_per(wanted) not in reported:
            failed.append(TrackingError(ProblemKind.NOT_FOUND, message, wanted))
            reported.add(once_per(wanted))
    return ParseResult(parcels=found, errors=tuple(failed))


def guard(
    name: str, log: logging.Logger
) -> Callable[[Callable[_P, ParseResult]], Callable[_P, ParseResult]]:
    """Wrap a `parse_response`: BadResponse becomes BAD_RESPONSE with its message, and any
    other exception (a parser bug; the fuzz tests hunt for them) is logged and becomes
    BAD_RESPONSE with carrier code `parser_error`, so one answer cannot take a sync down."""

    def decorate(parse: Callable[_P, ParseResult]) -> Callable[_P, ParseResult]:
        @functools.wraps(parse)
        def guarded(*args: _P.args, **kwargs: _P.kwargs) -> ParseResult:
            try:
                return parse(*args, **kwargs)
            except BadResponse as exc:
                return ParseResult(errors=(TrackingError(ProblemKind.BAD_RESPONSE, str(exc)),))
            except Exception:
                status = args[0] if args else kwargs.get("status")
                log.exception("%s parser failed on HTTP %s", name, status)
                message = f"the {name} answer could not be read"
                error = TrackingError(ProblemKind.BAD_RESPONSE, message, None, None, "parser_error")
                return ParseResult(errors=(error,))

        return guarded

    return decorate


# A carrier's own parser: (status, headers, body, requested numbers, fetch time) -> result.
CarrierParse = Callable[[int, Mapping[str, str], bytes, tuple[str, ...], datetime], ParseResult]


def carrier_parser(
    name: str,
    log: logging.Logger,
    parse: CarrierParse,
    *,
    unique: bool = False,
    aware: bool = False,
) -> CarrierParser:
    """A carrier module's public, guarded `parse_response` around its own `parse`.

    `parse` gets the requested numbers as a tuple (with `unique`, each spelling once) and the
    fetch time: now when none is given and, with `aware`, a naive one read as UTC.
    """

    @guard(name, log)
    def parse_response(
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        requested: Sequence[str] = (),
        fetched_at: datetime | None = None,
    ) -> ParseResult:
        numbers = tuple(dict.fromkeys(requested)) if unique else tuple(requested)
        fetched = fetched_utc(fetched_at) if aware else fetched_at or datetime.now(UTC)
        return parse(status, headers, body, numbers, fetched)

    return parse_response


# ------------------------------------------------------------------ events and headline --


def returned_after_return(events: list[TrackingEvent]) -> list[TrackingEvent]:
    """Oldest-first events where a delivery after a return scan is the return arriving.

    Carriers report the parcel reaching its sender with their ordinary "delivered" code.
    """
    result: list[TrackingEvent] = []
    returning = False
    for event in events:
        returning = returning or event.status in (Status.RETURNING, Status.RETURNED)
        if returning and event.status is Status.DELIVERED:
            event = replace(event, status=Status.RETURNED, sub_status=None)
        result.append(event)
    return result


def settle(
    hint: Status,
    sub_hint: SubStatus | None,
    events: Sequence[TrackingEvent],
    pod: ProofOfDelivery | None,
) -> tuple[Status, SubStatus | None]:
    """The headline after the return rule: a delivery after a return is the return arriving,
    and a signed delivery without a finer sub-status is SIGNED."""
    if hint is Status.DELIVERED and events and events[-1].status is Status.RETURNED:
        hint, sub_hint = Status.RETURNED, None  # the return reached the sender
    if hint is Status.DELIVERED and sub_hint is None and pod and pod.signed_by:
        sub_hint = SubStatus.SIGNED
    return hint, sub_hint


# ------------------------------------------------------------------ OAuth tokens --


def token_or_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    name: str,
    rejected: str,
    first_error: Callable[[Any], tuple[str | None, str | None]],
) -> tuple[str, float] | TrackingError:
    """(access token, lifetime in seconds), or the TrackingError that explains the failure.

    Never raises. Wrong credentials (400/401/403) are AUTH_FAILED with the API's message or
    `rejected`; `first_error` reads (code, message) from the carrier's error envelope.
    """
    try:
        data = load_json(headers, body)
    except BadResponse as exc:
        data = None
        if status == 200:
            return TrackingError(ProblemKind.BAD_RESPONSE, f"{name} token: {exc}")
    code, message = first_error(data)
    if status in (400, 401, 403):
        return TrackingError(ProblemKind.AUTH_FAILED, message or rejected, None, None, code)
    failure = http_error(status, headers, detail=message, code=code)
    if failure is not None:
        return failure
    token = text(obj(data).get("access_token"))
    if status != 200 or token is None:
        return TrackingError(ProblemKind.BAD_RESPONSE, f"{name} sent no token (HTTP {status})")
    seconds = as_float(obj(data).get("expires_in"))  # UPS sends a string such as "14399"
    valid = seconds is not None and 0 < seconds < 10**7
    return token, seconds if valid and seconds is not None else _FALLBACK_TOKEN_SECONDS


# A carrier without a delay code (DPD, GLS) says it only in a transit scan's words, in German
# or English. Unconfirmed wording; kept to these stems on purpose.
_DELAY_WORDS = re.compile(r"\b(verzögerung|verzögert|verspätet|delay|delayed)\b", re.IGNORECASE)


def says_delayed(description: str) -> bool:
    """Whether a transit scan's text announces a delay."""
    return _DELAY_WORDS.search(description) is not None
