"""The web mode's server: Flet's own web app, run by uvicorn as `ft.run` runs it, except that
the page is not cross-origin isolated (below) and a tab that closes while a frame is on its way
to it still ends its session as disconnected (ClosedSocketsDisconnect).

Flet sends every response with `Cross-Origin-Opener-Policy: same-origin` and
`Cross-Origin-Embedder-Policy: require-corp`. Together they isolate the page, and on an isolated
page Flutter's skwasm renderer draws in a worker thread beside the main thread. In the Flutter
that Flet 1.0.5's client is built with (3.44) the two threads share Skia's glyph cache without a
lock: under text churn (typing, new screens) they can corrupt the heap, and the tab freezes for
good with a core at 100 % (flutter/flutter#190048, fixed in 3.47). Without the embedder policy
the page is not isolated and skwasm draws on the main thread alone; on the UI bench, side by
side, it started and answered clicks as fast. The opener policy stays: it still keeps other
sites' windows away from this one.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Mapping

import flet as ft
from flet_web import get_package_web_dir

from app.ui.asgi import Asgi, Message, Receive, Scope, ScopeMiddleware, Send, rewriting_headers
from app.ui.client_files import ClientFiles
from app.ui.i18n import accept_language_tags
from app.ui.state import BROWSER_LOCALES

log = logging.getLogger(__name__)

EMBEDDER_POLICY = b"cross-origin-embedder-policy"


class NotIsolated(ScopeMiddleware):
    """ASGI middleware: drops the embedder policy from every HTTP response (see the module)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        def without_policy(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
            return [(k, v) for k, v in headers if k.lower() != EMBEDDER_POLICY]

        await self.app(scope, receive, rewriting_headers(send, without_policy))


class ClosedSocketsDisconnect(ScopeMiddleware):
    """ASGI middleware: a frame sent to a websocket whose tab has already gone is dropped,
    not raised. Flet's send loop re-raises that error, and it skips Flet's own
    `disconnect_session` on the way out: the session then counts as connected for good,
    `page.on_disconnect` never fires, and the shell would take banners for a tab nobody sees
    (counted as shown, so the news was lost). Flet's receive loop sees the close either way
    and ends the connection as a normal one, which is what this lets it do."""

    scope_type = "websocket"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_unless_gone(message: Message) -> None:
            try:
                await send(message)
            except OSError:  # uvicorn's ClientDisconnected: the tab closed meanwhile
                if message["type"] not in ("websocket.send", "websocket.close"):
                    raise
                log.debug("dropped a %s to a closed websocket", message["type"])

        await self.app(scope, receive, send_unless_gone)


class BrowserLocales(ScopeMiddleware):
    """ASGI middleware: a websocket's Accept-Language, as BROWSER_LOCALES for the connection.
    The session it starts picks its language from them without asking the client for its
    device info first, a round trip (~70 ms) before the first list could be sent. The header
    lists the browser's languages as navigator.languages does, which is what Flutter reports."""

    scope_type = "websocket"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = b", ".join(
            value for name, value in scope.get("headers", []) if name.lower() == b"accept-language"
        )
        token = BROWSER_LOCALES.set(tuple(accept_language_tags(header.decode("latin-1"))))
        try:
            await self.app(scope, receive, send)
        finally:
            BROWSER_LOCALES.reset(token)


def web_app(main: ft.AppCallable, assets_dir: str) -> Asgi:
    """The app as Flet serves it in a browser: renderer and fonts from this machine (no CDN,
    so it starts offline) in large reads, paths as routes, not isolated, a closed tab's
    session always ends as disconnected, and a session knows its browser's languages from
    the start."""
    flet_app: Asgi = ft.run(
        main,
        export_asgi_app=True,
        assets_dir=assets_dir,
        no_cdn=True,
        route_url_strategy=ft.RouteUrlStrategy.PATH,
    )
    client = ClientFiles(flet_app, web_dir=get_package_web_dir(), assets_dir=assets_dir)
    return NotIsolated(BrowserLocales(ClosedSocketsDisconnect(client)))


def run_web(main: ft.AppCallable, *, host: str, port: int, assets_dir: str) -> None:
    """Serve until SIGINT or SIGTERM; opens the system browser on a desktop, as `ft.run` does
    (not with FLET_FORCE_WEB_SERVER=1, nor on a Linux machine without a display)."""
    import uvicorn  # Flet's web mode runs on it too (flet-web depends on it)

    config = uvicorn.Config(
        web_app(main, assets_dir),
        host=host,
        port=port,
        ws="websockets-sansio",  # as Flet configures it
        log_level=_uvicorn_level(),
    )
    server = uvicorn.Server(config)
    if _opens_browser(os.environ, sys.platform):
        threading.Thread(target=_open_when_listening, args=((host, port),), daemon=True).start()
    server.run()


def _uvicorn_level() -> str:
    """uvicorn logs at Flet's level, as under `ft.run` (silent unless Flet's logger says)."""
    level = logging.getLogger("flet").getEffectiveLevel() or logging.CRITICAL  # 0: NOTSET
    return logging.getLevelName(level).lower()


def _opens_browser(env: Mapping[str, str], platform: str) -> bool:
    if env.get("FLET_FORCE_WEB_SERVER", "").lower() in ("1", "true", "yes"):
        return False
    has_display = any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))
    return not (platform.startswith("linux") and not has_display)


def listening(address: tuple[str, int], *, limit: float = 30.0) -> bool:
    """Wait until something accepts connections at `address` (False after `limit` s)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(address, timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def _open_when_listening(address: tuple[str, int]) -> None:
    if listening(address):
        webbrowser.open(f"http://{address[0]}:{address[1]}/")
