"""The sync engine against the sandbox over HTTP on loopback, with a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.carriers.auth import Credentials
from app.carriers.registry import REGISTRY
from app.domain.models import ProblemKind
from app.domain.status import Status
from app.native.secrets import InMemorySecretStore
from app.sandbox.app import sandbox_url
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.journeys import Journey, Scenario
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer
from app.store import (
    add_parcel,
    get_parcel,
    list_events,
    new_session,
    open_store,
    pending,
    save_account,
)
from app.sync.accounts import build_accounts, runtime_for, sandbox_accounts
from app.sync.engine import SyncEngine
from app.sync.status import SyncPhase

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START))
    with SandboxServer(ctx) as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "paketpilot.sqlite")


def _journey(server: SandboxServer, carrier: str, scenario: Scenario = Scenario.DELIVERED) -> Any:
    return new_journey(server.ctx, carrier=carrier, scenario=scenario)


def _track(store: Engine, journey: Journey, carrier: str | None = None, **kw: Any) -> str:
    with new_session(store) as session:
        return add_parcel(
            session,
            tracking_number=journey.tracking_number,
            carrier=carrier or journey.carrier,
            created_at=START,
            **kw,
        ).id


def _at(server: SandboxServer, hours: float) -> None:
    server.ctx.clock.freeze(START + timedelta(hours=hours))


def _count(store: Engine, table: str) -> int:
    with store.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
async def engine(sandbox: SandboxServer, store: Engine) -> AsyncIterator[SyncEngine]:
    accounts = sandbox_accounts(sandbox.url, language="de", carriers=["dhl", "gls", "aftership"])
    sync = SyncEngine(store, accounts, clock=sandbox.ctx.clock.now, max_gate_wait=0.0)
    yield sync
    await sync.aclose()


async def test_a_journey_is_followed_and_refetching_writes_nothing(
    sandbox: SandboxServer, store: Engine, engine: SyncEngine
) -> None:
    dhl = _track(store, _journey(sandbox, "dhl"), label="Winterjacke")
    gls = _track(store, _journey(sandbox, "gls"))
    changed: list[frozenset[str]] = []
    engine.on_changed = changed.append  # or on_changed= at construction

    _at(sandbox, 10)
    report = await engine.sync_due()
    assert report.changed == {dhl, gls}
    assert set().union(*changed) == {dhl, gls}
    with new_session(store) as session:
        for parcel_id in (dhl, gls):
            parcel = get_parcel(session, parcel_id=parcel_id)
            assert parcel.status is Status.IN_TRANSIT
            assert parcel.last_checked_at == START + timedelta(hours=10)
        assert [i.kind for i in pending(session)] == ["shipped", "shipped"]

    _at(sandbox, 31)
    await engine.sync_due()  # out for delivery at 30 h; in-transit parcels are due every 4 h
    with new_session(store) as session:
        assert get_parcel(session, parcel_id=dhl).status is Status.OUT_FOR_DELIVERY
        assert len(list_events(session, parcel_id=dhl)) == 5
    rows = (_count(store, "events"), _count(store, "outbox"))

    changed.clear()
    again = await engine.refresh([dhl, gls])
    assert {o.rows_written for o in again.outcomes.values()} == {0}
    assert (_count(store, "events"), _count(store, "outbox")) == rows
    assert changed == []
    assert engine.snapshot().account("sandbox-dhl").phase is SyncPhase.OK  # type: ignore[union-attr]


async def test_a_carrier_without_an_account_goes_through_the_aggregator(
    sandbox: SandboxServer, store: Engine, engine: SyncEngine
) -> None:
    hermes = _track(store, _journey(sandbox, "hermes"))
    _at(sandbox, 35)
    await engine.sync_due()
    with new_session(store) as session:
        parcel = get_parcel(session, parcel_id=hermes)
        events = list_events(session, parcel_id=hermes)
    assert parcel.status is Status.DELIVERED
    assert {e.source.value for e in events} == {"aggregator"}
    assert sandbox.ctx.stats.by_carrier.get("aftership", 0) >= 1
    assert "hermes" not in sandbox.ctx.stats.by_carrier


async def test_retry_after_is_honoured_and_shown(
    sandbox: SandboxServer, store: Engine, engine: SyncEngine
) -> None:
    parcel_id = _track(store, _journey(sandbox, "dhl"))
    sandbox.ctx.faults = FaultPlan(1.0, seed=3, kinds=(Fault.RATE_LIMIT_WITH_RETRY_AFTER,))
    await engine.sync_due()
    status = engine.snapshot().account("sandbox-dhl")
    assert status is not None
    assert status.phase is SyncPhase.RATE_LIMITED
    assert status.rate_limited_until is not None
    with new_session(store) as session:
        assert get_parcel(session, parcel_id=parcel_id).problem is ProblemKind.RATE_LIMITED

    sandbox.ctx.faults = FaultPlan(0.0)
    requests = sandbox.ctx.stats.requests
    report = await engine.refresh([parcel_id])  # opened by the user: still not before time
    assert parcel_id in report.skipped
    assert sandbox.ctx.stats.requests == requests

    await asyncio.sleep(3.1)  # the sandbox asks for 1-3 s
    await engine.refresh([parcel_id])
    assert sandbox.ctx.stats.early_retries == 0
    with new_session(store) as session:
        parcel = get_parcel(session, parcel_id=parcel_id)
    assert parcel.problem is None
    assert parcel.status is Status.INFO_RECEIVED
    assert engine.snapshot().account("sandbox-dhl").phase is SyncPhase.OK  # type: ignore[union-attr]


async def test_an_invalid_key_is_account_state_not_an_exception(
    sandbox: SandboxServer, store: Engine
) -> None:
    parcel_id = _track(store, _journey(sandbox, "dhl"))
    adapter = REGISTRY["dhl"]
    client = adapter.client(
        Credentials({"api_key": "bad-key"}),
        base_url=sandbox_url(sandbox.url, "dhl", adapter.default_base_url),
    )
    engine = SyncEngine(
        store, [runtime_for(adapter, client, account_id="dhl-1")], clock=sandbox.ctx.clock.now
    )
    await engine.sync_due()
    await engine.aclose()
    status = engine.snapshot().account("dhl-1")
    assert status is not None
    assert status.headline("de") == "DHL: Schlüssel ungültig"
    assert status.headline("en") == "DHL: key invalid"
    with new_session(store) as session:
        parcel = get_parcel(session, parcel_id=parcel_id)
    assert parcel.problem is ProblemKind.AUTH_FAILED
    assert parcel.last_checked_at is None  # nothing was learnt about the parcel itself


async def test_accounts_come_from_the_store_and_the_keychain(
    sandbox: SandboxServer, store: Engine
) -> None:
    parcel_id = _track(store, _journey(sandbox, "dhl"))
    adapter = REGISTRY["dhl"]
    with new_session(store) as session:
        account = save_account(
            session,
            carrier="dhl",
            label="DHL privat",
            fields={"base_url": sandbox_url(sandbox.url, "dhl", adapter.default_base_url)},
        )
    secrets = InMemorySecretStore()
    await secrets.set(account.id, "api_key", "my-key")
    accounts = await build_accounts(store, secrets, language="de")
    assert [(a.account_id, a.display_name) for a in accounts] == [
        (account.id, "DHL privat"),
        ("dpd", "DPD"),  # keyless: always there
    ]
    assert accounts[0].gate.limits.daily_quota == 250  # a DHL starter key
    engine = SyncEngine(store, accounts, clock=sandbox.ctx.clock.now)
    await engine.refresh([parcel_id])
    await engine.aclose()
    with new_session(store) as session:
        assert get_parcel(session, parcel_id=parcel_id).status is Status.INFO_RECEIVED
