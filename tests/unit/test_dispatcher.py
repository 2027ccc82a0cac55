"""The outbox dispatcher: preferences, bursts, per-channel retry, claim/mark across restarts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

import app.notify.dispatcher as dispatcher_module
from app.domain.status import Status
from app.notify.dispatcher import EMAIL, NATIVE, Dispatcher
from app.notify.notice import Announcement, Notice, NoticeKind
from app.notify.preferences import (
    NotificationPreferences,
    StoredEmailChannel,
    email_settings,
    is_muted,
    load_preferences,
    parse_quiet_hours,
    set_email_enabled,
    set_kind_enabled,
    set_muted,
)
from app.store import (
    DeliveryOutcome,
    add_order,
    all_settings,
    claim_deliveries,
    enqueue,
    finish_deliveries,
    list_deliveries,
    new_session,
    pending,
    set_label,
    set_setting,
    upsert_settings,
)
from app.sync.announce import OutboxAnnouncement
from tests.unit.test_sync_support import T0, FakeClock, add, make_store


@dataclass
class FakeChannel:
    name: str
    up: bool = True
    failures: int = 0  # the next this many deliveries fail
    crash_after_accept: bool = False  # the process dies right after the channel took it
    shown: list[Notice] = field(default_factory=list)
    probes: int = 0

    async def available(self) -> bool:
        self.probes += 1
        return self.up

    async def deliver(self, notice: Notice) -> bool:
        if self.failures:
            self.failures -= 1
            return False
        self.shown.append(notice)
        if self.crash_after_accept:
            raise asyncio.CancelledError  # what killing the task looks like from here
        return True


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    return make_store(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _announce(
    store: Engine,
    clock: FakeClock,
    parcel_id: str,
    kind: NoticeKind = NoticeKind.OUT_FOR_DELIVERY,
    status: Status = Status.OUT_FOR_DELIVERY,
    key: str | None = None,
    name: str = "Winterjacke",
) -> None:
    announcement = Announcement(
        change_key=key or f"{parcel_id}:{kind}",
        parcel_id=parcel_id,
        parcel_name=name,
        kind=kind,
        status=status,
    )
    with new_session(store, write=True) as session:
        enqueue(
            session,
            entries=[OutboxAnnouncement(announcement)],
            parcel_id=parcel_id,
            at=clock.now(),
        )


def _dispatcher(
    store: Engine,
    clock: FakeClock,
    *native: FakeChannel,
    email: FakeChannel | None = None,
    run_id: str | None = None,
) -> Dispatcher:
    return Dispatcher(
        store,
        native=native,
        email=email,
        clock=clock.now,
        run_id=run_id,
        lease=timedelta(minutes=1),
    )


def _pending(store: Engine) -> int:
    with new_session(store) as session:
        return len(pending(session))


async def test_one_notice_in_german_and_the_outbox_is_done(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    desktop = FakeChannel("desktop")
    dispatcher = _dispatcher(store, clock, desktop)
    report = await dispatcher.drain()
    assert [(n.title, n.body, n.route) for n in desktop.shown] == [
        ("Winterjacke", "In Zustellung – heute", f"/parcels/{parcel_id}")
    ]
    assert report.count(NATIVE) == 1
    assert _pending(store) == 0
    await dispatcher.drain()
    assert len(desktop.shown) == 1


async def test_the_first_available_channel_is_probed_once(store: Engine, clock: FakeClock) -> None:
    desktop, plyer = FakeChannel("desktop", up=False), FakeChannel("plyer")
    dispatcher = _dispatcher(store, clock, desktop, plyer)
    parcel_id = add(store, "00340434000000000001")
    for i in range(3):
        _announce(store, clock, parcel_id, key=f"k{i}")
        await dispatcher.drain()
    assert dispatcher.native_channel is plyer
    assert (desktop.probes, plyer.probes) == (1, 1)
    assert len(plyer.shown) == 3
    with new_session(store) as session:
        assert {d.via for d in list_deliveries(session)} == {"plyer"}


async def test_kinds_switched_off_and_muted_parcels_stay_quiet(
    store: Engine, clock: FakeClock
) -> None:
    muted = add(store, "00340434000000000001")
    other = add(store, "00340434000000000002")
    with new_session(store) as session:
        set_muted(session, parcel_id=muted, muted=True)
        set_kind_enabled(session, kind=NoticeKind.ETA_MOVED, enabled=False)
        # The one-parcel read (the parcel panel's) agrees with the whole preferences'.
        assert is_muted(session, parcel_id=muted)
        assert not is_muted(session, parcel_id=other)
    _announce(store, clock, muted)
    _announce(store, clock, other, NoticeKind.ETA_MOVED, Status.IN_TRANSIT)
    _announce(store, clock, other, NoticeKind.DELIVERED, Status.DELIVERED)
    desktop = FakeChannel("desktop")
    report = await _dispatcher(store, clock, desktop).drain()
    assert [n.body for n in desktop.shown] == ["Zugestellt"]
    assert report.skipped == 2
    assert _pending(store) == 0  # skipped ones are finished too, never shown later
    with new_session(store) as session:
        outcomes = sorted(d.outcome for d in list_deliveries(session) if d.outcome)
        set_muted(session, parcel_id=muted, muted=False)
        assert muted not in load_preferences(session).muted
        assert not is_muted(session, parcel_id=muted)
    assert outcomes == ["delivered", "skipped", "skipped"]


async def test_a_burst_collapses_into_one_notice(store: Engine, clock: FakeClock) -> None:
    for i in range(4):
        parcel_id = add(store, f"00340434{i:011d}")
        _announce(store, clock, parcel_id, name=f"Paket {i}")
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    (notice,) = desktop.shown
    assert notice.title == "4 Sendungen aktualisiert"
    assert notice.route == "/"
    assert len(notice.change_keys) == 4
    assert _pending(store) == 0


async def test_english_and_the_current_label(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id, name="00340434000000000001")
    with new_session(store) as session:
        set_label(session, parcel_id=parcel_id, label="Boots")
        set_setting(session, key="ui.language", value="en")
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    assert [(n.title, n.body) for n in desktop.shown] == [("Boots", "Out for delivery – today")]


async def test_a_parcel_without_a_label_is_called_by_its_order(
    store: Engine, clock: FakeClock
) -> None:
    with new_session(store) as session:
        order = add_order(session, shop="Otto", title="Kaffeevollautomat")
    in_order = add(store, "00340434000000000001", order_id=order.id)
    alone = add(store, "00340434000000000002")
    for parcel_id, number in ((in_order, "00340434000000000001"), (alone, "00340434000000000002")):
        _announce(store, clock, parcel_id, name=number)
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    assert sorted(n.title for n in desktop.shown) == [
        "00340434000000000002",  # no label, no order: its number
        "Otto · Kaffeevollautomat",
    ]


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("de", "Otto · Sofa (Paket 1 von 3)", "Otto · Sofa (Paket 3 von 3)"),
        ("en", "Otto · Sofa (parcel 1 of 3)", "Otto · Sofa (parcel 3 of 3)"),
    ],
)
async def test_the_parcels_of_a_split_order_are_told_apart(
    store: Engine, clock: FakeClock, language: str, first: str, second: str
) -> None:
    """Two unlabelled parcels of one order change at once: each notice says which of them it
    is, counted as the order's screen counts them (the labelled one too: "Paket 3 von 3")."""
    with new_session(store) as session:
        order = add_order(session, shop="Otto", title="Sofa")
        set_setting(session, key="ui.language", value=language)
    numbers = [f"0034043400000000000{n}" for n in range(1, 4)]
    one, labelled, three = (
        add(store, number, order_id=order.id, created_at=T0 - timedelta(hours=3 - n))
        for n, number in enumerate(numbers)
    )
    with new_session(store) as session:
        set_label(session, parcel_id=labelled, label="Kissen")
    for parcel_id, number in ((one, numbers[0]), (three, numbers[2])):
        _announce(store, clock, parcel_id, name=number)
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    assert sorted(n.title for n in desktop.shown) == [first, second]


