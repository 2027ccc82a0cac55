"""UI strings for My orders, order detail and the parcel timeline: key -> (Deutsch, English)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {}
