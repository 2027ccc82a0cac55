"""Sync throughput: 1,000 due parcels against rate-limited carriers, versus the limits' floor.

Run: .venv/bin/python tests/bench/sync_throughput.py [--parcels 1000] [--latency-ms 50]
     [--rate 20] [--slow dpd=5] [--aggregated hermes] [--profile]

Set-up: one journey per parcel spread evenly over the nine simulated carriers, every journey
between 0 and 40 h old (so the answers carry real histories), a real SQLite store in a temp dir,
and the sandbox in its own process on loopback with `--latency-ms` per request and a per-carrier
rate limit set here: `--rate` requests/s for every carrier, `--slow` for one. The engine's
`AccountGate`s get the same rate (`Limits(rate_per_second=...)`, the default concurrency of
`app.sync.accounts`, no daily quota). Carriers in `--aggregated` get no account of their own, so
the engine routes them through AfterShip with a carrier hint (a household without a Hermes
business key); AfterShip gets the same `--rate`. Every parcel is due at once (never fetched);
`SyncEngine.sync_due()` runs once; parcels left without an answer of their own (a 429, ...)
are then fetched with `SyncEngine.refresh(ids)` until every parcel has been answered once.

Because the machine is shared and noisy, a reference is measured in the same run just before:
the same requests through the same clients and gates, without engine or store
(`ratio_to_reference` = engine wall / reference wall).

The floor. Carriers run concurrently, so the floor is the slowest carrier's. One carrier with
r HTTP requests, a sandbox window of k requests per w seconds, gate concurrency c and latency L
can finish no sooner than
    floor_c = max((ceil(r / k) - 1) * w + L,  ceil(r / c) * L)
(the last window that admits a request opens (ceil(r/k) - 1) windows after the first and its
request still takes L; and at most c requests are in flight, each taking at least L).
r is what the adapter must send: one request per batch of `BATCH_LIMIT` numbers, except Royal
Mail (one `/events` request per number) and AfterShip (create + read per new number).
ratio_to_floor = wall / max_c floor_c. Token requests (OAuth) are not rate limited or delayed
by the sandbox and are left out of r.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.carriers.base import ParseResult
from app.carriers.registry import REGISTRY
from app.domain.models import Parcel, ProblemKind
from app.sandbox.journeys import Scenario
from app.sandbox.seed import SIMULATED_CARRIERS, new_number
from app.store import add_parcel, list_parcels, new_session, open_store
from app.sync.accounts import DEFAULT_CONCURRENCY, GATE_RATE_FACTOR, sandbox_accounts
from app.sync.engine import SyncEngine
from app.sync.limiter import AccountGate, Limits
from tests.bench._sync_setup import JourneySpec, SandboxProcess

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday 11:00 in Berlin
SCENARIOS = [Scenario.DELIVERED] * 5 + [
    Scenario.INTERNATIONAL,
    Scenario.FAILED_ATTEMPT,
    Scenario.PICKUP_POINT,
    Scenario.DELAYED,
]
# One HTTP request per number although the engine batches by BATCH_LIMIT (see the floor).
PER_NUMBER = {"royalmail": 1}
AGGREGATOR = "aftership"
REQUESTS_PER_NEW_NUMBER = {"aftership": 2}  # create, then read
ACCOUNT_PROBLEMS = (ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE, ProblemKind.BAD_RESPONSE)


@dataclass
class Recorder:
    """Wraps a tracking client: times each `track` call (the engine's batch) by account."""

    inner: Any
    calls: list[tuple[float, float, int]] = field(default_factory=list)
    throttled: int = 0  # numbers answered "rate limited" (a 429, or the client's own wait)

    @property
    def retry_after(self) -> float:
        return float(getattr(self.inner, "retry_after", 0.0))

    async def track(
        self, numbers: Sequence[str], *, hints: Mapping[str, str] | None = None
    ) -> ParseResult:
        started = time.perf_counter()
        result: ParseResult = await self.inner.track(numbers, hints=hints)
        self.calls.append((started, time.perf_counter(), len(numbers)))
        self.throttled += sum(1 for e in result.errors if e.kind is ProblemKind.RATE_LIMITED)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


def expected_requests(account_carrier: str, parcels: int) -> int:
    if account_carrier in REQUESTS_PER_NEW_NUMBER:
        return parcels * REQUESTS_PER_NEW_NUMBER[account_carrier]
    if account_carrier in PER_NUMBER:
        return parcels
    return math.ceil(parcels / REGISTRY[account_carrier].batch_limit)


def floor_seconds(
    requests: int, per_window: int, window: float, concurrency: int, latency: float
) -> float:
    if requests == 0:
        return 0.0
    by_rate = (math.ceil(requests / per_window) - 1) * window + latency
    by_concurrency = math.ceil(requests / concurrency) * latency
    return max(by_rate, by_concurrency)


def answered(parcel: Parcel) -> bool:
    """Fetched with an answer about the parcel itself (not a 429, 5xx or unreadable page)."""
    return parcel.last_checked_at is not None and parcel.problem not in ACCOUNT_PROBLEMS


def build_specs(parcels: int, seed: int, carriers: Sequence[str]) -> list[JourneySpec]:
    rng = random.Random(seed)
    specs = []
    for i in range(parcels):
        carrier = carriers[i % len(carriers)]
        age = timedelta(minutes=rng.randint(0, 40 * 60))
        specs.append(
            JourneySpec(carrier, rng.choice(SCENARIOS), new_number(carrier, rng), NOW - age)
        )
    return specs


async def reference(
    args: argparse.Namespace,
    specs: list[JourneySpec],
    wanted: list[str],
    aggregated: set[str],
    rates: dict[str, float],
    windows: dict[str, tuple[int, float]],
) -> tuple[float, int]:
    """The same requests through the same clients and gates with no engine and no store:
    per account, batches of BATCH_LIMIT, all at once (AfterShip one after another, as the
    engine does); a batch's rate-limited numbers are asked again once the gate allows."""

    async def batch(account: Any, numbers: list[str], hints: dict[str, str]) -> None:
        while numbers:
            await account.gate.acquire()
            try:
                result = await account.client.track(numbers, hints=hints or None)
            finally:
                account.gate.release()
            limited = [e for e in result.errors if e.kind is ProblemKind.RATE_LIMITED]
            if limited:
                account.gate.rate_limited(limited[0].retry_after)
            else:
                account.gate.succeeded()
            numbers = [e.tracking_number for e in limited if e.tracking_number]

    async def run_account(account: Any) -> None:
        mine = [
            s
            for s in specs
            if (AGGREGATOR if s.carrier in aggregated else s.carrier) == account.carrier
        ]
        size = max(1, account.batch_limit)
        chunks = [mine[i : i + size] for i in range(0, len(mine), size)]
        jobs = [
            batch(
                account,
                [s.number for s in chunk],
                {s.number: s.carrier for s in chunk if s.carrier in aggregated},
            )
            for chunk in chunks
        ]
        if account.aggregator:
            for job in jobs:
                await job
        else:
            await asyncio.gather(*jobs)

    with SandboxProcess(
        specs, frozen_at=NOW, latency_ms=args.latency_ms, rate_limits=windows
    ) as sandbox:
        accounts = sandbox_accounts(sandbox.url, language="de", carriers=wanted)
        for account in accounts:
            account.gate = AccountGate(
                Limits(
                    rate_per_second=rates[account.carrier] * args.gate_margin,
                    concurrency=args.concurrency,
                    daily_quota=None,
                )
            )
        started = time.perf_counter()
        await asyncio.gather(*(run_account(a) for a in accounts))
        wall = time.perf_counter() - started
        requests = int(sandbox.stats()["requests"])
        for account in accounts:
            await account.client.aclose()
    return wall, requests


async def run(args: argparse.Namespace) -> dict[str, Any]:
    carriers = [c for c in args.carriers.split(",") if c] or list(SIMULATED_CARRIERS)
    specs = build_specs(args.parcels, args.seed, carriers)
    slow_carrier, _, slow_rate = args.slow.partition("=")
    aggregated = {c for c in args.aggregated.split(",") if c}
    rates = {c: float(args.rate) for c in [*SIMULATED_CARRIERS, AGGREGATOR]}
    if slow_carrier:
        rates[slow_carrier] = float(slow_rate)
    # The sandbox window: k requests per second (integral), the gate: the same rate.
    windows = {c: (max(1, round(r)), 1.0) for c, r in rates.items()}
    latency = args.latency_ms / 1000

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.sqlite")
        with new_session(store) as session:
            for spec in specs:
                add_parcel(
                    session,
                    tracking_number=spec.number,
                    carrier=spec.carrier,
                    created_at=spec.started_at,
                )
        direct = [c for c in carriers if c not in aggregated]
        wanted = direct + ([AGGREGATOR] if aggregated & set(carriers) else [])
        ref_wall, ref_requests = (
            await reference(args, specs, wanted, aggregated, rates, windows)
            if args.reference
            else (0.0, 0)
        )
        with SandboxProcess(
            specs, frozen_at=NOW, latency_ms=args.latency_ms, rate_limits=windows
        ) as sandbox:
            accounts = sandbox_accounts(sandbox.url, language="de", carriers=wanted)
            recorders: dict[str, Recorder] = {}
            for account in accounts:
                account.gate = AccountGate(
                    Limits(
                        rate_per_second=rates[account.carrier] * args.gate_margin,
                        concurrency=args.concurrency,
                        daily_quota=None,
                    )
                )
                recorder = Recorder(account.client)
                recorders[account.carrier] = recorder
                account.client = recorder
            engine = SyncEngine(store, accounts, clock=lambda: NOW, zone="Europe/Berlin")
            by_account = dict.fromkeys(wanted, 0)
            for spec in specs:
                by_account[AGGREGATOR if spec.carrier in aggregated else spec.carrier] += 1
            profiler = cProfile.Profile() if args.profile else None

            rounds = 0
            engine_requests = 0
            skipped: dict[str, int] = {}
            started = time.perf_counter()
            cpu_started = time.process_time()
            if profiler:
                profiler.enable()
            left: list[str] = []
            while True:
                rounds += 1
                if rounds == 1:
                    report = await engine.sync_due()
                else:  # what a failed answer left: fetch it now, through the gates
                    report = await engine.refresh(left)
                engine_requests += report.requests
                for why in report.skipped.values():
                    skipped[why] = skipped.get(why, 0) + 1
                with new_session(store) as session:
                    unanswered = [p for p in list_parcels(session) if not answered(p)]
                left = [p.id for p in unanswered]
                if rounds == 1:
                    # A fetch without an answer must leave the parcel due (not checked).
                    marked = sum(1 for p in unanswered if p.last_checked_at is not None)
                    unanswered_first = len(left)
                if not left or time.perf_counter() - started > args.timeout:
                    break
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if profiler:
                profiler.disable()
            stats = sandbox.stats()
            await engine.aclose()
        store.dispose()

    http = stats["by_carrier"]
    rows = []
    for carrier in wanted:
        r_expected = expected_requests(carrier, by_account[carrier])
        k, w = windows[carrier]
        floor = floor_seconds(r_expected, k, w, args.concurrency, latency)
        calls = recorders[carrier].calls
        done = (max(end for _, end, _ in calls) - started) if calls else 0.0
        rows.append(
            (
                carrier,
                by_account[carrier],
                r_expected,
                http.get(carrier, 0),
                k,
                floor,
                done,
                recorders[carrier].throttled,
            )
        )
    floor_s = max(r[5] for r in rows)
    ratio = wall / floor_s
    requests = int(stats["requests"])

    print(
        f"set-up: {args.parcels} parcels, {len(wanted)} accounts, "
        f"latency {args.latency_ms:.0f} ms, "
        f"{args.rate:g} req/s per carrier ({args.slow or 'none slower'}), gate concurrency "
        f"{args.concurrency}, aggregated via {AGGREGATOR}: {sorted(aggregated) or 'none'}"
    )
    print("floor per carrier = max((ceil(r/k) - 1) * w + L, ceil(r/c) * L); overall = max")
    print(
        f"{'account':<10} {'parcels':>7} {'r':>5} {'http':>5} {'429':>4} {'k/s':>4} "
        f"{'floor s':>8} {'done s':>7} {'ratio':>6}"
    )
    for carrier, n, r, h, k, floor, done, throttled in rows:
        print(
            f"{carrier:<10} {n:>7} {r:>5} {h:>5} {throttled:>4} {k:>4} {floor:>8.2f} "
            f"{done:>7.2f} {done / floor if floor else 0:>6.2f}"
        )
    print(
        f"wall {wall:.2f} s in {rounds} round(s) of sync_due; floor {floor_s:.2f} s "
        f"(L={latency * 1000:.0f} ms, c={args.concurrency}); ratio_to_floor {ratio:.3f}"
    )
    print(
        f"http requests {requests} (429s: {stats['rate_limited']}, early retries "
        f"{stats['early_retries']}); engine batches {engine_requests}; skipped {skipped or 0}"
    )
    if args.reference:
        print(
            f"reference (same clients and gates, no engine, no store; measured just before, "
            f"in this run): {ref_wall:.2f} s, {ref_requests} http requests, "
            f"{ref_wall / floor_s:.3f} x floor; engine / reference = {wall / ref_wall:.3f}"
        )
    print(
        f"engine process CPU {cpu:.2f} s = {cpu / args.parcels * 1000:.1f} ms per parcel "
        f"({cpu / wall:.0%} of one core over the wall time; the sandbox runs in its own process)"
    )
    print(
        f"after the first sync_due {unanswered_first} parcel(s) had no answer of their own, "
        f"{marked} of them marked as checked anyway (a per-number 429 in a partly answered "
        f"batch); later rounds refresh() them"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return {
        "ratio_to_floor": round(ratio, 3),
        "wall_s": round(wall, 3),
        "floor_s": round(floor_s, 3),
        "parcels": args.parcels,
        "requests": requests,
        "rate_limited": stats["rate_limited"],
        "reference_wall_s": round(ref_wall, 3),
        "reference_ratio_to_floor": round(ref_wall / floor_s, 3) if args.reference else None,
        "ratio_to_reference": round(wall / ref_wall, 3) if args.reference else None,
        "rounds": rounds,
        "engine_cpu_s": round(cpu, 2),
        "engine_cpu_ms_per_parcel": round(cpu / args.parcels * 1000, 2),
        "unanswered_after_first_round": unanswered_first,
        "marked_checked_without_answer": marked,
        "latency_ms": args.latency_ms,
        "by_carrier": {
            c: {
                "parcels": n,
                "requests": h,
                "throttled": t,
                "floor_s": round(f, 3),
                "done_s": round(d, 3),
            }
            for c, n, _, h, _, f, d, t in rows
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s for most carriers")
    parser.add_argument("--slow", default="dpd=5", help="carrier=requests/s, or ''")
    parser.add_argument("--aggregated", default="hermes", help="carriers routed via AfterShip")
    parser.add_argument("--carriers", default="", help="only these carriers (default: all)")
    parser.add_argument(
        "--gate-margin",
        type=float,
        default=GATE_RATE_FACTOR,
        help="engine gate rate = carrier rate * this (default: the app's own margin)",
    )
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help="skip the bare-client reference run",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the engine side")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
