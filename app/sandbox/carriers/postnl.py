"""PostNL Shippingstatus webservice v2 by barcode, with the `apikey` header (REFERENCE §5).

Quirks reproduced: `dd-MM-yyyy HH:mm:ss` Dutch local time with no zone (wherever the scan
happened), Dutch texts unless `language=EN`, `Shipment` as an object (detail) or a one-element
array (current status), and `OldStatus[]` beside the current `Status`.

The reference has no code tables, so status and event codes follow the app's table
(app/carriers/codes_postnl.py). Events whose code is not in that table (PostNL's delivery scans,
for one) are known by the status recorded at the same moment. PostNL has no "returned to sender"
status: the return's last scan is one more X22 "returned" event.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, shown_events

ZONE = ZoneInfo("Europe/Amsterdam")
# our status -> (StatusCode, PhaseCode, PhaseDescription)
CODES: dict[Status, tuple[str, str, str]] = {
    Status.INFO_RECEIVED: ("1", "1", "Collectie"),
    Status.IN_TRANSIT: ("5", "2", "Sortering"),
    Status.OUT_FOR_DELIVERY: ("7", "3", "Distributie"),
    Status.AVAILABLE_FOR_PICKUP: ("12", "3", "Distributie"),
    Status.DELIVERED: ("11", "4", "Afgeleverd"),
    Status.FAILED_ATTEMPT: ("8", "3", "Distributie"),
    Status.EXCEPTION: ("19", "3", "Distributie"),
    Status.RETURNING: ("5", "2", "Sortering"),
    Status.RETURNED: ("11", "4", "Afgeleverd"),
}
SUB_CODES: dict[SubStatus, tuple[str, str, str]] = {
    SubStatus.CUSTOMS: ("20", "2", "Sortering"),
    SubStatus.LOST: ("18", "2", "Sortering"),
    SubStatus.PICKED_UP: ("22", "4", "Afgeleverd"),  # picked up from the PostNL point
}
# our status -> event code; None: a code PostNL's table leaves to the status of that moment
EVENTS: dict[Status, str] = {
    Status.INFO_RECEIVED: "A01",
    Status.IN_TRANSIT: "J01",
    Status.OUT_FOR_DELIVERY: "J05",
    Status.AVAILABLE_FOR_PICKUP: "J13",
    Status.DELIVERED: "I01",
    Status.FAILED_ATTEMPT: "D08",
    Status.EXCEPTION: "K30",
    Status.RETURNING: "X22",
    Status.RETURNED: "X22",
}
SUB_EVENTS: dict[SubStatus, str] = {
    SubStatus.DELAYED: "V06",
    SubStatus.ADDRESS_PROBLEM: "J33",
    SubStatus.LOST: "K40",
}
PICKUP_EVENT = "B01"  # accepted: the parcel's first scan


class PostnlSim:
    carrier_id = "postnl"
    oauth = False
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        body = {"fault": {"faultstring": message, "detail": {"errorcode": str(status)}}}
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def by_barcode(request: Request) -> Response:
            key = request.headers.get("apikey")
            if not key or key.startswith(oauth.REFUSED_PREFIX):  # "bad…": a refused key
                return self.error_response(401, "Invalid ApiKey", {})
            admission = await admit(ctx, self, key)
            if admission.refusal is not None:
                return admission.refusal
            barcode = request.path_params["barcode"].strip().upper()
            journey = ctx.journey(self.carrier_id, barcode)
            if journey is None:
                warning = {"Code": "No shipment found", "Description": f"Barcode {barcode}"}
                return json_response({"Warnings": [warning]})
            english = (request.query_params.get("language") or "NL").upper() == "EN"
            detail = (request.query_params.get("detail") or "false").lower() == "true"
            events = shown_events(ctx, journey, "en" if english else "de", admission.body_fault)
            shipment = _shipment(ctx, journey, events, english=english, detail=detail)
            payload = (
                {"CompleteStatus": {"Shipment": shipment}}
                if detail
                else {"CurrentStatus": {"Shipment": [shipment]}}
            )
            return json_response(payload, body_fault=admission.body_fault)

        return [Route("/shipment/v2/status/barcode/{barcode}", by_barcode, methods=["GET"])]


def _stamp(event: ShownEvent) -> str:
    return event.at.astimezone(ZONE).strftime("%d-%m-%Y %H:%M:%S")  # Dutch time, no zone


def _text(event: ShownEvent, english: bool) -> str:
    # The sandbox has German and English wording; PostNL's default is Dutch, so tag it.
    return event.text if english else f"[NL] {event.text}"


def _codes(event: ShownEvent) -> tuple[str, str, str]:
    step = event.step
    if step.sub_status in SUB_CODES and step.status not in (Status.RETURNING, Status.RETURNED):
        return SUB_CODES[step.sub_status]
    return CODES.get(step.status, CODES[Status.IN_TRANSIT])


def _status(event: ShownEvent, english: bool) -> dict[str, str]:
    code, phase, phase_text = _codes(event)
    return {
        "TimeStamp": _stamp(event),
        "StatusCode": code,
        "StatusDescription": _text(event, english),
        "PhaseCode": phase,
        "PhaseDescription": phase_text,
    }


def _event_code(event: ShownEvent, index: int) -> str:
    step = event.step
    if index == 1 and step.status is Status.IN_TRANSIT:
        return PICKUP_EVENT
    if step.sub_status in SUB_EVENTS and step.status is not Status.RETURNING:
        return SUB_EVENTS[step.sub_status]
    return EVENTS.get(step.status, EVENTS[Status.IN_TRANSIT])


def _shipment(
    ctx: SandboxContext,
    journey: Journey,
    events: list[ShownEvent],
    *,
    english: bool,
    detail: bool,
) -> dict[str, object]:
    last = events[-1] if events else None
    shipment: dict[str, object] = {
        "MainBarcode": journey.tracking_number,
        "Barcode": journey.tracking_number,
        "ShipmentAmount": "1",
        "ShipmentCounter": "1",
        "ProductCode": "3085",
        "ProductDescription": "Standard shipment",
        "Status": _status(last, english)
        if last
        else {
            "TimeStamp": "",
            "StatusCode": "1",
            "StatusDescription": "",
            "PhaseCode": "1",
            "PhaseDescription": "Collectie",
        },
    }
    eta = journey.estimate_day(ctx.clock.now())
    if eta is not None and last and last.step.status not in (Status.DELIVERED, Status.RETURNED):
        shipment["DeliveryDate"] = eta.strftime("%d-%m-%Y 00:00:00")
    if detail:
        shipment["OldStatus"] = [_status(e, english) for e in reversed(events[:-1])]
        shipment["Event"] = [
            {
                "Code": _event_code(e, i),
                "Description": _text(e, english),
                "LocationCode": e.place.postal_code if e.place else "",
                "RouteCode": "",
                "TimeStamp": _stamp(e),
            }
            for i, e in enumerate(events)
        ][::-1]  # newest first
    return shipment
