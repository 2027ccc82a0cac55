"""Every UPS, FedEx, USPS and GLS fixture body has the shape of the carrier's published spec.

A new fixture is validated by default. The exceptions below are the fixtures that reproduce, on
purpose, a broken body or a real-world deviation that REFERENCE.md confirms; each names why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.specs import (
    OPERATIONS,
    USPS_LIVE_QUIRKS,
    USPS_NUMERIC_GMT_OFFSET,
    Allowance,
    load_document,
    problems,
)
from tests.unit.carriers.fixture_table import FIXTURE_ROOT, fixture_paths, read_case

CARRIERS = ("ups", "fedex", "usps", "gls")

# Error statuses a spec does not list for the tracking call are checked against the error body
# it documents for its other failures (the gateway's one envelope), as in the sandbox test.
ERROR_ENVELOPE_OF = {"ups": 404, "fedex": 400, "usps": 400, "gls": 400}
# GLS types its 429 as ProblemDetail, but its own 429 example and REFERENCE §5 ("401 and 429 come
# from the Apigee gateway: `{fault:{faultstring, detail:{errorcode}}}`") are an Apigee fault.
SCHEMA_STATUS = {("gls", 429): 401}

# fixture (carrier/file) -> why its body is not meant to have the spec's shape
_NOT_JSON = "a broken body on purpose: the parser must survive it"
EXCEPTIONS: dict[str, str] = {
    "ups/empty_body.json": _NOT_JSON + " (empty)",
    "ups/html_200.json": _NOT_JSON + " (HTML page with status 200)",
    "ups/truncated_json.json": _NOT_JSON + " (truncated JSON)",
    "ups/rate_limited_429_retry_after.json": _NOT_JSON + " (429 with an empty body)",
    "fedex/empty_body.json": _NOT_JSON + " (empty)",
    "fedex/html_200.json": _NOT_JSON + " (HTML page with status 200)",
    "fedex/truncated_json.json": _NOT_JSON + " (truncated JSON)",
    "fedex/rate_limited_429_retry_after.json": _NOT_JSON + " (429 as text/plain)",
    "usps/empty_body.json": _NOT_JSON + " (empty)",
    "usps/html_200.json": _NOT_JSON + " (HTML page with status 200)",
    "usps/truncated_json.json": _NOT_JSON + " (truncated JSON)",
    "gls/empty_body.json": _NOT_JSON + " (empty)",
    "gls/html_page_200.json": _NOT_JSON + " (HTML page with status 200)",
    "gls/truncated_json.json": _NOT_JSON + " (truncated JSON)",
    "gls/unavailable_503.json": _NOT_JSON + " (503 with an HTML body)",
    # Not a GLS quirk REFERENCE confirms: a robustness case for the lenient parser (single
    # objects where the spec has arrays, numbers where it has strings), malformed on purpose.
    "gls/single_objects_and_numbers.json": "a deliberately malformed body: single objects for "
    "arrays and numbers for strings, which the lenient parser must still read",
}
# The USPS fixtures are recorded from live answers, which carry the quirks REFERENCE §4 confirms
# ("live responses have sent booleans as strings...", "Time quirk: `eventTimestamp` is local
# time with no offset"): they are validated with exactly those named allowances.
ALLOWANCES: dict[str, tuple[Allowance, ...]] = {
    "usps": USPS_LIVE_QUIRKS,
    "usps/delivered_signed.json": (*USPS_LIVE_QUIRKS, USPS_NUMERIC_GMT_OFFSET),
}


def _all_fixtures() -> list[Path]:
    return [path for carrier in CARRIERS for path in fixture_paths(carrier)]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def body_of(case: dict[str, Any]) -> Any:
    """The JSON body a fixture case stands for (see fixture_table.answer_bytes)."""
    if "body_json" in case:
        return case["body_json"]
    if "body" in case:
        return case["body"]
    return json.loads(case.get("body_text") or "")  # ValueError: not JSON


def _documented(carrier: str) -> set[str]:
    op = OPERATIONS[carrier]
    return set(load_document(op.file)["paths"][op.path][op.method]["responses"])


@pytest.mark.parametrize("path", _all_fixtures(), ids=_id)
def test_fixture_body_has_the_spec_shape(path: Path) -> None:
    carrier = path.parent.name
    if _id(path) in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[_id(path)])
    case = read_case(path)
    status = int(case.get("status", 200))
    body = body_of(case)
    if status >= 400 and str(status) not in _documented(carrier):
        status = ERROR_ENVELOPE_OF[carrier]
    status = SCHEMA_STATUS.get((carrier, status), status)
    allowed = ALLOWANCES.get(_id(path), ALLOWANCES.get(carrier, ()))
    found = problems(carrier, status, body, allowances=allowed)
    assert not found, "\n".join(found)


def test_every_exception_names_an_existing_fixture() -> None:
    """A stale entry would silently stop protecting nothing; keep the list honest."""
    for name in EXCEPTIONS:
        assert (FIXTURE_ROOT / name).is_file(), name
