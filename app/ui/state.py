"""Per-session UI settings: language and theme, from overrides or the system."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from app.ui.i18n import Lang, pick_language

# Read once per session, so tests and users can pin them without touching the system.
LANG_ENV = "PAKETPILOT_LANG"
THEME_ENV = "PAKETPILOT_THEME"
PHONE_MAX_WIDTH = 700  # below this the list fills the screen; at or above, list + detail
# The user's choices in Settings, stored as settings in the store ("system" = follow the device).
LANG_SETTING = "ui.language"  # "system" | "de" | "en"
THEME_SETTING = "ui.theme"  # "system" | "light" | "dark"
SYSTEM = "system"
# The locales a browser sent with its session's websocket (Accept-Language), best first; set by
# app.ui.web_server for the connection, read by the session it starts. Empty outside web mode.
BROWSER_LOCALES: ContextVar[tuple[str, ...]] = ContextVar("browser_locales", default=())


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class UiSettings:
    lang: Lang
    theme: ThemeChoice


def detect_settings(
    device_locales: Iterable[str | None],
    env: Mapping[str, str] | None = None,
    stored: Mapping[str, str] | None = None,
) -> UiSettings:
    """An override in the environment wins, then the user's stored choice (Settings), then the
    device's (browser's) locales and theme."""
    env = os.environ if env is None else env
    stored = stored or {}
    chosen = _chosen_language(env, stored)
    lang = pick_language([chosen] if chosen else device_locales)
    raw_theme = env.get(THEME_ENV, "").strip().lower() or stored.get(THEME_SETTING, SYSTEM)
    try:
        theme = ThemeChoice(raw_theme.strip().lower() or ThemeChoice.SYSTEM)
    except ValueError:
        theme = ThemeChoice.SYSTEM
    return UiSettings(lang=lang, theme=theme)


def language_is_chosen(
    env: Mapping[str, str] | None = None, stored: Mapping[str, str] | None = None
) -> bool:
    """Whether an override or the user's choice sets the language (the device's is not asked)."""
    return _chosen_language(os.environ if env is None else env, stored or {}) is not None


def _chosen_language(env: Mapping[str, str], stored: Mapping[str, str]) -> str | None:
    """The override in the environment, else the language chosen in Settings ("system": none)."""
    if override := env.get(LANG_ENV, "").strip():
        return override
    chosen = stored.get(LANG_SETTING, SYSTEM).strip()
    return chosen if chosen in ("de", "en") else None


def stored_ui_settings(store: object) -> dict[str, str]:
    """The language and theme chosen in Settings; empty without a store or when unreadable."""
    if store is None:
        return {}
    from app.store import get_setting, new_session

    try:
        with new_session(store) as session:  # type: ignore[arg-type]
            values = {key: get_setting(session, key=key) for key in (LANG_SETTING, THEME_SETTING)}
    except Exception:  # a broken store must not keep the UI from starting
        return {}
    return {key: value for key, value in values.items() if value}


def is_wide(width: float | None) -> bool:
    # Before the client reports a size, assume a phone: it is the layout that never clips.
    return width is not None and width >= PHONE_MAX_WIDTH
