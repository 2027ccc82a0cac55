"""The sandbox's DHL Unified API over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.journeys import Scenario
from app.sandbox.limits import RateLimit
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
NUMBER = "00340434123456789012"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START))
    new_journey(ctx, carrier="dhl", scenario=Scenario.FAILED_ATTEMPT, number=NUMBER)
    with SandboxServer(ctx) as server:
        yield server


def _get(server: SandboxServer, number: str, **headers: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}/dhl/track/shipments",
        params={"trackingNumber": number, "language": "de"},
        headers=headers,
        timeout=5,
    )


def test_missing_key_is_401_problem_detail(sandbox: SandboxServer) -> None:
    response = _get(sandbox, NUMBER)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_unknown_number_is_404(sandbox: SandboxServer) -> None:
    response = _get(sandbox, "00340434999999999999", **{"DHL-API-Key": "k"})
    assert response.status_code == 404
    assert response.json()["title"] == "No result found"


def test_journey_moves_with_the_clock(sandbox: SandboxServer) -> None:
    first = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"}).json()["shipments"][0]
    assert [e["statusCode"] for e in first["events"]] == ["pre-transit"]
    sandbox.ctx.clock.advance(timedelta(hours=35))
    later = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"}).json()["shipments"][0]
    events = later["events"]
    assert events[0]["statusDetailed"] == "recipient-not-at-home"  # newest first
    assert events[-1]["statusCode"] == "pre-transit"
    # parcel-de quirk: German local time without an offset (UTC 07:00 is 08:00 in Berlin).
    assert events[-1]["timestamp"] == "2026-11-23T08:00:00"
    assert "Zustellversuch" in events[0]["description"]


def test_rate_limit_without_retry_after(sandbox: SandboxServer) -> None:
    sandbox.ctx.set_rate_limit("dhl", RateLimit(requests=2, per_seconds=60))
    codes = [_get(sandbox, NUMBER, **{"DHL-API-Key": "k"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"})
    assert "retry-after" not in refused.headers
    assert sandbox.ctx.stats.rate_limited == 2


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (Fault.HTML_ERROR_PAGE, lambda r: r.status_code == 200 and r.text.startswith("<!DOCTYPE")),
        (Fault.TRUNCATED_JSON, lambda r: r.status_code == 200 and not r.text.endswith("}")),
        (Fault.UNAVAILABLE, lambda r: r.status_code == 503),
        (Fault.RATE_LIMIT_WITH_RETRY_AFTER, lambda r: r.headers.get("retry-after") is not None),
    ],
)
def test_injected_faults(
    sandbox: SandboxServer, fault: Fault, check: Callable[[httpx.Response], bool]
) -> None:
    sandbox.ctx.faults = FaultPlan(1.0, seed=1, kinds=(fault,))
    response = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"})
    assert check(response), response.text[:200]


def test_changed_text_fault_rewords_an_already_sent_event(sandbox: SandboxServer) -> None:
    before = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"}).json()["shipments"][0]["events"]
    sandbox.ctx.faults = FaultPlan(1.0, seed=1, kinds=(Fault.CHANGED_TEXT,))
    after = _get(sandbox, NUMBER, **{"DHL-API-Key": "k"}).json()["shipments"][0]["events"]
    assert before[-1]["timestamp"] == after[-1]["timestamp"]
    assert before[-1]["description"] != after[-1]["description"]
