"""The engine as the composition root wants it: accounts from the keychain (or the sandbox),
and an outbox dispatcher with every notification channel this platform has."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from app.sync.accounts import AccountRuntime
from app.sync.engine import ChangedListener, StatusListener, SyncEngine
from app.sync.schedule import PollPolicy

if TYPE_CHECKING:
    from app.notify.in_app import ShowBanner

__all__ = ["build_sync"]

log = logging.getLogger(__name__)


def build_sync(
    store: Any,
    *,
    secrets: Any = None,
    language: str = "de",
    zone: str = "Europe/Berlin",
    on_open: Callable[[str], None] = lambda _route: None,
    on_changed: ChangedListener | None = None,
    on_status: StatusListener | None = None,
    sandbox: str | None = None,
    email: Any = None,
    mobile_notifier: Any = None,
    in_app: ShowBanner | None = None,
    policy: PollPolicy | None = None,
) -> SyncEngine:
    """The engine with its accounts and outbox dispatcher, as the composition root wants it.

    Callable outside an event loop: the accounts are loaded when the engine first runs (and
    again on `reload_accounts()`). `sandbox`: the root URL of a running sandbox; every adapter
    gets an account there with dummy credentials. Otherwise accounts come from the store and
    `secrets` (the keychain). Native notifications: the mobile seam (if a notifier is given),
    desktop, plyer, then banners in the open app (`in_app`, where nothing else shows them);
    the dispatcher probes them once when it starts. E-mail: `email`, or by
    default a channel that follows the `email.*` settings (sent only while `email.enabled`).
    Start it with `page.run_task(engine.run)` so desktop taps arrive on Flet's loop.
    """
    from app.notify.dispatcher import Dispatcher
    from app.notify.in_app import InAppChannel
    from app.notify.mobile import MobileChannel
    from app.notify.plyer_channel import PlyerChannel
    from app.notify.preferences import StoredEmailChannel
    from app.sync.accounts import build_accounts, sandbox_accounts

    async def load() -> Sequence[AccountRuntime]:
        if sandbox:
            return sandbox_accounts(sandbox, language=language)
        return await build_accounts(store, secrets, language=language)

    native: list[Any] = []
    if mobile_notifier is not None:
        native.append(MobileChannel(mobile_notifier))
    try:
        from app.notify.desktop import DesktopChannel
    except ImportError:  # a phone build ships without desktop-notifier
        log.info("desktop notifications are not available in this build")
    else:
        native.append(DesktopChannel(on_open=on_open, language=language))
    native.append(PlyerChannel())
    if in_app is not None:
        native.append(InAppChannel(in_app))
    if email is None:
        email = StoredEmailChannel(store, secrets, language=language)
    dispatcher = Dispatcher(store, native=native, email=email, zone=zone, default_language=language)
    return SyncEngine(
        store,
        account_loader=load,
        zone=zone,
        on_changed=on_changed,
        on_status=on_status,
        dispatcher=dispatcher,
        policy=policy,
    )
