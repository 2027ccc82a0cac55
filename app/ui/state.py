"""Per-session UI settings: language and theme, from overrides or the system."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.ui.i18n import Lang, pick_language

# Read once per session, so tests and users can pin them without touching the system.
LANG_ENV = "PAKETPILOT_LANG"
THEME_ENV = "PAKETPILOT_THEME"
PHONE_MAX_WIDTH = 700  # below this the list fills the screen; at or above, list + detail


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class UiSettings:
    lang: Lang
    theme: ThemeChoice


def detect_settings(
    device_locales: Iterable[str | None], env: Mapping[str, str] | None = None
) -> UiSettings:
    """An override in the environment wins; otherwise the device's (browser's) locales."""
    env = os.environ if env is None else env
    override = env.get(LANG_ENV, "").strip()
    lang = pick_language([override]) if override else pick_language(device_locales)
    try:
        theme = ThemeChoice(env.get(THEME_ENV, "").strip().lower() or ThemeChoice.SYSTEM)
    except ValueError:
        theme = ThemeChoice.SYSTEM
    return UiSettings(lang=lang, theme=theme)


def is_wide(width: float | None) -> bool:
    # Before the client reports a size, assume a phone: it is the layout that never clips.
    return width is not None and width >= PHONE_MAX_WIDTH
