"""'My orders': sections, order, search and filters, in one SQL statement."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app.domain.models import DeliveryEstimate, ParcelUpdate
from app.domain.status import Status
from app.store import (
    MyOrders,
    Section,
    active_parcels_by_carrier,
    add_order,
    add_parcel,
    apply_update,
    filter_choices,
    my_orders,
    set_archived,
)
from tests.unit.test_store_support import T0, make_engine, new_session, statements


def _parcel(
    engine: Engine,
    number: str,
    *,
    carrier: str = "dhl",
    order_id: str | None = None,
    label: str | None = None,
    status: Status = Status.IN_TRANSIT,
    eta: date | None = None,
    changed_hours: int = 0,
    archived: bool = False,
) -> str:
    with new_session(engine) as session:
        parcel = add_parcel(
            session, tracking_number=number, carrier=carrier, order_id=order_id, label=label
        )
        update = ParcelUpdate(tracking_number=number, carrier=carrier, fetched_at=T0)
        estimate = DeliveryEstimate(day=eta) if eta else None
        apply_update(
            session,
            parcel_id=parcel.id,
            update=update,
            status=status,
            estimate=estimate,
            changed_at=T0 + timedelta(hours=changed_hours),
        )
        if archived:
            set_archived(session, parcel_id=parcel.id, archived=True)
        return parcel.id


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(tmp_path)
    with new_session(engine) as session:
        add_order(session, order_id="A", shop="Zalando", order_number="Z-1001", title="Schuhe")
        add_order(session, order_id="B", shop="Müller Drogerie", order_number="MD-7")
        add_order(session, order_id="C", shop="Otto", title="Lampe")
    _parcel(engine, "A1", order_id="A", eta=date(2026, 11, 25))
    _parcel(engine, "A2", order_id="A", status=Status.DELIVERED, changed_hours=1)
    _parcel(engine, "B1", order_id="B", eta=date(2026, 11, 23), carrier="hermes")
    _parcel(engine, "C1", order_id="C", status=Status.DELIVERED, archived=True)
    _parcel(engine, "1Z 999 AA1 0123456784", carrier="ups", label="Geschenk für Jörg")
    _parcel(engine, "E1", status=Status.DELIVERED, changed_hours=5)
    _parcel(engine, "R1", status=Status.RETURNED, eta=date(2026, 12, 1))
    return engine


def _list(engine: Engine, **filters: Any) -> MyOrders:
    with new_session(engine) as session:
        return my_orders(session, **filters)


def _numbers(result: MyOrders, section: Section) -> list[list[str]]:
    return [[p.tracking_number for p in g.parcels] for g in result.section(section)]


def test_sections_and_their_order(engine: Engine) -> None:
    result = _list(engine)
    # Active: soonest expected delivery first, unknown last; returned stays until archived.
    assert _numbers(result, Section.ACTIVE) == [["B1"], ["A1"], ["R1"], ["1Z 999 AA1 0123456784"]]
    # Delivered and archived: most recent change first.
    assert _numbers(result, Section.DELIVERED) == [["E1"], ["A2"]]
    assert _numbers(result, Section.ARCHIVED) == [["C1"]]
    assert result.active == result.section(Section.ACTIVE)

    zalando = result.active[1]
    assert zalando.order is not None
    assert zalando.order.shop == "Zalando"
    assert zalando.parcel_count == 2  # "Paket 1 von 2" although the other one is delivered
    loose = result.active[3]
    assert loose.order is None
    assert loose.parcel_count == 1
    assert loose.parcels[0].label == "Geschenk für Jörg"


def test_a_page_is_one_statement(engine: Engine) -> None:
    with new_session(engine) as session, statements(engine) as seen:
        my_orders(session, search="o", carriers=["dhl", "ups"])
    queries = [s for s in seen if not s.startswith(("BEGIN", "PRAGMA"))]
    assert len(queries) == 1


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("müller", [["B1"]]),  # shop
        ("MULLER", [["B1"]]),  # case and accents folded
        ("md-7", [["B1"]]),  # order number
        ("schuhe", [["A1"]]),  # order title
        ("jorg", [["1Z 999 AA1 0123456784"]]),  # label
        ("1z999aa1", [["1Z 999 AA1 0123456784"]]),  # number, spaces ignored
        ("0123 456784", [["1Z 999 AA1 0123456784"]]),
        ("nothing like it", []),
    ],
)
def test_search(engine: Engine, search: str, expected: list[list[str]]) -> None:
    assert _numbers(_list(engine, search=search), Section.ACTIVE) == expected


def test_filters(engine: Engine) -> None:
    by_carrier = _list(engine, carriers=["hermes", "ups"])
    assert _numbers(by_carrier, Section.ACTIVE) == [["B1"], ["1Z 999 AA1 0123456784"]]
    assert by_carrier.delivered == by_carrier.archived == ()

    by_shop = _list(engine, shops=["Zalando"])
    assert _numbers(by_shop, Section.ACTIVE) == [["A1"]]
    assert _numbers(by_shop, Section.DELIVERED) == [["A2"]]

    by_status = _list(engine, statuses=[Status.DELIVERED])
    assert by_status.active == ()
    assert _numbers(by_status, Section.ARCHIVED) == [["C1"]]

    only_archive = _list(engine, sections=[Section.ARCHIVED])
    assert only_archive.active == only_archive.delivered == ()


def test_filter_choices_are_the_carriers_and_shops_in_use(engine: Engine) -> None:
    with new_session(engine) as session:
        add_order(session, order_id="D", shop="Leerladen")  # no parcel: not offered
    with new_session(engine) as session, statements(engine) as seen:
        choices = filter_choices(session)
    # Every section counts (archived Otto too); two small queries, no parcel rows.
    assert choices.carriers == ("dhl", "hermes", "ups")
    assert choices.shops == ("Müller Drogerie", "Otto", "Zalando")
    assert len([s for s in seen if not s.startswith(("BEGIN", "PRAGMA"))]) == 2


def test_active_parcels_are_counted_per_carrier(engine: Engine) -> None:
    with new_session(engine) as session, statements(engine) as seen:
        counts = active_parcels_by_carrier(session)
    # A1 and R1 (returned, not yet back) with DHL; A2, E1 and the archived C1 do not count.
    assert counts == {"dhl": 2, "hermes": 1, "ups": 1}
    assert len([s for s in seen if not s.startswith(("BEGIN", "PRAGMA"))]) == 1


def test_paging_counts_groups_per_section(engine: Engine) -> None:
    first = _list(engine, limit=1)
    assert _numbers(first, Section.ACTIVE) == [["B1"]]
    assert _numbers(first, Section.DELIVERED) == [["E1"]]
    second = _list(engine, limit=2, offset=1)
    assert _numbers(second, Section.ACTIVE) == [["A1"], ["R1"]]
    assert _numbers(second, Section.DELIVERED) == [["A2"]]


def test_an_order_with_two_active_parcels_is_one_group(engine: Engine) -> None:
    _parcel(engine, "A3", order_id="A", eta=date(2026, 11, 22))
    result = _list(engine, shops=["Zalando"])
    # The group ranks by its soonest parcel; its parcels keep the order they were added in.
    assert _numbers(result, Section.ACTIVE) == [["A1", "A3"]]
    assert result.active[0].parcel_count == 3
