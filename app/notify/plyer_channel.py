"""The fallback where desktop-notifier cannot run: plyer (notify-send on Linux). No taps."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from app.notify.notice import Notice

log = logging.getLogger(__name__)


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
