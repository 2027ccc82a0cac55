"""Carrier and aggregator accounts: a label and non-secret fields. The keys are elsewhere.

The account's secret values live in the OS keychain under the account id; this table only says
that the account exists, what it is called and its non-secret fields (e.g. a customer number).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session

from app.store.columns import dump_json, load_json
from app.store.errors import NotFoundError
from app.store.guard import refuse_secret_name
from app.store.session import total_changes, transaction
from app.store.tables import CARRIER_ACCOUNTS

__all__ = [
    "CarrierAccount",
    "delete_account",
    "get_account",
    "list_accounts",
    "save_account",
    "upsert_accounts",
]


@dataclass(frozen=True, slots=True)
class CarrierAccount:
    id: str
    carrier: str
    label: str
    fields: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None


def save_account(
    session: Session,
    *,
    carrier: str,
    label: str,
    fields: Mapping[str, str] | None = None,
    account_id: str | None = None,
    created_at: datetime | None = None,
) -> CarrierAccount:
    """Create the account, or update its carrier, label and fields if `account_id` exists."""
    values = dict(fields or {})
    for name in values:
        refuse_secret_name(name)
    account = CarrierAccount(
        id=account_id or uuid.uuid4().hex,
        carrier=carrier,
        label=label,
        fields=values,
        created_at=created_at or datetime.now(UTC),
    )
    with transaction(session) as connection:
        upsert_accounts(connection, [account])
    return get_account(session, account_id=account.id)


def upsert_accounts(connection: Connection, accounts: Sequence[CarrierAccount]) -> int:
    """Insert or update in the caller's transaction, writing only rows that differ."""
    statement = insert(CARRIER_ACCOUNTS)
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={"carrier": new.carrier, "label": new.label, "fields": new.fields},
        where=(CARRIER_ACCOUNTS.c.carrier.is_not(new.carrier))
        | (CARRIER_ACCOUNTS.c.label.is_not(new.label))
        | (CARRIER_ACCOUNTS.c.fields.is_not(new.fields)),
    )
    rows = [
        {
            "id": a.id,
            "carrier": a.carrier,
            "label": a.label,
            "fields": dump_json(a.fields),
            "created_at": a.created_at or datetime.now(UTC),
        }
        for a in accounts
    ]
    if not rows:
        return 0
    before = total_changes(connection)
    connection.execute(statement, rows)
    return total_changes(connection) - before


def _account(row: Row[Any]) -> CarrierAccount:
    return CarrierAccount(
        id=row.id,
        carrier=row.carrier,
        label=row.label,
        fields=load_json(row.fields),
        created_at=row.created_at,
    )


def get_account(session: Session, *, account_id: str) -> CarrierAccount:
    query = select(CARRIER_ACCOUNTS).where(CARRIER_ACCOUNTS.c.id == account_id)
    row = session.connection().execute(query).first()
    if row is None:
        raise NotFoundError(f"no carrier account {account_id}")
    return _account(row)


def list_accounts(session: Session, *, carrier: str | None = None) -> list[CarrierAccount]:
    query = select(CARRIER_ACCOUNTS).order_by(CARRIER_ACCOUNTS.c.created_at, CARRIER_ACCOUNTS.c.id)
    if carrier is not None:
        query = query.where(CARRIER_ACCOUNTS.c.carrier == carrier)
    return [_account(row) for row in session.connection().execute(query)]


def delete_account(session: Session, *, account_id: str) -> None:
    with transaction(session) as connection:
        connection.execute(delete(CARRIER_ACCOUNTS).where(CARRIER_ACCOUNTS.c.id == account_id))
