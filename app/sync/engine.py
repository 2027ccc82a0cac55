"""The sync engine: due parcels -> per-account batches -> fetch -> merge -> ONE transaction.

One update, end to end (ARCHITECTURE.md "The flow of one update"):
1. Due parcels (`app.sync.schedule.next_check_at`, stretched when a daily quota is tight) are
   routed to an account: the carrier's own account, else an aggregator account (AfterShip,
   17TRACK) with `hints={number: carrier}`. Parcels nobody can track get a problem, no request.
2. Per account, parcels are batched by the adapter's `batch_limit`, out-for-delivery and
   ETA-today parcels first. Every batch passes the account's `AccountGate` (rate, concurrency,
   daily quota, Retry-After, backoff, circuit breaker). Accounts run concurrently and never
   wait on each other's gates; each batch is written as soon as it is answered.
3. Per parcel, ONE transaction (a `new_session(write=True)`: BEGIN IMMEDIATE) reads the stored
   events and state, derives the state before and after, detects the changes, and
   `apply_update` writes events, state and one outbox row per new change, then commits. A
   re-fetch with nothing new writes no row. The same transaction records the fetch time
   (`last_checked_at`, not counted as a written row).
4. Failures become state: a per-number error is stored on the parcel (`problem`,
   `problem_detail`); a failure of the whole request also sets the account's `SyncStatus`.
   A per-number 429 or outage in an otherwise answered batch is not the parcel's problem: it
   is neither stored nor counted as a check (the parcel stays due), and it feeds the gate.
   Silence for `EXPIRY_DAYS` is persisted as `expired` (and announced) on either path.
5. The dispatcher is kicked to drain the outbox, and `on_changed` is called with the ids of
   the parcels whose stored data changed.

API for the UI (build it with `build_sync(...)`):
- `await engine.run()`: the background loop (start with `page.run_task(engine.run)`);
- `await engine.refresh(ids)`: fetch now (opened, pulled to refresh), bypassing the schedule
  but not the gates; `engine.wake()`: look for due parcels now (e.g. after adding one);
- `engine.snapshot()` -> `SyncSnapshot` (per-account `SyncStatus`, `.headline(lang)`);
- `on_changed(frozenset[parcel id])` and `on_status(SyncSnapshot)` callbacks;
- `await engine.reload_accounts()` after a key was saved or removed; `await engine.aclose()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.carriers.base import ParseResult, TrackingError
from app.domain.changes import Change, ChangeKind, detect_changes
from app.domain.merge import merge_events
from app.domain.models import Parcel, ParcelUpdate, ProblemKind
from app.domain.stall import HANDOVER_DAYS
from app.domain.state import ParcelState, derive_state
from app.domain.status import TERMINAL, Status
from app.store import (
    NotFoundError,
    apply_update,
    get_parcel,
    get_setting,
    list_events,
    list_parcels,
    new_session,
    set_setting,
)
from app.sync.accounts import AccountRuntime
from app.sync.announce import outbox_entries
from app.sync.limiter import AccountGate, CircuitOpen, QuotaExhausted
from app.sync.schedule import PollPolicy, next_check_at
from app.sync.status import SyncPhase, SyncSnapshot, SyncStatus

__all__ = ["AccountLoader", "ParcelOutcome", "SyncEngine", "SyncReport", "build_sync"]

log = logging.getLogger(__name__)

ChangedListener = Callable[[frozenset[str]], None]
StatusListener = Callable[[SyncSnapshot], None]

# Whole-request failures that say something about the account, not the parcel.
_ACCOUNT_KINDS = frozenset(
    {
        ProblemKind.AUTH_FAILED,
        ProblemKind.RATE_LIMITED,
        ProblemKind.UNAVAILABLE,
        ProblemKind.BAD_RESPONSE,
    }
)
# Per-number errors that say "not now" rather than anything about the parcel: the parcel is
# neither stored with the problem nor marked as checked (it stays due), and the gate hears it.
_RETRY_KINDS = frozenset({ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE})
# No quiet hours, no jitter: the plain interval, for estimating a day's demand.
_PLAIN = PollPolicy(jitter=0.0, day_starts=time(0, 0), quiet_from=time(23, 59, 59, 999999))
MAX_STRETCH = 24.0
QUOTA_KEY = "sync.quota_used."  # + account id -> "YYYY-MM-DD:N"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _key(number: str) -> str:
    return "".join(number.split()).upper()


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


def is_priority(parcel: Parcel, today: date) -> bool:
    """Out for delivery, or expected today: first in line and last to be stretched."""
    if parcel.status is Status.OUT_FOR_DELIVERY:
        return True
    return (
        parcel.estimate is not None
        and parcel.status not in TERMINAL
        and parcel.estimate.day <= today <= parcel.estimate.last_day
    )


AccountLoader = Callable[[], Awaitable[Sequence[AccountRuntime]]]


class SyncEngine:
    def __init__(
        self,
        store: Any,
        accounts: Sequence[AccountRuntime] = (),
        *,
        account_loader: AccountLoader | None = None,
        clock: Callable[[], datetime] = _utc_now,
        zone: str = "Europe/Berlin",
        on_changed: ChangedListener | None = None,
        on_status: StatusListener | None = None,
        dispatcher: Any = None,  # an app.notify.dispatcher.Dispatcher
        policy: PollPolicy | None = None,
        max_gate_wait: float = 5.0,
        quota_reserve: int = 10,
        idle_poll: float = 60.0,
    ) -> None:
        """`accounts` now, or an `account_loader` awaited on first use and by
        `reload_accounts()` (the keychain is async; keys change in the settings)."""
        self._store = store
        self._loader = account_loader
        self._loaded = account_loader is None
        self._clock = clock
        self._zone = zone
        self.on_changed = on_changed
        self.on_status = on_status
        self._dispatcher = dispatcher
        self._policy = policy or PollPolicy()
        self._max_gate_wait = max_gate_wait
        self._quota_reserve = quota_reserve
        self._idle_poll = idle_poll
        self._accounts: list[AccountRuntime] = []
        self._by_carrier: dict[str, AccountRuntime] = {}
        self._aggregators: list[AccountRuntime] = []
        self._status: dict[str, SyncStatus] = {}
        self._stretch: dict[str, tuple[float, float]] = {}  # account -> (priority, others)
        self._quota_day: dict[str, date] = {}
        self._unrouted: set[str] = set()
        # Aggregators: numbers each account's client has registered (it does so once per
        # client, in memory), so a batch with a new number costs a second gate slot.
        self._registered: dict[str, set[str]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._running = False
        self._set_accounts(accounts)

    def _set_accounts(self, accounts: Sequence[AccountRuntime]) -> None:
        self._accounts = list(accounts)
        self._registered = {}  # new runtimes, new clients: nothing registered through them yet
        self._by_carrier = {}
        self._aggregators = []
        for account in self._accounts:
            if account.aggregator:
                self._aggregators.append(account)
            self._by_carrier.setdefault(account.carrier, account)
        self._status = {
            a.account_id: self._status.get(a.account_id)
            or SyncStatus(a.account_id, a.carrier, a.display_name)
            for a in self._accounts
        }
        self._load_quota_usage()

    async def _ensure_accounts(self) -> None:
        if not self._loaded:
            await self.reload_accounts()

    async def reload_accounts(self) -> None:
        """Build the accounts again (a key was saved or removed in the settings).

        The old clients are closed; a running `run()` restarts its per-account loops.
        """
        if self._loader is None:
            return
        accounts = list(await self._loader())
        self._loaded = True
        old = self._accounts
        for task in self._loops.values():
            task.cancel()
        if self._loops:
            await asyncio.gather(*self._loops.values(), return_exceptions=True)
        self._loops = {}
        self._set_accounts(accounts)
        for account in old:
            with contextlib.suppress(Exception):
                await account.client.aclose()
        if self._running:
            self._start_loops()
        if self.on_status is not None:
            with contextlib.suppress(Exception):
                self.on_status(self.snapshot())

    def _start_loops(self) -> None:
        for account in self._accounts:
            self._wake[account.account_id] = asyncio.Event()
            self._loops[account.account_id] = asyncio.create_task(
                self._account_loop(account), name=f"sync-{account.account_id}"
            )

    # ---------------------------------------------------------------- public API ----------
    @property
    def accounts(self) -> tuple[AccountRuntime, ...]:
        return tuple(self._accounts)

    def snapshot(self) -> SyncSnapshot:
        return SyncSnapshot(
            accounts=tuple(self._status[a.account_id] for a in self._accounts),
            unrouted=frozenset(self._unrouted),
        )

    def route(self, parcel: Parcel) -> tuple[AccountRuntime, str | None] | None:
        """The account that tracks `parcel`, and the carrier hint for an aggregator."""
        direct = self._by_carrier.get(parcel.carrier)
        if direct is not None:
            return direct, None
        if self._aggregators:
            return self._aggregators[0], parcel.carrier
        return None

    async def sync_due(self) -> SyncReport:
        """One round: every account fetches its due parcels, all accounts concurrently."""
        await self._ensure_accounts()
        now = self._clock()
        due, unrouted = self._due(now)
        report = self._mark_unrouted(unrouted, now, every=True)
        reports = await asyncio.gather(
            *(
                self._sync_account(a, due[a.account_id], forced=False)
                for a in self._accounts
                if a.account_id in due
            )
        )
        for part in reports:
            report.merge(part)
        return report

    async def refresh(self, parcel_ids: Iterable[str]) -> SyncReport:
        """Fetch these parcels now (opened, pulled to refresh), whatever the schedule says.

        The account's gate still applies: a Retry-After, open circuit or used-up quota leaves
        the parcel as it is, with the reason in `SyncReport.skipped` and the account status.
        """
        await self._ensure_accounts()
        now = self._clock()
        report = SyncReport()
        groups: dict[str, list[tuple[Parcel, str | None]]] = {}
        runtimes: dict[str, AccountRuntime] = {}
        unrouted: list[Parcel] = []
        with new_session(self._store) as session:
            for parcel_id in dict.fromkeys(parcel_ids):
                try:
                    parcel = get_parcel(session, parcel_id=parcel_id)
                except NotFoundError:
                    report.skipped[parcel_id] = "unknown parcel"
                    continue
                routed = self.route(parcel)
                if routed is None:
                    unrouted.append(parcel)
                    continue
                account, hint = routed
                runtimes[account.account_id] = account
                groups.setdefault(account.account_id, []).append((parcel, hint))
        report.merge(self._mark_unrouted(unrouted, now, every=False))
        reports = await asyncio.gather(
            *(
                self._sync_account(runtimes[aid], items, forced=True)
                for aid, items in groups.items()
            )
        )
        for part in reports:
            report.merge(part)
        return report

    async def run(self) -> None:
        """The background loop: one task per account (so none waits on another), the outbox
        dispatcher, and parcels without an account. Runs until cancelled."""
        await self._ensure_accounts()
        tasks: list[asyncio.Task[None]] = []
        if self._dispatcher is not None:
            tasks.append(asyncio.create_task(self._dispatcher.run(), name="outbox"))
        tasks.append(asyncio.create_task(self._unrouted_loop(), name="sync-unrouted"))
        self._running = True
        self._start_loops()
        try:
            await asyncio.gather(*tasks)
        finally:
            self._running = False
            loops = list(self._loops.values())
            self._loops = {}
            for task in [*tasks, *loops]:
                task.cancel()
            await asyncio.gather(*tasks, *loops, return_exceptions=True)

    def next_due_at(
        self, now: datetime, *, account: AccountRuntime | None = None
    ) -> datetime | None:
        """The earliest moment one of the parcels (of `account`, else of any account) is due,
        as the background loop sees it; it may lie before `now` (due already). None when no
        routed parcel will ever be due again (none, or all in a final state)."""
        with new_session(self._store) as session:
            parcels = list_parcels(session)
        earliest: datetime | None = None
        for parcel in parcels:
            if parcel.status in TERMINAL:
                continue
            routed = self.route(parcel)
            if routed is None or (account is not None and routed[0] is not account):
                continue
            due = self._due_at(routed[0], parcel, now)
            if due is not None and (earliest is None or due < earliest):
                earliest = due
        return earliest

    def wake(self) -> None:
        """New parcels or settings: look for due parcels now instead of at the next tick."""
        for event in self._wake.values():
            event.set()

    async def aclose(self) -> None:
        for account in self._accounts:
            with contextlib.suppress(Exception):
                await account.client.aclose()

    # ---------------------------------------------------------------- scheduling ----------
    def _today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self._zone)).date()

    def _due(
        self, now: datetime, only: AccountRuntime | None = None
    ) -> tuple[dict[str, list[tuple[Parcel, str | None]]], list[Parcel]]:
        with new_session(self._store) as session:
            parcels = list_parcels(session)
        grouped: dict[str, list[tuple[Parcel, str | None]]] = {}
        runtimes: dict[str, AccountRuntime] = {}
        unrouted: list[Parcel] = []
        for parcel in parcels:
            if parcel.status in TERMINAL:
                continue
            routed = self.route(parcel)
            if routed is None:
                unrouted.append(parcel)
                continue
            account, hint = routed
            if only is not None and account is not only:
                continue
            runtimes[account.account_id] = account
            grouped.setdefault(account.account_id, []).append((parcel, hint))
        due: dict[str, list[tuple[Parcel, str | None]]] = {}
        for account_id, items in grouped.items():
            account = runtimes[account_id]
            self._update_stretch(account, [p for p, _ in items], now)
            ready = [(p, h) for p, h in items if self._is_due(account, p, now)]
            if ready:
                due[account_id] = ready
        return due, unrouted

    def _due_at(self, account: AccountRuntime, parcel: Parcel, now: datetime) -> datetime | None:
        if parcel.last_checked_at is None:
            return now  # never fetched: at once
        # The jitter is drawn once per check, so the due time does not wobble between ticks.
        rng = random.Random(f"{parcel.id}|{parcel.last_checked_at.isoformat()}")  # noqa: S311
        base = next_check_at(parcel, now=now, zone=self._zone, policy=self._policy, rng=rng)
        if base is None:
            return None
        priority, others = self._stretch.get(account.account_id, (1.0, 1.0))
        factor = priority if is_priority(parcel, self._today(now)) else others
        if factor <= 1.0:
            return base
        return parcel.last_checked_at + (base - parcel.last_checked_at) * factor

    def _is_due(self, account: AccountRuntime, parcel: Parcel, now: datetime) -> bool:
        due = self._due_at(account, parcel, now)
        return due is not None and due <= now

    def _update_stretch(
        self, account: AccountRuntime, parcels: list[Parcel], now: datetime
    ) -> None:
        """Spread a daily quota over the rest of the day: stretch intervals when it is tight.

        Demand is what the normal intervals would ask until local midnight (requests, batches
        counted). Priority parcels (out for delivery, ETA today) keep their pace as long as the
        budget holds them; the others share what is left.
        """
        self._roll_quota_day(account, now)
        left = account.gate.quota_left()
        if left is None:
            self._stretch[account.account_id] = (1.0, 1.0)
            return
        zone = ZoneInfo(self._zone)
        local = now.astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        remaining = max(0.0, (midnight - local).total_seconds())
        today = local.date()
        priority = others = 0.0
        for parcel in parcels:
            probe = replace(parcel, last_checked_at=now)
            nxt = next_check_at(probe, now=now, zone=self._zone, policy=_PLAIN)
            if nxt is None:
                continue
            interval = max(60.0, (nxt - now).total_seconds())
            calls = remaining / interval / max(1, account.batch_limit)
            if is_priority(parcel, today):
                priority += calls
            else:
                others += calls
        budget = max(0.0, float(left - self._quota_reserve))
        if priority + others <= budget:
            stretch = (1.0, 1.0)
        elif priority <= budget:
            spare = budget - priority
            stretch = (1.0, min(MAX_STRETCH, others / spare) if spare > 0 else MAX_STRETCH)
        else:
            stretch = (min(MAX_STRETCH, priority / budget) if budget else MAX_STRETCH, MAX_STRETCH)
        self._stretch[account.account_id] = stretch
        self._set_status(account, stretch=max(stretch))

    def _roll_quota_day(self, account: AccountRuntime, now: datetime) -> None:
        today = self._today(now)
        day = self._quota_day.get(account.account_id)
        if day is None:
            self._quota_day[account.account_id] = today
        elif day != today:
            account.gate.new_day()
            self._quota_day[account.account_id] = today

    def _load_quota_usage(self) -> None:
        """A restart must not forget what today's requests already used of a daily quota."""
        today = self._today(self._clock())
        with new_session(self._store) as session:
            for account in self._accounts:
                if account.gate.limits.daily_quota is None:
                    continue
                stored = get_setting(session, key=QUOTA_KEY + account.account_id) or ""
                day, _, used = stored.partition(":")
                if day == today.isoformat() and used.isdigit():
                    account.gate.used_today = max(account.gate.used_today, int(used))
                self._quota_day[account.account_id] = today

    def _save_quota_usage(self, account: AccountRuntime) -> None:
        if account.gate.limits.daily_quota is None:
            return
        day = self._quota_day.get(account.account_id) or self._today(self._clock())
        value = f"{day.isoformat()}:{account.gate.used_today}"
        with new_session(self._store, write=True) as session:
            set_setting(session, key=QUOTA_KEY + account.account_id, value=value)

    # ---------------------------------------------------------------- loops ---------------
    async def _account_loop(self, account: AccountRuntime) -> None:
        wake = self._wake[account.account_id]
        while True:
            try:
                now = self._clock()
                due, _ = self._due(now, only=account)
                items = due.get(account.account_id)
                if items:
                    await self._sync_account(account, items, forced=False)
            except Exception:
                log.exception("sync of account %s failed; trying again later", account.account_id)
            delay = self._next_tick(account)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)
            wake.clear()

    def _next_tick(self, account: AccountRuntime) -> float:
        """Sleep until the next parcel is due (or the gate opens), between 1 s and `idle_poll`."""
        now = self._clock()
        wait = self._idle_poll
        due = self.next_due_at(now, account=account)
        if due is not None:
            wait = min(wait, (due - now).total_seconds())
        status = self._status[account.account_id]
        for until in (status.rate_limited_until, status.circuit_open_until):
            if until is not None and until > now:
                wait = max(wait, (until - now).total_seconds())
        if status.phase is SyncPhase.QUOTA_EXHAUSTED:
            wait = self._idle_poll  # nothing to do before the quota grows back (or midnight)
        return max(1.0, min(self._idle_poll, wait))

    async def _unrouted_loop(self) -> None:
        while True:
            try:
                now = self._clock()
                _, unrouted = self._due(now)
                self._mark_unrouted(unrouted, now, every=True)
            except Exception:
                log.exception("checking parcels without an account failed")
            await asyncio.sleep(self._idle_poll * 10)

    # ---------------------------------------------------------------- fetching ------------
    def _set_status(self, account: AccountRuntime, **changes: Any) -> None:
        current = self._status[account.account_id]
        gate = account.gate
        updated = replace(
            current,
            quota_left=gate.quota_left(),
            quota_total=gate.limits.daily_quota,
            **changes,
        )
        if updated != current:
            self._status[account.account_id] = updated
            if self.on_status is not None:
                try:
                    self.on_status(self.snapshot())
                except Exception:
                    log.exception("on_status listener failed")

    def _gate_refusal(self, account: AccountRuntime, now: datetime, *, forced: bool) -> str | None:
        """Why the account must not be asked now (and its status says so), or None."""
        gate = account.gate
        left = gate.quota_left()
        if left is not None and (left <= 0 or (not forced and left <= self._quota_reserve)):
            self._set_status(account, phase=SyncPhase.QUOTA_EXHAUSTED)
            return "daily quota used up"
        if gate.circuit_open:
            return "circuit open"
        wait = max(gate.ready_in(), _client_wait(account))
        if wait > self._max_gate_wait + 1.0 / gate.limits.rate_per_second:
            until = now + timedelta(seconds=wait)
            self._set_status(account, phase=SyncPhase.RATE_LIMITED, rate_limited_until=until)
            return "waiting for the carrier (Retry-After or backoff)"
        return None

    async def _sync_account(
        self,
        account: AccountRuntime,
        items: list[tuple[Parcel, str | None]],
        *,
        forced: bool,
    ) -> SyncReport:
        report = SyncReport()
        now = self._clock()
        self._roll_quota_day(account, now)
        refusal = self._gate_refusal(account, now, forced=forced)
        if refusal is not None:
            report.skipped.update(dict.fromkeys((p.id for p, _ in items), refusal))
            return report
        today = self._today(now)
        ordered = sorted(items, key=lambda item: not is_priority(item[0], today))
        size = max(1, account.batch_limit)
        chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
        self._set_status(account, syncing=True)
        try:
            if account.aggregator:  # its client keeps per-call hints: one call at a time
                parts = [await self._fetch_chunk(account, chunk) for chunk in chunks]
            else:
                parts = list(await asyncio.gather(*(self._fetch_chunk(account, c) for c in chunks)))
        finally:
            self._set_status(account, syncing=False)
            self._save_quota_usage(account)
        for part in parts:
            report.merge(part)
        return report

    async def _fetch_chunk(
        self, account: AccountRuntime, chunk: list[tuple[Parcel, str | None]]
    ) -> SyncReport:
        report = SyncReport()
        gate = account.gate
        ids = [p.id for p, _ in chunk]
        numbers = [p.tracking_number for p, _ in chunk]
        registered = self._registered.setdefault(account.account_id, set())
        # An aggregator registers numbers it has not seen before reading them: two requests.
        fresh = account.registers and any(_key(n) not in registered for n in numbers)
        try:
            await _acquire(gate, 2 if fresh else 1)
        except CircuitOpen as exc:
            until = self._clock() + timedelta(seconds=exc.retry_in)
            self._set_status(account, phase=SyncPhase.CIRCUIT_OPEN, circuit_open_until=until)
            report.skipped.update(dict.fromkeys(ids, "circuit open"))
            return report
        except QuotaExhausted:
            self._set_status(account, phase=SyncPhase.QUOTA_EXHAUSTED)
            report.skipped.update(dict.fromkeys(ids, "daily quota used up"))
            return report
        try:
            hints = {p.tracking_number: h for p, h in chunk if h}
            result = await account.client.track(numbers, hints=hints or None)
        except Exception as exc:  # track() should never raise; if it does, the batch failed
            log.exception("tracking client of %s raised", account.account_id)
            error = TrackingError(
                ProblemKind.BAD_RESPONSE, f"internal error ({type(exc).__name__})"
            )
            result = ParseResult(errors=tuple(replace(error, tracking_number=n) for n in numbers))
        finally:
            gate.release()
        report.requests += 1
        now = self._clock()
        whole = self._account_outcome(account, chunk, result, now)
        updates, errors = _match(chunk, result)
        retry: list[TrackingError] = []
        for parcel, _ in chunk:
            # The carrier answered for this number: the check counts (recorded in the apply's
            # own transaction). A whole-batch failure is stored, but the parcel stays due.
            checked = now if whole is None or parcel.id in updates else None
            if parcel.id in updates:
                registered.add(_key(parcel.tracking_number))
                outcome = self._store_update(parcel.id, updates[parcel.id], None, now, checked)
            elif parcel.id in errors:
                error = errors[parcel.id]
                if whole is None and error.kind in _RETRY_KINDS:
                    # One number throttled (or its request failed) in an answered batch: not
                    # the parcel's problem. Leave it due, unchanged, for the next round.
                    retry.append(error)
                    report.skipped[parcel.id] = error.message
                    continue
                outcome = self._store_update(parcel.id, None, error, now, checked)
            else:
                continue
            if outcome is None:
                continue
            report.outcomes[parcel.id] = outcome
        if whole is None:
            if retry:
                _feed_gate(gate, retry)
            else:
                gate.succeeded()
        self._announce(report)
        return report

    def _account_outcome(
        self,
        account: AccountRuntime,
        chunk: list[tuple[Parcel, str | None]],
        result: ParseResult,
        now: datetime,
    ) -> TrackingError | None:
        """The account status (and the gate, if the whole batch failed); returns that error."""
        gate = account.gate
        numbers = {_key(p.tracking_number) for p, _ in chunk}
        failed = {_key(e.tracking_number) for e in result.errors if e.tracking_number}
        whole: TrackingError | None = None
        if not result.parcels and numbers <= failed:
            kinds = {e.kind for e in result.errors}
            if len(kinds) == 1 and next(iter(kinds)) in _ACCOUNT_KINDS:
                whole = result.errors[0]
        if whole is None:  # `_fetch_chunk` tells the gate (per-number 429s may slow it)
            self._set_status(
                account,
                phase=SyncPhase.OK,
                last_synced_at=now,
                last_attempt_at=now,
                problem=None,
                detail=None,
                rate_limited_until=None,
                circuit_open_until=None,
            )
            return None
        if whole.kind is ProblemKind.RATE_LIMITED:
            gate.rate_limited(whole.retry_after)
            wait = max(gate.ready_in(), whole.retry_after or 0.0)
            self._set_status(
                account,
                phase=SyncPhase.RATE_LIMITED,
                last_attempt_at=now,
                problem=whole.kind,
                detail=whole.message,
                rate_limited_until=now + timedelta(seconds=wait),
            )
            return whole
        gate.failed(whole.retry_after)
        until: datetime | None = None
        if gate.circuit_open:
            until = now + timedelta(seconds=gate.limits.circuit_cooldown)
            phase = SyncPhase.CIRCUIT_OPEN
        else:
            phase = SyncPhase.FAILING
        self._set_status(
            account,
            phase=phase,
            last_attempt_at=now,
            problem=whole.kind,
            detail=whole.message,
            circuit_open_until=until,
        )
        return whole

    # ---------------------------------------------------------------- storing -------------
    def _store_update(
        self,
        parcel_id: str,
        update: ParcelUpdate | None,
        error: TrackingError | None,
        now: datetime,
        checked_at: datetime | None = None,
    ) -> ParcelOutcome | None:
        """ONE transaction: read events + state, derive, detect, write events/state/outbox,
        and the fetch time (`checked_at`, when given)."""
        try:
            with new_session(self._store, write=True) as session:
                parcel = get_parcel(session, parcel_id=parcel_id)
                stored = list_events(session, parcel_id=parcel_id)
                return self._apply(session, parcel, stored, update, error, now, checked_at)
        except NotFoundError:
            return None  # deleted while it was being fetched
        except Exception:
            log.exception("storing the update of parcel %s failed; nothing was written", parcel_id)
            return None

    def _apply(
        self,
        session: Any,
        parcel: Parcel,
        stored: Sequence[Any],
        update: ParcelUpdate | None,
        error: TrackingError | None,
        now: datetime,
        checked_at: datetime | None = None,
    ) -> ParcelOutcome:
        # Without stored events, the stored status came from a carrier's headline: keep it.
        hint = None if stored else parcel.status
        sub_hint = None if stored else parcel.sub_status
        before = derive_state(
            stored,
            now=parcel.last_checked_at or parcel.created_at or now,
            carrier=parcel.carrier,
            tracked_since=parcel.created_at,
            status_hint=hint,
            sub_status_hint=sub_hint,
        )
        if update is None:
            update = ParcelUpdate(
                tracking_number=parcel.tracking_number, carrier=parcel.carrier, fetched_at=now
            )
        events = merge_events(stored, update.events).events
        after = derive_state(
            events,
            now=now,
            carrier=parcel.carrier,
            tracked_since=parcel.created_at,
            status_hint=update.status_hint or hint,
            sub_status_hint=update.sub_status_hint if update.status_hint else sub_hint,
        )
        if error is None:
            estimate = update.estimate
            pod = update.proof_of_delivery or (
                parcel.proof_of_delivery if after.status is Status.DELIVERED else None
            )
            code = update.carrier_status_code or (
                after.last_event.carrier_code if after.last_event else None
            )
            problem, detail = update.problem, update.problem_detail
        else:
            estimate, pod, code = (
                parcel.estimate,
                parcel.proof_of_delivery,
                parcel.carrier_status_code,
            )
            problem, detail = error.kind, error.message
        changes = _handover_overdue(
            detect_changes(
                before,
                after,
                before_estimate=parcel.estimate,
                after_estimate=estimate,
                parcel_id=parcel.id,
            ),
            parcel,
            before,
            after,
            now,
        )
        result = apply_update(
            session,
            parcel_id=parcel.id,
            update=update,
            status=after.status,
            sub_status=after.sub_status,
            carrier_status_code=code,
            estimate=estimate,
            location=after.location,
            last_event_at=after.last_event_at,
            last_event_text=after.last_event.description if after.last_event else None,
            problem=problem,
            problem_detail=detail,
            proof_of_delivery=pod,
            changed_at=now,
            changes=outbox_entries(changes, parcel, now=now, proof_of_delivery=pod),
            checked_at=checked_at,
        )
        return ParcelOutcome(
            parcel_id=parcel.id,
            rows_written=result.rows_written,
            outbox_added=result.outbox_added,
            status=after.status,
            problem=problem,
        )

    def _mark_unrouted(self, parcels: list[Parcel], now: datetime, *, every: bool) -> SyncReport:
        """Parcels no account can track: say so on the parcel (and expire them in time).

        `every`: these are all such parcels (a full round), so the snapshot lists exactly
        their carriers; otherwise they are added to it.
        """
        report = SyncReport()
        carriers = {p.carrier for p in parcels}
        self._unrouted = carriers if every else self._unrouted | carriers
        for parcel in parcels:
            error = TrackingError(
                ProblemKind.AUTH_FAILED,
                f"no account set up for {parcel.carrier}",
                parcel.tracking_number,
            )
            expires = derive_state(
                (),
                now=now,
                carrier=parcel.carrier,
                tracked_since=parcel.last_event_at or parcel.created_at,
                status_hint=parcel.status,
            ).expired
            same = parcel.problem is error.kind and parcel.problem_detail == error.message
            if same and not (expires and parcel.status is not Status.EXPIRED):
                report.skipped[parcel.id] = error.message
                continue
            outcome = self._store_update(parcel.id, None, error, now)
            if outcome is not None:
                report.outcomes[parcel.id] = outcome
            report.skipped[parcel.id] = error.message
        self._announce(report)
        return report

    def _announce(self, report: SyncReport) -> None:
        changed = report.changed
        if any(o.outbox_added for o in report.outcomes.values()) and self._dispatcher is not None:
            self._dispatcher.kick()
        if changed and self.on_changed is not None:
            try:
                self.on_changed(changed)
            except Exception:
                log.exception("on_changed listener failed")


