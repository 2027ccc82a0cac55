"""detect(): normalisation, junk, the formats of carriers/REFERENCE.md §7, ranking, corrections."""

from __future__ import annotations

import pytest

from app.domain.tracking_numbers import (
    Checksum,
    DetectionResult,
    apply_correction,
    apply_remembered,
    detect,
    normalize,
)
from app.domain.tracking_numbers.catalogue import formats
from app.domain.tracking_numbers.checksums import s10

VALID, NONE, INVALID = Checksum.VALID, Checksum.NONE, Checksum.INVALID


def carriers(result: DetectionResult) -> list[str]:
    return [candidate.carrier for candidate in result.candidates]


def status_of(result: DetectionResult, carrier: str) -> Checksum:
    return next(c.checksum for c in result.candidates if c.carrier == carrier)


# ------------------------------------------------------------------ normalisation --------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("1z 999 aa1 01 2345 6784", "1Z999AA10123456784"),
        ("  0034-0434-1234-5678-9012 ", "00340434123456789012"),
        ("RR\u00a0123\u2009456\u00a0785\u2011DE", "RR123456785DE"),  # NBSP, thin space, ‑
        ("tba\t123456789012\n", "TBA123456789012"),
    ],
)
def test_normalize_drops_spaces_and_dashes_and_upper_cases(raw: str, normalized: str) -> None:
    assert normalize(raw) == normalized
    assert detect(raw).normalized == normalized


def test_spaced_and_plain_input_detect_alike() -> None:
    assert detect("1Z 999 AA1 01 2345 6784").candidates == detect("1Z999AA10123456784").candidates


# ------------------------------------------------------------------ junk --------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("- -", "empty"),
        ("123456789", "too short"),
        ("1" * 41, "too long"),
        ("x" * 5000, "too long"),
        ("1Z999AA1012345678!", "character '!'"),
        ("'; DROP TABLE parcels;--", "character"),
        ("00340434\x00123456789012", "character '\\x00'"),
        ("+49 30 1234567", "phone number"),
        ("+491701234567", "phone number"),
        ("(030) 12345678", "phone number"),
        ("0800 123 4567", "phone number"),
        ("01701234567", "phone number"),
        ("1-800-742-5877", "phone number"),
        ("302-1234567-1234567", "Amazon order number"),
        ("DE89 3704 0044 0532 0130 00", "IBAN"),
        ("ZZZZZZZZZZZZZZZZ", "no known tracking-number format"),
    ],
)
def test_junk_is_rejected_with_a_clear_reason(raw: str, reason: str) -> None:
    result = detect(raw)

    assert result.candidates == ()
    assert result.error is not None
    assert reason in result.error


@pytest.mark.parametrize(
    "raw",
    [
        "٠٠٣٤٠٤٣٤١٢٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic
        "００３４０４３４１２３４５６７８９０１２",  # full-width
        "००३४०४३४१२३४५६७८९०१२",  # Devanagari
        "0034043412345678901٢",  # one foreign digit among ASCII ones
    ],
)
def test_non_ascii_digits_are_not_digits(raw: str) -> None:
    result = detect(raw)

    assert result.candidates == ()
    assert result.error is not None
    assert "non-ASCII digit" in result.error


@pytest.mark.parametrize("raw", ["1Z999AA10123456784", "0150 5082 3765 41", "0340 1234 5678"])
def test_numbers_that_merely_start_like_phone_numbers_are_not_refused(raw: str) -> None:
    result = detect(raw)

    assert result.error is None
    assert result.candidates


# ------------------------------------------------------------------ formats --------


@pytest.mark.parametrize(
    ("number", "carrier", "checksum"),
    [
        ("1ZA1B2C30123456787", "ups", VALID),
        ("1Z999AA10123456784", "ups", VALID),
        ("RR123456785DE", "dhl", VALID),  # Deutsche Post S10
        ("AB246813576GB", "royalmail", VALID),
        ("LA908172638NL", "postnl", VALID),
        ("EC112233447US", "usps", VALID),
        ("RB123456785CV", "s10", VALID),  # an operator we do not track directly
        ("9612019123456789012343", "fedex", VALID),
        ("00001234567890123452", "fedex", VALID),  # 00 + SSCC
        ("9400111899223856421173", "usps", VALID),
        ("420100019400111899223856421173", "usps", VALID),
        ("00340434123456789012", "dhl", VALID),  # DHL Paket SSCC
        ("JJD0001234567890", "dhl", NONE),
        ("JVGL0123456789", "dhl", NONE),
        ("012345678901233", "dpd", VALID),  # 14 digits + MOD 37,36 check
        ("H1002345678901234567", "hermes", NONE),
        ("3SABCD1234567", "postnl", NONE),
        ("3SABCD12345678901", "postnl", NONE),
        ("TBA123456789012", "amazon", NONE),
        ("TBC123456789012", "amazon", NONE),
        ("TBM123456789012", "amazon", NONE),
    ],
)
def test_specific_formats_come_first(number: str, carrier: str, checksum: Checksum) -> None:
    result = detect(number)

    assert result.candidates[0].carrier == carrier
    assert result.candidates[0].checksum is checksum


