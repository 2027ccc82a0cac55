"""The parcel's vertical timeline and its five-step milestone bar.

Newest first; a dot per event on a connecting line. Routine scans are calm; problems, delays,
failed attempts and pickup points stand out by colour, icon and wording (UX.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

from app.domain.labels import reason_label
from app.domain.models import Source
from app.domain.status import Status
from app.domain.timeline import TimelineEntry
from app.ui.i18n import status_word
from app.ui.read_model import MILESTONE_KEYS, Clock, carrier_name, event_time, is_pickup
from app.ui.theme import REASON_ICONS, STATUS_LOOK
from app.ui.views.context import ViewContext
from app.ui.views.widgets import IsolatedRow, IsolatedStack, hold

_DOT = 14
_RAIL = 28  # width of the column that holds the dots and the line
_LINE = 2


class MilestoneBar:
    """bestellt, versandt, unterwegs, in Zustellung, zugestellt: done, current, to come.

    Built once per panel; `show()` restyles its steps in place, so opening another parcel
    sends a few changed properties instead of a new bar. Each step draws the halves of the
    track beside its icon, so the line meets every icon's centre at any width.

    Its 31 objects are isolated from the header's updates and sent only when the step (or the
    problem colour) changed: two parcels opened one after the other at the same step diff
    nothing of the bar. `unsent` says that `show()` changed it and it has not been updated
    since (ParcelPanel.changed_parts).
    """

    def __init__(self, ctx: ViewContext) -> None:
        self._steps = [_Step(ctx, n) for n in range(len(MILESTONE_KEYS))]
        self.control = IsolatedRow(
            spacing=0,
            vertical_alignment=ft.CrossAxisAlignment.START,
            controls=[step.control for step in self._steps],
        )
        self._shown: tuple[int, bool] | None = None
        self.unsent = False

    def show(self, progress: int, *, problem: bool = False) -> None:
        if self._shown == (progress, problem):
            return
        self._shown = (progress, problem)
        self.unsent = True
        for step in self._steps:
            step.show(progress, problem=problem)


class _Step:
    def __init__(self, ctx: ViewContext, n: int) -> None:
        self.ctx = ctx
        self.n = n
        self.word = ctx.t(MILESTONE_KEYS[n])
        self.left = ft.Container(expand=True, height=3)
        self.icon = ft.Icon(ft.Icons.RADIO_BUTTON_UNCHECKED, size=18)
        self.right = ft.Container(expand=True, height=3)
        # The word reads its state to screen readers ("unterwegs: erledigt"); the icon has no
        # label and stays out of the accessibility tree. The label sits on the leaf, not on a
        # Semantics box around the step: the browser builds anew all a changed box holds.
        self.text = ft.Text(self.word, size=11, text_align=ft.TextAlign.CENTER, max_lines=2)
        self.control = ft.Column(
            expand=True,
            spacing=2,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                ft.Row(
                    spacing=0,
                    height=24,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    controls=[self.left, self.icon, self.right],
                ),
                self.text,
            ],
        )

    def show(self, progress: int, *, problem: bool) -> None:
        n, last = self.n, len(MILESTONE_KEYS) - 1
        done_color = ft.Colors.ERROR if problem else ft.Colors.PRIMARY
        current = n == progress
        if n < progress:
            state_key, icon, color = "milestone.done", ft.Icons.CHECK_CIRCLE, done_color
        elif current:
            state_key = "milestone.current"
            icon = ft.Icons.ERROR if problem else ft.Icons.RADIO_BUTTON_CHECKED
            color = done_color
        else:
            state_key, icon = "milestone.todo", ft.Icons.RADIO_BUTTON_UNCHECKED
            color = ft.Colors.OUTLINE
        self.text.semantics_label = self.ctx.t(state_key, step=self.word)
        self.icon.icon, self.icon.color, self.icon.size = icon, color, 22 if current else 18
        self.left.bgcolor = _track(done_color, reached=n <= progress, shown=n > 0)
        self.right.bgcolor = _track(done_color, reached=n < progress, shown=n < last)
        self.text.weight = ft.FontWeight.BOLD if current else None
        self.text.color = None if n <= progress else ft.Colors.ON_SURFACE_VARIANT


def _track(done_color: str, *, reached: bool, shown: bool) -> str:
    if not shown:
        return ft.Colors.TRANSPARENT
    return done_color if reached else ft.Colors.OUTLINE_VARIANT


def _source_note(ctx: ViewContext, entry: TimelineEntry) -> str | None:
    """ "laut Händler" when no carrier confirmed it; the aggregator's name when it leads."""
    if entry.merchant_claim:
        return ctx.t("event.by_merchant")
    lead = entry.observations[0]
    if lead.source is Source.AGGREGATOR:
        return ctx.t("event.by_aggregator", name=carrier_name(lead.source_name or "aggregator"))
    if lead.source is Source.USER:
        return ctx.t("event.by_user")
    return None


