"""Hermes HSI shipmentinfo: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.carriers import hermes
from app.carriers.base import AuthKind
from app.carriers.parsing import BadResponse
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_invariants, over_paths

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(hermes, "hermes", NOW, layout="rows")
CASES = TABLE.paths()
case = TABLE.case


@over_paths(TABLE)
def test_fixture(path: Path) -> None:
    fixture = TABLE.load(path.name)
    result = TABLE.parse(fixture)
    assert_invariants(result, fixture["requested"], "hermes")
    assert TABLE.project(result) == fixture["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    assert len(CASES) >= 18


def test_newest_first_becomes_oldest_first_with_offsets_kept() -> None:
    parcel = case("delivered_letterbox").parcels[0]
    assert [e.carrier_code for e in parcel.events] == [
        "0000",
        "1000",
        "1510",
        "2000",
        "3000",
        "3511",
    ]
    last = parcel.events[-1]
    assert last.local_time_text == "2026-11-18T11:47:00+01:00"
    assert last.occurred_at == datetime(2026, 11, 18, 10, 47, tzinfo=UTC)
    assert (last.status, last.sub_status) == (Status.DELIVERED, SubStatus.SAFE_PLACE)
    assert parcel.proof_of_delivery is not None
    assert parcel.proof_of_delivery.place == "letterbox"


def test_iso3_countries_become_iso2() -> None:
    events = case("international_customs").parcels[0].events
    assert [e.location.country for e in events] == ["AT", "AT", "DE", "DE"]
    assert events[1].sub_status is SubStatus.CUSTOMS
    assert events[-1].status is Status.UNKNOWN  # 9999: kept, never a crash
    assert events[-1].carrier_code == "9999"


@pytest.mark.parametrize(
    ("name", "code", "status", "sub"),
    [
        ("failed_attempt_redelivery", "3731", Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
        ("address_problem", "3720", Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM),
        ("damaged", "3740", Status.EXCEPTION, SubStatus.DAMAGED),
        ("parcelshop", "3410", Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
        ("return_to_sender", "6084", Status.RETURNING, SubStatus.RECIPIENT_ABSENT),
        ("return_to_sender", "7500", Status.RETURNED, None),
        ("delivered_neighbour", "3500", Status.DELIVERED, SubStatus.NEIGHBOUR),
    ],
)
def test_codes(name: str, code: str, status: Status, sub: SubStatus | None) -> None:
    event = next(e for e in case(name).parcels[0].events if e.carrier_code == code)
    assert (event.status, event.sub_status) == (status, sub)


def test_forecast_slot_is_german_local_time() -> None:
    estimate = case("delay_eta_moved").parcels[0].estimate
    assert estimate is not None
    assert estimate.day.isoformat() == "2026-11-21"
    assert estimate.window_start == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    assert estimate.window_end == datetime(2026, 11, 21, 16, 30, tzinfo=UTC)


def test_notified_only_is_pre_transit_parcel() -> None:
    result = case("pre_transit_notified")
    assert result.errors == ()
    parcel = result.parcels[0]
    assert (parcel.status_hint, parcel.sub_status_hint) == (
        Status.INFO_RECEIVED,
        SubStatus.NOT_HANDED_OVER,
    )


def test_batch_keeps_each_number_apart() -> None:
    result = case("batch_mixed")
    assert [p.tracking_number for p in result.parcels] == ["01234567890123"]
    kinds = {e.tracking_number: (e.kind, e.carrier_code) for e in result.errors}
    assert kinds == {
        "0123456789012345": (ProblemKind.NOT_FOUND, "e001"),
        "H1234567890123456789": (ProblemKind.NOT_FOUND, None),
    }


def test_expired_token_is_auth_failed_with_the_oauth_code() -> None:
    (error,) = case("auth_failed").errors
    assert (error.kind, error.carrier_code) == (ProblemKind.AUTH_FAILED, "invalid_token")


def test_requests_repeat_shipment_id_in_chunks_of_20() -> None:
    numbers = [f"0123456789{i:04d}" for i in range(45)]
    specs = hermes.build_requests(numbers, language="de")
    assert [len(s.tracking_numbers) for s in specs] == [20, 20, 5]
    assert specs[0].path == "/shipmentinfo"
    assert specs[0].params[:2] == (("shipmentID", numbers[0]), ("shipmentID", numbers[1]))
    assert ("Accept-Language", "DE") in specs[0].headers
    assert ("Accept-Language", "EN") in hermes.build_requests(numbers[:1], language="en")[0].headers


def test_token_contract() -> None:
    assert hermes.AUTH is AuthKind.OAUTH_PASSWORD
    assert {f.name for f in hermes.CREDENTIAL_FIELDS} == {
        "username", "password", "client_id", "client_secret"
    }  # fmt: skip
    token = b'{"access_token": "abc", "token_type": "bearer", "expires_in": "3599"}'
    assert hermes.parse_token_response(200, {}, token) == ("abc", 3599.0)
    with pytest.raises(BadResponse):
        hermes.parse_token_response(200, {}, b'{"error": "invalid_grant"}')


def test_4610_is_a_delay_in_transit() -> None:
    delay = case("delayed_high_volume").parcels[0].events[-1]
    assert (delay.status, delay.sub_status, delay.carrier_code) == (
        Status.IN_TRANSIT,
        SubStatus.DELAYED,
        "4610",
    )
