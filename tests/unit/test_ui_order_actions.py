"""The order screen's actions: add a parcel filed under this order, and edit its names."""

from __future__ import annotations

import random

import flet as ft
import pytest
from sqlalchemy import Engine

from app.sandbox.seed import new_number
from app.store import NotFoundError, get_order, list_parcels, new_session, update_order
from app.ui.routing import ScreenKind, add_to_order_route, resolve
from app.ui.services import AppServices
from app.ui.views.add import AddScreen
from app.ui.views.home import HomeScreen
from app.ui.views.order import OrderScreen
from tests.unit.test_ui_parcels import Recorder
from tests.unit.test_ui_seed import NOW, Seeded
from tests.unit.test_ui_views import icon_button_names, texts, walk


def order_screen(services: AppServices, order_id: str, recorder: Recorder) -> OrderScreen:
    ctx = recorder.context("de", services)
    return OrderScreen(ctx, resolve(f"/orders/{order_id}")[-1], now=lambda: NOW)


def test_add_to_an_order_sits_on_that_order() -> None:
    route = add_to_order_route("o1")
    stack = resolve(route)
    assert [s.kind for s in stack] == [ScreenKind.HOME, ScreenKind.ORDER, ScreenKind.ADD]
    assert stack[1].route == "/orders/o1"  # back returns to the order
    assert stack[2].item_id == "o1"


def test_the_order_screen_offers_add_and_edit(engine: Engine, seeded: Seeded) -> None:
    recorder = Recorder()
    screen = order_screen(AppServices(store=engine), seeded.books, recorder)

    names = icon_button_names(screen.view)
    assert names == ["Zurück", "Sendung zu dieser Bestellung hinzufügen", "Bestellung bearbeiten"]
    add = next(
        n
        for n in walk(screen.view)
        if isinstance(n, ft.IconButton)
        and isinstance(n.icon, ft.Icon)
        and n.icon.semantics_label == "Sendung zu dieser Bestellung hinzufügen"
    )
    assert callable(add.on_click)
    add.on_click()  # type: ignore[call-arg]
    assert recorder.routes == [f"/orders/{seeded.books}/add"]


def test_add_files_the_parcel_under_the_order_it_came_from(engine: Engine, seeded: Seeded) -> None:
    recorder = Recorder()
    services = AppServices(store=engine)
    add = AddScreen(recorder.context("de", services), seeded.tech)
    add.view()

    assert add.order_choice.value == seeded.tech
    # A pasted e-mail that names another order does not move it.
    add.set_text(f"Bestellung BW-1001, Sendungsnummer {new_number('hermes', random.Random(7))}")
    assert add.order_choice.value == seeded.tech
    added = add.add_selected()

    assert added
    with new_session(engine) as session:
        filed = list_parcels(session, include_archived=True, order_id=seeded.tech)
    assert added[0] in {parcel.id for parcel in filed}


def test_add_from_a_gone_order_files_under_none(engine: Engine) -> None:
    add = AddScreen(Recorder().context("de", AppServices(store=engine)), "gone")
    assert add.order_choice.value == "none"


def test_editing_renames_the_order_everywhere(engine: Engine, seeded: Seeded) -> None:
    recorder = Recorder()
    services = AppServices(store=engine)
    told: list[frozenset[str]] = []
    services.order_listeners.append(told.append)
    screen = order_screen(services, seeded.books, recorder)

    screen.save("  Bücherwelt Online ", " ", "BW-2002")

    with new_session(engine) as session:
        order = get_order(session, order_id=seeded.books)
    assert (order.shop, order.title, order.order_number) == ("Bücherwelt Online", None, "BW-2002")
    assert told == [frozenset({seeded.books})]
    assert recorder.notes == ["Bestellung gespeichert."]


def test_the_list_reloads_when_a_shown_order_is_renamed(engine: Engine, seeded: Seeded) -> None:
    services = AppServices(store=engine)
    home = HomeScreen(Recorder().context("de", services), wide=False, now=lambda: NOW)
    assert "Bücherwelt" in texts(home.list_area)
    with new_session(engine) as session:
        update_order(
            session, order_id=seeded.books, shop="Bücherwelt Online", title=None, order_number=None
        )

    home.orders_changed(frozenset({"some other order"}))
    assert "Bücherwelt Online" not in texts(home.list_area)  # not shown: nothing reloaded
    home.orders_changed(frozenset({seeded.books}))
    assert "Bücherwelt Online" in texts(home.list_area)


def test_a_gone_order_cannot_be_renamed(engine: Engine) -> None:
    with new_session(engine) as session, pytest.raises(NotFoundError):
        update_order(session, order_id="gone", shop="X", title=None, order_number=None)


def test_dissolving_keeps_the_parcels_as_single_ones(engine: Engine, seeded: Seeded) -> None:
    recorder = Recorder()
    services = AppServices(store=engine)
    told: list[frozenset[str]] = []
    services.order_listeners.append(told.append)
    with new_session(engine) as session:
        before = {p.id for p in list_parcels(session, include_archived=True, order_id=seeded.books)}
    screen = order_screen(services, seeded.books, recorder)

    screen.dissolve()

    with new_session(engine) as session:
        with pytest.raises(NotFoundError):
            get_order(session, order_id=seeded.books)
        single = {p.id for p in list_parcels(session, include_archived=True) if p.order_id is None}
    assert len(before) == 2
    assert before <= single
    assert told == [frozenset({seeded.books})]
    assert recorder.routes == ["/"]
    assert recorder.notes == ["Bestellung aufgelöst."]
