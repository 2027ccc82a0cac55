"""Network policy: https except loopback, body cap, timeouts, transport errors never raise."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.carriers.auth import Credentials
from app.carriers.client import TrackingClient
from app.carriers.limits import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    check_base_url,
    join_url,
    keep_to_loopback,
    make_http_client,
)
from app.domain.models import ProblemKind
from tests.unit.test_client_fakes import Recorder, fake_adapter

KEY = Credentials({"api_key": "k-3f9a1c77e2"})


@pytest.mark.parametrize(
    "url",
    [
        "https://api-eu.dhl.com",
        "http://127.0.0.1:8765",
        "http://localhost:1/x",
        "http://[::1]:9000",
        "http://127.5.0.1",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert check_base_url(url + "/") == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://api-eu.dhl.com", "loopback"),
        ("http://10.0.0.1:8000", "loopback"),
        ("http://localhost.evil.example", "loopback"),
        ("ftp://127.0.0.1", "https"),
        ("https://user:pw@api.example", "user name"),
        ("not a url", "host"),
    ],
)
def test_refused_base_urls(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_base_url(url)


def test_client_refuses_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        TrackingClient(fake_adapter(), KEY, base_url="http://sandbox.example:8000")


def test_request_paths_cannot_leave_the_base_origin() -> None:
    assert join_url("https://a.example/api", "/v1/x") == "https://a.example/api/v1/x"
    for trick in ("//evil.example/x", "@evil.example/x", "https://evil.example/x", "\\evil/x"):
        assert httpx.URL(join_url("https://a.example", trick)).host == "a.example"


async def test_loopback_base_url_override_is_used() -> None:
    recorder = Recorder()
    client = TrackingClient(
        fake_adapter(), KEY, base_url="http://127.0.0.1:8765/", transport=recorder.transport
    )
    async with client:
        await client.track(["A"])
    assert str(recorder.requests[0].url).startswith("http://127.0.0.1:8765/track?")


@pytest.fixture
def loopback_only() -> Iterator[None]:
    keep_to_loopback()
    yield
    keep_to_loopback(False)


async def test_kept_to_loopback_a_carrier_is_unreachable_and_the_sandbox_is_not(
    loopback_only: None,
) -> None:
    """What the browser tests' app servers run with (PAKETPILOT_LOOPBACK_ONLY): a real
    carrier's host fails as an unreachable network would, per number; the sandbox answers."""
    recorder = Recorder()
    async with TrackingClient(fake_adapter(), KEY, transport=recorder.transport) as client:
        result = await client.track(["A"])
    assert recorder.requests == []  # never sent
    assert [(e.tracking_number, e.kind) for e in result.errors] == [("A", ProblemKind.UNAVAILABLE)]
    assert "could not connect" in result.errors[0].message
    sandbox = TrackingClient(
        fake_adapter(), KEY, base_url="http://127.0.0.1:8765", transport=recorder.transport
    )
    async with sandbox:
        result = await sandbox.track(["A"])
    assert result.errors == ()
    assert len(recorder.requests) == 1


async def test_the_app_keeps_to_loopback_when_its_environment_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import main
    from app.ui import app as ui_app

    monkeypatch.setattr(ui_app, "serve", lambda **_kwargs: None)
    monkeypatch.setenv(main.LOOPBACK_ONLY_ENV, "1")
    recorder = Recorder()
    try:
        main.run(web=True)
        async with make_http_client(recorder.transport) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get("https://api.example/track")
    finally:
        keep_to_loopback(False)
    assert recorder.requests == []


async def test_by_default_every_host_may_be_reached() -> None:
    recorder = Recorder()
    async with make_http_client(recorder.transport) as http:
        await http.get("https://api.example/track")
    assert len(recorder.requests) == 1


def test_http_client_defaults() -> None:
    http = make_http_client()
    assert http.timeout == DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.connect == 5.0
    assert DEFAULT_TIMEOUT.read == 15.0
    assert http.follow_redirects is False
    asyncio.run(http.aclose())


