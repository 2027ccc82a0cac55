"""My orders: search, filter chips, sync line, the list (or its empty state), detail when wide."""

from __future__ import annotations

import flet as ft

from app.ui.read_model import OrdersSource, OrderView, Section
from app.ui.views.context import ViewContext
from app.ui.views.widgets import empty_state, icon_button, order_card, update_only

HOME_ROUTE = "/"
_SECTION_KEYS = {
    Section.ACTIVE: "section.active",
    Section.DELIVERED: "section.delivered",
    Section.ARCHIVE: "section.archive",
}


class HomeScreen:
    """Holds the filter state and redraws only the list when it changes (cheap updates)."""

    def __init__(self, ctx: ViewContext, source: OrdersSource, *, wide: bool) -> None:
        self.ctx = ctx
        self.source = source
        self.wide = wide
        self.section = Section.ACTIVE
        self.query = ""
        self.chips = {section: self._chip(section) for section in Section}
        self.list_area = ft.Container(expand=True, content=self._list_content())
        self.toolbar = self._toolbar()
        self._view: ft.View | None = None

    def view(self) -> ft.View:
        """The same View object every time, so a route change keeps search and filters."""
        if self._view is None:
            ctx = self.ctx
            appbar = ft.AppBar(
                title=ft.Text(ctx.t("home.title")),
                automatically_imply_leading=False,
                actions=[
                    icon_button(
                        ft.Icons.SETTINGS_OUTLINED,
                        ctx.t("action.settings"),
                        lambda: ctx.navigate("/settings"),
                    ),
                ],
            )
            self._view = ft.View(
                route=HOME_ROUTE, appbar=appbar, padding=0, controls=[self._body()]
            )
        return self._view

    def set_wide(self, wide: bool) -> None:
        self.wide = wide
        self.view().controls = [self._body()]

    def _body(self) -> ft.Control:
        column = ft.Column(
            expand=True,
            spacing=0,
            controls=[self.toolbar, ft.Divider(height=1), self.list_area],
        )
        if not self.wide:
            return column
        return ft.Row(
            expand=True,
            spacing=0,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                ft.Container(width=420, content=column),
                ft.VerticalDivider(width=1),
                ft.Container(
                    expand=True,
                    bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                    content=detail_placeholder(self.ctx),
                ),
            ],
        )

    def _toolbar(self) -> ft.Control:
        ctx = self.ctx
        search = ft.TextField(
            hint_text=ctx.t("home.search"),
            prefix_icon=ft.Icons.SEARCH,
            dense=True,
            filled=True,
            # No visible outline at rest, a rounded fill; focus keeps the theme's primary ring.
            border=ft.OutlineInputBorder(
                border_radius=28, side=ft.BorderSide(width=0, color=ft.Colors.TRANSPARENT)
            ),
            content_padding=ft.Padding.symmetric(horizontal=16, vertical=12),
            on_change=self._on_search,
        )
        sync_line = ft.Row(
            spacing=8,
            controls=[
                ft.Icon(ft.Icons.SYNC, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(
                    ctx.t("sync.never"),
                    expand=True,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                    theme_style=ft.TextThemeStyle.BODY_SMALL,
                ),
                icon_button(ft.Icons.REFRESH, ctx.t("action.refresh"), ctx.soon),
            ],
        )
        return ft.Container(
            padding=ft.Padding.only(left=16, right=8, top=12, bottom=0),
            content=ft.Column(
                spacing=8,
                # STRETCH: a TextField alone in a Column otherwise keeps Flet's default width.
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                controls=[
                    ft.Container(padding=ft.Padding.only(right=8), content=search),
                    ft.Row(spacing=8, wrap=True, controls=list(self.chips.values())),
                    sync_line,
                ],
            ),
        )

    def _chip(self, section: Section) -> ft.Chip:
        return ft.Chip(
            label=ft.Text(self.ctx.t(_SECTION_KEYS[section])),
            selected=section == self.section,
            on_select=lambda: self._select(section),
        )

    def _select(self, section: Section) -> None:
        self.section = section
        for key, chip in self.chips.items():
            chip.selected = key == section
        self._redraw(*self.chips.values())

    def _on_search(self, event: ft.Event[ft.TextField]) -> None:
        self.query = event.control.value
        self._redraw()

    def _redraw(self, *also: ft.Control) -> None:
        self.list_area.content = self._list_content()
        update_only(self.list_area, *also)

    def _list_content(self) -> ft.Control:
        orders = self.source.list_orders(self.section, self.query)
        if orders:
            return self._order_list(orders)
        ctx = self.ctx
        if self.query.strip():
            return _centered_note(ctx.t("empty.search", query=self.query.strip()))
        if self.section is not Section.ACTIVE:
            return _centered_note(ctx.t("empty.section"))
        return empty_state(ctx)

    def _order_list(self, orders: list[OrderView]) -> ft.Control:
        return ft.ListView(
            expand=True,
            spacing=8,
            padding=ft.Padding.all(12),
            controls=[order_card(self.ctx, order) for order in orders],
        )


def build_home_view(ctx: ViewContext, source: OrdersSource, *, wide: bool) -> ft.View:
    return HomeScreen(ctx, source, wide=wide).view()


def detail_placeholder(ctx: ViewContext) -> ft.Control:
    return ft.Container(
        alignment=ft.Alignment.CENTER,
        padding=24,
        content=ft.Column(
            tight=True,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                ft.Icon(ft.Icons.TOUCH_APP_OUTLINED, size=48, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(ctx.t("detail.none"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                ft.Text(ctx.t("detail.none_hint"), color=ft.Colors.ON_SURFACE_VARIANT),
            ],
        ),
    )


def _centered_note(text: str) -> ft.Control:
    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        padding=32,
        content=ft.Text(text, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
    )
