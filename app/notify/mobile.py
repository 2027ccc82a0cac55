"""The seam for phone notifications in built apps (flet-notifications).

flet-notifications only exists inside an app made with `flet build apk|ipa`, which cannot be
built on this machine, and only app/ui may import flet. So the UI injects a `LocalNotifier`
(an adapter over flet-notifications' `show(...)` with an `on_tap` that pushes the route) and
this channel forwards notices to it. Everything up to the seam is unit-tested.
"""

from __future__ import annotations

import logging
from typing import Protocol

from app.notify.notice import Notice

log = logging.getLogger(__name__)


class LocalNotifier(Protocol):
    async def show(self, *, notification_id: int, title: str, body: str, payload: str) -> None:
        """Show a notification; tapping it hands `payload` (the route) back to the app."""
        ...


class MobileChannel:
    name = "mobile"

    def __init__(self, notifier: LocalNotifier | None) -> None:
        self._notifier = notifier
        self._next_id = 0

    async def available(self) -> bool:
        return self._notifier is not None

    async def deliver(self, notice: Notice) -> bool:
        if self._notifier is None:
            return False
        self._next_id += 1
        try:
            await self._notifier.show(
                notification_id=self._next_id,
                title=notice.title,
                body=notice.body,
                payload=notice.route,
            )
        except Exception as exc:  # the plugin's errors are not ours to type
            log.warning("mobile notification failed: %s", type(exc).__name__)
            return False
        return True
