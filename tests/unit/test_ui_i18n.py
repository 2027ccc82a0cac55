"""UI strings: both languages complete, status words as UX.md has them, locale picking."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.status import Status
from app.ui.i18n import (
    LANGUAGES,
    accept_language_tags,
    keys,
    pick_language,
    status_word,
    t,
)


def test_every_status_has_its_word_in_both_languages() -> None:
    expected = {
        Status.PENDING: ("Wartet auf Daten", "Waiting for data"),
        Status.INFO_RECEIVED: ("Angekündigt", "Label created"),
        Status.IN_TRANSIT: ("Unterwegs", "In transit"),
        Status.OUT_FOR_DELIVERY: ("In Zustellung", "Out for delivery"),
        Status.AVAILABLE_FOR_PICKUP: ("Abholbereit", "Ready for pickup"),
        Status.DELIVERED: ("Zugestellt", "Delivered"),
        Status.FAILED_ATTEMPT: ("Zustellversuch fehlgeschlagen", "Delivery attempt failed"),
        Status.EXCEPTION: ("Problem", "Problem"),
        Status.RETURNING: ("Rücksendung unterwegs", "Returning to sender"),
        Status.RETURNED: ("Zurück beim Absender", "Returned to sender"),
        Status.EXPIRED: ("Keine Updates mehr", "No further updates"),
        Status.UNKNOWN: ("Unbekannt", "Unknown"),
    }
    assert set(expected) == set(Status)
    for status, (de, en) in expected.items():
        assert status_word("de", status) == de
        assert status_word("en", status) == en


@pytest.mark.parametrize("key", sorted(keys()))
def test_every_key_is_translated_with_the_same_placeholders(key: str) -> None:
    de, en = (t(lang, key) for lang in LANGUAGES)
    assert de.strip()
    assert en.strip()
    assert set(re.findall(r"{(\w+)}", de)) == set(re.findall(r"{(\w+)}", en))


def test_placeholders_are_filled() -> None:
    assert t("de", "order.parcel_of", n=1, total=2) == "Paket 1 von 2"
    assert t("en", "empty.search", query="ikea") == "No matches for “ikea”."


def test_a_missing_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        t("de", "no.such.key")


@pytest.mark.parametrize(
    ("tags", "lang"),
    [
        (["de-DE"], "de"),
        (["de_AT", "en-US"], "de"),
        (["en-GB"], "en"),
        (["fr-FR", "de-CH"], "de"),
        (["fr-FR"], "en"),
        ([None, "", "DE"], "de"),
        ([], "en"),
    ],
)
def test_pick_language_takes_the_first_supported_tag(tags: list[str | None], lang: str) -> None:
    assert pick_language(tags) == lang


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("de-DE", ["de-DE"]),
        ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", ["de-DE", "de", "en-US", "en"]),
        ("en;q=0.5, fr-CH, de;q=0.9", ["fr-CH", "de", "en"]),  # by weight, not by position
        ("en;q=0.8,de;q=0.8", ["en", "de"]),  # equal weights keep their order
        ("*, de;q=0", []),  # a wildcard names no language; q=0 means "not this one"
        ("de;q=abc, en;q=1.5, fr;q=nan, nl;Q=0.3", ["nl"]),
        ("<script>, de-DE", ["de-DE"]),
        ("", []),
    ],
)
def test_accept_language_gives_the_browsers_languages_best_first(
    header: str, tags: list[str]
) -> None:
    assert accept_language_tags(header) == tags


@given(st.text(max_size=300))
def test_any_accept_language_header_gives_tags_it_holds(header: str) -> None:
    tags = accept_language_tags(header)
    assert all(tag in header and tag.replace("-", "").replace("_", "").isalnum() for tag in tags)
    pick_language(tags)  # whatever they are, a language comes out
