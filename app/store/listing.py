"""'My orders': orders with their parcels, in the sections active / delivered / archived.

One SQL statement returns a whole page: each matching parcel row (joined with its order) is
tagged with its group (the order; a parcel without an order is its own group) and the group's
sort keys, and the groups are ranked per section with window functions. No query per order.

A parcel's section: archived if the user archived it, else delivered if delivered, else active
(returned or expired parcels stay in sight until archived). An order split over sections shows
in each with the parcels there; `parcel_count` always counts all of its parcels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlmodel import Session

from app.domain.models import Order, Parcel
from app.domain.status import Status
from app.store.engine import fold
from app.store.mapping import order_from_row, parcel_from_row
from app.store.tables import ORDERS, PARCELS

__all__ = ["FilterChoices", "MyOrders", "OrderGroup", "Section", "filter_choices", "my_orders"]


class Section(StrEnum):
    ACTIVE = "active"
    DELIVERED = "delivered"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class OrderGroup:
    section: Section
    order: Order | None  # None: a parcel tracked without an order
    parcels: tuple[Parcel, ...]  # the order's matching parcels in this section, oldest first
    parcel_count: int  # all parcels of the order, any section (for "Paket 1 von 2")


@dataclass(frozen=True, slots=True)
class MyOrders:
    active: tuple[OrderGroup, ...] = ()
    delivered: tuple[OrderGroup, ...] = ()
    archived: tuple[OrderGroup, ...] = ()

    def section(self, section: Section) -> tuple[OrderGroup, ...]:
        groups: tuple[OrderGroup, ...] = getattr(self, section.value)
        return groups


@dataclass(frozen=True, slots=True)
class FilterChoices:
    carriers: tuple[str, ...]  # carrier codes of all parcels, any section
    shops: tuple[str, ...]  # shops of the orders that have a parcel


def filter_choices(session: Session) -> FilterChoices:
    """What the list's filter menus offer: two DISTINCT queries, no parcel rows loaded."""
    connection = session.connection()
    carriers = connection.execute(select(PARCELS.c.carrier).distinct()).scalars()
    shops = connection.execute(
        select(ORDERS.c.shop)
        .distinct()
        .where(ORDERS.c.id.in_(select(PARCELS.c.order_id).where(PARCELS.c.order_id.is_not(None))))
    ).scalars()
    return FilterChoices(
        carriers=tuple(sorted(c for c in carriers if c)),
        shops=tuple(sorted(s for s in shops if s)),
    )


def active_parcels_by_carrier(session: Session) -> dict[str, int]:
    """How many active (not delivered, not archived) parcels each carrier has: one GROUP BY."""
    query = (
        select(PARCELS.c.carrier, func.count())
        .where(PARCELS.c.section == Section.ACTIVE.value)
        .group_by(PARCELS.c.carrier)
    )
    return {str(carrier): int(count) for carrier, count in session.connection().execute(query)}


