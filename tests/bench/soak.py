"""Soak benchmark: parcels through the sync engine and the outbox dispatcher against the sandbox
with 20 % injected faults of every kind, until every journey has ended.

Run: .venv/bin/python tests/bench/soak.py [--parcels 1000] [--fault-rate 0.2] [--seed 4]
1,000 parcels take about 8 min on the shared 2-core machine (`--parcels 99 --fault-rate 0
--explain` is a quick look at what the carriers' APIs change in the scripts, in seconds).

Set-up. A sandbox over HTTP on loopback with a frozen `SandboxClock` and
`FaultPlan(rate, seed, kinds=every Fault)`; a SQLite file in a temp dir; one account per
simulated carrier (DHL, UPS, FedEx, USPS, DPD, Hermes, GLS, PostNL, Royal Mail); the engine's
clock and the dispatcher's clock are the sandbox clock. Journeys cycle through every carrier x
every scenario and start in cohorts a few hours apart; each cohort's parcels are added when its
journeys start, as a user adds a parcel from the shop's e-mail.

Driving. The driver moves the sandbox clock through the union of a regular tick (default 3
sandbox hours) and every journey step time. At each moment it runs one scheduled round
(`engine.sync_due()`), then makes sure every parcel whose journey changed at that moment has
been fetched since (`engine.refresh(ids)` for the ones the schedule did not fetch, waiting in
wall time for Retry-After, backoff and open circuits, as the gates say), then drains the outbox
(`dispatcher.drain()`). So the engine observes every journey step exactly as scripted, whatever
faults hit the fetches, and what it must announce follows from the scripts alone. The same holds
for silence: the moment a journey's silence passes the stall or handover threshold is a
checkpoint too.

Expected notifications are computed from the journey scripts, without the engine: per step, the
status change the preferences announce (first movement = shipped; out for delivery, each time;
pickup; delivered; failed attempt / exception / returning / returned = problem), a problem
sub-status reached without a status change (delayed) = problem, an ETA that moves while the
parcel is not finished (for carriers whose API shows one) = eta_moved, and silence past the
carrier's stall threshold or HANDOVER_DAYS = stalled. They are compared, as a multiset of
(parcel, kind), with what the recording channel was handed.

Limits. The carriers' real request rates (USPS: one a minute) and daily quotas are replaced by
a generous gate (the sandbox enforces none here); backoff, Retry-After and the circuit breaker
work as in the app, with backoff scaled to 0.05-0.5 s, the circuit cooldown to 1 s and a 1.5 s
request deadline (the TIMEOUT fault holds a request for 40 s). Retry-After values are honoured
exactly as sent.
The carrier clients stamp `fetched_at` with the wall clock; a thin wrapper stamps it with the
sandbox clock instead (see `ClockedTracker`; `--wall-fetched-at` shows why).

Besides the script comparison, each journey's notifications are compared with those of the
other journeys of the same carrier and scenario: a carrier whose API cannot say "returned"
changes them all alike (listed as systematic), a fault that leaks through changes one
(`notification_anomalies`). Early retries (`early_retries`) are requests an account sent after
a 429 with Retry-After had reached it and before that wait elapsed, logged at the transport
under the client. The sandbox also counts the requests that arrive while its Retry-After runs
(`arrived_during_retry_after`): those include requests of the account's other slot that were
already on the wire when it answered 429, sent before any Retry-After existed.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Engine, text

from app.domain.stall import EXPIRY_DAYS, HANDOVER_DAYS, stall_threshold
from app.domain.status import PROBLEM_SUB_STATUSES, PROBLEMS, TERMINAL, Status
from app.notify.dispatcher import Dispatcher
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.journeys import Journey, Scenario
from app.sandbox.seed import SIMULATED_CARRIERS, new_journey
from app.sandbox.server import SandboxServer
from app.store import add_parcel, list_events, list_parcels, new_session, open_store
from app.sync.engine import SyncEngine
from tests.bench._recording import (
    ErrorCounter,
    RecordingChannel,
    RetryAfterLog,
    bench_accounts,
    match_events,
)

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
T = TypeVar("T")

# ----------------------------------------------------------------- the expectation ----------
# What the preferences announce (all kinds on by default), as ARCHITECTURE/announce.py say.
_SHIPPED_FROM = {Status.PENDING, Status.INFO_RECEIVED}
_ANNOUNCED = {
    Status.OUT_FOR_DELIVERY: "out_for_delivery",
    Status.AVAILABLE_FOR_PICKUP: "ready_for_pickup",
    Status.DELIVERED: "delivered",
    Status.FAILED_ATTEMPT: "problem",
    Status.EXCEPTION: "problem",
    Status.RETURNING: "problem",
    Status.RETURNED: "problem",
}
_REPEATABLE = {Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT}  # news again on a new scan
_PRE_TRANSIT = {Status.PENDING, Status.INFO_RECEIVED}
# Carriers whose API shows a delivery estimate (DPD's and GLS's do not); none shows one once
# the parcel is delivered, and an ETA move is not news for a finished parcel anyway.
_SHOWS_ETA = {"dhl", "ups", "fedex", "usps", "hermes", "postnl", "royalmail"}


def _problems(status: Status, sub: Any) -> set[str]:
    facts = {status.value} if status in PROBLEMS else set()
    if sub in PROBLEM_SUB_STATUSES:
        facts.add(str(sub))
    return facts


def expectation(journey: Journey, end: datetime) -> tuple[list[str], list[datetime]]:
    """(notice kinds the journey must produce by `end`, checkpoints: moments to fetch at)."""
    kinds: list[str] = []
    checkpoints: list[datetime] = []
    status: Status = Status.PENDING
    sub: Any = None
    shown_eta: date | None = None
    steps = journey.steps
    for index, step in enumerate(steps):
        at = journey.step_time(step)
        if at > end:
            break
        checkpoints.append(at)
        # The script's own estimate at that moment (eta_days; "today" while on the van).
        new_eta = journey.estimate_day(at) if journey.carrier in _SHOWS_ETA else None
        if step.status in TERMINAL:
            new_eta = None
        if step.status is Status.IN_TRANSIT:
            announced = status in _SHIPPED_FROM
            kind = "shipped"
        else:
            kind = _ANNOUNCED.get(step.status, "")
            announced = bool(kind) and (step.status is not status or step.status in _REPEATABLE)
        if announced:
            kinds.append(kind)
        elif _problems(step.status, step.sub_status) - _problems(status, sub):
            kinds.append("problem")
        if shown_eta is not None and new_eta is not None and new_eta != shown_eta:
            kinds.append("eta_moved")
        status, sub, shown_eta = step.status, step.sub_status, new_eta
        # Silence until the next step (or the end): stalled, or not handed over.
        until = journey.step_time(steps[index + 1]) if index + 1 < len(steps) else end
        until = min(until, end)
        limits = []
        threshold = stall_threshold(journey.carrier, status)
        if threshold is not None:
            limits.append(threshold)
        if status in _PRE_TRANSIT:
            limits.append(timedelta(days=HANDOVER_DAYS))
        for limit in limits:
            moment = at + limit
            # At `until` itself the next step is already visible: no silence then.
            if moment < until or (moment <= end and index + 1 == len(steps)):
                kinds.append("stalled")
                checkpoints.append(moment)
    return kinds, checkpoints


# ----------------------------------------------------------------- the run ---------------
class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.errors = ErrorCounter()
        self.escaped = 0
        self.escaped_samples: list[str] = []
        self.forced_refreshes = 0
        self.refresh_rounds = 0
        self.gate_wait_s = 0.0
        self.stuck: set[str] = set()
        self.retry_log = RetryAfterLog()
        self.sandbox_errors: Counter[str] = Counter()
        self.slow_moments = 0
        self.longest_gate_wait = 0.0

    async def guarded(self, what: str, coro: Awaitable[T]) -> T | None:
        """The top of the engine loop: count whatever escapes a call."""
        try:
            return await coro
        except Exception as exc:
            self.escaped += 1
            if len(self.escaped_samples) < 5:
                self.escaped_samples.append(f"{what}: {type(exc).__name__}: {exc}")
            return None

    def sandbox_log(self, record: logging.LogRecord) -> bool:
        """The sandbox's own errors (a request the client gave up on, then read): counted, quiet."""
        exc = record.exc_info[1] if record.exc_info else None
        self.sandbox_errors[type(exc).__name__ if exc else record.getMessage()[:60]] += 1
        return False

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.escaped += 1
        if len(self.escaped_samples) < 5:
            self.escaped_samples.append(
                f"asyncio: {context.get('message')} {context.get('exception')!r}"
            )

    async def run(self) -> dict[str, Any]:
        args = self.args
        asyncio.get_running_loop().set_exception_handler(self.loop_handler)
        logging.getLogger().addHandler(self.errors)
        logging.getLogger().setLevel(logging.WARNING)
        wall0 = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix="paketpilot-soak-"))
        store = open_store(tmp / "soak.sqlite")
        plan = FaultPlan(args.fault_rate, seed=args.seed, kinds=tuple(Fault))
        ctx = SandboxContext(clock=SandboxClock(frozen_at=START), faults=plan)
        server = SandboxServer(ctx).start()
        logging.getLogger("uvicorn.error").addFilter(self.sandbox_log)
        try:
            return await self._run(ctx, server, store, wall0, tmp)
        finally:
            server.stop()

    async def _run(
        self, ctx: SandboxContext, server: SandboxServer, store: Engine, wall0: float, tmp: Path
    ) -> dict[str, Any]:
        args = self.args
        scenarios = (
            [Scenario(s) for s in args.scenarios.split(",")] if args.scenarios else list(Scenario)
        )
        carriers = args.carriers.split(",") if args.carriers else list(SIMULATED_CARRIERS)
        import random

        rng = random.Random(args.seed)
        cohorts: dict[datetime, list[Journey]] = {}
        journeys: list[Journey] = []
        for i in range(args.parcels):
            carrier = carriers[i % len(carriers)]
            scenario = scenarios[(i // len(carriers)) % len(scenarios)]
            begin = START + timedelta(hours=args.cohort_hours * (i % args.cohorts))
            ctx.clock.freeze(begin)
            journey = new_journey(ctx, carrier=carrier, scenario=scenario, rng=rng)
            journeys.append(journey)
            cohorts.setdefault(begin, []).append(journey)
        last_start = max(cohorts)
        end = last_start + max(j.step_time(j.steps[-1]) - j.started_at for j in journeys)
        end += timedelta(hours=1)
        assert end - START < timedelta(days=EXPIRY_DAYS)

        expected: Counter[tuple[str, str]] = Counter()  # (tracking number, kind)
        checkpoints: dict[datetime, set[str]] = {}
        for journey in journeys:
            kinds, stops = expectation(journey, end)
            expected.update((journey.tracking_number, k) for k in kinds)
            for moment in stops:
                checkpoints.setdefault(moment, set()).add(journey.tracking_number)
        tick = timedelta(minutes=args.tick_minutes)
        moments: set[datetime] = set(checkpoints) | set(cohorts)
        at = START
        while at <= end:
            moments.add(at)
            at += tick
        moments.add(end)
        timeline = sorted(m for m in moments if m <= end)

        channel = RecordingChannel(tmp / "screen.jsonl")
        dispatcher = Dispatcher(store, native=[channel], clock=ctx.clock.now, default_language="de")
        accounts = bench_accounts(
            server.url,
            carriers,
            deadline_s=args.deadline,
            clock=None if args.wall_fetched_at else ctx.clock.now,
            transport=self.retry_log.transport,
        )
        engine = SyncEngine(
            store, accounts, clock=ctx.clock.now, dispatcher=dispatcher, max_gate_wait=0.0
        )
        ids: dict[str, str] = {}  # tracking number -> parcel id
        print(
            f"{len(journeys)} journeys ({len(carriers)} carriers x {len(scenarios)} scenarios, "
            f"{len(cohorts)} cohorts {args.cohort_hours} h apart), sandbox time {START:%a %H:%M} "
            f"UTC .. +{(end - START).total_seconds() / 3600:.0f} h, {len(timeline)} moments; "
            f"faults {args.fault_rate:.0%} of {len(Fault)} kinds, seed {args.seed}",
            flush=True,
        )
        sync_rounds = 0
        for index, moment in enumerate(timeline):
            if time.perf_counter() - wall0 > args.budget:
                print(f"wall-time budget of {args.budget:.0f} s reached at {moment}; stopping")
                # Compare with what the scripts announce up to the last moment driven.
                end = timeline[index - 1] if index else START
                expected = Counter()
                for journey in journeys:
                    kinds, _ = expectation(journey, end)
                    expected.update((journey.tracking_number, k) for k in kinds)
                break
            ctx.clock.freeze(moment)
            for journey in cohorts.get(moment, []):
                with new_session(store) as session:
                    ids[journey.tracking_number] = add_parcel(
                        session,
                        tracking_number=journey.tracking_number,
                        carrier=journey.carrier,
                        created_at=moment,
                    ).id
            due = {ids[n] for n in checkpoints.get(moment, set()) if n in ids}
            await self.watched(moment, self.step(engine, dispatcher, store, due, moment))
            sync_rounds += 1
            if index % 15 == 0:
                print(
                    f"  t+{(moment - START).total_seconds() / 3600:6.1f} h  wall "
                    f"{time.perf_counter() - wall0:6.1f} s  requests {ctx.stats.requests:6d}  "
                    f"notices {len(channel.keys):5d}",
                    flush=True,
                )
        # Deliver what the quiet hours held: the next morning, no more fetching.
        morning = ctx.clock.now() + timedelta(hours=12)
        ctx.clock.freeze(morning)
        await self.guarded("drain", dispatcher.drain())
        await engine.aclose()
        wall = time.perf_counter() - wall0
        return self.report(ctx, store, channel, journeys, ids, expected, end, wall, sync_rounds)

    async def step(
        self,
        engine: SyncEngine,
        dispatcher: Dispatcher,
        store: Engine,
        due: set[str],
        now: datetime,
    ) -> None:
        await self.guarded("sync_due", engine.sync_due())
        await self.observe(engine, store, due, now)
        await self.guarded("drain", dispatcher.drain())

    async def watched(self, moment: datetime, work: Awaitable[None]) -> None:
        """A watchdog: a moment that takes longer than --moment-timeout has its pending tasks'
        stacks printed (where the engine waits), then goes on waiting."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.args.moment_timeout)
        if not done:
            self.slow_moments += 1
            print(f"  moment {moment:%a %H:%M} still running after {self.args.moment_timeout} s:")
            for other in asyncio.all_tasks():
                if other is not asyncio.current_task():
                    frames = other.get_stack(limit=6)
                    where = " <- ".join(
                        f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames)
                    )
                    print(f"    {other.get_name()}: {where}", flush=True)
            await task

    async def observe(
        self, engine: SyncEngine, store: Engine, due: set[str], now: datetime
    ) -> None:
        """Fetch, until they answer, the parcels that changed at `now` and were not fetched."""
        for _ in range(self.args.max_rounds):
            with new_session(store) as session:
                waiting = [
                    p.id
                    for p in list_parcels(session)
                    if p.id in due and (p.last_checked_at is None or p.last_checked_at < now)
                ]
            if not waiting:
                return
            self.refresh_rounds += 1
            self.forced_refreshes += len(waiting)
            report = await self.guarded("refresh", engine.refresh(waiting))
            if report is not None and report.requests == 0:
                await self.wait_for_gates(engine)
        self.stuck.update(due)

    async def wait_for_gates(self, engine: SyncEngine) -> None:
        """Sleep (wall time) until the first blocked account may be asked again."""
        waits = []
        for account in engine.accounts:
            gate = account.gate
            client_wait = float(getattr(account.client, "retry_after", 0.0) or 0.0)
            wait = max(gate.ready_in(), client_wait)
            if gate.circuit_open:
                wait = max(wait, gate._circuit_until - gate._clock())
            if wait > 0:
                waits.append(wait)
        pause = min(waits) + 0.01 if waits else 0.05
        self.longest_gate_wait = max(self.longest_gate_wait, pause)
        pause = min(pause, 5.0)
        self.gate_wait_s += pause
        await asyncio.sleep(pause)

    def report(
        self,
        ctx: SandboxContext,
        store: Engine,
        channel: RecordingChannel,
        journeys: list[Journey],
        ids: dict[str, str],
        expected: Counter[tuple[str, str]],
        end: datetime,
        wall: float,
        sync_rounds: int,
    ) -> dict[str, Any]:
        number_of = {pid: n for n, pid in ids.items()}
        with store.connect() as connection:
            rows = connection.execute(text("SELECT change_key, kind FROM outbox")).all()
            kinds: dict[str, str] = {str(key): str(kind) for key, kind in rows}
            undispatched = connection.execute(
                text("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL")
            ).scalar_one()
            outbox_rows = len(kinds)
        sent_keys = channel.keys
        key_counts = Counter(sent_keys)
        duplicate_notices = sum(c - 1 for c in key_counts.values() if c > 1)
        sent: Counter[tuple[str, str]] = Counter()
        for key in sent_keys:
            parcel_id = key.split(":", 1)[0]
            sent[(number_of.get(parcel_id, parcel_id), kinds.get(key, "?"))] += 1
        missing = expected - sent
        extra = sent - expected

        # Per journey: what it was sent, against what the other journeys of the same carrier and
        # scenario were sent (the most common set). A carrier API that cannot say "returned"
        # changes every journey of its class alike; a fault that leaks through changes one.
        sent_by_number: dict[str, Counter[str]] = {}
        for (number, kind), count in sent.items():
            sent_by_number.setdefault(number, Counter())[kind] += count
        classes: dict[tuple[str, str], list[Journey]] = {}
        for journey in journeys:
            classes.setdefault((journey.carrier, journey.scenario.value), []).append(journey)
        anomalies = 0
        anomaly_samples: list[str] = []
        systematic: Counter[str] = Counter()
        for (carrier, scenario), members in sorted(classes.items()):
            # A journey's deviation from its own script: (not sent, sent beyond the script).
            # Scripts differ between cohorts (an ETA of "today" on the van may or may not move
            # it), deviations of one carrier and scenario do not, unless a fault leaks through.
            deviation: dict[str, tuple[Counter[str], Counter[str]]] = {}
            for journey in members:
                got = sent_by_number.get(journey.tracking_number, Counter())
                script = Counter(expectation(journey, end)[0])
                deviation[journey.tracking_number] = (script - got, got - script)
            signatures = Counter(
                (tuple(sorted(m.elements())), tuple(sorted(x.elements())))
                for m, x in deviation.values()
            )
            common_missing, common_extra = (Counter(t) for t in signatures.most_common(1)[0][0])
            for kind, count in common_missing.items():
                systematic[f"{carrier}/{scenario}: {kind} never sent"] += count
            for kind, count in common_extra.items():
                systematic[f"{carrier}/{scenario}: {kind} sent, not in the script"] += count
            for journey in members:
                missing_j, extra_j = deviation[journey.tracking_number]
                differ = sum(
                    (
                        (missing_j - common_missing)
                        + (common_missing - missing_j)
                        + (extra_j - common_extra)
                        + (common_extra - extra_j)
                    ).values()
                )
                anomalies += differ
                if differ and len(anomaly_samples) < 5:
                    anomaly_samples.append(
                        f"{carrier}/{scenario} {journey.tracking_number}: not sent "
                        f"{dict(missing_j)}, beyond the script {dict(extra_j)}; its class: not "
                        f"sent {dict(common_missing)}, beyond {dict(common_extra)}"
                    )
        duplicate_events = lost_events = phantom_events = mismatched = 0
        samples: list[str] = []
        max_skew = timedelta(0)
        with new_session(store) as session:
            for journey in journeys:
                pid = ids.get(journey.tracking_number)
                if pid is None:
                    continue
                result = match_events(journey, list_events(session, parcel_id=pid), end)
                duplicate_events += result.duplicates
                lost_events += result.lost
                phantom_events += result.phantom
                mismatched += result.status_mismatch
                max_skew = max(max_skew, result.max_skew)
                if result.examples and len(samples) < 6:
                    samples.extend(result.examples)
        db = sqlite3.connect(store.url.database or "")
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()

        stats = ctx.stats
        faults = {k.value: v for k, v in sorted(ctx.faults.injected.items())}
        print(
            f"wall time {wall:.1f} s; {sync_rounds} scheduled rounds; sandbox requests "
            f"{stats.requests} ({stats.rate_limited} answered 429)"
        )
        print(f"faults injected ({sum(faults.values())}): {faults}")
        print(
            f"forced refreshes (parcels the schedule had not fetched at a journey step): "
            f"{self.forced_refreshes} in {self.refresh_rounds} rounds; waited "
            f"{self.gate_wait_s:.1f} s of wall time for gates (longest wait a gate asked for "
            f"{self.longest_gate_wait:.1f} s); moments over the watchdog: {self.slow_moments}; "
            f"parcels never observed at a "
            f"checkpoint: {len(self.stuck)}"
        )
        print(
            f"notifications sent vs expected: {len(sent_keys)} vs {sum(expected.values())} "
            f"(notices shown {len(channel.notices)}, outbox rows {outbox_rows}, undispatched "
            f"{undispatched}, change keys delivered twice {duplicate_notices})"
        )
        by_kind_sent = Counter(k for _, k in sent.elements())
        by_kind_exp = Counter(k for _, k in expected.elements())
        print(f"  by kind, sent:     {dict(sorted(by_kind_sent.items()))}")
        print(f"  by kind, expected: {dict(sorted(by_kind_exp.items()))}")
        if missing or extra:
            carrier_of = {j.tracking_number: j for j in journeys}

            def where(counter: Counter[tuple[str, str]]) -> dict[str, int]:
                out: Counter[str] = Counter()
                for (number, kind), count in counter.items():
                    j = carrier_of.get(number)
                    label = f"{j.carrier}/{j.scenario.value}/{kind}" if j else f"?/{kind}"
                    out[label] += count
                return dict(out.most_common(12))

            print(f"  missing (expected, not sent): {sum(missing.values())} {where(missing)}")
            print(f"  extra (sent, not expected):   {sum(extra.values())} {where(extra)}")
            if self.args.explain:
                shown: set[tuple[str, str]] = set()
                for number, _ in list(missing) + list(extra):
                    j = carrier_of[number]
                    if (j.carrier, j.scenario.value) in shown:
                        continue
                    shown.add((j.carrier, j.scenario.value))
                    keys = [k for k in sent_keys if k.split(":", 1)[0] == ids[number]]
                    print(f"    {j.carrier}/{j.scenario.value}: expected {expectation(j, end)[0]}")
                    print(f"      sent {[(kinds.get(k), k.split(':', 1)[1][:60]) for k in keys]}")
        print(
            f"notifications that differ from the other journeys of the same carrier and "
            f"scenario (faults leaking into what the user is told): {anomalies}"
        )
        for sample in anomaly_samples:
            print(f"  e.g. {sample}")
        if systematic:
            print(
                "systematic differences from the scripts (every journey of a carrier x scenario "
                "alike: the carrier API or its adapter), per journey:"
            )
            for label in sorted(systematic):
                print(f"  {label} (x{systematic[label]})")
        print(
            f"duplicate events in the store: {duplicate_events}; lost events: {lost_events}; "
            f"events at no journey step's time: {phantom_events}; largest scan-time skew "
            f"{max_skew.total_seconds() / 60:.0f} min; stored under another status than the "
            f"script's: {mismatched}"
        )
        for sample in samples[:6]:
            print(f"  e.g. {sample}")
        print(f"escaped exceptions: {self.escaped} (calls) + {self.errors.count} (ERROR logs)")
        for sample in self.escaped_samples + self.errors.samples:
            print(f"  e.g. {sample}")
        if self.sandbox_errors:
            print(f"  (the sandbox itself logged {dict(self.sandbox_errors)}: not the app's)")
        log = self.retry_log
        print(
            f"requests sent before a Retry-After elapsed: {log.sent_while_blocked} (sent by the "
            f"client after the 429 had arrived, at the transport; {log.retry_afters} "
            f"Retry-Afters received); requests that reached the sandbox while a Retry-After it "
            f"sent was running: {stats.early_retries} (the difference was already on the wire "
            f"when the sandbox answered 429)"
        )
        for sample in log.examples:
            print(f"  e.g. {sample}")
        print(f"SQLite integrity_check: {integrity}")
        return {
            "parcels": len(journeys),
            "fault_rate": self.args.fault_rate,
            "seed": self.args.seed,
            "notifications_sent": len(sent_keys),
            "notifications_expected": sum(expected.values()),
            "notifications_missing": sum(missing.values()),
            "notifications_unexpected": sum(extra.values()),
            "duplicate_notifications": duplicate_notices,
            "undispatched": undispatched,
            "duplicate_events": duplicate_events,
            "lost_events": lost_events,
            "phantom_events": phantom_events,
            "escaped_exceptions": self.escaped + self.errors.count,
            "early_retries": log.sent_while_blocked,
            "arrived_during_retry_after": stats.early_retries,
            "notification_anomalies": anomalies,
            "requests": stats.requests,
            "faults_injected": sum(faults.values()),
            "forced_refreshes": self.forced_refreshes,
            "never_observed": len(self.stuck),
            "integrity": integrity,
            "wall_s": round(wall, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--cohorts", type=int, default=2)
    parser.add_argument("--cohort-hours", type=float, default=7.0)
    parser.add_argument("--tick-minutes", type=float, default=180.0)
    parser.add_argument("--deadline", type=float, default=1.5, help="request deadline (s)")
    parser.add_argument("--max-rounds", type=int, default=60)
    parser.add_argument("--scenarios", default="", help="comma-separated subset (default all)")
    parser.add_argument("--carriers", default="", help="comma-separated subset (default all)")
    parser.add_argument(
        "--wall-fetched-at",
        action="store_true",
        help="leave fetched_at on the wall clock (shows the outbox created_at bug)",
    )
    parser.add_argument("--explain", action="store_true", help="print mismatching journeys")
    parser.add_argument("--moment-timeout", type=float, default=120.0, help="watchdog (s)")
    parser.add_argument("--budget", type=float, default=1800.0, help="wall-time cap (s)")
    args = parser.parse_args()
    result = asyncio.run(Soak(args).run())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
