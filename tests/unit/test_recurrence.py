"""core.recurrence: series -> occurrences in a window, exceptions applied, DST kept."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncer.core.model import (
    Attendance,
    Attendee,
    Occurrence,
    OccurrenceOverride,
    PatternedRecurrence,
    Recurrence,
    RRuleRecurrence,
    Series,
)
from syncer.core.recurrence import OCCURRENCE_COUNT_GUARD, _new_occurrence, expand

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ANA, BEN = "ana@example.com", "ben@example.com"


def series(
    recurrence: Recurrence | None,
    start: datetime,
    *,
    minutes: int = 30,
    overrides: tuple[OccurrenceOverride, ...] = (),
    **changes: object,
) -> Series:
    base = Series(
        uid="uid-1",
        calendar=ANA,
        provider="google",
        event_id="evt-1",
        title="Ana / Ben",
        organizer=ANA,
        attendees=(
            Attendee(ANA, "accepted", organizer=True),
            Attendee(BEN, "accepted"),
            Attendee("room-1@resource.calendar.google.com", "accepted", resource=True),
        ),
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone=str(start.tzinfo),
        recurrence=recurrence,
        overrides=overrides,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def rrule(*lines: str) -> RRuleRecurrence:
    return RRuleRecurrence(tuple(lines))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(occurrences: list[Occurrence], zone: ZoneInfo = BERLIN) -> list[datetime]:
    """Starts as naive wall-clock times in `zone`: what a person sees in their calendar."""
    return [o.start.astimezone(zone).replace(tzinfo=None) for o in occurrences]


YEAR_2024 = (utc(2024, 1, 1), utc(2025, 1, 1))


# --------------------------------------------------------------------------------------------
# Rules


def test_weekly_series_yields_one_occurrence_per_week_in_the_window() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), datetime(2024, 1, 8, 10, tzinfo=BERLIN))
    got = expand(s, utc(2024, 1, 1), utc(2024, 2, 1))
    assert local(got) == [datetime(2024, 1, d, 10) for d in (8, 15, 22, 29)]
    assert all(o.start == o.original_start and not o.moved and not o.cancelled for o in got)
    assert all(o.end - o.start == timedelta(minutes=30) for o in got)
    assert all(o.start.tzinfo is UTC and o.end.tzinfo is UTC for o in got)


def test_window_is_half_open_and_counts_from_original_start() -> None:
    s = series(rrule("RRULE:FREQ=DAILY"), datetime(2024, 1, 1, 9, tzinfo=UTC), timezone="UTC")
    got = expand(s, utc(2024, 1, 2, 9), utc(2024, 1, 4, 9))
    assert [o.start for o in got] == [utc(2024, 1, 2, 9), utc(2024, 1, 3, 9)]


def test_daily_with_interval_skips_days() -> None:
    s = series(rrule("RRULE:FREQ=DAILY;INTERVAL=3"), datetime(2024, 1, 1, 9, tzinfo=BERLIN))
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 12))
    assert [d.day for d in local(got)] == [1, 4, 7, 10]


def test_monthly_by_ordinal_weekday_lands_on_the_second_tuesday() -> None:
    s = series(rrule("RRULE:FREQ=MONTHLY;BYDAY=2TU"), datetime(2024, 1, 9, 14, tzinfo=BERLIN))
    got = expand(s, *YEAR_2024)
    assert len(got) == 12
    for start in local(got):
        assert start.weekday() == 1 and 8 <= start.day <= 14 and start.time() == time(14)


def test_monthly_by_month_day() -> None:
    s = series(rrule("RRULE:FREQ=MONTHLY;BYMONTHDAY=15"), datetime(2024, 1, 15, 9, tzinfo=BERLIN))
    assert {d.day for d in local(expand(s, *YEAR_2024))} == {15}


def test_count_limits_the_series() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;COUNT=3"), datetime(2024, 1, 1, 9, tzinfo=BERLIN))
    assert len(expand(s, *YEAR_2024)) == 3


def test_until_in_utc_is_inclusive_and_compared_as_an_instant() -> None:
    # 10:00 Berlin in April is 08:00Z: an UNTIL of exactly 08:00Z keeps that instance.
    s = series(
        rrule("RRULE:FREQ=WEEKLY;UNTIL=20240415T080000Z"), datetime(2024, 4, 1, 10, tzinfo=BERLIN)
    )
    assert [d.day for d in local(expand(s, *YEAR_2024))] == [1, 8, 15]
    s = series(
        rrule("RRULE:FREQ=WEEKLY;UNTIL=20240415T075959Z"), datetime(2024, 4, 1, 10, tzinfo=BERLIN)
    )
    assert [d.day for d in local(expand(s, *YEAR_2024))] == [1, 8]


def test_until_as_a_date_includes_that_whole_day() -> None:
    s = series(rrule("RRULE:FREQ=DAILY;UNTIL=20240103"), datetime(2024, 1, 1, 23, tzinfo=BERLIN))
    assert [d.day for d in local(expand(s, *YEAR_2024))] == [1, 2, 3]


def test_wkst_changes_which_weeks_an_every_other_week_rule_hits() -> None:
    # RFC 5545's own example: the WKST=SU variant hits different days than WKST=MO.
    start = datetime(1997, 8, 5, 9, tzinfo=NEW_YORK)
    window = (utc(1997, 8, 1), utc(1997, 9, 1))
    mo = series(rrule("RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"), start)
    su = series(rrule("RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"), start)
    assert [d.day for d in local(expand(mo, *window), NEW_YORK)] == [5, 10, 19, 24]
    assert [d.day for d in local(expand(su, *window), NEW_YORK)] == [5, 17, 19, 31]


def test_dtstart_off_the_rule_is_still_the_first_instance_and_counts() -> None:
    # Monday start, Tuesday rule: RFC 5545 makes DTSTART an instance and counts it.
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3"), datetime(2024, 1, 1, 9, tzinfo=BERLIN))
    assert [d.day for d in local(expand(s, *YEAR_2024))] == [1, 2, 9]


def test_non_recurring_series_yields_its_one_occurrence_when_in_the_window() -> None:
    s = series(None, datetime(2024, 5, 6, 10, tzinfo=BERLIN))
    assert local(expand(s, *YEAR_2024)) == [datetime(2024, 5, 6, 10)]
    assert expand(s, utc(2025, 1, 1), utc(2026, 1, 1)) == []


def test_cancelled_series_yields_nothing() -> None:
    s = series(rrule("RRULE:FREQ=DAILY"), datetime(2024, 1, 1, 9, tzinfo=BERLIN), cancelled=True)
    assert expand(s, *YEAR_2024) == []


def test_series_spanning_a_year_boundary() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=FR"), datetime(2023, 12, 1, 16, tzinfo=BERLIN))
    got = local(expand(s, utc(2023, 12, 20), utc(2024, 1, 10)))
    assert got == [datetime(2023, 12, 22, 16), datetime(2023, 12, 29, 16), datetime(2024, 1, 5, 16)]


def test_old_endless_series_expands_only_the_window() -> None:
    s = series(rrule("RRULE:FREQ=DAILY"), datetime(2000, 1, 1, 9, tzinfo=BERLIN))
    got = expand(s, utc(2030, 6, 1), utc(2030, 6, 8))
    assert local(got) == [datetime(2030, 6, d, 9) for d in range(1, 8)]


def test_endless_rule_is_capped_per_call() -> None:
    s = series(rrule("RRULE:FREQ=HOURLY"), datetime(2024, 1, 1, 0, tzinfo=UTC), timezone="UTC")
    got = expand(s, utc(2024, 1, 1), utc(2030, 1, 1))
    assert len(got) == OCCURRENCE_COUNT_GUARD
    assert got[0].start == utc(2024, 1, 1) and got[-1].start == utc(2024, 1, 1) + timedelta(
        hours=OCCURRENCE_COUNT_GUARD - 1
    )
    assert len(expand(s, utc(2024, 1, 1), utc(2030, 1, 1), limit=10)) == 10


def test_impossible_rule_leaves_only_dtstart() -> None:
    s = series(rrule("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), WEEKLY_MONDAY)
    assert local(expand(s, *YEAR_2024)) == [datetime(2024, 1, 8, 10)]


def test_daily_rule_filtered_by_month_skips_other_months_across_years() -> None:
    s = series(
        rrule("RRULE:FREQ=DAILY;INTERVAL=10;BYMONTH=1"), datetime(2020, 1, 1, 9, tzinfo=BERLIN)
    )
    got = local(expand(s, utc(2023, 12, 1), utc(2024, 3, 1)))
    # 2020-01-01 + 10k days; only those falling in January are kept.
    assert got == [datetime(2024, 1, d, 9) for d in (10, 20, 30)]


def test_malformed_rule_raises_value_error() -> None:
    start = datetime(2024, 1, 1, 9, tzinfo=BERLIN)
    for lines in (("RRULE:FREQ=SOMETIMES",), ("RRULE:INTERVAL=2",), ("EXDATE:2024-01-01",)):
        with pytest.raises(ValueError):
            expand(series(rrule(*lines), start), *YEAR_2024)


def test_naive_window_is_refused() -> None:
    s = series(None, datetime(2024, 5, 6, 10, tzinfo=BERLIN))
    with pytest.raises(ValueError):
        expand(s, datetime(2024, 1, 1), datetime(2025, 1, 1))


# --------------------------------------------------------------------------------------------
# EXDATE and RDATE

WEEKLY_MONDAY = datetime(2024, 1, 8, 10, tzinfo=BERLIN)


def test_exdate_with_tzid_comes_back_as_a_cancelled_occurrence() -> None:
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20240115T100000"),
        WEEKLY_MONDAY,
    )
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 30))
    assert [(d.day, o.cancelled) for d, o in zip(local(got), got, strict=True)] == [
        (8, False),
        (15, True),
        (22, False),
        (29, False),
    ]


def test_exdate_in_utc_form_and_several_values_per_line() -> None:
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20240115T090000Z,20240122T090000Z"),
        WEEKLY_MONDAY,
    )
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 30))
    assert [o.cancelled for o in got] == [False, True, True, False]


def test_exdate_as_a_date_cancels_that_day() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;VALUE=DATE:20240115"), WEEKLY_MONDAY)
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 30))
    assert [o.cancelled for o in got] == [False, True, False, False]


def test_exdate_with_quoted_tzid_in_another_zone() -> None:
    # 04:00 in New York on 15 Jan is 10:00 in Berlin: the same instant.
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", 'EXDATE;TZID="America/New_York":20240115T040000'),
        WEEKLY_MONDAY,
    )
    assert [o.cancelled for o in expand(s, utc(2024, 1, 14), utc(2024, 1, 16))] == [True]


def test_exdate_that_the_rule_never_produced_is_ignored() -> None:
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20240116T100000"),
        WEEKLY_MONDAY,
    )
    assert not any(o.cancelled for o in expand(s, utc(2024, 1, 1), utc(2024, 1, 30)))


def test_rdate_adds_an_instance() -> None:
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "RDATE;TZID=Europe/Berlin:20240117T150000"),
        WEEKLY_MONDAY,
    )
    got = local(expand(s, utc(2024, 1, 14), utc(2024, 1, 20)))
    assert got == [datetime(2024, 1, 15, 10), datetime(2024, 1, 17, 15)]


def test_rdate_as_a_period_uses_its_start() -> None:
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "RDATE;VALUE=PERIOD:20240117T140000Z/PT1H"),
        WEEKLY_MONDAY,
    )
    got = local(expand(s, utc(2024, 1, 16), utc(2024, 1, 20)))
    assert got == [datetime(2024, 1, 17, 15)]


# --------------------------------------------------------------------------------------------
# Overrides


def test_cancelled_override_makes_a_cancelled_occurrence() -> None:
    cancelled = OccurrenceOverride(utc(2024, 1, 15, 9), cancelled=True, event_id="evt-1_0115")
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(cancelled,))
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 30))
    assert [o.cancelled for o in got] == [False, True, False, False]
    assert got[1].event_id == "evt-1_0115" and not got[1].moved


def test_moved_override_keeps_its_original_start_and_sorts_by_new_start() -> None:
    moved = OccurrenceOverride(
        utc(2024, 1, 15, 9), start=utc(2024, 1, 24, 13), end=utc(2024, 1, 24, 14)
    )
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(moved,))
    got = expand(s, utc(2024, 1, 1), utc(2024, 1, 30))
    assert [(o.original_start, o.start, o.moved) for o in got] == [
        (utc(2024, 1, 8, 9), utc(2024, 1, 8, 9), False),
        (utc(2024, 1, 22, 9), utc(2024, 1, 22, 9), False),
        (utc(2024, 1, 15, 9), utc(2024, 1, 24, 13), True),
        (utc(2024, 1, 29, 9), utc(2024, 1, 29, 9), False),
    ]
    assert got[2].end == utc(2024, 1, 24, 14)


def test_moved_override_without_end_keeps_the_series_length() -> None:
    moved = OccurrenceOverride(utc(2024, 1, 15, 9), start=utc(2024, 1, 15, 12))
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(moved,))
    (got,) = expand(s, utc(2024, 1, 15), utc(2024, 1, 16))
    assert got.end - got.start == timedelta(minutes=30) and got.moved


def test_occurrence_moved_into_the_window_is_included() -> None:
    moved = OccurrenceOverride(utc(2024, 1, 15, 9), start=utc(2024, 1, 31, 9))
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(moved,))
    (got,) = expand(s, utc(2024, 1, 30), utc(2024, 2, 2))
    assert got.original_start == utc(2024, 1, 15, 9) and got.start == utc(2024, 1, 31, 9)


def test_occurrence_moved_out_of_the_window_is_still_included_by_its_original_start() -> None:
    moved = OccurrenceOverride(utc(2024, 1, 15, 9), start=utc(2024, 3, 1, 9))
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(moved,))
    (got,) = expand(s, utc(2024, 1, 14), utc(2024, 1, 16))
    assert got.start == utc(2024, 3, 1, 9) and got.moved


def test_changed_attendees_apply_to_that_occurrence_only_and_rooms_are_left_out() -> None:
    declined = OccurrenceOverride(
        utc(2024, 1, 15, 9),
        attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined")),
    )
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(declined,))
    got = expand(s, utc(2024, 1, 8), utc(2024, 1, 23))
    assert [o.response_of(BEN) for o in got] == ["accepted", "declined", "accepted"]
    assert got[0].attendance == (Attendance(ANA, "accepted"), Attendance(BEN, "accepted"))
    assert not got[1].moved and not got[1].cancelled


def test_override_matching_no_rule_instance_is_honoured_not_lost() -> None:
    # The rule says Mondays; an exception for a Wednesday slot (rule edited since, or an RDATE).
    stray = OccurrenceOverride(utc(2024, 1, 17, 9), cancelled=True)
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(stray,))
    got = expand(s, utc(2024, 1, 14), utc(2024, 1, 20))
    assert [(o.original_start, o.cancelled) for o in got] == [
        (utc(2024, 1, 15, 9), False),
        (utc(2024, 1, 17, 9), True),
    ]


def test_override_of_an_exdated_instance_wins() -> None:
    back = OccurrenceOverride(utc(2024, 1, 15, 9), start=utc(2024, 1, 15, 11))
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20240115T090000Z"),
        WEEKLY_MONDAY,
        overrides=(back,),
    )
    (got,) = expand(s, utc(2024, 1, 14), utc(2024, 1, 16))
    assert not got.cancelled and got.moved


def test_override_keyed_in_another_zone_matches_the_same_instant() -> None:
    same = OccurrenceOverride(datetime(2024, 1, 15, 10, tzinfo=BERLIN), cancelled=True)
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), WEEKLY_MONDAY, overrides=(same,))
    got = expand(s, utc(2024, 1, 14), utc(2024, 1, 16))
    assert [(o.original_start, o.cancelled) for o in got] == [(utc(2024, 1, 15, 9), True)]


# --------------------------------------------------------------------------------------------
# DST and all-day


def test_berlin_weekly_meeting_stays_at_ten_local_across_both_dst_changes() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), datetime(2024, 3, 18, 10, tzinfo=BERLIN))
    got = expand(s, utc(2024, 3, 17), utc(2024, 11, 5))
    assert {start.time() for start in local(got)} == {time(10)}
    by_day = {o.start.astimezone(BERLIN).date(): o.start for o in got}
    assert by_day[date(2024, 3, 25)] == utc(2024, 3, 25, 9)  # CET
    assert by_day[date(2024, 4, 1)] == utc(2024, 4, 1, 8)  # CEST after 31 March
    assert by_day[date(2024, 10, 21)] == utc(2024, 10, 21, 8)  # still CEST
    assert by_day[date(2024, 10, 28)] == utc(2024, 10, 28, 9)  # CET after 27 October


def test_new_york_weekly_meeting_stays_at_nine_local_across_both_dst_changes() -> None:
    s = series(rrule("RRULE:FREQ=WEEKLY;BYDAY=FR"), datetime(2024, 3, 1, 9, tzinfo=NEW_YORK))
    got = expand(s, utc(2024, 3, 1), utc(2024, 11, 16))
    assert {start.time() for start in local(got, NEW_YORK)} == {time(9)}
    by_day = {o.start.astimezone(NEW_YORK).date(): o.start for o in got}
    assert by_day[date(2024, 3, 8)] == utc(2024, 3, 8, 14)  # EST
    assert by_day[date(2024, 3, 15)] == utc(2024, 3, 15, 13)  # EDT after 10 March
    assert by_day[date(2024, 11, 1)] == utc(2024, 11, 1, 13)  # EDT
    assert by_day[date(2024, 11, 8)] == utc(2024, 11, 8, 14)  # EST after 3 November


def test_wall_time_in_the_spring_gap_is_read_with_the_offset_before_it() -> None:
    # 02:30 does not exist in Berlin on 31 March 2024: RFC 5545 reads it as 03:30 CEST.
    s = series(rrule("RRULE:FREQ=DAILY"), datetime(2024, 3, 30, 2, 30, tzinfo=BERLIN))
    got = expand(s, utc(2024, 3, 29), utc(2024, 4, 2))
    assert [o.start for o in got] == [
        utc(2024, 3, 30, 1, 30),
        utc(2024, 3, 31, 1, 30),
        utc(2024, 4, 1, 0, 30),
    ]


def test_all_day_series_expands_to_local_midnights_of_one_day_each() -> None:
    start = datetime(2024, 3, 25, tzinfo=BERLIN)
    s = series(
        rrule("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20240415"),
        start,
        all_day=True,
        end=start + timedelta(days=1),
    )
    got = expand(s, *YEAR_2024)
    assert local(got) == [
        datetime(2024, 3, 25),
        datetime(2024, 4, 1),
        datetime(2024, 4, 8),
        datetime(2024, 4, 15),
    ]
    assert all(o.end.astimezone(BERLIN).time() == time(0) for o in got)
    assert got[0].end - got[0].start == timedelta(days=1)


def test_all_day_series_over_the_dst_night_spans_its_wall_clock_day() -> None:
    start = datetime(2024, 3, 31, tzinfo=BERLIN)
    s = series(None, start, all_day=True, end=start + timedelta(days=1))
    (got,) = expand(s, *YEAR_2024)
    assert got.end.astimezone(BERLIN) == datetime(2024, 4, 1, tzinfo=BERLIN)
    assert got.end - got.start == timedelta(hours=23)


# --------------------------------------------------------------------------------------------
# Graph patternedRecurrence


def graph(type_: str, start: datetime, **fields: object) -> Series:
    pattern = PatternedRecurrence(type=type_, **fields)  # type: ignore[arg-type]
    return series(pattern, start, provider="microsoft")


def test_graph_weekly_on_two_days_every_other_week() -> None:
    s = graph(
        "weekly",
        datetime(2024, 1, 1, 9, tzinfo=BERLIN),
        interval=2,
        days_of_week=("monday", "thursday"),
        first_day_of_week="monday",
        start_date=date(2024, 1, 1),
    )
    got = local(expand(s, utc(2024, 1, 1), utc(2024, 2, 1)))
    assert [d.day for d in got] == [1, 4, 15, 18, 29]


def test_graph_relative_monthly_second_tuesday_numbered() -> None:
    s = graph(
        "relativeMonthly",
        datetime(2024, 1, 9, 10, tzinfo=BERLIN),
        days_of_week=("tuesday",),
        index="second",
        range_type="numbered",
        number_of_occurrences=3,
        start_date=date(2024, 1, 1),
    )
    got = local(expand(s, *YEAR_2024))
    assert got == [datetime(2024, 1, 9, 10), datetime(2024, 2, 13, 10), datetime(2024, 3, 12, 10)]


def test_graph_relative_monthly_last_friday_with_end_date_inclusive() -> None:
    s = graph(
        "relativeMonthly",
        datetime(2024, 1, 26, 16, tzinfo=BERLIN),
        days_of_week=("friday",),
        index="last",
        range_type="endDate",
        start_date=date(2024, 1, 26),
        end_date=date(2024, 4, 26),
    )
    got = local(expand(s, *YEAR_2024))
    assert [d.date() for d in got] == [
        date(2024, 1, 26),
        date(2024, 2, 23),
        date(2024, 3, 29),
        date(2024, 4, 26),
    ]


def test_graph_absolute_monthly_on_the_31st_falls_on_the_last_day_of_short_months() -> None:
    s = graph(
        "absoluteMonthly",
        datetime(2024, 1, 31, 9, tzinfo=BERLIN),
        day_of_month=31,
        start_date=date(2024, 1, 31),
    )
    got = local(expand(s, utc(2024, 1, 1), utc(2024, 5, 1)))
    assert [d.date() for d in got] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]


def test_graph_absolute_yearly_and_relative_yearly() -> None:
    yearly = graph(
        "absoluteYearly",
        datetime(2024, 6, 3, 9, tzinfo=BERLIN),
        month=6,
        day_of_month=3,
        start_date=date(2024, 6, 3),
    )
    got = local(expand(yearly, utc(2024, 1, 1), utc(2027, 1, 1)))
    assert [d.date() for d in got] == [date(2024, 6, 3), date(2025, 6, 3), date(2026, 6, 3)]
    first_monday_of_june = graph(
        "relativeYearly",
        datetime(2024, 6, 3, 9, tzinfo=BERLIN),
        month=6,
        days_of_week=("monday",),
        index="first",
        start_date=date(2024, 6, 1),
    )
    got = local(expand(first_monday_of_june, utc(2024, 1, 1), utc(2027, 1, 1)))
    assert [d.date() for d in got] == [date(2024, 6, 3), date(2025, 6, 2), date(2026, 6, 1)]


def test_graph_daily_no_end_and_start_date_before_the_first_match() -> None:
    s = graph(
        "daily",
        datetime(2024, 1, 3, 9, tzinfo=BERLIN),
        interval=2,
        start_date=date(2024, 1, 3),
    )
    got = local(expand(s, utc(2030, 1, 1), utc(2030, 1, 8)))
    assert len(got) in (3, 4) and {d.time() for d in got} == {time(9)}


def test_graph_pattern_time_comes_from_the_recurrence_time_zone() -> None:
    # The master's start is 16:00 in New York; the recurrence runs on New York's clock.
    start = datetime(2024, 3, 4, 16, tzinfo=NEW_YORK).astimezone(BERLIN)
    pattern = PatternedRecurrence(
        type="weekly",
        days_of_week=("monday",),
        start_date=date(2024, 3, 4),
        recurrence_time_zone="Eastern Standard Time",
    )
    s = series(pattern, start)
    got = local(expand(s, utc(2024, 3, 1), utc(2024, 3, 20)), NEW_YORK)
    assert got == [datetime(2024, 3, 4, 16), datetime(2024, 3, 11, 16), datetime(2024, 3, 18, 16)]


def test_graph_malformed_ranges_raise_value_error() -> None:
    start = datetime(2024, 1, 1, 9, tzinfo=BERLIN)
    for fields in (
        {"range_type": "numbered"},
        {"range_type": "endDate"},
        {"days_of_week": ("funday",)},
        {"interval": 0},
    ):
        with pytest.raises(ValueError):
            expand(graph("weekly", start, **fields), *YEAR_2024)


# --------------------------------------------------------------------------------------------
# The hot-path constructor


def test_fast_occurrence_constructor_builds_the_same_value() -> None:
    args = ("u", utc(2024, 1, 1), utc(2024, 1, 2), utc(2024, 1, 3), True, True, (), "e")
    fast, slow = _new_occurrence(*args), Occurrence(*args)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.start = utc(2025, 1, 1)  # type: ignore[misc]
