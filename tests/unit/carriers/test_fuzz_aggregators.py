"""Property tests: the aggregator parsers never raise and never lose a requested number.

Inputs range from raw bytes to answers shaped like the real envelopes with every field replaced
by plausible values, odd times (year 1, year 9999, extreme offsets) or arbitrary JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.carriers import aftership, seventeen_track, webhooks
from app.carriers.base import ParseResult
from app.domain.models import ParcelUpdate, ProblemKind
from tests.unit.carriers.fixture_table import documents
from tests.unit.carriers.mutations import FUZZ, http_statuses, json_values, scrambled

NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
SECRET = "fuzz-secret-0123456789"
NUMBERS = ["00340434123456789012", "1ZA1B2C30123456787", "AB246813576GB", " 123 ", "x"]

junk = json_values(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    text_size=12,
    key_size=6,
    max_size=3,
    max_leaves=8,
)
zones = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=14)),
        timezone(-timedelta(hours=12)),
        timezone(timedelta(minutes=330)),
    ]
)
earliest, latest = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)
times = st.one_of(
    st.datetimes(min_value=earliest, max_value=latest).map(datetime.isoformat),  # naive
    st.datetimes(min_value=earliest, max_value=latest, timezones=zones).map(datetime.isoformat),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["", "2026-03-02T09:15:00", "2026-03-02T09:15:00+0200", "2026-13-45", "now"]),
    junk,
)
numbers = st.one_of(st.sampled_from(NUMBERS), st.text(max_size=8), junk)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, junk)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, strategy, junk)


def objects(
    fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the `required` keys (usually plausible) and any subset of the others."""
    return st.fixed_dictionaries(
        {k: mostly(v) for k, v in fields.items() if k in required},
        optional={k: maybe(v) for k, v in fields.items() if k not in required},
    )


as_tags = st.sampled_from(
    ["Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered",
     "AvailableForPickup", "Exception", "Expired", "Bogus"]
)  # fmt: skip
as_subtags = st.builds(lambda t, n: f"{t}_{n:03d}", as_tags, st.integers(0, 25))
checkpoint = objects(
    {
        "checkpoint_time": times,
        "created_at": times,
        "tag": as_tags,
        "subtag": as_subtags,
        "message": st.text(max_size=20),
        "city": st.text(max_size=8),
        "zip": st.text(max_size=6),
        "country_iso3": st.sampled_from(["DEU", "USA", "GBR", "CHN", "XXX", "", "deu"]),
        "slug": st.sampled_from(["dhl", "dpd-de", "china-post", ""]),
    },
    required=("checkpoint_time", "tag"),
)
tracking = objects(
    {
        "tracking_number": numbers,
        "slug": st.sampled_from(["dhl", "deutsch-post", "royal-mail", "yunexpress", ""]),
        "tag": as_tags,
        "subtag": as_subtags,
        "signed_by": st.text(max_size=8),
        "shipment_delivery_date": times,
        "expected_delivery": times,
        "destination_country_iso3": st.sampled_from(["DEU", "USA", "GBR"]),
        "latest_estimated_delivery": objects(
            {"datetime": times, "datetime_min": times, "datetime_max": times}
        ),
        "aftership_estimated_delivery_date": objects(
            {"estimated_delivery_date": times, "estimated_delivery_date_min": times}
        ),
        "checkpoints": st.lists(checkpoint, max_size=4),
    },
    required=("tracking_number", "tag", "checkpoints"),
)
as_codes = st.sampled_from(
    [200, 201, 400, 401, 403, 404, 429, 500, 4001, 4003, 4004, 4005, 4010, 4012, 4099]
)
aftership_docs = objects(
    {
        "meta": objects(
            {"code": as_codes, "message": st.text(max_size=10), "type": st.text(max_size=5)},
            required=("code",),
        ),
        "data": objects({"tracking": tracking}, required=("tracking",)),
    },
    required=("meta", "data"),
)

st_status = st.sampled_from(
    ["NotFound", "InfoReceived", "InTransit", "Expired", "AvailableForPickup", "OutForDelivery",
     "DeliveryFailure", "Delivered", "Exception", "Bogus"]
)  # fmt: skip
st_sub = st.builds(
    lambda s, r: f"{s}_{r}",
    st_status,
    st.sampled_from(["Other", "Returning", "Lost", "NoBody", "X"]),
)
event = objects(
    {
        "time_iso": times,
        "time_utc": times,
        "description": st.text(max_size=20),
        "sub_status": st_sub,
        "stage": st.sampled_from(["Delivered", "PickedUp", "Returned", "", "X"]),
        "location": st.text(max_size=8),
        "address": objects({"city": st.text(max_size=6), "country": st.text(max_size=3)}),
    },
    required=("time_iso", "sub_status"),
)
track_info = objects(
    {
        "latest_status": objects({"status": st_status, "sub_status": st_sub}, ("status",)),
        "time_metrics": objects({"estimated_delivery_date": objects({"from": times, "to": times})}),
        "milestone": st.lists(
            objects({"key_stage": st.just("Delivered"), "time_utc": times}), max_size=2
        ),
        "tracking": objects(
            {
                "providers": st.lists(
                    objects(
                        {
                            "provider": objects(
                                {"key": st.integers(-5, 200000), "name": st.text(max_size=10)}
                            ),
                            "events": st.lists(event, max_size=4),
                        },
                        required=("events",),
                    ),
                    max_size=2,
                )
            },
            required=("providers",),
        ),
    },
    required=("latest_status", "tracking"),
)
accepted = objects(
    {"number": numbers, "carrier": st.integers(-5, 200000), "track_info": track_info},
    required=("number", "track_info"),
)
rejected = objects(
    {
        "number": numbers,
        "error": objects(
            {
                "code": st.sampled_from([-18019901, -18019902, -18019909, -1, 0]),
                "message": st.text(max_size=8),
            }
        ),
    }
)
st_docs = objects(
    {
        "code": st.sampled_from([0, 0, 0, -18010002, -18019908, 401, 429, 500]),
        "data": objects(
            {
                "accepted": st.lists(accepted, max_size=4),
                "rejected": st.lists(rejected, max_size=3),
            },
            required=("accepted",),
        ),
    },
    required=("code", "data"),
)

