"""Fixtures: the app in web mode as a subprocess, headless Chromium, and tabs on the app.

Each tab blocks every request that does not go to the local server, so a test that passes
here also passes offline.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Literal

import pytest

from tests.conftest import require_executable
from tests.e2e.harness import (
    CHROMIUM_ARGS,
    PHONE,
    AppServer,
    OpenApp,
    Opened,
    enable_semantics,
    start_app,
    stop_app,
)
from tests.integration.conftest import secret_service, session_bus  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Route, ViewportSize


SERVER_LOG_LINES = 80
CONSOLE_LINES = 30
OPENED_TABS = pytest.StashKey[list[Opened]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing browser test shows the end of each app server's log it used: an exception in
    an event handler is only ever printed there, in another process."""
    report: pytest.TestReport = yield
    if report.failed:
        for name, server in _servers_of(item):
            tail = server.log().splitlines()[-SERVER_LOG_LINES:]
            report.sections.append((f"app server log ({name}, last lines)", "\n".join(tail)))
        tabs: list[Opened] = item.stash.get(OPENED_TABS, [])
        for number, opened in enumerate(tabs, start=1):
            if opened.page.is_closed():
                state = "was closed by the test"
            elif opened.paints():
                state = "draws frames"
            else:
                state = "DRAWS NO FRAMES (a stuck renderer)"
            lines = [f"the tab {state}", *opened.errors[-CONSOLE_LINES:]]
            report.sections.append((f"browser tab {number} ({opened.page.url})", "\n".join(lines)))
    return report


def _servers_of(item: pytest.Item) -> list[tuple[str, AppServer]]:
    funcargs: dict[str, object] = getattr(item, "funcargs", {})
    found: list[tuple[str, AppServer]] = []
    for name, value in funcargs.items():
        server = value if isinstance(value, AppServer) else getattr(value, "server", None)
        if isinstance(server, AppServer) and all(server is not s for _, s in found):
            found.append((name, server))
    return found


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = start_app(tmp_path_factory.mktemp("app"))
    yield server
    stop_app(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it
    # is open, and pytest-asyncio cannot run the async tests of later modules beside it.
    chromium = require_executable("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_app(
    browser: Browser, app_server: AppServer, request: pytest.FixtureRequest
) -> Iterator[OpenApp]:
    """Open a path of the app; `locale` is what Flutter reports as the device locale and
    `color_scheme` what it reports as the platform brightness. A failing test reports each
    tab's console errors and whether it still draws."""
    contexts: list[BrowserContext] = []
    tabs = request.node.stash.setdefault(OPENED_TABS, [])

    def open_(
        path: str = "/",
        *,
        locale: str = "de-DE",
        color_scheme: Literal["light", "dark"] = "light",
        viewport: ViewportSize | None = None,
        server: AppServer | None = None,
    ) -> Opened:
        base = (server or app_server).url
        context = browser.new_context(
            viewport=viewport or PHONE,
            locale=locale,
            color_scheme=color_scheme,
        )
        contexts.append(context)
        opened = Opened(page=context.new_page(), context=context)
        opened.record_errors()
        tabs.append(opened)

        def guard(route: Route) -> None:
            if route.request.url.startswith(base + "/"):
                route.continue_()
            else:
                opened.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        opened.page.goto(base + path)
        opened.page.wait_for_function("!document.getElementById('loading')", timeout=30_000)
        enable_semantics(opened.page)
        return opened

    yield open_
    for context in contexts:
        context.close()
