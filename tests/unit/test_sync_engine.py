"""The sync engine with fake clients and a fake clock, over a real SQLite file."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

import app.store.apply as store_apply
import app.sync.writer as writer_module
from app.domain.models import ProblemKind
from app.domain.status import Status, SubStatus
from app.notify.notice import NoticeKind
from app.store import get_parcel, list_events, new_session, pending
from app.sync.engine import SyncEngine
from app.sync.status import SyncPhase
from tests.unit.test_sync_support import (
    T0,
    FakeClock,
    FakeTracker,
    add,
    error,
    event,
    make_store,
    runtime,
    update_for,
)


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    return make_store(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _transit(number: str, hints: Mapping[str, str] | None = None) -> Any:
    return update_for(number, [event(-0.5, Status.IN_TRANSIT, "Abgeholt")])


def _count(store: Engine, table: str) -> int:
    with store.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _parcel(store: Engine, parcel_id: str) -> Any:
    with new_session(store) as session:
        return get_parcel(session, parcel_id=parcel_id)


async def test_parcels_are_grouped_per_account_and_batched(store: Engine, clock: FakeClock) -> None:
    dhl, gls, aftership = FakeTracker(_transit), FakeTracker(_transit), FakeTracker(_transit)
    for i in range(3):
        add(store, f"00340434{i:011d}", "dhl")
    for i in range(25):
        add(store, f"9{i:010d}", "gls")
    hermes_id = add(store, "H1234567890123456789", "hermes")  # no Hermes account
    engine = SyncEngine(
        store,
        [
            runtime("dhl", dhl, clock),
            runtime("gls", gls, clock),
            runtime("aftership", aftership, clock),
        ],
        clock=clock.now,
    )
    report = await engine.sync_due()

    assert sorted(len(numbers) for numbers, _ in gls.calls) == [5, 10, 10]
    assert [len(numbers) for numbers, _ in dhl.calls] == [1, 1, 1]
    # The carrier without an account goes to the aggregator, with its carrier as a hint.
    assert aftership.calls == [(("H1234567890123456789",), {"H1234567890123456789": "hermes"})]
    assert len(report.outcomes) == 29
    assert _parcel(store, hermes_id).status is Status.IN_TRANSIT


async def test_parcels_due_soon_ride_along_in_a_batch_that_goes_out_anyway(
    store: Engine, clock: FakeClock
) -> None:
    """In transit, a parcel is due every 4 h (±10 %). A GLS request holds up to 10 numbers:
    one that is due takes along those with at most half their interval left, at no extra call.
    DHL answers one number per request, so nothing rides there."""
    gls, dhl = FakeTracker(_transit), FakeTracker(_transit)
    originals = [f"9{i:010d}" for i in range(3)]
    for number in originals:
        add(store, number, "gls")
    add(store, "00340434000000000001", "dhl")
    engine = SyncEngine(
        store, [runtime("gls", gls, clock), runtime("dhl", dhl, clock)], clock=clock.now
    )
    await engine.sync_due()

    clock.advance(1.5 * 3600)  # the others have more than half their interval left
    add(store, "99000000004", "gls")
    await engine.sync_due()

    clock.advance(1.7 * 3600)  # 3.2 h: the originals are due within the hour, not yet
    add(store, "99000000005", "gls")
    await engine.sync_due()

    assert [set(numbers) for numbers, _ in gls.calls] == [
        set(originals),
        {"99000000004"},
        {"99000000005", *originals},
    ]
    assert len(dhl.calls) == 1

    clock.advance(0.5 * 3600)  # the riders were seen: they are not due again so soon
    await engine.sync_due()
    assert len(gls.calls) == 3


async def test_a_stalled_account_does_not_delay_another(store: Engine, clock: FakeClock) -> None:
    slow = FakeTracker(_transit, gate=asyncio.Event())
    fast = FakeTracker(_transit)
    add(store, "00340434000000000001", "dhl")
    gls_id = add(store, "90000000001", "gls")
    changed: list[frozenset[str]] = []
    engine = SyncEngine(
        store,
        [runtime("dhl", slow, clock), runtime("gls", fast, clock)],
        clock=clock.now,
        on_changed=changed.append,
    )
    round_ = asyncio.create_task(engine.sync_due())
    for _ in range(100):
        if changed:
            break
        await asyncio.sleep(0.01)
    # GLS is written and announced while DHL still hangs.
    assert changed == [frozenset({gls_id})]
    assert _parcel(store, gls_id).status is Status.IN_TRANSIT
    assert not round_.done()
    assert engine.snapshot().account("acc-dhl").syncing  # type: ignore[union-attr]
    slow.gate.set()  # type: ignore[union-attr]
    report = await round_
    assert len(report.outcomes) == 2


async def test_retry_after_is_honoured_even_by_refresh(store: Engine, clock: FakeClock) -> None:
    answers: list[Any] = []

    def respond(number: str, hints: Any) -> Any:
        return answers.pop(0)(number)

    tracker = FakeTracker(respond)
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    answers.append(lambda n: error(n, ProblemKind.RATE_LIMITED, "too many requests", 120.0))
    await engine.sync_due()

    status = engine.snapshot().account("acc-dhl")
    assert status is not None
    assert status.phase is SyncPhase.RATE_LIMITED
    assert status.rate_limited_until == T0 + timedelta(seconds=120)
    assert status.headline("de") == "DHL: wartet auf den Anbieter"

    clock.advance(60)
    report = await engine.refresh([parcel_id])
    assert len(tracker.calls) == 1  # not asked before Retry-After has passed
    assert "Retry-After" in report.skipped[parcel_id]

    clock.advance(61)
    answers.append(_transit)
    report = await engine.refresh([parcel_id])
    assert len(tracker.calls) == 2
    assert engine.snapshot().account("acc-dhl").phase is SyncPhase.OK  # type: ignore[union-attr]
    assert _parcel(store, parcel_id).status is Status.IN_TRANSIT


async def test_errors_become_parcel_and_account_state(store: Engine, clock: FakeClock) -> None:
    said = "No shipment with given tracking number found."
    tracker = FakeTracker(lambda n, h: error(n, ProblemKind.NOT_FOUND, said, carrier_text=said))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    report = await engine.sync_due()

    parcel = _parcel(store, parcel_id)
    assert parcel.problem is ProblemKind.NOT_FOUND
    assert parcel.problem_detail == said  # the carrier's own words
    assert parcel.last_checked_at == T0  # the carrier answered: the check counts
    assert report.outcomes[parcel_id].problem is ProblemKind.NOT_FOUND
    assert engine.snapshot().account("acc-dhl").phase is SyncPhase.OK  # type: ignore[union-attr]

    tracker.respond = lambda n, h: error(n, ProblemKind.AUTH_FAILED, "the key was rejected")
    await engine.refresh([parcel_id])
    status = engine.snapshot().account("acc-dhl")
    assert status is not None
    assert status.phase is SyncPhase.FAILING
    assert status.headline("de") == "DHL: Schlüssel ungültig"
    assert status.headline("en") == "DHL: key invalid"
    assert _parcel(store, parcel_id).problem is ProblemKind.AUTH_FAILED

    tracker.respond = _transit
    clock.advance(600)
    await engine.refresh([parcel_id])
    parcel = _parcel(store, parcel_id)
    assert parcel.problem is None  # a good answer clears the problem
    assert engine.snapshot().account("acc-dhl").headline("de") is None  # type: ignore[union-attr]


async def test_repeated_failures_open_the_circuit(store: Engine, clock: FakeClock) -> None:
    tracker = FakeTracker(lambda n, h: error(n, ProblemKind.UNAVAILABLE, "HTTP 503"))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    for _ in range(5):
        await engine.refresh([parcel_id])
        clock.advance(400)  # past every backoff
        if engine.snapshot().account("acc-dhl").phase is SyncPhase.CIRCUIT_OPEN:  # type: ignore[union-attr]
            break
    status = engine.snapshot().account("acc-dhl")
    assert status is not None
    assert status.phase is SyncPhase.CIRCUIT_OPEN
    assert status.headline("en") == "DHL: paused after repeated failures"
    calls = len(tracker.calls)
    clock.advance(-399)  # back inside the cooldown
    report = await engine.refresh([parcel_id])
    assert len(tracker.calls) == calls
    assert report.skipped[parcel_id] == "circuit open"


async def test_refetch_with_nothing_new_writes_nothing(store: Engine, clock: FakeClock) -> None:
    events = [
        event(-3, Status.IN_TRANSIT, "Abgeholt"),
        event(-0.5, Status.OUT_FOR_DELIVERY, "In Zustellung", city="Berlin"),
    ]
    tracker = FakeTracker(lambda n, h: update_for(n, events, fetched_at=clock.now()))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)

    first = await engine.sync_due()
    assert first.outcomes[parcel_id].rows_written > 0
    assert first.outcomes[parcel_id].outbox_added == 1  # out for delivery
    outbox, stored = _count(store, "outbox"), _count(store, "events")
    assert stored == 2

    clock.advance(120)
    again = await engine.refresh([parcel_id])
    assert again.outcomes[parcel_id].rows_written == 0
    assert again.outcomes[parcel_id].outbox_added == 0
    assert again.changed == frozenset()
    assert (_count(store, "outbox"), _count(store, "events")) == (outbox, stored)


async def test_one_transaction_per_parcel_update(
    store: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok_id = add(store, "00340434000000000001")
    bad_id = add(store, "00340434000000000002")
    events = [event(-0.5, Status.OUT_FOR_DELIVERY, "In Zustellung")]
    tracker = FakeTracker(lambda n, h: update_for(n, events, fetched_at=clock.now()))
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)

    before: list[bool] = []
    after: list[bool] = []
    real_apply = writer_module.apply_update  # type: ignore[attr-defined]

    def apply_spy(session: Any, **kwargs: Any) -> Any:
        # The reads (parcel, events) already run in the transaction the apply commits.
        before.append(session.in_transaction())
        result = real_apply(session, **kwargs)
        after.append(session.in_transaction())
        return result

    real_insert = store_apply.insert_entries  # type: ignore[attr-defined]

    def failing_insert(connection: Any, *, parcel_id: str, **kwargs: Any) -> int:
        if parcel_id == bad_id:
            raise RuntimeError("disk full")
        return real_insert(connection, parcel_id=parcel_id, **kwargs)

    monkeypatch.setattr(writer_module, "apply_update", apply_spy)
    monkeypatch.setattr(store_apply, "insert_entries", failing_insert)
    report = await engine.sync_due()

    # Inside the reads' transaction before the apply, committed after it (the failed one raised).
    assert (before, after) == ([True, True], [False])
    assert ok_id in report.outcomes
    assert bad_id not in report.outcomes
    with new_session(store) as session:
        assert len(list_events(session, parcel_id=ok_id)) == 1
        # The failed outbox insert took the events and the state with it.
        assert list_events(session, parcel_id=bad_id) == ()
        assert [i.parcel_id for i in pending(session)] == [ok_id]
    assert _parcel(store, bad_id).status is Status.PENDING


async def test_changes_go_to_the_outbox_as_announcements(store: Engine, clock: FakeClock) -> None:
    history = [event(-30, Status.INFO_RECEIVED, "Angekündigt")]
    tracker = FakeTracker(lambda n, h: update_for(n, history, fetched_at=clock.now()))
    parcel_id = add(store, "00340434000000000001", label="Winterjacke")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    await engine.sync_due()
    with new_session(store) as session:
        assert pending(session) == []  # label created: quiet

    history.append(event(1, Status.IN_TRANSIT, "Abgeholt"))
    clock.advance(2 * 3600)
    await engine.refresh([parcel_id])
    history.append(event(3, Status.DELIVERED, "Zugestellt"))
    clock.advance(2 * 3600)
    await engine.refresh([parcel_id])
    with new_session(store) as session:
        items = pending(session)
    assert [i.kind for i in items] == [NoticeKind.SHIPPED, NoticeKind.DELIVERED]
    assert all(i.key.startswith(f"{parcel_id}:") for i in items)
    assert items[1].payload["parcel_name"] == "Winterjacke"
    assert items[1].payload["status"] == "delivered"

    # Delivered is the end: days later, even a forced fetch announces nothing more.
    clock.advance(10 * 86400)
    report = await engine.sync_due()
    assert report.outcomes == {}  # not due any more
    await engine.refresh([parcel_id])
    with new_session(store) as session:
        assert len(pending(session)) == 2


async def test_not_handed_over_is_news_only_once_it_is_overdue(
    store: Engine, clock: FakeClock
) -> None:
    label = [event(-1, Status.INFO_RECEIVED, "Label erstellt", sub=SubStatus.NOT_HANDED_OVER)]
    tracker = FakeTracker(lambda n, h: update_for(n, label, fetched_at=clock.now()))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    await engine.sync_due()
    with new_session(store) as session:
        assert pending(session) == []  # a fresh label is no news
    for _ in range(12):  # six days, twice a day
        clock.advance(12 * 3600)
        await engine.refresh([parcel_id])
    with new_session(store) as session:
        items = pending(session)
    assert [(i.kind, i.payload["stalled_days"]) for i in items] == [("stalled", 5)]


async def test_a_label_without_a_scan_is_not_handed_over_not_waiting_for_data(
    store: Engine, clock: FakeClock
) -> None:
    """DHL, UPS, FedEx and USPS answer a label they have not scanned as pre-transit, with no
    event. That is the seller's "not handed over yet" (its own state), as a label event is."""
    said = "DHL knows this number but has no scan yet"
    tracker = FakeTracker(lambda n, h: error(n, ProblemKind.PRE_TRANSIT, said))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    await engine.sync_due()

    parcel = _parcel(store, parcel_id)
    assert (parcel.status, parcel.sub_status) == (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER)
    assert parcel.problem is ProblemKind.PRE_TRANSIT
    assert parcel.problem_detail is None  # our note; DHL gave no words
    with new_session(store) as session:
        assert pending(session) == []  # a fresh label is no news


