"""Add: what a pasted text yields, the reasons for junk, and what confirming stores."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.sandbox.seed import new_number
from app.store import (
    add_parcel,
    get_correction,
    get_order,
    get_parcel,
    list_parcels,
    new_session,
    open_store,
    set_correction,
)
from app.sync.engine import SyncEngine
from app.ui.add_analysis import analyse, looks_like_one_number, reason_text
from app.ui.services import AppServices
from app.ui.sync_view import untracked
from app.ui.views.add import AddScreen, build_add_view
from app.ui.views.context import ViewContext
from tests.unit.test_sync_support import FakeClock, FakeTracker, runtime, update_for
from tests.unit.test_ui_views import fire, is_visible

DHL = new_number("dhl", random.Random(3))  # 20 digits: DHL (valid check), FedEx and USPS fit
HERMES = new_number("hermes", random.Random(4))
GERMAN_EMAIL = (
    "Hallo Maria,\ndeine Bestellung 4711 ist unterwegs.\n"
    f"Deine DHL Sendungsnummer lautet {DHL}\nBei Fragen: +49 30 1234567\nDein Shop-Team"
)


@dataclass
class Recorder:
    routes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: list[frozenset[str]] = field(default_factory=list)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    engine = open_store(tmp_path / "db.sqlite")
    yield engine
    engine.dispose()


def screen(store: Any, lang: str = "de") -> tuple[AddScreen, Recorder]:
    recorder = Recorder()
    services = AppServices(store=store)
    services.listeners.append(recorder.changed.append)
    ctx = ViewContext(
        lang=lang,  # type: ignore[arg-type]
        navigate=recorder.routes.append,
        back=lambda: None,
        notify=recorder.notes.append,
        services=services,
    )
    add = AddScreen(ctx)
    add.view()
    return add, recorder


def radio_labels(options: ft.Control | None) -> list[str]:
    """The labels of the radios a RadioGroup's column offers; every option must be a radio."""
    assert isinstance(options, ft.Column)
    radios = [r for r in options.controls if isinstance(r, ft.Radio)]
    assert len(radios) == len(options.controls)
    return [r.label for r in radios]


def test_a_german_shipping_email_yields_its_tracking_number_not_the_phone() -> None:
    analysis = analyse(GERMAN_EMAIL)
    assert [n.number for n in analysis.numbers] == [DHL]
    assert analysis.numbers[0].candidates[0] == "dhl"
    assert len(analysis.numbers[0].candidates) > 1  # several fit: the user may choose
    assert analysis.error is None


def test_one_typed_number_is_detected_even_without_a_tracking_word() -> None:
    spaced = " ".join(HERMES[i : i + 4] for i in range(0, len(HERMES), 4))
    assert looks_like_one_number(spaced)
    [found] = analyse(spaced).numbers
    assert (found.number, found.candidates) == (HERMES, ("hermes",))


def test_a_remembered_correction_ranks_first() -> None:
    [found] = analyse(DHL, {DHL: "usps"}).numbers
    assert found.candidates[0] == "usps"
    assert found.remembered


@pytest.mark.parametrize(
    ("text", "german", "english"),
    [
        ("+49 30 1234567", "sieht aus wie eine Telefonnummer", "looks like a phone number"),
        ("1234", "zu kurz: 4 Zeichen", "too short: 4 characters"),
        ("DE89370400440532013000", "IBAN", "IBAN"),
        ("ABC$12345678", "enthält das Zeichen „$“", "contains the character “$”"),
    ],
)
def test_junk_gets_a_clear_reason_in_both_languages(text: str, german: str, english: str) -> None:
    analysis = analyse(text)
    assert analysis.numbers == ()
    assert analysis.error is not None
    assert german in reason_text("de", analysis.error)
    assert english in reason_text("en", analysis.error)


def test_a_text_without_numbers_says_so(store: Any) -> None:
    add, _ = screen(store)
    add.set_text("Vielen Dank für deine Bestellung bei uns.")
    texts = _texts(add.results)
    assert "In diesem Text steht keine Sendungsnummer." in texts
    assert add.submit.disabled


