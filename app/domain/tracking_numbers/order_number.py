"""The shop's order number in a pasted shipping e-mail ("Deine Bestellung 4711 ist unterwegs",
"Order #A-10023"), so its parcels can be filed under that order. Pure.

Only a number after a label counts: a bare number in an e-mail is as likely a customer number,
a price or a date. The tracking numbers found in the same text are never taken for it.
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["find_order_number"]

MAX_TEXT = 100_000  # as much as the extractor reads: a pasted e-mail, not a mailbox

_LABEL = (
    r"\b(?:bestell(?:ung|nummer|nr\.?|-nr\.?)|auftrag(?:snummer|s-nr\.?)?"
    r"|order(?:\s+(?:number|no\.?|id))?)"
)
_ORDER = re.compile(
    _LABEL + r"\s*(?:nr\.?|no\.?|number)?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{2,39})\b",
    re.IGNORECASE,
)


def find_order_number(text: str, *, not_these: Collection[str] = ()) -> str | None:
    """The first labelled order number in `text` (as written), or None. `not_these`: the
    tracking numbers found in it, which a label like "Sendung zu Bestellung:" may precede."""
    taken = {_compact(number) for number in not_these}
    for match in _ORDER.finditer(text[:MAX_TEXT]):
        candidate = match.group(1).strip("-")
        if len(candidate) < 3 or not any(ch.isdigit() for ch in candidate):
            continue  # "Bestellung vom …", "your order has shipped"
        if _compact(candidate) in taken:
            continue
        return candidate
    return None


def _compact(number: str) -> str:
    return "".join(ch for ch in number if ch.isalnum()).upper()
