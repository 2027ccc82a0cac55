"""The normalised status vocabulary shared by every carrier, the store and the UI."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A parcel's or event's normalised status. The stored values are exactly these strings."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class SubStatus(StrEnum):
    """The reason or detail on top of a status. Carriers' own codes are kept beside it."""

    DELAYED = "delayed"
    CUSTOMS = "customs"
    ADDRESS_PROBLEM = "address_problem"
    DAMAGED = "damaged"
    LOST = "lost"
    REFUSED = "refused"
    RECIPIENT_ABSENT = "recipient_absent"
    HELD = "held"
    CANCELLED = "cancelled"
    PICKED_UP = "picked_up"
    PICKUP_POINT = "pickup_point"
    NEIGHBOUR = "neighbour"
    SAFE_PLACE = "safe_place"
    SIGNED = "signed"
    PAYMENT_DUE = "payment_due"
    NOT_HANDED_OVER = "not_handed_over"
    OTHER = "other"


# Nothing more is expected from the carrier once a parcel is in one of these states.
TERMINAL: frozenset[Status] = frozenset({Status.DELIVERED, Status.RETURNED, Status.EXPIRED})
# The rest: a carrier may still have news.
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL

# States the user must hear about loudly.
PROBLEMS: frozenset[Status] = frozenset(
    {Status.FAILED_ATTEMPT, Status.EXCEPTION, Status.RETURNING, Status.RETURNED}
)
PROBLEM_SUB_STATUSES: frozenset[SubStatus] = frozenset(
    {
        SubStatus.DELAYED,
        SubStatus.ADDRESS_PROBLEM,
        SubStatus.DAMAGED,
        SubStatus.LOST,
        SubStatus.REFUSED,
        SubStatus.PAYMENT_DUE,
    }
)

# Lifecycle rank breaks ties between events with the same timestamp: the later stage wins.
# Problems rank above the routine step they interrupt; a return outranks a delivery because a
# parcel can go from delivered back to returning, never the other way within one instant.
LIFECYCLE_RANK: dict[Status, int] = {
    Status.UNKNOWN: 0,
    Status.PENDING: 1,
    Status.INFO_RECEIVED: 2,
    Status.IN_TRANSIT: 3,
    Status.EXCEPTION: 4,
    Status.OUT_FOR_DELIVERY: 5,
    Status.FAILED_ATTEMPT: 6,
    Status.AVAILABLE_FOR_PICKUP: 7,
    Status.DELIVERED: 8,
    Status.RETURNING: 9,
    Status.RETURNED: 10,
    Status.EXPIRED: 11,
}


def parse_status(value: str | None) -> Status:
    """Map a stored or foreign value onto the vocabulary; anything unrecognised is UNKNOWN."""
    if not value:
        return Status.UNKNOWN
    try:
        return Status(value.strip().lower())
    except ValueError:
        return Status.UNKNOWN


def parse_sub_status(value: str | None) -> SubStatus | None:
    if not value:
        return None
    try:
        return SubStatus(value.strip().lower())
    except ValueError:
        return SubStatus.OTHER


def is_problem(status: Status, sub_status: SubStatus | None = None) -> bool:
    return status in PROBLEMS or (sub_status is not None and sub_status in PROBLEM_SUB_STATUSES)
