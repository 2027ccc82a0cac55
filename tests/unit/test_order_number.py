"""The order number a shipping e-mail names, for filing its parcels under that order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.tracking_numbers.order_number import find_order_number

TRACKING = "00340434398259791900"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("gute Nachrichten: Deine Bestellung 4711 ist unterwegs.", "4711"),
        ("Bestellnummer: 302-1234567-1234567", "302-1234567-1234567"),
        ("Ihre Bestellung Nr. 12345 vom 21.11.2026", "12345"),
        ("Auftragsnummer 98765", "98765"),
        ("Your order #A12345 has shipped", "A12345"),
        ("Your order has shipped. Order number: BW-1001", "BW-1001"),
        ("Bestellung vom 21.11.2026, Bestell-Nr. 5500123", "5500123"),
        ("Bestellung vom 21.11.2026", None),  # a date, not a number
        ("Bestellt am 21.11., Kundennummer 123456", None),  # no order label
        ("Nachbestellung 555", None),  # part of another word
        ("Your order has shipped.", None),
        (f"Sendung zu Ihrer Bestellung: {TRACKING}", None),  # the tracking number itself
        ("Bestellung 12", None),  # too short to tell from a count
    ],
)
def test_labelled_order_numbers_are_found(text: str, number: str | None) -> None:
    assert find_order_number(text, not_these=[TRACKING]) == number


@given(st.text(max_size=300))
def test_any_text_gives_nothing_or_a_labelled_number_from_it(text: str) -> None:
    found = find_order_number(text)
    if found is not None:
        assert found in text
        assert any(ch.isdigit() for ch in found)
        assert len(found) >= 3


@given(st.from_regex(r"[A-Z0-9][A-Z0-9-]{2,20}[0-9]", fullmatch=True), st.text(max_size=80))
def test_a_number_after_bestellnummer_is_found_in_any_surroundings(number: str, noise: str) -> None:
    text = f"{noise}\nBestellnummer: {number}\n{noise}"
    found = find_order_number(text)
    assert found is not None
    assert found in text
