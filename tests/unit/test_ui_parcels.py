"""My orders, the order and the parcel timeline, built in-process from a filled SQLite store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import flet as ft
import pytest
from sqlalchemy import Engine

from app.carriers.base import TrackingError
from app.domain.models import ProblemKind
from app.domain.status import Status
from app.domain.timeline import build_timeline
from app.notify.notice import Announcement, NoticeKind
from app.notify.preferences import load_preferences
from app.store import (
    NotFoundError,
    add_order,
    add_parcel,
    all_settings,
    get_correction,
    get_parcel,
    list_events,
    new_session,
    open_store,
    set_archived,
    set_label,
)
from app.sync.engine import SyncEngine
from app.sync.status import SyncPhase, SyncSnapshot, SyncStatus
from app.sync.writer import store_update
from app.ui.i18n import Lang
from app.ui.read_model import PAGE_SIZE, Clock, ParcelRow, Section, eta_text, load_parcel
from app.ui.routing import resolve
from app.ui.services import AppServices
from app.ui.sync_view import CarrierFailure, SyncState, snapshot_of, sync_line
from app.ui.views.context import ViewContext
from app.ui.views.home import FIRST_PAINT, HomeScreen
from app.ui.views.order import OrderScreen
from app.ui.views.parcel import ParcelPanel, ParcelScreen
from app.ui.views.parcel_actions import _Deleted
from app.ui.views.timeline import FIRST_ENTRIES, ON_SCREEN_ENTRIES, Timeline
from tests.unit.flet_wire import send, send_shown
from tests.unit.test_ui_seed import NOW, Seeded, event
from tests.unit.test_ui_views import buttons, fire, icon_button_names, is_visible, texts, walk


class Recorder:
    def __init__(self) -> None:
        self.routes: list[str] = []
        self.notes: list[str] = []
        self.backs = 0

    def context(self, lang: Lang, services: AppServices) -> ViewContext:
        def back() -> None:
            self.backs += 1

        return ViewContext(
            lang=lang,
            navigate=self.routes.append,
            back=back,
            notify=self.notes.append,
            services=services,
        )


def home(services: AppServices, lang: Lang = "de", *, wide: bool = False) -> HomeScreen:
    return HomeScreen(Recorder().context(lang, services), wide=wide, now=lambda: NOW)


def panel(services: AppServices, parcel_id: str, lang: Lang = "de") -> ParcelPanel:
    return ParcelPanel(Recorder().context(lang, services), parcel_id, now=lambda: NOW)


def semantics_labels(control: ft.BaseControl) -> list[str]:
    """What screen readers are told beside the texts: Semantics labels and the labels texts
    read instead of their words, in tree order."""
    labels = []
    for node in walk(control):
        if isinstance(node, ft.Semantics) and node.label:
            labels.append(node.label)
        elif isinstance(node, ft.Text) and node.semantics_label:
            labels.append(node.semantics_label)
    return labels


def text_node(control: ft.BaseControl, value: str) -> ft.Text:
    return next(n for n in walk(control) if isinstance(n, ft.Text) and n.value == value)


# -- My orders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            (
                "Heute, 10–12 Uhr",
                "Paket 1 von 2 · DHL · 00340434161234567890",
                "Paket 2 von 2 · DHL · 00340434161234567906",
                "Verkäufer hat noch nicht übergeben",
                "Morgen",
                "Zustellversuch fehlgeschlagen",
                "Einzelne Sendung",
                "Liegt zur Abholung bereit",
            ),
        ),
        (
            "en",
            (
                "Today, 10–12",
                "Parcel 1 of 2 · DHL · 00340434161234567890",
                "Parcel 2 of 2 · DHL · 00340434161234567906",
                "Seller has not handed over yet",
                "Tomorrow",
                "Delivery attempt failed",
                "Single parcel",
                "Waiting for you to pick it up",
            ),
        ),
    ],
)
def test_the_active_list_answers_when_first(
    services: AppServices, seeded: Seeded, lang: Lang, words: tuple[str, ...]
) -> None:
    view = home(services, lang).view()
    shown = texts(view)

    assert {"Bücherwelt", "Zwei Romane", "Technikhaus", "Kopfhörer"} <= set(shown)
    assert set(words) <= set(shown)
    # The answer comes before the status, which comes before carrier and number.
    first = shown.index(words[0])
    assert shown[first + 1] in ("Unterwegs", "In transit")
    assert shown[first + 2] == words[1]
    assert "Gießkanne" not in shown  # delivered: its own section
    assert not any("not found" in s or "nicht gefunden" in s for s in shown)


def test_problems_stand_out_by_colour_icon_and_word(services: AppServices, seeded: Seeded) -> None:
    view = home(services).view()

    eta = text_node(view, "Morgen")
    assert eta.color == ft.Colors.ERROR
    word = text_node(view, "Zustellversuch fehlgeschlagen")
    chip = next(
        n
        for n in walk(view)
        if isinstance(n, ft.Container)
        and isinstance(n.content, ft.Row)
        and word in n.content.controls
    )
    assert chip.bgcolor == ft.Colors.ERROR_CONTAINER
    assert any(isinstance(c, ft.Icon) for c in chip.content.controls)  # type: ignore[union-attr]
    calm = text_node(view, "Heute, 10–12 Uhr")
    assert calm.color is None


def test_sections_show_delivered_and_archived_parcels(
    services: AppServices, seeded: Seeded
) -> None:
    screen = home(services)
    view = screen.view()

    screen._select(Section.DELIVERED)
    shown = texts(view)
    assert "Zugestellt um 8:40" in shown  # 07:40 UTC is 08:40 in Berlin
    assert "Gartenmarkt" in shown
    assert "Bücherwelt" not in shown

    screen._select(Section.ARCHIVED)
    shown = texts(view)
    assert any("Alte Lampe" in s for s in shown)
    assert "Gartenmarkt" not in shown


def test_search_and_filters_narrow_the_list(services: AppServices, seeded: Seeded) -> None:
    screen = home(services, "en")
    view = screen.view()

    screen._on_search(_typed("bücher"))
    assert "Bücherwelt" in texts(view)
    assert "Technikhaus" not in texts(view)
    screen._on_search(_typed("zzz"))
    assert "No matches for “zzz”." in texts(view)
    screen._on_search(_typed(""))

    menus = [n for n in walk(screen.filters) if isinstance(n, ft.PopupMenuButton)]
    labels = [n for m in menus for n in walk(m) if isinstance(n, ft.Text)]
    # Short while nothing is chosen (three fit a phone), whole for screen readers.
    assert [label.value for label in labels] == ["Status", "Carrier", "Shop"]
    assert [label.semantics_label for label in labels] == [
        "Status: All",
        "Carrier: All",
        "Shop: All",
    ]
    _pick(screen, 0, "Delivery attempt failed")
    assert "Technikhaus" in texts(view)
    assert "Bücherwelt" not in texts(view)
    chosen = next(n for n in walk(screen.filters) if isinstance(n, ft.Text))
    assert (chosen.value, chosen.semantics_label) == (
        "Delivery attempt failed",
        "Status: Delivery attempt failed",
    )
    _pick(screen, 0, "All")
    _pick(screen, 1, "Hermes")
    assert "Hermes · Schuhe" in texts(view)
    assert "Technikhaus" not in texts(view)
    _pick(screen, 1, "All")
    _pick(screen, 2, "Technikhaus")
    assert "Technikhaus" in texts(view)
    assert "Bücherwelt" not in texts(view)


def _typed(value: str) -> ft.Event[ft.TextField]:
    """The change event of a search field the user typed `value` into."""
    return ft.Event("change", control=ft.TextField(value=value))


def _pick(screen: HomeScreen, menu: int, word: str) -> None:
    menus = [n for n in walk(screen.filters) if isinstance(n, ft.PopupMenuButton)]
    item = next(i for i in menus[menu].items if i.content == word)
    assert callable(item.on_click)
    fire(item.on_click)


def test_long_lists_come_a_page_at_a_time(services: AppServices, engine: Engine) -> None:
    total = FIRST_PAINT + PAGE_SIZE * 2 + 3
    with new_session(engine) as session:
        for n in range(total):
            order = add_order(session, shop=f"Shop {n:03d}", created_at=NOW)
            add_parcel(
                session,
                tracking_number=f"00340434161{n:09d}",
                carrier="dhl",
                order_id=order.id,
                created_at=NOW - timedelta(minutes=n),
            )
    screen = home(services, "en")
    screen.view()
    assert screen.list_view is not None
    cards = [c for c in screen.list_view.controls if isinstance(c, ft.Card)]
    assert len(cards) == FIRST_PAINT  # what a window shows, sent first
    screen.complete_first_page_soon()  # the shell asks for it once the first cards are out
    cards = [c for c in screen.list_view.controls if isinstance(c, ft.Card)]
    assert len(cards) == FIRST_PAINT + PAGE_SIZE
    assert "Load more" in buttons(screen.list_view)

    screen.load_more()
    screen.load_more()
    cards = [c for c in screen.list_view.controls if isinstance(c, ft.Card)]
    assert len(cards) == total
    assert "Load more" not in buttons(screen.list_view)
    assert len(screen.rows) == total


def test_every_row_and_card_is_a_named_button(services: AppServices, seeded: Seeded) -> None:
    recorder = Recorder()
    screen = HomeScreen(recorder.context("de", services), wide=False, now=lambda: NOW)
    view = screen.view()
    tappable = [n for n in walk(view) if isinstance(n, ft.GestureDetector)]
    named = [n for n in walk(view) if isinstance(n, ft.Semantics) and n.button]
    assert len(tappable) == len(named) == 6  # 2 order heads (+1 without order) and 4 parcels
    assert all(n.label and callable(n.on_tap) for n in named)
    labels = [n.label for n in named]
    assert "Sendung Kopfhörer öffnen" in labels
    assert labels.count("Bestellung öffnen") == 2

    row = next(n for n in named if n.label == "Sendung Kopfhörer öffnen")
    assert callable(row.on_tap)
    fire(row.on_tap)
    head = next(n for n in named if n.label == "Bestellung öffnen")
    assert callable(head.on_tap)
    fire(head.on_tap)
    assert recorder.routes == [f"/parcels/{seeded.failed}", f"/orders/{seeded.books}"]


def test_wide_opens_the_timeline_beside_the_list_in_place(
    services: AppServices, seeded: Seeded
) -> None:
    recorder = Recorder()
    screen = HomeScreen(recorder.context("en", services), wide=True, now=lambda: NOW)
    view = screen.view()

    screen.open_parcel(seeded.failed)

    assert recorder.routes == []  # no navigation: the right pane changed
    assert screen.panel is not None
    shown = texts(screen.detail_pane)
    assert "Empfänger nicht angetroffen" in shown
    assert "Tomorrow" in shown
    assert screen.view() is view
    selected = screen.rows[seeded.failed][0]
    assert selected.selected


def test_the_empty_pane_asks_for_a_choice_only_when_there_is_one(
    services: AppServices, seeded: Seeded
) -> None:
    screen = home(services, "en", wide=True)
    assert "Select a parcel" in texts(screen.detail_pane)
    screen._on_search(_typed("zzz"))  # nothing found: nothing to choose
    assert "Select a parcel" not in texts(screen.detail_pane)
    screen._on_search(_typed(""))
    assert "Select a parcel" in texts(screen.detail_pane)
    screen.open_parcel(seeded.failed)
    screen.select(None)
    assert "Select a parcel" in texts(screen.detail_pane)


def test_selecting_a_row_recolours_one_childless_tint_and_nothing_else(
    services: AppServices, seeded: Seeded
) -> None:
    """The browser builds anew all a changed box holds: selection must change a leaf only."""
    screen = home(services, "en", wide=True)
    screen.view()
    row = screen.rows[seeded.failed][0]
    texts_before = texts(row.control)

    changed = row.redraw(selected=True)

    assert isinstance(changed, ft.Container)
    assert changed.content is None  # a leaf: nothing below it to rebuild
    assert changed.bgcolor == ft.Colors.SECONDARY_CONTAINER
    assert any(c is changed for c in walk(row.control, hidden=True))  # the row's own tint
    assert texts(row.control) == texts_before
    unselected = row.redraw(selected=False)
    assert unselected is changed
    assert unselected.bgcolor is None


def test_a_click_sends_the_timeline_before_the_rows_tints(
    services: AppServices, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser draws what arrives first: the timeline's words and milestone bar, then, on
    the loop's next turn (the first message is on the wire by then), the rows' tints, its
    buttons and its entries further down."""
    import app.ui.views.home as home_module

    sent: list[tuple[ft.Control, ...]] = []
    monkeypatch.setattr(home_module, "update_only", lambda *controls: sent.append(controls))
    screen = home(services, "en", wide=True)
    screen.view()
    screen.open_parcel(seeded.failed)
    assert sent[0][0] is screen.detail_pane  # the panel's first showing puts it in the pane
    sent.clear()
    screen.open_parcel(seeded.on_way)

    now, next_turn = sent
    panel = screen.panel
    assert panel is not None
    assert now == (panel.control, panel.header.milestones.control)  # failed: another step
    tints = [c for c in next_turn if isinstance(c, ft.Container) and c.content is None]
    assert len(tints) == 2  # the old row's tint off, the new one's on
    assert next_turn[2:] == (panel._action_row,)  # no entries below the first screenful


