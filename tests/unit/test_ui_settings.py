"""Settings: accounts (keys to the secret store, the rest to SQLite), the connection test against
the sandbox, the setting names other parts read, language/theme, e-mail, export/import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.domain.models import ProblemKind
from app.native.secrets import InMemorySecretStore
from app.sandbox.app import sandbox_url
from app.sandbox.context import SandboxContext
from app.sandbox.server import SandboxServer
from app.store import add_parcel, all_settings, list_accounts, list_parcels, new_session, open_store
from app.ui.i18n import Lang
from app.ui.services import AppServices
from app.ui.state import LANG_SETTING, THEME_SETTING, detect_settings, stored_ui_settings
from app.ui.views.context import ViewContext
from app.ui.views.settings import (
    NOTIFY_KINDS,
    SettingsScreen,
    build_settings_view,
    normal_time,
    parse_quiet_hours,
)
from app.ui.views.settings_accounts import (
    AccountTile,
    ConnectionOutcome,
    check_connection,
    remove_carrier_account,
    save_carrier_account,
)
from app.ui.views.settings_data import export_text, import_text
from tests.unit.test_ui_views import fire, is_visible


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    engine = open_store(tmp_path / "db.sqlite")
    yield engine
    engine.dispose()


@pytest.fixture
def services(store: Any) -> AppServices:
    return AppServices(store=store, secrets=InMemorySecretStore())


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxContext()) as server:
        yield server


def context(services: AppServices, lang: str = "de") -> ViewContext:
    return ViewContext(
        lang=lang,  # type: ignore[arg-type]
        navigate=lambda _r: None,
        back=lambda: None,
        notify=lambda _t: None,
        services=services,
    )


# ------------------------------------------------------------------ accounts -----------------


async def test_secrets_go_to_the_secret_store_and_the_rest_to_sqlite(
    services: AppServices, tmp_path: Path
) -> None:
    secret = "ups-secret-4711-abcdef"
    account = await save_carrier_account(
        services, "ups", "Mein UPS", {"client_id": "my-client", "client_secret": secret}
    )
    assert (account.carrier, account.label, dict(account.fields)) == (
        "ups",
        "Mein UPS",
        {"client_id": "my-client"},
    )
    assert await services.secrets.get(account.id, "client_secret") == secret
    services.store.dispose()
    files = list(tmp_path.glob("db.sqlite*"))
    assert files  # the store's files, so the check below looks at something
    for path in files:
        assert secret.encode() not in path.read_bytes(), path

    # Saving again keeps the account id and the stored secret when the field is left empty.
    again = await save_carrier_account(services, "ups", "UPS", {"client_id": "other"})
    assert again.id == account.id
    assert await services.secrets.get(account.id, "client_secret") == secret

    await remove_carrier_account(services, "ups")
    assert await services.secrets.get(account.id, "client_secret") is None
    with new_session(services.store) as session:
        assert list_accounts(session) == []


async def test_the_tile_saves_shows_the_keychain_line_and_clears_the_key(
    services: AppServices,
) -> None:
    tile = AccountTile(context(services), "dhl")
    assert "Dein Schlüssel liegt im Schlüsselbund des Systems" in _texts(tile.tile)
    assert not is_visible(tile.remove_button)  # nothing to remove yet
    await tile.save()
    assert tile.outcome.value == "Bitte ausfüllen: API-Schlüssel"

    tile.fields["api_key"].value = "dhl-key-123456"
    await tile.save()

    assert tile.outcome.value == "Gespeichert"
    assert tile.fields["api_key"].value == ""  # never left on screen
    assert tile.status.value == "Eingerichtet"
    assert is_visible(tile.remove_button)
    [account] = list_accounts(new_session(services.store), carrier="dhl")
    assert await services.secrets.get(account.id, "api_key") == "dhl-key-123456"
    assert AccountTile(context(services), "dhl").remove_button.visible  # as the next visit shows

    await tile.remove()
    assert tile.outcome.value == "Konto entfernt"
    assert tile.status.value == "Nicht eingerichtet"
    assert not is_visible(tile.remove_button)
    assert await services.secrets.get(account.id, "api_key") is None


async def test_the_connection_test_tells_a_working_key_from_a_refused_one(
    sandbox: SandboxServer,
) -> None:
    from app.carriers.registry import REGISTRY

    base = sandbox_url(sandbox.url, "dhl", REGISTRY["dhl"].default_base_url)
    works = await check_connection("dhl", {"api_key": "good-key"}, base_url=base)
    assert works.ok
    assert works.kind is ProblemKind.NOT_FOUND
    assert works.text("de").startswith("Verbindung klappt")

    refused = await check_connection("dhl", {"api_key": "bad-key"}, base_url=base)
    assert not refused.ok
    assert refused.kind is ProblemKind.AUTH_FAILED
    assert refused.text("en").startswith("Key refused (AUTH_FAILED)")


async def test_an_oauth_carrier_is_tested_through_its_token(sandbox: SandboxServer) -> None:
    from app.carriers.registry import REGISTRY

    base = sandbox_url(sandbox.url, "ups", REGISTRY["ups"].default_base_url)
    works = await check_connection(
        "ups", {"client_id": "id", "client_secret": "secret"}, base_url=base
    )
    assert works.ok, works
    refused = await check_connection(
        "ups", {"client_id": "bad-id", "client_secret": "secret"}, base_url=base
    )
    assert refused.kind is ProblemKind.AUTH_FAILED, refused


async def test_an_unreachable_service_is_unavailable() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    outcome = await check_connection(
        "dhl", {"api_key": "k"}, base_url=f"http://127.0.0.1:{port}/dhl/track"
    )
    assert outcome.kind is ProblemKind.UNAVAILABLE
    assert "UNAVAILABLE" in outcome.text("de")


# ------------------------------------------------------------------ settings names -----------


def test_notification_kinds_and_quiet_hours_use_the_agreed_names(services: AppServices) -> None:
    screen = SettingsScreen(context(services))
    view = screen.view()
    switches = [c for c in _controls(view) if isinstance(c, ft.Switch)]
    kinds = switches[: len(NOTIFY_KINDS)]
    assert all(s.value for s in kinds)  # every kind is on by default
    kinds[1].value = False  # the user switches the second kind off
    fire(kinds[1].on_change, ft.Event("change", control=kinds[1]))
    screen.quiet_from.value = "21:30"
    screen.quiet_to.value = "7:00"
    screen._save_quiet()
    stored = all_settings(new_session(services.store))
    assert stored["notify.kind.out_for_delivery"] == "off"
    assert stored["notify.quiet_hours"] == "21:30-07:00"

    screen.quiet_to.value = "25:00"
    screen._save_quiet()
    assert screen.quiet_error.visible
    assert all_settings(new_session(services.store))["notify.quiet_hours"] == "21:30-07:00"
    assert NOTIFY_KINDS == (
        "shipped",
        "out_for_delivery",
        "ready_for_pickup",
        "delivered",
        "problem",
        "eta_moved",
        "stalled",
    )


def test_quiet_hours_parse() -> None:
    assert parse_quiet_hours("22:00-06:00") == ("22:00", "06:00")
    assert parse_quiet_hours("") is None
    assert normal_time("7:05") == "07:05"
    assert normal_time("24:00") is None


def test_language_and_theme_are_stored_and_every_session_is_told(services: AppServices) -> None:
    told: list[str] = []
    services.ui_settings_listeners.append(lambda: told.append("x"))
    screen = SettingsScreen(context(services))
    screen.view()
    screen._set_language("en")
    screen._set_theme("dark")
    stored = stored_ui_settings(services.store)
    assert stored == {LANG_SETTING: "en", THEME_SETTING: "dark"}
    assert told == ["x", "x"]
    settings = detect_settings(["de-DE"], env={}, stored=stored)
    assert (settings.lang, settings.theme.value) == ("en", "dark")
    screen._set_language("system")
    stored = stored_ui_settings(services.store)
    assert detect_settings(["de-DE"], env={}, stored=stored).lang == "de"


async def test_email_settings_and_password(services: AppServices) -> None:
    screen = SettingsScreen(context(services))
    screen.view()
    screen.email_on.value = True
    fields = screen.email_fields
    fields["host"].value = "smtp.example.org"
    fields["port"].value = "465"
    fields["username"].value = "maria"
    fields["from"].value = "paketpilot@example.org"
    fields["to"].value = "maria@example.org"
    screen.email_security.value = "tls"
    screen.email_password.value = "smtp-pass-123"
    await screen._save_email()
    stored = all_settings(new_session(services.store))
    assert {k: v for k, v in stored.items() if k.startswith("email.")} == {
        "email.enabled": "on",
        "email.host": "smtp.example.org",
        "email.port": "465",
        "email.security": "tls",
        "email.username": "maria",
        "email.from": "paketpilot@example.org",
        "email.to": "maria@example.org",
    }
    assert await services.secrets.get("email", "password") == "smtp-pass-123"
    assert screen.email_password.value == ""


def test_export_and_import_round_trip(services: AppServices, tmp_path: Path) -> None:
    with new_session(services.store) as session:
        add_parcel(session, tracking_number="00340434398259791900", carrier="dhl")
    backup = export_text(services.store)
    other = open_store(tmp_path / "other.sqlite")
    assert import_text(other, backup) == (0, 1)
    with new_session(other) as session:
        assert [p.tracking_number for p in list_parcels(session)] == ["00340434398259791900"]
    other.dispose()


def test_the_view_has_every_section_and_the_about_facts(services: AppServices) -> None:
    view = build_settings_view(context(services, "en"))
    texts = _texts(view)
    for heading in (
        "Language",
        "Theme",
        "Carrier accounts",
        "Aggregator services",
        "Notifications",
        "Quiet hours",
        "E-mail updates",
        "Data",
        "About Paketpilot",
    ):
        assert heading in texts, heading
    assert "Local-first: no account, your data stays on this device." in texts
    assert any("MIT licence" in text for text in texts)
    assert view.route == "/settings"


def test_the_demo_says_its_keys_are_in_memory(services: AppServices) -> None:
    services.demo_mode = True
    texts = _texts(build_settings_view(context(services, "en")))
    assert any(text.startswith("Demo running") for text in texts)
    assert any(text.startswith("Demo: the accounts point at the built-in") for text in texts)


def _controls(root: Any) -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        found.append(node)
        for name in ("content", "controls", "title", "subtitle"):
            child = getattr(node, name, None)
            if isinstance(child, list):
                for item in child:
                    walk(item)
            elif isinstance(child, ft.Control):
                walk(child)

    walk(root)
    return found


def _texts(root: Any) -> list[str]:
    return [c.value for c in _controls(root) if isinstance(c, ft.Text) and isinstance(c.value, str)]


def test_settings_open_at_one_carriers_account(services: AppServices) -> None:
    """A parcel's "Zugang einrichten" lands on its carrier's tile, open and keyed to scroll to."""
    view = build_settings_view(context(services), "gls")
    tiles = {
        node.title.value: node
        for node in _controls(view)
        if isinstance(node, ft.ExpansionTile) and isinstance(node.title, ft.Text)
    }
    assert tiles["GLS"].expanded
    key = tiles["GLS"].key
    # Field by field: mypy does not see ScrollKey's constructor (Flet makes it a dataclass lazily).
    assert isinstance(key, ft.ScrollKey)
    assert key.value == "gls"
    assert not any(tile.expanded for name, tile in tiles.items() if name != "GLS")
    unknown = build_settings_view(context(services), "nowhere")  # no such carrier: just Settings
    assert not any(isinstance(n, ft.ExpansionTile) and n.expanded for n in _controls(unknown))


@pytest.mark.parametrize(
    ("kind", "lang", "says"),
    [
        (
            ProblemKind.RATE_LIMITED,
            "de",
            "Zu viele Anfragen, neuer Versuch später (RATE_LIMITED): ",
        ),
        (ProblemKind.RATE_LIMITED, "en", "Too many requests, trying again later (RATE_LIMITED): "),
        (ProblemKind.BAD_RESPONSE, "de", "Unlesbare Antwort vom Versanddienst (BAD_RESPONSE): "),
    ],
)
def test_a_failed_connection_test_says_what_in_words_then_the_exact_answer(
    kind: ProblemKind, lang: Lang, says: str
) -> None:
    outcome = ConnectionOutcome(False, kind, "HTTP 429 from the gateway")
    assert outcome.text(lang) == says + "HTTP 429 from the gateway"


def test_a_carrier_that_needs_no_key_is_not_called_not_set_up(services: AppServices) -> None:
    """DPD's public API is used without any account (app.sync.accounts)."""
    assert AccountTile(context(services), "dpd").status.value == "Aktiv, kein Schlüssel nötig"
    assert AccountTile(context(services), "gls").status.value == "Nicht eingerichtet"


