"""The remembered event types (app.ui.flet_tuning) against Flet's own answer."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, get_origin

import flet as ft
import flet.controls.base_control as flet_base_control
import pytest

from app.ui import flet_tuning
from app.ui.flet_tuning import remember_event_types, remembered_event_type


def _as_flet_asks() -> Callable[[Any, str], Any]:
    """Flet's resolver, called from a function that sees BaseControl's module globals, as
    `_trigger_event` calls it (the resolver reads its caller's frame)."""
    namespace = dict(vars(flet_base_control))
    # A fixed line of source, compiled with the module's globals.
    exec(
        "def ask(control, field_name):\n    return get_event_field_type(control, field_name)\n",
        namespace,
    )
    ask: Callable[[Any, str], Any] = namespace["ask"]
    return ask


def _handlers() -> list[tuple[type, str]]:
    """Every `on_...` field of every control class Flet exports."""
    found = []
    for name in sorted(dir(ft)):
        cls = getattr(ft, name)
        if not (isinstance(cls, type) and issubclass(cls, ft.BaseControl)):
            continue
        if not dataclasses.is_dataclass(cls):
            continue
        found += [(cls, f.name) for f in dataclasses.fields(cls) if f.name.startswith("on_")]
    return found


HANDLERS = _handlers()


def test_there_are_handlers_to_check() -> None:
    assert len(HANDLERS) > 200
    assert (ft.GestureDetector, "on_tap") in HANDLERS


def test_every_remembered_type_is_flets_own() -> None:
    ask = _as_flet_asks()
    differ: list[tuple[str, ...]] = []
    for cls, field_name in HANDLERS:
        control: Any = object.__new__(cls)  # the resolver reads the class only
        try:
            expected = ask(control, field_name)
        except RuntimeError as failed:
            with pytest.raises(RuntimeError, match=re.escape(str(failed))):
                remembered_event_type(control, field_name)
            continue
        if remembered_event_type(control, field_name) != expected:
            differ.append((cls.__name__, field_name))
        if remembered_event_type(control, field_name) != expected:  # and when asked again
            differ.append((cls.__name__, field_name, "again"))
    assert differ == []


def test_a_class_and_handler_is_resolved_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[type, str]] = []
    resolve = flet_tuning.get_event_field_type  # type: ignore[attr-defined]

    def counting(control: Any, field_name: str) -> Any:
        asked.append((type(control), field_name))
        return resolve(control, field_name)

    monkeypatch.setattr(flet_tuning, "get_event_field_type", counting)
    monkeypatch.setattr(flet_tuning, "_known", {})
    taps = [ft.GestureDetector(), ft.GestureDetector()]

    types = {remembered_event_type(control, "on_tap") for control in taps * 3}

    assert {get_origin(t) for t in types} == {ft.TapEvent}
    assert asked == [(ft.GestureDetector, "on_tap")]


def test_flets_dispatch_uses_the_remembered_types(monkeypatch: pytest.MonkeyPatch) -> None:
    flets_own = vars(flet_base_control)["get_event_field_type"]
    monkeypatch.setitem(vars(flet_base_control), "get_event_field_type", flets_own)  # undone after

    remember_event_types()

    assert vars(flet_base_control)["get_event_field_type"] is remembered_event_type
