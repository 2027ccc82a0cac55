"""Drains the outbox: every change announced once per channel, across crashes and restarts.

Channel slots. Each outbox entry is delivered on up to two independent slots:
- "native": the first available of the channels given in order (mobile seam, desktop, plyer),
  probed ONCE in `start()`;
- "email": only while the user has opted in (`email.enabled` = on) and an e-mail channel exists.
Each (entry, slot) has its own row in the store's `deliveries` table, so a failed e-mail is
retried later without showing the desktop notice again. The outbox entry is marked dispatched
in the same transaction that finishes its last required slot.

Quiet hours (`notify.quiet_hours`, default 22:00-06:00 local) hold the native slot: nothing is
claimed then, and the first drain after they end delivers what waited (collapsed as a burst).

Claim, deliver, mark. For each slot a drain:
1. finishes entries the user does not want as SKIPPED (kind off, parcel muted) and entries
   older than `max_age` as GAVE_UP, without asking any channel;
2. CLAIMS the rest in one transaction (run id + time) - a commit before any channel is asked;
3. composes the claimed announcements (bursts collapse into one notice) and hands each notice
   to the channel;
4. on success FINISHES the notice's entries as DELIVERED in one transaction; on failure
   releases them with a retry time (exponential backoff), giving up after `max_attempts`.

Crash safety. The engine writes the outbox entry in the transaction that stores the change, so
a change is never lost. Killed anywhere before (2) commits: the entry is unclaimed and the next
drain delivers it. Killed after (4) commits: it is finished, never delivered again. Killed
between (2) and (4): the claim stays without an outcome; a dispatcher with another run id (the
restarted app) takes it over once `lease` (default 2 min) has passed since the claim and
delivers it once more; its own finish then ends it for good.

The residual window. The instant a channel accepts a notice (the D-Bus Notify call returned
and desktop-notifier reported it dispatched / the SMTP server answered 250 to the message),
the dispatcher appends the entries to a journal file beside the database
(app/notify/journal.py), before the commit of (4). A restarted dispatcher finishes what the
journal holds as DELIVERED in `start()`, so a crash between that append and the commit shows
nothing twice. What is left is the crash between the channel's answer and the append: one
write() call. A crash between (2) and the channel accepting it re-delivers a notice the user
never saw, which is what we want. A channel that does not answer within `deliver_timeout`, or
reports a failure although the notice was shown, counts as failed and is retried, and the
retry repeats the notice. No channel here can recall or deduplicate a notice, so the window
cannot be closed on our side, only kept this small.

Leases. A live claim by another dispatcher (a second app instance on the same database) is
respected for `lease`, which is longer than `deliver_timeout`, so two running instances never
both deliver one entry. After a crash, claimed entries wait for the lease before they go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.notify.channels import Channel
from app.notify.journal import AcceptedJournal, journal_beside
from app.notify.notice import Announcement, Notice
from app.notify.preferences import NotificationPreferences, load_preferences
from app.notify.wording import compose, parcel_of_order
from app.store import (
    DeliveryOutcome,
    NotFoundError,
    OutboxItem,
    claim_deliveries,
    finish_deliveries,
    get_order,
    get_parcel,
    list_deliveries,
    mark_dispatched,
    new_session,
    order_parcel_ids,
    pending,
    release_deliveries,
    retry_waiting_now,
)

__all__ = ["EMAIL", "NATIVE", "DispatchReport", "Dispatcher"]

log = logging.getLogger(__name__)

NATIVE = "native"
EMAIL = "email"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DispatchReport:
    delivered: dict[str, list[Notice]] = field(default_factory=dict)  # slot -> notices shown
    failed: dict[str, int] = field(default_factory=dict)  # slot -> notices that failed
    skipped: int = 0  # entries finished without a notice (preferences, age)
    held: int = 0  # entries waiting for the quiet hours to end

    def count(self, slot: str) -> int:
        return len(self.delivered.get(slot, []))


class Dispatcher:
    def __init__(
        self,
        store: Any,
        *,
        native: Sequence[Channel] = (),
        email: Channel | None = None,
        clock: Callable[[], datetime] = _utc_now,
        zone: str = "Europe/Berlin",
        default_language: str = "de",
        run_id: str | None = None,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        retry_base: timedelta = timedelta(seconds=30),
        retry_cap: timedelta = timedelta(hours=1),
        max_age: timedelta = timedelta(days=2),
        batch: int = 200,
        deliver_timeout: float = 60.0,
        journal: AcceptedJournal | None = None,
    ) -> None:
        self._store = store
        self._journal = journal if journal is not None else journal_beside(store)
        self._candidates = tuple(native)
        self._native: Channel | None = None
        self._email = email
        self._clock = clock
        self._zone = zone
        self._default_language = default_language
        self.run_id = run_id or uuid.uuid4().hex
        self._lease = lease
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._max_age = max_age
        self._batch = batch
        self._deliver_timeout = deliver_timeout
        self._lock = asyncio.Lock()
        self._started = False
        self._kick = asyncio.Event()
        self._retry_waiting = False

    # ---------------------------------------------------------------- set-up --------------
    async def start(self) -> Channel | None:
        """Probe the native channels once, in order; the first available one is used."""
        self._native = None
        for channel in self._candidates:
            try:
                ok = await channel.available()
            except Exception:  # a probe must never stop the app
                log.info("notification channel %s failed its probe", channel.name)
                ok = False
            if ok:
                self._native = channel
                break
        self._recover()
        self._started = True
        log.info("notifications via %s", self._native.name if self._native else "nothing")
        return self._native

    def _recover(self) -> None:
        """Finish what a dead run's channel had accepted but the run did not commit."""
        if self._journal is None:
            return
        accepted = self._journal.read()
        if accepted:
            with new_session(self._store, write=True) as session:
                prefs = load_preferences(session, default_language=self._default_language)
                required = tuple(self._slots(prefs))
                finished = sum(
                    finish_deliveries(
                        session,
                        outbox_ids=entry.outbox_ids,
                        channel=entry.slot,
                        outcome=DeliveryOutcome.DELIVERED,
                        at=self._clock(),
                        via=entry.via,
                        required_channels=required,
                    )
                    for entry in accepted
                )
            if finished:
                log.info("%d notices were shown before a crash; not shown again", finished)
        self._journal.clear()

    @property
    def native_channel(self) -> Channel | None:
        return self._native

    def kick(self) -> None:
        """Ask a running `run()` loop to drain now (the engine calls it after writing)."""
        self._kick.set()

    def retry_now(self, channel_name: str) -> bool:
        """A place to show notices on `channel_name` has just opened (the app's window, for
        the in-app banner): if that is the native channel, the notices that failed for want of
        it go out in the next drain instead of after their backoff. On the dispatcher's loop."""
        if self._native is None or self._native.name != channel_name:
            return False
        self._retry_waiting = True
        self.kick()
        return True

    async def run(self, *, interval: float = 30.0) -> None:
        """Drain whenever kicked, and every `interval` s (retries, expired foreign claims)."""
        if not self._started:
            await self.start()
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed; trying again later")
            # Not wait_for: on 3.11 it swallows a cancel that comes in the turn the kick does.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._kick.wait()
            self._kick.clear()

    # ---------------------------------------------------------------- draining ------------
    def _slots(self, prefs: NotificationPreferences) -> dict[str, Channel | None]:
        slots: dict[str, Channel | None] = {NATIVE: self._native}
        if self._email is not None and prefs.email:
            slots[EMAIL] = self._email
        return slots

    async def drain(self) -> DispatchReport:
        """Deliver what is pending, once. Serialised: concurrent calls run one after another."""
        if not self._started:
            await self.start()
        async with self._lock:
            report = await self._drain()
            if self._journal is not None:
                self._journal.compact_if_large()  # every line recorded so far is committed
            return report

    async def _drain(self) -> DispatchReport:
        report = DispatchReport()
        now = self._clock()
        if self._retry_waiting:
            self._retry_waiting = False
            with new_session(self._store, write=True) as session:
                retry_waiting_now(session, channel=NATIVE, at=now)
        with new_session(self._store) as session:
            prefs = load_preferences(session, default_language=self._default_language)
            items = pending(session, limit=self._batch)
            if not items:
                return report
            ids = [item.id for item in items]
            finished = {
                (d.outbox_id, d.channel)
                for d in list_deliveries(session, outbox_ids=ids)
                if d.finished
            }
            names = _current_names(session, items, prefs.language)
        slots = self._slots(prefs)
        required = tuple(slots)
        # Entries whose required slots all finished earlier (e.g. e-mail was switched off since).
        done = [i.id for i in items if all((i.id, slot) in finished for slot in required)]
        if done:
            with new_session(self._store, write=True) as session:
                mark_dispatched(session, outbox_ids=done, at=now)
        for slot, channel in slots.items():
            todo = [i for i in items if i.id not in done and (i.id, slot) not in finished]
            await self._drain_slot(slot, channel, todo, required, prefs, names, now, report)
        return report

    async def _drain_slot(
        self,
        slot: str,
        channel: Channel | None,
        items: list[OutboxItem],
        required: tuple[str, ...],
        prefs: NotificationPreferences,
        names: dict[str, str],
        now: datetime,
        report: DispatchReport,
    ) -> None:
        wanted: list[tuple[OutboxItem, Announcement]] = []
        unwanted: list[int] = []
        stale: list[int] = []
        # Quiet hours hold native notices (not e-mail) until they end; nothing is claimed.
        held = slot == NATIVE and prefs.quiet_until(now, self._zone) is not None
        for item in items:
            announcement = _announcement(item, names)
            if announcement is None or channel is None or not prefs.wants(announcement):
                unwanted.append(item.id)
            elif now - item.created_at > self._max_age:
                stale.append(item.id)
            else:
                wanted.append((item, announcement))
        with new_session(self._store, write=True) as session:
            for ids, outcome in (
                (unwanted, DeliveryOutcome.SKIPPED),
                (stale, DeliveryOutcome.GAVE_UP),
            ):
                if ids:
                    finish_deliveries(
                        session,
                        outbox_ids=ids,
                        channel=slot,
                        outcome=outcome,
                        at=now,
                        required_channels=required,
                    )
                    report.skipped += len(ids)
            if held and wanted:
                report.held += len(wanted)
                return
            if not wanted or channel is None:
                return
            claimed = set(
                claim_deliveries(
                    session,
                    outbox_ids=[item.id for item, _ in wanted],
                    channel=slot,
                    claimant=self.run_id,
                    at=now,
                    lease=self._lease,
                )
            )
        if not claimed:
            return
        mine = [(item, a) for item, a in wanted if item.id in claimed]
        by_key = {a.change_key: item.id for item, a in mine}
        notices = compose([a for _, a in mine], now=now, zone=self._zone, language=prefs.language)
        for notice in notices:
            outbox_ids = [by_key[key] for key in notice.change_keys if key in by_key]
            ok = await _deliver(channel, notice, self._deliver_timeout)
            if ok and self._journal is not None:
                self._journal.record(slot, outbox_ids, channel.name)
            with new_session(self._store, write=True) as session:
                if ok:
                    finish_deliveries(
                        session,
                        outbox_ids=outbox_ids,
                        channel=slot,
                        outcome=DeliveryOutcome.DELIVERED,
                        at=self._clock(),
                        via=channel.name,
                        required_channels=required,
                    )
                    report.delivered.setdefault(slot, []).append(notice)
                    continue
                report.failed[slot] = report.failed.get(slot, 0) + 1
                attempts = (
                    max(
                        (
                            d.attempts
                            for d in list_deliveries(session, outbox_ids=outbox_ids, channel=slot)
                        ),
                        default=0,
                    )
                    + 1
                )
                if attempts >= self._max_attempts:
                    log.warning("%s: giving up on a notice after %d attempts", slot, attempts)
                    finish_deliveries(
                        session,
                        outbox_ids=outbox_ids,
                        channel=slot,
                        outcome=DeliveryOutcome.GAVE_UP,
                        at=self._clock(),
                        required_channels=required,
                    )
                else:
                    release_deliveries(
                        session,
                        outbox_ids=outbox_ids,
                        channel=slot,
                        claimant=self.run_id,
                        retry_at=self._clock() + self._backoff(attempts),
                    )

    def _backoff(self, attempts: int) -> timedelta:
        delay: timedelta = self._retry_base * (2 ** max(0, attempts - 1))
        return min(self._retry_cap, delay)


