"""Each API's documented rate limit, enforced per credential like the real service.

The per-second window runs on the wall clock (clients really wait); the daily quota counts
sandbox-clock days, so a benchmark on an accelerated clock sees quotas reset as days pass.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    per_seconds: float
    daily: int | None = None


class RateLimiter:
    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self._daily: dict[tuple[str, str], int] = {}

    def check(self, key: str, now: datetime) -> float | None:
        """None if allowed (and counted), else seconds until a request may pass."""
        with self._lock:
            day = (key, now.date().isoformat())
            if self.limit.daily is not None and self._daily.get(day, 0) >= self.limit.daily:
                midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
                return (midnight.replace(tzinfo=now.tzinfo) - now).total_seconds()
            wall = time.monotonic()
            window = self._windows.setdefault(key, deque())
            while window and wall - window[0] >= self.limit.per_seconds:
                window.popleft()
            if len(window) >= self.limit.requests:
                return max(0.001, window[0] + self.limit.per_seconds - wall)
            window.append(wall)
            self._daily[day] = self._daily.get(day, 0) + 1
            return None
