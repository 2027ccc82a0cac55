"""Per carrier account sync status: what the UI shows instead of an exception.

`SyncStatus` is immutable; the engine replaces an account's status as things happen and hands
out a `SyncSnapshot` of all of them. `headline(language)` is the one line the UI shows, e.g.
"DHL: Schlüssel ungültig" / "DHL: key invalid".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.domain.models import ProblemKind

__all__ = ["SyncPhase", "SyncSnapshot", "SyncStatus", "reason_text"]


class SyncPhase(StrEnum):
    IDLE = "idle"  # nothing fetched yet in this run
    OK = "ok"
    FAILING = "failing"  # the last request failed as a whole (key invalid, service down ...)
    RATE_LIMITED = "rate_limited"  # waiting for Retry-After or a backoff
    CIRCUIT_OPEN = "circuit_open"  # paused after repeated failures
    QUOTA_EXHAUSTED = "quota_exhausted"  # the daily quota is used up


# (Deutsch, English), after "<Carrier>: "
_REASONS: dict[str, tuple[str, str]] = {
    ProblemKind.AUTH_FAILED: ("Schlüssel ungültig", "key invalid"),
    ProblemKind.NO_ACCOUNT: ("kein Zugang eingerichtet", "no access set up"),
    ProblemKind.RATE_LIMITED: ("zu viele Anfragen", "too many requests"),
    ProblemKind.UNAVAILABLE: ("Dienst nicht erreichbar", "service unavailable"),
    ProblemKind.BAD_RESPONSE: ("unlesbare Antwort", "unreadable answer"),
    ProblemKind.NOT_FOUND: ("Sendung nicht gefunden", "parcel not found"),
    ProblemKind.INVALID_NUMBER: ("ungültige Sendungsnummer", "invalid tracking number"),
    ProblemKind.PRE_TRANSIT: ("noch keine Daten", "no data yet"),
    SyncPhase.CIRCUIT_OPEN: (
        "pausiert nach wiederholten Fehlern",
        "paused after repeated failures",
    ),
    SyncPhase.QUOTA_EXHAUSTED: ("Tageskontingent aufgebraucht", "daily quota used up"),
    SyncPhase.RATE_LIMITED: ("wartet auf den Anbieter", "waiting for the carrier"),
}


def reason_text(reason: str, language: str) -> str:
    german, english = _REASONS.get(reason, ("Fehler", "error"))
    return german if language.lower().startswith("de") else english


@dataclass(frozen=True, slots=True)
class SyncStatus:
    account_id: str
    carrier: str
    display_name: str  # "DHL", or the account's own label
    phase: SyncPhase = SyncPhase.IDLE  # the outcome of the last attempt
    syncing: bool = False  # a fetch is running right now
    last_synced_at: datetime | None = None  # the last request that got an answer
    last_attempt_at: datetime | None = None
    problem: ProblemKind | None = None  # why the last request failed as a whole
    detail: str | None = None  # the carrier's specific message (no secrets)
    rate_limited_until: datetime | None = None
    circuit_open_until: datetime | None = None
    quota_left: int | None = None
    quota_total: int | None = None
    stretch: float = 1.0  # > 1 while a tight daily quota stretches the poll intervals

    @property
    def failing(self) -> bool:
        return self.phase in (
            SyncPhase.FAILING,
            SyncPhase.CIRCUIT_OPEN,
            SyncPhase.QUOTA_EXHAUSTED,
            SyncPhase.RATE_LIMITED,
        )

    def headline(self, language: str = "de") -> str | None:
        """ "DHL: Schlüssel ungültig"; None while all is well."""
        if self.phase in (SyncPhase.IDLE, SyncPhase.OK):
            return None
        if self.phase is SyncPhase.FAILING and self.problem is not None:
            reason = reason_text(self.problem, language)
        else:
            reason = reason_text(self.phase, language)
        return f"{self.display_name}: {reason}"


@dataclass(frozen=True, slots=True)
class SyncSnapshot:
    accounts: tuple[SyncStatus, ...] = ()
    unrouted: frozenset[str] = field(default_factory=frozenset)  # carriers without an account

    @property
    def syncing(self) -> bool:
        return any(a.syncing for a in self.accounts)

    @property
    def last_synced_at(self) -> datetime | None:
        times = [a.last_synced_at for a in self.accounts if a.last_synced_at]
        return max(times) if times else None

    @property
    def problems(self) -> tuple[SyncStatus, ...]:
        return tuple(a for a in self.accounts if a.failing)

    def account(self, account_id: str) -> SyncStatus | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)
