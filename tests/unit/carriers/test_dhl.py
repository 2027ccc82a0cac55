"""DHL Unified Tracking: fixtures from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer and the expected parse in the "lines" layout of fixture_table.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.carriers import dhl
from app.carriers.base import AuthKind
from app.domain.models import ProblemKind
from tests.unit.carriers.fixture_table import FixtureTable, assert_well_formed, over_names

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(dhl, "dhl", NOW, layout="lines")
load, parse = TABLE.load, TABLE.parse


@over_names(TABLE)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert TABLE.project(parse(fixture)) == fixture["expected"]


@over_names(TABLE)
def test_every_parse_is_well_formed(name: str) -> None:
    assert_well_formed(parse(load(name)), "dhl", NOW, "DHL")


def test_contract_constants() -> None:
    assert dhl.CARRIER_ID == "dhl"
    assert dhl.DEFAULT_BASE_URL == "https://api-eu.dhl.com"
    assert "{number}" in dhl.TRACKING_PAGE_URL
    assert dhl.BATCH_LIMIT == 1
    assert dhl.AUTH is AuthKind.API_KEY_HEADER
    assert [f.name for f in dhl.CREDENTIAL_FIELDS] == ["api_key"]
    assert dhl.RATE_LIMIT == (1.0, 250)


def test_build_requests_one_get_per_number() -> None:
    specs = dhl.build_requests(["00340434123456789012", "1234567891"], language="de-DE")
    assert [s.tracking_numbers for s in specs] == [("00340434123456789012",), ("1234567891",)]
    first = specs[0]
    assert (first.method, first.path) == ("GET", "/track/shipments")
    assert first.params == (("trackingNumber", "00340434123456789012"), ("language", "de"))
    assert ("Accept", "application/json") in first.headers
    assert first.json_body is None


def test_german_local_time_becomes_utc() -> None:
    result = parse(load("parcel_de_delivered_signed.json"))
    first = result.parcels[0].events[0]
    # 06:41 in Berlin in March (CET, UTC+1) is 05:41 UTC; the original text is kept.
    assert first.occurred_at == datetime(2026, 3, 10, 5, 41, tzinfo=UTC)
    assert first.local_time_text == "2026-03-10T06:41:00"


def test_pre_transit_is_data_when_dhl_sends_a_label_event() -> None:
    result = parse(load("pre_transit_label_only.json"))
    assert not result.errors
    assert result.parcels[0].status_hint == "info_received"
    assert result.parcels[0].sub_status_hint == "not_handed_over"


def test_whole_request_errors_have_no_number() -> None:
    for name, kind in [
        ("auth_401.json", ProblemKind.AUTH_FAILED),
        ("rate_limited_429.json", ProblemKind.RATE_LIMITED),
        ("unavailable_503.json", ProblemKind.UNAVAILABLE),
        ("html_200.json", ProblemKind.BAD_RESPONSE),
    ]:
        (error,) = parse(load(name)).errors
        assert (error.kind, error.tracking_number) == (kind, None)


def test_number_spelled_differently_keeps_the_requested_spelling() -> None:
    fixture = load("parcel_de_delivered_signed.json")
    fixture["requested"] = ["0034 0434 1234 5678 9012"]
    (parcel,) = parse(fixture).parcels
    assert parcel.tracking_number == "0034 0434 1234 5678 9012"


def test_a_reference_sent_as_one_object_still_identifies_the_shipment() -> None:
    fixture = load("parcel_de_delivered_signed.json")
    fixture["requested"] = ["ORDER-4711", "00340434999999999999"]
    result = parse(fixture)
    assert [p.tracking_number for p in result.parcels] == ["ORDER-4711"]
    assert [(e.kind, e.tracking_number) for e in result.errors] == [
        (ProblemKind.NOT_FOUND, "00340434999999999999")
    ]
