"""My orders and the parcel timeline in a real browser, on a store filled before the app starts.

The store is created through app.store functions in PAKETPILOT_DATA_DIR (the composition root
opens `<data dir>/paketpilot.sqlite`), then `python -m app.cli --web` serves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

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
from tests.unit.test_ui_seed import Seeded, seed_file

pytestmark = pytest.mark.e2e

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def see(page: Page, text: str | re.Pattern[str]) -> Locator:
    """Text on screen. Flutter web folds the texts of a group (a timeline entry, a header)
    into the group's aria-label, so look at labels as well as at text nodes."""
    return page.get_by_text(text).or_(page.get_by_label(text)).first


def tap(button: Locator) -> None:
    """Click a row or card. Its semantics node names it, but Flutter draws (and hit-tests) the
    canvas under it, so Playwright's "is this element on top" check fails: click the spot."""
    button.click(force=True)


@dataclass
class SeededApp:
    server: AppServer
    seeded: Seeded
    database: Path


def _serve_seeded(tmp: Path) -> tuple[AppServer, Seeded, Path]:
    database = tmp / "data" / "paketpilot.sqlite"
    seeded = seed_file(database, datetime.now(UTC))
    return start_app(tmp), seeded, database


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededApp]:
    server, seeded, database = _serve_seeded(tmp_path_factory.mktemp("seeded"))
    yield SeededApp(server, seeded, database)
    stop_app(server)


@pytest.fixture
def fresh_app(tmp_path: Path) -> Iterator[SeededApp]:
    """A server of its own, for tests that change the data."""
    server, seeded, database = _serve_seeded(tmp_path)
    yield SeededApp(server, seeded, database)
    stop_app(server)


def delivered_header(delivered_at: datetime) -> str:
    """The delivered parcel's first line as the app words it now: "at 9:40" on the day itself,
    "yesterday at 23:13" in the first minutes after midnight (Berlin), when the seed's 50 minutes
    reach back into the day before."""
    berlin = ZoneInfo("Europe/Berlin")
    local = delivered_at.astimezone(berlin)
    time = f"{local.hour}:{local.minute:02d}"
    if local.date() == datetime.now(berlin).date():
        return f"Delivered at {time}"
    return f"Delivered yesterday at {time}"


