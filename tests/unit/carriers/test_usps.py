"""USPS Tracking v3: fixtures from the reference in, normalized data or typed errors out.

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

from app.carriers import usps
from app.carriers.base import AuthKind, ParseResult, TrackingError
from app.domain.models import ProblemKind, Source

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers" / "usps"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    raw = fixture.get("body_text")
    fixture["raw"] = raw.encode() if raw is not None else json.dumps(fixture["body"]).encode()
    return fixture


def parse(fixture: dict[str, Any]) -> ParseResult:
    return usps.parse_response(
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
        assert parcel.carrier == "usps"
        assert parcel.source is Source.CARRIER
        assert parcel.source_name == "usps"
        assert parcel.fetched_at == NOW
        times = [e.occurred_at for e in parcel.events]
        assert times == sorted(times), "events come oldest first whatever USPS's order"
        assert all(e.observed_at == NOW and e.source_name == "usps" for e in parcel.events)


def test_contract_constants() -> None:
    assert usps.CARRIER_ID == "usps"
    assert usps.DEFAULT_BASE_URL == "https://apis.usps.com"
    assert "{number}" in usps.TRACKING_PAGE_URL
    assert usps.BATCH_LIMIT == 1
    assert usps.AUTH is AuthKind.OAUTH_CLIENT_CREDENTIALS
    assert [f.name for f in usps.CREDENTIAL_FIELDS] == ["client_id", "client_secret"]
    assert usps.TOKEN_PATH == "/oauth2/v3/token"
    assert usps.RATE_LIMIT == (60 / 3600, None)


def test_build_requests_one_detailed_get_per_number() -> None:
    (spec,) = usps.build_requests(["9400111899223856421173"], language="de")
    assert (spec.method, spec.path) == ("GET", "/tracking/v3/tracking/9400111899223856421173")
    assert spec.params == (("expand", "DETAIL"),)
    assert spec.tracking_numbers == ("9400111899223856421173",)


def test_token_request_and_response() -> None:
    spec = usps.build_token_request("key", "secret")
    assert (spec.method, spec.path) == ("POST", "/oauth2/v3/token")
    assert ("grant_type", "client_credentials") in (spec.form_body or ())
    body = b'{"access_token":"tok","token_type":"Bearer","expires_in":28799,"issued_at":1}'
    assert usps.parse_token_response(200, {}, body) == ("tok", 28799.0)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, b'{"error":"invalid_client","error_description":"Client authentication failed"}',
         ProblemKind.AUTH_FAILED),
        (400, b'{"error":"invalid_request"}', ProblemKind.AUTH_FAILED),
        (429, b"", ProblemKind.RATE_LIMITED),
        (503, b"", ProblemKind.UNAVAILABLE),
        (200, b"", ProblemKind.BAD_RESPONSE),
    ],
)  # fmt: skip
def test_token_failures_are_typed_errors(status: int, body: bytes, kind: ProblemKind) -> None:
    result = usps.parse_token_response(status, {"Retry-After": "30"}, body)
    assert isinstance(result, TrackingError)
    assert result.kind is kind
    assert result.message


def test_oauth_error_text_reaches_the_user() -> None:
    body = b'{"error":"invalid_client","error_description":"Client authentication failed"}'
    result = usps.parse_token_response(401, {}, body)
    assert isinstance(result, TrackingError)
    assert "Client authentication failed" in result.message
    assert result.carrier_code == "invalid_client"


@pytest.mark.parametrize(
    ("offset", "expected_hour"),
    [(-240, 9), ("-04:00", 9), ("-4:00", 9), ("-0400", 9), (-4, 9), ("-240", 9), ("bogus", 9)],
)
def test_gmt_offset_in_all_its_shapes(offset: object, expected_hour: int) -> None:
    body = {
        "trackingNumber": "9400111899223856421173",
        "statusCategory": "In Transit",
        "trackingEvents": [
            {
                "eventType": "Arrived at Post Office",
                "eventTimestamp": "2026-03-12T05:30:00",
                "GMTOffset": offset,
                "eventCity": "FALMOUTH",
                "eventState": "MA",
                "eventCode": "07",
            }
        ],
    }
    result = usps.parse_response(200, {}, json.dumps(body).encode(), fetched_at=NOW)
    (event,) = result.parcels[0].events
    # A bogus offset falls back to the state's zone (Massachusetts, EDT): the same instant.
    assert event.occurred_at == datetime(2026, 3, 12, expected_hour, 30, tzinfo=UTC)
