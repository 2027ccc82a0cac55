"""The wide window's timeline panel shows one parcel after another in place, its lower entries
sent apart from the rest (app.ui.views.timeline.ON_SCREEN_ENTRIES): in a real browser, the
next parcel's oldest scans replace the last one's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.status import Status
from app.store import add_parcel, new_session, open_store
from app.ui.views.timeline import ON_SCREEN_ENTRIES
from tests.e2e.harness import (
    DESKTOP,
    AppServer,
    OpenApp,
    settle,
    stable_screenshot,
    start_app,
    stop_app,
    type_into,
)
from tests.e2e.test_timeline import see, tap
from tests.unit.test_ui_seed import event, seed_file, track

pytestmark = pytest.mark.e2e

SCANS = ON_SCREEN_ENTRIES + 4
PARCELS = {"Stehlampe": ("JJD1000001", "Sortiert"), "Bücherregal": ("JJD1000002", "Verladen")}


@pytest.fixture
def long_histories(tmp_path: Path) -> Iterator[tuple[AppServer, Path]]:
    """The seeded store and two parcels with SCANS scans each, "<word> 0" the oldest."""
    database = tmp_path / "data" / "paketpilot.sqlite"
    now = datetime.now(UTC)
    seed_file(database, now)
    engine = open_store(database)
    try:
        for label, (number, word) in PARCELS.items():
            with new_session(engine, write=True) as session:
                parcel_id = add_parcel(
                    session,
                    tracking_number=number,
                    carrier="dhl",
                    label=label,
                    created_at=now - timedelta(days=2),
                ).id
            scans = [
                event(now - timedelta(hours=SCANS - n), Status.IN_TRANSIT, f"{word} {n}")
                for n in range(SCANS)
            ]
            track(engine, parcel_id, number, "dhl", scans, now=now)
    finally:
        engine.dispose()
    server = start_app(tmp_path)
    yield server, database
    stop_app(server)


def test_the_next_parcels_older_scans_replace_the_last_ones(
    open_app: OpenApp, long_histories: tuple[AppServer, Path]
) -> None:
    from playwright.sync_api import expect

    server, database = long_histories
    page = open_app(locale="de-DE", viewport=DESKTOP, server=server).page
    # The engine's first pass (no DHL account: every parcel marked so) redraws the list's
    # rows; a tap that lands on a row being replaced is lost. Tap once the store is quiet.
    settle(database, quiet=1.5, limit=30)
    search = page.get_by_role("textbox", name="Suchen: Shop oder Nummer")
    type_into(page, search, "JJD100000")  # both, and nothing else: the rows are on screen
    # The search redraws the list: wait for the new one, not a row of the old one going away.
    expect(see(page, "Bücherwelt")).to_have_count(0)
    lamp = page.get_by_role("button", name=re.compile(r"^Sendung Stehlampe öffnen"))
    expect(lamp).to_be_visible()
    tap(lamp)
    expect(see(page, f"Sortiert {SCANS - 1}")).to_be_visible()
    tap(page.get_by_role("button", name=re.compile(r"^Sendung Bücherregal öffnen")))
    expect(see(page, f"Verladen {SCANS - 1}")).to_be_visible()

    page.mouse.move(DESKTOP["width"] * 0.7, DESKTOP["height"] * 0.7)  # over the timeline
    page.mouse.wheel(0, 5000)

    expect(see(page, "Verladen 0")).to_be_visible()  # the oldest, well below the first entries
    stable_screenshot(page, "timeline_de_desktop_light_switched_scrolled")
    for n in range(SCANS):
        expect(see(page, f"Sortiert {n}")).to_have_count(0)
    # Each entry is read out on its own, the isolated ones too (none gathered into one label).
    expect(page.get_by_label(re.compile(r"Verladen \d.*Verladen \d", re.DOTALL))).to_have_count(0)
