"""serve(): web mode is offline-capable and uses the project's assets."""

from __future__ import annotations

import struct
from typing import Any

import flet as ft
import pytest

from app.ui import app as ui_app


@pytest.fixture
def run_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(ft, "run", lambda main, **kwargs: calls.append(kwargs))
    return calls


def test_web_mode_serves_offline_on_the_given_address(run_calls: list[dict[str, Any]]) -> None:
    ui_app.serve(web=True, host="127.0.0.1", port=8765, demo=False)

    [kwargs] = run_calls
    assert kwargs["no_cdn"] is True
    assert kwargs["view"] == ft.AppView.WEB_BROWSER
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8765)
    assert kwargs["assets_dir"] == str(ui_app.ASSETS_DIR)


def test_desktop_mode_opens_a_window(run_calls: list[dict[str, Any]]) -> None:
    ui_app.serve(web=False, host="127.0.0.1", port=8765, demo=True)

    [kwargs] = run_calls
    assert "view" not in kwargs  # ft.run's default: the desktop window
    assert kwargs["assets_dir"] == str(ui_app.ASSETS_DIR)


def test_the_app_icon_is_a_square_512_png() -> None:
    head = (ui_app.ASSETS_DIR / "icon.png").read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert head[12:16] == b"IHDR"
    assert struct.unpack(">II", head[16:24]) == (512, 512)