async def test_a_failed_email_is_retried_without_the_desktop_notice_again(
    store: Engine, clock: FakeClock
) -> None:
    with new_session(store) as session:
        set_email_enabled(session, enabled=True)
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id, NoticeKind.DELIVERED, Status.DELIVERED)
    desktop, email = FakeChannel("desktop"), FakeChannel("email", failures=2)
    dispatcher = _dispatcher(store, clock, desktop, email=email)

    first = await dispatcher.drain()
    assert (len(desktop.shown), len(email.shown)) == (1, 0)
    assert first.failed == {EMAIL: 1}
    assert _pending(store) == 1  # not done until the e-mail went out

    await dispatcher.drain()  # the retry time has not come yet
    assert email.failures == 1
    clock.advance(31)
    await dispatcher.drain()  # second failure: the wait doubles
    clock.advance(31)
    await dispatcher.drain()
    assert email.failures == 0
    assert email.shown == []
    clock.advance(30)
    await dispatcher.drain()
    assert (len(desktop.shown), len(email.shown)) == (1, 1)
    assert _pending(store) == 0
    with new_session(store) as session:
        rows = {d.channel: d for d in list_deliveries(session)}
    assert rows[NATIVE].attempts == 0
    assert rows[EMAIL].attempts == 2
    assert rows[EMAIL].outcome is DeliveryOutcome.DELIVERED


