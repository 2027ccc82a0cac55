"""Keep secrets out of logs and messages.

`redact(text, secrets)` replaces every known secret value (and anything that looks like an
`Authorization` credential) with `***`. `KNOWN_SECRETS` is the process-wide set of secret values
held in memory right now: the carrier client registers credentials and OAuth tokens there, and
`RedactingFilter` scrubs every log record that passes a handler it is installed on.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

__all__ = [
    "KNOWN_SECRETS",
    "MASK",
    "RedactingFilter",
    "SecretRegistry",
    "install_log_redaction",
    "redact",
]

MASK = "***"
# Shorter values would shred ordinary words in logs; real keys and tokens are far longer.
MIN_SECRET_LENGTH = 4

# Credentials in header or query form, even when their value was never registered.
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)\b((?:[\w-]*api[-_]?key|17token|access_token|client_secret|password|"
        r"x-ibm-client-secret)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]+"
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value and credential-looking token replaced by `***`."""
    values = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len)
    for value in reversed(values):  # longest first: a secret may contain a shorter one
        text = text.replace(value, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)


class SecretRegistry:
    """The secret values currently in memory, so logs can be scrubbed of them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            self._values.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)

    def discard(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value:
                    self._values.discard(value)

    def snapshot(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SecretRegistry({len(self)} values)"


KNOWN_SECRETS = SecretRegistry()


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, exception and stack text with secrets masked.

    Install it on handlers (filters on a logger do not see records propagated from children).
    """

    def __init__(self, registry: SecretRegistry = KNOWN_SECRETS) -> None:
        super().__init__()
        self._registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._registry.snapshot()
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not drop the record
            message = str(record.msg)
        record.msg = redact(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def install_log_redaction(
    *handlers: logging.Handler, registry: SecretRegistry = KNOWN_SECRETS
) -> RedactingFilter:
    """Attach one filter to `handlers`, or to every handler of the root logger."""
    log_filter = RedactingFilter(registry)
    for handler in handlers or tuple(logging.getLogger().handlers):
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(log_filter)
    return log_filter
