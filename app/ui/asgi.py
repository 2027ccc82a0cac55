"""The ASGI shapes web mode's middlewares share, and their common form: act on one kind of
connection (HTTP or websocket), let every other pass through untouched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class ScopeMiddleware:
    """Calls `handle` for the scopes it `acts_on`, the wrapped app for all others."""

    scope_type = "http"

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.acts_on(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def acts_on(self, scope: Scope) -> bool:
        return bool(scope["type"] == self.scope_type)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def rewriting_headers(send: Send, rewrite: Callable[[list[Any]], list[Any]]) -> Send:
    """`send`, with the response's headers (a list of (name, value) byte pairs) rewritten."""

    async def rewritten(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": rewrite(list(message.get("headers", [])))}
        await send(message)

    return rewritten
