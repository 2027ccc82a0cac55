"""The thin async HTTP client of one carrier account.

`TrackingClient.track(numbers)` batches the numbers by the adapter's `BATCH_LIMIT`, asks the
adapter's pure `build_requests` for the requests, adds auth, sends them one after another over
one `httpx.AsyncClient`, and hands each answer to the adapter's pure `parse_response`.

It never raises (except on cancellation). Every requested number ends up in the result, either
as a `ParcelUpdate` or as a `TrackingError` whose `tracking_number` is set: whole-request errors
are repeated per number so merged batches stay unambiguous. It does not sleep or retry on 429;
it only refuses to contact an account before its `Retry-After` has passed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlencode

import httpx

from app.carriers.auth import (
    Credentials,
    SecretSource,
    TokenCache,
    missing_fields,
    static_auth_headers,
    token_outcome,
    token_request,
)
from app.carriers.base import ParseResult, RequestSpec, TrackingError
from app.carriers.limits import (
    MAX_BODY_BYTES,
    MAX_RETRY_AFTER_S,
    REQUEST_DEADLINE_S,
    RequestFailed,
    check_base_url,
    join_url,
    make_http_client,
    plain_headers,
    read_capped,
    transport_error,
)
from app.carriers.parsing import http_error, parse_retry_after
from app.carriers.redact import KNOWN_SECRETS, SecretRegistry, redact
from app.domain.models import ParcelUpdate, ProblemKind

if TYPE_CHECKING:
    from app.carriers.registry import CarrierAdapter

__all__ = ["LANGUAGES", "TrackingClient", "normalise_language", "resolve_token_url"]

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
_GATED = (ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE)


def normalise_language(language: str) -> str:
    """ "de", "de-DE", "de_AT" -> "de"; "en..." -> "en"; anything else is a ValueError."""
    code = language.strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
    return code


def resolve_token_url(adapter: CarrierAdapter, base_url: str, *, overridden: bool) -> str:
    """Where tokens come from. With a base-URL override (the sandbox), an absolute TOKEN_URL
    moves with it: the prefix that replaced the default base URL's path is put before the token
    path, so credentials never go to the production token host by mistake.

    E.g. default `https://api.x/services/hsi`, override `http://127.0.0.1:8/hermes/services/hsi`
    and TOKEN_URL `https://auth.x/oauth2/token` give `http://127.0.0.1:8/hermes/oauth2/token`.
    """
    if adapter.token_path:
        return join_url(base_url, adapter.token_path)
    if not adapter.token_url:
        raise ValueError(f"{adapter.id} has no token endpoint")
    if not overridden:
        return check_base_url(adapter.token_url)
    base = httpx.URL(base_url)
    prefix = base.path.rstrip("/")
    default_path = httpx.URL(adapter.default_base_url).path.rstrip("/")
    if default_path and prefix.endswith(default_path):
        prefix = prefix[: -len(default_path)]
    root = str(base.copy_with(path=prefix or "/", query=None, fragment=None))
    return join_url(root, httpx.URL(adapter.token_url).path)


def _key(number: str) -> str:
    return "".join(number.split()).upper()


class TrackingClient:
    """One carrier account: its adapter, credentials, base URL, language and token cache."""

    def __init__(
        self,
        adapter: CarrierAdapter,
        credentials: Credentials,
        *,
        account_id: str = "default",
        language: str = "en",
        base_url: str | None = None,
        token_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_body_bytes: int = MAX_BODY_BYTES,
        deadline_s: float = REQUEST_DEADLINE_S,
        secrets_registry: SecretRegistry = KNOWN_SECRETS,
    ) -> None:
        self.adapter = adapter
        self.account_id = account_id
        self.language = normalise_language(language)
        self.base_url = check_base_url(base_url or adapter.default_base_url)
        self._token_url: str | None = None
        if adapter.uses_oauth:
            self._token_url = (
                check_base_url(token_url)
                if token_url
                else resolve_token_url(adapter, self.base_url, overridden=base_url is not None)
            )
        self._credentials = credentials
        self._owns_http = http is None
        self._http = http or make_http_client(transport)
        self._clock = clock
        self._max_body = max_body_bytes
        self._deadline = deadline_s
        self._secrets = secrets_registry
        self._secrets.add(*credentials.secret_values())
        self._tokens = TokenCache(clock, secrets_registry)
        self._blocked_until = 0.0
        self._registered: dict[str, str] = {}  # aggregators: number -> courier code ("" unknown)
        self._hints: dict[str, str] = {}

    @classmethod
    async def from_store(
        cls,
        adapter: CarrierAdapter,
        store: SecretSource,
        account_id: str,
        *,
        settings: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> TrackingClient:
        """Load the account's credentials from the secret store and build its client."""
        credentials = await Credentials.load(store, account_id, adapter.credential_fields, settings)
        return cls(adapter, credentials, account_id=account_id, **kwargs)

    def __repr__(self) -> str:
        return (
            f"TrackingClient(carrier={self.adapter.id!r}, account={self.account_id!r}, "
            f"base_url={self.base_url!r}, language={self.language!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._tokens.drop()
        if self._owns_http:
            await self._http.aclose()

    @property
    def retry_after(self) -> float:
        """Seconds until this account may be contacted again (0 when it may now)."""
        return max(0.0, self._blocked_until - self._clock())

    # ------------------------------------------------------------------ tracking ----------

    async def track(
        self, numbers: Sequence[str], *, hints: Mapping[str, str] | None = None
    ) -> ParseResult:
        """Fetch `numbers`; one merged result, one outcome per distinct number.

        `hints` maps a number to the carrier we believe has it; aggregators use it when the
        number is registered with them.
        """
        self._hints = {n.strip(): h for n, h in (hints or {}).items()}
        wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
        parcels: list[ParcelUpdate] = []
        errors: list[TrackingError] = []
        size = self.adapter.batch_limit
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            try:
                result = await self._track_chunk(chunk)
            except Exception:  # a bug in an adapter must cost this batch only
                log.exception("tracking batch failed for %s", self.adapter.id)
                result = self._all_failed(
                    chunk, TrackingError(ProblemKind.BAD_RESPONSE, "internal error while tracking")
                )
            parcels.extend(result.parcels)
            errors.extend(self._scrub(error) for error in result.errors)
        return ParseResult(tuple(parcels), tuple(errors))

    async def _track_chunk(self, chunk: list[str]) -> ParseResult:
        gate = self._gate_error()
        if gate is not None:
            return self._all_failed(chunk, gate)
        missing = missing_fields(self.adapter.auth, self._credentials)
        if missing:
            message = f"{self.adapter.display_name}: credentials missing ({', '.join(missing)})"
            return self._all_failed(chunk, TrackingError(ProblemKind.AUTH_FAILED, message))
        registration_errors = await self._register(chunk)
        refused = {_key(e.tracking_number) for e in registration_errors if e.tracking_number}
        specs, errors = self._build([n for n in chunk if _key(n) not in refused])
        errors.extend(registration_errors)
        parcels: list[ParcelUpdate] = []
        covered: set[str] = set()
        for spec in specs:
            gate = self._gate_error()  # an earlier request of this batch may have set it
            result = (
                self._all_failed(list(spec.tracking_numbers), gate)
                if gate is not None
                else await self._send_spec(spec)
            )
            parcels.extend(result.parcels)
            errors.extend(result.errors)
            if len(spec.tracking_numbers) == 1 and result.parcels:
                covered.add(_key(spec.tracking_numbers[0]))  # answered, maybe under a piece id
        return self._complete(chunk, parcels, errors, covered)

    async def _register(self, chunk: list[str]) -> list[TrackingError]:
        """Tell an aggregator about numbers it has not seen from us; errors for refused ones."""
        build, parse = self.adapter.build_register_requests, self.adapter.parse_register_response
        todo = [n for n in chunk if _key(n) not in self._registered]
        if build is None or parse is None or not todo:
            return []
        hints = {n: self._hints[n] for n in todo if self._hints.get(n)}
        errors: list[TrackingError] = []
        for spec in build(todo, language=self.language, slugs=hints):
            numbers = list(spec.tracking_numbers)
            try:
                async with asyncio.timeout(self._deadline):
                    status, headers, body = await self._exchange(spec)
            except RequestFailed as failed:
                errors.extend(_for_each(numbers, self._note_gate(failed.error)))
                continue
            except (httpx.HTTPError, TimeoutError) as exc:
                error = transport_error(exc, self.adapter.display_name)
                errors.extend(_for_each(numbers, self._note_gate(error)))
                continue
            result = parse(status, headers, body, requested=tuple(numbers))
            whole = [e for e in result.errors if e.tracking_number is None]
            if whole:
                errors.extend(_for_each(numbers, self._note_gate(whole[0])))
                continue
            errors.extend(result.errors)
            refused = {_key(e.tracking_number) for e in result.errors if e.tracking_number}
            slugs = (
                self.adapter.registered_slugs(status, headers, body)
                if (self.adapter.registered_slugs)
                else {}
            )
            for number in numbers:
                if _key(number) not in refused:
                    self._registered[_key(number)] = slugs.get(number, "")
        return errors

    def _requests_for(self, chunk: list[str]) -> list[RequestSpec]:
        if self.adapter.build_register_requests is None:
            return self.adapter.build_requests(chunk, language=self.language)
        slugs = {n: self._registered[_key(n)] for n in chunk if self._registered.get(_key(n))}
        hinted: Any = self.adapter.build_requests  # aggregators take the courier codes too
        specs: list[RequestSpec] = hinted(chunk, language=self.language, slugs=slugs)
        return specs

    def _build(self, chunk: list[str]) -> tuple[list[RequestSpec], list[TrackingError]]:
        """The adapter's requests; if it rejects the batch, find the numbers it rejects."""
        if not chunk:
            return [], []
        try:
            return self._requests_for(chunk), []
        except Exception as exc:
            log.info("%s refused a batch: %s", self.adapter.id, type(exc).__name__)
            if len(chunk) == 1:
                return [], [self._invalid(chunk[0])]
        specs: list[RequestSpec] = []
        errors: list[TrackingError] = []
        for number in chunk:
            try:
                specs.extend(self._requests_for([number]))
            except Exception:
                errors.append(self._invalid(number))
        return specs, errors

    def _invalid(self, number: str) -> TrackingError:
        message = f"{self.adapter.display_name} cannot track this number"
        return TrackingError(ProblemKind.INVALID_NUMBER, message, number)

    def _complete(
        self,
        chunk: list[str],
        parcels: list[ParcelUpdate],
        errors: list[TrackingError],
        covered: set[str],
    ) -> ParseResult:
        """Add an error for each requested number the answer did not mention at all."""
        seen = set(covered)
        seen |= {_key(n) for p in parcels for n in (p.tracking_number, *p.pieces)}
        seen |= {_key(e.tracking_number) for e in errors if e.tracking_number}
        for number in chunk:
            if _key(number) not in seen:
                message = f"{self.adapter.display_name}'s answer did not mention this number"
                errors.append(TrackingError(ProblemKind.BAD_RESPONSE, message, number))
        return ParseResult(tuple(parcels), tuple(errors))

    async def _send_spec(self, spec: RequestSpec) -> ParseResult:
        numbers = list(spec.tracking_numbers)
        try:
            async with asyncio.timeout(self._deadline):
                status, headers, body = await self._exchange(spec)
        except RequestFailed as failed:
            return self._all_failed(numbers, self._note_gate(failed.error))
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("%s request failed: %s", self.adapter.id, type(exc).__name__)
            error = transport_error(exc, self.adapter.display_name)
            return self._all_failed(numbers, self._note_gate(error))
        try:
            result = self.adapter.parse_response(status, headers, body, requested=tuple(numbers))
        except Exception:  # parsers should not raise; if one does, lose this request only
            log.exception("%s parser raised on HTTP %s", self.adapter.id, status)
            message = f"{self.adapter.display_name} sent an answer that could not be read"
            return self._all_failed(numbers, TrackingError(ProblemKind.BAD_RESPONSE, message))
        errors = list(result.errors)
        if not errors and not result.parcels:
            fallback = http_error(status, headers)
            errors = [fallback] if fallback is not None else []
        expanded: list[TrackingError] = []
        for error in errors:
            self._note_gate(error)
            if error.tracking_number is None:
                expanded.extend(_for_each(numbers, error))
            else:
                expanded.append(error)
        return ParseResult(result.parcels, tuple(expanded))

    async def _exchange(self, spec: RequestSpec) -> tuple[int, Mapping[str, str], bytes]:
        """Send one request with auth; for OAuth renew the token once on a 401 and retry.

        A Retry-After that arrived while this request waited for its token (another request
        of the account got a 429) is honoured before every send, the resend included.
        """
        token = await self._tokens.get(self._fetch_token) if self.adapter.uses_oauth else None
        self._raise_if_gated()
        status, headers, body = await self._send(self._request(spec, token))
        if status == 401 and token is not None:
            log.info("%s rejected the access token; renewing it once", self.adapter.id)
            await self._tokens.drop(token)
            token = await self._tokens.get(self._fetch_token)
            self._raise_if_gated()
            status, headers, body = await self._send(self._request(spec, token))
        return status, headers, body

    def _raise_if_gated(self) -> None:
        gate = self._gate_error()
        if gate is not None:
            raise RequestFailed(gate)

    def _request(self, spec: RequestSpec, token: str | None) -> httpx.Request:
        headers: dict[str, str] = {"Accept": "application/json"}
        headers.update(spec.headers)
        headers.update(
            static_auth_headers(
                self.adapter.id, self.adapter.auth, self._credentials, self.adapter.api_key_header
            )
        )
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if self.adapter.id == "ups":  # required on every UPS call; unique per request
            headers["transId"] = uuid.uuid4().hex
            headers["transactionSrc"] = "paketpilot"
        content: bytes | None = None
        json_body: Any = None
        if spec.form_body is not None:
            content = urlencode(spec.form_body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif spec.json_body is not None:
            json_body = spec.json_body
        return self._http.build_request(
            spec.method,
            join_url(self.base_url, spec.path),
            params=list(spec.params),
            headers=headers,
            content=content,
            json=json_body,
        )

    async def _send(self, request: httpx.Request) -> tuple[int, Mapping[str, str], bytes]:
        response = await self._http.send(request, stream=True)
        self._note_retry_after(response)
        try:
            body = await read_capped(response, self._max_body)
        finally:
            await response.aclose()
        log.debug("%s %s %s -> %s", self.adapter.id, request.method, request.url.path, response)
        return response.status_code, plain_headers(response.headers), body

    # ------------------------------------------------------------------ OAuth -------------

    async def _fetch_token(self) -> tuple[str, float]:
        assert self._token_url is not None
        self._raise_if_gated()  # the token endpoint is the same account's API
        grant = token_request(
            self.adapter.auth, self._credentials, basic=self.adapter.token_basic_auth
        )
        headers = {**dict(grant.headers), "Content-Type": "application/x-www-form-urlencoded"}
        request = self._http.build_request(
            "POST", self._token_url, headers=headers, content=urlencode(grant.form).encode()
        )
        status, response_headers, body = await self._send(request)
        outcome = token_outcome(
            status,
            response_headers,
            body,
            self.adapter.parse_token_response,
            self.adapter.display_name,
        )
        if isinstance(outcome, TrackingError):
            raise RequestFailed(self._scrub(outcome))
        return outcome

    # ------------------------------------------------------------------ helpers -----------

    def _gate_error(self) -> TrackingError | None:
        remaining = self.retry_after
        if remaining <= 0:
            return None
        message = f"{self.adapter.display_name} asked us to wait; next try in {remaining:.0f} s"
        return TrackingError(ProblemKind.RATE_LIMITED, message, retry_after=remaining)

    def _note_retry_after(self, response: httpx.Response) -> None:
        """Close the gate as soon as a 429/503's headers arrive, before its body is read: while
        the body is awaited, another request of this account could otherwise still go out."""
        if response.status_code not in (429, 503):
            return
        wait = parse_retry_after(plain_headers(response.headers))
        if wait:
            self._block_for(wait)

    def _note_gate(self, error: TrackingError) -> TrackingError:
        if error.kind in _GATED and error.retry_after:
            self._block_for(error.retry_after)
        return error

    def _block_for(self, seconds: float) -> None:
        """Send nothing for `seconds` (capped); an earlier, longer block stands."""
        wait = min(seconds, MAX_RETRY_AFTER_S)
        self._blocked_until = max(self._blocked_until, self._clock() + wait)

    def _all_failed(self, numbers: Iterable[str], error: TrackingError) -> ParseResult:
        return ParseResult(errors=tuple(_for_each(numbers, error)))

    def _scrub(self, error: TrackingError) -> TrackingError:
        """Defence in depth: no parser message may echo a credential or token."""
        token = self._tokens.current
        secrets = (*self._credentials.secret_values(), *((token,) if token else ()))
        message = redact(error.message, secrets)
        if message == error.message:
            return error
        return TrackingError(
            error.kind, message, error.tracking_number, error.retry_after, error.carrier_code
        )


def _for_each(numbers: Iterable[str], error: TrackingError) -> list[TrackingError]:
    return [
        TrackingError(error.kind, error.message, number, error.retry_after, error.carrier_code)
        for number in numbers
    ]
