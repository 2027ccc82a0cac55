"""The parcel panel's isolated parts (app.ui.views.widgets.IsolatedRow, IsolatedStack): the
milestone bar, the action row and the entries below the first screenful are left out of the
panel's own update and sent behind it, each when it changed. What Flet would send is computed
in-process (tests.unit.flet_wire); that the browser shows it is tests/e2e's part."""

from __future__ import annotations

from datetime import timedelta

import flet as ft
import pytest
from sqlalchemy import Engine

from app.domain.status import Status
from app.store import add_parcel, new_session
from app.ui.services import AppServices
from app.ui.views.parcel import ParcelPanel
from app.ui.views.timeline import ON_SCREEN_ENTRIES
from tests.unit.flet_wire import send, send_shown
from tests.unit.test_ui_parcels import Recorder, home
from tests.unit.test_ui_seed import NOW, event, track

SCANS = ON_SCREEN_ENTRIES + 4


def scanned(engine: Engine, number: str, word: str, *, scans: int = SCANS) -> str:
    """A DHL parcel in transit with `scans` scans, "<word> 0" the oldest."""
    with new_session(engine, write=True) as session:
        parcel_id = add_parcel(
            session, tracking_number=number, carrier="dhl", created_at=NOW - timedelta(days=3)
        ).id
    events = [
        event(NOW - timedelta(hours=scans - n), Status.IN_TRANSIT, f"{word} {n}", city="Kassel")
        for n in range(scans)
    ]
    track(engine, parcel_id, number, "dhl", events, now=NOW)
    return parcel_id


def mounted(services: AppServices, parcel_id: str) -> tuple[ft.Column, ParcelPanel]:
    """A panel on `parcel_id` as the client has it: sent whole once."""
    p = ParcelPanel(Recorder().context("en", services), parcel_id, now=lambda: NOW)
    root = ft.Column(controls=[p.control])
    send(root, first=True)
    return root, p


def test_entries_below_the_first_screenful_come_right_behind_the_panel(
    services: AppServices, engine: Engine
) -> None:
    first = scanned(engine, "JJD0001", "Sortiert")
    second = scanned(engine, "JJD0002", "Verladen")
    root, p = mounted(services, first)

    p.show(second)
    panel_message, *parts = send_shown(root, p)

    newest = SCANS - 1
    on_screen = [f"Verladen {newest - n}" for n in range(ON_SCREEN_ENTRIES)]
    below = [f"Verladen {n}" for n in range(newest - ON_SCREEN_ENTRIES + 1)]
    assert all(panel_message.says(words) for words in on_screen)
    assert not any(panel_message.says(words) for words in below)  # left out of its diff
    assert parts[-1].says("Verladen 0")
    assert all(any(part.says(words) for part in parts) for words in below)
    assert p.changed_parts() == ([], [])  # sent: nothing is owed any more


def test_the_milestone_bar_is_sent_only_when_the_step_changes(
    services: AppServices, engine: Engine
) -> None:
    in_transit = scanned(engine, "JJD0001", "Sortiert")
    same_step = scanned(engine, "JJD0002", "Verladen")
    root, p = mounted(services, in_transit)
    bar = p.header.milestones.control

    p.show(same_step)
    now, then = p.changed_parts()
    assert bar not in now
    assert p._action_row in then  # its copy, open and share payloads are the new parcel's

    with new_session(engine, write=True) as session:
        label_only = add_parcel(
            session, tracking_number="JJD0003", carrier="dhl", created_at=NOW
        ).id
    p.show(label_only)
    sent = send_shown(root, p)
    assert p.changed_parts() == ([], [])
    assert any(one.says("shipped: to come") for one in sent[1:])  # the bar's own message


def test_a_sync_that_moves_the_open_parcel_sends_the_entries_below_too(
    services: AppServices, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new scan shifts every entry down one place: those below the first screenful change
    too, and the wide window's sync update sends them."""
    import app.ui.views.home as home_module

    parcel_id = scanned(engine, "JJD0001", "Sortiert")
    sent: list[tuple[ft.Control, ...]] = []
    monkeypatch.setattr(home_module, "update_only", lambda *controls: sent.append(controls))
    screen = home(services, "en", wide=True)
    screen.view()
    screen.open_parcel(parcel_id)
    panel = screen.panel
    assert panel is not None
    sent.clear()

    scans = [
        event(NOW - timedelta(hours=SCANS - n), Status.IN_TRANSIT, f"Sortiert {n}", city="Kassel")
        for n in range(SCANS)
    ]
    scans.append(event(NOW, Status.OUT_FOR_DELIVERY, "In Zustellung", city="Kassel"))
    track(engine, parcel_id, "JJD0001", "dhl", scans, now=NOW)
    screen.parcels_changed(frozenset({parcel_id}))

    (updated,) = sent
    header, views = panel.header, panel.timeline.views
    at = updated.index(panel.control)  # behind the list row it redrew
    below = tuple(view.control for view in views[ON_SCREEN_ENTRIES : SCANS + 1])
    expected = (panel.control, header.milestones.control, panel._action_row, *below)
    assert updated[at : at + len(expected)] == expected  # the sync line's parts after them
    assert panel.changed_parts() == ([], [])


def test_each_entry_stays_an_item_of_the_panels_list(services: AppServices, engine: Engine) -> None:
    """Screen readers read a list item as one entry: the isolated ones must not be gathered
    into a box of their own (a column of them was read out as one long entry)."""
    _root, p = mounted(services, scanned(engine, "JJD0001", "Sortiert"))
    controls = p.list.controls
    assert all(view.control in controls for view in p.timeline.views)
