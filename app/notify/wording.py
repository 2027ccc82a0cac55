"""Notification texts in the user's language (UX.md), and bursts collapsed into one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.domain.labels import reason_label, status_label
from app.domain.models import DeliveryEstimate
from app.domain.status import Status, SubStatus
from app.domain.when import estimate_in_sentence
from app.notify.notice import Announcement, Notice, NoticeKind

BURST_SIZE = 3  # this many changes in one go read as one "3 parcels updated"
_NOT_HANDED_OVER = (Status.PENDING, Status.INFO_RECEIVED)

# When one fetch brings several changes for a parcel, the notice tells the weightiest one
# ("In Zustellung" rather than the ETA moving to today because of it).
_WEIGHT: dict[NoticeKind, int] = {
    NoticeKind.PROBLEM: 6,
    NoticeKind.DELIVERED: 5,
    NoticeKind.OUT_FOR_DELIVERY: 4,
    NoticeKind.READY_FOR_PICKUP: 3,
    NoticeKind.SHIPPED: 2,
    NoticeKind.ETA_MOVED: 1,
    NoticeKind.STALLED: 0,
}


def _de(language: str) -> bool:
    return language.lower().startswith("de")


def parcel_of_order(order_name: str, n: int, total: int, language: str) -> str:
    """A parcel of a split order named by its order: "Otto · Sofa (Paket 2 von 3)"."""
    of = f"Paket {n} von {total}" if _de(language) else f"parcel {n} of {total}"
    return f"{order_name} ({of})"


def _when(
    estimate: DeliveryEstimate | None, now: datetime, zone: str, language: str, *, on: bool
) -> str:
    if estimate is None:
        return ""
    return estimate_in_sentence(estimate, now=now, zone=zone, language=language, on=on)


def _body(item: Announcement, now: datetime, zone: str, language: str) -> str:
    de = _de(language)
    when = _when(item.estimate, now, zone, language, on=True)
    label = status_label(item.status, language)
    kind = item.kind
    if kind is NoticeKind.SHIPPED:
        if not when:
            return "Versandt" if de else "Shipped"
        return f"Versandt – voraussichtlich {when}" if de else f"Shipped – expected {when}"
    if kind is NoticeKind.OUT_FOR_DELIVERY:
        after_dash = _when(item.estimate, now, zone, language, on=False)
        return f"{label} – {after_dash or ('heute' if de else 'today')}"
    if kind is NoticeKind.DELIVERED:
        return f"{label} – {item.detail}" if item.detail else label
    if kind is NoticeKind.READY_FOR_PICKUP:
        return f"{label} – {item.detail}" if item.detail else label
    if kind is NoticeKind.ETA_MOVED:
        # After a colon and in brackets: "Neuer Liefertermin: Fr., 14. Nov. (bisher morgen)".
        when = _when(item.estimate, now, zone, language, on=False)
        before = _when(item.previous_estimate, now, zone, language, on=False)
        if de:
            return f"Neuer Liefertermin: {when}" + (f" (bisher {before})" if before else "")
        return f"New delivery date: {when}" + (f" (was {before})" if before else "")
    if kind is NoticeKind.STALLED:
        days = item.stalled_days or 0
        if item.status in _NOT_HANDED_OVER or item.sub_status is SubStatus.NOT_HANDED_OVER:
            # Only a label exists: the wait is on the seller, not on the carrier.
            if de:
                return f"Seit {days} Tagen vom Verkäufer nicht an den Paketdienst übergeben"
            return f"Not handed to the carrier by the seller for {days} days"
        return f"Seit {days} Tagen kein neuer Scan" if de else f"No new scan for {days} days"
    reason = reason_label(item.sub_status, language)
    text = f"{label} – {reason}" if reason and reason != label else label
    if item.status is Status.FAILED_ATTEMPT and when:
        text += f" – neuer Versuch {when}" if de else f" – next attempt {when}"
    return text


def compose(
    items: Sequence[Announcement], *, now: datetime, zone: str, language: str
) -> list[Notice]:
    """One notice per parcel (its weightiest change), or one summary when a burst arrives at once.

    Every change key is carried by the notice that covers it, so the outbox can mark each
    change as announced even when it was folded into another notice.
    """
    by_parcel: dict[str, list[Announcement]] = {}
    for item in items:
        by_parcel.setdefault(item.parcel_id, []).append(item)
    if len(by_parcel) >= BURST_SIZE:
        names = [group[-1].parcel_name for group in by_parcel.values()]
        more = "…" if len(names) > BURST_SIZE else ""
        de = _de(language)
        title = f"{len(names)} Sendungen aktualisiert" if de else f"{len(names)} parcels updated"
        return [
            Notice(
                title=title,
                body=", ".join(names[:BURST_SIZE]) + more,
                route="/",
                change_keys=tuple(i.change_key for i in items),
                urgent=any(i.kind is NoticeKind.PROBLEM for i in items),
            )
        ]
    notices = []
    for parcel_id, group in by_parcel.items():
        # Weightiest first; among equals the latest (max keeps the first of equals).
        latest = max(reversed(group), key=lambda item: _WEIGHT[item.kind])
        notices.append(
            Notice(
                title=latest.parcel_name,
                body=_body(latest, now, zone, language),
                route=f"/parcels/{parcel_id}",
                change_keys=tuple(i.change_key for i in group),
                urgent=any(i.kind is NoticeKind.PROBLEM for i in group),
            )
        )
    return notices