async def test_a_pre_transit_answer_does_not_take_back_a_shipped_headline(
    store: Engine, clock: FakeClock
) -> None:
    """A carrier that gave only a headline ("in transit", no events) and then, from a flaky
    backend, "no scan yet" keeps the parcel shipped: the label state is for unshipped ones."""
    headline = replace(update_for("x", [], fetched_at=clock.now()), status_hint=Status.IN_TRANSIT)
    answers: list[Any] = [replace(headline, tracking_number="00340434000000000001")]
    answers.append(error("00340434000000000001", ProblemKind.PRE_TRANSIT, "no scan yet"))
    tracker = FakeTracker(lambda n, h: answers.pop(0))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    await engine.sync_due()
    assert _parcel(store, parcel_id).status is Status.IN_TRANSIT
    clock.advance(3600)
    await engine.refresh([parcel_id])
    parcel = _parcel(store, parcel_id)
    assert (parcel.status, parcel.problem) == (Status.IN_TRANSIT, ProblemKind.PRE_TRANSIT)


async def test_tracks_says_which_carriers_an_account_can_fetch(
    store: Engine, clock: FakeClock
) -> None:
    tracker = FakeTracker(lambda n, h: update_for(n, []))  # fetches nothing here
    loaded: list[Any] = [runtime("dhl", tracker, clock)]

    async def load() -> list[Any]:
        return loaded

    engine = SyncEngine(store, [], clock=clock.now, account_loader=load)
    assert engine.tracks("dhl") is None  # not loaded yet: no answer rather than a wrong one
    await engine.reload_accounts()
    assert (engine.tracks("dhl"), engine.tracks("gls")) == (True, False)
    loaded.append(runtime("aftership", tracker, clock))  # an aggregator tracks for any carrier
    await engine.reload_accounts()
    assert engine.tracks("gls") is True
    await engine.aclose()


