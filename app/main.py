"""Composition root: paths -> store -> secrets -> carriers -> sync -> notify -> ui."""

from __future__ import annotations

import os


def run(
    *, web: bool = False, host: str = "127.0.0.1", port: int = 8550, demo: bool = False
) -> None:
    from app.ui.app import serve

    serve(web=web or os.environ.get("PAKETPILOT_WEB") == "1", host=host, port=port, demo=demo)
