"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest


def require_executable(name: str) -> str:
    """The path of a system program a test drives for real.

    Locally a missing program skips the test; in CI (CI set) it fails, so a green CI always
    means the real part was exercised.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (scripts/test installs it on Debian as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
