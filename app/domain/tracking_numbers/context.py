"""The words before a number in a text: tracking labels, other labels, carrier names.

The keyword nearest before a number says what it is ("Sendungsnummer: …" admits it,
"Bestellnummer: …" rules it out), and a carrier named shortly before it is a ranking hint.
Words are indexed once, on first use, with plain string tests (texts may be huge).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum

__all__ = ["WINDOW", "Context", "Keywords", "Label", "classify"]

WINDOW = 80  # how far before a number a keyword still speaks about it (characters)

_WORD = re.compile(r"[A-Za-z]{3,}")  # every keyword has three letters or more
_CARRIERS = {
    "dhl": "dhl", "dpd": "dpd", "hermes": "hermes", "gls": "gls", "ups": "ups",
    "fedex": "fedex", "usps": "usps", "postnl": "postnl", "royal": "royalmail",
    "royalmail": "royalmail", "amazon": "amazon", "yodel": "yodel",
}  # fmt: skip
_TRACKING_PREFIXES = (
    "sendung", "tracking", "verfolg", "paket", "parcel", "package", "shipment", "consignment",
    "waybill", "lieferung", "versandnummer",
)  # fmt: skip
_TRACKING_WORDS = frozenset({"track", "tracked", "awb"})
_OTHER_PREFIXES = (
    "bestell", "order", "auftrag", "rechnung", "invoice", "kunden", "customer", "artikel",
    "konto", "telefon", "phone", "mobil", "anruf", "referenz", "reference", "gutschein",
    "voucher", "coupon", "kontakt", "contact", "transaktion", "transaction", "steuer",
    "postleitzahl", "postnummer",
)  # fmt: skip
_OTHER_WORDS = frozenset(
    {
        "item", "items", "sku", "ean", "gtin", "asin", "iban", "bic", "swift", "blz", "tel",
        "fax", "hotline", "call", "handy", "plz", "zip", "ust", "ustid", "ref", "pin", "tan",
        "betrag", "summe", "total", "preis", "price", "datum", "date",
    }
)  # fmt: skip


# The first three letters of every keyword: most words are rejected by one set lookup.
_STARTS = frozenset(
    word[:3]
    for word in (*_CARRIERS, *_TRACKING_PREFIXES, *_TRACKING_WORDS, *_OTHER_PREFIXES, *_OTHER_WORDS)
)


class Label(Enum):
    TRACKING = "tracking"  # a tracking word or a carrier's name
    OTHER = "other"  # an order, phone, bank, price… label
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Context:
    label: Label
    carrier: str | None  # a carrier named shortly before, as a ranking hint


def classify(word: str) -> tuple[Label, str | None]:
    """What one word says about a number after it, and the carrier it names."""
    lower = word.lower()
    if lower[:3] not in _STARTS:
        return Label.NONE, None
    if lower in _CARRIERS:
        return Label.TRACKING, _CARRIERS[lower]
    if lower in _TRACKING_WORDS or lower.startswith(_TRACKING_PREFIXES):
        return Label.TRACKING, None
    if lower in _OTHER_WORDS or lower.startswith(_OTHER_PREFIXES):
        return Label.OTHER, None
    return Label.NONE, None


class Keywords:
    """The keywords of one text, to ask what precedes a position."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends: list[int] | None = None
        self._labels: list[Label] = []
        self._carriers: list[str | None] = []

    def _index(self) -> list[int]:
        ends: list[int] = []
        for found in _WORD.finditer(self._text):
            label, carrier = classify(found.group())
            if label is not Label.NONE:
                ends.append(found.end())
                self._labels.append(label)
                self._carriers.append(carrier)
        return ends

    def before(self, position: int) -> Context:
        if self._ends is None:
            self._ends = self._index()
        index = bisect_right(self._ends, position) - 1
        if index < 0 or position - self._ends[index] > WINDOW:
            return Context(Label.NONE, None)
        label = self._labels[index]
        carrier = None
        while index >= 0 and position - self._ends[index] <= WINDOW:
            if self._carriers[index] is not None:
                carrier = self._carriers[index]
                break
            index -= 1
        return Context(label, carrier)
