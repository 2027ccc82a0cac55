"""FedEx Track API: fixtures from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer (status, headers, body) and the expected projection of the
parse: compact event lines keep the table readable while still pinning UTC time, the carrier's
own time text, status, sub-status, code, place and text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.carriers import fedex
from app.carriers.base import AuthKind, ParseResult, TrackingError
from app.domain.models import ProblemKind, Source

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers" / "fedex"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    raw = fixture.get("body_text")
    fixture["raw"] = raw.encode() if raw is not None else json.dumps(fixture["body"]).encode()
    return fixture


def parse(fixture: dict[str, Any]) -> ParseResult:
    return fedex.parse_response(
        fixture["status"],
        fixture["headers"],
        fixture["raw"],
        requested=fixture["requested"],
        fetched_at=NOW,
    )


def project(result: ParseResult) -> dict[str, Any]:
    """The comparable essence of a parse, as plain JSON values."""

    def iso(moment: Any) -> str | None:
        return None if moment is None else moment.isoformat()

    def event(e: Any) -> str:
        sub = f"/{e.sub_status}" if e.sub_status else ""
        place = e.location.label()
        when = f"{e.occurred_at:%Y-%m-%d %H:%M}Z"
        head = f"{when} {e.status}{sub} [{e.carrier_code}] {place}"
        return f"{head} ({e.local_time_text}) {e.description}"

    parcels = []
    for p in result.parcels:
        est, pod = p.estimate, p.proof_of_delivery
        parcels.append(
            {
                "number": p.tracking_number,
                "status": p.status_hint,
                "sub_status": p.sub_status_hint,
                "code": p.carrier_status_code,
                "events": [event(e) for e in p.events],
                "estimate": est
                and {
                    "day": est.day.isoformat(),
                    "latest_day": est.latest_day and est.latest_day.isoformat(),
                    "window": [iso(est.window_start), iso(est.window_end)],
                },
                "pod": pod
                and {
                    "at": iso(pod.delivered_at),
                    "signed_by": pod.signed_by,
                    "place": pod.place,
                    "signature": pod.signature_url,
                    "photo": pod.photo_url,
                },
                "pieces": list(p.pieces),
            }
        )
    errors = [
        {
            "kind": e.kind,
            "number": e.tracking_number,
            "retry_after": e.retry_after,
            "code": e.carrier_code,
        }
        for e in result.errors
    ]
    return {"parcels": parcels, "errors": errors}


NAMES = sorted(p.name for p in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert project(parse(fixture)) == fixture["expected"]


@pytest.mark.parametrize("name", NAMES)
def test_every_parse_is_well_formed(name: str) -> None:
    result = parse(load(name))
    for error in result.errors:
        assert error.message.strip()
        assert error.carrier_code != "parser_error"
    for parcel in result.parcels:
        assert parcel.carrier == "fedex"
        assert parcel.source is Source.CARRIER
        assert parcel.source_name == "fedex"
        assert parcel.fetched_at == NOW
        times = [e.occurred_at for e in parcel.events]
        assert times == sorted(times), "events come oldest first whatever FedEx's order"
        assert all(e.observed_at == NOW and e.source_name == "fedex" for e in parcel.events)


def test_contract_constants() -> None:
    assert fedex.CARRIER_ID == "fedex"
    assert fedex.DEFAULT_BASE_URL == "https://apis.fedex.com"
    assert "{number}" in fedex.TRACKING_PAGE_URL
    assert fedex.BATCH_LIMIT == 30
    assert fedex.AUTH is AuthKind.OAUTH_CLIENT_CREDENTIALS
    assert [f.name for f in fedex.CREDENTIAL_FIELDS] == ["client_id", "client_secret"]
    assert fedex.TOKEN_PATH == "/oauth/token"
    assert fedex.RATE_LIMIT == (140.0, 100_000)


def test_build_requests_batches_thirty_numbers_per_post() -> None:
    numbers = [f"{n:012d}" for n in range(61)]
    specs = fedex.build_requests(numbers, language="de")
    assert [len(s.tracking_numbers) for s in specs] == [30, 30, 1]
    first = specs[0]
    assert (first.method, first.path) == ("POST", "/track/v1/trackingnumbers")
    assert ("x-locale", "de_DE") in first.headers
    assert first.json_body == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers[:30]],
    }
    assert fedex.build_requests([], language="en") == []


def test_token_request_sends_credentials_in_the_form() -> None:
    spec = fedex.build_token_request("key", "secret")
    assert (spec.method, spec.path) == ("POST", "/oauth/token")
    assert spec.form_body == (
        ("grant_type", "client_credentials"),
        ("client_id", "key"),
        ("client_secret", "secret"),
    )


def test_token_response() -> None:
    body = b'{"access_token":"tok","token_type":"bearer","expires_in":3599,"scope":"CXS"}'
    assert fedex.parse_token_response(200, {}, body) == ("tok", 3599.0)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, b'{"errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"Invalid credentials"}]}',
         ProblemKind.AUTH_FAILED),
        (429, b"", ProblemKind.RATE_LIMITED),
        (500, b"", ProblemKind.UNAVAILABLE),
        (200, b"<html></html>", ProblemKind.BAD_RESPONSE),
        (200, b"[]", ProblemKind.BAD_RESPONSE),
    ],
)  # fmt: skip
def test_token_failures_are_typed_errors(status: int, body: bytes, kind: ProblemKind) -> None:
    result = fedex.parse_token_response(status, {}, body)
    assert isinstance(result, TrackingError)
    assert result.kind is kind
    assert result.message


def test_every_requested_number_of_a_batch_is_answered() -> None:
    fixture = load("batch_mixed.json")
    result = parse(fixture)
    answered: set[str | None] = {p.tracking_number for p in result.parcels}
    answered |= {e.tracking_number for e in result.errors}
    assert answered == set(fixture["requested"])


def test_window_start_borrows_the_end_offset() -> None:
    (parcel,) = parse(load("in_transit_window.json")).parcels
    assert parcel.estimate is not None
    assert parcel.estimate.window_start == datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
