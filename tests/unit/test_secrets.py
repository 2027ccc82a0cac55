"""The SecretStore seam: in-memory, keyring (over an in-memory backend) and flet storage."""

from __future__ import annotations

from typing import Any

import pytest
from keyring.backends.fail import Keyring as NoKeyring
from keyring.errors import KeyringLocked, PasswordDeleteError

from app.carriers.auth import Credentials
from app.carriers.base import CredentialField
from app.native.secrets import (
    SERVICE_NAME,
    FletSecureStorageSecretStore,
    InMemorySecretStore,
    KeyringSecretStore,
    SecretStore,
    SecretStoreError,
    secret_key,
)

SECRET = "s3cr3t-4c1d-value"


class MemoryKeyring:
    """The keyring backend surface, over a dict. Not a KeyringBackend subclass: those register
    themselves globally and would change which backend keyring picks in later tests."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked(f"locked while reading {username}")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked(f"cannot store {password}")  # a backend that leaks the value
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise PasswordDeleteError("not found")
        del self.items[(service, username)]


class FakeFletStorage:
    """The async get/set/remove surface of flet-secure-storage's SecureStorage."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.broken = False

    async def get(self, key: str) -> Any:
        if self.broken:
            raise RuntimeError(f"platform channel down for {key}")
        return self.data.get(key)

    async def set(self, key: str, value: str) -> bool:
        if self.broken:
            raise RuntimeError(f"could not write {value}")
        self.data[key] = value
        return True

    async def remove(self, key: str) -> bool:
        return self.data.pop(key, None) is not None


def _stores() -> list[SecretStore]:
    return [
        InMemorySecretStore(),
        KeyringSecretStore(MemoryKeyring()),
        FletSecureStorageSecretStore(FakeFletStorage()),
    ]


@pytest.mark.parametrize("store", _stores(), ids=lambda s: type(s).__name__)
async def test_set_get_delete_roundtrip(store: SecretStore) -> None:
    assert isinstance(store, SecretStore)
    assert await store.get("dhl-1", "api_key") is None
    await store.set("dhl-1", "api_key", SECRET)
    await store.set("dhl-2", "api_key", "other-value")
    assert await store.get("dhl-1", "api_key") == SECRET
    await store.delete("dhl-1", "api_key")
    assert await store.get("dhl-1", "api_key") is None
    assert await store.get("dhl-2", "api_key") == "other-value"
    await store.delete("dhl-1", "api_key")  # deleting what is gone is fine
    assert SECRET not in repr(store)


def test_keys_are_unambiguous() -> None:
    assert secret_key("ups/main", "client_secret") == "ups/main/client_secret"
    for account, field in (("", "x"), ("a", ""), ("a", "b/c")):
        with pytest.raises(ValueError, match="non-empty"):
            secret_key(account, field)


async def test_keyring_store_uses_the_paketpilot_service() -> None:
    backend = MemoryKeyring()
    await KeyringSecretStore(backend).set("fedex-1", "client_secret", SECRET)
    assert backend.items == {(SERVICE_NAME, "fedex-1/client_secret"): SECRET}


async def test_keyring_errors_are_wrapped_without_the_secret() -> None:
    backend = MemoryKeyring()
    backend.locked = True
    store = KeyringSecretStore(backend)
    with pytest.raises(SecretStoreError) as caught:
        await store.set("dhl-1", "api_key", SECRET)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert "KeyringLocked" in str(caught.value)


async def test_no_keychain_is_a_clear_error() -> None:
    store = KeyringSecretStore(NoKeyring())  # type: ignore[no-untyped-call]  # keyring: no hints
    with pytest.raises(SecretStoreError, match="keychain"):
        await store.get("dhl-1", "api_key")


async def test_flet_storage_keys_and_errors() -> None:
    storage = FakeFletStorage()
    store = FletSecureStorageSecretStore(storage)
    await store.set("gls-1", "client_id", "cid")
    assert storage.data == {"paketpilot/gls-1/client_id": "cid"}
    storage.broken = True
    with pytest.raises(SecretStoreError) as caught:
        await store.set("gls-1", "client_secret", SECRET)
    assert SECRET not in str(caught.value)


async def test_credentials_load_secrets_from_store_and_the_rest_from_settings() -> None:
    store = InMemorySecretStore()
    await store.set("ups-1", "client_id", "cid-1")
    await store.set("ups-1", "client_secret", SECRET)
    fields = (
        CredentialField("client_id", "Client ID", "Client-ID"),
        CredentialField("client_secret", "Client secret", "Client-Secret"),
        CredentialField("account_number", "Account", "Kundennummer", secret=False, optional=True),
    )
    credentials = await Credentials.load(store, "ups-1", fields, {"account_number": "A123"})
    assert credentials.get("client_secret") == SECRET
    assert credentials.get("account_number") == "A123"
    assert credentials.names() == ("account_number", "client_id", "client_secret")
    assert SECRET not in repr(credentials)
    empty = await Credentials.load(store, "ups-2", fields)
    assert empty.names() == ()
