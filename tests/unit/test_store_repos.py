"""Orders, parcels, settings, accounts and corrections on a real file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from app.domain.models import ProblemKind, Source
from app.domain.status import Status
from app.store import (
    DuplicateParcelError,
    NotFoundError,
    OutboxEntry,
    add_order,
    add_parcel,
    all_corrections,
    all_settings,
    apply_update,
    delete_account,
    delete_order,
    delete_parcel,
    enqueue,
    find_order,
    find_parcel,
    get_account,
    get_correction,
    get_order,
    get_parcel,
    get_setting,
    list_accounts,
    list_events,
    list_parcels,
    restore_parcel,
    save_account,
    set_archived,
    set_carrier,
    set_correction,
    set_label,
    set_order,
    set_setting,
    touch_checked,
    upsert_settings,
)
from tests.unit.test_store_support import T0, count, fetch, make_engine, new_session, scan


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(tmp_path)


def test_orders_and_parcels_round_trip(engine: Engine) -> None:
    with new_session(engine) as session:
        order = add_order(session, shop="Zalando", order_number="Z-1", placed_at=T0)
        parcel = add_parcel(
            session, tracking_number="JJD01", carrier="dhl", order_id=order.id, label="Schuhe"
        )
    with new_session(engine) as session:
        assert get_order(session, order_id=order.id) == order
        assert get_parcel(session, parcel_id=parcel.id) == parcel
        assert find_parcel(session, tracking_number="JJD01", carrier="dhl") == parcel
        assert find_parcel(session, tracking_number="JJD01", carrier="ups") is None
        assert parcel.source is Source.USER
        with pytest.raises(NotFoundError):
            get_order(session, order_id="nope")


def test_a_number_is_tracked_once_per_carrier(engine: Engine) -> None:
    with new_session(engine) as session:
        add_parcel(session, tracking_number="JJD01", carrier="dhl")
        with pytest.raises(DuplicateParcelError, match="already"):
            add_parcel(session, tracking_number="JJD01", carrier="dhl")
        add_parcel(session, tracking_number="JJD01", carrier="ups")  # another carrier is fine
        assert count(session, "parcels") == 2


def test_another_carrier_starts_the_parcel_afresh_but_never_twice(engine: Engine) -> None:
    with new_session(engine) as session:
        parcel = add_parcel(session, tracking_number="00340434161234567890", carrier="dhl")
        apply_update(
            session,
            parcel_id=parcel.id,
            update=fetch(),
            status=Status.PENDING,
            problem=ProblemKind.NOT_FOUND,
            problem_detail="No shipment with given tracking number found.",
            carrier_status_code="404",
            checked_at=T0,
        )
        assert set_carrier(session, parcel_id=parcel.id, carrier="fedex") == 1
        moved = get_parcel(session, parcel_id=parcel.id)
        assert (moved.carrier, moved.problem, moved.problem_detail) == ("fedex", None, None)
        assert (moved.carrier_status_code, moved.last_checked_at) == (None, None)  # due now
        other = add_parcel(session, tracking_number="00340434161234567890", carrier="usps")
        with pytest.raises(DuplicateParcelError, match="already"):
            set_carrier(session, parcel_id=other.id, carrier="fedex")
        assert get_parcel(session, parcel_id=other.id).carrier == "usps"
        with pytest.raises(NotFoundError):
            set_carrier(session, parcel_id="nope", carrier="fedex")


def test_user_edits_write_only_real_changes(engine: Engine) -> None:
    with new_session(engine) as session:
        order = add_order(session, shop="Otto")
        parcel = add_parcel(session, tracking_number="H1", carrier="hermes")
        assert set_label(session, parcel_id=parcel.id, label="Lampe") == 1
        assert set_label(session, parcel_id=parcel.id, label="Lampe") == 0
        assert set_order(session, parcel_id=parcel.id, order_id=order.id) == 1
        assert set_archived(session, parcel_id=parcel.id, archived=True) == 1
        assert set_archived(session, parcel_id=parcel.id, archived=True) == 0
        stored = get_parcel(session, parcel_id=parcel.id)
        assert (stored.label, stored.order_id, stored.archived) == ("Lampe", order.id, True)
        assert list_parcels(session) == []
        assert list_parcels(session, include_archived=True) == [stored]


def test_deleting_cascades_where_it_should(engine: Engine) -> None:
    with new_session(engine) as session:
        order = add_order(session, shop="Otto")
        parcel = add_parcel(session, tracking_number="H1", carrier="hermes", order_id=order.id)
        apply_update(session, parcel_id=parcel.id, update=fetch(scan(0)), status=scan(0).status)
        enqueue(session, parcel_id=parcel.id, entries=[OutboxEntry("k", "status")])

        delete_order(session, order_id=order.id)  # the parcel stays, without its order
        assert get_parcel(session, parcel_id=parcel.id).order_id is None

        delete_parcel(session, parcel_id=parcel.id)  # its events and notifications go with it
        assert (count(session, "events"), count(session, "outbox")) == (0, 0)


def test_undo_of_a_delete_puts_the_parcel_back_whole_or_not_at_all(engine: Engine) -> None:
    with new_session(engine) as session:
        order = add_order(session, shop="Otto")
        parcel = add_parcel(session, tracking_number="H1", carrier="hermes", order_id=order.id)
        update = fetch(scan(0), scan(30, text_="In Zustellung"))
        apply_update(session, parcel_id=parcel.id, update=update, status=scan(30).status)
        set_label(session, parcel_id=parcel.id, label="Lampe")
        touch_checked(session, parcel_id=parcel.id, at=T0 + timedelta(hours=2))
        set_archived(session, parcel_id=parcel.id, archived=True)
        before = get_parcel(session, parcel_id=parcel.id)
        events = list_events(session, parcel_id=parcel.id)
        assert len(events) == 2
        delete_parcel(session, parcel_id=parcel.id)

        # An event that cannot be written (twice the same scan) leaves no parcel behind.
        with pytest.raises(IntegrityError):
            restore_parcel(session, parcel=before, events=[*events, events[0]])
        with pytest.raises(NotFoundError):
            get_parcel(session, parcel_id=parcel.id)

        restore_parcel(session, parcel=before, events=events)
        assert get_parcel(session, parcel_id=parcel.id) == before
        assert list_events(session, parcel_id=parcel.id) == events
        with pytest.raises(DuplicateParcelError):
            restore_parcel(session, parcel=before, events=events)


def test_undo_of_a_delete_after_its_order_or_number_changed(engine: Engine) -> None:
    with new_session(engine) as session:
        order = add_order(session, shop="Otto")
        parcel = add_parcel(session, tracking_number="H1", carrier="hermes", order_id=order.id)
        delete_parcel(session, parcel_id=parcel.id)
        delete_order(session, order_id=order.id)
        restore_parcel(session, parcel=parcel, events=())  # back, without the order
        assert get_parcel(session, parcel_id=parcel.id).order_id is None

        delete_parcel(session, parcel_id=parcel.id)
        add_parcel(session, tracking_number="H1", carrier="hermes")  # added again by hand
        with pytest.raises(DuplicateParcelError):
            restore_parcel(session, parcel=parcel, events=())
        assert count(session, "parcels") == 1


def test_settings_hold_no_secrets(engine: Engine) -> None:
    with new_session(engine) as session:
        assert set_setting(session, key="language", value="de") == 1
        assert set_setting(session, key="language", value="de") == 0
        assert upsert_settings(session, values={"language": "en", "theme": "dark"}) == 2
        assert all_settings(session) == {"language": "en", "theme": "dark"}
        assert get_setting(session, key="missing", default="x") == "x"
        for key in ("dhl_api_key", "smtp_password", "oauth.token", "client_secret"):
            with pytest.raises(ValueError, match="keychain"):
                set_setting(session, key=key, value="s3cr3t")
        assert count(session, "settings") == 2


def test_accounts_keep_only_non_secret_fields(engine: Engine) -> None:
    with new_session(engine) as session:
        account = save_account(
            session, carrier="ups", label="Privat", fields={"account_number": "A1B2C3"}
        )
        assert get_account(session, account_id=account.id).fields == {"account_number": "A1B2C3"}
        renamed = save_account(
            session, account_id=account.id, carrier="ups", label="Firma", fields={}
        )
        assert renamed.label == "Firma"
        assert [a.id for a in list_accounts(session, carrier="ups")] == [account.id]
        with pytest.raises(ValueError, match="keychain"):
            save_account(session, carrier="dhl", label="x", fields={"api_key": "s3cr3t"})
        delete_account(session, account_id=account.id)
        assert list_accounts(session) == []


def test_number_corrections(engine: Engine) -> None:
    with new_session(engine) as session:
        assert set_correction(session, tracking_number="123456789012", carrier="dpd", at=T0) == 1
        assert set_correction(session, tracking_number="123456789012", carrier="dpd", at=T0) == 0
        assert set_correction(session, tracking_number="123456789012", carrier="gls", at=T0) == 1
        assert get_correction(session, tracking_number="123456789012") == "gls"
        assert get_correction(session, tracking_number="0") is None
        assert [c.carrier for c in all_corrections(session)] == ["gls"]


def test_list_parcels_of_one_order(tmp_path: Path) -> None:
    from app.store import add_order, add_parcel, list_parcels, new_session, open_store

    engine = open_store(tmp_path / "orders.sqlite")
    with new_session(engine) as session:
        order = add_order(session, shop="Zalando")
        other = add_order(session, shop="Otto")
        first = add_parcel(
            session, tracking_number="00340434161094042557", carrier="dhl", order_id=order.id
        )
        add_parcel(session, tracking_number="H1234567890123456789", carrier="hermes")
        add_parcel(session, tracking_number="01234567890123", carrier="dpd", order_id=other.id)
        second = add_parcel(
            session, tracking_number="1ZA1B2C30123456787", carrier="ups", order_id=order.id
        )
        assert [p.id for p in list_parcels(session, order_id=order.id)] == [first.id, second.id]


def test_order_parcel_ids_count_the_archived_too_in_list_order(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from app.store import (
        add_order,
        add_parcel,
        list_parcels,
        new_session,
        open_store,
        order_parcel_ids,
        set_archived,
    )

    engine = open_store(tmp_path / "orders.sqlite")
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with new_session(engine) as session:
        order = add_order(session, shop="Zalando")
        # Added out of creation order: the ids follow created_at, as list_parcels does.
        later = add_parcel(
            session,
            tracking_number="1ZA1B2C30123456787",
            carrier="ups",
            order_id=order.id,
            created_at=start + timedelta(hours=2),
        )
        earlier = add_parcel(
            session,
            tracking_number="00340434161094042557",
            carrier="dhl",
            order_id=order.id,
            created_at=start,
        )
        add_parcel(session, tracking_number="H1234567890123456789", carrier="hermes")
        set_archived(session, parcel_id=earlier.id, archived=True)
        ids = order_parcel_ids(session, order_id=order.id)
        assert ids == [earlier.id, later.id]
        listed = list_parcels(session, order_id=order.id, include_archived=True)
        assert ids == [p.id for p in listed]
        assert order_parcel_ids(session, order_id="no-such-order") == []


def test_an_order_is_found_by_its_number_the_newest_first(engine: Engine) -> None:
    with new_session(engine) as session:
        add_order(session, shop="Otto", order_number="BW-1001", created_at=T0)
        newer = add_order(
            session, shop="Otto", order_number="bw-1001", created_at=T0 + timedelta(days=1)
        )
        add_order(session, shop="Zalando", order_number=None)
        found = find_order(session, order_number=" BW-1001 ")
        assert found is not None
        assert found.id == newer.id  # case and stray spaces ignored, the newest wins
        assert find_order(session, order_number="1001") is None  # the whole number only
