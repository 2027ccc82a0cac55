"""The carrier accounts the engine syncs through: one client and one `AccountGate` each.

Built from the store's `CarrierAccount` rows and the SecretStore (the keychain): an account's
secret fields come from the SecretStore under its id, the non-secret ones from its row's
`fields`. `sandbox_accounts` points one account per adapter at a running sandbox with dummy
credentials instead (the demo and the integration tests).

Limits come from each carrier module's `RATE_LIMIT = (requests per second, daily quota)`; an
account may override the quota with a non-secret field `daily_quota` (a paid key has more).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.carriers.auth import Credentials, SecretSource
from app.carriers.base import AuthKind, ParseResult
from app.carriers.registry import CARRIER_MODULES, REGISTRY, CarrierAdapter
from app.store import CarrierAccount, list_accounts, new_session
from app.sync.limiter import AccountGate, Limits

__all__ = [
    "AGGREGATORS",
    "GATE_RATE_FACTOR",
    "SANDBOX_SECRET",
    "AccountRuntime",
    "Tracker",
    "build_accounts",
    "limits_for",
    "runtime_for",
    "sandbox_accounts",
]

log = logging.getLogger(__name__)

AGGREGATORS = frozenset({"aftership", "17track"})
SANDBOX_SECRET = "sandbox"  # noqa: S105  (the sandbox accepts any value not starting "bad")
DEFAULT_CONCURRENCY = 2
# Five failures in a row pause an account this long: a carrier that is down for the day then
# costs a few requests per cooldown, not the day's quota.
CIRCUIT_COOLDOWN_S = 600.0
# Gates run a little below the carrier's documented rate: at exactly that rate, arrival jitter
# (latency, scheduling) still puts k+1 requests into some window of k and earns a 429.
GATE_RATE_FACTOR = 0.95


class Tracker(Protocol):
    """What the engine needs of a client (`app.carriers.client.TrackingClient` fits)."""

    async def track(
        self, numbers: Any, *, hints: Mapping[str, str] | None = None
    ) -> ParseResult: ...

    async def aclose(self) -> None: ...


@dataclass(eq=False)
class AccountRuntime:
    account_id: str
    carrier: str  # the adapter id
    display_name: str  # what the UI calls it: "DHL", or the user's label for the account
    batch_limit: int
    client: Tracker
    gate: AccountGate
    # The client registers a number before it reads it (aggregators: AfterShip, 17TRACK): a
    # batch with a number new to this client sends two requests and takes two gate slots.
    registers: bool = False

    @property
    def aggregator(self) -> bool:
        return self.carrier in AGGREGATORS


def limits_for(carrier: str, fields: Mapping[str, str] | None = None) -> Limits:
    module = importlib.import_module(CARRIER_MODULES[carrier])
    rate, quota = getattr(module, "RATE_LIMIT", (5.0, None))
    override = (fields or {}).get("daily_quota")
    if override and override.strip().isdigit():
        quota = int(override)
    return Limits(
        rate_per_second=float(rate) * GATE_RATE_FACTOR,
        daily_quota=quota,
        concurrency=DEFAULT_CONCURRENCY,
        circuit_cooldown=CIRCUIT_COOLDOWN_S,
    )


def runtime_for(
    adapter: CarrierAdapter,
    client: Tracker,
    *,
    account_id: str,
    display_name: str | None = None,
    fields: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AccountRuntime:
    return AccountRuntime(
        account_id=account_id,
        carrier=adapter.id,
        display_name=display_name or adapter.display_name,
        batch_limit=adapter.batch_limit,
        client=client,
        gate=AccountGate(limits_for(adapter.id, fields), clock=clock),
        registers=adapter.build_register_requests is not None,
    )


def _display_name(account: CarrierAccount, adapter: CarrierAdapter) -> str:
    label = account.label.strip()
    if not label or label.casefold() == adapter.display_name.casefold():
        return adapter.display_name
    return label


async def build_accounts(
    store: Any,
    secrets: SecretSource,
    *,
    language: str,
    clock: Callable[[], float] = time.monotonic,
) -> list[AccountRuntime]:
    """One runtime per stored account whose carrier the app knows."""
    with new_session(store) as session:
        accounts = list_accounts(session)
    runtimes: list[AccountRuntime] = []
    for account in accounts:
        if account.carrier not in REGISTRY:
            log.warning("account %s names an unknown carrier; skipped", account.id)
            continue
        adapter = REGISTRY[account.carrier]
        credentials = await Credentials.load(
            secrets, account.id, adapter.credential_fields, account.fields
        )
        base_url = account.fields.get("base_url") or None
        client = adapter.client(
            credentials, account_id=account.id, language=language, base_url=base_url, clock=clock
        )
        runtimes.append(
            runtime_for(
                adapter,
                client,
                account_id=account.id,
                display_name=_display_name(account, adapter),
                fields=account.fields,
                clock=clock,
            )
        )
    # APIs that need no key (DPD's public tracking) work without the user setting anything up.
    covered = {runtime.carrier for runtime in runtimes}
    for carrier_id in REGISTRY:
        adapter = REGISTRY[carrier_id]
        if adapter.auth is AuthKind.NONE and carrier_id not in covered:
            client = adapter.client(
                Credentials({}), account_id=carrier_id, language=language, clock=clock
            )
            runtimes.append(
                runtime_for(
                    adapter,
                    client,
                    account_id=carrier_id,
                    display_name=adapter.display_name,
                    fields={},
                    clock=clock,
                )
            )
    return runtimes


def sandbox_accounts(
    root_url: str,
    *,
    language: str,
    carriers: Iterable[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[AccountRuntime]:
    """One account per adapter, all pointed at the sandbox at `root_url` with dummy keys."""
    from app.sandbox.app import sandbox_url  # dev-only; not loaded in a normal run

    runtimes: list[AccountRuntime] = []
    for carrier in carriers if carriers is not None else REGISTRY:
        adapter = REGISTRY[carrier]
        credentials = Credentials({f.name: SANDBOX_SECRET for f in adapter.credential_fields})
        client = adapter.client(
            credentials,
            account_id=f"sandbox-{carrier}",
            language=language,
            base_url=sandbox_url(root_url, carrier, adapter.default_base_url),
            clock=clock,
        )
        runtimes.append(runtime_for(adapter, client, account_id=f"sandbox-{carrier}", clock=clock))
    return runtimes