def _source_name(ctx: ViewContext, source: Source, name: str) -> str:
    kind = ctx.t(f"event.source.{source.value}")
    if name and source in (Source.CARRIER, Source.AGGREGATOR):
        return f"{kind} ({carrier_name(name)})"
    if name:
        return f"{kind} ({name})"
    return kind


def conflict_lines(ctx: ViewContext, entry: TimelineEntry) -> list[str]:
    """Each source's reading of one scan: shown side by side when they disagree."""
    seen: list[str] = []
    for source, name, status in entry.source_statuses:
        line = ctx.t(
            "event.source_said",
            source=_source_name(ctx, source, name),
            status=status_word(ctx.lang, status),
        )
        if line not in seen:
            seen.append(line)
    return seen


def _tone(entry: TimelineEntry) -> tuple[str, str | None, ft.IconData | None, bool]:
    """(dot colour, background, badge icon, whether the badge names the reason) for one entry."""
    if entry.is_problem:
        reason = entry.sub_status if entry.sub_status in REASON_ICONS else None
        icon = REASON_ICONS[reason] if reason is not None else STATUS_LOOK[entry.status][0]
        return ft.Colors.ERROR, ft.Colors.ERROR_CONTAINER, icon, reason is not None
    if is_pickup(entry):
        return (
            ft.Colors.SECONDARY,
            ft.Colors.SECONDARY_CONTAINER,
            ft.Icons.STOREFRONT_OUTLINED,
            False,
        )
    if entry.status is Status.DELIVERED:
        return ft.Colors.PRIMARY, None, None, False
    if entry.status is Status.OUT_FOR_DELIVERY:
        return ft.Colors.TERTIARY, None, None, False
    return ft.Colors.OUTLINE, None, None, False


