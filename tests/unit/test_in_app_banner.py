"""Banners in the open app, where no native channel shows notices (a browser tab, a machine
without a notification service): the dispatcher's last resort, retried while no session is
open, and a banner whose button opens the parcel."""

from __future__ import annotations

from sqlalchemy import Engine

from app.notify.dispatcher import NATIVE, Dispatcher
from app.notify.in_app import InAppChannel
from app.store import list_deliveries, new_session
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
