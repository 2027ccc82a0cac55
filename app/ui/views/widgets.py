"""Small building blocks shared by screens."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.domain.labels import reason_label
from app.domain.status import Status, is_problem
from app.ui.i18n import status_word
from app.ui.read_model import MILESTONE_KEYS, OrderCard, ParcelRow
from app.ui.theme import REASON_ICONS, STATUS_LOOK
from app.ui.views.context import ViewContext

ADD_ROUTE = "/add"
MIN_TAP = 48  # UX.md: tap targets are at least 48 px
READABLE_WIDTH = 760  # a column's measure on a wide window; a phone gets its full width


def current_page() -> ft.Page | None:
    try:
        return ft.context.page
    except RuntimeError:  # built outside a session (tests, previews)
        return None


def skip_auto_update() -> None:
    """This handler updates what it changed itself (or nothing): no full-page diff after it."""
    ft.context.disable_auto_update()  # type: ignore[no-untyped-call]


def update_only(*controls: ft.Control) -> None:
    """Send just these controls to the client.

    After every event handler Flet 1.0.5 updates the nearest isolated ancestor, usually the
    page, which diffs the whole tree (slow with long lists). Updating the changed controls and
    switching that off for this handler is the cheap path. Controls not yet mounted (tests,
    or before the first show) have nothing to send.
    """
    mounted = [control for control in controls if _mounted(control)]
    skip_auto_update()
    for control in mounted:
        control.update()


def hold(holder: ft.Column | ft.Row | ft.ListView, controls: list[ft.Control]) -> None:
    """Make `holder` hold exactly `controls` (the same objects, in order), assigning only on a
    change: Flet compares a newly assigned list item by item even when it is equal."""
    if [id(c) for c in controls] != [id(c) for c in holder.controls]:
        holder.controls = controls


class IsolatedRow(ft.Row):
    """A Row whose children its ancestors' updates leave alone.

    Flet 1.0.5 walks every object under an updated control, changed or not (~15 µs each
    here). What sits in here is sent only when this row itself is updated, so its owner must
    update it whenever it changes something inside (ParcelPanel.changed_parts). Its own
    properties, and whether its parent holds it, still go with its ancestors' updates.
    """

    def is_isolated(self) -> bool:
        return True


class IsolatedStack(ft.Stack):
    """A Stack whose children its ancestors' updates leave alone (see IsolatedRow)."""

    def is_isolated(self) -> bool:
        return True


def _mounted(control: ft.Control) -> bool:
    try:
        return control.parent is not None and control.page is not None
    except RuntimeError:  # Flet raises when a control is not on a page
        return False


def icon_button(
    icon: ft.IconData,
    label: str,
    on_click: Callable[..., object] | None,
    *,
    color: str | None = None,
    action: ft.ClientAction | None = None,
) -> ft.IconButton:
    """An icon button screen readers and tests can find by role and name.

    Flutter web puts a tooltip's text on a wrapper node, not on the button, so the button
    itself would be nameless. The icon's semantics label names the button instead, and the
    tooltip is kept out of semantics so the name is not read twice.
    """
    return ft.IconButton(
        icon=ft.Icon(icon, semantics_label=label, color=color),
        tooltip=ft.Tooltip(message=label, exclude_from_semantics=True),
        on_click=on_click,
        action=action,
    )


def relabel(button: ft.IconButton, icon: ft.IconData, label: str) -> None:
    """Give an icon_button() another icon and name in place (its name lives in two places)."""
    assert isinstance(button.icon, ft.Icon)
    if button.icon.semantics_label != label:
        button.tooltip = ft.Tooltip(message=label, exclude_from_semantics=True)
    button.icon.icon, button.icon.semantics_label = icon, label


