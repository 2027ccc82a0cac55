"""The demo: the carrier sandbox in-process, seeded with realistic orders, synced for real.

`paketpilot --demo` (and "Try the demo" on the empty home screen) start a `DemoController`:

- a `SandboxServer` on loopback (a free port) with accelerated time (`DEMO_SPEED` journey hours
  per real hour), so a new user sees parcels move within a minute;
- its own store under `<data dir>/demo/`, recreated at every start, so demo data never mixes
  with real data and never points at a sandbox that is gone;
- one carrier account per demo carrier pointing at the sandbox (the account's non-secret field
  `base_url`), with dummy credentials in an in-memory secret store: never the keychain;
- orders from several shops and carriers whose journeys started at different offsets, so the
  next scans fall due a few seconds apart.

Syncing: the composition root (app.main) runs the real sync engine on the demo store with
`demo_policy()` (every parcel every few seconds). `DemoController.poll_once()` is a small
fetch-and-apply round with the real client, domain and store, kept for tests and as the
fallback `run()` loop when no engine is available.
No flet import: the UI starts it and listens for changed parcels.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain.status import TERMINAL
from app.native.secrets import InMemorySecretStore
from app.sandbox.journeys import Scenario

log = logging.getLogger(__name__)

__all__ = [
    "DEMO_ORDERS",
    "DEMO_SECRET",
    "DEMO_SPEED",
    "DemoController",
    "DemoOrder",
    "DemoParcel",
    "demo_data_dir",
]

# Journey hours per real hour: 4 journey hours (the closest two scans of one journey) take one
# real minute, so consecutive events of a parcel never share a minute (event identity is
# per minute), and a few journey hours pass per real minute.
DEMO_SPEED = 240.0
DEMO_SECRET = "sandbox"  # noqa: S105  (the sandbox accepts any value not starting with "bad")
DEMO_ACCOUNT_PREFIX = "demo-"
POLL_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class DemoParcel:
    carrier: str
    scenario: Scenario
    at_hours: float  # how far into its journey the parcel is when the demo starts
    label: str | None = None


@dataclass(frozen=True, slots=True)
class DemoOrder:
    shop: str
    title: str
    order_number: str
    parcels: tuple[DemoParcel, ...]


# Offsets chosen so that the next scans fall due within the first minute (at DEMO_SPEED one
# journey hour is 15 real seconds): see each comment.
DEMO_ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(
        "Zalando",
        "Sneaker und Regenjacke",
        "10203040506",
        (
            # out for delivery at 30 h: after ~20 s; delivered at 34 h: after ~80 s
            DemoParcel("dhl", Scenario.DELIVERED, 28.7, "Sneaker"),
            # delayed (ETA moved) at 20 h: after ~25 s
            DemoParcel("hermes", Scenario.DELAYED, 18.3, "Regenjacke"),
        ),
    ),
    DemoOrder(
        "Otto",
        "Kaffeevollautomat",
        "70312894",
        # failed attempt at 34 h: after ~12 s
        (DemoParcel("hermes", Scenario.FAILED_ATTEMPT, 33.2),),
    ),
    DemoOrder(
        "MediaMarkt",
        "Kopfhörer",
        "MM-5581203",
        # ready for pickup at 32 h: after ~30 s
        (DemoParcel("dpd", Scenario.PICKUP_POINT, 30.0),),
    ),
    DemoOrder(
        "Thalia",
        "Drei Bücher",
        "TH-88412",
        # delayed at 20 h: after ~8 s (GLS sends no ETA: the scan's text says it)
        (DemoParcel("gls", Scenario.DELAYED, 19.5),),
    ),
    DemoOrder(
        "Amazon",
        "Ladekabel",
        "302-5566778-1234567",
        (DemoParcel("dhl", Scenario.DELIVERED, 40.0),),  # delivered already
    ),
    DemoOrder(
        "ASOS",
        "Wintermantel",
        "ASOS-771203",
        # customs at 30 h: after ~15 s
        (DemoParcel("ups", Scenario.INTERNATIONAL, 29.0),),
    ),
    DemoOrder(
        "The Tea Shop London",
        "Earl Grey",
        "TS-2291",
        # cleared by customs at 40 h: after ~45 s
        (DemoParcel("royalmail", Scenario.INTERNATIONAL, 37.0),),
    ),
)


def demo_policy(every: float = POLL_SECONDS) -> Any:
    """The sync engine's schedule for the demo: every parcel every few seconds, no quiet hours
    (journey time runs DEMO_SPEED times faster than the real schedule assumes)."""
    from datetime import time

    from app.sync.schedule import PollPolicy

    step = timedelta(seconds=every)
    return PollPolicy(
        out_for_delivery=step,
        eta_today=step,
        eta_tomorrow=step,
        problem=step,
        pickup=step,
        in_transit=step,
        long_transit=step,
        pre_transit=step,
        awaiting_handover=step,
        day_starts=time(0, 0),
        quiet_from=time(23, 59, 59, 999999),
    )


def demo_data_dir(base: Path | None = None) -> Path:
    """`<data dir>/demo`: the demo's own store, apart from the user's real data."""
    if base is None:
        from app.native.paths import data_dir

        base = data_dir()
    return base / "demo"


def demo_carriers(orders: Iterable[DemoOrder] = DEMO_ORDERS) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.carrier for o in orders for p in o.parcels))


ChangedCallback = Callable[[frozenset[str]], None]


class DemoController:
    """Owns the demo's sandbox, store and secrets; `start()` then `run()` (or `poll_once()`)."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        speed: float = DEMO_SPEED,
        poll_seconds: float = POLL_SECONDS,
        orders: tuple[DemoOrder, ...] = DEMO_ORDERS,
        seed: int | None = None,
        language: str = "de",
    ) -> None:
        self.data_dir = demo_data_dir() if data_dir is None else data_dir
        self.speed = speed
        self.poll_seconds = poll_seconds
        self.orders = orders
        self.language = language
        self._rng = random.Random(seed)  # noqa: S311  (demo data, not cryptography)
        self.secrets = InMemorySecretStore()
        self.store: Any = None
        self.server: Any = None
        self.sandbox: Any = None  # the SandboxContext
        self.parcel_ids: list[str] = []
        self._clients: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle ---------

    @property
    def started(self) -> bool:
        return self.server is not None

    @property
    def sandbox_url(self) -> str:
        assert self.server is not None, "start() the demo first"
        return str(self.server.url)

    def start(self) -> DemoController:
        """Start the sandbox and create a fresh demo store with orders, parcels and accounts."""
        if self.started:
            return self
        from app.sandbox.context import SandboxContext
        from app.sandbox.server import SandboxServer
        from app.store import open_store

        self.sandbox = SandboxContext(speed=self.speed)
        self.server = SandboxServer(self.sandbox).start()
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a previous demo's parcels are unknown to this sandbox
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = open_store(self.data_dir / "paketpilot.sqlite")
        self._seed_accounts()
        self._seed_orders()
        log.info("demo: sandbox at %s, %d parcels", self.sandbox_url, len(self.parcel_ids))
        return self

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.store is not None:
            self.store.dispose()

    # ------------------------------------------------------------------ seeding -----------

    def _seed_accounts(self) -> None:
        from app.carriers.registry import REGISTRY
        from app.sandbox.app import sandbox_url
        from app.store import new_session, save_account

        for carrier in demo_carriers(self.orders):
            adapter = REGISTRY[carrier]
            account_id = DEMO_ACCOUNT_PREFIX + carrier
            fields = {
                "base_url": sandbox_url(self.sandbox_url, carrier, adapter.default_base_url),
                "daily_quota": "1000000",  # polled every few seconds: never "quota used up"
            }
            for spec in adapter.credential_fields:
                if spec.secret:
                    _run(self.secrets.set(account_id, spec.name, DEMO_SECRET))
                else:
                    fields[spec.name] = DEMO_SECRET
            with new_session(self.store) as session:
                save_account(
                    session,
                    carrier=carrier,
                    label=f"{adapter.display_name} (Demo)",
                    fields=fields,
                    account_id=account_id,
                )

    def _seed_orders(self) -> None:
        from app.sandbox.seed import new_journey
        from app.store import add_order, add_parcel, new_session

        now = self.sandbox.clock.now()
        base = datetime.now(UTC)
        for index, order in enumerate(self.orders):
            created = base - timedelta(minutes=len(self.orders) - index)
            with new_session(self.store) as session:
                stored_order = add_order(
                    session,
                    shop=order.shop,
                    title=order.title,
                    order_number=order.order_number,
                    created_at=created,
                )
                for parcel in order.parcels:
                    journey = new_journey(
                        self.sandbox, carrier=parcel.carrier, scenario=parcel.scenario,
                        rng=self._rng,
                    )  # fmt: skip
                    started = now - timedelta(hours=parcel.at_hours) / self.speed
                    self.sandbox.add_journey(replace(journey, started_at=started))
                    stored = add_parcel(
                        session,
                        tracking_number=journey.tracking_number,
                        carrier=parcel.carrier,
                        order_id=stored_order.id,
                        label=parcel.label,
                        created_at=created,
                    )
                    self.parcel_ids.append(stored.id)

    # ------------------------------------------------------------------ syncing -----------

    def attach(self, on_changed: ChangedCallback) -> None:
        """Poll on the running event loop (Flet's), once: later sessions share the task."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(on_changed))

    async def run(self, on_changed: ChangedCallback) -> None:
        """Fetch now, then every `poll_seconds`, telling `on_changed` what changed."""
        while True:
            try:
                changed = await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the demo must keep going whatever one round did
                log.exception("demo poll failed")
                changed = frozenset()
            if changed:
                on_changed(changed)
            await asyncio.sleep(self.poll_seconds)

    async def poll_once(self) -> frozenset[str]:
        """One round over every unfinished parcel; returns the ids whose data changed."""
        from app.store import list_parcels, new_session

        with new_session(self.store) as session:
            parcels = [p for p in list_parcels(session) if p.status not in TERMINAL]
        changed: set[str] = set()
        by_carrier: dict[str, list[Any]] = {}
        for parcel in parcels:
            by_carrier.setdefault(parcel.carrier, []).append(parcel)
        for carrier, group in by_carrier.items():
            client = await self._client(carrier)
            result = await client.track([p.tracking_number for p in group])
            updates = {u.tracking_number.upper(): u for u in result.parcels}
            for parcel in group:
                update = updates.get(parcel.tracking_number.upper())
                if update is not None and self._apply(parcel, update):
                    changed.add(parcel.id)
        return frozenset(changed)

    async def _client(self, carrier: str) -> Any:
        if carrier not in self._clients:
            from app.carriers.auth import Credentials
            from app.carriers.registry import REGISTRY
            from app.store import get_account, new_session

            adapter = REGISTRY[carrier]
            account_id = DEMO_ACCOUNT_PREFIX + carrier
            with new_session(self.store) as session:
                account = get_account(session, account_id=account_id)
            fields = dict(account.fields)
            credentials = await Credentials.load(
                self.secrets, account_id, adapter.credential_fields, fields
            )
            self._clients[carrier] = adapter.client(
                credentials,
                account_id=account_id,
                base_url=fields["base_url"],
                language=self.language,
            )
        return self._clients[carrier]

    def _apply(self, parcel: Any, update: Any) -> bool:
        """Merge one fetch into the store (with its announcements); True if anything changed."""
        from app.domain.changes import detect_changes
        from app.domain.merge import merge_events
        from app.domain.state import derive_state
        from app.store import apply_update, list_events, new_session, touch_checked

        now = update.fetched_at
        with new_session(self.store, write=True) as session:
            stored = list_events(session, parcel_id=parcel.id)
            events = merge_events(stored, update.events).events
            before = derive_state(stored, now=now, carrier=parcel.carrier) if stored else None
            state = derive_state(
                events, now=now, carrier=parcel.carrier, status_hint=update.status_hint
            )
            estimate = update.estimate or parcel.estimate
            changes = detect_changes(
                before,
                state,
                before_estimate=parcel.estimate,
                after_estimate=estimate,
                parcel_id=parcel.id,
            )
            last = state.last_event
            result = apply_update(
                session,
                parcel_id=parcel.id,
                update=update,
                status=state.status,
                sub_status=state.sub_status,
                carrier_status_code=update.carrier_status_code,
                estimate=estimate,
                location=state.location,
                last_event_at=last.occurred_at if last else None,
                last_event_text=last.description if last else None,
                proof_of_delivery=update.proof_of_delivery,
                changes=changes,
            )
            touch_checked(session, parcel_id=parcel.id, at=now)
        return bool(result.rows_written)


def _run(coroutine: Any) -> Any:
    """Run a coroutine of the in-memory secret store (which never awaits anything)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the in-memory secret store awaited unexpectedly")
