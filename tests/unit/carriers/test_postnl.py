"""PostNL Shippingstatus v2: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.carriers import postnl
from app.carriers.base import AuthKind
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_invariants, over_paths

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(postnl, "postnl", NOW, layout="rows")
CASES = TABLE.paths()
case = TABLE.case


@over_paths(TABLE)
def test_fixture(path: Path) -> None:
    fixture = TABLE.load(path.name)
    result = TABLE.parse(fixture)
    assert_invariants(result, fixture["requested"], "postnl")
    assert TABLE.project(result) == fixture["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    assert len(CASES) >= 18


def test_timestamps_are_dutch_local_time() -> None:
    delivered = case("delivered").parcels[0].events[-1]
    assert delivered.local_time_text == "18-11-2026 13:42:00"
    assert delivered.occurred_at == datetime(2026, 11, 18, 12, 42, tzinfo=UTC)  # CET
    summer = case("summer_time").parcels[0].events[0]
    assert summer.occurred_at == datetime(2026, 7, 14, 8, 15, tzinfo=UTC)  # CEST


def test_unlisted_event_takes_the_status_of_its_moment() -> None:
    delivered = case("delivered").parcels[0].events[-1]
    assert (delivered.carrier_code, delivered.status) == ("I01", Status.DELIVERED)


def test_shipment_object_or_array_reads_the_same() -> None:
    as_array = case("current_status_array").parcels[0]
    assert as_array.status_hint is Status.OUT_FOR_DELIVERY
    assert [e.carrier_code for e in as_array.events] == ["1", "2", "5", "7"]


@pytest.mark.parametrize(
    ("name", "code", "status", "sub"),
    [
        ("failed_attempt_redelivery", "D08", Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
        ("address_problem", "J33", Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM),
        ("return_damaged", "H35", Status.RETURNING, SubStatus.DAMAGED),
        ("delay_eta_moved", "J26", Status.IN_TRANSIT, SubStatus.DELAYED),
        ("pickup_point", "A98", Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
    ],
)
def test_codes(name: str, code: str, status: Status, sub: SubStatus | None) -> None:
    event = next(e for e in case(name).parcels[0].events if e.carrier_code == code)
    assert (event.status, event.sub_status) == (status, sub)


def test_expected_window() -> None:
    estimate = case("delay_eta_moved").parcels[0].estimate
    assert estimate is not None
    assert estimate.day.isoformat() == "2026-11-19"
    assert estimate.window_start == datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
    assert estimate.window_end == datetime(2026, 11, 19, 15, 30, tzinfo=UTC)


def test_lost_is_an_exception() -> None:
    parcel = case("lost").parcels[0]
    assert (parcel.status_hint, parcel.sub_status_hint) == (Status.EXCEPTION, SubStatus.LOST)


def test_multi_collo_pieces() -> None:
    parcels = case("multi_collo").parcels
    assert [(p.tracking_number, p.pieces) for p in parcels] == [
        ("3SABCD1234567", ()),
        ("3SABCD1234567", ("3SABCD1234568",)),
    ]


def test_errors() -> None:
    (missing,) = case("not_found").errors
    assert (missing.kind, missing.tracking_number) == (ProblemKind.NOT_FOUND, "3SABCD1234567")
    (invalid,) = case("invalid_number").errors
    assert (invalid.kind, invalid.tracking_number) == (ProblemKind.INVALID_NUMBER, "3S12")
    (auth,) = case("auth_failed").errors
    assert (auth.kind, auth.carrier_code) == (ProblemKind.AUTH_FAILED, "oauth.v2.InvalidApiKey")


def test_requests() -> None:
    assert postnl.AUTH is AuthKind.API_KEY_HEADER
    assert postnl.API_KEY_HEADER == "apikey"
    for language in ("de", "en"):
        (spec,) = postnl.build_requests(["3SABCD1234567"], language=language)
        assert spec.path == "/shipment/v2/status/barcode/3SABCD1234567"
        assert spec.params == (("detail", "true"), ("language", "EN"))
