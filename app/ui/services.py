"""What the screens use beyond the page: the store, the keychain, sync and the demo.

Built once by the composition root (app.main) and shared by every session. Fields are added,
never renamed, so screens written in parallel keep working; each has a default so tests can
build a partial set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ChangedListener = Callable[[frozenset[str]], None]  # parcel ids whose data changed


@dataclass
class AppServices:
    store: Any = None  # the SQLAlchemy engine from app.store.open_store (use app.store functions)
    secrets: Any = None  # an app.native.secrets.SecretStore
    sync: Any = None  # an app.sync.engine.SyncEngine, when syncing runs
    demo: Any = None  # the demo controller, when the demo runs
    zone: str = "Europe/Berlin"  # the user's time zone for "Heute, 10–12 Uhr"
    listeners: list[ChangedListener] = field(default_factory=list)

    def parcels_changed(self, parcel_ids: frozenset[str]) -> None:
        """Tell every open session which parcels changed; each updates only their controls."""
        for listener in list(self.listeners):
            listener(parcel_ids)
