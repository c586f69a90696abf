"""Reschedule proposals against a brute-force oracle, over random zones, hours, busy time.

The oracle below re-states the rules of `find_slots` slot by slot, on the wall clock, without
any of its interval machinery: walk every 5 minutes of the window, keep what passes every rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from syncer.core.model import BusyInterval, Person, ReschedulePolicy, WorkingHours
from syncer.core.reschedule import find_slots, is_free, merge_busy

# Every offset these zones use in 2026 is a multiple of 15 minutes, so every candidate (on a
# 5-minute-multiple step of an organiser's wall clock, or at a preferred time on a 5-minute
# mark) is a multiple of 5 minutes in UTC, and a 5-minute walk sees them all.
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -3:30, DST
    "America/Santiago",  # DST switches at midnight
    "Asia/Kolkata",  # +5:30
    "Asia/Kathmandu",  # +5:45
    "Asia/Tokyo",
    "Australia/Adelaide",  # +9:30 / +10:30
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Chatham",  # +12:45 / +13:45
)
STEPS = (5, 10, 15, 20, 30, 45, 60)
WALK = timedelta(minutes=5)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Dates next to DST switches of the zones above, so windows often straddle one.
SWITCH_DAYS = (
    date(2026, 3, 7),  # US: 03-08
    date(2026, 3, 27),  # EU: 03-29
    date(2026, 4, 3),  # Australia, Chatham, Santiago: 04-05
    date(2026, 9, 4),  # Santiago: 09-06
    date(2026, 9, 25),  # Chatham: 09-27
    date(2026, 10, 2),  # Australia: 10-04
    date(2026, 10, 23),  # EU: 10-25
    date(2026, 10, 30),  # US: 11-01
)


# --------------------------------------------------------------------------------------------
# The oracle


def _works(person: Person, start: datetime, end: datetime, holidays: frozenset[date]) -> bool:
    """Inside one working day of `person`, on their wall clock (start's day or the day before)."""
    zone = ZoneInfo(person.timezone)
    local_day = start.astimezone(zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        hours = person.working_hours.on(day)
        if hours is None or day in holidays:
            continue
        opens, closes = hours
        closes_on = day if closes > opens else day + timedelta(days=1)
        # Aware comparisons across zones compare instants; combine() reads the wall clock fold=0.
        if datetime.combine(day, opens, tzinfo=zone) <= start and end <= datetime.combine(
            closes_on, closes, tzinfo=zone
        ):
            return True
    return False


def _touches_holiday(
    person: Person, start: datetime, end: datetime, holidays: frozenset[date]
) -> bool:
    zone = ZoneInfo(person.timezone)
    last = end - timedelta(microseconds=1)
    return start.astimezone(zone).date() in holidays or last.astimezone(zone).date() in holidays


def _valid(start: datetime, case: Case) -> bool:
    end = start + case.duration
    return (
        start >= case.now + timedelta(hours=case.policy.min_notice_hours)
        and case.window_start <= start
        and end <= case.window_end
        and all(_works(p, start, end, case.holidays) for p in case.people)
        and not any(_touches_holiday(p, start, end, case.holidays) for p in case.people)
        and not any(b.start < end and start < b.end for b in case.busy)
    )


def _organiser_wall(start: datetime, case: Case) -> datetime:
    return start.astimezone(ZoneInfo(case.people[0].timezone))


def _on_grid(start: datetime, case: Case) -> bool:
    wall = _organiser_wall(start, case)
    return wall.second == 0 and (wall.hour * 60 + wall.minute) % case.policy.step_minutes == 0


def _at_preferred_time(start: datetime, case: Case) -> bool:
    if case.preferred is None:
        return False
    zone = ZoneInfo(case.people[0].timezone)
    return _organiser_wall(start, case).time() == case.preferred.astimezone(zone).time()


def _brute_force(case: Case) -> list[datetime]:
    """Every valid candidate of the window, by walking it in 5-minute steps."""
    found = []
    instant = EPOCH + WALK * ((case.window_start - EPOCH) // WALK)
    while instant + case.duration <= case.window_end:
        if (_on_grid(instant, case) or _at_preferred_time(instant, case)) and _valid(instant, case):
            found.append(instant)
        instant += WALK
    return found


def _expected_with_preference(valid: list[datetime], case: Case) -> list[datetime]:
    """The documented order, restated: one per organiser day nearest the original time of day,
    earliest days first; then the rest of those days, nearest first; shown chronologically."""
    assert case.preferred is not None
    zone = ZoneInfo(case.people[0].timezone)
    time_of_day = case.preferred.astimezone(zone).time()

    def off_by(s: datetime) -> tuple[timedelta, datetime]:
        day = s.astimezone(zone).date()
        return abs(s - datetime.combine(day, time_of_day, tzinfo=zone)), s

    days = sorted({s.astimezone(zone).date() for s in valid})
    picks = [min((s for s in valid if s.astimezone(zone).date() == d), key=off_by) for d in days]
    picks = picks[: case.policy.proposals]
    rest = sorted((s for s in valid if s not in picks), key=off_by)
    return sorted(picks + rest[: case.policy.proposals - len(picks)])


# --------------------------------------------------------------------------------------------
# Random cases


class Case:
    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)

    people: tuple[Person, ...]
    busy: list[BusyInterval]
    window_start: datetime
    window_end: datetime
    now: datetime
    duration: timedelta
    policy: ReschedulePolicy
    holidays: frozenset[date]
    preferred: datetime | None

    def __repr__(self) -> str:
        return f"Case({self.__dict__!r})"

    def run(self) -> list[datetime]:
        return find_slots(
            duration=self.duration,
            people=self.people,
            busy=self.busy,
            window_start=self.window_start,
            window_end=self.window_end,
            now=self.now,
            policy=self.policy,
            holidays=self.holidays,
            preferred=self.preferred,
        )


def _clock(minute: int) -> time:
    return time(minute // 60, minute % 60)


office_hours = st.tuples(st.integers(6 * 60, 12 * 60), st.integers(13 * 60, 22 * 60))
any_hours = st.tuples(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
some_hours = st.one_of(office_hours, office_hours, office_hours, any_hours).map(
    lambda h: (_clock(h[0]), _clock(h[1]))
)
# Mostly the usual week (same hours Monday to Friday), sometimes every day different or off.
usual_week = some_hours.map(lambda h: WorkingHours(days=(h,) * 5 + (None, None)))
odd_week = st.lists(st.one_of(st.none(), some_hours), min_size=7, max_size=7).map(
    lambda days: WorkingHours(days=tuple(days))
)
working_hours = st.one_of(usual_week, usual_week, odd_week)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Person, Person]:
    """Two people; half the time in the same zone, else anywhere (often with no overlap)."""
    first_zone = draw(st.sampled_from(ZONES))
    second_zone = draw(st.one_of(st.just(first_zone), st.sampled_from(ZONES)))
    return (
        Person("a@example.com", "google", first_zone, draw(working_hours)),
        Person("b@example.com", "microsoft", second_zone, draw(working_hours)),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    first_day = draw(
        st.one_of(st.sampled_from(SWITCH_DAYS), st.dates(date(2026, 1, 1), date(2026, 12, 20)))
    )
    window_start = datetime.combine(first_day, time(0), UTC) + timedelta(
        minutes=draw(st.integers(0, 24 * 60 - 1))
    )
    window_length = st.one_of(st.integers(24 * 60, 5 * 24 * 60), st.integers(60, 24 * 60))
    window_end = window_start + timedelta(minutes=draw(window_length))
    span = int((window_end - window_start) / timedelta(minutes=1))
    busy = [
        BusyInterval(
            window_start + timedelta(minutes=at), window_start + timedelta(minutes=at + length)
        )
        for at, length in draw(
            st.lists(st.tuples(st.integers(-600, span + 600), st.integers(1, 600)), max_size=8)
        )
    ]
    holidays = frozenset(
        draw(
            st.lists(
                st.dates(first_day - timedelta(days=1), window_end.date() + timedelta(days=1)),
                max_size=3,
            )
        )
    )
    preferred = draw(
        st.one_of(
            st.none(),
            st.integers(-14 * 24 * 12, 14 * 24 * 12).map(
                lambda n: EPOCH + WALK * ((window_start - EPOCH) // WALK + n)
            ),
        )
    )
    return Case(
        people=draw(pairs()),
        busy=busy,
        window_start=window_start,
        window_end=window_end,
        now=window_start + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 2 * 60))),
        duration=timedelta(minutes=draw(st.sampled_from([15, 25, 30, 45, 60, 90]))),
        policy=ReschedulePolicy(
            proposals=draw(st.integers(1, 6)),
            min_notice_hours=draw(st.integers(0, 24)),
            step_minutes=draw(st.sampled_from(STEPS)),
        ),
        holidays=holidays,
        preferred=preferred,
    )


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# Properties


@PROPERTY
@given(cases())
def test_every_proposal_obeys_every_rule(case: Case) -> None:
    found = case.run()
    event("proposals found" if found else "no proposal")
    assert len(found) <= case.policy.proposals
    assert found == sorted(set(found))  # distinct, chronological
    for start in found:
        assert start.utcoffset() == timedelta(0)
        assert _valid(start, case), start
        assert _on_grid(start, case) or _at_preferred_time(start, case), start


@PROPERTY
@given(cases())
def test_proposals_are_the_ones_the_documented_order_picks(case: Case) -> None:
    valid = _brute_force(case)
    found = case.run()
    event("valid slots exist" if valid else "no valid slot")
    if valid:
        assert found, "a valid slot exists but none was proposed"
    if case.preferred is None:
        assert found == valid[: case.policy.proposals]
    else:
        assert found == _expected_with_preference(valid, case)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 60)), max_size=15),
    st.integers(0, 560),
    st.integers(1, 60),
)
def test_merged_busy_answers_like_the_raw_list(
    spans: list[tuple[int, int]], at: int, length: int
) -> None:
    raw = [
        BusyInterval(EPOCH + timedelta(minutes=s), EPOCH + timedelta(minutes=s + n))
        for s, n in spans
    ]
    merged = merge_busy(raw)
    start, end = EPOCH + timedelta(minutes=at), EPOCH + timedelta(minutes=at + length)
    assert all(a.end < b.start for a, b in pairwise(merged))
    blocking = [b for b in raw if b.start < b.end]  # an empty interval blocks nothing
    assert is_free(start, end, merged) == (
        not any(b.start < end and start < b.end for b in blocking)
    )
