"""Starts the Flet app: a desktop window, or a local web server with `web=True`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft

from app.ui.read_model import EmptyOrdersSource, OrdersSource
from app.ui.shell import Shell

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"


def make_main(source: OrdersSource) -> Callable[[ft.Page], Awaitable[None]]:
    async def main(page: ft.Page) -> None:
        await Shell(page, source).start()

    return main


def serve(*, web: bool, host: str, port: int, demo: bool) -> None:
    """Run until the window closes or the server is stopped.

    `demo` is accepted for the CLI; the demo data arrives with the store.
    """
    main = make_main(EmptyOrdersSource())
    if not web:
        # Needs flet-desktop, which downloads its client on first run (no client offline).
        ft.run(main, assets_dir=str(ASSETS_DIR))
        return
    print(f"Paketpilot: http://{host}:{port}/", flush=True)  # Flet itself logs it only at INFO
    # no_cdn: without it the page loads the renderer from a CDN and never starts offline.
    # Flet opens the system browser unless there is no display or FLET_FORCE_WEB_SERVER=1.
    ft.run(
        main,
        view=ft.AppView.WEB_BROWSER,
        host=host,
        port=port,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
        route_url_strategy=ft.RouteUrlStrategy.PATH,
    )