def build_sync(
    store: Any,
    *,
    secrets: Any = None,
    language: str = "de",
    zone: str = "Europe/Berlin",
    on_open: Callable[[str], None] = lambda _route: None,
    on_changed: ChangedListener | None = None,
    on_status: StatusListener | None = None,
    sandbox: str | None = None,
    email: Any = None,
    mobile_notifier: Any = None,
    policy: PollPolicy | None = None,
) -> SyncEngine:
    """The engine with its accounts and outbox dispatcher, as the composition root wants it.

    Callable outside an event loop: the accounts are loaded when the engine first runs (and
    again on `reload_accounts()`). `sandbox`: the root URL of a running sandbox; every adapter
    gets an account there with dummy credentials. Otherwise accounts come from the store and
    `secrets` (the keychain). Native notifications: the mobile seam (if a notifier is given),
    desktop, then plyer; the dispatcher probes them once when it starts. E-mail: `email`, or by
    default a channel that follows the `email.*` settings (sent only while `email.enabled`).
    Start it with `page.run_task(engine.run)` so desktop taps arrive on Flet's loop.
    """
    from app.notify.dispatcher import Dispatcher
    from app.notify.mobile import MobileChannel
    from app.notify.plyer_channel import PlyerChannel
    from app.notify.preferences import StoredEmailChannel
    from app.sync.accounts import build_accounts, sandbox_accounts

    async def load() -> Sequence[AccountRuntime]:
        if sandbox:
            return sandbox_accounts(sandbox, language=language)
        return await build_accounts(store, secrets, language=language)

    native: list[Any] = []
    if mobile_notifier is not None:
        native.append(MobileChannel(mobile_notifier))
    try:
        from app.notify.desktop import DesktopChannel
    except ImportError:  # a phone build ships without desktop-notifier
        log.info("desktop notifications are not available in this build")
    else:
        native.append(DesktopChannel(on_open=on_open, language=language))
    native.append(PlyerChannel())
    if email is None:
        email = StoredEmailChannel(store, secrets, language=language)
    dispatcher = Dispatcher(store, native=native, email=email, zone=zone, default_language=language)
    return SyncEngine(
        store,
        account_loader=load,
        zone=zone,
        on_changed=on_changed,
        on_status=on_status,
        dispatcher=dispatcher,
        policy=policy,
    )


