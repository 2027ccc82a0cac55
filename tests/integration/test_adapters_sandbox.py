"""Every carrier adapter against the sandbox, over real HTTP on loopback (issue 3).

Each test builds the real `TrackingClient` from `REGISTRY[id].client(...)` with the base URL
pointing at the sandbox, and drives it with the sandbox clock frozen and moved by hand: the
scripted journeys, wrong and expiring credentials, batching, unknown numbers, 429s with and
without Retry-After, broken answers, changed wording, the aggregators' register-then-read flow
and their signed webhook pushes.

Where a carrier's API cannot tell two of our statuses apart, the parsed status may differ from
the scripted one; every such case is listed in EQUIVALENT (and must actually occur), never
waved through silently.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from app.carriers.auth import Credentials
from app.carriers.base import AuthKind, ParseResult, TrackingError
from app.carriers.registry import REGISTRY
from app.carriers.webhooks import parse_17track_webhook, parse_aftership_webhook
from app.domain.merge import merge_events
from app.domain.models import ParcelUpdate, ProblemKind, Source
from app.domain.status import Status, SubStatus
from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.journeys import Journey, Scenario, Step
from app.sandbox.limits import RateLimit
from app.sandbox.seed import SIMULATED_CARRIERS, new_journey
from tests.integration.sandbox_support import (
    AGGREGATORS,
    CARRIERS,
    OAUTH_CARRIERS,
    UNDERLYING,
    Received,
    Sandbox,
    WebhookReceiver,
    by_number,
    credentials,
    latest_status,
    servers_per_carrier,
    start_sandbox,
)

pytestmark = pytest.mark.integration

S, Sub = Status, SubStatus

# (carrier, scripted status, scripted sub-status or None for any) -> (parsed status, why).
# Only what the carrier's API (as the app's code tables read it) really cannot express.
EQUIVALENT: dict[tuple[str, Status, SubStatus | None], tuple[Status, str]] = {
    ("dpd", S.EXCEPTION, None): (
        S.FAILED_ATTEMPT,
        "DPD has one 'not delivered' scan (14) for every failed delivery; the reason is text",
    ),
    ("gls", S.EXCEPTION, None): (
        S.FAILED_ATTEMPT,
        "GLS reports address problems, refusals and losses as NOTDEL (not delivered) scans",
    ),
    ("aftership", S.IN_TRANSIT, Sub.DELAYED): (
        S.EXCEPTION,
        "AfterShip files delays under the Exception tag (Exception_005, external delay)",
    ),
    ("17track", S.IN_TRANSIT, Sub.DELAYED): (
        S.EXCEPTION,
        "17TRACK files delays under Exception (Exception_Delayed)",
    ),
    ("17track", S.EXCEPTION, Sub.ADDRESS_PROBLEM): (
        S.FAILED_ATTEMPT,
        "17TRACK files address problems under DeliveryFailure (DeliveryFailure_InvalidAddress)",
    ),
}
# Scripted steps a carrier does not show as an event at all (its status comes from the headline).
NOT_AN_EVENT: dict[tuple[str, Status], str] = {
    ("dpd", S.INFO_RECEIVED): "DPD shows label data only, no scan, until the parcel's first scan",
}
# Carriers whose API sends an expected delivery day, and the recipient's name on delivery.
HAS_ETA = frozenset(CARRIERS) - {"dpd", "gls"}
HAS_SIGNER = frozenset({"dhl", "ups", "fedex", "usps", "royalmail", "aftership"})
# USPS documents Retry-After on every 429 (REFERENCE §4); its sandbox always sends one.
ALWAYS_RETRY_AFTER = frozenset({"usps"})
# DPD's public JSON has no authentication at all.
AUTH_CARRIERS = tuple(c for c in CARRIERS if REGISTRY[c].auth is not AuthKind.NONE)


def _expected(carrier: str, step: Step) -> tuple[Status, tuple[str, Status, SubStatus | None]]:
    for key in ((carrier, step.status, step.sub_status), (carrier, step.status, None)):
        if key in EQUIVALENT:
            return EQUIVALENT[key][0], key
    return step.status, (carrier, step.status, step.sub_status)


def _kinds(result: ParseResult) -> dict[str, ProblemKind]:
    return {(e.tracking_number or "").upper(): e.kind for e in result.errors}


def _errors(result: ParseResult) -> dict[str, TrackingError]:
    return {(e.tracking_number or "").upper(): e for e in result.errors}


def _seed_for_retry_after(seconds: int) -> int:
    """A fault seed whose first 429 carries `Retry-After: seconds`."""
    for seed in range(1000):
        plan = FaultPlan(1.0, seed=seed, kinds=(Fault.RATE_LIMIT_WITH_RETRY_AFTER,))
        plan.draw(oauth=False)
        if plan.retry_after_seconds() == seconds:
            return seed
    raise AssertionError("no seed found")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Sandbox]]:
    yield from servers_per_carrier()


@pytest.fixture
def sandbox(servers: dict[str, Sandbox], carrier: str) -> Sandbox:
    """The module's sandbox for `carrier`, its knobs reset for this test."""
    if carrier not in servers:
        servers[carrier] = start_sandbox()
    found = servers[carrier]
    found.reset()
    return found


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A sandbox of its own, for tests that leave state behind (a remembered Retry-After)."""
    sandbox = start_sandbox()
    try:
        yield sandbox
    finally:
        sandbox.server.stop()


# ---------------------------------------------------------------- 1. journeys ----------------


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_every_journey_reads_as_scripted(carrier: str, sandbox: Sandbox) -> None:
    journeys = {scenario: sandbox.journey(carrier, scenario) for scenario in Scenario}
    moments = sorted({j.step_time(s) for j in journeys.values() for s in j.steps})
    observed: dict[Scenario, list[Status | None]] = {s: [] for s in Scenario}
    eta_problems: list[str] = []
    final: dict[str, ParcelUpdate] = {}
    async with sandbox.client(carrier) as client:
        for moment in moments:
            sandbox.advance_to(moment)
            result = await client.track([j.tracking_number for j in journeys.values()])
            assert result.errors == (), result.errors
            final = dict(by_number(result.parcels))
            for scenario, journey in journeys.items():
                update = final[journey.tracking_number]
                step = journey.visible_steps(moment)[-1]
                if journey.step_time(step) == moment:  # the latest status after each step
                    observed[scenario].append(latest_status(update))
                eta_problems += _eta_problems(carrier, journey, step, moment, update)
    expected = {
        scenario: [_expected(carrier, step)[0] for step in journey.steps]
        for scenario, journey in journeys.items()
    }
    used = {_expected(carrier, s)[1] for j in journeys.values() for s in j.steps}
    assert observed == expected
    unused = {key for key in EQUIVALENT if key[0] == carrier} - used
    assert not unused, f"stale EQUIVALENT entries: {unused}"
    assert not eta_problems, eta_problems
    for journey in journeys.values():
        update = final[journey.tracking_number]
        _check_times(carrier, journey, update)
        _check_proof(carrier, journey, update)
        if carrier in AGGREGATORS:
            assert update.carrier == UNDERLYING[carrier]
            assert {e.source for e in update.events} == {Source.AGGREGATOR}


def _eta_problems(
    carrier: str, journey: Journey, step: Step, moment: datetime, update: ParcelUpdate
) -> list[str]:
    wanted = journey.estimate_day(moment)
    if carrier not in HAS_ETA or wanted is None or step.status in (S.DELIVERED, S.RETURNED):
        return []
    got = update.estimate.day if update.estimate else None
    if got == wanted:
        return []
    return [f"{journey.scenario} at {moment:%d %H:%M}: ETA {got}, scripted {wanted}"]


def _check_times(carrier: str, journey: Journey, update: ParcelUpdate) -> None:
    """Every event at the UTC instant of its step: proves each API's local-time handling."""
    scripted = sorted(
        journey.step_time(step)
        for step in journey.steps
        if (carrier, step.status) not in NOT_AN_EVENT
    )
    parsed = sorted(event.occurred_at for event in update.events)
    assert parsed == scripted, journey.scenario
    assert all(event.occurred_at.utcoffset() == timedelta(0) for event in update.events)


