"""Flet's web client (the Flutter build: main.dart.wasm, the renderer, fonts) served in large
reads. Starlette's static files read and send 64 KiB at a time, each read a hop to a worker
thread and back: ~130 hops for main.dart.wasm (8.5 MB), and while the app starts, a thread
that imports and builds the services holds the interpreter between them. With each file read
at once, the first list came ~150 ms sooner in tests/bench/ui.py (3,197 -> 3,049 ms, 7 starts
each); its floor app, served the same way but with nothing starting beside it, gained nothing.

Everything else (the patched index.html, manifest and font manifest, the app's own assets,
which win over the client's files of the same name, the websocket) stays Flet's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles

from app.ui.asgi import Asgi, Receive, Scope, ScopeMiddleware, Send, rewriting_headers

# The Flutter build's own files; none of them is patched by Flet (it patches index.html and the
# two manifests, all JSON or HTML).
CLIENT_SUFFIXES = (".wasm", ".mjs", ".js", ".otf", ".ttf", ".woff2")
# Every file of the build in one read (main.dart.wasm, the largest, is 8.5 MB); a request
# holds at most this much in memory, and only while it is sent.
READ_SIZE = 16 * 1024 * 1024
# What Flet's own middleware adds to every response (CORS for any origin, the opener policy).
FLET_HEADERS = {"access-control-allow-origin": "*", "cross-origin-opener-policy": "same-origin"}


class _LargeReads(FileResponse):
    chunk_size = READ_SIZE


class _ClientBuild(StaticFiles):
    """Starlette's static files (types, ETag, 304, HEAD, ranges) with large reads."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = _LargeReads(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


class ClientFiles(ScopeMiddleware):
    """ASGI middleware: GET and HEAD of the client build's files, served by `_ClientBuild`
    from `web_dir` unless the app's `assets_dir` has a file of that name."""

    def __init__(self, app: Asgi, *, web_dir: str | Path, assets_dir: str | Path | None) -> None:
        super().__init__(app)
        self.build = _ClientBuild(directory=web_dir)
        self.assets_dir = Path(assets_dir) if assets_dir else None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        def with_flets(headers: list[Any]) -> list[Any]:
            return headers + [(k.encode(), v.encode()) for k, v in FLET_HEADERS.items()]

        await self.build(scope, receive, rewriting_headers(send, with_flets))

    def acts_on(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        relative = str(scope.get("path", "")).lstrip("/")
        if not relative.endswith(CLIENT_SUFFIXES):
            return False
        try:
            if self.assets_dir is not None and (self.assets_dir / relative).exists():
                return False
            _, found = self.build.lookup_path(relative)
        except (OSError, ValueError):  # a name no file can have: Flet answers it
            return False
        return found is not None
