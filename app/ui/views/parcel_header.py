"""The top of a parcel's panel: the answer first (when, where), proof of delivery, status,
milestones, provenance, problems, number and order, and the action row.

Built once per panel and then pointed at a parcel by `show()`, which rewrites texts and
colours in place: opening another parcel or a sync sends a few changed properties rather than
a new header. Optional parts are made once and left out of the header while they do not apply.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.domain.models import (
    ANSWERED_ABOUT_THE_NUMBER,
    DeliveryEstimate,
    ProblemKind,
    ProofOfDelivery,
)
from app.domain.status import Status
from app.domain.when import estimate_in_words
from app.ui.read_model import (
    MAX_OTHER_CARRIERS,
    Clock,
    ParcelDetail,
    carrier_name,
    relative_or_none,
)
from app.ui.views.context import ViewContext
from app.ui.views.timeline import MilestoneBar
from app.ui.views.widgets import StatusChip, hold, status_note


class NoteLine:
    """An icon and a line of text, hidden while it has nothing to say."""

    def __init__(
        self,
        icon: ft.IconData,
        color: str | None = None,
        *,
        small: bool = False,
        tight: bool = False,  # as wide as its words, to sit beside a chip
    ) -> None:
        muted = color or ft.Colors.ON_SURFACE_VARIANT
        self.text = ft.Text("", size=13 if small else 14, color=muted, expand=not tight)
        self.icon = ft.Icon(icon, size=16 if small else 18, color=muted)
        self.control = ft.Row(
            spacing=6,
            tight=tight,
            vertical_alignment=ft.CrossAxisAlignment.START,
            controls=[self.icon, self.text],
        )

    def show(self, text: str | None) -> None:
        self.control.visible = bool(text)
        self.text.value = text or ""

    def show_note(self, note: tuple[ft.IconData, str, str] | None) -> None:
        """(icon, words, colour), or None to leave the line out."""
        if note is None:
            self.show(None)
            return
        self.icon.icon, text, color = note
        self.icon.color = self.text.color = color
        self.show(text)


class ProofBox:
    """Proof of delivery (recipient, place, signature and photo links) when the carrier gave it."""

    def __init__(self, ctx: ViewContext) -> None:
        self.ctx = ctx
        self.recipient = ft.Text("")
        self.place = ft.Text("")
        self.signature = ft.TextButton(
            content=ctx.t("parcel.pod_signature"), icon=ft.Icons.DRAW_OUTLINED
        )
        self.photo = ft.TextButton(content=ctx.t("parcel.pod_photo"), icon=ft.Icons.PHOTO_OUTLINED)
        self.links = ft.Row(spacing=4, wrap=True, controls=[self.signature, self.photo])
        self.control = ft.Container(
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
            content=ft.Column(
                spacing=4,
                controls=[
                    ft.Row(
                        spacing=6,
                        controls=[
                            ft.Icon(ft.Icons.VERIFIED, color=ft.Colors.PRIMARY, size=20),
                            ft.Text(ctx.t("parcel.pod"), weight=ft.FontWeight.BOLD),
                        ],
                    ),
                    self.recipient,
                    self.place,
                    self.links,
                ],
            ),
        )

    def show(self, pod: ProofOfDelivery | None) -> None:
        if pod is None or not (pod.signed_by or pod.place or pod.signature_url or pod.photo_url):
            self.control.visible = False
            return
        ctx = self.ctx
        self.control.visible = True
        self.recipient.visible = bool(pod.signed_by)
        self.recipient.value = ctx.t("parcel.pod_recipient", name=pod.signed_by or "")
        self.place.visible = bool(pod.place)
        self.place.value = ctx.t("parcel.pod_place", place=pod.place or "")
        self.signature.visible, self.signature.url = bool(pod.signature_url), pod.signature_url
        self.photo.visible, self.photo.url = bool(pod.photo_url), pod.photo_url
        self.links.visible = bool(pod.signature_url or pod.photo_url)


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


class ParcelHeader:
    def __init__(
        self,
        ctx: ViewContext,
        actions: ft.Control,
        on_order: Callable[[str], object],
        on_set_up: Callable[[str], object],
        on_try: Callable[[str], object],
    ) -> None:
        self.ctx = ctx
        self.proof = ProofBox(ctx)
        self.eta = ft.Text(
            "", theme_style=ft.TextThemeStyle.HEADLINE_SMALL, weight=ft.FontWeight.BOLD
        )
        self.chip = StatusChip(ctx)
        # The carrier moved the date later: said in words under it, with the date it replaced.
        self.moved = NoteLine(ft.Icons.UPDATE, ft.Colors.ERROR, small=True)
        self.note = NoteLine(ft.Icons.SCHEDULE, tight=True)  # beside the chip: status_note()
        self.muted = _muted_chip(ctx)
        self.location = NoteLine(ft.Icons.PLACE_OUTLINED, ft.Colors.ON_SURFACE)
        self.milestones = MilestoneBar(ctx)
        self.provenance = NoteLine(ft.Icons.VERIFIED_OUTLINED, small=True)
        self.problem = NoteLine(ft.Icons.WARNING_AMBER, ft.Colors.ERROR, small=True)
        # A label the carrier knows but has not scanned: news to wait for, not a failure (UX.md).
        self.waiting = NoteLine(ft.Icons.INFO_OUTLINE, small=True)
        # The carrier's own words, for support and the curious.
        self.problem_detail = NoteLine(ft.Icons.NOTES, small=True)
        # Its carrier does not know the number, which fits others too: one tap tries another.
        self._others: list[str] = []

        def attempt(n: int) -> Callable[[], object]:
            return lambda: on_try(self._others[n]) if n < len(self._others) else None

        self.try_buttons = [
            ft.TextButton(content="", icon=ft.Icons.SWAP_HORIZ, on_click=attempt(n))
            for n in range(MAX_OTHER_CARRIERS)
        ]
        muted = ft.Colors.ON_SURFACE_VARIANT
        self.others = ft.Column(
            spacing=0,
            controls=[
                ft.Text(ctx.t("parcel.other_carriers"), size=13, color=muted),
                ft.Row(spacing=4, wrap=True, controls=list(self.try_buttons)),
            ],
        )
        # No account can track the carrier: not a failure but a step the user has to take.
        self.no_account = NoteLine(ft.Icons.KEY_OFF_OUTLINED, small=True)
        self._carrier = ""  # whose access "Zugang einrichten" sets up
        self.set_up = ft.TextButton(
            content=ctx.t("action.set_up_access"),
            icon=ft.Icons.SETTINGS_OUTLINED,
            on_click=lambda: on_set_up(self._carrier),
        )
        self.who = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self._order_id: str | None = None
        self.order = ft.TextButton(
            content="",
            icon=ft.Icons.RECEIPT_LONG_OUTLINED,
            on_click=lambda: on_order(self._order_id) if self._order_id else None,
        )
        self.chips = ft.Row(spacing=8, wrap=True, run_spacing=4, controls=[self.chip.control])
        self.actions = actions
        self.divider = ft.Divider(height=16)
        self.gap_above, self.gap_below = ft.Container(height=4), ft.Container(height=4)
        self.control = ft.Column(spacing=6)

    def show(self, detail: ParcelDetail, clock: Clock, *, muted: bool) -> None:
        self._fill(detail, clock)
        # What does not apply is left out, not hidden: Flet diffs hidden controls with every
        # update, and proof, problems, stalls and mutes are the exception.
        self.muted.visible = muted
        _keep(self.chips, [self.chip.control, self.note.control, self.muted])
        _keep(
            self.control,
            [
                self.proof.control,
                self.eta,
                self.moved.control,
                self.chips,
                self.location.control,
                self.gap_above,
                self.milestones.control,
                self.gap_below,
                self.provenance.control,
                self.problem.control,
                self.waiting.control,
                self.problem_detail.control,
                self.others,
                self.no_account.control,
                self.set_up,
                self.who,
                self.order,
                self.actions,
                self.divider,
            ],
        )

    def _fill(self, detail: ParcelDetail, clock: Clock) -> None:
        ctx = self.ctx
        row, parcel, state = detail.row, detail.parcel, detail.state
        self.proof.show(parcel.proof_of_delivery)
        self.eta.value = row.eta_text
        moved_from = row.moved_from
        self.eta.color = ft.Colors.ERROR if row.problem or moved_from or row.overdue else None
        self.moved.show(
            ctx.t("state.eta_later", was=self._in_words(moved_from, clock)) if moved_from else None
        )
        self.chip.show(row.status, loud=row.problem and not row.stalled)
        self.note.show_note(status_note(ctx, row, with_moved_date=False))  # its own line says it
        place = state.location
        # Where it was last scanned; once delivered, where it was delivered ("last seen" would
        # sound as if it had gone missing).
        where = "parcel.location_delivered" if row.status is Status.DELIVERED else "parcel.location"
        self.location.show(
            ctx.t(where, place=place.label()) if place is not None and not place.is_empty else None
        )
        self.milestones.show(detail.progress, problem=row.problem)
        self.provenance.show(self._provenance(detail, clock))
        problem = parcel.problem
        unrouted = problem is ProblemKind.NO_ACCOUNT
        failed = problem if problem and not unrouted else None
        self._show_problem(failed)
        # Only an answer about the number has the carrier's own words to add; after a request
        # that got none, a parcel stored by an older version may still hold our English note.
        carrier_words = failed in ANSWERED_ABOUT_THE_NUMBER
        self.problem_detail.show(parcel.problem_detail if carrier_words else None)
        self._show_others(detail.other_carriers)
        carrier = carrier_name(parcel.carrier)
        self.no_account.show(ctx.t("parcel.no_account", carrier=carrier) if unrouted else None)
        self.set_up.visible = unrouted
        self._carrier = parcel.carrier
        who = [carrier_name(parcel.carrier), parcel.tracking_number]
        if row.total > 1:
            who.insert(0, ctx.t("order.parcel_of", n=row.position, total=row.total))
        self.who.value = " · ".join(who)
        order = detail.order
        self._order_id = order.id if order is not None else None
        self.order.visible = order is not None
        if order is not None:
            self.order.content = order.display_name

    def _in_words(self, estimate: DeliveryEstimate, clock: Clock) -> str:
        return estimate_in_words(estimate, now=clock.now, zone=clock.zone, language=self.ctx.lang)

    def _show_others(self, carriers: tuple[str, ...]) -> None:
        self._others = list(carriers)
        self.others.visible = bool(carriers)
        for n, button in enumerate(self.try_buttons):
            button.visible = n < len(carriers)
            if button.visible:
                button.content = self.ctx.t("action.try_carrier", carrier=carrier_name(carriers[n]))

    def _show_problem(self, problem: ProblemKind | None) -> None:
        """A check that got no answer "failed"; a carrier's answer about the number is said as
        it is ("kennt diese Nummer noch nicht"), and a label not yet scanned calmly."""
        ctx = self.ctx
        words = ctx.t(f"problem.{problem.value}") if problem is not None else None
        pre_transit = problem is ProblemKind.PRE_TRANSIT
        self.waiting.show(words if pre_transit else None)
        if problem is not None and problem not in ANSWERED_ABOUT_THE_NUMBER:
            words = ctx.t("parcel.problem", detail=words)
        self.problem.show(None if pre_transit else words)

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


def _keep(holder: ft.Column | ft.Row, parts: list[ft.Control]) -> None:
    """Make `holder` hold those of `parts` whose `visible` is set, in order."""
    hold(holder, [part for part in parts if part.visible is not False])
