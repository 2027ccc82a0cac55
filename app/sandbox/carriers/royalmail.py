"""Royal Mail Tracking API v2 "mailpieces" events, with IBM API Connect headers (REFERENCE §5).

Quirks reproduced: client id and secret as headers plus `X-Accept-RMG-Terms`, ISO times with
offsets, EV… event codes, and the {httpCode, httpMessage, moreInformation, errors[]} envelope.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, shown_events

CODES: dict[Status, tuple[str, str]] = {
    Status.INFO_RECEIVED: ("EVPPA", "Pre-advice"),
    Status.IN_TRANSIT: ("EVAIP", "In transit"),
    Status.OUT_FOR_DELIVERY: ("EVGPD", "Out for delivery"),
    Status.AVAILABLE_FOR_PICKUP: ("EVNDA", "Available for collection"),
    Status.DELIVERED: ("EVKSP", "Delivered"),
    Status.FAILED_ATTEMPT: ("EVKNA", "Attempted delivery"),
    Status.EXCEPTION: ("EVNRT", "Exception"),
    Status.RETURNING: ("EVORI", "Return to sender"),
    Status.RETURNED: ("EVRTS", "Returned to sender"),
}
# The reference names no statusCategory values; these use the words the app's parser reads
# (app/carriers/royalmail.py). It knows the latest event by them when its EV code is not one of
# the five the reference lists. Royal Mail has no separate "returned" category.
STATUS_CATEGORY = {
    Status.INFO_RECEIVED: "PRE-ADVICE",
    Status.IN_TRANSIT: "IN TRANSIT",
    Status.OUT_FOR_DELIVERY: "OUT FOR DELIVERY",
    Status.AVAILABLE_FOR_PICKUP: "READY TO COLLECT",
    Status.DELIVERED: "DELIVERED",
    Status.FAILED_ATTEMPT: "ATTEMPTED DELIVERY",
    Status.EXCEPTION: "EXCEPTION",
    Status.RETURNING: "RETURN TO SENDER",
    Status.RETURNED: "RETURNED TO SENDER",
}
# No EV code for a delay is confirmed: the delayed step keeps the in-transit code and the summary
# names the delay in its category, which the parser reads for the latest event [unconf].
DELAYED_CATEGORY = "DELAYED"
ERROR_CODES = {401: "E0004", 404: "E1142", 429: "E0009", 400: "E1141"}


class RoyalMailSim:
    carrier_id = "royalmail"
    oauth = False
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        body = {
            "httpCode": str(status),
            "httpMessage": message,
            "moreInformation": message,
            "errors": [
                {
                    "errorCode": ERROR_CODES.get(status, "E0000"),
                    "errorDescription": message,
                    "errorCause": message,
                    "errorResolution": "Check the request and try again",
                }
            ],
        }
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def events_for(request: Request) -> Response:
            client_id = request.headers.get("x-ibm-client-id")
            secret = request.headers.get("x-ibm-client-secret")
            if not oauth.accepted(client_id, secret):
                return self.error_response(401, "Client id or secret not valid", {})
            if (request.headers.get("x-accept-rmg-terms") or "").lower() != "yes":
                return self.error_response(400, "X-Accept-RMG-Terms must be yes", {})
            admission = await admit(ctx, self, client_id or "")
            if admission.refusal is not None:
                return admission.refusal
            number = request.path_params["number"].strip().upper()
            journey = ctx.journey(self.carrier_id, number)
            if journey is None:
                return self.error_response(404, f"Barcode reference {number} isn't recognised", {})
            events = shown_events(ctx, journey, "en", admission.body_fault)
            payload = {"mailPieces": _mail_piece(ctx, journey, events)}
            return json_response(payload, body_fault=admission.body_fault)

        return [Route("/mailpieces/v2/{number}/events", events_for, methods=["GET"])]


def _code(event: ShownEvent) -> str:
    if event.step.status is Status.DELIVERED and event.step.sub_status is SubStatus.SAFE_PLACE:
        return "EVKSF"
    return CODES.get(event.step.status, CODES[Status.IN_TRANSIT])[0]


def _category(event: ShownEvent) -> str:
    if event.step.status is Status.IN_TRANSIT and event.step.sub_status is SubStatus.DELAYED:
        return DELAYED_CATEGORY
    return STATUS_CATEGORY.get(event.step.status, "IN TRANSIT")


def _mail_piece(
    ctx: SandboxContext, journey: Journey, events: list[ShownEvent]
) -> dict[str, object]:
    last = events[-1] if events else None
    piece: dict[str, object] = {
        "mailPieceId": journey.tracking_number,
        "carrierShortName": "RM",
        "carrierFullName": "Royal Mail Group Ltd",
        "summary": {
            "oneDBarcode": journey.tracking_number,
            "productName": "Royal Mail Tracked 24",
            "lastEventCode": _code(last) if last else "",
            "lastEventName": last.text if last else "",
            "lastEventDateTime": last.local().isoformat(timespec="seconds") if last else "",
            "lastEventLocationName": last.place.city if last and last.place else "",
            "statusCategory": _category(last) if last else "",
            "statusDescription": last.text if last else "",
        },
        "events": [
            {
                "eventCode": _code(e),
                "eventName": e.text,
                "eventDateTime": e.local().isoformat(timespec="seconds"),
                "locationName": e.place.city if e.place else "",
            }
            for e in reversed(events)
        ],
        "links": {},
    }
    if last and last.step.status is Status.DELIVERED and last.step.signed_by:
        piece["signature"] = {
            "recipientName": last.step.signed_by,
            "signatureDateTime": last.local().isoformat(timespec="seconds"),
            "imageId": f"{journey.tracking_number}-sig",
        }
    eta = journey.estimate_day(ctx.clock.now())
    if eta is not None and last and last.step.status not in (Status.DELIVERED, Status.RETURNED):
        piece["estimatedDelivery"] = {
            "date": eta.isoformat(),
            "startOfEstimatedWindow": "10:00:00+00:00",
            "endOfEstimatedWindow": "14:00:00+00:00",
        }
    return piece
