"""Parcels read ahead of a click (app.ui.read_ahead): held while the store has not committed,
never past MAX_AGE_S, and the click that opens a held parcel reads nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

import app.ui.read_ahead as read_ahead_module
from app.store import commit_count, new_session, open_store, set_label
from app.ui.read_ahead import MAX_AGE_S, ReadAhead, read_ahead_later, read_ahead_of
from app.ui.read_model import Clock, load_parcel, parcel_detail, read_parcel
from app.ui.services import AppServices
from app.ui.views.parcel import ParcelPanel
from tests.unit.test_ui_parcels import Recorder
from tests.unit.test_ui_seed import NOW, Seeded


class Statements:
    """The SQL statements the engine runs while counted."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def test_a_held_read_is_what_a_fresh_one_gives_and_reads_nothing(
    engine: Engine, seeded: Seeded
) -> None:
    ahead = ReadAhead()
    ids = [seeded.on_way, seeded.failed, seeded.delivered, seeded.pickup]
    assert ahead.read_ahead(engine, ids) == 4
    assert ahead.read_ahead(engine, ids) == 0  # all held
    clock = Clock(now=NOW, zone="Europe/Berlin", lang="de")
    for parcel_id in ids:
        statements = Statements(engine)
        held = ahead.read(engine, parcel_id)
        assert statements.count == 0
        assert held is not None
        assert parcel_detail(held, clock) == load_parcel(engine, parcel_id, clock)
        assert statements.count > 0  # the counter sees reads
    assert ahead.read(engine, "no-such-parcel") is None


def test_any_commit_voids_what_was_read_before_it(engine: Engine, seeded: Seeded) -> None:
    ahead = ReadAhead()
    ahead.read_ahead(engine, [seeded.on_way, seeded.failed])
    before = commit_count()
    with new_session(engine) as session:
        set_label(session, parcel_id=seeded.on_way, label="Regenschirm")
    assert commit_count() > before
    assert not ahead.holds(engine, seeded.failed)  # another parcel's read goes too
    held = ahead.read(engine, seeded.on_way)
    assert held is not None
    assert held.parcel.label == "Regenschirm"
    assert ahead.holds(engine, seeded.on_way)  # read again, held again


def test_reads_expire_make_room_and_belong_to_one_store(
    engine: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    now = [100.0]
    ahead = ReadAhead(limit=2, clock=lambda: now[0])
    ahead.read_ahead(engine, [seeded.on_way, seeded.failed])
    now[0] += MAX_AGE_S + 1
    assert not ahead.holds(engine, seeded.on_way)  # another process may have written since
    ahead.read_ahead(engine, [seeded.on_way, seeded.failed, seeded.pickup])
    assert not ahead.holds(engine, seeded.on_way)  # the oldest read made room
    assert ahead.holds(engine, seeded.pickup)
    other = open_store(tmp_path / "demo.sqlite")
    try:
        assert not ahead.holds(other, seeded.pickup)
        assert not ahead.holds(engine, seeded.pickup)  # the demo's store replaced it
    finally:
        other.dispose()


def test_a_panel_opened_on_a_parcel_read_ahead_shows_it_without_reading(
    engine: Engine, seeded: Seeded
) -> None:
    services = AppServices(store=engine)
    read_ahead_of(services).read_ahead(engine, [seeded.failed])
    statements = Statements(engine)
    panel = ParcelPanel(Recorder().context("de", services), seeded.failed, now=lambda: NOW)
    assert statements.count == 0
    assert panel.detail == load_parcel(engine, seeded.failed, panel.clock())
    assert read_ahead_of(services) is read_ahead_of(services)


def test_reading_ahead_later_reads_what_is_not_held_in_batches(
    engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_ahead_module, "AFTER_S", 0)
    services = AppServices(store=engine)
    read_ahead_of(services).read_ahead(engine, [seeded.on_way])
    ids = [seeded.on_way, seeded.failed, seeded.delivered, seeded.pickup, seeded.waiting]
    assert asyncio.run(read_ahead_later(services, ids)) == 4
    assert all(read_ahead_of(services).holds(engine, i) for i in ids)
    assert read_parcel(engine, seeded.failed) == read_ahead_of(services).read(engine, seeded.failed)
