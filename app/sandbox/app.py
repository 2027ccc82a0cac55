"""The sandbox's ASGI app: every simulated API under one host, plus a small control API."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from app.sandbox.context import SandboxContext
from app.sandbox.gate import CarrierSim
from app.sandbox.journeys import Journey, Scenario


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
    ]


def build_app(ctx: SandboxContext, sims: list[CarrierSim] | None = None) -> Starlette:
    # Each API lives under /<carrier id> with its real paths below, so a client reaches it by
    # swapping only scheme, host and that prefix (see `sandbox_url`).
    routes: list[BaseRoute] = [
        Mount(f"/{sim.carrier_id}", routes=sim.routes(ctx)) for sim in sims or all_sims()
    ]
    routes.extend(_control_routes(ctx))
    return Starlette(routes=routes)


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


def _control_routes(ctx: SandboxContext) -> list[BaseRoute]:
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

    return [
        Route("/_sandbox/journeys", list_journeys, methods=["GET"]),
        Route("/_sandbox/journeys", create_journey, methods=["POST"]),
        Route("/_sandbox/clock", move_clock, methods=["POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
    ]
