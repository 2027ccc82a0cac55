"""Banners in the open app, where no native channel shows notices (a browser tab, a machine
without a notification service): the dispatcher's last resort, retried while no session is
open and sent at once when one opens, and a banner whose button opens the parcel."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import Engine

from app.notify.dispatcher import NATIVE, Dispatcher
from app.notify.in_app import InAppChannel
from app.store import list_deliveries, new_session, pending, retry_waiting_now
from app.sync.engine import SyncEngine
from app.ui.services import AppServices
from tests.unit.test_dispatcher import FakeChannel, _announce, _pending, clock, store
from tests.unit.test_sync_support import FakeClock, add
from tests.unit.test_ui_shell import FakePage, started

__all__ = ["clock", "store"]  # the fixtures, shared with the dispatcher's tests


async def test_the_banner_is_the_last_resort_and_waits_for_an_open_session(
    store: Engine, clock: FakeClock
) -> None:
    services = AppServices()
    shown: list[tuple[str, str, str]] = []
    desktop = FakeChannel("desktop", up=False)
    dispatcher = Dispatcher(
        store, native=[desktop, InAppChannel(services.show_banner)], clock=clock.now
    )
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)

    report = await dispatcher.drain()  # no session open: nobody saw it, it stays due
    assert dispatcher.native_channel is not None
    assert dispatcher.native_channel.name == "in_app"
    assert report.count(NATIVE) == 0
    assert _pending(store) == 1

    def session(title: str, body: str, route: str) -> bool:
        shown.append((title, body, route))
        return True

    services.banner_listeners.append(session)
    clock.advance(seconds=1800)  # past the retry's back-off
    report = await dispatcher.drain()

    assert shown == [("Winterjacke", "In Zustellung – heute", f"/parcels/{parcel_id}")]
    assert report.count(NATIVE) == 1
    assert _pending(store) == 0
    with new_session(store) as session_:
        assert {d.via for d in list_deliveries(session_)} == {"in_app"}


async def test_a_window_that_opens_gets_the_waiting_banner_without_the_back_off(
    store: Engine, clock: FakeClock
) -> None:
    services = AppServices()
    shown: list[str] = []
    dispatcher = Dispatcher(store, native=[InAppChannel(services.show_banner)], clock=clock.now)
    parcel_id = add(store, "00340434000000000001")
    _announce(store, clock, parcel_id)
    await dispatcher.drain()  # no window: it waits 30 s and more before the next attempt

    def session(title: str, _body: str, _route: str) -> bool:
        shown.append(title)
        return True

    services.banner_listeners.append(session)

    await dispatcher.drain()
    assert shown == []  # still within its back-off
    assert not dispatcher.retry_now("desktop")  # not the channel in use: nothing changes
    await dispatcher.drain()
    assert shown == []

    assert dispatcher.retry_now("in_app")
    report = await dispatcher.drain()
    assert shown == ["Winterjacke"]
    assert report.count(NATIVE) == 1
    assert _pending(store) == 0


def test_only_failed_deliveries_waiting_on_that_channel_are_hurried(
    store: Engine, clock: FakeClock
) -> None:
    from app.store import claim_deliveries, finish_deliveries, release_deliveries
    from app.store.deliveries import DeliveryOutcome

    for n in range(4):
        _announce(store, clock, add(store, f"0034043400000000000{n}"))
    with new_session(store) as session:
        waiting, claimed, finished, e_mail = (item.id for item in pending(session))
    now = clock.now()
    later = now + timedelta(minutes=5)
    with new_session(store) as session:

        def claim(outbox_id: int, channel: str, claimant: str) -> None:
            claim_deliveries(
                session,
                outbox_ids=[outbox_id],
                channel=channel,
                claimant=claimant,
                at=now,
                lease=timedelta(minutes=2),
            )

        for outbox_id, channel in ((waiting, NATIVE), (e_mail, "email")):
            claim(outbox_id, channel, "a")
            release_deliveries(
                session, outbox_ids=[outbox_id], channel=channel, claimant="a", retry_at=later
            )
        claim(claimed, NATIVE, "b")
        finish_deliveries(
            session,
            outbox_ids=[finished],
            channel=NATIVE,
            outcome=DeliveryOutcome.GAVE_UP,
            at=now,
        )

        assert retry_waiting_now(session, channel=NATIVE, at=now) == 1
        due = {(d.outbox_id, d.channel): d.next_attempt_at for d in list_deliveries(session)}
    assert due[(waiting, NATIVE)] == now
    assert due[(e_mail, "email")] == later
    assert due[(claimed, NATIVE)] is None
    assert due[(finished, NATIVE)] is None


def test_the_engine_passes_an_opened_window_to_the_in_app_channel_only(store: Engine) -> None:
    asked: list[str] = []
    engine = SyncEngine(store, dispatcher=SimpleNamespace(retry_now=asked.append))
    engine.window_opened()
    assert asked == ["in_app"]
    SyncEngine(store).window_opened()  # no dispatcher: nothing to hurry


async def test_a_session_that_opens_tells_the_engine() -> None:
    opened: list[str] = []
    services = AppServices(sync=SimpleNamespace(window_opened=lambda: opened.append("opened")))
    await started(FakePage(), services)
    assert opened == ["opened"]


async def test_a_tab_that_went_away_takes_no_banner_until_it_is_back() -> None:
    """Flet keeps a closed tab's session for an hour in case it comes back: a banner sent to
    it would count as shown. Away, it declines; back, it asks for what waited."""
    opened: list[str] = []
    services = AppServices(sync=SimpleNamespace(window_opened=lambda: opened.append("opened")))
    page = FakePage()
    await started(page, services)
    assert page.on_disconnect is not None
    assert page.on_connect is not None

    page.on_disconnect(None)
    assert services.show_banner("Winterjacke", "In Zustellung – heute", "/parcels/p1") == 0
    assert page.tasks == []

    page.on_connect(None)
    assert opened == ["opened", "opened"]  # the start, then the return
    assert services.show_banner("Winterjacke", "In Zustellung – heute", "/parcels/p1") == 1
    await page.tasks.pop()
    assert len(page.dialogs) == 1


async def test_a_session_shows_the_banner_and_its_button_opens_the_parcel() -> None:
    services = AppServices()
    page = FakePage()
    shell = await started(page, services)
    assert shell.show_banner in services.banner_listeners

    assert services.show_banner("Winterjacke", "In Zustellung – heute", "/parcels/p1") == 1
    await page.tasks.pop()

    (banner,) = page.dialogs
    title, body = banner.content.controls
    assert (title.value, body.value) == ("Winterjacke", "In Zustellung – heute")
    assert banner.action.label in ("Öffnen", "Open")
    banner.action.on_click()
    assert page.pushed[-1:] == ["/parcels/p1"]

    assert page.on_close is not None
    page.on_close(None)
    assert services.banner_listeners == []
    assert services.show_banner("Winterjacke", "…", "/parcels/p1") == 0
