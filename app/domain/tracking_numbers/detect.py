"""Which carrier a tracking number belongs to: normalise, match every format, rank.

Ranking: a passing check digit beats a format without one, which beats a failing one; a
format identified by a prefix or letters beats one identified by its digit count alone;
German domestic formats and then German carriers win the remaining ties. Several candidates
are always returned when several fit; the caller (or the user) decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.domain.tracking_numbers.catalogue import CARRIER_ORDER, formats_of_length
from app.domain.tracking_numbers.formats import Candidate, Checksum, Format
from app.domain.tracking_numbers.shapes import is_amazon_order, is_iban, is_north_american, is_phone

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "DetectionResult",
    "apply_correction",
    "apply_remembered",
    "detect",
    "matches",
    "normalize",
    "rank",
    "refusal",
]

MIN_LENGTH = 10  # the shortest format (DHL Express, LaserShip) has 10 characters
MAX_LENGTH = 40
_MAX_INPUT = 200  # anything longer is not one number; refuse before looking at it
_CHECKSUM_RANK = {Checksum.VALID: 0, Checksum.NONE: 1, Checksum.INVALID: 2}
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_ILLEGAL = re.compile(r"[^0-9A-Z]", re.ASCII)
USER_FORMAT = "user"  # the format of a carrier the user chose that no format predicted


@dataclass(frozen=True, slots=True)
class DetectionResult:
    input: str
    normalized: str
    candidates: tuple[Candidate, ...]  # best first
    error: str | None = None  # why the input is not a tracking number, if it is not

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `paketpilot detect --json`."""
        return {
            "input": self.input,
            "normalized": self.normalized,
            "candidates": [
                {"carrier": c.carrier, "format": c.format, "checksum": c.checksum.value}
                for c in self.candidates
            ],
            "error": self.error,
        }


def normalize(number: str) -> str:
    """Drop spaces and dashes, upper-case. Nothing else is changed (junk stays visible)."""
    return _SEPARATORS.sub("", number).upper()


def _rank_key(item: tuple[int, Format, Candidate]) -> tuple[int, ...]:
    order, fmt, candidate = item
    carrier = candidate.carrier
    carrier_rank = CARRIER_ORDER.index(carrier) if carrier in CARRIER_ORDER else len(CARRIER_ORDER)
    return (
        _CHECKSUM_RANK[candidate.checksum],
        0 if candidate.specific else 1,
        0 if fmt.home else 1,
        carrier_rank,
        order,
    )


def matches(number: str) -> list[tuple[Format, Candidate]]:
    """Every format that fits the normalised number, best first (several per carrier)."""
    found = []
    for order, fmt in enumerate(formats_of_length(len(number))):
        candidate = fmt.match(number)
        if candidate is not None:
            found.append((order, fmt, candidate))
    found.sort(key=_rank_key)
    return [(fmt, candidate) for _, fmt, candidate in found]


def rank(number: str) -> tuple[Candidate, ...]:
    """Every carrier whose formats fit the normalised number, best first, one per carrier."""
    seen: set[str] = set()
    ranked: list[Candidate] = []
    for _, candidate in matches(number):
        if candidate.carrier not in seen:
            seen.add(candidate.carrier)
            ranked.append(candidate)
    return tuple(ranked)


def refusal(raw: str, number: str) -> str | None:
    """Why the input cannot be a tracking number, judged before any format is tried."""
    if not number:
        return "empty input"
    stripped = raw.strip()
    groups = _SEPARATORS.split(stripped)
    if stripped.startswith(("+", "(")) or is_phone(number) or is_north_american(groups):
        return "looks like a phone number"
    if is_amazon_order(raw):
        return "looks like an Amazon order number, not a tracking number"
    bad = _ILLEGAL.search(number)
    if bad is not None:
        char = bad.group()
        if char.isdigit():
            return f"contains the non-ASCII digit {char!r}: only 0-9 are digits here"
        return f"contains the character {char!r}: only letters A-Z and digits 0-9 are allowed"
    if len(number) < MIN_LENGTH:
        return f"too short: {len(number)} characters, tracking numbers have at least {MIN_LENGTH}"
    if len(number) > MAX_LENGTH:
        return f"too long: {len(number)} characters, tracking numbers have at most {MAX_LENGTH}"
    return None


def _no_match_reason(number: str) -> str:
    if is_iban(number):
        return "looks like an IBAN, not a tracking number"
    return "matches no known tracking-number format"


def detect(number: str, *, remembered: Mapping[str, str] | None = None) -> DetectionResult:
    """Candidates for one number as the user typed or pasted it. Never raises."""
    if len(number) > _MAX_INPUT:
        return DetectionResult(number, "", (), f"too long: more than {_MAX_INPUT} characters")
    normalized = normalize(number)
    refused = refusal(number, normalized)
    if refused is not None:
        return DetectionResult(number, normalized, (), refused)
    candidates = rank(normalized)
    error = None if candidates else _no_match_reason(normalized)
    return apply_remembered(DetectionResult(number, normalized, candidates, error), remembered)


def apply_correction(result: DetectionResult, carrier: str) -> DetectionResult:
    """Put the carrier the user chose first. One no format predicted is added as such."""
    chosen = next((c for c in result.candidates if c.carrier == carrier), None)
    if chosen is None:
        chosen = Candidate(carrier, USER_FORMAT, "chosen by you", Checksum.NONE, specific=True)
    others = tuple(c for c in result.candidates if c.carrier != carrier)
    return replace(result, candidates=(chosen, *others), error=None)


def apply_remembered(
    result: DetectionResult, remembered: Mapping[str, str] | None
) -> DetectionResult:
    """Apply the user's remembered correction for this number (normalised key), if any."""
    if not remembered or not result.normalized:
        return result
    carrier = remembered.get(result.normalized)
    return apply_correction(result, carrier) if carrier else result
