"""Composition root: paths -> store -> secrets -> carriers/sync -> notify -> ui.

Everything the screens share is built here once per process and handed to the UI as one
`AppServices`. The demo (`--demo`, or `PAKETPILOT_DEMO=1`) swaps in its own store under
`<data dir>/demo`, an in-memory secret store and accounts that point at the in-process sandbox.
"""

from __future__ import annotations

import logging
import os
from importlib import metadata
from typing import Any

from app.ui.services import AppServices

log = logging.getLogger(__name__)

DEMO_ENV = "PAKETPILOT_DEMO"
LOG_LEVEL_ENV = "PAKETPILOT_LOG_LEVEL"
LOOPBACK_ONLY_ENV = "PAKETPILOT_LOOPBACK_ONLY"  # tests: never ask a real carrier
MOBILE_PLATFORMS = ("android", "ios")  # Flet sets FLET_PLATFORM in built apps


def configure_logging() -> None:
    """Log to stderr, then scrub every handler of secrets (install after handlers exist)."""
    from app.carriers.redact import install_log_redaction

    level = os.environ.get(LOG_LEVEL_ENV, "WARNING").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()


def app_version() -> str:
    try:
        return metadata.version("paketpilot")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def build_services(*, demo: bool = False, services: AppServices | None = None) -> AppServices:
    """The real app (SQLite in the data dir, the OS keychain) or the demo, in `services` (or
    new ones)."""
    services = services or AppServices(version=app_version())
    services.start_demo = lambda: start_demo(services)
    services.start_sync = lambda: start_sync(services)
    if demo:
        start_demo(services, attach=False)
    else:
        from app.native.paths import database_path
        from app.native.secrets import KeyringSecretStore
        from app.store import open_store

        services.store = open_store(database_path())
        if os.environ.get("FLET_PLATFORM") in MOBILE_PLATFORMS:
            # No OS keyring in a phone build: the UI plugs in flet-secure-storage (Keychain /
            # Keystore) once a page exists, then sync starts (see app.ui.app).
            services.secrets = None
        else:
            services.secrets = KeyringSecretStore()
            services.sync = make_sync(services)
    return services


def start_demo(services: AppServices, *, attach: bool = True) -> AppServices:
    """Switch `services` to the demo (idempotent). With `attach` (the UI calls this from a
    handler on Flet's loop) its sync starts right away on the running loop."""
    from app.demo import DemoController

    previous = services.sync
    switched = services.demo is None
    if switched:
        controller = DemoController().start()
        services.demo = controller
        services.demo_mode = True
        services.store = controller.store
        services.secrets = controller.secrets  # dummy keys in memory: never the keychain
        services.sync = make_sync(services)
    if attach:
        start_sync(services, restart=switched)
        if previous is not None and previous is not services.sync:
            _background(previous.aclose())  # the real accounts' HTTP clients
    return services


_BACKGROUND: set[Any] = set()


def _background(coroutine: Any) -> None:
    import asyncio

    task = asyncio.get_running_loop().create_task(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


def make_sync(services: AppServices) -> Any:
    """The sync engine with its outbox dispatcher on the current store, or None without one.

    Parcel changes reach every open session through `services.parcels_changed`; a tapped
    notification opens its parcel through `services.open_route`. The demo polls every few
    seconds (its journeys run DEMO_SPEED times faster than real life).
    """
    if services.store is None:
        return None
    from app.demo import demo_policy
    from app.sync.build import build_sync
    from app.ui.state import LANG_SETTING, stored_ui_settings

    language = stored_ui_settings(services.store).get(LANG_SETTING, "de")
    # For development and tests: every carrier at a running `paketpilot sandbox`, dummy keys.
    sandbox = os.environ.get("PAKETPILOT_SANDBOX_URL") or None
    poll = os.environ.get("PAKETPILOT_POLL_SECONDS")
    fast = services.demo is not None or poll is not None
    return build_sync(
        services.store,
        secrets=services.secrets,
        language=language if language in ("de", "en") else "de",
        zone=services.zone,
        on_open=services.open_route,
        on_changed=services.parcels_changed,
        in_app=services.show_banner,
        sandbox=sandbox,
        policy=demo_policy(float(poll)) if poll else demo_policy() if fast else None,
    )


def start_sync(services: AppServices, *, restart: bool = False) -> None:
    """Run `services.sync` (or, without an engine, the demo's own poller) on the running loop:
    Flet's, so desktop-notification taps and UI callbacks arrive there. Started once."""
    import asyncio

    task = services.sync_task
    if task is not None and not task.done():
        if not restart:
            return
        task.cancel()
    if services.sync is None and services.secrets is not None:
        services.sync = make_sync(services)  # a phone build: the secret store came later
    if services.sync is not None:
        services.sync_task = asyncio.get_running_loop().create_task(services.sync.run())
    elif services.demo is not None:
        services.demo.attach(services.parcels_changed)


def run(
    *, web: bool = False, host: str = "127.0.0.1", port: int = 8550, demo: bool = False
) -> None:
    configure_logging()
    if os.environ.get(LOOPBACK_ONLY_ENV) == "1":
        from app.carriers.limits import keep_to_loopback

        keep_to_loopback()
    from app.ui.app import serve

    demo = demo or os.environ.get(DEMO_ENV) == "1"
    services = AppServices(version=app_version())
    try:
        # The services are built while the server starts (see app.ui.app.Startup).
        serve(
            web=web or os.environ.get("PAKETPILOT_WEB") == "1",
            host=host,
            port=port,
            demo=demo,
            services=services,
            prepare=lambda target: build_services(demo=demo, services=target),
        )
    finally:
        if services.demo is not None:
            services.demo.stop()
