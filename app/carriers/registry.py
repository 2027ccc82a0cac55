"""The explicit list of carrier adapters: id -> `CarrierAdapter`.

Every carrier module exposes the same constants and pure functions (see `adapter_from_module`);
this file turns each into one typed `CarrierAdapter`. Modules are imported on first use so the
app starts without loading eleven parsers.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from app.carriers.auth import TokenParse, default_parse_token_response
from app.carriers.base import (
    AuthKind,
    CarrierParser,
    CredentialField,
    RequestSpec,
)

if TYPE_CHECKING:
    from app.carriers.client import TrackingClient

__all__ = [
    "CARRIER_MODULES",
    "REGISTRY",
    "CarrierAdapter",
    "RequestBuilder",
    "TokenParser",
    "adapter_from_module",
]

# id -> module; the order is the order the settings screen lists them in.
CARRIER_MODULES: dict[str, str] = {
    "dhl": "app.carriers.dhl",
    "ups": "app.carriers.ups",
    "fedex": "app.carriers.fedex",
    "usps": "app.carriers.usps",
    "dpd": "app.carriers.dpd",
    "hermes": "app.carriers.hermes",
    "gls": "app.carriers.gls",
    "postnl": "app.carriers.postnl",
    "royalmail": "app.carriers.royalmail",
    "aftership": "app.carriers.aftership",
    "17track": "app.carriers.seventeen_track",
}

# Carriers whose token endpoint wants the client id and secret as HTTP Basic auth.
_BASIC_TOKEN_AUTH = frozenset({"ups"})


class RequestBuilder(Protocol):
    def __call__(self, numbers: Sequence[str], *, language: str) -> list[RequestSpec]: ...


class HintedRequestBuilder(Protocol):
    """Aggregators: `slugs` maps a number to a carrier hint (their courier code or ours)."""

    def __call__(
        self, numbers: Sequence[str], *, language: str, slugs: Mapping[str, str] | None = None
    ) -> list[RequestSpec]: ...


class SlugReader(Protocol):
    def __call__(self, status: int, headers: Mapping[str, str], body: bytes) -> dict[str, str]: ...


# (token, lifetime in s); may return a TrackingError (or raise BadResponse) for a failure.
TokenParser = TokenParse


@dataclass(frozen=True, slots=True)
class CarrierAdapter:
    """Everything the app knows about one carrier API. Holds no secrets."""

    id: str
    display_name: str
    default_base_url: str
    tracking_page_template: str  # contains "{number}"
    batch_limit: int
    auth: AuthKind
    credential_fields: tuple[CredentialField, ...]
    build_requests: RequestBuilder
    parse_response: CarrierParser
    parse_token_response: TokenParser = default_parse_token_response
    token_path: str | None = None  # joined to the base URL
    token_url: str | None = None  # absolute; its path is kept when the base URL is overridden
    api_key_header: str | None = None  # overrides auth.API_KEY_HEADERS
    token_basic_auth: bool = False  # UPS: client id/secret as Basic auth on the token request
    # Aggregators must be told about a number before they track it (AfterShip, 17TRACK).
    build_register_requests: HintedRequestBuilder | None = None
    parse_register_response: CarrierParser | None = None
    registered_slugs: SlugReader | None = None  # the courier code the aggregator chose

    def tracking_page_url(self, number: str) -> str:
        return self.tracking_page_template.format(number=quote(number.strip(), safe=""))

    @property
    def uses_oauth(self) -> bool:
        return self.auth in (AuthKind.OAUTH_CLIENT_CREDENTIALS, AuthKind.OAUTH_PASSWORD)

    def client(self, *args: Any, **kwargs: Any) -> TrackingClient:
        """A `TrackingClient` for one account of this carrier (same arguments minus adapter)."""
        from app.carriers.client import TrackingClient  # the client imports this module

        return TrackingClient(self, *args, **kwargs)


def _required(module: ModuleType, name: str) -> Any:
    try:
        return getattr(module, name)
    except AttributeError:
        raise TypeError(f"{module.__name__} lacks {name}, part of the carrier contract") from None


def adapter_from_module(module: ModuleType) -> CarrierAdapter:
    """Read a carrier module's constants and functions, checking the contract as it goes."""
    auth = AuthKind(_required(module, "AUTH"))
    batch_limit = int(_required(module, "BATCH_LIMIT"))
    template = str(_required(module, "TRACKING_PAGE_URL"))
    if batch_limit < 1 or "{number}" not in template:
        raise ValueError(
            f"{module.__name__}: BATCH_LIMIT must be >= 1, TRACKING_PAGE_URL {{number}}"
        )
    token_path = getattr(module, "TOKEN_PATH", None)
    token_url = getattr(module, "TOKEN_URL", None)
    oauth = auth in (AuthKind.OAUTH_CLIENT_CREDENTIALS, AuthKind.OAUTH_PASSWORD)
    if oauth and not (token_path or token_url):
        raise TypeError(f"{module.__name__} uses OAuth but has neither TOKEN_PATH nor TOKEN_URL")
    carrier_id = str(_required(module, "CARRIER_ID"))
    return CarrierAdapter(
        id=carrier_id,
        display_name=str(_required(module, "DISPLAY_NAME")),
        default_base_url=str(_required(module, "DEFAULT_BASE_URL")),
        tracking_page_template=template,
        batch_limit=batch_limit,
        auth=auth,
        credential_fields=tuple(_required(module, "CREDENTIAL_FIELDS")),
        build_requests=_required(module, "build_requests"),
        parse_response=_required(module, "parse_response"),
        parse_token_response=getattr(module, "parse_token_response", default_parse_token_response),
        token_path=token_path,
        token_url=token_url,
        api_key_header=getattr(module, "API_KEY_HEADER", None),
        token_basic_auth=bool(getattr(module, "TOKEN_BASIC_AUTH", carrier_id in _BASIC_TOKEN_AUTH)),
        build_register_requests=getattr(module, "build_register_requests", None),
        parse_register_response=getattr(module, "parse_register_response", None),
        registered_slugs=getattr(module, "registered_slugs", None),
    )


class _Registry(Mapping[str, CarrierAdapter]):
    """All carrier ids are always listed; each module is imported on first lookup."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, CarrierAdapter] = {}

    def __getitem__(self, carrier_id: str) -> CarrierAdapter:
        if carrier_id not in self._loaded:
            name = self._modules[carrier_id]  # KeyError for an unknown id
            adapter = adapter_from_module(importlib.import_module(name))
            if adapter.id != carrier_id:
                raise ValueError(f"{name}.CARRIER_ID is {adapter.id!r}, expected {carrier_id!r}")
            self._loaded[carrier_id] = adapter
        return self._loaded[carrier_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __repr__(self) -> str:
        return f"CarrierRegistry({list(self._modules)})"


REGISTRY: Mapping[str, CarrierAdapter] = _Registry(CARRIER_MODULES)
