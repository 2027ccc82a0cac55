"""Small building blocks shared by screens."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.domain.status import Status
from app.ui.i18n import status_word
from app.ui.read_model import OrderView, ParcelView
from app.ui.theme import STATUS_LOOK
from app.ui.views.context import ViewContext

ADD_ROUTE = "/add"


def skip_auto_update() -> None:
    """This handler updates what it changed itself (or nothing): no full-page diff after it."""
    ft.context.disable_auto_update()  # type: ignore[no-untyped-call]


def update_only(*controls: ft.Control) -> None:
    """Send just these controls to the client.

    After every event handler Flet 1.0.5 updates the nearest isolated ancestor, usually the
    page, which diffs the whole tree (slow with long lists). Updating the changed controls and
    switching that off for this handler is the cheap path. Controls not yet mounted (tests,
    or before the first show) have nothing to send.
    """
    if any(control.parent is None for control in controls):
        return
    skip_auto_update()
    for control in controls:
        control.update()


def icon_button(icon: ft.IconData, label: str, on_click: Callable[[], object]) -> ft.IconButton:
    """An icon button screen readers and tests can find by role and name.

    Flutter web puts a tooltip's text on a wrapper node, not on the button, so the button
    itself would be nameless. The icon's semantics label names the button instead, and the
    tooltip is kept out of semantics so the name is not read twice.
    """
    return ft.IconButton(
        icon=ft.Icon(icon, semantics_label=label),
        tooltip=ft.Tooltip(message=label, exclude_from_semantics=True),
        on_click=on_click,
    )


def empty_state(ctx: ViewContext) -> ft.Control:
    """First run: say what the app does and offer the two ways in."""
    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        padding=ft.Padding.symmetric(horizontal=24, vertical=40),
        content=ft.Column(
            tight=True,
            width=420,
            spacing=12,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                ft.Icon(ft.Icons.INVENTORY_2_OUTLINED, size=64, color=ft.Colors.PRIMARY),
                ft.Text(
                    ctx.t("empty.title"),
                    theme_style=ft.TextThemeStyle.HEADLINE_SMALL,
                    text_align=ft.TextAlign.CENTER,
                ),
                ft.Text(
                    ctx.t("empty.body"),
                    color=ft.Colors.ON_SURFACE_VARIANT,
                    text_align=ft.TextAlign.CENTER,
                ),
                ft.Container(height=4),
                ft.Row(
                    wrap=True,
                    spacing=12,
                    run_spacing=12,
                    alignment=ft.MainAxisAlignment.CENTER,
                    controls=[
                        ft.FilledButton(
                            content=ctx.t("action.add"),
                            icon=ft.Icons.ADD,
                            on_click=lambda: ctx.navigate(ADD_ROUTE),
                        ),
                        ft.OutlinedButton(
                            content=ctx.t("action.demo"),
                            icon=ft.Icons.PLAY_CIRCLE_OUTLINE,
                            on_click=ctx.soon,
                        ),
                    ],
                ),
            ],
        ),
    )


def status_chip(ctx: ViewContext, status: Status) -> ft.Control:
    """Icon and word together: colour is never the only signal (UX.md)."""
    icon, color = STATUS_LOOK[status]
    return ft.Row(
        tight=True,
        spacing=4,
        controls=[
            ft.Icon(icon, size=16, color=color),
            ft.Text(status_word(ctx.lang, status), color=color, weight=ft.FontWeight.W_500),
        ],
    )


def order_card(ctx: ViewContext, order: OrderView) -> ft.Control:
    total = len(order.parcels)
    rows = [_parcel_row(ctx, parcel, n, total) for n, parcel in enumerate(order.parcels, 1)]
    return ft.Card(
        content=ft.Container(
            padding=12,
            on_click=lambda: ctx.navigate(f"/orders/{order.id}"),
            content=ft.Column(
                spacing=6,
                controls=[
                    ft.Text(order.shop, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                    *([ft.Text(order.title)] if order.title else []),
                    *rows,
                ],
            ),
        )
    )


def _parcel_row(ctx: ViewContext, parcel: ParcelView, n: int, total: int) -> ft.Control:
    lines: list[ft.Control] = []
    if parcel.eta_text:
        lines.append(ft.Text(parcel.eta_text, weight=ft.FontWeight.BOLD))
    lines.append(status_chip(ctx, parcel.status))
    where = f"{parcel.carrier} · {parcel.name}"
    if total > 1:
        where = f"{ctx.t('order.parcel_of', n=n, total=total)} · {where}"
    lines.append(ft.Text(where, color=ft.Colors.ON_SURFACE_VARIANT, size=12))
    return ft.Container(
        on_click=lambda: ctx.navigate(f"/parcels/{parcel.id}"),
        padding=ft.Padding.symmetric(vertical=4),
        content=ft.Column(spacing=2, controls=lines),
    )