def clickable(label: str, on_click: Callable[[], object], content: ft.Control) -> ft.Control:
    """A tappable area with a button role and a name, as screen readers and tests need it.

    A Container with on_click (or a GestureDetector) becomes a button of its own that swallows
    its texts into one label; inside a named button that makes two. So the gesture detector is
    kept out of semantics and this Semantics node is the one button: it has the name and the
    tap action, and the texts inside stay readable on their own.
    """
    return ft.Semantics(
        button=True,
        container=True,
        label=label,
        on_tap=lambda: on_click(),  # screen readers (and the web's semantics layer) tap here
        content=ft.GestureDetector(
            mouse_cursor=ft.MouseCursor.CLICK,
            exclude_from_semantics=True,
            on_tap=lambda _e: on_click(),
            content=content,
        ),
    )


def empty_state(ctx: ViewContext, on_demo: Callable[[], object] | None = None) -> ft.Control:
    """First run: say what the app does and offer the two ways in."""
    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        padding=ft.Padding.symmetric(horizontal=24, vertical=40),
        content=ft.Column(
            tight=True,
            width=420,
            spacing=12,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                ft.Icon(ft.Icons.INVENTORY_2_OUTLINED, size=64, color=ft.Colors.PRIMARY),
                ft.Text(
                    ctx.t("empty.title"),
                    theme_style=ft.TextThemeStyle.HEADLINE_SMALL,
                    text_align=ft.TextAlign.CENTER,
                ),
                ft.Text(
                    ctx.t("empty.body"),
                    color=ft.Colors.ON_SURFACE_VARIANT,
                    text_align=ft.TextAlign.CENTER,
                ),
                ft.Container(height=4),
                ft.Row(
                    wrap=True,
                    spacing=12,
                    run_spacing=12,
                    alignment=ft.MainAxisAlignment.CENTER,
                    controls=[
                        ft.FilledButton(
                            content=ctx.t("action.add"),
                            icon=ft.Icons.ADD,
                            on_click=lambda: ctx.navigate(ADD_ROUTE),
                        ),
                        # Only where the app was given a demo to start (the real app always).
                        ft.OutlinedButton(
                            content=ctx.t("action.demo"),
                            icon=ft.Icons.PLAY_CIRCLE_OUTLINE,
                            visible=on_demo is not None,
                            on_click=on_demo,
                        ),
                    ],
                ),
            ],
        ),
    )


def status_color(status: Status) -> str:
    return STATUS_LOOK[status][1]


class StatusChip:
    """Icon and word together: colour is never the only signal (UX.md).

    `loud` (problems) fills the chip with the status colour's container so it stands out.
    Built once; `show()` restyles it in place (a panel reuses its chip for every parcel).
    """

    def __init__(self, ctx: ViewContext) -> None:
        self.ctx = ctx
        self.icon = ft.Icon(ft.Icons.CIRCLE, size=16)
        self.word = ft.Text("", weight=ft.FontWeight.W_500, size=13)
        self.control = ft.Container(
            padding=ft.Padding.symmetric(horizontal=8, vertical=3),
            border_radius=8,
            content=ft.Row(tight=True, spacing=4, controls=[self.icon, self.word]),
        )
        self._loud: bool | None = None  # a new (even equal) border is sent whole: on change only

    def show(self, status: Status, *, loud: bool = False) -> None:
        icon, color = STATUS_LOOK[status]
        fg = ft.Colors.ON_ERROR_CONTAINER if loud else color
        if loud != self._loud:
            self.control.bgcolor = ft.Colors.ERROR_CONTAINER if loud else None
            self.control.border = None if loud else ft.Border.all(1, ft.Colors.OUTLINE_VARIANT)
            self._loud = loud
        self.icon.icon, self.icon.color = icon, fg
        self.word.value, self.word.color = status_word(self.ctx.lang, status), fg


def status_chip(ctx: ViewContext, status: Status, *, loud: bool = False) -> ft.Control:
    chip = StatusChip(ctx)
    chip.show(status, loud=loud)
    return chip.control


