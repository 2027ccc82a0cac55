"""apply_update: one transaction, only differences written, outbox exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.domain.models import DeliveryEstimate, Location, ParcelUpdate, ProofOfDelivery
from app.domain.status import Status, SubStatus
from app.store import (
    ApplyResult,
    NotFoundError,
    OutboxEntry,
    add_parcel,
    apply_update,
    enqueue,
    get_parcel,
    list_events,
    mark_dispatched,
    pending,
    record_attempt,
    touch_checked,
)
from tests.unit.test_store_support import T0, count, fetch, make_engine, new_session, scan

ESTIMATE = DeliveryEstimate(
    day=date(2026, 11, 23), window_start=T0, window_end=T0 + timedelta(hours=2)
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(tmp_path)


@pytest.fixture
def parcel_id(engine: Engine) -> str:
    with new_session(engine) as session:
        return add_parcel(session, tracking_number="00340434161094042557", carrier="dhl").id


def _apply(engine: Engine, parcel_id: str, update: ParcelUpdate, **extra: Any) -> ApplyResult:
    last = update.events[-1] if update.events else None
    state: dict[str, Any] = {
        "status": last.status if last else Status.PENDING,
        "estimate": ESTIMATE,
        "location": last.location if last else None,
        "last_event_at": last.occurred_at if last else None,
        "last_event_text": last.description if last else None,
    }
    state.update(extra)
    with new_session(engine, write=True) as session:
        return apply_update(session, parcel_id=parcel_id, update=update, **state)


def test_first_apply_stores_events_and_state(engine: Engine, parcel_id: str) -> None:
    update = fetch(scan(0, Status.INFO_RECEIVED, code="IR"), scan(60), scan(120, code="X"))
    result = _apply(engine, parcel_id, update)

    assert len(result.added_events) == 3
    assert result.rows_written == 4  # three events and one parcel row
    with new_session(engine) as session:
        assert list_events(session, parcel_id=parcel_id) == result.events
        parcel = get_parcel(session, parcel_id=parcel_id)
    assert parcel.status is Status.IN_TRANSIT
    assert parcel.estimate == ESTIMATE
    assert parcel.location == Location(city="Leipzig", country="DE")
    assert parcel.last_changed_at == update.fetched_at
    assert parcel.last_checked_at is None  # that is touch_checked's job


def test_reapplying_the_same_update_writes_nothing(engine: Engine, parcel_id: str) -> None:
    update = fetch(scan(0, Status.INFO_RECEIVED), scan(60), scan(120, code="X"))
    changes = [OutboxEntry(key=f"{parcel_id}:status:in_transit", kind="status")]
    _apply(engine, parcel_id, update, changes=changes)

    again = _apply(engine, parcel_id, update, changes=changes)
    # A later fetch of identical data (newer observed_at, fetched_at) is no change either.
    later = fetch(
        *(
            replace(e, observed_at=(e.observed_at or T0) + timedelta(hours=5))
            for e in update.events
        ),
        hours=5,
    )
    refetch = _apply(engine, parcel_id, later, changes=changes)

    for result in (again, refetch):
        assert result.rows_written == 0
        assert result.added_events == result.updated_events == ()
        assert not result.state_changed
        assert result.outbox_added == 0
    with new_session(engine) as session:
        assert count(session, "events") == 3
        assert count(session, "outbox") == 1
        assert get_parcel(session, parcel_id=parcel_id).last_changed_at == update.fetched_at


def test_an_edited_carrier_text_updates_one_event(engine: Engine, parcel_id: str) -> None:
    _apply(engine, parcel_id, fetch(scan(0), scan(60, code="A")))
    edited = fetch(scan(0), scan(60, text_="Neuer Text", code="A", observed=3), hours=3)

    result = _apply(engine, parcel_id, edited)

    assert [e.description for e in result.updated_events] == ["Neuer Text"]
    assert result.rows_written == 2  # the event, and the parcel row (text, last change)
    with new_session(engine) as session:
        texts = [e.description for e in list_events(session, parcel_id=parcel_id)]
        assert texts == ["Die Sendung wurde bearbeitet", "Neuer Text"]
        assert count(session, "events") == 2


def test_only_a_state_change_writes_one_row(engine: Engine, parcel_id: str) -> None:
    update = fetch(scan(0))
    _apply(engine, parcel_id, update)
    result = _apply(engine, parcel_id, update, sub_status=SubStatus.DELAYED)
    assert result.rows_written == 1
    assert result.state_changed


def test_proof_of_delivery_round_trips(engine: Engine, parcel_id: str) -> None:
    pod = ProofOfDelivery(delivered_at=T0, signed_by="Nachbar Müller", place="Nachbar")
    update = fetch(scan(0, Status.DELIVERED, code="ZU"))
    _apply(engine, parcel_id, update, proof_of_delivery=pod)
    assert _apply(engine, parcel_id, update, proof_of_delivery=pod).rows_written == 0
    with new_session(engine) as session:
        assert get_parcel(session, parcel_id=parcel_id).proof_of_delivery == pod


def test_a_failure_mid_apply_writes_nothing(engine: Engine, parcel_id: str) -> None:
    update = fetch(scan(0), scan(60))
    # The payload cannot be serialised: it fails after the events and the parcel were written.
    bad = [
        OutboxEntry(key="k1", kind="status"),
        OutboxEntry(key="k2", kind="x", payload={"o": object()}),
    ]
    with pytest.raises(TypeError):
        _apply(engine, parcel_id, update, status=Status.DELIVERED, changes=bad)

    with new_session(engine) as session:
        assert count(session, "events") == 0
        assert count(session, "outbox") == 0
        parcel = get_parcel(session, parcel_id=parcel_id)
        assert parcel.status is Status.PENDING
        assert parcel.last_changed_at is None
    # The same update applies cleanly afterwards.
    assert _apply(engine, parcel_id, update).rows_written == 3


def test_a_constraint_failure_rolls_back_the_events(engine: Engine, parcel_id: str) -> None:
    with new_session(engine, write=True) as session:
        session.connection().execute(
            text(
                "CREATE TRIGGER no_parcel_update BEFORE UPDATE ON parcels "
                "BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
        )
        session.commit()
    with pytest.raises(IntegrityError, match="boom"):
        _apply(engine, parcel_id, fetch(scan(0), scan(60)))
    with new_session(engine) as session:
        assert count(session, "events") == 0


def test_unknown_parcel_is_refused(engine: Engine) -> None:
    with pytest.raises(NotFoundError):
        _apply(engine, "nope", fetch(scan(0)))


def test_touch_checked_is_separate_and_idempotent(engine: Engine, parcel_id: str) -> None:
    with new_session(engine) as session:
        assert touch_checked(session, parcel_id=parcel_id, at=T0) == 1
        assert touch_checked(session, parcel_id=parcel_id, at=T0) == 0
        assert get_parcel(session, parcel_id=parcel_id).last_checked_at == T0
        with pytest.raises(NotFoundError):
            touch_checked(session, parcel_id="nope", at=T0)


def test_outbox_change_key_is_unique(engine: Engine, parcel_id: str) -> None:
    entry = OutboxEntry(
        key="p:delivered", kind="delivered", payload={"at": T0, "status": Status.DELIVERED}
    )
    with new_session(engine) as session:
        assert enqueue(session, parcel_id=parcel_id, entries=[entry]) == 1
        assert enqueue(session, parcel_id=parcel_id, entries=[entry, entry]) == 0
        [item] = pending(session)
        assert item.key == "p:delivered"
        assert item.payload == {"at": "2026-11-20T08:00:00.000000+00:00", "status": "delivered"}
        assert record_attempt(session, outbox_id=item.id) == 1
        assert mark_dispatched(session, outbox_ids=[item.id], at=T0) == 1
        assert mark_dispatched(session, outbox_ids=[item.id], at=T0) == 0
        assert pending(session) == []
        # A change already announced stays announced when it is recorded again.
        assert enqueue(session, parcel_id=parcel_id, entries=[entry]) == 0
        assert pending(session) == []


def test_the_outbox_rejects_a_raw_duplicate(engine: Engine, parcel_id: str) -> None:
    with new_session(engine) as session:
        enqueue(session, parcel_id=parcel_id, entries=[OutboxEntry("same", "status")])
        insert = "INSERT INTO outbox (change_key, kind, created_at) VALUES ('same', 'x', 'now')"
        with pytest.raises(IntegrityError):
            session.connection().execute(text(insert))


def test_the_domain_pipeline_feeds_apply_update(engine: Engine, parcel_id: str) -> None:
    """What the sync engine does: merge, derive the state, detect changes, apply, touch."""
    from app.domain.changes import detect_changes
    from app.domain.merge import merge_events
    from app.domain.state import derive_state

    def sync(update: ParcelUpdate) -> int:
        with new_session(engine, write=True) as session:
            stored = list_events(session, parcel_id=parcel_id)
            merged = merge_events(stored, update.events).events
            now = update.fetched_at
            before = derive_state(stored, now=now, carrier="dhl") if stored else None
            after = derive_state(merged, now=now, carrier="dhl")
            changes = detect_changes(
                before, after, before_estimate=None, after_estimate=None, parcel_id=parcel_id
            )
            result = apply_update(
                session,
                parcel_id=parcel_id,
                update=update,
                status=after.status,
                sub_status=after.sub_status,
                location=after.location,
                last_event_at=after.last_event_at,
                last_event_text=after.last_event.description if after.last_event else None,
                changes=changes,
            )
            touch_checked(session, parcel_id=parcel_id, at=now)
            return result.rows_written

    first = fetch(scan(0, Status.INFO_RECEIVED, code="IR"), scan(60, code="T"))
    assert sync(first) > 0
    assert sync(first) == 0
    delivered = fetch(*first.events, scan(600, Status.DELIVERED, code="ZU"), hours=12)
    assert sync(delivered) > 0
    with new_session(engine) as session:
        assert get_parcel(session, parcel_id=parcel_id).status is Status.DELIVERED
        kinds = [item.kind for item in pending(session)]
    assert kinds.count("status_changed") == 2  # in transit, then delivered: each once


def test_a_failed_fetch_keeps_the_parcels_last_change(engine: Engine, parcel_id: str) -> None:
    from app.domain.models import ProblemKind

    first = fetch(scan(0, Status.INFO_RECEIVED), scan(60))
    _apply(engine, parcel_id, first)
    failed = fetch(scan(0, Status.INFO_RECEIVED), scan(60), hours=3)
    result = _apply(
        engine, parcel_id, failed, problem=ProblemKind.UNAVAILABLE, problem_detail="HTTP 503"
    )
    assert result.rows_written == 1  # the problem is recorded...
    with new_session(engine) as session:
        parcel = get_parcel(session, parcel_id=parcel_id)
    assert parcel.problem is ProblemKind.UNAVAILABLE
    assert parcel.last_changed_at == first.fetched_at  # ...but the list order does not move


def test_the_outbox_row_is_stamped_with_the_change_time(engine: Engine, parcel_id: str) -> None:
    # The engine's clock (`changed_at`), not the parser's real time (`fetched_at`).
    update = fetch(scan(0), hours=3)
    engine_time = T0 + timedelta(hours=1)
    entry = OutboxEntry(key=f"{parcel_id}:status:in_transit", kind="status")
    _apply(engine, parcel_id, update, changes=[entry], changed_at=engine_time)
    with new_session(engine) as session:
        [item] = pending(session)
        assert item.created_at == engine_time
        assert get_parcel(session, parcel_id=parcel_id).last_changed_at == engine_time
    # Without `changed_at`, the fetch time is used as before.
    other = OutboxEntry(key=f"{parcel_id}:other", kind="status")
    _apply(engine, parcel_id, update, changes=[other])
    with new_session(engine) as session:
        assert {i.key: i.created_at for i in pending(session)}[other.key] == update.fetched_at


def test_checked_at_is_recorded_in_the_same_transaction_uncounted(
    engine: Engine, parcel_id: str
) -> None:
    update = fetch(scan(0), scan(60))
    first = _apply(engine, parcel_id, update, checked_at=T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=5)
    again = _apply(engine, parcel_id, update, checked_at=later)
    assert first.rows_written > 0
    assert again.rows_written == 0  # the check time alone is no change of the parcel's data
    with new_session(engine) as session:
        parcel = get_parcel(session, parcel_id=parcel_id)
        assert parcel.last_checked_at == later
        assert parcel.last_changed_at == update.fetched_at
