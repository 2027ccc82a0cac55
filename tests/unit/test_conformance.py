"""The conformance data set (the project's packaged copy): every test number, one test each.

Valid numbers must get their carrier with a passing check digit ("none" for formats without
one), and first place unless another carrier fits equally well. Invalid numbers must not pass
their format, nor get their carrier with a passing check digit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest

from app.domain.tracking_numbers import Candidate, Checksum, detect, normalize
from app.domain.tracking_numbers.catalogue import S10_OPERATORS
from app.domain.tracking_numbers.detect import matches

_RANK = {Checksum.VALID: 0, Checksum.NONE: 1, Checksum.INVALID: 2}

# Invalid for their own format but valid under another format of the same carrier.
VALID_UNDER_SIBLING_FORMAT = {
    ("Purolator (alpha + 9)", "331426749957"): "a valid Purolator (12) number",
}


@dataclass(frozen=True)
class Case:
    courier: str
    format_name: str
    number: str
    has_checksum: bool

    @property
    def carrier(self) -> str:
        """The data set's courier code; S10 numbers belong to their country's operator."""
        if self.courier == "s10":
            return S10_OPERATORS.get(normalize(self.number)[-2:], "s10")
        return self.courier


def _cases(kind: str) -> list[Any]:
    folder = resources.files("app.domain") / "data" / "tracking_number_data" / "couriers"
    params = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        courier = json.loads(entry.read_text(encoding="utf-8"))
        for spec in courier["tracking_numbers"]:
            name = spec["name"]
            has_checksum = "checksum" in (spec.get("validation") or {})
            for index, number in enumerate(spec["test_numbers"][kind]):
                case = Case(courier["courier_code"], name, number, has_checksum)
                params.append(pytest.param(case, id=f"{name}-{kind}{index}-{number.strip()}"))
    return params


VALID = _cases("valid")
INVALID = _cases("invalid")


def _format_candidate(case: Case) -> Candidate | None:
    return next((c for _, c in matches(normalize(case.number)) if c.name == case.format_name), None)


def test_the_data_set_is_all_there() -> None:
    assert len(VALID) == 192
    assert len(INVALID) == 88


@pytest.mark.parametrize("case", VALID)
def test_valid_number_gets_its_carrier(case: Case) -> None:
    expected = Checksum.VALID if case.has_checksum else Checksum.NONE
    own = _format_candidate(case)
    assert own is not None, f"{case.format_name} does not match {case.number!r}"
    assert own.checksum is expected
    assert own.carrier == case.carrier

    result = detect(case.number)
    assert result.error is None
    ours = next(c for c in result.candidates if c.carrier == case.carrier)
    assert _RANK[ours.checksum] <= _RANK[expected]

    rivals = [c for c in result.candidates if c.carrier != case.carrier]
    as_good = [c for c in rivals if _RANK[c.checksum] <= _RANK[ours.checksum]]
    if not as_good or (ours.specific and not any(c.specific for c in as_good)):
        assert result.candidates[0] == ours, "unambiguous, so its carrier must come first"


@pytest.mark.parametrize("case", INVALID)
def test_invalid_number_does_not_pass(case: Case) -> None:
    own = _format_candidate(case)
    assert own is None or own.checksum is Checksum.INVALID

    if (case.format_name, case.number) in VALID_UNDER_SIBLING_FORMAT:
        return
    result = detect(case.number)
    assert not any(
        c.carrier == case.carrier and c.checksum is Checksum.VALID for c in result.candidates
    )


def test_sibling_format_exception_is_real() -> None:
    """The one exception above is valid under the sibling format, not a hidden failure."""
    (format_name, number), _ = next(iter(VALID_UNDER_SIBLING_FORMAT.items()))
    result = detect(number)
    assert result.candidates[0].carrier == "purolator"
    assert result.candidates[0].name == "Purolator (12)"
    assert result.candidates[0].checksum is Checksum.VALID
    assert format_name != result.candidates[0].name
