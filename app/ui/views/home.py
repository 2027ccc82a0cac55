"""My orders: search, filters, sync line, the list (or its empty state), the timeline when wide.

Reads come from the store a page at a time (`read_model.load_cards`); the ListView asks for the
next page near its end. Every change redraws the smallest control that shows it: a filter
redraws the list, a sync update redraws the changed parcel rows, a selection the detail pane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import flet as ft

from app.domain.status import Status
from app.ui.i18n import status_word
from app.ui.read_ahead import read_ahead_later
from app.ui.read_model import (
    PAGE_SIZE,
    Clock,
    ListQuery,
    OrderCard,
    Section,
    carrier_name,
    filter_options,
    load_cards,
    load_parcels,
    make_row,
    section_of,
    status_filter_options,
)
from app.ui.routing import account_route
from app.ui.sync_view import request_sync, snapshot_of, sync_line
from app.ui.views.context import ViewContext
from app.ui.views.filters import filter_menu
from app.ui.views.parcel import ParcelPanel
from app.ui.views.widgets import (
    ParcelRowControl,
    current_page,
    empty_state,
    icon_button,
    order_card,
    skip_auto_update,
    update_only,
)

HOME_ROUTE = "/"
LIST_WIDTH = 420  # the list's width beside the timeline on a wide window
_SECTION_KEYS = {
    Section.ACTIVE: "section.active",
    Section.DELIVERED: "section.delivered",
    Section.ARCHIVED: "section.archive",
}
_TONE_COLORS = {
    "calm": ft.Colors.ON_SURFACE_VARIANT,
    "busy": ft.Colors.PRIMARY,
    "warn": ft.Colors.TERTIARY,
    "error": ft.Colors.ERROR,
}
_SYNC_POLL_SECONDS = 1.0
_SYNC_POLL_LIMIT = 120  # stop watching a sync after about two minutes
# The list's first patch holds the cards a window shows at once; the rest of the first page
# follows a moment later (complete_first_page_soon): what a user sees comes first.
FIRST_PAINT = 4
# A wide window prepares the timeline panel this long after the first page (once the browser
# has drawn the list), unseen, so the first click fills it in place instead of sending and
# laying out a whole new panel: ~110 ms to ~50 ms for that click in tests/bench/ui.py (~80 ms
# when it opens another parcel than the first).
PREPARE_PANEL_AFTER_S = 0.5
_NEAR_END_PX = 600


def _now() -> datetime:
    return datetime.now(UTC)


class HomeScreen:
    """Holds the filter state and redraws only what changed (cheap updates)."""

    def __init__(
        self,
        ctx: ViewContext,
        *,
        wide: bool,
        now: Callable[[], datetime] = _now,
        on_demo: Callable[[], object] | None = None,
    ) -> None:
        self.ctx = ctx
        self.services = ctx.services
        self.wide = wide
        self.now = now
        self.on_demo = on_demo
        self.query = ListQuery()
        self.selected: str | None = None
        self.panel: ParcelPanel | None = None  # the one the detail pane shows
        # Prepared while nobody looks (see prepare_panel), hidden under the hint in `spare_holder`.
        self.spare: ParcelPanel | None = None
        self.spare_holder: ft.Stack | None = None
        self.rows: dict[str, list[ParcelRowControl]] = {}
        self.cards: list[OrderCard] = []
        self.loaded = 0  # order groups loaded so far (the next page's offset)
        self.has_more = False
        self._loading = False
        self.chips = {section: self._chip(section) for section in Section}
        self.sync_icon = ft.Icon(ft.Icons.SYNC, size=18, color=ft.Colors.ON_SURFACE_VARIANT)
        self.sync_text = ft.Text(
            ctx.t("sync.never"),
            expand=True,
            color=ft.Colors.ON_SURFACE_VARIANT,
            theme_style=ft.TextThemeStyle.BODY_SMALL,
        )
        # "Kein Zugang für GLS": the way to fix it, beside the words (shown only then).
        self._unrouted: tuple[str, ...] = ()
        self.set_up = icon_button(
            ft.Icons.KEY_OUTLINED, ctx.t("action.set_up_access"), self._set_up_access
        )
        # One line that scrolls sideways on a phone, rather than two lines of menus.
        # The menus' choices (a query, and dozens of controls) follow the first cards.
        self._menus_filled = False
        self.filters = ft.Row(
            spacing=8, scroll=ft.ScrollMode.HIDDEN, controls=self._filter_menus(choices=False)
        )
        self.list_view: ft.ListView | None = None
        # "Wähle eine Sendung" only when there is one to choose (see _list_content).
        self.detail_hint = detail_placeholder(ctx)
        self.list_area = ft.Container(expand=True, content=self._list_content())
        self.detail_pane = ft.Container(
            expand=True, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, content=self.detail_hint
        )
        self.toolbar = self._toolbar()
        self.refresh_sync_line()
        self._view: ft.View | None = None

    # -- clock and language -------------------------------------------------------------

    def clock(self) -> Clock:
        return Clock(now=self.now(), zone=self.services.zone, lang=self.ctx.lang)

    # -- the view -----------------------------------------------------------------------

    def view(self) -> ft.View:
        """The same View object every time, so a route change keeps search and filters."""
        if self._view is None:
            ctx = self.ctx
            appbar = ft.AppBar(
                title=ft.Text(ctx.t("home.title")),
                automatically_imply_leading=False,
                actions=[
                    icon_button(
                        ft.Icons.ADD, ctx.t("action.new_parcel"), lambda: ctx.navigate("/add")
                    ),
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
        if not wide:
            if self.selected is not None:
                self._mark(self.selected, False)
                self.selected = None
            self.panel = self.spare = self.spare_holder = None
            self.detail_pane.content = self.detail_hint
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
                ft.Container(width=LIST_WIDTH, content=column),
                ft.VerticalDivider(width=1),
                self.detail_pane,
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
        sync_row = ft.Row(
            spacing=8,
            controls=[
                self.sync_icon,
                self.sync_text,
                self.set_up,
                icon_button(ft.Icons.REFRESH, ctx.t("action.refresh"), self._on_refresh),
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
                    self.filters,
                    sync_row,
                ],
            ),
        )

    # -- filters ------------------------------------------------------------------------

    def _chip(self, section: Section) -> ft.Chip:
        return ft.Chip(
            label=ft.Text(self.ctx.t(_SECTION_KEYS[section])),
            selected=section == self.query.section,
            on_select=lambda: self._select(section),
        )

    def _select(self, section: Section) -> None:
        self.query = replace(self.query, section=section)
        for key, chip in self.chips.items():
            chip.selected = key == section
        self._redraw(*self.chips.values())

    def _on_search(self, event: ft.Event[ft.TextField]) -> None:
        self.query = replace(self.query, search=event.control.value or "")
        self._redraw()

    def _filter_menus(self, *, choices: bool = True) -> list[ft.Control]:
        """The status, carrier and shop menus; without `choices`, their buttons alone."""
        ctx = self.ctx
        carriers: list[str] = []
        shops: list[str] = []
        if choices and self.services.store is not None:
            carriers, shops = filter_options(self.services.store)
        statuses = status_filter_options() if choices else []
        menus = [
            self._menu(
                "filter.status",
                [(s.value, status_word(ctx.lang, s)) for s in statuses],
                self.query.statuses,
                lambda value: replace(self.query, statuses=(Status(value),) if value else ()),
            ),
            self._menu(
                "filter.carrier",
                [(c, carrier_name(c)) for c in carriers],
                self.query.carriers,
                lambda value: replace(self.query, carriers=(value,) if value else ()),
            ),
            self._menu(
                "filter.shop",
                [(s, s) for s in shops],
                self.query.shops,
                lambda value: replace(self.query, shops=(value,) if value else ()),
            ),
        ]
        return menus

    def _menu(
        self,
        name_key: str,
        options: list[tuple[str, str]],
        current: tuple[object, ...],
        apply: Callable[[str | None], ListQuery],
    ) -> ft.Control:
        def pick(choice: str | None) -> None:
            self.query = apply(choice)
            self.filters.controls = self._filter_menus()
            self._redraw(self.filters)

        chosen = str(current[0]) if current else None
        return filter_menu(self.ctx, name_key, options, chosen, pick)

    # -- the list -----------------------------------------------------------------------

    def _redraw(self, *also: ft.Control) -> None:
        self.list_area.content = self._list_content()
        update_only(self.list_area, self.detail_hint, *also)
        self.complete_first_page_soon()

    def complete_first_page_soon(self) -> None:
        """Once the first cards are on their way, send the filter menus' choices and load a
        page more behind the cards."""
        page = current_page()
        if page is None:  # no session (tests): complete it now
            self._complete_first_page_now()
            return
        page.run_task(self._complete_first_page)

    async def _complete_first_page(self) -> None:
        # A turn of the loop first: the first cards' patch goes out and the browser draws
        # them while this page is built and sent.
        await asyncio.sleep(0)
        self._complete_first_page_now()
        if self.wide and self.spare is None and self.panel is None:
            await asyncio.sleep(PREPARE_PANEL_AFTER_S)
            self.prepare_panel()

    def prepare_panel(self) -> None:
        """On a wide window, build the timeline panel for the list's first parcel and send it
        hidden under the hint: the browser then has its controls, and the first click only
        rewrites what differs (the top parcel, the likeliest first click, hardly anything).
        Prepared once, never fetched for (`fetch=False`): it is nothing the user asked for."""
        if not self.wide or self.spare is not None or self.panel is not None or not self.rows:
            return
        spare = ParcelPanel(
            self.ctx,
            next(iter(self.rows)),
            now=self.now,
            on_gone=lambda: self.select(None),
            fetch=False,
        )
        # Laid out in the browser but not drawn, read out, focused or tapped (the hint above
        # it takes the pointer); `visible=False` would leave the layout for the first click.
        spare.control.opacity, spare.control.disabled = 0, True
        # The hint on top; the panel first, so it keeps its place once the hint leaves.
        self.spare, self.spare_holder = (
            spare,
            ft.Stack(expand=True, controls=[spare.control, self.detail_hint]),
        )
        self.detail_pane.content = self.spare_holder
        update_only(self.detail_pane)

    def _complete_first_page_now(self) -> None:
        if not self._menus_filled:
            self._menus_filled = True
            self.filters.controls = self._filter_menus()
            update_only(self.filters)
        if self.loaded <= FIRST_PAINT and self.has_more:
            self.load_more()  # reads its rows ahead, and the first cards' with them
        else:
            self._read_rows_ahead()

    def reload(self) -> None:
        """Re-read the list from the store (filters kept) and redraw just the list."""
        self._redraw()

    def store_switched(self) -> None:
        """The store was replaced (the demo started): new filter options, new list."""
        self.filters.controls = self._filter_menus()
        self.refresh_sync_line()
        self._redraw(self.filters, *self._sync_parts())

    def _list_content(self) -> ft.Control:
        self.rows = {}
        self.cards = []
        self.loaded = 0
        self.has_more = False
        self.list_view = None
        store = self.services.store
        cards = self._page(0, FIRST_PAINT) if store is not None else []
        self.detail_hint.visible = bool(cards)
        if cards:
            self.list_view = ft.ListView(
                expand=True,
                spacing=10,
                padding=ft.Padding.all(12),
                scroll_interval=150,
                on_scroll=self._on_scroll,
                controls=[self._card(card) for card in cards],
            )
            self._sync_more_button()
            return self.list_view
        ctx = self.ctx
        if self.query.search.strip():
            return _centered_note(ctx.t("empty.search", query=self.query.search.strip()))
        if self.query.section is not Section.ACTIVE or self._filtered():
            return _centered_note(ctx.t("empty.section"))
        return empty_state(ctx, self.on_demo)

    def _filtered(self) -> bool:
        return bool(self.query.statuses or self.query.carriers or self.query.shops)

    def _page(self, offset: int, size: int = PAGE_SIZE) -> list[OrderCard]:
        cards = load_cards(
            self.services.store, self.query, self.clock(), limit=size + 1, offset=offset
        )
        self.has_more = len(cards) > size
        cards = cards[:size]
        self.loaded = offset + len(cards)
        self.cards.extend(cards)
        return cards

    def _card(self, card: OrderCard) -> ft.Control:
        rows = []
        for parcel in card.parcels:
            control = ParcelRowControl(self.ctx, parcel, self.open_parcel)
            if parcel.id == self.selected:
                control.redraw(selected=True)
            self.rows.setdefault(parcel.id, []).append(control)
            rows.append(control)
        return order_card(self.ctx, card, rows, self.open_order)

    def _more_button(self) -> ft.Control:
        return ft.Container(
            alignment=ft.Alignment.CENTER,
            padding=8,
            content=ft.TextButton(content=self.ctx.t("list.more"), on_click=self.load_more),
        )

    def _sync_more_button(self) -> None:
        """Keep exactly one "Weitere laden" button, at the end, while there is more."""
        assert self.list_view is not None
        controls = self.list_view.controls
        controls[:] = [c for c in controls if getattr(c, "data", None) != "more"]
        if self.has_more:
            more = self._more_button()
            more.data = "more"
            controls.append(more)

    def load_more(self) -> None:
        """Append the next page to the list (the ListView builds only what is visible)."""
        if not self.has_more or self.list_view is None or self._loading:
            skip_auto_update()
            return
        self._loading = True
        try:
            cards = self._page(self.loaded)
            self.list_view.controls.extend(self._card(card) for card in cards)
            self._sync_more_button()
        finally:
            self._loading = False
        update_only(self.list_view)
        self._read_rows_ahead()

    def _read_rows_ahead(self) -> None:
        """Read the listed parcels before they are opened (app.ui.read_ahead)."""
        page = current_page()
        if page is not None and self.rows:
            page.run_task(read_ahead_later, self.services, list(self.rows))

    def _on_scroll(self, event: ft.OnScrollEvent) -> None:
        if self.has_more and event.pixels >= event.max_scroll_extent - _NEAR_END_PX:
            self.load_more()
        else:
            skip_auto_update()

    # -- navigation and selection -------------------------------------------------------

    def open_order(self, order_id: str) -> None:
        self.ctx.navigate(f"/orders/{order_id}")

    def open_parcel(self, parcel_id: str) -> None:
        """Phone: the timeline on its own view. Wide: the timeline right of the list, in place."""
        if not self.wide:
            self.ctx.navigate(f"/parcels/{parcel_id}")
            return
        self.select(parcel_id)

    def select(self, parcel_id: str | None) -> None:
        changed: list[ft.Control] = []
        if self.selected is not None:
            changed += self._mark(self.selected, False)
        self.selected = parcel_id
        if parcel_id is None:
            self.panel = self.spare = self.spare_holder = None
            self.detail_pane.content = self.detail_hint
            update_only(self.detail_pane, *changed)
            return
        changed += self._mark(parcel_id, True)
        shown = self._show_panel(parcel_id)
        assert self.panel is not None
        first, then = self.panel.changed_parts()
        # The timeline's words first; the rows' tints, its buttons and its entries further
        # down behind them: the browser draws what was asked for in the first frame, the
        # rest may come a frame later. The other way round, the tints' frame came first and
        # the timeline waited for it (~10 ms of a click).
        update_only(shown, *first)
        self._update_next_turn([*changed, *then])

    def _update_next_turn(self, controls: list[ft.Control]) -> None:
        """Update these on the loop's next turn. Flet queues each update for its send loop,
        which runs once the handler is done: updated in one go, a click's first message
        would leave only when the last diff is done. The send loop's wake-up was queued with
        that message, before this, so it is on the wire before these are diffed."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (tests): now
            update_only(*controls)
            return
        loop.call_soon(update_only, *controls)

    def _show_panel(self, parcel_id: str) -> ft.Control:
        """Point the detail pane's panel at the parcel; returns the control to update."""
        spare, holder = self.spare, self.spare_holder
        if self.panel is None and spare is not None and holder is not None:
            self.panel, self.spare = spare, None
            spare.show(parcel_id)
            spare.control.opacity, spare.control.disabled = 1, False
            holder.controls = [spare.control]  # the hint leaves; the panel keeps its place
            return holder
        if self.panel is None:
            self.panel = ParcelPanel(
                self.ctx, parcel_id, now=self.now, on_gone=lambda: self.select(None)
            )
        else:
            # The same panel shows the next parcel: rewritten in place, it sends only what
            # differs, where a new panel would be diffed and sent whole.
            self.panel.show(parcel_id)
        content = self.detail_pane.content
        if content is self.panel.control or (holder is not None and content is holder):
            return self.panel.control
        self.detail_pane.content = self.panel.control
        return self.detail_pane

    def _mark(self, parcel_id: str, selected: bool) -> list[ft.Control]:
        return [row.redraw(selected=selected) for row in self.rows.get(parcel_id, [])]

    # -- live updates -------------------------------------------------------------------

    def parcels_changed(self, ids: frozenset[str]) -> None:
        """Redraw only the rows (and the open timeline) of parcels that changed.

        A parcel that left the section, was deleted or is new to the list reloads the list
        (one control); otherwise each changed row is redrawn in place.
        """
        store = self.services.store
        if store is None:
            return
        clock = self.clock()
        changed: list[ft.Control] = []
        reload = False
        # One session for all; positions ("Paket 1 von 2") do not change with a sync.
        parcels, moves = load_parcels(store, sorted(ids))
        for parcel_id, parcel in parcels.items():
            shown = self.rows.get(parcel_id)
            section = section_of(parcel) if parcel is not None else None
            if shown is None:
                reload = reload or section is self.query.section
                continue
            if parcel is None or section is not self.query.section:
                reload = True
                continue
            old = shown[0].row
            moved = moves.get(parcel_id)
            row = make_row(parcel, clock, position=old.position, total=old.total, moved=moved)
            changed += [control.redraw(row) for control in shown]
        if reload:
            self.list_area.content = self._list_content()
            changed = [self.list_area, self.detail_hint]
        if self.panel is not None and self.selected in ids:
            self.panel.refresh()
            changed += self.panel.to_update()
        self.refresh_sync_line()
        update_only(*changed, *self._sync_parts())

    def orders_changed(self, order_ids: frozenset[str]) -> None:
        """Renamed orders: the list is loaded anew (one control) when it shows one of them."""
        changed: list[ft.Control] = []
        if any(card.order_id in order_ids for card in self.cards):
            self.list_area.content = self._list_content()
            changed += [self.list_area, self.detail_hint]
        panel = self.panel
        shown = panel.detail.order if panel is not None and panel.detail is not None else None
        if panel is not None and shown is not None and shown.id in order_ids:
            panel.refresh()  # its header names the order
            changed += panel.to_update()
        update_only(*changed)

    # -- sync line ----------------------------------------------------------------------

    def _sync_parts(self) -> tuple[ft.Control, ...]:
        return (self.sync_icon, self.sync_text, self.set_up)

    def refresh_sync_line(self) -> None:
        lang = self.ctx.lang
        snapshot = snapshot_of(self.services.sync, lang)
        line = sync_line(snapshot, now=self.now(), lang=lang)
        color = _TONE_COLORS[line.tone]
        self.sync_text.value = line.text
        self.sync_text.color = color
        self.sync_icon.icon = getattr(ft.Icons, line.icon)
        self.sync_icon.color = color
        self._unrouted = snapshot.unrouted if snapshot is not None else ()
        self.set_up.visible = bool(self._unrouted)

    def _set_up_access(self) -> None:
        """Settings, at the first carrier the line names (its tile open)."""
        if self._unrouted:
            self.ctx.navigate(account_route(min(self._unrouted, key=carrier_name)))

    def tick(self) -> None:
        """Called every few seconds by the shell: keeps "vor 2 Min." true."""
        before = (self.sync_text.value, self.sync_icon.icon, self.set_up.visible)
        self.refresh_sync_line()
        if (self.sync_text.value, self.sync_icon.icon, self.set_up.visible) != before:
            update_only(*self._sync_parts())

    async def _on_refresh(self) -> None:
        sync = self.services.sync
        # The rows in sight that can still change: fetch those now, whatever the schedule says.
        ids = [
            parcel_id
            for parcel_id, controls in self.rows.items()
            if controls and controls[0].row.section is Section.ACTIVE
        ]
        if not request_sync(sync, ids):
            skip_auto_update()
            self.ctx.notify(self.ctx.t("sync.unavailable"))
            return
        self.refresh_sync_line()
        update_only(*self._sync_parts())
        for _ in range(_SYNC_POLL_LIMIT):
            await asyncio.sleep(_SYNC_POLL_SECONDS)
            snapshot = snapshot_of(sync, self.ctx.lang)
            self.tick()
            if snapshot is None or not snapshot.syncing:
                break


def build_home_view(
    ctx: ViewContext, *, wide: bool, on_demo: Callable[[], object] | None = None
) -> ft.View:
    return HomeScreen(ctx, wide=wide, on_demo=on_demo).view()


def detail_placeholder(ctx: ViewContext) -> ft.Control:
    return ft.Container(
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,  # opaque: over a prepared panel, takes taps
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