async def test_a_click_diffs_the_rest_after_the_first_message_went_out(
    services: AppServices, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Flet's loop the rest waits for the next turn: the send loop, woken by the first
    message, writes it before anything else is diffed."""
    import app.ui.views.home as home_module

    sent: list[tuple[ft.Control, ...]] = []
    monkeypatch.setattr(home_module, "update_only", lambda *controls: sent.append(controls))
    screen = home(services, "en", wide=True)
    screen.view()
    screen.open_parcel(seeded.failed)
    await asyncio.sleep(0)
    sent.clear()

    screen.open_parcel(seeded.on_way)
    assert len(sent) == 1  # the panel and its bar, in this turn
    await asyncio.sleep(0)
    assert len(sent) == 2
    assert screen.panel is not None
    assert screen.panel._action_row in sent[1]


def test_wide_shows_one_parcel_after_another_in_one_panel(
    services: AppServices, seeded: Seeded
) -> None:
    screen = home(services, "en", wide=True)
    screen.view()
    screen.open_parcel(seeded.failed)
    panel = screen.panel
    assert panel is not None
    entries = len([v for v in panel.timeline.views if v.control.visible])
    assert "Empfänger nicht angetroffen" in texts(screen.detail_pane)

    screen.open_parcel(seeded.delivered)

    assert screen.panel is panel  # rewritten in place, not built anew
    shown = texts(screen.detail_pane)
    assert "Proof of delivery" in shown
    assert "Empfänger nicht angetroffen" not in shown  # nothing of the last parcel lingers
    assert "Delivery attempt failed" not in shown
    assert not screen.rows[seeded.failed][0].selected  # (delivered is in another section)
    assert len([v for v in panel.timeline.views if v.control.visible]) < entries

    screen.open_parcel(seeded.failed)
    shown = texts(screen.detail_pane)
    assert "Proof of delivery" not in shown  # hidden again for a parcel without one
    assert "Empfänger nicht angetroffen" in shown
    assert len([v for v in panel.timeline.views if v.control.visible]) == entries


def test_a_wide_window_prepares_the_panel_unseen_and_the_first_click_fills_it_in_place(
    engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.ui.views.home as home_module

    sent: list[tuple[ft.Control, ...]] = []
    monkeypatch.setattr(home_module, "update_only", lambda *controls: sent.append(controls))
    sync = FetchRecorder()
    screen = home(AppServices(store=engine, sync=sync), "en", wide=True)
    screen.view()
    first = next(iter(screen.rows))

    screen.prepare_panel()

    spare, holder = screen.spare, screen.spare_holder
    assert spare is not None
    assert holder is not None
    assert screen.panel is None
    assert sent == [(screen.detail_pane,)]
    assert screen.detail_pane.content is holder
    assert holder.controls == [spare.control, screen.detail_hint]  # the hint on top
    assert spare.control.opacity == 0
    assert spare.control.disabled
    assert spare.parcel_id == first
    assert spare.detail is not None
    shown = texts(screen.detail_pane)
    assert "Select a parcel" in shown
    assert not set(shown) & set(texts(spare.header.control)) - {""}
    assert sync.asked == []  # prepared, not opened: nothing fetched
    screen.prepare_panel()
    assert screen.spare is spare
    assert len(sent) == 1

    screen.open_parcel(seeded.failed)

    assert screen.panel is spare
    assert screen.spare is None
    assert sent[1][0] is holder  # the pane keeps its controls: only what differs goes out
    assert holder.controls == [spare.control]  # the hint left, the panel kept its place
    assert spare.control.opacity == 1
    assert not spare.control.disabled
    shown = texts(screen.detail_pane)
    assert "Empfänger nicht angetroffen" in shown
    assert "Select a parcel" not in shown
    assert sync.asked == [[seeded.failed]]  # opened: fetched as any opened parcel is

    screen.open_parcel(seeded.on_way)
    assert screen.panel is spare
    assert sent[3][0] is spare.control  # sent[2]: the first click's rows and buttons
    screen.select(None)
    assert screen.detail_pane.content is screen.detail_hint
    assert screen.panel is None
    assert "Select a parcel" in texts(screen.detail_pane)


def test_no_panel_is_prepared_on_a_phone_or_for_an_empty_list(
    services: AppServices, seeded: Seeded, tmp_path: Path
) -> None:
    phone = home(services, "en", wide=False)
    phone.prepare_panel()
    assert phone.spare is None
    store = open_store(tmp_path / "empty.sqlite")
    empty = home(AppServices(store=store), "en", wide=True)
    empty.prepare_panel()
    store.dispose()
    assert empty.spare is None
    wide = home(services, "en", wide=True)
    wide.view()
    wide.prepare_panel()
    wide.set_wide(False)  # a window made narrow drops what it prepared
    assert wide.spare is None
    assert wide.detail_pane.content is wide.detail_hint


async def test_the_panel_is_prepared_after_the_first_page(
    services: AppServices, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.ui.views.home as home_module

    monkeypatch.setattr(home_module, "PREPARE_PANEL_AFTER_S", 0)
    screen = home(services, "en", wide=True)
    screen.view()
    assert screen.spare is None

    await screen._complete_first_page()

    assert screen.spare is not None
    assert screen.detail_pane.content is screen.spare_holder


def test_showing_another_parcel_sends_changed_properties_not_new_controls(
    services: AppServices, seeded: Seeded
) -> None:
    """What Flet would send: once the panel is on the client, the next parcel adds no control
    but the parts that apply to it alone (here its proof of delivery), and the patch is a
    fraction of the first. Parts that do not apply are left out, so they are not diffed."""

    def shown(root: ft.Control, p: ParcelPanel) -> tuple[list[ft.BaseControl], int]:
        sent = send_shown(root, p)
        return [c for one in sent for c in one.added], sum(one.size for one in sent)

    root = ft.Column()
    send(root, first=True)
    p = panel(services, seeded.failed, "en")
    root.controls = [p.control]
    first = send(root)
    first_bytes = first.size
    assert len(first.added) > 50
    assert "Proof of delivery" not in texts(p.control)
    assert p.changed_parts() == ([], [])  # sent whole, isolated parts and all

    p.show(seeded.delivered)
    added, size = shown(root, p)

    assert "Proof of delivery" in texts(p.control)
    proof = {id(c) for c in walk(p.header.proof.control, hidden=True)}  # its hidden links too
    assert added, "the proof of delivery comes with the delivered parcel"
    extra = [c for c in added if id(c) not in proof]
    assert not extra, [(type(c).__name__, getattr(c, "content", None)) for c in extra]
    assert size < first_bytes / 3  # changed properties, and the proof box whole

    p.show(seeded.failed)  # and back: the proof leaves, the failed one's own parts return
    added, size = shown(root, p)
    assert "Proof of delivery" not in texts(p.control)
    header = p.header
    optional = [header.note.control, header.muted, header.problem.control]
    optional += [header.waiting.control, header.problem_detail.control, header.order]
    for view in p.timeline.views:
        optional += [view.heading, view.reason, view.description, view.note, view.conflict]
    parts = {id(c) for part in optional for c in walk(part, hidden=True)}
    assert added, "the failed parcel's problem lines come back"
    assert all(id(c) in parts for c in added), [type(c).__name__ for c in added]
    assert size < first_bytes / 3


def test_the_entry_pool_shrinks_back_after_a_long_history_was_shown_whole(
    services: AppServices,
) -> None:
    """Hidden entries are diffed with every update: a 40-scan history shown whole must not
    leave 40 views behind for every parcel opened after it."""
    long = build_timeline(
        [event(NOW - timedelta(hours=n), Status.IN_TRANSIT, f"Scan {n}") for n in range(40)]
    )
    clock = Clock(now=NOW, zone="Europe/Berlin", lang="de")
    pool = Timeline(Recorder().context("de", services), on_original=lambda _entry: None)

    assert len(pool.show(long, clock, limit=FIRST_ENTRIES)) == FIRST_ENTRIES
    assert len(pool.show(long, clock, limit=None)) == 40  # "show all"
    shown = pool.show(long[:3], clock, limit=FIRST_ENTRIES)  # the next parcel

    assert len(shown) == FIRST_ENTRIES
    assert [view.control.visible for view in pool.views].count(True) == 3
    # The views dropped from the pool are not sent on their own: they leave with the list.
    assert pool.take_unsent() == [view.control for view in pool.views[ON_SCREEN_ENTRIES:]]


# -- Live updates ----------------------------------------------------------------------


def test_a_sync_change_redraws_only_that_row(
    services: AppServices, engine: Engine, seeded: Seeded
) -> None:
    screen = home(services, "de", wide=True)
    view = screen.view()
    screen.open_parcel(seeded.on_way)
    rows_before = dict(screen.rows)
    list_view = screen.list_view
    row = screen.rows[seeded.on_way][0]
    control = row.control

    with new_session(engine) as session:
        set_label(session, parcel_id=seeded.on_way, label="Romane")
    screen.parcels_changed(frozenset({seeded.on_way}))

    assert screen.list_view is list_view  # the list was not rebuilt
    assert screen.rows[seeded.on_way][0].control is control  # the row was redrawn in place
    assert screen.rows[seeded.waiting] is rows_before[seeded.waiting]
    assert "Paket 1 von 2 · DHL · Romane" in texts(view)
    assert screen.panel is not None
    assert screen.panel.title() == "Romane"


def test_a_parcel_is_titled_by_its_name_else_by_its_order(
    services: AppServices, seeded: Seeded
) -> None:
    """(Its own name wins over its order's: see test_a_sync_change_redraws_only_that_row.)"""
    assert panel(services, seeded.pickup).title() == "Schuhe"  # its name, no order
    for parcel_id, order_title in ((seeded.delivered, "Gießkanne"), (seeded.on_way, "Zwei Romane")):
        unnamed = panel(services, parcel_id)
        assert unnamed.detail is not None
        assert unnamed.detail.parcel.label is None
        assert unnamed.title() == order_title  # not its number


def test_a_parcel_leaving_the_section_reloads_the_list(
    services: AppServices, engine: Engine, seeded: Seeded
) -> None:
    screen = home(services)
    view = screen.view()
    with new_session(engine) as session:
        set_archived(session, parcel_id=seeded.pickup, archived=True)
    screen.parcels_changed(frozenset({seeded.pickup}))
    assert "Hermes · Schuhe" not in texts(view)


# -- Sync line -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "de", "en"),
    [
        (None, "Noch nicht aktualisiert", "Not updated yet"),
        (SyncState(syncing=True), "Wird aktualisiert …", "Updating …"),
        (
            SyncState(last_synced_at=NOW - timedelta(minutes=2)),
            "Aktualisiert vor 2 Min.",
            "Updated 2 min ago",
        ),
        (
            SyncState(offline=True),
            "Offline – zeigt gespeicherte Daten",
            "Offline – showing saved data",
        ),
        (
            SyncState(failures=(CarrierFailure("dhl", "Schlüssel ungültig"),)),
            "DHL: Schlüssel ungültig",
            "DHL: Schlüssel ungültig",
        ),
    ],
)
def test_the_sync_line_says_the_most_important_thing(
    state: SyncState | None, de: str, en: str
) -> None:
    assert sync_line(state, now=NOW, lang="de").text == de
    assert sync_line(state, now=NOW, lang="en").text == en


class FakeEngine:
    def __init__(self, snapshot: SyncSnapshot) -> None:
        self._snapshot = snapshot
        self.refreshed: list[list[str]] = []

    def snapshot(self) -> SyncSnapshot:
        return self._snapshot

    def refresh(self, ids: list[str]) -> None:
        self.refreshed.append(ids)


def test_the_engines_snapshot_reads_as_one_line(services: AppServices, seeded: Seeded) -> None:
    failing = SyncStatus(
        "a1", "dhl", "DHL", phase=SyncPhase.FAILING, problem=ProblemKind.AUTH_FAILED
    )
    fine = SyncStatus("a2", "dpd", "DPD", phase=SyncPhase.OK, last_synced_at=NOW)
    engine = FakeEngine(SyncSnapshot(accounts=(failing, fine)))
    assert snapshot_of(engine, "de") is not None
    assert sync_line(snapshot_of(engine, "de"), now=NOW, lang="de").text == (
        "DHL: Schlüssel ungültig"
    )

    down = SyncStatus("a1", "dhl", "DHL", phase=SyncPhase.FAILING, problem=ProblemKind.UNAVAILABLE)
    offline = FakeEngine(SyncSnapshot(accounts=(down,)))
    assert sync_line(snapshot_of(offline, "en"), now=NOW, lang="en").text == (
        "Offline – showing saved data"
    )

    services.sync = FakeEngine(SyncSnapshot(accounts=(fine,)))
    screen = home(services, "de")
    screen.view()
    assert screen.sync_text.value == "Aktualisiert vor 0 Min." or (
        screen.sync_text.value == "Aktualisiert gerade eben"
    )


async def test_refresh_asks_the_engine_for_the_parcels_in_sight(
    services: AppServices, seeded: Seeded
) -> None:
    engine = FakeEngine(SyncSnapshot())
    services.sync = engine
    screen = home(services)
    screen.view()
    await screen._on_refresh()
    assert len(engine.refreshed) == 1
    assert set(engine.refreshed[0]) == {seeded.on_way, seeded.waiting, seeded.failed, seeded.pickup}


async def test_refresh_without_an_engine_says_so(services: AppServices, seeded: Seeded) -> None:
    recorder = Recorder()
    screen = HomeScreen(recorder.context("en", services), wide=False, now=lambda: NOW)
    await screen._on_refresh()
    assert recorder.notes == ["Updating is not set up."]


# -- Parcel timeline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            {
                "eta": "Morgen",
                "place": "Zuletzt in Berlin, DE",
                "provenance": "Zuletzt geprüft vor 3 Min. · DPD · letzter Scan vor 3 Std.",
                "claim": "laut Händler",
                "conflict": "Quellen widersprechen sich:",
                "said": ["Versanddienst: Unterwegs", "Tracking-Dienst (AfterShip): Problem"],
                "delay": "Verspätung im Betriebsablauf",  # the reason, said once
                "milestones": [
                    "bestellt: erledigt",
                    "versandt: erledigt",
                    "unterwegs: erledigt",
                    "in Zustellung: aktuell",
                    "zugestellt: offen",
                ],
                "times": ["vor 3 Std.", "Gestern, 7:30", "Mi., 11. Nov., 9:30"],
            },
        ),
        (
            "en",
            {
                "eta": "Tomorrow",
                "place": "Last seen in Berlin, DE",
                "provenance": "Last checked 3 min ago · DPD · last scan 3 h ago",
                "claim": "according to the shop",
                "conflict": "Sources disagree:",
                "said": ["Carrier: In transit", "Tracking service (AfterShip): Problem"],
                "delay": "Delayed",
                "milestones": [
                    "ordered: done",
                    "shipped: done",
                    "in transit: done",
                    "out for delivery: current",
                    "delivered: to come",
                ],
                "times": ["3 h ago", "Yesterday, 7:30", "Wed 11 Nov, 9:30"],
            },
        ),
    ],
)
def test_the_timeline_of_a_failed_attempt(
    services: AppServices, seeded: Seeded, lang: Lang, words: dict[str, object]
) -> None:
    shown = texts(panel(services, seeded.failed, lang).control)
    control = panel(services, seeded.failed, lang).control
    # Beside the status chip, the carrier's reason in words, not by colour alone.
    beside_chip = {
        "de": ["Zustellversuch fehlgeschlagen", "Empfänger nicht angetroffen"],
        "en": ["Delivery attempt failed", "Recipient not at home"],
    }
    assert texts(panel(services, seeded.failed, lang).header.chips) == beside_chip[lang]

    for key in ("eta", "place", "provenance", "claim", "conflict", "delay"):
        assert words[key] in shown, key
    # The sources' readings are the lines of one text in the disagreement box.
    lines = [line for text in shown for line in text.splitlines()]
    for line in words["said"]:  # type: ignore[attr-defined]
        assert line in lines
    labels = semantics_labels(control)
    assert [label for label in labels if ":" in label][:5] == words["milestones"]
    times = [s for s in shown if s in words["times"]]  # type: ignore[operator]
    assert times == words["times"]  # newest first
    assert "Empfänger nicht angetroffen" in shown
    # The carrier's text says the reason already: the timeline does not repeat it.
    timeline = texts(
        ft.Column(controls=[v.control for v in panel(services, seeded.failed).timeline.views])
    )
    assert timeline.count("Empfänger nicht angetroffen") == 1
    assert "Verspätung" not in timeline


