"""The network policy every carrier request obeys.

TLS is verified, every request has timeouts and an overall deadline, a body is never read past
`MAX_BODY_BYTES`, plain http is allowed to loopback only (the sandbox), redirects are not
followed (they could carry API-key headers to another host). Transport failures become
`TrackingError`s whose text names the kind of failure, never a URL, header or secret.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Mapping

import httpx

from app.carriers.base import TrackingError
from app.domain.models import ProblemKind

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "KEEPALIVE_EXPIRY_S",
    "MAX_BODY_BYTES",
    "MAX_RETRY_AFTER_S",
    "REQUEST_DEADLINE_S",
    "USER_AGENT",
    "RequestFailed",
    "check_base_url",
    "join_url",
    "keep_to_loopback",
    "make_http_client",
    "plain_headers",
    "read_capped",
    "transport_error",
]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=5.0)
# An idle connection is dropped after 4 s: servers close theirs sooner than we did (uvicorn
# after 5 s, many load balancers after 5-60 s), and reusing one the server has just closed ends
# in a RemoteProtocolError. Below the common 5 s, a reused connection is one the server keeps.
KEEPALIVE_EXPIRY_S = 4.0
DEFAULT_LIMITS = httpx.Limits(
    max_connections=10, max_keepalive_connections=5, keepalive_expiry=KEEPALIVE_EXPIRY_S
)
MAX_BODY_BYTES = 2 * 1024 * 1024
REQUEST_DEADLINE_S = 30.0  # the read timeout is per chunk; a trickling server must still end
MAX_RETRY_AFTER_S = 24 * 3600.0  # a broken Retry-After must not silence an account forever
USER_AGENT = "Paketpilot/0.1"


class RequestFailed(Exception):
    """A request ended without a usable answer; `error` is safe to show and to log."""

    def __init__(self, error: TrackingError) -> None:
        super().__init__(error.message)
        self.error = error


class _RetryStaleGet(httpx.AsyncBaseTransport):
    """Sends a GET once more when the server closed the reused connection under it.

    A keep-alive connection the server has just closed fails with RemoteProtocolError before
    any answer; a GET is idempotent, so asking again (on a fresh connection) is safe. Other
    methods (an aggregator's "create") are never repeated.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except httpx.RemoteProtocolError:
            if request.method != "GET":
                raise
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _LoopbackOnly(httpx.AsyncBaseTransport):
    """Refuses every host but this computer, as an unreachable network would (ConnectError)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not _is_loopback(request.url.host):
            raise httpx.ConnectError("only loopback hosts may be reached", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


_loopback_only = False


def keep_to_loopback(on: bool = True) -> None:
    """From now on, clients reach this computer only: the browser tests' app servers, which
    must never ask a real carrier (set by the composition root, PAKETPILOT_LOOPBACK_ONLY)."""
    global _loopback_only
    _loopback_only = on


def make_http_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The one `AsyncClient` configuration the app uses (a transport is injected in tests)."""
    inner = transport or httpx.AsyncHTTPTransport(verify=True, limits=DEFAULT_LIMITS)
    if _loopback_only:
        inner = _LoopbackOnly(inner)
    return httpx.AsyncClient(
        verify=True,
        timeout=DEFAULT_TIMEOUT,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        transport=_RetryStaleGet(inner),
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """`url` without a trailing slash, or ValueError: https, or http to loopback only."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError("the server address is not a valid URL") from exc
    if not parsed.host:
        raise ValueError("the server address has no host")
    if parsed.userinfo:
        raise ValueError("the server address must not contain a user name or password")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ValueError("plain http is only allowed to this computer (loopback); use https")
    if parsed.scheme not in ("https", "http"):
        raise ValueError("the server address must start with https://")
    return url.rstrip("/")


def join_url(base_url: str, path: str) -> str:
    """`path` under `base_url`; a path that would leave the base's origin is refused."""
    url = f"{base_url.rstrip('/')}/{path.lstrip('/')}" if path else base_url
    base, joined = httpx.URL(base_url), httpx.URL(url)
    if (joined.scheme, joined.host, joined.port) != (base.scheme, base.host, base.port):
        raise ValueError("a request path must stay on the account's server")
    return url


async def read_capped(response: httpx.Response, limit: int = MAX_BODY_BYTES) -> bytes:
    """The (decoded) body, read in chunks; more than `limit` bytes is a BAD_RESPONSE."""
    too_big = RequestFailed(
        TrackingError(
            ProblemKind.BAD_RESPONSE,
            f"the carrier's answer is larger than {limit // 1024} KiB and was not read",
        )
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def _caused_by_tls(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    text = str(exc).lower()
    return "certificate" in text or "[ssl" in text


def transport_error(exc: Exception, display_name: str) -> TrackingError:
    """A user-facing error for an httpx failure. The text never quotes the exception."""
    unavailable = ProblemKind.UNAVAILABLE
    if isinstance(exc, httpx.DecodingError):
        return TrackingError(ProblemKind.BAD_RESPONSE, f"{display_name} sent a garbled answer")
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return TrackingError(unavailable, f"{display_name} did not answer in time")
    if _caused_by_tls(exc):
        return TrackingError(
            unavailable, f"the secure connection to {display_name} could not be verified"
        )
    if isinstance(exc, httpx.ConnectError):
        return TrackingError(unavailable, f"could not connect to {display_name}")
    return TrackingError(unavailable, f"the connection to {display_name} failed")


def plain_headers(headers: httpx.Headers) -> Mapping[str, str]:
    return dict(headers.items())
