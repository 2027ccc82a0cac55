"""The parcel's action row and what its buttons do: copy, open, share, rename, mute, archive,
delete with undo. Mixed into ParcelPanel, which owns the detail it reads and redraws it when
`services.parcels_changed` comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import flet as ft

from app.domain.models import Parcel, TrackingEvent
from app.store import (
    DuplicateParcelError,
    delete_parcel,
    list_events,
    new_session,
    restore_parcel,
    set_archived,
    set_carrier,
    set_correction,
    set_label,
)
from app.ui.i18n import status_word
from app.ui.read_model import ParcelDetail, Store, carrier_name, tracking_url
from app.ui.sync_view import request_sync
from app.ui.views.context import ViewContext
from app.ui.views.widgets import (
    IsolatedRow,
    current_page,
    icon_button,
    relabel,
    skip_auto_update,
)

log = logging.getLogger(__name__)


def _client_action(make: Callable[[], ft.ClientAction]) -> ft.ClientAction | None:
    """Client actions run inside the user's gesture (clipboard, new tab); they need a page."""
    return make() if current_page() is not None else None


# One Clipboard service per page, made on first use: a new one per copy would register
# another service control with the client every time.
_clipboards: WeakKeyDictionary[ft.Page, ft.Clipboard] = WeakKeyDictionary()


def _clipboard(page: ft.Page) -> ft.Clipboard:
    clipboard = _clipboards.get(page)
    if clipboard is None:
        clipboard = _clipboards[page] = ft.Clipboard()
    return clipboard


def parcel_name(detail: ParcelDetail) -> str:
    """The user's name for the parcel, else its order's title ("Gießkanne"), else its number
    (which the header and a shared text show anyway)."""
    parcel, order = detail.parcel, detail.order
    if not parcel.label and order is not None and order.title:
        return order.title
    return parcel.display_name


@dataclass(frozen=True, slots=True)
class _Deleted:
    """Enough to put a deleted parcel back, events, archive and mute state and all."""

    parcel: Parcel
    events: tuple[TrackingEvent, ...]
    muted: bool = False


