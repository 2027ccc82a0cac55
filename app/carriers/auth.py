"""Credentials, the auth schemes of the carrier APIs and the OAuth token cache.

Everything here is pure except `TokenCache`, which is handed the coroutine that fetches.

Credential field names are a contract between the adapters' `CREDENTIAL_FIELDS`, the settings
UI and the client: see `REQUIRED_FIELDS`. Secret values live in the keychain and in memory
only; `Credentials` never shows them in its repr.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.carriers.base import AuthKind, CredentialField, TrackingError
from app.carriers.parsing import BadResponse, as_int, http_error, load_json
from app.carriers.redact import SecretRegistry
from app.domain.models import ProblemKind

log = logging.getLogger(__name__)

__all__ = [
    "API_KEY_HEADERS",
    "REQUIRED_FIELDS",
    "TOKEN_MARGIN_S",
    "Credentials",
    "SecretSource",
    "TokenCache",
    "TokenGrant",
    "TokenParse",
    "default_parse_token_response",
    "missing_fields",
    "renewal_margin",
    "static_auth_headers",
    "token_outcome",
    "token_request",
]

API_KEY = "api_key"
CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"  # noqa: S105  (a field name)
USERNAME = "username"
PASSWORD = "password"  # noqa: S105  (a field name)

# The fields each scheme reads from `Credentials`; adapters must declare them in CREDENTIAL_FIELDS.
REQUIRED_FIELDS: dict[AuthKind, tuple[str, ...]] = {
    AuthKind.API_KEY_HEADER: (API_KEY,),
    AuthKind.OAUTH_CLIENT_CREDENTIALS: (CLIENT_ID, CLIENT_SECRET),
    AuthKind.OAUTH_PASSWORD: (USERNAME, PASSWORD, CLIENT_ID, CLIENT_SECRET),
    AuthKind.CLIENT_ID_SECRET_HEADERS: (CLIENT_ID, CLIENT_SECRET),
    AuthKind.NONE: (),
}

# Header that carries the key, per carrier id; an adapter may override with API_KEY_HEADER.
API_KEY_HEADERS: dict[str, str] = {
    "dhl": "DHL-API-Key",
    "postnl": "apikey",
    "aftership": "as-api-key",
    "17track": "17token",
}

# Renew a token this long before it expires (halved for very short-lived tokens).
TOKEN_MARGIN_S = 60.0


class SecretSource(Protocol):
    """What the client needs of a secret store (app.native.secrets.SecretStore fits)."""

    async def get(self, account_id: str, field: str) -> str | None: ...


class Credentials:
    """One carrier account's credential values, by field name. The repr never shows a value."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str | None] | None = None) -> None:
        self._values: dict[str, str] = {k: v for k, v in (values or {}).items() if v}

    @classmethod
    async def load(
        cls,
        store: SecretSource,
        account_id: str,
        fields: Iterable[CredentialField],
        settings: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Secret fields from the store; non-secret ones from `settings` (kept in SQLite)."""
        values: dict[str, str | None] = {}
        for spec in fields:
            if spec.secret:
                values[spec.name] = await store.get(account_id, spec.name)
            else:
                values[spec.name] = (settings or {}).get(spec.name)
        return cls(values)

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._values))

    def secret_values(self) -> tuple[str, ...]:
        """Every value, for redaction; treat non-secret fields as secret too, to be safe."""
        return tuple(self._values.values())

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and self._values == other._values

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}=***" for name in self.names())
        return f"Credentials({shown})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("Credentials are not picklable: secrets never leave memory")


def missing_fields(auth: AuthKind, credentials: Credentials) -> tuple[str, ...]:
    return tuple(name for name in REQUIRED_FIELDS[auth] if name not in credentials)


def static_auth_headers(
    carrier_id: str, auth: AuthKind, credentials: Credentials, api_key_header: str | None = None
) -> dict[str, str]:
    """Headers for the schemes without a token; empty for OAuth and NONE."""
    if auth is AuthKind.API_KEY_HEADER:
        name = api_key_header or API_KEY_HEADERS.get(carrier_id, "X-API-Key")
        return {name: credentials.get(API_KEY) or ""}
    if auth is AuthKind.CLIENT_ID_SECRET_HEADERS:
        return {
            "X-IBM-Client-Id": credentials.get(CLIENT_ID) or "",
            "X-IBM-Client-Secret": credentials.get(CLIENT_SECRET) or "",
            "X-Accept-RMG-Terms": "yes",
        }
    return {}


@dataclass(frozen=True, slots=True, repr=False)
class TokenGrant:
    """The request that obtains an access token. Its repr hides the form and headers."""

    headers: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        return f"TokenGrant(fields={[name for name, _ in self.form]})"


def token_request(auth: AuthKind, credentials: Credentials, *, basic: bool) -> TokenGrant:
    """The form (and Basic header, for UPS) of a client-credentials or password grant."""
    client_id = credentials.get(CLIENT_ID) or ""
    client_secret = credentials.get(CLIENT_SECRET) or ""
    headers = [("Accept", "application/json")]
    if auth is AuthKind.OAUTH_PASSWORD:
        form = [
            ("grant_type", "password"),
            ("username", credentials.get(USERNAME) or ""),
            ("password", credentials.get(PASSWORD) or ""),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ]
    elif basic:
        pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {pair}"))
        form = [("grant_type", "client_credentials")]
    else:
        form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ]
    return TokenGrant(tuple(headers), tuple(form))


def default_parse_token_response(
    status: int, headers: Mapping[str, str], body: bytes
) -> tuple[str, float]:
    """`access_token` and `expires_in` (int or string, as UPS sends) from an OAuth answer."""
    if status != 200:
        raise BadResponse(f"the token service answered HTTP {status}")
    data = load_json(headers, body)
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise BadResponse("the token answer has no access token")
    raw = data.get("expires_in")
    expires = float(raw) if isinstance(raw, float) and math.isfinite(raw) else as_int(raw)
    if not expires or expires <= 0:
        expires = 300  # unknown lifetime: renew soon rather than use an expired token
    return data["access_token"], float(expires)


def renewal_margin(expires_in: float) -> float:
    return min(TOKEN_MARGIN_S, expires_in / 2)


TokenFetch = Callable[[], Awaitable[tuple[str, float]]]
TokenParse = Callable[[int, Mapping[str, str], bytes], "tuple[str, float] | TrackingError"]


class TokenCache:
    """One account's access token: reused until `renewal_margin` before expiry, fetched by one
    caller at a time, registered for log redaction while it is held."""

    def __init__(self, clock: Callable[[], float], registry: SecretRegistry) -> None:
        self._clock = clock
        self._registry = registry
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    @property
    def current(self) -> str | None:
        return self._token

    async def get(self, fetch: TokenFetch) -> str:
        async with self._lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            token, expires_in = await fetch()
            self._registry.discard(self._token)
            self._registry.add(token)
            self._token = token
            self._renew_at = self._clock() + expires_in - renewal_margin(expires_in)
            return token

    async def drop(self, stale: str | None = None) -> None:
        """Forget the token (only if it is still `stale`: a concurrent call may have renewed)."""
        async with self._lock:
            if stale is None or self._token == stale:
                self._registry.discard(self._token)
                self._token = None

    def __repr__(self) -> str:
        return f"TokenCache(held={self._token is not None})"


_OAUTH_ERROR = re.compile(r"^[a-z_]{1,40}$")


def _oauth_error_code(body: bytes) -> str | None:
    """The RFC 6749 `error` code (e.g. invalid_client), never the free-text description."""
    match = re.search(rb'"error"\s*:\s*"([^"]{1,40})"', body[:4096])
    if match is None:
        return None
    code = match.group(1).decode("ascii", "replace")
    return code if _OAUTH_ERROR.match(code) else None


def token_outcome(
    status: int, headers: Mapping[str, str], body: bytes, parse: TokenParse, name: str
) -> tuple[str, float] | TrackingError:
    """(token, lifetime) from a token answer, or the error it means.

    The adapter's parser speaks first; if it raises or only says "bad response" for an error
    status, the status decides: 400/401/403 AUTH_FAILED, 429 RATE_LIMITED, 5xx UNAVAILABLE.
    """
    bad = ProblemKind.BAD_RESPONSE
    parsed: tuple[str, float] | TrackingError
    try:
        parsed = parse(status, headers, body)
    except BadResponse as exc:
        parsed = TrackingError(bad, f"{name} token answer: {exc}")
    except Exception as exc:
        log.warning("%s token answer could not be parsed (%s)", name, type(exc).__name__)
        parsed = TrackingError(bad, f"{name} sent an unreadable token answer")
    if status != 200 and (not isinstance(parsed, TrackingError) or parsed.kind is bad):
        if status in (400, 401, 403):
            message = f"{name} rejected the credentials (token request, HTTP {status})"
            code = _oauth_error_code(body)
            return TrackingError(ProblemKind.AUTH_FAILED, message, carrier_code=code)
        parsed = http_error(status, headers) or TrackingError(
            bad, f"{name} token service answered HTTP {status}"
        )
    if isinstance(parsed, TrackingError):
        return parsed
    token, expires_in = parsed
    if not token:
        return TrackingError(bad, f"{name} sent no token")
    return token, max(1.0, float(expires_in))
