"""UI benchmark: the app in web mode in headless Chromium against the framework's floor.

Run: .venv/bin/python tests/bench/ui.py [--runs 5] [--clicks 10] [--no-small] [--same-texts]

Fills a store with 2,000 orders, 3,000 parcels and 30,000 events through app.store functions
(add_order, add_parcel, one apply_update per parcel), and a small one (20 orders, 30 parcels,
300 events) the same way. Each side below is started `--runs` times, the sides interleaved
(their order rotates from run to run, so drift on this shared machine hits all alike):

- app: `python -m app.cli --web` on the big store;
- floor: tests/bench/ui_floor_app.py on the big store: a minimal Flet app served the same way
  (same Flet web server, assets, no CDN) that reads the same SQLite file with plain sqlite3 and
  renders a ListView of plain clickable texts, one per parcel row, named like the app's rows;
  a click lists the parcel's event texts, newest first. "The same length" is taken as what the
  app renders at start: its My-orders list pages its order cards, the first
  home.FIRST_PAINT cards at once and read_model.PAGE_SIZE more right behind them, so the floor
  gets as many rows, at once, as those cards hold parcel rows (counted through the app's own
  read model); rendering all 3,000 parcels would be a floor the app never pays for, counting
  cards instead of rows would leave out the cards' second parcels;
- small (unless --no-small): the app on the small store, as extra information;
- same-texts floor (with --same-texts): the floor app showing, on a click, what the app's
  timeline gives to read and tap (header facts, milestone words, action buttons, each event's
  time, place, status, text and "Originaltext" button) as plain controls: what the framework
  itself costs for that information, printed beside the goal's ratio (not instead of it).

For each it measures:

- start to list: from spawning the server until the first row of the list is in the
  accessibility tree (the app: the first parcel row of the card My orders ranks first, asked of
  the same read model the app uses; the floor: its first row); split into spawn -> server
  answers HTTP -> Flutter's first frame -> list readable;
- click to timeline: from a mouse click on a parcel row (wide window: the timeline opens beside
  the list) until that parcel's newest event text is in the accessibility tree; over different
  parcels of orders, scrolling the list for fresh rows; each click on a settled page (no frame
  asked for in QUIET_MS, see quiet()). The app prepares its panel, unseen, for the list's
  first parcel after the first page (HomeScreen.prepare_panel), as it does for every user: a
  start's first click, on that row, fills it in place; the p95 mostly reads first clicks;
- both times are stamped in the page (see STAMPS): the list's row or the event's text entering
  the DOM, the click's pointerdown; the figures as Playwright's polling saw them (0, 20, 50,
  100, 100, then 500 ms apart) are printed beside them;
- RSS: VmRSS from /proc of the server process once the list is readable and again after the
  clicks, summed with its descendants (Flet's web server is uvicorn in the same process, so
  today there are none; the sum keeps the figure honest should a worker process appear).

`list_ratio` = app start to list / floor start to list, `timeline_ratio` = app click to timeline
median / floor click to timeline median (medians over all starts and clicks); the goal is <= 1.3
for both. `rss_mb` is the app's median RSS after the clicks, when it has loaded all it loads
(the sync engine starts a moment after the first page, so the RSS with the list, printed as
`rss_at_list_mb`, leaves it out); the floor's is taken the same way. Each side is started once
before measuring (not timed): with no carrier account the engine marks every active parcel "no
account" at its first start, which is a one-off write, not what a user meets every day; the
floor's warm-up evens out the disk cache. The app's modules are byte-compiled first (see
compile_app()). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import compileall
import json
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.carriers.base import AuthKind
from app.carriers.registry import REGISTRY
from app.domain.models import DeliveryEstimate, Location, ParcelUpdate, TrackingEvent
from app.domain.status import Status
from app.store import add_order, add_parcel, apply_update, new_session, open_store
from app.ui.read_model import PAGE_SIZE, Clock, ListQuery, load_cards
from app.ui.views.home import FIRST_PAINT
from tests.bench.ui_floor_app import floor_rows
from tests.e2e.harness import (
    CHROMIUM_ARGS,
    DESKTOP,
    AppServer,
    ServerDidNotStart,
    launch_server,
    settle,
    stop_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

# No carrier whose API needs no key (DPD): the app tracks those without any account, so here
# (offline) it would write one failed fetch after another while the list is measured, moving
# cards around. The others have no account in these stores and stay as they are.
KEYLESS = {c for c, adapter in REGISTRY.items() if adapter.auth is AuthKind.NONE}
CARRIERS = [c for c in ["dhl"] * 40 + ["hermes"] * 15 + ["dpd"] * 12 if c not in KEYLESS]
CARRIERS += ["gls"] * 12 + ["ups"] * 10 + ["fedex"] * 5 + ["postnl"] * 5 + ["royalmail"] * 5
SHOPS = ["Zalando", "Otto", "Müller", "MediaMarkt", "Thomann", "Amazon", "IKEA", "Tchibo"]
SHOPS += ["About You", "Lidl", "Douglas", "Cyberport", "Bonprix", "Galaxus", "Etsy"]
CITIES = ["Leipzig", "Hamburg", "Köln", "München", "Berlin", "Kassel", "Hannover", "Nürnberg"]
# Where each parcel's story ends, cycled (not drawn) so the small store has the same mix:
# 11 of 20 delivered, the rest active.
ENDINGS = [Status.DELIVERED, Status.IN_TRANSIT] * 5 + [Status.OUT_FOR_DELIVERY] * 2
ENDINGS += [Status.DELIVERED] * 6 + [Status.AVAILABLE_FOR_PICKUP, Status.FAILED_ATTEMPT]
ROW_NAME = re.compile(r"^Sendung (Artikel \d{4}) öffnen")
LIST_TOP = 260  # px: below the toolbar (search, chips, filters, sync line) on DESKTOP
LIST_X = 210  # px: the middle of the list column (LIST_WIDTH 420)
TIMEOUT_MS = 60_000
MISS_MS = 20_000
QUIET_MS = 800
QUIET_LIMIT_MS = 5_000
# One start with its clicks takes well under a minute; Playwright's evaluate() has no timeout
# of its own, and once a call into the page never returned (17 minutes until killed).
MEASURE_LIMIT_S = 600

# Times are stamped in the page, not by polling from Python. Playwright's wait_for polls after
# 0, 20, 50, 100, 100 and then every 500 ms, and each poll is a locator query whose cost grows
# with the page, so a polled figure rounds a 40 ms difference up to 100 ms or down to nothing,
# and more so for the side with the bigger page. A MutationObserver sees the wanted text the
# moment Flutter writes it into the accessibility tree; a capturing pointerdown listener marks
# the click. Playwright's wait_for still gates every measurement (and catches misses).
STAMPS = """(() => {
  const bench = window.__bench = {want: null, seen: null, pressed: null, frameAt: 0};
  const now = () => performance.timeOrigin + performance.now();
  const holds = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return (node.data || '').includes(bench.want);
    if (node.nodeType !== Node.ELEMENT_NODE) return false;
    if ((node.textContent || '').includes(bench.want)) return true;
    const named = [node, ...node.querySelectorAll('[aria-label]')];
    return named.some((el) => (el.getAttribute('aria-label') || '').includes(bench.want));
  };
  window.addEventListener('pointerdown', () => { bench.pressed = now(); }, true);
  // When the page last asked for a frame: Flutter draws only on request, so none asked for
  // a while means nothing is animating (see quiet()).
  const requestFrame = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => {
    bench.frameAt = now();
    return requestFrame(callback);
  };
  new MutationObserver((records) => {
    if (bench.want === null || bench.seen !== null) return;
    for (const record of records) {
      const nodes = record.type === 'childList' ? [...record.addedNodes] : [record.target];
      if (nodes.some(holds)) { bench.seen = now(); return; }
    }
  }).observe(document, {subtree: true, childList: true, characterData: true,
                        attributes: true, attributeFilter: ['aria-label']});
})()"""


@dataclass(frozen=True)
class Store:
    name: str
    path: Path
    orders: int
    parcels: int
    events: int
    newest: dict[str, str]  # parcel label -> its newest event's text
    in_order: frozenset[str]  # labels of the parcels that belong to an order
    fill_s: float


def label_of(index: int) -> str:
    return f"Artikel {index:04d}"


def newest_text(label: str, k: int) -> str:
    return f"Scan {k} von {label} bearbeitet"


def story(n: int, ending: Status) -> list[Status]:
    middle = [Status.IN_TRANSIT] * max(0, n - 2)
    if ending in (Status.DELIVERED, Status.FAILED_ATTEMPT) and n > 3:
        middle[-1] = Status.OUT_FOR_DELIVERY
    return [Status.INFO_RECEIVED, *middle, ending][:n] if n > 1 else [ending]


def fill(name: str, path: Path, *, orders: int, parcels: int, events: int) -> Store:
    """Write the store through app.store: every order and parcel, then one apply_update per
    parcel (one transaction each, as the sync engine writes)."""
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    engine = open_store(path)
    per_parcel = [events // parcels + (1 if i < events % parcels else 0) for i in range(parcels)]
    newest: dict[str, str] = {}
    in_order: set[str] = set()
    with new_session(engine) as session:
        order_ids = [
            add_order(
                session,
                shop=SHOPS[i % len(SHOPS)],
                order_number=f"B-{100000 + i}",
                title=f"Bestellung {i}",
                created_at=now - timedelta(days=40, minutes=i),
            ).id
            for i in range(orders)
        ]
    with new_session(engine, write=True) as session:
        for i in range(parcels):
            carrier = CARRIERS[i % len(CARRIERS)]
            label = label_of(i)
            created = now - timedelta(days=30) + timedelta(minutes=13 * i)
            # The first `orders` parcels give every order one; the rest are second parcels
            # of some orders, every 7th parcel stands alone.
            order_id = order_ids[i % orders] if i < orders or i % 7 else None
            parcel = add_parcel(
                session,
                tracking_number=f"{carrier[:2].upper()}{10**11 + 7919 * i}",
                carrier=carrier,
                order_id=order_id,
                label=label,
                created_at=created,
            )
            if order_id is not None:
                in_order.add(label)
            statuses = story(per_parcel[i], ENDINGS[i % len(ENDINGS)])
            last_at = min(now - timedelta(minutes=5), created + timedelta(days=3))
            step = (last_at - created) / max(1, len(statuses) - 1)
            scans = tuple(
                TrackingEvent(
                    occurred_at=created + step * k,
                    status=status,
                    description=newest_text(label, k),
                    carrier_code=f"{carrier.upper()}-{k}",
                    location=Location(city=CITIES[(i + k) % len(CITIES)], country="DE"),
                    source_name=carrier,
                )
                for k, status in enumerate(statuses)
            )
            last = scans[-1]
            newest[label] = newest_text(label, len(scans) - 1)
            apply_update(
                session,
                parcel_id=parcel.id,
                update=ParcelUpdate(
                    tracking_number=parcel.tracking_number,
                    carrier=carrier,
                    fetched_at=last_at,
                    source_name=carrier,
                    events=scans,
                ),
                status=last.status,
                estimate=DeliveryEstimate(day=(now + timedelta(days=i % 5)).date()),
                location=last.location,
                last_event_at=last.occurred_at,
                last_event_text=last.description,
            )
    seconds = time.perf_counter() - started
    engine.dispose()
    return Store(name, path, orders, parcels, events, newest, frozenset(in_order), seconds)


def first_page(store: Store) -> list[str]:
    """The labels of the parcel rows My orders shows at start (its first cards and the page
    behind them), in order, as the app ranks them. Asked after the warm-up start: that
    start's "no account" marks change the ranking."""
    engine = open_store(store.path)
    try:
        clock = Clock(now=datetime.now(UTC), zone="Europe/Berlin", lang="de")
        cards = load_cards(engine, ListQuery(), clock, limit=FIRST_PAINT + PAGE_SIZE)
    finally:
        engine.dispose()
    return [row.name for card in cards for row in card.parcels]


