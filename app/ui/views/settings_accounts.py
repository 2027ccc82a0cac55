"""Settings: one tile per carrier (and aggregator) account, with "Test connection".

Secret fields go to `services.secrets` (the OS keychain; in the demo an in-memory store) under
the account's id; the label and non-secret fields go to the store (`save_account`). A test
runs a real `track()` of a harmless number with the values as entered: NOT_FOUND means the key
works, AUTH_FAILED that it does not, UNAVAILABLE that the service could not be reached.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import flet as ft

from app.carriers.auth import Credentials
from app.carriers.base import AuthKind, CredentialField
from app.carriers.registry import REGISTRY
from app.domain.models import ANSWERED_ABOUT_THE_NUMBER, ProblemKind
from app.ui.i18n import Lang, t
from app.ui.read_model import active_parcel_counts, carrier_name
from app.ui.views.context import ViewContext
from app.ui.views.widgets import hidden_note, own, update_only

log = logging.getLogger(__name__)

AGGREGATORS = ("aftership", "17track")
BASE_URL_FIELD = "base_url"  # non-secret account field: where the API is (the demo's sandbox)
# NOT_FOUND and friends: the carrier read our request and the key, it just has no such parcel.
_KEY_WORKS = ANSWERED_ABOUT_THE_NUMBER


@dataclass(frozen=True, slots=True)
class ConnectionOutcome:
    ok: bool
    kind: ProblemKind | None  # None: the parcel was found
    detail: str

    def text(self, lang: Lang) -> str:
        if self.ok:
            return t(lang, "settings.test_ok")
        if self.kind is ProblemKind.AUTH_FAILED:
            return t(lang, "settings.test_auth", detail=self.detail)
        if self.kind is ProblemKind.UNAVAILABLE:
            return t(lang, "settings.test_unavailable", detail=self.detail)
        # In words first ("Zu viele Anfragen …"), then the code and the exact answer for support.
        what = t(lang, f"problem.{self.kind.value}") if self.kind else "?"
        kind = self.kind.value.upper() if self.kind else "?"
        return t(lang, "settings.test_other", what=what, kind=kind, detail=self.detail)


@cache
def harmless_number(carrier: str) -> str:
    """A number in the carrier's real format that no parcel has (aggregators: a DHL one)."""
    from app.sandbox.seed import SIMULATED_CARRIERS, new_number

    shape = carrier if carrier in SIMULATED_CARRIERS else "dhl"
    return new_number(shape, random.Random(20261126))  # noqa: S311  (not cryptography)


async def check_connection(
    carrier: str, values: Mapping[str, str], *, base_url: str | None = None, language: str = "en"
) -> ConnectionOutcome:
    """Track one harmless number with exactly these credential values."""
    adapter = REGISTRY[carrier]
    credentials = Credentials({k: v for k, v in values.items() if v})
    client = adapter.client(credentials, base_url=base_url or None, language=language)
    async with client:
        result = await client.track([harmless_number(carrier)])
    if result.parcels:
        return ConnectionOutcome(True, None, "")
    if not result.errors:
        return ConnectionOutcome(False, ProblemKind.BAD_RESPONSE, "no answer")
    error = result.errors[0]
    return ConnectionOutcome(error.kind in _KEY_WORKS, error.kind, error.message)


def existing_account(store: Any, carrier: str) -> Any:
    if store is None:
        return None
    from app.store import list_accounts, new_session

    with new_session(store) as session:
        accounts = list_accounts(session, carrier=carrier)
    return accounts[0] if accounts else None


async def save_carrier_account(
    services: Any, carrier: str, label: str, values: Mapping[str, str]
) -> Any:
    """Secrets to the keychain first (nothing is stored if it refuses), then the account."""
    from app.store import new_session, save_account

    adapter = REGISTRY[carrier]
    account = existing_account(services.store, carrier)
    account_id = account.id if account is not None else uuid.uuid4().hex
    fields = {k: v for k, v in (account.fields if account else {}).items() if k == BASE_URL_FIELD}
    for spec in adapter.credential_fields:
        value = (values.get(spec.name) or "").strip()
        if spec.secret:
            if value:
                await services.secrets.set(account_id, spec.name, value)
        elif value:
            fields[spec.name] = value
    with new_session(services.store) as session:
        return save_account(
            session,
            carrier=carrier,
            label=label.strip() or adapter.display_name,
            fields=fields,
            account_id=account_id,
        )