def test_confirming_stores_the_parcel_and_lands_on_my_orders(store: Any) -> None:
    add, _recorder = screen(store)
    add.set_text(GERMAN_EMAIL)
    assert "1 Sendungsnummer gefunden" in _texts(add.results)
    assert not add.submit.disabled

    added = add.add_selected()

    assert added is not None
    assert len(added) == 1
    with new_session(store) as session:
        parcel = get_parcel(session, parcel_id=added[0])
        assert (parcel.tracking_number, parcel.carrier, parcel.order_id) == (DHL, "dhl", None)
        assert get_correction(session, tracking_number=DHL) is None  # detection was kept


async def test_the_add_button_notifies_and_navigates_home(store: Any) -> None:
    add, recorder = screen(store, "en")
    add.set_text(HERMES)
    await add._on_add()
    assert recorder.routes == ["/"]
    assert recorder.notes == ["Parcel added"]
    assert len(recorder.changed) == 1


def test_an_override_is_remembered_for_that_number(store: Any) -> None:
    add, _ = screen(store)
    add.set_text(DHL)
    add.cards[0].other.value = "ups"
    [parcel_id] = add.add_selected() or []
    with new_session(store) as session:
        assert get_parcel(session, parcel_id=parcel_id).carrier == "ups"
        assert get_correction(session, tracking_number=DHL) == "ups"
    # Next time the number turns up, the user's carrier comes first.
    assert analyse(DHL, {DHL: "ups"}).numbers[0].candidates[0] == "ups"


def test_a_chosen_candidate_is_remembered(store: Any) -> None:
    add, _ = screen(store)
    add.set_text(DHL)
    assert add.cards[0].choice is not None
    add.cards[0].choice.value = "fedex"
    add.add_selected()
    with new_session(store) as session:
        assert get_correction(session, tracking_number=DHL) == "fedex"


def test_a_number_already_tracked_is_flagged_and_not_added_twice(store: Any) -> None:
    with new_session(store) as session:
        existing = add_parcel(session, tracking_number=DHL, carrier="dhl")
    add, _recorder = screen(store)
    add.set_text(GERMAN_EMAIL)
    [card] = add.cards
    assert card.found.duplicate_id == existing.id
    assert "Wird schon verfolgt" in _texts(add.results)
    assert add.submit.disabled
    assert add.add_selected() == []


def test_a_remembered_carrier_finds_the_duplicate_under_it(store: Any) -> None:
    with new_session(store) as session:
        set_correction(session, tracking_number=DHL, carrier="usps")
        existing = add_parcel(session, tracking_number=DHL, carrier="usps")
    add, _ = screen(store)
    add.set_text(DHL)
    assert add.cards[0].found.duplicate_id == existing.id


def test_several_numbers_file_under_a_new_order(store: Any) -> None:
    add, _ = screen(store)
    add.set_text(f"Sendungsnummer Hermes: {HERMES}\nTracking: 1Z999AA10123456784")
    assert [c.found.candidates[0] for c in add.cards] == ["hermes", "ups"]
    add.order_choice.value = "new"
    assert add.add_selected() is None  # no shop: the form says so
    assert add.message.visible
    add.shop.value = "Zalando"
    add.order_number.value = "10203040"
    add.title.value = "Winterschuhe"
    added = add.add_selected() or []
    assert len(added) == 2
    with new_session(store) as session:
        parcels = list_parcels(session)
        [order_id] = {p.order_id for p in parcels}
        assert order_id is not None
        order = get_order(session, order_id=order_id)
    assert (order.shop, order.order_number, order.title) == ("Zalando", "10203040", "Winterschuhe")


def test_an_unticked_number_is_left_out_and_existing_orders_are_offered(store: Any) -> None:
    add, _ = screen(store)
    add.set_text(f"Sendungsnummer Hermes: {HERMES}\nTracking: 1Z999AA10123456784")
    add.order_choice.value = "new"
    add.shop.value = "Otto"
    add.add_selected()
    again, _ = screen(store)
    labels = radio_labels(again.order_choice.content)
    assert labels == ["Ohne Bestellung", "Neue Bestellung", "Otto"]


