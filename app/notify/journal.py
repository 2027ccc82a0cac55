"""Notices a channel accepted, appended to a file the instant it answered.

The dispatcher finishes a delivery in a SQLite transaction right after the channel answers; a
crash between the two would show the notice again after a restart (no channel here can recall
or deduplicate one). This journal narrows that window to a single write() call: the next
dispatcher reads it at start and finishes what the dead run had delivered, without asking a
channel again. A write() without fsync survives a killed process (the kernel holds the data);
a power cut also takes the notice off the screen.

One file beside the database. It is emptied once its lines are in the store: at start, after
they were applied, and after a drain (whose own finishes have committed by then).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Accepted", "AcceptedJournal", "journal_beside"]

log = logging.getLogger(__name__)

_COMPACT_AT = 256 * 1024  # bytes: emptied after a drain once it is this large


@dataclass(frozen=True, slots=True)
class Accepted:
    slot: str
    outbox_ids: tuple[int, ...]
    via: str


class AcceptedJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def record(self, slot: str, outbox_ids: Sequence[int], via: str) -> None:
        """Append one accepted notice; never raises (the commit that follows is the record)."""
        line = json.dumps({"slot": slot, "ids": [int(i) for i in outbox_ids], "via": via})
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, (line + "\n").encode())
        except OSError:
            log.warning("could not append to the delivery journal", exc_info=True)

    def read(self) -> list[Accepted]:
        """Every whole line; a line torn by a crash is a notice that was never recorded."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError:
            log.warning("could not read the delivery journal", exc_info=True)
            return []
        found = []
        for line in text.splitlines():
            try:
                data = json.loads(line)
                found.append(
                    Accepted(
                        str(data["slot"]), tuple(int(i) for i in data["ids"]), str(data["via"])
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            os.truncate(self.path, 0)

    def compact_if_large(self) -> None:
        if self.size() >= _COMPACT_AT:
            self.clear()

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def journal_beside(store: object) -> AcceptedJournal | None:
    """The journal of a file database (`<db>.accepted`); None for an in-memory one."""
    url = getattr(store, "url", None)
    database = getattr(url, "database", None)
    if not database or database == ":memory:":
        return None
    return AcceptedJournal(Path(f"{database}.accepted"))
