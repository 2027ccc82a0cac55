"""The plyer fallback offers itself on Linux only where notify-send can reach a session bus:
without one, every notice printed "Cannot autolaunch D-Bus" and was counted as shown. (Whether
the bus has a notification server is asked of a real bus in tests/integration.)"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from app.notify import plyer_channel
from app.notify.plyer_channel import PlyerChannel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's rule")


@pytest.fixture
def no_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))

    async def a_server_on_any_bus() -> bool:
        return True

    monkeypatch.setattr(plyer_channel, "_notification_server_known", a_server_on_any_bus)
    return tmp_path


async def test_without_a_session_bus_it_is_not_offered(no_bus: Path) -> None:
    assert not await PlyerChannel().available()


async def test_an_empty_runtime_dir_is_no_bus(
    no_bus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "")
    assert not await PlyerChannel().available()


async def test_a_bus_address_makes_it_available(
    no_bus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
    assert await PlyerChannel().available()


async def test_the_user_bus_socket_makes_it_available(no_bus: Path) -> None:
    with socket.socket(socket.AF_UNIX) as bus:
        bus.bind(str(no_bus / "bus"))
        assert await PlyerChannel().available()