def test_the_view_is_a_route_with_a_named_back_button() -> None:
    ctx = ViewContext(lang="en", navigate=lambda _r: None, back=lambda: None, notify=print)
    view = build_add_view(ctx)
    assert view.route == "/add"
    assert isinstance(view.appbar, ft.AppBar)
    assert isinstance(view.appbar.title, ft.Text)
    assert view.appbar.title.value == "Add parcel"


def _texts(control: ft.Control) -> list[str]:
    """Every Text value under `control`."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, ft.Text) and isinstance(node.value, str):
            found.append(node.value)
        for name in ("content", "controls"):
            child = getattr(node, name, None)
            if isinstance(child, list):
                for item in child:
                    walk(item)
            elif isinstance(child, ft.Control):
                walk(child)

    walk(control)
    return found


def test_the_order_number_in_an_email_waits_in_the_new_order_form(store: Any) -> None:
    add, _ = screen(store)
    add.set_text(GERMAN_EMAIL)  # "deine Bestellung 4711 ist unterwegs"
    assert add.order_number.value == "4711"
    assert add.order_choice.value == "none"  # a new order needs a shop: the user decides
    add.order_number.value = "4711-B"  # typed over: the text no longer writes it
    add.set_text(GERMAN_EMAIL.replace("4711", "4712"))
    assert add.order_number.value == "4711-B"


def test_a_second_email_of_a_split_order_is_filed_under_that_order(store: Any) -> None:
    """The first e-mail made the order; the second names its number and picks it, even when
    it is not among the recent orders offered, until the user chooses otherwise."""
    first, _ = screen(store)
    first.set_text(GERMAN_EMAIL)
    first.order_choice.value = "new"
    first.shop.value = "Bücherwelt"
    [first_parcel] = first.add_selected() or []

    second, _ = screen(store)
    second.order_options.controls[2:] = []  # as if it were older than the orders offered
    second.set_text(f"Bestellnummer: 4711\nZweites Paket, Hermes-Sendungsnummer {HERMES}")
    with new_session(store) as session:
        order_id = get_parcel(session, parcel_id=first_parcel).order_id
    assert order_id is not None
    assert second.order_choice.value == order_id
    labels = radio_labels(second.order_options)
    assert labels == ["Ohne Bestellung", "Neue Bestellung", "Bücherwelt"]
    [second_parcel] = second.add_selected() or []
    with new_session(store) as session:
        assert get_parcel(session, parcel_id=second_parcel).order_id == order_id

    chosen, _ = screen(store)
    chosen.order_choice.value = "none"
    chosen._on_order_choice(None)  # type: ignore[arg-type]  # the user's tap
    chosen.set_text(f"Bestellnummer: 4711\n{HERMES}")
    assert chosen.order_choice.value == "none"


def test_a_carrier_no_account_can_fetch_is_said_before_adding(store: Any) -> None:
    """The engine has a DHL account only: a DHL number reads as usual; choosing FedEx for it
    says, on the card, that the parcel would be saved but not fetched; back to DHL, it goes."""
    add, _ = screen(store)
    clock = FakeClock()
    tracker = FakeTracker(lambda number, hints: update_for(number, []))  # fetches nothing here
    add.services.sync = SyncEngine(store, [runtime("dhl", tracker, clock)], clock=clock.now)
    add.set_text(DHL)
    card = add.cards[0]
    assert card.choice is not None
    assert card.choice.on_change is not None
    assert not is_visible(card.access_row)

    card.choice.value = "fedex"
    fire(card.choice.on_change)
    assert is_visible(card.access_row)
    assert card.access.value == (
        "Für FedEx ist kein Zugang eingerichtet: die Sendung wird gespeichert, aber erst "
        "abgerufen, wenn einer eingerichtet ist."
    )
    card.other.value = "dhl"
    assert card.other.on_select is not None
    fire(card.other.on_select)
    assert not is_visible(card.access_row)


def test_without_an_engine_or_with_a_broken_one_add_says_nothing_about_access(store: Any) -> None:
    add, _ = screen(store)  # no sync engine (the tests' app, a store opened alone)
    add.set_text(HERMES)
    assert not add.cards[0].access_row.visible

    class Broken:
        def tracks(self, carrier: str) -> bool:
            raise RuntimeError("engine gone")

    assert untracked(Broken(), "hermes") is False
    assert untracked(object(), "hermes") is False
