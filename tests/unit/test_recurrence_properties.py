"""Properties of core.recurrence against an independent oracle and against itself.

The oracle is recurring_ical_events (icalendar's expansion library): given a VEVENT with the
same DTSTART;TZID and RRULE it must find the same starts in the same window. Starts are drawn
near DST transitions on purpose (gaps, repeated hours, half-hour and southern-hemisphere DST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from syncer.core.model import (
    Attendee,
    OccurrenceOverride,
    PatternedRecurrence,
    Recurrence,
    RRuleRecurrence,
    Series,
)
from syncer.core.recurrence import expand

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
)
# DST changes in 2018-2025 for the zones above (Sao Paulo still had DST in 2018).
TRANSITIONS = (
    date(2018, 11, 4),
    date(2019, 2, 17),
    date(2024, 3, 10),
    date(2024, 3, 31),
    date(2024, 4, 7),
    date(2024, 10, 6),
    date(2024, 10, 27),
    date(2024, 11, 3),
    date(2025, 3, 30),
)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GRAPH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def wall_starts(draw: st.DrawFn) -> datetime:
    """A naive wall-clock DTSTART, often within days of a DST change, at awkward hours."""
    near = draw(st.booleans())
    if near:
        day = draw(st.sampled_from(TRANSITIONS)) + timedelta(days=draw(st.integers(-8, 8)))
    else:
        day = draw(st.dates(date(2023, 1, 1), date(2025, 12, 31)))
    hour = draw(st.sampled_from((0, 1, 2, 3, 9, 10, 12, 17, 23)))
    minute = draw(st.sampled_from((0, 15, 30, 45)))
    return datetime(day.year, day.month, day.day, hour, minute)


def one_series(recurrence: Recurrence, start: datetime, zone: str, **changes: object) -> Series:
    aware = start.replace(tzinfo=ZoneInfo(zone))
    return Series(
        uid="uid-p",
        calendar="ana@example.com",
        provider="google",
        event_id="evt-p",
        title="Ana / Ben",
        organizer="ana@example.com",
        attendees=(Attendee("ana@example.com", "accepted"), Attendee("ben@example.com")),
        start=aware,
        end=aware + timedelta(minutes=30),
        timezone=zone,
        recurrence=recurrence,
        **changes,  # type: ignore[arg-type]
    )


@st.composite
def rrule_cases(draw: st.DrawFn) -> tuple[str, datetime, str, datetime, datetime]:
    """(RRULE value, wall DTSTART, zone, window start, window end)."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(wall_starts())
    freq = draw(st.sampled_from(("DAILY", "WEEKLY", "MONTHLY")))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    end = draw(st.sampled_from(("none", "count", "until")))
    # With COUNT the rule must produce DTSTART itself: the oracle counts an off-rule DTSTART
    # as an extra instance where RFC 5545 (and expand) counts it as the first.
    synced = end == "count" or draw(st.booleans())
    own_day = DAYS[start.weekday()]
    byday = draw(st.sampled_from(("none", "days", "ordinal" if freq == "MONTHLY" else "days")))
    if byday == "days":
        days = set(draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3)))
        if synced:
            days.add(own_day)
        parts.append("BYDAY=" + ",".join(sorted(days, key=DAYS.index)))
    elif byday == "ordinal":
        nth = (start.day - 1) // 7 + 1
        parts.append(f"BYDAY={nth if synced or draw(st.booleans()) else -1}{own_day}")
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("WKST=" + draw(st.sampled_from(DAYS)))
    if freq != "MONTHLY" and draw(st.integers(0, 3)) == 0:  # a filter pinned to dates
        months = set(draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)))
        if synced:
            months.add(start.month)
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    first_utc = start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 30))}")
    elif end == "until":
        until = first_utc + timedelta(days=draw(st.integers(0, 200)))
        until += timedelta(hours=draw(st.sampled_from((-1, 0, 0, 1))))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    window_start = first_utc + timedelta(days=draw(st.integers(-20, 250)))
    window_start += timedelta(hours=draw(st.integers(-12, 12)))
    window_end = window_start + timedelta(days=draw(st.integers(1, 120)))
    return ";".join(parts), start, zone, window_start, window_end


def oracle_starts(
    rule: str, start: datetime, zone: str, window_start: datetime, window_end: datetime
) -> list[datetime]:
    dtstart = (
        f"DTSTART:{start:%Y%m%dT%H%M%S}Z"
        if zone == "UTC"
        else f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}"
    )
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//syncer tests//EN",
            "BEGIN:VEVENT",
            "UID:oracle@syncer",
            dtstart,
            "DURATION:PT30M",
            f"RRULE:{rule}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    calendar = icalendar.Calendar.from_ical(ics)
    found = recurring_ical_events.of(calendar).between(window_start, window_end)
    starts = {event["DTSTART"].dt.astimezone(UTC) for event in found}
    return sorted(s for s in starts if window_start <= s < window_end)


