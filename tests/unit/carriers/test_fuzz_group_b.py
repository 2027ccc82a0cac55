"""Fuzzing the DPD, Hermes, GLS, PostNL and Royal Mail parsers.

Random bytes, random JSON and structurally mutated copies of the valid fixtures go into each
`parse_response`. It must never raise, never fall back on its last-resort guard (that would be
a parser bug), and account for every requested number: as a parcel, as an error for that
number, or through one whole-request error.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.carriers import dpd, gls, hermes, postnl, royalmail
from app.carriers.base import ParseResult

MODULES: dict[str, ModuleType] = {
    "dpd": dpd,
    "hermes": hermes,
    "gls": gls,
    "postnl": postnl,
    "royalmail": royalmail,
}
FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STATUSES = st.sampled_from([200, 200, 200, 400, 401, 403, 404, 429, 500, 503, 302, 0, 999])
HEADERS = st.dictionaries(
    st.sampled_from(["Content-Type", "content-type", "Retry-After", "retry-after", "X-Other"]),
    st.one_of(
        st.sampled_from(["application/json", "text/html", "120", "-5", "1e400", "nan", ""]),
        st.text(max_size=30),
    ),
    max_size=3,
)
NUMBERS = st.lists(
    st.sampled_from(["01234567890123", "12345678901", "3SABCD1234567", "AB246813576GB", " x "]),
    max_size=3,
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


def _valid_bodies(carrier: str) -> list[tuple[Any, list[str]]]:
    bodies = []
    for path in sorted((FIXTURES / carrier).glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        if case["status"] == 200 and "body_json" in case:
            bodies.append((case["body_json"], case["requested"]))
    return bodies


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
    whole = any(e.tracking_number is None for e in result.errors)
    covered: set[str | None] = {p.tracking_number for p in result.parcels}
    covered |= {e.tracking_number for e in result.errors}
    assert whole or set(requested) <= covered
    for parcel in result.parcels:
        assert parcel.fetched_at == NOW
        assert all(event.occurred_at.tzinfo is UTC for event in parcel.events)


# ------------------------------------------------------------------------ mutations -----

_OPS = ("drop", "null", "string", "number", "huge", "list", "object", "unwrap", "empty", "bool")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutated(value: Any, op: str) -> Any:
    if op == "null":
        return None
    if op == "string":
        return json.dumps(value) if not isinstance(value, str) else value + "\u0000x"
    if op == "number":
        return 3500 if isinstance(value, str) else -1
    if op == "huge":
        return 10**30
    if op == "list":
        return [value]
    if op == "object":
        return {"value": value}
    if op == "unwrap":
        if isinstance(value, list):
            return value[0] if value else {}
        return next(iter(value.values()), None) if isinstance(value, dict) else value
    if op == "empty":
        return type(value)() if isinstance(value, str | list | dict) else ""
    return True  # "bool"


def _apply(doc: Any, path: tuple[Any, ...], op: str) -> Any:
    if not path:
        return _mutated(doc, op) if op != "drop" else {}
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "drop":
        del parent[last]
    else:
        parent[last] = _mutated(parent[last], op)
    return doc


@st.composite
def mutated_fixture(draw: st.DrawFn, carrier: str) -> tuple[bytes, list[str]]:
    bodies = _valid_bodies(carrier)
    body, requested = draw(st.sampled_from(bodies))
    doc = copy.deepcopy(body)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        doc = _apply(doc, path, draw(st.sampled_from(_OPS)))
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
