"""Desktop notifications against a real D-Bus notification server on a private bus."""

from __future__ import annotations

import asyncio

import pytest

from app.notify.desktop import DesktopChannel
from app.notify.notice import Notice
from app.notify.plyer_channel import PlyerChannel
from tests.conftest import require_executable
from tests.integration.conftest import NotificationServer, SessionBus


async def _wait_for(predicate: object, timeout: float = 5.0) -> None:
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


NOTICE = Notice(
    title="Winterjacke",
    body="In Zustellung – heute, 10–12 Uhr",
    route="/parcels/p-42",
    change_keys=("status:out_for_delivery@x",),
)


async def test_notice_reaches_the_server_once_with_its_text(
    notification_server: NotificationServer,
) -> None:
    channel = DesktopChannel(on_open=lambda route: None, language="de")
    assert await channel.available()
    assert await channel.deliver(NOTICE)
    received = notification_server.received()
    assert len(received) == 1
    assert received[0]["summary"] == "Winterjacke"
    assert received[0]["body"] == "In Zustellung – heute, 10–12 Uhr"
    assert received[0]["app_name"] == "Paketpilot"
    actions = received[0]["actions"]
    assert isinstance(actions, list)
    assert "default" in actions
    assert "Öffnen" in actions


@pytest.mark.parametrize("use_button", [False, True])
async def test_clicking_the_notification_opens_its_parcel(
    notification_server: NotificationServer, use_button: bool
) -> None:
    opened: list[str] = []
    channel = DesktopChannel(on_open=opened.append, language="de")
    assert await channel.deliver(NOTICE)
    record = notification_server.received()[0]
    actions = record["actions"]
    assert isinstance(actions, list)
    action = actions[actions.index("Öffnen") - 1] if use_button else "default"
    notification_id = record["id"]
    assert isinstance(notification_id, int)
    await asyncio.to_thread(notification_server.click, notification_id, action)
    await _wait_for(lambda: opened)
    assert opened == ["/parcels/p-42"]


async def test_without_a_server_the_channel_says_unavailable(session_bus: SessionBus) -> None:
    require_executable("dbus-daemon")
    channel = DesktopChannel(on_open=lambda route: None)
    assert not await channel.available()


async def test_plyer_is_offered_only_where_the_bus_has_a_notification_server(
    session_bus: SessionBus,
) -> None:
    """notify-send on a bus without a server fails, and plyer would count the notice as shown:
    the in-app banner must take over there."""
    require_executable("dbus-daemon")
    assert not await PlyerChannel().available()


async def test_plyer_is_offered_beside_a_notification_server(
    notification_server: NotificationServer,
) -> None:
    assert await PlyerChannel().available()
