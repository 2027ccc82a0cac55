"""Column types shared by the tables: aware UTC datetimes and JSON stored as text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.domain.models import ensure_utc

__all__ = ["UTCDateTime", "dump_json", "load_json", "parse_utc"]


class UTCDateTime(TypeDecorator[datetime]):
    """ISO-8601 text with a fixed +00:00 offset and microseconds.

    SQLAlchemy's own DateTime drops the zone on SQLite; the fixed width keeps text order equal to
    time order, so indexes and ORDER BY work on the stored strings.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ensure_utc(value).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_utc(str(value))


def parse_utc(text: str) -> datetime:
    """Read a stored or exported ISO-8601 time; a time without a zone is refused."""
    return ensure_utc(datetime.fromisoformat(text))


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(value: Mapping[str, object]) -> str:
    """Canonical JSON (sorted keys, compact) so equal content compares equal as text."""
    return json.dumps(value, default=_default, sort_keys=True, separators=(",", ":"))


def load_json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value
