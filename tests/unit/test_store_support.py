"""Builders shared by the store tests (no tests here): real SQLite files, events, updates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlmodel import Session

from app.domain.models import Location, ParcelUpdate, Source, TrackingEvent
from app.domain.status import Status
from app.store import new_session, open_store

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def make_engine(tmp_path: Path, name: str = "store.sqlite") -> Engine:
    return open_store(tmp_path / name)


def scan(
    minutes: int,
    status: Status = Status.IN_TRANSIT,
    text_: str = "Die Sendung wurde bearbeitet",
    *,
    code: str | None = None,
    city: str | None = "Leipzig",
    observed: int = 0,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=T0 + timedelta(minutes=minutes),
        status=status,
        description=text_,
        carrier_code=code,
        location=Location(city=city, country="DE"),
        source=Source.CARRIER,
        source_name="dhl",
        observed_at=T0 + timedelta(hours=observed, days=1),
    )


def fetch(*events: TrackingEvent, hours: int = 0) -> ParcelUpdate:
    return ParcelUpdate(
        tracking_number="00340434161094042557",
        carrier="dhl",
        fetched_at=T0 + timedelta(days=1, hours=hours),
        source_name="dhl",
        events=tuple(events),
    )


def count(session: Session, table: str) -> int:
    return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent to SQLite while the block runs (to prove there is no N+1)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


__all__ = ["T0", "count", "fetch", "make_engine", "new_session", "scan", "statements"]
