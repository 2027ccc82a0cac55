"""Number corrections: the carrier the user chose for a tracking number, beating detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session

from app.store.session import total_changes, transaction
from app.store.tables import NUMBER_CORRECTIONS

__all__ = [
    "NumberCorrection",
    "all_corrections",
    "delete_correction",
    "get_correction",
    "set_correction",
    "upsert_corrections",
]


@dataclass(frozen=True, slots=True)
class NumberCorrection:
    tracking_number: str
    carrier: str
    created_at: datetime


def upsert_corrections(connection: Connection, corrections: list[NumberCorrection]) -> int:
    if not corrections:
        return 0
    statement = insert(NUMBER_CORRECTIONS)
    statement = statement.on_conflict_do_update(
        index_elements=["tracking_number"],
        set_={"carrier": statement.excluded.carrier, "created_at": statement.excluded.created_at},
        where=NUMBER_CORRECTIONS.c.carrier.is_not(statement.excluded.carrier),
    )
    rows = [
        {"tracking_number": c.tracking_number, "carrier": c.carrier, "created_at": c.created_at}
        for c in corrections
    ]
    before = total_changes(connection)
    connection.execute(statement, rows)
    return total_changes(connection) - before


def set_correction(
    session: Session, *, tracking_number: str, carrier: str, at: datetime | None = None
) -> int:
    correction = NumberCorrection(tracking_number, carrier, at or datetime.now(UTC))
    with transaction(session) as connection:
        return upsert_corrections(connection, [correction])


def get_correction(session: Session, *, tracking_number: str) -> str | None:
    query = select(NUMBER_CORRECTIONS.c.carrier).where(
        NUMBER_CORRECTIONS.c.tracking_number == tracking_number
    )
    value = session.connection().execute(query).scalar_one_or_none()
    return None if value is None else str(value)


def all_corrections(session: Session) -> list[NumberCorrection]:
    query = select(NUMBER_CORRECTIONS).order_by(NUMBER_CORRECTIONS.c.tracking_number)
    return [
        NumberCorrection(row.tracking_number, row.carrier, row.created_at)
        for row in session.connection().execute(query)
    ]


def delete_correction(session: Session, *, tracking_number: str) -> None:
    with transaction(session) as connection:
        connection.execute(
            delete(NUMBER_CORRECTIONS).where(
                NUMBER_CORRECTIONS.c.tracking_number == tracking_number
            )
        )
