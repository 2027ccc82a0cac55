"""SQLModel table classes: the shape of the rows, nothing else.

The schema itself is created by the numbered steps in `migrations.py`; a test checks that these
classes and the migrated database agree column for column. Repository functions convert rows
into the frozen domain dataclasses, so no row object leaves `app.store`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import Column, Computed, String, Table
from sqlmodel import Field, SQLModel

from app.store.columns import UTCDateTime

__all__ = [
    "CARRIER_ACCOUNTS",
    "EVENTS",
    "NUMBER_CORRECTIONS",
    "ORDERS",
    "OUTBOX",
    "PARCELS",
    "SCHEMA_VERSION",
    "SETTINGS",
    "CarrierAccountRow",
    "EventRow",
    "NumberCorrectionRow",
    "OrderRow",
    "OutboxRow",
    "ParcelRow",
    "SchemaVersionRow",
    "SettingRow",
]

# Derived in SQLite (VIRTUAL generated columns) so the list indexes can use them.
SECTION_SQL = (
    "CASE WHEN archived THEN 'archived' WHEN status = 'delivered' THEN 'delivered' "
    "ELSE 'active' END"
)
EXPECTED_BY_SQL = "coalesce(est_latest_day, est_day)"


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"

    id: str = Field(primary_key=True)
    shop: str
    order_number: str | None = None
    title: str | None = None
    placed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    items_summary: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class ParcelRow(SQLModel, table=True):
    __tablename__ = "parcels"

    id: str = Field(primary_key=True)
    order_id: str | None = Field(default=None, foreign_key="orders.id")
    tracking_number: str
    carrier: str
    label: str | None = None
    status: str = "pending"
    sub_status: str | None = None
    carrier_status_code: str | None = None
    est_day: date | None = None
    est_latest_day: date | None = None
    est_window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    est_window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    est_source: str | None = None
    loc_city: str | None = None
    loc_postal_code: str | None = None
    loc_country: str | None = None
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_event_text: str | None = None
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: str = "carrier"
    archived: bool = False
    problem: str | None = None
    problem_detail: str | None = None
    proof_of_delivery: str | None = None  # JSON object
    created_at: datetime = Field(sa_type=UTCDateTime)
    section: str | None = Field(default=None, sa_column=Column(String, Computed(SECTION_SQL)))
    expected_by: str | None = Field(
        default=None, sa_column=Column(String, Computed(EXPECTED_BY_SQL))
    )


class EventRow(SQLModel, table=True):
    """One observation; unique per (parcel_id, identity)."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    parcel_id: str = Field(foreign_key="parcels.id")
    identity: str
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    status: str
    sub_status: str | None = None
    description: str
    carrier_code: str | None = None
    local_time_text: str | None = None
    loc_city: str | None = None
    loc_postal_code: str | None = None
    loc_country: str | None = None
    source: str
    source_name: str = ""
    observed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SettingRow(SQLModel, table=True):
    """Non-secret preferences only; secrets live in the OS keychain."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: str


class CarrierAccountRow(SQLModel, table=True):
    """A carrier or aggregator account: label and non-secret fields. No secret columns."""

    __tablename__ = "carrier_accounts"

    id: str = Field(primary_key=True)
    carrier: str
    label: str
    fields: str = "{}"  # JSON object of non-secret values (e.g. account number, region)
    created_at: datetime = Field(sa_type=UTCDateTime)


class NumberCorrectionRow(SQLModel, table=True):
    """The carrier the user chose for a tracking number, overriding detection."""

    __tablename__ = "number_corrections"

    tracking_number: str = Field(primary_key=True)
    carrier: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class OutboxRow(SQLModel, table=True):
    """One change to announce; the unique change key makes a repeated change a no-op."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    parcel_id: str | None = Field(default=None, foreign_key="parcels.id")
    change_key: str = Field(unique=True)
    kind: str
    payload: str = "{}"
    created_at: datetime = Field(sa_type=UTCDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0


class SchemaVersionRow(SQLModel, table=True):
    __tablename__ = "schema_version"

    version: int = Field(primary_key=True)
    applied_at: datetime = Field(sa_type=UTCDateTime)


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


ORDERS = _table(OrderRow)
PARCELS = _table(ParcelRow)
EVENTS = _table(EventRow)
SETTINGS = _table(SettingRow)
CARRIER_ACCOUNTS = _table(CarrierAccountRow)
NUMBER_CORRECTIONS = _table(NumberCorrectionRow)
OUTBOX = _table(OutboxRow)
SCHEMA_VERSION = _table(SchemaVersionRow)
