"""The demo: its own store with realistic orders, accounts on the in-process sandbox, dummy keys
in memory, parcels that move within a minute, and the real sync engine wired by app.main."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.demo import DEMO_ORDERS, DEMO_SPEED, DemoController, demo_data_dir, demo_policy
from app.domain.status import Status
from app.native.secrets import InMemorySecretStore
from app.store import get_order, list_accounts, list_parcels, new_session


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoController]:
    controller = DemoController(tmp_path / "demo", seed=7).start()
    yield controller
    controller.stop()


def test_the_demo_seeds_several_shops_and_carriers_with_a_split_order(
    demo: DemoController,
) -> None:
    with new_session(demo.store) as session:
        parcels = list_parcels(session)
        shops = {get_order(session, order_id=p.order_id).shop for p in parcels if p.order_id}
        by_order: dict[str | None, list[str]] = {}
        for parcel in parcels:
            by_order.setdefault(parcel.order_id, []).append(parcel.carrier)
        accounts = list_accounts(session)
    assert {"Zalando", "Otto", "MediaMarkt", "Thalia", "Amazon"} <= shops
    assert {p.carrier for p in parcels} >= {"dhl", "hermes", "dpd", "gls", "ups", "royalmail"}
    assert sorted(["dhl", "hermes"]) in [sorted(c) for c in by_order.values()]  # Zalando's split
    assert len(parcels) == sum(len(o.parcels) for o in DEMO_ORDERS)
    # Every account points at the sandbox; keys stay in memory, never the keychain.
    assert {a.carrier for a in accounts} == {p.carrier for p in parcels}
    assert all(a.fields["base_url"].startswith(demo.sandbox_url) for a in accounts)
    assert isinstance(demo.secrets, InMemorySecretStore)


def test_the_demo_has_its_own_fresh_data_dir(tmp_path: Path) -> None:
    assert demo_data_dir(tmp_path) == tmp_path / "demo"
    first = DemoController(tmp_path / "demo", seed=1).start()
    first_numbers = _numbers(first)
    first.stop()
    second = DemoController(tmp_path / "demo", seed=2).start()
    try:
        assert _numbers(second).isdisjoint(first_numbers)  # no parcel from a gone sandbox
    finally:
        second.stop()


async def test_parcels_move_and_consecutive_events_are_a_minute_apart(
    demo: DemoController,
) -> None:
    changed = await demo.poll_once()
    assert changed == frozenset(demo.parcel_ids)  # the first fetch fills every parcel
    before = _statuses(demo)
    assert Status.PENDING not in before.values()
    assert Status.DELIVERED in before.values()  # Amazon's has arrived already

    demo.sandbox.clock.advance(timedelta(seconds=40))  # what a new user waits, at most
    moved = await demo.poll_once()

    after = _statuses(demo)
    assert moved
    assert any(after[p] != before[p] for p in moved), (before, after)
    # 4 journey hours (the closest two scans of a journey) take at least one real minute.
    assert timedelta(hours=4) / DEMO_SPEED >= timedelta(minutes=1)


def test_the_demo_policy_polls_every_few_seconds_around_the_clock() -> None:
    policy = demo_policy(5.0)
    assert policy.in_transit == policy.out_for_delivery == timedelta(seconds=5)
    assert policy.day_starts.hour == 0


async def test_app_main_runs_the_real_sync_engine_on_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from app import main
    from app.sync.engine import SyncEngine

    monkeypatch.setenv("PAKETPILOT_DATA_DIR", str(tmp_path))

    def no_keychain() -> None:
        raise AssertionError("the demo must never touch the keychain")

    monkeypatch.setattr(keyring, "get_keyring", no_keychain)
    services = main.build_services(demo=True)
    changed: list[frozenset[str]] = []
    services.listeners.append(changed.append)
    try:
        assert services.demo_mode
        assert services.demo.data_dir == tmp_path / "demo"
        assert isinstance(services.sync, SyncEngine)
        report = await services.sync.refresh(services.demo.parcel_ids)
        assert report.changed == frozenset(services.demo.parcel_ids)
        assert frozenset().union(*changed) == report.changed  # told per batch
        assert Status.PENDING not in _statuses(services.demo).values()
    finally:
        await services.sync.aclose()
        services.demo.stop()


def _numbers(demo: DemoController) -> set[str]:
    with new_session(demo.store) as session:
        return {p.tracking_number for p in list_parcels(session)}


def _statuses(demo: DemoController) -> dict[str, Status]:
    with new_session(demo.store) as session:
        return {p.id: p.status for p in list_parcels(session, include_archived=True)}


async def test_try_the_demo_switches_a_running_app_to_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from app import main

    monkeypatch.setenv("PAKETPILOT_DATA_DIR", str(tmp_path))
    services = main.build_services(demo=False)
    real_store = services.store
    was_demo = services.demo_mode  # a name: mypy would keep `services.demo_mode` False below
    assert not was_demo
    assert services.start_demo is not None
    services.start_demo()  # what "Demo ansehen" does, on the running loop
    try:
        assert services.demo_mode
        assert services.store is not real_store
        assert isinstance(services.secrets, InMemorySecretStore)
        assert services.sync_task is not None
        assert not services.sync_task.done()
        task = services.sync_task
        services.start_demo()  # a second tap changes nothing
        assert services.sync_task is task
        assert services.demo.data_dir == tmp_path / "demo"
    finally:
        services.sync_task.cancel()
        await asyncio.gather(services.sync_task, return_exceptions=True)
        await services.sync.aclose()
        services.demo.stop()
        real_store.dispose()
