"""What a pasted text holds: tracking numbers with their carrier candidates, or why it holds
none, in the user's language. Pure: the Add screen draws what this returns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.carriers.registry import REGISTRY
from app.domain.tracking_numbers import DetectionResult, detect, extract
from app.ui.i18n import Lang, t

__all__ = [
    "Analysis",
    "FoundNumber",
    "analyse",
    "carrier_name",
    "looks_like_one_number",
    "reason_text",
]

_ONE_NUMBER_MAX = 80  # longer input is a text to search, not one number


@dataclass(frozen=True, slots=True)
class FoundNumber:
    number: str  # normalised
    candidates: tuple[str, ...]  # carrier ids we can track, best first
    remembered: bool = False  # the first candidate is the user's earlier choice
    duplicate_id: str | None = None  # the parcel already tracking it


@dataclass(frozen=True, slots=True)
class Analysis:
    numbers: tuple[FoundNumber, ...] = ()
    error: str | None = None  # detect's reason, when one number was typed and is not one
    empty: bool = True


def looks_like_one_number(text: str) -> bool:
    """A single token (maybe spaced or dashed), not a text with words around numbers."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or len(stripped) > _ONE_NUMBER_MAX:
        return False
    words = stripped.split()
    return len(words) == 1 or all(any(c.isdigit() for c in word) for word in words)


def _trackable(result: DetectionResult) -> tuple[str, ...]:
    return tuple(c.carrier for c in result.candidates if c.carrier in REGISTRY)


def analyse(text: str, remembered: Mapping[str, str] | None = None) -> Analysis:
    """What the pasted text holds: numbers with carrier candidates, or why it holds none."""
    if not text.strip():
        return Analysis()
    remembered = remembered or {}
    results: list[DetectionResult]
    if looks_like_one_number(text):
        single = detect(text.strip(), remembered=remembered)
        if single.error is not None or not single.candidates:
            found = extract(text, remembered=remembered)
            if not found:
                return Analysis(error=single.error or "matches no known tracking-number format",
                                empty=False)  # fmt: skip
            results = [f.result for f in found]
        else:
            results = [single]
    else:
        results = [f.result for f in extract(text, remembered=remembered)]
    numbers = []
    for result in results:
        candidates = _trackable(result)
        if not candidates:
            continue
        numbers.append(
            FoundNumber(
                number=result.normalized,
                candidates=candidates,
                remembered=remembered.get(result.normalized) == candidates[0],
            )
        )
    return Analysis(numbers=tuple(numbers), empty=False)


_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^empty input"), "reason.empty"),
    (re.compile(r"^looks like a phone number"), "reason.phone"),
    (re.compile(r"^looks like an Amazon order"), "reason.amazon"),
    (re.compile(r"^looks like an IBAN"), "reason.iban"),
    (re.compile(r"^too short: (?P<n>\d+) characters.*least (?P<min>\d+)"), "reason.short"),
    (re.compile(r"^too long"), "reason.long"),
    (re.compile(r"^contains the (?:non-ASCII digit|character) '(?P<char>.)'"), "reason.char"),
    (re.compile(r"^matches no known"), "reason.nomatch"),
)


def reason_text(lang: Lang, reason: str) -> str:
    """detect()'s reason in the user's language; unknown reasons are shown as they are."""
    for pattern, key in _REASONS:
        match = pattern.match(reason)
        if match:
            return t(lang, key, **match.groupdict())
    return reason


def carrier_name(carrier: str) -> str:
    try:
        return REGISTRY[carrier].display_name
    except KeyError:
        return carrier
