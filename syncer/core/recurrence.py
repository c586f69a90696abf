"""Recurring series -> the occurrences that fall in a window, exceptions applied.

Both providers describe a series as a rule plus exceptions: Google as RFC 5545 lines (RRULE,
EXDATE, RDATE), Graph as a patternedRecurrence. Either way the rule runs on the wall clock of
the series' zone (a 10:00 meeting stays at 10:00 across DST), and each instance is then turned
into a UTC instant. The rule arithmetic is dateutil's; this module only translates into it and
applies what people did to single instances (cancelled, moved, answered differently).

Conventions a caller must know:
- Every datetime out is UTC-aware. `original_start` is the slot the rule produced (the key of
  an `OccurrenceOverride`); `start` is where the instance is now.
- A wall-clock time that does not exist (inside a spring-forward gap) is read with the offset
  before the gap, and an ambiguous one (fall-back) as its first occurrence: RFC 5545's reading.
- For RRULE lines DTSTART is always the first instance, even when the rule would not produce
  it, and it counts towards COUNT (RFC 5545 3.3.10). A DATE-valued UNTIL includes that whole
  day in the series' zone. Graph patterns start at the first matching day on or after
  `startDate` instead, as Graph does.
- An all-day series has its `original_start` at midnight in the series' zone; overrides of
  all-day instances must use the same instant.
- Malformed rules raise ValueError; the provider turns that into a skipped malformed item.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from syncer.core.model import (
    Attendance,
    Attendee,
    Occurrence,
    OccurrenceOverride,
    PatternedRecurrence,
    RRuleRecurrence,
    Series,
)
from syncer.core.schedule import compile_lines, compile_pattern, instances, to_utc, wall
from syncer.core.zones import resolve_zone

__all__ = ["OCCURRENCE_COUNT_GUARD", "expand", "occurrence_count_guard"]

OCCURRENCE_COUNT_GUARD = 5_000
"""At most this many occurrences per `expand` call: a daily rule over a decade-wide window
must not blow memory. The earliest ones are kept."""
occurrence_count_guard = OCCURRENCE_COUNT_GUARD

# --------------------------------------------------------------------------------------------
# Public API


def expand(
    series: Series,
    window_start: datetime,
    window_end: datetime,
    *,
    limit: int = OCCURRENCE_COUNT_GUARD,
) -> list[Occurrence]:
    """Every occurrence whose original or current start lies in [window_start, window_end).

    Sorted by (start, original_start). A cancelled series yields nothing (the caller treats
    the whole series as ended). EXDATE'd instances come back with cancelled=True: the rule
    expected them and someone removed them. An override whose original start matches no rule
    instance (an RDATE, a rule edited since) is still honoured as an extra instance.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window must be given as aware datetimes")
    if series.start.tzinfo is None:
        raise ValueError(f"series {series.uid!r} has a naive start")
    if series.cancelled or window_end <= window_start:
        return []
    ws, we = window_start.astimezone(UTC), window_end.astimezone(UTC)
    zone = resolve_zone(series.timezone)

    slots = _rule_slots(series, zone, ws, we, limit)
    overrides = {o.original_start.astimezone(UTC): o for o in series.overrides}
    for original, o in overrides.items():
        if original in slots:
            continue
        moved_in = o.start is not None and ws <= o.start < we
        if ws <= original < we or moved_in:
            slots[original] = False

    attendance = _attendance(series.attendees)
    end_of = _end_rule(series, zone)
    uid, make = series.uid, _new_occurrence
    out = [
        make(uid, t, t, end_of(t), slots[t], False, attendance, None)
        if t not in overrides
        else _overridden(uid, t, overrides[t], end_of, attendance)
        for t in sorted(slots)
    ]
    if overrides:  # a moved instance may now sort elsewhere
        out.sort(key=_order)
    return out[:limit]


