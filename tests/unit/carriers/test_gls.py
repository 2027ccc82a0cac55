"""GLS Track & Trace v1: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.carriers import gls
from app.carriers.base import AuthKind
from app.carriers.parsing import BadResponse
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_invariants, over_paths

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(gls, "gls", NOW, layout="rows")
CASES = TABLE.paths()
case = TABLE.case


@over_paths(TABLE)
def test_fixture(path: Path) -> None:
    fixture = TABLE.load(path.name)
    result = TABLE.parse(fixture)
    assert_invariants(result, fixture["requested"], "gls")
    assert TABLE.project(result) == fixture["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    assert len(CASES) >= 18


def test_offsets_without_colon() -> None:
    last = case("delivered").parcels[0].events[-1]
    assert last.local_time_text == "2026-11-18T11:31:00+0100"
    assert last.occurred_at == datetime(2026, 11, 18, 10, 31, tzinfo=UTC)
    assert last.location.label() == "10115 Berlin, DE"
    summer = case("delivered_summer_offset").parcels[0].events[0]
    assert summer.occurred_at == datetime(2026, 7, 14, 8, 46, 14, tzinfo=UTC)


def test_delivered_has_proof() -> None:
    parcel = case("delivered").parcels[0]
    assert parcel.status_hint is Status.DELIVERED
    assert parcel.proof_of_delivery is not None
    assert parcel.proof_of_delivery.delivered_at == datetime(2026, 11, 18, 10, 31, tzinfo=UTC)


def test_parcelshop_is_waiting_for_pickup_with_the_hand_over_as_proof() -> None:
    parcel = case("parcelshop").parcels[0]
    assert (parcel.status_hint, parcel.sub_status_hint) == (
        Status.AVAILABLE_FOR_PICKUP,
        SubStatus.PICKUP_POINT,
    )
    assert parcel.carrier_status_code == "DELIVEREDPS"
    assert parcel.proof_of_delivery is not None
    assert parcel.proof_of_delivery.place == "ParcelShop"


@pytest.mark.parametrize("name", ["preadvice", "planned_pickup"])
def test_pre_transit_parcels(name: str) -> None:
    result = case(name)
    assert result.errors == ()
    parcel = result.parcels[0]
    assert (parcel.status_hint, parcel.sub_status_hint) == (
        Status.INFO_RECEIVED,
        SubStatus.NOT_HANDED_OVER,
    )


def test_per_parcel_errors_and_missing_numbers() -> None:
    result = case("batch_with_errors")
    assert [p.tracking_number for p in result.parcels] == ["12345678901"]
    errors = {e.tracking_number: (e.kind, e.carrier_code) for e in result.errors}
    assert errors == {
        "42249018928": (ProblemKind.NOT_FOUND, "E_404_01"),
        "123456789012": (ProblemKind.NOT_FOUND, None),
    }
    (invalid,) = case("invalid_number").errors
    assert (invalid.kind, invalid.tracking_number) == (ProblemKind.INVALID_NUMBER, "12")


def test_one_reference_two_parcels_keeps_both_unit_numbers() -> None:
    parcels = case("reference_two_parcels").parcels
    assert [(p.tracking_number, p.pieces) for p in parcels] == [
        ("747N6K", ("93835330599",)),
        ("747N6K", ("93835330600",)),
    ]


def test_apigee_faults() -> None:
    (expired,) = case("auth_failed").errors
    assert (expired.kind, expired.carrier_code) == (
        ProblemKind.AUTH_FAILED,
        "steps.jwt.TokenExpired",
    )
    (quota,) = case("rate_limited_retry_after").errors
    assert (quota.kind, quota.retry_after) == (ProblemKind.RATE_LIMITED, 120)
    assert quota.carrier_code == "policies.ratelimit.QuotaViolation"


def test_requests_join_ten_numbers_with_commas() -> None:
    numbers = [f"1234567890{i}" for i in range(10)] + ["99999999999"]
    specs = gls.build_requests(numbers, language="de")
    assert [len(s.tracking_numbers) for s in specs] == [10, 1]
    assert specs[0].path == "/tracking/simple/trackids/" + ",".join(numbers[:10])
    assert ("Accept-Language", "DE") in specs[0].headers
    assert ("showEvents", "true") in specs[0].params
    assert ("Accept-Language", "EN") in gls.build_requests(numbers[:1], language="en")[0].headers


def test_token_contract() -> None:
    assert gls.AUTH is AuthKind.OAUTH_CLIENT_CREDENTIALS
    assert {f.name for f in gls.CREDENTIAL_FIELDS} == {"client_id", "client_secret"}
    assert gls.parse_token_response(200, {}, b'{"access_token": "t", "expires_in": 14400}') == (
        "t",
        14400.0,
    )
    with pytest.raises(BadResponse):
        gls.parse_token_response(200, {}, b"<html></html>")


@pytest.mark.parametrize(
    ("text", "sub"),
    [
        ("The parcel is delayed and will arrive later.", SubStatus.DELAYED),
        ("Verzögerung: Das Paket kommt später an.", SubStatus.DELAYED),
        ("The parcel has reached the GLS parcel center.", None),
    ],
)
def test_a_transit_scan_is_a_delay_only_when_its_text_says_so(
    text: str, sub: SubStatus | None
) -> None:
    fixture = TABLE.load("delayed_in_transit")
    fixture["raw"] = fixture["raw"].replace(
        b"The parcel is delayed and will arrive later.", text.encode()
    )
    hub = TABLE.parse(fixture).parcels[0].events[-1]
    assert (hub.status, hub.sub_status, hub.carrier_code) == (Status.IN_TRANSIT, sub, "INBOUND.HUB")
