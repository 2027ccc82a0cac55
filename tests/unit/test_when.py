"""Days and times in words (app.domain.when): at the start of a line and inside a sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.models import DeliveryEstimate
from app.domain.when import (
    date_in_words,
    day_in_sentence,
    day_in_words,
    estimate_in_sentence,
    estimate_in_words,
    relative_age,
)

FRIDAY = date(2026, 11, 13)


@pytest.mark.parametrize(
    ("offset", "de", "en"),
    [
        (-1, "Gestern", "Yesterday"),
        (0, "Heute", "Today"),
        (1, "Morgen", "Tomorrow"),
        (2, "So., 15. Nov.", "Sun 15 Nov"),
        (-6, "Sa., 7. Nov.", "Sat 7 Nov"),
    ],
)
def test_a_day_at_the_start_of_a_line(offset: int, de: str, en: str) -> None:
    day = FRIDAY + timedelta(days=offset)
    assert day_in_words(day, FRIDAY, "de") == de
    assert day_in_words(day, FRIDAY, "en-GB") == en


@pytest.mark.parametrize(
    ("offset", "de", "en"),
    [
        (-1, "gestern", "yesterday"),
        (0, "heute", "today"),
        (1, "morgen", "tomorrow"),
        (-6, "am Sa., 7. Nov.", "on Sat 7 Nov"),
        (40, "am Mi., 23. Dez.", "on Wed 23 Dec"),
    ],
)
def test_a_day_inside_a_sentence(offset: int, de: str, en: str) -> None:
    """ "Bestellt gestern", "Bestellt am Sa., 7. Nov.": never a capital mid-sentence."""
    day = FRIDAY + timedelta(days=offset)
    assert day_in_sentence(day, FRIDAY, "de-DE") == de
    assert day_in_sentence(day, FRIDAY, "en") == en


def test_a_date_is_never_relative() -> None:
    assert date_in_words(FRIDAY, "de") == "Fr., 13. Nov."
    assert date_in_words(FRIDAY, "en") == "Fri 13 Nov"
    assert date_in_words(date(2027, 3, 1), "de") == "Mo., 1. März"


def test_an_estimate_in_words() -> None:
    now = datetime(2026, 11, 13, 8, 30, tzinfo=UTC)  # 9:30 in Berlin
    window = DeliveryEstimate(
        day=FRIDAY,
        window_start=datetime(2026, 11, 13, 9, 0, tzinfo=UTC),
        window_end=datetime(2026, 11, 13, 11, 30, tzinfo=UTC),
    )
    assert estimate_in_words(window, now=now, zone="Europe/Berlin", language="de") == (
        "Heute, 10–12:30 Uhr"
    )
    assert estimate_in_words(window, now=now, zone="Europe/Berlin", language="en") == (
        "Today, 10–12:30"
    )
    span = DeliveryEstimate(day=FRIDAY + timedelta(days=3), latest_day=FRIDAY + timedelta(days=5))
    assert estimate_in_words(span, now=now, zone="Europe/Berlin", language="de") == (
        "Mo., 16. Nov. – Mi., 18. Nov."
    )


def test_an_estimate_inside_a_sentence() -> None:
    now = datetime(2026, 11, 13, 8, 30, tzinfo=UTC)
    tomorrow = DeliveryEstimate(day=FRIDAY + timedelta(days=1))
    monday = DeliveryEstimate(
        day=FRIDAY + timedelta(days=3),
        window_start=datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        window_end=datetime(2026, 11, 16, 11, 0, tzinfo=UTC),
    )
    span = DeliveryEstimate(day=FRIDAY + timedelta(days=3), latest_day=FRIDAY + timedelta(days=5))

    def said(estimate: DeliveryEstimate, language: str, *, on: bool = True) -> str:
        return estimate_in_sentence(
            estimate, now=now, zone="Europe/Berlin", language=language, on=on
        )

    assert said(tomorrow, "de") == "morgen"
    assert said(tomorrow, "en") == "tomorrow"
    assert said(monday, "de") == "am Mo., 16. Nov., 10–12 Uhr"
    assert said(monday, "en") == "on Mon 16 Nov, 10–12"
    assert said(monday, "de", on=False) == "Mo., 16. Nov., 10–12 Uhr"
    assert said(span, "de") == "Mo., 16. Nov. – Mi., 18. Nov."


def test_an_age_in_words() -> None:
    now = datetime(2026, 11, 13, 8, 30, tzinfo=UTC)
    assert relative_age(now - timedelta(seconds=20), now=now, language="de") == "gerade eben"
    assert relative_age(now - timedelta(minutes=3), now=now, language="de") == "vor 3 Min."
    assert relative_age(now - timedelta(hours=5), now=now, language="en") == "5 h ago"
    assert relative_age(now - timedelta(days=1), now=now, language="de") == "vor 1 Tag"
    assert relative_age(now - timedelta(days=2), now=now, language="en") == "2 days ago"
