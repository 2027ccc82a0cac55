"""The sandbox's notion of now: real time, or a clock a test or benchmark moves by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Real UTC time plus an offset; `freeze()` stops it so only `advance()` moves it."""

    def __init__(self, *, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at = frozen_at.astimezone(UTC) if frozen_at else None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            self._frozen_at = (at or datetime.now(UTC) + self._offset).astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
                return self._frozen_at
            self._offset += delta
            return datetime.now(UTC) + self._offset
