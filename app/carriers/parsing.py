"""Helpers every parser shares: lenient JSON, HTTP-level errors, times without zones.

All of them are pure. They turn what carriers really send (HTML error pages with status 200,
truncated JSON, numbers as strings, single objects where arrays are expected, local times with
no zone) into values or a specific `TrackingError`, never an exception that escapes a parser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.carriers.base import TrackingError
from app.domain.models import ProblemKind

__all__ = [
    "BadResponse",
    "as_int",
    "as_list",
    "header",
    "http_error",
    "load_json",
    "parse_retry_after",
    "to_utc",
]


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