@dataclass(frozen=True)
class Side:
    """One thing to measure: a server command on a store and the row its list shows first."""

    name: str
    store: Store
    argv: list[str]  # the server's command line; the host and a free port are appended
    first: Callable[[], str]  # the label of the list's first row, asked before each start


def app_side(name: str, store: Store) -> Side:
    return Side(
        name,
        store,
        [sys.executable, "-m", "app.cli", "--web"],
        lambda: first_page(store)[0],
    )


def floor_side(store: Store, rows: int, *, same_texts: bool = False) -> Side:
    script = Path(__file__).with_name("ui_floor_app.py")
    argv = [sys.executable, str(script), "--db", str(store.path), "--rows", str(rows)]
    return Side(
        "same-texts" if same_texts else "floor",
        store,
        argv + (["--same-texts"] if same_texts else []),
        lambda: floor_rows(store.path, rows)[0][1],
    )


def spawn(side: Side) -> AppServer:
    """The side's server on a free port, started as the e2e tests start the app (same
    environment), once it answers HTTP."""
    folder = side.store.path.parent.parent
    try:
        return launch_server(side.argv, folder / "data", folder / f"{side.name}.log")
    except ServerDidNotStart as failed:
        raise SystemExit(f"{side.name} {failed}") from failed


def rss_mb(pid: int) -> float:
    """VmRSS of `pid` and all its descendants, in MiB (0 for processes already gone)."""
    total_kb, pending = 0, [pid]
    while pending:
        current = pending.pop()
        proc = Path(f"/proc/{current}")
        try:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
            for task in (proc / "task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total_kb / 1024


def open_page(browser: Browser, server: AppServer) -> Page:
    """A wide tab on the app, offline-guarded, once Flutter has drawn its first frame."""
    context = browser.new_context(
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
        locale="de-DE",
        color_scheme="light",
    )

    def guard(route: Route) -> None:
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    context.add_init_script(STAMPS)
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_function("!document.getElementById('loading')", timeout=TIMEOUT_MS)
    return page


def enable_semantics(page: Page) -> None:
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    page.wait_for_selector("flt-semantics", state="attached", timeout=TIMEOUT_MS)


def watch_for(page: Page, text: str) -> None:
    """Have the page stamp the moment `text` first enters the DOM from now on."""
    page.evaluate("text => { __bench.want = text; __bench.seen = null; }", text)


def quiet(page: Page) -> bool:
    """Wait until the page has asked for no frame for QUIET_MS (False if it still draws after
    QUIET_LIMIT_MS). A click is timed from a settled page. After a scroll Flutter's scrollbar
    waits 600 ms (a timer, no frames) and then fades out, frame by frame, each drawn in
    software on this machine; and only the app scrolls (its cards are taller, the floor's 36
    rows fit on the screen). Clicked 600 ms after a scroll, a third of the app's clicks shared
    the machine with that fade."""
    try:
        page.wait_for_function(
            "quiet => performance.timeOrigin + performance.now() - __bench.frameAt >= quiet",
            arg=QUIET_MS,
            polling=50,  # not "raf": that would ask for frames itself
            timeout=QUIET_LIMIT_MS,
        )
    except PlaywrightTimeout:
        return False
    return True


def stamped(page: Page, since_epoch_ms: str | float) -> float:
    """Milliseconds from `since_epoch_ms` (a number, or the name of a page stamp) until the page
    saw the watched text; an error if it did not (the gate passed on text that was there
    before, which would be a broken measurement, not a fast one)."""
    seen, since = page.evaluate(
        "since => [__bench.seen, typeof since === 'string' ? __bench[since] : since]",
        since_epoch_ms,
    )
    if seen is None or since is None:
        raise SystemExit(f"the page stamped no time (seen {seen}, since {since})")
    return float(seen) - float(since)


def see(page: Page, text: str) -> Locator:
    """Text in the accessibility tree; Flutter folds a group's texts into its aria-label."""
    return page.get_by_text(text).or_(page.get_by_label(text)).first


def row_named(page: Page, label: str) -> Locator:
    return page.get_by_role("button", name=re.compile(rf"^Sendung {label} öffnen"))


@dataclass
class Run:
    start_ms: float
    answer_ms: float  # spawn until the server answered HTTP
    frame_ms: float  # spawn until Flutter's first frame (the loading element gone)
    clicks_ms: list[float]
    missed: list[str]  # rows whose click showed no timeline within MISS_MS
    rss_list_mb: float  # the server's RSS once the list was readable
    rss_clicks_mb: float  # ... and after the clicks
    polled_start_ms: float  # start_ms as Playwright's polling saw it, for comparison
    polled_clicks_ms: list[float]  # clicks_ms as Playwright's polling saw them


def still_rows(page: Page) -> list[tuple[str, float, float]]:
    """The visible rows once two reads 150 ms apart agree: a tap on a list that is still
    scrolling only stops the scroll in Flutter."""
    rows = visible_rows(page)
    for _ in range(20):
        page.wait_for_timeout(150)
        again = visible_rows(page)
        if again == rows:
            break
        rows = again
    return rows


def visible_rows(page: Page) -> list[tuple[str, float, float]]:
    """(label, x, y) of the parcel rows wholly inside the list's visible area.

    The app names its rows with a Semantics label (aria-label); the floor's rows are buttons
    named by their text (text content)."""
    boxes = page.get_by_role("button", name=ROW_NAME).evaluate_all(
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            const name = e.getAttribute('aria-label') || e.textContent || '';
            return [name, r.top, r.bottom, r.left, r.right];
        })"""
    )
    rows = []
    for name, top, bottom, left, right in boxes:
        found = ROW_NAME.match(name)
        if found and top >= LIST_TOP and bottom <= DESKTOP["height"] - 4 and right > left:
            rows.append((found.group(1), (left + right) / 2, (top + bottom) / 2))
    return rows


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise TimeoutError in this (the main) thread should `what` take longer than `seconds`:
    a hung call into the page ends the bench with a message instead of holding it forever."""

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"{what}: still not done after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def measure(browser: Browser, side: Side, clicks: int, first: str | None) -> Run:
    """Start the side's server, wait for the row `first` (or any row), click `clicks` rows;
    a run that hangs ends the bench after MEASURE_LIMIT_S (its server is stopped)."""
    with deadline(MEASURE_LIMIT_S, f"{side.name}: a start with {clicks} clicks"):
        return _measure(browser, side, clicks, first)