async def test_email_is_opt_in(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    email = FakeChannel("email")
    await _dispatcher(store, clock, FakeChannel("desktop"), email=email).drain()
    assert email.shown == []
    assert _pending(store) == 0


async def test_giving_up_after_max_attempts_frees_the_outbox(
    store: Engine, clock: FakeClock
) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    desktop = FakeChannel("desktop", failures=100)
    dispatcher = Dispatcher(store, native=[desktop], clock=clock.now, max_attempts=3)
    for _ in range(3):
        await dispatcher.drain()
        clock.advance(3600)
    assert _pending(store) == 0
    with new_session(store) as session:
        (row,) = list_deliveries(session)
    assert row.outcome is DeliveryOutcome.GAVE_UP


async def test_restart_redelivers_a_claimed_but_unmarked_entry_exactly_once(
    store: Engine, clock: FakeClock
) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    with new_session(store, write=True) as session:
        (item,) = pending(session)
        # The previous run claimed it, then died before the channel accepted it.
        assert claim_deliveries(
            session,
            outbox_ids=[item.id],
            channel=NATIVE,
            claimant="dead-run",
            at=clock.now(),
            lease=timedelta(minutes=1),
        ) == [item.id]

    desktop = FakeChannel("desktop")
    restarted = _dispatcher(store, clock, desktop, run_id="new-run")
    clock.advance(30)
    await restarted.drain()  # the claim could still be live (another instance): respected
    assert desktop.shown == []
    clock.advance(31)
    await restarted.drain()  # the lease has passed: taken over and delivered
    assert len(desktop.shown) == 1
    for _ in range(3):
        clock.advance(120)
        await restarted.drain()
        await _dispatcher(store, clock, desktop).drain()  # and yet another restart
    assert len(desktop.shown) == 1
    assert _pending(store) == 0


async def test_the_residual_window_a_crash_after_the_channel_accepted(
    store: Engine, clock: FakeClock
) -> None:
    """Documented: killed inside the channel's answer, before the journal holds it, the notice
    is shown once more after the restart - and only once more."""
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    desktop = FakeChannel("desktop", crash_after_accept=True)
    with pytest.raises(asyncio.CancelledError):
        await _dispatcher(store, clock, desktop, run_id="run-1").drain()
    assert len(desktop.shown) == 1
    with new_session(store) as session:
        (row,) = list_deliveries(session)
    assert (row.claimed_by, row.finished_at) == ("run-1", None)

    desktop.crash_after_accept = False
    clock.advance(61)
    restarted = _dispatcher(store, clock, desktop, run_id="run-2")
    await restarted.drain()
    await restarted.drain()
    assert len(desktop.shown) == 2
    assert _pending(store) == 0


async def test_a_crash_after_the_channel_answered_is_finished_from_the_journal(
    store: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the channel answered but before the finish committed: the restarted
    dispatcher reads the journal beside the database and does not show the notice again."""
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    real_finish = finish_deliveries  # what the dispatcher imported

    def killed(*args: Any, **kwargs: Any) -> int:
        if kwargs.get("outcome") is DeliveryOutcome.DELIVERED:
            raise asyncio.CancelledError  # the process dies before the commit
        return real_finish(*args, **kwargs)

    monkeypatch.setattr(dispatcher_module, "finish_deliveries", killed)
    desktop = FakeChannel("desktop")
    with pytest.raises(asyncio.CancelledError):
        await _dispatcher(store, clock, desktop, run_id="run-1").drain()
    monkeypatch.setattr(dispatcher_module, "finish_deliveries", real_finish)
    assert len(desktop.shown) == 1
    assert Path(f"{store.url.database}.accepted").read_text().count("\n") == 1

    clock.advance(61)
    restarted = _dispatcher(store, clock, desktop, run_id="run-2")
    await restarted.drain()
    await restarted.drain()
    assert len(desktop.shown) == 1
    assert _pending(store) == 0
    with new_session(store) as session:
        (row,) = list_deliveries(session)
    assert (row.outcome, row.via) == (DeliveryOutcome.DELIVERED, "desktop")
    assert Path(f"{store.url.database}.accepted").read_text() == ""


async def test_a_crash_before_the_claim_loses_nothing(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    # "Killed" right after the engine's commit: nothing claimed yet. The next run delivers it.
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    assert len(desktop.shown) == 1


async def test_without_any_channel_entries_are_finished_quietly(
    store: Engine, clock: FakeClock
) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    dispatcher = _dispatcher(store, clock, FakeChannel("desktop", up=False))
    await dispatcher.drain()
    assert dispatcher.native_channel is None
    assert _pending(store) == 0


async def test_old_entries_are_not_news_any_more(store: Engine, clock: FakeClock) -> None:
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    clock.advance(3 * 86400)
    desktop = FakeChannel("desktop")
    await _dispatcher(store, clock, desktop).drain()
    assert desktop.shown == []
    assert _pending(store) == 0


async def test_run_drains_when_kicked(store: Engine, clock: FakeClock) -> None:
    desktop = FakeChannel("desktop")
    dispatcher = _dispatcher(store, clock, desktop)
    task = asyncio.create_task(dispatcher.run(interval=3600))
    await asyncio.sleep(0.05)
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id, NoticeKind.ETA_MOVED, Status.IN_TRANSIT)
    dispatcher.kick()
    for _ in range(100):
        if desktop.shown:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(desktop.shown) == 1


async def test_quiet_hours_hold_native_notices_not_email(store: Engine, clock: FakeClock) -> None:
    with new_session(store) as session:
        set_email_enabled(session, enabled=True)  # quiet hours: missing means 22:00-06:00
    clock.advance(13 * 3600 + 30 * 60)  # 22:30 in Berlin
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id, NoticeKind.DELIVERED, Status.DELIVERED)
    desktop, email = FakeChannel("desktop"), FakeChannel("email")
    dispatcher = _dispatcher(store, clock, desktop, email=email)
    report = await dispatcher.drain()
    assert (len(desktop.shown), len(email.shown)) == (0, 1)
    assert report.held == 1
    clock.advance(7 * 3600 + 31 * 60)  # 06:01
    await dispatcher.drain()
    assert [n.body for n in desktop.shown] == ["Zugestellt"]
    assert len(email.shown) == 1
    assert _pending(store) == 0


async def test_quiet_hours_hold_problems_too(store: Engine, clock: FakeClock) -> None:
    """As the settings say: nothing on the device in quiet hours, a failed attempt included
    (nobody can act on it at night); it comes, marked urgent, when they end."""
    clock.advance(13 * 3600 + 30 * 60)  # 22:30 in Berlin
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id, NoticeKind.PROBLEM, Status.FAILED_ATTEMPT)
    desktop = FakeChannel("desktop")
    dispatcher = _dispatcher(store, clock, desktop)
    report = await dispatcher.drain()
    assert desktop.shown == []
    assert report.held == 1
    clock.advance(7 * 3600 + 31 * 60)  # 06:01
    await dispatcher.drain()
    assert [n.urgent for n in desktop.shown] == [True]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("22:00-06:00", (time(22), time(6))),
        ("7:30-9:00", (time(7, 30), time(9))),
        ("", None),
        ("22:00", None),
        ("25:00-06:00", None),
        ("06:00-06:00", None),
    ],
)
def test_quiet_hours_are_read_leniently(value: str, expected: object) -> None:
    assert parse_quiet_hours(value) == expected


def test_quiet_until_crosses_midnight() -> None:
    prefs = NotificationPreferences(quiet_hours=(time(22), time(6)))
    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 11, 23, 23, 0, tzinfo=berlin)
    early = datetime(2026, 11, 24, 5, 0, tzinfo=berlin)
    assert prefs.quiet_until(late, "Europe/Berlin") == datetime(2026, 11, 24, 6, tzinfo=berlin)
    assert prefs.quiet_until(early, "Europe/Berlin") == datetime(2026, 11, 24, 6, tzinfo=berlin)
    assert prefs.quiet_until(datetime(2026, 11, 24, 12, tzinfo=berlin), "Europe/Berlin") is None
    assert NotificationPreferences().quiet_until(late, "Europe/Berlin") is None


async def test_the_email_channel_follows_the_settings(store: Engine) -> None:
    channel = StoredEmailChannel(store, None)
    assert not await channel.available()
    with new_session(store) as session:
        upsert_settings(
            session,
            values={"email.host": "mail.example.org", "email.to": "me@example.org"},
        )
        values = all_settings(session)
    assert await channel.available()
    settings = email_settings(values)
    assert settings is not None
    assert (settings.port, settings.security, settings.sender) == (
        587,
        "starttls",
        "me@example.org",
    )
    assert email_settings({**values, "email.security": "tls"}).port == 465  # type: ignore[union-attr]


async def test_a_kick_in_the_same_turn_as_a_cancel_does_not_keep_the_loop_alive(
    store: Engine, clock: FakeClock
) -> None:
    """Python 3.11's wait_for swallowed such a cancel, and whoever awaited the loop hung."""
    dispatcher = _dispatcher(store, clock, FakeChannel("desktop"))
    task = asyncio.create_task(dispatcher.run(interval=60))
    for _ in range(100):  # until the loop waits for a kick
        await asyncio.sleep(0.01)
    dispatcher.kick()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert done, "the loop ran on after it was cancelled"
    assert task.cancelled()
