"""One session's navigation: routes -> view stack, back, resize, language and theme."""

from __future__ import annotations

import logging

import flet as ft

from app.ui.i18n import Lang
from app.ui.read_model import OrdersSource
from app.ui.routing import Screen, ScreenKind, resolve
from app.ui.state import detect_settings, is_wide
from app.ui.theme import apply_theme
from app.ui.views.context import ViewContext
from app.ui.views.home import HomeScreen
from app.ui.views.placeholder import build_placeholder_view
from app.ui.views.widgets import skip_auto_update

log = logging.getLogger(__name__)


class Shell:
    """Builds page.views from the route: home at the bottom, the deep screen on top."""

    def __init__(self, page: ft.Page, source: OrdersSource) -> None:
        self.page = page
        self.source = source
        self.settings = detect_settings([])
        self.home: HomeScreen | None = None

    async def start(self) -> None:
        page = self.page
        self.settings = detect_settings(await self._device_locales())
        page.title = "Paketpilot"
        apply_theme(page, self.settings.theme)
        # Imperative routing (page.views + on_route_change). Never mix it with ft.Router, which
        # installs its own on_route_change. In web mode the initial page.route is the URL path.
        page.on_route_change = lambda e: self.show(e.route)
        page.on_view_pop = self._on_view_pop
        page.on_resize = self._on_resize
        page.on_locale_change = self._on_locale_change
        self._set_language(self.settings.lang)
        self.show(page.route)

    def show(self, route: str) -> None:
        """Rebuild the stack for `route`; home is kept so its filters survive a round trip."""
        page = self.page
        screens = resolve(route)
        if self.home is None:
            self.home = HomeScreen(self._context(), self.source, wide=is_wide(page.width))
        page.views.clear()
        page.views.append(self.home.view())
        page.views.extend(self._build(screen) for screen in screens[1:])
        page.update()

    def navigate(self, route: str) -> None:
        # push_route is a round trip: the client changes the URL, then on_route_change fires.
        # page.navigate schedules it on Flet's loop; handlers run there, so this is safe.
        self.page.navigate(route)

    def back(self) -> None:
        views = self.page.views
        self.navigate(views[-2].route if len(views) > 1 else "/")

    def notify(self, text: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(text)))

    def _build(self, screen: Screen) -> ft.View:
        assert screen.kind is not ScreenKind.HOME
        return build_placeholder_view(self._context(), screen)

    def _context(self) -> ViewContext:
        return ViewContext(
            lang=self.settings.lang, navigate=self.navigate, back=self.back, notify=self.notify
        )

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
        """The browser's (or OS's) preferred locales, best first; none if the client can't say."""
        try:
            info = await self.page.get_device_info()
        except Exception:  # a client without the call must still get a UI
            log.warning("device info unavailable; using the default language", exc_info=True)
            return []
        return [_tag(locale) for locale in info.locales] if info else []


def _tag(locale: ft.Locale) -> str:
    return locale.language_code + (f"-{locale.country_code}" if locale.country_code else "")