WORDS = {
    "de-DE": {
        "title": "Meine Bestellungen",
        "order": "Bestellung öffnen",
        "open": "Sendung Kopfhörer öffnen",
        "split": "Paket 1 von 2 · DHL · 00340434161234567890",
        "handover": "Verkäufer hat noch nicht übergeben",
        "eta": "Morgen",
        "failed": "Zustellversuch fehlgeschlagen",
        "shop_claim": "laut Händler",
        "conflict": "Quellen widersprechen sich:",
        "back": "Zurück",
        "original": "Originaltext anzeigen",
        "close": "Schließen",
        "milestone": "in Zustellung: aktuell",
    },
    "en-US": {
        "title": "My orders",
        "order": "Open order",
        "open": "Open parcel Kopfhörer",
        "split": "Parcel 1 of 2 · DHL · 00340434161234567890",
        "handover": "Seller has not handed over yet",
        "eta": "Tomorrow",
        "failed": "Delivery attempt failed",
        "shop_claim": "according to the shop",
        "conflict": "Sources disagree:",
        "back": "Back",
        "original": "Show original text",
        "close": "Close",
        "milestone": "out for delivery: current",
    },
}


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_list_then_timeline_on_its_own_view(
    open_app: OpenApp, seeded_app: SeededApp, locale: str, scheme: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[locale]
    lang = locale[:2]
    page = open_app(
        locale=locale, color_scheme=scheme, viewport=PHONE, server=seeded_app.server
    ).page

    expect(see(page, words["title"])).to_be_visible()
    # A row is one button: its name is the action, then the answer first, then the rest.
    expect(page.get_by_role("button", name=f"{words['order']} Bücherwelt")).to_be_visible()
    expect(page.get_by_role("button", name=words["split"])).to_be_visible()
    expect(page.get_by_role("button", name=words["handover"])).to_be_visible()
    home = stable_screenshot(page, f"list_{lang}_phone_{scheme}")

    tap(page.get_by_role("button", name=words["open"]))
    expect(page).to_have_url(re.compile(rf"/parcels/{seeded_app.seeded.failed}$"))
    expect(see(page, words["eta"])).to_be_visible()
    expect(see(page, "Empfänger nicht angetroffen")).to_be_visible()
    expect(see(page, words["milestone"])).to_be_visible()
    timeline = stable_screenshot(page, f"timeline_{lang}_phone_{scheme}")

    # Older entries further down: the shop's claim and the sources' disagreement.
    page.mouse.wheel(0, 1500)
    expect(see(page, words["shop_claim"])).to_be_visible()
    expect(see(page, words["conflict"])).to_be_visible()
    if scheme == "light":
        stable_screenshot(page, f"timeline_{lang}_phone_{scheme}_older")

    page.get_by_role("button", name=words["back"]).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name=words["handover"])).to_be_visible()

    for shot in (home, timeline):
        brightness = mean_brightness(shot.read_bytes())
        assert brightness > 170 if scheme == "light" else brightness < 90, shot


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desktop_timeline_opens_beside_the_list(
    open_app: OpenApp, seeded_app: SeededApp, locale: str, scheme: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[locale]
    lang = locale[:2]
    page = open_app(
        locale=locale, color_scheme=scheme, viewport=DESKTOP, server=seeded_app.server
    ).page

    expect(page.get_by_role("button", name=words["split"])).to_be_visible()
    stable_screenshot(page, f"list_{lang}_desktop_{scheme}")

    tap(page.get_by_role("button", name=words["open"]))
    expect(see(page, "Empfänger nicht angetroffen")).to_be_visible()
    # Updated in place: still My orders, the list stays where it was.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name=words["handover"])).to_be_visible()
    expect(see(page, words["shop_claim"])).to_be_visible()
    stable_screenshot(page, f"timeline_{lang}_desktop_{scheme}")


def test_the_panel_prepared_ahead_is_unseen_until_a_parcel_is_opened(
    open_app: OpenApp, seeded_app: SeededApp
) -> None:
    """A wide window prepares the timeline panel behind the hint after the first page (see
    HomeScreen.prepare_panel): nothing of it may be read out or tapped before a click."""
    from playwright.sync_api import expect

    page = open_app(locale="de-DE", viewport=DESKTOP, server=seeded_app.server).page
    first_row = page.get_by_role("button", name=re.compile(r"^Sendung .* öffnen")).first
    expect(first_row).to_be_visible()
    page.wait_for_timeout(1500)  # well past PREPARE_PANEL_AFTER_S

    expect(see(page, "Wähle eine Sendung")).to_be_visible()
    for action in ("Umbenennen", "Archivieren", "Löschen", "Nummer kopieren"):
        expect(page.get_by_role("button", name=action)).to_have_count(0)
    expect(page.get_by_text("Verlauf", exact=True)).to_have_count(0)
    stable_screenshot(page, "list_de_desktop_light_prepared")  # the hint alone, nothing behind

    tap(first_row)
    expect(see(page, "Wähle eine Sendung")).to_have_count(0)
    expect(page.get_by_text("Verlauf", exact=True)).to_be_visible()
    page.get_by_role("button", name="Umbenennen").click()  # the shown panel takes taps
    expect(page.get_by_role("textbox", name="Name")).to_be_visible()
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.get_by_role("textbox", name="Name")).to_have_count(0)


def test_original_text_is_one_tap_away(open_app: OpenApp, seeded_app: SeededApp) -> None:
    from playwright.sync_api import expect

    page = open_app(
        f"/parcels/{seeded_app.seeded.failed}", locale="de-DE", server=seeded_app.server
    ).page

    page.get_by_role("button", name="Originaltext anzeigen").first.click()
    expect(see(page, "Code: NOT_HOME")).to_be_visible()
    stable_screenshot(page, "timeline_de_phone_light_original")
    page.get_by_role("button", name="Schließen").click()
    expect(see(page, "Code: NOT_HOME")).to_have_count(0)