async def test_silence_is_announced_only_after_an_answered_fetch(
    store: Engine, clock: FakeClock
) -> None:
    """Four days without a DHL scan is a stall (three days), but a fetch that failed does not
    know whether the carrier has a new scan: the stall waits for the next answered fetch."""
    scans = [event(-1, Status.IN_TRANSIT, "Im Paketzentrum")]
    answers: list[Any] = []
    tracker = FakeTracker(lambda n, h: answers.pop(0))
    parcel_id = add(store, "00340434000000000001")
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    answers.append(update_for("00340434000000000001", scans, fetched_at=clock.now()))
    await engine.refresh([parcel_id])

    clock.advance(4 * 86400)
    answers.append(error("00340434000000000001", ProblemKind.UNAVAILABLE, "DHL is down"))
    await engine.refresh([parcel_id])
    with new_session(store) as session:
        assert [i.kind for i in pending(session)] == ["shipped"]
        assert get_parcel(session, parcel_id=parcel_id).problem is ProblemKind.UNAVAILABLE

    clock.advance(600)
    answers.append(update_for("00340434000000000001", scans, fetched_at=clock.now()))
    await engine.refresh([parcel_id])
    with new_session(store) as session:
        assert [i.kind for i in pending(session)] == ["shipped", "stalled"]