def test_problem_entries_are_highlighted_and_routine_ones_are_calm(
    services: AppServices, seeded: Seeded
) -> None:
    # The timeline's entries: the header says the reason too ("Empfänger nicht angetroffen").
    control = ft.Column(
        controls=[view.control for view in panel(services, seeded.failed).timeline.views]
    )

    def box_of(text: str) -> ft.Container:
        node = text_node(control, text)
        return next(
            n
            for n in walk(control)
            if isinstance(n, ft.Container)
            and isinstance(n.content, ft.Column)
            and any(c is node for c in walk(n.content))
            and n.border_radius == 12
        )

    assert box_of("Empfänger nicht angetroffen").bgcolor == ft.Colors.ERROR_CONTAINER
    assert box_of("Verspätung im Betriebsablauf").bgcolor == ft.Colors.ERROR_CONTAINER
    assert box_of("Im Depot").bgcolor is None


def test_a_pickup_point_stands_out(services: AppServices, seeded: Seeded) -> None:
    control = panel(services, seeded.pickup).control
    shown = texts(control)
    assert "Abholbereit im Paketshop Kiosk am Markt, Marktstr. 3" in shown
    boxes = [
        n
        for n in walk(control)
        if isinstance(n, ft.Container) and n.bgcolor == ft.Colors.SECONDARY_CONTAINER
    ]
    assert boxes
    assert any(
        isinstance(n, ft.Icon) and n.icon == ft.Icons.STOREFRONT_OUTLINED for n in walk(boxes[0])
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            [
                "Zustellnachweis",
                "Empfangen von Müller",
                "Abgelegt: Nachbar (Hausnr. 12)",
                "Foto ansehen",
                "Zugestellt um 8:40",
                "Zugestellt in Köln, DE",
            ],
        ),
        (
            "en",
            [
                "Proof of delivery",
                "Received by Müller",
                "Left at: Nachbar (Hausnr. 12)",
                "View photo",
                "Delivered at 8:40",
                "Delivered in Köln, DE",
            ],
        ),
    ],
)
def test_proof_of_delivery_comes_first_once_delivered(
    services: AppServices, seeded: Seeded, lang: Lang, words: list[str]
) -> None:
    control = panel(services, seeded.delivered, lang).control
    shown = texts(control)
    assert shown[:4] == words[:4]
    assert words[4] in shown
    assert words[5] in shown  # not "last seen": it has arrived
    photo = buttons(control)[words[3]]
    assert photo.url == "https://example.invalid/photo.jpg"
    labels = semantics_labels(control)
    assert ("zugestellt: aktuell" if lang == "de" else "delivered: current") in labels