def test_delivered_parcel_shows_proof_and_order_shows_partial_shipment(
    open_app: OpenApp, seeded_app: SeededApp
) -> None:
    from playwright.sync_api import expect

    seeded = seeded_app.seeded
    page = open_app(f"/parcels/{seeded.delivered}", locale="en-US", server=seeded_app.server).page
    expect(see(page, "Proof of delivery")).to_be_visible()
    expect(see(page, "Received by Müller")).to_be_visible()
    expect(see(page, delivered_header(seeded.delivered_at))).to_be_visible()
    stable_screenshot(page, "timeline_en_phone_light_delivered")

    page = open_app(f"/orders/{seeded.books}", locale="de-DE", server=seeded_app.server).page
    expect(see(page, "Bestellnummer BW-1001")).to_be_visible()
    expect(see(page, "Teillieferung: 1 von 2 Paketen versandt")).to_be_visible()
    expect(page.get_by_role("button", name="Verkäufer hat noch nicht übergeben")).to_be_visible()
    stable_screenshot(page, "order_de_phone_light")


def test_actions_update_the_list_and_timeline_in_place(
    open_app: OpenApp, fresh_app: SeededApp
) -> None:
    """Rename, archive and delete with undo go through services.parcels_changed: the listener
    marshals onto the page and redraws the changed row and the open timeline."""
    from playwright.sync_api import expect

    page = open_app(locale="de-DE", viewport=DESKTOP, server=fresh_app.server).page
    tap(page.get_by_role("button", name="Sendung Schuhe öffnen"))
    expect(see(page, "Liegt zur Abholung bereit")).to_be_visible()

    page.get_by_role("button", name="Umbenennen").click()
    type_into(page, page.get_by_role("textbox", name="Name"), "Laufschuhe")
    page.get_by_role("button", name="Speichern").click()
    # The row in the list and the open timeline both show the new name.
    expect(page.get_by_role("button", name="Sendung Laufschuhe öffnen")).to_be_visible()

    page.get_by_role("button", name="Löschen").click()
    expect(page.get_by_role("button", name="Sendung Laufschuhe öffnen")).to_have_count(0)
    page.get_by_role("button", name="Rückgängig").click()
    expect(page.get_by_role("button", name="Sendung Laufschuhe öffnen")).to_be_visible()


def _muted_in_store(database: Path) -> frozenset[str]:
    """The parcel ids the notification dispatcher would skip, read as it reads them."""
    from app.notify.preferences import load_preferences
    from app.store import new_session, open_store

    store = open_store(database)
    try:
        with new_session(store) as session:
            return load_preferences(session).muted
    finally:
        store.dispose()


def test_muting_a_parcel_keeps_its_notifications_quiet(
    open_app: OpenApp, fresh_app: SeededApp
) -> None:
    """The bell in the parcel's actions writes the mute the dispatcher reads; the parcel screen
    shows it (after a reload too) and the same button turns it off again."""
    from playwright.sync_api import expect

    parcel = fresh_app.seeded.failed
    path = f"/parcels/{parcel}"
    page = open_app(path, locale="de-DE", viewport=PHONE, server=fresh_app.server).page
    expect(see(page, "Empfänger nicht angetroffen")).to_be_visible()
    expect(see(page, "Stummgeschaltet")).to_have_count(0)

    page.get_by_role("button", name="Benachrichtigungen stummschalten").click()
    expect(see(page, "Stummgeschaltet")).to_be_visible()
    expect(page.get_by_role("button", name="Benachrichtigungen wieder einschalten")).to_be_visible()
    assert _muted_in_store(fresh_app.database) == frozenset({parcel})

    # A new tab reads the state from the store: light and dark, without the snackbar.
    shots: list[Path] = []
    for scheme in ("light", "dark"):
        page = open_app(
            path, locale="de-DE", color_scheme=scheme, viewport=PHONE, server=fresh_app.server
        ).page
        expect(see(page, "Stummgeschaltet")).to_be_visible()
        shots.append(stable_screenshot(page, f"timeline_de_phone_{scheme}_muted"))

    page.get_by_role("button", name="Benachrichtigungen wieder einschalten").click()
    expect(page.get_by_role("button", name="Benachrichtigungen stummschalten")).to_be_visible()
    expect(see(page, "Stummgeschaltet")).to_have_count(0)
    assert _muted_in_store(fresh_app.database) == frozenset()

    light, dark = (mean_brightness(shot.read_bytes()) for shot in shots)
    assert light > 170, shots[0]
    assert dark < 90, shots[1]


