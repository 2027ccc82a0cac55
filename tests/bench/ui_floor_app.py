"""The framework's floor for tests/bench/ui.py: the least a Flet app can do for the same screen.

Run: .venv/bin/python tests/bench/ui_floor_app.py --db PATH --rows N [--same-texts]
     [--host H] [--port P]

Served exactly as the real app serves itself in web mode (app.ui.app.serve): through
`app.ui.web_server.run_web` with the same assets dir, so both go through the same Flet web app
(FastAPI/uvicorn in this process, no CDN, not cross-origin isolated) and the same client files.

It reads the same SQLite file with plain `sqlite3` and shows, left in a 420 px column, a ListView
of `--rows` rows: the active parcels in expected-delivery order, each one plain clickable text
named as the app names its rows ("Sendung <label> öffnen"). A click lists that parcel's events'
texts, newest first, on the right. No theme, no order cards, no sync engine, no ORM.

With `--same-texts` a click shows, as plain controls, what the app's timeline gives to read
and to tap: the header's facts (expected delivery, status, place, the five milestone words,
freshness, carrier and number, order) and its seven action buttons, then per event (the
newest 12, as the app shows them) its time, place and status, its text and an "Originaltext"
button. No boxes, icons, colours or nesting; built once and rewritten in place (the cheapest
way in Flet), in a lazily built ListView as the app's panel. The framework's cost for the same
information, to set beside the app's.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import flet as ft

from app.ui.web_server import run_web

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"  # what app.ui.app.serve passes
LIST_WIDTH = 420  # as app.ui.views.home.LIST_WIDTH, so the bench clicks at the same x

# The active section (as the app's generated `section` column has it), soonest expected first.
ROWS_SQL = """
    SELECT id, label FROM parcels WHERE section = 'active'
    ORDER BY expected_by IS NULL, expected_by, coalesce(last_changed_at, created_at) DESC, id
    LIMIT ?
"""
EVENTS_SQL = "SELECT description FROM events WHERE parcel_id = ? ORDER BY occurred_at DESC"
PARCEL_SQL = """
    SELECT p.status, p.est_day, p.loc_city, p.last_checked_at, p.carrier, p.tracking_number,
           p.last_event_at, o.shop, o.title
    FROM parcels p LEFT JOIN orders o ON o.id = p.order_id WHERE p.id = ?
"""
ENTRIES_SQL = """
    SELECT occurred_at, loc_city, loc_country, status, description FROM events
    WHERE parcel_id = ? ORDER BY occurred_at DESC LIMIT 12
"""
MILESTONES = ["bestellt", "versandt", "unterwegs", "in Zustellung", "zugestellt"]
ACTIONS = ["Kopieren", "Beim Versender öffnen", "Teilen", "Umbenennen", "Stummschalten"]
ACTIONS += ["Archivieren", "Löschen"]


def connect(database: Path) -> sqlite3.Connection:
    # Read-only; Flet runs sync handlers in worker threads, hence check_same_thread=False.
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, check_same_thread=False)


def floor_rows(database: Path, rows: int) -> list[tuple[str, str]]:
    """(parcel id, label) of the rows the floor shows; the bench asks it for the first label."""
    with connect(database) as db:
        return [(str(pid), str(label)) for pid, label in db.execute(ROWS_SQL, (rows,))]


class SameTexts:
    """The --same-texts timeline: plain controls made once, their values rewritten per click."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.facts = [ft.Text("") for _ in range(6 + len(MILESTONES))]
        self.actions: list[ft.Control] = [ft.TextButton(content=a) for a in ACTIONS]
        self.heading = ft.Text("Verlauf")
        self.entries: list[tuple[ft.Text, ft.Text, ft.TextButton]] = []
        self.control = ft.ListView(expand=True)

    def show(self, parcel_id: str) -> None:
        row = self.db.execute(PARCEL_SQL, (parcel_id,)).fetchone()
        status, day, city, checked, carrier, number, scanned, shop, title = row
        facts = [f"{status} · {day}", str(status), f"Zuletzt in {city}", *MILESTONES]
        facts += [f"Geprüft {checked} · {carrier} · letzter Scan {scanned}"]
        facts += [f"{carrier} · {number}", f"{shop} · {title}"]
        for text, value in zip(self.facts, facts, strict=True):
            text.value = value
        events = self.db.execute(ENTRIES_SQL, (parcel_id,)).fetchall()
        while len(self.entries) < len(events):
            self.entries.append((ft.Text(""), ft.Text(""), ft.TextButton(content="Originaltext")))
        for (when, what, _), (at, town, country, state, text) in zip(
            self.entries, events, strict=False
        ):
            when.value, what.value = f"{at} · {town}, {country}\n{state}", str(text)
        shown: list[ft.Control] = [*self.facts, *self.actions, self.heading]
        shown += [c for entry in self.entries[: len(events)] for c in entry]
        if [id(c) for c in shown] != [id(c) for c in self.control.controls]:
            self.control.controls = shown
        self.control.update()


def make_main(database: Path, rows: int, *, same_texts: bool = False) -> ft.AppCallable:
    def main(page: ft.Page) -> None:
        db = connect(database)
        same = SameTexts(db) if same_texts else None
        timeline = same.control if same else ft.Column(expand=True, scroll=ft.ScrollMode.AUTO)

        def show(parcel_id: str) -> None:
            if same is not None:
                same.show(parcel_id)
                return
            texts = [str(d) for (d,) in db.execute(EVENTS_SQL, (parcel_id,))]
            timeline.controls = [ft.Text(text) for text in texts]
            timeline.update()

        def row(parcel_id: str, label: str) -> ft.Control:
            return ft.Container(
                padding=8,
                on_click=lambda _e: show(parcel_id),
                content=ft.Text(f"Sendung {label} öffnen"),
            )

        items = [row(pid, label) for pid, label in floor_rows(database, rows)]
        rows_view = ft.ListView(expand=True, controls=items)
        page.add(
            ft.Row(
                expand=True,
                vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                controls=[
                    ft.Container(width=LIST_WIDTH, content=rows_view),
                    ft.VerticalDivider(width=1),
                    timeline,
                ],
            )
        )

    return main


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--same-texts", action="store_true", help="see the module docstring")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8551)
    args = parser.parse_args()
    main = make_main(args.db, args.rows, same_texts=args.same_texts)
    run_web(main, host=args.host, port=args.port, assets_dir=str(ASSETS_DIR))


if __name__ == "__main__":
    run()
