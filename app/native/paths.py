"""Where the app keeps its data: Flet's durable storage in built apps, else a per-user dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "paketpilot"


def data_dir() -> Path:
    """The durable data directory, created if missing.

    `PAKETPILOT_DATA_DIR` overrides (tests, portable installs); `FLET_APP_STORAGE_DATA` is set by
    Flet in built apps (Android, iOS, desktop bundles); otherwise the platform's per-user dir.
    """
    explicit = os.environ.get("PAKETPILOT_DATA_DIR") or os.environ.get("FLET_APP_STORAGE_DATA")
    if explicit:
        path = Path(explicit)
    elif sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        path = Path(base) / "Paketpilot"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "Paketpilot"
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / APP_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    return data_dir() / "paketpilot.sqlite"