@pytest.mark.parametrize(
    ("number", "carrier", "checksum"),
    [
        ("202406011233", "fedex", VALID),
        ("123456789012343", "fedex", VALID),
        ("1234567891", "dhl", VALID),  # DHL Express, mod 7
        ("123456789012", "dhl", NONE),  # DHL Paket 12
        ("12345678901", "gls", NONE),
        ("01234567890123", "hermes", NONE),
        ("0123456789012345", "hermes", NONE),
        ("01234567890123", "dpd", NONE),  # DPD without its check character
        ("71234567890123456788", "usps", VALID),
    ],
)
def test_digit_only_formats_are_among_the_candidates(
    number: str, carrier: str, checksum: Checksum
) -> None:
    assert status_of(detect(number), carrier) is checksum


def test_s10_needs_a_known_country_and_the_right_check_digit() -> None:
    wrong_check = detect("RR123456786DE")

    assert status_of(wrong_check, "dhl") is INVALID
    assert all(c.checksum is not VALID for c in wrong_check.candidates)
    assert detect("RR123456785XX").candidates == ()  # XX is no UPU member


def test_gls_12_uses_gs1_and_dpd_15_uses_mod_37_36() -> None:
    # GS1 over 12345678901, weights 3,1,… from the right: 98, so the check is 2.
    assert status_of(detect("123456789012"), "gls") is VALID
    assert status_of(detect("123456789013"), "gls") is INVALID
    # REFERENCE.md's DPD vector: 01234567890123 + check character 3.
    assert status_of(detect("012345678901233"), "dpd") is VALID
    assert status_of(detect("012345678901234"), "dpd") is INVALID


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("00000000", "5"),  # weighted sum 0: remainder 0 gives 5
        ("00000008", "0"),  # 8 × 7 = 56, remainder 1 gives 0
        ("00000001", "4"),  # 7, remainder 7 gives 11 − 7
        ("12345678", "5"),  # REFERENCE.md: RR123456785DE
    ],
)
def test_s10_check_digit_edge_cases(serial: str, check: str) -> None:
    assert s10(serial, check)
    assert not any(s10(serial, other) for other in "0123456789" if other != check)


# ------------------------------------------------------------------ ranking --------


def test_twelve_digits_are_ambiguous_and_never_a_single_guess() -> None:
    result = detect("123456789012")

    assert {"dhl", "gls", "fedex"} <= set(carriers(result))


def test_fourteen_digits_are_ambiguous_and_german_carriers_lead() -> None:
    result = detect("01234567890123")

    assert {"dpd", "hermes", "dhl"} <= set(carriers(result))
    assert carriers(result)[:2] == ["dpd", "hermes"]  # DHL eCommerce 14 is not German


def test_a_passing_check_beats_no_check_which_beats_a_failing_one() -> None:
    result = detect("202406011233")  # FedEx 12 passes, DHL 12 has none, Purolator fails
    statuses = [c.checksum for c in result.candidates]

    assert statuses == sorted(statuses, key=[VALID, NONE, INVALID].index)
    assert status_of(result, "fedex") is VALID
    assert status_of(result, "purolator") is INVALID
    assert carriers(result).index("fedex") < carriers(result).index("dhl")
    assert carriers(result).index("dhl") < carriers(result).index("purolator")


def test_a_prefix_beats_a_bare_digit_count() -> None:
    result = detect("00340434123456789012")  # also a valid USPS 20

    assert carriers(result)[0] == "dhl"
    assert status_of(result, "usps") is VALID
    assert result.candidates[0].specific
    assert not next(c for c in result.candidates if c.carrier == "usps").specific


def test_one_candidate_per_carrier() -> None:
    result = detect("JJD0099999999")  # DHL piece ID and DHL JJD both fit

    assert carriers(result).count("dhl") == 1


# ------------------------------------------------------------------ corrections --------


def test_correction_puts_the_chosen_carrier_first_and_keeps_the_rest() -> None:
    result = detect("01234567890123")
    corrected = apply_correction(result, "dhl")

    assert carriers(corrected)[0] == "dhl"
    assert sorted(carriers(corrected)) == sorted(carriers(result))
    assert corrected.candidates[0] == next(c for c in result.candidates if c.carrier == "dhl")


def test_correction_to_an_unpredicted_carrier_adds_it() -> None:
    result = detect("01234567890123")
    corrected = apply_correction(result, "gls")

    assert corrected.candidates[0].carrier == "gls"
    assert corrected.candidates[0].format == "user"
    assert corrected.candidates[1:] == result.candidates


def test_remembered_corrections_apply_per_normalised_number() -> None:
    remembered = {"01234567890123": "hermes"}

    assert carriers(detect("0123 4567 8901 23", remembered=remembered))[0] == "hermes"
    assert carriers(detect("01234567890124", remembered=remembered))[0] == "dpd"
    assert apply_remembered(detect("01234567890123"), None) == detect("01234567890123")


def test_as_dict_is_the_cli_json_shape() -> None:
    data = detect("1Z 999 AA1 01 2345 6784").as_dict()

    assert data == {
        "input": "1Z 999 AA1 01 2345 6784",
        "normalized": "1Z999AA10123456784",
        "candidates": [{"carrier": "ups", "format": "ups", "checksum": "valid"}],
        "error": None,
    }


def test_format_ids_and_names_are_unique() -> None:
    """Candidates name their format by id; two formats must never share one."""
    ids = [fmt.id for fmt in formats()]
    names = [fmt.name for fmt in formats()]
    assert len(set(ids)) == len(ids)
    assert len(set(names)) == len(names)
