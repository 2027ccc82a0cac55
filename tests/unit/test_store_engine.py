"""Opening a real database file: PRAGMAs, foreign keys, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import SQLModel

from app.store import CURRENT_VERSION, StoreError, add_parcel, new_session, open_store
from app.store.engine import connect
from app.store.migrations import MIGRATIONS, Migration, current_version, migrate
from app.store.tables import PARCELS
from tests.unit.test_store_support import count, make_engine


def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    with engine.connect() as first, engine.connect() as second:  # each set up on connect
        for connection in (first, second):
            values = [
                connection.execute(text(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            ]
            assert values == ["wal", 1, 1, 5000]  # synchronous 1 is NORMAL
    assert (tmp_path / "store.sqlite-wal").exists()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    with new_session(engine) as session, pytest.raises(IntegrityError):
        add_parcel(session, tracking_number="1Z999", carrier="ups", order_id="no-such-order")
    with new_session(engine) as session:
        assert count(session, "parcels") == 0


def test_default_path_follows_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKETPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FLET_APP_STORAGE_DATA", raising=False)
    open_store().dispose()
    assert (tmp_path / "data" / "paketpilot.sqlite").is_file()


def test_schema_matches_the_table_classes(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(text(f"PRAGMA table_xinfo({table.name})")).all()
            assert {row[1] for row in rows} == set(table.c.keys()), table.name


def test_upgrade_from_version_1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = connect(path)
    assert migrate(old, target=1) == 1
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO parcels (id, tracking_number, carrier, created_at) "
                "VALUES ('p1', 'JJD000390007874567', 'dhl', '2026-01-01T00:00:00.000000+00:00')"
            )
        )
        assert "outbox" not in inspect(connection).get_table_names()
    old.dispose()

    engine = open_store(path)  # what the app does on start: upgrade to current
    with engine.connect() as connection:
        assert current_version(connection) == CURRENT_VERSION
        names = inspect(connection).get_table_names()
        assert {"outbox", "carrier_accounts", "number_corrections"} <= set(names)
        indexes = {ix["name"] for ix in inspect(connection).get_indexes("parcels")}
        assert "ix_parcels_section_expected" in indexes
        row = connection.execute(
            text("SELECT tracking_number, section FROM parcels WHERE id = 'p1'")
        ).one()
        assert tuple(row) == ("JJD000390007874567", "active")
        versions = connection.execute(text("SELECT version FROM schema_version")).scalars()
        assert list(versions) == [m.version for m in MIGRATIONS]


def test_a_failing_step_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    engine = connect(tmp_path / "x.sqlite")
    migrate(engine, target=1)
    broken = (
        *MIGRATIONS,
        Migration(
            CURRENT_VERSION + 1,
            "fails halfway",
            ("CREATE TABLE half_done (x INTEGER)", "CREATE TABLE orders (x INTEGER)"),
        ),
    )
    with pytest.raises(OperationalError):
        migrate(engine, steps=broken)
    with engine.connect() as connection:
        assert current_version(connection) == 1  # steps 2 and 3 rolled back with the failure
        tables = inspect(connection).get_table_names()
        assert "half_done" not in tables
        assert "outbox" not in tables


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    make_engine(tmp_path, "new.sqlite").dispose()
    raw = connect(path)
    with raw.begin() as connection:
        connection.execute(
            text("INSERT INTO schema_version VALUES (:v, '2030-01-01T00:00:00.000000+00:00')"),
            {"v": CURRENT_VERSION + 1},
        )
    raw.dispose()
    with pytest.raises(StoreError, match="knows only"):
        open_store(path)


def test_opening_twice_migrates_once(tmp_path: Path) -> None:
    first = make_engine(tmp_path)
    second = make_engine(tmp_path)
    with second.connect() as connection:
        assert current_version(connection) == CURRENT_VERSION
        assert connection.execute(text("SELECT count(*) FROM schema_version")).scalar_one() == len(
            MIGRATIONS
        )
    first.dispose()


def test_list_queries_use_the_section_indexes(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    with engine.connect() as connection:
        plan = connection.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id FROM parcels WHERE section = 'active' "
                "ORDER BY expected_by"
            )
        ).all()
        assert any("ix_parcels_section_expected" in str(row) for row in plan), plan
        plan = connection.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT * FROM events WHERE parcel_id = 'x' ORDER BY occurred_at"
            )
        ).all()
        assert any("ix_events_parcel_time" in str(row) for row in plan), plan
    assert PARCELS.c.section.computed is not None
