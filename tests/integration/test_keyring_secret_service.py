"""KeyringSecretStore against a real gnome-keyring Secret Service on a private D-Bus."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService as SecretServiceBackend

from app.carriers.auth import Credentials
from app.carriers.base import CredentialField
from app.native.paths import data_dir
from app.native.secrets import SERVICE_NAME, KeyringSecretStore
from tests.integration.conftest import SecretService

pytestmark = pytest.mark.integration


def _backend() -> KeyringBackend:
    """A fresh Secret Service backend, as a new process gets it."""
    return SecretServiceBackend.Keyring()  # type: ignore[no-untyped-call]  # keyring: no hints


def _store() -> KeyringSecretStore:
    return KeyringSecretStore(_backend())


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_the_platform_default_on_this_bus_is_the_secret_service(
    secret_service: SecretService,
) -> None:
    """What `KeyringSecretStore()` gets in a fresh process, as the app would."""
    probe = "import keyring; b = keyring.get_keyring(); print(type(b).__module__, type(b).__name__)"
    env = {**secret_service.bus.env, "PYTHONPATH": os.pathsep.join(sys.path)}
    chosen = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert chosen.stdout.split() == ["keyring.backends.SecretService", "Keyring"], chosen.stderr


async def test_set_get_delete_a_carrier_secret(secret_service: SecretService) -> None:
    store = _store()
    secret = f"dhl-key-{uuid.uuid4().hex}"
    await store.set("dhl-main", "api_key", secret)
    await store.set("dhl-other", "api_key", "another-key-value")
    assert await store.get("dhl-main", "api_key") == secret
    # Another process (a fresh backend) sees the same item: it lives in the keychain.
    raw = _backend().get_password(SERVICE_NAME, "dhl-main/api_key")
    assert raw == secret
    await store.delete("dhl-main", "api_key")
    assert await store.get("dhl-main", "api_key") is None
    assert await store.get("dhl-other", "api_key") == "another-key-value"
    await store.delete("dhl-main", "api_key")  # already gone: not an error
    await store.delete("dhl-other", "api_key")


async def test_credentials_load_from_the_keychain(secret_service: SecretService) -> None:
    store = _store()
    secret = f"fedex-secret-{uuid.uuid4().hex}"
    await store.set("fedex-1", "client_secret", secret)
    fields = (
        CredentialField("client_id", "Client ID", "Client-ID", secret=False),
        CredentialField("client_secret", "Secret key", "Geheimer Schlüssel"),
    )
    credentials = await Credentials.load(store, "fedex-1", fields, {"client_id": "cid"})
    assert credentials.get("client_secret") == secret
    assert secret not in repr(credentials)
    await store.delete("fedex-1", "client_secret")


async def test_the_secret_is_written_nowhere_in_plain_text(
    secret_service: SecretService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the keychain holds it, encrypted: no file of the app's data dir (where SQLite
    lives) nor of the keyring's own home contains the value."""
    monkeypatch.setenv("PAKETPILOT_DATA_DIR", str(tmp_path / "app-data"))
    app_data = data_dir()
    (app_data / "paketpilot.sqlite").write_bytes(b"SQLite format 3\x00")  # stands in for the DB
    store = _store()
    secret = f"royalmail-secret-{uuid.uuid4().hex}"
    await store.set("royalmail-1", "client_secret", secret)
    assert await store.get("royalmail-1", "client_secret") == secret
    keyring_files = list((secret_service.data_home / "keyrings").glob("*.keyring"))
    assert keyring_files  # gnome-keyring did persist something, so the search below means it
    for root in (app_data, secret_service.bus.home, tmp_path):
        assert _files_containing(root, secret.encode()) == []
    await store.delete("royalmail-1", "client_secret")
