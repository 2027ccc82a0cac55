"""17TRACK adapter: recorded-shape fixtures in, domain objects or typed errors out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.carriers import seventeen_track as st
from app.carriers.base import AuthKind, ParseResult
from app.domain.models import ParcelUpdate, ProblemKind, Source
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import JSON_HEADERS, FixtureTable

NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
JSON = JSON_HEADERS
TABLE = FixtureTable(st, "17track", NOW)
body, parse = TABLE.body, TABLE.recorded

UPS, USPS, DHL = "1ZA1B2C30123456787", "9400111899223856421173", "00340434123456789012"
HERMES, DPD, GLS = "0123456789012345", "01234567890123", "123456789012"


def by_number(result: ParseResult) -> dict[str, ParcelUpdate]:
    return {p.tracking_number: p for p in result.parcels}


# fixture, number -> our carrier, status, sub-status, events, newest event status
JOURNEYS = [
    ("delivered.json", UPS, "ups", Status.DELIVERED, None, 4, Status.DELIVERED),
    ("in_transit_customs.json", USPS, "usps", Status.IN_TRANSIT, SubStatus.CUSTOMS, 4,
     Status.IN_TRANSIT),
    ("out_for_delivery.json", DHL, "dhl", Status.OUT_FOR_DELIVERY, None, 2,
     Status.OUT_FOR_DELIVERY),
    ("delivery_failure.json", HERMES, "hermes", Status.FAILED_ATTEMPT,
     SubStatus.RECIPIENT_ABSENT, 2, Status.FAILED_ATTEMPT),
    ("pickup.json", DPD, "dpd", Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT, 1,
     Status.AVAILABLE_FOR_PICKUP),
    ("exceptions.json", "3SABCD1234567", "postnl", Status.RETURNING, None, 1, Status.RETURNING),
    ("exceptions.json", "AB246813576GB", "royalmail", Status.RETURNED, None, 1,
     Status.RETURNED),
    ("exceptions.json", "JJD0001234567890", "dhl", Status.EXCEPTION, SubStatus.LOST, 1,
     Status.EXCEPTION),
    ("exceptions.json", "LX123456785CN", "china-post", Status.EXPIRED, None, 1,
     Status.INFO_RECEIVED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "number", "carrier", "status", "sub", "count", "newest"), JOURNEYS
)
def test_journeys(
    name: str,
    number: str,
    carrier: str,
    status: Status,
    sub: SubStatus | None,
    count: int,
    newest: Status,
) -> None:
    result = parse(name)
    assert result.errors == ()
    update = by_number(result)[number]
    assert update.carrier == carrier
    assert (update.source, update.source_name) == (Source.AGGREGATOR, "17track")
    assert (update.status_hint, update.sub_status_hint) == (status, sub)
    assert len(update.events) == count
    assert max(update.events, key=lambda e: e.occurred_at).status is newest
    for event in update.events:
        assert event.source_name == "17track"
        assert event.occurred_at.tzinfo is UTC


def test_events_newest_first_with_offsets_and_codes() -> None:
    (update,) = parse("delivered.json").parcels
    times = [e.occurred_at for e in update.events]
    assert times == sorted(times, reverse=True)  # as 17TRACK sends them
    newest = update.events[0]
    assert newest.occurred_at == datetime(2026, 3, 3, 12, 47, tzinfo=UTC)
    assert newest.local_time_text == "2026-03-03T13:47:00+01:00"
    assert newest.carrier_code == "Delivered_Other"
    assert (newest.location.city, newest.location.postal_code) == ("München", "80331")
    assert newest.location.country == "DE"
    assert newest.description == "DELIVERED"


def test_events_of_every_provider_are_kept() -> None:
    (update,) = parse("in_transit_customs.json").parcels
    assert {e.location.city for e in update.events} == {"New York", "Frankfurt", "Leipzig"}
    customs = update.events[0]
    assert (customs.status, customs.sub_status) == (Status.IN_TRANSIT, SubStatus.CUSTOMS)
    picked_up = update.events[-1]
    assert (picked_up.status, picked_up.carrier_code) == (Status.IN_TRANSIT, "InTransit_PickedUp")


def test_delivered_gives_proof_of_delivery_from_milestone() -> None:
    (update,) = parse("delivered.json").parcels
    assert update.proof_of_delivery is not None
    assert update.proof_of_delivery.delivered_at == datetime(2026, 3, 3, 12, 47, tzinfo=UTC)


def test_eta_window_and_day_range() -> None:
    (ofd,) = parse("out_for_delivery.json").parcels
    assert ofd.estimate is not None
    assert ofd.estimate.source is Source.AGGREGATOR
    assert ofd.estimate.day == date(2026, 3, 11)
    assert ofd.estimate.window_start == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
    assert ofd.estimate.window_end == datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    (customs,) = parse("in_transit_customs.json").parcels
    assert customs.estimate is not None
    assert (customs.estimate.day, customs.estimate.latest_day) == (
        date(2026, 3, 9),
        date(2026, 3, 12),
    )
    (delivered,) = parse("delivered.json").parcels
    assert delivered.estimate is not None  # 00:00-23:59 is the day, not a window
    assert (delivered.estimate.day, delivered.estimate.window_start) == (date(2026, 3, 3), None)


@pytest.mark.parametrize(
    ("number", "kind", "code"),
    [
        (GLS, ProblemKind.PRE_TRANSIT, "NotFound_Other"),  # carrier known, no scan yet
        ("ZZ000000000000", ProblemKind.NOT_FOUND, "NotFound_Other"),  # no carrier at all
        ("ABC", ProblemKind.INVALID_NUMBER, "NotFound_InvalidCode"),
    ],
)
def test_not_found_status(number: str, kind: ProblemKind, code: str) -> None:
    result = parse("not_found.json")
    assert result.parcels == ()
    errors = {e.tracking_number: e for e in result.errors}
    assert (errors[number].kind, errors[number].carrier_code) == (kind, code)


def test_batch_with_rejected_numbers() -> None:
    requested = [DHL, UPS, GLS, "LX000000000CN", "12", "99999999999999999999", "NEVERMENTIONED"]
    result = parse("batch_mixed.json", requested=requested)
    assert set(by_number(result)) == {DHL, UPS}
    errors = {e.tracking_number: (e.kind, e.carrier_code) for e in result.errors}
    assert errors == {
        GLS: (ProblemKind.NOT_FOUND, "-18019902"),
        "LX000000000CN": (ProblemKind.PRE_TRANSIT, "-18019909"),
        "12": (ProblemKind.INVALID_NUMBER, "-18019910"),
        "99999999999999999999": (ProblemKind.NOT_FOUND, "-18000001"),
        "NEVERMENTIONED": (ProblemKind.BAD_RESPONSE, None),
    }
    (unregistered,) = [e for e in result.errors if e.tracking_number == GLS]
    assert "register" in unregistered.message


# fixture, HTTP status, headers -> kind, carrier code, retry after (all whole-request errors)
ERRORS = [
    ("error_invalid_key.json", 200, JSON, ProblemKind.AUTH_FAILED, "-18010002", None),
    ("error_ip.json", 200, JSON, ProblemKind.AUTH_FAILED, "-18010001", None),
    ("error_internal.json", 200, JSON, ProblemKind.UNAVAILABLE, "-18010003", None),
    ("error_too_many_numbers.json", 200, JSON, ProblemKind.BAD_RESPONSE, "-18010014", None),
    ("error_quota.json", 200, JSON, ProblemKind.RATE_LIMITED, "-18019908", None),
    ("error_unknown_code.json", 200, JSON, ProblemKind.BAD_RESPONSE, "-18099999", None),
    ("error_no_code.json", 200, JSON, ProblemKind.BAD_RESPONSE, None, None),
    ("error_429.json", 429, JSON, ProblemKind.RATE_LIMITED, "429", None),
    ("error_429.json", 429, {**JSON, "Retry-After": "30"}, ProblemKind.RATE_LIMITED, "429", 30.0),
    ("error_429.json", 200, JSON, ProblemKind.RATE_LIMITED, "429", None),
    ("error_invalid_key.json", 401, JSON, ProblemKind.AUTH_FAILED, "-18010002", None),
    ("html_200.html", 200, {"Content-Type": "text/html"}, ProblemKind.BAD_RESPONSE, None, None),
    ("html_200.html", 502, {}, ProblemKind.UNAVAILABLE, None, None),
    ("html_200.html", 401, {}, ProblemKind.AUTH_FAILED, None, None),
    ("truncated.json", 200, JSON, ProblemKind.BAD_RESPONSE, None, None),
    ("empty.json", 200, JSON, ProblemKind.BAD_RESPONSE, None, None),
    ("empty.json", 503, {"Retry-After": "5"}, ProblemKind.UNAVAILABLE, None, 5.0),
]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "headers", "kind", "code", "retry"), ERRORS)
def test_whole_request_errors(
    name: str,
    status: int,
    headers: dict[str, str],
    kind: ProblemKind,
    code: str | None,
    retry: float | None,
) -> None:
    result = parse(name, status, headers, requested=[DHL, UPS])
    assert result.parcels == ()
    (error,) = result.errors
    assert (error.kind, error.tracking_number, error.carrier_code) == (kind, None, code)
    assert error.retry_after == retry
    assert error.message


def test_register_reports_only_real_rejections() -> None:
    result = st.parse_register_response(200, JSON, body("register_ok.json"), fetched_at=NOW)
    assert result.parcels == ()
    errors = {e.tracking_number: e.kind for e in result.errors}
    assert errors == {"ABC": ProblemKind.INVALID_NUMBER, GLS: ProblemKind.RATE_LIMITED}


def test_register_whole_request_error() -> None:
    result = st.parse_register_response(200, JSON, body("error_invalid_key.json"))
    assert [(e.kind, e.tracking_number) for e in result.errors] == [(ProblemKind.AUTH_FAILED, None)]


def test_requests_are_batched_by_40_with_carrier_keys() -> None:
    numbers = [f"N{i:03d}" for i in range(85)] + ["N000", "  "]
    specs = st.build_requests(numbers, language="de", slugs={"N001": "21051", "N002": "dhl"})
    assert [len(s.tracking_numbers) for s in specs] == [40, 40, 5]
    assert {(s.method, s.path) for s in specs} == {("POST", "/gettrackinfo")}
    first = specs[0].json_body
    assert isinstance(first, list)
    assert first[:3] == [
        {"number": "N000"},
        {"number": "N001", "carrier": 21051},
        {"number": "N002"},
    ]
    register = st.build_register_requests(["A", "B"], language="en")
    assert [(s.path, s.json_body) for s in register] == [
        ("/register", [{"number": "A"}, {"number": "B"}])
    ]


SUB_STATUSES = [
    ("InfoReceived", None, Status.INFO_RECEIVED, None),
    ("InTransit", "InTransit_PickedUp", Status.IN_TRANSIT, None),
    ("InTransit", "InTransit_CustomsProcessing", Status.IN_TRANSIT, SubStatus.CUSTOMS),
    ("InTransit", "InTransit_CustomsRequiringInformation", Status.EXCEPTION, SubStatus.CUSTOMS),
    ("OutForDelivery", "OutForDelivery_Other", Status.OUT_FOR_DELIVERY, None),
    ("AvailableForPickup", "AvailableForPickup_Other", Status.AVAILABLE_FOR_PICKUP,
     SubStatus.PICKUP_POINT),
    ("DeliveryFailure", "DeliveryFailure_Other", Status.FAILED_ATTEMPT, None),
    ("DeliveryFailure", "DeliveryFailure_NoBody", Status.FAILED_ATTEMPT,
     SubStatus.RECIPIENT_ABSENT),
    ("DeliveryFailure", "DeliveryFailure_Rejected", Status.FAILED_ATTEMPT, SubStatus.REFUSED),
    ("DeliveryFailure", "DeliveryFailure_InvalidAddress", Status.FAILED_ATTEMPT,
     SubStatus.ADDRESS_PROBLEM),
    ("Delivered", "Delivered_Other", Status.DELIVERED, None),
    ("Exception", "Exception_Other", Status.EXCEPTION, None),
    ("Exception", "Exception_Returning", Status.RETURNING, None),
    ("Exception", "Exception_Returned", Status.RETURNED, None),
    ("Exception", "Exception_Damage", Status.EXCEPTION, SubStatus.DAMAGED),
    ("Exception", "Exception_Lost", Status.EXCEPTION, SubStatus.LOST),
    ("Exception", "Exception_Delayed", Status.EXCEPTION, SubStatus.DELAYED),
    ("Exception", "Exception_Rejected", Status.EXCEPTION, SubStatus.REFUSED),
    ("Exception", "Exception_Cancel", Status.EXCEPTION, SubStatus.CANCELLED),
    ("Exception", "Exception_SomethingNew", Status.EXCEPTION, SubStatus.OTHER),
    ("Expired", "Expired_Other", Status.EXPIRED, None),
    ("NotFound", "NotFound_Other", Status.UNKNOWN, None),
    ("Teleported", None, Status.UNKNOWN, None),
]  # fmt: skip


@pytest.mark.parametrize(("status", "sub", "ours", "our_sub"), SUB_STATUSES)
def test_map_status(status: str, sub: str | None, ours: Status, our_sub: SubStatus | None) -> None:
    assert st.map_status(status, sub) == (ours, our_sub)


def test_contract_constants() -> None:
    assert (st.CARRIER_ID, st.DISPLAY_NAME) == ("17track", "17TRACK")
    assert st.DEFAULT_BASE_URL == "https://api.17track.net/track/v2.2"
    assert "{number}" in st.TRACKING_PAGE_URL
    assert (st.BATCH_LIMIT, st.AUTH, st.API_KEY_HEADER) == (40, AuthKind.API_KEY_HEADER, "17token")
    assert [f.name for f in st.CREDENTIAL_FIELDS] == ["api_key"]
    assert st.RATE_LIMIT == (3.0, None)