def _filters(
    *,
    sections: Sequence[Section],
    search: str | None,
    statuses: Sequence[Status],
    carriers: Sequence[str],
    shops: Sequence[str],
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [PARCELS.c.section.in_([s.value for s in sections])]
    if statuses:
        conditions.append(PARCELS.c.status.in_([s.value for s in statuses]))
    if carriers:
        conditions.append(PARCELS.c.carrier.in_(list(carriers)))
    if shops:
        conditions.append(ORDERS.c.shop.in_(list(shops)))
    term = fold(search.strip()) if search else ""
    if term:
        # pp_fold is registered per connection (engine.py): case- and accent-insensitive.
        texts = [PARCELS.c.label, ORDERS.c.shop, ORDERS.c.order_number, ORDERS.c.title]
        matches = [func.instr(func.pp_fold(column), term) > 0 for column in texts]
        compact = term.replace(" ", "")  # numbers are often pasted with spaces
        number = func.replace(func.pp_fold(PARCELS.c.tracking_number), " ", "")
        matches.append(func.instr(number, compact) > 0)
        conditions.append(or_(*matches))
    return conditions


def my_orders(
    session: Session,
    *,
    sections: Sequence[Section] = tuple(Section),
    search: str | None = None,
    statuses: Sequence[Status] = (),
    carriers: Sequence[str] = (),
    shops: Sequence[str] = (),
    limit: int | None = None,
    offset: int = 0,
) -> MyOrders:
    """A page of order groups per section (`limit` groups each, after `offset`).

    Active groups come by expected delivery (soonest first, unknown last), then by last change;
    delivered and archived groups by last change, newest first.
    """
    group_key = func.coalesce(PARCELS.c.order_id, literal("#") + PARCELS.c.id)
    group = (PARCELS.c.section, group_key)
    changed = func.coalesce(PARCELS.c.last_changed_at, PARCELS.c.created_at)
    # Rank on narrow rows (id and sort keys only), then fetch the page's rows by primary key:
    # sorting whole parcel rows through the window functions costs several times more.
    # Window functions give each row its group's sort keys without joining groups back.
    matched = (
        select(
            PARCELS.c.id,
            PARCELS.c.section,
            group_key.label("group_key"),
            func.min(PARCELS.c.expected_by).over(partition_by=group).label("soonest"),
            func.max(changed).over(partition_by=group).label("changed"),
        )
        .select_from(PARCELS.outerjoin(ORDERS, ORDERS.c.id == PARCELS.c.order_id))
        .where(
            *_filters(
                sections=sections,
                search=search,
                statuses=statuses,
                carriers=carriers,
                shops=shops,
            )
        )
        .subquery("matched")
    )
    soonest = case((matched.c.section == Section.ACTIVE.value, matched.c.soonest))
    # dense_rank: all parcels of a group share the sort keys, hence the rank.
    rank = func.dense_rank().over(
        partition_by=matched.c.section,
        order_by=(soonest.asc().nulls_last(), matched.c.changed.desc(), matched.c.group_key),
    )
    ranked = select(matched.c.id, matched.c.group_key, rank.label("rank")).subquery("ranked")
    siblings = PARCELS.alias("siblings")
    parcel_count = (
        select(func.count())
        .select_from(siblings)
        .where(siblings.c.order_id == PARCELS.c.order_id)
        .scalar_subquery()
    )
    query = (
        select(
            *PARCELS.c,
            *(column.label(f"o__{column.name}") for column in ORDERS.c),
            ranked.c.group_key,
            parcel_count.label("parcel_count"),
        )
        .select_from(
            ranked.join(PARCELS, PARCELS.c.id == ranked.c.id).outerjoin(
                ORDERS, ORDERS.c.id == PARCELS.c.order_id
            )
        )
        .order_by(PARCELS.c.section, ranked.c.rank, PARCELS.c.created_at, PARCELS.c.id)
    )
    if offset:
        query = query.where(ranked.c.rank > offset)
    if limit is not None:
        query = query.where(ranked.c.rank <= offset + limit)
    return _group(session.connection().execute(query).mappings())


def _order(row: RowMapping) -> Order | None:
    if row["order_id"] is None:
        return None
    return order_from_row({c.name: row[f"o__{c.name}"] for c in ORDERS.c})


def _group(rows: Iterable[RowMapping]) -> MyOrders:
    """Rows arrive sorted by section and rank, so each group is one run of rows."""
    built: dict[Section, list[OrderGroup]] = {section: [] for section in Section}
    runs: list[list[RowMapping]] = []
    key: tuple[str, str] | None = None
    for row in rows:
        row_key = (row["section"], row["group_key"])
        if row_key != key:
            runs.append([])
            key = row_key
        runs[-1].append(row)
    for run in runs:
        head = run[0]
        section = Section(head["section"])
        count = int(head["parcel_count"]) if head["order_id"] is not None else 1
        parcels = tuple(parcel_from_row(row) for row in run)
        built[section].append(OrderGroup(section, _order(head), parcels, count))
    return MyOrders(**{section.value: tuple(groups) for section, groups in built.items()})
