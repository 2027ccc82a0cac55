"""A parcel that a carrier answered about ("not found", "invalid") keeps the carrier's own words
(`TrackingError.carrier_text`), and only those: where the carrier said nothing, our English
note stays in the message for logs and never reaches the parcel's German or English screen.

An aggregator's rejection is about our request to it ("please register first"), not the
carrier's word on the parcel: it stays in the message only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from app.carriers import dhl, dpd, fedex, gls, hermes, postnl, royalmail, ups, usps
from app.carriers.base import TrackingError
from tests.unit.carriers import test_seventeen_track as seventeen
from tests.unit.carriers.fixture_table import FixtureTable
from tests.unit.carriers.test_aftership import parse as aftership_answer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DIRECT: dict[str, ModuleType] = {
    "dhl": dhl,
    "dpd": dpd,
    "fedex": fedex,
    "gls": gls,
    "hermes": hermes,
    "postnl": postnl,
    "royalmail": royalmail,
    "ups": ups,
    "usps": usps,
}
TABLES = [FixtureTable(module, folder, NOW) for folder, module in DIRECT.items()]
FIXTURES = [(table, path) for table in TABLES for path in table.paths()]


def _errors(table: FixtureTable, path: Path) -> tuple[list[TrackingError], str]:
    case = table.load(path.name)
    return list(table.parse(case).errors), case["raw"].decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("table", "path"), FIXTURES, ids=[f"{t.folder}/{p.stem}" for t, p in FIXTURES]
)
def test_carrier_words_are_quoted_from_the_answer(table: FixtureTable, path: Path) -> None:
    errors, body = _errors(table, path)
    for error in errors:
        if error.carrier_text is not None:
            assert error.carrier_text.strip()
            assert error.carrier_text in body  # word for word, not ours
            assert error.carrier_text in error.message  # and still in what the logs say


# fixture -> (the number's error kind, the carrier's words or None where it gave none)
EXPECTED = [
    ("dhl", "not_found_404", "No shipment with given tracking number found."),
    ("dhl", "invalid_number_400", "Invalid trackingNumber."),
    ("dhl", "not_found_200_empty", None),
    ("dhl", "pre_transit_no_data", None),
    ("dpd", "not_found", None),
    ("dpd", "invalid_number", None),
    ("fedex", "invalid_number_400", "Please provide tracking number."),
    ("fedex", "pre_transit_no_data", None),
    ("gls", "not_found", "Resource Not Found"),
    ("hermes", "not_found", "There is no information for the entered value."),
    ("postnl", "invalid_number", "Invalid barcode"),
    ("royalmail", "not_found", "Barcode reference AB246813576GB isn't recognised"),
    ("ups", "not_found_200_warning", "Tracking Information Not Found"),
    ("usps", "not_found_404", "Not Found"),
]


@pytest.mark.parametrize(("folder", "name", "words"), EXPECTED)
def test_only_what_the_carrier_said_is_its_text(folder: str, name: str, words: str | None) -> None:
    table = FixtureTable(DIRECT[folder], folder, NOW)
    errors, _ = _errors(table, table.directory / f"{name}.json")
    assert [e.carrier_text for e in errors] == [words]
    assert errors[0].message.strip()  # our note when the carrier gave no words


@pytest.mark.parametrize(("name", "status"), [("error_4004.json", 404), ("error_4005.json", 400)])
def test_an_aggregators_rejection_is_not_the_carriers_word(name: str, status: int) -> None:
    (error,) = aftership_answer(name, status).errors
    assert error.carrier_text is None
    assert "(AfterShip: " in error.message  # kept for the logs


def test_seventeen_tracks_rejections_are_not_the_carriers_words() -> None:
    requested = [seventeen.GLS, "LX000000000CN", "12", "99999999999999999999"]
    errors = seventeen.parse("batch_mixed.json", requested=requested).errors
    assert len(errors) == 4
    assert all(e.carrier_text is None and "(17TRACK: " in e.message for e in errors)


def test_a_number_the_answer_left_out_gets_our_note_not_the_neighbours_words() -> None:
    table = FixtureTable(gls, "gls", NOW)
    errors, _ = _errors(table, table.directory / "batch_with_errors.json")
    texts = sorted((e.carrier_text or "", e.message) for e in errors)
    assert texts == [
        ("", "the GLS answer did not include this number"),
        ("Resource Not Found", "Resource Not Found"),
    ]
