"""GLS Track & Trace API v1 with its OAuth endpoint (REFERENCE §5, vendor spec).

Quirks reproduced: up to 10 comma-separated unit numbers per request, per-parcel `errorCode`
E_404_01 for unknown ones, offsets written without a colon (`+0100`), and Apigee gateway fault
bodies for 401 (`steps.jwt.TokenExpired`) and 429 (`policies.ratelimit.QuotaViolation`).
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
from app.sandbox.view import ShownEvent, language_of, shown_events

MAX_UNITS = 10
STATUS: dict[Status, str] = {
    Status.INFO_RECEIVED: "PREADVICE",
    Status.IN_TRANSIT: "INTRANSIT",
    Status.OUT_FOR_DELIVERY: "INDELIVERY",
    Status.AVAILABLE_FOR_PICKUP: "DELIVEREDPS",  # GLS counts the ParcelShop as delivered
    Status.DELIVERED: "DELIVERED",
    Status.FAILED_ATTEMPT: "NOTDELIVERED",
    Status.EXCEPTION: "NOTDELIVERED",
    Status.RETURNING: "INTRANSIT",
    Status.RETURNED: "FINAL",
}
# Event codes are "GROUP.DETAIL" as in the app's GLS table (app/carriers/gls.py); the reference
# has no code table. GLS has no "returned" group: the return's last scan is a RETURN one too,
# and every failed delivery, whatever the reason, is a NOTDEL scan.
EVENT_CODES: dict[Status, str] = {
    Status.INFO_RECEIVED: "INTIAL.PREADVICE",
    Status.IN_TRANSIT: "INBOUND.HUB",
    Status.OUT_FOR_DELIVERY: "INDELIVERY.NORMAL",
    Status.AVAILABLE_FOR_PICKUP: "DELIVD.PARCELSHOP",
    Status.DELIVERED: "DELIVD.NORMAL",
    Status.FAILED_ATTEMPT: "NOTDEL.NOTATHOME",
    Status.EXCEPTION: "NOTDEL.OTHER",
    Status.RETURNING: "RETURN.SENDER",
    Status.RETURNED: "RETURN.DELIVERED",
}
# The spec has no event code for a delay: the delayed step stays an INBOUND.HUB scan and only its
# description ("Verzögerung: …" / "Delayed: …") says so, which is what the adapter reads [unconf].
SUB_EVENT_CODES = {
    SubStatus.ADDRESS_PROBLEM: "NOTDEL.ADDRESS",
    SubStatus.REFUSED: "NOTDEL.REFUSED",
    SubStatus.DAMAGED: "DAMAGE.NORMAL",
}
PICKUP_EVENT = "INTIAL.NORMAL"  # the parcel's first scan at GLS


class GlsSim:
    carrier_id = "gls"
    oauth = True
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        gateway = {
            401: "steps.jwt.TokenExpired",
            429: "policies.ratelimit.QuotaViolation",
        }
        if status in gateway:
            body: dict[str, object] = {
                "fault": {"faultstring": message, "detail": {"errorcode": gateway[status]}}
            }
        else:
            body = {"type": "about:blank", "title": message, "status": status}
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            fields = await oauth.form_fields(request)
            creds = oauth.basic_credentials(request) or (
                fields.get("client_id", ""),
                fields.get("client_secret", ""),
            )
            if fields.get("grant_type") != "client_credentials" or not oauth.accepted(*creds):
                return self.error_response(401, "Invalid client credentials", {})
            body = oauth.issue(
                ctx,
                self.carrier_id,
                lambda tok, life: {
                    "access_token": tok,
                    "token_type": "Bearer",
                    "expires_in": life - 1,
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
            units = [u.strip().upper() for u in request.path_params["units"].split(",") if u]
            if not units or len(units) > MAX_UNITS:
                return self.error_response(400, f"Send 1 to {MAX_UNITS} unit numbers", {})
            language = language_of(request.headers.get("accept-language"))
            parcels = []
            for unit in units:
                journey = ctx.journey(self.carrier_id, unit)
                if journey is None:
                    parcels.append(_unknown(unit))
                else:
                    events = shown_events(ctx, journey, language, admission.body_fault)
                    parcels.append(_parcel(journey, events))
            return json_response({"parcels": parcels}, body_fault=admission.body_fault)

        return [
            Route("/oauth2/v2/token", token, methods=["POST"]),
            Route("/track-and-trace-v1/tracking/simple/trackids/{units}", track, methods=["GET"]),
        ]


def _stamp(event: ShownEvent) -> str:
    return event.local().strftime("%Y-%m-%dT%H:%M:%S%z")  # +0100: no colon, as GLS sends it


def _unknown(unit: str) -> dict[str, object]:
    return {
        "requested": unit,
        "unitno": unit,
        "errorCode": "E_404_01",
        "errorMessage": "No data found for the parcel",
    }


def _event(event: ShownEvent, index: int) -> dict[str, object]:
    step = event.step
    code = SUB_EVENT_CODES.get(step.sub_status) if step.sub_status else None
    if index == 1 and step.status is Status.IN_TRANSIT:
        code = PICKUP_EVENT
    place = event.place
    return {
        "code": code or EVENT_CODES.get(step.status, "INBOUND.HUB"),
        "city": place.city if place else "",
        "postalCode": place.postal_code if place else "",
        "country": place.country if place else "",
        "description": event.text,
        "eventDateTime": _stamp(event),
    }


def _parcel(journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    last = events[-1] if events else None
    status = STATUS.get(last.step.status, "INTRANSIT") if last else "PLANNEDPICKUP"
    return {
        "requested": journey.tracking_number,
        "unitno": journey.tracking_number,
        "status": status,
        "statusDateTime": _stamp(last) if last else "",
        "events": [_event(e, i) for i, e in enumerate(events)][::-1],  # newest first
    }