def test_idle_connections_expire_before_the_servers_keep_alive() -> None:
    # uvicorn closes an idle connection after 5 s; reusing it later is a RemoteProtocolError.
    assert DEFAULT_LIMITS.keepalive_expiry is not None
    assert DEFAULT_LIMITS.keepalive_expiry < 5.0


class _StaleOnce(httpx.AsyncBaseTransport):
    """The first request finds the kept-alive connection closed by the server."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.methods.append(request.method)
        if len(self.methods) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={"ok": True})


async def test_a_get_on_a_connection_the_server_closed_is_sent_once_more() -> None:
    stale = _StaleOnce()
    async with make_http_client(stale) as http:
        response = await http.get("https://api.example/track")
    assert response.status_code == 200
    assert stale.methods == ["GET", "GET"]


async def test_a_post_is_never_repeated() -> None:
    stale = _StaleOnce()
    async with make_http_client(stale) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("https://api.example/trackings", json={})
    assert stale.methods == ["POST"]


async def test_endless_body_is_cut_at_the_cap_and_not_read_further() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        while True:
            sent += 1
            yield b"x" * 65536

    recorder = Recorder(lambda r: httpx.Response(200, content=endless()))
    client = TrackingClient(
        fake_adapter(), KEY, transport=recorder.transport, max_body_bytes=1024 * 1024
    )
    async with client:
        result = await client.track(["A"])
    assert result.errors[0].kind is ProblemKind.BAD_RESPONSE
    assert "larger than 1024 KiB" in result.errors[0].message
    assert sent == 17  # 16 chunks fill 1 MiB exactly; the 17th goes over and stops the read


async def test_declared_oversize_body_is_refused_before_reading() -> None:
    recorder = Recorder(
        lambda r: httpx.Response(200, headers={"Content-Length": str(3 * 1024 * 1024)})
    )
    async with TrackingClient(fake_adapter(), KEY, transport=recorder.transport) as client:
        result = await client.track(["A"])
    assert result.errors[0].kind is ProblemKind.BAD_RESPONSE


def _raise(exc: Exception) -> Recorder:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return Recorder(handler)


def _tls_failure() -> httpx.ConnectError:
    try:
        try:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed")
        except ssl.SSLError as inner:
            raise httpx.ConnectError("handshake failed") from inner
    except httpx.ConnectError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (httpx.ConnectError("connection refused"), "could not connect"),
        (httpx.ReadTimeout("read timed out"), "did not answer in time"),
        (httpx.ConnectTimeout("connect timed out"), "did not answer in time"),
        (httpx.RemoteProtocolError("peer closed"), "connection to"),
        (_tls_failure(), "could not be verified"),
    ],
)
async def test_transport_errors_become_unavailable_per_number(exc: Exception, text: str) -> None:
    recorder = _raise(exc)
    async with TrackingClient(fake_adapter(batch_limit=5), KEY, transport=recorder.transport) as c:
        result = await c.track(["A", "B"])
    assert [(e.tracking_number, e.kind) for e in result.errors] == [
        ("A", ProblemKind.UNAVAILABLE),
        ("B", ProblemKind.UNAVAILABLE),
    ]
    assert text in result.errors[0].message


async def test_overall_deadline_ends_a_trickling_request() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.02)
            yield b" "

    recorder = Recorder(lambda r: httpx.Response(200, content=trickle()))
    client = TrackingClient(fake_adapter(), KEY, transport=recorder.transport, deadline_s=0.2)
    async with client:
        result = await asyncio.wait_for(client.track(["A"]), timeout=5)
    assert result.errors[0].kind is ProblemKind.UNAVAILABLE
    assert "in time" in result.errors[0].message


async def test_cancellation_is_not_swallowed() -> None:
    async def hang() -> AsyncIterator[bytes]:
        await asyncio.sleep(60)
        yield b""

    recorder = Recorder(lambda r: httpx.Response(200, content=hang()))
    async with TrackingClient(fake_adapter(), KEY, transport=recorder.transport) as client:
        task = asyncio.create_task(client.track(["A"]))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
