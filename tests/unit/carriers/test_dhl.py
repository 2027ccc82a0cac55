"""DHL Unified Tracking: fixtures from the reference in, normalized data or typed errors out.

Each fixture holds one HTTP answer (status, headers, body) and the expected projection of the
parse: compact event lines keep the table readable while still pinning UTC time, the carrier's
own time text, status, sub-status, code, place and text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.carriers import dhl
from app.carriers.base import AuthKind, ParseResult
from app.domain.models import ProblemKind, Source

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers" / "dhl"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    raw = fixture.get("body_text")
    fixture["raw"] = raw.encode() if raw is not None else json.dumps(fixture["body"]).encode()
    return fixture


def parse(fixture: dict[str, Any]) -> ParseResult:
    return dhl.parse_response(
        fixture["status"],
        fixture["headers"],
        fixture["raw"],
        requested=fixture["requested"],
        fetched_at=NOW,
    )


def project(result: ParseResult) -> dict[str, Any]:
    """The comparable essence of a parse, as plain JSON values."""

    def iso(moment: Any) -> str | None:
        return None if moment is None else moment.isoformat()

    def event(e: Any) -> str:
        sub = f"/{e.sub_status}" if e.sub_status else ""
        place = e.location.label()
        when = f"{e.occurred_at:%Y-%m-%d %H:%M}Z"
        head = f"{when} {e.status}{sub} [{e.carrier_code}] {place}"
        return f"{head} ({e.local_time_text}) {e.description}"

    parcels = []
    for p in result.parcels:
        est, pod = p.estimate, p.proof_of_delivery
        parcels.append(
            {
                "number": p.tracking_number,
                "status": p.status_hint,
                "sub_status": p.sub_status_hint,
                "code": p.carrier_status_code,
                "events": [event(e) for e in p.events],
                "estimate": est
                and {
                    "day": est.day.isoformat(),
                    "latest_day": est.latest_day and est.latest_day.isoformat(),
                    "window": [iso(est.window_start), iso(est.window_end)],
                },
                "pod": pod
                and {
                    "at": iso(pod.delivered_at),
                    "signed_by": pod.signed_by,
                    "place": pod.place,
                    "signature": pod.signature_url,
                    "photo": pod.photo_url,
                },
                "pieces": list(p.pieces),
            }
        )
    errors = [
        {
            "kind": e.kind,
            "number": e.tracking_number,
            "retry_after": e.retry_after,
            "code": e.carrier_code,
        }
        for e in result.errors
    ]
    return {"parcels": parcels, "errors": errors}


NAMES = sorted(p.name for p in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_projection(name: str) -> None:
    fixture = load(name)
    assert project(parse(fixture)) == fixture["expected"]


@pytest.mark.parametrize("name", NAMES)
def test_every_parse_is_well_formed(name: str) -> None:
    result = parse(load(name))
    for error in result.errors:
        assert error.message.strip()
        assert error.carrier_code != "parser_error"
    for parcel in result.parcels:
        assert parcel.carrier == "dhl"
        assert parcel.source is Source.CARRIER
        assert parcel.source_name == "dhl"
        assert parcel.fetched_at == NOW
        times = [e.occurred_at for e in parcel.events]
        assert times == sorted(times), "events come oldest first whatever DHL's order"
        assert all(e.observed_at == NOW and e.source_name == "dhl" for e in parcel.events)


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
