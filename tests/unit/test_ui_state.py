"""Language and theme detection, and the phone/wide breakpoint."""

from __future__ import annotations

import pytest

from app.ui.state import ThemeChoice, UiSettings, detect_settings, is_wide, language_is_chosen


def test_the_device_locale_decides_without_an_override() -> None:
    assert detect_settings(["en-US", "de-DE"], env={}) == UiSettings("en", ThemeChoice.SYSTEM)


def test_environment_overrides_win() -> None:
    env = {"PAKETPILOT_LANG": "de", "PAKETPILOT_THEME": "Dark"}
    assert detect_settings(["en-US"], env=env) == UiSettings("de", ThemeChoice.DARK)


@pytest.mark.parametrize(
    ("env", "stored", "chosen"),
    [
        ({}, {}, False),
        ({}, {"ui.language": "system"}, False),
        ({}, {"ui.language": "en"}, True),
        ({"PAKETPILOT_LANG": "de"}, {}, True),
        ({"PAKETPILOT_LANG": " "}, {"ui.theme": "dark"}, False),
    ],
)
def test_the_device_is_asked_only_when_nothing_sets_the_language(
    env: dict[str, str], stored: dict[str, str], chosen: bool
) -> None:
    assert language_is_chosen(env, stored) is chosen


def test_an_unknown_theme_falls_back_to_the_system() -> None:
    assert detect_settings([], env={"PAKETPILOT_THEME": "sepia"}).theme is ThemeChoice.SYSTEM


@pytest.mark.parametrize(
    ("width", "wide"), [(None, False), (390, False), (699.5, False), (700, True), (1280, True)]
)
def test_breakpoint(width: float | None, wide: bool) -> None:
    assert is_wide(width) is wide
