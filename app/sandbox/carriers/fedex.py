"""FedEx Track API (`/track/v1/trackingnumbers`) with its OAuth endpoint (REFERENCE §3).

Quirks reproduced: up to 30 numbers per request, an unknown number answered with HTTP 200 and
a per-result error, scan events newest first with explicit offsets, counts as strings.
"""

from __future__ import annotations

import json
import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

MAX_NUMBERS = 30
# our status -> (eventType, derivedStatusCode, derivedStatus)
CODES: dict[Status, tuple[str, str, str]] = {
    Status.INFO_RECEIVED: ("OC", "IN", "Label created"),
    Status.IN_TRANSIT: ("IT", "IT", "In transit"),
    Status.OUT_FOR_DELIVERY: ("OD", "OD", "On FedEx vehicle for delivery"),
    Status.AVAILABLE_FOR_PICKUP: ("HP", "HP", "Ready for pickup"),
    Status.DELIVERED: ("DL", "DL", "Delivered"),
    Status.FAILED_ATTEMPT: ("DE", "DE", "Delivery exception"),
    Status.EXCEPTION: ("SE", "SE", "Shipment exception"),
    Status.RETURNING: ("RS", "RS", "Return to shipper"),
    Status.RETURNED: ("DL", "DL", "Delivered"),
}
SUB_CODES = {SubStatus.CUSTOMS: "CP", SubStatus.DELAYED: "DY", SubStatus.LOST: "SE"}


class FedexSim:
    carrier_id = "fedex"
    oauth = True
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        codes = {
            400: "TRACKING.TRACKINGNUMBER.EMPTY",
            401: "NOT.AUTHORIZED.ERROR",
            403: "FORBIDDEN.ERROR",
            404: "NOT.FOUND.ERROR",
            429: "TOO.MANY.REQUESTS",
            500: "INTERNAL.SERVER.ERROR",
            503: "SERVICE.UNAVAILABLE.ERROR",
        }
        body = {
            "transactionId": str(uuid.uuid4()),
            "errors": [{"code": codes.get(status, "INTERNAL.SERVER.ERROR"), "message": message}],
        }
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            fields = await oauth.form_fields(request)
            if fields.get("grant_type") != "client_credentials" or not oauth.accepted(
                fields.get("client_id"), fields.get("client_secret")
            ):
                return self.error_response(401, "The given client credentials were not valid", {})
            body = oauth.issue(
                ctx,
                self.carrier_id,
                lambda tok, life: {
                    "access_token": tok,
                    "token_type": "bearer",
                    "expires_in": life - 1,
                    "scope": "CXS",
                },
            )
            return json_response(body)

        async def track(request: Request) -> Response:
            token = oauth.authorised(ctx, self.carrier_id, request)
            if token is None:
                return oauth.unauthorised(self.error_response)
            admission = await admit(ctx, self, token)
            if admission.refusal is not None:
                return admission.refusal
            try:
                data = json.loads(await request.body())
                numbers = [
                    str(item["trackingNumberInfo"]["trackingNumber"]).strip().upper()
                    for item in data["trackingInfo"]
                ]
            except (ValueError, KeyError, TypeError):
                return self.error_response(400, "Invalid request body", {})
            if not numbers or len(numbers) > MAX_NUMBERS:
                return self.error_response(400, f"Send 1 to {MAX_NUMBERS} numbers", {})
            language = language_of(request.headers.get("x-locale"))
            results = []
            for number in numbers:
                journey = ctx.journey(self.carrier_id, number)
                if journey is None:
                    results.append(_not_found(number))
                else:
                    events = shown_events(ctx, journey, language, admission.body_fault)
                    results.append(_result(ctx, journey, events))
            payload = {
                "transactionId": str(uuid.uuid4()),
                "output": {"completeTrackResults": results},
            }
            return json_response(payload, body_fault=admission.body_fault)

        return [
            Route("/oauth/token", token, methods=["POST"]),
            Route("/track/v1/trackingnumbers", track, methods=["POST"]),
        ]


def _not_found(number: str) -> dict[str, object]:
    error = {
        "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
        "message": "Tracking number cannot be found. Please correct the tracking number.",
    }
    result = {"trackingNumberInfo": {"trackingNumber": number}, "error": error}
    return {"trackingNumber": number, "trackResults": [result]}


def _location(event: ShownEvent) -> dict[str, str]:
    if event.place is None:
        return {}
    return {
        "city": event.place.city,
        "postalCode": event.place.postal_code,
        "countryCode": event.place.country,
    }


def _scan(event: ShownEvent) -> dict[str, object]:
    event_type, derived, derived_text = CODES.get(event.step.status, ("IT", "IT", "In transit"))
    if event.step.sub_status in SUB_CODES:
        event_type = SUB_CODES[event.step.sub_status]
    return {
        "date": event.local().isoformat(timespec="seconds"),
        "eventType": event_type,
        "eventDescription": event.text,
        "scanLocation": _location(event),
        "derivedStatusCode": derived,
        "derivedStatus": derived_text,
    }


def _result(ctx: SandboxContext, journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    scans = [_scan(e) for e in reversed(events)]  # newest first
    result: dict[str, object] = {
        "trackingNumberInfo": {
            "trackingNumber": journey.tracking_number,
            "carrierCode": "FDXE",
            "trackingNumberUniqueId": f"12029~{journey.tracking_number}~FDEG",
        },
        "scanEvents": scans,
        "packageDetails": {"count": "1", "sequenceNumber": "1"},
        "serviceDetail": {"type": "FEDEX_INTERNATIONAL_PRIORITY", "description": "FedEx IP"},
    }
    last = events[-1] if events else None
    if last is not None:
        latest = dict(scans[0])
        result["latestStatusDetail"] = {
            "code": latest["derivedStatusCode"],
            "derivedCode": latest["derivedStatusCode"],
            "statusByLocale": latest["derivedStatus"],
            "description": last.text,
            "scanLocation": _location(last),
        }
    eta = journey.estimate_day(ctx.clock.now())
    if last and last.step.status is Status.DELIVERED:
        result["dateAndTimes"] = [
            {"type": "ACTUAL_DELIVERY", "dateTime": last.local().isoformat(timespec="seconds")}
        ]
        result["deliveryDetails"] = {
            "receivedByName": last.step.signed_by or "",
            "deliveryAttempts": "1",
        }
        result["availableImages"] = [{"type": "SIGNATURE_PROOF_OF_DELIVERY"}]
    elif eta is not None:
        result["estimatedDeliveryTimeWindow"] = {
            "window": {
                "begins": f"{eta.isoformat()}T09:00:00+01:00",
                "ends": f"{eta.isoformat()}T12:00:00+01:00",
            }
        }
    return {"trackingNumber": journey.tracking_number, "trackResults": [result]}
