"""The sandbox's ASGI app: every simulated API under one host, plus a small control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from app.sandbox.carriers.aftership import AftershipSim
from app.sandbox.carriers.seventeen_track import SeventeenTrackSim
from app.sandbox.context import SandboxContext, WebhookTarget
from app.sandbox.gate import CarrierSim
from app.sandbox.journeys import Journey, Scenario
from app.sandbox.webhooks import WebhookPusher


def all_sims() -> list[CarrierSim]:
    from app.sandbox.carriers.dhl import DhlSim
    from app.sandbox.carriers.dpd import DpdSim
    from app.sandbox.carriers.fedex import FedexSim
    from app.sandbox.carriers.gls import GlsSim
    from app.sandbox.carriers.hermes import HermesSim
    from app.sandbox.carriers.postnl import PostnlSim
    from app.sandbox.carriers.royalmail import RoyalMailSim
    from app.sandbox.carriers.ups import UpsSim
    from app.sandbox.carriers.usps import UspsSim

    return [
        DhlSim(),
        UpsSim(),
        FedexSim(),
        UspsSim(),
        DpdSim(),
        HermesSim(),
        GlsSim(),
        PostnlSim(),
        RoyalMailSim(),
        AftershipSim(),
        SeventeenTrackSim(),
    ]


def build_app(ctx: SandboxContext, *, webhook_interval: float = 1.0) -> Starlette:
    sims = all_sims()
    # Each API lives under /<carrier id> with its real paths below, so a client reaches it by
    # swapping only scheme, host and that prefix (see `sandbox_url`).
    routes: list[BaseRoute] = [Mount(f"/{sim.carrier_id}", routes=sim.routes(ctx)) for sim in sims]
    aftership = next(s for s in sims if isinstance(s, AftershipSim))
    seventeen = next(s for s in sims if isinstance(s, SeventeenTrackSim))
    pusher = WebhookPusher(ctx, aftership, seventeen)
    routes.extend(_control_routes(ctx, pusher))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(pusher.run(webhook_interval))
        try:
            yield
        finally:
            task.cancel()

    return Starlette(routes=routes, lifespan=lifespan)


def sandbox_url(root: str, carrier_id: str, real_url: str) -> str:
    """Where the sandbox at `root` serves what `real_url` is at the carrier."""

    path = urlsplit(real_url).path.rstrip("/")
    return f"{root.rstrip('/')}/{carrier_id}{path}"


def _journey_json(ctx: SandboxContext, journey: Journey) -> dict[str, object]:
    now = ctx.clock.now()
    visible = journey.visible_steps(now)
    return {
        "tracking_number": journey.tracking_number,
        "carrier": journey.carrier,
        "scenario": journey.scenario.value,
        "status": visible[-1].status.value if visible else None,
        "events": len(visible),
        "finished": journey.finished(now),
    }


def _control_routes(ctx: SandboxContext, pusher: WebhookPusher) -> list[BaseRoute]:
    async def list_journeys(request: Request) -> Response:
        return JSONResponse([_journey_json(ctx, j) for j in ctx.journeys()])

    async def create_journey(request: Request) -> Response:
        from app.sandbox.seed import new_journey

        data = await request.json()
        try:
            journey = new_journey(
                ctx,
                carrier=str(data["carrier"]),
                scenario=Scenario(data.get("scenario", Scenario.DELIVERED.value)),
                number=data.get("number"),
            )
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(_journey_json(ctx, journey), status_code=201)

    async def move_clock(request: Request) -> Response:
        data = await request.json()
        now = ctx.clock.advance(timedelta(hours=float(data.get("advance_hours", 0))))
        return JSONResponse({"now": now.isoformat()})

    async def stats(request: Request) -> Response:
        s = ctx.stats
        return JSONResponse(
            {
                "requests": s.requests,
                "rate_limited": s.rate_limited,
                "early_retries": s.early_retries,
                "by_carrier": s.by_carrier,
                "faults": {k.value: v for k, v in ctx.faults.injected.items()},
            }
        )

    async def add_webhook(request: Request) -> Response:
        data = await request.json()
        aggregator = str(data.get("aggregator", ""))
        if aggregator not in ("aftership", "17track") or not data.get("url"):
            return JSONResponse({"error": "aggregator and url are required"}, status_code=400)
        ctx.webhooks.append(WebhookTarget(aggregator, str(data["url"]), str(data["secret"])))
        return JSONResponse({"registered": len(ctx.webhooks)}, status_code=201)

    async def flush_webhooks(request: Request) -> Response:
        return JSONResponse({"pushed": await pusher.push_once()})

    return [
        Route("/_sandbox/webhooks", add_webhook, methods=["POST"]),
        Route("/_sandbox/webhooks/flush", flush_webhooks, methods=["POST"]),
        Route("/_sandbox/journeys", list_journeys, methods=["GET"]),
        Route("/_sandbox/journeys", create_journey, methods=["POST"]),
        Route("/_sandbox/clock", move_clock, methods=["POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
    ]