async def _deliver(channel: Channel, notice: Notice, timeout: float) -> bool:
    try:
        async with asyncio.timeout(timeout):
            return bool(await channel.deliver(notice))
    except TimeoutError:
        log.warning("channel %s did not answer in %.0f s", channel.name, timeout)
        return False
    except Exception:  # channels should not raise; if one does, it is a failed attempt
        log.warning("channel %s raised while delivering", channel.name, exc_info=True)
        return False


def _announcement(item: OutboxItem, names: dict[str, str]) -> Announcement | None:
    try:
        announcement = Announcement.from_json(_dumps(item.payload))
    except (KeyError, ValueError, TypeError):
        log.warning("outbox entry %s is not an announcement; skipped", item.id)
        return None
    name = names.get(announcement.parcel_id)
    if name and name != announcement.parcel_name:
        announcement = replace(announcement, parcel_name=name)
    return announcement


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _current_names(session: Any, items: Sequence[OutboxItem], language: str) -> dict[str, str]:
    """What to call each parcel now: its label (one given after the change was recorded too),
    else its order ("Otto · Kaffeevollautomat", with "Paket 2 von 3" when the order was split);
    with neither, the recorded name (its number)."""
    names: dict[str, str] = {}
    siblings: dict[str, list[str]] = {}
    for parcel_id in {i.parcel_id for i in items if i.parcel_id}:
        try:
            parcel = get_parcel(session, parcel_id=parcel_id)
        except NotFoundError:
            continue
        if parcel.label:
            names[parcel_id] = parcel.label
            continue
        if parcel.order_id is None:
            continue
        order_name = _order_name(session, parcel.order_id)
        if order_name is None:
            continue
        if parcel.order_id not in siblings:
            siblings[parcel.order_id] = order_parcel_ids(session, order_id=parcel.order_id)
        in_order = siblings[parcel.order_id]
        if len(in_order) > 1 and parcel_id in in_order:
            order_name = parcel_of_order(
                order_name, in_order.index(parcel_id) + 1, len(in_order), language
            )
        names[parcel_id] = order_name
    return names


def _order_name(session: Any, order_id: str) -> str | None:
    try:
        order = get_order(session, order_id=order_id)
    except NotFoundError:
        return None
    return order.display_name