def milestone_steps(ctx: ViewContext, progress: int, *, problem: bool = False) -> str:
    """The progress in words for screen readers: "unterwegs: aktuell"."""
    return ctx.t("list.progress", step=ctx.t(MILESTONE_KEYS[progress]))


def progress_bar(ctx: ViewContext, progress: int, *, problem: bool = False) -> ft.Control:
    """A thin bar filled up to the current step: one control (not one per step), so a long
    list stays cheap to build, send and lay out; the step is in its accessible name."""
    steps = len(MILESTONE_KEYS)
    bar = ft.ProgressBar(
        value=(progress + 1) / steps,
        bar_height=4,
        border_radius=2,
        color=ft.Colors.ERROR if problem else ft.Colors.PRIMARY,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        semantics_label=milestone_steps(ctx, progress),
    )
    # Its own node: merged into the row's, its "progressbar" role would replace "button".
    return own(bar)


def status_note(
    ctx: ViewContext, row: ParcelRow, *, with_moved_date: bool = True
) -> tuple[ft.IconData, str, str] | None:
    """(icon, words, colour) beside the status: no scan for days, else the carrier's reason,
    else (`with_moved_date`) a delivery date moved later.

    The chip alone would leave a delay or an address problem to colour (UX.md: never colour
    alone); a reason that is no problem ("Beim Zoll") reads calm.
    """
    if row.stalled:
        return ft.Icons.SCHEDULE, ctx.t("state.stalled"), ft.Colors.ERROR
    words = reason_label(row.reason, ctx.lang)
    if row.reason is not None and words is not None:
        loud = is_problem(row.status, row.reason)
        return (
            REASON_ICONS[row.reason],
            words,
            ft.Colors.ERROR if loud else ft.Colors.ON_SURFACE_VARIANT,
        )
    if with_moved_date and row.moved_from is not None:
        return ft.Icons.UPDATE, ctx.t("state.eta_moved"), ft.Colors.ERROR
    return None


def parcel_row_content(ctx: ViewContext, row: ParcelRow, *, selected: bool = False) -> ft.Control:
    """The answer first (when), then the status chip, then position, carrier and number.

    Flat on purpose (one Column of a few leaves): a page holds dozens of these rows, and every
    control costs a diff on the server and a layout in the browser.
    """
    chip = status_chip(ctx, row.status, loud=row.problem and not row.stalled)
    note = status_note(ctx, row)
    if note is not None:
        # Only a row with a note needs a Row: the note ("Verspätung") goes beside the chip.
        icon, text, color = note
        chip = ft.Row(
            spacing=6,
            wrap=True,
            run_spacing=4,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
            controls=[
                chip,
                # One piece, so a long reason wraps to the next line with its icon.
                ft.Row(
                    tight=True,
                    spacing=4,
                    controls=[
                        ft.Icon(icon, size=16, color=color),
                        ft.Text(text, size=13, color=color),
                    ],
                ),
            ],
        )
    where = f"{row.carrier_name} · {row.name}"
    if row.total > 1:
        where = f"{ctx.t('order.parcel_of', n=row.position, total=row.total)} · {where}"
    lines: list[ft.Control] = [
        ft.Text(
            row.eta_text,
            weight=ft.FontWeight.BOLD,
            size=16,
            color=ft.Colors.ERROR if row.problem or row.moved_from or row.overdue else None,
        ),
        chip,
        ft.Text(
            where,
            color=ft.Colors.ON_SURFACE_VARIANT,
            size=13,
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
        ),
        progress_bar(ctx, row.progress, problem=row.problem),
    ]
    # The selection tint is a leaf of its own behind the row: changing a box's colour makes
    # the browser build all the box holds anew (~8 ms a row), a childless box only repaints.
    tint = ft.Container(
        left=0, top=0, right=0, bottom=0, border_radius=12, bgcolor=_row_background(selected)
    )
    body = ft.Container(
        padding=ft.Padding.symmetric(horizontal=8, vertical=8),
        content=ft.Column(spacing=4, controls=lines),
    )
    return ft.Stack(controls=[tint, body])


