"""PostNL Shippingstatus status and event codes mapped onto the status vocabulary.

From PostNL's "T & T status codes" reference. Each event code belongs to a status code; events
missing here take the status recorded at the same moment (`OldStatus`), else stay UNKNOWN.
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["EVENT_CODES", "PHASES", "STATUS_CODES"]

S = Status
Sub = SubStatus
_Entry = tuple[Status, SubStatus | None]

STATUS_CODES: dict[str, _Entry] = {
    "1": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),  # pre-alerted
    "2": (S.IN_TRANSIT, Sub.PICKED_UP),  # accepted
    "3": (S.IN_TRANSIT, Sub.PICKED_UP),  # collected
    "4": (S.EXCEPTION, Sub.NOT_HANDED_OVER),  # not collected
    "5": (S.IN_TRANSIT, None),  # sorted
    "6": (S.EXCEPTION, Sub.DELAYED),  # not sorted
    "7": (S.OUT_FOR_DELIVERY, None),
    "8": (S.FAILED_ATTEMPT, None),
    "9": (S.IN_TRANSIT, Sub.CUSTOMS),
    "11": (S.DELIVERED, None),
    "12": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "13": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),  # pre-alerted, not yet accepted
    "14": (S.EXCEPTION, Sub.NOT_HANDED_OVER),  # pre-alerted, finally not accepted
    "15": (S.EXCEPTION, Sub.LOST),  # missing at collection
    "16": (S.EXCEPTION, Sub.LOST),  # missing in sorting
    "17": (S.EXCEPTION, Sub.LOST),  # missing in distribution
    "18": (S.EXCEPTION, Sub.LOST),  # definitely missing
    "19": (S.EXCEPTION, Sub.OTHER),  # rejected
    "20": (S.IN_TRANSIT, Sub.CUSTOMS),  # in clearance
    "21": (S.IN_TRANSIT, Sub.HELD),  # in storage
    "22": (S.DELIVERED, Sub.PICKUP_POINT),  # picked up from the post office
    "23": (S.IN_TRANSIT, Sub.PICKED_UP),  # collection order collected
}

# Phase codes, for a status code missing above (99 "not applicable" says nothing).
PHASES: dict[str, _Entry] = {
    "1": (S.INFO_RECEIVED, None),
    "2": (S.IN_TRANSIT, None),
    "3": (S.OUT_FOR_DELIVERY, None),
    "4": (S.DELIVERED, None),
}

EVENT_CODES: dict[str, _Entry] = {
    "A01": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "A71": (S.INFO_RECEIVED, Sub.NOT_HANDED_OVER),
    "B01": (S.IN_TRANSIT, Sub.PICKED_UP),
    "X40": (S.IN_TRANSIT, Sub.PICKED_UP),  # handed in at a PostNL point
    "B04": (S.IN_TRANSIT, Sub.PICKED_UP),
    "J01": (S.IN_TRANSIT, None),
    "J06": (S.IN_TRANSIT, None),
    "J10": (S.IN_TRANSIT, None),
    "J27": (S.IN_TRANSIT, None),
    "J61": (S.IN_TRANSIT, None),
    "Q12": (S.IN_TRANSIT, None),  # sent to the destination country
    "X02": (S.IN_TRANSIT, None),  # arrived in the destination country
    "J07": (S.IN_TRANSIT, Sub.DELAYED),  # closed: postponed to the next working day
    "J26": (S.IN_TRANSIT, Sub.DELAYED),
    "J39": (S.IN_TRANSIT, Sub.DELAYED),
    "Y33": (S.IN_TRANSIT, Sub.DELAYED),
    "V06": (S.IN_TRANSIT, Sub.DELAYED),  # delayed by high volume
    "J16": (S.FAILED_ATTEMPT, Sub.ADDRESS_PROBLEM),  # address inaccessible
    "J33": (S.EXCEPTION, Sub.ADDRESS_PROBLEM),  # incorrect address
    "Y23": (S.IN_TRANSIT, None),  # address corrected
    "J05": (S.OUT_FOR_DELIVERY, None),
    "J55": (S.OUT_FOR_DELIVERY, None),  # driver en route to a PostNL point
    "J08": (S.FAILED_ATTEMPT, None),
    "J29": (S.FAILED_ATTEMPT, None),  # does not fit the letterbox
    "D08": (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT),  # we missed you
    "Y80": (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT),
    "J94": (S.FAILED_ATTEMPT, Sub.RECIPIENT_ABSENT),
    "H35": (S.RETURNING, Sub.DAMAGED),  # damaged, return to sender
    "H10": (S.RETURNING, Sub.OTHER),  # content not permitted
    "X22": (S.RETURNING, None),  # international shipment returned
    "K92": (S.EXCEPTION, Sub.DAMAGED),  # destroyed
    "K30": (S.EXCEPTION, None),  # cannot be delivered
    "R06": (S.EXCEPTION, Sub.CANCELLED),
    "H31": (S.EXCEPTION, Sub.CANCELLED),  # the sender cancelled
}
