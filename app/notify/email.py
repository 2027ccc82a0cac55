"""Opt-in e-mail updates over SMTP with STARTTLS or implicit TLS, certificates verified.

The SMTP password comes from the SecretStore (the keychain) at send time and is never kept on
the channel, logged, or put into an error message.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from app.notify.notice import Notice

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls"]
TIMEOUT_SECONDS = 20


@dataclass(frozen=True, slots=True)
class EmailSettings:
    host: str
    port: int
    sender: str
    recipient: str
    username: str | None = None
    security: Security = "starttls"
    ca_file: str | None = None  # a private CA, e.g. a home server's; system CAs otherwise


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One attempt with the best offered mechanism. smtplib's login() falls through to the
    next mechanism after a refusal, which some servers answer by waiting until the timeout."""
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    smtp.user, smtp.password = user, password
    if "PLAIN" in offered:
        smtp.auth("PLAIN", smtp.auth_plain)
    elif "LOGIN" in offered:
        smtp.auth("LOGIN", smtp.auth_login)
    else:
        raise smtplib.SMTPNotSupportedError("the server offers no supported AUTH mechanism")


class EmailChannel:
    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        *,
        password: Callable[[], Awaitable[str | None]],
        language: str = "de",
    ) -> None:
        self._settings = settings
        self._password = password
        self._language = "de" if language.lower().startswith("de") else "en"

    async def available(self) -> bool:
        return bool(self._settings.host and self._settings.recipient)

    def _message(self, notice: Notice) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = self._settings.recipient
        message["Subject"] = f"Paketpilot: {notice.title}"
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="paketpilot.local")
        footer = (
            "Du bekommst diese E-Mail, weil du E-Mail-Updates in Paketpilot eingeschaltet hast."
            if self._language == "de"
            else "You get this e-mail because you switched on e-mail updates in Paketpilot."
        )
        message.set_content(f"{notice.title}\n\n{notice.body}\n\n-- \n{footer}\n")
        return message

    def _send_blocking(self, message: EmailMessage, password: str | None) -> None:
        s = self._settings
        context = ssl.create_default_context(cafile=s.ca_file)
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
        with smtp:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.username and password:
                _login(smtp, s.username, password)
            smtp.send_message(message)

    async def deliver(self, notice: Notice) -> bool:
        password = await self._password() if self._settings.username else None
        try:
            await asyncio.to_thread(self._send_blocking, self._message(notice), password)
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            # The type only: SMTP errors can echo what was sent, credentials included.
            log.warning("e-mail update failed: %s", type(exc).__name__)
            return False
        return True
