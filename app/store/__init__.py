"""The local store: SQLite through SQLModel. The only package that knows SQL.

Open the database with `open_store()` (migrates it), make short-lived sessions with
`new_session()` (`write=True` for the sync engine's writes), and call the keyword-only
repository functions below; they return domain objects, never rows.
"""

from app.store.accounts import (
    CarrierAccount,
    delete_account,
    get_account,
    list_accounts,
    save_account,
)
from app.store.apply import ApplyResult, apply_update
from app.store.backup import (
    BACKUP_VERSION,
    ImportResult,
    export_data,
    export_json,
    import_data,
    import_json,
)
from app.store.corrections import (
    NumberCorrection,
    all_corrections,
    delete_correction,
    get_correction,
    set_correction,
)
from app.store.deliveries import (
    Delivery,
    DeliveryOutcome,
    claim_deliveries,
    finish_deliveries,
    list_deliveries,
    release_deliveries,
    retry_waiting_now,
)
from app.store.engine import commit_count, new_session, open_store
from app.store.errors import BackupError, DuplicateParcelError, NotFoundError, StoreError
from app.store.events import list_events
from app.store.listing import (
    FilterChoices,
    MyOrders,
    OrderGroup,
    Section,
    active_parcels_by_carrier,
    filter_choices,
    my_orders,
)
from app.store.migrations import CURRENT_VERSION
from app.store.orders import add_order, delete_order, find_order, get_order, update_order
from app.store.outbox import (
    ChangeLike,
    OutboxEntry,
    OutboxItem,
    enqueue,
    latest_of_kind,
    mark_dispatched,
    pending,
    record_attempt,
)
from app.store.parcels import (
    add_parcel,
    delete_parcel,
    find_parcel,
    get_parcel,
    list_parcels,
    order_parcel_ids,
    restore_parcel,
    set_archived,
    set_carrier,
    set_label,
    set_order,
    touch_checked,
)
from app.store.settings import (
    all_settings,
    delete_setting,
    get_setting,
    set_setting,
    upsert_settings,
)

__all__ = [
    "BACKUP_VERSION",
    "CURRENT_VERSION",
    "ApplyResult",
    "BackupError",
    "CarrierAccount",
    "ChangeLike",
    "Delivery",
    "DeliveryOutcome",
    "DuplicateParcelError",
    "FilterChoices",
    "ImportResult",
    "MyOrders",
    "NotFoundError",
    "NumberCorrection",
    "OrderGroup",
    "OutboxEntry",
    "OutboxItem",
    "Section",
    "StoreError",
    "active_parcels_by_carrier",
    "add_order",
    "add_parcel",
    "all_corrections",
    "all_settings",
    "apply_update",
    "claim_deliveries",
    "commit_count",
    "delete_account",
    "delete_correction",
    "delete_order",
    "delete_parcel",
    "delete_setting",
    "enqueue",
    "export_data",
    "export_json",
    "filter_choices",
    "find_order",
    "find_parcel",
    "finish_deliveries",
    "get_account",
    "get_correction",
    "get_order",
    "get_parcel",
    "get_setting",
    "import_data",
    "import_json",
    "latest_of_kind",
    "list_accounts",
    "list_deliveries",
    "list_events",
    "list_parcels",
    "mark_dispatched",
    "my_orders",
    "new_session",
    "open_store",
    "order_parcel_ids",
    "pending",
    "record_attempt",
    "release_deliveries",
    "restore_parcel",
    "retry_waiting_now",
    "save_account",
    "set_archived",
    "set_carrier",
    "set_correction",
    "set_label",
    "set_order",
    "set_setting",
    "touch_checked",
    "update_order",
    "upsert_settings",
]
