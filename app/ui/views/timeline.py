"""The parcel's vertical timeline and its five-step milestone bar.

Newest first; a dot per event on a connecting line. Routine scans are calm; problems, delays,
failed attempts and pickup points stand out by colour, icon and wording (UX.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

from app.domain.models import Source
from app.domain.status import Status
from app.domain.timeline import TimelineEntry
from app.ui.i18n import status_word
from app.ui.read_model import MILESTONE_KEYS, Clock, carrier_name, event_time, is_delay, is_pickup
from app.ui.theme import STATUS_LOOK
from app.ui.views.context import ViewContext

_DOT = 14
_RAIL = 28  # width of the column that holds the dots and the line
_LINE = 2


def milestone_bar(ctx: ViewContext, progress: int, *, problem: bool = False) -> ft.Control:
    """bestellt, versandt, unterwegs, in Zustellung, zugestellt: done, current, to come.

    Each step draws the halves of the track beside its icon, so the line meets every icon's
    centre at any width.
    """
    done_color = ft.Colors.ERROR if problem else ft.Colors.PRIMARY
    last = len(MILESTONE_KEYS) - 1
    steps: list[ft.Control] = []
    for n, key in enumerate(MILESTONE_KEYS):
        word = ctx.t(key)
        current = n == progress
        if n < progress:
            state_key, icon, color = "milestone.done", ft.Icons.CHECK_CIRCLE, done_color
        elif current:
            state_key = "milestone.current"
            icon = ft.Icons.ERROR if problem else ft.Icons.RADIO_BUTTON_CHECKED
            color = done_color
        else:
            state_key, icon, color = (
                "milestone.todo",
                ft.Icons.RADIO_BUTTON_UNCHECKED,
                ft.Colors.OUTLINE,
            )

        def half(reached: bool, shown: bool) -> ft.Control:
            tone = done_color if reached else ft.Colors.OUTLINE_VARIANT
            return ft.Container(
                expand=True, height=3, bgcolor=tone if shown else ft.Colors.TRANSPARENT
            )

        steps.append(
            ft.Semantics(
                label=ctx.t(state_key, step=word),
                container=True,
                exclude_semantics=True,  # the label says it all: "unterwegs: erledigt"
                expand=True,
                content=ft.Column(
                    spacing=2,
                    horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                    controls=[
                        ft.Row(
                            spacing=0,
                            height=24,
                            vertical_alignment=ft.CrossAxisAlignment.CENTER,
                            controls=[
                                half(n <= progress, n > 0),
                                ft.Icon(icon, size=22 if current else 18, color=color),
                                half(n < progress, n < last),
                            ],
                        ),
                        ft.Text(
                            word,
                            size=11,
                            text_align=ft.TextAlign.CENTER,
                            weight=ft.FontWeight.BOLD if current else None,
                            color=None if n <= progress else ft.Colors.ON_SURFACE_VARIANT,
                            max_lines=2,
                        ),
                    ],
                ),
            )
        )
    return ft.Row(spacing=0, vertical_alignment=ft.CrossAxisAlignment.START, controls=steps)


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


def _tone(entry: TimelineEntry) -> tuple[str, str | None, ft.IconData | None, str | None]:
    """(dot colour, background, badge icon, badge key) for one entry."""
    if entry.is_problem:
        icon = STATUS_LOOK[entry.status][0]
        key = "event.delayed" if is_delay(entry) else None
        if is_delay(entry):
            icon = ft.Icons.SCHEDULE
        return ft.Colors.ERROR, ft.Colors.ERROR_CONTAINER, icon, key
    if is_pickup(entry):
        return (
            ft.Colors.SECONDARY,
            ft.Colors.SECONDARY_CONTAINER,
            ft.Icons.STOREFRONT_OUTLINED,
            "event.pickup",
        )
    if entry.status is Status.DELIVERED:
        return ft.Colors.PRIMARY, None, None, None
    if entry.status is Status.OUT_FOR_DELIVERY:
        return ft.Colors.TERTIARY, None, None, None
    return ft.Colors.OUTLINE, None, None, None


def _span(text: str, **style: object) -> ft.TextSpan:
    return ft.TextSpan(text, style=ft.TextStyle(**style))  # type: ignore[arg-type]


def timeline_entry(
    ctx: ViewContext,
    entry: TimelineEntry,
    clock: Clock,
    *,
    first: bool,
    last: bool,
    on_original: Callable[[TimelineEntry], object],
) -> ft.Control:
    """One entry in few controls: a panel shows dozens and each control costs diffing,
    serialising and layout. Time, place and (calm) status share one Text of spans; icons stay
    only where they carry meaning (a problem's or a pickup's badge)."""
    dot_color, bg, badge_icon, badge_key = _tone(entry)
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
    # The time stays the Text's own value: tests and screen readers find it as it is.
    when: list[ft.TextSpan] = [_span(f" · {place}")] if place else []
    if badge_icon is None:
        when.append(_span(f"\n{status}", size=14, weight=ft.FontWeight.BOLD, color=on_bg))
    lines: list[ft.Control] = [
        ft.Text(event_time(entry.occurred_at, clock), size=12, color=muted, spans=when)
    ]
    if badge_icon is not None:
        heading: list[ft.Control] = [
            ft.Icon(badge_icon, size=18, color=on_bg),
            ft.Text(status, weight=ft.FontWeight.BOLD, color=on_bg, size=14),
        ]
        if badge_key is not None and badge_key != "event.pickup":
            heading.append(ft.Text(f"· {ctx.t(badge_key)}", color=on_bg, size=14))
        lines.append(ft.Row(spacing=6, wrap=True, controls=heading))
    if entry.description.strip():
        lines.append(ft.Text(entry.description, color=on_bg))
    note = _source_note(ctx, entry)
    if note:
        lines.append(ft.Text(note, size=13, italic=True, color=muted))
    if entry.conflict:
        lines.append(
            ft.Container(
                padding=ft.Padding.symmetric(horizontal=8, vertical=6),
                border_radius=8,
                border=ft.Border.all(1, ft.Colors.TERTIARY),
                content=ft.Column(
                    spacing=2,
                    controls=[
                        ft.Text(
                            ctx.t("event.conflict"),
                            size=13,
                            weight=ft.FontWeight.W_600,
                            color=ft.Colors.TERTIARY,
                        ),
                        *(ft.Text(line, size=13) for line in conflict_lines(ctx, entry)),
                    ],
                ),
            )
        )
    lines.append(
        ft.TextButton(
            content=ctx.t("event.original"),
            icon=ft.Icons.NOTES,
            on_click=lambda: on_original(entry),
            # On a loud box the theme's link colour can lack contrast: use the box's own.
            style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=8), color=on_bg),
        )
    )
    body = ft.Container(
        # Calm and loud entries share the inset, so their texts line up.
        padding=ft.Padding.only(left=10, right=10, top=6, bottom=4),
        border_radius=12,
        bgcolor=bg,
        content=ft.Column(spacing=3, controls=lines),
    )
    # The line: a left border on the entry's box; the dot sits on it.
    line_color = ft.Colors.OUTLINE_VARIANT
    rail = ft.Container(
        margin=ft.Margin.only(left=(_RAIL - _LINE) // 2),
        padding=ft.Padding.only(left=_RAIL // 2 + 4, bottom=14),
        border=ft.Border(left=ft.BorderSide(_LINE, ft.Colors.TRANSPARENT if last else line_color)),
        content=body,
    )
    dot_size = _DOT + 4 if first else _DOT
    dot = ft.Container(
        left=(_RAIL - dot_size) // 2,
        top=8,
        width=dot_size,
        height=dot_size,
        border_radius=dot_size,
        bgcolor=dot_color,
        border=ft.Border.all(3, ft.Colors.SURFACE),
    )
    return ft.Stack(controls=[rail, dot])


# A long history is shown newest first up to here, the rest behind "show all": what a click
# sends (and the browser lays out) stays small, and the latest scans are what a user looks at.
FIRST_ENTRIES = 12


def timeline(
    ctx: ViewContext,
    entries: Sequence[TimelineEntry],
    clock: Clock,
    *,
    on_original: Callable[[TimelineEntry], object],
    limit: int | None = None,
) -> list[ft.Control]:
    """One control per entry, newest first, for a (lazy) ListView; the first `limit` only."""
    count = len(entries)
    shown = entries if limit is None else entries[:limit]
    return [
        timeline_entry(
            ctx, entry, clock, first=n == 0, last=n == count - 1, on_original=on_original
        )
        for n, entry in enumerate(shown)
    ]


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
