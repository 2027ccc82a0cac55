"""Forward-only schema migrations: numbered steps applied in order inside one transaction.

A database is at version N when `schema_version` holds a row for every step up to N. Opening a
database upgrades it to `CURRENT_VERSION`; a database from a newer app is refused, never touched.
Steps are append-only: once released, a step's SQL never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, insert, select, text

from app.store.errors import StoreError
from app.store.tables import EXPECTED_BY_SQL, SCHEMA_VERSION, SECTION_SQL

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "Migration", "current_version", "migrate"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_V1_CORE = Migration(
    1,
    "orders, parcels, events, settings",
    (
        """CREATE TABLE orders (
            id TEXT PRIMARY KEY NOT NULL,
            shop TEXT NOT NULL,
            order_number TEXT,
            title TEXT,
            placed_at TEXT,
            items_summary TEXT,
            created_at TEXT NOT NULL
        )""",
        f"""CREATE TABLE parcels (
            id TEXT PRIMARY KEY NOT NULL,
            order_id TEXT REFERENCES orders (id) ON DELETE SET NULL,
            tracking_number TEXT NOT NULL,
            carrier TEXT NOT NULL,
            label TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            sub_status TEXT,
            carrier_status_code TEXT,
            est_day DATE,
            est_latest_day DATE,
            est_window_start TEXT,
            est_window_end TEXT,
            est_source TEXT,
            loc_city TEXT,
            loc_postal_code TEXT,
            loc_country TEXT,
            last_event_at TEXT,
            last_event_text TEXT,
            last_checked_at TEXT,
            last_changed_at TEXT,
            source TEXT NOT NULL DEFAULT 'carrier',
            archived BOOLEAN NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
            problem TEXT,
            problem_detail TEXT,
            proof_of_delivery TEXT,
            created_at TEXT NOT NULL,
            section TEXT GENERATED ALWAYS AS ({SECTION_SQL}) VIRTUAL,
            expected_by TEXT GENERATED ALWAYS AS ({EXPECTED_BY_SQL}) VIRTUAL,
            UNIQUE (carrier, tracking_number)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            parcel_id TEXT NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
            identity TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            status TEXT NOT NULL,
            sub_status TEXT,
            description TEXT NOT NULL,
            carrier_code TEXT,
            local_time_text TEXT,
            loc_city TEXT,
            loc_postal_code TEXT,
            loc_country TEXT,
            source TEXT NOT NULL,
            source_name TEXT NOT NULL DEFAULT '',
            observed_at TEXT,
            UNIQUE (parcel_id, identity)
        )""",
        "CREATE INDEX ix_events_parcel_time ON events (parcel_id, occurred_at)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    ),
)

_V2_ACCOUNTS_OUTBOX = Migration(
    2,
    "carrier accounts, number corrections, notification outbox",
    (
        """CREATE TABLE carrier_accounts (
            id TEXT PRIMARY KEY NOT NULL,
            carrier TEXT NOT NULL,
            label TEXT NOT NULL,
            fields TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX ix_carrier_accounts_carrier ON carrier_accounts (carrier)",
        """CREATE TABLE number_corrections (
            tracking_number TEXT PRIMARY KEY NOT NULL,
            carrier TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            parcel_id TEXT REFERENCES parcels (id) ON DELETE CASCADE,
            change_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            dispatched_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        )""",
        # The dispatcher only ever looks for what is still pending.
        "CREATE INDEX ix_outbox_pending ON outbox (id) WHERE dispatched_at IS NULL",
        "CREATE INDEX ix_outbox_parcel ON outbox (parcel_id)",
    ),
)

_V3_LIST_INDEXES = Migration(
    3,
    "indexes for My orders: sections by expected delivery and last change, order, status",
    (
        "CREATE INDEX ix_parcels_section_expected "
        "ON parcels (section, expected_by, last_changed_at)",
        "CREATE INDEX ix_parcels_section_changed ON parcels (section, last_changed_at)",
        "CREATE INDEX ix_parcels_order ON parcels (order_id)",
        "CREATE INDEX ix_parcels_status ON parcels (status)",
        "CREATE INDEX ix_orders_shop ON orders (shop)",
    ),
)

_V4_DELIVERIES = Migration(
    4,
    "per-channel notification deliveries: claim before delivering, mark after",
    (
        """CREATE TABLE deliveries (
            outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            via TEXT,
            claimed_by TEXT,
            claimed_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            outcome TEXT,
            finished_at TEXT,
            PRIMARY KEY (outbox_id, channel)
        )""",
        # What a drain looks for: the unfinished deliveries of one channel.
        "CREATE INDEX ix_deliveries_open ON deliveries (channel, outbox_id) "
        "WHERE finished_at IS NULL",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    _V1_CORE,
    _V2_ACCOUNTS_OUTBOX,
    _V3_LIST_INDEXES,
    _V4_DELIVERIES,
)
CURRENT_VERSION = MIGRATIONS[-1].version

_BOOTSTRAP = (
    "CREATE TABLE IF NOT EXISTS schema_version "
    "(version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)"
)


def current_version(connection: Connection) -> int:
    has_table = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    ).first()
    if has_table is None:
        return 0
    return int(
        connection.execute(
            select(func.coalesce(func.max(SCHEMA_VERSION.c.version), 0))
        ).scalar_one()
    )


def migrate(
    engine: Engine, *, target: int | None = None, steps: Sequence[Migration] = MIGRATIONS
) -> int:
    """Apply every pending step up to `target` (default: the newest) in ONE transaction.

    Either the database reaches the target or it stays as it was. Returns the version reached.
    """
    goal = steps[-1].version if target is None else target
    # BEGIN IMMEDIATE: two processes opening the same file never migrate it twice.
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
        version = current_version(connection)
        if version > steps[-1].version:
            raise StoreError(
                f"the database has schema version {version}; this Paketpilot knows only up to "
                f"{steps[-1].version}. Update the app to open it."
            )
        connection.execute(text(_BOOTSTRAP))
        for step in steps:
            if version < step.version <= goal:
                for statement in step.statements:
                    connection.execute(text(statement))
                connection.execute(
                    insert(SCHEMA_VERSION).values(
                        version=step.version, applied_at=datetime.now(UTC)
                    )
                )
                version = step.version
    return version
