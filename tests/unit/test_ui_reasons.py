"""The carrier's reason beside the status: on the list row, in the parcel header and on the
timeline entry ("Unterwegs · Verspätung"), so a delay or an address problem is not told by
colour alone (UX.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flet as ft
import pytest

from app.domain.labels import REASON_LABELS, reason_label
from app.domain.models import Parcel
from app.domain.status import PROBLEM_SUB_STATUSES, Status, SubStatus
from app.domain.timeline import build_timeline
from app.ui.i18n import Lang
from app.ui.read_model import Clock, make_row
from app.ui.theme import REASON_ICONS
from app.ui.views.timeline import EntryView
from app.ui.views.widgets import parcel_row_content, status_note
from tests.unit.test_ui_seed import event
from tests.unit.test_ui_views import recording_context, texts, walk

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def clock(lang: Lang = "de") -> Clock:
    return Clock(now=NOW, zone="Europe/Berlin", lang=lang)


def parcel(
    status: Status, sub: SubStatus | None, *, silent_for: timedelta = timedelta(hours=2)
) -> Parcel:
    return Parcel(
        id="p1",
        tracking_number="00340434161234567890",
        carrier="dhl",
        status=status,
        sub_status=sub,
        last_event_at=NOW - silent_for,
        created_at=NOW - timedelta(days=2),
    )


def icons(control: ft.BaseControl) -> list[tuple[object, object]]:
    return [(n.icon, n.color) for n in walk(control) if isinstance(n, ft.Icon)]


def test_every_reason_has_words_in_both_languages_and_an_icon() -> None:
    assert set(REASON_ICONS) == set(REASON_LABELS)
    assert set(REASON_LABELS) >= PROBLEM_SUB_STATUSES
    for sub in REASON_LABELS:
        german, english = reason_label(sub, "de"), reason_label(sub, "en-GB")
        assert german, sub
        assert english, sub
        assert german != english, sub
    assert reason_label(SubStatus.NEIGHBOUR, "de") is None  # how it went, not a reason
    assert reason_label(None, "de") is None


@pytest.mark.parametrize(
    ("lang", "words"), [("de", ["Unterwegs", "Verspätung"]), ("en", ["In transit", "Delayed"])]
)
def test_a_delayed_parcel_says_so_beside_its_chip(lang: Lang, words: list[str]) -> None:
    ctx, _, _ = recording_context(lang)
    row = make_row(parcel(Status.IN_TRANSIT, SubStatus.DELAYED), clock(lang))

    shown = texts(parcel_row_content(ctx, row))

    assert shown[1:3] == words  # the answer first, then the chip's word and the reason
    assert (ft.Icons.SCHEDULE, ft.Colors.ERROR) in icons(parcel_row_content(ctx, row))


def test_a_calm_reason_reads_calm_and_a_loud_one_loud() -> None:
    ctx, _, _ = recording_context("de")
    customs = make_row(parcel(Status.IN_TRANSIT, SubStatus.CUSTOMS), clock())
    address = make_row(parcel(Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM), clock())

    assert status_note(ctx, customs) == (
        ft.Icons.GAVEL,
        "Beim Zoll",
        ft.Colors.ON_SURFACE_VARIANT,
    )
    assert status_note(ctx, address) == (
        ft.Icons.WRONG_LOCATION_OUTLINED,
        "Adressproblem",
        ft.Colors.ERROR,
    )


def test_no_note_without_a_reason_and_none_once_the_parcel_has_arrived() -> None:
    ctx, _, _ = recording_context("de")
    routine = make_row(parcel(Status.IN_TRANSIT, None), clock())
    # Delivered late: the delay no longer matters; how it was delivered is no reason.
    delivered = make_row(parcel(Status.DELIVERED, SubStatus.DELAYED), clock())
    neighbour = make_row(parcel(Status.DELIVERED, SubStatus.NEIGHBOUR), clock())

    for row in (routine, delivered, neighbour):
        assert status_note(ctx, row) is None
        assert texts(parcel_row_content(ctx, row))[2:3] != ["Verspätung"]


def test_no_scan_for_days_is_said_before_the_reason() -> None:
    ctx, _, _ = recording_context("de")
    stalled = make_row(
        parcel(Status.IN_TRANSIT, SubStatus.DELAYED, silent_for=timedelta(days=9)), clock()
    )

    assert stalled.stalled
    note = status_note(ctx, stalled)
    assert note is not None
    assert note[1] == "Seit Längerem kein neuer Scan"


def test_a_timeline_entry_names_its_reason() -> None:
    ctx, _, _ = recording_context("de")
    entries = build_timeline(
        [
            event(
                NOW - timedelta(hours=1),
                Status.EXCEPTION,
                "Anschrift unvollständig",
                sub=SubStatus.ADDRESS_PROBLEM,
            ),
            event(
                NOW - timedelta(hours=5),
                Status.IN_TRANSIT,
                "Verzollung läuft",
                sub=SubStatus.CUSTOMS,
            ),
        ]
    )
    loud, calm = EntryView(ctx, lambda _entry: None), EntryView(ctx, lambda _entry: None)

    loud.show(entries[0], clock(), first=True, last=False)
    calm.show(entries[1], clock(), first=False, last=True)

    assert texts(loud.control)[1:4] == ["Problem", "Adressproblem", "Anschrift unvollständig"]
    assert loud.badge_icon.icon == ft.Icons.WRONG_LOCATION_OUTLINED
    # A calm entry has no badge: its reason follows the status under the time.
    assert calm.status.text == "\nUnterwegs · Beim Zoll"
