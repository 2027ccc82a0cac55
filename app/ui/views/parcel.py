"""One parcel: the answer first (when, where), the milestones, proof of delivery, provenance,
the actions, and the timeline. The same panel is a view of its own on a phone and the right
pane of My orders on a wide window; `refresh()` redraws it in place when sync changes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import flet as ft

from app.domain.models import Order, Parcel, ParcelUpdate, TrackingEvent
from app.domain.timeline import TimelineEntry
from app.store import (
    add_parcel,
    apply_update,
    delete_parcel,
    list_events,
    new_session,
    set_archived,
    set_label,
    touch_checked,
)
from app.ui.i18n import status_word
from app.ui.read_model import (
    Clock,
    ParcelDetail,
    Store,
    carrier_name,
    load_parcel,
    relative_or_none,
    tracking_url,
)
from app.ui.routing import Screen
from app.ui.views.context import ViewContext
from app.ui.views.timeline import milestone_bar, original_text, timeline
from app.ui.views.widgets import icon_button, skip_auto_update, status_chip, update_only

log = logging.getLogger(__name__)
PANEL_MAX_WIDTH = 760


def _now() -> datetime:
    return datetime.now(UTC)


def _page() -> ft.Page | None:
    try:
        return ft.context.page
    except RuntimeError:  # built outside a session (tests, previews)
        return None


def _client_action(make: Callable[[], ft.ClientAction]) -> ft.ClientAction | None:
    """Client actions run inside the user's gesture (clipboard, new tab); they need a page."""
    return make() if _page() is not None else None


@dataclass(frozen=True, slots=True)
class _Deleted:
    """Enough to put a deleted parcel back, events and all."""

    parcel: Parcel
    events: tuple[TrackingEvent, ...]


