"""Fuzzing the DPD, Hermes, GLS, PostNL and Royal Mail parsers.

Random bytes, random JSON and structurally mutated copies of the valid fixtures go into each
`parse_response`. It must never raise, never fall back on its last-resort guard (that would be
a parser bug), and account for every requested number: as a parcel, as an error for that
number, or through one whole-request error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.carriers import dpd, gls, hermes, postnl, royalmail
from app.carriers.base import ParseResult
from tests.unit.carriers.fixture_table import assert_requested_covered, cases
from tests.unit.carriers.mutations import (
    FUZZ,
    TYPED,
    damaged,
    header_maps,
    http_statuses,
    json_values,
)

MODULES: dict[str, ModuleType] = {
    "dpd": dpd,
    "hermes": hermes,
    "gls": gls,
    "postnl": postnl,
    "royalmail": royalmail,
}
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

STATUSES = http_statuses(
    [200, 200, 200, 400, 401, 403, 404, 429, 500, 503, 302, 0, 999], any_other=False
)
HEADERS = header_maps(
    ["Content-Type", "content-type", "Retry-After", "retry-after", "X-Other"],
    ["application/json", "text/html", "120", "-5", "1e400", "nan", ""],
    text_size=30,
)
NUMBERS = st.lists(
    st.sampled_from(["01234567890123", "12345678901", "3SABCD1234567", "AB246813576GB", " x "]),
    max_size=3,
)
JSON_VALUES = json_values(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    text_size=20,
    key_size=12,
    max_size=4,
    max_leaves=30,
)


def _valid_bodies(carrier: str) -> list[tuple[Any, list[str]]]:
    return [
        (case["body_json"], case["requested"])
        for case in cases(carrier)
        if case["status"] == 200 and "body_json" in case
    ]


def check(
    parse: Callable[..., ParseResult],
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    requested: Sequence[str],
) -> None:
    result = parse(status, headers, body, requested=requested, fetched_at=NOW)
    assert isinstance(result, ParseResult)
    assert all(e.carrier_code != "parser_error" for e in result.errors), "the guard caught a bug"
    assert_requested_covered(result, requested)
    for parcel in result.parcels:
        assert parcel.fetched_at == NOW
        assert all(event.occurred_at.tzinfo is UTC for event in parcel.events)


@st.composite
def mutated_fixture(draw: st.DrawFn, carrier: str) -> tuple[bytes, list[str]]:
    body, requested = draw(st.sampled_from(_valid_bodies(carrier)))
    doc = draw(damaged(body, operations=TYPED, max_mutations=4, dropped_root={}))
    return json.dumps(doc).encode(), requested


# ------------------------------------------------------------------------ tests ---------


@pytest.mark.parametrize("carrier", list(MODULES))
def test_random_bytes(carrier: str) -> None:
    parse = MODULES[carrier].parse_response

    @FUZZ
    @given(status=STATUSES, headers=HEADERS, body=st.binary(max_size=300), requested=NUMBERS)
    def run(status: int, headers: dict[str, str], body: bytes, requested: list[str]) -> None:
        check(parse, status, headers, body, requested)

    run()


@pytest.mark.parametrize("carrier", list(MODULES))
def test_random_json(carrier: str) -> None:
    parse = MODULES[carrier].parse_response

    @FUZZ
    @given(status=STATUSES, value=JSON_VALUES, requested=NUMBERS)
    def run(status: int, value: Any, requested: list[str]) -> None:
        body = json.dumps(value).encode()
        check(parse, status, {"Content-Type": "application/json"}, body, requested)

    run()


@pytest.mark.parametrize("carrier", list(MODULES))
def test_mutated_fixtures(carrier: str) -> None:
    parse = MODULES[carrier].parse_response
    assert len(_valid_bodies(carrier)) >= 8

    @FUZZ
    @given(case=mutated_fixture(carrier))
    def run(case: tuple[bytes, list[str]]) -> None:
        body, requested = case
        check(parse, 200, {"Content-Type": "application/json"}, body, requested)

    run()


@pytest.mark.parametrize("carrier", list(MODULES))
def test_every_valid_fixture_with_extra_requested_numbers(carrier: str) -> None:
    """A number the answer does not mention is NOT_FOUND, never silently dropped."""
    parse = MODULES[carrier].parse_response
    for body, requested in _valid_bodies(carrier):
        check(parse, 200, {}, json.dumps(body).encode(), [*requested, "ZZ999999999ZZ"])
