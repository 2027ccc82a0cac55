"""Shared pieces of the soak and crash benchmarks: a recording channel, an error counter, the
sandbox accounts with benchmark limits, and the journey-step bookkeeping both reports use.

Not collected by pytest (no test_ prefix); imported by tests/bench/soak.py, crash.py and
crash_child.py.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.carriers.auth import Credentials
from app.carriers.limits import DEFAULT_LIMITS
from app.carriers.registry import REGISTRY
from app.domain.models import TrackingEvent
from app.domain.status import Status
from app.notify.notice import Notice
from app.sandbox.app import sandbox_url
from app.sandbox.journeys import Journey, Step
from app.sync.accounts import SANDBOX_SECRET, AccountRuntime
from app.sync.limiter import AccountGate, Limits

__all__ = [
    "ErrorCounter",
    "RecordingChannel",
    "bench_accounts",
    "match_events",
]


class RecordingChannel:
    """A native channel that records every notice it is handed (the user's screen).

    With `path`, each notice is appended as one JSON line and flushed + fsynced before
    `deliver` returns True, so what the file holds is exactly what the user was shown.
    """

    name = "recording"

    def __init__(self, path: Path | None = None) -> None:
        self.notices: list[Notice] = []
        self._path = path
        self._file = open(path, "a", encoding="utf-8") if path is not None else None  # noqa: SIM115

    async def available(self) -> bool:
        return True

    async def deliver(self, notice: Notice) -> bool:
        self.notices.append(notice)
        if self._file is not None:
            line = json.dumps({"keys": list(notice.change_keys), "title": notice.title})
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        return True

    @property
    def keys(self) -> list[str]:
        return [key for notice in self.notices for key in notice.change_keys]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def read_screen(path: Path) -> list[str]:
    """Every change key a RecordingChannel file shows, in order (a torn last line ignored)."""
    keys: list[str] = []
    if not path.exists():
        return keys
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            keys.extend(json.loads(line)["keys"])
        except (ValueError, KeyError):
            continue
    return keys


class ErrorCounter(logging.Handler):
    """Counts log records at ERROR or above (log.exception included); keeps the first few."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.samples) < 5:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" [{type(record.exc_info[1]).__name__}: {record.exc_info[1]}]"
            self.samples.append(f"{record.name}: {text}")


def bench_limits(
    *,
    rate: float = 200.0,
    cooldown: float = 1.0,
    backoff_base: float = 0.05,
    backoff_cap: float = 0.5,
) -> Limits:
    """The carriers' own backoff and circuit logic, with the wall-clock pauses scaled down.

    The real per-second rates (USPS: 1 a minute) and daily quotas would make a 1,000-parcel
    journey take days of wall time; the sandbox enforces no rate limit in these benchmarks, and
    Retry-After values the sandbox sends are still honoured exactly (that is what is measured).
    """
    return Limits(
        rate_per_second=rate,
        concurrency=2,
        daily_quota=None,
        backoff_base=backoff_base,
        backoff_cap=backoff_cap,
        circuit_threshold=5,
        circuit_cooldown=cooldown,
    )


def bench_accounts(
    root_url: str,
    carriers: Iterable[str],
    *,
    deadline_s: float,
    limits: Limits | None = None,
    language: str = "de",
    clock: Callable[[], datetime] | None = None,
    transport: Any = None,
) -> list[AccountRuntime]:
    """One account per carrier at the sandbox (like `sandbox_accounts`), with benchmark limits
    and a shorter request deadline (the TIMEOUT fault then costs seconds, not 30 s)."""
    runtimes: list[AccountRuntime] = []
    for carrier in carriers:
        adapter = REGISTRY[carrier]
        credentials = Credentials({f.name: SANDBOX_SECRET for f in adapter.credential_fields})
        client = adapter.client(
            credentials,
            account_id=f"sandbox-{carrier}",
            language=language,
            base_url=sandbox_url(root_url, carrier, adapter.default_base_url),
            deadline_s=deadline_s,
            transport=transport(carrier) if transport is not None else None,
        )
        runtimes.append(
            AccountRuntime(
                account_id=f"sandbox-{carrier}",
                carrier=carrier,
                display_name=adapter.display_name,
                batch_limit=adapter.batch_limit,
                client=ClockedTracker(client, clock) if clock is not None else client,
                gate=AccountGate(limits or bench_limits()),
            )
        )
    return runtimes


class RetryAfterLog:
    """Client-side view of Retry-After, at the transport: every 429 with Retry-After an account
    received, and every request it sent after that 429 had arrived and before its Retry-After
    elapsed. The sandbox's own count also holds requests that were already on the wire when it
    answered 429 (sent before any Retry-After existed), which no client can take back."""

    def __init__(self) -> None:
        self._blocks: dict[str, list[tuple[float, float]]] = {}
        self.sent = 0
        self.retry_afters = 0
        self.sent_while_blocked = 0
        self.examples: list[str] = []

    def transport(self, carrier: str) -> httpx.AsyncBaseTransport:
        return _TimingTransport(self, carrier)

    def on_send(self, carrier: str, url: str) -> None:
        now = time.monotonic()
        self.sent += 1
        for received, until in self._blocks.get(carrier, ()):
            if received <= now < until:
                self.sent_while_blocked += 1
                if len(self.examples) < 3:
                    self.examples.append(f"{carrier} {url} {until - now:.2f} s early")
                break

    def on_response(self, carrier: str, response: httpx.Response) -> None:
        value = response.headers.get("retry-after")
        if response.status_code == 429 and value and value.strip().isdigit():
            now = time.monotonic()
            self.retry_afters += 1
            self._blocks.setdefault(carrier, []).append((now, now + float(value)))


class _TimingTransport(httpx.AsyncBaseTransport):
    def __init__(self, log: RetryAfterLog, carrier: str) -> None:
        self._log = log
        self._carrier = carrier
        self._inner = httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._log.on_send(self._carrier, request.url.path)
        response = await self._inner.handle_async_request(request)
        self._log.on_response(self._carrier, response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class ClockedTracker:
    """A client whose answers are stamped with the engine's clock instead of the wall clock.

    The carrier clients stamp `ParcelUpdate.fetched_at` with `datetime.now(UTC)`, and
    `apply_update` dates the outbox rows with it, so under an injected (sandbox) clock the
    dispatcher would judge entries by the wall clock (see the soak report). Everything else
    (`retry_after`, `aclose`) is the wrapped client's.
    """

    def __init__(self, inner: Any, clock: Callable[[], datetime]) -> None:
        self._inner = inner
        self._clock = clock

    @property
    def retry_after(self) -> float:
        return float(getattr(self._inner, "retry_after", 0.0) or 0.0)

    async def track(self, numbers: Any, *, hints: Any = None) -> Any:
        result = await self._inner.track(numbers, hints=hints)
        now = self._clock()
        return replace(result, parcels=tuple(replace(p, fetched_at=now) for p in result.parcels))

    async def aclose(self) -> None:
        await self._inner.aclose()


def hidden_by_api(journey: Journey, step: Step) -> bool:
    """Steps the carrier's API never shows (app/sandbox/carriers/dpd.py: DPD has no scan and no
    statusInfo step before the first scan, so "data received" is not visible there)."""
    return journey.carrier == "dpd" and step.status is Status.INFO_RECEIVED


@dataclass
class EventMatch:
    duplicates: int = 0  # stored events beyond the first for one journey step
    lost: int = 0  # visible journey steps with no stored event
    phantom: int = 0  # stored events at no journey step's time
    status_mismatch: int = 0  # stored under another status than the script's (adapter/sim)
    max_skew: timedelta = timedelta(0)
    examples: list[str] = field(default_factory=list)


def match_events(
    journey: Journey, stored: Sequence[TrackingEvent], now: datetime, *, tolerance_min: float = 30
) -> EventMatch:
    """Assign each stored event to the journey step nearest in time (steps are hours apart).

    One real step stored twice (e.g. a reworded CHANGED_TEXT copy kept beside the original)
    is a duplicate; a visible step with nothing stored is lost.
    """
    out = EventMatch()
    visible = tuple(s for s in journey.visible_steps(now) if not hidden_by_api(journey, s))
    assigned = [0] * len(visible)
    for event in stored:
        gaps = [abs(event.occurred_at - journey.step_time(step)) for step in visible]
        best = min(range(len(gaps)), key=gaps.__getitem__) if gaps else None
        if best is None or gaps[best] > timedelta(minutes=tolerance_min):
            out.phantom += 1
            if len(out.examples) < 3:
                out.examples.append(f"phantom {journey.carrier} {event.status} {event.occurred_at}")
            continue
        out.max_skew = max(out.max_skew, gaps[best])
        assigned[best] += 1
        if event.status is not visible[best].status:
            out.status_mismatch += 1
    for index, count in enumerate(assigned):
        if count == 0:
            out.lost += 1
            if len(out.examples) < 3:
                out.examples.append(f"lost {journey.carrier} step {index} {visible[index].status}")
        elif count > 1:
            out.duplicates += count - 1
            if len(out.examples) < 3:
                at = journey.step_time(visible[index])
                texts = [
                    e.description
                    for e in stored
                    if abs(e.occurred_at - at) < timedelta(minutes=tolerance_min)
                ]
                out.examples.append(f"duplicate {journey.carrier} step {index}: {texts}")
    return out


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
