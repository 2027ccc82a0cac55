"""Token endpoints for the simulated OAuth APIs, and the bearer check their routes share.

Credentials whose client id starts with "bad" are refused, so tests can provoke auth failures.
Tokens expire on the sandbox clock after `SandboxContext.token_lifetime`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from app.sandbox.context import SandboxContext

REFUSED_PREFIX = "bad"


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


async def form_fields(request: Request) -> dict[str, str]:
    body = (await request.body()).decode(errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def accepted(client_id: str | None, secret: str | None) -> bool:
    return bool(client_id and secret) and not (client_id or "").startswith(REFUSED_PREFIX)


TokenBody = Callable[[str, int], dict[str, object]]


def issue(ctx: SandboxContext, carrier: str, make_body: TokenBody) -> dict[str, object]:
    token, lifetime = ctx.issue_token(carrier)
    return make_body(token, lifetime)


def authorised(ctx: SandboxContext, carrier: str, request: Request) -> str | None:
    """The bearer token if it is valid for `carrier` now, else None."""
    token = bearer_token(request)
    return token if token and ctx.token_valid(carrier, token) else None


def unauthorised(make_error: Callable[[int, str, dict[str, str]], Response]) -> Response:
    return make_error(401, "Invalid or expired access token", {})
