"""A small fake carrier module and a recording HTTP transport for the client tests.

The fake speaks a made-up JSON protocol: `GET /track?n=A,B&lang=de` answers
`{"parcels": ["A"], "errors": [{"number": "B", "kind": "not_found"}]}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType

import httpx

from app.carriers.base import (
    AuthKind,
    CredentialField,
    ParseResult,
    RequestSpec,
    TrackingError,
)
from app.carriers.parsing import BadResponse, http_error, load_json
from app.carriers.registry import CarrierAdapter, adapter_from_module
from app.domain.models import ParcelUpdate, ProblemKind

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def build_requests(numbers: Sequence[str], *, language: str) -> list[RequestSpec]:
    for number in numbers:
        if number.startswith("BAD"):
            raise ValueError("not a fake tracking number")
    return [
        RequestSpec(
            method="GET",
            path="/track",
            tracking_numbers=tuple(numbers),
            params=(("n", ",".join(numbers)), ("lang", language)),
        )
    ]


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    requested: Sequence[str] = (),
    fetched_at: datetime | None = None,
) -> ParseResult:
    failure = http_error(status, headers)
    if failure is not None:
        return ParseResult(errors=(failure,))
    try:
        data = load_json(headers, body)
    except BadResponse as exc:
        return ParseResult(errors=(TrackingError(ProblemKind.BAD_RESPONSE, str(exc)),))
    parcels = tuple(
        ParcelUpdate(tracking_number=n, carrier="fake", fetched_at=fetched_at or NOW)
        for n in data.get("parcels", [])
    )
    errors = tuple(
        TrackingError(ProblemKind(e["kind"]), e.get("message", "failed"), e["number"])
        for e in data.get("errors", [])
    )
    return ParseResult(parcels, errors)


def fake_module(
    *,
    auth: AuthKind = AuthKind.API_KEY_HEADER,
    batch_limit: int = 1,
    carrier_id: str = "fake",
    **extra: object,
) -> ModuleType:
    module = ModuleType(f"fake_{carrier_id}")
    fields = {
        AuthKind.API_KEY_HEADER: ("api_key",),
        AuthKind.OAUTH_CLIENT_CREDENTIALS: ("client_id", "client_secret"),
        AuthKind.OAUTH_PASSWORD: ("username", "password", "client_id", "client_secret"),
        AuthKind.CLIENT_ID_SECRET_HEADERS: ("client_id", "client_secret"),
        AuthKind.NONE: (),
    }[auth]
    values: dict[str, object] = {
        "CARRIER_ID": carrier_id,
        "DISPLAY_NAME": "Fake Express",
        "DEFAULT_BASE_URL": "https://api.fake.example",
        "TRACKING_PAGE_URL": "https://fake.example/track?n={number}",
        "BATCH_LIMIT": batch_limit,
        "AUTH": auth,
        "CREDENTIAL_FIELDS": tuple(CredentialField(f, f, f) for f in fields),
        "build_requests": build_requests,
        "parse_response": parse_response,
    }
    if auth in (AuthKind.OAUTH_CLIENT_CREDENTIALS, AuthKind.OAUTH_PASSWORD):
        values["TOKEN_PATH"] = "/oauth/token"
    values.update(extra)
    for name, value in values.items():
        setattr(module, name, value)
    return module


def fake_adapter(**kwargs: object) -> CarrierAdapter:
    return adapter_from_module(fake_module(**kwargs))  # type: ignore[arg-type]


def ok_for_all(request: httpx.Request) -> httpx.Response:
    """Answers every requested number with a parcel."""
    numbers = request.url.params.get("n", "").split(",")
    return httpx.Response(200, json={"parcels": [n for n in numbers if n]})


class Recorder:
    """An httpx MockTransport that records each request and answers with `handler`."""

    def __init__(self, handler: Handler = ok_for_all) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def tracked(self) -> list[list[str]]:
        return [
            r.url.params["n"].split(",") for r in self.requests if r.url.path.endswith("/track")
        ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_answer(token: str, expires_in: object = 3600) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    )


def form(request: httpx.Request) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(request.content.decode()))


def dumps(value: object) -> bytes:
    return json.dumps(value).encode()
