"""Notification preferences: which kinds the user wants, muted parcels, quiet hours, e-mail.

Stored as non-secret settings (app.store settings), one key each, so the settings screen can
flip one without rewriting the others (the names app/ui/views/settings.py writes):

- `notify.kind.<kind>`: "on" or "off" (missing: on) for each `NoticeKind`
- `notify.mute.<parcel id>`: "1" while that parcel is muted
- `notify.quiet_hours`: "HH:MM-HH:MM" in the user's zone (missing: 22:00-06:00; "": none).
  Native notices wait until the quiet hours end; e-mail is not held.
- `email.enabled`: "on" to also send e-mail updates (missing: off; opt-in); the server in
  `email.host`, `email.port`, `email.security`, `email.username`, `email.from`, `email.to`,
  the SMTP password in the secret store under account "email", field "password"
- `ui.language`: "de", "en" or "system" (written by the UI; "system" uses the caller's default)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.notify.email import EmailChannel, EmailSettings, Security
from app.notify.notice import Announcement, Notice, NoticeKind
from app.store import (
    all_settings,
    delete_setting,
    get_setting,
    new_session,
    set_setting,
    upsert_settings,
)

__all__ = [
    "DEFAULT_QUIET_HOURS",
    "EMAIL_KEY",
    "EMAIL_SECRET_ACCOUNT",
    "EMAIL_SECRET_FIELD",
    "KIND_PREFIX",
    "LANGUAGE_KEY",
    "MUTE_PREFIX",
    "QUIET_HOURS_KEY",
    "NotificationPreferences",
    "StoredEmailChannel",
    "email_settings",
    "is_muted",
    "load_preferences",
    "parse_quiet_hours",
    "set_email_enabled",
    "set_kind_enabled",
    "set_muted",
    "set_quiet_hours",
]

KIND_PREFIX = "notify.kind."
MUTE_PREFIX = "notify.mute."
QUIET_HOURS_KEY = "notify.quiet_hours"
DEFAULT_QUIET_HOURS = "22:00-06:00"
EMAIL_KEY = "email.enabled"
EMAIL_SECRET_ACCOUNT = "email"  # noqa: S105  (an account id in the secret store)
EMAIL_SECRET_FIELD = "password"  # noqa: S105  (a field name)
LANGUAGE_KEY = "ui.language"  # shared with app.ui.state
_ON, _OFF = "on", "off"
_HHMM = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_quiet_hours(value: str | None) -> tuple[time, time] | None:
    """ "22:00-06:00" -> (22:00, 06:00); "" or anything unreadable -> None (no quiet hours)."""
    if not value or "-" not in value:
        return None
    start, _, end = value.partition("-")
    a, b = _HHMM.match(start), _HHMM.match(end)
    if a is None or b is None:
        return None
    begin, finish = time(int(a[1]), int(a[2])), time(int(b[1]), int(b[2]))
    return None if begin == finish else (begin, finish)


@dataclass(frozen=True, slots=True)
class NotificationPreferences:
    enabled_kinds: frozenset[NoticeKind] = frozenset(NoticeKind)
    muted: frozenset[str] = frozenset()  # parcel ids
    email: bool = False
    language: str = "de"
    quiet_hours: tuple[time, time] | None = None

    def wants(self, announcement: Announcement) -> bool:
        """Whether this change should reach the user at all (on any channel)."""
        return announcement.kind in self.enabled_kinds and announcement.parcel_id not in self.muted

    def quiet_until(self, now: datetime, zone: str) -> datetime | None:
        """When the quiet hours that `now` falls in end; None outside them."""
        if self.quiet_hours is None:
            return None
        begin, finish = self.quiet_hours
        tz = ZoneInfo(zone)
        local = now.astimezone(tz)
        clock = local.time()
        inside = begin <= clock < finish if begin < finish else clock >= begin or clock < finish
        if not inside:
            return None
        day = local.date() if clock < finish else local.date() + timedelta(days=1)
        return datetime.combine(day, finish, tzinfo=tz)


def _language(value: str | None, default: str) -> str:
    if value and value.lower()[:2] in ("de", "en"):
        return value.lower()[:2]
    return "de" if default.lower().startswith("de") else "en"


def load_preferences(session: Any, *, default_language: str = "de") -> NotificationPreferences:
    settings = all_settings(session)
    enabled = frozenset(
        kind for kind in NoticeKind if settings.get(f"{KIND_PREFIX}{kind.value}", _ON) != _OFF
    )
    muted = frozenset(
        key[len(MUTE_PREFIX) :]
        for key, value in settings.items()
        if key.startswith(MUTE_PREFIX) and value == "1"
    )
    return NotificationPreferences(
        enabled_kinds=enabled,
        muted=muted,
        email=settings.get(EMAIL_KEY) == _ON,
        language=_language(settings.get(LANGUAGE_KEY), default_language),
        quiet_hours=parse_quiet_hours(settings.get(QUIET_HOURS_KEY, DEFAULT_QUIET_HOURS)),
    )


def set_kind_enabled(session: Any, *, kind: NoticeKind, enabled: bool) -> None:
    set_setting(session, key=f"{KIND_PREFIX}{kind.value}", value=_ON if enabled else _OFF)


def is_muted(session: Any, *, parcel_id: str) -> bool:
    """One parcel's mute flag, as `load_preferences(...).muted` has it, read on its own."""
    return get_setting(session, key=f"{MUTE_PREFIX}{parcel_id}") == "1"


