"""The fallback where desktop-notifier cannot run: plyer (notify-send on Linux). No taps.

On Linux notify-send needs a notification server on the session bus, and plyer reports a notice
as shown even when notify-send found none (a server, or a desktop without a notification
daemon, where the session bus comes from systemd). So the channel offers itself there only when
the bus has the server, or can start it; otherwise the in-app banner takes over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

from app.notify.notice import Notice

log = logging.getLogger(__name__)

NOTIFICATIONS = "org.freedesktop.Notifications"
PROBE_TIMEOUT = 3.0


class PlyerChannel:
    name = "plyer"

    async def available(self) -> bool:
        try:
            from plyer import notification
        except ImportError:
            return False
        if sys.platform.startswith("linux") and not _session_bus_known():
            # plyer would run notify-send, which prints "Cannot autolaunch D-Bus" for every
            # notice and exits 1, and plyer would report each notice as shown.
            log.info("plyer notifications unavailable: no D-Bus session bus")
            return False
        if sys.platform.startswith("linux") and not await _notification_server_known():
            log.info("plyer notifications unavailable: no notification server on the bus")
            return False
        return notification is not None

    async def deliver(self, notice: Notice) -> bool:
        from plyer import notification

        def show() -> bool:
            try:
                notification.notify(title=notice.title, message=notice.body, app_name="Paketpilot")
            except Exception as exc:  # plyer raises whatever its backend raises
                log.warning("plyer notification failed: %s", type(exc).__name__)
                return False
            return True

        return await asyncio.to_thread(show)


def _session_bus_known() -> bool:
    """A session bus address, or the systemd user bus socket that D-Bus clients fall back to."""
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    return Path(runtime, "bus").exists()


async def _notification_server_known() -> bool:
    """Whether the session bus has a notification server, or one it can start on demand."""
    try:
        from dbus_fast import Message
        from dbus_fast.aio import MessageBus
    except ImportError:  # cannot ask: let plyer try, as before
        return True

    def ask(member: str, *body: str) -> Message:
        return Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member=member,
            signature="s" if body else "",
            body=list(body),
        )

    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            bus = await MessageBus().connect()
            try:
                owned = _body(await bus.call(ask("NameHasOwner", NOTIFICATIONS)))
                if owned and owned[0]:
                    return True
                startable = _body(await bus.call(ask("ListActivatableNames")))
                return bool(startable) and NOTIFICATIONS in startable[0]
            finally:
                bus.disconnect()
    except Exception as exc:  # no bus after all, or one that does not answer
        log.info("could not ask the session bus for a notification server: %s", type(exc).__name__)
        return False


def _body(reply: Any) -> list[Any]:
    """The body of a method's answer; empty for an error or no answer."""
    from dbus_fast import MessageType

    if reply is None or reply.message_type is not MessageType.METHOD_RETURN:
        return []
    return list(reply.body)
