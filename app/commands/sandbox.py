"""`paketpilot sandbox`: the local carrier simulator, seeded with a journey per scenario."""

from __future__ import annotations

import random

from app.sandbox.context import SandboxContext
from app.sandbox.faults import FaultPlan
from app.sandbox.journeys import Scenario
from app.sandbox.seed import SIMULATED_CARRIERS, new_journey
from app.sandbox.server import serve_forever


def run_sandbox(
    *, host: str, port: int, latency_ms: float, fault_rate: float, seed: int | None, speed: float
) -> int:
    ctx = SandboxContext(
        faults=FaultPlan(fault_rate, seed=seed), latency_ms=latency_ms, speed=speed
    )
    rng = random.Random(seed)  # noqa: S311  (test data, not cryptography)
    for carrier in SIMULATED_CARRIERS:
        for scenario in Scenario:
            journey = new_journey(ctx, carrier=carrier, scenario=scenario, rng=rng)
            print(f"{carrier:10} {scenario.value:18} {journey.tracking_number}")
    serve_forever(ctx, host=host, port=port)
    return 0
