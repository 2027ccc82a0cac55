"""The screens' control trees, built in-process without any client."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Never, TypeVar, cast, overload

import flet as ft
import pytest

from app.store import open_store
from app.ui.i18n import Lang, t
from app.ui.read_model import Section
from app.ui.routing import resolve
from app.ui.services import AppServices
from app.ui.views.context import ViewContext, noop_context
from app.ui.views.failed import build_failed_view
from app.ui.views.home import HomeScreen, build_home_view

_BUTTONS = (ft.Button, ft.OutlinedButton, ft.TextButton)
_C = TypeVar("_C", bound=ft.BaseControl)


def walk(control: ft.BaseControl, *, hidden: bool = False) -> Iterator[ft.BaseControl]:
    """Every shown control below and including `control`, through any field that holds
    controls; a hidden one (visible=False, or opacity 0: laid out but neither drawn nor in the
    accessibility tree) is skipped with all it holds, as the client does. With `hidden`, those
    too (Flet sends them all)."""
    unseen = isinstance(control, ft.Control) and (not control.visible or control.opacity == 0)
    if unseen and not hidden:
        return
    yield control
    for field in dataclasses.fields(control):
        value = getattr(control, field.name, None)
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ft.BaseControl):
                yield from walk(child, hidden=hidden)


def texts(control: ft.BaseControl) -> list[str]:
    found = []
    for node in walk(control):
        if isinstance(node, ft.Text) and isinstance(node.value, str):
            found.append(node.value)
        if isinstance(node, _BUTTONS) and isinstance(node.content, str):
            found.append(node.content)
    return found


def buttons(control: ft.BaseControl) -> dict[str, ft.Button | ft.OutlinedButton | ft.TextButton]:
    return {
        node.content: node
        for node in walk(control)
        if isinstance(node, _BUTTONS) and isinstance(node.content, str)
    }


@overload
def fire(
    handler: Callable[[], object] | Callable[[ft.Event[_C]], object] | None, event: ft.Event[_C]
) -> None: ...
@overload
def fire(handler: Callable[[], object] | Callable[[Never], object] | None) -> None: ...
def fire(
    handler: Callable[[], object] | Callable[[Never], object] | None,
    event: ft.Event[Any] | None = None,
) -> None:
    """Call a control's event handler as Flet does: without an argument if it takes none,
    else with `event`. Fails when no handler is set, or when it wants an event not given."""
    assert handler is not None, "no handler is set"
    if not inspect.signature(handler).parameters:
        result = cast("Callable[[], object]", handler)()
    else:
        assert event is not None, f"{handler} takes the event: give one"
        result = cast("Callable[[ft.Event[Any]], object]", handler)(event)
    assert not inspect.isawaitable(result), "an async handler: await it instead"


def is_visible(control: ft.Control) -> bool:
    """`control.visible`, read anew: after `assert not c.visible`, mypy would take a later
    `assert c.visible` for unreachable and skip checking the rest of the test."""
    return control.visible


def icon_button_names(control: ft.BaseControl) -> list[str]:
    names = []
    for node in walk(control):
        if isinstance(node, ft.IconButton):
            tooltip = node.tooltip
            message = tooltip.message if isinstance(tooltip, ft.Tooltip) else tooltip
            assert message, f"IconButton without tooltip: {node}"
            assert isinstance(node.icon, ft.Icon)
            # Flutter web names the button from the icon's label, not from the tooltip.
            assert node.icon.semantics_label == message
            names.append(message)
    return names


def recording_context(
    lang: Lang, services: AppServices | None = None
) -> tuple[ViewContext, list[str], list[str]]:
    routes: list[str] = []
    notes: list[str] = []
    ctx = ViewContext(
        lang=lang,
        navigate=routes.append,
        back=lambda: None,
        notify=notes.append,
        services=services or AppServices(),
    )
    return ctx, routes, notes


@pytest.fixture
def empty_store(tmp_path: Path) -> AppServices:
    return AppServices(store=open_store(tmp_path / "empty.sqlite"))


@pytest.mark.parametrize(
    ("lang", "title", "empty", "add", "demo"),
    [
        ("de", "Meine Bestellungen", "Noch keine Sendungen", "Sendung hinzufügen", "Demo ansehen"),
        ("en", "My orders", "No parcels yet", "Add parcel", "Try the demo"),
    ],
)
@pytest.mark.parametrize("wide", [False, True])
def test_home_shows_the_empty_state_in_both_languages(
    lang: Lang, title: str, empty: str, add: str, demo: str, wide: bool, empty_store: AppServices
) -> None:
    ctx, _routes, _notes = recording_context(lang, empty_store)
    view = build_home_view(ctx, wide=wide, on_demo=lambda: None)

    assert view.route == "/"
    assert isinstance(view.appbar, ft.AppBar)
    assert isinstance(view.appbar.title, ft.Text)
    assert view.appbar.title.value == title
    shown = texts(view)
    assert empty in shown
    assert t(lang, "empty.body") in shown
    assert t(lang, "sync.never") in shown
    assert {add, demo} <= set(buttons(view))
    chips = [node for node in walk(view) if isinstance(node, ft.Chip)]
    assert [chip.label.value for chip in chips if isinstance(chip.label, ft.Text)] == [
        t(lang, "section.active"),
        t(lang, "section.delivered"),
        t(lang, "section.archive"),
    ]
    assert [chip.selected for chip in chips] == [True, False, False]
    assert any(isinstance(node, ft.TextField) and node.hint_text for node in walk(view))
    # No parcel, so the pane beside the list (wide) does not ask to choose one.
    assert t(lang, "detail.none") not in shown


def test_without_a_store_home_still_shows_the_empty_state() -> None:
    view = build_home_view(noop_context("en"), wide=False)
    assert "No parcels yet" in texts(view)


def test_every_icon_button_has_a_tooltip_and_a_name(empty_store: AppServices) -> None:
    ctx, _routes, _notes = recording_context("de", empty_store)
    view = build_home_view(ctx, wide=True)
    assert sorted(icon_button_names(view)) == [
        "Aktualisieren",
        "Einstellungen",
        "Neue Sendung",
    ]


def test_empty_state_offers_the_demo_only_where_there_is_one(empty_store: AppServices) -> None:
    ctx, routes, _notes = recording_context("en", empty_store)
    view = build_home_view(ctx, wide=False)
    found = buttons(view)

    assert callable(found["Add parcel"].on_click)
    fire(found["Add parcel"].on_click)
    assert routes == ["/add"]
    assert "Try the demo" not in found  # no demo to start: no button to tap in vain


def test_the_demo_button_runs_the_demo_when_there_is_one(empty_store: AppServices) -> None:
    started: list[str] = []
    ctx, _routes, _notes = recording_context("en", empty_store)
    screen = HomeScreen(ctx, wide=False, on_demo=lambda: started.append("demo"))
    fire(buttons(screen.view())["Try the demo"].on_click)
    assert started == ["demo"]


def test_switching_layout_keeps_the_same_view_and_filters(empty_store: AppServices) -> None:
    ctx, _routes, _notes = recording_context("en", empty_store)
    screen = HomeScreen(ctx, wide=False)
    view = screen.view()
    screen._select(Section.ARCHIVED)

    screen.set_wide(True)

    assert screen.view() is view
    assert "Nothing here yet." in texts(view)
    assert "Select a parcel" not in texts(view)  # the pane beside it: nothing to select


@pytest.mark.parametrize(
    ("route", "title"),
    [
        ("/parcels/p1", "Sendung"),
        ("/orders/o7", "Bestellung"),
        ("/add", "Sendung hinzufügen"),
        ("/settings", "Einstellungen"),
    ],
)
def test_a_screen_that_fails_to_build_says_so_and_leads_back(route: str, title: str) -> None:
    backs: list[str] = []
    ctx = ViewContext(
        lang="de", navigate=lambda _r: None, back=lambda: backs.append("back"), notify=print
    )
    screen = resolve(route)[-1]

    view = build_failed_view(ctx, screen)

    assert view.route == route
    assert isinstance(view.appbar, ft.AppBar)
    assert isinstance(view.appbar.title, ft.Text)
    assert view.appbar.title.value == title
    assert "Dieser Bereich ließ sich nicht öffnen." in " ".join(texts(view))
    assert icon_button_names(view) == ["Zurück"]
    back = view.appbar.leading
    assert isinstance(back, ft.IconButton)
    fire(back.on_click)
    assert backs == ["back"]
