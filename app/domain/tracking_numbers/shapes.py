"""Shapes of numbers that are not tracking numbers: phone numbers, IBANs, order numbers.

Shared by detect (one typed number) and extract (groups found in a text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "iban_valid",
    "is_amazon_order",
    "is_iban",
    "is_north_american",
    "is_phone",
    "is_phone_groups",
]

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}", re.ASCII)
_AMAZON_ORDER = re.compile(r"[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}", re.ASCII | re.IGNORECASE)
_AREA_CODE = re.compile(r"0[1-9][0-9]{1,4}", re.ASCII)
# German service and mobile numbers, typed without spaces: 0800…, 0180…, 0151…, 0176…
_SERVICE_OR_MOBILE = re.compile(r"0(?:800|180[0-9]?|900|700|1[5-7][0-9])[0-9]{4,8}", re.ASCII)


def iban_valid(text: str) -> bool:
    """ISO 13616 mod 97 over an upper-case alphanumeric string."""
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def is_iban(number: str) -> bool:
    return _IBAN.fullmatch(number) is not None and iban_valid(number)


def is_amazon_order(text: str) -> bool:
    """Amazon's order numbers, 302-1234567-1234567, as printed (with their dashes)."""
    return _AMAZON_ORDER.fullmatch(text.strip()) is not None


def is_phone(number: str) -> bool:
    """A normalised all-digit number that is a German service or mobile number."""
    return len(number) <= 12 and _SERVICE_OR_MOBILE.fullmatch(number) is not None


def is_north_american(groups: Sequence[str]) -> bool:
    """1-800-742-5877 or 800-742-5877, as printed in groups."""
    return all(g.isdigit() for g in groups) and [len(g) for g in groups] in (
        [3, 3, 4],
        [1, 3, 3, 4],
    )


def is_phone_groups(groups: Sequence[str]) -> bool:
    """Digit groups printed in a text: an area code and a short rest ("030 1234567"), a North
    American number, or a service or mobile number."""
    if not groups or not all(group.isdigit() for group in groups):
        return False
    if is_north_american(groups) or is_phone("".join(groups)):
        return True
    total = sum(len(group) for group in groups)
    return len(groups) >= 2 and total <= 12 and _AREA_CODE.fullmatch(groups[0]) is not None
