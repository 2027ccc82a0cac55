"""17TRACK API v2.2: register numbers, then fetch their track info (REFERENCE §6).

Quirks reproduced: the `17token` header, JSON arrays of at most 40 numbers, `code` 0 envelopes
with per-number `rejected[]` errors carrying negative codes, and events newest first with both
`time_iso` (local with offset) and `time_utc`.
"""

from __future__ import annotations

import json
import threading

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.domain.status import Status, SubStatus
from app.sandbox import oauth
from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault
from app.sandbox.gate import admit, json_response
from app.sandbox.journeys import Journey
from app.sandbox.view import ShownEvent, language_of, shown_events

PREFIX = "/track/v2.2"
MAX_NUMBERS = 40
ALREADY_REGISTERED = -18019901
NOT_REGISTERED = -18019902
INVALID_NUMBER = -18010012
CARRIER_KEYS = {
    "dhl": 7041,
    "ups": 100002,
    "fedex": 100003,
    "usps": 21051,
    "dpd": 100007,
    "hermes": 100011,
    "gls": 100005,
    "postnl": 14041,
    "royalmail": 11031,
}
CARRIER_NAMES = {
    "dhl": "DHL Paket",
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "dpd": "DPD",
    "hermes": "Hermes",
    "gls": "GLS",
    "postnl": "PostNL",
    "royalmail": "Royal Mail",
}
STATUS: dict[Status, tuple[str, str]] = {
    Status.INFO_RECEIVED: ("InfoReceived", "InfoReceived"),
    Status.IN_TRANSIT: ("InTransit", "InTransit_Other"),
    Status.OUT_FOR_DELIVERY: ("OutForDelivery", "OutForDelivery_Other"),
    Status.AVAILABLE_FOR_PICKUP: ("AvailableForPickup", "AvailableForPickup_Other"),
    Status.DELIVERED: ("Delivered", "Delivered_Other"),
    Status.FAILED_ATTEMPT: ("DeliveryFailure", "DeliveryFailure_NoBody"),
    Status.EXCEPTION: ("Exception", "Exception_Other"),
    Status.RETURNING: ("Exception", "Exception_Returning"),
    Status.RETURNED: ("Exception", "Exception_Returned"),
}
SUB_STATUS = {
    SubStatus.CUSTOMS: "InTransit_CustomsProcessing",
    SubStatus.DELAYED: "Exception_Delayed",
    SubStatus.ADDRESS_PROBLEM: "DeliveryFailure_InvalidAddress",
    SubStatus.REFUSED: "Exception_Rejected",
    SubStatus.LOST: "Exception_Lost",
    SubStatus.PICKED_UP: "Delivered_Other",
}


class SeventeenTrackSim:
    carrier_id = "17track"
    oauth = False
    sends_retry_after = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registered: set[str] = set()

    def registered(self) -> set[str]:
        with self._lock:
            return set(self._registered)

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        body = {"code": -status, "data": {"errors": [{"code": -status, "message": message}]}}
        return json_response(body, status=status, headers=headers)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def parse(request: Request) -> tuple[Response | None, list[str], Fault | None]:
            key = request.headers.get("17token")
            if not key or key.startswith(oauth.REFUSED_PREFIX):  # "bad…": a refused key
                return self.error_response(401, "Invalid security key", {}), [], None
            admission = await admit(ctx, self, key)
            if admission.refusal is not None:
                return admission.refusal, [], None
            try:
                items = json.loads(await request.body())
                numbers = [str(item["number"]).strip().upper() for item in items]
            except (ValueError, KeyError, TypeError):
                return self.error_response(400, "Invalid request body", {}), [], None
            if not numbers or len(numbers) > MAX_NUMBERS:
                return self.error_response(400, f"Send 1 to {MAX_NUMBERS} numbers", {}), [], None
            return None, numbers, admission.body_fault

        async def register(request: Request) -> Response:
            refusal, numbers, _ = await parse(request)
            if refusal is not None:
                return refusal
            accepted, rejected = [], []
            for number in numbers:
                journey = ctx.journey_any(number)
                with self._lock:
                    known = number in self._registered
                    self._registered.add(number)
                if known:
                    rejected.append(_rejection(number, ALREADY_REGISTERED, "Already registered"))
                else:
                    carrier = CARRIER_KEYS.get(journey.carrier, 0) if journey else 0
                    accepted.append({"origin": 1, "number": number, "carrier": carrier})
            return json_response({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

        async def info(request: Request) -> Response:
            refusal, numbers, fault = await parse(request)
            if refusal is not None:
                return refusal
            language = language_of(request.headers.get("accept-language"))
            accepted, rejected = [], []
            for number in numbers:
                if number not in self.registered():
                    rejected.append(_rejection(number, NOT_REGISTERED, "Not registered"))
                    continue
                accepted.append(render_item(ctx, number, ctx.journey_any(number), language, fault))
            payload = {"code": 0, "data": {"accepted": accepted, "rejected": rejected}}
            return json_response(payload, body_fault=fault)

        return [
            Route(f"{PREFIX}/register", register, methods=["POST"]),
            Route(f"{PREFIX}/gettrackinfo", info, methods=["POST"]),
        ]


def _rejection(number: str, code: int, message: str) -> dict[str, object]:
    return {"number": number, "error": {"code": code, "message": message}}


def _status(event: ShownEvent) -> tuple[str, str]:
    status, sub = STATUS.get(event.step.status, ("InTransit", "InTransit_Other"))
    if event.step.sub_status in SUB_STATUS and event.step.status not in (
        Status.RETURNING,
        Status.RETURNED,
    ):
        sub = SUB_STATUS[event.step.sub_status]
    return status, sub


def _event(event: ShownEvent) -> dict[str, object]:
    status, sub = _status(event)
    place = event.place
    return {
        "time_iso": event.local().isoformat(timespec="seconds"),
        "time_utc": event.at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "description": event.text,
        "location": f"{place.city}, {place.country}" if place else "",
        "stage": status,
        "sub_status": sub,
        "address": {
            "country": place.country if place else None,
            "city": place.city if place else None,
            "postal_code": place.postal_code if place else None,
        },
    }


def render_item(
    ctx: SandboxContext,
    number: str,
    journey: Journey | None,
    language: str,
    fault: Fault | None,
) -> dict[str, object]:
    events = shown_events(ctx, journey, language, fault) if journey else []
    carrier = journey.carrier if journey else ""
    latest = _status(events[-1]) if events else ("NotFound", "NotFound_Other")
    track_info: dict[str, object] = {
        "latest_status": {"status": latest[0], "sub_status": latest[1], "sub_status_descr": None},
        "latest_event": _event(events[-1]) if events else None,
        "misc_info": {"pieces": 1},
        "tracking": {
            "providers": [
                {
                    "provider": {
                        "key": CARRIER_KEYS.get(carrier, 0),
                        "name": CARRIER_NAMES.get(carrier, ""),
                    },
                    "events": [_event(e) for e in reversed(events)],  # newest first
                }
            ]
        },
    }
    eta = journey.estimate_day(ctx.clock.now()) if journey else None
    if eta is not None and latest[0] not in ("Delivered",):
        track_info["time_metrics"] = {
            "estimated_delivery_date": {
                "source": "Official",
                "from": f"{eta.isoformat()}T10:00:00+01:00",
                "to": f"{eta.isoformat()}T14:00:00+01:00",
            }
        }
    return {
        "number": number,
        "carrier": CARRIER_KEYS.get(carrier, 0),
        "param": None,
        "tag": "",
        "track_info": track_info,
    }
