"""One session's navigation: routes -> view stack, back, resize, language, live updates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import flet as ft

from app.ui.i18n import Lang, t
from app.ui.routing import Screen, ScreenKind, resolve
from app.ui.services import AppServices
from app.ui.state import (
    BROWSER_LOCALES,
    UiSettings,
    detect_settings,
    is_wide,
    language_is_chosen,
    stored_ui_settings,
)
from app.ui.sync_view import announce_window
from app.ui.theme import apply_theme
from app.ui.views.context import ViewContext
from app.ui.views.failed import build_failed_view
from app.ui.views.home import HomeScreen
from app.ui.views.order import OrderScreen
from app.ui.views.parcel import ParcelScreen
from app.ui.views.widgets import skip_auto_update

log = logging.getLogger(__name__)

TICK_SECONDS = 10.0  # how often the sync line's "vor 2 Min." is brought up to date


def _now() -> datetime:
    return datetime.now(UTC)


class Shell:
    """Builds page.views from the route: home at the bottom, the deep screen on top."""

    def __init__(
        self,
        page: ft.Page,
        services: AppServices | None = None,
        *,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.page = page
        # Transitional: an old composition root may still pass something else here.
        self.services = services if isinstance(services, AppServices) else AppServices()
        self.now = now
        self.settings = detect_settings([])
        self.home: HomeScreen | None = None
        self.top: ParcelScreen | OrderScreen | None = None
        self._ticker: asyncio.Task[None] | None = None
        # A tab that went away (closed, asleep, offline) keeps its session for Flet's grace
        # period, an hour, in case it comes back. Meanwhile nothing can be sent to it: what
        # changed is kept and redrawn on its return, and banners are declined (one sent now
        # would count as shown), so the dispatcher keeps them for a window that is there.
        self._connected = True
        self._missed_parcels: set[str] = set()
        self._missed_orders: set[str] = set()
        self._on_return: list[Callable[[], Awaitable[None]]] = []

    async def start(self) -> None:
        page = self.page
        stored = stored_ui_settings(self.services.store)
        locales = [] if language_is_chosen(stored=stored) else await self._device_locales()
        self.settings = detect_settings(locales, stored=stored)
        page.title = "Paketpilot"
        apply_theme(page, self.settings.theme)
        # Imperative routing (page.views + on_route_change). Never mix it with ft.Router, which
        # installs its own on_route_change. In web mode the initial page.route is the URL path.
        page.on_route_change = lambda e: self.show(e.route)
        page.on_view_pop = self._on_view_pop
        page.on_resize = self._on_resize
        page.on_locale_change = self._on_locale_change
        page.on_close = lambda _e: self.close()
        page.on_disconnect = lambda _e: self._set_connected(False)
        page.on_connect = lambda _e: self._set_connected(True)
        self._set_language(self.settings.lang)
        self.services.listeners.append(self.parcels_changed)
        self.services.order_listeners.append(self.orders_changed)
        self.services.banner_listeners.append(self.show_banner)
        self.show(page.route)
        announce_window(self.services.sync)
        self._start_ticker()

    def _set_connected(self, connected: bool) -> None:
        """Flet's disconnect and connect events (web): the tab went away, or is back."""
        self._connected = connected
        if not connected:
            return
        parcels, self._missed_parcels = frozenset(self._missed_parcels), set()
        orders, self._missed_orders = frozenset(self._missed_orders), set()
        waiting, self._on_return = self._on_return, []
        if orders:
            self._on_page_loop(self._apply_order_changes, orders)
        if parcels:
            self._on_page_loop(self._apply_changes, parcels)
        for apply in waiting:
            self._on_page_loop(apply)
        announce_window(self.services.sync)  # news that waited for a window shows now

    def run_on_page(self, apply: Callable[[], Awaitable[None]]) -> bool:
        """Run `apply()` on Flet's loop (from any thread), or once the tab is back when it is
        away; False once the session is gone."""
        if not self._connected:
            if apply not in self._on_return:
                self._on_return.append(apply)
            return True
        return self._on_page_loop(apply)

    def close(self) -> None:
        """The session ended: stop listening, so a closed tab is not kept alive."""
        if self.parcels_changed in self.services.listeners:
            self.services.listeners.remove(self.parcels_changed)
        if self.orders_changed in self.services.order_listeners:
            self.services.order_listeners.remove(self.orders_changed)
        if self.show_banner in self.services.banner_listeners:
            self.services.banner_listeners.remove(self.show_banner)
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def show(self, route: str) -> None:
        """Rebuild the stack for `route`; home is kept so its filters survive a round trip."""
        page = self.page
        screens = resolve(route)
        home = self._home()
        top = screens[-1]
        page.views.clear()
        page.views.append(home.view())
        self.top = None
        if top.kind is ScreenKind.PARCEL and home.wide and top.item_id:
            # Wide: the timeline sits right of the list, no view on top.
            if home.selected != top.item_id:
                home.select(top.item_id)
        elif top.kind is not ScreenKind.HOME:
            page.views.append(self._build(top))
        page.update()

    def _home(self) -> HomeScreen:
        if self.home is None:
            self.home = HomeScreen(
                self._context(),
                wide=is_wide(self.page.width),
                now=self.now,
                on_demo=self._demo_action(),
            )
            self.home.complete_first_page_soon()  # after the page that shows its first cards
        return self.home

    def navigate(self, route: str) -> None:
        # push_route is a round trip: the client changes the URL, then on_route_change fires.
        # page.navigate schedules it on Flet's loop; handlers run there, so this is safe.
        self.page.navigate(route)

    def back(self) -> None:
        views = self.page.views
        self.navigate(views[-2].route if len(views) > 1 else "/")

    def notify(self, text: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(text)))

    def show_banner(self, title: str, body: str, route: str) -> bool:
        """A listener in services.banner_listeners (any thread): a notice no native channel
        shows, as a banner whose button opens the parcel. False while the tab is away (closed,
        or offline) and once the session is gone: the dispatcher keeps the news for later."""
        return self._connected and self._on_page_loop(self._banner, title, body, route)

    async def _banner(self, title: str, body: str, route: str) -> None:
        self.page.show_dialog(
            ft.SnackBar(
                ft.Column(
                    tight=True,
                    spacing=2,
                    controls=[ft.Text(title, weight=ft.FontWeight.BOLD), ft.Text(body)],
                ),
                action=ft.SnackBarAction(
                    label=t(self.settings.lang, "action.open"),
                    on_click=lambda: self.navigate(route),
                ),
                duration=ft.Duration(seconds=8),
            )
        )

    def _build(self, screen: Screen) -> ft.View:
        assert screen.kind is not ScreenKind.HOME
        ctx = self._context()
        try:
            if screen.kind is ScreenKind.PARCEL:
                self.top = ParcelScreen(ctx, screen, now=self.now)
                return self.top.view
            if screen.kind is ScreenKind.ORDER:
                self.top = OrderScreen(ctx, screen, now=self.now)
                return self.top.view
            view = _build_form(ctx, screen)
        except Exception:  # a broken screen must not take navigation down
            log.exception("building %s failed", screen.kind)
            return build_failed_view(ctx, screen)
        view.route = screen.route
        return view

    def _context(self) -> ViewContext:
        return ViewContext(
            lang=self.settings.lang,
            navigate=self.navigate,
            back=self.back,
            notify=self.notify,
            services=self.services,
        )

    def _demo_action(self) -> Callable[[], object] | None:
        """ "Demo ansehen": start the demo (it swaps the store), then show its parcels."""
        if not callable(self.services.start_demo):
            return None

        def run() -> None:
            start = self.services.start_demo
            if callable(start):
                start()
            if self.home is not None:
                self.home.store_switched()

        return run

    def apply_ui_settings(self, settings: UiSettings) -> None:
        """Language or theme chosen in Settings: apply at once (called on Flet's loop)."""
        apply_theme(self.page, settings.theme)
        previous = self.settings
        self.settings = settings
        if settings.lang != previous.lang:
            self._set_language(settings.lang)
            self.home = None  # its texts are baked in: rebuild it in the new language
            self.show(self.page.route)
        else:
            self.page.update()

    # -- live updates -------------------------------------------------------------------

    def parcels_changed(self, ids: frozenset[str]) -> None:
        """A listener in services.listeners: may be called from any thread or loop."""
        if not self._connected:
            self._missed_parcels |= ids
            return
        self._on_page_loop(self._apply_changes, frozenset(ids))

    def orders_changed(self, order_ids: frozenset[str]) -> None:
        """A listener in services.order_listeners (any thread): renamed orders."""
        if not self._connected:
            self._missed_orders |= order_ids
            return
        self._on_page_loop(self._apply_order_changes, frozenset(order_ids))

    def _on_page_loop(self, apply: Callable[..., Awaitable[None]], *args: object) -> bool:
        """Run `apply(*args)` on Flet's loop; False (and stop listening) once the session is
        gone."""
        try:
            self.page.run_task(apply, *args)
        except Exception:
            log.debug("session closed; dropping its listener", exc_info=True)
            self.close()
            return False
        return True

    async def _apply_order_changes(self, order_ids: frozenset[str]) -> None:
        if self.home is not None:
            self.home.orders_changed(order_ids)
        top = self.top
        if isinstance(top, OrderScreen) and top.order_id in order_ids:
            top.refresh_now()

    async def _apply_changes(self, ids: frozenset[str]) -> None:
        """On Flet's loop: redraw only the rows and the open screen that show these parcels."""
        if self.home is not None:
            self.home.parcels_changed(ids)
        top = self.top
        if (isinstance(top, ParcelScreen) and top.parcel_id in ids) or (
            isinstance(top, OrderScreen) and (ids & top.parcel_ids or _unknown(ids, top))
        ):
            top.refresh_now()

    def _start_ticker(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._ticker = loop.create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self.home is not None:
                try:
                    self.home.tick()
                except Exception:
                    log.debug("sync line tick failed; stopping", exc_info=True)
                    return

    # -- page events --------------------------------------------------------------------

    async def _on_view_pop(self, event: ft.ViewPopEvent) -> None:
        # System back (Android) and the browser pop the top view; show the one below.
        views = self.page.views
        if len(views) > 1:
            views.pop()
        await self.page.push_route(views[-1].route if views else "/")

    def _on_resize(self, event: ft.PageResizeEvent) -> None:
        wide = is_wide(event.width)
        if self.home is None or self.home.wide == wide:
            # Resize events stream while a window is dragged; skip the auto-update's full diff.
            skip_auto_update()
            return
        self.home.set_wide(wide)
        self.page.update()

    def _on_locale_change(self, event: ft.LocaleChangeEvent) -> None:
        tags = [_tag(locale) for locale in event.locales]
        settings = detect_settings(tags)
        if settings.lang != self.settings.lang:
            self.settings = settings
            self._set_language(settings.lang)
            self.home = None  # its texts are baked in: rebuild it in the new language
            self.show(self.page.route)

    def _set_language(self, lang: Lang) -> None:
        # Flutter's own texts (tooltips of built-in buttons, pickers) follow this locale.
        supported = [ft.Locale("de"), ft.Locale("en")]
        current = supported[0] if lang == "de" else supported[1]
        self.page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=supported, current_locale=current
        )

    async def _device_locales(self) -> list[str]:
        """The browser's (or OS's) preferred locales, best first; none if the client can't say.
        A browser sent them with the session's websocket; a window is asked (a local call)."""
        if sent := BROWSER_LOCALES.get():
            return list(sent)
        try:
            info = await self.page.get_device_info()
        except Exception:  # a client without the call must still get a UI
            log.warning("device info unavailable; using the default language", exc_info=True)
            return []
        return [_tag(locale) for locale in info.locales] if info else []


def _unknown(ids: frozenset[str], order: OrderScreen) -> bool:
    """A parcel the order screen does not show yet may have joined this order."""
    return bool(ids - order.parcel_ids) and order.detail is not None


def _build_form(ctx: ViewContext, screen: Screen) -> ft.View:
    """Add and Settings, imported on first use: neither is on the way to the first list."""
    if screen.kind is ScreenKind.ADD:  # opened from an order, it files the parcel there
        from app.ui.views.add import build_add_view

        return build_add_view(ctx, screen.item_id)
    assert screen.kind is ScreenKind.SETTINGS, screen.kind
    from app.ui.views.settings import build_settings_view

    return build_settings_view(ctx, screen.item_id)  # perhaps at one carrier's account


def _tag(locale: ft.Locale) -> str:
    return locale.language_code + (f"-{locale.country_code}" if locale.country_code else "")