def test_a_filter_menu_narrows_the_list_and_names_its_choice(
    open_app: OpenApp, seeded_app: SeededApp
) -> None:
    from playwright.sync_api import expect

    page = open_app(locale="de-DE", viewport=PHONE, server=seeded_app.server).page
    handover = page.get_by_role("button", name=WORDS["de-DE"]["handover"])
    expect(handover).to_be_visible()
    fit_side_by_side(page, ["Status: Alle", "Versanddienst: Alle", "Shop: Alle"])
    tap(page.get_by_role("button", name="Versanddienst: Alle"))
    # A checked item per choice ("Alle" is checked now).
    expect(page.get_by_role("menuitemcheckbox", name="Alle")).to_be_checked()
    tap(page.get_by_role("menuitemcheckbox", name="Hermes"))

    expect(page.get_by_role("button", name="Versanddienst: Hermes")).to_be_visible()
    expect(see(page, "Hermes · Schuhe")).to_be_visible()
    expect(handover).to_have_count(0)  # a DHL parcel
    fit_side_by_side(page, ["Status: Alle", "Versanddienst: Hermes", "Shop: Alle"])
    stable_screenshot(page, "list_de_phone_light_filtered")


def fit_side_by_side(page: Page, names: list[str]) -> None:
    """The filter buttons `names` (as screen readers hear them: "Versanddienst: Alle") all fit
    the phone's width. Their row scrolls sideways and clips at the search field's right edge:
    a button cut off there ends at it (its node is clipped too, to within a pixel)."""
    search = page.get_by_role("textbox", name="Suchen: Shop oder Nummer").bounding_box()
    assert search is not None
    for name in names:
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None, name
        assert box["x"] + box["width"] < search["x"] + search["width"] - 1, name


def test_an_order_is_renamed_and_gets_another_parcel(
    open_app: OpenApp, fresh_app: SeededApp
) -> None:
    """From the order: edit its names, then add a parcel filed under it; back on the order it
    counts as "Paket 3 von 3", and My orders shows the new name."""
    import random

    from playwright.sync_api import expect

    from app.sandbox.seed import new_number

    books = fresh_app.seeded.books
    page = open_app(f"/orders/{books}", locale="de-DE", server=fresh_app.server).page
    page.get_by_role("button", name="Bestellung bearbeiten").click()
    shop = page.get_by_role("textbox", name="Shop")
    expect(shop).to_be_visible()
    shop.fill("")
    type_into(page, shop, "Bücherwelt Online")
    page.get_by_role("button", name="Speichern").click()
    expect(see(page, "Bestellung gespeichert.")).to_be_visible()
    expect(page.get_by_role("heading", name="Bücherwelt Online")).to_be_visible()

    page.get_by_role("button", name="Sendung zu dieser Bestellung hinzufügen").click()
    field = page.get_by_role("textbox", name="Sendungsnummer oder Versandbestätigung einfügen")
    expect(field).to_be_visible()
    expect(page.get_by_role("radio", name="Bücherwelt Online · Zwei Romane")).to_be_checked()
    type_into(page, field, new_number("gls", random.Random(11)), position={"x": 20, "y": 12})
    expect(page.get_by_role("radio", name="GLS")).to_be_checked()
    page.get_by_role("button", name="Hinzufügen", exact=True).click()

    # Back on the order, with the new parcel third.
    expect(see(page, re.compile(r"Paket 3 von 3 · GLS"))).to_be_visible()
    stable_screenshot(page, "order_de_phone_light_added")
    page.get_by_role("button", name="Zurück").click()
    expect(page.get_by_role("button", name=re.compile("Bücherwelt Online"))).to_be_visible()

    # Dissolved: the order is gone, its parcels stay as single ones.
    tap(page.get_by_role("button", name=re.compile("Bücherwelt Online")))
    page.get_by_role("button", name="Bestellung bearbeiten").click()
    expect(page.get_by_role("button", name="Bestellung auflösen")).to_be_visible()
    page.get_by_role("button", name="Bestellung auflösen").click()
    expect(see(page, "Bestellung aufgelöst.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Bücherwelt Online"))).to_have_count(0)
    expect(see(page, re.compile(r"GLS · 9\d+"))).to_be_visible()