async def test_silence_for_30_days_is_persisted_as_expired(store: Engine, clock: FakeClock) -> None:
    tracker = FakeTracker(lambda n, h: error(n, ProblemKind.NOT_FOUND, "no data"))
    parcel_id = add(store, "00340434000000000001", created_at=T0 - timedelta(days=31))
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    await engine.sync_due()
    parcel = _parcel(store, parcel_id)
    assert parcel.status is Status.EXPIRED
    assert parcel.problem is ProblemKind.NOT_FOUND
    with new_session(store) as session:
        items = pending(session)
    assert [(i.kind, i.payload["status"]) for i in items] == [("problem", "expired")]
    # Expired is terminal: no more polling.
    clock.advance(86400)
    assert (await engine.sync_due()).outcomes == {}


async def test_a_parcel_without_any_account_says_so(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "H1234567890123456789", "hermes")
    engine = SyncEngine(store, [], clock=clock.now)
    report = await engine.sync_due()
    parcel = _parcel(store, parcel_id)
    assert parcel.problem is ProblemKind.NO_ACCOUNT
    assert parcel.problem_detail is None  # our note is for the report, not the parcel
    assert report.skipped[parcel_id] == "no account set up for hermes"
    assert engine.snapshot().unrouted == frozenset({"hermes"})
    assert report.outcomes[parcel_id].rows_written == 1
    again = await engine.sync_due()
    assert again.outcomes == {}  # nothing new: not even a write


