"""The store's exceptions; messages are user-facing and never contain a secret."""

from __future__ import annotations

__all__ = ["BackupError", "DuplicateParcelError", "NotFoundError", "StoreError"]


class StoreError(Exception):
    """Base class for everything the store refuses to do."""


class NotFoundError(StoreError, LookupError):
    """The row the caller named does not exist."""


class DuplicateParcelError(StoreError):
    """This carrier and tracking number are already tracked."""


class BackupError(StoreError, ValueError):
    """A backup file that cannot be imported (wrong format, version or content)."""
