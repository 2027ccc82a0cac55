"""Crash benchmark: SIGKILL the syncing process at random moments, restart it, 50 times.

Run: .venv/bin/python tests/bench/crash.py [--kills 50] [--parcels 135] [--seed 7]

The parent runs the sandbox (in a thread, over HTTP on loopback) on an accelerated clock:
sandbox time = t0 + (wall time - w0) * factor (default 1800: half a sandbox hour per second).
It seeds journeys of every scenario at every simulated carrier, started at staggered moments,
adds their parcels to a SQLite file in a temp dir, and switches the quiet hours off (so a
notice is due as soon as its change is stored). Then, `--kills` times, it starts
tests/bench/crash_child.py (the engine's `run()` loop with the outbox dispatcher and a
recording channel, on the same clock), waits until it runs, lets it work for a seeded random
0.2-2.0 s, and kills it with SIGKILL. After each kill it looks at the user's screen (the file the
recording channel writes each notice to before reporting it delivered): if the last notice the
killed run showed is not marked delivered in the store, the kill fell between the channel
accepting a notice and the commit of its finish. The next run finishes such a notice from the
dispatcher's journal (app/notify/journal.py) without showing it again; only a kill between the
channel's answer and the journal's append (one write() call) would show it twice. Finally a
last child runs until every journey has ended, every parcel has been fetched since its last
step and the outbox is empty, and is stopped with SIGTERM.

Reported: `PRAGMA integrity_check`; lost events (journey steps visible before the final run
with no stored event); duplicate events; duplicate notifications (change keys shown more than
once) with the number of kills that landed after a notice was shown and before its finish
committed; missing notifications
(outbox changes never shown). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.journeys import Journey, Scenario
from app.sandbox.seed import SIMULATED_CARRIERS, new_journey
from app.sandbox.server import SandboxServer
from app.store import add_parcel, list_events, new_session, open_store, set_setting
from tests.bench._recording import match_events

CHILD = Path(__file__).resolve().with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


class AcceleratedClock(SandboxClock):
    """Sandbox time that runs `factor` times faster than the wall clock, from (t0, w0)."""

    def __init__(self, t0: datetime, w0: float, factor: float) -> None:
        super().__init__()
        self.t0, self.w0, self.factor = t0, w0, factor

    def now(self) -> datetime:
        return self.t0 + timedelta(seconds=(time.time() - self.w0) * self.factor)


def screen_lines(path: Path) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    if not path.exists():
        return lines
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # torn by a kill mid-write: never accepted
    return lines


class Crash:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.tmp = Path(tempfile.mkdtemp(prefix="paketpilot-crash-"))
        self.db = self.tmp / "crash.sqlite"
        self.screen = self.tmp / "screen.jsonl"
        self.t0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        self.w0 = time.time()
        self.clock = AcceleratedClock(self.t0, self.w0, args.factor)
        self.child_errors = 0
        self.sandbox_errors: Counter[str] = Counter()
        self.kills_with_claims = 0
        self.error_samples: list[str] = []

    def sandbox_log(self, record: logging.LogRecord) -> bool:
        """Count what the sandbox logs (a killed client leaves requests half-read) quietly."""
        exc = record.exc_info[1] if record.exc_info else None
        self.sandbox_errors[type(exc).__name__ if exc else record.getMessage()[:60]] += 1
        return False

    # ---------------------------------------------------------------- set-up -----------
    def seed(self, ctx: SandboxContext) -> list[Journey]:
        journeys: list[Journey] = []
        carriers = list(SIMULATED_CARRIERS)
        scenarios = list(Scenario)
        for i in range(self.args.parcels):
            carrier = carriers[i % len(carriers)]
            scenario = scenarios[(i // len(carriers)) % len(scenarios)]
            journey = new_journey(ctx, carrier=carrier, scenario=scenario, rng=self.rng)
            started = self.t0 + timedelta(hours=self.rng.uniform(-self.args.spread_h, 0))
            journey = replace(journey, started_at=started)
            ctx.add_journey(journey)  # same key: replaces the one new_journey added
            journeys.append(journey)
        store = open_store(self.db)
        with new_session(store) as session:
            set_setting(session, key="notify.quiet_hours", value="")
            for journey in journeys:
                add_parcel(
                    session,
                    tracking_number=journey.tracking_number,
                    carrier=journey.carrier,
                    created_at=journey.started_at,
                )
        store.dispose()
        return journeys

    def spawn(self, url: str, tag: int) -> subprocess.Popen[str]:
        stderr = open(self.tmp / f"child-{tag}.err", "w")  # noqa: SIM115
        return subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                "--db",
                str(self.db),
                "--sandbox",
                url,
                "--screen",
                str(self.screen),
                "--tag",
                str(tag),
                "--t0",
                self.t0.isoformat(),
                "--w0",
                repr(self.w0),
                "--factor",
                str(self.args.factor),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )

    @staticmethod
    def wait_ready(child: subprocess.Popen[str], timeout: float = 60.0) -> None:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], timeout)
        if not ready or child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"child {child.pid} did not start")

    def count_errors(self, tag: int) -> None:
        """ERROR records the child logged (logging.basicConfig: 'ERROR:name:message')."""
        for line in (self.tmp / f"child-{tag}.err").read_text(errors="replace").splitlines():
            if line.startswith(("ERROR:", "CRITICAL:")) or line.startswith("Traceback"):
                self.child_errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"run {tag}: {line[:200]}")

    def open_claims(self) -> int:
        """Deliveries claimed and not finished: what the next run takes over after the lease."""
        db = sqlite3.connect(self.db)
        try:
            return int(
                db.execute(
                    "SELECT count(*) FROM deliveries WHERE claimed_by IS NOT NULL "
                    "AND finished_at IS NULL"
                ).fetchone()[0]
            )
        finally:
            db.close()

    def in_window(self, tag: int) -> bool:
        """Was the last notice run `tag` showed still unfinished in the store when it died?"""
        shown = [line for line in screen_lines(self.screen) if line.get("run") == tag]
        if not shown:
            return False
        keys = shown[-1]["keys"]
        db = sqlite3.connect(self.db)
        try:
            marks = ",".join("?" * len(keys))
            finished = db.execute(
                "SELECT count(*) FROM outbox o JOIN deliveries d ON d.outbox_id = o.id "
                "WHERE d.channel = 'native' AND d.finished_at IS NOT NULL "
                f"AND o.change_key IN ({marks})",
                keys,
            ).fetchone()[0]
        finally:
            db.close()
        return int(finished) < len(keys)

    def settled(self, journeys: list[Journey], end: datetime) -> bool:
        """Every journey over, every parcel fetched since its last step, the outbox empty."""
        if self.clock.now() < end:
            return False
        db = sqlite3.connect(self.db)
        try:
            undispatched = db.execute(
                "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL"
            ).fetchone()[0]
            seen = {
                row[0]: (row[1], row[2])
                for row in db.execute(
                    "SELECT tracking_number, last_checked_at, last_event_at FROM parcels"
                )
            }
        finally:
            db.close()
        if undispatched:
            return False
        for journey in journeys:
            last = journey.step_time(journey.steps[-1])
            checked, latest = seen.get(journey.tracking_number, (None, None))
            # Fetched since the last step; or its last step is stored (a kill between the update
            # and the separate touch_checked transaction leaves last_checked_at behind, and a
            # finished parcel is not fetched again). Scan times are whole seconds.
            if checked is not None and datetime.fromisoformat(checked) >= last:
                continue
            if latest is not None and datetime.fromisoformat(latest) >= last - timedelta(seconds=1):
                continue
            return False
        return True

    # ---------------------------------------------------------------- the run ----------
    def run(self) -> dict[str, Any]:
        args = self.args
        plan = FaultPlan(args.fault_rate, seed=args.seed, kinds=tuple(Fault))
        ctx = SandboxContext(clock=self.clock, faults=plan)
        journeys = self.seed(ctx)
        end = max(j.step_time(j.steps[-1]) for j in journeys) + timedelta(hours=2)
        server = SandboxServer(ctx).start()
        logging.getLogger("uvicorn.error").addFilter(self.sandbox_log)
        print(
            f"{len(journeys)} journeys ({len(SIMULATED_CARRIERS)} carriers x {len(Scenario)} "
            f"scenarios), sandbox clock x{args.factor:.0f} (1 s = {args.factor / 3600:.1f} h), "
            f"journeys end at sandbox +{(end - self.t0).total_seconds() / 3600:.0f} h; "
            f"{args.kills} kills, seed {args.seed}; temp dir {self.tmp}",
            flush=True,
        )
        kills_in_window = kills_with_claims = 0
        delays: list[float] = []
        try:
            for tag in range(args.kills):
                child = self.spawn(server.url, tag)
                self.wait_ready(child)
                delay = self.rng.uniform(args.min_delay, args.max_delay)
                delays.append(delay)
                time.sleep(delay)
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                window = self.in_window(tag)
                kills_in_window += window
                claimed = self.open_claims()
                kills_with_claims += claimed > 0
                self.count_errors(tag)
                if tag % 10 == 9 or window:
                    shown = len(screen_lines(self.screen))
                    print(
                        f"  kill {tag + 1:2d} after {delay:.2f} s, sandbox +"
                        f"{(self.clock.now() - self.t0).total_seconds() / 3600:5.1f} h, "
                        f"notices on screen {shown}"
                        + ("  <- after a notice was shown, before its commit" if window else ""),
                        flush=True,
                    )
            final_started = self.clock.now()
            child = self.spawn(server.url, args.kills)
            self.wait_ready(child)
            deadline = time.time() + args.final_timeout
            while not self.settled(journeys, end) and time.time() < deadline:
                time.sleep(0.5)
            settled = self.settled(journeys, end)
            child.send_signal(signal.SIGTERM)
            try:
                out, _ = child.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                out, _ = child.communicate()
            self.count_errors(args.kills)
            final_rc = child.returncode
        finally:
            server.stop()
        self.kills_with_claims = kills_with_claims
        return self.report(journeys, final_started, settled, final_rc, kills_in_window, delays, out)

    def report(
        self,
        journeys: list[Journey],
        final_started: datetime,
        settled: bool,
        final_rc: int | None,
        kills_in_window: int,
        delays: list[float],
        final_out: str,
    ) -> dict[str, Any]:
        db = sqlite3.connect(self.db)
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        outbox = dict(db.execute("SELECT change_key, kind FROM outbox"))
        outcomes = Counter(
            row[0] for row in db.execute("SELECT outcome FROM deliveries WHERE channel='native'")
        )
        undispatched = db.execute(
            "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL"
        ).fetchone()[0]
        db.close()
        shown = [key for line in screen_lines(self.screen) for key in line["keys"]]
        counts = Counter(shown)
        duplicate_notifications = sum(c - 1 for c in counts.values() if c > 1)
        missing = [key for key in outbox if key not in counts]
        unknown = [key for key in counts if key not in outbox]

        store = open_store(self.db)
        lost = duplicates = phantom = 0
        samples: list[str] = []
        with new_session(store) as session:
            ids = {
                row[0]: row[1]
                for row in session.connection().exec_driver_sql(
                    "SELECT tracking_number, id FROM parcels"
                )
            }
            for journey in journeys:
                stored = list_events(session, parcel_id=ids[journey.tracking_number])
                before_final = match_events(journey, stored, final_started)
                lost += before_final.lost
                everything = match_events(journey, stored, journey.step_time(journey.steps[-1]))
                duplicates += everything.duplicates
                phantom += everything.phantom
                if before_final.lost and len(samples) < 3:
                    samples.extend(e for e in before_final.examples if e.startswith("lost"))
        store.dispose()

        print(
            f"kills: {len(delays)} (after {min(delays):.2f}-{max(delays):.2f} s of running); "
            f"final run settled: {settled} (exit code {final_rc})"
        )
        print(f"wall time {time.time() - self.w0:.0f} s")
        print(f"SQLite integrity_check: {integrity}")
        print(
            f"lost events (steps visible before the final run, not stored): {lost}; duplicate "
            f"events: {duplicates}; events at no step's time: {phantom}"
        )
        for sample in samples:
            print(f"  e.g. {sample}")
        print(
            f"notifications: {len(outbox)} changes in the outbox, {len(shown)} shown "
            f"(native deliveries by outcome {dict(outcomes)}, undispatched {undispatched})"
        )
        print(
            f"duplicate notifications (change keys shown more than once): "
            f"{duplicate_notifications}; kills that landed after a notice was shown and before "
            f"its finish committed (finished from the journal by the next run): {kills_in_window}"
        )
        print(
            f"kills that left notices claimed but unfinished (taken over by the next run after "
            f"the lease; shown again only if inside the window above): {self.kills_with_claims}"
        )
        if duplicate_notifications:
            dup_runs: Counter[int] = Counter()
            for line in screen_lines(self.screen):
                if any(counts[k] > 1 for k in line["keys"]):
                    dup_runs[line["run"]] += 1
            print(f"  shown twice by runs: {dict(dup_runs)}")
        print(
            f"missing notifications (in the outbox, never shown): {len(missing)}; shown but not "
            f"in the outbox: {len(unknown)}"
        )
        print(f"errors logged by the children (ERROR/tracebacks): {self.child_errors}")
        if self.sandbox_errors:
            print(
                f"the sandbox logged errors for requests cut off by a kill: "
                f"{dict(self.sandbox_errors)}"
            )
        for sample in self.error_samples:
            print(f"  e.g. {sample}")
        if final_out.strip():
            print(f"final run: {final_out.strip().splitlines()[-1]}")
        return {
            "kills": len(delays),
            "integrity": integrity,
            "lost_events": lost,
            "duplicate_events": duplicates,
            "duplicate_notifications": duplicate_notifications,
            "kills_in_residual_window": kills_in_window,
            "kills_with_open_claims": self.kills_with_claims,
            "missing_notifications": len(missing),
            "notifications_shown": len(shown),
            "outbox_changes": len(outbox),
            "undispatched": undispatched,
            "child_errors": self.child_errors,
            "settled": settled,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--parcels", type=int, default=135)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--factor", type=float, default=1800.0, help="sandbox s per wall s")
    parser.add_argument("--spread-h", type=float, default=60.0, help="journey start spread")
    parser.add_argument("--min-delay", type=float, default=0.2)
    parser.add_argument("--max-delay", type=float, default=2.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--final-timeout", type=float, default=240.0)
    args = parser.parse_args()
    result = Crash(args).run()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
