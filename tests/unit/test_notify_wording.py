"""Notification texts: one notice per parcel with its weightiest change, bursts collapsed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.models import DeliveryEstimate
from app.domain.status import Status, SubStatus
from app.notify.notice import Announcement, NoticeKind
from app.notify.wording import compose

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
TODAY = DeliveryEstimate(
    day=date(2026, 11, 24),
    window_start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    window_end=datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
)


def _item(kind: NoticeKind, status: Status, parcel: str = "p1", **extra: object) -> Announcement:
    return Announcement(
        change_key=f"{parcel}:{kind.value}",
        parcel_id=parcel,
        parcel_name=f"Paket {parcel}",
        kind=kind,
        status=status,
        **extra,  # type: ignore[arg-type]
    )


def test_out_for_delivery_outweighs_the_eta_moving_with_it() -> None:
    items = [
        _item(NoticeKind.OUT_FOR_DELIVERY, Status.OUT_FOR_DELIVERY, estimate=TODAY),
        _item(
            NoticeKind.ETA_MOVED,
            Status.OUT_FOR_DELIVERY,
            estimate=TODAY,
            previous_estimate=DeliveryEstimate(day=TODAY.day + timedelta(days=1)),
        ),
    ]
    (notice,) = compose(items, now=NOW, zone="Europe/Berlin", language="de")
    assert notice.body == "In Zustellung – heute, 10–12 Uhr"
    assert notice.route == "/parcels/p1"
    assert set(notice.change_keys) == {"p1:out_for_delivery", "p1:eta_moved"}


def test_a_failed_attempt_reads_with_its_reason_and_the_next_try() -> None:
    tomorrow = DeliveryEstimate(day=date(2026, 11, 25))
    item = _item(
        NoticeKind.PROBLEM,
        Status.FAILED_ATTEMPT,
        sub_status=SubStatus.RECIPIENT_ABSENT,
        estimate=tomorrow,
    )
    (notice,) = compose([item], now=NOW, zone="Europe/Berlin", language="de")
    assert notice.body == (
        "Zustellversuch fehlgeschlagen – Empfänger nicht angetroffen – neuer Versuch morgen"
    )
    assert notice.urgent


def test_a_problem_reads_with_the_same_reason_words_as_the_app() -> None:
    item = _item(NoticeKind.PROBLEM, Status.IN_TRANSIT, sub_status=SubStatus.DELAYED)
    (german,) = compose([item], now=NOW, zone="Europe/Berlin", language="de")
    (english,) = compose([item], now=NOW, zone="Europe/Berlin", language="en")
    assert german.body == "Unterwegs – Verspätung"
    assert english.body == "In transit – Delayed"


def test_three_parcels_at_once_read_as_one_burst_that_opens_my_orders() -> None:
    items = [_item(NoticeKind.DELIVERED, Status.DELIVERED, parcel=f"p{i}") for i in range(3)]
    (notice,) = compose(items, now=NOW, zone="Europe/Berlin", language="en")
    assert notice.title == "3 parcels updated"
    assert notice.route == "/"
    assert len(notice.change_keys) == 3


def test_silence_in_transit_reads_as_no_new_scan() -> None:
    item = _item(NoticeKind.STALLED, Status.IN_TRANSIT, stalled_days=6)
    (de,) = compose([item], now=NOW, zone="Europe/Berlin", language="de")
    (en,) = compose([item], now=NOW, zone="Europe/Berlin", language="en")
    assert de.body == "Seit 6 Tagen kein neuer Scan"
    assert en.body == "No new scan for 6 days"


def test_a_label_without_a_scan_puts_the_wait_on_the_seller() -> None:
    item = _item(
        NoticeKind.STALLED,
        Status.INFO_RECEIVED,
        sub_status=SubStatus.NOT_HANDED_OVER,
        stalled_days=3,
    )
    (de,) = compose([item], now=NOW, zone="Europe/Berlin", language="de")
    (en,) = compose([item], now=NOW, zone="Europe/Berlin", language="en")
    assert de.body == "Seit 3 Tagen vom Verkäufer nicht an den Paketdienst übergeben"
    assert en.body == "Not handed to the carrier by the seller for 3 days"


def test_a_date_reads_with_its_preposition_inside_a_sentence_and_without_after_a_colon() -> None:
    monday = DeliveryEstimate(day=date(2026, 11, 30))  # NOW is Tuesday 24 Nov
    shipped = _item(NoticeKind.SHIPPED, Status.IN_TRANSIT, estimate=monday)
    failed = _item(NoticeKind.PROBLEM, Status.FAILED_ATTEMPT, parcel="p2", estimate=monday)
    moved = _item(
        NoticeKind.ETA_MOVED,
        Status.IN_TRANSIT,
        parcel="p3",
        estimate=monday,
        previous_estimate=DeliveryEstimate(day=date(2026, 11, 25)),
    )
    items = (shipped, failed, moved)
    de = [compose([i], now=NOW, zone="Europe/Berlin", language="de")[0].body for i in items]
    en = [compose([i], now=NOW, zone="Europe/Berlin", language="en")[0].body for i in items]
    assert de == [
        "Versandt – voraussichtlich am Mo., 30. Nov.",
        "Zustellversuch fehlgeschlagen – neuer Versuch am Mo., 30. Nov.",
        "Neuer Liefertermin: Mo., 30. Nov. (bisher morgen)",
    ]
    assert en == [
        "Shipped – expected on Mon 30 Nov",
        "Delivery attempt failed – next attempt on Mon 30 Nov",
        "New delivery date: Mon 30 Nov (was tomorrow)",
    ]
