"""Orders: a shop's order that one or more parcels belong to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlmodel import Session

from app.domain.models import Order
from app.store.errors import NotFoundError
from app.store.mapping import order_from_row, order_values
from app.store.session import transaction
from app.store.tables import ORDERS

__all__ = ["add_order", "delete_order", "find_order", "get_order", "update_order"]


def add_order(
    session: Session,
    *,
    shop: str,
    order_number: str | None = None,
    title: str | None = None,
    placed_at: datetime | None = None,
    items_summary: str | None = None,
    order_id: str | None = None,
    created_at: datetime | None = None,
) -> Order:
    order = Order(
        id=order_id or uuid.uuid4().hex,
        shop=shop,
        order_number=order_number,
        title=title,
        placed_at=placed_at,
        items_summary=items_summary,
        created_at=created_at or datetime.now(UTC),
    )
    with transaction(session) as connection:
        connection.execute(insert(ORDERS).values(order_values(order)))
    return order


# Built once: a parcel's panel reads its order on every click.
_BY_ID = select(ORDERS).where(ORDERS.c.id == bindparam("order_id"))


def get_order(session: Session, *, order_id: str) -> Order:
    row = session.connection().execute(_BY_ID, {"order_id": order_id}).first()
    if row is None:
        raise NotFoundError(f"no order {order_id}")
    return order_from_row(row._mapping)


def find_order(session: Session, *, order_number: str) -> Order | None:
    """The most recent order with this order number (case ignored): a second shipping e-mail
    of a split order names the same number as the first."""
    row = (
        session.connection()
        .execute(
            select(ORDERS)
            .where(func.lower(ORDERS.c.order_number) == order_number.strip().lower())
            .order_by(ORDERS.c.created_at.desc())
        )
        .first()
    )
    return order_from_row(row._mapping) if row is not None else None


def delete_order(session: Session, *, order_id: str) -> None:
    """Delete the order; its parcels stay, without an order (ON DELETE SET NULL)."""
    with transaction(session) as connection:
        connection.execute(delete(ORDERS).where(ORDERS.c.id == order_id))


def update_order(
    session: Session, *, order_id: str, shop: str, title: str | None, order_number: str | None
) -> Order:
    """The user's corrections to what an order is called; the rest stays as it was."""
    with transaction(session) as connection:
        result = connection.execute(
            update(ORDERS)
            .where(ORDERS.c.id == order_id)
            .values(shop=shop, title=title, order_number=order_number)
        )
    if result.rowcount == 0:
        raise NotFoundError(f"no order {order_id}")
    return get_order(session, order_id=order_id)
