"""UPS Tracking API: fixtures written from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer and the expected parse in the "lines" layout of fixture_table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.carriers import ups
from app.carriers.base import AuthKind, TrackingError
from app.carriers.geo import locale_for
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_well_formed, over_names

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(ups, "ups", NOW, layout="lines")
load, parse = TABLE.load, TABLE.parse


@over_names(TABLE)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert TABLE.project(parse(fixture)) == fixture["expected"]


@over_names(TABLE)
def test_every_parse_is_well_formed(name: str) -> None:
    assert_well_formed(parse(load(name)), "ups", NOW, "UPS")


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
    assert locale_for(language) == locale


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


def test_delay_048_stays_in_transit_although_its_type_is_x() -> None:
    parcel = parse(load("delay_operating_conditions")).parcels[0]
    delay = parcel.events[-1]
    assert (delay.status, delay.sub_status) == (Status.IN_TRANSIT, SubStatus.DELAYED)
    assert (parcel.status_hint, parcel.sub_status_hint) == (Status.IN_TRANSIT, SubStatus.DELAYED)
    # Without a known code the type decides: the same scan would be an exception.
    fixture = load("delay_operating_conditions")
    fixture["raw"] = fixture["raw"].replace(b'"048"', b'"099"')
    assert parse(fixture).parcels[0].events[-1].status is Status.EXCEPTION
