"""The contract every carrier and aggregator adapter fulfils.

Parsing is pure: `parse_response(status, headers, body)` turns one HTTP answer into domain
`ParcelUpdate`s plus one `TrackingError` per number that failed. A failure that concerns the
whole request (401, 429, 5xx, an HTML error page) is a `TrackingError` with `tracking_number`
None: it applies to every number of that request, and nothing else is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.domain.models import ParcelUpdate, ProblemKind

__all__ = [
    "AuthKind",
    "CarrierParser",
    "CredentialField",
    "ParseResult",
    "RequestSpec",
    "TrackingError",
]


@dataclass(frozen=True, slots=True)
class TrackingError:
    kind: ProblemKind
    message: str  # user-facing, specific, never contains a secret
    tracking_number: str | None = None  # None: the whole request failed
    retry_after: float | None = None  # seconds, from Retry-After or the API's own field
    carrier_code: str | None = None  # the API's own error code, kept for diagnosis
    # What the carrier itself said about this number, word for word. None when `message` is
    # only our own (English) note, or an aggregator's remark on our request to it: the parcel
    # shows the carrier's words, never ours.
    carrier_text: str | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    parcels: tuple[ParcelUpdate, ...] = ()
    errors: tuple[TrackingError, ...] = ()


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str  # key in the SecretStore / settings
    label_en: str
    label_de: str
    secret: bool = True  # secrets go to the keychain; others to settings in SQLite
    optional: bool = False


class CarrierParser(Protocol):
    def __call__(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        requested: Sequence[str] = ...,
        fetched_at: datetime | None = ...,
    ) -> ParseResult: ...


class AuthKind(StrEnum):
    """How a client authenticates; the client in `app.carriers.client` implements each."""

    API_KEY_HEADER = "api_key_header"  # one header carries the key (DHL, PostNL, AfterShip...)
    OAUTH_CLIENT_CREDENTIALS = "oauth_client_credentials"  # UPS, FedEx, USPS, GLS
    OAUTH_PASSWORD = "oauth_password"  # noqa: S105  (Hermes; a grant name, not a secret)
    CLIENT_ID_SECRET_HEADERS = "client_id_secret_headers"  # noqa: S105  (Royal Mail)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One HTTP request an adapter wants sent, before auth headers are added. Pure data."""

    method: str
    path: str  # joined to the account's base URL
    tracking_numbers: tuple[str, ...]
    params: tuple[tuple[str, str], ...] = ()  # ordered, repeatable (Hermes repeats shipmentID)
    headers: tuple[tuple[str, str], ...] = ()
    json_body: object | None = None
    form_body: tuple[tuple[str, str], ...] | None = None
