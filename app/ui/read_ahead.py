"""Parcels read before they are opened: the rows a list shows, read while nobody waits, so
the click that opens one reads nothing (~2 of the ~10 ms a click takes the server in
tests/bench/ui.py, where the browser's work beside it makes the reads three times slower
than on their own).

A read holds while the store has not committed since it began (`app.store.commit_count`,
which every write of this process moves) and for at most MAX_AGE: another process writing
the same file is not counted, and a panel shows what it read anyway only until then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from app.store import commit_count
from app.ui.read_model import ParcelReads, Store, read_parcel
from app.ui.services import AppServices

MAX_AGE_S = 60.0
LIMIT = 300  # parcels held at most, the oldest read dropped first (a long list scrolled far)
# Once the browser has drawn the rows (a list's page takes it ~0.1-0.3 s here), a few at a
# time with a pause between: a click that comes meanwhile waits for one batch (~1-3 ms) at most.
AFTER_S = 0.5
BATCH = 3
PAUSE_S = 0.01


@dataclass(frozen=True, slots=True)
class _Held:
    commits: int  # commit_count() before the read began
    at: float
    reads: ParcelReads | None  # None: no such parcel


class ReadAhead:
    def __init__(self, *, limit: int = LIMIT, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._store: Store = None
        self._held: dict[str, _Held] = {}

    def read(self, store: Store, parcel_id: str) -> ParcelReads | None:
        """The parcel as stored now: held, else read (and held for the next time)."""
        held = self._valid(store, parcel_id)
        if held is None:
            held = self._read(store, parcel_id)
        return held.reads

    def read_ahead(self, store: Store, parcel_ids: Iterable[str]) -> int:
        """Read those not held; how many were read."""
        read = 0
        for parcel_id in parcel_ids:
            if self._valid(store, parcel_id) is None:
                self._read(store, parcel_id)
                read += 1
        return read

    def holds(self, store: Store, parcel_id: str) -> bool:
        return self._valid(store, parcel_id) is not None

    def _valid(self, store: Store, parcel_id: str) -> _Held | None:
        if store is not self._store:  # another store (the demo started): nothing holds
            self._store, self._held = store, {}
            return None
        held = self._held.get(parcel_id)
        if held is None:
            return None
        if held.commits != commit_count() or self.clock() - held.at > MAX_AGE_S:
            self._held.pop(parcel_id, None)
            return None
        return held

    def _read(self, store: Store, parcel_id: str) -> _Held:
        commits, at = commit_count(), self.clock()  # before the read: a commit during it voids it
        held = _Held(commits, at, read_parcel(store, parcel_id))
        self._held.pop(parcel_id, None)  # re-inserted last: the newest read is dropped last
        self._held[parcel_id] = held
        while len(self._held) > self.limit:
            self._held.pop(next(iter(self._held)), None)
        return held


def read_ahead_of(services: AppServices) -> ReadAhead:
    """The one every session of the app shares (made on first use: the server's start path
    does not import the store)."""
    if services.read_ahead is None:
        services.read_ahead = ReadAhead()
    ahead: ReadAhead = services.read_ahead
    return ahead


async def read_ahead_later(services: AppServices, parcel_ids: Sequence[str]) -> int:
    """Read the parcels not held yet, AFTER_S from now, BATCH at a time; how many were read."""
    await asyncio.sleep(AFTER_S)
    ahead, read = read_ahead_of(services), 0
    for start in range(0, len(parcel_ids), BATCH):
        store = services.store
        if store is None:
            break
        read += ahead.read_ahead(store, parcel_ids[start : start + BATCH])
        await asyncio.sleep(PAUSE_S)
    return read
