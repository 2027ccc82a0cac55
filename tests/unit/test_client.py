"""TrackingClient: auth headers, batching, language, errors per number, Retry-After gate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.carriers.auth import Credentials
from app.carriers.base import AuthKind
from app.carriers.client import TrackingClient, normalise_language
from app.domain.models import ProblemKind
from tests.unit.test_client_fakes import FakeClock, Recorder, fake_adapter

KEY = Credentials({"api_key": "k-3f9a1c77e2"})


def make(recorder: Recorder, *, clock: FakeClock | None = None, **kwargs: object) -> TrackingClient:
    adapter = kwargs.pop("adapter", None) or fake_adapter(batch_limit=kwargs.pop("batch", 1))
    return TrackingClient(
        adapter,  # type: ignore[arg-type]
        kwargs.pop("credentials", KEY),  # type: ignore[arg-type]
        transport=recorder.transport,
        clock=clock or FakeClock(),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_api_key_header_language_and_base_url() -> None:
    recorder = Recorder()
    adapter = fake_adapter(carrier_id="dhl")
    async with make(recorder, adapter=adapter, language="de-DE") as client:
        result = await client.track(["A1"])
    assert [p.tracking_number for p in result.parcels] == ["A1"]
    assert result.errors == ()
    (request,) = recorder.requests
    assert request.url.host == "api.fake.example"
    assert request.url.scheme == "https"
    assert request.headers["DHL-API-Key"] == "k-3f9a1c77e2"
    assert request.headers["Accept"] == "application/json"
    assert request.url.params["lang"] == "de"


@pytest.mark.parametrize(
    ("carrier_id", "header"),
    [("postnl", "apikey"), ("aftership", "as-api-key"), ("17track", "17token")],
)
async def test_api_key_header_per_carrier(carrier_id: str, header: str) -> None:
    recorder = Recorder()
    async with make(recorder, adapter=fake_adapter(carrier_id=carrier_id)) as client:
        await client.track(["A1"])
    assert recorder.requests[0].headers[header] == "k-3f9a1c77e2"


async def test_royal_mail_client_id_and_secret_headers() -> None:
    recorder = Recorder()
    adapter = fake_adapter(carrier_id="royalmail", auth=AuthKind.CLIENT_ID_SECRET_HEADERS)
    credentials = Credentials({"client_id": "rm-id", "client_secret": "rm-secret-99"})
    async with make(recorder, adapter=adapter, credentials=credentials) as client:
        await client.track(["AB246813576GB"])
    headers = recorder.requests[0].headers
    assert headers["X-IBM-Client-Id"] == "rm-id"
    assert headers["X-IBM-Client-Secret"] == "rm-secret-99"
    assert headers["X-Accept-RMG-Terms"] == "yes"


async def test_batches_by_limit_and_deduplicates() -> None:
    recorder = Recorder()
    numbers = [f"N{i:03d}" for i in range(65)]
    async with make(recorder, batch=30) as client:
        result = await client.track([*numbers, " N001 ", "N002", ""])
    assert [len(batch) for batch in recorder.tracked()] == [30, 30, 5]
    assert sorted(p.tracking_number for p in result.parcels) == numbers
    assert result.errors == ()


async def test_one_request_per_number_when_limit_is_one() -> None:
    recorder = Recorder()
    async with make(recorder) as client:
        await client.track(["A", "B", "C"])
    assert recorder.tracked() == [["A"], ["B"], ["C"]]


async def test_whole_request_error_is_repeated_per_number() -> None:
    recorder = Recorder(lambda r: httpx.Response(502, text="bad gateway"))
    async with make(recorder, batch=10) as client:
        result = await client.track(["A", "B"])
    assert [(e.tracking_number, e.kind) for e in result.errors] == [
        ("A", ProblemKind.UNAVAILABLE),
        ("B", ProblemKind.UNAVAILABLE),
    ]
    assert all(e.retry_after is None for e in result.errors)


async def test_per_number_errors_keep_the_other_parcels() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"parcels": ["A"], "errors": [{"number": "B", "kind": "not_found"}]}
        )

    async with make(Recorder(handler), batch=10) as client:
        result = await client.track(["A", "B", "C"])
    assert [p.tracking_number for p in result.parcels] == ["A"]
    outcome = {e.tracking_number: e.kind for e in result.errors}
    # C was not mentioned at all: the client says so instead of losing it silently.
    assert outcome == {"B": ProblemKind.NOT_FOUND, "C": ProblemKind.BAD_RESPONSE}


async def test_retry_after_is_surfaced_and_honoured_without_sleeping() -> None:
    clock = FakeClock()
    answers = [httpx.Response(429, headers={"Retry-After": "120"})]
    recorder = Recorder(lambda r: answers.pop(0) if answers else httpx.Response(200, json={}))
    async with make(recorder, clock=clock) as client:
        first = await client.track(["A"])
        assert first.errors[0].kind is ProblemKind.RATE_LIMITED
        assert first.errors[0].retry_after == 120
        clock.now += 100
        second = await client.track(["A", "B"])
        assert len(recorder.requests) == 1  # nothing sent while Retry-After runs
        assert {e.tracking_number for e in second.errors} == {"A", "B"}
        assert all(e.kind is ProblemKind.RATE_LIMITED for e in second.errors)
        assert second.errors[0].retry_after == pytest.approx(20)
        assert client.retry_after == pytest.approx(20)
        clock.now += 21
        await client.track(["A"])
    assert len(recorder.requests) == 2


async def test_a_retry_after_closes_the_gate_before_its_body_is_read() -> None:
    """While a 429's body trickles in, another request of the account must not go out."""
    body_may_end = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        await body_may_end.wait()
        yield b'{"error": "slow down"}'

    recorder = Recorder(
        lambda r: httpx.Response(429, headers={"Retry-After": "60"}, content=slow_body())
    )
    async with make(recorder) as client:
        first = asyncio.create_task(client.track(["A"]))
        while not recorder.requests:
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)  # the headers are in; the body is not
        assert client.retry_after == pytest.approx(60, abs=1)
        second = await client.track(["B"])
        body_may_end.set()
        await first
    assert len(recorder.requests) == 1
    assert second.errors[0].kind is ProblemKind.RATE_LIMITED