def _overdue(state: ParcelState, since: datetime | None, at: datetime) -> bool:
    return (
        state.awaiting_handover
        and since is not None
        and at - since >= timedelta(days=HANDOVER_DAYS)
    )


def _handover_overdue(
    changes: tuple[Change, ...],
    parcel: Parcel,
    before: ParcelState,
    after: ParcelState,
    now: datetime,
) -> list[Change]:
    """Announce "not handed over" only once it is overdue (HANDOVER_DAYS without a scan).

    Carriers that report a fresh label as "not handed over yet" (DHL, UPS, FedEx ...) make the
    domain flag `awaiting_handover` at the first sync; that is no news. The change is emitted
    with the domain's own key when the silence passes HANDOVER_DAYS, so it stays exactly-once.
    """
    kept = [c for c in changes if c.kind is not ChangeKind.AWAITING_HANDOVER]
    since_after = after.last_event_at or parcel.created_at
    since_before = before.last_event_at or parcel.created_at
    checked = parcel.last_checked_at or parcel.created_at or now
    if _overdue(after, since_after, now) and not _overdue(before, since_before, checked):
        anchor = after.last_event.identity if after.last_event else "-"
        kept.append(
            Change(
                kind=ChangeKind.AWAITING_HANDOVER,
                key=f"{parcel.id}:handover@{anchor}",
                status=after.status,
                sub_status=after.sub_status,
                previous_status=before.status,
                event=after.last_event,
                problem=False,
            )
        )
    return kept