def _check_proof(carrier: str, journey: Journey, update: ParcelUpdate) -> None:
    last = journey.steps[-1]
    if last.status is not S.DELIVERED:
        return
    proof = update.proof_of_delivery
    assert proof is not None, journey.scenario
    assert proof.delivered_at == journey.step_time(last), journey.scenario
    if carrier in HAS_SIGNER:
        assert proof.signed_by == last.signed_by, journey.scenario


# ---------------------------------------------------------------- 2. auth --------------------


@pytest.mark.parametrize("carrier", AUTH_CARRIERS)
async def test_refused_credentials_fail_every_number(carrier: str, sandbox: Sandbox) -> None:
    numbers = [sandbox.journey(carrier).tracking_number for _ in range(3)]
    async with sandbox.client(carrier, credentials(bad=True)) as client:
        result = await client.track(numbers)
    assert result.parcels == ()
    assert _kinds(result) == dict.fromkeys(numbers, ProblemKind.AUTH_FAILED)
    assert all("bad-" not in e.message for e in result.errors)  # no credential echoed


@pytest.mark.parametrize("carrier", AUTH_CARRIERS)
async def test_missing_credentials_fail_without_a_request(carrier: str, sandbox: Sandbox) -> None:
    numbers = [sandbox.journey(carrier).tracking_number for _ in range(2)]
    async with sandbox.client(carrier, Credentials({})) as client:
        result = await client.track(numbers)
    assert _kinds(result) == dict.fromkeys(numbers, ProblemKind.AUTH_FAILED)
    assert sandbox.ctx.stats.requests == 0
    assert sandbox.ctx.tokens_issued[carrier] == 0


