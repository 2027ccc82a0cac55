"""Everything one sandbox instance knows: clock, journeys, tokens, limits, faults, statistics."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.sandbox.clock import SandboxClock
from app.sandbox.faults import FaultPlan
from app.sandbox.journeys import Journey
from app.sandbox.limits import RateLimit, RateLimiter


@dataclass
class Stats:
    requests: int = 0
    rate_limited: int = 0
    early_retries: int = 0  # requests that arrived before a Retry-After we sent had elapsed
    by_carrier: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    aggregator: str
    url: str
    secret: str


class SandboxContext:
    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: FaultPlan | None = None,
        latency_ms: float = 0.0,
        speed: float = 1.0,
        rate_limits: dict[str, RateLimit] | None = None,
        token_lifetime: timedelta = timedelta(hours=1),
    ) -> None:
        self.clock = clock or SandboxClock()
        self.faults = faults or FaultPlan(0.0)
        self.latency_ms = latency_ms
        self.speed = speed
        self.token_lifetime = token_lifetime
        self.stats = Stats()
        self.webhooks: list[WebhookTarget] = []
        self._lock = threading.Lock()
        self._journeys: dict[tuple[str, str], Journey] = {}
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._limiters = {cid: RateLimiter(rl) for cid, rl in (rate_limits or {}).items()}
        self._blocked_until: dict[str, float] = {}
        self._text_edits: dict[tuple[str, str], int] = {}

    # ---------------------------------------------------------------- journeys ----------
    def add_journey(self, journey: Journey) -> None:
        with self._lock:
            self._journeys[(journey.carrier, journey.tracking_number)] = journey

    def journey(self, carrier: str, number: str) -> Journey | None:
        with self._lock:
            return self._journeys.get((carrier, number.upper()))

    def journey_any(self, number: str) -> Journey | None:
        """The journey of `number` at whichever carrier has it (what an aggregator sees)."""
        wanted = number.strip().upper()
        with self._lock:
            return next((j for j in self._journeys.values() if j.tracking_number == wanted), None)

    def journeys(self) -> list[Journey]:
        with self._lock:
            return list(self._journeys.values())

    def edit_text(self, carrier: str, number: str) -> int:
        """Count one 'changed text' fault for a parcel; renderers reword the oldest event."""
        with self._lock:
            key = (carrier, number.upper())
            self._text_edits[key] = self._text_edits.get(key, 0) + 1
            return self._text_edits[key]

    def text_edits(self, carrier: str, number: str) -> int:
        with self._lock:
            return self._text_edits.get((carrier, number.upper()), 0)

    # ---------------------------------------------------------------- tokens ------------
    def issue_token(self, carrier: str) -> tuple[str, int]:
        token = secrets.token_urlsafe(24)
        lifetime = self.token_lifetime
        with self._lock:
            self._tokens[token] = (carrier, self.clock.now() + lifetime)
        return token, int(lifetime.total_seconds())

    def token_valid(self, carrier: str, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            entry = self._tokens.get(token)
        return entry is not None and entry[0] == carrier and self.clock.now() < entry[1]

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    # ---------------------------------------------------------------- limits ------------
    def set_rate_limit(self, carrier: str, limit: RateLimit | None) -> None:
        with self._lock:
            if limit is None:
                self._limiters.pop(carrier, None)
            else:
                self._limiters[carrier] = RateLimiter(limit)

    def admit(self, carrier: str, credential: str) -> float | None:
        """Count a request; None if it may pass, else the Retry-After seconds to send."""
        key = f"{carrier}:{credential}"
        wall = time.monotonic()
        with self._lock:
            self.stats.requests += 1
            self.stats.by_carrier[carrier] = self.stats.by_carrier.get(carrier, 0) + 1
            if wall < self._blocked_until.get(key, 0.0):
                self.stats.early_retries += 1
            limiter = self._limiters.get(carrier)
        return limiter.check(key, self.clock.now()) if limiter else None

    def note_rate_limited(self, carrier: str, credential: str, retry_after: float | None) -> None:
        """Record a 429 we sent; with Retry-After, earlier requests count as early retries."""
        with self._lock:
            self.stats.rate_limited += 1
            if retry_after is not None:
                key = f"{carrier}:{credential}"
                self._blocked_until[key] = time.monotonic() + retry_after
