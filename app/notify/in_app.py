"""The last resort where the platform shows no notifications: a banner in the open app.

A browser tab (web mode) or a machine without a notification service has no native channel,
and a parcel's news would go unseen. The UI hands in `show(title, body, route)`, which puts a
banner with an "open" button into every open session and says how many took it; with none
open, delivery fails and the dispatcher tries again later (the outbox keeps the notice).
"""

from __future__ import annotations

from collections.abc import Callable

from app.notify.notice import Notice

ShowBanner = Callable[[str, str, str], int]  # (title, body, route) -> sessions that show it


class InAppChannel:
    name = "in_app"

    def __init__(self, show: ShowBanner) -> None:
        self._show = show

    async def available(self) -> bool:
        return True

    async def deliver(self, notice: Notice) -> bool:
        return self._show(notice.title, notice.body, notice.route) > 0