@pytest.mark.parametrize("carrier", OAUTH_CARRIERS)
async def test_token_is_renewed_before_it_expires(carrier: str, sandbox: Sandbox) -> None:
    """The client's own clock passes the token's lifetime: it fetches a new one first."""
    number = sandbox.journey(carrier).tracking_number
    monotonic = [1000.0]
    async with sandbox.client(carrier, clock=lambda: monotonic[0]) as client:
        assert (await client.track([number])).errors == ()
        assert (await client.track([number])).errors == ()
        assert sandbox.ctx.tokens_issued[carrier] == 1  # reused while valid
        sandbox.advance(timedelta(hours=2))
        monotonic[0] += 2 * 3600
        result = await client.track([number])
    assert result.errors == ()
    assert [p.tracking_number for p in result.parcels] == [number]
    assert sandbox.ctx.tokens_issued[carrier] == 2


@pytest.mark.parametrize("carrier", OAUTH_CARRIERS)
async def test_token_refused_as_expired_is_renewed_once(carrier: str, sandbox: Sandbox) -> None:
    """Only the sandbox's clock moves: the client learns of the expiry from a 401."""
    number = sandbox.journey(carrier).tracking_number
    async with sandbox.client(carrier) as client:
        assert (await client.track([number])).errors == ()
        sandbox.advance(timedelta(hours=2))  # past the 1 h token lifetime
        before = sandbox.requests(carrier)
        result = await client.track([number])
    assert result.errors == ()
    assert [p.tracking_number for p in result.parcels] == [number]
    assert sandbox.ctx.tokens_issued[carrier] == 2
    # The 401 is refused before the sandbox counts a request; the retry with the new token is.
    assert sandbox.requests(carrier) == before + 1


# ---------------------------------------------------------------- 3. batching ----------------


def _one_each(n: int) -> int:
    return n


