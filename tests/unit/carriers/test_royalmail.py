"""Royal Mail mailpieces v2: fixture cases in, a normalised dict out; plus the quirks one by one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.carriers import royalmail
from app.carriers.base import AuthKind, ParseResult
from app.domain.models import ProblemKind, Source
from app.domain.status import Status, SubStatus

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers" / "royalmail"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CASES = sorted(FIXTURES.glob("*.json"))


def run(case: dict[str, Any]) -> ParseResult:
    if "body_json" in case:
        body = json.dumps(case["body_json"]).encode()
    else:
        body = case.get("body_text", "").encode()
    return royalmail.parse_response(
        case["status"], case["headers"], body, requested=case["requested"], fetched_at=NOW
    )


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def project(result: ParseResult) -> dict[str, Any]:
    """The parts of a result a fixture pins down (error texts may change; kinds may not)."""
    parcels = []
    for p in result.parcels:
        est, pod = p.estimate, p.proof_of_delivery
        parcels.append(
            {
                "number": p.tracking_number,
                "status_hint": p.status_hint,
                "sub_status_hint": p.sub_status_hint,
                "carrier_status_code": p.carrier_status_code,
                "pieces": list(p.pieces),
                "estimate": est
                and [_iso(est.day), _iso(est.window_start), _iso(est.window_end)],
                "proof": pod and [_iso(pod.delivered_at), pod.signed_by, pod.place],
                "events": [
                    [_iso(e.occurred_at), e.local_time_text, e.status, e.sub_status,
                     e.carrier_code, e.description, e.location.label()]
                    for e in p.events
                ],
            }
        )  # fmt: skip
    errors = [[e.kind, e.tracking_number, e.retry_after, e.carrier_code] for e in result.errors]
    plain: dict[str, Any] = json.loads(json.dumps({"parcels": parcels, "errors": errors}))
    return plain


def check_invariants(result: ParseResult, requested: list[str]) -> None:
    whole = any(e.tracking_number is None for e in result.errors)
    covered: set[str | None] = {p.tracking_number for p in result.parcels}
    covered |= {e.tracking_number for e in result.errors}
    assert whole or set(requested) <= covered
    for parcel in result.parcels:
        assert (parcel.carrier, parcel.source, parcel.source_name) == (
            "royalmail",
            Source.CARRIER,
            "royalmail",
        )
        assert all(e.source_name == "royalmail" for e in parcel.events)
        assert [e.occurred_at for e in parcel.events] == sorted(
            e.occurred_at for e in parcel.events
        )
    assert all(e.carrier_code != "parser_error" for e in result.errors)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    result = run(case)
    check_invariants(result, case["requested"])
    assert project(result) == case["expected"]


def test_fixture_set_covers_the_scenarios() -> None:
    assert len(CASES) >= 18


def case(name: str) -> ParseResult:
    return run(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


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
        ("delayed_eta_moved", "EVDLY", Status.EXCEPTION, SubStatus.DELAYED),
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
