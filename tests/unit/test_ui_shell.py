"""The shell's navigation against a stand-in page: view stacks, back, resize, language,
and live updates marshalled onto the page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import flet as ft
import pytest

from app.store import new_session, open_store, set_label, set_setting, update_order
from app.ui.services import AppServices
from app.ui.shell import Shell
from app.ui.state import BROWSER_LOCALES, LANG_SETTING, ThemeChoice, UiSettings
from app.ui.views.order import OrderScreen
from app.ui.views.parcel import ParcelScreen
from tests.unit.test_ui_seed import NOW, Seeded, seed_store
from tests.unit.test_ui_views import texts


@dataclass
class FakePage:
    """The parts of ft.Page the shell touches; a real page needs a live session."""

    route: str = "/"
    width: float | None = 390
    locales: list[ft.Locale] = field(default_factory=lambda: [ft.Locale("en", "US")])
    views: list[ft.View] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    dialogs: list[Any] = field(default_factory=list)
    tasks: list[Awaitable[Any]] = field(default_factory=list)
    updates: int = 0
    web: bool = True
    gone: bool = False  # the session has ended: run_task fails
    asked_device: int = 0
    # What the shell sets.
    title: str | None = None
    theme: ft.Theme | None = None
    dark_theme: ft.Theme | None = None
    theme_mode: ft.ThemeMode | None = None
    locale_configuration: ft.LocaleConfiguration | None = None
    on_route_change: Callable[[ft.RouteChangeEvent], object] | None = None
    on_view_pop: Callable[[ft.ViewPopEvent], Awaitable[None]] | None = None
    on_resize: Callable[[ft.PageResizeEvent], None] | None = None
    on_locale_change: Callable[[ft.LocaleChangeEvent], None] | None = None
    on_close: Callable[[Any], None] | None = None
    on_connect: Callable[[Any], None] | None = None
    on_disconnect: Callable[[Any], None] | None = None

    def as_page(self) -> ft.Page:
        """This stand-in where an ft.Page is wanted: the shell and its events use no more."""
        return cast(ft.Page, self)

    async def get_device_info(self) -> Any:
        self.asked_device += 1
        return _Info(self.locales)

    def update(self) -> None:
        self.updates += 1

    def navigate(self, route: str) -> None:
        self.pushed.append(route)

    async def push_route(self, route: str) -> None:
        self.pushed.append(route)

    def show_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)

    def run_task(self, handler: Callable[..., Awaitable[Any]], *args: Any) -> None:
        if self.gone:
            raise AttributeError("'NoneType' object has no attribute 'loop'")  # as Flet's
        self.tasks.append(handler(*args))


@dataclass
class _Info:
    locales: list[ft.Locale]


def title(view: ft.View) -> str:
    assert isinstance(view.appbar, ft.AppBar)
    assert isinstance(view.appbar.title, ft.Text)
    return str(view.appbar.title.value)


async def started(page: FakePage, services: AppServices | None = None) -> Shell:
    shell = Shell(page.as_page(), services or AppServices(), now=lambda: NOW)
    await shell.start()
    return shell


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAKETPILOT_LANG", raising=False)
    monkeypatch.delenv("PAKETPILOT_THEME", raising=False)


@pytest.fixture
def seeded_services(tmp_path: Path) -> tuple[AppServices, Seeded]:
    engine = open_store(tmp_path / "paketpilot.sqlite")
    return AppServices(store=engine), seed_store(engine, NOW)


async def test_a_deep_link_opens_on_top_of_home_in_the_device_language() -> None:
    page = FakePage(route="/parcels/p1")
    await started(page)

    assert [view.route for view in page.views] == ["/", "/parcels/p1"]
    assert [title(view) for view in page.views] == ["My orders", "Parcel"]
    assert "This parcel no longer exists." in texts(page.views[1])
    assert page.updates == 1
    assert page.theme_mode == ft.ThemeMode.SYSTEM


async def test_a_browser_that_sent_its_languages_is_not_asked_again() -> None:
    page = FakePage(locales=[ft.Locale("en", "US")])
    token = BROWSER_LOCALES.set(("fr-FR", "de-DE"))
    try:
        await started(page)
    finally:
        BROWSER_LOCALES.reset(token)

    assert page.asked_device == 0
    assert [title(view) for view in page.views] == ["Meine Bestellungen"]


async def test_a_chosen_language_asks_no_device(
    seeded_services: tuple[AppServices, Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    services, _ = seeded_services
    with new_session(services.store, write=True) as session:
        set_setting(session, key=LANG_SETTING, value="de")
    page = FakePage(locales=[ft.Locale("en", "US")])
    await started(page, services)
    assert (page.asked_device, title(page.views[0])) == (0, "Meine Bestellungen")

    monkeypatch.setenv("PAKETPILOT_LANG", "en")
    other = FakePage(locales=[ft.Locale("de", "DE")])
    await started(other)
    assert (other.asked_device, title(other.views[0])) == (0, "My orders")

    device = FakePage(locales=[ft.Locale("de", "DE")])
    monkeypatch.delenv("PAKETPILOT_LANG")
    await started(device)
    assert (device.asked_device, title(device.views[0])) == (1, "Meine Bestellungen")


async def test_back_and_system_pop_return_to_the_view_below() -> None:
    page = FakePage(route="/orders/o1", locales=[ft.Locale("de", "DE")])
    shell = await started(page)
    assert title(page.views[-1]) == "Bestellung"

    shell.back()
    assert page.on_view_pop is not None
    await page.on_view_pop(
        ft.ViewPopEvent(name="view_pop", control=page.as_page(), route="/orders/o1")
    )

    assert page.pushed == ["/", "/"]
    assert [view.route for view in page.views] == ["/"]


async def test_a_screen_that_fails_to_build_leaves_a_way_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.ui.shell as shell_module

    def broken(*_args: object, **_kwargs: object) -> ft.View:
        raise RuntimeError("the store is locked")

    monkeypatch.setattr(shell_module, "ParcelScreen", broken)
    page = FakePage(locales=[ft.Locale("de", "DE")])
    shell = await started(page)
    shell.show("/parcels/p1")
    assert [view.route for view in page.views] == ["/", "/parcels/p1"]
    assert any("ließ sich nicht öffnen" in text for text in texts(page.views[-1]))
    shell.show("/settings")  # the shell goes on
    assert page.views[-1].route == "/settings"
    assert isinstance(page.views[-1].appbar, ft.AppBar)
    assert "Einstellungen" in texts(page.views[-1].appbar)


async def test_add_and_settings_get_their_screens() -> None:
    page = FakePage(locales=[ft.Locale("de", "DE")])
    shell = await started(page)
    for route, name in (("/add", "Sendung hinzufügen"), ("/settings", "Einstellungen")):
        shell.show(route)
        assert page.views[-1].route == route
        assert isinstance(page.views[-1].appbar, ft.AppBar)
        assert name in texts(page.views[-1].appbar)


async def test_route_changes_keep_the_same_home_view() -> None:
    page = FakePage()
    shell = await started(page)
    home = page.views[0]

    shell.show("/orders/o1")
    shell.show("/")

    assert page.views == [home]


async def test_crossing_the_breakpoint_switches_the_layout() -> None:
    page = FakePage(width=390)
    await started(page)
    resize = page.on_resize
    assert resize is not None

    resize(ft.PageResizeEvent(name="resize", control=page.as_page(), width=500, height=800))
    assert page.updates == 1  # same layout: nothing rebuilt
    resize(ft.PageResizeEvent(name="resize", control=page.as_page(), width=1280, height=800))

    assert page.updates == 2
    assert page.views[0].controls[0].__class__ is ft.Row  # list | detail


async def test_a_parcel_link_on_a_wide_window_opens_beside_the_list(
    seeded_services: tuple[AppServices, Seeded],
) -> None:
    services, seeded = seeded_services
    page = FakePage(width=1280, route=f"/parcels/{seeded.failed}")
    shell = await started(page, services)

    assert [view.route for view in page.views] == ["/"]
    assert shell.home is not None
    assert shell.home.selected == seeded.failed
    assert "Empfänger nicht angetroffen" in texts(page.views[0])


async def test_a_locale_change_rebuilds_in_the_new_language() -> None:
    page = FakePage()
    await started(page)

    assert page.on_locale_change is not None
    page.on_locale_change(
        ft.LocaleChangeEvent(
            name="locale_change", control=page.as_page(), locales=[ft.Locale("de")]
        )
    )

    assert title(page.views[0]) == "Meine Bestellungen"


async def test_settings_apply_at_once() -> None:
    page = FakePage()
    shell = await started(page)

    shell.apply_ui_settings(UiSettings(lang="de", theme=ThemeChoice.DARK))

    assert title(page.views[0]) == "Meine Bestellungen"
    assert page.theme_mode == ft.ThemeMode.DARK


async def test_a_language_override_beats_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKETPILOT_LANG", "de")
    monkeypatch.setenv("PAKETPILOT_THEME", "dark")
    page = FakePage()
    await started(page)

    assert title(page.views[0]) == "Meine Bestellungen"
    assert page.theme_mode == ft.ThemeMode.DARK


async def test_sync_changes_are_marshalled_onto_the_page_and_redraw_in_place(
    seeded_services: tuple[AppServices, Seeded],
) -> None:
    services, seeded = seeded_services
    page = FakePage(route=f"/parcels/{seeded.on_way}")
    shell = await started(page, services)
    assert shell.parcels_changed in services.listeners
    top = shell.top
    assert isinstance(top, ParcelScreen)
    home_view, parcel_view = page.views
    updates = page.updates

    with new_session(services.store) as session:
        set_label(session, parcel_id=seeded.on_way, label="Romane")
    # The sync side may call from another thread: the shell only schedules work on the page.
    await asyncio.to_thread(services.parcels_changed, frozenset({seeded.on_way}))
    assert len(page.tasks) == 1
    await page.tasks.pop()

    assert page.views == [home_view, parcel_view]  # nothing rebuilt
    assert page.updates == updates  # and no whole-page update
    assert title(parcel_view) == "Romane"
    assert "Paket 1 von 2 · DHL · Romane" in texts(home_view) or (
        "Parcel 1 of 2 · DHL · Romane" in texts(home_view)
    )


async def test_an_open_order_refreshes_when_one_of_its_parcels_changes(
    seeded_services: tuple[AppServices, Seeded],
) -> None:
    services, seeded = seeded_services
    page = FakePage(route=f"/orders/{seeded.books}")
    shell = await started(page, services)
    assert isinstance(shell.top, OrderScreen)
    with new_session(services.store) as session:
        set_label(session, parcel_id=seeded.waiting, label="Zweites Buch")
    services.parcels_changed(frozenset({seeded.waiting}))
    await page.tasks.pop()
    assert "Parcel 2 of 2 · DHL · Zweites Buch" in texts(page.views[1])


async def test_a_renamed_order_redraws_the_open_order_and_the_list(
    seeded_services: tuple[AppServices, Seeded],
) -> None:
    services, seeded = seeded_services
    page = FakePage(route=f"/orders/{seeded.books}")
    shell = await started(page, services)
    with new_session(services.store) as session:
        update_order(
            session, order_id=seeded.books, shop="Bücherwelt Online", title=None, order_number=None
        )
    await asyncio.to_thread(services.orders_changed, frozenset({seeded.books}))
    await page.tasks.pop()
    home_view, order_view = page.views
    assert isinstance(shell.top, OrderScreen)
    assert "Bücherwelt Online" in texts(order_view)
    assert "Bücherwelt Online" in texts(home_view)


async def test_a_tab_that_was_away_is_brought_up_to_date_when_it_is_back(
    seeded_services: tuple[AppServices, Seeded],
) -> None:
    """Flet keeps the session of a tab that went away; nothing can reach it meanwhile. It keeps
    listening, and on its return redraws what changed while it was away."""
    services, seeded = seeded_services
    page = FakePage(route=f"/orders/{seeded.books}")
    shell = await started(page, services)
    assert page.on_disconnect is not None
    assert page.on_connect is not None
    page.on_disconnect(None)

    with new_session(services.store) as session:
        set_label(session, parcel_id=seeded.waiting, label="Zweites Buch")
        update_order(
            session, order_id=seeded.books, shop="Bücherwelt Online", title=None, order_number=None
        )
    services.parcels_changed(frozenset({seeded.waiting}))
    services.orders_changed(frozenset({seeded.books}))
    assert page.tasks == []  # nothing sent to a tab that is not there
    assert shell.parcels_changed in services.listeners  # but still listening

    page.on_connect(None)
    assert len(page.tasks) == 2
    for task in page.tasks:
        await task
    home_view, order_view = page.views
    assert "Bücherwelt Online" in texts(order_view)
    assert "Bücherwelt Online" in texts(home_view)
    assert "Parcel 2 of 2 · DHL · Zweites Buch" in texts(order_view)

    page.tasks.clear()
    page.on_disconnect(None)
    page.on_connect(None)
    assert page.tasks == []  # nothing missed, nothing redrawn


async def test_a_closed_session_stops_listening() -> None:
    services = AppServices()
    page = FakePage()
    await started(page, services)
    assert len(services.listeners) == 1
    assert len(services.order_listeners) == 1
    assert page.on_close is not None
    page.on_close(None)
    assert services.listeners == []
    assert services.order_listeners == []


async def test_a_tapped_notification_opens_its_parcel_now_or_when_the_tab_is_back() -> None:
    from app.ui.app import _follow_routes

    services = AppServices()
    page = FakePage()
    shell = await started(page, services)
    _follow_routes(page.as_page(), shell, services)
    assert page.on_connect is not None
    assert page.on_disconnect is not None

    services.open_route("/parcels/p1")
    await page.tasks.pop()
    assert page.pushed == ["/parcels/p1"]

    page.on_disconnect(None)
    services.open_route("/parcels/p2")
    assert page.tasks == []
    page.on_connect(None)
    await page.tasks.pop(0)
    assert page.pushed == ["/parcels/p1", "/parcels/p2"]


async def test_settings_chosen_elsewhere_apply_in_a_tab_when_it_is_back() -> None:
    """Another session switched to English while this tab was away: it is applied once, on
    its return (it was dropped for good before)."""
    from app.ui.app import _follow_ui_settings

    services = AppServices()
    page = FakePage(locales=[ft.Locale("de", "DE")])
    shell = await started(page, services)
    _follow_ui_settings(page.as_page(), shell, services)
    assert shell.settings.lang == "de"
    assert page.on_connect is not None
    assert page.on_disconnect is not None

    page.on_disconnect(None)
    page.locales = [ft.Locale("en", "US")]  # what "system" reads on its return
    services.ui_settings_changed()
    services.ui_settings_changed()
    assert page.tasks == []
    assert len(services.ui_settings_listeners) == 1  # still following

    page.on_connect(None)
    assert len(page.tasks) == 1  # twice told, once applied
    await page.tasks.pop()
    assert (shell.settings.lang,) == ("en",)


async def test_a_session_that_is_gone_stops_following() -> None:
    from app.ui.app import _follow_routes

    services = AppServices()
    page = FakePage()
    shell = await started(page, services)
    _follow_routes(page.as_page(), shell, services)

    page.gone = True
    services.open_route("/parcels/p1")
    assert services.route_listeners == []
    assert services.listeners == []  # the shell closed too