# Tracking requests (tokens aside) for n numbers, from each API's documented batch size;
# the others take one number per request.
REQUESTS_FOR: dict[str, Callable[[int], int]] = {
    "fedex": lambda n: math.ceil(n / 30),
    "gls": lambda n: math.ceil(n / 10),
    "hermes": lambda n: math.ceil(n / 20),
    "17track": lambda n: 2 * math.ceil(n / 40),  # register, then gettrackinfo, per 40
    "royalmail": lambda n: n,  # one /events per number (the full history); BATCH_LIMIT 1
    "aftership": lambda n: 2 * n,  # create, then read, per tracking
}


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_more_numbers_than_one_batch(carrier: str, sandbox: Sandbox) -> None:
    limit = REGISTRY[carrier].batch_limit
    count = limit + 3 if limit > 1 else 3
    numbers = [sandbox.journey(carrier).tracking_number for _ in range(count)]
    sandbox.advance(timedelta(hours=10))
    async with sandbox.client(carrier) as client:
        result = await client.track(numbers)
    assert result.errors == ()
    assert sorted(p.tracking_number.upper() for p in result.parcels) == sorted(numbers)
    assert sandbox.requests(carrier) == REQUESTS_FOR.get(carrier, _one_each)(count)


# ---------------------------------------------------------------- 4. not found ---------------


# AfterShip takes any well-formed number and keeps it Pending until the courier has data: the
# unknown number comes back as a parcel without events, not as an error.
PENDING_WHEN_UNKNOWN = frozenset({"aftership"})


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_unknown_number_fails_alone(carrier: str, sandbox: Sandbox) -> None:
    known = [sandbox.journey(carrier).tracking_number for _ in range(2)]
    unknown = sandbox.unknown_number(carrier)
    sandbox.advance(timedelta(hours=10))
    async with sandbox.client(carrier) as client:
        result = await client.track([known[0], unknown, known[1]])
    found = by_number(result.parcels)
    assert all(found[n].events for n in known)
    if carrier in PENDING_WHEN_UNKNOWN:
        assert result.errors == ()
        assert set(found) == {*known, unknown}
        assert found[unknown].events == ()
        assert latest_status(found[unknown]) is S.PENDING
        return
    assert set(found) == set(known)
    assert set(_kinds(result)) == {unknown}
    assert _kinds(result)[unknown] in (ProblemKind.NOT_FOUND, ProblemKind.PRE_TRANSIT)


# ---------------------------------------------------------------- 5. 429 ---------------------


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_429_with_retry_after_holds_the_client_back(carrier: str, fresh: Sandbox) -> None:
    """Within the Retry-After nothing is sent (the client's clock stands still here, so "within"
    holds however slow the machine; the next test lets a real second pass)."""
    number = fresh.journey(carrier).tracking_number
    async with fresh.client(carrier, clock=lambda: 1000.0) as client:
        assert (await client.track([number])).errors == ()  # token, registration
        seed = _seed_for_retry_after(1)
        fresh.ctx.faults = FaultPlan(1.0, seed=seed, kinds=(Fault.RATE_LIMIT_WITH_RETRY_AFTER,))
        before = fresh.requests(carrier)
        limited = await client.track([number])
        assert fresh.requests(carrier) == before + 1
        error = _errors(limited)[number]
        assert (error.kind, error.retry_after) == (ProblemKind.RATE_LIMITED, 1.0)
        again = await client.track([number])  # within the second: not sent at all
        assert fresh.requests(carrier) == before + 1
        error = _errors(again)[number]
        assert error.kind is ProblemKind.RATE_LIMITED
        assert error.retry_after is not None
        assert 0 < error.retry_after <= 1.0
    assert fresh.ctx.stats.early_retries == 0