async def remove_carrier_account(services: Any, carrier: str) -> None:
    from app.store import delete_account, new_session

    account = existing_account(services.store, carrier)
    if account is None:
        return
    for spec in REGISTRY[carrier].credential_fields:
        if spec.secret:
            await services.secrets.delete(account.id, spec.name)
    with new_session(services.store) as session:
        delete_account(session, account_id=account.id)


class AccountTile:
    """One carrier: its fields, Save, Test connection, Remove and the outcome line."""

    def __init__(self, ctx: ViewContext, carrier: str, *, active: int = 0) -> None:
        self.ctx = ctx
        self.carrier = carrier
        self.active = active  # the carrier's active parcels, named beside the account's state
        self.adapter = REGISTRY[carrier]
        self.account = existing_account(ctx.services.store, carrier)
        lang = ctx.lang
        self.label = ft.TextField(
            label=ctx.t("settings.label"),
            value=self.account.label if self.account else self.adapter.display_name,
        )
        self.fields: dict[str, ft.TextField] = {}
        for spec in self.adapter.credential_fields:
            self.fields[spec.name] = self._field(spec, lang)
        self.outcome = ft.Text("")
        self.outcome_box = hidden_note(self.outcome)
        self.status = ft.Text(self._status_text(), theme_style=ft.TextThemeStyle.BODY_SMALL)
        # Only a saved account can be removed.
        self.remove_button = ft.TextButton(
            content=ctx.t("settings.remove"), on_click=self.remove, visible=bool(self.account)
        )
        keychain = (
            ctx.t("settings.demo_keys") if ctx.services.demo_mode else ctx.t("settings.keychain")
        )
        self.tile = ft.ExpansionTile(
            title=ft.Text(self.adapter.display_name),
            subtitle=self.status,
            leading=ft.Icon(ft.Icons.KEY if carrier not in AGGREGATORS else ft.Icons.HUB_OUTLINED),
            maintain_state=True,
            controls_padding=ft.Padding.only(left=16, right=16, top=8, bottom=16),
            expanded_cross_axis_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                ft.Column(
                    spacing=12,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                    controls=self._body(keychain),
                )
            ],
        )

    def _body(self, keychain: str) -> list[ft.Control]:
        ctx = self.ctx
        return [
            self.label,
            *self.fields.values(),
            ft.Row(
                spacing=6,
                controls=[
                    ft.Icon(ft.Icons.LOCK_OUTLINE, size=16, color=ft.Colors.PRIMARY),
                    own(
                        ft.Text(keychain, theme_style=ft.TextThemeStyle.BODY_SMALL),
                        expand=True,
                    ),
                ],
            ),
            ft.Row(
                wrap=True,
                spacing=8,
                run_spacing=8,
                controls=[
                    ft.FilledButton(
                        content=ctx.t("settings.save"), icon=ft.Icons.SAVE, on_click=self.save
                    ),
                    ft.OutlinedButton(
                        content=ctx.t("settings.test"),
                        icon=ft.Icons.NETWORK_CHECK,
                        on_click=self.test,
                    ),
                    self.remove_button,
                ],
            ),
            self.outcome_box,
        ]

    def _field(self, spec: CredentialField, lang: Lang) -> ft.TextField:
        label = spec.label_de if lang == "de" else spec.label_en
        if spec.secret:
            return ft.TextField(
                label=label,
                password=True,
                can_reveal_password=True,
                hint_text=self.ctx.t("settings.secret_kept") if self.account else None,
            )
        value = self.account.fields.get(spec.name, "") if self.account else ""
        return ft.TextField(label=label, value=value)

    def _status_text(self) -> str:
        ctx = self.ctx
        if self.account:
            state = ctx.t("settings.configured")
        elif self.adapter.auth is AuthKind.NONE:
            # Tracked without any setting up (DPD's public API): "not set up" would mislead.
            state = ctx.t("settings.keyless")
        else:
            state = ctx.t("settings.not_configured")
        if not self.active:
            return state
        key = "settings.active_one" if self.active == 1 else "settings.active_many"
        return f"{state} · {ctx.t(key, count=self.active)}"

    def _values(self) -> dict[str, str]:
        return {name: (field.value or "").strip() for name, field in self.fields.items()}

    async def _values_with_stored(self) -> dict[str, str]:
        """What the user typed; secrets left empty fall back to the ones already saved."""
        values = self._values()
        if self.account is not None:
            for spec in self.adapter.credential_fields:
                if spec.secret and not values.get(spec.name):
                    stored = await self.ctx.services.secrets.get(self.account.id, spec.name)
                    values[spec.name] = stored or ""
        return values

    def _show(self, text: str, *, error: bool) -> None:
        self.outcome.value = text
        self.outcome.color = ft.Colors.ERROR if error else ft.Colors.PRIMARY
        self.outcome_box.visible = True
        update_only(self.outcome_box)

    def _missing(self, values: Mapping[str, str]) -> list[str]:
        lang = self.ctx.lang
        return [
            spec.label_de if lang == "de" else spec.label_en
            for spec in self.adapter.credential_fields
            if not spec.optional and not values.get(spec.name)
        ]

    async def save(self) -> None:
        from app.native.secrets import SecretStoreError

        values = await self._values_with_stored()
        missing = self._missing(values)
        if missing:
            self._show(self.ctx.t("settings.missing", fields=", ".join(missing)), error=True)
            return
        try:
            self.account = await save_carrier_account(
                self.ctx.services, self.carrier, self.label.value or "", self._values()
            )
        except SecretStoreError as error:
            self._show(self.ctx.t("settings.keychain_error", detail=str(error)), error=True)
            return
        for spec in self.adapter.credential_fields:
            if spec.secret:
                field = self.fields[spec.name]
                field.value = ""  # never keep a key on screen longer than needed
                field.hint_text = self.ctx.t("settings.secret_kept")
        self.status.value = self._status_text()
        self.remove_button.visible = True
        await _reload_sync(self.ctx.services)
        self._show(self.ctx.t("settings.saved"), error=False)
        update_only(self.status, self.remove_button, *self.fields.values())

    async def test(self) -> None:
        values = await self._values_with_stored()
        missing = self._missing(values)
        if missing:
            self._show(self.ctx.t("settings.missing", fields=", ".join(missing)), error=True)
            return
        self._show(self.ctx.t("settings.testing"), error=False)
        base_url = self.account.fields.get(BASE_URL_FIELD) if self.account else None
        try:
            outcome = await check_connection(
                self.carrier, values, base_url=base_url, language=self.ctx.lang
            )
        except Exception as error:  # a bad base URL, say: show it rather than crash
            log.warning("connection test failed", exc_info=True)
            outcome = ConnectionOutcome(False, ProblemKind.UNAVAILABLE, type(error).__name__)
        self._show(outcome.text(self.ctx.lang), error=not outcome.ok)

    async def remove(self) -> None:
        await remove_carrier_account(self.ctx.services, self.carrier)
        self.account = None
        for field in self.fields.values():
            field.value = ""
            field.hint_text = None
        self.status.value = self._status_text()
        self.remove_button.visible = False
        await _reload_sync(self.ctx.services)
        self._show(self.ctx.t("settings.removed"), error=False)
        update_only(self.status, self.remove_button, *self.fields.values())