def set_muted(session: Any, *, parcel_id: str, muted: bool) -> None:
    if muted:
        set_setting(session, key=f"{MUTE_PREFIX}{parcel_id}", value="1")
    else:
        delete_setting(session, key=f"{MUTE_PREFIX}{parcel_id}")


def set_quiet_hours(session: Any, *, value: str) -> None:
    """ "22:00-06:00", or "" for none."""
    set_setting(session, key=QUIET_HOURS_KEY, value=value)


def set_email_enabled(session: Any, *, enabled: bool) -> None:
    upsert_settings(session, values={EMAIL_KEY: _ON if enabled else _OFF})


def email_settings(settings: dict[str, str]) -> EmailSettings | None:
    """The SMTP server from the `email.*` settings; None while host or recipient is missing."""
    host, recipient = settings.get("email.host", "").strip(), settings.get("email.to", "").strip()
    port = settings.get("email.port", "").strip()
    if not host or not recipient:
        return None
    security: Security = "tls" if settings.get("email.security") == "tls" else "starttls"
    return EmailSettings(
        host=host,
        port=int(port) if port.isdigit() else (465 if security == "tls" else 587),
        sender=settings.get("email.from", "").strip() or recipient,
        recipient=recipient,
        username=settings.get("email.username", "").strip() or None,
        security=security,
    )


class StoredEmailChannel:
    """The e-mail channel as the settings describe it at the moment of sending.

    Reads the `email.*` settings for every notice, so a changed server needs no restart; the
    password comes from the secret store at send time (never kept here).
    """

    name = "email"

    def __init__(self, store: Any, secrets: Any, *, language: str = "de") -> None:
        self._store = store
        self._secrets = secrets
        self._language = language

    def _settings(self) -> dict[str, str]:
        with new_session(self._store) as session:
            return all_settings(session)

    async def available(self) -> bool:
        return email_settings(self._settings()) is not None

    async def deliver(self, notice: Notice) -> bool:
        values = self._settings()
        settings = email_settings(values)
        if settings is None:
            return False
        language = _language(values.get(LANGUAGE_KEY), self._language)

        async def password() -> str | None:
            if self._secrets is None:
                return None
            value: str | None = await self._secrets.get(EMAIL_SECRET_ACCOUNT, EMAIL_SECRET_FIELD)
            return value

        return await EmailChannel(settings, password=password, language=language).deliver(notice)
