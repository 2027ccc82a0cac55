"""app.ui.client_files: Flet's client build in large reads, otherwise exactly as Flet serves it."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, cast

import flet as ft
import flet_web
import httpx
import pytest

from app.ui.client_files import CLIENT_SUFFIXES, ClientFiles
from app.ui.web_server import NotIsolated

WEB_DIR = Path(flet_web.get_package_web_dir())
# Headers that differ between any two responses, or only in how they are produced.
VOLATILE = {"date", "server"}


def client_build() -> list[str]:
    return sorted(
        str(path.relative_to(WEB_DIR))
        for path in WEB_DIR.rglob("*")
        if path.is_file() and path.name.endswith(CLIENT_SUFFIXES)
    )


class Client:
    """Requests straight into an ASGI app (httpx's transport; no server, no sockets)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def head(self, path: str) -> httpx.Response:
        return self.request("HEAD", path)

    def post(self, path: str) -> httpx.Response:
        return self.request("POST", path)


class Inner:
    """Stands in for Flet's app: answers 200 "flet" and records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"flet"})


@pytest.fixture
def served(tmp_path: Path) -> tuple[Client, Inner]:
    (tmp_path / "main.dart.mjs").write_text("// the app's own")
    inner = Inner()
    return Client(ClientFiles(inner, web_dir=WEB_DIR, assets_dir=tmp_path)), inner


def test_a_client_file_arrives_whole_in_one_piece(tmp_path: Path) -> None:
    inner = Inner()
    sent: list[MutableMapping[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> MutableMapping[str, Any]:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/main.dart.wasm",
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }
    asyncio.run(ClientFiles(inner, web_dir=WEB_DIR, assets_dir=tmp_path)(scope, receive, send))

    start, *bodies = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 200
    assert inner.paths == []
    assert headers["content-type"] == "application/wasm"  # the browser compiles as it streams
    assert headers["access-control-allow-origin"] == "*"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert b"".join(b["body"] for b in bodies) == (WEB_DIR / "main.dart.wasm").read_bytes()
    assert len(bodies) == 1  # 8.5 MB: Starlette's 64 KiB reads would send 130 pieces


def test_a_browser_that_has_the_file_gets_304_and_head_gets_no_body(
    served: tuple[Client, Inner],
) -> None:
    client, _ = served
    etag = client.get("/canvaskit/skwasm.wasm").headers["etag"]

    assert client.get("/canvaskit/skwasm.wasm", headers={"if-none-match": etag}).status_code == 304
    head = client.head("/canvaskit/skwasm.wasm")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str((WEB_DIR / "canvaskit/skwasm.wasm").stat().st_size)


@pytest.mark.parametrize(
    "path",
    [
        "/",  # the patched index.html
        "/index.html",
        "/manifest.json",
        "/assets/FontManifest.json",
        "/main.dart.mjs",  # the app's assets have their own
        "/no-such-file.js",
        "/../../../etc/passwd.js",
        "/parcels/p1",  # a route: Flet answers with index.html
    ],
)
def test_everything_else_is_flets(served: tuple[Client, Inner], path: str) -> None:
    client, inner = served
    assert client.get(path).content == b"flet"
    assert inner.paths


def test_other_methods_and_the_websocket_are_flets(served: tuple[Client, Inner]) -> None:
    client, inner = served
    assert client.post("/main.dart.wasm").content == b"flet"
    assert inner.paths == ["/main.dart.wasm"]
    assert not cast(ClientFiles, client.app).acts_on({"type": "websocket", "path": "/main.dart.js"})


def test_every_client_file_is_served_as_flet_serves_it() -> None:
    """Side by side with Flet's own web app: same status, bytes and headers, for every file
    of the client build (so a Flet upgrade that starts patching one shows up here)."""
    flet_app = ft.run(lambda _page: None, export_asgi_app=True, no_cdn=True)
    flets = Client(NotIsolated(flet_app))  # as web_app serves both
    ours = Client(NotIsolated(ClientFiles(flet_app, web_dir=WEB_DIR, assets_dir=None)))
    files = client_build()
    assert "main.dart.wasm" in files
    assert len(files) > 20

    for name in files:
        theirs, mine = flets.get(f"/{name}"), ours.get(f"/{name}")
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), name
        assert _lasting(mine.headers) == _lasting(theirs.headers), name


def _lasting(headers: httpx.Headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in VOLATILE}