class ParcelPanel:
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
        self.control = ft.Container(expand=True, alignment=ft.Alignment.TOP_CENTER)
        self.refresh()

    @property
    def engine(self) -> Store | None:
        store: Store | None = self.ctx.services.store
        return store

    def clock(self) -> Clock:
        return Clock(now=self.now(), zone=self.ctx.services.zone, lang=self.ctx.lang)

    def title(self) -> str:
        if self.detail is None:
            return self.ctx.t("screen.parcel")
        return self.detail.parcel.display_name

    def refresh(self) -> None:
        """Re-read the parcel and rebuild the panel's inside; the caller updates `control`."""
        engine = self.engine
        clock = self.clock()
        self.detail = load_parcel(engine, self.parcel_id, clock) if engine is not None else None
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
        entries = timeline(ctx, detail.entries, clock, on_original=self._show_original)
        if not entries:
            entries = [
                ft.Container(
                    padding=ft.Padding.only(left=8, right=8, bottom=16),
                    content=ft.Text(ctx.t("parcel.no_events"), color=ft.Colors.ON_SURFACE_VARIANT),
                )
            ]
        # A readable measure on a wide window; a phone is narrower and gets its full width.
        return ft.ListView(
            width=PANEL_MAX_WIDTH,
            padding=ft.Padding.only(left=16, right=16, top=12, bottom=24),
            spacing=0,
            controls=[
                *self._header(detail, clock),
                ft.Text(
                    ctx.t("parcel.history"),
                    theme_style=ft.TextThemeStyle.TITLE_SMALL,
                    weight=ft.FontWeight.W_600,
                ),
                ft.Container(height=8),
                *entries,
            ],
        )

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

    def _actions(self, detail: ParcelDetail) -> ft.Control:
        ctx = self.ctx
        parcel = detail.parcel
        number = parcel.tracking_number
        url = tracking_url(parcel.carrier, number)
        summary = self.share_text(detail)
        page = _page()
        on_web = page is None or page.web
        buttons: list[ft.Control] = [
            icon_button(
                ft.Icons.CONTENT_COPY,
                ctx.t("action.copy_number"),
                self._copied,
                action=_client_action(lambda: ft.CopyToClipboard(number)),
            ),
        ]
        if url is not None:
            buttons.append(
                icon_button(
                    ft.Icons.OPEN_IN_NEW,
                    ctx.t("action.open_carrier"),
                    skip_auto_update,
                    action=_client_action(lambda: ft.OpenUrl(url, target=ft.UrlTarget.BLANK)),
                )
            )
        # On the web a share sheet is rare (and falls back to a download): copy the summary.
        share_action = _client_action(
            (lambda: ft.CopyToClipboard(summary))
            if on_web
            else (lambda: ft.ShareText(summary, subject=self.title()))
        )
        buttons += [
            icon_button(
                ft.Icons.SHARE_OUTLINED,
                ctx.t("action.share"),
                self._shared if on_web else skip_auto_update,
                action=share_action,
            ),
            icon_button(ft.Icons.EDIT_OUTLINED, ctx.t("action.rename"), self._ask_rename),
            icon_button(
                ft.Icons.UNARCHIVE_OUTLINED if parcel.archived else ft.Icons.ARCHIVE_OUTLINED,
                ctx.t("action.unarchive" if parcel.archived else "action.archive"),
                self._toggle_archive,
            ),
            icon_button(
                ft.Icons.DELETE_OUTLINE, ctx.t("action.delete"), self._delete, color=ft.Colors.ERROR
            ),
        ]
        return ft.Row(spacing=0, wrap=True, controls=buttons)

    def share_text(self, detail: ParcelDetail) -> str:
        ctx = self.ctx
        parcel = detail.parcel
        lines = [
            ctx.t("share.title", name=parcel.display_name),
            ctx.t("share.status", status=status_word(ctx.lang, detail.row.status)),
            ctx.t("share.eta", when=detail.row.eta_text),
            ctx.t(
                "share.carrier", carrier=carrier_name(parcel.carrier), number=parcel.tracking_number
            ),
        ]
        url = tracking_url(parcel.carrier, parcel.tracking_number)
        if url:
            lines.append(ctx.t("share.link", url=url))
        return "\n".join(lines)

    # -- actions ------------------------------------------------------------------------

    def _changed(self) -> None:
        """Tell every session (this one included) that this parcel changed."""
        self.ctx.services.parcels_changed(frozenset({self.parcel_id}))

    async def _copied(self) -> None:
        skip_auto_update()
        await self._copy_fallback(self.detail.parcel.tracking_number if self.detail else "")
        self.ctx.notify(self.ctx.t("done.copied"))

    async def _shared(self) -> None:
        skip_auto_update()
        await self._copy_fallback(self.share_text(self.detail) if self.detail else "")
        self.ctx.notify(self.ctx.t("done.shared"))

    async def _copy_fallback(self, text: str) -> None:
        """Where no client action was attached (built outside a session), copy from here."""
        page = _page()
        if page is None or not text:
            return
        try:
            await ft.Clipboard().set(text)
        except Exception:  # the client may refuse outside a gesture; the action did it already
            log.debug("clipboard write from the server failed", exc_info=True)

    def _ask_rename(self) -> None:
        ctx = self.ctx
        page = _page()
        if page is None or self.detail is None:
            return
        field = ft.TextField(
            label=ctx.t("rename.label"),
            value=self.detail.parcel.label or "",
            autofocus=True,
            on_submit=lambda: save(),
        )

        def save() -> None:
            page.pop_dialog()  # first: the "renamed" snackbar is a dialog too, on top
            self.rename(field.value or None)

        dialog = ft.AlertDialog(
            title=ft.Text(ctx.t("rename.title")),
            content=field,
            actions=[
                ft.TextButton(content=ctx.t("action.cancel"), on_click=lambda: page.pop_dialog()),
                ft.FilledButton(content=ctx.t("action.save"), on_click=save),
            ],
        )
        page.show_dialog(dialog)

    def rename(self, label: str | None) -> None:
        engine = self.engine
        if engine is None:
            return
        with new_session(engine) as session:
            set_label(session, parcel_id=self.parcel_id, label=(label or "").strip() or None)
        self.ctx.notify(self.ctx.t("done.renamed"))
        self._changed()

    def _toggle_archive(self) -> None:
        engine = self.engine
        if engine is None or self.detail is None:
            return
        archived = not self.detail.parcel.archived
        with new_session(engine) as session:
            set_archived(session, parcel_id=self.parcel_id, archived=archived)
        self.ctx.notify(self.ctx.t("done.archived" if archived else "done.unarchived"))
        self._changed()

    def _delete(self) -> None:
        engine = self.engine
        if engine is None or self.detail is None:
            return
        with new_session(engine) as session:
            kept = _Deleted(self.detail.parcel, list_events(session, parcel_id=self.parcel_id))
            delete_parcel(session, parcel_id=self.parcel_id)
        self._changed()
        self._offer_undo(kept)
        if self.on_gone is not None:
            self.on_gone()

    def _offer_undo(self, kept: _Deleted) -> None:
        ctx = self.ctx
        page = _page()

        def undo() -> None:
            self.restore(kept)

        if page is None:
            ctx.notify(ctx.t("done.deleted"))
            return
        page.show_dialog(
            ft.SnackBar(
                ft.Text(ctx.t("done.deleted")),
                action=ft.SnackBarAction(label=ctx.t("action.undo"), on_click=undo),
                duration=ft.Duration(seconds=8),
            )
        )

    def restore(self, kept: _Deleted) -> None:
        """Put a deleted parcel back as it was: same id, events and state."""
        engine = self.engine
        if engine is None:
            return
        restore_parcel(engine, kept.parcel, kept.events)
        self.ctx.notify(self.ctx.t("done.restored"))
        self._changed()

    def _show_original(self, entry: TimelineEntry) -> None:
        ctx = self.ctx
        page = _page()
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


def restore_parcel(engine: Store, parcel: Parcel, events: tuple[TrackingEvent, ...]) -> None:
    with new_session(engine, write=True) as session:
        add_parcel(
            session,
            tracking_number=parcel.tracking_number,
            carrier=parcel.carrier,
            order_id=parcel.order_id,
            label=parcel.label,
            source=parcel.source,
            parcel_id=parcel.id,
            created_at=parcel.created_at,
        )
        update = ParcelUpdate(
            tracking_number=parcel.tracking_number,
            carrier=parcel.carrier,
            fetched_at=parcel.last_changed_at or parcel.created_at or datetime.now(UTC),
            events=events,
        )
        apply_update(
            session,
            parcel_id=parcel.id,
            update=update,
            status=parcel.status,
            sub_status=parcel.sub_status,
            carrier_status_code=parcel.carrier_status_code,
            estimate=parcel.estimate,
            location=parcel.location,
            last_event_at=parcel.last_event_at,
            last_event_text=parcel.last_event_text,
            problem=parcel.problem,
            problem_detail=parcel.problem_detail,
            proof_of_delivery=parcel.proof_of_delivery,
            changed_at=parcel.last_changed_at,
        )
        if parcel.last_checked_at is not None:
            touch_checked(session, parcel_id=parcel.id, at=parcel.last_checked_at)
        if parcel.archived:
            set_archived(session, parcel_id=parcel.id, archived=True)


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
