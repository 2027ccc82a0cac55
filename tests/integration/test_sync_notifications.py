"""End to end: sandbox over HTTP -> engine -> SQLite file -> outbox -> D-Bus / SMTP, real parts."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from app.notify.desktop import DesktopChannel
from app.notify.dispatcher import EMAIL, NATIVE, Dispatcher
from app.notify.email import EmailChannel, EmailSettings
from app.notify.plyer_channel import PlyerChannel
from app.notify.preferences import set_email_enabled
from app.sandbox.clock import SandboxClock
from app.sandbox.context import SandboxContext
from app.sandbox.journeys import Scenario
from app.sandbox.seed import new_journey
from app.sandbox.server import SandboxServer
from app.store import add_parcel, list_deliveries, new_session, open_store, pending
from app.sync.accounts import sandbox_accounts
from app.sync.engine import SyncEngine
from tests.integration.conftest import NotificationServer
from tests.integration.test_notify_email import Inbox, _certificate

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


@dataclass
class World:
    sandbox: SandboxServer
    store: Engine
    engine: SyncEngine
    dispatcher: Dispatcher
    parcel_id: str
    opened: list[str]

    def at(self, hours: float) -> None:
        self.sandbox.ctx.clock.freeze(START + timedelta(hours=hours))

    async def sync(self) -> None:
        await self.engine.sync_due()
        await self.dispatcher.drain()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    ctx = SandboxContext(clock=SandboxClock(frozen_at=START))
    with SandboxServer(ctx) as server:
        yield server


def _world(
    sandbox: SandboxServer, tmp_path: Path, email: EmailChannel | None = None
) -> tuple[World, Callable[[], None]]:
    store = open_store(tmp_path / "paketpilot.sqlite")
    journey = new_journey(sandbox.ctx, carrier="dhl", scenario=Scenario.DELIVERED)
    with new_session(store) as session:
        parcel_id = add_parcel(
            session,
            tracking_number=journey.tracking_number,
            carrier="dhl",
            label="Winterjacke",
            created_at=START,
        ).id
    opened: list[str] = []
    dispatcher = Dispatcher(
        store,
        native=[DesktopChannel(on_open=opened.append, language="de"), PlyerChannel()],
        email=email,
        clock=sandbox.ctx.clock.now,
        zone="Europe/Berlin",
    )
    engine = SyncEngine(
        store,
        sandbox_accounts(sandbox.url, language="de", carriers=["dhl"]),
        clock=sandbox.ctx.clock.now,
        dispatcher=dispatcher,
    )
    world = World(sandbox, store, engine, dispatcher, parcel_id, opened)
    return world, store.dispose


@pytest.fixture
async def world(
    sandbox: SandboxServer, tmp_path: Path, notification_server: NotificationServer
) -> AsyncIterator[World]:
    built, dispose = _world(sandbox, tmp_path)
    yield built
    await built.engine.aclose()
    dispose()


async def _wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_out_for_delivery_is_one_desktop_notification_that_opens_the_parcel(
    world: World, notification_server: NotificationServer
) -> None:
    await world.sync()  # label created: quiet
    assert notification_server.received() == []
    assert isinstance(world.dispatcher.native_channel, DesktopChannel)

    world.at(31)  # the van left at 30 h
    await world.sync()
    received = notification_server.received()
    assert [(r["summary"], r["body"]) for r in received] == [
        ("Winterjacke", "In Zustellung – heute, 10–14 Uhr")  # on the van: today
    ]
    assert received[0]["app_name"] == "Paketpilot"

    await world.engine.refresh([world.parcel_id])  # syncing again: nothing new
    await world.dispatcher.drain()
    world.at(31.25)
    await world.sync()
    assert len(notification_server.received()) == 1

    notification_id = received[0]["id"]
    assert isinstance(notification_id, int)
    await asyncio.to_thread(notification_server.click, notification_id, "default")
    await _wait_for(lambda: world.opened)
    assert world.opened == [f"/parcels/{world.parcel_id}"]


async def test_delivered_is_the_last_word(
    world: World, notification_server: NotificationServer
) -> None:
    world.at(35)
    await world.sync()
    bodies = [r["body"] for r in notification_server.received()]
    assert bodies == ["Zugestellt – M. Muster"]
    for hours in (40, 24 * 5, 24 * 40):  # days pass; the user opens it now and then
        world.at(hours)
        await world.sync()
        await world.engine.refresh([world.parcel_id])
        await world.dispatcher.drain()
    assert len(notification_server.received()) == 1
    with new_session(world.store) as session:
        assert pending(session) == []


# ---------------------------------------------------------------- e-mail -----------------


@dataclass
class Smtp:
    port: int
    inbox: Inbox
    ca_file: Path
    context: ssl.SSLContext
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
        )
        self.controller.start()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[Smtp]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Smtp(port, Inbox(), cert, context)
    yield server
    if server.controller is not None:
        server.controller.stop()


async def test_a_failed_email_is_sent_once_later_without_a_second_desktop_notice(
    sandbox: SandboxServer,
    tmp_path: Path,
    notification_server: NotificationServer,
    smtp: Smtp,
) -> None:
    async def no_password() -> None:
        return None

    email = EmailChannel(
        EmailSettings(
            host="localhost",
            port=smtp.port,
            sender="paketpilot@example.org",
            recipient="me@example.org",
            ca_file=str(smtp.ca_file),
        ),
        password=no_password,
        language="de",
    )
    world, dispose = _world(sandbox, tmp_path, email=email)
    try:
        with new_session(world.store) as session:
            set_email_enabled(session, enabled=True)
        world.at(35)
        await world.sync()  # the SMTP server is not up yet: the e-mail fails
        assert len(notification_server.received()) == 1
        assert smtp.inbox.messages == []
        with new_session(world.store) as session:
            assert len(pending(session)) == 1

        smtp.start()
        world.at(35.01)  # 36 s later: past the first retry wait
        await world.dispatcher.drain()
        await world.dispatcher.drain()
        assert len(smtp.inbox.messages) == 1
        message = smtp.inbox.messages[0]
        assert message["Subject"] == "Paketpilot: Winterjacke"
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        assert "Zugestellt – M. Muster" in body.decode()
        assert len(notification_server.received()) == 1  # the desktop notice is not repeated
        with new_session(world.store) as session:
            assert pending(session) == []
            outcomes = {d.channel: (d.outcome, d.via) for d in list_deliveries(session)}
        assert outcomes == {NATIVE: ("delivered", "desktop"), EMAIL: ("delivered", "email")}
    finally:
        await world.engine.aclose()
        dispose()


async def test_the_background_loop_does_it_all_by_itself(
    world: World, notification_server: NotificationServer
) -> None:
    changed: list[frozenset[str]] = []
    world.engine.on_changed = changed.append
    world.at(31)
    task = asyncio.create_task(world.engine.run())
    try:
        await _wait_for(lambda: notification_server.received(), timeout=10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [r["body"] for r in notification_server.received()] == [
        "In Zustellung – heute, 10–14 Uhr"
    ]
    assert changed == [frozenset({world.parcel_id})]
    status = world.engine.snapshot().account("sandbox-dhl")
    assert status is not None
    assert status.last_synced_at == START + timedelta(hours=31)
