"""The ways a notice reaches the user. Each channel says whether it really delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.notify.notice import Notice

OpenRoute = Callable[[str], None]  # called with a notice's route when the user taps it


class Channel(Protocol):
    name: str

    async def available(self) -> bool: ...

    async def deliver(self, notice: Notice) -> bool:
        """True once the notice was handed to the OS (or server); never raises."""
        ...
