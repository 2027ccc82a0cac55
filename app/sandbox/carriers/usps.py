"""USPS Tracking API v3 with its OAuth endpoint (REFERENCE §4).

Quirks reproduced: events newest first, `GMTOffset` as a string such as "-05:00" (the spec's
type), and 429/503 that always carry `Retry-After` in seconds (the only API that documents it).
The live-response quirks REFERENCE confirms (`eventTimestamp` local without offset, booleans as
strings, `mailType` "DM", `mailClass` with HTML) come for about half of the parcels
(`live_quirks`); the others follow the published spec, so clients meet both shapes.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import EDITED_SUFFIX, ShownEvent, shown_events

# our status -> (eventCode, eventType, statusCategory)
CODES: dict[Status, tuple[str, str, str]] = {
    Status.INFO_RECEIVED: ("GX", "Shipping Label Created, USPS Awaiting Item", "Pre-Shipment"),
    Status.IN_TRANSIT: ("10", "Arrived at USPS Regional Facility", "In Transit"),
    Status.OUT_FOR_DELIVERY: ("OF", "Out for Delivery", "Out for Delivery"),
    Status.AVAILABLE_FOR_PICKUP: ("16", "Available for Pickup", "Available for Pickup"),
    Status.DELIVERED: ("01", "Delivered", "Delivered"),
    Status.FAILED_ATTEMPT: ("02", "Notice Left (No Authorized Recipient Available)", "Alert"),
    Status.EXCEPTION: ("24", "Forward Expired", "Alert"),
    Status.RETURNING: ("09", "Return to Sender", "Alert"),
    Status.RETURNED: ("01", "Delivered to Sender", "Delivered"),
}
PICKUP_CODE = ("03", "USPS picked up item", "Accepted")
# USPS words a late parcel "In Transit, Arriving Late" (a status seen in many clients); the event
# code behind it is unconfirmed, so the delayed step keeps the in-transit scan code.
ARRIVING_LATE = "In Transit, Arriving Late"
# Exceptions by reason (Pub 199 App. G-4 codes as the app's table reads them).
SUB_CODES: dict[SubStatus, tuple[str, str, str]] = {
    SubStatus.ADDRESS_PROBLEM: ("25", "Addressee Unknown", "Alert"),
    SubStatus.REFUSED: ("04", "Refused", "Alert"),
    SubStatus.LOST: ("11", "Dead Letter", "Alert"),
}


def live_quirks(number: str) -> bool:
    """Whether this parcel's answers carry the live-response quirks (stable per number)."""
    return zlib.crc32(number.upper().encode()) % 2 == 0


