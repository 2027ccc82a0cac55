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
    # Added by the settings/add/demo screens (app.main fills them in):
    version: str = "0.1.0"  # shown on the About page
    demo_mode: bool = False  # the demo runs: accounts point at the sandbox, keys stay in memory
    start_demo: Callable[[], object] | None = None  # "Try the demo": starts it in-process
    # Per-session callbacks run after language or theme changed in the settings (applied at once)
    ui_settings_listeners: list[Callable[[], None]] = field(default_factory=list)
    # Per-session callbacks that show a notice as a banner: (title, body, route) -> shown
    banner_listeners: list[Callable[[str, str, str], bool]] = field(default_factory=list)
    # Per-session callbacks run after the user renamed orders (their cards' heads change)
    order_listeners: list[Callable[[frozenset[str]], None]] = field(default_factory=list)
    # Per-session callbacks that open a route (a tapped notification opens its parcel)
    route_listeners: list[Callable[[str], None]] = field(default_factory=list)
    sync_task: Any = None  # the running `sync.run()` task (started once, on Flet's loop)
    start_sync: Callable[[], None] | None = None  # starts `sync` on the running loop, once
    read_ahead: Any = None  # an app.ui.read_ahead.ReadAhead, made by read_ahead_of() when used

    def is_muted(self, parcel_id: str) -> bool:
        """Whether the user muted this parcel's notifications, read as the dispatcher reads it."""
        if self.store is None:
            return False
        # Imported here: this module is on the server's start path, the ORM is not.
        from app.notify.preferences import is_muted
        from app.store import new_session

        with new_session(self.store) as session:
            return is_muted(session, parcel_id=parcel_id)

    def set_muted(self, parcel_id: str, muted: bool) -> None:
        """Mute or unmute one parcel; unmuting drops the key, so a deleted parcel leaves none."""
        if self.store is None:
            return
        from app.notify.preferences import set_muted as store_muted
        from app.store import new_session

        with new_session(self.store) as session:
            store_muted(session, parcel_id=parcel_id, muted=muted)

    def parcels_changed(self, parcel_ids: frozenset[str]) -> None:
        """Tell every open session which parcels changed; each updates only their controls."""
        for listener in list(self.listeners):
            listener(parcel_ids)

    def show_banner(self, title: str, body: str, route: str) -> int:
        """A notice no native channel shows: a banner in every open session; how many took it."""
        return sum(1 for listener in list(self.banner_listeners) if listener(title, body, route))

    def orders_changed(self, order_ids: frozenset[str]) -> None:
        """Orders were renamed: every open session redraws the cards that show them."""
        for listener in list(self.order_listeners):
            listener(order_ids)

    def open_route(self, route: str) -> None:
        """A notification was tapped: the open sessions show `route` (e.g. /parcels/ID)."""
        for listener in list(self.route_listeners):
            listener(route)

    def ui_settings_changed(self) -> None:
        """Language or theme changed in the store: every open session re-applies them."""
        for listener in list(self.ui_settings_listeners):
            listener()
