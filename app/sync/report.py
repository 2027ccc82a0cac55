"""What one sync round did: per parcel the outcome, the parcels skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.models import ProblemKind
from app.domain.status import Status

__all__ = ["ParcelOutcome", "SyncReport"]


@dataclass(frozen=True, slots=True)
class ParcelOutcome:
    parcel_id: str
    rows_written: int  # by the one apply transaction (SQLite's count)
    outbox_added: int
    status: Status
    problem: ProblemKind | None = None


@dataclass
class SyncReport:
    outcomes: dict[str, ParcelOutcome] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # parcel id -> why it was not fetched
    requests: int = 0

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(p for p, o in self.outcomes.items() if o.rows_written)

    def merge(self, other: SyncReport) -> None:
        self.outcomes.update(other.outcomes)
        self.skipped.update(other.skipped)
        self.requests += other.requests