def _measure(browser: Browser, side: Side, clicks: int, first: str | None) -> Run:
    store = side.store
    started = time.perf_counter()
    started_epoch_ms = time.time() * 1000
    server = spawn(side)
    answered = time.perf_counter()
    try:
        page = open_page(browser, server)
        framed = time.perf_counter()
        watch_for(page, f"Sendung {first} öffnen" if first else "Sendung Artikel ")
        enable_semantics(page)
        row = row_named(page, first) if first else page.get_by_role("button", name=ROW_NAME)
        row.first.wait_for(state="attached", timeout=TIMEOUT_MS)
        listed_ms = stamped(page, started_epoch_ms)
        polled_list_ms = (time.perf_counter() - started) * 1000
        rss_list = rss_mb(server.process.pid)
        if first is None:
            settle(store.path)
        timings: list[float] = []
        polled: list[float] = []
        missed: list[str] = []
        clicked: set[str] = set()
        current: str | None = None
        before: list[tuple[str, float, float]] = []
        scrolls = 0
        while len(timings) < clicks:
            rows = still_rows(page)
            # Parcels of an order, as most are (here 95 %): opening one also numbers it
            # among its order's parcels ("Paket 1 von 2"), which a lone parcel skips.
            fresh = [r for r in rows if r[0] not in clicked and r[0] in store.in_order]
            if not fresh:
                scrolls += 1
                if scrolls > 100:  # never loop forever on a list that shows no clickable row
                    raise SystemExit(f"{side.name}: no fresh row to click after 100 scrolls")
                page.mouse.move(LIST_X, 600)
                if rows == before:
                    # The end of a small store's list: click its rows again from the top
                    # (never the one open now, which would change nothing).
                    clicked = {current} if current else set()
                    page.mouse.wheel(0, -100_000)
                else:
                    page.mouse.wheel(0, 300)
                before = rows
                page.wait_for_timeout(400)
                continue
            label, x, y = fresh[0]
            scrolls = 0
            if not quiet(page):
                print(f"  {side.name}: still drawing {QUIET_LIMIT_MS} ms on", file=sys.stderr)
            target = see(page, store.newest[label])
            clicked.add(label)
            watch_for(page, store.newest[label])
            t0 = time.perf_counter()
            page.mouse.click(x, y)
            try:
                target.wait_for(state="visible", timeout=MISS_MS)
            except PlaywrightTimeout:
                # A click that opened no timeline (seen before the rows were read twice to be
                # still). Counted and reported, not timed; the next row is clicked.
                missed.append(label)
                print(f"  no timeline {MISS_MS} ms after clicking {label}", file=sys.stderr)
                continue
            polled.append((time.perf_counter() - t0) * 1000)
            timings.append(stamped(page, "pressed"))
            current = label
            page.wait_for_timeout(200)  # let the canvas settle before the next click
        rss_clicks = rss_mb(server.process.pid)
        page.context.close()
    finally:
        stop_app(server)
    return Run(
        listed_ms,
        (answered - started) * 1000,
        (framed - started) * 1000,
        timings,
        missed,
        rss_list,
        rss_clicks,
        polled_list_ms,
        polled,
    )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(runs: list[Run]) -> dict[str, float]:
    clicks = [c for r in runs for c in r.clicks_ms]
    polled = [c for r in runs for c in r.polled_clicks_ms]
    return {
        "polled_start": statistics.median(r.polled_start_ms for r in runs),
        "polled_median": statistics.median(polled),
        "start": statistics.median(r.start_ms for r in runs),
        "answer": statistics.median(r.answer_ms for r in runs),
        "frame": statistics.median(r.frame_ms for r in runs),
        "median": statistics.median(clicks),
        "p95": p95(clicks),
        "n": len(clicks),
        "missed": sum(len(r.missed) for r in runs),
        "rss_list": statistics.median(r.rss_list_mb for r in runs),
        "rss_clicks": statistics.median(r.rss_clicks_mb for r in runs),
        "starts": len(runs),
    }


