"""UPS Tracking API: fixtures written from the reference in, normalized data or typed errors out.

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

from app.carriers import ups
from app.carriers.base import AuthKind, ParseResult, TrackingError
from app.domain.models import ProblemKind, Source

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers" / "ups"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    raw = fixture.get("body_text")
    fixture["raw"] = raw.encode() if raw is not None else json.dumps(fixture["body"]).encode()
    return fixture


def parse(fixture: dict[str, Any]) -> ParseResult:
    return ups.parse_response(
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
        assert parcel.carrier == "ups"
        assert parcel.source is Source.CARRIER
        assert parcel.source_name == "ups"
        assert parcel.fetched_at == NOW
        times = [e.occurred_at for e in parcel.events]
        assert times == sorted(times), "events come oldest first whatever UPS's order"
        assert all(e.observed_at == NOW and e.source_name == "ups" for e in parcel.events)


def test_contract_constants() -> None:
    assert ups.CARRIER_ID == "ups"
    assert ups.DEFAULT_BASE_URL == "https://onlinetools.ups.com"
    assert "{number}" in ups.TRACKING_PAGE_URL
    assert ups.BATCH_LIMIT == 1
    assert ups.AUTH is AuthKind.OAUTH_CLIENT_CREDENTIALS
    assert [f.name for f in ups.CREDENTIAL_FIELDS] == ["client_id", "client_secret"]
    assert ups.TOKEN_PATH == "/security/v1/oauth/token"
    per_second, per_day = ups.RATE_LIMIT
    assert 0 < per_second <= 1
    assert per_day is None


def test_build_requests_one_get_per_number_with_locale() -> None:
    (spec,) = ups.build_requests(["1ZA1B2C30123456787"], language="de")
    assert (spec.method, spec.path) == ("GET", "/api/track/v1/details/1ZA1B2C30123456787")
    params = dict(spec.params)
    assert params["locale"] == "de_DE"
    assert params["returnSignature"] == "true"
    assert params["returnPOD"] == "true"
    assert ("transactionSrc", "paketpilot") in spec.headers
    assert spec.tracking_numbers == ("1ZA1B2C30123456787",)


@pytest.mark.parametrize(
    ("language", "locale"), [("en", "en_US"), ("de-AT", "de_AT"), ("xx", "en_US"), ("", "en_US")]
)
def test_locale_for(language: str, locale: str) -> None:
    assert ups.locale_for(language) == locale


def test_token_request_uses_basic_auth_and_form_grant() -> None:
    spec = ups.build_token_request("id", "secret")
    assert (spec.method, spec.path) == ("POST", "/security/v1/oauth/token")
    assert ("Authorization", "Basic aWQ6c2VjcmV0") in spec.headers  # base64("id:secret")
    assert spec.form_body == (("grant_type", "client_credentials"),)


def test_token_expires_in_arrives_as_a_string() -> None:
    body = json.dumps(
        {
            "token_type": "Bearer",
            "issued_at": "1773316800000",
            "client_id": "id",
            "access_token": "eyJ.token",
            "scope": "",
            "expires_in": "14399",
            "refresh_count": "0",
            "status": "approved",
        }
    ).encode()
    assert ups.parse_token_response(200, {}, body) == ("eyJ.token", 14399.0)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, b'{"response":{"errors":[{"code":"10401","message":"ClientId is Invalid"}]}}',
         ProblemKind.AUTH_FAILED),
        (429, b"", ProblemKind.RATE_LIMITED),
        (503, b"<html>down</html>", ProblemKind.UNAVAILABLE),
        (200, b'{"token_type":"Bearer"}', ProblemKind.BAD_RESPONSE),
        (200, b'{"access_token": "x", "expires_in": "14', ProblemKind.BAD_RESPONSE),
    ],
)  # fmt: skip
def test_token_failures_are_typed_errors(status: int, body: bytes, kind: ProblemKind) -> None:
    result = ups.parse_token_response(status, {}, body)
    assert isinstance(result, TrackingError)
    assert result.kind is kind
    assert result.message


def test_token_without_lifetime_gets_a_short_one() -> None:
    assert ups.parse_token_response(200, {}, b'{"access_token":"t","expires_in":"soon"}') == (
        "t",
        300.0,
    )


def test_gmt_time_wins_over_local_time() -> None:
    (parcel,) = parse(load("delivered_signature_photo.json")).parcels
    arrived = next(e for e in parcel.events if e.carrier_code == "I/005/AR")
    assert arrived.occurred_at == datetime(2026, 3, 12, 7, 47, tzinfo=UTC)  # gmtTime "74700"
    assert arrived.local_time_text == "20260312 034700"


def test_not_found_in_a_200_answer() -> None:
    (error,) = parse(load("not_found_200_warning.json")).errors
    assert (error.kind, error.carrier_code) == (ProblemKind.NOT_FOUND, "TW0001")


def test_single_objects_where_arrays_are_documented() -> None:
    fixture = load("out_for_delivery.json")
    shipment = fixture["body"]["trackResponse"]["shipment"][0]
    package = shipment["package"][0]
    package["activity"] = package["activity"][0]
    fixture["body"]["trackResponse"]["shipment"] = {**shipment, "package": package}
    fixture["raw"] = json.dumps(fixture["body"]).encode()
    (parcel,) = parse(fixture).parcels
    assert [e.status for e in parcel.events] == ["out_for_delivery"]
