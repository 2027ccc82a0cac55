"""USPS scan event codes (Pub 199, Appendix G-4) and status categories onto the vocabulary.

Only codes whose meaning is known are listed; any other code is UNKNOWN for the event, and the
parcel's headline still comes from `statusCategory`.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["USPS_CATEGORIES", "USPS_EVENT_CODES"]

_ABSENT = (Status.FAILED_ATTEMPT, SubStatus.RECIPIENT_ABSENT)
_ATTEMPT = (Status.FAILED_ATTEMPT, None)
_ADDRESS = (Status.EXCEPTION, SubStatus.ADDRESS_PROBLEM)
_TRANSIT = (Status.IN_TRANSIT, None)

USPS_EVENT_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "GX": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # shipping label created
    "MA": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # manifest acknowledged
    "03": (Status.IN_TRANSIT, SubStatus.PICKED_UP),  # accepted or picked up
    "06": _TRANSIT,  # forwarded
    "07": _TRANSIT,  # arrival at unit
    "10": _TRANSIT,  # processed at / arrived at facility
    "15": _TRANSIT,  # mis-shipped, re-routed
    "A1": _TRANSIT,
    "L1": _TRANSIT,
    "T1": _TRANSIT,
    "PC": _TRANSIT,  # sorting complete
    "SF": _TRANSIT,  # departed post office
    "08": (Status.IN_TRANSIT, SubStatus.DELAYED),  # missent
    "OF": (Status.OUT_FOR_DELIVERY, None),
    "01": (Status.DELIVERED, None),
    "17": (Status.DELIVERED, SubStatus.PICKED_UP),  # picked up by agent
    "43": (Status.DELIVERED, SubStatus.PICKED_UP),  # picked up at the post office
    "14": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),  # arrival at pickup point
    "16": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),  # available for pickup
    "02": _ABSENT,  # notice left, no authorized recipient
    "51": _ATTEMPT,  # business closed
    "52": _ATTEMPT,  # receptacle full
    "53": _ATTEMPT,  # receptacle blocked
    "54": _ATTEMPT,  # no access to delivery location
    "55": _ATTEMPT,  # no secure location
    "56": _ATTEMPT,  # animal interference
    "04": (Status.EXCEPTION, SubStatus.REFUSED),
    "05": _ADDRESS,  # undeliverable as addressed
    "21": _ADDRESS,  # no such number
    "22": _ADDRESS,  # insufficient address
    "23": _ADDRESS,  # moved, left no address
    "25": _ADDRESS,  # addressee unknown
    "26": _ADDRESS,  # vacant
    "11": (Status.EXCEPTION, SubStatus.LOST),  # dead letter
    "24": (Status.EXCEPTION, None),  # forward expired
    "28": (Status.EXCEPTION, None),  # deceased
    "09": (Status.RETURNING, None),  # return to sender
    "27": (Status.RETURNING, None),  # unclaimed
    "29": (Status.RETURNING, None),  # return to sender, not picked up
    "44": (Status.RETURNING, None),  # customer recall
}

# `statusCategory`, lower-cased: the parcel's headline.
USPS_CATEGORIES: dict[str, tuple[Status, SubStatus | None]] = {
    "pre-shipment": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),
    "accepted": (Status.IN_TRANSIT, SubStatus.PICKED_UP),
    "in transit": _TRANSIT,
    "out for delivery": (Status.OUT_FOR_DELIVERY, None),
    "delivered": (Status.DELIVERED, None),
    "available for pickup": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),
    "delivery attempt": _ATTEMPT,
    "alert": (Status.EXCEPTION, None),
    "return to sender": (Status.RETURNING, None),
}