def compile_app() -> None:
    """Byte-compile the app's modules, as installing it does and as any start does where Python
    may write its cache. A machine that sets PYTHONDONTWRITEBYTECODE (this one does) would
    otherwise compile them anew at every start, ~0.1 s that no user's start pays, while Flet's
    modules, installed into the venv, are compiled already."""
    compileall.compile_dir(Path(__file__).resolve().parents[2] / "app", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="server starts per side")
    parser.add_argument("--clicks", type=int, default=10, help="clicks per server start")
    parser.add_argument("--no-small", action="store_true", help="skip the app on the small store")
    parser.add_argument(
        "--same-texts",
        action="store_true",
        help="also the floor app showing the timeline's texts and buttons plainly (its docstring)",
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    began = time.perf_counter()
    compile_app()
    sizes = [("big", 2000, 3000, 30_000)] + ([] if args.no_small else [("small", 20, 30, 300)])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        stores: dict[str, Store] = {}
        for name, orders, parcels, events in sizes:
            (root / name / "data").mkdir(parents=True)
            path = root / name / "data" / "paketpilot.sqlite"
            stores[name] = store = fill(name, path, orders=orders, parcels=parcels, events=events)
            print(
                f"{name} store: {orders} orders, {parcels} parcels, {events} events, "
                f"filled in {store.fill_s:.1f} s ({events / store.fill_s:,.0f} events/s)"
            )

        results: dict[str, list[Run]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            # The apps first (their one-off writes settle the ranking), then the floor, which
            # needs the row count of the app's first page on the settled store.
            sides = [app_side(name, store) for name, store in stores.items()]
            for side in sides:
                warm = measure(browser, side, 0, None)
                print(
                    f"warm-up {side.name}: start to list {warm.start_ms:.0f} ms (not counted); "
                    f"first row then: {side.first()}"
                )
            shown_rows = first_page(stores["big"])
            floor = floor_side(stores["big"], len(shown_rows))
            warm = measure(browser, floor, 0, None)
            print(
                f"warm-up floor: start to list {warm.start_ms:.0f} ms (not counted); the app "
                f"shows {len(shown_rows)} parcel rows in its first {FIRST_PAINT + PAGE_SIZE} "
                f"cards, the floor as many, first {floor.first()}"
            )
            sides.insert(1, floor)  # app (big), floor, small
            if args.same_texts:
                sides.insert(2, floor_side(stores["big"], len(shown_rows), same_texts=True))
            results = {side.name: [] for side in sides}
            for run in range(args.runs):
                for side in sides[run % len(sides) :] + sides[: run % len(sides)]:
                    result = measure(browser, side, args.clicks, side.first())
                    results[side.name].append(result)
                    shown = ", ".join(f"{c:.0f}" for c in result.clicks_ms)
                    print(
                        f"run {run + 1} {side.name}: start to list {result.start_ms:.0f} ms "
                        f"(server answered {result.answer_ms:.0f} ms, first frame "
                        f"{result.frame_ms:.0f} ms, polled {result.polled_start_ms:.0f} ms); "
                        f"RSS {result.rss_list_mb:.0f} MiB, {result.rss_clicks_mb:.0f} MiB "
                        f"after clicks; clicks {shown} ms"
                    )
            browser.close()

    figures = {name: summary(runs) for name, runs in results.items()}
    for name, f in figures.items():
        print(
            f"{name}: start to list median {f['start']:.0f} ms (server answered "
            f"{f['answer']:.0f} ms, first frame {f['frame']:.0f} ms) over {f['starts']:.0f} "
            f"starts; click to timeline median {f['median']:.0f} ms, p95 {f['p95']:.0f} ms "
            f"over {f['n']:.0f} clicks ({f['missed']:.0f} without a timeline); RSS "
            f"{f['rss_list']:.0f} MiB with the list, {f['rss_clicks']:.0f} MiB after clicks; "
            f"as Playwright's polling saw them: start {f['polled_start']:.0f} ms, click median "
            f"{f['polled_median']:.0f} ms"
        )
    big, base = figures["big"], figures["floor"]
    ratios = {
        "list_ratio": round(big["start"] / base["start"], 2),
        "timeline_ratio": round(big["median"] / base["median"], 2),
        "timeline_p95_ratio": round(big["p95"] / base["p95"], 2),
    }
    polled_ratios = {
        "polled_list_ratio": round(big["polled_start"] / base["polled_start"], 2),
        "polled_timeline_ratio": round(big["polled_median"] / base["polled_median"], 2),
    }
    verdict = "met" if max(ratios["list_ratio"], ratios["timeline_ratio"]) <= 1.3 else "missed"
    print(
        f"app vs floor: start to list {ratios['list_ratio']}x, click to timeline median "
        f"{ratios['timeline_ratio']}x (p95 {ratios['timeline_p95_ratio']}x); goal <= 1.3 "
        f"{verdict}; app RSS {big['rss_clicks']:.0f} MiB vs floor {base['rss_clicks']:.0f} MiB; "
        f"polled: {polled_ratios['polled_list_ratio']}x, {polled_ratios['polled_timeline_ratio']}x"
    )
    extra: dict[str, float] = {}
    if "same-texts" in figures:
        same = figures["same-texts"]
        extra = {
            "same_texts_timeline_ratio": round(big["median"] / same["median"], 2),
            "same_texts_floor_ratio": round(same["median"] / base["median"], 2),
            "same_texts_click_to_timeline_ms_median": round(same["median"]),
        }
        print(
            f"the timeline's texts and buttons, plain, vs floor: click to timeline median "
            f"{extra['same_texts_floor_ratio']}x; app vs that: "
            f"{extra['same_texts_timeline_ratio']}x"
        )
    print(f"whole run: {time.perf_counter() - began:.0f} s")
    if "small" in figures:
        small = figures["small"]
        extra |= {
            "small_start_to_list_ms": round(small["start"]),
            "small_click_to_timeline_ms_median": round(small["median"]),
            "small_rss_mb": round(small["rss_clicks"], 1),
        }
    print(
        json.dumps(
            {
                **ratios,
                **polled_ratios,
                "rss_mb": round(big["rss_clicks"], 1),
                "rss_at_list_mb": round(big["rss_list"], 1),
                "floor_rss_mb": round(base["rss_clicks"], 1),
                "app_start_to_list_ms": round(big["start"]),
                "floor_start_to_list_ms": round(base["start"]),
                "app_first_frame_ms": round(big["frame"]),
                "floor_first_frame_ms": round(base["frame"]),
                "app_click_to_timeline_ms_median": round(big["median"]),
                "floor_click_to_timeline_ms_median": round(base["median"]),
                "app_click_to_timeline_ms_p95": round(big["p95"]),
                "floor_click_to_timeline_ms_p95": round(base["p95"]),
                "clicks": int(big["n"]),
                "clicks_missed": int(big["missed"]),
                "floor_clicks_missed": int(base["missed"]),
                "rows": len(shown_rows),
                "orders": stores["big"].orders,
                "parcels": stores["big"].parcels,
                "events": stores["big"].events,
                **extra,
            }
        )
    )


if __name__ == "__main__":
    main()
