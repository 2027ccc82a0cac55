"""Verify and parse the aggregators' pushes (webhooks). Pure: the HTTP server lives elsewhere.

A push is checked against the raw bytes as received, BEFORE its JSON is read: an unsigned or
badly signed push ends in one AUTH_FAILED error (carrier_code "missing_signature" or
"bad_signature") and no parcels. Signatures are compared in constant time. Secrets never appear
in a returned message.

* AfterShip: header `aftership-hmac-sha256` = base64(HMAC-SHA256(webhook secret, raw body)).
* 17TRACK: header `sign` = hex SHA-256 of raw body + b"/" + security key (a plain hash, not an
  HMAC). UNCONFIRMED: taken from secondary sources; check 17TRACK's documentation.

The bodies carry the same objects as the polling APIs, so the polling parsers are reused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.carriers import aftership, seventeen_track
from app.carriers.aggregated import now_utc, text
from app.carriers.base import ParseResult, TrackingError
from app.carriers.parsing import BadResponse, header, load_json
from app.domain.models import ParcelUpdate, ProblemKind, Source

__all__ = [
    "AFTERSHIP_SIGNATURE_HEADER",
    "SEVENTEEN_TRACK_SIGNATURE_HEADER",
    "parse_17track_webhook",
    "parse_aftership_webhook",
    "sign_17track",
    "sign_aftership",
    "verify_17track",
    "verify_aftership",
]

AFTERSHIP_SIGNATURE_HEADER = "aftership-hmac-sha256"
SEVENTEEN_TRACK_SIGNATURE_HEADER = "sign"


def _bytes(value: str) -> bytes:
    # surrogatepass: header values and keys are arbitrary text; encoding must never raise.
    return value.encode("utf-8", "surrogatepass")


def sign_aftership(raw_body: bytes, secret: str) -> str:
    digest = hmac.new(_bytes(secret), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_17track(raw_body: bytes, key: str) -> str:
    return hashlib.sha256(raw_body + b"/" + _bytes(key)).hexdigest()


def verify_aftership(raw_body: bytes, header_value: str | None, secret: str) -> bool:
    """True only for a signature made with `secret` over exactly these bytes."""
    if not header_value or not secret:
        return False
    expected = _bytes(sign_aftership(raw_body, secret))
    return hmac.compare_digest(expected, _bytes(header_value.strip()))


def verify_17track(raw_body: bytes, sign: str | None, security_key: str) -> bool:
    """True only for `sign` = hex sha256(raw_body + b"/" + key) (hex case is ignored)."""
    if not sign or not security_key:
        return False
    expected = _bytes(sign_17track(raw_body, security_key))
    return hmac.compare_digest(expected, _bytes(sign.strip().lower()))


def _rejected(who: str, signature: str | None) -> ParseResult:
    if not signature:
        message, code = f"a {who} push without a signature was ignored", "missing_signature"
    else:
        message, code = f"a {who} push with a wrong signature was ignored", "bad_signature"
    return ParseResult(errors=(TrackingError(ProblemKind.AUTH_FAILED, message, None, None, code),))


def _bad(who: str, reason: str) -> ParseResult:
    return ParseResult(errors=(TrackingError(ProblemKind.BAD_RESPONSE, f"{who} push: {reason}"),))


def _json(headers: Mapping[str, str], raw_body: bytes) -> dict[str, Any] | str:
    try:
        doc = load_json(headers, raw_body)
    except BadResponse as exc:
        return str(exc)
    return doc if isinstance(doc, dict) else "the body is not a JSON object"


def parse_aftership_webhook(
    raw_body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A verified AfterShip push (`{event, msg: tracking}`) to one ParcelUpdate."""
    signature = header(headers, AFTERSHIP_SIGNATURE_HEADER)
    if not verify_aftership(raw_body, signature, secret):
        return _rejected(aftership.DISPLAY_NAME, signature)
    doc = _json(headers, raw_body)
    if isinstance(doc, str):
        return _bad(aftership.DISPLAY_NAME, doc)
    update = aftership.parse_tracking(doc.get("msg"), now_utc(fetched_at))
    if update is None:
        return _bad(aftership.DISPLAY_NAME, "it carries no tracking")
    return ParseResult(parcels=(update,))


def parse_17track_webhook(
    raw_body: bytes,
    headers: Mapping[str, str],
    security_key: str,
    *,
    fetched_at: datetime | None = None,
) -> ParseResult:
    """A verified 17TRACK push (`{event, data: {number, carrier, track_info}}`)."""
    who = seventeen_track.DISPLAY_NAME
    signature = header(headers, SEVENTEEN_TRACK_SIGNATURE_HEADER)
    if not verify_17track(raw_body, signature, security_key):
        return _rejected(who, signature)
    doc = _json(headers, raw_body)
    if isinstance(doc, str):
        return _bad(who, doc)
    now = now_utc(fetched_at)
    data = doc.get("data")
    number = text(data.get("number")) if isinstance(data, dict) else None
    stopped = str(doc.get("event", "")).upper() == "TRACKING_STOPPED"
    if stopped and number and isinstance(data, dict) and not data.get("track_info"):
        # Tracking ended without new data: nothing changed, but the number is accounted for.
        update = ParcelUpdate(
            tracking_number=number,
            carrier=seventeen_track.CARRIER_ID,
            fetched_at=now,
            source=Source.AGGREGATOR,
            source_name=seventeen_track.CARRIER_ID,
        )
        return ParseResult(parcels=(update,))
    found = seventeen_track.parse_item(data, now)
    if isinstance(found, ParcelUpdate):
        return ParseResult(parcels=(found,))
    if isinstance(found, TrackingError):
        return ParseResult(errors=(found,))
    return _bad(who, "it carries no tracking number")
