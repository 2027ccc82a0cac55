"""Export and import of all user data: round trip, idempotence, validation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app.domain.models import DeliveryEstimate, ProofOfDelivery
from app.domain.status import Status
from app.store import (
    BackupError,
    OutboxEntry,
    add_order,
    add_parcel,
    apply_update,
    export_data,
    export_json,
    get_parcel,
    get_setting,
    import_data,
    import_json,
    list_events,
    save_account,
    set_correction,
    set_setting,
)
from tests.unit.test_store_support import T0, count, fetch, make_engine, new_session, scan


def _fill(engine: Engine) -> str:
    with new_session(engine) as session:
        order = add_order(session, order_id="o1", shop="Müller", order_number="M-1", placed_at=T0)
        parcel = add_parcel(session, tracking_number="JJD01", carrier="dhl", order_id=order.id)
        add_parcel(session, tracking_number="1Z1", carrier="ups", label="Geschenk")
        update = fetch(scan(0, Status.INFO_RECEIVED), scan(60), scan(120, Status.DELIVERED))
        apply_update(
            session,
            parcel_id=parcel.id,
            update=update,
            status=Status.DELIVERED,
            estimate=DeliveryEstimate(day=date(2026, 11, 21), latest_day=date(2026, 11, 22)),
            proof_of_delivery=ProofOfDelivery(delivered_at=T0, place="Briefkasten"),
            changes=[OutboxEntry("o1:delivered", "delivered")],
        )
        set_setting(session, key="language", value="de")
        save_account(session, account_id="a1", carrier="ups", label="Privat", fields={"n": "1"})
        set_correction(session, tracking_number="123", carrier="dpd", at=T0)
        return parcel.id


def _without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "exported_at"}


def test_round_trip_into_an_empty_database(tmp_path: Path) -> None:
    source = make_engine(tmp_path, "a.sqlite")
    parcel_id = _fill(source)
    with new_session(source) as session:
        text = export_json(session)
        original = export_data(session)
    assert "s3cr3t" not in text
    assert "outbox" not in json.loads(text)

    target = make_engine(tmp_path, "b.sqlite")
    with new_session(target) as session:
        result = import_json(session, text)
        assert result.rows_written == 1 + 2 + 3 + 1 + 1 + 1  # orders ... corrections
        assert result.counts["events"] == 3
        assert _without_time(export_data(session)) == _without_time(original)
        with new_session(source) as before:
            assert get_parcel(session, parcel_id=parcel_id) == get_parcel(
                before, parcel_id=parcel_id
            )
            assert list_events(session, parcel_id=parcel_id) == list_events(
                before, parcel_id=parcel_id
            )


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    _fill(engine)
    with new_session(engine) as session:
        document = export_data(session)
        assert import_data(session, document).rows_written == 0  # into the same database
        assert import_data(session, document).rows_written == 0
        assert count(session, "events") == 3


def test_the_backup_wins_and_known_parcels_are_merged(tmp_path: Path) -> None:
    source = make_engine(tmp_path, "a.sqlite")
    _fill(source)
    with new_session(source) as session:
        document = export_data(session)
    target = make_engine(tmp_path, "b.sqlite")
    with new_session(target) as session:
        local = add_parcel(session, tracking_number="JJD01", carrier="dhl")  # another id
        set_setting(session, key="language", value="en")
        import_data(session, document)
        assert count(session, "parcels") == 2
        assert len(list_events(session, parcel_id=local.id)) == 3
        assert get_parcel(session, parcel_id=local.id).order_id == "o1"
        assert get_setting(session, key="language") == "de"
        assert import_data(session, document).rows_written == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something-else"), "not a Paketpilot backup"),
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d.update(parcels={}), "must be a list"),
        (lambda d: d["parcels"][0].update(status_x=1), "unknown fields"),
        (lambda d: d["parcels"][0].update(created_at="2026-01-01T10:00:00"), "naive"),
        (lambda d: d["parcels"][0].update(source="martian"), "parcels"),
        (lambda d: d["events"][0].update(description=7), "events"),
        (lambda d: d["events"][0].update(occurred_at="2020-01-01T00:00:00+00:00"), "identity"),
        (lambda d: d["settings"].append({"key": "api_key", "value": "x"}), "keychain"),
        (lambda d: d["accounts"][0].update(fields={"password": "x"}), "keychain"),
        (lambda d: d["events"][0].update(parcel_id="ghost"), "inconsistent"),
    ],
)
def test_bad_backups_are_refused_and_change_nothing(
    tmp_path: Path, change: Any, message: str
) -> None:
    source = make_engine(tmp_path, "a.sqlite")
    _fill(source)
    with new_session(source) as session:
        document = export_data(session)
    change(document)
    target = make_engine(tmp_path, "b.sqlite")
    with new_session(target) as session:
        with pytest.raises(BackupError, match=message):
            import_data(session, document)
        assert count(session, "orders") == count(session, "parcels") == 0


def test_not_json_is_refused(tmp_path: Path) -> None:
    with new_session(make_engine(tmp_path)) as session, pytest.raises(BackupError, match="JSON"):
        import_json(session, "{not json")
