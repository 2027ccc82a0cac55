"""Secrets never reach logs, exception text, error messages or reprs."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator

import httpx
import pytest

from app.carriers.auth import Credentials, TokenGrant, token_request
from app.carriers.base import AuthKind
from app.carriers.client import TrackingClient
from app.carriers.redact import (
    KNOWN_SECRETS,
    MASK,
    RedactingFilter,
    SecretRegistry,
    install_log_redaction,
    redact,
)
from app.native.secrets import InMemorySecretStore
from tests.unit.test_client_fakes import Recorder, fake_adapter, token_answer

API_KEY = "dhl-KEY-5b0e8c1d9f"
CLIENT_SECRET = "cs-7d41a9e0b3"
TOKEN = "eyJ-access-token-2f6c"


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Logs as the app writes them: through a handler with the redacting filter."""
    log_filter = install_log_redaction(caplog.handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    caplog.handler.removeFilter(log_filter)


def test_redact_replaces_known_values_longest_first() -> None:
    text = f"key={API_KEY} and prefix {API_KEY[:8]} token {TOKEN}"
    cleaned = redact(text, [API_KEY[:8], API_KEY, TOKEN])
    assert API_KEY not in cleaned
    assert TOKEN not in cleaned
    assert API_KEY[:8] not in cleaned
    assert cleaned.count(MASK) == 3


def test_redact_masks_credential_shapes_it_was_not_told_about() -> None:
    text = (
        "Authorization: Bearer abcdefghijkl123 Basic Y2lkOmNzZWNyZXQ= "
        'DHL-API-Key: unknown-key-1 {"client_secret": "zzz-secret"} password=hunter22&x=1'
    )
    cleaned = redact(text)
    for leaked in (
        "abcdefghijkl123",
        "Y2lkOmNzZWNyZXQ=",
        "unknown-key-1",
        "zzz-secret",
        "hunter22",
    ):
        assert leaked not in cleaned
    assert "x=1" in cleaned


def test_short_values_are_not_registered() -> None:
    registry = SecretRegistry()
    registry.add("ab", None, "", "long-enough")
    assert registry.snapshot() == ("long-enough",)
    assert "long-enough" not in repr(registry)


def test_filter_scrubs_message_args_exception_and_stack() -> None:
    registry = SecretRegistry()
    registry.add(API_KEY)
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(logging.Formatter().format(record))  # type: ignore[method-assign]
    handler.addFilter(RedactingFilter(registry))
    logger = logging.getLogger("test.redact.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s", API_KEY)
        try:
            raise RuntimeError(f"server echoed {API_KEY}")
        except RuntimeError:
            logger.exception("failed")
        logger.warning("with stack %s", "x", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
    assert len(seen) == 3
    assert all(API_KEY not in line for line in seen)
    assert "RuntimeError: server echoed ***" in seen[1]


def test_credentials_repr_str_and_pickle_hide_values() -> None:
    credentials = Credentials({"client_id": "cid-visible?", "client_secret": CLIENT_SECRET})
    for text in (repr(credentials), str(credentials), f"{credentials}", f"{credentials!r}"):
        assert CLIENT_SECRET not in text
        assert "cid-visible?" not in text
        assert "client_secret=***" in text
    with pytest.raises(TypeError):
        pickle.dumps(credentials)


def test_token_grant_repr_hides_the_form() -> None:
    credentials = Credentials({"client_id": "cid-1234", "client_secret": CLIENT_SECRET})
    grant = token_request(AuthKind.OAUTH_CLIENT_CREDENTIALS, credentials, basic=True)
    assert isinstance(grant, TokenGrant)
    assert CLIENT_SECRET not in repr(grant)
    assert "cid-1234" not in repr(grant)


async def test_no_secret_leaks_through_client_failures(
    captured: pytest.LogCaptureFixture,
) -> None:
    """Force every failure path with secrets set; search everything a user or log could see."""
    credentials = Credentials({"client_id": "cid-0a1b2c", "client_secret": CLIENT_SECRET})
    calls = {"n": 0}

    def server(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if request.url.path.endswith("/token"):
            return token_answer(TOKEN)
        number = request.url.params["n"]
        if number == "ECHO":  # a hostile server echoes what it got, with a 401
            body = f"bad key {CLIENT_SECRET} token {TOKEN} {request.headers}"
            return httpx.Response(401, text=body)
        if number == "BOOM":
            raise httpx.ConnectError(f"proxy refused https://x:{CLIENT_SECRET}@h Bearer {TOKEN}")
        return httpx.Response(
            200,
            json={
                "errors": [
                    {
                        "number": number,
                        "kind": "not_found",
                        "message": f"echo {TOKEN} {CLIENT_SECRET}",
                    }
                ]
            },
        )

    def leaky_parser(status: int, headers: object, body: bytes, **kwargs: object) -> object:
        if b"bad key" in body:
            raise ValueError(f"parser choked on {body.decode()}")
        from tests.unit.test_client_fakes import parse_response

        return parse_response(status, headers, body, **kwargs)  # type: ignore[arg-type]

    adapter = fake_adapter(auth=AuthKind.OAUTH_CLIENT_CREDENTIALS, parse_response=leaky_parser)
    recorder = Recorder(server)
    client = TrackingClient(adapter, credentials, account_id="acc-1", transport=recorder.transport)
    async with client:
        result = await client.track(["ECHO", "BOOM", "PLAIN"])
        texts = [repr(client), str(client), repr(credentials), repr(adapter)]
    assert calls["n"] >= 4
    assert len(result.errors) == 3
    texts += [repr(result), *(e.message for e in result.errors), *map(str, result.errors)]
    texts.append(captured.text)
    texts += [record.getMessage() for record in captured.records]
    texts.append(repr(KNOWN_SECRETS))
    store = InMemorySecretStore()
    await store.set("acc-1", "client_secret", CLIENT_SECRET)
    texts.append(repr(store))
    blob = "\n".join(texts)
    assert "parser choked" in captured.text or "parser raised" in captured.text
    for secret in (CLIENT_SECRET, TOKEN, "cid-0a1b2c"):
        assert secret not in blob


async def test_api_key_never_in_logs_on_auth_failure(captured: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(lambda r: httpx.Response(401, text=f"key {r.headers['DHL-API-Key']}"))
    adapter = fake_adapter(carrier_id="dhl")
    async with TrackingClient(
        adapter, Credentials({"api_key": API_KEY}), transport=recorder.transport
    ) as c:
        logging.getLogger("app.carriers").error("debugging %r with %s", c, API_KEY)
        result = await c.track(["A"])
    assert result.errors[0].message
    assert API_KEY not in captured.text
    assert API_KEY not in repr(result)
