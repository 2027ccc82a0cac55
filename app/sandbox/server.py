"""Run the sandbox on loopback: in a background thread (tests, the demo) or in the foreground."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from app.sandbox.app import build_app
from app.sandbox.context import SandboxContext


def _listening_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP makes uvicorn set TCP_NODELAY on accepted connections; without it every
    # keep-alive response waits ~40 ms for Nagle and delayed ACK (RECIPES.md).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


class SandboxServer:
    """The sandbox served by uvicorn on its own thread and event loop."""

    def __init__(self, ctx: SandboxContext, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox only listens on loopback")
        self.ctx = ctx
        self._socket = _listening_socket(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(build_app(ctx), log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="sandbox", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(ctx: SandboxContext, *, host: str, port: int) -> None:
    sock = _listening_socket(host, port)
    print(f"Paketpilot sandbox on http://{host}:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(build_app(ctx), log_level="info"))
    asyncio.run(server.serve(sockets=[sock]))
