"""AfterShip Tracking API 2024-04: create, then read trackings (REFERENCE §6).

Quirks reproduced: the `as-api-key` header, the {meta, data} envelope with meta codes 4003
(already exists) and 4004 (does not exist), checkpoints oldest first whose `checkpoint_time`
has no offset, and tags/subtags. A tracking created without a slug gets the courier its number's
format suggests (4012 when none fits); one the courier has no data for stays Pending.
Trackings the user created are what webhooks report on.
"""

from __future__ import annotations

import json
import threading
import uuid

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

PREFIX = "/tracking/2024-04"
SLUGS = {
    "dhl": "dhl",
    "ups": "ups",
    "fedex": "fedex",
    "usps": "usps",
    "dpd": "dpd-de",
    "hermes": "hermes-de",
    "gls": "gls",
    "postnl": "postnl",
    "royalmail": "royal-mail",
}
TAGS: dict[Status, tuple[str, str]] = {
    Status.INFO_RECEIVED: ("InfoReceived", "InfoReceived_001"),
    Status.IN_TRANSIT: ("InTransit", "InTransit_001"),
    Status.OUT_FOR_DELIVERY: ("OutForDelivery", "OutForDelivery_001"),
    Status.AVAILABLE_FOR_PICKUP: ("AvailableForPickup", "AvailableForPickup_001"),
    Status.DELIVERED: ("Delivered", "Delivered_001"),
    Status.FAILED_ATTEMPT: ("AttemptFail", "AttemptFail_001"),
    Status.EXCEPTION: ("Exception", "Exception_005"),
    Status.RETURNING: ("Exception", "Exception_010"),
    Status.RETURNED: ("Exception", "Exception_011"),
}
SUB_TAGS: dict[SubStatus, tuple[str, str]] = {
    SubStatus.CUSTOMS: ("InTransit", "InTransit_004"),
    SubStatus.DELAYED: ("Exception", "Exception_005"),
    SubStatus.ADDRESS_PROBLEM: ("Exception", "Exception_007"),
    SubStatus.REFUSED: ("Exception", "Exception_003"),
    SubStatus.LOST: ("Exception", "Exception_013"),
    SubStatus.DAMAGED: ("Exception", "Exception_012"),
    SubStatus.PICKED_UP: ("Delivered", "Delivered_002"),
    SubStatus.SIGNED: ("Delivered", "Delivered_003"),
}
ISO3 = {"DE": "DEU", "GB": "GBR", "NL": "NLD", "US": "USA"}


class AftershipSim:
    carrier_id = "aftership"
    oauth = False
    sends_retry_after = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._created: dict[str, tuple[str, str]] = {}  # number -> (id, slug)

    def created(self) -> dict[str, tuple[str, str]]:
        with self._lock:
            return dict(self._created)

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response:
        types = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 429: "TooManyRequests"}
        meta = {"code": status, "message": message, "type": types.get(status, "InternalError")}
        return json_response({"meta": meta, "data": {}}, status=status, headers=headers)

    def _meta_error(self, status: int, code: int, message: str) -> Response:
        meta = {"code": code, "message": message, "type": "BadRequest"}
        return json_response({"meta": meta, "data": {}}, status=status)

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        async def guard(request: Request) -> tuple[Response | None, Fault | None]:
            key = request.headers.get("as-api-key")
            if not key or key.startswith(oauth.REFUSED_PREFIX):  # "bad…": a refused key
                return self.error_response(401, "Invalid API key.", {}), None
            admission = await admit(ctx, self, key)
            return admission.refusal, admission.body_fault

        async def create(request: Request) -> Response:
            refusal, _ = await guard(request)
            if refusal is not None:
                return refusal
            try:
                data = json.loads(await request.body())
                tracking = data["tracking"]
                number = str(tracking["tracking_number"]).strip().upper()
            except (ValueError, KeyError, TypeError):
                return self._meta_error(400, 4001, "Invalid JSON data.")
            journey = ctx.journey_any(number)
            detected = journey.carrier if journey else _detect(number)
            slug = str(tracking.get("slug") or SLUGS.get(detected or "", ""))
            if not slug:
                return self._meta_error(400, 4012, "Cannot detect courier.")
            with self._lock:
                if number in self._created:
                    return self._meta_error(400, 4003, "Tracking already exists.")
                self._created[number] = (uuid.uuid4().hex, slug)
            body = render_tracking(ctx, self.created()[number], number, journey, "en", None)
            meta = {"code": 201, "message": "Created", "type": "Created"}
            return json_response({"meta": meta, "data": {"tracking": body}}, status=201)

        async def read(request: Request) -> Response:
            refusal, fault = await guard(request)
            if refusal is not None:
                return refusal
            number = request.path_params["number"].strip().upper()
            entry = self.created().get(number)
            if entry is None:
                return self._meta_error(404, 4004, "Tracking does not exist.")
            language = language_of(request.query_params.get("lang"))
            journey = ctx.journey_any(number)
            body = render_tracking(ctx, entry, number, journey, language, fault)
            meta = {"code": 200, "message": "OK", "type": "OK"}
            return json_response({"meta": meta, "data": {"tracking": body}}, body_fault=fault)

        return [
            Route(f"{PREFIX}/trackings", create, methods=["POST"]),
            Route(f"{PREFIX}/trackings/{{slug}}/{{number}}", read, methods=["GET"]),
        ]


