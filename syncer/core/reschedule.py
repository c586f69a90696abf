"""Reschedule proposals: times both people of a pair are free, for a cancelled or declined 1:1.

The search works on intervals, not on a minute-by-minute scan: each person's working time is a
list of UTC intervals (one per working day, read on their own wall clock), the intersection of
those is where a 1:1 could go at all, and busy time plus holidays are one merged, sorted list
that `is_free` answers with a bisect. Only the step grid inside the mutual working time is
tested, so the cost follows the hours the pair could meet, not the length of the window.

Wall-clock edges that fall into a DST gap or fold are read as Python reads them (PEP 495,
`fold=0`): a 02:30 start on a spring-forward night counts from the instant the zone's old
offset would have put 02:30. Real working hours rarely touch those hours; the rule is here so
the answer is defined, not because it is pretty.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import BusyInterval, Person, ReschedulePolicy

__all__ = ["find_slots", "is_free", "merge_busy"]

_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_DAY_MINUTES = 24 * 60
_DST_SLACK = 3 * 60  # minutes; more than any DST shift in the tz database

Span = tuple[datetime, datetime]  # [start, end) in UTC


def merge_busy(intervals: Iterable[BusyInterval]) -> list[BusyInterval]:
    """The union of `intervals`: sorted, non-overlapping, in UTC.

    Overlapping and touching intervals become one; empty or inverted ones are dropped (they
    block nothing). `is_free` relies on exactly this shape, so call it once and reuse the result.
    """
    spans = sorted(
        (_utc(b.start, "busy start"), _utc(b.end, "busy end")) for b in intervals if b.end > b.start
    )
    merged: list[BusyInterval] = []
    for start, end in spans:
        if merged and start <= merged[-1].end:
            if end > merged[-1].end:
                merged[-1] = BusyInterval(merged[-1].start, end)
        else:
            merged.append(BusyInterval(start, end))
    return merged


def is_free(start: datetime, end: datetime, busy: Sequence[BusyInterval]) -> bool:
    """True when [start, end) overlaps no interval of `busy` (touching ends are fine).

    `busy` must be what `merge_busy` returns (sorted, non-overlapping): then the only interval
    that can overlap is the last one starting before `end`, found in O(log n).
    """
    i = bisect_left(busy, end, key=lambda b: b.start)
    return i == 0 or busy[i - 1].end <= start


def find_slots(
    *,
    duration: timedelta,
    people: Sequence[Person],
    busy: Sequence[BusyInterval],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    policy: ReschedulePolicy,
    holidays: Collection[date] = (),
    preferred: datetime | None = None,
) -> list[datetime]:
    """Up to `policy.proposals` starts (UTC, chronological) of slots the pair could meet in.

    A slot [s, s + duration) is valid when:
      - s >= now + policy.min_notice_hours, and the whole slot lies in [window_start, window_end);
      - for every person it lies inside one working day of theirs: the day's hours on their own
        wall clock and local date, from `working_hours` (a day that is None is off, which is how
        weekends are skipped). A slot crossing the end of someone's working day is invalid, even
        when the next day starts right away. Hours whose end is not after their start run past
        midnight into the next day (22:00-06:00; 09:00-00:00 is "until midnight");
      - no local date it touches, in any person's zone, is in `holidays` (and a working day
        whose date is a holiday is off for that person);
      - it overlaps no interval of `busy` (touching ends are fine).

    Candidates are the instants whose wall clock in the organiser's zone (the FIRST person's)
    reads a multiple of `policy.step_minutes` after midnight (:00/:15/:30/:45 for 15), plus,
    when `preferred` is given, the original time of day itself on each day, so a 10:10 1:1 can
    be offered at 10:10 again.

    Which slots: without `preferred`, the earliest valid ones. With `preferred` (the original
    start), the organiser's local days are walked in order and each day contributes at most one
    slot, the one nearest to the original time of day on that day (the exact time when free;
    ties go to the earlier slot), until `proposals` slots are found. Only when the window has
    fewer days with a free slot than `proposals` are further slots added from those days, again
    nearest to the original time of day first. The result is always sorted by time.

    Callers decide the window (e.g. `policy.window_days` from the cancelled occurrence) and
    whether the cancelled occurrence itself counts as busy.
    """
    if not people:
        raise ValueError("find_slots needs at least one person")
    if duration <= timedelta(0):
        raise ValueError(f"slot duration must be positive, got {duration}")
    if policy.step_minutes <= 0:
        raise ValueError(f"step_minutes must be positive, got {policy.step_minutes}")
    earliest = max(
        _utc(window_start, "window_start"),
        _utc(now, "now") + timedelta(hours=policy.min_notice_hours),
    )
    latest = _utc(window_end, "window_end")
    if policy.proposals <= 0 or latest - earliest < duration:
        return []

    zones = [ZoneInfo(p.timezone) for p in people]
    days_off = frozenset(holidays)
    mutual = _working_spans(people[0], zones[0], earliest, latest, days_off)
    for person, zone in zip(people[1:], zones[1:], strict=True):
        mutual = _intersect(mutual, _working_spans(person, zone, earliest, latest, days_off))

    blocked = merge_busy(
        [*busy, *(span for zone in zones for span in _holiday_spans(zone, days_off))]
    )
    organiser = zones[0]
    time_of_day = None if preferred is None else _wall_time(_utc(preferred, "preferred"), organiser)

    free: set[datetime] = set()
    for span_start, span_end in mutual:
        first, last = max(span_start, earliest), min(span_end, latest) - duration
        if first > last:
            continue
        for start in _candidates(first, last, organiser, policy.step_minutes, time_of_day):
            if is_free(start, start + duration, blocked):
                free.add(start)

    ordered = sorted(free)
    if time_of_day is None:
        return ordered[: policy.proposals]
    return _prefer_time_of_day(ordered, policy.proposals, organiser, time_of_day)


# --------------------------------------------------------------------------------------------
# Working time, holidays and the candidate grid


def _working_spans(
    person: Person, zone: ZoneInfo, earliest: datetime, latest: datetime, holidays: frozenset[date]
) -> list[Span]:
    """One UTC span per working day of `person` that reaches into [earliest, latest).

    Days are walked on the person's own calendar, one day wider on each side, so a night shift
    that started the day before the window still counts.
    """
    spans: list[Span] = []
    day = earliest.astimezone(zone).date() - _DAY
    last_day = latest.astimezone(zone).date() + _DAY
    while day <= last_day:
        hours = person.working_hours.on(day)
        if hours is not None and day not in holidays:
            opens, closes = hours
            start = _instant(day, opens, zone)
            end = _instant(day if closes > opens else day + _DAY, closes, zone)
            if start < end and end > earliest and start < latest:
                spans.append((start, end))
        day += _DAY
    return spans


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Pairwise overlaps of two span lists, kept apart (never merged), sorted.

    Adjacent working days stay separate spans so no slot can straddle the end of a day.
    Lists are one span per day, so the quadratic walk is over a few dozen pairs at most.
    """
    out = {(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)}
    return sorted(out)


