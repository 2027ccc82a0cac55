"""The framework's floor for tests/bench/ui.py: the least a Flet app can do for the same screen.

Run: .venv/bin/python tests/bench/ui_floor_app.py --db PATH --rows N [--host H] [--port P]

Served exactly as the real app serves itself in web mode (app.ui.app.serve): `ft.run` with
`AppView.WEB_BROWSER`, the same assets dir, `no_cdn=True` and the path URL strategy, so both
go through the same Flet web server (FastAPI/uvicorn in this process) and the same client files.

It reads the same SQLite file with plain `sqlite3` and shows, left in a 420 px column, a ListView
of `--rows` rows: the active parcels in expected-delivery order, each one plain clickable text
named as the app names its rows ("Sendung <label> öffnen"). A click lists that parcel's events'
texts, newest first, on the right. No theme, no order cards, no sync engine, no ORM.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import flet as ft

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"  # what app.ui.app.serve passes
LIST_WIDTH = 420  # as app.ui.views.home.LIST_WIDTH, so the bench clicks at the same x

# The active section (as the app's generated `section` column has it), soonest expected first.
ROWS_SQL = """
    SELECT id, label FROM parcels WHERE section = 'active'
    ORDER BY expected_by IS NULL, expected_by, coalesce(last_changed_at, created_at) DESC, id
    LIMIT ?
"""
EVENTS_SQL = "SELECT description FROM events WHERE parcel_id = ? ORDER BY occurred_at DESC"


def connect(database: Path) -> sqlite3.Connection:
    # Read-only; Flet runs sync handlers in worker threads, hence check_same_thread=False.
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, check_same_thread=False)


def floor_rows(database: Path, rows: int) -> list[tuple[str, str]]:
    """(parcel id, label) of the rows the floor shows; the bench asks it for the first label."""
    with connect(database) as db:
        return [(str(pid), str(label)) for pid, label in db.execute(ROWS_SQL, (rows,))]


def make_main(database: Path, rows: int) -> ft.AppCallable:
    def main(page: ft.Page) -> None:
        db = connect(database)
        timeline = ft.Column(expand=True, scroll=ft.ScrollMode.AUTO)

        def show(parcel_id: str) -> None:
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
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8551)
    args = parser.parse_args()
    ft.run(
        make_main(args.db, args.rows),
        view=ft.AppView.WEB_BROWSER,
        host=args.host,
        port=args.port,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
        route_url_strategy=ft.RouteUrlStrategy.PATH,
    )


if __name__ == "__main__":
    run()