def _row_background(selected: bool) -> str | None:
    return ft.Colors.SECONDARY_CONTAINER if selected else None


class ParcelRowControl:
    """A parcel row that can be redrawn in place when sync changes that parcel."""

    def __init__(self, ctx: ViewContext, row: ParcelRow, on_open: Callable[[str], object]) -> None:
        self.ctx = ctx
        self.row = row
        self.selected = False
        self._on_open = on_open
        self.control = clickable(self._label(), lambda: on_open(self.row.id), self._content())

    def _label(self) -> str:
        return self.ctx.t("list.open_parcel", name=self.row.name)

    def _content(self) -> ft.Control:
        return parcel_row_content(self.ctx, self.row, selected=self.selected)

    def redraw(self, row: ParcelRow | None = None, *, selected: bool | None = None) -> ft.Control:
        """Rebuild the inside for new data; returns the control to update."""
        if selected is not None:
            self.selected = selected
        assert isinstance(self.control, ft.Semantics)
        inner = self.control.content
        assert isinstance(inner, ft.GestureDetector)
        if row is None and isinstance(inner.content, ft.Stack):
            # Selection alone only recolours the row's tint: one property of one leaf.
            tint = inner.content.controls[0]
            assert isinstance(tint, ft.Container)
            tint.bgcolor = _row_background(self.selected)
            return tint
        if row is not None:
            self.row = row
        self.control.label = self._label()
        inner.content = self._content()
        return self.control


def order_card(
    ctx: ViewContext,
    card: OrderCard,
    rows: list[ParcelRowControl],
    on_open_order: Callable[[str], object],
) -> ft.Control:
    """The shop and order title (tap: the order), then one row per parcel (tap: the parcel)."""
    head_lines: list[ft.Control] = [
        ft.Text(
            card.shop or ctx.t("list.no_order"),
            theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
            weight=ft.FontWeight.W_600,
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
        )
    ]
    if card.title:
        head_lines.append(
            ft.Text(
                card.title,
                color=ft.Colors.ON_SURFACE_VARIANT,
                max_lines=2,
                overflow=ft.TextOverflow.ELLIPSIS,
            )
        )
    head_column = ft.Column(spacing=0, controls=head_lines)
    if card.order_id is None:
        head: ft.Control = ft.Container(
            padding=ft.Padding.only(left=8, right=8, top=6, bottom=2), content=head_column
        )
    else:
        order_id = card.order_id
        head_column.expand = True
        # One padded Row (texts, chevron) inside the tap area: no wrapper per part.
        head = clickable(
            ctx.t("list.open_order"),
            lambda: on_open_order(order_id),
            ft.Container(
                padding=ft.Padding.only(left=8, right=0, top=6, bottom=2),
                content=ft.Row(
                    controls=[
                        head_column,
                        ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_SURFACE_VARIANT),
                    ]
                ),
            ),
        )
    return ft.Card(
        margin=0,
        content=ft.Container(
            padding=ft.Padding.all(6),
            content=ft.Column(spacing=2, controls=[head, *(r.control for r in rows)]),
        ),
    )


def own(control: ft.Control, *, expand: bool | None = None) -> ft.Control:
    """Its own semantics node: Flutter would otherwise merge a text into a neighbour's label
    (the text field's, or a card's), where neither screen readers nor tests find it alone."""
    return ft.Semantics(container=True, content=control, expand=expand)


def hidden_note(text: ft.Text) -> ft.Semantics:
    """A message shown on demand: toggle the returned node's `visible`, never the text's (a
    Semantics node around an invisible control renders Flet's red error box instead)."""
    box = ft.Semantics(container=True, live_region=True, content=text)
    box.visible = False
    return box
