"""At the demo's speed the ETA a carrier API sends counts story days, not compressed ones.

A DELAYED Hermes journey at 240x over real HTTP: two days ahead at first, three after the delay
(later, not "today"), tomorrow on the story's day before delivery, today on the van.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.carriers.auth import Credentials
from app.carriers.registry import REGISTRY
from app.demo import DEMO_SPEED
from app.domain.status import Status
from app.sandbox.app import sandbox_url
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.journeys import Scenario
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday


async def test_a_demo_delay_moves_the_eta_later() -> None:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START), speed=DEMO_SPEED)
    journey = new_journey(ctx, carrier="hermes", scenario=Scenario.DELAYED)
    adapter = REGISTRY["hermes"]
    secrets = Credentials({f.name: "sandbox" for f in adapter.credential_fields})
    seen = []
    with SandboxServer(ctx) as server:
        base_url = sandbox_url(server.url, "hermes", adapter.default_base_url)
        async with adapter.client(secrets, base_url=base_url, language="de") as client:
            # journey hours 4 (announced), 24 (delayed at 20), 72 (hub at 70), 80 (on the van)
            for hours in (4, 24, 72, 80):
                ctx.clock.freeze(START + timedelta(hours=hours) / DEMO_SPEED)
                result = await client.track([journey.tracking_number])
                assert not result.errors, result.errors
                (update,) = result.parcels
                assert update.estimate is not None
                seen.append(update.estimate.day)
    assert journey.visible_steps(ctx.clock.now())[-1].status is Status.OUT_FOR_DELIVERY
    today = START.date()
    assert seen == [today + timedelta(days=d) for d in (2, 3, 1, 0)]
