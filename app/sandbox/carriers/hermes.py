"""Hermes Germany HSI `GET /services/hsi/shipmentinfo` and its password grant (REFERENCE §5).

Quirks reproduced: the OAuth password grant on its own path, repeated `shipmentID` parameters,
`status[]` newest first with ISO timestamps carrying offsets, ISO3 country codes, 4-digit codes.
Codes the reference does not pin down follow the app's table (app/carriers/codes_hermes.py):
40xx are returns still under way, 7500 is the parcel back at the sender.
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

CODES: dict[Status, str] = {
    Status.INFO_RECEIVED: "0000",
    Status.IN_TRANSIT: "2000",
    Status.OUT_FOR_DELIVERY: "3000",
    Status.AVAILABLE_FOR_PICKUP: "3410",
    Status.DELIVERED: "3500",
    Status.FAILED_ATTEMPT: "3731",
    Status.EXCEPTION: "3795",
    Status.RETURNING: "4010",
    Status.RETURNED: "7500",  # arrived back at the sender (4054 is still on its way)
}
SUB_CODES = {
    # Hermes' code list has no plain "delayed on the way"; 4610 (picked up a working day late
    # because of high volume) is its one code that only means a delay [vendor CSV via karrio].
    SubStatus.DELAYED: "4610",
    SubStatus.ADDRESS_PROBLEM: "3720",
    SubStatus.DAMAGED: "3740",
    SubStatus.PICKED_UP: "3530",
}
PICKUP_CODE = "1000"
ISO3 = {"DE": "DEU", "GB": "GBR", "NL": "NLD", "US": "USA"}
MAX_IDS = 20


class HermesSim:
    carrier_id = "hermes"
    oauth = True
    sends_retry_after = False

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        body = {"error": {"code": str(status), "message": message}}
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def token(request: Request) -> Response:
            fields = await oauth.form_fields(request)
            if fields.get("grant_type") != "password" or not (
                oauth.accepted(fields.get("username"), fields.get("password"))
                and oauth.accepted(fields.get("client_id"), fields.get("client_secret"))
            ):
                refusal = {"error": "invalid_grant", "error_description": "Bad credentials"}
                return json_response(refusal, status=401)
            body = oauth.issue(
                ctx,
                self.carrier_id,
                lambda tok, life: {
                    "access_token": tok,
                    "token_type": "bearer",
                    "expires_in": life - 1,
                    "refresh_token": "not-used",
                    "scope": "read",
                },
            )
            return json_response(body)

        async def info(request: Request) -> Response:
            token = oauth.authorised(ctx, self.carrier_id, request)
            if token is None:
                return oauth.unauthorised(self.error_response)
            admission = await admit(ctx, self, token)
            if admission.refusal is not None:
                return admission.refusal
            numbers = [n.strip().upper() for n in request.query_params.getlist("shipmentID")]
            if not numbers or len(numbers) > MAX_IDS:
                return self.error_response(400, f"Send 1 to {MAX_IDS} shipmentID values", {})
            language = language_of(request.headers.get("accept-language"))
            infos = []
            for number in numbers:
                journey = ctx.journey(self.carrier_id, number)
                if journey is None:
                    infos.append(_unknown(number))
                else:
                    events = shown_events(ctx, journey, language, admission.body_fault)
                    infos.append(_info(ctx, journey, events))
            return json_response({"shipmentinfo": infos}, body_fault=admission.body_fault)

        return [
            Route("/authorization-facade/oauth2/access_token", token, methods=["POST"]),
            Route("/services/hsi/shipmentinfo", info, methods=["GET"]),
        ]


def _unknown(number: str) -> dict[str, object]:
    result = {"code": "e404", "message": "Shipment not found"}
    return {"shipmentID": number, "result": result, "status": []}


def _status(event: ShownEvent, index: int) -> dict[str, object]:
    step = event.step
    code = SUB_CODES.get(step.sub_status) if step.sub_status else None
    if index == 1:
        code = PICKUP_CODE
    rendered: dict[str, object] = {
        "timestamp": event.local().isoformat(timespec="seconds"),
        "code": code or CODES.get(step.status, "2000"),
        "description": event.text,
    }
    if event.place is not None:
        rendered["scanningUnit"] = {
            "name": f"Hermes {event.place.city}",
            "city": event.place.city,
            "countryCode": ISO3.get(event.place.country, event.place.country),
        }
    return rendered


def _info(ctx: SandboxContext, journey: Journey, events: list[ShownEvent]) -> dict[str, object]:
    info: dict[str, object] = {
        "shipmentID": journey.tracking_number,
        "clientReference": "",
        "result": {"code": "i001", "message": "OK"},
        "status": [_status(e, i) for i, e in enumerate(events)][::-1],  # newest first
    }
    eta = journey.estimate_day(ctx.clock.now())
    last = events[-1] if events else None
    if eta is not None and last and last.step.status not in (Status.DELIVERED, Status.RETURNED):
        info["deliveryForecast"] = {
            "fixed": False,
            "date": eta.isoformat(),
            "timeSlot": {"from": "10:00", "to": "14:00"},
        }
    return info
