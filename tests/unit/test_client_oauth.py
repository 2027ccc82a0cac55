"""OAuth: token grants per carrier, caching until shortly before expiry, one renewal on 401."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from app.carriers.auth import Credentials, default_parse_token_response
from app.carriers.base import AuthKind, TrackingError
from app.carriers.client import TrackingClient, resolve_token_url
from app.carriers.parsing import BadResponse
from app.domain.models import ProblemKind
from tests.unit.test_client_fakes import (
    FakeClock,
    Recorder,
    fake_adapter,
    form,
    ok_for_all,
    token_answer,
)

CLIENT = Credentials({"client_id": "cid-123", "client_secret": "csecret-456"})


class OAuthServer:
    """Issues tok-1, tok-2, ... and accepts only the newest token (or none, if `reject`)."""

    def __init__(self, expires_in: object = 3600) -> None:
        self.issued: list[str] = []
        self.expires_in = expires_in
        self.reject_all = False
        self.token_status = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            self.issued.append(f"tok-{len(self.issued) + 1}")
            return token_answer(self.issued[-1], self.expires_in)
        current = f"Bearer {self.issued[-1]}" if self.issued else None
        if self.reject_all or request.headers.get("Authorization") != current:
            return httpx.Response(401, json={"error": "expired"})
        return ok_for_all(request)


def oauth_client(
    server: OAuthServer, *, clock: FakeClock | None = None, **adapter_kwargs: object
) -> tuple[TrackingClient, Recorder]:
    recorder = Recorder(server)
    adapter_kwargs.setdefault("auth", AuthKind.OAUTH_CLIENT_CREDENTIALS)
    credentials = adapter_kwargs.pop("credentials", CLIENT)
    base_url = adapter_kwargs.pop("base_url", None)
    client = TrackingClient(
        fake_adapter(**adapter_kwargs),
        credentials,  # type: ignore[arg-type]
        transport=recorder.transport,
        clock=clock or FakeClock(),
        base_url=base_url,  # type: ignore[arg-type]
    )
    return client, recorder


async def test_client_credentials_form_and_bearer_token_reused() -> None:
    server = OAuthServer()
    client, recorder = oauth_client(server, carrier_id="fedex")
    async with client:
        first = await client.track(["A"])
        second = await client.track(["B"])
    assert first.errors == ()
    assert second.errors == ()
    assert recorder.paths() == ["/oauth/token", "/track", "/track"]
    token_request = recorder.requests[0]
    assert token_request.method == "POST"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(token_request) == {
        "grant_type": "client_credentials",
        "client_id": "cid-123",
        "client_secret": "csecret-456",
    }
    assert recorder.requests[2].headers["Authorization"] == "Bearer tok-1"


async def test_ups_uses_basic_auth_and_transaction_headers() -> None:
    server = OAuthServer(expires_in="14399")  # UPS sends it as a string
    client, recorder = oauth_client(server, carrier_id="ups")
    async with client:
        await client.track(["1ZA1B2C30123456787", "1ZA1B2C30123456788"])
    token_request = recorder.requests[0]
    expected = base64.b64encode(b"cid-123:csecret-456").decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert form(token_request) == {"grant_type": "client_credentials"}
    ids = [r.headers["transId"] for r in recorder.requests[1:]]
    assert len(ids) == 2
    assert len(set(ids)) == 2
    assert all(0 < len(i) <= 32 for i in ids)
    assert all(r.headers["transactionSrc"] == "paketpilot" for r in recorder.requests[1:])


async def test_password_grant_and_absolute_token_url_follows_the_sandbox() -> None:
    server = OAuthServer()
    credentials = Credentials(
        {"username": "u", "password": "pw-789x", "client_id": "c", "client_secret": "s-000x"}
    )
    client, recorder = oauth_client(
        server,
        carrier_id="hermes",
        auth=AuthKind.OAUTH_PASSWORD,
        TOKEN_PATH=None,
        TOKEN_URL="https://authme.example/authorization-facade/oauth2/token",
        credentials=credentials,
        base_url="http://127.0.0.1:9999",
    )
    async with client:
        result = await client.track(["01234567890123"])
    assert result.errors == ()
    token_url = recorder.requests[0].url
    # Pointed at the sandbox, credentials must never go to the production token host.
    assert (token_url.host, token_url.port) == ("127.0.0.1", 9999)
    assert token_url.path == "/authorization-facade/oauth2/token"
    assert form(recorder.requests[0]) == {
        "grant_type": "password",
        "username": "u",
        "password": "pw-789x",
        "client_id": "c",
        "client_secret": "s-000x",
    }


@pytest.mark.parametrize(
    ("default", "override", "expected"),
    [
        ("https://api.x.example", "http://127.0.0.1:8/gls", "http://127.0.0.1:8/gls/oauth2/token"),
        (
            "https://api.x.example/services/hsi",
            "http://127.0.0.1:8/hermes/services/hsi/",
            "http://127.0.0.1:8/hermes/oauth2/token",
        ),
        ("https://api.x.example/v1", "http://127.0.0.1:8", "http://127.0.0.1:8/oauth2/token"),
    ],
)
def test_absolute_token_url_moves_with_the_base_url_override(
    default: str, override: str, expected: str
) -> None:
    adapter = fake_adapter(
        auth=AuthKind.OAUTH_CLIENT_CREDENTIALS,
        DEFAULT_BASE_URL=default,
        TOKEN_PATH=None,
        TOKEN_URL="https://login.x.example/oauth2/token",
    )
    assert resolve_token_url(adapter, override, overridden=True) == expected
    assert resolve_token_url(adapter, default, overridden=False) == (
        "https://login.x.example/oauth2/token"
    )


async def test_absolute_token_url_is_used_as_is_without_override() -> None:
    client, recorder = oauth_client(
        OAuthServer(), TOKEN_PATH=None, TOKEN_URL="https://login.example/oauth2/v3/token"
    )
    async with client:
        await client.track(["A"])
    assert str(recorder.requests[0].url) == "https://login.example/oauth2/v3/token"


async def test_token_is_renewed_shortly_before_expiry() -> None:
    clock = FakeClock()
    server = OAuthServer(expires_in=3600)
    client, recorder = oauth_client(server, clock=clock)
    async with client:
        await client.track(["A"])
        clock.now += 3600 - 61
        await client.track(["A"])
        assert len(server.issued) == 1
        clock.now += 2  # now within the 60 s margin
        await client.track(["A"])
    assert len(server.issued) == 2
    assert recorder.requests[-1].headers["Authorization"] == "Bearer tok-2"


async def test_401_renews_the_token_once_and_retries() -> None:
    server = OAuthServer()
    client, recorder = oauth_client(server)
    async with client:
        await client.track(["A"])
        server.issued.append("tok-rotated-by-server")  # the cached tok-1 is now refused
        result = await client.track(["B"])
    assert result.errors == ()
    assert [p.tracking_number for p in result.parcels] == ["B"]
    assert recorder.paths() == ["/oauth/token", "/track", "/track", "/oauth/token", "/track"]


async def test_second_401_is_auth_failed_without_more_attempts() -> None:
    server = OAuthServer()
    server.reject_all = True
    client, recorder = oauth_client(server)
    async with client:
        result = await client.track(["A"])
    assert recorder.paths() == ["/oauth/token", "/track", "/oauth/token", "/track"]
    assert [(e.tracking_number, e.kind) for e in result.errors] == [("A", ProblemKind.AUTH_FAILED)]


async def test_refused_client_credentials_are_auth_failed_with_the_oauth_code() -> None:
    server = OAuthServer()
    server.token_status = 401
    client, recorder = oauth_client(server, batch_limit=5)
    async with client:
        result = await client.track(["A", "B"])
    assert recorder.paths() == ["/oauth/token"]
    assert {e.tracking_number for e in result.errors} == {"A", "B"}
    assert all(e.kind is ProblemKind.AUTH_FAILED for e in result.errors)
    assert result.errors[0].carrier_code == "invalid_client"


async def test_rate_limited_token_endpoint_sets_the_gate() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "45"})

    recorder = Recorder(handler)
    client = TrackingClient(
        fake_adapter(auth=AuthKind.OAUTH_CLIENT_CREDENTIALS),
        CLIENT,
        transport=recorder.transport,
        clock=FakeClock(),
    )
    async with client:
        first = await client.track(["A"])
        second = await client.track(["A"])
    assert first.errors[0].kind is ProblemKind.RATE_LIMITED
    assert first.errors[0].retry_after == 45
    assert second.errors[0].retry_after == pytest.approx(45)
    assert len(recorder.requests) == 1


async def test_unreadable_token_answer_is_a_bad_response() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, text="<html>login</html>"))
    client = TrackingClient(
        fake_adapter(auth=AuthKind.OAUTH_CLIENT_CREDENTIALS), CLIENT, transport=recorder.transport
    )
    async with client:
        result = await client.track(["A"])
    assert result.errors[0].kind is ProblemKind.BAD_RESPONSE
    assert recorder.paths() == ["/oauth/token"]


async def test_concurrent_calls_fetch_one_token() -> None:
    server = OAuthServer()
    client, recorder = oauth_client(server)
    async with client:
        await asyncio.gather(*(client.track([f"N{i}"]) for i in range(5)))
    assert len(server.issued) == 1
    assert recorder.paths().count("/oauth/token") == 1


def test_default_token_parser() -> None:
    body = b'{"access_token":"abc","expires_in":"14399"}'
    assert default_parse_token_response(200, {}, body) == ("abc", 14399.0)
    assert default_parse_token_response(200, {}, b'{"access_token":"abc"}') == ("abc", 300.0)
    with pytest.raises(BadResponse):
        default_parse_token_response(200, {}, b'{"token":"abc"}')


async def test_token_parser_may_return_its_own_error() -> None:
    def parser(status: int, headers: object, body: bytes) -> object:
        if status == 200:
            return ("tok-x", 600.0)
        return TrackingError(
            ProblemKind.AUTH_FAILED, "Fake says: client id unknown", None, None, "E7"
        )

    answers = [httpx.Response(401, json={"code": "E7"}), token_answer("tok-x")]
    recorder = Recorder(lambda r: answers.pop(0) if answers else ok_for_all(r))
    adapter = fake_adapter(auth=AuthKind.OAUTH_CLIENT_CREDENTIALS, parse_token_response=parser)
    async with TrackingClient(adapter, CLIENT, transport=recorder.transport) as client:
        refused = await client.track(["A"])
        accepted = await client.track(["A"])
    assert refused.errors[0].message == "Fake says: client id unknown"
    assert refused.errors[0].carrier_code == "E7"
    assert refused.errors[0].tracking_number == "A"
    assert accepted.errors == ()
    assert recorder.requests[-1].headers["Authorization"] == "Bearer tok-x"


async def test_token_parser_that_raises_on_an_error_status_falls_back_to_the_status() -> None:
    def parser(status: int, headers: object, body: bytes) -> object:
        raise KeyError("access_token")

    recorder = Recorder(lambda r: httpx.Response(503, headers={"Retry-After": "5"}))
    adapter = fake_adapter(auth=AuthKind.OAUTH_CLIENT_CREDENTIALS, parse_token_response=parser)
    async with TrackingClient(adapter, CLIENT, transport=recorder.transport) as client:
        result = await client.track(["A"])
    assert result.errors[0].kind is ProblemKind.UNAVAILABLE
    assert result.errors[0].retry_after == 5


async def test_a_retry_after_that_arrives_during_the_token_fetch_stops_the_send() -> None:
    """Another request of the account got a 429 while this one fetched its token."""
    server = OAuthServer()
    client, recorder = oauth_client(server, carrier_id="fedex")

    def token_then_throttled(request: httpx.Request) -> httpx.Response:
        answer = server(request)
        if request.url.path.endswith("/token"):
            client._note_gate(  # what the concurrent request's 429 does
                TrackingError(ProblemKind.RATE_LIMITED, "slow down", "X", retry_after=30)
            )
        return answer

    recorder.handler = token_then_throttled
    async with client:
        result = await client.track(["A"])
    assert recorder.paths() == ["/oauth/token"]  # the tracking request was never sent
    assert [e.kind for e in result.errors] == [ProblemKind.RATE_LIMITED]
    assert result.errors[0].retry_after == pytest.approx(30)


async def test_no_token_is_requested_while_a_retry_after_runs() -> None:
    server = OAuthServer()
    clock = FakeClock()
    client, recorder = oauth_client(server, carrier_id="fedex", clock=clock)
    async with client:
        client._note_gate(TrackingError(ProblemKind.RATE_LIMITED, "wait", "X", retry_after=10))
        blocked = await client.track(["A"])
    assert recorder.paths() == []
    assert [e.kind for e in blocked.errors] == [ProblemKind.RATE_LIMITED]
