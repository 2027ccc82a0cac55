"""PostNL Shippingstatus webservice v2 by barcode, with the `apikey` header (REFERENCE §5).

Quirks reproduced: `dd-MM-yyyy HH:mm:ss` Dutch local time with no zone, Dutch texts unless
`language=EN`, and `Shipment` as an object (detail) or a one-element array (current status).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, shown_events

# our status -> (StatusCode, PhaseCode, PhaseDescription)
CODES: dict[Status, tuple[str, str, str]] = {
    Status.INFO_RECEIVED: ("1", "1", "Collectie"),
    Status.IN_TRANSIT: ("3", "2", "Sortering"),
    Status.OUT_FOR_DELIVERY: ("7", "3", "Distributie"),
    Status.AVAILABLE_FOR_PICKUP: ("10", "3", "Distributie"),
    Status.DELIVERED: ("11", "4", "Afgeleverd"),
    Status.FAILED_ATTEMPT: ("9", "3", "Distributie"),
    Status.EXCEPTION: ("99", "3", "Distributie"),
    Status.RETURNING: ("18", "2", "Sortering"),
    Status.RETURNED: ("23", "4", "Afgeleverd"),
}


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
            if not key:
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
    return event.local().strftime("%d-%m-%Y %H:%M:%S")


def _text(event: ShownEvent, english: bool) -> str:
    # The sandbox has German and English wording; PostNL's default is Dutch, so tag it.
    return event.text if english else f"[NL] {event.text}"


def _shipment(
    ctx: SandboxContext,
    journey: Journey,
    events: list[ShownEvent],
    *,
    english: bool,
    detail: bool,
) -> dict[str, object]:
    last = events[-1] if events else None
    code, phase, phase_text = (
        CODES.get(last.step.status, CODES[Status.IN_TRANSIT])
        if last
        else (
            "1",
            "1",
            "Collectie",
        )
    )
    shipment: dict[str, object] = {
        "MainBarcode": journey.tracking_number,
        "Barcode": journey.tracking_number,
        "ShipmentAmount": "1",
        "ShipmentCounter": "1",
        "ProductCode": "3085",
        "ProductDescription": "Standard shipment",
        "Status": {
            "TimeStamp": _stamp(last) if last else "",
            "StatusCode": code,
            "StatusDescription": _text(last, english) if last else "",
            "PhaseCode": phase,
            "PhaseDescription": phase_text,
        },
    }
    eta = journey.estimate_day(ctx.clock.now())
    if eta is not None and last and last.step.status not in (Status.DELIVERED, Status.RETURNED):
        shipment["DeliveryDate"] = eta.strftime("%d-%m-%Y 00:00:00")
    if detail:
        shipment["Event"] = [
            {
                "Code": CODES.get(e.step.status, CODES[Status.IN_TRANSIT])[0],
                "Description": _text(e, english),
                "LocationCode": e.place.postal_code if e.place else "",
                "RouteCode": "",
                "TimeStamp": _stamp(e),
            }
            for e in reversed(events)
        ]
    return shipment
