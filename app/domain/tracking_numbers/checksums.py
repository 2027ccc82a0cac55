"""Check-digit algorithms of the tracking-number data set, plus GS1 mod 10.

Each function takes the serial (the digits the check covers) and the check character as
printed, and says whether they agree. They follow CHECKSUM_ALGORITHMS.md of the data set,
including its quirks (letters in mod 10 count as (code - 3) % 10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["gs1", "luhn", "mod7", "mod10", "mod_37_36", "s10", "sum_product", "verify"]

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _digit(char: str) -> int:
    return int(char) if "0" <= char <= "9" else (ord(char) - 3) % 10


def mod7(serial: str, check: str) -> bool:
    return int(serial) % 7 == int(check)


def mod10(
    serial: str,
    check: str,
    *,
    odds_multiplier: int | None = None,
    evens_multiplier: int | None = None,
    reverse: bool = False,
) -> bool:
    chars = serial[::-1] if reverse else serial
    total = 0
    for index, char in enumerate(chars):
        value = _digit(char)
        if odds_multiplier is not None and index % 2 == 1:
            value *= odds_multiplier
        elif evens_multiplier is not None and index % 2 == 0:
            value *= evens_multiplier
        total += value
    return (10 - total % 10) % 10 == int(check)


def gs1(serial: str, check: str) -> bool:
    """GS1 mod 10 (SSCC, GTIN): weight 3 on the rightmost serial digit, then alternating."""
    return mod10(serial, check, evens_multiplier=3, odds_multiplier=1, reverse=True)


def s10(serial: str, check: str) -> bool:
    total = sum(int(char) * weight for char, weight in zip(serial, _S10_WEIGHTS, strict=False))
    remainder = total % 11
    expected = {0: 5, 1: 0}.get(remainder, 11 - remainder)
    return expected == int(check)


def sum_product(
    serial: str, check: str, *, weightings: Sequence[int], modulo1: int, modulo2: int
) -> bool:
    total = sum(int(char) * weight for char, weight in zip(serial, weightings, strict=False))
    return total % modulo1 % modulo2 == int(check)


def mod_37_36(serial: str, check: str) -> bool:
    """ISO 7064 MOD 37,36 as DPD prints it: the check is one of 0-9A-Z."""
    mod = 36
    value = mod
    for char in serial:
        value += _ALPHANUMERIC.index(char)
        if value > mod:
            value -= mod
        value *= 2
        if value > mod:
            value -= mod + 1
    value = mod + 1 - value
    if value == mod:
        value = 0
    return _ALPHANUMERIC[value] == check


def luhn(serial: str, check: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(serial)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(check)


def verify(spec: Mapping[str, Any], serial: str, check: str) -> bool:
    """Run the data set's checksum `spec` (its "validation.checksum" object)."""
    name = spec["name"]
    if name == "mod7":
        return mod7(serial, check)
    if name == "mod10":
        return mod10(
            serial,
            check,
            odds_multiplier=spec.get("odds_multiplier"),
            evens_multiplier=spec.get("evens_multiplier"),
            reverse=bool(spec.get("reverse", False)),
        )
    if name == "s10":
        return s10(serial, check)
    if name == "sum_product_with_weightings_and_modulo":
        return sum_product(
            serial,
            check,
            weightings=spec["weightings"],
            modulo1=spec["modulo1"],
            modulo2=spec["modulo2"],
        )
    if name == "mod_37_36":
        return mod_37_36(serial, check)
    if name == "luhn":
        return luhn(serial, check)
    if name == "gs1":
        return gs1(serial, check)
    raise ValueError(f"unknown checksum algorithm: {name}")
