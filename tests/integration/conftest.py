"""Session fixtures for integration tests: a private D-Bus session bus and gnome-keyring on it.

Both daemons run with a throw-away HOME and XDG dirs, so nothing touches the developer's real
keychain or session, and both are stopped by their PID at the end of the session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require_executable

# A session bus that activates nothing: a real notification or keyring service must never be
# started behind a test's back.
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
KEYRING_PASSWORD = b"pw"  # gnome-keyring needs a non-empty one to create its login keyring


@dataclass(frozen=True)
class SessionBus:
    address: str
    home: Path  # throw-away HOME; XDG_DATA_HOME, XDG_RUNTIME_DIR... live below it
    env: dict[str, str]  # the environment the daemons run with


@dataclass(frozen=True)
class SecretService:
    bus: SessionBus
    data_home: Path  # where gnome-keyring keeps its (encrypted) keyring files


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _throwaway_env(home: Path) -> dict[str, str]:
    dirs = {
        "HOME": home,
        "XDG_DATA_HOME": home / "data",
        "XDG_CONFIG_HOME": home / "config",
        "XDG_CACHE_HOME": home / "cache",
        "XDG_RUNTIME_DIR": home / "run",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    env.update({name: str(path) for name, path in dirs.items()})
    return env


@pytest.fixture(scope="session")
def session_bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionBus]:
    """A private session bus; DBUS_SESSION_BUS_ADDRESS points at it for this test process."""
    dbus_daemon = require_executable("dbus-daemon")
    home = tmp_path_factory.mktemp("bus-home")
    env = _throwaway_env(home)
    config = home / "session.conf"
    config.write_text(_BUS_CONFIG.format(socket_dir=home / "run"))
    process = subprocess.Popen(
        [dbus_daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().decode().strip()
        if not address:
            pytest.fail("dbus-daemon did not print its address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        previous = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        try:
            yield SessionBus(address=address, home=home, env=env)
        finally:
            if previous is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous
    finally:
        _stop(process)


def _secrets_service_up(address: str) -> bool:
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import check_service_availability

    with open_dbus_connection(bus=address) as connection:
        return bool(check_service_availability(connection))


@pytest.fixture(scope="session")
def secret_service(session_bus: SessionBus) -> Iterator[SecretService]:
    """gnome-keyring's Secret Service, unlocked, on the private bus."""
    daemon = require_executable("gnome-keyring-daemon")
    process = subprocess.Popen(
        [daemon, "--unlock", "--foreground", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=session_bus.env,
    )
    try:
        assert process.stdin is not None
        process.stdin.write(KEYRING_PASSWORD)
        process.stdin.close()
        deadline = time.monotonic() + 10
        while not _secrets_service_up(session_bus.address):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gnome-keyring-daemon did not come up on the private bus")
            time.sleep(0.05)
        yield SecretService(bus=session_bus, data_home=Path(session_bus.env["XDG_DATA_HOME"]))
    finally:
        _stop(process)


# ---------------------------------------------------------------- notification server ------


@dataclass(frozen=True)
class NotificationServer:
    """A freedesktop notification server on the private bus that records every Notify call."""

    record: Path
    bus: SessionBus

    def received(self) -> list[dict[str, object]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def click(self, notification_id: int, action: str = "default") -> None:
        """What a user's click does: the server emits ActionInvoked, then NotificationClosed."""
        subprocess.run(
            [
                require_executable("dbus-send"),
                "--session",
                "--dest=org.freedesktop.Notifications",
                "--type=method_call",
                "/org/freedesktop/Notifications",
                "org.paketpilot.TestControl.Invoke",
                f"uint32:{notification_id}",
                f"string:{action}",
            ],
            check=True,
            env={**self.bus.env},
            timeout=10,
        )


@pytest.fixture
def notification_server(session_bus: SessionBus, tmp_path: Path) -> Iterator[NotificationServer]:
    root = Path(__file__).resolve().parents[2]
    record = tmp_path / "notifications.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.notification_server", str(record)],
        stdout=subprocess.PIPE,
        env={**session_bus.env, "PYTHONPATH": str(root)},
        cwd=root,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        yield NotificationServer(record, session_bus)
    finally:
        process.terminate()
        process.wait(timeout=5)
