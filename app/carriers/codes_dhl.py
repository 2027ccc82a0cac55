"""DHL Unified Tracking status mapping.

DHL's `statusCode` has only five values, so out-for-delivery, pickup-point, failed-attempt,
address, delay, return and customs steps exist only in the texts (`status`, `statusDetailed`,
`description`). Those are refined here by a few German and English phrases (we request `de` or
`en`; parcel-de falls back to German). A text that matches nothing keeps the statusCode mapping.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["STATUS_CODES", "refine"]

STATUS_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "pre-transit": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),
    "transit": (Status.IN_TRANSIT, None),
    "delivered": (Status.DELIVERED, None),
    "failure": (Status.EXCEPTION, None),
    "unknown": (Status.UNKNOWN, None),
}

# First match wins; checked only for codes that leave room (transit, failure, unknown).
_PHRASES: tuple[tuple[tuple[str, ...], Status, SubStatus | None], ...] = (
    (
        (
            "an den absender zurück",
            "zurück an den absender",
            "rücksendung an den absender",
            "return to sender",
            "returned to sender",
            "returning to sender",
            "being returned",
        ),
        Status.RETURNING,
        None,
    ),
    (
        (
            "adresse unvollständig",
            "adresse fehlerhaft",
            "falsche adresse",
            "incorrect address",
            "address incomplete",
            "address issue",
        ),
        Status.EXCEPTION,
        SubStatus.ADDRESS_PROBLEM,
    ),
    (
        ("nicht angetroffen", "not at home", "recipient not available"),
        Status.FAILED_ATTEMPT,
        SubStatus.RECIPIENT_ABSENT,
    ),
    (
        (
            "nicht zugestellt",
            "zustellversuch",
            "could not be delivered",
            "delivery attempt",
            "delivery failed",
        ),
        Status.FAILED_ATTEMPT,
        None,
    ),
    (
        (
            "zur abholung",
            "abholbereit",
            "ready for pickup",
            "ready for collection",
            "available for pickup",
        ),
        Status.AVAILABLE_FOR_PICKUP,
        SubStatus.PICKUP_POINT,
    ),
    (
        ("zustellfahrzeug", "in zustellung", "out for delivery", "with delivery courier"),
        Status.OUT_FOR_DELIVERY,
        None,
    ),
    (("zoll", "customs", "clearance"), Status.IN_TRANSIT, SubStatus.CUSTOMS),
    (("verzögert", "verspätet", "delayed"), Status.IN_TRANSIT, SubStatus.DELAYED),
)


def refine(status: Status, sub: SubStatus | None, texts: str) -> tuple[Status, SubStatus | None]:
    """A finer state from the localized texts, for the coarse codes only."""
    if status not in (Status.IN_TRANSIT, Status.EXCEPTION, Status.UNKNOWN):
        return status, sub
    lowered = texts.lower().replace("-", " ").replace("_", " ")  # "out-for-delivery" too
    for phrases, refined, refined_sub in _PHRASES:
        if any(phrase in lowered for phrase in phrases):
            if refined is Status.IN_TRANSIT and status is Status.EXCEPTION:
                return status, refined_sub  # a customs problem stays a problem
            return refined, refined_sub
    return status, sub
