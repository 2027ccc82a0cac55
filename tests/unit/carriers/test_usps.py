"""USPS Tracking v3: fixtures from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer and the expected parse in the "lines" layout of fixture_table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.carriers import usps
from app.carriers.base import AuthKind, TrackingError
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_well_formed, over_names

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(usps, "usps", NOW, layout="lines")
load, parse = TABLE.load, TABLE.parse


@over_names(TABLE)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert TABLE.project(parse(fixture)) == fixture["expected"]


@over_names(TABLE)
def test_every_parse_is_well_formed(name: str) -> None:
    assert_well_formed(parse(load(name)), "usps", NOW, "USPS")


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


def test_token_response() -> None:
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


@pytest.mark.parametrize("scan_offset", ["-05:00", "-06:00", "-08:00"])
def test_a_window_in_a_split_state_is_read_in_its_main_zone(scan_offset: str) -> None:
    """Tennessee is split between Eastern and Central time: the window is read in Central, its
    main zone, wherever the newest scan happened, so it does not move as the parcel travels."""
    body = {
        "trackingNumber": "9400111899223856421173",
        "statusCategory": "In Transit",
        "destinationState": "TN",
        "predictedDeliveryDate": "2026-11-25",
        "predictedDeliveryWindowStartTime": "10:00",
        "predictedDeliveryWindowEndTime": "14:00",
        "trackingEvents": [
            {
                "eventType": "Arrived at USPS Regional Facility",
                "eventTimestamp": "2026-11-23T05:30:00",
                "GMTOffset": scan_offset,
                "eventCode": "10",
            }
        ],
    }
    result = usps.parse_response(200, {}, json.dumps(body).encode(), fetched_at=NOW)
    estimate = result.parcels[0].estimate
    assert estimate is not None
    assert estimate.window_start == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert estimate.window_end == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", ["10", "NT", None])
def test_arriving_late_is_a_delay_whatever_its_code(code: str | None) -> None:
    fixture = load("in_transit_arriving_late")
    body = json.loads(fixture["raw"])
    body["trackingEvents"][0]["eventCode"] = code
    fixture["raw"] = json.dumps(body).encode()
    parcel = parse(fixture).parcels[0]
    late = parcel.events[-1]
    assert (late.status, late.sub_status) == (Status.IN_TRANSIT, SubStatus.DELAYED)
    assert (parcel.status_hint, parcel.sub_status_hint) == (Status.IN_TRANSIT, SubStatus.DELAYED)


def test_other_transit_wording_is_no_delay() -> None:
    fixture = load("in_transit_arriving_late")
    fixture["raw"] = fixture["raw"].replace(b"Arriving Late", b"Arriving On Time")
    assert parse(fixture).parcels[0].events[-1].sub_status is None