async def _reload_sync(services: Any) -> None:
    """The sync engine picks up the new or removed key at once."""
    reload = getattr(services.sync, "reload_accounts", None)
    if reload is None:
        return
    try:
        await reload()
    except Exception:  # the key is saved either way; sync retries on its own
        log.warning("reloading the sync accounts failed", exc_info=True)


def in_use_first(carriers: list[str], active: Mapping[str, int]) -> list[str]:
    """The carriers with active parcels first, then the others, each group by name: the
    registry's order (DHL, UPS, FedEx, USPS, …) would put Hermes and GLS far down for most."""
    return sorted(carriers, key=lambda c: (not active.get(c), carrier_name(c).casefold()))


def account_tiles(
    ctx: ViewContext, *, aggregators: bool, focus: str | None = None
) -> list[ft.Control]:
    """One tile per carrier (or aggregator); `focus`'s tile opened and keyed to scroll to."""
    carriers = [c for c in REGISTRY if (c in AGGREGATORS) == aggregators]
    # An aggregator tracks for any carrier: its tiles have no parcels of their own to count.
    active = {} if aggregators else active_parcel_counts(ctx.services.store)
    tiles: list[ft.Control] = []
    for carrier in in_use_first(carriers, active):
        tile = AccountTile(ctx, carrier, active=active.get(carrier, 0)).tile
        if carrier == focus:
            tile.expanded = True
            tile.key = ft.ScrollKey(carrier)  # type: ignore[call-arg]  # (a lazy dataclass)
        tiles.append(tile)
    return tiles
