"""The process tests/bench/crash.py kills: the sync engine and the outbox dispatcher, running.

Run by crash.py only:
    python tests/bench/crash_child.py --db F --sandbox URL --screen F --tag N
        --t0 ISO --w0 EPOCH --factor X

It runs `SyncEngine.run()` (per-account loops plus the dispatcher loop) against the sandbox,
on a clock shared with the parent: sandbox time = t0 + (wall time - w0) * factor, the same
formula the parent's sandbox uses. The recording channel appends each delivered notice (its
change keys and this run's tag) to the screen file before it reports the notice delivered
(write() without fsync: a killed process keeps what it handed the kernel, as a notification
server keeps what D-Bus delivered; the bench kills processes, it does not cut the power).
Prints "ready" once the loop runs; exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.notify.dispatcher import Dispatcher
from app.notify.notice import Notice
from app.sandbox.seed import SIMULATED_CARRIERS
from app.store import open_store
from app.sync.engine import SyncEngine
from tests.bench._recording import ErrorCounter, RecordingChannel, bench_accounts


class TaggedScreen(RecordingChannel):
    """The recording channel, each line also naming the run that showed it."""

    def __init__(self, path: Path, tag: int) -> None:
        # A kill in the middle of a write leaves a torn last line: end it, so it stays one
        # unreadable line (a notice never accepted) instead of swallowing the next one.
        if path.exists() and path.stat().st_size:
            with open(path, "rb+") as raw:
                raw.seek(-1, 2)
                if raw.read(1) != b"\n":
                    raw.write(b"\n")
        super().__init__(None)
        self._tag = tag
        self._screen = open(path, "a", encoding="utf-8")  # noqa: SIM115

    async def deliver(self, notice: Notice) -> bool:
        line = json.dumps({"keys": list(notice.change_keys), "run": self._tag})
        self._screen.write(line + "\n")
        self._screen.flush()
        self.notices.append(notice)
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--screen", required=True)
    parser.add_argument("--tag", type=int, required=True)
    parser.add_argument("--t0", required=True)
    parser.add_argument("--w0", type=float, required=True)
    parser.add_argument("--factor", type=float, required=True)
    parser.add_argument("--deadline", type=float, default=2.0)
    args = parser.parse_args()

    t0 = datetime.fromisoformat(args.t0)

    def clock() -> datetime:
        return t0 + timedelta(seconds=(time.time() - args.w0) * args.factor)

    errors = ErrorCounter()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().addHandler(errors)

    async def run() -> None:
        store = open_store(Path(args.db))
        screen = TaggedScreen(Path(args.screen), args.tag)
        dispatcher = Dispatcher(store, native=[screen], clock=clock, default_language="de")
        accounts = bench_accounts(
            args.sandbox, SIMULATED_CARRIERS, deadline_s=args.deadline, clock=clock
        )
        # idle_poll: the loops sleep in wall time; one wall second is `factor` sandbox seconds.
        engine = SyncEngine(
            store, accounts, clock=clock, dispatcher=dispatcher, idle_poll=0.5, max_gate_wait=0.5
        )
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(engine.run())
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        print("ready", flush=True)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            await engine.aclose()
            print(json.dumps({"errors": errors.count, "samples": errors.samples}), flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