def test_awaiting_handover_is_never_not_found(services: AppServices, seeded: Seeded) -> None:
    for lang, words in (("de", "Verkäufer hat noch nicht übergeben"), ("en", "Seller has not")):
        shown = " ".join(texts(panel(services, seeded.waiting, lang).control))  # type: ignore[arg-type]
        assert words in shown
        assert "not found" not in shown
        assert "nicht gefunden" not in shown


def test_every_action_on_the_parcel_is_named(services: AppServices, seeded: Seeded) -> None:
    screen = ParcelScreen(
        Recorder().context("de", services), resolve(f"/parcels/{seeded.failed}")[-1]
    )
    assert sorted(icon_button_names(screen.view)) == sorted(
        [
            "Zurück",
            "Nummer kopieren",
            "Beim Versanddienst öffnen",
            "Teilen",
            "Umbenennen",
            "Benachrichtigungen stummschalten",
            "Archivieren",
            "Löschen",
        ]
    )
    named = [n for n in walk(screen.view) if isinstance(n, ft.TextButton)]
    assert named
    assert all(isinstance(n.content, str) and n.content for n in named)
    assert "Originaltext anzeigen" in buttons(screen.view)


def test_share_text_sums_the_parcel_up(services: AppServices, seeded: Seeded) -> None:
    p = panel(services, seeded.failed, "en")
    assert p.detail is not None
    assert p.share_text(p.detail).splitlines() == [
        "Parcel Kopfhörer",
        "Status: Delivery attempt failed",
        "Delivery: Tomorrow",
        "DPD: 01234567890123",
        "Track: https://tracking.dpd.de/status/de_DE/parcel/01234567890123",
    ]
    unnamed = panel(services, seeded.delivered, "en")  # named by its order, as in its title
    assert unnamed.detail is not None
    assert unnamed.share_text(unnamed.detail).splitlines()[0] == "Parcel Gießkanne"