async def test_retry_after_from_an_earlier_batch_stops_the_later_ones() -> None:
    recorder = Recorder(lambda r: httpx.Response(503, headers={"Retry-After": "30"}))
    async with make(recorder) as client:
        result = await client.track(["A", "B", "C"])
    assert len(recorder.requests) == 1
    kinds = [(e.tracking_number, e.kind) for e in result.errors]
    assert kinds == [
        ("A", ProblemKind.UNAVAILABLE),
        ("B", ProblemKind.RATE_LIMITED),
        ("C", ProblemKind.RATE_LIMITED),
    ]


async def test_429_without_retry_after_does_not_block() -> None:
    recorder = Recorder(lambda r: httpx.Response(429))
    async with make(recorder) as client:
        await client.track(["A"])
        await client.track(["A"])
    assert len(recorder.requests) == 2


async def test_absurd_retry_after_is_capped_at_a_day() -> None:
    recorder = Recorder(lambda r: httpx.Response(429, headers={"Retry-After": "99999999"}))
    async with make(recorder) as client:
        await client.track(["A"])
        assert client.retry_after == pytest.approx(24 * 3600)


async def test_missing_credentials_fail_without_a_request() -> None:
    recorder = Recorder()
    async with make(recorder, credentials=Credentials({})) as client:
        result = await client.track(["A"])
    assert recorder.requests == []
    assert result.errors[0].kind is ProblemKind.AUTH_FAILED
    assert "api_key" in result.errors[0].message


async def test_number_the_adapter_rejects_is_invalid_and_others_still_go() -> None:
    recorder = Recorder()
    async with make(recorder, batch=10) as client:
        result = await client.track(["A", "BAD-1", "B"])
    assert recorder.tracked() == [["A"], ["B"]]
    assert [p.tracking_number for p in result.parcels] == ["A", "B"]
    assert [(e.tracking_number, e.kind) for e in result.errors] == [
        ("BAD-1", ProblemKind.INVALID_NUMBER)
    ]


async def test_a_parser_that_raises_costs_only_its_request() -> None:
    def explode(*args: object, **kwargs: object) -> object:
        raise RuntimeError("parser bug")

    adapter = fake_adapter(parse_response=explode)
    async with make(Recorder(), adapter=adapter) as client:
        result = await client.track(["A", "B"])
    assert [(e.tracking_number, e.kind) for e in result.errors] == [
        ("A", ProblemKind.BAD_RESPONSE),
        ("B", ProblemKind.BAD_RESPONSE),
    ]


async def test_html_error_page_with_200_is_a_bad_response() -> None:
    page = httpx.Response(
        200, text="<!DOCTYPE html><p>Maintenance", headers={"content-type": "text/html"}
    )
    async with make(Recorder(lambda r: page)) as client:
        result = await client.track(["A"])
    assert result.errors[0].kind is ProblemKind.BAD_RESPONSE
    assert result.errors[0].tracking_number == "A"


async def test_redirects_are_not_followed() -> None:
    recorder = Recorder(
        lambda r: httpx.Response(302, headers={"Location": "https://elsewhere.example/steal"})
    )
    async with make(recorder) as client:
        result = await client.track(["A"])
    assert recorder.paths() == ["/track"]
    assert result.errors[0].tracking_number == "A"


async def test_empty_input_sends_nothing() -> None:
    recorder = Recorder()
    async with make(recorder) as client:
        result = await client.track([])
    assert recorder.requests == []
    assert result.parcels == ()
    assert result.errors == ()


def test_language_must_be_german_or_english() -> None:
    assert normalise_language("EN_gb") == "en"
    assert normalise_language("de") == "de"
    with pytest.raises(ValueError, match="unsupported language"):
        normalise_language("fr")


async def test_shared_http_client_is_not_closed_owned_one_is() -> None:
    recorder = Recorder()
    shared = httpx.AsyncClient(transport=recorder.transport)
    client = TrackingClient(fake_adapter(), KEY, http=shared)
    await client.track(["A"])
    await client.aclose()
    assert not shared.is_closed
    await shared.aclose()
    owned = make(recorder)
    await owned.aclose()
    assert owned._http.is_closed


def test_adapter_builds_its_client() -> None:
    client = fake_adapter().client(KEY, account_id="acc-1", language="de")
    assert isinstance(client, TrackingClient)
    assert client.account_id == "acc-1"
    assert client.language == "de"


async def test_a_single_number_answered_under_a_piece_id_is_not_an_error() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"parcels": ["JJD000123"]}))
    async with make(recorder) as client:
        result = await client.track(["MASTER-1"])
    assert [p.tracking_number for p in result.parcels] == ["JJD000123"]
    assert result.errors == ()
