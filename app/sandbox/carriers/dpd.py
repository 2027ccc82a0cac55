"""DPD's public tracking JSON, `GET /rest/plc/{locale}/{parcelNo}` (REFERENCE §5).

Quirks reproduced: no auth, the locale in the path, scan dates in German local time with no
offset, `scan[]` oldest first, statusInfo dates as "dd.MM.yyyy, HH:mm" free text.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

SCAN_CODES: dict[Status, str] = {
    Status.INFO_RECEIVED: "03",  # data received
    Status.IN_TRANSIT: "10",  # in the hub
    Status.OUT_FOR_DELIVERY: "17",  # out for delivery
    Status.AVAILABLE_FOR_PICKUP: "23",  # at the Pickup parcel shop
    Status.DELIVERED: "13",
    Status.FAILED_ATTEMPT: "14",  # not delivered: recipient absent
    Status.EXCEPTION: "18",
    Status.RETURNING: "20",
    Status.RETURNED: "13",
}
SUB_SCAN_CODES = {SubStatus.DELAYED: "06", SubStatus.CUSTOMS: "05", SubStatus.REFUSED: "12"}
STATUS_INFO: dict[Status, str] = {
    Status.INFO_RECEIVED: "ACCEPTED",
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


def _scan(event: ShownEvent) -> dict[str, object]:
    code = SUB_SCAN_CODES.get(event.step.sub_status) if event.step.sub_status else None
    location = f"{event.place.city} ({event.place.country})" if event.place else ""
    return {
        "date": event.local().replace(tzinfo=None).isoformat(timespec="seconds"),
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
    reached = {e.step.status for e in events}
    current = events[-1].step.status if events else None
    status_info = [
        {
            "status": name,
            "label": name.replace("_", " ").title(),
            "statusHasBeenReached": status in reached,
            "isCurrentStatus": status is current,
            "date": next(
                (e.local().strftime("%d.%m.%Y, %H:%M") for e in events if e.step.status is status),
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
        "scanInfo": {"scan": [_scan(e) for e in events]},  # oldest first
    }
