"""extract() on anything: never raises, stays fast on megabytes, finds nothing in junk."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.tracking_numbers import detect, extract, normalize

SLOW_MACHINE_BOUND = 2.0  # seconds per call; a normal run takes a fraction of that


def _check_found(text: str) -> None:
    starts = []
    for found in extract(text):
        printed = text[found.start : found.end]
        assert found.result.input == printed
        assert normalize(printed) == found.number == found.result.normalized
        assert found.result.candidates
        assert {c.carrier for c in found.result.candidates} == {
            c.carrier for c in detect(printed).candidates
        }
        starts.append(found.start)
    assert starts == sorted(starts)


@given(st.text(max_size=2_000))
def test_any_text_is_read_without_error(text: str) -> None:
    _check_found(text)


_PIECES = st.sampled_from(
    [
        "Sendungsnummer: ", "tracking number ", "Bestellnummer ", "Tel. +49 ", "IBAN ", " ", "-",
        "\n", "00340434123456789012", "1Z 999 AA1 01 2345 6784", "01234567890123", "DE89",
        "3704 0044 0532 0130 00", "RR123456785DE", "302-1234567-1234567", "0800 123 4567",
    ]
)  # fmt: skip


@settings(max_examples=200)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_shuffled_email_fragments_are_read_consistently(text: str) -> None:
    _check_found(text)


def megabyte(seed: int, alphabet: str) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(alphabet, k=1_000_000))


def random_tokens(seed: int, prefix: str = "") -> str:
    rng = random.Random(seed)
    lines, size = [], 0
    while size < 1_000_000:
        lines.append(prefix + "".join(rng.choices("0123456789", k=rng.randint(10, 30))))
        size += len(lines[-1]) + 1
    return "\n".join(lines)


# Built inside the test, not at collection, so collecting the suite stays fast.
JUNK: dict[str, Callable[[], str]] = {
    "one-digit-run": lambda: "1" * 1_000_000,
    "spaced-digits": lambda: "1 " * 500_000,
    "digit-groups": lambda: "1234 " * 200_000,
    "random-digit-groups": lambda: megabyte(1, "0123456789 "),
    "ups-prefix": lambda: "1Z" * 500_000,
    "sql": lambda: "'; DROP TABLE parcels;--" * 42_000,
    "control": lambda: megabyte(2, "".join(map(chr, range(32)))),
    "arabic-indic": lambda: "Sendungsnummer ٠١٢٣٤٥٦٧٨٩٠١٢٣ " * 30_000,
    "printable": lambda: megabyte(3, "".join(map(chr, range(32, 127)))),
    "upper-case": lambda: megabyte(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -"),
    "random-numbers": lambda: random_tokens(5),
    "labelled-random-numbers": lambda: random_tokens(6, "Sendungsnummer: "),
}


@pytest.mark.parametrize("kind", JUNK)
def test_megabyte_text_is_read_quickly(kind: str) -> None:
    text = JUNK[kind]()
    started = time.perf_counter()
    found = extract(text)

    assert time.perf_counter() - started < SLOW_MACHINE_BOUND
    for item in found:
        assert detect(item.number).candidates


@pytest.mark.parametrize(
    "kind", ["one-digit-run", "spaced-digits", "digit-groups", "sql", "control", "arabic-indic"]
)
def test_megabyte_junk_has_no_numbers(kind: str) -> None:
    assert extract(JUNK[kind]()) == ()


def test_a_number_in_a_megabyte_of_prose_is_found_quickly() -> None:
    filler = "Lorem ipsum dolor sit amet, 12.05.2026, 1.234,56 EUR. " * 10_000
    text = filler + "Ihre Sendungsnummer: 0034 0434 1234 5678 9012." + filler
    started = time.perf_counter()
    found = extract(text)

    assert time.perf_counter() - started < SLOW_MACHINE_BOUND
    assert [item.number for item in found] == ["00340434123456789012"]
