"""Reschedule proposals: worked examples across zones, DST, holidays and busy days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from syncer.core.model import BusyInterval, Person, ReschedulePolicy, WorkingHours
from syncer.core.reschedule import find_slots, is_free, merge_busy

HALF_HOUR = timedelta(minutes=30)
BERLIN = Person("anna@example.com", "google", "Europe/Berlin")
BERLIN_TOO = Person("ben@example.com", "microsoft", "Europe/Berlin")
NEW_YORK = Person("nick@example.com", "google", "America/New_York")
KOLKATA = Person("kavya@example.com", "microsoft", "Asia/Kolkata")
LOS_ANGELES = Person("liz@example.com", "google", "America/Los_Angeles")
EVERY_SLOT = ReschedulePolicy(proposals=1000, min_notice_hours=0, step_minutes=30)
THREE = ReschedulePolicy(proposals=3, min_notice_hours=4, step_minutes=15)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def busy(*spans: tuple[datetime, datetime]) -> list[BusyInterval]:
    return [BusyInterval(s, e) for s, e in spans]


def slots_on(
    day: date, people: tuple[Person, ...], duration: timedelta = HALF_HOUR
) -> list[datetime]:
    start = datetime.combine(day, time(0), UTC)
    return find_slots(
        duration=duration,
        people=people,
        busy=[],
        window_start=start,
        window_end=start + timedelta(days=1),
        now=start - timedelta(days=7),
        policy=EVERY_SLOT,
    )


def every_half_hour(first: datetime, last: datetime) -> list[datetime]:
    out = []
    while first <= last:
        out.append(first)
        first += HALF_HOUR
    return out


# --------------------------------------------------------------------------------------------
# merge_busy and is_free


def test_merge_busy_unites_overlapping_and_touching_intervals_in_order() -> None:
    merged = merge_busy(
        busy(
            (utc(2026, 1, 14, 12), utc(2026, 1, 14, 13)),
            (utc(2026, 1, 14, 9), utc(2026, 1, 14, 10)),
            (utc(2026, 1, 14, 9, 30), utc(2026, 1, 14, 11)),
            (utc(2026, 1, 14, 11), utc(2026, 1, 14, 11, 30)),
            (utc(2026, 1, 14, 12, 15), utc(2026, 1, 14, 12, 45)),
        )
    )
    assert merged == busy(
        (utc(2026, 1, 14, 9), utc(2026, 1, 14, 11, 30)),
        (utc(2026, 1, 14, 12), utc(2026, 1, 14, 13)),
    )


def test_merge_busy_drops_empty_intervals_and_converts_to_utc() -> None:
    berlin_ten = datetime.fromisoformat("2026-01-14T10:00:00+01:00")
    merged = merge_busy(
        [BusyInterval(berlin_ten, berlin_ten + HALF_HOUR), BusyInterval(berlin_ten, berlin_ten)]
    )
    assert merged == busy((utc(2026, 1, 14, 9), utc(2026, 1, 14, 9, 30)))
    assert merged[0].start.tzinfo is UTC


def test_merge_busy_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        merge_busy([BusyInterval(datetime(2026, 1, 14, 9), datetime(2026, 1, 14, 10))])


def test_is_free_allows_touching_ends_and_refuses_any_overlap() -> None:
    blocked = merge_busy(busy((utc(2026, 1, 14, 10), utc(2026, 1, 14, 11))))
    assert is_free(utc(2026, 1, 14, 9, 30), utc(2026, 1, 14, 10), blocked)
    assert is_free(utc(2026, 1, 14, 11), utc(2026, 1, 14, 11, 30), blocked)
    assert not is_free(utc(2026, 1, 14, 9, 45), utc(2026, 1, 14, 10, 15), blocked)
    assert not is_free(utc(2026, 1, 14, 10, 15), utc(2026, 1, 14, 10, 45), blocked)
    assert not is_free(utc(2026, 1, 14, 9), utc(2026, 1, 14, 12), blocked)
    assert is_free(utc(2026, 1, 14, 9), utc(2026, 1, 14, 12), [])


# --------------------------------------------------------------------------------------------
# Zones and DST: Berlin 09-17 with New York 09-17


def test_berlin_and_new_york_overlap_two_hours_in_winter() -> None:
    # CET (+1) and EST (-5): 15:00-17:00 Berlin is 14:00-16:00 UTC.
    assert slots_on(date(2026, 1, 14), (BERLIN, NEW_YORK)) == every_half_hour(
        utc(2026, 1, 14, 14), utc(2026, 1, 14, 15, 30)
    )


def test_berlin_and_new_york_overlap_three_hours_while_only_the_us_is_on_dst_in_march() -> None:
    # 2026-03-10: New York switched on 03-08 (EDT, -4), Berlin only on 03-29 (still CET, +1).
    assert slots_on(date(2026, 3, 10), (BERLIN, NEW_YORK)) == every_half_hour(
        utc(2026, 3, 10, 13), utc(2026, 3, 10, 15, 30)
    )


def test_berlin_and_new_york_overlap_three_hours_while_only_the_us_is_on_dst_in_october() -> None:
    # 2026-10-28: Berlin fell back on 10-25 (CET, +1), New York only on 11-01 (still EDT, -4).
    assert slots_on(date(2026, 10, 28), (BERLIN, NEW_YORK)) == every_half_hour(
        utc(2026, 10, 28, 13), utc(2026, 10, 28, 15, 30)
    )


def test_berlin_and_new_york_overlap_two_hours_in_summer() -> None:
    # CEST (+2) and EDT (-4): 15:00-17:00 Berlin is 13:00-15:00 UTC.
    assert slots_on(date(2026, 6, 10), (BERLIN, NEW_YORK)) == every_half_hour(
        utc(2026, 6, 10, 13), utc(2026, 6, 10, 14, 30)
    )


def test_berlin_and_kolkata_meet_in_the_berlin_morning() -> None:
    # IST (+5:30) 09-17 is 03:30-11:30 UTC; Berlin winter 08:00-16:00 UTC, summer 07:00-15:00.
    assert slots_on(date(2026, 1, 14), (BERLIN, KOLKATA)) == every_half_hour(
        utc(2026, 1, 14, 8), utc(2026, 1, 14, 11)
    )
    assert slots_on(date(2026, 6, 10), (BERLIN, KOLKATA)) == every_half_hour(
        utc(2026, 6, 10, 7), utc(2026, 6, 10, 11)
    )


def test_pair_without_common_working_hours_gets_no_proposal() -> None:
    # Berlin ends at 16:00 UTC in winter, Los Angeles starts at 17:00 UTC.
    assert slots_on(date(2026, 1, 14), (BERLIN, LOS_ANGELES)) == []
    assert slots_on(date(2026, 6, 10), (BERLIN, LOS_ANGELES)) == []


def test_grid_follows_the_organisers_wall_clock() -> None:
    hourly = ReschedulePolicy(proposals=3, min_notice_hours=0, step_minutes=60)
    found = find_slots(
        duration=HALF_HOUR,
        people=(KOLKATA, BERLIN),
        busy=[],
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 15),
        now=utc(2026, 1, 1),
        policy=hourly,
    )
    # On the hour in Kolkata (+5:30) is half past in UTC: 13:30 IST = 08:00 UTC is off-grid.
    assert found == [utc(2026, 1, 14, 8, 30), utc(2026, 1, 14, 9, 30), utc(2026, 1, 14, 10, 30)]


def test_slot_crossing_the_end_of_a_working_day_is_not_offered() -> None:
    hour = timedelta(hours=1)
    found = slots_on(date(2026, 1, 14), (BERLIN, NEW_YORK), duration=hour)
    # Overlap 14:00-16:00 UTC: the last hour-long slot starts at 15:00, not 15:30.
    assert found == every_half_hour(utc(2026, 1, 14, 14), utc(2026, 1, 14, 15))


def test_night_shift_runs_past_midnight_but_not_into_the_next_shift() -> None:
    nights = WorkingHours(days=((time(22), time(6)),) * 7)
    a = Person("a@example.com", "google", "UTC", nights)
    b = Person("b@example.com", "google", "UTC", nights)
    found = find_slots(
        duration=timedelta(hours=2),
        people=(a, b),
        busy=busy((utc(2026, 1, 14, 22), utc(2026, 1, 15, 5))),
        window_start=utc(2026, 1, 14, 12),
        window_end=utc(2026, 1, 15, 12),
        now=utc(2026, 1, 1),
        policy=EVERY_SLOT,
    )
    assert found == []  # 05:00-06:00 is free, but too short; 06:00 ends the shift


# --------------------------------------------------------------------------------------------
# Rules: notice, window, weekends, holidays, busy days


def test_without_a_preferred_time_the_earliest_slots_come_back() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=[],
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 21),
        now=utc(2026, 1, 14, 6),
        policy=THREE,
    )
    # now + 4 h = 10:00 UTC = 11:00 Berlin.
    assert found == [utc(2026, 1, 14, 10), utc(2026, 1, 14, 10, 15), utc(2026, 1, 14, 10, 30)]


def test_slots_stay_inside_the_window() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=[],
        window_start=utc(2026, 1, 14, 8, 5),
        window_end=utc(2026, 1, 14, 9),
        now=utc(2026, 1, 1),
        policy=ReschedulePolicy(proposals=10, min_notice_hours=0, step_minutes=15),
    )
    assert found == [utc(2026, 1, 14, 8, 15), utc(2026, 1, 14, 8, 30)]


def test_weekend_is_skipped() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=[],
        window_start=utc(2026, 1, 16, 15),  # Friday 16:00 Berlin
        window_end=utc(2026, 1, 20),
        now=utc(2026, 1, 1),
        policy=ReschedulePolicy(proposals=4, min_notice_hours=0, step_minutes=30),
    )
    assert found == [
        utc(2026, 1, 16, 15),
        utc(2026, 1, 16, 15, 30),
        utc(2026, 1, 19, 8),  # Monday 09:00 Berlin
        utc(2026, 1, 19, 8, 30),
    ]


def test_person_working_on_saturday_still_needs_the_other_to_work() -> None:
    six_days = WorkingHours(days=((time(9), time(17)),) * 6 + (None,))
    saturday_worker = Person("sam@example.com", "google", "Europe/Berlin", six_days)
    assert slots_on(date(2026, 1, 17), (saturday_worker, BERLIN)) == []
    assert slots_on(date(2026, 1, 17), (saturday_worker, saturday_worker)) != []


def test_holiday_is_skipped() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=[],
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 21),
        now=utc(2026, 1, 13),
        policy=THREE,
        holidays={date(2026, 1, 15)},
        preferred=utc(2026, 1, 13, 9),  # Tuesday 10:00 Berlin
    )
    assert found == [utc(2026, 1, 14, 9), utc(2026, 1, 16, 9), utc(2026, 1, 19, 9)]


def test_holiday_on_the_other_persons_local_date_counts_too() -> None:
    tokyo = Person(
        "taro@example.com", "google", "Asia/Tokyo", WorkingHours(days=((time(0), time(0)),) * 7)
    )
    # 2026-01-14 23:00 UTC is already 01-15 in Tokyo; 01-15 is Tokyo's holiday.
    found = find_slots(
        duration=HALF_HOUR,
        people=(Person("u@example.com", "google", "UTC", tokyo.working_hours), tokyo),
        busy=[],
        window_start=utc(2026, 1, 14, 14),
        window_end=utc(2026, 1, 15, 2),
        now=utc(2026, 1, 1),
        policy=EVERY_SLOT,
        holidays={date(2026, 1, 15)},
    )
    # Tokyo's 01-15 starts at 15:00 UTC on 01-14; UTC's 01-15 starts at 00:00: both blocked.
    assert found == [utc(2026, 1, 14, 14), utc(2026, 1, 14, 14, 30)]


def test_night_shift_hours_after_midnight_on_a_holiday_are_skipped() -> None:
    nights = WorkingHours(days=((time(22), time(6)),) * 7)
    a = Person("a@example.com", "google", "Europe/Berlin", nights)
    b = Person("b@example.com", "google", "Europe/Berlin", nights)
    found = find_slots(
        duration=timedelta(hours=1),
        people=(a, b),
        busy=[],
        window_start=utc(2026, 1, 13, 12),
        window_end=utc(2026, 1, 14, 12),
        now=utc(2026, 1, 1),
        policy=ReschedulePolicy(proposals=10, min_notice_hours=0, step_minutes=60),
        holidays={date(2026, 1, 14)},
    )
    # The shift of 01-13 runs 22:00-06:00 Berlin, but from midnight it is the holiday 01-14.
    assert found == [utc(2026, 1, 13, 21), utc(2026, 1, 13, 22)]


def test_fully_busy_day_is_skipped() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=busy((utc(2026, 1, 14, 7), utc(2026, 1, 14, 17))),
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 21),
        now=utc(2026, 1, 13),
        policy=THREE,
        preferred=utc(2026, 1, 13, 9),
    )
    assert found == [utc(2026, 1, 15, 9), utc(2026, 1, 16, 9), utc(2026, 1, 19, 9)]


def test_one_persons_busy_time_blocks_the_pair() -> None:
    # Anna's busy 09:00-10:00 UTC and Ben's 10:00-12:00 UTC leave 08:00-09:00 and 12:00-16:00.
    found = find_slots(
        duration=timedelta(hours=1),
        people=(BERLIN, BERLIN_TOO),
        busy=busy(
            (utc(2026, 1, 14, 9), utc(2026, 1, 14, 10)),
            (utc(2026, 1, 14, 10), utc(2026, 1, 14, 12)),
        ),
        window_start=utc(2026, 1, 14, 8),
        window_end=utc(2026, 1, 14, 13, 30),
        now=utc(2026, 1, 1),
        policy=EVERY_SLOT,
    )
    assert found == [utc(2026, 1, 14, 8), utc(2026, 1, 14, 12), utc(2026, 1, 14, 12, 30)]


# --------------------------------------------------------------------------------------------
# Preferring the original time of day


def test_declined_occurrence_gets_three_proposals_at_the_original_time_of_day() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, NEW_YORK),
        busy=[],
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 21),
        now=utc(2026, 1, 13, 16),
        policy=THREE,
        preferred=utc(2026, 1, 13, 15),  # Tuesday 16:00 Berlin
    )
    assert found == [utc(2026, 1, 14, 15), utc(2026, 1, 15, 15), utc(2026, 1, 16, 15)]


def test_busy_preferred_time_falls_back_to_the_nearest_slot_that_day() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=busy(
            (utc(2026, 1, 14, 9), utc(2026, 1, 14, 9, 30)),  # Wed 10:00-10:30 Berlin
            (utc(2026, 1, 15, 8, 30), utc(2026, 1, 15, 9, 50)),  # Thu 09:30-10:50 Berlin
        ),
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 17),
        now=utc(2026, 1, 13),
        policy=THREE,
        preferred=utc(2026, 1, 13, 9),
    )
    # Wed: 09:30 and 10:30 Berlin are both 30 min off: the earlier wins. Thu: 09:00 and 11:00
    # Berlin are both 60 min off: the earlier wins again. Fri: the exact time.
    assert found == [utc(2026, 1, 14, 8, 30), utc(2026, 1, 15, 8), utc(2026, 1, 16, 9)]


def test_fewer_free_days_than_proposals_fills_from_the_same_days_nearest_first() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=busy(
            (utc(2026, 1, 14, 12, 45), utc(2026, 1, 14, 13, 45)),  # Wed 13:45-14:45 Berlin
            (utc(2026, 1, 15, 9), utc(2026, 1, 15, 16)),  # Thu 10:00-17:00 Berlin
        ),
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 16),  # Wed and Thu only
        now=utc(2026, 1, 13),
        policy=ReschedulePolicy(proposals=5, min_notice_hours=0, step_minutes=15),
        preferred=utc(2026, 1, 13, 13),  # 14:00 Berlin
    )
    assert found == [
        utc(2026, 1, 14, 12),  # Wed, 60 min early: second of the fill
        utc(2026, 1, 14, 12, 15),  # Wed, 45 min early (tie with 13:45, earlier): Wed's pick
        utc(2026, 1, 14, 13, 45),  # Wed, 45 min late: first of the fill
        utc(2026, 1, 14, 14),  # Wed, 60 min late: ties with 12:00, so third
        utc(2026, 1, 15, 8, 30),  # Thu's pick: the last free start before the busy block
    ]


def test_preferred_time_of_day_is_the_organisers_wall_clock_across_dst() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(BERLIN, BERLIN_TOO),
        busy=[],
        window_start=utc(2026, 3, 26),
        window_end=utc(2026, 4, 1),
        now=utc(2026, 3, 25),
        policy=THREE,
        preferred=utc(2026, 3, 24, 9),  # 10:00 CET
    )
    # Thu, Fri still CET (09:00 UTC); the clocks change on Sunday 03-29: 10:00 CEST is 08:00 UTC.
    assert found == [utc(2026, 3, 26, 9), utc(2026, 3, 27, 9), utc(2026, 3, 30, 8)]


def test_preferred_time_off_the_grid_is_still_offered_exactly() -> None:
    found = find_slots(
        duration=HALF_HOUR,
        people=(NEW_YORK, BERLIN),
        busy=[],
        window_start=utc(2026, 1, 14),
        window_end=utc(2026, 1, 16),
        now=utc(2026, 1, 13),
        policy=ReschedulePolicy(proposals=2, min_notice_hours=0, step_minutes=30),
        preferred=utc(2026, 1, 13, 14, 10),  # 09:10 New York
    )
    assert found == [utc(2026, 1, 14, 14, 10), utc(2026, 1, 15, 14, 10)]


def test_organiser_zone_decides_which_day_a_slot_belongs_to() -> None:
    # Tokyo organiser, UTC partner, both working around the clock: Tokyo's 01-15 starts at 15:00
    # UTC, so the window holds two Tokyo days and each gives its slot nearest to 23:30 Tokyo.
    always = WorkingHours(days=((time(0), time(0)),) * 7)
    tokyo = Person("taro@example.com", "google", "Asia/Tokyo", always)
    london = Person("lucy@example.com", "google", "UTC", always)
    found = find_slots(
        duration=HALF_HOUR,
        people=(tokyo, london),
        busy=[],
        window_start=utc(2026, 1, 14, 12),
        window_end=utc(2026, 1, 14, 18),
        now=utc(2026, 1, 1),
        policy=ReschedulePolicy(proposals=2, min_notice_hours=0, step_minutes=30),
        preferred=utc(2026, 1, 13, 14, 30),  # 23:30 Tokyo
    )
    assert found == [utc(2026, 1, 14, 14, 30), utc(2026, 1, 14, 17, 30)]  # 23:30 and 02:30 Tokyo


# --------------------------------------------------------------------------------------------
# Caller errors


def test_no_proposals_wanted_gives_none() -> None:
    policy = ReschedulePolicy(proposals=0, min_notice_hours=0)
    assert (
        find_slots(
            duration=HALF_HOUR,
            people=(BERLIN,),
            busy=[],
            window_start=utc(2026, 1, 14),
            window_end=utc(2026, 1, 15),
            now=utc(2026, 1, 1),
            policy=policy,
        )
        == []
    )


@pytest.mark.parametrize(
    ("duration", "people", "start", "why"),
    [
        (HALF_HOUR, (), utc(2026, 1, 14), "at least one person"),
        (timedelta(0), (BERLIN,), utc(2026, 1, 14), "duration"),
        (HALF_HOUR, (BERLIN,), datetime(2026, 1, 14), "aware"),
    ],
)
def test_caller_mistakes_are_refused(
    duration: timedelta, people: tuple[Person, ...], start: datetime, why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        find_slots(
            duration=duration,
            people=people,
            busy=[],
            window_start=start,
            window_end=utc(2026, 1, 15),
            now=utc(2026, 1, 1),
            policy=THREE,
        )
