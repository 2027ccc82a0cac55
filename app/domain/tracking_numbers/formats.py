"""One tracking-number format: its pattern, check digit and carrier, and matching a number.

Patterns follow the data set's conventions: named groups `SerialNumber` and `CheckDigit` feed
the checksum, other named groups feed lookups. Numbers are matched after normalisation (no
whitespace, upper case), so every pattern is matched whole with `fullmatch`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.tracking_numbers import checksums

__all__ = ["Candidate", "Checksum", "Format", "Lookup"]


class Checksum(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    NONE = "none"  # the format has no check digit


@dataclass(frozen=True, slots=True)
class Candidate:
    """One carrier a number may belong to."""

    carrier: str
    format: str  # the format's stable id
    name: str  # the format's human name
    checksum: Checksum
    specific: bool  # a prefix or letters identify the format, not only a digit count


@dataclass(frozen=True, slots=True)
class Lookup:
    """A table keyed by one named group, e.g. S10 country codes or UPS service types."""

    name: str
    group: str
    entries: tuple[Mapping[str, Any], ...]
    _exact: dict[str, Mapping[str, Any]] = field(init=False, repr=False, compare=False)
    _patterns: tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        exact = {e["matches"]: e for e in reversed(self.entries) if "matches" in e}
        patterns = tuple(
            (re.compile(e["matches_regex"], re.ASCII), e)
            for e in self.entries
            if "matches_regex" in e
        )
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_patterns", patterns)

    def find(self, value: str) -> Mapping[str, Any] | None:
        if value in self._exact:
            return self._exact[value]
        return next((entry for pattern, entry in self._patterns if pattern.fullmatch(value)), None)


@dataclass(frozen=True, slots=True)
class Format:
    id: str
    name: str
    carrier: str
    pattern: re.Pattern[str]
    checksum: Mapping[str, Any] | None = None
    # The data set's "serial_number_format.prepend_if": digits prefixed before the checksum.
    prepend_if: tuple[re.Pattern[str], str] | None = None
    lookups: tuple[Lookup, ...] = ()
    required_lookups: frozenset[str] = frozenset()  # lookups the value must be found in
    specific: bool = True
    home: bool = False  # a German domestic format: first among equals for our users
    # Picks the carrier from the match, e.g. an S10 number's country names its operator.
    carrier_of: Callable[[re.Match[str], Mapping[str, Mapping[str, Any]]], str] | None = field(
        default=None, compare=False
    )

    def match(self, number: str) -> Candidate | None:
        """The candidate this format makes of a normalised number, or None if it does not fit."""
        found = self.pattern.fullmatch(number)
        if found is None:
            return None
        groups = found.groupdict()
        looked_up: dict[str, Mapping[str, Any]] = {}
        for lookup in self.lookups:
            if lookup.name not in self.required_lookups:
                continue  # descriptive tables (service names) do not decide the match
            value = groups.get(lookup.group)
            entry = lookup.find(value) if value is not None else None
            if entry is None:
                return None
            looked_up[lookup.name] = entry
        carrier = self.carrier_of(found, looked_up) if self.carrier_of else self.carrier
        return Candidate(carrier, self.id, self.name, self._check(groups), self.specific)

    def _check(self, groups: Mapping[str, str | None]) -> Checksum:
        if self.checksum is None:
            return Checksum.NONE
        serial = groups.get("SerialNumber") or ""
        check = groups.get("CheckDigit") or ""
        if self.prepend_if is not None and self.prepend_if[0].search(serial):
            serial = self.prepend_if[1] + serial
        try:
            passed = checksums.verify(self.checksum, serial, check)
        except ValueError:  # e.g. a letter where the algorithm needs a digit
            passed = False
        return Checksum.VALID if passed else Checksum.INVALID