def test_carriers_with_active_parcels_come_first_then_the_rest_by_name(
    services: AppServices,
) -> None:
    """Most German parcels come with DHL, Hermes, DPD and GLS; the registry starts with DHL,
    UPS, FedEx and USPS. The carriers the user has active parcels with lead, whichever they
    are, and say how many: the reason to set one up."""

    def tiles() -> list[tuple[str, str]]:
        view = build_settings_view(context(services))
        return [
            (str(node.title.value), str(node.subtitle.value))
            for node in _controls(view)
            if isinstance(node, ft.ExpansionTile)
            and isinstance(node.title, ft.Text)
            and isinstance(node.subtitle, ft.Text)
        ]

    def titles() -> list[str]:
        return [title for title, _ in tiles()]

    carriers = ["DHL", "DPD", "FedEx", "GLS", "Hermes", "PostNL", "Royal Mail", "UPS", "USPS"]
    assert titles() == [*carriers, "17TRACK", "AfterShip"]
    with new_session(services.store, write=True) as session:
        add_parcel(session, tracking_number="H1234567890123456789", carrier="hermes")
        add_parcel(session, tracking_number="ZW4XKL3R", carrier="gls")
        add_parcel(session, tracking_number="ZW4XKL3S", carrier="gls")
    rest = [c for c in carriers if c not in ("GLS", "Hermes")]
    assert titles() == ["GLS", "Hermes", *rest, "17TRACK", "AfterShip"]
    statuses = dict(tiles())
    assert statuses["GLS"] == "Nicht eingerichtet · 2 aktive Sendungen"
    assert statuses["Hermes"] == "Nicht eingerichtet · 1 aktive Sendung"
    assert statuses["DHL"] == "Nicht eingerichtet"
