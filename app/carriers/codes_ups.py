"""UPS status tables: the activity type and the customer-facing status code.

The zone tables DHL, UPS, FedEx and USPS share live in `app.carriers.geo`; the return rule and
the headline they share live in `app.carriers.parsing`.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["UPS_STATUS_CODES", "UPS_TYPES"]


# `status.type`: the coarse activity type (Package Activity Types table).
UPS_TYPES: dict[str, tuple[Status, SubStatus | None]] = {
    "M": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # manifest: label only
    "MV": (Status.EXCEPTION, SubStatus.CANCELLED),  # billing information voided
    "P": (Status.IN_TRANSIT, SubStatus.PICKED_UP),  # not in today's table, seen in the wild
    "I": (Status.IN_TRANSIT, None),
    "W": (Status.IN_TRANSIT, SubStatus.HELD),  # warehousing
    "DO": (Status.IN_TRANSIT, None),  # freight: delivered to origin CFS
    "DD": (Status.IN_TRANSIT, None),  # freight: delivered to destination CFS
    "X": (Status.EXCEPTION, None),
    "D": (Status.DELIVERED, None),
    "NA": (Status.UNKNOWN, None),
    "U": (Status.UNKNOWN, None),
}

# `status.statusCode`: the 3-digit customer-facing code refines the type where it is known.
UPS_STATUS_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "003": (Status.INFO_RECEIVED, SubStatus.NOT_HANDED_OVER),  # label created
    "005": (Status.IN_TRANSIT, None),  # on the way
    "007": (Status.EXCEPTION, SubStatus.CANCELLED),  # shipment information voided
    "011": (Status.DELIVERED, None),
    "012": (Status.IN_TRANSIT, SubStatus.CUSTOMS),  # clearance in progress
    "013": (Status.EXCEPTION, None),
    "014": (Status.IN_TRANSIT, SubStatus.CUSTOMS),  # clearance completed
    "016": (Status.IN_TRANSIT, SubStatus.HELD),  # held in warehouse
    "017": (Status.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT),  # held for customer pickup
    "021": (Status.OUT_FOR_DELIVERY, None),
    "022": (Status.FAILED_ATTEMPT, None),  # first attempt
    "023": (Status.FAILED_ATTEMPT, None),  # second attempt
    "024": (Status.FAILED_ATTEMPT, None),  # final attempt
    "032": (Status.IN_TRANSIT, SubStatus.DELAYED),  # adverse weather may cause delay
    "033": (Status.RETURNING, None),  # return to sender requested
    "034": (Status.RETURNED, None),  # returned to sender
    "035": (Status.RETURNING, None),
    "036": (Status.RETURNING, None),
    "037": (Status.RETURNING, None),
    "038": (Status.IN_TRANSIT, SubStatus.PICKED_UP),
    "048": (Status.IN_TRANSIT, SubStatus.DELAYED),  # "may be delayed" [obs: live answer]
}
