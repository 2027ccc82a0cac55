"""Native desktop notifications through desktop-notifier, with taps that open the parcel.

desktop-notifier binds to the event loop of its first `send()` and runs callbacks there, so
the channel creates it lazily inside `deliver`, which the app runs on Flet's loop
(`page.run_task`). `send()` never raises and returns an id even when nothing was shown; only
`on_dispatched` proves delivery, so that is what `deliver` reports.
"""

from __future__ import annotations

import logging

from desktop_notifier import Button, DesktopNotifier, Urgency

from app.notify.channels import OpenRoute
from app.notify.notice import Notice

log = logging.getLogger(__name__)

OPEN_LABEL = {"de": "Öffnen", "en": "Open"}


class DesktopChannel:
    name = "desktop"

    def __init__(self, *, on_open: OpenRoute, language: str = "de") -> None:
        self._on_open = on_open
        self._language = "de" if language.lower().startswith("de") else "en"
        self._notifier: DesktopNotifier | None = None

    def _get_notifier(self) -> DesktopNotifier:
        if self._notifier is None:
            self._notifier = DesktopNotifier(app_name="Paketpilot")
        return self._notifier

    async def available(self) -> bool:
        """Probe the notification server once; unlike send(), this raises when there is none."""
        try:
            await self._get_notifier().get_capabilities()
        except Exception as exc:  # any backend failure means "use the fallback"
            log.info("desktop notifications unavailable: %s", type(exc).__name__)
            return False
        return True

    async def deliver(self, notice: Notice) -> bool:
        dispatched: list[bool] = []
        route = notice.route

        def open_it() -> None:
            self._on_open(route)

        await self._get_notifier().send(
            title=notice.title,
            message=notice.body,
            urgency=Urgency.Critical if notice.urgent else Urgency.Normal,
            buttons=[Button(title=OPEN_LABEL[self._language], on_pressed=open_it)],
            on_clicked=open_it,
            on_dispatched=lambda: dispatched.append(True),
        )
        return bool(dispatched)
