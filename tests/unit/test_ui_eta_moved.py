"""A delivery date the carrier moved later reads so under the date, with the date it replaced
("Liefertermin verschoben – bisher: Morgen"), from the change the sync recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import flet as ft
import pytest

from app.domain.models import DeliveryEstimate, Parcel, ParcelUpdate, TrackingEvent
from app.domain.status import Status
from app.store import add_parcel, get_parcel, latest_of_kind, new_session, open_store
from app.sync.writer import store_update
from app.ui.i18n import Lang
from app.ui.read_model import (
    Clock,
    ListQuery,
    Store,
    load_cards,
    load_parcel,
    load_parcels,
    make_row,
)
from app.ui.views.parcel_header import ParcelHeader
from app.ui.views.widgets import parcel_row_content
from tests.unit.test_ui_views import recording_context, texts, walk

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Berlin
TOMORROW = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
NUMBER = "00340434161234567890"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "moved.sqlite")


def parcel_in(store: Store, number: str = NUMBER) -> str:
    with new_session(store, write=True) as session:
        return add_parcel(session, tracking_number=number, carrier="dhl").id


def get(store: Store, parcel_id: str) -> Parcel:
    with new_session(store) as session:
        return get_parcel(session, parcel_id=parcel_id)


def fetch(
    store: Store,
    parcel_id: str,
    hours: int,
    status: Status,
    eta: date | None,
    *,
    number: str = NUMBER,
) -> None:
    """One fetch as the sync engine stores it: a new scan and the carrier's estimate."""
    at = NOW - timedelta(hours=10) + timedelta(hours=hours)
    scan = TrackingEvent(occurred_at=at, status=status, description=f"Scan {hours}")
    update = ParcelUpdate(
        tracking_number=number,
        carrier="dhl",
        fetched_at=at,
        events=(scan,),
        estimate=DeliveryEstimate(day=eta) if eta else None,
    )
    store_update(store, parcel_id, update, None, at)


def header_texts(store: Store, parcel_id: str, lang: Lang = "de") -> list[str]:
    clock = Clock(now=NOW, zone="Europe/Berlin", lang=lang)
    detail = load_parcel(store, parcel_id, clock)
    assert detail is not None
    ctx, _, _ = recording_context(lang)
    header = ParcelHeader(ctx, ft.Row(), print, print, print)
    header.show(detail, clock, muted=False)
    return texts(header.control)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("de", "Liefertermin verschoben – bisher: Morgen"),
        ("en", "Delivery date moved – was: Tomorrow"),
    ],
)
def test_a_date_moved_later_says_so_with_the_old_date(store: Store, lang: Lang, line: str) -> None:
    parcel_id = parcel_in(store)
    fetch(store, parcel_id, 0, Status.IN_TRANSIT, TOMORROW)
    fetch(store, parcel_id, 2, Status.IN_TRANSIT, FRIDAY)

    shown = header_texts(store, parcel_id, lang)

    assert shown[:2] == [{"de": "Fr., 27. Nov.", "en": "Fri 27 Nov"}[lang], line]


def test_the_store_keeps_each_parcels_latest_move(store: Store) -> None:
    moved, steady = parcel_in(store), parcel_in(store, "00340434161234567906")
    fetch(store, moved, 0, Status.IN_TRANSIT, TOMORROW)
    with new_session(store) as session:
        assert latest_of_kind(session, parcel_ids=[moved], kind="eta_moved") == {}
    fetch(store, moved, 2, Status.IN_TRANSIT, FRIDAY)
    fetch(store, moved, 4, Status.IN_TRANSIT, TOMORROW)
    fetch(store, steady, 0, Status.IN_TRANSIT, TOMORROW, number="00340434161234567906")
    with new_session(store) as session:
        latest = latest_of_kind(session, parcel_ids=[moved, steady], kind="eta_moved")
        assert latest_of_kind(session, parcel_ids=[], kind="eta_moved") == {}
    assert set(latest) == {moved}
    assert latest[moved].payload["estimate"]["day"] == TOMORROW.isoformat()
    assert latest[moved].payload["previous_estimate"]["day"] == FRIDAY.isoformat()


def test_the_list_the_order_and_live_updates_say_it_too(store: Store) -> None:
    parcel_id = parcel_in(store)
    fetch(store, parcel_id, 0, Status.IN_TRANSIT, TOMORROW)
    fetch(store, parcel_id, 2, Status.IN_TRANSIT, FRIDAY)
    clock = Clock(now=NOW, zone="Europe/Berlin", lang="de")
    ctx, _, _ = recording_context("de")

    (card,) = load_cards(store, ListQuery(), clock)
    (row,) = card.parcels
    _, moves = load_parcels(store, [parcel_id])
    live = make_row(get(store, parcel_id), clock, moved=moves.get(parcel_id))

    for shown in (row, live):
        assert shown.moved_from == DeliveryEstimate(day=TOMORROW)
        content = parcel_row_content(ctx, shown)
        assert texts(content)[:3] == ["Fr., 27. Nov.", "Unterwegs", "Liefertermin verschoben"]
        eta = next(node for node in walk(content) if isinstance(node, ft.Text))
        assert eta.color == ft.Colors.ERROR


@pytest.mark.parametrize(
    "then",
    [
        # moved earlier again: good news needs no warning
        (Status.IN_TRANSIT, TOMORROW),
        # delivered: the old date no longer matters
        (Status.DELIVERED, None),
    ],
)
def test_no_line_once_the_later_date_is_gone(
    store: Store, then: tuple[Status, date | None]
) -> None:
    parcel_id = parcel_in(store)
    fetch(store, parcel_id, 0, Status.IN_TRANSIT, TOMORROW)
    fetch(store, parcel_id, 2, Status.IN_TRANSIT, FRIDAY)
    assert any("verschoben" in text for text in header_texts(store, parcel_id))

    fetch(store, parcel_id, 4, *then)

    assert not any("verschoben" in text for text in header_texts(store, parcel_id))


def test_a_first_estimate_is_no_move(store: Store) -> None:
    parcel_id = parcel_in(store)
    fetch(store, parcel_id, 0, Status.IN_TRANSIT, None)
    fetch(store, parcel_id, 2, Status.IN_TRANSIT, FRIDAY)

    assert not any("verschoben" in text for text in header_texts(store, parcel_id))
