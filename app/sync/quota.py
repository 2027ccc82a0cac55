"""Daily quotas: spread what is left of an account's quota over the rest of the local day, and
remember across restarts what today's requests already used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.models import Parcel
from app.domain.status import TERMINAL, Status
from app.store import get_setting, new_session, set_setting
from app.sync.accounts import AccountRuntime
from app.sync.schedule import PollPolicy, next_check_at

__all__ = ["MAX_STRETCH", "QUOTA_KEY", "QuotaPlanner", "is_priority"]

# No quiet hours, no jitter: the plain interval, for estimating a day's demand.
_PLAIN = PollPolicy(jitter=0.0, day_starts=time(0, 0), quiet_from=time(23, 59, 59, 999999))
MAX_STRETCH = 24.0
QUOTA_KEY = "sync.quota_used."  # + account id -> "YYYY-MM-DD:N"


def is_priority(parcel: Parcel, today: date) -> bool:
    """Out for delivery, or expected today: first in line and last to be stretched."""
    if parcel.status is Status.OUT_FOR_DELIVERY:
        return True
    return (
        parcel.estimate is not None
        and parcel.status not in TERMINAL
        and parcel.estimate.day <= today <= parcel.estimate.last_day
    )


class QuotaPlanner:
    """Per account: the stretch factors of its intervals, and its quota day."""

    def __init__(self, store: Any, *, zone: str, reserve: int) -> None:
        self._store = store
        self._zone_name = zone
        self._zone = ZoneInfo(zone)
        self.reserve = reserve
        self._stretch: dict[str, tuple[float, float]] = {}  # account -> (priority, others)
        self._day: dict[str, date] = {}

    def today(self, now: datetime) -> date:
        return now.astimezone(self._zone).date()

    def factor(self, account: AccountRuntime, parcel: Parcel, now: datetime) -> float:
        """How much longer than usual the parcel's interval is, to make the quota last."""
        priority, others = self._stretch.get(account.account_id, (1.0, 1.0))
        return priority if is_priority(parcel, self.today(now)) else others

    def roll_day(self, account: AccountRuntime, now: datetime) -> None:
        today = self.today(now)
        day = self._day.get(account.account_id)
        if day is None:
            self._day[account.account_id] = today
        elif day != today:
            account.gate.new_day()
            self._day[account.account_id] = today

    def load_usage(self, accounts: list[AccountRuntime], now: datetime) -> None:
        """A restart must not forget what today's requests already used of a daily quota."""
        today = self.today(now)
        with new_session(self._store) as session:
            for account in accounts:
                if account.gate.limits.daily_quota is None:
                    continue
                stored = get_setting(session, key=QUOTA_KEY + account.account_id) or ""
                day, _, used = stored.partition(":")
                if day == today.isoformat() and used.isdigit():
                    account.gate.used_today = max(account.gate.used_today, int(used))
                self._day[account.account_id] = today

    def save_usage(self, account: AccountRuntime, now: datetime) -> None:
        if account.gate.limits.daily_quota is None:
            return
        day = self._day.get(account.account_id) or self.today(now)
        value = f"{day.isoformat()}:{account.gate.used_today}"
        with new_session(self._store, write=True) as session:
            set_setting(session, key=QUOTA_KEY + account.account_id, value=value)

    def update_stretch(
        self, account: AccountRuntime, parcels: list[Parcel], now: datetime
    ) -> tuple[float, float] | None:
        """Spread a daily quota over the rest of the day: stretch intervals when it is tight.

        Demand is what the normal intervals would ask until local midnight (requests, batches
        counted). Priority parcels (out for delivery, ETA today) keep their pace as long as the
        budget holds them; the others share what is left. Returns the new (priority, others)
        factors, or None for an account without a daily quota.
        """
        self.roll_day(account, now)
        left = account.gate.quota_left()
        if left is None:
            self._stretch[account.account_id] = (1.0, 1.0)
            return None
        local = now.astimezone(self._zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self._zone)
        remaining = max(0.0, (midnight - local).total_seconds())
        today = local.date()
        priority = others = 0.0
        for parcel in parcels:
            probe = replace(parcel, last_checked_at=now)
            nxt = next_check_at(probe, now=now, zone=self._zone_name, policy=_PLAIN)
            if nxt is None:
                continue
            interval = max(60.0, (nxt - now).total_seconds())
            calls = remaining / interval / max(1, account.batch_limit)
            if is_priority(parcel, today):
                priority += calls
            else:
                others += calls
        budget = max(0.0, float(left - self.reserve))
        if priority + others <= budget:
            stretch = (1.0, 1.0)
        elif priority <= budget:
            spare = budget - priority
            stretch = (1.0, min(MAX_STRETCH, others / spare) if spare > 0 else MAX_STRETCH)
        else:
            stretch = (min(MAX_STRETCH, priority / budget) if budget else MAX_STRETCH, MAX_STRETCH)
        self._stretch[account.account_id] = stretch
        return stretch
