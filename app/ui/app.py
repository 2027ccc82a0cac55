"""Starts the Flet app: a desktop window, or a local web server with `web=True`."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.flet_tuning import remember_event_types
from app.ui.services import AppServices
from app.ui.state import detect_settings, stored_ui_settings
from app.ui.web_server import listening, run_web

if TYPE_CHECKING:
    from app.ui.shell import Shell

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"

log = logging.getLogger(__name__)

SYNC_START_DELAY = 2.0  # seconds after the first page is queued (see make_main)
STARTUP_NICENESS = 15  # the startup thread's scheduling priority (see _yield_cpu_to_the_client)


class Startup:
    """Builds the services (store, keychain, sync: the ORM alone takes half a second to import)
    off the server's critical path: the server listens first, and while the browser loads the
    client the services are built, then the first screen is warmed up. A session waits for
    them in `ready()`; a failure is raised there, in the session that cannot work without it.
    """

    def __init__(
        self,
        services: AppServices,
        prepare: Callable[[AppServices], object] | None = None,
        *,
        freeze: bool = False,
    ) -> None:
        self.services = services
        self.prepare = prepare
        self.freeze = freeze  # the process is the app's: see _freeze_long_lived
        self.done = threading.Event()
        self.error: BaseException | None = None
        if prepare is None:
            self.done.set()

    def run(self, address: tuple[str, int] | None = None) -> None:
        """In a thread: wait for the server to listen (web mode), build, warm up, then (with
        `freeze`) collect once, freeze what lives on and turn collections back on."""
        if address is not None and not listening(address):
            log.warning("the server did not start listening; building the services anyway")
        if self.prepare is not None:
            try:
                self.prepare(self.services)
            except BaseException as failure:  # raised again in every session that waits
                self.error = failure
                log.exception("the app could not start")
            finally:
                self.done.set()
        try:
            if self.error is None:
                _warm_up(self.services)
        finally:
            if self.freeze:
                _freeze_long_lived()

    async def ready(self) -> None:
        if not self.done.is_set():
            await asyncio.to_thread(self.done.wait)
        if self.error is not None:
            raise RuntimeError("Paketpilot could not start; the log says why") from self.error


def make_main(
    services: AppServices, startup: Startup | None = None
) -> Callable[[ft.Page], Awaitable[None]]:
    async def main(page: ft.Page) -> None:
        if startup is not None:
            await startup.ready()
        if services.secrets is None:
            services.secrets = _phone_secret_store()
        from app.ui.shell import Shell  # imported by the warm-up by now (see serve)

        shell = Shell(page, services)
        await shell.start()
        _follow_ui_settings(page, shell, services)
        _follow_routes(page, shell, services)
        # Sync runs on Flet's loop (started by the first session), so its callbacks and
        # desktop-notification taps arrive there. Its background rounds start a moment after
        # the first page is queued: their first pass (accounts, every parcel read) is ~0.4 s
        # of CPU that would otherwise compete with the browser drawing that page. A refresh
        # or an opened parcel asks the engine directly and does not wait for them.
        asyncio.get_running_loop().call_later(SYNC_START_DELAY, _start_sync, services)

    return main


def _phone_secret_store() -> Any:
    """Keychain (iOS) / Keystore (Android) through flet-secure-storage, in a `flet build` app
    that lists it; without it (never in a desktop or web run) keys live in memory only."""
    from app.native.secrets import FletSecureStorageSecretStore, InMemorySecretStore

    try:
        import flet_secure_storage
    except ImportError:
        log.warning("flet-secure-storage is not in this build: keys are kept in memory only")
        return InMemorySecretStore()
    return FletSecureStorageSecretStore(flet_secure_storage.SecureStorage())


def _start_sync(services: AppServices) -> None:
    if services.start_sync is None:
        return
    try:
        services.start_sync()
    except Exception:  # the UI must come up even when syncing cannot start
        log.exception("sync could not start")


def _follow_routes(page: ft.Page, shell: Shell, services: AppServices) -> None:
    """A tapped notification opens its parcel in this session (run on Flet's loop)."""

    def listener(route: str) -> None:
        if not shell.run_on_page(functools.partial(page.push_route, route)):  # session gone
            _discard(services.route_listeners, listener)

    services.route_listeners.append(listener)
    _on_close(page, lambda: _discard(services.route_listeners, listener))


def _on_close(page: ft.Page, action: Callable[[], None]) -> None:
    """Run `action` when the session closes, after whatever the shell does then."""
    previous: Any = page.on_close

    def closed(event: ft.Event[ft.Page]) -> None:
        action()
        if callable(previous):
            previous(event)

    page.on_close = closed


def _discard(items: list[Any], item: Any) -> None:
    if item in items:
        items.remove(item)


def _follow_ui_settings(page: ft.Page, shell: Shell, services: AppServices) -> None:
    """Language and theme chosen in Settings apply at once, in this session and every other:
    each session re-reads them (with its device's locales for "system") on Flet's loop."""

    async def reapply() -> None:
        try:
            info = await page.get_device_info()
            locales = [
                loc.language_code + (f"-{loc.country_code}" if loc.country_code else "")
                for loc in (info.locales if info else [])
            ]
        except Exception:  # a client without the call still gets the stored choice
            locales = []
        shell.apply_ui_settings(detect_settings(locales, stored=stored_ui_settings(services.store)))

    def listener() -> None:
        if not shell.run_on_page(reapply):  # the session is gone
            remove()

    def remove() -> None:
        if listener in services.ui_settings_listeners:
            services.ui_settings_listeners.remove(listener)

    services.ui_settings_listeners.append(listener)
    _on_close(page, remove)


def _start_in_background(startup: Startup, address: tuple[str, int] | None) -> None:
    _yield_cpu_to_the_client()
    startup.run(address)


def _yield_cpu_to_the_client() -> None:
    """Lower the calling thread's scheduling priority (Linux and Android). While the startup
    thread builds the services, the client on the same machine (a browser compiling Flutter's
    WebAssembly, or the app's window) needs the CPU more: on a 2-core machine the first list
    came ~90 ms sooner (1,989 -> 1,899 ms, median of 8 starts each, side by side). A thread is
    a task of its own on Linux; elsewhere setpriority would act on the whole process."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), STARTUP_NICENESS)
    except OSError:  # not permitted here: start at the usual priority
        log.debug("could not lower the startup thread's priority", exc_info=True)


def _warm_up(services: AppServices) -> None:
    """Pay the first session's one-off costs before it connects: Flet imports a control's
    module on first use, and the store's first reads are cold. Builds a home screen nobody
    sees (no page, no session); should it fail, the first session just pays as before.
    The screens are imported here too, not before the server answers."""
    try:
        from app.ui.shell import Shell  # noqa: F401  (all screens, for the first session)
        from app.ui.views.context import ViewContext
        from app.ui.views.home import HomeScreen

        ft.Theme(use_material3=True)
        HomeScreen(
            ViewContext(
                lang="de",
                navigate=lambda _route: None,
                back=lambda: None,
                notify=lambda _text: None,
                services=services,
            ),
            wide=True,
        ).view()
    except Exception:
        log.debug("warm-up failed; the first session pays instead", exc_info=True)


def _freeze_long_lived() -> None:
    """Move what exists once the app is ready (modules, services, the store's metadata: some
    hundred thousand objects that live as long as the process) out of the garbage collector's
    sight. Otherwise every full collection walks them all again, a pause of ~0.1 s that lands
    on whichever click or sync tick allocates at that moment. Garbage is collected first, so
    only what is still referenced is frozen."""
    gc.collect()
    gc.freeze()
    gc.enable()  # switched off while the app started (see serve)


def serve(
    *,
    web: bool,
    host: str,
    port: int,
    demo: bool,
    services: AppServices | None = None,
    prepare: Callable[[AppServices], object] | None = None,
) -> None:
    """Run until the window closes or the server is stopped. `prepare(services)` builds the
    services (the demo included) while the server starts; without it they are ready."""
    services = services or AppServices()
    remember_event_types()
    # No automatic collections until the app is ready: while it starts, each full one walks
    # everything imported so far, 0.1-0.3 s holding the interpreter, in the very process that
    # serves the client its files. The startup thread collects once and turns them back on.
    gc.disable()
    # A thread that computes (the startup's imports, a sync round's store reads) holds the
    # interpreter 5 ms at a time by default, and the loop that answers the browser waits that
    # long for each turn: 1 ms keeps the UI's turns short, at a few more thread switches.
    sys.setswitchinterval(0.001)
    startup = Startup(services, prepare, freeze=True)
    main = make_main(services, startup)
    # While the browser (or window) loads the client, a second or so of idle server. In web
    # mode only once the server listens: sooner, it would slow the server's own start.
    address = (host, port) if web else None
    threading.Thread(
        target=_start_in_background, args=(startup, address), name="startup", daemon=True
    ).start()
    if not web:
        # Needs flet-desktop, which downloads its client on first run (no client offline).
        ft.run(main, assets_dir=str(ASSETS_DIR))
        return
    print(f"Paketpilot: http://{host}:{port}/", flush=True)  # uvicorn says it only at INFO
    run_web(main, host=host, port=port, assets_dir=str(ASSETS_DIR))
