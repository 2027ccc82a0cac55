"""Webhook signatures and parsing: only a correctly signed push is read."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.carriers import seventeen_track, webhooks
from app.carriers.base import ParseResult
from app.domain.models import ProblemKind, Source
from app.domain.status import Status

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers"
AFTERSHIP_BODY = (FIXTURES / "aftership" / "webhook_tracking_update.json").read_bytes()
ST_BODY = (FIXTURES / "17track" / "webhook_tracking_updated.json").read_bytes()
ST_STOPPED = (FIXTURES / "17track" / "webhook_tracking_stopped.json").read_bytes()
SECRET = "whsec-Ae7Lq0-test-only-9f3c"
KEY = "17key-test-only-5b2d81"
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def aftership_headers(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["aftership-hmac-sha256"] = signature
    return headers


def st_headers(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["sign"] = signature
    return headers


def assert_no_secret(result: ParseResult) -> None:
    for text in (repr(result), *(e.message for e in result.errors)):
        assert SECRET not in text
        assert KEY not in text


def test_sign_aftership_is_base64_hmac_sha256() -> None:
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), AFTERSHIP_BODY, hashlib.sha256).digest()
    ).decode()
    assert webhooks.sign_aftership(AFTERSHIP_BODY, SECRET) == expected


def test_sign_17track_is_hex_sha256_of_body_slash_key() -> None:
    expected = hashlib.sha256(ST_BODY + b"/" + KEY.encode()).hexdigest()
    assert webhooks.sign_17track(ST_BODY, KEY) == expected


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _bad_signatures(good: str) -> list[str | None]:
    return [None, "", good[:-4], good + "AA", good[::-1], "x" * len(good), "é" * 8, "\ud800"]


def test_verify_aftership() -> None:
    good = webhooks.sign_aftership(AFTERSHIP_BODY, SECRET)
    assert webhooks.verify_aftership(AFTERSHIP_BODY, good, SECRET)
    assert webhooks.verify_aftership(AFTERSHIP_BODY, f" {good}\n", SECRET)
    for bad in _bad_signatures(good):
        assert not webhooks.verify_aftership(AFTERSHIP_BODY, bad, SECRET)
    assert not webhooks.verify_aftership(_flip_last_byte(AFTERSHIP_BODY), good, SECRET)
    assert not webhooks.verify_aftership(AFTERSHIP_BODY, good, SECRET + "x")
    assert not webhooks.verify_aftership(AFTERSHIP_BODY, good, "")


def test_verify_17track() -> None:
    good = webhooks.sign_17track(ST_BODY, KEY)
    assert webhooks.verify_17track(ST_BODY, good, KEY)
    assert webhooks.verify_17track(ST_BODY, good.upper(), KEY)
    for bad in _bad_signatures(good):
        assert not webhooks.verify_17track(ST_BODY, bad, KEY)
    assert not webhooks.verify_17track(_flip_last_byte(ST_BODY), good, KEY)
    assert not webhooks.verify_17track(ST_BODY, good, "")


def test_compare_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module webhooks calls it on
    assert webhooks.verify_aftership(
        AFTERSHIP_BODY, webhooks.sign_aftership(AFTERSHIP_BODY, SECRET), SECRET
    )
    assert not webhooks.verify_17track(ST_BODY, "0" * 64, KEY)
    assert len(calls) == 2


def test_aftership_push_is_parsed_like_a_polling_answer() -> None:
    signature = webhooks.sign_aftership(AFTERSHIP_BODY, SECRET)
    result = webhooks.parse_aftership_webhook(
        AFTERSHIP_BODY, aftership_headers(signature), SECRET, fetched_at=NOW
    )
    assert result.errors == ()
    (update,) = result.parcels
    assert (update.tracking_number, update.carrier) == ("00340434123456789012", "dhl")
    assert (update.source, update.source_name) == (Source.AGGREGATOR, "aftership")
    assert update.status_hint is Status.OUT_FOR_DELIVERY
    assert len(update.events) == 2
    assert update.events[0].occurred_at == datetime(2026, 3, 10, 13, 2, tzinfo=UTC)


def test_aftership_header_name_is_case_insensitive() -> None:
    signature = webhooks.sign_aftership(AFTERSHIP_BODY, SECRET)
    result = webhooks.parse_aftership_webhook(
        AFTERSHIP_BODY, {"AfterShip-Hmac-Sha256": signature}, SECRET
    )
    assert len(result.parcels) == 1


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda sig, body: (None, body), "missing_signature"),
        (lambda sig, body: ("", body), "missing_signature"),
        (lambda sig, body: (sig[:-2], body), "bad_signature"),
        (lambda sig, body: ("A" + sig[1:], body), "bad_signature"),
        (lambda sig, body: (sig, _flip_last_byte(body)), "bad_signature"),
        (lambda sig, body: (sig, body.replace(b"Berlin", b"Bremen")), "bad_signature"),
    ],
)
def test_aftership_push_rejected_before_parsing(mangle: Any, code: str) -> None:
    signature, body = mangle(webhooks.sign_aftership(AFTERSHIP_BODY, SECRET), AFTERSHIP_BODY)
    result = webhooks.parse_aftership_webhook(body, aftership_headers(signature), SECRET)
    assert result.parcels == ()
    (error,) = result.errors
    assert (error.kind, error.carrier_code, error.tracking_number) == (
        ProblemKind.AUTH_FAILED,
        code,
        None,
    )
    assert_no_secret(result)


def test_aftership_rejects_everything_without_a_secret() -> None:
    signature = webhooks.sign_aftership(AFTERSHIP_BODY, "")
    result = webhooks.parse_aftership_webhook(AFTERSHIP_BODY, aftership_headers(signature), "")
    assert [e.kind for e in result.errors] == [ProblemKind.AUTH_FAILED]


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"[1, 2]", b'{"event": "tracking_update"}', b"<html></html>"]
)
def test_signed_but_unusable_pushes_are_bad_responses(body: bytes) -> None:
    aftership = webhooks.parse_aftership_webhook(
        body, aftership_headers(webhooks.sign_aftership(body, SECRET)), SECRET
    )
    seventeen = webhooks.parse_17track_webhook(
        body, st_headers(webhooks.sign_17track(body, KEY)), KEY
    )
    for result in (aftership, seventeen):
        assert result.parcels == ()
        assert [e.kind for e in result.errors] == [ProblemKind.BAD_RESPONSE]


def test_17track_push_is_parsed_like_a_polling_answer() -> None:
    result = webhooks.parse_17track_webhook(
        ST_BODY, st_headers(webhooks.sign_17track(ST_BODY, KEY)), KEY, fetched_at=NOW
    )
    assert result.errors == ()
    (update,) = result.parcels
    assert (update.tracking_number, update.carrier) == ("00340434123456789012", "dhl")
    assert (update.source, update.source_name) == (Source.AGGREGATOR, "17track")
    assert update.status_hint is Status.OUT_FOR_DELIVERY
    assert update.estimate is not None
    assert len(update.events) == 2


def test_17track_stopped_push_accounts_for_the_number() -> None:
    result = webhooks.parse_17track_webhook(
        ST_STOPPED, st_headers(webhooks.sign_17track(ST_STOPPED, KEY)), KEY, fetched_at=NOW
    )
    (update,) = result.parcels
    assert (update.tracking_number, update.events, update.status_hint) == (
        "00340434123456789012",
        (),
        None,
    )


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda sig, body: (None, body), "missing_signature"),
        (lambda sig, body: (sig[:32], body), "bad_signature"),
        (lambda sig, body: (sig, _flip_last_byte(body)), "bad_signature"),
        (lambda sig, body: (hashlib.sha256(body).hexdigest(), body), "bad_signature"),
        (lambda sig, body: (sig, body + b" "), "bad_signature"),
    ],
)
def test_17track_push_rejected_before_parsing(mangle: Any, code: str) -> None:
    signature, body = mangle(webhooks.sign_17track(ST_BODY, KEY), ST_BODY)
    result = webhooks.parse_17track_webhook(body, st_headers(signature), KEY)
    assert result.parcels == ()
    (error,) = result.errors
    assert (error.kind, error.carrier_code) == (ProblemKind.AUTH_FAILED, code)
    assert_no_secret(result)


def test_rejection_happens_before_the_body_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise AssertionError("the body was read before the signature was checked")

    monkeypatch.setattr(webhooks, "load_json", explode)
    monkeypatch.setattr(seventeen_track, "load_json", explode)
    assert webhooks.parse_aftership_webhook(AFTERSHIP_BODY, {}, SECRET).errors
    assert webhooks.parse_17track_webhook(ST_BODY, st_headers("00"), KEY).errors
