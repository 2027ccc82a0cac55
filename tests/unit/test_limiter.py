"""The per-account gate on a fake clock: rate, Retry-After, backoff, circuit, quota."""

from __future__ import annotations

import asyncio
import random

import pytest

from app.sync.limiter import AccountGate, CircuitOpen, Limits, QuotaExhausted


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _gate(clock: FakeClock, **limits: float) -> AccountGate:
    return AccountGate(
        Limits(**limits),  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
    )


async def _send(gate: AccountGate) -> None:
    await gate.acquire()
    gate.release()


async def test_rate_spaces_requests_evenly() -> None:
    clock = FakeClock()
    gate = _gate(clock, rate_per_second=2.0)
    for _ in range(5):
        await _send(gate)
    assert clock.now == pytest.approx(1002.0)  # 5 requests at 2/s: 4 gaps of 0.5 s
    assert gate.sent == 5


async def test_retry_after_is_honoured_exactly() -> None:
    clock = FakeClock()
    gate = _gate(clock, rate_per_second=100.0)
    await _send(gate)
    gate.rate_limited(30.0)
    assert gate.ready_in() == pytest.approx(30.0)
    await _send(gate)
    assert clock.now >= 1030.0


async def test_backoff_without_retry_after_grows_and_is_jittered() -> None:
    clock = FakeClock()
    gate = _gate(clock, rate_per_second=100.0, backoff_base=1.0)
    waits = []
    for _ in range(4):
        gate.rate_limited(None)
        waits.append(gate.ready_in())
        await _send(gate)
    assert all(0.5 * 2**i <= w <= 2**i for i, w in enumerate(waits)), waits
    gate.succeeded()
    gate.rate_limited(None)
    assert gate.ready_in() <= 1.0  # success resets the backoff


async def test_circuit_opens_after_repeated_failures_then_closes() -> None:
    clock = FakeClock()
    gate = _gate(clock, circuit_threshold=3, circuit_cooldown=60.0, backoff_cap=1.0)
    for _ in range(3):
        gate.failed()
    with pytest.raises(CircuitOpen) as opened:
        await gate.acquire()
    assert opened.value.retry_in == pytest.approx(60.0)
    clock.now += 61
    await _send(gate)


async def test_daily_quota_is_enforced_and_resets() -> None:
    clock = FakeClock()
    gate = _gate(clock, rate_per_second=100.0, daily_quota=3)
    for _ in range(3):
        await _send(gate)
    assert gate.quota_left() == 0
    with pytest.raises(QuotaExhausted):
        await gate.acquire()
    gate.new_day()
    await _send(gate)


async def test_concurrency_is_capped() -> None:
    gate = AccountGate(Limits(rate_per_second=1000.0, concurrency=2))
    active = 0
    peak = 0

    async def job() -> None:
        nonlocal active, peak
        await gate.acquire()
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        gate.release()

    await asyncio.gather(*(job() for _ in range(8)))
    assert peak == 2


async def test_one_blocked_account_does_not_delay_another() -> None:
    clock = FakeClock()
    slow = _gate(clock, rate_per_second=100.0)
    fast = _gate(clock, rate_per_second=100.0)
    slow.rate_limited(600.0)
    await _send(fast)
    assert clock.now < 1001.0
    assert slow.ready_in() > 590
