"""DHL Shipment Tracking – Unified API, as `GET /track/shipments` answers it (REFERENCE §1).

parcel-de quirks reproduced: local German time without offset, events newest first, texts in
the requested language, 404 ProblemDetail for unknown numbers, no Retry-After on 429.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

STATUS_CODE = {
    Status.INFO_RECEIVED: "pre-transit",
    Status.IN_TRANSIT: "transit",
    Status.OUT_FOR_DELIVERY: "transit",
    Status.AVAILABLE_FOR_PICKUP: "transit",
    Status.DELIVERED: "delivered",
    Status.FAILED_ATTEMPT: "failure",
    Status.EXCEPTION: "failure",
    Status.RETURNING: "failure",
    Status.RETURNED: "delivered",
}
STATUS_DETAILED = {
    Status.INFO_RECEIVED: "pre-transit",
    Status.IN_TRANSIT: "in-transit",
    Status.OUT_FOR_DELIVERY: "out-for-delivery",
    Status.AVAILABLE_FOR_PICKUP: "ready-for-pickup",
    Status.DELIVERED: "delivered",
    Status.FAILED_ATTEMPT: "delivery-failed",
    Status.EXCEPTION: "exception",
    Status.RETURNING: "returning-to-sender",
    Status.RETURNED: "returned-to-sender",
}
SUB_DETAILED = {
    SubStatus.CUSTOMS: "customs",
    SubStatus.DELAYED: "delayed",
    SubStatus.ADDRESS_PROBLEM: "address-issue",
    SubStatus.REFUSED: "refused",
    SubStatus.LOST: "lost",
    SubStatus.RECIPIENT_ABSENT: "recipient-not-at-home",
}


class DhlSim:
    carrier_id = "dhl"
    oauth = False
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        titles = {401: "Unauthorized", 404: "No result found", 429: "Too many requests"}
        body = {
            "type": "about:blank",
            "title": titles.get(status, "Error"),
            "status": status,
            "detail": message,
        }
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def track(request: Request) -> Response:
            key = request.headers.get("DHL-API-Key") or request.query_params.get("apikey")
            if not key or key.startswith(oauth.REFUSED_PREFIX):  # "bad…": a refused key
                return self.error_response(401, "Invalid or missing API key", {})
            admission = await admit(ctx, self, key)
            if admission.refusal is not None:
                return admission.refusal
            number = (request.query_params.get("trackingNumber") or "").strip().upper()
            if not number:
                return self.error_response(400, "trackingNumber is required", {})
            journey = ctx.journey(self.carrier_id, number)
            if journey is None:
                return self.error_response(404, f"No shipment with number {number}", {})
            language = language_of(request.query_params.get("language"))
            events = shown_events(ctx, journey, language, admission.body_fault)
            payload = {"shipments": [self._shipment(ctx, journey, events)]}
            headers = {"Content-Language": language}
            return json_response(payload, body_fault=admission.body_fault, headers=headers)

        return [Route("/track/shipments", track, methods=["GET"])]

    def _shipment(
        self, ctx: SandboxContext, journey: Journey, events: list[ShownEvent]
    ) -> dict[str, object]:
        rendered = [_event(e) for e in reversed(events)]  # DHL sends newest first
        shipment: dict[str, object] = {
            "id": journey.tracking_number,
            "service": "parcel-de",
            "status": rendered[0] if rendered else None,
            "events": rendered,
            "details": {"product": {"productName": "DHL Paket"}, "totalNumberOfPieces": 1},
        }
        eta = journey.estimate_day(ctx.clock.now())
        if eta is not None and events and events[-1].step.status not in _DONE:
            shipment["estimatedTimeOfDelivery"] = f"{eta.isoformat()}T18:00:00"
            shipment["estimatedDeliveryTimeFrame"] = {
                "estimatedFrom": f"{eta.isoformat()}T10:00:00",
                "estimatedThrough": f"{eta.isoformat()}T14:00:00",
            }
        last = events[-1] if events else None
        if last and last.step.status is Status.DELIVERED and last.step.signed_by:
            details = shipment["details"]
            assert isinstance(details, dict)
            details["proofOfDelivery"] = {
                "timestamp": _german(last).isoformat(),
                "signed": {"@type": "Person", "name": last.step.signed_by},
            }
            details["proofOfDeliverySignedAvailable"] = True
        return shipment


_DONE = {Status.DELIVERED, Status.RETURNED}


def _german(event: ShownEvent) -> datetime:
    """The scan time as parcel-de sends it: German wall-clock time without an offset."""
    return event.at.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)


def _event(event: ShownEvent) -> dict[str, object]:
    step = event.step
    detailed = SUB_DETAILED.get(step.sub_status) if step.sub_status else None
    rendered: dict[str, object] = {
        # parcel-de sends German local time with no offset, wherever the scan happened.
        "timestamp": _german(event).isoformat(timespec="seconds"),
        "statusCode": STATUS_CODE.get(step.status, "unknown"),
        "status": event.text,
        "statusDetailed": detailed or STATUS_DETAILED.get(step.status, "unknown"),
        "description": event.text,
    }
    if event.place is not None:
        rendered["location"] = {
            "address": {
                "addressLocality": event.place.city,
                "postalCode": event.place.postal_code,
                "countryCode": event.place.country,
            }
        }
    return rendered
