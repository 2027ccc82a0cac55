"""Helpers for driving the real carrier clients against the sandbox over loopback HTTP.

One sandbox server per carrier per test module (starting uvicorn costs ~0.2 s); `Sandbox.reset`
puts its public knobs (faults, limits, statistics, webhooks, token lifetime) back before each
test. Tests that leave state the reset cannot reach (a Retry-After the sandbox remembers per
credential) take a fresh server instead. The sandbox clock is frozen: only tests move it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.carriers.auth import Credentials
from app.carriers.client import TrackingClient
from app.carriers.registry import REGISTRY
from app.domain.merge import canonical_order
from app.domain.models import ParcelUpdate
from app.domain.status import Status
from app.sandbox.app import sandbox_url
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext, Stats
from app.sandbox.faults import FaultPlan
from app.sandbox.journeys import Journey, Scenario
from app.sandbox.seed import new_journey, new_number
from app.sandbox.server import SandboxServer

__all__ = [
    "AGGREGATORS",
    "CARRIERS",
    "OAUTH_CARRIERS",
    "START",
    "UNDERLYING",
    "CountingContext",
    "Received",
    "Sandbox",
    "WebhookReceiver",
    "by_number",
    "credentials",
    "latest_status",
    "servers_per_carrier",
    "start_sandbox",
]

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin
CARRIERS: tuple[str, ...] = tuple(REGISTRY)
AGGREGATORS = ("aftership", "17track")
OAUTH_CARRIERS = tuple(c for c in CARRIERS if REGISTRY[c].uses_oauth)
# The carrier whose parcels an aggregator's journeys follow (any simulated carrier would do).
UNDERLYING = {"aftership": "dhl", "17track": "gls"}

_RNG = random.Random(20261123)
_KEYS = iter(range(1, 1_000_000))


def credentials(*, bad: bool = False) -> Credentials:
    """Every field any scheme needs; values unique per call, so limits never carry over.

    With `bad`, the client id and API key start with "bad", which the sandbox refuses.
    """
    n = next(_KEYS)
    prefix = "bad" if bad else "test"
    return Credentials(
        {
            "api_key": f"{prefix}-key-{n}",
            "client_id": f"{prefix}-client-{n}",
            "client_secret": f"secret-{n}",
            "username": f"user-{n}",
            "password": f"password-{n}",
        }
    )


def latest_status(update: ParcelUpdate) -> Status | None:
    """The status the newest scan gives (ties by lifecycle stage), else the carrier's headline."""
    if update.events:
        return max(update.events, key=canonical_order).status
    return update.status_hint


class CountingContext(SandboxContext):
    """A sandbox context that also counts the access tokens it issues, per carrier."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tokens_issued: Counter[str] = Counter()

    def issue_token(self, carrier: str) -> tuple[str, int]:
        self.tokens_issued[carrier] += 1
        return super().issue_token(carrier)


@dataclass
class Sandbox:
    server: SandboxServer
    ctx: CountingContext

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        ctx = self.ctx
        ctx.faults = FaultPlan(0.0)
        ctx.stats = Stats()
        ctx.webhooks.clear()
        ctx.token_lifetime = timedelta(hours=1)
        ctx.tokens_issued.clear()
        for carrier in CARRIERS:
            ctx.set_rate_limit(carrier, None)

    def now(self) -> datetime:
        return self.ctx.clock.now()

    def advance_to(self, moment: datetime) -> None:
        delta = moment - self.ctx.clock.now()
        assert delta >= timedelta(0), "the sandbox clock only moves forward"
        self.ctx.clock.advance(delta)

    def advance(self, delta: timedelta) -> None:
        self.ctx.clock.advance(delta)

    def requests(self, carrier: str) -> int:
        """Tracking API requests the sandbox admitted or refused for `carrier` (not tokens)."""
        return self.ctx.stats.by_carrier.get(carrier, 0)

    def journey(self, carrier: str, scenario: Scenario = Scenario.DELIVERED) -> Journey:
        """A fresh journey starting now; an aggregator's follows its underlying carrier."""
        simulated = UNDERLYING.get(carrier, carrier)
        return new_journey(self.ctx, carrier=simulated, scenario=scenario, rng=_RNG)

    def unknown_number(self, carrier: str) -> str:
        """A well-formed number (valid check digit) that no journey has."""
        return new_number(UNDERLYING.get(carrier, carrier), _RNG)

    def client(
        self, carrier: str, creds: Credentials | None = None, **kwargs: Any
    ) -> TrackingClient:
        adapter = REGISTRY[carrier]
        return adapter.client(
            credentials() if creds is None else creds,
            base_url=sandbox_url(self.url, carrier, adapter.default_base_url),
            language="de",
            **kwargs,
        )


def start_sandbox() -> Sandbox:
    ctx = CountingContext(clock=SandboxClock(frozen_at=START))
    server = SandboxServer(ctx).start()
    return Sandbox(server, ctx)


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    """A tiny HTTP server on loopback that records every POST it gets (the app's side)."""

    received: list[Received] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._arrived:
                    receiver.received.append(Received(body, dict(self.headers.items())))
                    receiver._arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(self, wanted: Callable[[Received], bool], timeout: float = 5.0) -> Received:
        """The first push `wanted` accepts, waiting for it up to `timeout` seconds."""
        with self._arrived:
            self._arrived.wait_for(lambda: any(wanted(r) for r in self.received), timeout)
            found = [r for r in self.received if wanted(r)]
        assert found, f"no such push arrived within {timeout} s ({len(self.received)} others)"
        return found[0]


def by_number(parcels: tuple[ParcelUpdate, ...]) -> Mapping[str, ParcelUpdate]:
    return {p.tracking_number.upper(): p for p in parcels}


def servers_per_carrier() -> Iterator[dict[str, Sandbox]]:
    """For a module-scoped fixture: one lazily started sandbox per carrier, stopped at the end."""
    started: dict[str, Sandbox] = {}
    try:
        yield started
    finally:
        for sandbox in started.values():
            sandbox.server.stop()