def _holiday_spans(zone: ZoneInfo, holidays: frozenset[date]) -> list[BusyInterval]:
    """Each holiday as the UTC span of that local date in `zone`: blocked like busy time."""
    return [
        BusyInterval(_instant(day, _MIDNIGHT, zone), _instant(day + _DAY, _MIDNIGHT, zone))
        for day in holidays
    ]


def _candidates(
    first: datetime, last: datetime, zone: ZoneInfo, step_minutes: int, time_of_day: time | None
) -> Iterator[datetime]:
    """Instants in [first, last] whose wall clock in `zone` reads a step mark or `time_of_day`.

    Only the marks near the span are converted (with a few hours' slack for a DST shift inside
    it), so a short overlap costs a handful of conversions, not a whole day's grid.
    """
    local_first, local_last = first.astimezone(zone), last.astimezone(zone)
    day = local_first.date()
    while day <= local_last.date():
        lowest = _minute_of_day(local_first) - _DST_SLACK if day == local_first.date() else 0
        highest = (
            _minute_of_day(local_last) + _DST_SLACK if day == local_last.date() else _DAY_MINUTES
        )
        first_mark = max(0, -(-lowest // step_minutes) * step_minutes)
        marks = [
            time(m // 60, m % 60)
            for m in range(first_mark, min(highest + 1, _DAY_MINUTES), step_minutes)
        ]
        if time_of_day is not None:
            marks.append(time_of_day)
        for mark in marks:
            for instant in _wall(day, mark, zone):
                if first <= instant <= last:
                    yield instant
        day += _DAY


# --------------------------------------------------------------------------------------------
# Ordering by the original time of day


def _prefer_time_of_day(
    free: Sequence[datetime], wanted: int, zone: ZoneInfo, time_of_day: time
) -> list[datetime]:
    """One slot per day nearest to `time_of_day`, earliest days first; then fill from those days."""
    by_day: dict[date, list[datetime]] = {}
    for start in free:
        by_day.setdefault(start.astimezone(zone).date(), []).append(start)

    def nearness(start: datetime) -> tuple[timedelta, datetime]:
        target = _instant(start.astimezone(zone).date(), time_of_day, zone)
        return abs(start - target), start

    ranked = [sorted(by_day[day], key=nearness) for day in sorted(by_day)]
    chosen = [slots[0] for slots in ranked[:wanted]]
    if len(chosen) < wanted:
        rest = sorted((s for slots in ranked for s in slots[1:]), key=nearness)
        chosen += rest[: wanted - len(chosen)]
    return sorted(chosen)


# --------------------------------------------------------------------------------------------
# Wall clock <-> UTC


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant `zone`'s wall clock calls `day` `at` (PEP 495 fold=0 in gaps and folds)."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


def _wall(day: date, at: time, zone: ZoneInfo) -> set[datetime]:
    """Every UTC instant whose wall clock in `zone` reads exactly `day` `at`: none in a DST gap,
    two in a fold, one otherwise."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    found: set[datetime] = set()
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            found.add(instant)
    return found


def _minute_of_day(local: datetime) -> int:
    return local.hour * 60 + local.minute


def _wall_time(instant: datetime, zone: ZoneInfo) -> time:
    return instant.astimezone(zone).time().replace(fold=0)
