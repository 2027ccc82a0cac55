"""Add in a real browser: paste a German shipping e-mail, confirm, find the parcel in My orders."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.sandbox.seed import new_number
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
    from playwright.sync_api import Page, Position

pytestmark = pytest.mark.e2e

DHL_NUMBER = new_number("dhl", random.Random(3))
HERMES_NUMBER = new_number("hermes", random.Random(4))
GLS_NUMBER = new_number("gls", random.Random(5))
SPLIT_DHL = new_number("dhl", random.Random(7))
SPLIT_HERMES = new_number("hermes", random.Random(8))
BELOW_OVERLAP: Position = {"x": 20, "y": 12}  # the field's box overlaps the next node below
EMAIL = (
    "Hallo Maria,\n"
    "gute Nachrichten: Deine Bestellung 4711 ist unterwegs.\n"
    f"Deine DHL Sendungsnummer lautet {DHL_NUMBER}\n"
    "Viele Grüße, dein Shop-Team"
)


def blur(page: Page) -> None:
    """End editing, so the blinking cursor does not keep screenshots from settling."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(200)


@pytest.fixture(scope="module")
def add_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A server of its own: this module adds parcels that other modules' empty home must not
    see."""
    server = start_app(Path(tmp_path_factory.mktemp("add")))
    yield server
    stop_app(server)


def test_paste_a_german_shipping_email_and_see_the_parcel(
    open_app: OpenApp, add_server: AppServer
) -> None:
    from playwright.sync_api import expect

    page = open_app("/add", locale="de-DE", server=add_server).page
    field = page.get_by_role("textbox", name="Sendungsnummer oder Versandbestätigung einfügen")
    expect(field).to_be_visible()
    type_into(page, field, EMAIL, position=BELOW_OVERLAP)

    expect(page.get_by_text("1 Sendungsnummer gefunden", exact=True)).to_be_visible()
    expect(page.get_by_text(DHL_NUMBER, exact=True)).to_be_visible()
    # 20 digits fit DHL, FedEx and USPS: the candidates are choices, the best one chosen.
    expect(page.get_by_role("radio", name="DHL")).to_be_checked()
    expect(page.get_by_role("radio", name="FedEx")).not_to_be_checked()
    blur(page)
    stable_screenshot(page, "add_de_phone_light_found")

    page.get_by_role("button", name="Hinzufügen", exact=True).click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("Meine Bestellungen", exact=True)).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile(f"Sendung {DHL_NUMBER} öffnen"))
    ).to_be_visible()
    stable_screenshot(page, "add_de_phone_light_added_home")

    # The same number again: the app says it is already tracked and offers to open it.
    add_button = re.compile(r"^(Neue Sendung|Sendung hinzufügen)$")
    page.get_by_role("button", name=add_button).first.click()
    field = page.get_by_role("textbox", name="Sendungsnummer oder Versandbestätigung einfügen")
    type_into(page, field, DHL_NUMBER, position=BELOW_OVERLAP)
    expect(page.get_by_text("Wird schon verfolgt", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Öffnen")).to_be_visible()
    expect(page.get_by_role("button", name="Hinzufügen", exact=True)).to_be_disabled()


def test_a_parcel_no_account_tracks_says_so_and_leads_to_settings(
    open_app: OpenApp, add_server: AppServer
) -> None:
    """This server has no carrier account: opening the new parcel fetches it, the engine finds
    no account for GLS, and the header says so in words, with the way to fix it."""
    from playwright.sync_api import expect

    page = open_app("/add", locale="de-DE", server=add_server).page
    field = page.get_by_role("textbox", name="Sendungsnummer oder Versandbestätigung einfügen")
    type_into(page, field, GLS_NUMBER, position=BELOW_OVERLAP)
    expect(page.get_by_role("radio", name="GLS")).to_be_checked()
    page.get_by_role("button", name="Hinzufügen", exact=True).click()

    # force: the row's semantics node names it, the canvas under it takes the click
    page.get_by_role("button", name=re.compile(f"Sendung {GLS_NUMBER} öffnen")).click(force=True)
    expect(page).to_have_url(re.compile(r"/parcels/"))
    hint = "Wird nicht abgerufen: Für GLS ist kein Zugang eingerichtet."
    # The header's texts may be merged into one group's label: look in both.
    expect(page.get_by_text(hint).or_(page.get_by_label(hint)).first).to_be_visible()
    scans = "Noch keine Scans. Sie erscheinen hier, sobald ein Zugang für GLS eingerichtet ist."
    expect(page.get_by_text(scans).or_(page.get_by_label(scans)).first).to_be_visible()
    wrong = re.compile("no account|Abruf fehlgeschlagen|Sobald der Versanddienst")
    expect(page.get_by_text(wrong).or_(page.get_by_label(wrong))).to_have_count(0)
    page.mouse.move(195, 760)  # off the buttons (the tap hit the mute one): no tooltip in the shot
    stable_screenshot(page, "timeline_de_phone_light_no_account")

    page.get_by_role("button", name="Zugang einrichten").click()
    # Settings, opened at the GLS account and scrolled to it (below the fold on a phone).
    expect(page).to_have_url(re.compile(r"/settings/accounts/gls$"))
    client_id = page.get_by_role("textbox", name="Client-ID")
    expect(client_id).to_have_count(1)  # only the GLS tile is open
    expect(client_id).to_be_in_viewport()
    stable_screenshot(page, "settings_de_phone_light_account_gls")
    page.go_back()
    page.go_back()  # My orders: the sync line names the carrier nothing can check
    line = page.get_by_text(re.compile(r"Kein Zugang für .*GLS"))
    expect(line).to_be_visible()
    # ... and its key button leads to the account of the first carrier it names.
    first = re.search(r"Kein Zugang für ([^,]+)", line.inner_text())
    assert first is not None
    carrier = first.group(1).lower().replace(" ", "")  # "DHL" -> dhl, "Royal Mail" -> royalmail
    page.get_by_role("button", name="Zugang einrichten").click()
    expect(page).to_have_url(re.compile(rf"/settings/accounts/{carrier}$"))

    # The next GLS number is told before it is added (the engine's accounts are loaded by
    # now: it marked the first one): it would be stored, not fetched.
    page = open_app("/add", locale="de-DE", server=add_server).page
    field = page.get_by_role("textbox", name="Sendungsnummer oder Versandbestätigung einfügen")
    type_into(page, field, new_number("gls", random.Random(6)), position=BELOW_OVERLAP)
    expect(page.get_by_role("radio", name="GLS")).to_be_checked()
    expect(page.get_by_text(re.compile("^Für GLS ist kein Zugang eingerichtet"))).to_be_visible()


def test_the_second_email_of_a_split_order_joins_the_first_ones_order(
    open_app: OpenApp, add_server: AppServer
) -> None:
    """The first e-mail's order number waits in the new-order form; the second e-mail names it
    again and its parcel is filed under that order: the card reads "Paket 2 von 2"."""
    from playwright.sync_api import expect

    field_name = "Sendungsnummer oder Versandbestätigung einfügen"
    page = open_app("/add", locale="de-DE", server=add_server).page
    first = f"Deine Bestellung 8150 ist unterwegs.\nDHL Sendungsnummer: {SPLIT_DHL}"
    type_into(page, page.get_by_role("textbox", name=field_name), first, position=BELOW_OVERLAP)
    expect(page.get_by_text(SPLIT_DHL, exact=True)).to_be_visible()
    page.get_by_role("radio", name="Neue Bestellung").click(force=True)
    # The order number is not typed: only the form's prefill can give the order its "8150",
    # which the second e-mail finds. (Flutter leaves an unfocused field's DOM value empty.)
    type_into(page, page.get_by_role("textbox", name="Shop", exact=True), "Bücherwelt")
    page.get_by_role("button", name="Hinzufügen", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))

    add_button = re.compile(r"^(Neue Sendung|Sendung hinzufügen)$")
    page.get_by_role("button", name=add_button).first.click()
    second = f"Bestellnummer: 8150\nDein zweites Paket kommt mit Hermes: {SPLIT_HERMES}"
    type_into(page, page.get_by_role("textbox", name=field_name), second, position=BELOW_OVERLAP)
    expect(page.get_by_text(SPLIT_HERMES, exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name="Bücherwelt")).to_be_checked()
    blur(page)
    stable_screenshot(page, "add_de_phone_light_split_order")
    page.get_by_role("button", name="Hinzufügen", exact=True).click()

    expect(page).to_have_url(re.compile(r"/$"))
    row = re.compile(f"Sendung .*öffnen.*Paket 2 von 2 · Hermes · {SPLIT_HERMES}", re.DOTALL)
    expect(page.get_by_role("button", name=row)).to_be_visible()


def test_junk_gets_a_clear_reason_in_english(open_app: OpenApp, add_server: AppServer) -> None:
    from playwright.sync_api import expect

    page = open_app("/add", locale="en-US", server=add_server).page
    field = page.get_by_role("textbox", name="Paste a tracking number or shipping confirmation")
    type_into(page, field, "+49 30 1234567", position=BELOW_OVERLAP)
    expect(page.get_by_text("Not a tracking number: looks like a phone number")).to_be_visible()
    type_into(page, field, "1234", position=BELOW_OVERLAP)
    expect(page.get_by_text(re.compile(r"too short: 4 characters"))).to_be_visible()


@pytest.mark.parametrize(("locale", "lang"), [("de-DE", "de"), ("en-US", "en")])
def test_add_screenshots(open_app: OpenApp, add_server: AppServer, locale: str, lang: str) -> None:
    """Phone and desktop, light and dark, with a shipping e-mail holding two numbers."""
    from playwright.sync_api import expect

    opened = open_app(
        "/add", locale=locale, color_scheme="light", viewport=PHONE, server=add_server
    )
    page = opened.page
    label = {
        "de": "Sendungsnummer oder Versandbestätigung einfügen",
        "en": "Paste a tracking number or shipping confirmation",
    }[lang]
    type_into(
        page,
        page.get_by_role("textbox", name=label),
        f"Sendungsnummer Hermes: {HERMES_NUMBER}\nTracking: 1Z999AA10123456784",
        position=BELOW_OVERLAP,
    )
    found = {"de": "2 Sendungsnummern gefunden", "en": "Found 2 tracking numbers"}[lang]
    expect(page.get_by_text(found, exact=True)).to_be_visible()
    blur(page)
    shots = [stable_screenshot(page, f"add_{lang}_phone_light")]
    page.set_viewport_size(DESKTOP)
    shots.append(stable_screenshot(page, f"add_{lang}_desktop_light"))
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    dark = [stable_screenshot(page, f"add_{lang}_desktop_dark")]
    page.set_viewport_size(PHONE)
    dark.append(stable_screenshot(page, f"add_{lang}_phone_dark"))
    for shot in shots:
        assert mean_brightness(shot.read_bytes()) > 150, shot
    for shot in dark:
        assert mean_brightness(shot.read_bytes()) < 100, shot
    assert all("rive" in url for url in opened.blocked), opened.blocked
