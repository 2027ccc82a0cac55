"""DPD's public tracking JSON, `GET /rest/plc/{locale}/{parcelNo}` (REFERENCE §5).

Quirks reproduced: no auth, the locale in the path, scan dates in German local time with no
offset (wherever the scan happened), `scan[]` oldest first, statusInfo dates as
"dd.MM.yyyy, HH:mm" free text.

Scan codes follow the app's DPD table (app/carriers/codes_dpd.py), since the reference has no
code table: 03 is "out for delivery", 05 "collected", 04 customs, 14 "not delivered" (the
reason only in the text). That table has no scan for "data received" (until its first scan the
parcel only has label data and reaches no statusInfo step) and none for a return, so a return
travels with hub scans and ends with the ordinary delivery scan 13 at the sender.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

ZONE = ZoneInfo("Europe/Berlin")  # DPD reports every scan in German time
SCAN_CODES: dict[Status, str] = {
    Status.IN_TRANSIT: "10",  # hub scan
    Status.OUT_FOR_DELIVERY: "03",  # out for delivery
    Status.AVAILABLE_FOR_PICKUP: "23",  # at the Pickup parcel shop
    Status.DELIVERED: "13",
    Status.FAILED_ATTEMPT: "14",  # not delivered: recipient absent
    Status.EXCEPTION: "14",  # not delivered; the reason is in the text
    Status.RETURNING: "10",  # no return scan in the table: hub scans on the way back
    Status.RETURNED: "13",  # delivered (to the sender)
}
PICKUP_SCAN = "05"  # collected from the sender
# No scan type is known for a delay: the delayed step stays a hub scan ("10") and only its text
# ("Verzögerung: …" / "Delayed: …") says so, which is what the adapter reads [unconf].
SUB_SCAN_CODES = {SubStatus.CUSTOMS: "04"}
# statusInfo steps; INFO_RECEIVED has none: DPD shows no step before the first scan.
STATUS_INFO: dict[Status, str] = {
    Status.IN_TRANSIT: "ON_THE_ROAD",
    Status.OUT_FOR_DELIVERY: "OUT_FOR_DELIVERY",
    Status.AVAILABLE_FOR_PICKUP: "PICKUP",
    Status.DELIVERED: "DELIVERED",
    Status.FAILED_ATTEMPT: "DELIVERY_FAILURE",
    Status.EXCEPTION: "PROBLEM",
    Status.RETURNING: "RETURN",
    Status.RETURNED: "RETURNED",
}


class DpdSim:
    carrier_id = "dpd"
    oauth = False
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        return json_response({"status": status, "error": message}, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def track(request: Request) -> Response:
            client = request.client.host if request.client else "anonymous"
            admission = await admit(ctx, self, client)
            if admission.refusal is not None:
                return admission.refusal
            number = request.path_params["number"].strip().upper()
            language = language_of(request.path_params["locale"])
            journey = ctx.journey(self.carrier_id, number[:14])
            if journey is None:
                # DPD answers unknown numbers with an empty life cycle, not with 404.
                return json_response({"parcellifecycleResponse": {"parcelLifeCycleData": None}})
            events = shown_events(ctx, journey, language, admission.body_fault)
            payload = {"parcellifecycleResponse": {"parcelLifeCycleData": _data(journey, events)}}
            return json_response(payload, body_fault=admission.body_fault)

        return [Route("/rest/plc/{locale}/{number}", track, methods=["GET"])]


def _german(event: ShownEvent) -> datetime:
    return event.at.astimezone(ZONE)


def _scan(event: ShownEvent, index: int) -> dict[str, object]:
    code = SUB_SCAN_CODES.get(event.step.sub_status) if event.step.sub_status else None
    if index == 1 and event.step.status is Status.IN_TRANSIT:
        code = PICKUP_SCAN
    location = f"{event.place.city} ({event.place.country})" if event.place else ""
    return {
        "date": _german(event).replace(tzinfo=None).isoformat(timespec="seconds"),
        "scanData": {
            "location": location,
            "country": event.place.country if event.place else "",
            "scanType": {
                "code": code or SCAN_CODES.get(event.step.status, "10"),
                "name": event.step.status.value,
            },
        },
        "scanDescription": {"content": [event.text]},
    }


def _data(journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    # Before the first scan DPD only has the label data: no scan, no statusInfo step reached.
    scanned = [e for e in events if e.step.status is not Status.INFO_RECEIVED]
    reached = {e.step.status for e in scanned}
    current = scanned[-1].step.status if scanned else None
    status_info = [
        {
            "status": name,
            "label": name.replace("_", " ").title(),
            "statusHasBeenReached": status in reached,
            "isCurrentStatus": status is current,
            "date": next(
                (
                    _german(e).strftime("%d.%m.%Y, %H:%M")
                    for e in scanned
                    if e.step.status is status
                ),
                "",
            ),
        }
        for status, name in STATUS_INFO.items()
    ]
    return {
        "shipmentInfo": {
            "parcelLabelNumber": journey.tracking_number,
            "productName": "DPD Classic",
            "receiverCountryIsoCode": "DE",
        },
        "statusInfo": status_info,
        # oldest first; the index counts every journey step, so 1 is the pickup
        "scanInfo": {
            "scan": [
                _scan(e, i)
                for i, e in enumerate(events)
                if e.step.status is not Status.INFO_RECEIVED
            ]
        },
    }