def test_rename_archive_and_delete_with_restore(
    services: AppServices, engine: Engine, seeded: Seeded
) -> None:
    changed: list[frozenset[str]] = []
    services.listeners.append(changed.append)
    recorder = Recorder()
    p = ParcelPanel(recorder.context("en", services), seeded.failed, now=lambda: NOW)

    p.rename("  Neue Kopfhörer ")
    with new_session(engine) as session:
        assert get_parcel(session, parcel_id=seeded.failed).label == "Neue Kopfhörer"
    p.refresh()
    p._toggle_archive()
    with new_session(engine) as session:
        before = get_parcel(session, parcel_id=seeded.failed)
        events = list_events(session, parcel_id=seeded.failed)
    assert before.archived

    p.refresh()
    p._delete()
    with new_session(engine) as session, pytest.raises(NotFoundError):
        get_parcel(session, parcel_id=seeded.failed)
    assert recorder.notes == ["Renamed.", "Archived.", "Parcel deleted."]
    assert changed == [frozenset({seeded.failed})] * 3

    p.restore(_Deleted(before, events))
    with new_session(engine) as session:
        after = get_parcel(session, parcel_id=seeded.failed)
        assert list_events(session, parcel_id=seeded.failed) == events
    assert after == before
    assert recorder.notes[-1] == "Restored."

    # Undone twice (or the number added again meanwhile): said, and the parcel stays as it is.
    p.restore(_Deleted(before, events))
    assert recorder.notes[-1] == "Already being tracked"
    with new_session(engine) as session:
        assert get_parcel(session, parcel_id=seeded.failed) == before