class EntryView:
    """One timeline entry, built once and then shown for whichever event sits at its place.

    A panel keeps a pool of these: opening another parcel (or a sync) rewrites their texts and
    colours in place, which Flet sends as a few changed properties, where new controls would be
    diffed and sent whole. Parts an entry may lack (badge, description, source note, the
    sources' disagreement) are made once and left out of the entry while empty.
    """

    def __init__(
        self,
        ctx: ViewContext,
        on_original: Callable[[TimelineEntry], object],
        *,
        isolated: bool = False,  # below the first screenful: sent on its own (see Timeline)
    ) -> None:
        self.ctx = ctx
        self.entry: TimelineEntry | None = None
        # The time stays the Text's own value: tests and screen readers find it as it is.
        self.place = ft.TextSpan("")
        self.status = ft.TextSpan("")
        self.time = ft.Text("", size=12, spans=[self.place, self.status])
        self.badge_icon = ft.Icon(ft.Icons.SCHEDULE, size=18)
        self.badge_status = ft.Text("", weight=ft.FontWeight.BOLD, size=14)
        self.heading = ft.Row(spacing=6, wrap=True, controls=[self.badge_icon, self.badge_status])
        # The reason on a line of its own: beside the status it wrapped as "· Verspätung".
        self.reason = ft.Text("", size=14)
        self.description = ft.Text("")
        self.note = ft.Text("", size=13, italic=True)
        self.conflict_lines = ft.Text("", size=13, color=ft.Colors.ON_TERTIARY_CONTAINER)
        # A tinted box, not an outlined one: a border is five objects more to diff per entry.
        self.conflict = ft.Container(
            padding=ft.Padding.symmetric(horizontal=8, vertical=6),
            border_radius=8,
            bgcolor=ft.Colors.TERTIARY_CONTAINER,
            content=ft.Column(
                spacing=2,
                controls=[
                    ft.Text(
                        ctx.t("event.conflict"),
                        size=13,
                        weight=ft.FontWeight.W_600,
                        color=ft.Colors.ON_TERTIARY_CONTAINER,
                    ),
                    self.conflict_lines,
                ],
            ),
        )
        self.original = ft.TextButton(
            content=ctx.t("event.original"),
            icon=ft.Icons.NOTES,
            on_click=lambda: on_original(self.entry) if self.entry is not None else None,
        )
        self.parts = ft.Column(spacing=3, controls=[self.time, self.original])
        self.body = ft.Container(
            # Right of the rail, a gap below: the margin, not a wrapping box (one control
            # less to diff per entry). Calm and loud entries share the inset, so their
            # texts line up.
            margin=ft.Margin.only(left=_RAIL + 4, bottom=14),
            padding=ft.Padding.only(left=10, right=10, top=6, bottom=4),
            border_radius=12,
            content=self.parts,
        )
        # The line down the rail and the dot on it are positioned in the entry's Stack, whose
        # height is the padded box's: plain numbers, where a border on the box would be five
        # objects more to diff for every entry.
        self.line = ft.Container(
            left=(_RAIL - _LINE) // 2,
            top=0,
            bottom=0,
            width=_LINE,
            bgcolor=ft.Colors.OUTLINE_VARIANT,
        )
        self.dot = ft.Container(top=8)
        stack = IsolatedStack if isolated else ft.Stack
        self.control = stack(controls=[self.line, self.body, self.dot])
        # Flet sends a new style object whole, even when equal to the last one: this remembers
        # what the button's style was made for, to replace it only on a change.
        self._on_bg: str | None = None

    def show(self, entry: TimelineEntry, clock: Clock, *, first: bool, last: bool) -> None:
        ctx = self.ctx
        self.entry = entry
        self.control.visible = True
        dot_color, bg, badge_icon, names_reason = _tone(entry)
        on_bg = (
            ft.Colors.ON_ERROR_CONTAINER
            if bg == ft.Colors.ERROR_CONTAINER
            else ft.Colors.ON_SECONDARY_CONTAINER
            if bg
            else None
        )
        muted = on_bg or ft.Colors.ON_SURFACE_VARIANT
        place = entry.location.label()
        status = status_word(ctx.lang, entry.status)
        self.time.value, self.time.color = event_time(entry.occurred_at, clock), muted
        self.place.text = f" · {place}" if place else ""
        reason = reason_label(entry.sub_status, ctx.lang)
        # A calm entry says its status and reason under the time ("Unterwegs · Beim Zoll"); a
        # loud one in its badge row, the reason on a line below unless the carrier's text
        # already says it ("Empfänger nicht angetroffen").
        calm_status = f"{status} · {reason}" if reason else status
        self.status.text = f"\n{calm_status}" if badge_icon is None else ""
        if self.status.style is None or self.status.style.color != on_bg:
            self.status.style = ft.TextStyle(size=14, weight=ft.FontWeight.BOLD, color=on_bg)
        if badge_icon is not None:
            self.badge_icon.icon, self.badge_icon.color = badge_icon, on_bg
            self.badge_status.value, self.badge_status.color = status, on_bg
        said = reason is not None and reason.casefold() in entry.description.casefold()
        loud_reason = reason if names_reason and not said else None
        self.reason.value, self.reason.color = loud_reason or "", on_bg
        self.description.value, self.description.color = entry.description, on_bg
        note = _source_note(ctx, entry)
        self.note.value, self.note.color = note or "", muted
        self.conflict_lines.value = "\n".join(conflict_lines(ctx, entry)) if entry.conflict else ""
        # Parts an entry lacks are left out, not hidden: Flet diffs hidden controls with
        # every update, and most entries have no badge, source note or disagreement.
        parts: list[ft.Control] = [
            self.time,
            *([self.heading] if badge_icon is not None else []),
            *([self.reason] if loud_reason else []),
            *([self.description] if entry.description.strip() else []),
            *([self.note] if note else []),
            *([self.conflict] if entry.conflict else []),
            self.original,
        ]
        hold(self.parts, parts)
        if on_bg != self._on_bg or self.original.style is None:
            # On a loud box the theme's link colour can lack contrast: use the box's own.
            self.original.style = ft.ButtonStyle(
                padding=ft.Padding.symmetric(horizontal=8), color=on_bg
            )
            self._on_bg = on_bg
        self.body.bgcolor = bg
        self.line.visible = not last  # the oldest scan ends the line
        size = _DOT + 4 if first else _DOT
        self.dot.left, self.dot.width, self.dot.height = (_RAIL - size) // 2, size, size
        self.dot.border_radius, self.dot.bgcolor = size, dot_color

    def hide(self) -> None:
        self.entry = None
        self.control.visible = False


