"""Fuzzing the DHL, UPS, FedEx and USPS parsers: whatever arrives, a ParseResult comes back.

Three kinds of input: random bytes, random JSON values, and the valid fixtures with their
structure damaged (keys dropped, types swapped, nulls, numbers as strings, objects for arrays).
Every parser also has a last-resort guard that turns a bug into a `parser_error`; these tests
demand that the guard never fires, so a crash hidden by it still fails here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.carriers import dhl, fedex, ups, usps
from app.carriers.base import ParseResult, TrackingError
from app.domain.models import ParcelUpdate
from tests.unit.carriers.fixture_table import cases
from tests.unit.carriers.mutations import (
    FUZZ,
    STRUCTURAL,
    damaged,
    header_maps,
    http_statuses,
    json_values,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
CARRIERS: dict[str, ModuleType] = {"dhl": dhl, "ups": ups, "fedex": fedex, "usps": usps}
NUMBERS = ["00340434123456789012", "1ZA1B2C30123456787", "202406011233", "9400111899223856421173"]

any_json = json_values(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(),
    text_size=30,
    key_size=15,
    max_size=5,
    max_leaves=30,
)
statuses = http_statuses([200, 200, 200, 400, 401, 403, 404, 429, 500, 503], any_other=True)
headers = header_maps(
    ["Content-Type", "Retry-After", "content-type"],
    ["application/json", "text/html", "30", "soon", ""],
    text_size=40,
)
requested_numbers = st.lists(st.sampled_from([*NUMBERS, "", " 1z a1 ", "X" * 40]), max_size=3)


def valid_fixtures(carrier: str) -> list[dict[str, Any]]:
    """The fixtures with a JSON body, which are the ones worth damaging."""
    return [case for case in cases(carrier) if case.get("body") is not None]


def check(result: object, requested: Sequence[str]) -> None:
    assert isinstance(result, ParseResult)
    assert all(isinstance(p, ParcelUpdate) for p in result.parcels)
    assert all(isinstance(e, TrackingError) for e in result.errors)
    assert not [e for e in result.errors if e.carrier_code == "parser_error"], "guard fired"
    assert all(e.message for e in result.errors)

    def norm(number: str) -> str:
        return "".join(number.split()).upper()

    if any(e.tracking_number is None for e in result.errors):
        return  # a whole-request error answers for every number
    answered = {norm(p.tracking_number) for p in result.parcels}
    answered |= {norm(piece) for p in result.parcels for piece in p.pieces}
    answered |= {norm(e.tracking_number) for e in result.errors if e.tracking_number is not None}
    missing = [n for n in requested if norm(n) not in answered]
    assert not missing, f"requested numbers neither parsed nor failed: {missing}"


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@FUZZ
@given(status=statuses, head=headers, body=st.binary(max_size=600), requested=requested_numbers)
def test_random_bytes(
    carrier: str, status: int, head: dict[str, str], body: bytes, requested: list[str]
) -> None:
    parse = CARRIERS[carrier].parse_response
    check(parse(status, head, body, requested=requested, fetched_at=NOW), requested)


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@FUZZ
@given(status=statuses, value=any_json, requested=requested_numbers)
def test_random_json(carrier: str, status: int, value: Any, requested: list[str]) -> None:
    body = json.dumps(value).encode()
    parse = CARRIERS[carrier].parse_response
    result = parse(status, {"Content-Type": "application/json"}, body, requested=requested)
    check(result, requested)


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@FUZZ
@given(data=st.data())
def test_damaged_fixtures(carrier: str, data: st.DataObject) -> None:
    fixture = data.draw(st.sampled_from(valid_fixtures(carrier)), label="fixture")
    document = data.draw(
        damaged(
            fixture["body"],
            operations=STRUCTURAL,
            max_mutations=6,
            dropped_root=None,
            replacements=any_json,
        ),
        label="damaged body",
    )
    requested = fixture["requested"]
    body = json.dumps(document).encode()
    parse = CARRIERS[carrier].parse_response
    result = parse(fixture["status"], fixture["headers"], body, requested=requested, fetched_at=NOW)
    check(result, requested)


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_every_fixture_directory_has_damageable_fixtures(carrier: str) -> None:
    assert len(valid_fixtures(carrier)) >= 10