def _detect(number: str) -> str | None:
    """The courier AfterShip would detect from the number's format (specific formats first)."""
    from app.domain.tracking_numbers import detect

    candidates = [c for c in detect(number).candidates if c.carrier in SLUGS]
    candidates.sort(key=lambda c: (not c.specific, c.checksum != "valid"))
    return candidates[0].carrier if candidates else None


def _tags(event: ShownEvent) -> tuple[str, str]:
    step = event.step
    if step.sub_status in SUB_TAGS and step.status not in (Status.RETURNING, Status.RETURNED):
        return SUB_TAGS[step.sub_status]
    return TAGS.get(step.status, ("InTransit", "InTransit_001"))


def _checkpoint(event: ShownEvent, slug: str) -> dict[str, object]:
    tag, subtag = _tags(event)
    place = event.place
    return {
        # The courier's local time with no offset, as AfterShip often sends it; the zone follows
        # from the checkpoint's country. A checkpoint with no place keeps its offset, else no
        # client could tell its zone.
        "checkpoint_time": (
            event.local().replace(tzinfo=None) if place else event.local()
        ).isoformat(timespec="seconds"),
        "created_at": event.at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "slug": slug,
        "city": place.city if place else None,
        "zip": place.postal_code if place else None,
        "country_iso3": ISO3.get(place.country, place.country) if place else None,
        "location": f"{place.city}, {place.country}" if place else None,
        "message": event.text,
        "tag": tag,
        "subtag": subtag,
        "subtag_message": event.text,
        "raw_tag": event.step.status.value.upper(),
    }


def render_tracking(
    ctx: SandboxContext,
    entry: tuple[str, str],
    number: str,
    journey: Journey | None,
    language: str,
    fault: Fault | None,
) -> dict[str, object]:
    tracking_id, slug = entry
    events = shown_events(ctx, journey, language, fault) if journey else []
    checkpoints = [_checkpoint(e, slug) for e in events]  # oldest first
    tag, subtag = _tags(events[-1]) if events else ("Pending", "Pending_001")
    body: dict[str, object] = {
        "id": tracking_id,
        "tracking_number": number,
        "slug": slug,
        "active": tag not in ("Delivered", "Expired"),
        "tag": tag,
        "subtag": subtag,
        "subtag_message": events[-1].text if events else "Pending",
        "checkpoints": checkpoints,
        "shipment_package_count": 1,
    }
    last = events[-1] if events else None
    if last and last.step.status is Status.DELIVERED:
        body["signed_by"] = last.step.signed_by
        body["shipment_delivery_date"] = last.local().isoformat(timespec="seconds")
    elif journey is not None and (eta := journey.estimate_day(ctx.clock.now())) is not None:
        day = eta.isoformat()
        body["latest_estimated_delivery"] = {
            "type": "specific",
            "source": "Carrier EDD",
            "datetime": f"{day}T12:00:00+01:00",
            "datetime_min": f"{day}T10:00:00+01:00",
            "datetime_max": f"{day}T14:00:00+01:00",
        }
    return body
