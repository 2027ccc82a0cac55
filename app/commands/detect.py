"""`paketpilot detect NUMBER... [--json]`: the carrier candidates of each number."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from app.domain.tracking_numbers import DetectionResult, detect

__all__ = ["format_table", "run_detect"]

_HEADER = ("INPUT", "CARRIER", "FORMAT", "CHECK DIGIT")


def format_table(results: list[DetectionResult]) -> str:
    """One row per candidate, best first; a number without one says why instead."""
    rows: list[tuple[str, str, str, str] | tuple[str, str]] = [_HEADER]
    for result in results:
        shown = result.input if result.input.strip() else repr(result.input)
        if not result.candidates:
            rows.append((shown, f"no candidate: {result.error}"))
        for index, candidate in enumerate(result.candidates):
            first = shown if index == 0 else ""
            rows.append((first, candidate.carrier, candidate.name, candidate.checksum.value))
    widths = [max(len(row[column]) for row in rows if len(row) == 4) for column in range(4)]
    widths[0] = max(len(row[0]) for row in rows)
    # Error rows have two cells: the message runs on past the column edges.
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)


def run_detect(numbers: list[str], *, as_json: bool, out: TextIO | None = None) -> int:
    """Print the candidates; exit 0 if every number had at least one, else 1."""
    stream = sys.stdout if out is None else out
    results = [detect(number) for number in numbers]
    if as_json:
        json.dump([result.as_dict() for result in results], stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    else:
        stream.write(format_table(results) + "\n")
    return 0 if all(result.candidates for result in results) else 1
