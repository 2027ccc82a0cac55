"""A last line of defence: names that look like secrets are refused before they reach SQLite.

Secrets belong in the OS keychain (app.native); the settings table and account fields hold only
non-secret values. A caller that routes a key here by mistake gets an error, not a stored key.
"""

from __future__ import annotations

import re

__all__ = ["refuse_secret_name"]

_SECRET_NAME = re.compile(
    r"(secret|password|passwd|token|api[_-]?key|apikey|private[_-]?key|credential|bearer)",
    re.IGNORECASE,
)


def refuse_secret_name(name: str) -> None:
    if _SECRET_NAME.search(name):
        raise ValueError(f"{name!r} looks like a secret; secrets go to the keychain, not SQLite")