def icon_button(control: ft.BaseControl, name: str) -> ft.IconButton:
    found = [
        n
        for n in walk(control)
        if isinstance(n, ft.IconButton) and isinstance(n.icon, ft.Icon)
        if n.icon.semantics_label == name
    ]
    assert len(found) == 1, f"{name!r}: {icon_button_names(control)}"
    return found[0]


def _out_for_delivery(parcel_id: str) -> Announcement:
    return Announcement(
        change_key=f"{parcel_id}:ofd",
        parcel_id=parcel_id,
        parcel_name="Kopfhörer",
        kind=NoticeKind.OUT_FOR_DELIVERY,
        status=Status.OUT_FOR_DELIVERY,
    )


def test_the_bell_mutes_and_unmutes_what_the_dispatcher_announces(
    services: AppServices, engine: Engine, seeded: Seeded
) -> None:
    changed: list[frozenset[str]] = []
    services.listeners.append(changed.append)
    recorder = Recorder()
    p = ParcelPanel(recorder.context("de", services), seeded.failed, now=lambda: NOW)
    assert "Stummgeschaltet" not in texts(p.control)

    # The button as the user sees it, found by its name and tapped.
    mute = icon_button(p.control, "Benachrichtigungen stummschalten")
    assert mute.on_click is not None
    fire(mute.on_click)
    with new_session(engine) as session:
        prefs = load_preferences(session)
    assert prefs.muted == frozenset({seeded.failed})  # only this parcel
    assert not prefs.wants(_out_for_delivery(seeded.failed))
    assert prefs.wants(_out_for_delivery(seeded.pickup))
    assert recorder.notes == ["Keine Benachrichtigungen mehr zu dieser Sendung."]
    assert changed == [frozenset({seeded.failed})]

    # Redrawn (as the listener does): the state shows beside the status, the button flips.
    p.refresh()
    assert "Stummgeschaltet" in texts(p.control)
    assert services.is_muted(seeded.failed)
    unmute = icon_button(p.control, "Benachrichtigungen wieder einschalten")
    assert unmute.on_click is not None
    fire(unmute.on_click)
    with new_session(engine) as session:
        assert load_preferences(session).wants(_out_for_delivery(seeded.failed))
        assert not [key for key in all_settings(session) if key.startswith("notify.mute.")]
    p.refresh()
    assert "Stummgeschaltet" not in texts(p.control)
    icon_button(p.control, "Benachrichtigungen stummschalten")


def test_the_bell_acts_on_what_it_showed(services: AppServices, seeded: Seeded) -> None:
    """Another session muted meanwhile: a tap on "stummschalten" keeps it muted."""
    p = panel(services, seeded.failed, "en")
    icon_button(p.control, "Mute notifications")
    services.set_muted(seeded.failed, True)
    p.toggle_mute()
    assert services.is_muted(seeded.failed)


def test_deleting_drops_the_mute_and_undo_brings_it_back(
    services: AppServices, engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.set_muted(seeded.failed, True)
    p = panel(services, seeded.failed, "en")
    offered: list[_Deleted] = []  # what the snackbar's undo would put back
    monkeypatch.setattr(p, "_offer_undo", offered.append)

    p._delete()
    with new_session(engine) as session:
        assert not [key for key in all_settings(session) if key.startswith("notify.mute.")]

    (kept,) = offered
    p.restore(kept)
    assert services.is_muted(seeded.failed)
    p.refresh()
    assert "Muted" in texts(p.control)


def test_a_deleted_parcel_says_so(services: AppServices) -> None:
    assert texts(panel(services, "gone", "en").control) == ["This parcel no longer exists."]


# -- Order -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            [
                "Bestellnummer BW-1001",
                "Bestellt am Sa., 7. Nov.",
                "Artikel: Der Zauberberg, Effi Briest",
                "Teillieferung: 1 von 2 Paketen versandt",
                "Paket 1 von 2 · DHL · 00340434161234567890",
                "Paket 2 von 2 · DHL · 00340434161234567906",
                "Verkäufer hat noch nicht übergeben",
            ],
        ),
        (
            "en",
            [
                "Order number BW-1001",
                "Ordered on Sat 7 Nov",
                "Items: Der Zauberberg, Effi Briest",
                "Partial shipment: 1 of 2 parcels shipped",
                "Parcel 1 of 2 · DHL · 00340434161234567890",
                "Parcel 2 of 2 · DHL · 00340434161234567906",
                "Seller has not handed over yet",
            ],
        ),
    ],
)
def test_the_order_shows_its_parcels_and_the_partial_shipment(
    services: AppServices, seeded: Seeded, lang: Lang, words: list[str]
) -> None:
    recorder = Recorder()
    screen = OrderScreen(
        recorder.context(lang, services), resolve(f"/orders/{seeded.books}")[-1], now=lambda: NOW
    )
    shown = texts(screen.view)
    assert shown[0] == "Bücherwelt"
    assert set(words) <= set(shown)
    named = [n for n in walk(screen.view) if isinstance(n, ft.Semantics) and n.button]
    assert len(named) == 2
    assert callable(named[1].on_tap)
    fire(named[1].on_tap)
    assert recorder.routes == [f"/parcels/{seeded.waiting}"]
    assert (
        icon_button_names(screen.view)
        == {
            "de": ["Zurück", "Sendung zu dieser Bestellung hinzufügen", "Bestellung bearbeiten"],
            "en": ["Back", "Add a parcel to this order", "Edit order"],
        }[lang]
    )


def test_eta_words_for_the_end_states(services: AppServices, seeded: Seeded) -> None:
    clock = Clock(now=NOW, zone="Europe/Berlin", lang="de")
    detail = load_parcel(services.store, seeded.delivered, clock)
    assert detail is not None
    parcel = detail.parcel
    from dataclasses import replace

    assert eta_text(replace(parcel, status=Status.RETURNED), clock) == "Zurück beim Absender"
    assert eta_text(replace(parcel, status=Status.RETURNING), clock) == (
        "Geht zurück an den Absender"
    )
    assert eta_text(replace(parcel, status=Status.EXPIRED), clock) == "Keine Updates mehr"
    assert eta_text(parcel, clock) == "Zugestellt um 8:40"
    later = Clock(now=NOW + timedelta(days=1), zone="Europe/Berlin", lang="de")
    assert eta_text(parcel, later) == "Zugestellt gestern um 8:40"
    later = Clock(now=NOW + timedelta(days=1), zone="Europe/Berlin", lang="en")
    assert eta_text(parcel, later) == "Delivered yesterday at 8:40"
    # Later still, the day alone: by then the hour no longer matters, and the row stays short.
    weeks = Clock(now=NOW + timedelta(days=12), zone="Europe/Berlin", lang="de")
    assert eta_text(parcel, weeks) == "Zugestellt am Fr., 13. Nov."
    weeks = Clock(now=NOW + timedelta(days=12), zone="Europe/Berlin", lang="en")
    assert eta_text(parcel, weeks) == "Delivered on Fri 13 Nov"


