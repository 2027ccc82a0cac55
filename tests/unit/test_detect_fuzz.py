"""detect() on anything: never raises, answers quickly, junk gets a reason, never a candidate."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.tracking_numbers import Checksum, detect, normalize
from app.domain.tracking_numbers.detect import MAX_LENGTH, MIN_LENGTH

SLOW_MACHINE_BOUND = 2.0  # seconds per call; a normal run takes milliseconds
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_RANK = {Checksum.VALID: 0, Checksum.NONE: 1, Checksum.INVALID: 2}


def _check_result_shape(raw: str) -> None:
    result = detect(raw)

    assert result.input == raw
    if result.candidates:
        assert result.error is None
        assert set(result.normalized) <= _ASCII_ALNUM
        assert MIN_LENGTH <= len(result.normalized) <= MAX_LENGTH
        ranks = [_RANK[c.checksum] for c in result.candidates]
        assert ranks == sorted(ranks)
        assert len({c.carrier for c in result.candidates}) == len(result.candidates)
    else:
        assert isinstance(result.error, str)
        assert result.error


@given(st.text(max_size=300))
def test_any_text_gives_candidates_or_a_reason(raw: str) -> None:
    _check_result_shape(raw)


@given(st.text(alphabet="0123456789 -ABCDEFGHJKLMNPRSTUVWXYZ", min_size=8, max_size=45))
def test_number_like_text_gives_candidates_or_a_reason(raw: str) -> None:
    _check_result_shape(raw)


@given(
    st.text(
        alphabet=st.characters(categories=["Nd"]).filter(lambda c: c not in "0123456789"),
        min_size=1,
        max_size=40,
    ),
    st.text(alphabet="0123456789", max_size=20),
)
def test_non_ascii_digits_never_count(foreign: str, ascii_digits: str) -> None:
    result = detect(ascii_digits + foreign)

    assert result.candidates == ()
    assert result.error is not None


@given(st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs"]), max_size=200))
def test_control_and_format_characters_are_junk(raw: str) -> None:
    result = detect(raw)

    assert result.candidates == ()
    assert result.error


@settings(max_examples=50)
@given(st.sampled_from(["1ZA1B2C30123456787", "00340434123456789012", "RR123456785DE"]))
def test_normalisation_is_idempotent(number: str) -> None:
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4)).lower()

    assert normalize(normalize(spaced)) == normalize(spaced) == number
    assert detect(spaced).candidates == detect(number).candidates


def megabyte(seed: int, alphabet: str) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(alphabet, k=1_000_000))


# Built inside the test, not at collection, so collecting the suite stays fast.
HUGE: dict[str, Callable[[], str]] = {
    "digits": lambda: "1" * 1_000_000,
    "ups-prefix": lambda: "1Z" * 500_000,
    "sql": lambda: "'; DROP TABLE parcels;--" * 42_000,
    "control": lambda: megabyte(1, "".join(map(chr, range(32)))),
    "arabic-indic": lambda: "٠١٢٣٤٥٦٧٨٩" * 100_000,
    "digit-groups": lambda: megabyte(2, "0123456789 -"),
}


@pytest.mark.parametrize("kind", HUGE)
def test_huge_input_is_refused_quickly(kind: str) -> None:
    raw = HUGE[kind]()
    started = time.perf_counter()
    result = detect(raw)

    assert time.perf_counter() - started < SLOW_MACHINE_BOUND
    assert result.candidates == ()
    assert result.error is not None
    assert "too long" in result.error