@SETTINGS
@given(rrule_cases())
def test_rrule_expansion_agrees_with_recurring_ical_events(
    case: tuple[str, datetime, str, datetime, datetime],
) -> None:
    rule, start, zone, window_start, window_end = case
    s = one_series(RRuleRecurrence((f"RRULE:{rule}",)), start, zone)
    ours = [o.start for o in expand(s, window_start, window_end)]
    assert ours == oracle_starts(rule, start, zone, window_start, window_end)


@st.composite
def weekly_pattern_cases(draw: st.DrawFn) -> tuple[Series, Series, datetime, datetime]:
    """The same weekly meeting as Graph describes it and as the equivalent RRULE."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(wall_starts())
    interval = draw(st.integers(1, 3))
    days = set(draw(st.lists(st.integers(0, 6), min_size=0, max_size=3))) | {start.weekday()}
    first_day = draw(st.integers(0, 6))
    range_type = draw(st.sampled_from(("noEnd", "numbered", "endDate")))
    count = draw(st.integers(1, 40))
    end_date = start.date() + timedelta(days=draw(st.integers(0, 300)))
    pattern = PatternedRecurrence(
        type="weekly",
        interval=interval,
        days_of_week=tuple(GRAPH_DAYS[d] for d in sorted(days)),
        first_day_of_week=GRAPH_DAYS[first_day],
        range_type=range_type,
        start_date=start.date(),
        end_date=end_date,
        number_of_occurrences=count,
    )
    parts = [
        "FREQ=WEEKLY",
        f"INTERVAL={interval}",
        "BYDAY=" + ",".join(DAYS[d] for d in sorted(days)),
        f"WKST={DAYS[first_day]}",
    ]
    if range_type == "numbered":
        parts.append(f"COUNT={count}")
    elif range_type == "endDate":
        last = datetime.combine(end_date, datetime.max.time()).replace(microsecond=0)
        until = last.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    rrule = RRuleRecurrence(("RRULE:" + ";".join(parts),))
    first_utc = start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    window_start = first_utc + timedelta(days=draw(st.integers(-10, 300)))
    window_end = window_start + timedelta(days=draw(st.integers(1, 150)))
    graph = one_series(pattern, start, zone)
    return graph, one_series(rrule, start, zone), window_start, window_end


@SETTINGS
@given(weekly_pattern_cases())
def test_graph_weekly_pattern_matches_the_equivalent_rrule(
    case: tuple[Series, Series, datetime, datetime],
) -> None:
    graph, rrule, window_start, window_end = case
    assert expand(graph, window_start, window_end) == expand(rrule, window_start, window_end)


@settings(max_examples=100, deadline=None)
@given(rrule_cases(), st.integers(1, 119), st.data())
def test_splitting_the_window_splits_the_occurrences_and_overrides_are_never_lost(
    case: tuple[str, datetime, str, datetime, datetime], cut_days: int, data: st.DataObject
) -> None:
    rule, start, zone, window_start, window_end = case
    plain = one_series(RRuleRecurrence((f"RRULE:{rule}",)), start, zone)
    whole = expand(plain, window_start, window_end)
    assume(whole)
    # Cancel or move some of the occurrences; each must come back exactly once.
    picked = data.draw(st.lists(st.sampled_from(whole), max_size=4, unique=True))
    overrides = tuple(
        OccurrenceOverride(o.original_start, cancelled=True)
        if i % 2 == 0
        else OccurrenceOverride(o.original_start, start=o.start + timedelta(hours=5))
        for i, o in enumerate(picked)
    )
    s = one_series(RRuleRecurrence((f"RRULE:{rule}",)), start, zone, overrides=overrides)
    whole = expand(s, window_start, window_end)
    originals = [o.original_start for o in whole]
    assert len(originals) == len(set(originals))
    assert {o.original_start for o in picked} <= set(originals)
    assert whole == sorted(whole, key=lambda o: (o.start, o.original_start))
    for o in whole:
        assert window_start <= o.original_start < window_end or window_start <= o.start < window_end
    cut = min(window_start + timedelta(days=cut_days), window_end)
    halves = expand(plain, window_start, cut) + expand(plain, cut, window_end)
    assert [o.start for o in halves] == [o.start for o in expand(plain, window_start, window_end)]
