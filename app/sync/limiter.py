"""Per carrier account: request rate, concurrency, daily quota, Retry-After, backoff, circuit.

Each account has its own `AccountGate`, so a failing or slow carrier only ever waits on its
own gate and never delays the others. Time comes from an injectable monotonic clock so tests
and benchmarks can run it without sleeping.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["AccountGate", "CircuitOpen", "Limits", "QuotaExhausted"]


@dataclass(frozen=True, slots=True)
class Limits:
    rate_per_second: float = 5.0
    burst: int = 1
    concurrency: int = 4
    daily_quota: int | None = None
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    circuit_threshold: int = 5  # consecutive failures that open the circuit
    circuit_cooldown: float = 120.0


class CircuitOpen(Exception):
    """The account failed repeatedly; it is not asked again until the cooldown has passed."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"carrier paused after repeated failures; retry in {retry_in:.0f} s")
        self.retry_in = retry_in


class QuotaExhausted(Exception):
    def __init__(self) -> None:
        super().__init__("the daily request quota of this carrier account is used up")


class AccountGate:
    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311  (jitter, not cryptography)
        self._slots = asyncio.Semaphore(limits.concurrency)
        self._next_send = 0.0  # earliest moment the rate allows the next request
        self._blocked_until = 0.0  # Retry-After or backoff
        self._failures = 0
        self._throttles = 0  # consecutive 429s without Retry-After
        self._circuit_until = 0.0
        self.used_today = 0
        self.sent = 0

    # ---------------------------------------------------------------- state ----------
    def ready_in(self) -> float:
        """Seconds until a request could be sent (0 when it could go now)."""
        now = self._clock()
        return max(0.0, self._next_send - now, self._blocked_until - now)

    @property
    def circuit_open(self) -> bool:
        return self._clock() < self._circuit_until

    def quota_left(self) -> int | None:
        if self.limits.daily_quota is None:
            return None
        return max(0, self.limits.daily_quota - self.used_today)

    def new_day(self) -> None:
        self.used_today = 0

    # ---------------------------------------------------------------- sending --------
    async def acquire(self) -> None:
        """Wait until one request may be sent, then count it. Release with `release()`."""
        now = self._clock()
        if now < self._circuit_until:
            raise CircuitOpen(self._circuit_until - now)
        left = self.quota_left()
        if left is not None and left <= 0:
            raise QuotaExhausted()
        await self._slots.acquire()
        try:
            while (wait := self.ready_in()) > 0:
                await self._sleep(wait)
            interval = 1.0 / self.limits.rate_per_second
            now = self._clock()
            # A burst allowance lets an idle account send a few requests back to back.
            self._next_send = max(self._next_send, now - interval * (self.limits.burst - 1))
            self._next_send += interval
            self.used_today += 1
            self.sent += 1
        except BaseException:
            self._slots.release()
            raise

    def release(self) -> None:
        self._slots.release()

    # ---------------------------------------------------------------- outcomes -------
    def succeeded(self) -> None:
        self._failures = 0
        self._throttles = 0

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: honour Retry-After exactly, else back off exponentially with jitter."""
        if retry_after is not None:
            self._blocked_until = max(self._blocked_until, self._clock() + retry_after)
        else:
            self._throttles += 1
            self._back_off(self._throttles)

    def failed(self, retry_after: float | None = None) -> None:
        """A transport error or 5xx: back off, and open the circuit after repeated failures."""
        self._failures += 1
        if retry_after is not None:
            self._blocked_until = max(self._blocked_until, self._clock() + retry_after)
        else:
            self._back_off(self._failures)
        if self._failures >= self.limits.circuit_threshold:
            self._circuit_until = self._clock() + self.limits.circuit_cooldown
            self._failures = 0

    def _back_off(self, attempt: int) -> None:
        exponent = min(attempt - 1, 16)
        delay = min(self.limits.backoff_cap, self.limits.backoff_base * 2**exponent)
        delay *= self._rng.uniform(0.5, 1.0)  # "equal jitter": never zero, never in lockstep
        self._blocked_until = max(self._blocked_until, self._clock() + delay)
