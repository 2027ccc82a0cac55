"""Faults the sandbox injects at `--fault-rate`, drawn from a seeded generator."""

from __future__ import annotations

import random
import threading
from enum import StrEnum


class Fault(StrEnum):
    RATE_LIMIT_WITH_RETRY_AFTER = "429_retry_after"
    RATE_LIMIT_WITHOUT_RETRY_AFTER = "429_plain"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    TIMEOUT = "timeout"  # answers only after the client has given up
    SLOW_BODY = "slow_body"  # headers at once, the body trickles in
    TRUNCATED_JSON = "truncated_json"
    HTML_ERROR_PAGE = "html_200"
    EXPIRED_TOKEN = "expired_token"  # noqa: S105  (OAuth: a valid token is refused once)
    CHANGED_TEXT = "changed_text"  # an already-sent event comes back with new wording


class FaultPlan:
    """Chooses a fault for a request, or None. Thread-safe and reproducible for a seed."""

    def __init__(
        self,
        rate: float = 0.0,
        *,
        seed: int | None = None,
        kinds: tuple[Fault, ...] = tuple(Fault),
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        self.rate = rate
        self.kinds = kinds
        self._rng = random.Random(seed)  # noqa: S311  (test traffic, not cryptography)
        self._lock = threading.Lock()
        self.injected: dict[Fault, int] = {}

    def draw(self, *, oauth: bool) -> Fault | None:
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            choices = [k for k in self.kinds if oauth or k is not Fault.EXPIRED_TOKEN]
            fault = self._rng.choice(choices)
            self.injected[fault] = self.injected.get(fault, 0) + 1
            return fault

    def retry_after_seconds(self) -> int:
        with self._lock:
            return self._rng.randint(1, 3)
