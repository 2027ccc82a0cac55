"""A scripted delay reaches the app as a delay, for the carriers that say so by code or by text.

UPS (statusCode 048), USPS ("In Transit, Arriving Late"), Hermes (4610) and Royal Mail (category
DELAYED) mark it in the answer's codes or headline; DPD and GLS have no delay code, so their
adapters read the scan's own words, which the sandbox sends in the requested language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.carriers.auth import Credentials
from app.carriers.registry import REGISTRY
from app.domain.status import Status, SubStatus
from app.sandbox.app import sandbox_url
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.journeys import Scenario
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
CARRIERS = ["ups", "usps", "dpd", "hermes", "gls", "royalmail"]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("carrier", CARRIERS)
async def test_the_delayed_step_arrives_as_a_delay(carrier: str, language: str) -> None:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START))
    journey = new_journey(ctx, carrier=carrier, scenario=Scenario.DELAYED)
    (step,) = [s for s in journey.steps if s.sub_status is SubStatus.DELAYED]
    delayed_at = journey.step_time(step)
    adapter = REGISTRY[carrier]
    secrets = Credentials({f.name: "sandbox" for f in adapter.credential_fields})
    with SandboxServer(ctx) as server:
        base_url = sandbox_url(server.url, carrier, adapter.default_base_url)
        async with adapter.client(secrets, base_url=base_url, language=language) as client:
            ctx.clock.freeze(delayed_at + timedelta(minutes=30))  # before the next step
            result = await client.track([journey.tracking_number])
    assert not result.errors, result.errors
    (update,) = result.parcels
    latest = max(update.events, key=lambda e: e.occurred_at)
    assert latest.occurred_at == delayed_at
    assert (latest.status, latest.sub_status) == (Status.IN_TRANSIT, SubStatus.DELAYED)
