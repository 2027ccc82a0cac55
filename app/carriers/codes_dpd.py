"""DPD's scan types and statusInfo steps mapped onto the status vocabulary.

DPD publishes no code table for its public JSON. The scan types below follow DPD's parcel
status data ("Scanarten") as far as it is known [unconf]; anything else stays UNKNOWN with the
code kept. DPD gives reasons only as text, so a few words refine the sub-status.

No scan type is known to mean "return": a return travels with ordinary hub scans and ends with
the delivery scan 13 at the sender. What tells it apart is the statusInfo step list: once a
RETURN_STEPS step is reached, its date marks where the return began (see `dpd._returns`).
"""

from __future__ import annotations

from app.domain.status import Status, SubStatus

__all__ = ["RETURN_STEPS", "SCAN_CODES", "STATUS_INFO", "sub_status_from_text"]

S = Status
Sub = SubStatus

SCAN_CODES: dict[str, tuple[Status, SubStatus | None]] = {
    "01": (S.IN_TRANSIT, None),  # consolidation
    "02": (S.IN_TRANSIT, None),  # inbound at a depot
    "03": (S.OUT_FOR_DELIVERY, None),
    "04": (S.IN_TRANSIT, Sub.CUSTOMS),
    "05": (S.IN_TRANSIT, Sub.PICKED_UP),  # collected from the sender
    "08": (S.IN_TRANSIT, Sub.HELD),  # stored at a depot
    "10": (S.IN_TRANSIT, None),  # hub scan
    "13": (S.DELIVERED, None),
    "14": (S.FAILED_ATTEMPT, None),  # not delivered; the reason is in the text
    "20": (S.IN_TRANSIT, None),  # loaded
    "23": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # at a Pickup parcel shop
}

# statusInfo step names, upper case without underscores (the JSON and SOAP spellings differ).
STATUS_INFO: dict[str, tuple[Status, SubStatus | None]] = {
    "ACCEPTED": (S.IN_TRANSIT, Sub.PICKED_UP),
    "ATSENDINGDEPOT": (S.IN_TRANSIT, None),
    "ONTHEROAD": (S.IN_TRANSIT, None),
    "BETWEENDEPOTS": (S.IN_TRANSIT, None),
    "ATDELIVERYDEPOT": (S.IN_TRANSIT, None),
    "OUTFORDELIVERY": (S.OUT_FOR_DELIVERY, None),
    "COURIER": (S.OUT_FOR_DELIVERY, None),
    "DELIVERED": (S.DELIVERED, None),
    "DELIVERYFAILURE": (S.FAILED_ATTEMPT, None),
    "PARCELSHOP": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "PICKUP": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "PROBLEM": (S.EXCEPTION, None),
    "RETURN": (S.RETURNING, None),
    "RETURNTOSENDER": (S.RETURNING, None),
    "RETURNED": (S.RETURNED, None),
}

# statusInfo steps after which the parcel travels back to (or has reached) its sender.
RETURN_STEPS: frozenset[str] = frozenset(
    name for name, (status, _) in STATUS_INFO.items() if status in (S.RETURNING, S.RETURNED)
)

_DELIVERY_WORDS: tuple[tuple[tuple[str, ...], SubStatus], ...] = (
    (("nachbar", "neighbour", "neighbor"), Sub.NEIGHBOUR),
    (("abstellort", "abgestellt", "safe place"), Sub.SAFE_PLACE),
    (("paketshop", "parcelshop", "parcel shop"), Sub.PICKUP_POINT),
)
_PROBLEM_WORDS: tuple[tuple[tuple[str, ...], SubStatus], ...] = (
    (("adresse", "address", "anschrift"), Sub.ADDRESS_PROBLEM),
    (("beschädigt", "damaged"), Sub.DAMAGED),
    (("verweigert", "refused"), Sub.REFUSED),
    (("nicht angetroffen", "not at home", "not in", "absent"), Sub.RECIPIENT_ABSENT),
    (("verzöger", "delay"), Sub.DELAYED),
)


def sub_status_from_text(text: str, status: Status) -> SubStatus | None:
    """The reason DPD only states in words, for deliveries and problems."""
    lowered = text.lower()
    if status is S.DELIVERED:
        rules = _DELIVERY_WORDS
    elif status in (S.FAILED_ATTEMPT, S.EXCEPTION, S.UNKNOWN):
        rules = _PROBLEM_WORDS
    else:
        return None
    for words, sub in rules:
        if any(word in lowered for word in words):
            return sub
    return None
