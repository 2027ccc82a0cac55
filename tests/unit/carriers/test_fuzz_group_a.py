"""Fuzzing the DHL, UPS, FedEx and USPS parsers: whatever arrives, a ParseResult comes back.

Three kinds of input: random bytes, random JSON values, and the valid fixtures with their
structure damaged (keys dropped, types swapped, nulls, numbers as strings, objects for arrays).
Every parser also has a last-resort guard that turns a bug into a `parser_error`; these tests
demand that the guard never fires, so a crash hidden by it still fails here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.carriers import dhl, fedex, ups, usps
from app.carriers.base import ParseResult, TrackingError
from app.domain.models import ParcelUpdate

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
CARRIERS: dict[str, ModuleType] = {"dhl": dhl, "ups": ups, "fedex": fedex, "usps": usps}
NUMBERS = ["00340434123456789012", "1ZA1B2C30123456787", "202406011233", "9400111899223856421173"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats()
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=5)
    ),
    max_leaves=30,
)
statuses = st.sampled_from([200, 200, 200, 400, 401, 403, 404, 429, 500, 503]) | st.integers(
    100, 599
)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Retry-After", "content-type"]),
    st.sampled_from(["application/json", "text/html", "30", "soon", ""]) | st.text(max_size=40),
    max_size=3,
)
requested_numbers = st.lists(st.sampled_from([*NUMBERS, "", " 1z a1 ", "X" * 40]), max_size=3)


def valid_fixtures(carrier: str) -> list[dict[str, Any]]:
    """The fixtures with a JSON body, which are the ones worth damaging."""
    found = []
    for path in sorted((FIXTURES / carrier).glob("*.json")):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        if "body" in fixture and fixture["body"] is not None:
            found.append(fixture)
    return found


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


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def damaged(value: Any, operation: str, replacement: Any) -> Any:
    """One structural mutation of the kind carriers really produce, or worse."""
    if operation == "null":
        return None
    if operation == "string":
        return value if isinstance(value, str) else json.dumps(value)
    if operation == "number":
        return replacement if isinstance(replacement, int | float) else 7
    if operation == "wrap":
        return [value]
    if operation == "unwrap":
        if isinstance(value, list):
            return value[0] if value else {}
        return list(value.values()) if isinstance(value, dict) else value
    if operation == "empty":
        return type(value)() if isinstance(value, dict | list | str) else ""
    return replacement  # "swap": any JSON value at all


def mutate(document: Any, path: tuple[Any, ...], operation: str, replacement: Any) -> Any:
    if not path:
        return None if operation == "drop" else damaged(document, operation, replacement)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if operation == "drop":
        del parent[last]
    else:
        parent[last] = damaged(parent[last], operation, replacement)
    return document


OPERATIONS = ["drop", "null", "string", "number", "wrap", "unwrap", "empty", "swap"]


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
@given(status=statuses, value=json_values, requested=requested_numbers)
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
    document = copy.deepcopy(fixture["body"])
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        path = data.draw(st.sampled_from(list(paths(document))), label="path")
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        replacement = data.draw(json_values, label="replacement")
        document = mutate(document, path, operation, replacement)
    requested = fixture["requested"]
    body = json.dumps(document).encode()
    parse = CARRIERS[carrier].parse_response
    result = parse(fixture["status"], fixture["headers"], body, requested=requested, fetched_at=NOW)
    check(result, requested)


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_every_fixture_directory_has_damageable_fixtures(carrier: str) -> None:
    assert len(valid_fixtures(carrier)) >= 10
