"""UPS Tracking API (`/api/track/v1`) with its OAuth endpoint (REFERENCE §2).

Quirks reproduced: `expires_in` as a string, activity newest first with local `date`/`time`
and GMT fields whose `gmtTime` is not zero-padded, required `transId`/`transactionSrc`, and a
200 answer carrying warning TW0001 for a number that UPS knows nothing about yet.
"""

from __future__ import annotations

from datetime import UTC

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

# (activity type, 3-digit status code, 2-character scan code)
CODES: dict[Status, tuple[str, str, str]] = {
    Status.INFO_RECEIVED: ("M", "003", "MP"),
    Status.IN_TRANSIT: ("I", "005", "AR"),
    Status.OUT_FOR_DELIVERY: ("I", "021", "OT"),
    Status.AVAILABLE_FOR_PICKUP: ("I", "017", "ZP"),  # held for customer pickup
    Status.DELIVERED: ("D", "011", "FS"),
    Status.FAILED_ATTEMPT: ("X", "022", "48"),
    Status.EXCEPTION: ("X", "013", "RS"),
    Status.RETURNING: ("I", "033", "RS"),  # return to sender requested
    Status.RETURNED: ("D", "011", "FS"),  # the ordinary delivery scan, at the sender
}
PICKUP = ("P", "038", "PU")
# A delay is an exception-type activity carrying statusCode 048, as in a captured live answer:
# {"type": "X", "code": "08", "statusCode": "048", "description": "Due to operating conditions,
# your package may be delayed."} [obs]. The adapter reads the code, so the parcel stays in transit.
DELAY = ("X", "048", "08")
UNKNOWN_NUMBER_WARNING = "NOTYETSCANNED"  # numbers starting with this get the 200 warning


class UpsSim:
    carrier_id = "ups"
    oauth = True
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        codes = {401: "250002", 404: "TW0001", 400: "TV1002", 429: "TW0003"}
        body = {"response": {"errors": [{"code": codes.get(status, "9999"), "message": message}]}}
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            creds = oauth.basic_credentials(request)
            fields = await oauth.form_fields(request)
            if fields.get("grant_type") != "client_credentials" or not (
                creds and oauth.accepted(*creds)
            ):
                return self.error_response(401, "Invalid Authentication Information.", {})
            client_id = creds[0]
            body = oauth.issue(
                ctx,
                self.carrier_id,
                lambda tok, life: {
                    "token_type": "Bearer",
                    "issued_at": str(int(ctx.clock.now().timestamp() * 1000)),
                    "client_id": client_id,
                    "access_token": tok,
                    "scope": "",
                    "expires_in": str(life - 1),  # a string, as UPS sends it
                    "refresh_count": "0",
                    "status": "approved",
                },
            )
            return json_response(body)

        async def details(request: Request) -> Response:
            token = oauth.authorised(ctx, self.carrier_id, request)
            if token is None:
                return oauth.unauthorised(self.error_response)
            admission = await admit(ctx, self, token)
            if admission.refusal is not None:
                return admission.refusal
            if not request.headers.get("transId") or not request.headers.get("transactionSrc"):
                return self.error_response(400, "Missing transId or transactionSrc header", {})
            number = request.path_params["number"].strip().upper()
            if len(number) < 7 or len(number) > 34:
                return self.error_response(400, "Invalid inquiry number", {})
            journey = ctx.journey(self.carrier_id, number)
            if journey is None:
                if number.startswith(UNKNOWN_NUMBER_WARNING):
                    return json_response(_warning_only(number))
                return self.error_response(404, "Tracking Information Not Found", {})
            language = language_of(request.query_params.get("locale"))
            events = shown_events(ctx, journey, language, admission.body_fault)
            payload = {"trackResponse": {"shipment": [_shipment(ctx, journey, events)]}}
            return json_response(payload, body_fault=admission.body_fault)

        return [
            Route("/security/v1/oauth/token", token, methods=["POST"]),
            Route("/api/track/v1/details/{number}", details, methods=["GET"]),
        ]


def _warning_only(number: str) -> dict[str, object]:
    warning = {"code": "TW0001", "message": "Tracking Information Not Found"}
    return {"trackResponse": {"shipment": [{"inquiryNumber": number, "warnings": [warning]}]}}


def _status(event: ShownEvent, index: int) -> dict[str, str]:
    if index == 1:
        kind, code3, scan = PICKUP
    elif event.step.sub_status is SubStatus.DELAYED:
        kind, code3, scan = DELAY
    else:
        kind, code3, scan = CODES.get(event.step.status, ("I", "005", "IT"))
    return {"type": kind, "code": scan, "description": event.text, "statusCode": code3}


def _activity(event: ShownEvent, index: int) -> dict[str, object]:
    local = event.local()
    gmt = event.at.astimezone(UTC)
    offset = local.strftime("%z")
    activity: dict[str, object] = {
        "date": local.strftime("%Y%m%d"),
        "time": local.strftime("%H%M%S"),
        "gmtDate": gmt.strftime("%Y%m%d"),
        "gmtTime": str(int(gmt.strftime("%H%M%S"))),  # UPS drops the leading zeros
        "gmtOffset": f"{offset[:3]}:{offset[3:]}",
        "status": _status(event, index),
    }
    if event.place is not None:
        activity["location"] = {
            "address": {
                "city": event.place.city,
                "postalCode": event.place.postal_code,
                "countryCode": event.place.country,
                "country": event.place.country,
            }
        }
    return activity


def _addresses(journey: Journey) -> list[dict[str, object]]:
    place = journey.destination
    if place is None:
        return []
    address = {
        "city": place.city,
        "stateProvince": place.state,
        "postalCode": place.postal_code,
        "countryCode": place.country,
    }
    return [{"type": "DESTINATION", "address": address}]


def _shipment(ctx: SandboxContext, journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    activities = [_activity(e, i) for i, e in enumerate(events)][::-1]  # newest first
    package: dict[str, object] = {
        "trackingNumber": journey.tracking_number,
        "activity": activities,
        "packageCount": 1,
        "packageAddress": _addresses(journey),
        "service": {"code": "011", "description": "UPS Standard"},
    }
    if activities:
        package["currentStatus"] = activities[0]["status"]
    last = events[-1] if events else None
    eta = journey.estimate_day(ctx.clock.now())
    if last and last.step.status is Status.DELIVERED:
        package["deliveryDate"] = [{"type": "DEL", "date": last.local().strftime("%Y%m%d")}]
        package["deliveryInformation"] = {
            "receivedBy": last.step.signed_by or "",
            "location": "Front Door" if last.step.sub_status is SubStatus.SIGNED else "",
        }
    elif eta is not None:
        package["deliveryDate"] = [{"type": "RDD", "date": eta.strftime("%Y%m%d")}]
        package["deliveryTime"] = {"type": "EDW", "startTime": "100000", "endTime": "140000"}
    return {"inquiryNumber": journey.tracking_number, "package": [package]}
