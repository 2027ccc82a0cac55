"""Shared set-up of the sync benchmarks: a sandbox in its own process, journeys, engine, clock.

The sandbox runs in a child process (`python tests/bench/_sync_setup.py serve`, the spec as
JSON on stdin) so the carrier side has its own interpreter and core, as real carriers do, and
the benchmark process measures only the app. The child plays back journeys made with the
sandbox's own `seed.new_journey`, with the clock frozen at each journey's start; the parent
makes the same `Journey` objects in a throw-away context (no server) to know every step's time.

Used by `sync_throughput.py` and `polling_efficiency.py`; not a benchmark itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.sandbox.clock import SandboxClock  # noqa: E402
from app.sandbox.context import SandboxContext  # noqa: E402
from app.sandbox.journeys import Journey, Scenario  # noqa: E402
from app.sandbox.limits import RateLimit  # noqa: E402
from app.sandbox.seed import new_journey  # noqa: E402

__all__ = [
    "BenchClock",
    "JourneySpec",
    "SandboxProcess",
    "make_journeys",
    "percentile",
]


@dataclass(frozen=True, slots=True)
class JourneySpec:
    carrier: str
    scenario: Scenario
    number: str
    started_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "carrier": self.carrier,
            "scenario": self.scenario.value,
            "number": self.number,
            "started_at": self.started_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> JourneySpec:
        return cls(
            data["carrier"],
            Scenario(data["scenario"]),
            data["number"],
            datetime.fromisoformat(data["started_at"]),
        )


def make_journeys(ctx: SandboxContext, specs: Iterable[JourneySpec]) -> list[Journey]:
    """Add one journey per spec to `ctx`, each started at its own moment on a frozen clock."""
    journeys = []
    for spec in specs:
        ctx.clock.freeze(spec.started_at)
        journeys.append(
            new_journey(ctx, carrier=spec.carrier, scenario=spec.scenario, number=spec.number)
        )
    return journeys


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


class BenchClock:
    """The engine's (and dispatcher's) wall clock in a simulation: moved only by `set`."""

    def __init__(self, start: datetime) -> None:
        self.wall = start

    def now(self) -> datetime:
        return self.wall

    def set(self, moment: datetime) -> None:
        self.wall = moment


class SandboxProcess:
    """The sandbox served by a child process on loopback; stopped by its PID."""

    def __init__(
        self,
        journeys: Sequence[JourneySpec],
        *,
        frozen_at: datetime | None,
        latency_ms: float = 0.0,
        rate_limits: dict[str, tuple[int, float]] | None = None,
    ) -> None:
        spec = {
            "journeys": [j.to_json() for j in journeys],
            "frozen_at": frozen_at.isoformat() if frozen_at else None,
            "latency_ms": latency_ms,
            "rate_limits": rate_limits or {},
        }
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(ROOT),
        )
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(spec))
        self._proc.stdin.close()
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = line
        self._now = frozen_at
        self._http = httpx.Client(base_url=self.url, timeout=30)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = self._http.get("/_sandbox/stats").json()
        return data

    def move_to(self, moment: datetime) -> None:
        """Move the frozen sandbox clock to `moment` (forward only)."""
        assert self._now is not None, "the sandbox clock is not frozen"
        delta = (moment - self._now).total_seconds()
        if delta < 0:
            raise ValueError("the sandbox clock only moves forward")
        if delta:
            self._http.post("/_sandbox/clock", json={"advance_hours": delta / 3600})
            self._now = moment

    def stop(self) -> None:
        if hasattr(self, "_http"):
            self._http.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve() -> None:
    """Child process: build the context from the spec on stdin, print the URL, serve."""
    import asyncio
    import socket

    import uvicorn

    from app.sandbox.app import build_app

    spec = json.loads(sys.stdin.read())
    frozen = spec["frozen_at"]
    ctx = SandboxContext(
        clock=SandboxClock(frozen_at=datetime.now(UTC)),
        latency_ms=float(spec["latency_ms"]),
        rate_limits={
            carrier: RateLimit(int(n), float(per))
            for carrier, (n, per) in spec["rate_limits"].items()
        },
    )
    make_journeys(ctx, [JourneySpec.from_json(j) for j in spec["journeys"]])
    if frozen:
        ctx.clock.freeze(datetime.fromisoformat(frozen))
    else:  # run on real time again
        ctx.clock = SandboxClock()
    # IPPROTO_TCP: uvicorn then sets TCP_NODELAY on accepted connections (RECIPES.md).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.setblocking(False)
    config = uvicorn.Config(build_app(ctx), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    _serve()
