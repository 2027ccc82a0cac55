"""Fakes for the sync engine tests: a wall and monotonic clock, scripted clients, events."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.carriers.base import ParseResult, TrackingError
from app.carriers.registry import REGISTRY
from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProblemKind,
    Source,
    TrackingEvent,
)
from app.domain.status import Status, SubStatus
from app.store import add_parcel, new_session, open_store
from app.sync.accounts import AccountRuntime
from app.sync.limiter import AccountGate, Limits

# A Monday, 09:00 in Berlin: outside quiet hours.
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class FakeClock:
    """Wall time (aware UTC) and a monotonic counter that move together; sleeping advances."""

    def __init__(self, start: datetime = T0) -> None:
        self.wall = start
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


def event(
    hours: float,
    status: Status = Status.IN_TRANSIT,
    text: str = "Die Sendung wurde bearbeitet",
    *,
    code: str | None = None,
    city: str = "Kassel",
    carrier: str = "dhl",
    start: datetime = T0,
    sub: SubStatus | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=start + timedelta(hours=hours),
        status=status,
        description=text,
        sub_status=sub,
        carrier_code=code or status.value,
        location=Location(city=city, country="DE"),
        source=Source.CARRIER,
        source_name=carrier,
    )


def update_for(
    number: str,
    events: Sequence[TrackingEvent],
    *,
    carrier: str = "dhl",
    fetched_at: datetime = T0,
    estimate: date | None = None,
) -> ParcelUpdate:
    return ParcelUpdate(
        tracking_number=number,
        carrier=carrier,
        fetched_at=fetched_at,
        source_name=carrier,
        events=tuple(events),
        estimate=DeliveryEstimate(day=estimate) if estimate else None,
    )


Responder = Callable[[str, Mapping[str, str] | None], ParcelUpdate | TrackingError]


@dataclass
class FakeTracker:
    """Answers each number with `respond(number, hints)`; records every call."""

    respond: Responder
    calls: list[tuple[tuple[str, ...], dict[str, str] | None]] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when set, every call waits for it (a stalled carrier)
    closed: bool = False

    async def track(
        self, numbers: Sequence[str], *, hints: Mapping[str, str] | None = None
    ) -> ParseResult:
        self.calls.append((tuple(numbers), dict(hints) if hints else None))
        if self.gate is not None:
            await self.gate.wait()
        parcels: list[ParcelUpdate] = []
        errors: list[TrackingError] = []
        for number in numbers:
            answer = self.respond(number, hints)
            if isinstance(answer, TrackingError):
                errors.append(answer)
            else:
                parcels.append(answer)
        return ParseResult(tuple(parcels), tuple(errors))

    async def aclose(self) -> None:
        self.closed = True


def error(
    number: str,
    kind: ProblemKind,
    message: str,
    retry_after: float | None = None,
    *,
    carrier_text: str | None = None,
) -> Any:
    return TrackingError(kind, message, number, retry_after, carrier_text=carrier_text)


def runtime(
    carrier: str,
    tracker: FakeTracker,
    clock: FakeClock,
    *,
    account_id: str | None = None,
    batch_limit: int | None = None,
    registers: bool = False,
    **limits: Any,
) -> AccountRuntime:
    adapter = REGISTRY[carrier]
    return AccountRuntime(
        account_id=account_id or f"acc-{carrier}",
        carrier=carrier,
        display_name=adapter.display_name,
        batch_limit=batch_limit or adapter.batch_limit,
        client=tracker,
        registers=registers,
        gate=AccountGate(
            Limits(**{"rate_per_second": 1000.0, **limits}),
            clock=clock.monotonic,
            sleep=clock.sleep,
            rng=random.Random(1),
        ),
    )


def make_store(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "sync.sqlite")


def add(store: Engine, number: str, carrier: str = "dhl", **kwargs: Any) -> str:
    kwargs.setdefault("created_at", T0 - timedelta(hours=1))
    with new_session(store) as session:
        return add_parcel(session, tracking_number=number, carrier=carrier, **kwargs).id