@pytest.mark.parametrize("carrier", ["usps", "dhl"])
async def test_client_sends_again_once_retry_after_elapsed(carrier: str, fresh: Sandbox) -> None:
    number = fresh.journey(carrier).tracking_number
    async with fresh.client(carrier) as client:
        fresh.ctx.faults = FaultPlan(
            1.0, seed=_seed_for_retry_after(1), kinds=(Fault.RATE_LIMIT_WITH_RETRY_AFTER,)
        )
        assert _kinds(await client.track([number])) == {number: ProblemKind.RATE_LIMITED}
        fresh.ctx.faults = FaultPlan(0.0)
        await asyncio.sleep(client.retry_after + 0.02)  # the one real wait: Retry-After: 1
        result = await client.track([number])
    assert result.errors == ()
    assert fresh.ctx.stats.early_retries == 0


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_429_without_retry_after(carrier: str, sandbox: Sandbox) -> None:
    number = sandbox.journey(carrier).tracking_number
    async with sandbox.client(carrier) as client:
        assert (await client.track([number])).errors == ()
        sandbox.ctx.faults = FaultPlan(1.0, seed=1, kinds=(Fault.RATE_LIMIT_WITHOUT_RETRY_AFTER,))
        before = sandbox.requests(carrier)
        error = _errors(await client.track([number]))[number]
        assert error.kind is ProblemKind.RATE_LIMITED
        if carrier in ALWAYS_RETRY_AFTER:
            assert error.retry_after is not None
        else:
            assert error.retry_after is None
            await client.track([number])  # nothing to wait for: the client may ask again
            assert sandbox.requests(carrier) == before + 2
    assert sandbox.ctx.stats.early_retries == 0


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_the_sandbox_rate_limiter(carrier: str, sandbox: Sandbox) -> None:
    number = sandbox.journey(carrier).tracking_number
    async with sandbox.client(carrier) as client:
        assert (await client.track([number])).errors == ()  # token, registration
        sandbox.ctx.set_rate_limit(carrier, RateLimit(requests=1, per_seconds=60))
        assert (await client.track([number])).errors == ()
        error = _errors(await client.track([number]))[number]
        assert error.kind is ProblemKind.RATE_LIMITED
        sent = sandbox.requests(carrier)
        again = _errors(await client.track([number]))[number]
        assert again.kind is ProblemKind.RATE_LIMITED
        if carrier in ALWAYS_RETRY_AFTER:  # Retry-After: 60 -> the client holds back
            assert error.retry_after is not None
            assert error.retry_after > 1
            assert sandbox.requests(carrier) == sent
        else:
            assert error.retry_after is None
            assert sandbox.requests(carrier) == sent + 1
    assert sandbox.ctx.stats.rate_limited >= 1
    assert sandbox.ctx.stats.early_retries == 0


# ---------------------------------------------------------------- 6. other faults ------------


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault.HTML_ERROR_PAGE, ProblemKind.BAD_RESPONSE),
        (Fault.TRUNCATED_JSON, ProblemKind.BAD_RESPONSE),
        (Fault.UNAVAILABLE, ProblemKind.UNAVAILABLE),
    ],
)
@pytest.mark.parametrize("carrier", CARRIERS)
async def test_broken_answer_is_a_clear_error_per_number(
    carrier: str, fault: Fault, kind: ProblemKind, sandbox: Sandbox
) -> None:
    numbers = [sandbox.journey(carrier).tracking_number for _ in range(2)]
    async with sandbox.client(carrier) as client:
        assert (await client.track(numbers)).errors == ()  # token, registration
        sandbox.ctx.faults = FaultPlan(1.0, seed=3, kinds=(fault,))
        result = await client.track(numbers)
    assert result.parcels == ()
    assert all(e.message for e in result.errors)
    first, *rest = result.errors
    assert first.kind is kind
    if kind is ProblemKind.UNAVAILABLE and first.retry_after:
        # A 503 with Retry-After (USPS) holds the account back: the numbers still queued in this
        # call are not sent and come back as the client's own "asked us to wait".
        assert all(e.kind in (kind, ProblemKind.RATE_LIMITED) for e in rest)
    else:
        assert _kinds(result) == dict.fromkeys(numbers, kind)
    assert set(_kinds(result)) == set(numbers)


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_changed_wording_keeps_event_identity(carrier: str, sandbox: Sandbox) -> None:
    number = sandbox.journey(carrier).tracking_number
    sandbox.advance(timedelta(hours=40))  # delivered: the whole journey is visible
    async with sandbox.client(carrier) as client:
        first = (await client.track([number])).parcels[0].events
        sandbox.ctx.faults = FaultPlan(1.0, seed=5, kinds=(Fault.CHANGED_TEXT,))
        second = (await client.track([number])).parcels[0].events
    assert len(second) == len(first)
    merged = merge_events(first, second)
    assert merged.added == ()
    assert len(merged.events) == len(first)
    if (carrier, S.INFO_RECEIVED) not in NOT_AN_EVENT:  # the reworded event is the first one
        assert {e.description for e in second} != {e.description for e in first}


