"""extract() on short texts: what admits a number, what rules it out, how it is ranked."""

from __future__ import annotations

import pytest

from app.domain.tracking_numbers import detect, extract


def numbers(text: str) -> list[str]:
    return [found.number for found in extract(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Bestellnummer 302-1234567-1234567",
        "Ihre Bestellung 302-1234567-1234567 ist unterwegs, Sendungsnummer folgt.",
        "Order #12345678",
        "Order number: 01234567890123",
        "Bestellnummer: 01234567890123",
        "Kundennummer 987654321012",
        "Rechnungsnummer 2026000123456789",
        "Tel. +49 30 1234567",
        "Sendungsnummer folgt. Rufen Sie an: +49 30 12345678",
        "Hotline: 0800 123 4567",
        "Kundenservice 030 12345678",
        "Service: 0180 5 345300",
        "Call 1-800-742-5877",
        "Sendung an: Musterstraße 12, 10115 Berlin",
        "Geliefert am 12.05.2026 um 14:30, am 2026-05-12",
        "Summe: 1.234.567,89 EUR, $1,234,567.89",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Bankverbindung: DE89370400440532013000",
        "Sendungsnummer: 1Z999AA10123456785",  # UPS with a wrong check digit
        "Sendungsnummer: RR123456786DE",  # S10 with a wrong check digit
        "'; DROP TABLE parcels;-- 00340434123456789013",
        "tracking: ١٢٣٤٥٦٧٨٩٠١٢٣٤",  # Arabic-Indic digits are no digits
        "Gutscheincode SUMMER2026SALE1234",
    ],
)
def test_no_false_numbers(text: str) -> None:
    assert numbers(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sendungsnummer: 01234567890123", ["01234567890123"]),
        ("Ihre Trackingnummer lautet 123456789012.", ["123456789012"]),
        ("tracking number 986578788855", ["986578788855"]),
        ("Paketnummer:\n40123456789", ["40123456789"]),
        ("Sendungsverfolgung: 0034 0434 1234 5678 9012", ["00340434123456789012"]),
        ("Your DPD parcel 0998 0000 0200 34D is out for delivery", ["09980000020034D"]),
    ],
)
def test_digit_numbers_are_admitted_by_a_tracking_word(text: str, expected: list[str]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "01234567890123",  # 14 digits, no check digit: DPD, Hermes or DHL
        "Ihre Nummer 123456789012",  # 12 digits: DHL, GLS, FedEx
        "986578788855",  # passes FedEx's check, but 12 digits fit too many carriers
        "Referenz 40123456789",
    ],
)
def test_bare_ambiguous_digits_need_a_tracking_word(text: str) -> None:
    assert numbers(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00340434123456789012", "00340434123456789012"),  # prefix and check digit
        ("see 1Z999AA10123456784 for details", "1Z999AA10123456784"),
        ("Einschreiben RR123456785DE", "RR123456785DE"),
        ("your parcel: TBA123456789012", "TBA123456789012"),
        ("JJD0001234567890", "JJD0001234567890"),  # a distinctive prefix
        ("9400111899223856421173", "9400111899223856421173"),
        ("Order #112-1234567-1234567, 1Z999AA10123456784", "1Z999AA10123456784"),
    ],
)
def test_prefix_numbers_stand_on_their_own(text: str, expected: str) -> None:
    assert numbers(text) == [expected]


def test_a_checked_prefix_number_survives_an_order_label() -> None:
    assert numbers("Track your order: 1Z999AA10123456784") == ["1Z999AA10123456784"]


def test_a_carrier_named_before_the_number_ranks_first() -> None:
    number = "01234567890123"

    assert detect(number).candidates[0].carrier == "dpd"
    (found,) = extract(f"Ihre Hermes Sendungsnummer: {number}")
    assert found.result.candidates[0].carrier == "hermes"
    assert sorted(c.carrier for c in found.result.candidates) == sorted(
        c.carrier for c in detect(number).candidates
    )


def test_a_carrier_hint_cannot_add_a_carrier() -> None:
    (found,) = extract("UPS Sendungsnummer 00340434123456789012")

    assert found.result.candidates[0].carrier == "dhl"
    assert "ups" not in {c.carrier for c in found.result.candidates}


def test_several_numbers_in_one_line_and_repeats_once() -> None:
    text = (
        "Sendungsnummern: 00340434123456789012 00340434571200384714, nochmals 00340434123456789012"
    )

    assert numbers(text) == ["00340434123456789012", "00340434571200384714"]


def test_a_phone_number_on_the_tracking_numbers_line_is_not_one() -> None:
    """Found by the fuzz test: the groups share one chain, so the chain is not blocked as a
    phone number; the piece "0800 123 4567" itself must be refused, as detect() refuses it."""
    text = "Sendungsnummer: 00340434123456789012 0800 123 4567"

    assert numbers(text) == ["00340434123456789012"]
    assert detect("0800 123 4567").error == "looks like a phone number"


def test_grouped_number_followed_by_a_stray_group_is_cut_right() -> None:
    found = extract("Sendungsnummer 1Z 999 AA1 01 2345 6784 12 Stück")

    assert [f.number for f in found] == ["1Z999AA10123456784"]


def test_lower_case_words_and_numbers_inside_words_are_ignored() -> None:
    assert numbers("tracking: abc00340434123456789012def") == []
    assert numbers("Sendungsnummer: 1z999aa10123456784") == []


def test_found_carries_position_and_label() -> None:
    text = "Paket 1: 00340434123456789012 | Paket 2 (Sendungsnummer 01234567890123)"
    first, second = extract(text)

    assert text[first.start : first.end] == "00340434123456789012"
    assert text[second.start : second.end] == "01234567890123"
    assert first.labelled
    assert second.labelled
    assert first.result.error is None
    assert second.result.normalized == "01234567890123"


def test_remembered_corrections_apply_to_found_numbers() -> None:
    text = "Sendungsnummer: 01234567890123"

    assert extract(text)[0].result.candidates[0].carrier == "dpd"
    (found,) = extract(text, remembered={"01234567890123": "hermes"})
    assert found.result.candidates[0].carrier == "hermes"


def test_a_repeated_grouped_number_is_not_cut_into_pieces() -> None:
    text = (
        "Sendungsnummer: 0034 0434 1234 5678 9012\n"
        "Zur Sendungsverfolgung geben Sie 0034 0434 1234 5678 9012 ein."
    )

    assert numbers(text) == ["00340434123456789012"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Artikelnummer K1506235620", []),  # a valid UPS waybill, but labelled as an article
        ("Versand mit UPS: K1506235620", ["K1506235620"]),
        ("Bestellung RR123456785DE", ["RR123456785DE"]),  # long enough to outweigh the label
    ],
)
def test_a_short_checked_number_does_not_outweigh_another_label(
    text: str, expected: list[str]
) -> None:
    assert numbers(text) == expected
