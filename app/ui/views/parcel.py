"""One parcel: the answer first (when, where), the milestones, proof of delivery, provenance,
the actions (app.ui.views.parcel_actions), and the timeline. The same panel is a view of its
own on a phone and the right pane of My orders on a wide window; `refresh()` redraws it in
place when sync changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import flet as ft

from app.domain.models import Order, Parcel
from app.domain.status import TERMINAL
from app.domain.timeline import TimelineEntry
from app.ui.read_model import (
    Clock,
    ParcelDetail,
    carrier_name,
    load_parcel,
    relative_or_none,
)
from app.ui.routing import Screen
from app.ui.sync_view import request_sync
from app.ui.views.context import ViewContext
from app.ui.views.parcel_actions import ParcelActions, current_page
from app.ui.views.timeline import FIRST_ENTRIES, milestone_bar, original_text, timeline
from app.ui.views.widgets import icon_button, status_chip, update_only

PANEL_MAX_WIDTH = 760
FETCH_ON_OPEN_AFTER = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


class ParcelPanel(ParcelActions):
    def __init__(
        self,
        ctx: ViewContext,
        parcel_id: str,
        *,
        now: Callable[[], datetime] = _now,
        on_gone: Callable[[], object] | None = None,
    ) -> None:
        self.ctx = ctx
        self.parcel_id = parcel_id
        self.now = now
        self.on_gone = on_gone
        self.detail: ParcelDetail | None = None
        self.muted = False
        self.show_all = False  # the whole history, once asked for; kept across refreshes
        self._list: ft.ListView | None = None
        self.control = ft.Container(expand=True, alignment=ft.Alignment.TOP_CENTER)
        self.refresh()
        self._fetch_if_stale()

    def _fetch_if_stale(self) -> None:
        """Opening a parcel fetches it now (through the engine's gates), unless it is finished
        or was checked moments ago: flipping between parcels must not hammer a carrier."""
        parcel = self.detail.parcel if self.detail is not None else None
        if parcel is None or parcel.status in TERMINAL or parcel.archived:
            return
        checked = parcel.last_checked_at
        if checked is None or self.now() - checked >= FETCH_ON_OPEN_AFTER:
            request_sync(self.ctx.services.sync, [self.parcel_id])

    def clock(self) -> Clock:
        return Clock(now=self.now(), zone=self.ctx.services.zone, lang=self.ctx.lang)

    def refresh(self) -> None:
        """Re-read the parcel and rebuild the panel's inside; the caller updates `control`."""
        engine = self.engine
        clock = self.clock()
        self.detail = load_parcel(engine, self.parcel_id, clock) if engine is not None else None
        self.muted = self.detail is not None and self.ctx.services.is_muted(self.parcel_id)
        self.control.content = self._content(clock)

    # -- building -----------------------------------------------------------------------

    def _content(self, clock: Clock) -> ft.Control:
        ctx = self.ctx
        detail = self.detail
        if detail is None:
            return ft.Container(
                padding=24,
                content=ft.Text(ctx.t("parcel.missing"), color=ft.Colors.ON_SURFACE_VARIANT),
            )
        limit = None if self.show_all else FIRST_ENTRIES
        entries = timeline(ctx, detail.entries, clock, on_original=self._show_original, limit=limit)
        if len(detail.entries) > len(entries):
            entries.append(
                ft.TextButton(
                    content=ctx.t("parcel.history_all", count=len(detail.entries)),
                    icon=ft.Icons.EXPAND_MORE,
                    on_click=self._show_all,
                )
            )
        if not entries:
            entries = [
                ft.Container(
                    padding=ft.Padding.only(left=8, right=8, bottom=16),
                    content=ft.Text(ctx.t("parcel.no_events"), color=ft.Colors.ON_SURFACE_VARIANT),
                )
            ]
        # One list for the panel's life: a sync that redraws the parcel keeps the reader's
        # scroll position. A readable measure on a wide window; a phone gets its full width.
        if self._list is None:
            self._list = ft.ListView(
                width=PANEL_MAX_WIDTH,
                padding=ft.Padding.only(left=16, right=16, top=12, bottom=24),
                spacing=0,
            )
        self._list.controls = [
            *self._header(detail, clock),
            ft.Text(
                ctx.t("parcel.history"),
                theme_style=ft.TextThemeStyle.TITLE_SMALL,
                weight=ft.FontWeight.W_600,
            ),
            ft.Container(height=8),
            *entries,
        ]
        return self._list

    def _header(self, detail: ParcelDetail, clock: Clock) -> list[ft.Control]:
        ctx = self.ctx
        row = detail.row
        parcel = detail.parcel
        state = detail.state
        parts: list[ft.Control] = []
        pod = self._proof_of_delivery(parcel)
        if pod is not None:
            parts.append(pod)
        parts.append(
            ft.Text(
                row.eta_text,
                theme_style=ft.TextThemeStyle.HEADLINE_SMALL,
                weight=ft.FontWeight.BOLD,
                color=ft.Colors.ERROR if row.problem else None,
            )
        )
        chips: list[ft.Control] = [
            status_chip(ctx, row.status, loud=row.problem and not row.stalled)
        ]
        if row.stalled:
            chips.append(_note(ft.Icons.SCHEDULE, ctx.t("state.stalled"), ft.Colors.ERROR))
        if self.muted:
            chips.append(_muted_chip(ctx))
        parts.append(ft.Row(spacing=8, wrap=True, run_spacing=4, controls=chips))
        if state.location is not None and not state.location.is_empty:
            parts.append(
                _note(
                    ft.Icons.PLACE_OUTLINED,
                    ctx.t("parcel.location", place=state.location.label()),
                    ft.Colors.ON_SURFACE,
                )
            )
        parts.append(ft.Container(height=4))
        parts.append(milestone_bar(ctx, detail.progress, problem=row.problem))
        parts.append(ft.Container(height=4))
        parts.append(
            _note(ft.Icons.VERIFIED_OUTLINED, self._provenance(detail, clock), None, small=True)
        )
        if parcel.problem is not None:
            parts.append(
                _note(
                    ft.Icons.WARNING_AMBER,
                    ctx.t("parcel.problem", detail=ctx.t(f"problem.{parcel.problem.value}")),
                    ft.Colors.ERROR,
                    small=True,
                )
            )
            if parcel.problem_detail:  # the carrier's own words, for support and the curious
                parts.append(_note(ft.Icons.NOTES, parcel.problem_detail, None, small=True))
        who = [carrier_name(parcel.carrier), parcel.tracking_number]
        if row.total > 1:
            who.insert(0, ctx.t("order.parcel_of", n=row.position, total=row.total))
        parts.append(ft.Text(" · ".join(who), size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        if detail.order is not None:
            parts.append(self._order_link(detail.order))
        parts.append(self._actions(detail))
        parts.append(ft.Divider(height=16))
        return [ft.Column(spacing=6, controls=parts)]

    def _provenance(self, detail: ParcelDetail, clock: Clock) -> str:
        """ "Zuletzt geprüft vor 3 Min. · DPD · letzter Scan vor 5 Std."."""
        ctx = self.ctx
        parcel = detail.parcel
        checked = relative_or_none(parcel.last_checked_at, now=clock.now, language=ctx.lang)
        parts = [
            ctx.t("parcel.checked", age=checked) if checked else ctx.t("parcel.never_checked"),
            carrier_name(parcel.carrier),
        ]
        scan = relative_or_none(
            detail.state.last_event_at or parcel.last_event_at, now=clock.now, language=ctx.lang
        )
        if scan:
            parts.append(ctx.t("parcel.last_scan", age=scan))
        return " · ".join(parts)

    def _order_link(self, order: Order) -> ft.Control:
        ctx = self.ctx
        text = " · ".join(part for part in (order.shop, order.title) if part)
        return ft.TextButton(
            content=text,
            icon=ft.Icons.RECEIPT_LONG_OUTLINED,
            on_click=lambda: ctx.navigate(f"/orders/{order.id}"),
        )

    def _proof_of_delivery(self, parcel: Parcel) -> ft.Control | None:
        pod = parcel.proof_of_delivery
        if pod is None or not (pod.signed_by or pod.place or pod.signature_url or pod.photo_url):
            return None
        ctx = self.ctx
        lines: list[ft.Control] = [
            ft.Row(
                spacing=6,
                controls=[
                    ft.Icon(ft.Icons.VERIFIED, color=ft.Colors.PRIMARY, size=20),
                    ft.Text(ctx.t("parcel.pod"), weight=ft.FontWeight.BOLD),
                ],
            )
        ]
        if pod.signed_by:
            lines.append(ft.Text(ctx.t("parcel.pod_recipient", name=pod.signed_by)))
        if pod.place:
            lines.append(ft.Text(ctx.t("parcel.pod_place", place=pod.place)))
        links: list[ft.Control] = []
        if pod.signature_url:
            links.append(
                ft.TextButton(
                    content=ctx.t("parcel.pod_signature"),
                    icon=ft.Icons.DRAW_OUTLINED,
                    url=pod.signature_url,
                )
            )
        if pod.photo_url:
            links.append(
                ft.TextButton(
                    content=ctx.t("parcel.pod_photo"),
                    icon=ft.Icons.PHOTO_OUTLINED,
                    url=pod.photo_url,
                )
            )
        if links:
            lines.append(ft.Row(spacing=4, wrap=True, controls=links))
        return ft.Container(
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
            content=ft.Column(spacing=4, controls=lines),
        )

    def _show_all(self) -> None:
        self.show_all = True
        self.control.content = self._content(self.clock())
        update_only(self.control)

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


def _muted_chip(ctx: ViewContext) -> ft.Control:
    """Muted is a quiet state, not a problem: an outlined chip beside the status, calm colours."""
    color = ft.Colors.ON_SURFACE_VARIANT
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=8, vertical=3),
        border_radius=8,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        content=ft.Row(
            tight=True,
            spacing=4,
            controls=[
                ft.Icon(ft.Icons.NOTIFICATIONS_OFF_OUTLINED, size=16, color=color),
                ft.Text(ctx.t("parcel.muted"), color=color, weight=ft.FontWeight.W_500, size=13),
            ],
        ),
    )


def _note(icon: ft.IconData, text: str, color: str | None, *, small: bool = False) -> ft.Control:
    muted = color or ft.Colors.ON_SURFACE_VARIANT
    return ft.Row(
        spacing=6,
        vertical_alignment=ft.CrossAxisAlignment.START,
        controls=[
            ft.Icon(icon, size=16 if small else 18, color=muted),
            ft.Text(text, size=13 if small else 14, color=muted, expand=True),
        ],
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
        return [self.panel.control, self.title]

    def refresh_now(self) -> None:
        update_only(*self.refresh())


def build_parcel_view(ctx: ViewContext, screen: Screen) -> ft.View:
    return ParcelScreen(ctx, screen).view
