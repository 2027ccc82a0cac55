"""Royal Mail mailpieces v2: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.carriers import royalmail
from app.carriers.base import AuthKind
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import FixtureTable, assert_invariants, over_paths

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TABLE = FixtureTable(royalmail, "royalmail", NOW, layout="rows")
CASES = TABLE.paths()
case = TABLE.case


@over_paths(TABLE)
def test_fixture(path: Path) -> None:
    fixture = TABLE.load(path.name)
    result = TABLE.parse(fixture)
    assert_invariants(result, fixture["requested"], "royalmail")
    assert TABLE.project(result) == fixture["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    assert len(CASES) >= 18


def test_signature_is_the_proof_of_delivery() -> None:
    parcel = case("delivered_signed").parcels[0]
    last = parcel.events[-1]
    assert (last.carrier_code, last.status, last.sub_status) == (
        "EVKSP",
        Status.DELIVERED,
        SubStatus.SIGNED,
    )
    assert parcel.proof_of_delivery is not None
    assert parcel.proof_of_delivery.signed_by == "Simon"
    assert parcel.proof_of_delivery.delivered_at == datetime(2026, 11, 17, 11, 4, tzinfo=UTC)
    assert parcel.events[0].status is Status.UNKNOWN  # EVPPA is not in the table: kept as is
    assert parcel.events[0].carrier_code == "EVPPA"


def test_estimated_window_with_offsets() -> None:
    parcel = case("out_for_delivery_window").parcels[0]
    assert parcel.events[0].occurred_at == datetime(2026, 7, 14, 5, 50, tzinfo=UTC)
    assert parcel.estimate is not None
    assert parcel.estimate.window_start == datetime(2026, 7, 14, 8, 0, tzinfo=UTC)
    assert parcel.estimate.window_end == datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "code", "status", "sub"),
    [
        ("failed_attempt_redelivery", "EVKNA", Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
        ("awaiting_collection", "EVNDA", Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
        ("safe_place", "EVKSF", Status.DELIVERED, SubStatus.SAFE_PLACE),
        ("delayed_eta_moved", "EVDLY", Status.IN_TRANSIT, SubStatus.DELAYED),
        ("address_problem", "EVRTS", Status.RETURNING, None),
    ],
)
def test_codes(name: str, code: str, status: Status, sub: SubStatus | None) -> None:
    event = next(e for e in case(name).parcels[0].events if e.carrier_code == code)
    assert (event.status, event.sub_status) == (status, sub)


def test_summary_items_and_their_errors() -> None:
    result = case("summary_batch")
    assert [p.tracking_number for p in result.parcels] == ["AB246813576GB"]
    assert result.parcels[0].status_hint is Status.IN_TRANSIT
    errors = {e.tracking_number: (e.kind, e.carrier_code) for e in result.errors}
    assert errors == {
        "RR123456785GB": (ProblemKind.NOT_FOUND, "E1142"),
        "ZZ000000000GB": (ProblemKind.NOT_FOUND, None),
    }


@pytest.mark.parametrize(
    ("name", "kind", "number", "code"),
    [
        ("not_found", ProblemKind.NOT_FOUND, "AB246813576GB", "E1142"),
        ("error_envelope_200", ProblemKind.NOT_FOUND, "AB246813576GB", "E1142"),
        ("invalid_number", ProblemKind.INVALID_NUMBER, "AB12", "E1143"),
        ("auth_failed", ProblemKind.AUTH_FAILED, None, None),
    ],
)
def test_error_envelopes(
    name: str, kind: ProblemKind, number: str | None, code: str | None
) -> None:
    (error,) = case(name).errors
    assert (error.kind, error.tracking_number, error.carrier_code) == (kind, number, code)


def test_requests() -> None:
    assert royalmail.AUTH is AuthKind.CLIENT_ID_SECRET_HEADERS
    assert {f.name for f in royalmail.CREDENTIAL_FIELDS} == {"client_id", "client_secret"}
    specs = royalmail.build_requests(["AB246813576GB", "RR123456785GB"], language="de")
    assert [s.path for s in specs] == ["/AB246813576GB/events", "/RR123456785GB/events"]
    assert all(("X-Accept-RMG-Terms", "yes") in s.headers for s in specs)


def test_delayed_category_keeps_the_item_in_transit() -> None:
    parcel = case("delayed_eta_moved").parcels[0]
    assert (parcel.status_hint, parcel.sub_status_hint) == (Status.IN_TRANSIT, SubStatus.DELAYED)
