"""What every sandbox request passes first: latency, the rate limit, and injected faults.

Carrier modules supply their own error shapes through `CarrierSim.error_response`; the gate
decides *whether* a request fails, the carrier decides *how* the failure looks on the wire.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h1>We'll be back soon</h1><p>Maintenance in progress.</p></body></html>"
)
TIMEOUT_SECONDS = 40.0  # longer than any client read timeout


class CarrierSim(Protocol):
    carrier_id: str
    oauth: bool
    sends_retry_after: bool  # whether its 429s carry Retry-After when rate limited

    def error_response(self, status: int, message: str, headers: dict[str, str]) -> Response: ...

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]: ...


@dataclass(frozen=True, slots=True)
class Admission:
    refusal: Response | None = None
    body_fault: Fault | None = None  # applied to the successful body


async def admit(ctx: SandboxContext, sim: CarrierSim, credential: str) -> Admission:
    if ctx.latency_ms > 0:
        await asyncio.sleep(ctx.latency_ms / 1000)
    wait = ctx.admit(sim.carrier_id, credential)
    if wait is not None:
        retry_after = math.ceil(wait) if sim.sends_retry_after else None
        return Admission(_too_many(ctx, sim, credential, retry_after))
    fault = ctx.faults.draw(oauth=sim.oauth)
    if fault is None:
        return Admission()
    if fault is Fault.RATE_LIMIT_WITH_RETRY_AFTER:
        return Admission(_too_many(ctx, sim, credential, ctx.faults.retry_after_seconds()))
    if fault is Fault.RATE_LIMIT_WITHOUT_RETRY_AFTER:
        return Admission(_too_many(ctx, sim, credential, None))
    if fault in (Fault.SERVER_ERROR, Fault.BAD_GATEWAY, Fault.UNAVAILABLE):
        status = int(fault.value)
        return Admission(sim.error_response(status, "Service temporarily unavailable", {}))
    if fault is Fault.TIMEOUT:
        await asyncio.sleep(TIMEOUT_SECONDS)
        return Admission(sim.error_response(504, "Gateway timeout", {}))
    if fault is Fault.HTML_ERROR_PAGE:
        return Admission(Response(HTML_ERROR_PAGE, 200, media_type="text/html"))
    if fault is Fault.EXPIRED_TOKEN:
        return Admission(sim.error_response(401, "Access token expired", {}))
    return Admission(body_fault=fault)


def _too_many(
    ctx: SandboxContext, sim: CarrierSim, credential: str, retry_after: int | None
) -> Response:
    ctx.note_rate_limited(sim.carrier_id, credential, retry_after)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return sim.error_response(429, "Too many requests", headers)


def json_response(
    payload: object,
    *,
    status: int = 200,
    body_fault: Fault | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    if body_fault is Fault.TRUNCATED_JSON:
        return Response(body[: max(1, len(body) // 2)], status, headers, "application/json")
    if body_fault is Fault.SLOW_BODY:
        return StreamingResponse(_trickle(body), status, headers, "application/json")
    return Response(body, status, headers, "application/json")


async def _trickle(body: bytes) -> AsyncIterator[bytes]:
    step = max(1, len(body) // 4)
    for start in range(0, len(body), step):
        await asyncio.sleep(0.25)
        yield body[start : start + step]
