"""One cost Flet 1.0.5 pays on every event, paid once instead.

Before calling a handler, Flet resolves the handler's event type (`get_event_field_type`): it
walks the annotations of the control's whole class hierarchy and turns each into text, 0.5 to
2 ms per tap on a parcel row here, a tenth of what the server spends on that click. The answer
depends only on the control's class and the handler's name, so it is remembered per pair.
Flet is pinned exactly (pyproject.toml); tests/unit/test_flet_tuning.py checks the remembered
answer against Flet's own for every handler of every control class Flet exports.
"""

from __future__ import annotations

from typing import Any

import flet.controls.base_control as flet_base_control
from flet.controls.control_event import get_event_field_type

__all__ = ["remember_event_types", "remembered_event_type"]

_known: dict[tuple[type, str], Any] = {}


def remembered_event_type(control: Any, field_name: str) -> Any:
    """`get_event_field_type`, asked once per control class and handler name."""
    key = (type(control), field_name)
    try:
        return _known[key]
    except KeyError:
        event_type = _known[key] = get_event_field_type(control, field_name)
        return event_type


def remember_event_types() -> None:
    """Make Flet's event dispatch (`BaseControl._trigger_event`) use the remembered types."""
    flet_base_control.get_event_field_type = remembered_event_type  # type: ignore[attr-defined]