async def _acquire(gate: AccountGate, slots: int) -> None:
    """Take `slots` of the gate's rate (and quota) for one batch, holding one concurrency slot
    at the end: a batch that sends `slots` HTTP requests must pay for each of them."""
    for i in range(slots):
        await gate.acquire()
        if i < slots - 1:
            gate.release()


def _feed_gate(gate: AccountGate, errors: Sequence[TrackingError]) -> None:
    """Per-number 429s / failures of an otherwise answered batch still slow the account."""
    limited = [e for e in errors if e.kind is ProblemKind.RATE_LIMITED]
    if limited:
        waits = [e.retry_after for e in limited if e.retry_after is not None]
        gate.rate_limited(max(waits) if waits else None)
    else:
        waits = [e.retry_after for e in errors if e.retry_after is not None]
        gate.failed(max(waits) if waits else None)


def _client_wait(account: AccountRuntime) -> float:
    wait = getattr(account.client, "retry_after", 0.0)
    return float(wait) if isinstance(wait, int | float) else 0.0


def _match(
    chunk: list[tuple[Parcel, str | None]], result: ParseResult
) -> tuple[dict[str, ParcelUpdate], dict[str, TrackingError]]:
    """Each answer to the parcel it is about (by number, or by a piece number)."""
    by_number = {_key(p.tracking_number): p for p, _ in chunk}
    updates: dict[str, ParcelUpdate] = {}
    for update in result.parcels:
        parcel = by_number.get(_key(update.tracking_number)) or next(
            (by_number[_key(n)] for n in update.pieces if _key(n) in by_number), None
        )
        if parcel is None:
            log.info("an answer named a number nobody asked for; ignored")
            continue
        previous = updates.get(parcel.id)
        updates[parcel.id] = update if previous is None else _combine(previous, update)
    errors: dict[str, TrackingError] = {}
    for error in result.errors:
        parcel = by_number.get(_key(error.tracking_number or ""))
        if parcel is not None and parcel.id not in updates:
            errors.setdefault(parcel.id, error)
    return updates, errors


def _combine(first: ParcelUpdate, second: ParcelUpdate) -> ParcelUpdate:
    """Two answers for one parcel (pieces of one shipment): one update with all events."""
    return replace(
        first,
        events=first.events + second.events,
        estimate=first.estimate or second.estimate,
        proof_of_delivery=first.proof_of_delivery or second.proof_of_delivery,
        pieces=tuple(dict.fromkeys(first.pieces + second.pieces)),
        status_hint=first.status_hint or second.status_hint,
        sub_status_hint=first.sub_status_hint or second.sub_status_hint,
        carrier_status_code=first.carrier_status_code or second.carrier_status_code,
    )
