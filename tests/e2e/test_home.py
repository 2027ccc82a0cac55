"""My orders in a real browser: readable by role and text, in both languages, themes, sizes."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.ui.views.home import LIST_WIDTH
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

pytestmark = pytest.mark.e2e

if TYPE_CHECKING:
    from playwright.sync_api import Page

WORDS = {
    "de-DE": {
        "title": "Meine Bestellungen",
        "empty": "Noch keine Sendungen",
        "buttons": ("Sendung hinzufügen", "Demo ansehen", "Einstellungen", "Aktualisieren"),
        "chips": ("Aktiv", "Zugestellt", "Archiv"),
        "search": "Suchen: Shop oder Nummer",
        "detail": "Wähle eine Sendung",
    },
    "en-US": {
        "title": "My orders",
        "empty": "No parcels yet",
        "buttons": ("Add parcel", "Try the demo", "Settings", "Refresh"),
        "chips": ("Active", "Delivered", "Archive"),
        "search": "Search shop or number",
        "detail": "Select a parcel",
    },
}


def _wait_until_narrower(page: Page, label: str, most: int) -> None:
    """Until the text field named `label` is narrower than `most` px: the list's column beside
    the detail pane on a wide window (a phone layout stretched to it would be ~1,250 px
    wide), the screen on a phone (the wide layout's 420 px column would stick out of 390 px).
    The field is looked up at each poll: a new layout may draw it as a new element."""
    page.wait_for_function(
        """([label, most]) => {
            const field = [...document.querySelectorAll("input")]
                .find((el) => el.getAttribute("aria-label") === label);
            const width = field ? field.getBoundingClientRect().width : 0;
            return width > 0 && width < most;
        }""",
        arg=[label, most],
    )


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
def test_empty_home_in_each_language_size_and_theme(open_app: OpenApp, locale: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[locale]
    lang = locale[:2]
    opened = open_app(locale=locale, color_scheme="light", viewport=PHONE)
    page = opened.page

    expect(page.get_by_text(str(words["title"]), exact=True)).to_be_visible()
    expect(page.get_by_text(str(words["empty"]), exact=True)).to_be_visible()
    for name in words["buttons"]:
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    for name in words["chips"]:
        expect(page.get_by_role("checkbox", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name=words["chips"][0])).to_be_checked()
    search = page.get_by_role("textbox", name=str(words["search"]))
    expect(search).to_be_visible()
    # Nothing to choose, so no "choose a parcel" beside the list on a wide window either.
    detail = page.get_by_text(str(words["detail"]), exact=True)
    expect(detail).to_have_count(0)
    light_phone = stable_screenshot(page, f"home_{lang}_phone_light")

    # The same session reacts to a wider window and to the system switching to dark. Wide,
    # the list keeps its column (and the search field in it) beside the detail pane.
    page.set_viewport_size(DESKTOP)
    _wait_until_narrower(page, str(words["search"]), LIST_WIDTH)
    expect(detail).to_have_count(0)
    light_desktop = stable_screenshot(page, f"home_{lang}_desktop_light")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    dark_desktop = stable_screenshot(page, f"home_{lang}_desktop_dark")
    page.set_viewport_size(PHONE)
    _wait_until_narrower(page, str(words["search"]), PHONE["width"])
    dark_phone = stable_screenshot(page, f"home_{lang}_phone_dark")

    for light in (light_phone, light_desktop):
        assert mean_brightness(light.read_bytes()) > 180, light
    for dark in (dark_phone, dark_desktop):
        assert mean_brightness(dark.read_bytes()) < 80, dark
    # Offline: the one request that would leave the machine is Flet's optional rive script.
    assert all("rive" in url for url in opened.blocked), opened.blocked


def test_buttons_chips_and_routes_work(open_app: OpenApp) -> None:
    from playwright.sync_api import expect

    page = open_app(locale="en-US").page

    type_into(page, page.get_by_role("textbox", name="Search shop or number"), "ikea")
    expect(page.get_by_text("No matches for “ikea”.")).to_be_visible()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect(page.get_by_text("No parcels yet", exact=True)).to_be_visible()

    page.get_by_role("checkbox", name="Archive").click()
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Archive")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Active")).not_to_be_checked()

    page.get_by_role("button", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    back = page.get_by_role("button", name="Back")
    expect(back).to_be_visible()
    back.click()
    expect(back).to_have_count(0)
    # Home kept its filter across the round trip.
    expect(page.get_by_role("checkbox", name="Archive")).to_be_checked()

    page.get_by_role("button", name="Settings").click()
    expect(back).to_be_visible()
    page.go_back()  # the browser's back button pops the view too
    expect(back).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("checkbox", name="Active").click()  # the empty state lives on Active
    page.get_by_role("button", name="Add parcel").click()
    expect(page).to_have_url(re.compile(r"/add$"))


def test_try_the_demo_fills_my_orders(open_app: OpenApp, tmp_path: Path) -> None:
    """The empty state's demo entry switches a running app to the demo's orders."""
    from playwright.sync_api import expect

    server = start_app(tmp_path)  # its own server: the demo replaces what the app shows
    try:
        page = open_app(locale="en-US", server=server).page
        page.get_by_role("button", name="Try the demo").click()
        expect(page.get_by_text("Zalando").first).to_be_visible(timeout=20_000)
        expect(page.get_by_text("No parcels yet", exact=True)).to_have_count(0)
    finally:
        stop_app(server)


def test_a_deep_link_opens_on_top_of_home(open_app: OpenApp) -> None:
    from playwright.sync_api import expect

    page = open_app("/parcels/p1", locale="de-DE").page

    # A link to a parcel that is not (or no longer) there says so, on top of home.
    expect(page.get_by_text("Diese Sendung gibt es nicht mehr.")).to_be_visible()
    stable_screenshot(page, "parcel_missing_de_phone_light")
    page.get_by_role("button", name="Zurück").click()
    expect(page.get_by_text("Meine Bestellungen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Zurück")).to_have_count(0)


def test_the_page_is_not_cross_origin_isolated_and_skwasm_draws(
    open_app: OpenApp, app_server: AppServer
) -> None:
    """app.ui.web_server: on an isolated page skwasm would draw in a second thread, which can
    freeze the tab for good in this Flutter; without isolation it draws on the main thread,
    still the fast WebAssembly renderer (not CanvasKit's JavaScript build)."""
    with urllib.request.urlopen(app_server.url) as response:
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Embedder-Policy"] is None

    page = open_app("/").page

    assert page.evaluate("window.crossOriginIsolated") is False
    loaded = page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    assert any(name.endswith("/skwasm.wasm") for name in loaded), loaded
    assert not any("canvaskit.wasm" in name for name in loaded), loaded
    expect_title = page.get_by_text("Meine Bestellungen", exact=True)
    expect_title.wait_for()
