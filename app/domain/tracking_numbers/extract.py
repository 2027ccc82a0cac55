"""Find the tracking numbers in a pasted text, e.g. a whole shipping-confirmation e-mail.

The text is scanned in linear time for chains of number groups (tokens.py), never with the
data set's regexes. Each piece of a chain that could be a number is ranked like a typed
number, then admitted by its evidence:

* a format with a prefix and a passing check digit stands on its own;
* a format with letters but no check digit needs a distinctive prefix or a tracking word;
* other numbers need a tracking word ("Sendungsnummer", "tracking number", a carrier's name)
  nearest before them, and a check digit that does not fail;
* phone numbers, IBANs and order numbers are ruled out by their shape and their labels.

Work is bounded: a text with more number-like pieces than any e-mail has is read only as far
as the budgets below allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from app.domain.tracking_numbers.context import Context, Keywords, Label
from app.domain.tracking_numbers.detect import DetectionResult, apply_remembered, rank, refusal
from app.domain.tracking_numbers.formats import Candidate, Checksum
from app.domain.tracking_numbers.tokens import Token, blocked, chains, windows

__all__ = ["MAX_PIECES", "MAX_RANKED", "Found", "extract"]

MAX_RANKED = 5_000  # distinct pieces ranked per text (an e-mail has a few dozen)
MAX_PIECES = 50_000  # pieces looked at per text
_STRONG_LENGTH = 13  # an S10 number; UPS 1Z, SSCC and IMpb numbers are longer
_CHECKSUM_ORDER = {Checksum.VALID: 0, Checksum.NONE: 1, Checksum.INVALID: 2}
# Letter formats without a check digit whose literal prefix alone is convincing.
_DISTINCTIVE = frozenset(
    {
        "amazon_logistics", "dhl_jjd", "dhl_jvgl", "dhl_express_piece_id", "postnl_3s", "yodel",
        "gofo_us", "landmark_global", "lasership_1ls7", "lasership_1ls7_18", "lasership_1lscx",
        "speedee", "yunexpress",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Found:
    """One tracking number in the text."""

    number: str  # normalised
    start: int  # where it is printed in the text
    end: int
    result: DetectionResult  # its input is the number as printed
    labelled: bool  # a tracking word or carrier name stood before it


def _admitted(number: str, best: Candidate, context: Context) -> bool:
    strong = best.specific and best.checksum is Checksum.VALID
    if context.label is Label.OTHER:
        return _stands_alone(number, best)
    if context.label is Label.TRACKING or strong:
        return True
    return not number.isdigit() and best.format in _DISTINCTIVE


def _stands_alone(number: str, best: Candidate) -> bool:
    """A long prefix format with a passing check outweighs even an order or phone label
    ("Track your order: 1Z…"); a short one passes its check too often by chance."""
    return best.specific and best.checksum is Checksum.VALID and len(number) >= _STRONG_LENGTH


def _hinted(candidates: tuple[Candidate, ...], carrier: str | None) -> tuple[Candidate, ...]:
    """Move a carrier named before the number first, if it is among the candidates."""
    hinted = [c for c in candidates if c.carrier == carrier]
    return (*hinted, *(c for c in candidates if c.carrier != carrier)) if hinted else candidates


_DROP_DIGITS = str.maketrans("", "", "0123456789")


def _enough_digits(number: str) -> bool:
    return number.isdigit() or len(number) - len(number.translate(_DROP_DIGITS)) >= 4


class _Extraction:
    def __init__(self, text: str) -> None:
        self.text = text
        self.keywords = Keywords(text)
        self.ranked: dict[str, tuple[Candidate, ...]] = {}
        self.found: dict[str, Found] = {}
        self.pieces = 0

    def run(self) -> tuple[Found, ...]:
        for chain in chains(self.text):
            admitted = [item for item in self._pieces(chain) if item is not None]
            if admitted and not blocked(self.text, chain):
                for item in _choose(admitted):
                    self.found.setdefault(item.number, item)
            if self.pieces >= MAX_PIECES:
                break
        return tuple(self.found.values())

    def _pieces(self, chain: list[Token]) -> list[Found | None]:
        return [self._piece(chain, i, j, number) for i, j, number in windows(chain)]

    def _piece(self, chain: list[Token], i: int, j: int, number: str) -> Found | None:
        self.pieces += 1
        start, end = chain[i].start, chain[j - 1].end
        if number in self.found:  # seen before: it still covers its groups here
            known = self.found[number]
            return Found(number, start, end, known.result, known.labelled)
        if not _enough_digits(number):
            return None
        if number not in self.ranked:
            if len(self.ranked) >= MAX_RANKED:
                return None
            self.ranked[number] = rank(number)
        candidates = self.ranked[number]
        if not candidates or candidates[0].checksum is Checksum.INVALID:
            return None
        # What detect() refuses as printed is no number here either: a phone number on a line
        # with a tracking number ("0034… 0800 123 4567") shares its chain, which is not blocked.
        if refusal(self.text[start:end], number) is not None:
            return None
        context = self.keywords.before(start)
        if not _admitted(number, candidates[0], context):
            return None
        result = DetectionResult(self.text[start:end], number, _hinted(candidates, context.carrier))
        return Found(number, start, end, result, context.label is Label.TRACKING)


def _choose(admitted: list[Found]) -> list[Found]:
    """Of one chain's overlapping pieces keep the longest (then best checked), in text order."""
    taken: list[Found] = []
    order = sorted(
        admitted,
        key=lambda f: (-len(f.number), _CHECKSUM_ORDER[f.result.candidates[0].checksum], f.start),
    )
    for item in order:
        if all(item.end <= other.start or item.start >= other.end for other in taken):
            taken.append(item)
    return sorted(taken, key=lambda item: item.start)


def extract(text: str, *, remembered: Mapping[str, str] | None = None) -> tuple[Found, ...]:
    """Every tracking number in the text, in order of appearance, each once. Never raises.

    `remembered` maps normalised numbers to the carrier the user chose for them earlier.
    """
    found = _Extraction(text).run()
    if not remembered:
        return found
    return tuple(replace(f, result=apply_remembered(f.result, remembered)) for f in found)
