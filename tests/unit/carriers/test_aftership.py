"""AfterShip adapter: recorded-shape fixtures in, domain objects or typed errors out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from app.carriers import aftership
from app.carriers.base import AuthKind
from app.domain.models import ProblemKind, Source
from app.domain.status import Status, SubStatus
from tests.unit.carriers.fixture_table import JSON_HEADERS, FixtureTable

NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
JSON = JSON_HEADERS
TABLE = FixtureTable(aftership, "aftership", NOW)
body, parse = TABLE.body, TABLE.recorded


# fixture -> number, our carrier, status, sub-status, number of events, newest event status
JOURNEYS = [
    ("tracking_customs.json", "9400111899223856421173", "usps", Status.EXCEPTION,
     SubStatus.CUSTOMS, 5, Status.EXCEPTION),
    ("tracking_out_for_delivery.json", "00340434123456789012", "dhl", Status.OUT_FOR_DELIVERY,
     None, 3, Status.OUT_FOR_DELIVERY),
    ("tracking_delivered_signed.json", "1ZA1B2C30123456787", "ups", Status.DELIVERED,
     SubStatus.SIGNED, 4, Status.DELIVERED),
    ("tracking_failed_attempt.json", "0123456789012345", "hermes", Status.FAILED_ATTEMPT,
     SubStatus.RECIPIENT_ABSENT, 3, Status.FAILED_ATTEMPT),
    ("tracking_pickup.json", "01234567890123", "dpd", Status.AVAILABLE_FOR_PICKUP,
     SubStatus.PICKUP_POINT, 2, Status.AVAILABLE_FOR_PICKUP),
    ("tracking_picked_up.json", "123456789012", "gls", Status.DELIVERED,
     SubStatus.PICKED_UP, 2, Status.DELIVERED),
    ("tracking_returning.json", "3SABCD1234567", "postnl", Status.RETURNING, None, 2,
     Status.RETURNING),
    ("tracking_returned.json", "AB246813576GB", "royalmail", Status.RETURNED, None, 2,
     Status.RETURNED),
    ("tracking_exception_lost.json", "JJD0001234567890", "dhl", Status.EXCEPTION,
     SubStatus.LOST, 2, Status.EXCEPTION),
    ("tracking_exception_new_subtag.json", "YT2412345678901234", "yunexpress", Status.EXCEPTION,
     SubStatus.OTHER, 2, Status.EXCEPTION),
    ("tracking_expired.json", "LX123456785CN", "china-post", Status.EXPIRED, None, 1,
     Status.INFO_RECEIVED),
    ("tracking_pending_no_checkpoints.json", "00340434123456789012", "dhl", Status.PENDING,
     None, 0, None),
    ("create_201.json", "123456789012", "gls", Status.PENDING, None, 0, None),
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
    newest: Status | None,
) -> None:
    result = parse(name, requested=[number])
    assert result.errors == ()
    (update,) = result.parcels
    assert update.tracking_number == number
    assert update.carrier == carrier
    assert (update.source, update.source_name) == (Source.AGGREGATOR, "aftership")
    assert (update.status_hint, update.sub_status_hint) == (status, sub)
    assert len(update.events) == count
    assert update.fetched_at == NOW
    if newest is not None:
        assert max(update.events, key=lambda e: e.occurred_at).status is newest
    for event in update.events:
        assert event.source is Source.AGGREGATOR
        assert event.source_name == "aftership"
        assert event.occurred_at.tzinfo is UTC
        assert event.observed_at == NOW


def test_checkpoints_keep_order_codes_and_text() -> None:
    (update,) = parse("tracking_customs.json").parcels
    times = [e.occurred_at for e in update.events]
    assert times == sorted(times)  # oldest first, as AfterShip sends them
    first = update.events[0]
    assert first.carrier_code == "InfoReceived_001"
    assert first.description == "Shipment information received"
    assert (first.location.city, first.location.postal_code, first.location.country) == (
        "Leipzig",
        "04109",
        "DE",
    )
    customs = update.events[3]
    assert (customs.status, customs.sub_status) == (Status.IN_TRANSIT, SubStatus.CUSTOMS)


def test_local_time_without_offset_uses_single_zone_country() -> None:
    (update,) = parse("tracking_customs.json").parcels
    leipzig = update.events[0]  # 09:15 in Germany, winter time (UTC+1)
    assert leipzig.occurred_at == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert leipzig.local_time_text == "2026-03-02T09:15:00"


def test_local_time_in_multi_zone_country_is_read_as_utc_and_kept() -> None:
    (update,) = parse("tracking_customs.json").parcels
    new_york = update.events[4]
    assert new_york.occurred_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert new_york.local_time_text == "2026-03-05T08:00:00"
    assert new_york.location.country == "US"


def test_offset_times_are_honoured() -> None:
    (update,) = parse("tracking_delivered_signed.json").parcels
    assert update.events[-1].occurred_at == datetime(2026, 3, 3, 12, 47, tzinfo=UTC)


def test_delivered_with_signature_gives_proof_of_delivery() -> None:
    (update,) = parse("tracking_delivered_signed.json").parcels
    proof = update.proof_of_delivery
    assert proof is not None
    assert proof.signed_by == "MUSTERMANN"
    assert proof.delivered_at == datetime(2026, 3, 3, 12, 47, tzinfo=UTC)
    assert update.carrier_status_code == "Delivered_003"


def test_eta_window_from_latest_estimated_delivery() -> None:
    (update,) = parse("tracking_out_for_delivery.json").parcels
    eta = update.estimate
    assert eta is not None
    assert eta.source is Source.AGGREGATOR
    assert eta.day == date(2026, 3, 11)
    assert eta.latest_day is None
    assert eta.window_start == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
    assert eta.window_end == datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


def test_eta_range_from_aftership_estimate() -> None:
    (update,) = parse("tracking_failed_attempt.json").parcels
    eta = update.estimate
    assert eta is not None
    assert (eta.day, eta.latest_day, eta.window_start) == (
        date(2026, 3, 9),
        date(2026, 3, 10),
        None,
    )


def test_eta_from_expected_delivery() -> None:
    (update,) = parse("tracking_delivered_signed.json").parcels
    assert update.estimate is not None
    assert update.estimate.day == date(2026, 3, 3)


def test_already_exists_answer_names_the_carrier_without_events() -> None:
    result = parse("create_4003_exists.json", 400, requested=["01234567890123"])
    assert result.errors == ()
    (update,) = result.parcels
    assert (update.tracking_number, update.carrier, update.events) == ("01234567890123", "dpd", ())
    assert update.status_hint is None


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        (b'{"meta": {"code": 200}, "data": {}}', "200"),
        (b'{"meta": {"code": 4003, "message": "Tracking already exists."}, "data": {}}', "4003"),
        (b'{"data": {"tracking": null}}', None),
    ],
)
def test_success_without_tracking_is_a_bad_response(doc: bytes, code: str | None) -> None:
    result = aftership.parse_response(200, JSON, doc, requested=["123"], fetched_at=NOW)
    assert result.parcels == ()
    assert [(e.kind, e.tracking_number, e.carrier_code) for e in result.errors] == [
        (ProblemKind.BAD_RESPONSE, "123", code)
    ]


# fixture, HTTP status, headers -> kind, per number?, carrier code, retry after
ERRORS = [
    ("error_4001.json", 400, JSON, ProblemKind.BAD_RESPONSE, True, "4001", None),
    ("error_4004.json", 404, JSON, ProblemKind.NOT_FOUND, True, "4004", None),
    ("error_4005.json", 400, JSON, ProblemKind.INVALID_NUMBER, True, "4005", None),
    ("error_4010.json", 400, JSON, ProblemKind.INVALID_NUMBER, True, "4010", None),
    ("error_4012.json", 400, JSON, ProblemKind.INVALID_NUMBER, True, "4012", None),
    ("error_unknown_code.json", 400, JSON, ProblemKind.BAD_RESPONSE, True, "4099", None),
    ("error_401.json", 401, JSON, ProblemKind.AUTH_FAILED, False, "401", None),
    ("error_403.json", 403, JSON, ProblemKind.AUTH_FAILED, False, "403", None),
    ("error_429.json", 429, JSON, ProblemKind.RATE_LIMITED, False, "429", None),
    ("error_429.json", 429, {**JSON, "Retry-After": "7"}, ProblemKind.RATE_LIMITED, False,
     "429", 7.0),
    ("error_429.json", 429, {**JSON, "X-RateLimit-Reset": str(int(NOW.timestamp()) + 3)},
     ProblemKind.RATE_LIMITED, False, "429", 3.0),
    ("error_500.json", 500, JSON, ProblemKind.UNAVAILABLE, False, "500", None),
    ("html_200.html", 200, {"Content-Type": "text/html"}, ProblemKind.BAD_RESPONSE, False, None,
     None),
    ("html_200.html", 502, {"Content-Type": "text/html"}, ProblemKind.UNAVAILABLE, False, None,
     None),
    ("html_200.html", 401, {}, ProblemKind.AUTH_FAILED, False, None, None),
    ("truncated.json", 200, JSON, ProblemKind.BAD_RESPONSE, False, None, None),
    ("empty.json", 200, JSON, ProblemKind.BAD_RESPONSE, False, None, None),
    ("empty.json", 429, {"Retry-After": "2"}, ProblemKind.RATE_LIMITED, False, None, 2.0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "status", "headers", "kind", "per_number", "code", "retry"), ERRORS
)
def test_errors(
    name: str,
    status: int,
    headers: dict[str, str],
    kind: ProblemKind,
    per_number: bool,
    code: str | None,
    retry: float | None,
) -> None:
    number = "00340434123456789012"
    result = parse(name, status, headers, requested=[number])
    assert result.parcels == ()
    (error,) = result.errors
    assert error.kind is kind
    assert error.tracking_number == (number if per_number else None)
    assert error.carrier_code == code
    assert error.retry_after == retry
    assert error.message


def test_error_messages_quote_aftership() -> None:
    (error,) = parse("error_4005.json", 400).errors
    assert "invalid" in error.message
    assert "tracking_number" in error.message


def test_html_error_message_is_specific() -> None:
    (error,) = parse("html_200.html", 200, {}).errors
    assert "web page" in error.message


def test_answer_about_another_number_leaves_the_requested_one_with_an_error() -> None:
    result = parse("tracking_pickup.json", requested=["999"])
    assert [p.tracking_number for p in result.parcels] == ["01234567890123"]
    (error,) = result.errors
    assert (error.kind, error.tracking_number) == (ProblemKind.BAD_RESPONSE, "999")


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("create_201.json", 201, None),
        ("create_4003_exists.json", 400, None),
        ("error_4005.json", 400, ProblemKind.INVALID_NUMBER),
        ("error_4012.json", 400, ProblemKind.INVALID_NUMBER),
        ("error_401.json", 401, ProblemKind.AUTH_FAILED),
        ("error_429.json", 429, ProblemKind.RATE_LIMITED),
        ("truncated.json", 201, ProblemKind.BAD_RESPONSE),
    ],
)
def test_register_reports_only_rejections(name: str, status: int, kind: ProblemKind | None) -> None:
    result = aftership.parse_register_response(
        status, JSON, body(name), requested=["123456789012"], fetched_at=NOW
    )
    assert result.parcels == ()
    assert [e.kind for e in result.errors] == ([] if kind is None else [kind])


def test_registered_slugs_from_created_and_existing() -> None:
    assert aftership.registered_slugs(201, JSON, body("create_201.json")) == {"123456789012": "gls"}
    assert aftership.registered_slugs(400, JSON, body("create_4003_exists.json")) == {
        "01234567890123": "dpd-de"
    }
    assert aftership.registered_slugs(400, JSON, body("error_4005.json")) == {}
    assert aftership.registered_slugs(200, JSON, body("truncated.json")) == {}


def test_build_register_requests() -> None:
    specs = aftership.build_register_requests(
        [" 123 ", "123", "456", "789", ""],
        language="de-DE",
        slugs={"456": "hermes", "789": "dhl"},
    )
    assert [(s.method, s.path, s.tracking_numbers) for s in specs] == [
        ("POST", "/trackings", ("123",)),
        ("POST", "/trackings", ("456",)),
        ("POST", "/trackings", ("789",)),
    ]
    assert specs[0].json_body == {"tracking": {"tracking_number": "123", "language": "de"}}
    # our carrier id becomes AfterShip's slug; DHL spans several AfterShip couriers: detect
    assert specs[1].json_body == {
        "tracking": {"tracking_number": "456", "slug": "hermes-de", "language": "de"}
    }
    assert specs[2].json_body == {"tracking": {"tracking_number": "789", "language": "de"}}


def test_build_requests_reads_by_slug_or_falls_back_to_create() -> None:
    specs = aftership.build_requests(["AB 1/2", "456"], language="en", slugs={"AB 1/2": "dhl"})
    assert (specs[0].method, specs[0].path, specs[0].json_body) == (
        "GET",
        "/trackings/dhl/AB%201%2F2",
        None,
    )
    assert (specs[1].method, specs[1].path) == ("POST", "/trackings")
    assert specs[1].json_body == {"tracking": {"tracking_number": "456", "language": "en"}}
    assert all(len(s.tracking_numbers) == aftership.BATCH_LIMIT for s in specs)


SUBTAGS = [
    ("Pending", "Pending_001", Status.PENDING, None),
    ("InfoReceived", "InfoReceived_001", Status.INFO_RECEIVED, None),
    ("InTransit", "InTransit_007", Status.IN_TRANSIT, None),
    ("InTransit", "InTransit_006", Status.IN_TRANSIT, SubStatus.CUSTOMS),
    ("OutForDelivery", "OutForDelivery_004", Status.OUT_FOR_DELIVERY, None),
    ("AttemptFail", "AttemptFail_001", Status.FAILED_ATTEMPT, None),
    ("AttemptFail", "AttemptFail_002", Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
    ("AttemptFail", "AttemptFail_003", Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT),
    ("Delivered", "Delivered_001", Status.DELIVERED, None),
    ("Delivered", "Delivered_002", Status.DELIVERED, SubStatus.PICKED_UP),
    ("Delivered", "Delivered_003", Status.DELIVERED, SubStatus.SIGNED),
    ("Delivered", "Delivered_004", Status.DELIVERED, None),
    ("AvailableForPickup", "AvailableForPickup_001", Status.AVAILABLE_FOR_PICKUP,
     SubStatus.PICKUP_POINT),
    ("Exception", "Exception_001", Status.EXCEPTION, None),
    ("Exception", "Exception_002", Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM),
    ("Exception", "Exception_003", Status.EXCEPTION, SubStatus.REFUSED),
    ("Exception", "Exception_004", Status.EXCEPTION, SubStatus.CUSTOMS),
    ("Exception", "Exception_005", Status.EXCEPTION, SubStatus.DELAYED),
    ("Exception", "Exception_006", Status.EXCEPTION, SubStatus.PAYMENT_DUE),
    ("Exception", "Exception_007", Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM),
    ("Exception", "Exception_008", Status.EXCEPTION, SubStatus.OTHER),
    ("Exception", "Exception_009", Status.EXCEPTION, SubStatus.OTHER),
    ("Exception", "Exception_010", Status.RETURNING, None),
    ("Exception", "Exception_011", Status.RETURNED, None),
    ("Exception", "Exception_012", Status.EXCEPTION, SubStatus.DAMAGED),
    ("Exception", "Exception_013", Status.EXCEPTION, SubStatus.LOST),
    *[("Exception", f"Exception_0{n}", Status.EXCEPTION, SubStatus.OTHER) for n in range(16, 22)],
    ("Expired", "Expired_001", Status.EXPIRED, None),
    (None, "Delivered_002", Status.DELIVERED, SubStatus.PICKED_UP),  # subtag alone suffices
    ("Exception", None, Status.EXCEPTION, None),
    ("SomethingNew", "SomethingNew_001", Status.UNKNOWN, None),
    (None, None, Status.UNKNOWN, None),
]  # fmt: skip


@pytest.mark.parametrize(("tag", "subtag", "status", "sub"), SUBTAGS)
def test_map_status(
    tag: str | None, subtag: str | None, status: Status, sub: SubStatus | None
) -> None:
    assert aftership.map_status(tag, subtag) == (status, sub)


@pytest.mark.parametrize(
    ("slug", "ours"),
    [
        ("dhl", "dhl"),
        ("deutsch-post", "dhl"),
        ("dhl-germany", "dhl"),
        ("ups", "ups"),
        ("fedex", "fedex"),
        ("usps", "usps"),
        ("dpd-de", "dpd"),
        ("dpd", "dpd"),
        ("hermes-de", "hermes"),
        ("gls", "gls"),
        ("postnl", "postnl"),
        ("royal-mail", "royalmail"),
        ("amazon", "amazon"),
        ("China-Post", "china-post"),
        ("dpd-uk", "dpd-uk"),
        ("", None),
        (None, None),
    ],
)
def test_carrier_for_slug(slug: str | None, ours: str | None) -> None:
    assert aftership.carrier_for_slug(slug) == ours


def test_contract_constants() -> None:
    assert aftership.CARRIER_ID == "aftership"
    assert aftership.DEFAULT_BASE_URL == "https://api.aftership.com/tracking/2024-04"
    assert "{number}" in aftership.TRACKING_PAGE_URL
    assert (aftership.BATCH_LIMIT, aftership.AUTH) == (1, AuthKind.API_KEY_HEADER)
    assert aftership.API_KEY_HEADER == "as-api-key"
    fields = {f.name: f for f in aftership.CREDENTIAL_FIELDS}
    assert not fields["api_key"].optional
    assert fields["api_key"].secret
    assert fields["webhook_secret"].optional
    assert fields["webhook_secret"].secret
    assert aftership.RATE_LIMIT == (10.0, None)


def test_naive_fetched_at_is_read_as_utc() -> None:
    naive = datetime(2026, 3, 11, 9, 0)
    result = aftership.parse_response(200, JSON, body("tracking_pickup.json"), fetched_at=naive)
    assert result.parcels[0].fetched_at == NOW


@pytest.mark.parametrize(
    ("iso3", "local", "utc", "country"),
    [
        ("DEU", "2026-07-01T12:00:00", datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "DE"),  # CEST
        ("GBR", "2026-01-15T12:00:00", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "GB"),
        ("JPN", "2026-01-15T12:00:00", datetime(2026, 1, 15, 3, 0, tzinfo=UTC), "JP"),
        ("AUS", "2026-01-15T12:00:00", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "AU"),
        ("XYZ", "2026-01-15T12:00:00", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "XYZ"),
        (None, "2026-01-15T12:00:00+05:30", datetime(2026, 1, 15, 6, 30, tzinfo=UTC), None),
    ],
)
def test_checkpoint_zones(iso3: str | None, local: str, utc: datetime, country: str | None) -> None:
    doc = {
        "meta": {"code": 200},
        "data": {
            "tracking": {
                "tracking_number": "123",
                "slug": "dhl",
                "checkpoints": [
                    {"checkpoint_time": local, "country_iso3": iso3, "tag": "InTransit"}
                ],
            }
        },
    }
    (update,) = aftership.parse_response(200, JSON, json.dumps(doc).encode()).parcels
    (event,) = update.events
    assert event.occurred_at == utc
    assert event.local_time_text == local
    assert event.location.country == country


def test_checkpoint_without_usable_time_falls_back_to_created_at_or_is_dropped() -> None:
    points = [
        {
            "checkpoint_time": "yesterday",
            "created_at": "2026-03-02T08:20:11+00:00",
            "tag": "InTransit",
        },
        {"checkpoint_time": None, "tag": "InTransit"},
    ]
    doc = {
        "meta": {"code": 200},
        "data": {"tracking": {"tracking_number": "1", "checkpoints": points}},
    }
    (update,) = aftership.parse_response(200, JSON, json.dumps(doc).encode()).parcels
    (event,) = update.events
    assert event.occurred_at == datetime(2026, 3, 2, 8, 20, 11, tzinfo=UTC)
    assert event.local_time_text == "yesterday"
