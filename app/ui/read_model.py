"""What the screens read, built from the store: order cards, parcel rows, a parcel's detail.

Plain data and pure helpers (no flet import): the screens turn these into controls, the tests
assert on them directly. Every text a row shows first (the expected delivery in words) is made
here so the list, the order and the timeline say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.carriers.registry import REGISTRY
from app.domain.changes import moved_later
from app.domain.labels import REASON_LABELS
from app.domain.models import DeliveryEstimate, Order, Parcel, ProblemKind
from app.domain.stall import assess_silence
from app.domain.state import ParcelState, state_of_timeline
from app.domain.status import TERMINAL, Status, SubStatus, is_problem
from app.domain.timeline import TimelineEntry, build_timeline
from app.domain.tracking_numbers.detect import detect
from app.domain.when import date_in_words, day_in_sentence, day_in_words, estimate_in_words
from app.notify.notice import Announcement, NoticeKind
from app.notify.preferences import is_muted
from app.store import (
    NotFoundError,
    Section,
    active_parcels_by_carrier,
    filter_choices,
    get_order,
    get_parcel,
    latest_of_kind,
    list_events,
    list_parcels,
    my_orders,
    new_session,
    order_parcel_ids,
)
from app.ui.i18n import Lang, t

__all__ = [
    "MILESTONE_KEYS",
    "PAGE_SIZE",
    "ListQuery",
    "OrderCard",
    "OrderDetail",
    "ParcelDetail",
    "ParcelReads",
    "ParcelRow",
    "Section",
    "carrier_name",
    "eta_text",
    "filter_options",
    "load_cards",
    "load_order",
    "load_parcel",
    "load_parcels",
    "milestone_index",
    "parcel_detail",
    "read_parcel",
]

# The store's engine (app.store.open_store). Typed loosely: only app.store may import SQL
# libraries (import-linter), the UI just hands the engine back to app.store functions.
Store = Any
Move = Mapping[str, Any]  # a recorded date move: the outbox's payload
PAGE_SIZE = 15  # order groups per page (a tall window shows ~8); more load near the end
MILESTONE_KEYS = (
    "milestone.ordered",
    "milestone.shipped",
    "milestone.in_transit",
    "milestone.out_for_delivery",
    "milestone.delivered",
)
_STEP = {
    Status.PENDING: 0,
    Status.UNKNOWN: 0,
    Status.INFO_RECEIVED: 0,
    Status.IN_TRANSIT: 2,
    Status.EXCEPTION: 2,
    Status.RETURNING: 2,
    Status.RETURNED: 2,
    Status.EXPIRED: 2,
    Status.OUT_FOR_DELIVERY: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.AVAILABLE_FOR_PICKUP: 3,
    Status.DELIVERED: 4,
}


@dataclass(frozen=True, slots=True)
class ListQuery:
    section: Section = Section.ACTIVE
    search: str = ""
    statuses: tuple[Status, ...] = ()
    carriers: tuple[str, ...] = ()
    shops: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParcelRow:
    """One parcel as a list row: the answer first, then the status, then carrier and number."""

    id: str
    name: str  # the user's label, else the tracking number
    number: str
    carrier: str
    carrier_name: str
    status: Status
    eta_text: str
    position: int  # "Paket {position} von {total}"
    total: int
    progress: int  # index into MILESTONE_KEYS
    problem: bool
    stalled: bool
    awaiting_handover: bool
    archived: bool
    section: Section
    reason: SubStatus | None = None  # the carrier's reason beside the status ("Verspätung")
    # The estimate the carrier replaced by a later one, while that later one still stands.
    moved_from: DeliveryEstimate | None = None
    overdue: bool = False  # still on its way after the expected day (see is_overdue)


@dataclass(frozen=True, slots=True)
class OrderCard:
    key: str  # the order id, or "#<parcel id>" for a parcel without an order
    order_id: str | None
    shop: str | None
    title: str | None
    parcels: tuple[ParcelRow, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ParcelDetail:
    parcel: Parcel
    order: Order | None
    row: ParcelRow
    state: ParcelState
    entries: tuple[TimelineEntry, ...]  # newest first
    progress: int
    muted: bool = False  # the user muted its notifications
    other_carriers: tuple[str, ...] = ()  # its carrier does not know it; these also fit


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: Order
    parcels: tuple[ParcelRow, ...]
    shipped: int  # parcels the carrier has (handed over, in any later state)


@dataclass(frozen=True, slots=True)
class Clock:
    now: datetime
    zone: str
    lang: Lang
    tz: ZoneInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", ZoneInfo(self.zone))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


def carrier_name(carrier: str) -> str:
    if carrier in REGISTRY:
        return REGISTRY[carrier].display_name
    return carrier.upper() if len(carrier) <= 4 else carrier.capitalize()


def tracking_url(carrier: str, number: str) -> str | None:
    return REGISTRY[carrier].tracking_page_url(number) if carrier in REGISTRY else None


def milestone_index(status: Status, entries: Sequence[TimelineEntry] | None = None) -> int:
    """How far along the five steps the parcel is.

    With the timeline at hand, a parcel in transit with a single scan (or only the shop's word)
    has just been shipped; more scans mean it is on its way.
    """
    step = _STEP[status]
    if status is Status.EXPIRED and entries is not None and not entries:
        return 0
    if status is Status.IN_TRANSIT and entries is not None:
        moving = [e for e in entries if _STEP[e.status] >= 2 and not e.merchant_claim]
        if len(moving) <= 1:
            return 1
    return step


def _hm(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def eta_text(parcel: Parcel, clock: Clock, *, awaiting_handover: bool | None = None) -> str:
    """The row's first line: when it comes, or what it is waiting for. Never "not found"."""
    lang = clock.lang
    status = parcel.status
    if status is Status.DELIVERED:
        pod = parcel.proof_of_delivery
        at = (pod.delivered_at if pod else None) or parcel.last_event_at
        if at is None:
            return t(lang, "eta.delivered")
        local = clock.local(at)
        days_ago = (clock.local(clock.now).date() - local.date()).days
        if days_ago == 0:
            return t(lang, "eta.delivered_at", time=_hm(local))
        if days_ago == 1:
            return t(lang, "eta.delivered_yesterday", time=_hm(local))
        return t(lang, "eta.delivered_on", date=date_in_words(local.date(), lang))
    if status is Status.RETURNED:
        return t(lang, "eta.returned")
    if status is Status.RETURNING:
        return t(lang, "eta.returning")
    if status is Status.EXPIRED:
        return t(lang, "eta.expired")
    if awaiting_handover is None:
        awaiting_handover = _awaiting(parcel, clock.now)
    if awaiting_handover:
        return t(lang, "eta.handover")
    estimate = parcel.estimate
    today = clock.local(clock.now).date()
    if estimate is not None and _last_day(estimate) >= today:
        return estimate_in_words(estimate, now=clock.now, zone=clock.zone, language=lang)
    if status is Status.AVAILABLE_FOR_PICKUP:
        return t(lang, "eta.pickup")
    if estimate is not None:  # the expected day has passed: see is_overdue
        return t(lang, "eta.overdue", day=day_in_sentence(_last_day(estimate), today, lang))
    return t(lang, "eta.unknown")


def is_overdue(parcel: Parcel, clock: Clock) -> bool:
    """Still on its way after the last day the carrier said: "Gestern, 10–14 Uhr" would read
    as if that were still the plan. A parcel at a pickup point waits for the user, not late."""
    estimate = parcel.estimate
    if estimate is None or parcel.status in TERMINAL:
        return False
    if parcel.status is Status.AVAILABLE_FOR_PICKUP:
        return False
    return _last_day(estimate) < clock.local(clock.now).date()


def _last_day(estimate: DeliveryEstimate) -> date:
    return estimate.latest_day or estimate.day


def _silence(parcel: Parcel, now: datetime) -> tuple[bool, bool]:
    since = parcel.last_event_at or parcel.created_at
    silence = assess_silence(
        carrier=parcel.carrier,
        status=parcel.status,
        sub_status=parcel.sub_status,
        since=since,
        now=now,
    )
    return silence.stalled, silence.awaiting_handover


def _awaiting(parcel: Parcel, now: datetime) -> bool:
    return _silence(parcel, now)[1]


def section_of(parcel: Parcel) -> Section:
    if parcel.archived:
        return Section.ARCHIVED
    return Section.DELIVERED if parcel.status is Status.DELIVERED else Section.ACTIVE


def make_row(
    parcel: Parcel,
    clock: Clock,
    *,
    position: int = 1,
    total: int = 1,
    state: ParcelState | None = None,
    entries: Sequence[TimelineEntry] | None = None,
    moved: Move | None = None,
) -> ParcelRow:
    if state is not None:
        stalled, awaiting = state.stalled, state.awaiting_handover
    else:
        stalled, awaiting = _silence(parcel, clock.now)
    return ParcelRow(
        id=parcel.id,
        name=parcel.display_name,
        number=parcel.tracking_number,
        carrier=parcel.carrier,
        carrier_name=carrier_name(parcel.carrier),
        status=parcel.status,
        eta_text=eta_text(parcel, clock, awaiting_handover=awaiting),
        position=position,
        total=total,
        progress=milestone_index(parcel.status, entries),
        problem=is_problem(parcel.status, parcel.sub_status) or stalled,
        stalled=stalled,
        awaiting_handover=awaiting,
        archived=parcel.archived,
        section=section_of(parcel),
        reason=reason_of(parcel),
        moved_from=_moved_from(parcel, moved),
        overdue=not awaiting and is_overdue(parcel, clock),
    )


def reason_of(parcel: Parcel) -> SubStatus | None:
    """The carrier's reason worth a word beside the status, while the parcel is on its way."""
    sub_status = parcel.sub_status
    if sub_status not in REASON_LABELS or parcel.status in TERMINAL:
        return None
    return sub_status


def load_cards(
    engine: Store, query: ListQuery, clock: Clock, *, limit: int = PAGE_SIZE, offset: int = 0
) -> list[OrderCard]:
    """One page of order cards for one section, as the store ranks them."""
    with new_session(engine) as session:
        result = my_orders(
            session,
            sections=(query.section,),
            search=query.search.strip() or None,
            statuses=query.statuses,
            carriers=query.carriers,
            shops=query.shops,
            limit=limit,
            offset=offset,
        )
        groups = result.section(query.section)
        # Orders some of whose parcels sit in another section or were filtered out: their
        # parcels are numbered among all of the order's parcels.
        siblings = {
            group.order.id: order_parcel_ids(session, order_id=group.order.id)
            for group in groups
            if group.order is not None and len(group.parcels) < group.parcel_count
        }
        moves = _moves(session, [parcel.id for group in groups for parcel in group.parcels])
    cards: list[OrderCard] = []
    for group in groups:
        order = group.order
        total = group.parcel_count
        ids = [parcel.id for parcel in group.parcels]
        if order is not None and order.id in siblings:
            ids = siblings[order.id]
        rows = tuple(
            make_row(
                parcel,
                clock,
                position=(ids.index(parcel.id) + 1) if parcel.id in ids else n,
                total=total,
                moved=moves.get(parcel.id),
            )
            for n, parcel in enumerate(group.parcels, 1)
        )
        key = order.id if order is not None else f"#{group.parcels[0].id}"
        cards.append(
            OrderCard(
                key=key,
                order_id=order.id if order else None,
                shop=order.shop if order else None,
                title=order.title if order else None,
                parcels=rows,
                total=total,
            )
        )
    return cards


def load_parcels(
    engine: Store, parcel_ids: Sequence[str]
) -> tuple[dict[str, Parcel | None], dict[str, Move]]:
    """The parcels as stored now (None: deleted) and their date moves, in one session: for
    live updates."""
    found: dict[str, Parcel | None] = {}
    with new_session(engine) as session:
        for parcel_id in parcel_ids:
            try:
                found[parcel_id] = get_parcel(session, parcel_id=parcel_id)
            except NotFoundError:
                found[parcel_id] = None
        return found, _moves(session, parcel_ids)


def _position(parcel_id: str, siblings: list[str]) -> tuple[int, int]:
    """Where the parcel counts among its order's parcels ("Paket 1 von 2")."""
    if parcel_id not in siblings:
        return 1, max(len(siblings), 1)
    return siblings.index(parcel_id) + 1, len(siblings)


@dataclass(frozen=True, slots=True)
class ParcelReads:
    """What a parcel's panel reads from the store, before a clock turns it into words."""

    parcel: Parcel
    entries: tuple[TimelineEntry, ...]  # newest first
    order: Order | None
    siblings: tuple[str, ...]  # its order's parcel ids, in order ("Paket 1 von 2")
    muted: bool
    moved: Move | None  # the latest recorded move of its delivery date


def read_parcel(engine: Store, parcel_id: str) -> ParcelReads | None:
    """All a parcel's panel shows, read in one session (None: no such parcel)."""
    with new_session(engine) as session:
        try:
            parcel = get_parcel(session, parcel_id=parcel_id)
        except NotFoundError:
            return None
        events = list_events(session, parcel_id=parcel_id)
        order, siblings = None, [parcel_id]
        if parcel.order_id is not None:
            siblings = order_parcel_ids(session, order_id=parcel.order_id)
            try:
                order = get_order(session, order_id=parcel.order_id)
            except NotFoundError:
                order = None
        muted = is_muted(session, parcel_id=parcel_id)
        moved = _moves(session, [parcel_id]).get(parcel_id)
    entries = build_timeline(events)
    return ParcelReads(parcel, entries, order, tuple(siblings), muted, moved)


def load_parcel(engine: Store, parcel_id: str, clock: Clock) -> ParcelDetail | None:
    """A parcel's panel, read now: a click pays for one session, not three."""
    reads = read_parcel(engine, parcel_id)
    return None if reads is None else parcel_detail(reads, clock)


def parcel_detail(reads: ParcelReads, clock: Clock) -> ParcelDetail:
    """The panel's words and state for what was read, as of the clock."""
    parcel, entries = reads.parcel, reads.entries
    state = state_of_timeline(
        entries,
        now=clock.now,
        carrier=parcel.carrier,
        tracked_since=parcel.created_at,
        status_hint=parcel.status if not entries else None,
        sub_status_hint=parcel.sub_status if not entries else None,
    )
    position, total = _position(parcel.id, list(reads.siblings))
    row = make_row(
        parcel,
        clock,
        position=position,
        total=total,
        state=state,
        entries=entries,
        moved=reads.moved,
    )
    return ParcelDetail(
        parcel=parcel,
        order=reads.order,
        row=row,
        state=state,
        entries=entries,
        progress=row.progress,
        muted=reads.muted,
        other_carriers=other_carriers(parcel) if not entries else (),
    )


def _moves(session: Any, parcel_ids: Sequence[str]) -> dict[str, Move]:
    """Each parcel's latest recorded move of its delivery date."""
    kind = NoticeKind.ETA_MOVED.value
    found = latest_of_kind(session, parcel_ids=parcel_ids, kind=kind)
    return {parcel_id: item.payload for parcel_id, item in found.items()}


def _moved_from(parcel: Parcel, change: Move | None) -> DeliveryEstimate | None:
    """The earlier estimate, when the carrier's last move of the date was a later one and the
    parcel still expects that later date (a newer estimate or a delivery ends it)."""
    current = parcel.estimate
    if change is None or current is None or parcel.status in TERMINAL:
        return None
    moved = Announcement.from_payload(change)
    before, after = moved.previous_estimate, moved.estimate
    if before is None or after is None or not moved_later(before, after):
        return None
    # The outbox keeps no source: compare what the user reads.
    return before if replace(after, source=current.source) == current else None


_UNKNOWN_TO_CARRIER = frozenset({ProblemKind.NOT_FOUND, ProblemKind.INVALID_NUMBER})
MAX_OTHER_CARRIERS = 3


def other_carriers(parcel: Parcel) -> tuple[str, ...]:
    """Carriers the number also fits, best first, when its own says it does not know it (the
    20 digits of a DHL label fit FedEx and USPS too): the user's likeliest fix."""
    if parcel.problem not in _UNKNOWN_TO_CARRIER:
        return ()
    fits = (c.carrier for c in detect(parcel.tracking_number).candidates)
    others = [c for c in dict.fromkeys(fits) if c != parcel.carrier and c in REGISTRY]
    return tuple(others[:MAX_OTHER_CARRIERS])


def load_order(engine: Store, order_id: str, clock: Clock) -> OrderDetail | None:
    with new_session(engine) as session:
        try:
            order = get_order(session, order_id=order_id)
        except NotFoundError:
            return None
    with new_session(engine) as session:  # oldest first: "Paket 1 von 2" counts in this order
        parcels = list_parcels(session, include_archived=True, order_id=order_id)
        moves = _moves(session, [parcel.id for parcel in parcels])
    total = len(parcels)
    rows = tuple(
        make_row(parcel, clock, position=n, total=total, moved=moves.get(parcel.id))
        for n, parcel in enumerate(parcels, 1)
    )
    shipped = sum(1 for row in rows if row.progress >= 1 and not row.awaiting_handover)
    return OrderDetail(order=order, parcels=rows, shipped=shipped)


def filter_options(engine: Store) -> tuple[list[str], list[str]]:
    """The carriers and shops the user has parcels with, for the filter menus."""
    with new_session(engine) as session:
        choices = filter_choices(session)
    return sorted(choices.carriers, key=carrier_name), sorted(choices.shops, key=str.casefold)


def active_parcel_counts(engine: Store | None) -> dict[str, int]:
    """Active parcels per carrier (none without a store), for Settings' account tiles."""
    if engine is None:
        return {}
    with new_session(engine) as session:
        return active_parcels_by_carrier(session)


def status_filter_options() -> list[Status]:
    return [s for s in Status if s is not Status.UNKNOWN]


def event_time(moment: datetime, clock: Clock) -> str:
    """Local time: relative for the last hours, else the day in words and the clock time."""
    from app.domain.when import relative_age

    if timedelta(0) <= clock.now - moment < timedelta(hours=6):
        return relative_age(moment, now=clock.now, language=clock.lang)
    local = clock.local(moment)
    today = clock.local(clock.now).date()
    delta = (local.date() - today).days
    if delta == 0:
        return t(clock.lang, "event.time_today", time=_hm(local))
    if delta == -1:
        return t(clock.lang, "event.time_yesterday", time=_hm(local))
    return t(
        clock.lang,
        "event.time_day",
        day=day_in_words(local.date(), today, clock.lang),
        time=_hm(local),
    )


def relative_or_none(moment: datetime | None, *, now: datetime, language: str) -> str | None:
    if moment is None:
        return None
    from app.domain.when import relative_age

    return relative_age(moment, now=now, language=language)


def is_pickup(entry: TimelineEntry) -> bool:
    return entry.status is Status.AVAILABLE_FOR_PICKUP or entry.sub_status is SubStatus.PICKUP_POINT
