"""Helpers to drive the app in web mode with headless Chromium through Playwright.

Flutter draws to a canvas; tests read its accessibility tree, which is off until the hidden
`flt-semantics-placeholder` is clicked. Every request that does not go to the local server is
aborted, so a test that passes here also passes offline.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        BrowserContext,
        ConsoleMessage,
        Locator,
        Page,
        Position,
        ViewportSize,
    )

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 30.0
# A fast typist's pace. With keys sent back to back, CI once saw the app analyse a shorter text
# than the field showed (9 of 12 digits); a person never types that fast.
TYPING_DELAY_MS = 15


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Opened:
    """A browser tab on the app, ready to be read through the accessibility tree."""

    page: Page
    context: BrowserContext
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the page's console errors and exceptions

    def record_errors(self) -> None:
        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text}")

        self.page.on("console", console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def paints(self, timeout_ms: int = 3_000) -> bool:
        """Whether the tab still draws frames: a renderer stuck in a loop (see
        app/ui/web_server.py) answers nothing, and Playwright's own timeout says so."""
        try:
            self.page.wait_for_function(
                "() => new Promise((done) => requestAnimationFrame(() => done(true)))",
                timeout=timeout_ms,
            )
        except Exception:
            return False
        return True


OpenApp = Callable[..., Opened]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer HTTP in time; the message holds its log."""


def launch_server(
    argv: list[str], data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> AppServer:
    """Start a Flet web server (`argv` gets `--host 127.0.0.1 --port N` appended) with its own
    data dir, and return once it answers HTTP."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAKETPILOT_", "FLET_"))}
    env.update(
        PAKETPILOT_DATA_DIR=str(data_dir),
        FLET_FORCE_WEB_SERVER="1",  # never open the system browser
        **(extra_env or {}),
    )
    log_path = log_path.with_name(f"{log_path.stem}-{port}{log_path.suffix}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = AppServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    stop_app(server)
    raise ServerDidNotStart(f"did not answer within {SERVER_START_TIMEOUT} s:\n{server.log()}")


def start_app(tmp: Path, extra_env: dict[str, str] | None = None) -> AppServer:
    """`python -m app.cli --web` on a free port with its own data dir.

    No FLET_WEB_NO_CDN here on purpose: serve() must turn the CDN off by itself, and a tab that
    tried to load the renderer from a CDN would be blocked and never start. It logs at INFO:
    each carrier request and the notification channel chosen, which a failing test prints.
    It reaches this computer only (the sandbox): a real carrier's answer, where the machine has
    the Internet, would change what the tests see; here every carrier is "nicht erreichbar".
    """
    argv = [sys.executable, "-m", "app.cli", "--web"]
    env = {"PAKETPILOT_LOG_LEVEL": "INFO", "PAKETPILOT_LOOPBACK_ONLY": "1", **(extra_env or {})}
    try:
        return launch_server(argv, tmp / "data", tmp / "server.log", env)
    except ServerDidNotStart as failed:
        pytest.fail(f"the app {failed}")


def stop_app(server: AppServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


def enable_semantics(page: Page) -> None:
    """Turn on Flutter's accessibility tree and wait until the app (not the loader) is in it.

    Every screen has an app bar, whose title Flutter exposes as a heading; Flet's loading
    screen ("Working...") has none.
    """
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    page.wait_for_selector("flt-semantics", state="attached", timeout=10_000)
    page.locator("flt-semantics-host :is(h1, h2, h3)").first.wait_for(
        state="attached", timeout=30_000
    )


def type_into(page: Page, field: Locator, text: str, *, position: Position | None = None) -> None:
    """Click `field`, replace its text with `text` by typing, and check the text arrived whole.

    Flutter reads keystrokes, not a value set from outside, so fill() cannot be used. It
    attaches its editing handlers a moment after the field takes focus, and a key typed in that
    instant is lost (CI once lost the first digit of a number). So: wait for the focus, type,
    read the value back, and type again over it if a key went missing.
    """
    field.click(position=position)
    page.wait_for_function(
        "() => ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName ?? '')",
        timeout=5_000,
    )

    # Read from the focused input: a field's accessible name may change once it holds text.
    def typed() -> str:
        return str(page.evaluate("document.activeElement?.value ?? ''"))

    for _ in range(3):
        page.keyboard.press("Control+A")
        page.keyboard.type(text, delay=TYPING_DELAY_MS)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and typed() != text:
            page.wait_for_timeout(100)
        if typed() == text:
            return
    raise AssertionError(f"typed {text!r} but the field holds {typed()!r}")


def stable_screenshot(page: Page, name: str, *, settle: int = 4, attempts: int = 40) -> Path:
    """Save a screenshot once `settle` in a row, 250 ms apart, are byte-identical and not blank.

    Headless Chromium's screenshots lag Flutter's semantics by up to about a second: after a
    click the tree already had the new screen while screenshots still showed a blank canvas,
    then Flet's "Working..." loader for ~0.4 s (two identical frames in a row). Hence several
    identical frames, not two.
    """
    previous = b""
    same = 1
    for _ in range(attempts):
        shot = page.screenshot()
        same = same + 1 if shot == previous else 1
        if same >= settle and not is_blank(shot):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"{name}.png"
            path.write_bytes(shot)
            return path
        previous = shot
        page.wait_for_timeout(250)
    pytest.fail(f"screenshot {name} never settled")


def is_blank(png: bytes) -> bool:
    from PIL import Image  # Pillow comes with flet-cli (test extra) via flet-platform-assets

    low, high = Image.open(io.BytesIO(png)).convert("L").getextrema()
    return bool(low == high)


def mean_brightness(png: bytes) -> float:
    from PIL import Image, ImageStat

    return float(ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).mean[0])


def settle(database: Path, *, quiet: float = 3.0, limit: float = 120.0) -> None:
    """Wait until the app has stopped writing the store (its files unchanged for `quiet` s)."""

    def stamp() -> tuple[tuple[int, int], ...]:
        files = (database, database.with_name(database.name + "-wal"))
        return tuple((f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists())

    deadline = time.monotonic() + limit
    last, since = stamp(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.25)
        now = stamp()
        if now != last:
            last, since = now, time.monotonic()
