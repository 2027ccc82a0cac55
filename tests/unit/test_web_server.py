"""app.ui.web_server: Flet's web app, offline and not cross-origin isolated."""

from __future__ import annotations

import asyncio
import socket
import webbrowser
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.ui import web_server
from app.ui.client_files import ClientFiles
from app.ui.state import BROWSER_LOCALES
from app.ui.web_server import BrowserLocales, ClosedSocketsDisconnect, NotIsolated

FLET_HEADERS = [
    (b"content-type", b"text/html"),
    (b"Cross-Origin-Opener-Policy", b"same-origin"),
    (b"Cross-Origin-Embedder-Policy", b"require-corp"),
    (b"access-control-allow-origin", b"*"),
]


def _served(scope_type: str) -> tuple[list[MutableMapping[str, Any]], list[str]]:
    """What NotIsolated sends for a Flet-like app that answers with FLET_HEADERS."""
    seen_scopes: list[str] = []

    async def flet_like(scope: MutableMapping[str, Any], _receive: Any, send: Any) -> None:
        seen_scopes.append(scope["type"])
        await send({"type": "http.response.start", "status": 200, "headers": FLET_HEADERS})
        await send({"type": "http.response.body", "body": b"<html>"})

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request"}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(NotIsolated(flet_like)({"type": scope_type}, receive, send))
    return sent, seen_scopes


def test_responses_lose_the_embedder_policy_and_keep_every_other_header() -> None:
    sent, _ = _served("http")

    start, body = sent
    assert start["status"] == 200
    assert start["headers"] == [h for h in FLET_HEADERS if h[0] != b"Cross-Origin-Embedder-Policy"]
    assert body == {"type": "http.response.body", "body": b"<html>"}


def test_the_websocket_and_lifespan_pass_through_untouched() -> None:
    for kind in ("websocket", "lifespan"):
        sent, scopes = _served(kind)
        assert scopes == [kind]
        assert sent[0]["headers"] == FLET_HEADERS


def test_the_web_app_is_flets_own_offline_with_path_routes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    flets_app: Any = object()

    def exported(main: object, **kwargs: Any) -> object:
        calls.append(kwargs)
        return flets_app

    monkeypatch.setattr(ft, "run", exported)
    app = web_server.web_app(lambda _page: None, "/the/assets")

    assert isinstance(app, NotIsolated)
    assert isinstance(app.app, BrowserLocales)
    assert isinstance(app.app.app, ClosedSocketsDisconnect)
    client = app.app.app.app
    assert isinstance(client, ClientFiles)
    assert client.app is flets_app
    assert client.assets_dir == Path("/the/assets")
    assert calls == [
        {
            "export_asgi_app": True,
            "assets_dir": "/the/assets",
            "no_cdn": True,  # without it the page loads its renderer from a CDN
            "route_url_strategy": ft.RouteUrlStrategy.PATH,
        }
    ]


def test_a_websockets_languages_reach_what_it_starts_and_nothing_else() -> None:
    """The session's main runs in a task the connection's handler creates: it inherits them."""
    seen: dict[str, tuple[str, ...]] = {}

    async def flet_like(scope: MutableMapping[str, Any], _receive: Any, _send: Any) -> None:
        async def session_main() -> None:
            seen[scope["path"]] = BROWSER_LOCALES.get()

        await asyncio.get_running_loop().create_task(session_main())

    async def connect(scope: MutableMapping[str, Any]) -> None:
        await BrowserLocales(flet_like)(scope, _no_message, _ignore)

    async def connections() -> tuple[str, ...]:
        headers = [(b"user-agent", b"Chromium"), (b"Accept-Language", b"en-US,de;q=0.9")]
        await connect({"type": "websocket", "path": "/ws", "headers": headers})
        await connect({"type": "websocket", "path": "/bare", "headers": []})
        await connect({"type": "http", "path": "/page", "headers": headers})
        return BROWSER_LOCALES.get()

    assert asyncio.run(connections()) == ()  # reset once the connection ends
    assert seen == {"/ws": ("en-US", "de"), "/bare": (), "/page": ()}


async def _no_message() -> MutableMapping[str, Any]:
    return {"type": "websocket.disconnect"}


async def _ignore(_message: MutableMapping[str, Any]) -> None:
    return None


@pytest.mark.parametrize(
    ("platform", "env", "opens"),
    [
        ("linux", {"DISPLAY": ":0"}, True),
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, True),
        ("linux", {}, False),  # a server: nobody to show a browser to
        ("linux", {"DISPLAY": ":0", "FLET_FORCE_WEB_SERVER": "1"}, False),
        ("darwin", {}, True),
        ("win32", {"FLET_FORCE_WEB_SERVER": "true"}, False),
    ],
)
def test_the_system_browser_opens_only_on_a_desktop(
    platform: str, env: dict[str, str], opens: bool
) -> None:
    assert web_server._opens_browser(env, platform) is opens


def _through_closed_socket_middleware(
    scope_type: str, message_type: str
) -> tuple[list[str], BaseException | None]:
    """An app sends `message_type` once the socket is gone (the send raises OSError, as
    uvicorn's ClientDisconnected does) and then one more message."""
    attempted: list[str] = []

    async def app(_scope: MutableMapping[str, Any], _receive: Any, send: Any) -> None:
        await send({"type": message_type})
        await send({"type": "after"})

    async def receive() -> MutableMapping[str, Any]:
        return {}

    async def gone(message: MutableMapping[str, Any]) -> None:
        attempted.append(message["type"])
        if message["type"] != "after":
            raise OSError("closed")

    try:
        asyncio.run(ClosedSocketsDisconnect(app)({"type": scope_type}, receive, gone))
    except OSError as raised:
        return attempted, raised
    return attempted, None


def test_a_frame_or_close_to_a_closed_websocket_is_dropped_and_the_app_goes_on() -> None:
    for message_type in ("websocket.send", "websocket.close"):
        attempted, raised = _through_closed_socket_middleware("websocket", message_type)
        assert raised is None
        assert attempted == [message_type, "after"]


def test_other_failures_still_raise() -> None:
    # an accept that fails is not a closed tab's frame; an HTTP response is not a websocket's
    for scope_type, message_type in [
        ("websocket", "websocket.accept"),
        ("http", "http.response.start"),
    ]:
        attempted, raised = _through_closed_socket_middleware(scope_type, message_type)
        assert isinstance(raised, OSError)
        assert attempted == [message_type]


def test_listening_waits_for_a_server_and_gives_up_on_none() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = server.getsockname()
        assert web_server.listening(address, limit=2.0)
    assert not web_server.listening(address, limit=0.2)  # closed now: nothing accepts


def test_the_browser_opens_on_the_served_address_once_it_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        host, port = server.getsockname()
        web_server._open_when_listening((host, port))
    assert opened == [f"http://127.0.0.1:{port}/"]
