"""Settings and the demo in a real browser.

- language and theme chosen in Settings apply at once and stay;
- a carrier key typed in Settings lands in the Secret Service (gnome-keyring on a private bus),
  never in the SQLite file;
- `--demo` shows parcels whose status changes within a minute.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.harness import (
    DESKTOP,
    PHONE,
    AppServer,
    OpenApp,
    mean_brightness,
    stable_screenshot,
    start_app,
    stop_app,
    type_into,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.integration.conftest import SecretService

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def settings_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Its own server: the language and theme chosen here are stored for every session."""
    server = start_app(Path(tmp_path_factory.mktemp("settings")))
    yield server
    stop_app(server)


def test_language_and_theme_apply_at_once_and_stay(
    open_app: OpenApp, settings_server: AppServer
) -> None:
    from playwright.sync_api import expect

    page = open_app("/settings", locale="en-US", color_scheme="light", server=settings_server).page
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    stable_screenshot(page, "settings_en_phone_light")
    page.set_viewport_size(DESKTOP)
    stable_screenshot(page, "settings_en_desktop_light")
    page.set_viewport_size(PHONE)

    page.get_by_role("radio", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Einstellungen")).to_be_visible()
    expect(page.get_by_role("radio", name="Deutsch")).to_be_checked()
    light = stable_screenshot(page, "settings_de_phone_light")

    page.get_by_role("radio", name="Dunkel").click()
    expect(page.get_by_role("radio", name="Dunkel")).to_be_checked()
    page.wait_for_timeout(300)
    dark = stable_screenshot(page, "settings_de_phone_dark")
    assert mean_brightness(light.read_bytes()) > 150, light
    assert mean_brightness(dark.read_bytes()) < 100, dark
    page.set_viewport_size(DESKTOP)
    stable_screenshot(page, "settings_de_desktop_dark")

    # Another tab of a browser that prefers English and light: the stored choice wins.
    other = open_app("/", locale="en-US", color_scheme="light", server=settings_server).page
    expect(other.get_by_role("heading", name="Meine Bestellungen")).to_be_visible()
    assert mean_brightness(stable_screenshot(other, "home_de_after_settings").read_bytes()) < 100

    # Back to English and light, in the first tab.
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    page.get_by_role("radio", name="Light").click()
    expect(page.get_by_role("radio", name="Light")).to_be_checked()
    page.emulate_media(color_scheme="dark")  # the system says dark; the choice says light
    page.wait_for_timeout(300)
    shot = stable_screenshot(page, "settings_en_desktop_light_chosen")
    assert mean_brightness(shot.read_bytes()) > 150
    page.emulate_media(color_scheme="dark")
    page.get_by_role("radio", name="Dark").click()
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    stable_screenshot(page, "settings_en_phone_dark")
    # Leave the system default for whoever opens this server next.
    page.get_by_role("radio", name="System default").first.click()
    page.get_by_role("radio", name="System default").nth(1).click()


def _secret_hits(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_carrier_key_goes_to_the_secret_service_not_sqlite(
    open_app: OpenApp, secret_service: SecretService, tmp_path: Path
) -> None:
    from keyring.backend import KeyringBackend
    from keyring.backends import SecretService as SecretServiceBackend
    from playwright.sync_api import expect

    from app.native.secrets import SERVICE_NAME
    from app.store import list_accounts, new_session, open_store

    server = start_app(tmp_path, dict(secret_service.bus.env))
    try:
        page = open_app("/settings", locale="de-DE", server=server).page
        page.get_by_role("button", name=re.compile(r"^DHL")).click()
        expect(
            page.get_by_text("Dein Schlüssel liegt im Schlüsselbund des Systems")
        ).to_be_visible()
        key = f"dhl-e2e-{uuid.uuid4().hex}"
        type_into(page, page.get_by_role("textbox", name="API-Schlüssel"), key)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        stable_screenshot(page, "settings_de_phone_light_key_typed")
        page.get_by_role("button", name="Speichern").first.click()
        tree = page.locator("flt-semantics-host")
        expect(tree.get_by_text("Gespeichert", exact=True)).to_be_visible()
        stable_screenshot(page, "settings_de_phone_light_key_saved")
        expect(page.get_by_role("button", name="DHL Eingerichtet")).to_be_visible()

        store = open_store(tmp_path / "data" / "paketpilot.sqlite")
        with new_session(store) as session:
            [account] = list_accounts(session, carrier="dhl")
        store.dispose()
        # A fresh backend, as another process gets it (keyring's backends have no type hints).
        backend: KeyringBackend = SecretServiceBackend.Keyring()  # type: ignore[no-untyped-call]
        stored = backend.get_password(SERVICE_NAME, f"{account.id}/api_key")
        assert stored == key
        assert _secret_hits(tmp_path / "data", key.encode()) == []

        # "Verbindung testen" with the saved key: the app server reaches this computer only
        # (PAKETPILOT_LOOPBACK_ONLY), so DHL is unreachable, and the app says so precisely.
        page.get_by_role("button", name="Verbindung testen").first.click()
        expect(tree.get_by_text(re.compile(r"UNAVAILABLE"))).to_be_visible(timeout=30_000)
        # The outcome is also announced to screen readers (a live region).
        expect(page.locator("flt-announcement-polite")).to_contain_text("UNAVAILABLE")
    finally:
        stop_app(server)


def _statuses(page: Page) -> list[str]:
    """The names of the parcel rows in My orders (they carry the status word)."""
    rows = page.get_by_role("button", name=re.compile(r"^Sendung .* öffnen"))
    return sorted(rows.evaluate_all("els => els.map(e => e.getAttribute('aria-label') || '')"))


def test_the_demo_moves_within_a_minute(open_app: OpenApp, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server = start_app(tmp_path, {"PAKETPILOT_DEMO": "1"})
    try:
        page = open_app("/", locale="de-DE", viewport=DESKTOP, server=server).page
        expect(page.get_by_text("Zalando").first).to_be_visible(timeout=20_000)
        # The first fetch replaces "waiting for data"; then the journeys move on.
        deadline = time.monotonic() + 20
        while any("Wartet auf Daten" in s for s in _statuses(page)):
            assert time.monotonic() < deadline, _statuses(page)
            page.wait_for_timeout(500)
        first = _statuses(page)
        assert first, "no parcels in the demo"
        stable_screenshot(page, "demo_de_desktop_light_start")
        deadline = time.monotonic() + 60
        while _statuses(page) == first:
            assert time.monotonic() < deadline, f"nothing moved in 60 s: {first}"
            page.wait_for_timeout(1000)
        stable_screenshot(page, "demo_de_desktop_light_moved")
    finally:
        stop_app(server)


@pytest.mark.parametrize(("locale", "lang"), [("de-DE", "de"), ("en-US", "en")])
def test_the_lower_sections_read_well(
    open_app: OpenApp, settings_server: AppServer, locale: str, lang: str
) -> None:
    """Notifications, e-mail, data and about: scrolled into view and photographed."""
    from playwright.sync_api import expect

    words = {
        "de": ("Updates per E-Mail schicken", "SMTP-Server", "Exportieren", "Über Paketpilot"),
        "en": ("Send updates by e-mail", "SMTP server", "Export", "About Paketpilot"),
    }[lang]
    page = open_app("/settings", locale=locale, color_scheme="light", server=settings_server).page
    page.mouse.move(195, 500)
    page.mouse.wheel(0, 1400)
    switch = page.get_by_role("switch", name=words[0])
    expect(switch).to_be_visible()
    if not switch.is_checked():  # the other language's run may have switched it on (stored)
        switch.click()
    expect(page.get_by_role("textbox", name=words[1])).to_be_visible()
    stable_screenshot(page, f"settings_{lang}_phone_light_notifications")
    page.mouse.wheel(0, 1400)
    page.get_by_role("button", name=words[2], exact=True).click()
    expect(page.locator("flt-semantics-host").get_by_text(words[3])).to_be_visible()
    page.mouse.wheel(0, 1400)
    stable_screenshot(page, f"settings_{lang}_phone_light_data_about")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    stable_screenshot(page, f"settings_{lang}_phone_dark_data_about")


def test_export_downloads_a_file_and_import_takes_one(
    open_app: OpenApp, settings_server: AppServer, tmp_path: Path
) -> None:
    """In web mode FilePicker works both ways: save_file() is a download, pick_files() reads."""
    import json

    from playwright.sync_api import expect

    page = open_app("/settings", locale="de-DE", server=settings_server).page
    page.mouse.move(195, 500)
    page.mouse.wheel(0, 4000)
    with page.expect_download(timeout=15_000) as download:
        page.get_by_role("button", name="Als Datei speichern").click()
    document = json.loads(Path(download.value.path()).read_text())
    assert document["format"] == "paketpilot-backup"
    assert download.value.suggested_filename.endswith(".json")

    document["orders"].append(
        {
            "id": "e2e-order",
            "shop": "Tchibo",
            "order_number": "T-1",
            "title": "Kaffee",
            "placed_at": None,
            "items_summary": None,
            "created_at": "2026-11-20T10:00:00.000000+00:00",
        }
    )
    backup = tmp_path / "backup.json"
    backup.write_text(json.dumps(document))
    with page.expect_file_chooser(timeout=15_000) as chooser:
        page.get_by_role("button", name="Datei wählen").click()
    chooser.value.set_files(str(backup))
    expect(
        page.locator("flt-semantics-host").get_by_text(re.compile(r"Importiert: \d+ Bestellungen"))
    ).to_be_visible()
