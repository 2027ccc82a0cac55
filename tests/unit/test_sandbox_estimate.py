"""`Journey.estimate_day`: story days are not compressed by the sandbox's speed.

At speed 1 the ETA is the scripted day itself (a date where the parcel is delivered, as carriers
give it); at the demo's 240x a parcel two journey days from delivery reads two real days ahead,
a delay moves the date later, a parcel on the van reads today, and between scans the date stays
put.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.demo import DEMO_SPEED
from app.domain.status import Status, SubStatus
from app.sandbox.journeys import BERLIN, LEIPZIG, Journey, Scenario, Step, script

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday


def _journey(
    scenario: Scenario, *, speed: float, started_at: datetime = START, steps: tuple[Step, ...] = ()
) -> Journey:
    return Journey(
        tracking_number="TEST1",
        carrier="hermes",
        scenario=scenario,
        started_at=started_at,
        steps=steps or script(scenario, LEIPZIG, BERLIN),
        speed=speed,
        destination=BERLIN,
    )


def _scripted_day(journey: Journey, now: datetime) -> date | None:
    """The day the script itself says, in Berlin (the journeys' destination): the formula
    before story days, which compressed ETA offsets by the speed too."""
    visible = journey.visible_steps(now)
    if visible and visible[-1].status is Status.OUT_FOR_DELIVERY:
        return _berlin_day(journey.step_time(visible[-1]))
    days = None
    for step in visible:
        if step.eta_days is not None:
            days = step.eta_days
    if days is None:
        return None
    return _berlin_day(journey.started_at + timedelta(days=days) / journey.speed)


def _berlin_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(BERLIN.zone)).date()


def _step(hours: float, status: Status, eta_days: int | None) -> Step:
    return Step(timedelta(hours=hours), status, "x", "x", BERLIN, eta_days=eta_days)


_STATUSES = st.sampled_from(
    [Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT]
)
_STEPS = st.lists(
    st.tuples(
        st.floats(0, 200, allow_nan=False),
        _STATUSES,
        st.none() | st.integers(0, 10),
    ),
    min_size=1,
    max_size=6,
).map(lambda raw: tuple(_step(h, s, e) for h, s, e in sorted(raw, key=lambda r: r[0])))
_TIMES = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    started_at=_TIMES,
    steps=_STEPS,
    elapsed=st.timedeltas(min_value=timedelta(hours=-5), max_value=timedelta(days=12)),
)
def test_at_speed_1_the_eta_is_the_scripted_day_as_before(
    started_at: datetime, steps: tuple[Step, ...], elapsed: timedelta
) -> None:
    journey = _journey(Scenario.DELIVERED, speed=1.0, started_at=started_at, steps=steps)
    now = started_at + elapsed
    assert journey.estimate_day(now) == _scripted_day(journey, now)


@settings(max_examples=100, deadline=None)
@given(started_at=_TIMES, scenario=st.sampled_from(Scenario))
def test_at_speed_1_every_script_reads_as_before(started_at: datetime, scenario: Scenario) -> None:
    journey = _journey(scenario, speed=1.0, started_at=started_at)
    for step in journey.steps:
        for delta in (timedelta(0), timedelta(minutes=59)):
            now = journey.step_time(step) + delta
            assert journey.estimate_day(now) == _scripted_day(journey, now)


def test_at_demo_speed_two_story_days_read_two_real_days() -> None:
    journey = _journey(Scenario.DELIVERED, speed=DEMO_SPEED)
    assert journey.steps[0].eta_days == 2
    assert journey.estimate_day(START) == START.date() + timedelta(days=2)
    # 20 journey hours later (5 real minutes): the story's Tuesday, its ETA Wednesday is tomorrow
    assert journey.estimate_day(START + timedelta(minutes=5)) == START.date() + timedelta(days=1)


def test_at_demo_speed_a_delay_moves_the_date_later() -> None:
    journey = _journey(Scenario.DELAYED, speed=DEMO_SPEED)
    (delay,) = [s for s in journey.steps if s.sub_status is SubStatus.DELAYED]
    before = [s for s in journey.steps if s.after < delay.after][-1]
    delayed_at = journey.step_time(delay)
    eta_before = journey.estimate_day(journey.step_time(before))
    eta_after = journey.estimate_day(delayed_at)
    assert eta_before is not None
    assert eta_after is not None
    assert eta_after > eta_before > delayed_at.date()  # neither reads today


@settings(max_examples=100, deadline=None)
@given(
    started_at=_TIMES,
    scenario=st.sampled_from([Scenario.DELIVERED, Scenario.DELAYED, Scenario.FAILED_ATTEMPT]),
    speed=st.sampled_from([1.0, 24.0, DEMO_SPEED]),
)
def test_on_the_van_it_comes_today(started_at: datetime, scenario: Scenario, speed: float) -> None:
    journey = _journey(scenario, speed=speed, started_at=started_at)
    vans = [s for s in journey.steps if s.status is Status.OUT_FOR_DELIVERY]
    assert vans
    for van in vans:
        at = journey.step_time(van)
        assert journey.estimate_day(at) == _berlin_day(at)


def test_a_van_out_after_midnight_in_berlin_comes_that_day_not_the_one_before() -> None:
    """At 00:30 in Berlin it is still the day before in UTC: a carrier's date is local."""
    journey = _journey(Scenario.DELIVERED, speed=DEMO_SPEED)
    (van,) = [s for s in journey.steps if s.status is Status.OUT_FOR_DELIVERY]
    half_past_midnight = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 28 Nov, 0:30 in Berlin
    started_at = half_past_midnight - van.after / DEMO_SPEED
    journey = _journey(Scenario.DELIVERED, speed=DEMO_SPEED, started_at=started_at)
    assert journey.estimate_day(half_past_midnight) == date(2026, 11, 28)


@settings(max_examples=100, deadline=None)
@given(
    started_at=_TIMES,
    scenario=st.sampled_from([Scenario.DELIVERED, Scenario.DELAYED, Scenario.PICKUP_POINT]),
)
def test_at_demo_speed_the_date_stays_put_between_scans(
    started_at: datetime, scenario: Scenario
) -> None:
    # A story day passes every 6 real minutes: counted from `now`, the date would slip a day
    # now and then with no scan, and each slip would be announced as a new delivery date.
    journey = _journey(scenario, speed=DEMO_SPEED, started_at=started_at)
    for step, following in zip(journey.steps, journey.steps[1:], strict=False):
        at, next_at = journey.step_time(step), journey.step_time(following)
        just_before_next = next_at - timedelta(microseconds=1)
        assert journey.estimate_day(just_before_next) == journey.estimate_day(at)
