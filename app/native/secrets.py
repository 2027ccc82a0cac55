"""The secret store seam: carrier keys, OAuth secrets and SMTP passwords live only here.

`SecretStore` is async because two of its implementations are: the OS keychain is reached over
D-Bus / Keychain Services / Credential Manager (blocking calls, run in a worker thread), and
flet-secure-storage talks to the Flutter client. Values are never logged and never appear in
exception text or reprs.

- `KeyringSecretStore`: desktop (keyring's platform backend; on Linux the Secret Service).
- `FletSecureStorageSecretStore`: mobile and web builds; needs `flet build` with the
  `flet-secure-storage` extension, whose `SecureStorage` service object is injected.
- `InMemorySecretStore`: unit tests.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "SERVICE_NAME",
    "AsyncKeyValueStorage",
    "FletSecureStorageSecretStore",
    "InMemorySecretStore",
    "KeyringSecretStore",
    "SecretStore",
    "SecretStoreError",
    "secret_key",
]

SERVICE_NAME = "paketpilot"
_SEPARATOR = "/"


class SecretStoreError(Exception):
    """The store cannot be used (no keychain, locked, refused). The text names no secret."""


@runtime_checkable
class SecretStore(Protocol):
    async def get(self, account_id: str, field: str) -> str | None: ...

    async def set(self, account_id: str, field: str, value: str) -> None: ...

    async def delete(self, account_id: str, field: str) -> None:
        """Remove the value; deleting a value that is not there is not an error."""
        ...


def secret_key(account_id: str, field: str) -> str:
    """One key per account and field: "dhl-1/api_key". Fields contain no "/" so it is unique."""
    if not account_id or not field or _SEPARATOR in field:
        raise ValueError("account id and field name must be non-empty; a field has no '/'")
    return f"{account_id}{_SEPARATOR}{field}"


class InMemorySecretStore:
    """A dict, for tests. The repr shows keys only."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    async def get(self, account_id: str, field: str) -> str | None:
        return self._values.get(secret_key(account_id, field))

    async def set(self, account_id: str, field: str, value: str) -> None:
        self._values[secret_key(account_id, field)] = value

    async def delete(self, account_id: str, field: str) -> None:
        self._values.pop(secret_key(account_id, field), None)

    def __repr__(self) -> str:
        return f"InMemorySecretStore(keys={sorted(self._values)})"


class KeyringSecretStore:
    """The OS keychain via `keyring`, service "paketpilot", user name "<account>/<field>"."""

    def __init__(self, backend: Any = None, service: str = SERVICE_NAME) -> None:
        # `backend` is a keyring.backend.KeyringBackend; None means keyring's platform default.
        self._backend = backend
        self._service = service

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring  # imported late: it probes backends, which is slow at start-up

        return keyring.get_keyring()

    async def _call(self, action: str, method: str, *args: str) -> Any:
        from keyring.errors import KeyringError, PasswordDeleteError

        def run() -> Any:
            return getattr(self._keyring(), method)(self._service, *args)

        try:
            return await asyncio.to_thread(run)
        except PasswordDeleteError:
            if method == "delete_password":
                return None
            raise SecretStoreError(f"the keychain refused to {action} a secret") from None
        except KeyringError as exc:
            reason = type(exc).__name__
            raise SecretStoreError(f"the keychain could not {action} a secret ({reason})") from None

    async def get(self, account_id: str, field: str) -> str | None:
        value = await self._call("read", "get_password", secret_key(account_id, field))
        return value if isinstance(value, str) else None

    async def set(self, account_id: str, field: str, value: str) -> None:
        await self._call("save", "set_password", secret_key(account_id, field), value)

    async def delete(self, account_id: str, field: str) -> None:
        await self._call("delete", "delete_password", secret_key(account_id, field))

    def __repr__(self) -> str:
        return f"KeyringSecretStore(service={self._service!r})"


class AsyncKeyValueStorage(Protocol):
    """The part of flet-secure-storage's `SecureStorage` service this store uses."""

    async def get(self, key: str) -> Any: ...

    async def set(self, key: str, value: str) -> Any: ...

    async def remove(self, key: str) -> Any: ...


class FletSecureStorageSecretStore:
    """Keychain (iOS) / Keystore (Android) / browser storage via flet-secure-storage.

    Only usable in an app built with `flet build` that lists `flet-secure-storage`: the UI
    creates `flet_secure_storage.SecureStorage()`, adds it to `page.services` and injects it
    here. This module never imports flet.
    """

    def __init__(self, storage: AsyncKeyValueStorage, prefix: str = SERVICE_NAME) -> None:
        self._storage = storage
        self._prefix = prefix

    def _key(self, account_id: str, field: str) -> str:
        return f"{self._prefix}{_SEPARATOR}{secret_key(account_id, field)}"

    async def get(self, account_id: str, field: str) -> str | None:
        try:
            value = await self._storage.get(self._key(account_id, field))
        except Exception as exc:
            raise SecretStoreError(f"secure storage failed ({type(exc).__name__})") from None
        return value if isinstance(value, str) and value else None

    async def set(self, account_id: str, field: str, value: str) -> None:
        try:
            await self._storage.set(self._key(account_id, field), value)
        except Exception as exc:
            raise SecretStoreError(f"secure storage failed ({type(exc).__name__})") from None

    async def delete(self, account_id: str, field: str) -> None:
        try:
            await self._storage.remove(self._key(account_id, field))
        except Exception as exc:
            raise SecretStoreError(f"secure storage failed ({type(exc).__name__})") from None

    def __repr__(self) -> str:
        return f"FletSecureStorageSecretStore(prefix={self._prefix!r})"
