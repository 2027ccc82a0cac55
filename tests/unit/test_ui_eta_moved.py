"""A delivery date the carrier moved later reads so under the date, with the date it replaced
("Liefertermin verschoben – bisher: Morgen"), from the change the sync recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import flet as ft
import pytest

from app.domain.models import DeliveryEstimate, ParcelUpdate, TrackingEvent
from app.domain.status import Status
from app.store import add_parcel, latest_of_kind, new_session, open_store
from app.sync.writer import store_update
from app.ui.i18n import Lang
from app.ui.read_model import Clock, Store, load_parcel
from app.ui.views.parcel_header import ParcelHeader
from tests.unit.test_ui_views import recording_context, texts

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Berlin
TOMORROW = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "moved.sqlite")


def parcel_in(store: Store) -> str:
    with new_session(store, write=True) as session:
        return add_parcel(session, tracking_number="00340434161234567890", carrier="dhl").id


def fetch(store: Store, parcel_id: str, hours: int, status: Status, eta: date | None) -> None:
    """One fetch as the sync engine stores it: a new scan and the carrier's estimate."""
    at = NOW - timedelta(hours=10) + timedelta(hours=hours)
    scan = TrackingEvent(occurred_at=at, status=status, description=f"Scan {hours}")
    update = ParcelUpdate(
        tracking_number="00340434161234567890",
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


def test_the_store_keeps_the_latest_move(store: Store) -> None:
    parcel_id = parcel_in(store)
    fetch(store, parcel_id, 0, Status.IN_TRANSIT, TOMORROW)
    with new_session(store) as session:
        assert latest_of_kind(session, parcel_id=parcel_id, kind="eta_moved") is None
    fetch(store, parcel_id, 2, Status.IN_TRANSIT, FRIDAY)
    fetch(store, parcel_id, 4, Status.IN_TRANSIT, TOMORROW)
    with new_session(store) as session:
        latest = latest_of_kind(session, parcel_id=parcel_id, kind="eta_moved")
    assert latest is not None
    assert latest.payload["estimate"]["day"] == TOMORROW.isoformat()
    assert latest.payload["previous_estimate"]["day"] == FRIDAY.isoformat()


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