class UspsSim:
    carrier_id = "usps"
    oauth = True
    sends_retry_after = True

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        if status in (429, 503) and "Retry-After" not in headers:
            headers = {**headers, "Retry-After": "2"}
        if status == 401:
            headers = {**headers, "WWW-Authenticate": 'Bearer realm="https://api.usps.com"'}
        body = {
            "apiVersion": "v3",
            "error": {
                "code": str(status),
                "message": message,
                "errors": [{"status": str(status), "code": str(status), "title": message}],
            },
        }
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            fields = await oauth.form_fields(request)
            if fields.get("grant_type") != "client_credentials" or not oauth.accepted(
                fields.get("client_id"), fields.get("client_secret")
            ):
                refusal = {"error": "invalid_client", "error_description": "Client auth failed"}
                return json_response(refusal, status=401)
            body = oauth.issue(
                ctx,
                self.carrier_id,
                lambda tok, life: {
                    "access_token": tok,
                    "token_type": "Bearer",
                    "expires_in": life - 1,
                    "issued_at": int(ctx.clock.now().timestamp() * 1000),
                    "scope": "tracking",
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
            number = request.path_params["number"].strip().upper()
            journey = ctx.journey(self.carrier_id, number)
            if journey is None:
                return self.error_response(404, "The tracking number could not be found", {})
            events = shown_events(ctx, journey, "en", admission.body_fault)
            return json_response(_tracking(ctx, journey, events), body_fault=admission.body_fault)

        return [
            Route("/oauth2/v3/token", token, methods=["POST"]),
            Route("/tracking/v3/tracking/{number}", track, methods=["GET"]),
        ]


def _codes(event: ShownEvent) -> tuple[str, str, str]:
    step = event.step
    if step.status is Status.EXCEPTION and step.sub_status in SUB_CODES:
        return SUB_CODES[step.sub_status]
    code, kind, category = CODES.get(step.status, CODES[Status.IN_TRANSIT])
    if step.status is Status.IN_TRANSIT and step.sub_status is SubStatus.DELAYED:
        kind = ARRIVING_LATE
    return code, kind, category


def _event(event: ShownEvent, index: int, quirks: bool) -> dict[str, object]:
    code, kind, _ = PICKUP_CODE if index == 1 else _codes(event)
    local = event.local("America/New_York")
    offset = local.strftime("%z")
    if event.text != event.step.text_en:  # a CHANGED_TEXT fault reworded this event
        kind += EDITED_SUFFIX["en"]
    # The spec types eventTimestamp as an RFC 3339 date-time; live answers send the local time
    # without its offset (REFERENCE §4, "Time quirk").
    stamp = local.replace(tzinfo=None) if quirks else local
    rendered: dict[str, object] = {
        "eventType": kind,
        "eventTimestamp": stamp.isoformat(timespec="seconds"),
        "GMTTimestamp": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "GMTOffset": f"{offset[:3]}:{offset[3:]}",
        "eventCode": code,
    }
    if event.place is not None:
        rendered |= {
            "eventCity": event.place.city.upper(),
            "eventZIP": event.place.postal_code,
            "eventCountry": event.place.country,
        }
    if event.step.status is Status.DELIVERED and event.step.signed_by:
        rendered["name"] = event.step.signed_by
    return rendered


def _destination(journey: Journey) -> dict[str, str]:
    place = journey.destination
    if place is None or place.country != "US":
        return {}
    return {
        "destinationCity": place.city.upper(),
        "destinationState": place.state,
        "destinationZIP": place.postal_code,
    }


def _tracking(ctx: SandboxContext, journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    quirks = live_quirks(journey.tracking_number)
    rendered = [_event(e, i, quirks) for i, e in enumerate(events)][::-1]  # reverse chronological
    last = events[-1] if events else None
    category = _codes(last)[2] if last else "Pre-Shipment"
    body: dict[str, object] = {
        "trackingNumber": journey.tracking_number,
        # live answers: HTML in mailClass, "DM" outside the enum, a boolean as a string [obs]
        "mailClass": "Priority Mail<SUP>&#174;</SUP>" if quirks else "PRIORITY_MAIL",
        "mailType": "DM" if quirks else "DOMESTIC_MAIL",
        **_destination(journey),
        "status": last.text if last else "",
        "statusCategory": category,
        "statusSummary": last.text if last else "",
        "proofOfDeliveryEnabled": "true" if quirks else True,
        "trackingEvents": rendered,
    }
    eta = journey.estimate_day(ctx.clock.now())
    if eta is not None and last and last.step.status not in (Status.DELIVERED, Status.RETURNED):
        # date-time in the spec (RFC 3339): the end of the day at the destination, with offset
        zone = journey.destination.zone if journey.destination else "America/New_York"
        end_of_day = datetime.combine(eta, time(20), ZoneInfo(zone))
        body["expectedDeliveryTimeStamp"] = end_of_day.isoformat()
        body["predictedDeliveryDate"] = eta.isoformat()
        body["predictedDeliveryWindowStartTime"] = "10:00"
        body["predictedDeliveryWindowEndTime"] = "14:00"
    if last and last.step.sub_status is SubStatus.DELAYED:
        body["status"] = _codes(last)[1]  # the headline is the status name, "…Arriving Late"
    return body
