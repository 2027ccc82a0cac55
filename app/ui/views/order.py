"""One order: shop, order number, date and items, then its parcels ("Paket 1 von 2").

A split order says how far it is ("Teillieferung: 1 von 2 Paketen versandt"); a parcel whose
label exists but was not scanned yet reads "Verkäufer hat noch nicht übergeben", never
"not found".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import flet as ft

from app.domain.when import day_in_sentence
from app.store import delete_order, new_session, update_order
from app.ui.read_model import Clock, OrderDetail, load_order
from app.ui.routing import Screen, add_to_order_route
from app.ui.views.context import ViewContext
from app.ui.views.widgets import (
    READABLE_WIDTH,
    ParcelRowControl,
    current_page,
    icon_button,
    update_only,
)


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
        self.body = ft.Container(expand=True, alignment=ft.Alignment.TOP_CENTER)
        back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
        actions: list[ft.Control] = [
            icon_button(
                ft.Icons.ADD,
                ctx.t("action.add_to_order"),
                lambda: ctx.navigate(add_to_order_route(self.order_id)),
            ),
            icon_button(ft.Icons.EDIT_OUTLINED, ctx.t("action.edit_order"), self._ask_edit),
        ]
        self.refresh()
        self.view = ft.View(
            route=screen.route,
            appbar=ft.AppBar(title=self.title, leading=back, actions=actions),
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

    def _ask_edit(self) -> None:
        """Shop, title and order number as the user wants to read them."""
        ctx = self.ctx
        page = current_page()
        if page is None or self.detail is None:
            return
        order = self.detail.order
        shop = ft.TextField(label=ctx.t("add.shop"), value=order.shop, autofocus=True)
        title = ft.TextField(label=ctx.t("add.title"), value=order.title or "")
        number = ft.TextField(label=ctx.t("add.order_number"), value=order.order_number or "")

        def save() -> None:
            if not (shop.value or "").strip():
                shop.error = ctx.t("add.need_shop")
                update_only(shop)
                return
            page.pop_dialog()  # first: the "saved" snackbar is a dialog too, on top
            self.save(shop.value or "", title.value or None, number.value or None)

        def dissolve() -> None:
            page.pop_dialog()
            self.dissolve()

        dissolve_button = ft.TextButton(
            content=ctx.t("action.dissolve_order"),
            icon=ft.Icons.LINK_OFF,
            style=ft.ButtonStyle(color=ft.Colors.ERROR, icon_color=ft.Colors.ERROR),
            on_click=dissolve,
        )
        hint = ft.Text(
            ctx.t("edit_order.dissolve_hint"), size=13, color=ft.Colors.ON_SURFACE_VARIANT
        )
        page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(ctx.t("edit_order.title")),
                # The fields in Add's order: shop, number, title.
                content=ft.Column(
                    tight=True,
                    spacing=12,
                    controls=[
                        shop,
                        number,
                        title,
                        ft.Column(tight=True, spacing=0, controls=[dissolve_button, hint]),
                    ],
                ),
                actions=[
                    ft.TextButton(
                        content=ctx.t("action.cancel"), on_click=lambda: page.pop_dialog()
                    ),
                    ft.FilledButton(content=ctx.t("action.save"), on_click=save),
                ],
            )
        )

    def save(self, shop: str, title: str | None, order_number: str | None) -> None:
        """Store the new names; every session redraws what shows this order."""
        store = self.ctx.services.store
        if store is None or not shop.strip():
            return
        with new_session(store) as session:
            update_order(
                session,
                order_id=self.order_id,
                shop=shop.strip(),
                title=(title or "").strip() or None,
                order_number=(order_number or "").strip() or None,
            )
        self.ctx.notify(self.ctx.t("done.order_saved"))
        self.ctx.services.orders_changed(frozenset({self.order_id}))

    def dissolve(self) -> None:
        """Delete the order; its parcels stay, as single parcels. Back to My orders."""
        store = self.ctx.services.store
        if store is None:
            return
        with new_session(store) as session:
            delete_order(session, order_id=self.order_id)
        self.ctx.notify(self.ctx.t("done.order_dissolved"))
        self.ctx.services.orders_changed(frozenset({self.order_id}))
        self.ctx.navigate("/")

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
            day = day_in_sentence(local, clock.local(clock.now).date(), ctx.lang)
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
            width=READABLE_WIDTH,
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
