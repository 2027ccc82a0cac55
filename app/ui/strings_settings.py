"""UI strings for adding parcels, settings and the demo: key -> (Deutsch, English)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {}