def _rule_slots(
    series: Series, zone: ZoneInfo, ws: datetime, we: datetime, limit: int
) -> dict[datetime, bool]:
    """UTC original starts in [ws, we) -> whether an EXDATE removed them."""
    rec = series.recurrence
    if rec is None:
        first = series.start.astimezone(UTC)
        return {first: False} if ws <= first < we else {}
    if isinstance(rec, RRuleRecurrence):
        schedule = compile_lines(rec.lines, wall(series.start, zone), series.timezone)
    elif isinstance(rec, PatternedRecurrence):
        if rec.recurrence_time_zone:
            zone = resolve_zone(rec.recurrence_time_zone)
        local = wall(series.start, zone)
        dtstart = datetime.combine(rec.start_date or local.date(), local.time())
        schedule = compile_pattern(rec, dtstart, zone.key)
    else:  # pragma: no cover - the model's union is closed
        raise TypeError(f"unknown recurrence {type(rec).__name__}")
    return instances(schedule, zone, ws, we, limit)


# --------------------------------------------------------------------------------------------
# Occurrences: ends, overrides, attendance


def _overridden(
    uid: str,
    original: datetime,
    o: OccurrenceOverride,
    end_of: Callable[[datetime], datetime],
    attendance: tuple[Attendance, ...],
) -> Occurrence:
    start = original if o.start is None else o.start.astimezone(UTC)
    end = end_of(start) if o.end is None else o.end.astimezone(UTC)
    if o.attendees is not None:
        attendance = _attendance(o.attendees)
    return Occurrence(
        uid, original, start, end, o.cancelled, start != original, attendance, o.event_id
    )


def _end_rule(series: Series, zone: ZoneInfo) -> Callable[[datetime], datetime]:
    """start (UTC) -> end (UTC): same length for timed series, same wall span for all-day."""
    if not series.all_day:
        return functools.partial(operator.add, series.end - series.start)
    span = wall(series.end, zone) - wall(series.start, zone)
    return lambda start: to_utc(wall(start, zone) + span, zone)


def _occurrence_factory() -> Callable[..., Occurrence]:
    """A positional Occurrence constructor for the hot path.

    The generated __init__ of a frozen dataclass goes through object.__setattr__ once per
    field; handing the instance its whole __dict__ at once costs about a third of that, and
    with ~50 occurrences per series per window construction is half of `expand`. Taken only
    while Occurrence is a plain frozen dataclass with exactly these fields and no
    __post_init__ (a unit test compares the result with the real constructor).
    """
    names = tuple(f.name for f in dataclasses.fields(Occurrence))
    expected = ("series_uid", "original_start", "start", "end", "cancelled", "moved")
    plain = not hasattr(Occurrence, "__post_init__") and not hasattr(Occurrence, "__slots__")
    if not plain or names != (*expected, "attendance", "event_id"):
        return Occurrence
    new, set_dict = object.__new__, object.__setattr__

    def make(
        series_uid: str,
        original_start: datetime,
        start: datetime,
        end: datetime,
        cancelled: bool,
        moved: bool,
        attendance: tuple[Attendance, ...],
        event_id: str | None,
    ) -> Occurrence:
        occurrence: Occurrence = new(Occurrence)
        set_dict(
            occurrence,
            "__dict__",
            {
                "series_uid": series_uid,
                "original_start": original_start,
                "start": start,
                "end": end,
                "cancelled": cancelled,
                "moved": moved,
                "attendance": attendance,
                "event_id": event_id,
            },
        )
        return occurrence

    return make


_new_occurrence = _occurrence_factory()


@functools.lru_cache(maxsize=16_384)
def _attendance(attendees: tuple[Attendee, ...]) -> tuple[Attendance, ...]:
    """Who answered what; rooms and equipment are not people and do not attend."""
    return tuple(Attendance(a.email, a.response) for a in attendees if not a.resource)


def _order(o: Occurrence) -> tuple[datetime, datetime]:
    return (o.start, o.original_start)