async def test_a_tight_daily_quota_stretches_intervals_and_puts_priority_first(
    store: Engine, clock: FakeClock
) -> None:
    tracker = FakeTracker(_transit)
    ofd = [event(-0.5, Status.OUT_FOR_DELIVERY, "In Zustellung")]
    numbers = [f"00340434{i:011d}" for i in range(200)]
    ids = [add(store, n) for n in numbers]
    urgent_number = numbers[-1]
    tracker.respond = lambda n, h: (
        update_for(n, ofd, fetched_at=clock.now()) if n == urgent_number else _transit(n)
    )
    account = runtime("dhl", tracker, clock, daily_quota=250)
    engine = SyncEngine(store, [account], clock=clock.now)

    await engine.sync_due()  # never-checked parcels are all due at once
    assert len(tracker.calls) == 200
    assert account.gate.quota_left() == 50

    # The next round: 199 in-transit parcels every 4 h until midnight would need ~700 calls.
    clock.advance(4.5 * 3600)
    tracker.calls.clear()
    await engine.sync_due()
    status = engine.snapshot().account("acc-dhl")
    assert status is not None
    assert status.stretch > 10
    assert status.quota_left is not None
    assert status.quota_left >= 10
    # The out-for-delivery parcel kept its 10 min pace and went first.
    assert tracker.calls[0][0] == (urgent_number,)
    assert _parcel(store, ids[-1]).last_checked_at == clock.now()


