"""The status words users read, in German and English (UX.md). Shared by UI and notifications."""

from __future__ import annotations

from app.domain.status import Status

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
    german, english = STATUS_LABELS[status]
    return german if language.lower().startswith("de") else english