statuses = http_statuses([200, 201, 400, 401, 403, 404, 429, 500, 502, 503], any_other=True)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Retry-After", "X-RateLimit-Reset", "X-Other"]),
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "application/json",
                "text/html",
                "5",
                "1e400",
                "Wed, 21 Oct 2026 07:28:00 GMT",
                "99999999999999999999999",
            ]
        ),
    ),
    max_size=3,
)
requested = st.lists(st.one_of(st.sampled_from(NUMBERS), st.text(max_size=6)), max_size=4)


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def mutants(folder: str) -> st.SearchStrategy[bytes]:
    """The folder's recorded answers, scrambled."""
    seeds = st.sampled_from(documents(folder))
    return seeds.flatmap(lambda doc: scrambled(doc, junk=junk, texts=times)).map(encode)


aftership_mutants = mutants("aftership")
st_mutants = mutants("17track")


bodies = st.one_of(
    st.binary(max_size=200),
    aftership_docs.map(encode),
    st_docs.map(encode),
    junk.map(encode),
    st.sampled_from([b"", b"<html>", b'{"meta":', b"1" * 5000, b"[" * 5000, b"\xff\xfe{"]),
)


def assert_covers(result: ParseResult, wanted: list[str]) -> None:
    assert isinstance(result, ParseResult)
    for item in result.parcels:
        assert isinstance(item, ParcelUpdate)
        assert item.tracking_number
    for error in result.errors:
        assert isinstance(error.kind, ProblemKind)
        assert error.message
    if any(error.tracking_number is None for error in result.errors):
        return  # a whole-request error stands for every number
    seen = {"".join(n.split()).upper() for n in [p.tracking_number for p in result.parcels]}
    seen |= {"".join(e.tracking_number.split()).upper() for e in result.errors if e.tracking_number}
    for number in wanted:
        if number.strip():
            assert "".join(number.split()).upper() in seen, number


@FUZZ
@given(
    statuses, headers, st.one_of(bodies, aftership_docs.map(encode), aftership_mutants), requested
)
def test_aftership_parser_never_raises_and_covers_numbers(
    status: int, hdrs: dict[str, str], body: bytes, wanted: list[str]
) -> None:
    result = aftership.parse_response(status, hdrs, body, requested=wanted, fetched_at=NOW)
    assert_covers(result, wanted)
    register = aftership.parse_register_response(status, hdrs, body, requested=wanted)
    assert register.parcels == ()
    assert isinstance(aftership.registered_slugs(status, hdrs, body), dict)


@FUZZ
@given(statuses, headers, st.one_of(bodies, st_docs.map(encode), st_mutants), requested)
def test_17track_parser_never_raises_and_covers_numbers(
    status: int, hdrs: dict[str, str], body: bytes, wanted: list[str]
) -> None:
    result = seventeen_track.parse_response(status, hdrs, body, requested=wanted, fetched_at=NOW)
    assert_covers(result, wanted)
    register = seventeen_track.parse_register_response(status, hdrs, body, requested=wanted)
    assert register.parcels == ()


webhook_bodies = st.one_of(
    bodies,
    aftership_mutants,
    st_mutants,
    st.builds(lambda t: {"event": "tracking_update", "msg": t}, tracking).map(encode),
    st.builds(
        lambda e, d: {"event": e, "data": d},
        st.sampled_from(["TRACKING_UPDATED", "TRACKING_STOPPED", "x"]),
        accepted,
    ).map(encode),
)


@FUZZ
@given(webhook_bodies, st.booleans(), st.text(max_size=10))
def test_webhook_parsers_never_raise(body: bytes, signed: bool, forged: str) -> None:
    a_sig = webhooks.sign_aftership(body, SECRET) if signed else forged
    s_sig = webhooks.sign_17track(body, SECRET) if signed else forged
    results = (
        webhooks.parse_aftership_webhook(body, {"aftership-hmac-sha256": a_sig}, SECRET),
        webhooks.parse_17track_webhook(body, {"sign": s_sig}, SECRET),
    )
    for result in results:
        assert isinstance(result, ParseResult)
        assert result.parcels or result.errors  # a push is never silently dropped
        assert SECRET not in repr(result)
        if not signed:
            assert result.parcels == ()
            (error,) = result.errors
            assert error.kind is ProblemKind.AUTH_FAILED


@FUZZ
@given(st.binary(max_size=300), st.text(max_size=30), st.text(min_size=1, max_size=30))
def test_signatures_verify_only_their_own_body(body: bytes, other: str, secret: str) -> None:
    assert webhooks.verify_aftership(body, webhooks.sign_aftership(body, secret), secret)
    assert webhooks.verify_17track(body, webhooks.sign_17track(body, secret), secret)
    changed = body + b"!"
    assert not webhooks.verify_aftership(changed, webhooks.sign_aftership(body, secret), secret)
    assert not webhooks.verify_17track(changed, webhooks.sign_17track(body, secret), secret)
    assert isinstance(webhooks.verify_aftership(body, other, secret), bool)
    assert isinstance(webhooks.verify_17track(body, other, secret), bool)
