"""FedEx Track API: fixtures from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer and the expected parse in the "lines" layout of fixture_table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.carriers import fedex
from app.carriers.base import AuthKind, TrackingError
from app.domain.models import ProblemKind
from tests.unit.carriers.fixture_table import FixtureTable, assert_well_formed, over_names

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(fedex, "fedex", NOW, layout="lines")
load, parse = TABLE.load, TABLE.parse


@over_names(TABLE)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert TABLE.project(parse(fixture)) == fixture["expected"]


@over_names(TABLE)
def test_every_parse_is_well_formed(name: str) -> None:
    assert_well_formed(parse(load(name)), "fedex", NOW, "FedEx")


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