class ParcelActions:
    """Mixin for ParcelPanel: needs these, set by the panel's `__init__` and `refresh()`."""

    ctx: ViewContext
    parcel_id: str
    detail: ParcelDetail | None
    muted: bool  # the mute state the panel shows (the buttons act on what the user saw)
    on_gone: Callable[[], object] | None

    @property
    def engine(self) -> Store | None:
        store: Store | None = self.ctx.services.store
        return store

    def title(self) -> str:
        if self.detail is None:
            return self.ctx.t("screen.parcel")
        return parcel_name(self.detail)

    def _build_actions(self) -> ft.Control:
        """The action row, built once per panel; `_show_actions` points it at a parcel.
        Its buttons stay the same controls, so a tap is never lost to a redraw."""
        ctx = self.ctx
        page = current_page()
        self._on_web = page is None or page.web
        self._copy = icon_button(ft.Icons.CONTENT_COPY, ctx.t("action.copy_number"), self._copied)
        self._open = icon_button(
            ft.Icons.OPEN_IN_NEW, ctx.t("action.open_carrier"), skip_auto_update
        )
        # On the web a share sheet is rare (and falls back to a download): copy the summary.
        self._share = icon_button(
            ft.Icons.SHARE_OUTLINED,
            ctx.t("action.share"),
            self._shared if self._on_web else skip_auto_update,
        )
        # Like archive, the icon and name say what a tap does; the header shows the state.
        self._mute = icon_button(
            ft.Icons.NOTIFICATIONS_OFF_OUTLINED, ctx.t("action.mute"), self.toggle_mute
        )
        self._archive = icon_button(
            ft.Icons.ARCHIVE_OUTLINED, ctx.t("action.archive"), self._toggle_archive
        )
        # Isolated (app.ui.views.widgets.IsolatedRow): sent on its own after the panel, so a
        # click's first message carries what the user reads, not the buttons' new payloads.
        self._action_row = IsolatedRow(
            spacing=0,
            wrap=True,
            controls=[
                self._copy,
                self._open,
                self._share,
                icon_button(ft.Icons.EDIT_OUTLINED, ctx.t("action.rename"), self._ask_rename),
                self._mute,
                self._archive,
                icon_button(
                    ft.Icons.DELETE_OUTLINE,
                    ctx.t("action.delete"),
                    self._delete,
                    color=ft.Colors.ERROR,
                ),
            ],
        )
        self.actions_unsent = False
        return self._action_row

    def _show_actions(self, detail: ParcelDetail) -> None:
        ctx = self.ctx
        self.actions_unsent = True  # each parcel's copy, open and share payloads differ
        parcel = detail.parcel
        number = parcel.tracking_number
        url = tracking_url(parcel.carrier, number)
        summary = self.share_text(detail)
        self._copy.action = _client_action(lambda: ft.CopyToClipboard(number))
        self._open.visible = url is not None
        if url is not None:
            self._open.action = _client_action(lambda: ft.OpenUrl(url, target=ft.UrlTarget.BLANK))
        self._share.action = _client_action(
            (lambda: ft.CopyToClipboard(summary))
            if self._on_web
            else (lambda: ft.ShareText(summary, subject=self.title()))
        )
        relabel(
            self._mute,
            ft.Icons.NOTIFICATIONS_ACTIVE_OUTLINED
            if self.muted
            else ft.Icons.NOTIFICATIONS_OFF_OUTLINED,
            ctx.t("action.unmute" if self.muted else "action.mute"),
        )
        relabel(
            self._archive,
            ft.Icons.UNARCHIVE_OUTLINED if parcel.archived else ft.Icons.ARCHIVE_OUTLINED,
            ctx.t("action.unarchive" if parcel.archived else "action.archive"),
        )

    def share_text(self, detail: ParcelDetail) -> str:
        ctx = self.ctx
        parcel = detail.parcel
        lines = [
            ctx.t("share.title", name=parcel_name(detail)),
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

    # -- what the buttons do ------------------------------------------------------------

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
        page = current_page()
        if page is None or not text:
            return
        try:
            await _clipboard(page).set(text)
        except Exception:  # the client may refuse outside a gesture; the action did it already
            log.debug("clipboard write from the server failed", exc_info=True)

    def _ask_rename(self) -> None:
        ctx = self.ctx
        page = current_page()
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

    def try_carrier(self, carrier: str) -> None:
        """Track the number with another carrier it fits, remember that for the number (as Add
        does), and ask the engine now."""
        engine = self.engine
        if engine is None or self.detail is None:
            return
        name, number = carrier_name(carrier), self.detail.parcel.tracking_number
        try:
            with new_session(engine) as session:
                set_carrier(session, parcel_id=self.parcel_id, carrier=carrier)
                set_correction(session, tracking_number=number, carrier=carrier)
        except DuplicateParcelError:
            skip_auto_update()
            self.ctx.notify(self.ctx.t("error.carrier_taken", carrier=name))
            return
        self.ctx.notify(self.ctx.t("done.carrier_changed", carrier=name))
        self._changed()
        request_sync(self.ctx.services.sync, [self.parcel_id])

    def toggle_mute(self) -> None:
        """Mute or unmute as the button said (not the opposite of what the store holds now)."""
        if self.engine is None or self.detail is None:
            return
        muted = not self.muted
        self.ctx.services.set_muted(self.parcel_id, muted)
        self.ctx.notify(self.ctx.t("done.muted" if muted else "done.unmuted"))
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
        services = self.ctx.services
        if engine is None or self.detail is None:
            return
        muted = services.is_muted(self.parcel_id)
        with new_session(engine) as session:
            events = list_events(session, parcel_id=self.parcel_id)
            kept = _Deleted(self.detail.parcel, events, muted=muted)
            delete_parcel(session, parcel_id=self.parcel_id)
        # The mute key lives in the settings, not under the parcel: the cascade misses it.
        services.set_muted(self.parcel_id, False)
        self._changed()
        self._offer_undo(kept)
        if self.on_gone is not None:
            self.on_gone()

    def _offer_undo(self, kept: _Deleted) -> None:
        ctx = self.ctx
        page = current_page()

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
        """Put a deleted parcel back as it was: same id, events, state and mute."""
        engine = self.engine
        if engine is None:
            return
        try:
            with new_session(engine, write=True) as session:
                restore_parcel(session, parcel=kept.parcel, events=kept.events)
        except DuplicateParcelError:
            # Its number was added again meanwhile (here or in another window): that one stays.
            self.ctx.notify(self.ctx.t("add.duplicate"))
            return
        if kept.muted:
            self.ctx.services.set_muted(kept.parcel.id, True)
        self.ctx.notify(self.ctx.t("done.restored"))
        self._changed()
