"""One parcel: its header (app.ui.views.parcel_header: the answer first, milestones, proof of
delivery, provenance, actions) and its timeline. The same panel is a view of its own on a
phone and the right pane of My orders on a wide window, where it shows one parcel after
another (`show()`); `refresh()` rewrites it in place when sync changes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import flet as ft

from app.domain.models import ProblemKind
from app.domain.status import TERMINAL
from app.domain.timeline import TimelineEntry
from app.ui.read_ahead import read_ahead_of
from app.ui.read_model import Clock, ParcelDetail, carrier_name, parcel_detail
from app.ui.routing import Screen, account_route
from app.ui.sync_view import request_sync
from app.ui.views.context import ViewContext
from app.ui.views.parcel_actions import ParcelActions
from app.ui.views.parcel_header import ParcelHeader
from app.ui.views.timeline import FIRST_ENTRIES, Timeline, original_text
from app.ui.views.widgets import (
    READABLE_WIDTH,
    current_page,
    hold,
    icon_button,
    skip_auto_update,
    update_only,
)

FETCH_ON_OPEN_AFTER = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


class ParcelPanel(ParcelActions):
    """Built once, then pointed at a parcel by `show()`; `refresh()` re-reads it.

    Every part is made once and rewritten in place, so the wide window's right pane, which
    shows one parcel after another, sends only what differs between them.
    """

    def __init__(
        self,
        ctx: ViewContext,
        parcel_id: str,
        *,
        now: Callable[[], datetime] = _now,
        on_gone: Callable[[], object] | None = None,
        fetch: bool = True,  # fetch a stale parcel now; a panel prepared ahead of use does not
    ) -> None:
        self.ctx = ctx
        self.parcel_id = parcel_id
        self.now = now
        self.on_gone = on_gone
        self.detail: ParcelDetail | None = None
        self.muted = False
        self.show_all = False  # the whole history, once asked for; kept across refreshes
        self.missing = ft.Container(
            padding=24,
            content=ft.Text(ctx.t("parcel.missing"), color=ft.Colors.ON_SURFACE_VARIANT),
        )
        self.header = ParcelHeader(
            ctx,
            self._build_actions(),
            lambda order_id: ctx.navigate(f"/orders/{order_id}"),
            lambda carrier: ctx.navigate(account_route(carrier)),
            self.try_carrier,
        )
        self.history = ft.Container(
            padding=ft.Padding.only(bottom=8),
            content=ft.Text(
                ctx.t("parcel.history"),
                theme_style=ft.TextThemeStyle.TITLE_SMALL,
                weight=ft.FontWeight.W_600,
            ),
        )
        self.timeline = Timeline(ctx, self._show_original)
        self.more = ft.TextButton(content="", icon=ft.Icons.EXPAND_MORE, on_click=self._show_all)
        self.no_events_text = ft.Text("", color=ft.Colors.ON_SURFACE_VARIANT)
        self.no_events = ft.Container(
            padding=ft.Padding.only(left=8, right=8, bottom=16), content=self.no_events_text
        )
        # One list for the panel's life: a sync that redraws the parcel keeps the reader's
        # scroll position. A readable measure on a wide window; a phone gets its full width.
        self.list = ft.ListView(
            width=READABLE_WIDTH,
            padding=ft.Padding.only(left=16, right=16, top=12, bottom=24),
            spacing=0,
            scroll_interval=250,
            on_scroll=self._on_scroll,
        )
        self.scrolled = False  # scrolled down: the next parcel opens at the top again
        self.control = ft.Container(
            expand=True, alignment=ft.Alignment.TOP_CENTER, content=self.list
        )
        self.refresh()
        self.changed_parts()  # a new panel is sent whole, isolated parts and all
        if fetch:
            self._fetch_if_stale()

    def show(self, parcel_id: str) -> None:
        """Point the panel at another parcel (or the same one again); the caller updates
        `control` and `changed_parts()`."""
        if parcel_id != self.parcel_id:
            self.parcel_id = parcel_id
            self.show_all = False
            self._scroll_to_top()
        self.refresh()
        self._fetch_if_stale()

    def changed_parts(self) -> tuple[list[ft.Control], list[ft.Control]]:
        """The isolated parts (app.ui.views.widgets.IsolatedRow, IsolatedStack) that `show()` or
        `refresh()` changed since last asked: an update of `control` leaves them out, so the
        caller updates them after it. First what must not lag the panel (the milestone bar),
        then what may come a moment later: the action row, whose buttons look alike from
        parcel to parcel, and the entries below the first screenful. A click can then send
        the words the user reads before the rest (with ten scans ~110 objects for Flet to
        diff in each part, where the whole panel was ~240 in one)."""
        first: list[ft.Control] = []
        then: list[ft.Control] = []
        bar, timeline = self.header.milestones, self.timeline
        if bar.unsent:
            bar.unsent = False
            first.append(bar.control)
        if self.actions_unsent:
            self.actions_unsent = False
            then.append(self._action_row)
        then += timeline.take_unsent()
        return first, then

    def to_update(self) -> list[ft.Control]:
        """What to update after `show()` or `refresh()`: the panel, then its changed parts."""
        first, then = self.changed_parts()
        return [self.control, *first, *then]

    def _on_scroll(self, event: ft.OnScrollEvent) -> None:
        skip_auto_update()
        self.scrolled = event.pixels > 0

    def _scroll_to_top(self) -> None:
        page = current_page()
        if not self.scrolled or page is None or self.list.parent is None:
            return  # at the top already: no round trip to the client
        self.scrolled = False
        page.run_task(self.list.scroll_to, offset=0)

    def _fetch_if_stale(self) -> None:
        """Opening a parcel fetches it now (through the engine's gates), unless it is finished
        or was checked moments ago: flipping between parcels must not hammer a carrier."""
        parcel = self.detail.parcel if self.detail is not None else None
        if parcel is None or parcel.status in TERMINAL or parcel.archived:
            return
        checked = parcel.last_checked_at
        if checked is None or self.now() - checked >= FETCH_ON_OPEN_AFTER:
            sync, ids = self.ctx.services.sync, [self.parcel_id]
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (tests): ask now
                request_sync(sync, ids)
                return
            # Next turn of the loop: the fetch's first steps (store reads) then come after
            # the send of what this handler shows, not before it.
            loop.call_soon(request_sync, sync, ids)

    def clock(self) -> Clock:
        return Clock(now=self.now(), zone=self.ctx.services.zone, lang=self.ctx.lang)

    def refresh(self) -> None:
        """Re-read the parcel and rewrite the panel in place; the caller updates `to_update()`."""
        engine = self.engine
        clock = self.clock()
        reads = None
        if engine is not None:  # read ahead when the list showed it (app.ui.read_ahead)
            reads = read_ahead_of(self.ctx.services).read(engine, self.parcel_id)
        self.detail = parcel_detail(reads, clock) if reads is not None else None
        self.muted = self.detail is not None and self.detail.muted
        self._fill(clock)

    def _fill(self, clock: Clock) -> None:
        detail = self.detail
        entries = detail.entries if detail is not None else ()
        found = detail is not None
        self.missing.visible = not found
        self.header.control.visible = self.history.visible = found
        if detail is not None:
            self.header.show(detail, clock, muted=self.muted)
            self._show_actions(detail)
        limit = None if self.show_all else FIRST_ENTRIES
        pooled = self.timeline.show(entries, clock, limit=limit)
        self.more.visible = limit is not None and len(entries) > limit
        self.more.content = self.ctx.t("parcel.history_all", count=len(entries))
        self.no_events.visible = found and not entries
        self.no_events_text.value = self._no_events_text()
        controls = [self.missing, self.header.control, self.history, *pooled]
        controls += [self.more, self.no_events]
        hold(self.list, controls)  # changes when the pool grew or parts came or went

    def _no_events_text(self) -> str:
        """Scans come once the carrier has the parcel, or, with no account for it, never."""
        parcel = self.detail.parcel if self.detail is not None else None
        if parcel is not None and parcel.problem is ProblemKind.NO_ACCOUNT:
            return self.ctx.t("parcel.no_events_no_account", carrier=carrier_name(parcel.carrier))
        return self.ctx.t("parcel.no_events")

    def _show_all(self) -> None:
        self.show_all = True
        self._fill(self.clock())
        update_only(*self.to_update())

    def _show_original(self, entry: TimelineEntry) -> None:
        ctx = self.ctx
        page = current_page()
        if page is None:
            return
        page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(ctx.t("event.original_title")),
                content=original_text(ctx, entry, self.clock()),
                actions=[
                    ft.TextButton(content=ctx.t("action.close"), on_click=lambda: page.pop_dialog())
                ],
            )
        )


class ParcelScreen:
    """The phone's parcel view: an app bar with back and the panel."""

    def __init__(
        self, ctx: ViewContext, screen: Screen, *, now: Callable[[], datetime] = _now
    ) -> None:
        assert screen.item_id is not None
        self.ctx = ctx
        self.panel = ParcelPanel(ctx, screen.item_id, now=now, on_gone=ctx.back)
        self.title = ft.Text(self.panel.title(), max_lines=1, overflow=ft.TextOverflow.ELLIPSIS)
        back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
        self.view = ft.View(
            route=screen.route,
            appbar=ft.AppBar(title=self.title, leading=back),
            padding=0,
            controls=[self.panel.control],
        )

    @property
    def parcel_id(self) -> str:
        return self.panel.parcel_id

    def refresh(self) -> list[ft.Control]:
        self.panel.refresh()
        self.title.value = self.panel.title()
        return [*self.panel.to_update(), self.title]

    def refresh_now(self) -> None:
        update_only(*self.refresh())


def build_parcel_view(ctx: ViewContext, screen: Screen) -> ft.View:
    return ParcelScreen(ctx, screen).view
