"""A delivery window does not move while the parcel crosses time zones (UPS, USPS).

Both APIs send the window as a zone-less clock time; the adapters read it in the destination's
zone, which the real APIs (and the sandbox) send with the shipment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.carriers.auth import Credentials
from app.carriers.registry import REGISTRY
from app.sandbox.app import sandbox_url
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.journeys import Scenario
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("carrier", ["ups", "usps"])
async def test_the_window_stays_put_from_hub_to_hub(carrier: str) -> None:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START))
    journey = new_journey(ctx, carrier=carrier, scenario=Scenario.DELIVERED)
    adapter = REGISTRY[carrier]
    secrets = Credentials({f.name: "sandbox" for f in adapter.credential_fields})
    windows = []
    with SandboxServer(ctx) as server:
        base_url = sandbox_url(server.url, carrier, adapter.default_base_url)
        async with adapter.client(secrets, base_url=base_url, language="de") as client:
            for hours in (0, 6, 10, 21):  # label created, picked up, origin hub, destination hub
                ctx.clock.freeze(START + timedelta(hours=hours))
                result = await client.track([journey.tracking_number])
                (update,) = result.parcels
                assert update.estimate is not None
                windows.append((update.estimate.window_start, update.estimate.window_end))
    assert windows[0][0] is not None
    assert len(set(windows)) == 1, windows
