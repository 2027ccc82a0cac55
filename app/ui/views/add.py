"""Add: paste a number or a whole shipping e-mail, confirm the carriers, file under an order.

The text is read as one number when it looks like one (`detect`), else as a text with numbers
in it (`extract`). Each number becomes a card with its carrier candidates (the remembered
correction first); the user confirms or overrides, and an override is remembered per number.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field

import flet as ft

from app.carriers.registry import REGISTRY
from app.domain.tracking_numbers.order_number import find_order_number
from app.ui.add_analysis import Analysis, FoundNumber, analyse, carrier_name, reason_text
from app.ui.sync_view import untracked
from app.ui.views.context import ViewContext
from app.ui.views.widgets import icon_button, own, update_only

log = logging.getLogger(__name__)

ADD_ROUTE = "/add"
MAX_ORDER_CHOICES = 6  # the most recent orders offered to file a parcel under


@dataclass
class _Card:
    found: FoundNumber
    include: ft.Checkbox
    choice: ft.RadioGroup | None
    other: ft.Dropdown
    extra: list[ft.Control] = field(default_factory=list)
    # "Kein Zugang für GLS": said before adding, for the carrier chosen (hidden otherwise).
    access: ft.Text = field(init=False)
    access_row: ft.Row = field(init=False)

    def __post_init__(self) -> None:
        color = ft.Colors.ON_SURFACE_VARIANT
        self.access = ft.Text("", size=13, color=color)
        self.access_row = ft.Row(
            spacing=6,
            visible=False,
            vertical_alignment=ft.CrossAxisAlignment.START,
            controls=[
                ft.Icon(ft.Icons.KEY_OFF_OUTLINED, size=18, color=color),
                own(self.access, expand=True),
            ],
        )

    def carrier(self) -> str:
        if self.other.value:
            return str(self.other.value)
        if self.choice is not None and self.choice.value:
            return str(self.choice.value)
        return self.found.candidates[0]


class AddScreen:
    def __init__(self, ctx: ViewContext, order_id: str | None = None) -> None:
        """`order_id`: opened from that order ("Sendung zu dieser Bestellung hinzufügen"): the
        parcel is filed there."""
        self.ctx = ctx
        self.services = ctx.services
        self.analysis = Analysis()
        self.cards: list[_Card] = []
        self.field = ft.TextField(
            label=ctx.t("add.field"),
            multiline=True,
            min_lines=3,
            max_lines=10,
            on_change=self._on_change,
        )
        self.results = ft.Column(spacing=8)
        # Radios, not a Dropdown: Flutter web exposes a DropdownMenu to screen readers as a
        # disabled text box, and making one visible while typing reset the text field.
        self.order_options = ft.Column(spacing=0, controls=self._order_options())
        self.order_choice = ft.RadioGroup(
            value="none", on_change=self._on_order_choice, content=self.order_options
        )
        self._order_chosen = False  # by the user: the pasted text no longer picks the order
        self._prefilled = ""  # the order number the text put in the form (the user's if changed)
        self.shop = ft.TextField(label=ctx.t("add.shop"))
        self.order_number = ft.TextField(label=ctx.t("add.order_number"))
        self.title = ft.TextField(label=ctx.t("add.title"))
        self.new_order = ft.Column(
            spacing=8,
            visible=False,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[self.shop, self.order_number, self.title],
        )
        # Always shown: making a Dropdown visible while the user types reset the text field
        # (Flet 1.0.5 web), so the order box never toggles.
        self.order_box = ft.Column(
            spacing=8,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                own(ft.Text(ctx.t("add.order"), theme_style=ft.TextThemeStyle.TITLE_SMALL)),
                self.order_choice,
                self.new_order,
            ],
        )
        self.submit = ft.FilledButton(
            content=ctx.t("add.submit"), icon=ft.Icons.ADD, disabled=True, on_click=self._on_add
        )
        self.message = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.from_order = self._order_by_id(order_id) if order_id else None
        if self.from_order is not None:
            self._offer(*self.from_order)
            self.order_choice.value = self.from_order[0]
            self._order_chosen = True  # a pasted e-mail's order number does not move it

    # ------------------------------------------------------------------ building ----------

    def view(self) -> ft.View:
        ctx = self.ctx
        back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
        body = ft.Column(
            spacing=16,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                self.field,
                self.results,
                self.order_box,
                self.message,
                ft.Row(alignment=ft.MainAxisAlignment.END, controls=[self.submit]),
            ],
        )
        return ft.View(
            route=ADD_ROUTE,
            appbar=ft.AppBar(title=ft.Text(ctx.t("screen.add")), leading=back),
            padding=0,
            controls=[
                ft.ListView(
                    expand=True,
                    padding=ft.Padding.all(16),
                    controls=[
                        ft.Container(
                            alignment=ft.Alignment.TOP_CENTER,
                            content=ft.Container(width=640, content=body),
                        )
                    ],
                )
            ],
        )

    def _order_options(self) -> list[ft.Control]:
        options: list[ft.Control] = [
            ft.Radio(value="none", label=self.ctx.t("add.order_none")),
            ft.Radio(value="new", label=self.ctx.t("add.order_new")),
        ]
        for order_id, text in self._existing_orders()[:MAX_ORDER_CHOICES]:
            options.append(ft.Radio(value=order_id, label=text))
        return options

    def _existing_orders(self) -> list[tuple[str, str]]:
        store = self.services.store
        if store is None:
            return []
        from app.store import my_orders, new_session

        seen: dict[str, str] = {}
        try:
            with new_session(store) as session:
                groups = my_orders(session, limit=50)
        except Exception:
            log.warning("could not list orders", exc_info=True)
            return []
        for group in (*groups.active, *groups.delivered):
            order = group.order
            if order is not None and order.id not in seen:
                seen[order.id] = order.display_name
        return list(seen.items())

    def _remembered(self) -> dict[str, str]:
        store = self.services.store
        if store is None:
            return {}
        from app.store import all_corrections, new_session

        with new_session(store) as session:
            return {c.tracking_number: c.carrier for c in all_corrections(session)}

    def _duplicate(self, number: str, carriers: tuple[str, ...]) -> str | None:
        store = self.services.store
        if store is None:
            return None
        from app.store import find_parcel, new_session

        with new_session(store) as session:
            for carrier in carriers:
                parcel = find_parcel(session, tracking_number=number, carrier=carrier)
                if parcel is not None:
                    return parcel.id
        return None

    # ------------------------------------------------------------------ events ------------

    def _on_change(self, event: ft.Event[ft.TextField]) -> None:
        self.set_text(event.control.value or "")

    def set_text(self, text: str) -> None:
        """Analyse `text` and redraw the result cards (also used by tests)."""
        analysis = analyse(text, self._remembered())
        numbers = tuple(
            FoundNumber(
                f.number, f.candidates, f.remembered, self._duplicate(f.number, f.candidates)
            )
            for f in analysis.numbers
        )
        self.analysis = Analysis(numbers=numbers, error=analysis.error, empty=analysis.empty)
        self.cards = [self._card(found) for found in numbers]
        self.results.controls = self._result_controls()
        self.message.visible = False
        self._refresh_submit()
        filed = self._file_under(find_order_number(text, not_these=[n.number for n in numbers]))
        update_only(self.results, self.message, self.submit, *filed)

    def _file_under(self, order_number: str | None) -> list[ft.Control]:
        """The order the pasted e-mail names: a second e-mail of a split order picks the order
        the first one made; a new number waits in the new-order form. Returns what changed."""
        changed: list[ft.Control] = []
        typed_over = (self.order_number.value or "") != self._prefilled
        if not typed_over and (order_number or "") != self._prefilled:
            self._prefilled = self.order_number.value = order_number or ""
            changed.append(self.order_number)
        if self._order_chosen:
            return changed
        known = self._order_numbered(order_number) if order_number else None
        choice = known[0] if known is not None else "none"
        if known is not None:
            self._offer(*known)
        if self.order_choice.value != choice:
            self.order_choice.value = choice
            changed.append(self.order_choice)
        return changed

    def _offer(self, order_id: str, label: str) -> None:
        """Offer this order among the choices (after "none" and "new") if it is not yet."""
        offered = {getattr(radio, "value", None) for radio in self.order_options.controls}
        if order_id not in offered:
            self.order_options.controls.insert(2, ft.Radio(value=order_id, label=label))

    def _order_by_id(self, order_id: str) -> tuple[str, str] | None:
        """(id, "shop · title") of a stored order; None when it is gone."""
        store = self.services.store
        if store is None:
            return None
        from app.store import NotFoundError, get_order, new_session

        with new_session(store) as session:
            try:
                order = get_order(session, order_id=order_id)
            except NotFoundError:
                return None
        return order.id, order.display_name

    def _order_numbered(self, order_number: str) -> tuple[str, str] | None:
        """(id, "shop · title") of the stored order with this number."""
        store = self.services.store
        if store is None:
            return None
        from app.store import find_order, new_session

        with new_session(store) as session:
            order = find_order(session, order_number=order_number)
        if order is None:
            return None
        return order.id, order.display_name

    def _result_controls(self) -> list[ft.Control]:
        ctx = self.ctx
        analysis = self.analysis
        if analysis.empty:
            return []
        if analysis.error is not None:
            return [
                _note(
                    ft.Icons.ERROR_OUTLINE,
                    ctx.t("add.not_a_number", reason=reason_text(ctx.lang, analysis.error)),
                    ft.Colors.ERROR,
                )
            ]
        if not analysis.numbers:
            return [_note(ft.Icons.SEARCH_OFF, ctx.t("add.none_found"), ft.Colors.ERROR)]
        count = len(analysis.numbers)
        heading = ctx.t("add.found_one") if count == 1 else ctx.t("add.found_many", count=count)
        return [
            own(ft.Text(heading, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)),
            *(self._card_control(card) for card in self.cards),
        ]

    def _card(self, found: FoundNumber) -> _Card:
        ctx = self.ctx
        include = ft.Checkbox(
            label=ctx.t("add.include"),
            value=found.duplicate_id is None,
            disabled=found.duplicate_id is not None,
            on_change=lambda: self._refresh_submit(update=True),
        )
        choice = None
        if len(found.candidates) > 1:
            radios: list[ft.Control] = []
            for n, carrier in enumerate(found.candidates):
                label = carrier_name(carrier)
                if n == 0 and found.remembered:
                    label = f"{label} ({ctx.t('add.remembered')})"
                radios.append(ft.Radio(value=carrier, label=label))
            choice = ft.RadioGroup(
                value=found.candidates[0], content=ft.Column(spacing=0, controls=radios)
            )
        other = ft.Dropdown(
            label=ctx.t("add.other_carrier"),
            expand=True,
            options=[
                ft.DropdownOption(key=carrier_id, text=carrier_name(carrier_id))
                for carrier_id in REGISTRY
            ],
        )
        card = _Card(found, include, choice, other)
        if choice is not None:
            choice.on_change = lambda: self._show_access(card, update=True)
        other.on_select = lambda: self._show_access(card, update=True)
        self._show_access(card)
        return card

    def _show_access(self, card: _Card, *, update: bool = False) -> None:
        """No account can fetch the chosen carrier: the parcel would only be stored."""
        carrier = card.carrier()
        shown = card.found.duplicate_id is None and untracked(self.services.sync, carrier)
        card.access_row.visible = shown
        card.access.value = self.ctx.t("add.no_access", carrier=carrier_name(carrier))
        if update:
            update_only(card.access_row)

    def _card_control(self, card: _Card) -> ft.Control:
        ctx = self.ctx
        found = card.found
        lines: list[ft.Control] = [
            own(
                ft.Text(
                    found.number,
                    weight=ft.FontWeight.W_600,
                    theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                )
            ),
        ]
        if card.choice is None:
            detected = carrier_name(found.candidates[0])
            if found.remembered:
                detected = f"{detected} ({ctx.t('add.remembered')})"
            lines.append(
                ft.Row(
                    spacing=6,
                    controls=[
                        ft.Icon(ft.Icons.LOCAL_SHIPPING_OUTLINED, size=18, color=ft.Colors.PRIMARY),
                        own(ft.Text(ctx.t("add.detected", carrier=detected))),
                    ],
                )
            )
        else:
            lines.append(own(ft.Text(ctx.t("add.choose"), color=ft.Colors.ON_SURFACE_VARIANT)))
            lines.append(card.choice)
        if found.duplicate_id is not None:
            parcel_id = found.duplicate_id
            lines.append(
                ft.Row(
                    wrap=True,
                    controls=[
                        ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.TERTIARY),
                        own(ft.Text(ctx.t("add.duplicate"), color=ft.Colors.TERTIARY)),
                        ft.TextButton(
                            content=ctx.t("add.open"),
                            on_click=lambda: ctx.navigate(f"/parcels/{parcel_id}"),
                        ),
                    ],
                )
            )
        else:
            lines.append(card.access_row)
            lines.append(ft.Row([card.other]))
            if len(self.cards) > 1:
                lines.append(card.include)
        return ft.Card(
            content=ft.Semantics(
                container=True,
                content=ft.Container(padding=16, content=ft.Column(spacing=8, controls=lines)),
            )
        )

    def _on_order_choice(self, event: ft.Event[ft.RadioGroup]) -> None:
        self._order_chosen = True
        self.new_order.visible = self.order_choice.value == "new"
        update_only(self.new_order)

    def _selected(self) -> list[_Card]:
        return [
            card
            for card in self.cards
            if card.found.duplicate_id is None and (len(self.cards) == 1 or card.include.value)
        ]

    def _refresh_submit(self, *, update: bool = False) -> None:
        self.submit.disabled = not self._selected()
        if update:
            update_only(self.submit)

    def _fail(self, text: str) -> None:
        self.message.value = text
        self.message.visible = True
        update_only(self.message)

    async def _on_add(self) -> None:
        added = self.add_selected()
        if added is None:
            return
        ctx = self.ctx
        if not added:
            ctx.notify(ctx.t("add.nothing"))
            return
        self.services.parcels_changed(frozenset(added))
        self._fetch_now(added)
        count = len(added)
        ctx.notify(ctx.t("add.added_one") if count == 1 else ctx.t("add.added_many", count=count))
        # Back where the user started: the order it was added to, or My orders.
        ctx.navigate(f"/orders/{self.from_order[0]}" if self.from_order else "/")

    def add_selected(self) -> list[str] | None:
        """Store the chosen parcels (and the order); the new parcel ids, None on a form error."""
        from app.store import (
            DuplicateParcelError,
            add_order,
            add_parcel,
            new_session,
            set_correction,
        )

        store = self.services.store
        selected = self._selected()
        if store is None or not selected:
            return []
        choice = self.order_choice.value or "none"
        shop = (self.shop.value or "").strip()
        if choice == "new" and not shop:
            self._fail(self.ctx.t("add.need_shop"))
            return None
        added: list[str] = []
        with new_session(store) as session:
            order_id: str | None = None
            if choice == "new":
                order = add_order(
                    session,
                    shop=shop,
                    order_number=(self.order_number.value or "").strip() or None,
                    title=(self.title.value or "").strip() or None,
                )
                order_id = order.id
            elif choice != "none":
                order_id = choice
            for card in selected:
                carrier = card.carrier()
                number = card.found.number
                if carrier != card.found.candidates[0] or card.found.remembered:
                    # The user's choice beats detection next time this number turns up.
                    set_correction(session, tracking_number=number, carrier=carrier)
                try:
                    parcel = add_parcel(
                        session, tracking_number=number, carrier=carrier, order_id=order_id
                    )
                except DuplicateParcelError:
                    continue
                added.append(parcel.id)
        return added

    def _fetch_now(self, parcel_ids: list[str]) -> None:
        """Fetch the new parcels right away when sync runs (or the demo polls)."""
        sync = self.services.sync
        demo = self.services.demo
        try:
            if sync is not None and hasattr(sync, "refresh"):
                outcome = sync.refresh(parcel_ids)
                if inspect.isawaitable(outcome):
                    _keep(asyncio.ensure_future(outcome))
            elif demo is not None:
                _keep(asyncio.ensure_future(self._demo_fetch(demo)))
        except Exception:  # fetching is a bonus: the parcel is stored either way
            log.warning("could not fetch the new parcels now", exc_info=True)

    async def _demo_fetch(self, demo: object) -> None:
        changed = await demo.poll_once()  # type: ignore[attr-defined]
        if changed:
            self.services.parcels_changed(changed)


_BACKGROUND: set[asyncio.Future[object]] = set()


def _keep(future: asyncio.Future[object]) -> None:
    """Hold a reference until done, so the fetch is not garbage-collected half-way."""
    _BACKGROUND.add(future)
    future.add_done_callback(_BACKGROUND.discard)


def _note(icon: ft.IconData, text: str, color: str) -> ft.Control:
    return ft.Row(
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
        controls=[ft.Icon(icon, color=color), own(ft.Text(text, color=color), expand=True)],
    )


def build_add_view(ctx: ViewContext, order_id: str | None = None) -> ft.View:
    return AddScreen(ctx, order_id).view()
