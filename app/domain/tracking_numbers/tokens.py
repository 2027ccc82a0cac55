"""Linear-time scanning of a text for number-like pieces, and the shapes that are not numbers.

Numbers are printed whole ("00340434…") or in groups ("0034 0434 …", "1Z 999 AA1 …"). A chain
is a run of groups separated by one space or dash, each group ASCII upper-case letters and
digits with a digit in it, or a short letter prefix or suffix ("JJD", "DE"). The chain regex
is possessive and anchored at group starts, so it never backtracks more than one group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from app.domain.tracking_numbers.detect import MAX_LENGTH, MIN_LENGTH
from app.domain.tracking_numbers.shapes import iban_valid, is_amazon_order, is_phone_groups

__all__ = ["MAX_CHAIN", "Token", "blocked", "chains", "windows"]

MAX_CHAIN = 12  # a longer chain is a table or noise: only its single groups are numbers
_SEPARATOR = r"[ \-\u00a0\u2009\u202f]"
_GROUP = rf"(?:(?=[0-9A-Z]*?[0-9])[0-9A-Z]{{1,{MAX_LENGTH}}}+|[A-Z]{{1,4}}+)(?![0-9A-Za-z])"
_CHAIN = re.compile(rf"(?<![0-9A-Za-z]){_GROUP}(?:{_SEPARATOR}{_GROUP})*+")
_GROUP_TEXT = re.compile(r"[0-9A-Z]+", re.ASCII)
_LONG_GROUP = re.compile(rf"(?<![0-9A-Z])[0-9A-Z]{{{MIN_LENGTH},{MAX_LENGTH}}}+(?![0-9A-Z])")
_DIGIT = re.compile(r"[0-9]")
_SEPARATORS = " -\u00a0\u2009\u202f"
_IBAN_HEAD = re.compile(r"[A-Z]{2}[0-9]{2}", re.ASCII)


class Token(NamedTuple):
    start: int
    end: int
    text: str


def _group_count(text: str, start: int, end: int) -> int:
    return 1 + sum(text.count(separator, start, end) for separator in _SEPARATORS)


def chains(text: str) -> Iterator[list[Token]]:
    """Every chain with a digit that is long enough to hold a number, in text order."""
    for found in _CHAIN.finditer(text):
        start, end = found.span()
        if end - start < MIN_LENGTH or _DIGIT.search(text, start, end) is None:
            continue
        if _group_count(text, start, end) > MAX_CHAIN:
            pieces = _LONG_GROUP.finditer(text, start, end)  # its long groups, one by one
            yield from ([Token(m.start(), m.end(), m.group())] for m in pieces)
        else:
            groups = _GROUP_TEXT.finditer(text, start, end)
            yield [Token(m.start(), m.end(), m.group()) for m in groups]


def windows(chain: list[Token]) -> Iterator[tuple[int, int, str]]:
    """Group ranges [i, j) of a chain that could be one number, with their text.

    A one-character group (a DPD check character, a lone digit) can only end a number.
    """
    for i in range(len(chain)):
        number = ""
        for j in range(i, len(chain)):
            number += chain[j].text
            if len(number) > MAX_LENGTH:
                break
            if len(number) >= MIN_LENGTH:
                yield i, j + 1, number
            if len(chain[j].text) == 1:
                break


def _has_iban(chain: list[Token]) -> bool:
    for k, token in enumerate(chain):
        if not _IBAN_HEAD.match(token.text):
            continue
        joined = ""
        for part in chain[k:]:
            joined += part.text
            if 15 <= len(joined) <= 34 and iban_valid(joined):
                return True
    return False


def blocked(text: str, chain: list[Token]) -> bool:
    """Phone numbers, IBANs and order numbers, whatever labels them."""
    start, end = chain[0].start, chain[-1].end
    if start > 0 and text[start - 1] == "+":
        return True
    if is_amazon_order(text[start:end]):
        return True
    return _has_iban(chain) or is_phone_groups([token.text for token in chain])
