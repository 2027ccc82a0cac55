"""The sync engine: due parcels -> per-account batches -> fetch -> merge -> ONE transaction.

One update, end to end (ARCHITECTURE.md "The flow of one update"):
1. Due parcels (`app.sync.schedule.next_check_at`, stretched when a daily quota is tight) are
   routed to an account: the carrier's own account, else an aggregator account (AfterShip,
   17TRACK) with `hints={number: carrier}`. Parcels nobody can track get a problem, no request.
2. Per account, parcels are batched by the adapter's `batch_limit`, out-for-delivery and
   ETA-today parcels first; free places in the last batch go to parcels due soon. Every batch
   passes the account's `AccountGate` (rate, concurrency, daily quota, Retry-After, backoff,
   circuit breaker). Accounts run concurrently and never wait on each other's gates; each
   batch is written as soon as it is answered.
3. Per parcel, ONE transaction (a `new_session(write=True)`: BEGIN IMMEDIATE) reads the stored
   events and state, derives the state before and after, detects the changes, and
   `apply_update` writes events, state and one outbox row per new change, then commits. A
   re-fetch with nothing new writes no row. The same transaction records the fetch time
   (`last_checked_at`, not counted as a written row).
4. Failures become state: a per-number error is stored on the parcel (`problem`, and the
   carrier's own words about it, if any, as `problem_detail`); a failure of the whole request
   also sets the account's `SyncStatus`.
   A per-number 429 or outage in an otherwise answered batch is not the parcel's problem: it
   is neither stored nor counted as a check (the parcel stays due), and it feeds the gate.
   Silence for `EXPIRY_DAYS` is persisted as `expired` (and announced) on either path.
5. The dispatcher is kicked to drain the outbox, and `on_changed` is called with the ids of
   the parcels whose stored data changed.

API for the UI (build it with `app.sync.build.build_sync(...)`):
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.carriers.base import ParseResult, TrackingError
from app.domain.models import Parcel, ProblemKind
from app.domain.state import derive_state
from app.domain.status import OPEN, Status
from app.store import NotFoundError, get_parcel, list_parcels, new_session
from app.sync.accounts import AccountRuntime
from app.sync.batches import (
    NOT_AN_ANSWER,
    acquire,
    client_wait,
    feed_gate,
    match_answers,
    number_key,
)
from app.sync.limiter import CircuitOpen, QuotaExhausted
from app.sync.quota import QuotaPlanner, is_priority
from app.sync.report import ParcelOutcome, SyncReport
from app.sync.schedule import PollPolicy, next_check_at
from app.sync.status import SyncPhase, SyncSnapshot, SyncStatus
from app.sync.writer import store_update

__all__ = ["AccountLoader", "ParcelOutcome", "SyncEngine", "SyncReport"]

log = logging.getLogger(__name__)

# A parcel rides along in a batch that goes out anyway once this share of its interval is left.
RIDE_ALONG_SHARE = 0.5

ChangedListener = Callable[[frozenset[str]], None]
StatusListener = Callable[[SyncSnapshot], None]

# Per-number errors that say "not now" rather than anything about the parcel: the parcel is
# neither stored with the problem nor marked as checked (it stays due), and the gate hears it.
_RETRY_KINDS = frozenset({ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE})
_OPEN_STATUSES = tuple(sorted(OPEN))


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        self._idle_poll = idle_poll
        self._accounts: list[AccountRuntime] = []
        self._by_carrier: dict[str, AccountRuntime] = {}
        self._aggregators: list[AccountRuntime] = []
        self._status: dict[str, SyncStatus] = {}
        self._quota = QuotaPlanner(store, zone=zone, reserve=quota_reserve)
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
        self._quota.load_usage(self._accounts, self._clock())

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
        return self._route(parcel.carrier)

    def tracks(self, carrier: str) -> bool | None:
        """Whether an account can fetch this carrier's parcels; None until accounts load."""
        return self._route(carrier) is not None if self._loaded else None

    def _route(self, carrier: str) -> tuple[AccountRuntime, str | None] | None:
        direct = self._by_carrier.get(carrier)
        if direct is not None:
            return direct, None
        if self._aggregators:
            return self._aggregators[0], carrier
        return None

    async def sync_due(self) -> SyncReport:
        """One round: every account fetches its due parcels, all accounts concurrently."""
        await self._ensure_accounts()
        now = self._clock()
        due, unrouted = self._due(now, parcels=await self._read_parcels_off_loop())
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
        self,
        now: datetime,
        *,
        account: AccountRuntime | None = None,
        parcels: list[Parcel] | None = None,
    ) -> datetime | None:
        """The earliest moment one of the parcels (of `account`, else of any account) is due,
        as the background loop sees it; it may lie before `now` (due already). None when no
        routed parcel will ever be due again (none, or all in a final state). `parcels`: the
        open ones, when already read (`_read_parcels`)."""
        if parcels is None:
            parcels = self._read_parcels()
        earliest: datetime | None = None
        for parcel in parcels:
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

    def window_opened(self) -> None:
        """A window of the app opened. Where the platform shows no notifications, the news
        waits for one (the in-app banner): it goes out now instead of after its backoff."""
        if self._dispatcher is not None:
            from app.notify.in_app import InAppChannel

            self._dispatcher.retry_now(InAppChannel.name)

    async def aclose(self) -> None:
        for account in self._accounts:
            with contextlib.suppress(Exception):
                await account.client.aclose()

    # ---------------------------------------------------------------- scheduling ----------
    def _read_parcels(self) -> list[Parcel]:
        """The parcels a carrier may still have news of. Finished ones are most of a store
        that has been used for a while, and every account's loop reads this each round."""
        with new_session(self._store) as session:
            return list_parcels(session, statuses=_OPEN_STATUSES)

    async def _read_parcels_off_loop(self) -> list[Parcel]:
        """`_read_parcels` in a worker thread: the loop is the UI's too, and reading a few
        thousand parcels would hold it (and every click and screen update) for a tenth of a
        second and more. The read is the bulk of a round; what follows stays on the loop."""
        return await asyncio.to_thread(self._read_parcels)

    def _due(
        self,
        now: datetime,
        only: AccountRuntime | None = None,
        *,
        parcels: list[Parcel] | None = None,
    ) -> tuple[dict[str, list[tuple[Parcel, str | None]]], list[Parcel]]:
        if parcels is None:
            parcels = self._read_parcels()
        grouped: dict[str, list[tuple[Parcel, str | None]]] = {}
        runtimes: dict[str, AccountRuntime] = {}
        unrouted: list[Parcel] = []
        for parcel in parcels:
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
            stretch = self._quota.update_stretch(account, [p for p, _ in items], now)
            if stretch is not None:
                self._set_status(account, stretch=max(stretch))
            ready = [(p, h) for p, h in items if self._is_due(account, p, now)]
            if ready:
                due[account_id] = ready + self._riders(account, items, ready, now)
        return due, unrouted

    def _riders(
        self,
        account: AccountRuntime,
        items: list[tuple[Parcel, str | None]],
        ready: list[tuple[Parcel, str | None]],
        now: datetime,
    ) -> list[tuple[Parcel, str | None]]:
        """Parcels due soon that fill the free places of the last batch: a batch API answers
        them in the same request, so they cost no call (and are seen earlier, never later)."""
        free = -len(ready) % max(1, account.batch_limit)
        if not free:
            return []
        taken = {p.id for p, _ in ready}
        soon: list[tuple[datetime, Parcel, str | None]] = []
        for parcel, hint in items:
            if parcel.id in taken or parcel.last_checked_at is None:
                continue
            due = self._due_at(account, parcel, now)
            if due is None:
                continue
            if due - now <= (due - parcel.last_checked_at) * RIDE_ALONG_SHARE:
                soon.append((due, parcel, hint))
        soon.sort(key=lambda entry: entry[0])
        return [(parcel, hint) for _, parcel, hint in soon[:free]]

    def _due_at(self, account: AccountRuntime, parcel: Parcel, now: datetime) -> datetime | None:
        if parcel.last_checked_at is None:
            return now  # never fetched: at once
        # The jitter is drawn once per check, so the due time does not wobble between ticks.
        rng = random.Random(f"{parcel.id}|{parcel.last_checked_at.isoformat()}")  # noqa: S311
        base = next_check_at(parcel, now=now, zone=self._zone, policy=self._policy, rng=rng)
        if base is None:
            return None
        factor = self._quota.factor(account, parcel, now)
        if factor <= 1.0:
            return base
        return parcel.last_checked_at + (base - parcel.last_checked_at) * factor

    def _is_due(self, account: AccountRuntime, parcel: Parcel, now: datetime) -> bool:
        due = self._due_at(account, parcel, now)
        return due is not None and due <= now

    # ---------------------------------------------------------------- loops ---------------
    async def _account_loop(self, account: AccountRuntime) -> None:
        wake = self._wake[account.account_id]
        while True:
            parcels: list[Parcel] | None = None
            try:
                now = self._clock()
                parcels = await self._read_parcels_off_loop()
                due, _ = self._due(now, only=account, parcels=parcels)
                items = due.get(account.account_id)
                if items:
                    parcels = None  # the fetch changed them: the next tick reads them again
                    await self._sync_account(account, items, forced=False)
            except Exception:
                parcels = None
                log.exception("sync of account %s failed; trying again later", account.account_id)
            try:
                if parcels is None:
                    parcels = await self._read_parcels_off_loop()
                delay = self._next_tick(account, parcels)
            except Exception:
                log.exception("scheduling account %s failed", account.account_id)
                delay = self._idle_poll
            # Not wait_for: on 3.11 it swallows a cancel that comes in the turn the wake does,
            # and the loop ran on, hanging whoever awaits it (reload_accounts, shutdown).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await wake.wait()
            wake.clear()

    def _next_tick(self, account: AccountRuntime, parcels: list[Parcel] | None = None) -> float:
        """Sleep until the next parcel is due (or the gate opens), between 1 s and `idle_poll`."""
        now = self._clock()
        wait = self._idle_poll
        due = self.next_due_at(now, account=account, parcels=parcels)
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
                _, unrouted = self._due(now, parcels=await self._read_parcels_off_loop())
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
        if left is not None and (left <= 0 or (not forced and left <= self._quota.reserve)):
            self._set_status(account, phase=SyncPhase.QUOTA_EXHAUSTED)
            return "daily quota used up"
        if gate.circuit_open:
            return "circuit open"
        wait = max(gate.ready_in(), client_wait(account))
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
        self._quota.roll_day(account, now)
        refusal = self._gate_refusal(account, now, forced=forced)
        if refusal is not None:
            report.skipped.update(dict.fromkeys((p.id for p, _ in items), refusal))
            return report
        today = self._quota.today(now)
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
            self._quota.save_usage(account, self._clock())
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
        fresh = account.registers and any(number_key(n) not in registered for n in numbers)
        try:
            await acquire(gate, 2 if fresh else 1)
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
        updates, errors = match_answers(chunk, result)
        retry: list[TrackingError] = []
        for parcel, _ in chunk:
            # The carrier answered for this number: the check counts (recorded in the apply's
            # own transaction). A whole-batch failure is stored, but the parcel stays due.
            checked = now if whole is None or parcel.id in updates else None
            if parcel.id in updates:
                registered.add(number_key(parcel.tracking_number))
                outcome = store_update(
                    self._store, parcel.id, updates[parcel.id], None, now, checked
                )
            elif parcel.id in errors:
                error = errors[parcel.id]
                if whole is None and error.kind in _RETRY_KINDS:
                    # One number throttled (or its request failed) in an answered batch: not
                    # the parcel's problem. Leave it due, unchanged, for the next round.
                    retry.append(error)
                    report.skipped[parcel.id] = error.message
                    continue
                outcome = store_update(self._store, parcel.id, None, error, now, checked)
            else:
                continue
            if outcome is None:
                continue
            report.outcomes[parcel.id] = outcome
        if whole is None:
            if retry:
                feed_gate(gate, retry)
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
        numbers = {number_key(p.tracking_number) for p, _ in chunk}
        failed = {number_key(e.tracking_number) for e in result.errors if e.tracking_number}
        whole: TrackingError | None = None
        if not result.parcels and numbers <= failed:
            kinds = {e.kind for e in result.errors}
            if len(kinds) == 1 and next(iter(kinds)) in NOT_AN_ANSWER:
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
                ProblemKind.NO_ACCOUNT,
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
            same = parcel.problem is error.kind
            if same and not (expires and parcel.status is not Status.EXPIRED):
                report.skipped[parcel.id] = error.message
                continue
            outcome = store_update(self._store, parcel.id, None, error, now)
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
            log.info("%d parcel(s) changed; telling the open windows", len(changed))
            try:
                self.on_changed(changed)
            except Exception:
                log.exception("on_changed listener failed")