# A long history is shown newest first up to here, the rest behind "show all": what a click
# sends (and the browser lays out) stays small, and the latest scans are what a user looks at.
FIRST_ENTRIES = 12
# About what a desktop window shows under the header. The views below are isolated
# (IsolatedStack): the panel's update leaves their insides out and each is sent on its own
# behind it. Each stays an item of the panel's list, so screen readers read it as one entry.
ON_SCREEN_ENTRIES = 4


class Timeline:
    """The entries of one parcel, newest first, in a pool of EntryViews: it grows to what is
    shown and keeps no more than `limit` views while a limit applies. `take_unsent()` gives
    the isolated views below the first screenful that changed since last asked."""

    def __init__(self, ctx: ViewContext, on_original: Callable[[TimelineEntry], object]) -> None:
        self.ctx = ctx
        self.on_original = on_original
        self.views: list[EntryView] = []
        self._unsent: list[EntryView] = []

    def show(
        self, entries: Sequence[TimelineEntry], clock: Clock, *, limit: int | None = None
    ) -> list[ft.Control]:
        """Show the first `limit` entries (all without one); returns every pooled control,
        hidden past the shown ones, in list order (the caller keeps them in its list)."""
        count = len(entries)
        shown = entries if limit is None else entries[:limit]
        # Hidden views are diffed too: after a long "show all", back to `limit` views.
        del self.views[len(shown) if limit is None else max(len(shown), limit) :]
        while len(self.views) < len(shown):
            isolated = len(self.views) >= ON_SCREEN_ENTRIES
            self.views.append(EntryView(self.ctx, self.on_original, isolated=isolated))
        for n, view in enumerate(self.views):
            # An isolated view changes when it shows an entry now, or did before.
            changes = view.entry is not None or n < len(shown)
            if n >= ON_SCREEN_ENTRIES and changes and view not in self._unsent:
                self._unsent.append(view)
            if n < len(shown):
                view.show(shown[n], clock, first=n == 0, last=n == count - 1)
            else:
                view.hide()
        return [view.control for view in self.views]

    def take_unsent(self) -> list[ft.Control]:
        """The isolated views changed since last asked, top down, that are still pooled (one
        dropped from the pool leaves with its parent's update)."""
        pooled = {id(view) for view in self.views}
        unsent: list[ft.Control] = [view.control for view in self._unsent if id(view) in pooled]
        self._unsent = []
        return unsent


def original_text(ctx: ViewContext, entry: TimelineEntry, clock: Clock) -> ft.Control:
    """What each source said, word for word, with its code and local time."""
    blocks: list[ft.Control] = []
    for observation in entry.observations:
        lines: list[ft.Control] = [
            ft.Text(
                _source_name(ctx, observation.source, observation.source_name),
                weight=ft.FontWeight.BOLD,
            ),
            ft.Text(observation.description or "—"),
        ]
        if observation.carrier_code:
            lines.append(ft.Text(ctx.t("event.code", code=observation.carrier_code), size=13))
        if observation.local_time_text:
            lines.append(
                ft.Text(ctx.t("event.local_time", time=observation.local_time_text), size=13)
            )
        blocks.append(ft.Column(spacing=2, controls=lines))
    # tight, no scroll: a scrolling Column in a dialog takes the whole screen height.
    return ft.Column(tight=True, spacing=12, controls=blocks)
