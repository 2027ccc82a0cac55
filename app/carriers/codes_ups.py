"""UPS status tables, plus what DHL, UPS, FedEx and USPS share: zone tables and the return rule.

UPS, USPS and DHL send local scan times without an offset. When no offset travels with the
time, the zone is derived from the scan location: only single-zone countries and (for the US)
single-zone states are listed, so a guess is never wrong by an hour for most of a country.
"""

from __future__ import annotations

from dataclasses import replace

from app.domain.models import TrackingEvent
from app.domain.status import Status, SubStatus

__all__ = [
    "COUNTRY_ZONES",
    "UPS_STATUS_CODES",
    "UPS_TYPES",
    "US_STATE_ZONES",
    "returned_after_return",
    "zone_for",
]

# Countries with exactly one civil time zone (overseas territories have their own ISO codes).
COUNTRY_ZONES: dict[str, str] = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "CH": "Europe/Zurich",
    "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn", "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GB": "Europe/London",
    "GR": "Europe/Athens", "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
    "IS": "Atlantic/Reykjavik", "IT": "Europe/Rome", "LI": "Europe/Vaduz",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "LV": "Europe/Riga", "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam", "NO": "Europe/Oslo", "PL": "Europe/Warsaw",
    "RO": "Europe/Bucharest", "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava", "TR": "Europe/Istanbul", "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
    "SG": "Asia/Singapore", "TW": "Asia/Taipei", "IL": "Asia/Jerusalem", "AE": "Asia/Dubai",
    "TH": "Asia/Bangkok", "PH": "Asia/Manila", "ZA": "Africa/Johannesburg",
    "PR": "America/Puerto_Rico",
}  # fmt: skip

# US states wholly (or all but a sliver) in one zone; split states are left out on purpose.
_EASTERN = "CT DE DC GA ME MD MA NH NJ NY NC OH PA RI SC VT VA WV"
_CENTRAL = "AL AR IL IA LA MN MS MO OK WI"
_MOUNTAIN = "CO MT NM UT WY"
US_STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(_EASTERN.split(), "America/New_York"),
    **dict.fromkeys(_CENTRAL.split(), "America/Chicago"),
    **dict.fromkeys(_MOUNTAIN.split(), "America/Denver"),
    "AZ": "America/Phoenix",
    "CA": "America/Los_Angeles",
    "WA": "America/Los_Angeles",
    "NV": "America/Los_Angeles",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}


def zone_for(country: str | None, state: str | None = None) -> str | None:
    """The IANA zone of a scan location, or None when the place does not fix one zone."""
    country = (country or "").strip().upper()
    state = (state or "").strip().upper()
    if country in ("US", "USA", "") and state in US_STATE_ZONES:
        return US_STATE_ZONES[state]
    return COUNTRY_ZONES.get(country)


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
}


def returned_after_return(events: list[TrackingEvent]) -> list[TrackingEvent]:
    """Oldest-first events where a delivery after a return scan is the return arriving.

    Carriers report the parcel reaching its sender with their ordinary "delivered" code.
    """
    result: list[TrackingEvent] = []
    returning = False
    for event in events:
        returning = returning or event.status in (Status.RETURNING, Status.RETURNED)
        if returning and event.status is Status.DELIVERED:
            event = replace(event, status=Status.RETURNED, sub_status=None)
        result.append(event)
    return result
