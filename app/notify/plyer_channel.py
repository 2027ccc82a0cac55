"""The fallback where desktop-notifier cannot run: plyer (notify-send on Linux). No taps."""

from __future__ import annotations

import asyncio
import logging

from app.notify.notice import Notice

log = logging.getLogger(__name__)


class PlyerChannel:
    name = "plyer"

    async def available(self) -> bool:
        try:
            from plyer import notification
        except ImportError:
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
