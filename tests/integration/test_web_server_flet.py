"""app.ui.web_server around Flet's real web app, spoken to over ASGI in this process: a tab
that closes while Flet sends it a frame still ends its session as disconnected."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import MutableMapping
from typing import Any

import flet as ft
import msgpack

from app.ui import web_server
from app.ui.app import ASSETS_DIR

REGISTER_CLIENT = 1  # flet.messaging.protocol.MessageAction.REGISTER_CLIENT
SCOPE = {
    "type": "websocket",
    "asgi": {"version": "3.0"},
    "path": "/ws",
    "raw_path": b"/ws",
    "root_path": "",
    "scheme": "ws",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8550),
    "subprotocols": [],
}


async def _a_tab_closes_while_a_frame_is_sent(wrap: bool) -> tuple[bool, list[str]]:
    """A client registers; Flet's first frame to it fails as uvicorn fails it for a closed
    socket (ClientDisconnected, an OSError), and the close arrives. Did the page hear it?"""
    disconnected = asyncio.Event()

    async def main(page: ft.Page) -> None:
        page.on_disconnect = lambda _e: disconnected.set()
        page.add(ft.Text("Meine Bestellungen"))

    flet_app: Any = ft.run(main, export_asgi_app=True, assets_dir=str(ASSETS_DIR), no_cdn=True)
    app = web_server.ClosedSocketsDisconnect(flet_app) if wrap else flet_app
    inbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    register = [REGISTER_CLIENT, {"session_id": "", "page_name": "", "page": {"route": "/"}}]
    await inbox.put({"type": "websocket.connect"})
    await inbox.put({"type": "websocket.receive", "bytes": b"\x00" + msgpack.packb(register)})
    sent: list[str] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message["type"])
        if message["type"] == "websocket.send":
            await inbox.put({"type": "websocket.disconnect", "code": 1001})
            raise OSError("the tab is gone")

    with contextlib.suppress(Exception):  # Flet's handler, unwrapped, ends in WebSocketDisconnect
        await asyncio.wait_for(app(dict(SCOPE), inbox.get, send), 10)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected.wait(), 3)
    return disconnected.is_set(), sent


def test_flet_alone_never_tells_the_page_that_the_tab_went() -> None:
    """Why the middleware exists; should a Flet release fix it, this fails and says so."""
    heard, sent = asyncio.run(_a_tab_closes_while_a_frame_is_sent(wrap=False))

    assert sent == ["websocket.accept", "websocket.send"]
    assert not heard


def test_through_the_middleware_the_page_hears_the_tab_go() -> None:
    heard, sent = asyncio.run(_a_tab_closes_while_a_frame_is_sent(wrap=True))

    assert sent[:2] == ["websocket.accept", "websocket.send"]
    assert heard
