"""The store on real SQLite files with concurrent connections (WAL: readers never block)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.domain.models import ParcelUpdate
from app.domain.status import Status
from app.store import add_parcel, apply_update, my_orders, new_session, open_store
from tests.unit.test_store_support import T0, count, scan

pytestmark = pytest.mark.integration

ROUNDS = 40
BATCH = 5


def _update(round_: int) -> ParcelUpdate:
    events = tuple(scan(round_ * BATCH + i, code=f"C{round_}-{i}") for i in range(BATCH))
    return ParcelUpdate(
        tracking_number="JJD01",
        carrier="dhl",
        fetched_at=T0 + timedelta(hours=round_),
        events=events,
    )


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "shared.sqlite")


def test_a_reader_sees_whole_updates_while_a_writer_writes(engine: Engine) -> None:
    with new_session(engine) as session:
        parcel_id = add_parcel(session, tracking_number="JJD01", carrier="dhl").id
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for round_ in range(ROUNDS):
                with new_session(engine, write=True) as session:
                    done = (round_ + 1) * BATCH
                    apply_update(
                        session,
                        parcel_id=parcel_id,
                        update=_update(round_),
                        status=Status.IN_TRANSIT,
                        last_event_text=str(done),  # the event count this commit leaves behind
                    )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    seen: set[int] = set()
    while writer.is_alive() or not seen:
        with new_session(engine) as session:  # a separate connection from the pool
            connection = session.connection()
            events = count(session, "events")
            claimed = connection.execute(
                text("SELECT last_event_text FROM parcels WHERE id = :id"), {"id": parcel_id}
            ).scalar_one()
            # One snapshot: the parcel row and its events always come from the same commit.
            assert events == int(claimed or 0)
            seen.add(events)
            my_orders(session)
    writer.join()
    assert not errors, errors
    with new_session(engine) as session:
        assert count(session, "events") == ROUNDS * BATCH
    assert len(seen) > 1  # the reader really ran alongside the writer


def test_an_open_reader_does_not_block_the_writer(engine: Engine) -> None:
    with new_session(engine) as session:
        add_parcel(session, tracking_number="A", carrier="dhl")
    reader = new_session(engine)
    assert count(reader, "parcels") == 1  # the read transaction (snapshot) stays open
    started = time.monotonic()
    with new_session(engine, write=True) as writer:
        add_parcel(writer, tracking_number="B", carrier="dhl")
    assert time.monotonic() - started < 1.0
    assert count(reader, "parcels") == 1  # still the old snapshot
    reader.rollback()
    assert count(reader, "parcels") == 2
    reader.close()


def test_a_second_writer_waits_instead_of_failing(engine: Engine) -> None:
    holding = threading.Event()

    def hold_the_lock() -> None:
        with new_session(engine, write=True) as session:
            add_parcel(session, tracking_number="X", carrier="dhl")  # commits ...
            session.connection().execute(text("SELECT 1"))  # ... and BEGIN IMMEDIATE again
            holding.set()
            time.sleep(0.4)
            session.rollback()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    with new_session(engine, write=True) as session:
        add_parcel(session, tracking_number="Y", carrier="dhl")
    waited = time.monotonic() - started
    thread.join()
    assert waited >= 0.2  # it queued behind the lock (busy_timeout) and then succeeded
    with new_session(engine) as session:
        assert count(session, "parcels") == 2
