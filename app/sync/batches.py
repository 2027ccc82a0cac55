"""One batch's plumbing: pay the gate for it, feed the gate what the answer said, and give
each answer to the parcel it is about."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from app.carriers.base import ParseResult, TrackingError
from app.domain.models import ANSWERED_ABOUT_THE_NUMBER, Parcel, ParcelUpdate, ProblemKind
from app.sync.accounts import AccountRuntime
from app.sync.limiter import AccountGate

__all__ = ["NOT_AN_ANSWER", "acquire", "client_wait", "feed_gate", "match_answers", "number_key"]

log = logging.getLogger(__name__)

# Failures that are no answer about the parcel: the account or the carrier failed, not the
# number. A whole request failing so says something about the account; after one of them we
# do not know what the carrier has.
NOT_AN_ANSWER = frozenset(ProblemKind) - ANSWERED_ABOUT_THE_NUMBER


def number_key(number: str) -> str:
    return "".join(number.split()).upper()


async def acquire(gate: AccountGate, slots: int) -> None:
    """Take `slots` of the gate's rate (and quota) for one batch, holding one concurrency slot
    at the end: a batch that sends `slots` HTTP requests must pay for each of them."""
    for i in range(slots):
        await gate.acquire()
        if i < slots - 1:
            gate.release()


def feed_gate(gate: AccountGate, errors: Sequence[TrackingError]) -> None:
    """Per-number 429s / failures of an otherwise answered batch still slow the account."""
    limited = [e for e in errors if e.kind is ProblemKind.RATE_LIMITED]
    if limited:
        waits = [e.retry_after for e in limited if e.retry_after is not None]
        gate.rate_limited(max(waits) if waits else None)
    else:
        waits = [e.retry_after for e in errors if e.retry_after is not None]
        gate.failed(max(waits) if waits else None)


def client_wait(account: AccountRuntime) -> float:
    wait = getattr(account.client, "retry_after", 0.0)
    return float(wait) if isinstance(wait, int | float) else 0.0


def match_answers(
    chunk: list[tuple[Parcel, str | None]], result: ParseResult
) -> tuple[dict[str, ParcelUpdate], dict[str, TrackingError]]:
    """Each answer to the parcel it is about (by number, or by a piece number)."""
    by_number = {number_key(p.tracking_number): p for p, _ in chunk}
    updates: dict[str, ParcelUpdate] = {}
    for update in result.parcels:
        parcel = by_number.get(number_key(update.tracking_number)) or next(
            (by_number[number_key(n)] for n in update.pieces if number_key(n) in by_number), None
        )
        if parcel is None:
            log.info("an answer named a number nobody asked for; ignored")
            continue
        previous = updates.get(parcel.id)
        updates[parcel.id] = update if previous is None else _combine(previous, update)
    errors: dict[str, TrackingError] = {}
    for error in result.errors:
        parcel = by_number.get(number_key(error.tracking_number or ""))
        if parcel is not None and parcel.id not in updates:
            errors.setdefault(parcel.id, error)
    return updates, errors


def _combine(first: ParcelUpdate, second: ParcelUpdate) -> ParcelUpdate:
    """Two answers for one parcel (pieces of one shipment): one update with all events."""
    return replace(
        first,
        events=first.events + second.events,
        estimate=first.estimate or second.estimate,
        proof_of_delivery=first.proof_of_delivery or second.proof_of_delivery,
        pieces=tuple(dict.fromkeys(first.pieces + second.pieces)),
        status_hint=first.status_hint or second.status_hint,
        sub_status_hint=first.sub_status_hint or second.sub_status_hint,
        carrier_status_code=first.carrier_status_code or second.carrier_status_code,
    )
