"""Signed webhook pushes from the simulated aggregators to URLs the app registered.

Signatures are computed here from the reference's description, independently of the app's
verifier in app.carriers, so a mistake in one of them is caught by the other.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging

import httpx

from app.sandbox.carriers.aftership import AftershipSim, render_tracking
from app.sandbox.carriers.seventeen_track import SeventeenTrackSim, render_item
from app.sandbox.context import SandboxContext, WebhookTarget

log = logging.getLogger(__name__)


def aftership_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def seventeen_track_signature(body: bytes, key: str) -> str:
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


class WebhookPusher:
    def __init__(
        self, ctx: SandboxContext, aftership: AftershipSim, seventeen: SeventeenTrackSim
    ) -> None:
        self.ctx = ctx
        self.aftership = aftership
        self.seventeen = seventeen
        self.sent = 0
        self._seen: dict[tuple[str, str, str], int] = {}  # (aggregator, url, number) -> events

    def _pending(self, target: WebhookTarget) -> list[tuple[str, bytes, dict[str, str]]]:
        now = self.ctx.clock.now()
        numbers = (
            list(self.aftership.created())
            if target.aggregator == "aftership"
            else sorted(self.seventeen.registered())
        )
        out = []
        for number in numbers:
            journey = self.ctx.journey_any(number)
            count = len(journey.visible_steps(now)) if journey else 0
            key = (target.aggregator, target.url, number)
            if count == 0 or self._seen.get(key) == count:
                continue
            self._seen[key] = count
            if target.aggregator == "aftership":
                entry = self.aftership.created()[number]
                msg = render_tracking(self.ctx, entry, number, journey, "en", None)
                payload = {
                    "event": "tracking_update",
                    "event_id": f"{entry[0]}-{count}",
                    "is_tracking_first_tag": count == 1,
                    "ts": int(now.timestamp()),
                    "msg": msg,
                }
                body = json.dumps(payload).encode()
                headers = {"aftership-hmac-sha256": aftership_signature(body, target.secret)}
            else:
                data = render_item(self.ctx, number, journey, "en", None)
                body = json.dumps({"event": "TRACKING_UPDATED", "data": data}).encode()
                headers = {"sign": seventeen_track_signature(body, target.secret)}
            out.append((number, body, headers))
        return out

    async def push_once(self) -> int:
        pushed = 0
        async with httpx.AsyncClient(timeout=5) as client:
            for target in list(self.ctx.webhooks):
                for number, body, headers in self._pending(target):
                    try:
                        await client.post(
                            target.url,
                            content=body,
                            headers={**headers, "Content-Type": "application/json"},
                        )
                        pushed += 1
                    except httpx.HTTPError as exc:
                        log.warning("webhook push for %s failed: %s", number, exc)
        self.sent += pushed
        return pushed

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.ctx.webhooks:
                await self.push_once()
