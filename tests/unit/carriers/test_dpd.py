"""DPD public JSON: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.carriers import dpd
from app.carriers.base import AuthKind
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_invariants, over_paths

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(dpd, "dpd", NOW, layout="rows")
CASES = TABLE.paths()
case = TABLE.case


@over_paths(TABLE)
def test_fixture(path: Path) -> None:
    fixture = TABLE.load(path.name)
    result = TABLE.parse(fixture)
    assert_invariants(result, fixture["requested"], "dpd")
    assert TABLE.project(result) == fixture["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    names = {p.stem for p in CASES}
    assert len(names) >= 18
    assert {"delivered_neighbour", "not_found", "truncated_json", "empty_body"} <= names


def test_scan_times_are_berlin_local_without_offset() -> None:
    winter = case("delivered_neighbour").parcels[0].events[-1]
    assert winter.local_time_text == "2026-11-18T12:05:59"
    assert winter.occurred_at == datetime(2026, 11, 18, 11, 5, 59, tzinfo=UTC)  # CET, +1
    summer = case("out_for_delivery_summer").parcels[0].events[-1]
    assert summer.occurred_at == datetime(2026, 7, 14, 6, 45, 30, tzinfo=UTC)  # CEST, +2


def test_status_info_dates_are_read_when_there_are_no_scans() -> None:
    parcel = case("status_info_only").parcels[0]
    assert [e.local_time_text for e in parcel.events] == ["17.11.2026, 16:02", "17.11.2026, 23:41"]
    assert parcel.events[0].occurred_at == datetime(2026, 11, 17, 15, 2, tzinfo=UTC)
    assert parcel.status_hint is Status.IN_TRANSIT


def test_delivered_to_a_neighbour_with_place_and_country() -> None:
    parcel = case("delivered_neighbour").parcels[0]
    first, last = parcel.events[0], parcel.events[-1]
    assert (first.location.city, first.location.country) == ("Venlo", "NL")
    assert (last.status, last.sub_status) == (Status.DELIVERED, SubStatus.NEIGHBOUR)
    assert parcel.proof_of_delivery is not None
    assert parcel.proof_of_delivery.place == "neighbour"
    assert parcel.tracking_number == "01234567890123"  # what was asked, not DPD's 15 chars


def test_pre_transit_is_a_parcel_not_an_error() -> None:
    result = case("pre_transit")
    assert result.errors == ()
    assert result.parcels[0].status_hint is Status.INFO_RECEIVED
    assert result.parcels[0].sub_status_hint is SubStatus.NOT_HANDED_OVER


def test_empty_life_cycle_is_not_found_for_the_number() -> None:
    (error,) = case("not_found").errors
    assert (error.kind, error.tracking_number) == (ProblemKind.NOT_FOUND, "01234567890123")


def test_bot_protection_is_unavailable_not_auth() -> None:
    assert dpd.AUTH is AuthKind.NONE
    assert dpd.CREDENTIAL_FIELDS == ()
    (error,) = case("auth_failed").errors
    assert error.kind is ProblemKind.UNAVAILABLE
    assert error.tracking_number is None


def test_retry_after_is_kept() -> None:
    assert case("rate_limited_retry_after").errors[0].retry_after == 120
    assert case("rate_limited_no_retry_after").errors[0].retry_after is None


@pytest.mark.parametrize(
    ("language", "locale"), [("de", "de_DE"), ("en", "en_US"), ("fr", "en_US")]
)
def test_locale_goes_into_the_path(language: str, locale: str) -> None:
    (spec,) = dpd.build_requests(["0123 4567890123"], language=language)
    assert spec.path == f"/rest/plc/{locale}/0123%204567890123"
    assert spec.tracking_numbers == ("0123 4567890123",)


def test_one_request_per_number() -> None:
    specs = dpd.build_requests(["01234567890123", "01234567890124"], language="de")
    assert [s.tracking_numbers for s in specs] == [("01234567890123",), ("01234567890124",)]


def test_scan_code_sent_as_a_number() -> None:
    scan = {"date": "2026-11-18T07:31:00", "scanData": {"scanType": {"code": 3}}}
    data = {"shipmentInfo": {}, "scanInfo": {"scan": [scan]}}
    body = json.dumps({"parcellifecycleResponse": {"parcelLifeCycleData": data}}).encode()
    result = dpd.parse_response(200, {}, body, requested=["01234567890123"], fetched_at=NOW)
    (event,) = result.parcels[0].events
    assert (event.carrier_code, event.status) == ("03", Status.OUT_FOR_DELIVERY)


@pytest.mark.parametrize(
    ("text", "sub"),
    [
        ("Verzögerung: Ihr Paket wird später zugestellt.", SubStatus.DELAYED),
        ("Die Zustellung verzögert sich.", SubStatus.DELAYED),
        ("Your parcel is delayed.", SubStatus.DELAYED),
        ("Ihr Paket ist im Paketzentrum eingetroffen.", None),
    ],
)
def test_a_hub_scan_is_a_delay_only_when_its_text_says_so(text: str, sub: SubStatus | None) -> None:
    fixture = TABLE.load("delayed_hub_scan")
    body = json.loads(fixture["raw"])
    scans = body["parcellifecycleResponse"]["parcelLifeCycleData"]["scanInfo"]["scan"]
    scans[-1]["scanDescription"]["content"] = [text]
    fixture["raw"] = json.dumps(body).encode()
    hub = TABLE.parse(fixture).parcels[0].events[-1]
    assert (hub.status, hub.sub_status, hub.carrier_code) == (Status.IN_TRANSIT, sub, "10")
