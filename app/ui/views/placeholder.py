"""Screens still to come: a title, a back button and a line saying so."""

from __future__ import annotations

import flet as ft

from app.ui.routing import Screen, ScreenKind
from app.ui.views.context import ViewContext
from app.ui.views.widgets import icon_button

_TITLE_KEYS = {
    ScreenKind.PARCEL: "screen.parcel",
    ScreenKind.ORDER: "screen.order",
    ScreenKind.ADD: "screen.add",
    ScreenKind.SETTINGS: "screen.settings",
}


def build_placeholder_view(ctx: ViewContext, screen: Screen) -> ft.View:
    title = ctx.t(_TITLE_KEYS[screen.kind])
    if screen.item_id:
        title = f"{title} {screen.item_id}"
    # Our own back button rather than the AppBar's implied one: that one has the tooltip-only
    # name problem of icon buttons (see icon_button) and its word is Flutter's, not ours.
    back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
    return ft.View(
        route=screen.route,
        appbar=ft.AppBar(title=ft.Text(title), leading=back),
        controls=[
            ft.Container(
                padding=16,
                content=ft.Text(ctx.t("screen.placeholder"), color=ft.Colors.ON_SURFACE_VARIANT),
            )
        ],
    )