async def test_quota_use_survives_a_restart(store: Engine, clock: FakeClock) -> None:
    add(store, "00340434000000000001")
    tracker = FakeTracker(_transit)
    engine = SyncEngine(store, [runtime("dhl", tracker, clock, daily_quota=250)], clock=clock.now)
    await engine.sync_due()
    restarted = runtime("dhl", FakeTracker(_transit), clock, daily_quota=250)
    SyncEngine(store, [restarted], clock=clock.now)
    assert restarted.gate.quota_left() == 249


async def test_run_loop_syncs_and_sleeps_per_account(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    changed: list[frozenset[str]] = []
    tracker = FakeTracker(_transit)
    engine = SyncEngine(
        store, [runtime("dhl", tracker, clock)], clock=clock.now, on_changed=changed.append
    )
    task = asyncio.create_task(engine.run())
    for _ in range(200):
        if changed:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert changed == [frozenset({parcel_id})]
    await engine.aclose()
    assert tracker.closed


async def test_build_sync_wires_accounts_and_the_dispatcher(store: Engine) -> None:
    from app.native.secrets import InMemorySecretStore
    from app.store import save_account
    from app.sync.build import build_sync

    with new_session(store) as session:
        account = save_account(session, carrier="dhl", label="DHL")
    secrets = InMemorySecretStore()
    await secrets.set(account.id, "api_key", "k")
    engine = build_sync(store, secrets=secrets, language="en")  # no loop needed
    # `not`, not `== ()`: mypy would keep `engine.accounts` as the empty tuple past the reload.
    assert not engine.accounts
    await engine.reload_accounts()  # run(), refresh() and sync_due() do this on first use
    # The stored account, plus DPD, whose public tracking needs no key and no setup.
    assert [(a.account_id, a.carrier, a.display_name) for a in engine.accounts] == [
        (account.id, "dhl", "DHL"),
        ("dpd", "dpd", "DPD"),
    ]
    await engine.aclose()

    sandbox = build_sync(store, sandbox="http://127.0.0.1:9")
    await sandbox.sync_due()  # loads the accounts; nothing is due
    assert {a.carrier for a in sandbox.accounts} == {
        "dhl", "ups", "fedex", "usps", "dpd", "hermes", "gls", "postnl", "royalmail",
        "aftership", "17track",
    }  # fmt: skip
    assert len({id(a.gate) for a in sandbox.accounts}) == 11  # one gate per account
    await sandbox.aclose()


async def test_run_hands_changes_to_the_dispatcher(store: Engine, clock: FakeClock) -> None:
    from app.notify.dispatcher import Dispatcher
    from tests.unit.test_dispatcher import FakeChannel

    ofd = [event(-0.5, Status.OUT_FOR_DELIVERY, "In Zustellung")]
    tracker = FakeTracker(lambda n, h: update_for(n, ofd, fetched_at=clock.now()))
    parcel_id = add(store, "00340434000000000001", label="Winterjacke")
    desktop = FakeChannel("desktop")
    dispatcher = Dispatcher(store, native=[desktop], clock=clock.now)
    engine = SyncEngine(
        store, [runtime("dhl", tracker, clock)], clock=clock.now, dispatcher=dispatcher
    )
    task = asyncio.create_task(engine.run())
    for _ in range(300):
        if desktop.shown:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [(n.title, n.body, n.route) for n in desktop.shown] == [
        ("Winterjacke", "In Zustellung – heute", f"/parcels/{parcel_id}")
    ]


async def test_accounts_are_reloaded_while_running(store: Engine, clock: FakeClock) -> None:
    first, second = FakeTracker(_transit), FakeTracker(_transit)
    current = [runtime("dhl", first, clock)]

    async def load() -> list[Any]:
        return list(current)

    engine = SyncEngine(store, account_loader=load, clock=clock.now)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(0.05)
    assert [a.client for a in engine.accounts] == [first]

    current[:] = [runtime("dhl", second, clock, account_id="dhl-new")]
    await engine.reload_accounts()  # the user saved a new key
    parcel_id = add(store, "00340434000000000001")
    engine.wake()
    for _ in range(200):
        if second.calls:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert first.closed
    assert first.calls == []
    assert second.calls == [(("00340434000000000001",), None)]
    assert engine.snapshot().account("dhl-new") is not None
    assert _parcel(store, parcel_id).status is Status.IN_TRANSIT


@pytest.mark.parametrize(
    ("kind", "retry_after"),
    [
        (ProblemKind.RATE_LIMITED, 30.0),
        (ProblemKind.RATE_LIMITED, None),
        (ProblemKind.UNAVAILABLE, None),
    ],
)
async def test_a_throttled_number_in_an_answered_batch_stays_due(
    store: Engine, clock: FakeClock, kind: ProblemKind, retry_after: float | None
) -> None:
    throttled = "90000000002"

    def respond(number: str, hints: Any) -> Any:
        if number == throttled:
            return error(number, kind, "not now", retry_after)
        return _transit(number)

    tracker = FakeTracker(respond)
    ok_id = add(store, "90000000001", "gls")
    late_id = add(store, throttled, "gls")
    gls = runtime("gls", tracker, clock)
    engine = SyncEngine(store, [gls], clock=clock.now)
    report = await engine.sync_due()

    assert _parcel(store, ok_id).last_checked_at == T0
    late = _parcel(store, late_id)
    # Neither stored with the problem nor marked as checked: it is still due.
    assert late.last_checked_at is None
    assert late.problem is None
    assert late_id not in report.outcomes
    assert report.skipped[late_id] == "not now"
    assert engine.next_due_at(clock.now()) == T0
    # The gate heard it: Retry-After, else a backoff.
    assert gls.gate.ready_in() > 0
    if retry_after is not None:
        assert gls.gate.ready_in() == pytest.approx(retry_after)

    tracker.respond = _transit
    clock.advance(60)
    await engine.sync_due()
    assert _parcel(store, late_id).last_checked_at == T0 + timedelta(seconds=60)
    assert _parcel(store, late_id).status is Status.IN_TRANSIT


async def test_a_new_number_at_an_aggregator_costs_two_gate_slots(
    store: Engine, clock: FakeClock
) -> None:
    tracker = FakeTracker(_transit)
    parcel_id = add(store, "H1234567890123456789", "hermes")
    aftership = runtime("aftership", tracker, clock, registers=True)
    engine = SyncEngine(store, [aftership], clock=clock.now)
    await engine.sync_due()
    assert aftership.gate.sent == 2  # register (create), then read
    clock.advance(600)
    await engine.refresh([parcel_id])
    assert aftership.gate.sent == 3  # known to the client now: read only


def test_aggregators_that_register_are_marked_and_gates_run_below_the_rate() -> None:
    from app.carriers.registry import REGISTRY
    from app.sync.accounts import GATE_RATE_FACTOR, limits_for, runtime_for

    assert GATE_RATE_FACTOR < 1.0
    for carrier in ("dhl", "aftership"):
        module = importlib.import_module(f"app.carriers.{carrier}")
        documented = module.RATE_LIMIT[0]
        assert limits_for(carrier).rate_per_second == pytest.approx(documented * 0.95)
    tracker = FakeTracker(_transit)
    assert runtime_for(REGISTRY["aftership"], tracker, account_id="a").registers
    assert runtime_for(REGISTRY["17track"], tracker, account_id="b").registers
    assert not runtime_for(REGISTRY["dhl"], tracker, account_id="c").registers


async def test_next_due_at_is_the_earliest_due_parcel(store: Engine, clock: FakeClock) -> None:
    tracker = FakeTracker(_transit)
    dhl = runtime("dhl", tracker, clock)
    engine = SyncEngine(store, [dhl], clock=clock.now)
    assert engine.next_due_at(clock.now()) is None  # no parcels
    add(store, "00340434000000000001")
    assert engine.next_due_at(clock.now()) == T0  # never fetched: due at once
    await engine.sync_due()
    due = engine.next_due_at(clock.now())
    assert due is not None
    assert due > T0
    assert due == engine.next_due_at(clock.now(), account=dhl)
    assert engine._next_tick(dhl) == min(60.0, (due - T0).total_seconds())


async def test_rounds_read_only_the_parcels_a_carrier_may_still_have_news_of(
    store: Engine, clock: FakeClock
) -> None:
    endings = {"00340434000000000001": Status.DELIVERED, "00340434000000000002": Status.RETURNED}

    def answer(number: str, hints: Mapping[str, str] | None = None) -> Any:
        status = endings.get(number, Status.IN_TRANSIT)
        return update_for(number, [event(-0.5, status, "Scan")])

    tracker = FakeTracker(answer)
    engine = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    ids = {number: add(store, number) for number in [*endings, "00340434000000000003"]}
    await engine.sync_due()
    assert {_parcel(store, i).status for i in ids.values()} == {
        Status.DELIVERED,
        Status.RETURNED,
        Status.IN_TRANSIT,
    }

    # What every account's loop reads each round: the finished parcels are left in the store.
    assert [p.id for p in engine._read_parcels()] == [ids["00340434000000000003"]]
    clock.advance(2 * 24 * 3600)
    tracker.calls.clear()
    await engine.sync_due()
    assert [numbers for numbers, _ in tracker.calls] == [("00340434000000000003",)]


async def test_saving_a_key_just_after_a_wake_does_not_hang(
    store: Engine, clock: FakeClock
) -> None:
    """`reload_accounts` cancels the account loops and waits for them. Python 3.11's wait_for
    swallowed a cancel that came in the turn of a wake: the loop ran on, and the reload (and a
    CI run) waited for ever."""
    current = [runtime("dhl", FakeTracker(_transit), clock)]

    async def load() -> list[Any]:
        return list(current)

    engine = SyncEngine(store, account_loader=load, clock=clock.now)
    task = asyncio.create_task(engine.run())
    for _ in range(100):  # until the account's loop waits for a wake
        await asyncio.sleep(0.01)
    current[:] = [runtime("dhl", FakeTracker(_transit), clock, account_id="dhl-new")]
    engine.wake()  # a parcel was added ...
    reload = asyncio.create_task(engine.reload_accounts())  # ... and a key saved, same turn
    done, _ = await asyncio.wait([reload], timeout=2)
    task.cancel()
    done_run, _ = await asyncio.wait([task], timeout=2)
    assert done, "reload_accounts waits for a loop that was cancelled"
    assert done_run, "run() waits for a loop that was cancelled"
    assert engine.snapshot().account("dhl-new") is not None
