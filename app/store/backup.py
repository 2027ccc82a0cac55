"""Export and import of all user data as one JSON document (a backup without secrets).

The document holds orders, parcels, events, settings, carrier accounts (non-secret fields only)
and number corrections, row by row with ISO-8601 times. Secret values never reach SQLite, so
they can never reach a backup. The outbox is not user data and is left out.

Import is one transaction and idempotent: rows are upserted by their natural keys and a row is
only written when a value differs, so importing the same file twice writes nothing the second
time. Where backup and database disagree, the backup wins. A parcel the database already tracks
under another id (same carrier and number) is merged into that parcel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Date, Integer, Table, or_, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.store.columns import UTCDateTime, dump_json, load_json, parse_utc
from app.store.errors import BackupError
from app.store.guard import refuse_secret_name
from app.store.mapping import event_from_row, order_from_row, parcel_from_row
from app.store.session import total_changes, transaction
from app.store.tables import (
    CARRIER_ACCOUNTS,
    EVENTS,
    NUMBER_CORRECTIONS,
    ORDERS,
    PARCELS,
    SETTINGS,
)

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "ImportResult",
    "export_data",
    "export_json",
    "import_data",
    "import_json",
]

BACKUP_FORMAT = "paketpilot-backup"
BACKUP_VERSION = 1


@dataclass(frozen=True, slots=True)
class _Part:
    name: str  # key in the document
    table: Table
    keys: tuple[str, ...]  # natural key: the upsert's conflict target
    order_by: tuple[str, ...]


# In import order: parents before children (foreign keys are enforced).
_PARTS = (
    _Part("orders", ORDERS, ("id",), ("id",)),
    _Part("parcels", PARCELS, ("id",), ("id",)),
    _Part("events", EVENTS, ("parcel_id", "identity"), ("parcel_id", "occurred_at", "identity")),
    _Part("settings", SETTINGS, ("key",), ("key",)),
    _Part("accounts", CARRIER_ACCOUNTS, ("id",), ("id",)),
    _Part("corrections", NUMBER_CORRECTIONS, ("tracking_number",), ("tracking_number",)),
)
_JSON_COLUMNS = frozenset({("parcels", "proof_of_delivery"), ("accounts", "fields")})


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows_written: int  # counted by SQLite; 0 when the database already held the backup
    counts: Mapping[str, int]  # records per part in the document


def _columns(part: _Part) -> list[Column[Any]]:
    """Stored columns: not generated ones, not surrogate integer ids."""
    return [
        column
        for column in part.table.c
        if column.computed is None and not (column.primary_key and part.name == "events")
    ]


def _to_json(part: _Part, column: Column[Any], value: Any) -> Any:
    if (part.name, column.name) in _JSON_COLUMNS:
        return None if value is None else load_json(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _from_json(part: _Part, column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if (part.name, column.name) in _JSON_COLUMNS:
        if not isinstance(value, dict):
            raise TypeError(f"{column.name} must be an object")
        return dump_json(value)
    if isinstance(column.type, UTCDateTime):
        return parse_utc(_text(value))
    if isinstance(column.type, Date):
        return date.fromisoformat(_text(value))
    if isinstance(column.type, Boolean):
        if not isinstance(value, bool):
            raise TypeError(f"{column.name} must be true or false")
        return value
    if isinstance(column.type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{column.name} must be an integer")
        return value
    return _text(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def export_data(session: Session) -> dict[str, Any]:
    connection = session.connection()
    document: dict[str, Any] = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for part in _PARTS:
        columns = _columns(part)
        query = select(*columns).order_by(*(part.table.c[name] for name in part.order_by))
        document[part.name] = [
            {c.name: _to_json(part, c, row._mapping[c.name]) for c in columns}
            for row in connection.execute(query)
        ]
    return document


def export_json(session: Session) -> str:
    return json.dumps(export_data(session), ensure_ascii=False, indent=1, sort_keys=True)


def _records(document: Mapping[str, Any], part: _Part) -> list[dict[str, Any]]:
    raw = document.get(part.name, [])
    if not isinstance(raw, list):
        raise BackupError(f"'{part.name}' must be a list")
    columns = _columns(part)
    names = {c.name for c in columns}
    records = []
    for index, item in enumerate(raw):
        where = f"{part.name}[{index}]"
        if not isinstance(item, dict):
            raise BackupError(f"{where} must be an object")
        unknown = set(item) - names
        if unknown:
            raise BackupError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
        try:
            record = {c.name: _from_json(part, c, item.get(c.name)) for c in columns}
            _check(part, record)
        except (TypeError, ValueError, KeyError) as error:
            raise BackupError(f"{where}: {error}") from None
        records.append(record)
    return records


def _check(part: _Part, record: dict[str, Any]) -> None:
    """Validate a record through the domain conversions (enums, zones, identity)."""
    if part.name == "orders":
        order_from_row(record)
    elif part.name == "parcels":
        parcel_from_row(record)
    elif part.name == "events":
        if event_from_row(record).identity != record["identity"]:
            raise ValueError("identity does not match the event")
    elif part.name == "settings":
        refuse_secret_name(record["key"])
    elif part.name == "accounts":
        for name in load_json(record["fields"]):
            refuse_secret_name(name)


def _upsert(connection: Connection, part: _Part, records: Sequence[dict[str, Any]]) -> None:
    if not records:
        return
    statement = insert(part.table)
    new = statement.excluded
    values = [c.name for c in _columns(part) if c.name not in part.keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(part.keys),
        set_={name: new[name] for name in values},
        where=or_(*(part.table.c[name].is_not(new[name]) for name in values)),
    )
    connection.execute(statement, list(records))


def _adopt_existing_parcels(
    connection: Connection, parcels: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    """Point backup parcels at the local parcel with the same carrier and number."""
    local = {
        (row.carrier, row.tracking_number): row.id
        for row in connection.execute(
            select(PARCELS.c.id, PARCELS.c.carrier, PARCELS.c.tracking_number)
        )
    }
    renamed: dict[str, str] = {}
    for record in parcels:
        existing = local.get((record["carrier"], record["tracking_number"]))
        if existing is not None and existing != record["id"]:
            renamed[record["id"]] = existing
            record["id"] = existing
    for record in events:
        record["parcel_id"] = renamed.get(record["parcel_id"], record["parcel_id"])


def import_data(session: Session, document: Mapping[str, Any]) -> ImportResult:
    if not isinstance(document, Mapping) or document.get("format") != BACKUP_FORMAT:
        raise BackupError("this is not a Paketpilot backup")
    version = document.get("version")
    if version != BACKUP_VERSION:
        raise BackupError(
            f"backup version {version!r} is not supported (this app reads version {BACKUP_VERSION})"
        )
    records = {part.name: _records(document, part) for part in _PARTS}
    try:
        with transaction(session) as connection:
            before = total_changes(connection)
            _adopt_existing_parcels(connection, records["parcels"], records["events"])
            for part in _PARTS:
                _upsert(connection, part, records[part.name])
            written = total_changes(connection) - before
    except IntegrityError as error:
        raise BackupError(f"the backup is inconsistent: {error.orig}") from None
    return ImportResult(written, {name: len(rows) for name, rows in records.items()})


def import_json(session: Session, text: str) -> ImportResult:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BackupError(f"the backup is not valid JSON: {error}") from None
    return import_data(session, document)
