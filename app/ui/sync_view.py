"""The sync line above the list: what the sync engine is doing, in one short sentence.

The UI only reads a snapshot. `SyncStatusSource` is what the home screen needs from
`services.sync`; `snapshot_of` adapts whatever object the composition root hands in (the sync
engine's own status object, or anything shaped like `SyncSnapshot`), so the UI never depends on
the engine's internals. No flet import: testable anywhere.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from app.domain.when import relative_age
from app.ui.i18n import Lang, t
from app.ui.read_model import carrier_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CarrierFailure:
    carrier: str  # carrier id, e.g. "dhl"
    reason: str  # already in words, e.g. "Schlüssel ungültig"
    headline: str | None = None  # the whole line when the engine words it ("DHL: ...")


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the sync line needs, whoever produced it."""

    syncing: bool = False
    last_synced_at: datetime | None = None
    offline: bool = False
    failures: tuple[CarrierFailure, ...] = ()
    unrouted: tuple[str, ...] = ()  # carrier ids of open parcels that no account can track


@runtime_checkable
class SyncStatusSource(Protocol):
    """The part of the sync engine (app.sync.engine.SyncEngine) the home screen uses."""

    def snapshot(self) -> Any: ...  # app.sync.status.SyncSnapshot, or a SyncState


def snapshot_of(sync: object | None, lang: Lang = "de") -> SyncState | None:
    """The engine's current state as a SyncState; None when nothing syncs (no engine)."""
    if sync is None:
        return None
    call = getattr(sync, "snapshot", None) or getattr(sync, "status", None)
    if not callable(call):
        return None
    try:
        raw = call()
    except Exception:  # a broken status must not take the list down
        log.warning("sync status unavailable", exc_info=True)
        return None
    if raw is None or isinstance(raw, SyncState):
        return raw
    return _from_engine(raw, lang)


def _from_engine(raw: Any, lang: Lang) -> SyncState:
    """app.sync.status.SyncSnapshot: per-account statuses, each with a worded headline."""
    accounts = tuple(getattr(raw, "accounts", ()) or ())
    problems = tuple(getattr(raw, "problems", ()) or ())
    failures: list[CarrierFailure] = []
    for status in problems:
        headline = status.headline(lang) if callable(getattr(status, "headline", None)) else None
        failures.append(
            CarrierFailure(
                carrier=str(getattr(status, "carrier", "")),
                reason=str(getattr(status, "detail", "") or ""),
                headline=headline,
            )
        )
    # Offline: every account failed because its service could not be reached.
    unreachable = [a for a in problems if str(getattr(a, "problem", "")) == "unavailable"]
    offline = bool(accounts) and len(unreachable) == len(accounts)
    return SyncState(
        syncing=bool(getattr(raw, "syncing", False)),
        last_synced_at=getattr(raw, "last_synced_at", None),
        offline=offline,
        failures=() if offline else tuple(failures),
        unrouted=tuple(sorted(getattr(raw, "unrouted", ()) or ())),
    )


def untracked(sync: object | None, carrier: str) -> bool:
    """True only when the engine says no account can fetch this carrier (app.sync.engine's
    `tracks`); no engine, accounts not loaded yet, or a failing engine say nothing."""
    tracks = getattr(sync, "tracks", None)
    if not callable(tracks):
        return False
    try:
        return tracks(carrier) is False
    except Exception:  # a hint must not take Add down
        log.warning("asking the engine about %s failed", carrier, exc_info=True)
        return False


def request_sync(sync: object | None, parcel_ids: Iterable[str] = ()) -> bool:
    """Ask the engine to fetch these parcels now (or everything due); False without an engine.

    `refresh(ids)` is a coroutine on the engine: it is scheduled on the running loop (Flet's)
    and not awaited, so the button returns at once and the sync line shows the progress.
    """
    if sync is None:
        return False
    ids = list(parcel_ids)
    refresh = getattr(sync, "refresh", None)
    if callable(refresh) and ids:
        outcome = refresh(ids)
        if inspect.isawaitable(outcome):
            _keep(asyncio.ensure_future(outcome))
        return True
    wake = getattr(sync, "wake", None)
    if callable(wake):
        wake()
        return True
    return False


def announce_window(sync: object | None) -> None:
    """Tell the engine a window opened (news waiting for an in-app banner goes out now)."""
    window_opened = getattr(sync, "window_opened", None)
    if callable(window_opened):
        window_opened()


_RUNNING: set[asyncio.Future[Any]] = set()


def _keep(task: asyncio.Future[Any]) -> None:
    """Hold a reference until the task is done, or it may be collected mid-flight."""
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


@dataclass(frozen=True, slots=True)
class SyncLine:
    text: str
    tone: str  # "calm", "busy", "warn", "error"
    icon: str  # a name in ft.Icons


def sync_line(snapshot: SyncState | None, *, now: datetime, lang: Lang) -> SyncLine:
    """One line, the most important fact first: failing carriers, offline, syncing, age; then
    the carriers no account can track ("Kein Zugang für Royal Mail"), which never sync."""
    line = _state_line(snapshot, now=now, lang=lang)
    if snapshot is None or not snapshot.unrouted:
        return line
    names = ", ".join(sorted({carrier_name(c) for c in snapshot.unrouted}))
    unrouted = t(lang, "sync.no_account", carriers=names)
    said = snapshot.failures or snapshot.offline or snapshot.syncing or snapshot.last_synced_at
    if not said:  # nothing has synced yet: the reason is the news, not "not updated yet"
        return SyncLine(unrouted, "warn", "KEY_OFF_OUTLINED")
    return SyncLine(f"{line.text} · {unrouted}", line.tone, line.icon)


def _state_line(snapshot: SyncState | None, *, now: datetime, lang: Lang) -> SyncLine:
    if snapshot is None:
        return SyncLine(t(lang, "sync.never"), "calm", "SYNC")
    if snapshot.failures:
        parts = [
            f.headline or t(lang, "sync.failure", carrier=carrier_name(f.carrier), reason=f.reason)
            for f in snapshot.failures
        ]
        return SyncLine(" · ".join(parts), "error", "ERROR_OUTLINE")
    if snapshot.offline:
        return SyncLine(t(lang, "sync.offline"), "warn", "CLOUD_OFF")
    if snapshot.syncing:
        return SyncLine(t(lang, "sync.syncing"), "busy", "SYNC")
    if snapshot.last_synced_at is not None:
        age = relative_age(snapshot.last_synced_at, now=now, language=lang)
        return SyncLine(t(lang, "sync.synced", age=age), "calm", "CLOUD_DONE")
    return SyncLine(t(lang, "sync.never"), "calm", "SYNC")
