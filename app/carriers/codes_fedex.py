"""FedEx scan codes onto the status vocabulary.

One table serves `eventType` (specific: customs, holds, delays) and `derivedStatusCode` /
`derivedCode` (FedEx's normalized subset): the parser looks the event type up first and falls
back to the derived code, so an unfamiliar scan still gets FedEx's own classification.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["FEDEX_CODES", "RECIPIENT_ABSENT_REASONS"]

_TRANSIT = "AA AC AD AF AO AP AR AX CH DP EA ED EO EP FD IT IX LO OF OX PF PL PM SF SP TR"

FEDEX_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    **dict.fromkeys(_TRANSIT.split(), (Status.IN_TRANSIT, None)),
    "OC": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # label created
    "IN": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # initiated
    "PU": (Status.IN_TRANSIT, SubStatus.PICKED_UP),
    "PX": (Status.IN_TRANSIT, SubStatus.PICKED_UP),
    "OD": (Status.OUT_FOR_DELIVERY, None),
    "DL": (Status.DELIVERED, None),
    "DE": (Status.FAILED_ATTEMPT, None),  # delivery exception: the delivery did not happen
    "SE": (Status.EXCEPTION, None),
    "DY": (Status.IN_TRANSIT, SubStatus.DELAYED),
    "DD": (Status.IN_TRANSIT, SubStatus.DELAYED),
    "HL": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),  # hold at location
    "HP": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),  # ready for pickup
    "CA": (Status.EXCEPTION, SubStatus.CANCELLED),
    "RS": (Status.RETURNING, None),
    "CC": (Status.IN_TRANSIT, SubStatus.CUSTOMS),  # cleared
    "CP": (Status.IN_TRANSIT, SubStatus.CUSTOMS),  # clearance in progress
    "CD": (Status.EXCEPTION, SubStatus.CUSTOMS),  # clearance delay
}

# `ancillaryDetails[].reason` codes meaning nobody was there (spec example: 15).
RECIPIENT_ABSENT_REASONS = frozenset({"15"})