def test_a_parcel_past_its_expected_day_reads_overdue(
    services: AppServices, seeded: Seeded
) -> None:
    """The on-way parcel was expected today (NOW), 10–12: the next day it is late, and
    "Gestern, 10–12 Uhr" would read as if that were still the plan."""

    def row_at(days: int, lang: Lang = "de") -> ParcelRow:
        clock = Clock(now=NOW + timedelta(days=days), zone="Europe/Berlin", lang=lang)
        detail = load_parcel(services.store, seeded.on_way, clock)
        assert detail is not None
        return detail.row

    assert row_at(0).eta_text == "Heute, 10–12 Uhr"
    assert not row_at(0).overdue
    assert row_at(1).eta_text == "Überfällig – erwartet gestern"
    assert row_at(1).overdue
    assert row_at(3, "en").eta_text == "Overdue – expected on Fri 13 Nov"
    # Waiting at a pickup point is the user's move, not lateness; nor is a delivered parcel.
    clock = Clock(now=NOW + timedelta(days=3), zone="Europe/Berlin", lang="de")
    detail = load_parcel(services.store, seeded.on_way, clock)
    assert detail is not None
    from dataclasses import replace

    pickup = replace(detail.parcel, status=Status.AVAILABLE_FOR_PICKUP)
    assert eta_text(pickup, clock) == "Liegt zur Abholung bereit"
    delivered = replace(detail.parcel, status=Status.DELIVERED)
    assert not eta_text(delivered, clock).startswith("Überfällig")


class FetchRecorder:
    """The engine's refresh, as the UI calls it."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def refresh(self, parcel_ids: list[str]) -> None:
        self.asked.append(list(parcel_ids))


def test_opening_a_parcel_fetches_it_unless_finished_or_just_checked(
    engine: Engine, seeded: Seeded
) -> None:
    sync = FetchRecorder()
    services = AppServices(store=engine, sync=sync)
    with new_session(engine) as session:
        checked = get_parcel(session, parcel_id=seeded.failed).last_checked_at
    assert checked is not None
    assert NOW - checked >= timedelta(minutes=2)

    panel(services, seeded.failed)
    assert sync.asked == [[seeded.failed]]

    panel(services, seeded.delivered)  # finished: nothing more to fetch
    just_after = checked + timedelta(seconds=30)  # opened again moments after a check
    ParcelPanel(Recorder().context("de", services), seeded.failed, now=lambda: just_after)
    assert sync.asked == [[seeded.failed]]


async def test_the_fetch_on_open_comes_after_the_handler_that_shows_the_parcel(
    engine: Engine, seeded: Seeded
) -> None:
    """On Flet's loop the fetch starts a turn later, so the parcel's patch is sent first."""
    sync = FetchRecorder()
    services = AppServices(store=engine, sync=sync)

    panel(services, seeded.failed)
    assert sync.asked == []
    await asyncio.sleep(0)
    assert sync.asked == [[seeded.failed]]


# -- parcels no account can track --------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "hint", "button"),
    [
        ("de", "Wird nicht abgerufen: Für DHL ist kein Zugang eingerichtet.", "Zugang einrichten"),
        ("en", "Not being checked: no access is set up for DHL.", "Set up access"),
    ],
)
async def test_a_parcel_no_account_can_track_says_so_and_leads_to_settings(
    services: AppServices, seeded: Seeded, lang: Lang, hint: str, button: str
) -> None:
    """The engine marks such parcels itself; the header says what to do in the user's words,
    not "Abruf fehlgeschlagen" and never the engine's English note."""
    engine = SyncEngine(services.store, [], clock=lambda: NOW)
    await engine.sync_due()
    await engine.aclose()
    recorder = Recorder()
    p = ParcelPanel(recorder.context(lang, services), seeded.on_way, now=lambda: NOW)
    assert p.detail is not None
    assert p.detail.parcel.problem is ProblemKind.NO_ACCOUNT

    shown = texts(p.control)
    assert hint in shown
    assert not [t for t in shown if "no account set up" in t or "Abruf fehlgeschlagen" in t]
    set_up = buttons(p.control)[button]
    assert set_up.on_click is not None
    fire(set_up.on_click)
    assert recorder.routes == ["/settings/accounts/dhl"]  # Settings, at the DHL account

    p.show(seeded.delivered)  # finished parcels are not fetched, so not marked: no hint
    assert hint not in texts(p.control)
    assert button not in buttons(p.control)


@pytest.mark.parametrize(
    ("state", "de", "en"),
    [
        (
            SyncState(unrouted=("royalmail", "dhl")),
            "Kein Zugang für DHL, Royal Mail",
            "No access for DHL, Royal Mail",
        ),
        (
            SyncState(last_synced_at=NOW - timedelta(minutes=5), unrouted=("gls",)),
            "Aktualisiert vor 5 Min. · Kein Zugang für GLS",
            "Updated 5 min ago · No access for GLS",
        ),
    ],
)
def test_the_sync_line_names_the_carriers_without_access(
    state: SyncState, de: str, en: str
) -> None:
    assert sync_line(state, now=NOW, lang="de").text == de
    assert sync_line(state, now=NOW, lang="en").text == en


async def test_the_engines_unrouted_carriers_reach_the_sync_line(
    services: AppServices, seeded: Seeded
) -> None:
    engine = SyncEngine(services.store, [], clock=lambda: NOW)
    await engine.sync_due()
    await engine.aclose()
    line = sync_line(snapshot_of(engine, "de"), now=NOW, lang="de")
    assert line.text.startswith("Kein Zugang für ")
    assert "DHL" in line.text
    assert line.tone == "warn"


async def test_the_sync_line_offers_to_set_up_the_carriers_it_names(
    services: AppServices, seeded: Seeded
) -> None:
    """ "Kein Zugang für DHL, Hermes" comes with a key button to Settings, at DHL's account."""
    recorder = Recorder()
    screen = HomeScreen(recorder.context("de", services), wide=False, now=lambda: NOW)
    assert not is_visible(screen.set_up)  # no engine yet: nothing to set up
    engine = SyncEngine(services.store, [], clock=lambda: NOW)
    await engine.sync_due()
    await engine.aclose()
    services.sync = engine
    screen.refresh_sync_line()
    assert screen.sync_text.value is not None
    assert screen.sync_text.value.startswith("Kein Zugang für DHL")
    assert is_visible(screen.set_up)
    assert isinstance(screen.set_up.tooltip, ft.Tooltip)
    assert screen.set_up.tooltip.message == "Zugang einrichten"
    assert any(node is screen.set_up for node in walk(screen.view()))
    fire(screen.set_up.on_click)
    assert recorder.routes == ["/settings/accounts/dhl"]


