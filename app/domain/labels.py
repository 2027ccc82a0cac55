"""The status words users read, in German and English (UX.md). Shared by UI and notifications."""

from __future__ import annotations

from app.domain.status import Status, SubStatus

# status -> (Deutsch, English)
STATUS_LABELS: dict[Status, tuple[str, str]] = {
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


def status_label(status: Status, language: str) -> str:
    return _in(language, STATUS_LABELS[status])


# The reasons a carrier gives on top of a status, as a word beside it ("Unterwegs · Verspätung").
# Sub-statuses that only say how a delivery went (neighbour, safe place, signed) are not here.
REASON_LABELS: dict[SubStatus, tuple[str, str]] = {
    SubStatus.DELAYED: ("Verspätung", "Delayed"),
    SubStatus.CUSTOMS: ("Beim Zoll", "Held in customs"),
    SubStatus.ADDRESS_PROBLEM: ("Adressproblem", "Address problem"),
    SubStatus.DAMAGED: ("Beschädigt", "Damaged"),
    SubStatus.LOST: ("Verloren gegangen", "Lost"),
    SubStatus.REFUSED: ("Annahme verweigert", "Refused"),
    SubStatus.RECIPIENT_ABSENT: ("Empfänger nicht angetroffen", "Recipient not at home"),
    SubStatus.PAYMENT_DUE: ("Zahlung offen", "Payment due"),
}


def reason_label(sub_status: SubStatus | None, language: str) -> str | None:
    """The word for the carrier's reason, or None when the sub-status names none."""
    pair = REASON_LABELS.get(sub_status) if sub_status is not None else None
    return _in(language, pair) if pair is not None else None


def _in(language: str, pair: tuple[str, str]) -> str:
    """The German word for "de", "de-AT", …; the English one otherwise."""
    german, english = pair
    return german if language.lower().startswith("de") else english
