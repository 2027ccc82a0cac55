"""The screen shown when building another one failed: its title, a back button and a line
saying so, so a broken screen costs the user a step back, not the app."""

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


def build_failed_view(ctx: ViewContext, screen: Screen) -> ft.View:
    # Our own back button rather than the AppBar's implied one: that one has the tooltip-only
    # name problem of icon buttons (see icon_button) and its word is Flutter's, not ours.
    back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
    return ft.View(
        route=screen.route,
        appbar=ft.AppBar(title=ft.Text(ctx.t(_TITLE_KEYS[screen.kind])), leading=back),
        controls=[
            ft.Container(
                padding=16,
                content=ft.Text(ctx.t("screen.failed"), color=ft.Colors.ON_SURFACE_VARIANT),
            )
        ],
    )
