"""A filter of the home list as a menu button: its name ("Versanddienst") while it lets
everything through, its choice ("DHL", tinted) once it narrows the list."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.ui.views.context import ViewContext

__all__ = ["filter_menu"]


def filter_menu(
    ctx: ViewContext,
    name_key: str,
    options: list[tuple[str, str]],
    chosen: str | None,
    on_pick: Callable[[str | None], None],
) -> ft.Control:
    """A menu of `options` (key, word) and "all"; `on_pick` gets the key, None for "all"."""
    words = dict(options)
    name = ctx.t(name_key)
    value = words.get(chosen, ctx.t("filter.all")) if chosen else ctx.t("filter.all")
    label = ctx.t("filter.active", name=name, value=value)

    def pick(choice: str | None) -> Callable[[], None]:
        return lambda: on_pick(choice)

    items = [
        ft.PopupMenuItem(content=ctx.t("filter.all"), checked=chosen is None, on_click=pick(None))
    ]
    items += [
        ft.PopupMenuItem(content=word, checked=key == chosen, on_click=pick(key))
        for key, word in options
    ]
    # The outline is 40 px tall; the transparent margin makes the tap target 48 px.
    return ft.PopupMenuButton(
        items=items,
        content=ft.Container(
            padding=ft.Padding.symmetric(vertical=4),
            content=ft.Container(
                height=40,
                padding=ft.Padding.symmetric(horizontal=12),
                border_radius=8,
                border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                bgcolor=ft.Colors.SECONDARY_CONTAINER if chosen else None,
                content=ft.Row(
                    tight=True,
                    spacing=4,
                    controls=[
                        # Short, as filter chips are: three "Name: Alle" did not fit a phone's
                        # width (nor the wide window's list), the last one was cut off. Screen
                        # readers hear the whole "Versanddienst: DHL" either way.
                        ft.Text(value if chosen else name, size=13, semantics_label=label),
                        ft.Icon(ft.Icons.ARROW_DROP_DOWN, size=18),
                    ],
                ),
            ),
        ),
    )
