"""serve(): web mode is offline-capable and uses the project's assets."""

from __future__ import annotations

import asyncio
import gc
import struct
import sys
import threading
from collections.abc import Iterator
from typing import Any

import flet as ft
import pytest

from app.ui import app as ui_app
from app.ui.services import AppServices


@pytest.fixture
def run_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """serve() with ft.run (the window) and run_web (the web server) recorded. Its startup
    thread is not run: it would wait 30 s for a server that never listens, then freeze the
    collector in the middle of a later test. The process-wide settings serve() makes for the
    app are put back."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(ft, "run", lambda main, **kwargs: calls.append({"ft.run": True, **kwargs}))
    monkeypatch.setattr(ui_app, "run_web", lambda main, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(ui_app.Startup, "run", lambda _self, _address=None: None)
    interval, collecting = sys.getswitchinterval(), gc.isenabled()
    yield calls
    sys.setswitchinterval(interval)
    if collecting:
        gc.enable()


def test_web_mode_serves_on_the_given_address_with_the_apps_assets(
    run_calls: list[dict[str, Any]],
) -> None:
    ui_app.serve(web=True, host="127.0.0.1", port=8765, demo=False)

    [kwargs] = run_calls
    assert kwargs == {"host": "127.0.0.1", "port": 8765, "assets_dir": str(ui_app.ASSETS_DIR)}


def test_desktop_mode_opens_a_window(run_calls: list[dict[str, Any]]) -> None:
    ui_app.serve(web=False, host="127.0.0.1", port=8765, demo=True)

    [kwargs] = run_calls
    assert kwargs["ft.run"] is True
    assert "view" not in kwargs  # ft.run's default: the desktop window
    assert kwargs["assets_dir"] == str(ui_app.ASSETS_DIR)


def test_the_app_icon_is_a_square_512_png() -> None:
    head = (ui_app.ASSETS_DIR / "icon.png").read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert head[12:16] == b"IHDR"
    assert struct.unpack(">II", head[16:24]) == (512, 512)


async def test_sessions_wait_for_the_services_built_beside_the_server() -> None:
    built = threading.Event()

    def prepare(services: AppServices) -> None:
        built.wait(5)
        services.version = "9.9"

    services = AppServices()
    startup = ui_app.Startup(services, prepare)
    waiting = asyncio.create_task(startup.ready())
    worker = threading.Thread(target=startup.run)
    worker.start()
    await asyncio.sleep(0.05)
    assert not waiting.done()  # a session that came early waits for the services
    built.set()
    await asyncio.wait_for(waiting, 5)
    assert services.version == "9.9"
    worker.join(10)


def test_once_ready_the_long_lived_objects_leave_the_collectors_sight() -> None:
    services = AppServices()
    gc.unfreeze()
    gc.disable()  # as serve() starts the app
    try:
        ui_app.Startup(services, lambda _services: None, freeze=True).run()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, the services, the store's metadata
        assert gc.is_tracked(services)
        assert not any(s is services for s in gc.get_objects())  # frozen, not in a generation
        assert gc.isenabled()  # and collections are back on
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_failed_start_turns_the_collector_back_on_too() -> None:
    def prepare(services: AppServices) -> None:
        raise OSError("disk full")

    gc.disable()
    try:
        ui_app.Startup(AppServices(), prepare, freeze=True).run()
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_without_freeze_a_startup_leaves_the_collector_alone() -> None:
    gc.unfreeze()
    ui_app.Startup(AppServices(), lambda _services: None).run()
    assert gc.get_freeze_count() == 0


async def test_a_failed_start_is_raised_in_the_session_not_swallowed() -> None:
    def prepare(services: AppServices) -> None:
        raise OSError("disk full")

    startup = ui_app.Startup(AppServices(), prepare)
    startup.run()
    with pytest.raises(RuntimeError, match="could not start") as raised:
        await startup.ready()
    assert isinstance(raised.value.__cause__, OSError)


async def test_without_anything_to_build_a_session_starts_at_once() -> None:
    await asyncio.wait_for(ui_app.Startup(AppServices()).ready(), 1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_the_startup_thread_yields_the_cpu_and_nothing_else_does() -> None:
    """The startup thread runs at a lower priority while the client loads; the thread that
    serves the client (here: the test's) keeps its own."""
    import os

    seen: list[int] = []

    def startup_thread() -> None:
        ui_app._yield_cpu_to_the_client()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=startup_thread)
    worker.start()
    worker.join(5)
    assert seen == [max(before, ui_app.STARTUP_NICENESS)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


def test_serve_starts_the_startup_thread_at_the_lower_priority(
    run_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    yielded: list[str] = []
    monkeypatch.setattr(
        ui_app, "_yield_cpu_to_the_client", lambda: yielded.append(threading.current_thread().name)
    )
    ui_app.serve(web=True, host="127.0.0.1", port=8765, demo=False)
    for thread in threading.enumerate():
        if thread.name == "startup":
            thread.join(5)
    assert yielded == ["startup"]
