"""Hermes Germany 4-digit ("2x2") event codes mapped onto the status vocabulary.

Read from Hermes' event-code list (the vendor CSV karrio keeps). "Rücklauf" codes (40xx) mean
"back at the depot" after a failed attempt, not a return to the sender; 60xx send the parcel
back to the sender and 7500 means it arrived there. Codes not listed are UNKNOWN.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["CODES", "lookup"]

S = Status
Sub = SubStatus
_Entry = tuple[Status, SubStatus | None]


def _span(first: int, last: int, entry: _Entry) -> dict[str, _Entry]:
    return {f"{code:04d}": entry for code in range(first, last + 1)}


CODES: dict[str, _Entry] = {
    "0000": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),  # notified electronically
    **_span(600, 900, (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER)),  # notified, not yet at the depot
    "1000": (S.IN_TRANSIT, Sub.PICKED_UP),  # left the sender's warehouse
    "1510": (S.IN_TRANSIT, None),
    "1520": (S.RETURNING, None),  # a return sorted on its way back
    "1610": (S.IN_TRANSIT, None),
    "1710": (S.IN_TRANSIT, Sub.CUSTOMS),
    "1720": (S.IN_TRANSIT, Sub.CUSTOMS),
    "1730": (S.EXCEPTION, Sub.CUSTOMS),  # held by customs
    "1751": (S.EXCEPTION, Sub.CUSTOMS),  # rejected by customs
    "1810": (S.IN_TRANSIT, None),
    "1820": (S.IN_TRANSIT, None),
    "1900": (S.IN_TRANSIT, Sub.PICKED_UP),
    "1901": (S.IN_TRANSIT, Sub.PICKED_UP),
    "1910": (S.IN_TRANSIT, Sub.PICKED_UP),
    "2000": (S.IN_TRANSIT, None),
    "2100": (S.IN_TRANSIT, None),
    "2300": (S.IN_TRANSIT, None),
    "2400": (S.IN_TRANSIT, Sub.PICKED_UP),  # the sender handed it in at a ParcelShop
    "3000": (S.OUT_FOR_DELIVERY, None),
    "3010": (S.OUT_FOR_DELIVERY, None),
    "3300": (S.OUT_FOR_DELIVERY, None),
    "3410": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "3430": (S.IN_TRANSIT, None),  # handed to the island carrier
    "3500": (S.DELIVERED, None),
    "3510": (S.DELIVERED, None),
    "3511": (S.DELIVERED, Sub.SAFE_PLACE),  # letterbox
    "3520": (S.DELIVERED, None),
    "3530": (S.DELIVERED, Sub.PICKUP_POINT),  # collected at the ParcelShop
    "3710": (S.FAILED_ATTEMPT, Sub.REFUSED),
    "3715": (S.FAILED_ATTEMPT, Sub.PAYMENT_DUE),  # no cash for cash on delivery
    "3720": (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    **_span(3731, 3734, (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT)),
    "3740": (S.EXCEPTION, Sub.DAMAGED),
    "3750": (S.EXCEPTION, Sub.DELAYED),  # route cancelled
    **_span(3751, 3754, (S.FAILED_ATTEMPT, Sub.OTHER)),  # missing or wrong TAN
    "3760": (S.IN_TRANSIT, Sub.PICKED_UP),  # a return collected from the customer
    "3761": (S.IN_TRANSIT, Sub.PICKED_UP),
    "3780": (S.EXCEPTION, Sub.DELAYED),  # misrouted
    **_span(3782, 3787, (S.FAILED_ATTEMPT, Sub.OTHER)),  # identity check failed
    "3795": (S.EXCEPTION, Sub.CANCELLED),  # delivery stopped
    "4010": (S.RETURNING, Sub.REFUSED),
    "4015": (S.FAILED_ATTEMPT, Sub.PAYMENT_DUE),
    "4020": (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    "4024": (S.EXCEPTION, Sub.OTHER),  # too large for the ParcelShop
    "4025": (S.IN_TRANSIT, None),
    **_span(4031, 4033, (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT)),
    "4034": (S.RETURNING, Sub.RECIPIENT_ABSENT),  # 4th attempt failed: back to the sender
    "4035": (S.RETURNING, None),  # not collected from the ParcelShop
    "4040": (S.EXCEPTION, Sub.DAMAGED),
    "4050": (S.EXCEPTION, Sub.DELAYED),
    **_span(4051, 4053, (S.FAILED_ATTEMPT, Sub.OTHER)),
    "4054": (S.RETURNING, None),
    **_span(4060, 4062, (S.IN_TRANSIT, Sub.PICKED_UP)),  # a return received
    "4070": (S.IN_TRANSIT, None),  # a correction
    "4072": (S.IN_TRANSIT, None),
    "4080": (S.EXCEPTION, Sub.DELAYED),
    **_span(4081, 4087, (S.FAILED_ATTEMPT, Sub.OTHER)),
    "4095": (S.EXCEPTION, Sub.CANCELLED),
    "4100": (S.IN_TRANSIT, Sub.HELD),
    "4500": (S.IN_TRANSIT, None),
    "4610": (S.IN_TRANSIT, Sub.DELAYED),
    "4620": (S.IN_TRANSIT, Sub.DELAYED),
    "4630": (S.EXCEPTION, Sub.LOST),  # whereabouts unclear
    "4690": (S.IN_TRANSIT, None),
    "6080": (S.RETURNING, None),
    "6081": (S.RETURNING, Sub.REFUSED),
    "6082": (S.RETURNING, Sub.ADDRESS_PROBLEM),
    "6083": (S.RETURNING, Sub.ADDRESS_PROBLEM),
    "6084": (S.RETURNING, Sub.RECIPIENT_ABSENT),
    "6085": (S.RETURNING, Sub.DAMAGED),
    "6086": (S.EXCEPTION, Sub.DELAYED),  # misrouted, redirected
    "6087": (S.EXCEPTION, Sub.DELAYED),
    "6088": (S.IN_TRANSIT, None),  # redirected at the recipient's request
    "6089": (S.RETURNING, None),
    "6090": (S.IN_TRANSIT, None),
    "6092": (S.RETURNING, None),
    "6093": (S.RETURNING, None),
    "6094": (S.RETURNING, Sub.PAYMENT_DUE),
    "6096": (S.RETURNING, None),
    "6098": (S.RETURNING, None),
    "6099": (S.RETURNING, Sub.CANCELLED),
    "7500": (S.RETURNED, None),
    "9040": (S.IN_TRANSIT, None),
    "9041": (S.IN_TRANSIT, None),
    # 93xx are the recipient's delivery wishes: information, not movement.
    **_span(9311, 9328, (S.INFO_RECEIVED, None)),
    "9340": (S.EXCEPTION, Sub.CANCELLED),
    "9341": (S.EXCEPTION, Sub.CANCELLED),
    **_span(9381, 9399, (S.INFO_RECEIVED, None)),
}


def lookup(code: str | None) -> tuple[Status, SubStatus | None]:
    return CODES.get(code or "", (S.UNKNOWN, None))
