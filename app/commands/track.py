"""`paketpilot track NUMBER`: fetch one parcel and print its normalised timeline."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.carriers import REGISTRY
from app.carriers.auth import Credentials
from app.carriers.base import ParseResult, TrackingError
from app.carriers.client import TrackingClient
from app.domain.labels import status_label
from app.domain.models import ParcelUpdate
from app.domain.state import derive_state
from app.domain.timeline import TimelineEntry, build_timeline
from app.domain.tracking_numbers import detect
from app.domain.when import estimate_in_words
from app.native.secrets import KeyringSecretStore
from app.sandbox.app import sandbox_url

SANDBOX_SECRET = "sandbox"  # noqa: S105  (the sandbox accepts any value not starting "bad")


@dataclass(frozen=True)
class TrackOutcome:
    number: str
    carrier: str
    update: ParcelUpdate | None
    error: TrackingError | None


async def _fetch(number: str, carrier: str, *, sandbox: str | None, language: str) -> ParseResult:
    adapter = REGISTRY[carrier]
    if sandbox:
        credentials = Credentials({f.name: SANDBOX_SECRET for f in adapter.credential_fields})
        base_url = sandbox_url(sandbox, carrier, adapter.default_base_url)
        client = adapter.client(credentials, base_url=base_url, language=language)
    else:
        client = await TrackingClient.from_store(
            adapter, KeyringSecretStore(), carrier, language=language
        )
    async with client:
        return await client.track([number])


def _choose_carrier(number: str, requested: str | None) -> str:
    if requested:
        if requested not in REGISTRY:
            raise SystemExit(f"unknown carrier {requested!r}; known: {', '.join(REGISTRY)}")
        return requested
    found = detect(number)
    for candidate in found.candidates:
        if candidate.carrier in REGISTRY:
            return candidate.carrier
    reason = found.error or "no supported carrier matches this number"
    raise SystemExit(f"{number}: {reason}; name one with --carrier")


def _entry_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "time": entry.occurred_at.isoformat(),
        "local_time_text": entry.local_time_text,
        "status": entry.status.value,
        "sub_status": entry.sub_status.value if entry.sub_status else None,
        "code": entry.carrier_code,
        "description": entry.description,
        "location": entry.location.label() or None,
        "sources": [o.source.value for o in entry.observations],
        "conflict": entry.conflict,
    }


def _as_json(outcome: TrackOutcome, now: datetime) -> dict[str, Any]:
    result: dict[str, Any] = {"number": outcome.number, "carrier": outcome.carrier}
    if outcome.error is not None:
        error = outcome.error
        result["error"] = {
            "kind": error.kind.value,
            "message": error.message,
            "retry_after": error.retry_after,
        }
        return result
    update = outcome.update
    assert update is not None
    state = derive_state(
        update.events, now=now, carrier=outcome.carrier, status_hint=update.status_hint
    )
    estimate = update.estimate
    result |= {
        "status": state.status.value,
        "sub_status": state.sub_status.value if state.sub_status else None,
        "location": state.location.label() if state.location else None,
        "estimate": None
        if estimate is None
        else {
            "day": estimate.day.isoformat(),
            "latest_day": estimate.latest_day.isoformat() if estimate.latest_day else None,
            "window_start": estimate.window_start.isoformat() if estimate.window_start else None,
            "window_end": estimate.window_end.isoformat() if estimate.window_end else None,
        },
        "events": [_entry_json(e) for e in build_timeline(update.events)],
        "error": None,
    }
    return result


def _print_text(outcome: TrackOutcome, now: datetime, language: str) -> None:
    name = REGISTRY[outcome.carrier].display_name
    if outcome.error is not None:
        print(f"{name} {outcome.number}: {outcome.error.message}")
        return
    update = outcome.update
    assert update is not None
    state = derive_state(
        update.events, now=now, carrier=outcome.carrier, status_hint=update.status_hint
    )
    print(f"{name} {outcome.number} — {status_label(state.status, language)}")
    zone = str(datetime.now().astimezone().tzinfo or "UTC")
    if update.estimate is not None:
        local_zone = zone if "/" in zone else "Europe/Berlin"
        words = estimate_in_words(update.estimate, now=now, zone=local_zone, language=language)
        print(f"  {'Erwartet' if language == 'de' else 'Expected'}: {words}")
    for entry in build_timeline(update.events):
        when = entry.occurred_at.astimezone().strftime("%Y-%m-%d %H:%M")
        place = f" · {entry.location.label()}" if not entry.location.is_empty else ""
        print(f"  {when}  {status_label(entry.status, language):<28} {entry.description}{place}")


def run_track(
    number: str, *, carrier: str | None, as_json: bool, sandbox: str | None, language: str
) -> int:
    chosen = _choose_carrier(number, carrier)
    result = asyncio.run(_fetch(number, chosen, sandbox=sandbox, language=language))
    update = result.parcels[0] if result.parcels else None
    error = None if update else (result.errors[0] if result.errors else None)
    outcome = TrackOutcome(number, chosen, update, error)
    now = datetime.now(UTC)
    if as_json:
        json.dump(_as_json(outcome, now), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_text(outcome, now, language)
    return 0 if update is not None else 1