# ---------------------------------------------------------------- 7. aggregators -------------


@pytest.mark.parametrize("carrier", AGGREGATORS)
async def test_aggregator_registers_once_then_reads(carrier: str, sandbox: Sandbox) -> None:
    numbers = [sandbox.journey(carrier).tracking_number for _ in range(2)]
    sandbox.advance(timedelta(hours=10))
    async with sandbox.client(carrier) as client:
        first = await client.track(numbers)
        registered = sandbox.requests(carrier)
        second = await client.track(numbers)
    assert first.errors == second.errors == ()
    per_read = {"aftership": 2, "17track": 1}[carrier]  # one read per number vs. one batch
    assert registered == 2 * per_read  # the registrations, then the reads
    assert sandbox.requests(carrier) == registered + per_read  # no second registration
    assert {p.tracking_number.upper() for p in second.parcels} == set(numbers)


@pytest.mark.parametrize("carrier", AGGREGATORS)
async def test_aggregator_names_the_real_carrier(carrier: str, sandbox: Sandbox) -> None:
    journeys = {
        simulated: new_journey(sandbox.ctx, carrier=simulated, scenario=Scenario.DELIVERED)
        for simulated in SIMULATED_CARRIERS
    }
    sandbox.advance(timedelta(hours=10))
    async with sandbox.client(carrier) as client:
        result = await client.track([j.tracking_number for j in journeys.values()])
    assert result.errors == ()
    found = by_number(result.parcels)
    assert {c: found[j.tracking_number].carrier for c, j in journeys.items()} == {
        c: c for c in journeys
    }


WEBHOOK_SECRET = "whsec-sandbox-test-only"
WebhookParser = Callable[..., ParseResult]
WEBHOOK_PARSERS: dict[str, WebhookParser] = {
    "aftership": parse_aftership_webhook,
    "17track": parse_17track_webhook,
}


@pytest.mark.parametrize("carrier", AGGREGATORS)
async def test_webhook_push_is_signed_and_reads_as_polled(carrier: str, fresh: Sandbox) -> None:
    journey = fresh.journey(carrier, Scenario.FAILED_ATTEMPT)
    number = journey.tracking_number
    fresh.advance(timedelta(hours=35))  # just after the failed attempt
    step = journey.visible_steps(fresh.now())[-1]
    async with fresh.client(carrier) as client:
        polled = await client.track([number])  # registers the number with the aggregator
    assert polled.errors == ()

    def ours(push: Received) -> bool:
        return number.encode() in push.body

    with WebhookReceiver() as receiver:
        async with httpx.AsyncClient(base_url=fresh.url, timeout=5) as control:
            target = {"aggregator": carrier, "url": receiver.url, "secret": WEBHOOK_SECRET}
            assert (await control.post("/_sandbox/webhooks", json=target)).status_code == 201
            assert (await control.post("/_sandbox/webhooks/flush")).status_code == 200
        push = await asyncio.to_thread(receiver.wait_for, ours)
        fresh.ctx.webhooks.clear()  # no more pushes to a receiver about to close

    parse = WEBHOOK_PARSERS[carrier]
    pushed = parse(push.body, push.headers, WEBHOOK_SECRET)
    assert pushed.errors == ()
    (update,) = pushed.parcels
    assert update.tracking_number.upper() == number
    assert latest_status(update) == _expected(carrier, step)[0] == S.FAILED_ATTEMPT
    assert latest_status(update) == latest_status(polled.parcels[0])
    assert len(update.events) == len(polled.parcels[0].events)

    tampered = push.body.replace(b"}", b', "x": 1}', 1)
    for body, secret in ((tampered, WEBHOOK_SECRET), (push.body, "another-secret")):
        refused = parse(body, push.headers, secret)
        assert refused.parcels == ()
        assert [(e.kind, e.carrier_code) for e in refused.errors] == [
            (ProblemKind.AUTH_FAILED, "bad_signature")
        ]