@pytest.mark.parametrize(
    ("kind", "message", "carrier_text", "headline"),
    [
        (
            ProblemKind.UNAVAILABLE,
            "could not connect to DHL",
            None,
            "Abruf fehlgeschlagen: Versanddienst nicht erreichbar",
        ),
        (
            ProblemKind.NOT_FOUND,
            "the DPD answer did not include this number",
            None,
            "Der Versanddienst kennt diese Nummer noch nicht",
        ),
        (
            ProblemKind.NOT_FOUND,
            "Die Sendungsnummer ist uns nicht bekannt",
            "Die Sendungsnummer ist uns nicht bekannt",
            "Der Versanddienst kennt diese Nummer noch nicht",
        ),
    ],
)
def test_the_detail_under_a_failed_check_is_only_the_carriers_own_words(
    services: AppServices,
    seeded: Seeded,
    kind: ProblemKind,
    message: str,
    carrier_text: str | None,
    headline: str,
) -> None:
    """Our own note (English, and saying what the headline says) stays out of the panel."""
    p = panel(services, seeded.on_way)
    assert p.detail is not None
    number = p.detail.parcel.tracking_number
    error = TrackingError(kind, message, number, carrier_text=carrier_text)
    store_update(services.store, seeded.on_way, None, error, NOW)
    p.refresh()
    shown = texts(p.control)
    assert headline in shown
    assert (message in shown) is (carrier_text is not None)


@pytest.mark.parametrize(
    ("kind", "line", "loud"),
    [
        # The carrier answered about the number: said as it is, not as a failed check.
        (ProblemKind.NOT_FOUND, "Der Versanddienst kennt diese Nummer noch nicht", True),
        (ProblemKind.INVALID_NUMBER, "Die Nummer passt nicht zu diesem Versanddienst", True),
        # UX.md: never "not found" (nor "failed") for a label that has not been scanned yet.
        (ProblemKind.PRE_TRANSIT, "Label erstellt, noch kein Scan des Versanddienstes", False),
        # No answer at all: that check did fail.
        (
            ProblemKind.RATE_LIMITED,
            "Abruf fehlgeschlagen: Zu viele Anfragen, neuer Versuch später",
            True,
        ),
    ],
)
def test_only_a_check_without_an_answer_is_called_failed(
    services: AppServices, seeded: Seeded, kind: ProblemKind, line: str, loud: bool
) -> None:
    p = panel(services, seeded.on_way)
    assert p.detail is not None
    error = TrackingError(kind, "our note", p.detail.parcel.tracking_number)
    store_update(services.store, seeded.on_way, None, error, NOW)
    p.refresh()
    shown = texts(p.control)
    assert line in shown
    assert not any("fehlgeschlagen" in text for text in shown if text != line)
    header = p.header
    warning, calm = header.problem, header.waiting
    assert (warning if loud else calm).text.value == line
    assert (calm if loud else warning).control not in header.control.controls
    assert header.waiting.text.color == ft.Colors.ON_SURFACE_VARIANT


async def test_an_untracked_parcel_without_scans_does_not_promise_them(
    services: AppServices,
) -> None:
    """Without an account "Sobald der Versanddienst das Paket erfasst" would wait for ever."""
    with new_session(services.store) as session:
        parcel = add_parcel(session, tracking_number="00340434398259791900", carrier="dhl")
    before = panel(services, parcel.id)
    assert any(t.startswith("Noch keine Scans. Sobald") for t in texts(before.control))
    engine = SyncEngine(services.store, [], clock=lambda: NOW)
    await engine.sync_due()
    await engine.aclose()
    after = panel(services, parcel.id)
    assert (
        "Noch keine Scans. Sie erscheinen hier, sobald ein Zugang für DHL eingerichtet ist."
        in texts(after.control)
    )


def _unknown_to_dhl(services: AppServices, number: str = "00340434161234567890") -> str:
    """A DHL parcel whose 20 digits DHL does not know (they fit FedEx and USPS as well)."""
    with new_session(services.store) as session:
        parcel = add_parcel(session, tracking_number=number, carrier="dhl")
    said = "No shipment with given tracking number found."
    error = TrackingError(ProblemKind.NOT_FOUND, said, number, carrier_text=said)
    store_update(services.store, parcel.id, None, error, NOW)
    return parcel.id


def test_a_number_its_carrier_does_not_know_offers_the_others_it_fits(
    services: AppServices,
) -> None:
    parcel_id = _unknown_to_dhl(services)
    recorder = Recorder()
    p = ParcelPanel(recorder.context("de", services), parcel_id, now=lambda: NOW)
    shown = texts(p.control)
    assert "Der Versanddienst kennt diese Nummer noch nicht" in shown
    assert "Die Nummer passt auch zu:" in shown
    offered = buttons(p.control)
    assert "FedEx versuchen" in offered
    assert "USPS versuchen" in offered
    assert "DHL versuchen" not in offered

    fire(offered["FedEx versuchen"].on_click)
    with new_session(services.store) as session:
        parcel = get_parcel(session, parcel_id=parcel_id)
        remembered = get_correction(session, tracking_number=parcel.tracking_number)
    assert (parcel.carrier, parcel.problem, parcel.last_checked_at) == ("fedex", None, None)
    assert remembered == "fedex"  # Add offers FedEx first for this number from now on
    assert recorder.notes == ["Wird jetzt bei FedEx abgefragt."]
    p.refresh()
    assert "Die Nummer passt auch zu:" not in texts(p.control)  # FedEx has not said no (yet)


def test_trying_a_carrier_that_already_tracks_the_number_says_so(services: AppServices) -> None:
    parcel_id = _unknown_to_dhl(services)
    with new_session(services.store) as session:
        add_parcel(session, tracking_number="00340434161234567890", carrier="usps")
    recorder = Recorder()
    p = ParcelPanel(recorder.context("en", services), parcel_id, now=lambda: NOW)
    fire(buttons(p.control)["Try USPS"].on_click)
    assert recorder.notes == ["USPS already tracks this number as a parcel of its own."]
    with new_session(services.store) as session:
        assert get_parcel(session, parcel_id=parcel_id).carrier == "dhl"


def test_a_parcel_with_scans_or_another_problem_offers_no_other_carrier(
    services: AppServices, seeded: Seeded
) -> None:
    p = panel(services, seeded.on_way)  # DHL, in transit, with scans
    assert "Die Nummer passt auch zu:" not in texts(p.control)
    assert p.detail is not None
    number = p.detail.parcel.tracking_number
    error = TrackingError(ProblemKind.NOT_FOUND, "gone", number, carrier_text="gone")
    store_update(services.store, seeded.on_way, None, error, NOW)
    p.refresh()  # its scans say it is DHL's, whatever one answer said
    assert "Die Nummer passt auch zu:" not in texts(p.control)
    offline = _unknown_to_dhl(services, "00340434398259791900")
    error = TrackingError(ProblemKind.UNAVAILABLE, "could not connect", "00340434398259791900")
    store_update(services.store, offline, None, error, NOW)
    assert "Die Nummer passt auch zu:" not in texts(panel(services, offline).control)
