"""One order: shop, order number, date and items, then its parcels ("Paket 1 von 2").

A split order says how far it is ("Teillieferung: 1 von 2 Paketen versandt"); a parcel whose
label exists but was not scanned yet reads "Verkäufer hat noch nicht übergeben", never
"not found".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import flet as ft

from app.domain.when import day_in_words
from app.ui.read_model import Clock, OrderDetail, load_order
from app.ui.routing import Screen
from app.ui.views.context import ViewContext
from app.ui.views.widgets import ParcelRowControl, icon_button, update_only


def _now() -> datetime:
    return datetime.now(UTC)


class OrderScreen:
    def __init__(
        self, ctx: ViewContext, screen: Screen, *, now: Callable[[], datetime] = _now
    ) -> None:
        assert screen.item_id is not None
        self.ctx = ctx
        self.order_id = screen.item_id
        self.now = now
        self.detail: OrderDetail | None = None
        self.parcel_ids: frozenset[str] = frozenset()
        self.title = ft.Text(ctx.t("screen.order"), max_lines=1, overflow=ft.TextOverflow.ELLIPSIS)
        self.body = ft.Container(expand=True)
        back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
        self.refresh()
        self.view = ft.View(
            route=screen.route,
            appbar=ft.AppBar(title=self.title, leading=back),
            padding=0,
            controls=[self.body],
        )

    def clock(self) -> Clock:
        return Clock(now=self.now(), zone=self.ctx.services.zone, lang=self.ctx.lang)

    def refresh(self) -> list[ft.Control]:
        store = self.ctx.services.store
        clock = self.clock()
        self.detail = load_order(store, self.order_id, clock) if store is not None else None
        self.parcel_ids = (
            frozenset(row.id for row in self.detail.parcels) if self.detail else frozenset()
        )
        self.title.value = self.detail.order.shop if self.detail else self.ctx.t("screen.order")
        self.body.content = self._content(clock)
        return [self.body, self.title]

    def refresh_now(self) -> None:
        update_only(*self.refresh())

    def _content(self, clock: Clock) -> ft.Control:
        ctx = self.ctx
        detail = self.detail
        if detail is None:
            return ft.Container(
                padding=24,
                content=ft.Text(ctx.t("order.missing"), color=ft.Colors.ON_SURFACE_VARIANT),
            )
        order = detail.order
        facts: list[ft.Control] = [
            ft.Text(order.shop, theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ]
        if order.title:
            facts.append(ft.Text(order.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        if order.order_number:
            facts.append(_fact(ft.Icons.TAG, ctx.t("order.number", number=order.order_number)))
        if order.placed_at:
            local = clock.local(order.placed_at).date()
            day = day_in_words(local, clock.local(clock.now).date(), ctx.lang)
            facts.append(_fact(ft.Icons.EVENT_OUTLINED, ctx.t("order.placed", day=day)))
        if order.items_summary:
            facts.append(
                _fact(
                    ft.Icons.SHOPPING_BAG_OUTLINED, ctx.t("order.items", items=order.items_summary)
                )
            )
        total = len(detail.parcels)
        if total > 1:
            partial = 0 < detail.shipped < total
            if partial:
                facts.append(
                    _banner(
                        ft.Icons.CALL_SPLIT,
                        ctx.t("order.partial", shipped=detail.shipped, total=total),
                    )
                )
            elif detail.shipped == total:
                facts.append(_fact(ft.Icons.DONE_ALL, ctx.t("order.all_shipped", total=total)))
        rows = [
            ft.Card(
                margin=0,
                content=ft.Container(
                    padding=6,
                    content=ParcelRowControl(
                        ctx, row, lambda pid: ctx.navigate(f"/parcels/{pid}")
                    ).control,
                ),
            )
            for row in detail.parcels
        ]
        return ft.ListView(
            expand=True,
            padding=ft.Padding.all(16),
            spacing=8,
            controls=[
                ft.Column(spacing=6, controls=facts),
                ft.Container(height=4),
                ft.Text(
                    ctx.t("order.parcels_title"),
                    theme_style=ft.TextThemeStyle.TITLE_SMALL,
                    weight=ft.FontWeight.W_600,
                ),
                *rows,
            ],
        )


def _fact(icon: ft.IconData, text: str) -> ft.Control:
    return ft.Row(
        spacing=8,
        controls=[
            ft.Icon(icon, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(text, expand=True),
        ],
    )


def _banner(icon: ft.IconData, text: str) -> ft.Control:
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        border_radius=12,
        bgcolor=ft.Colors.TERTIARY_CONTAINER,
        content=ft.Row(
            spacing=8,
            controls=[
                ft.Icon(icon, size=18, color=ft.Colors.ON_TERTIARY_CONTAINER),
                ft.Text(text, expand=True, color=ft.Colors.ON_TERTIARY_CONTAINER),
            ],
        ),
    )


def build_order_view(ctx: ViewContext, screen: Screen) -> ft.View:
    return OrderScreen(ctx, screen).view
