"""The shell's navigation against a stand-in page: view stacks, back, resize, language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flet as ft
import pytest

from app.ui.read_model import EmptyOrdersSource
from app.ui.shell import Shell


@dataclass
class FakePage:
    """The parts of ft.Page the shell touches; a real page needs a live session."""

    route: str = "/"
    width: float | None = 390
    locales: list[ft.Locale] = field(default_factory=lambda: [ft.Locale("en", "US")])
    views: list[ft.View] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    dialogs: list[Any] = field(default_factory=list)
    updates: int = 0

    async def get_device_info(self) -> Any:
        return _Info(self.locales)

    def update(self) -> None:
        self.updates += 1

    def navigate(self, route: str) -> None:
        self.pushed.append(route)

    async def push_route(self, route: str) -> None:
        self.pushed.append(route)

    def show_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)


@dataclass
class _Info:
    locales: list[ft.Locale]


def title(view: ft.View) -> str:
    assert isinstance(view.appbar, ft.AppBar)
    assert isinstance(view.appbar.title, ft.Text)
    return str(view.appbar.title.value)


async def started(page: FakePage) -> Shell:
    shell = Shell(page, EmptyOrdersSource())
    await shell.start()
    return shell


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAKETPILOT_LANG", raising=False)
    monkeypatch.delenv("PAKETPILOT_THEME", raising=False)


async def test_a_deep_link_opens_on_top_of_home_in_the_device_language() -> None:
    page = FakePage(route="/parcels/p1")
    await started(page)

    assert [view.route for view in page.views] == ["/", "/parcels/p1"]
    assert [title(view) for view in page.views] == ["My orders", "Parcel p1"]
    assert page.updates == 1
    assert page.theme_mode == ft.ThemeMode.SYSTEM


async def test_back_and_system_pop_return_to_the_view_below() -> None:
    page = FakePage(route="/settings", locales=[ft.Locale("de", "DE")])
    shell = await started(page)
    assert title(page.views[-1]) == "Einstellungen"

    shell.back()
    await page.on_view_pop(ft.ViewPopEvent(name="view_pop", control=page, route="/settings"))

    assert page.pushed == ["/", "/"]
    assert [view.route for view in page.views] == ["/"]


async def test_route_changes_keep_the_same_home_view() -> None:
    page = FakePage()
    shell = await started(page)
    home = page.views[0]

    shell.show("/add")
    shell.show("/")

    assert page.views == [home]


async def test_crossing_the_breakpoint_switches_the_layout() -> None:
    page = FakePage(width=390)
    await started(page)
    resize = page.on_resize

    resize(ft.PageResizeEvent(name="resize", control=page, width=500, height=800))
    assert page.updates == 1  # same layout: nothing rebuilt
    resize(ft.PageResizeEvent(name="resize", control=page, width=1280, height=800))

    assert page.updates == 2
    assert page.views[0].controls[0].__class__ is ft.Row  # list | detail


async def test_a_locale_change_rebuilds_in_the_new_language() -> None:
    page = FakePage()
    await started(page)

    page.on_locale_change(
        ft.LocaleChangeEvent(name="locale_change", control=page, locales=[ft.Locale("de")])
    )

    assert title(page.views[0]) == "Meine Bestellungen"


async def test_a_language_override_beats_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKETPILOT_LANG", "de")
    monkeypatch.setenv("PAKETPILOT_THEME", "dark")
    page = FakePage()
    await started(page)

    assert title(page.views[0]) == "Meine Bestellungen"
    assert page.theme_mode == ft.ThemeMode.DARK
