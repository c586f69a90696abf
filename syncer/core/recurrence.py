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

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeAlias
from zoneinfo import ZoneInfo

from syncer.core.frozen import positional_constructor
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

__all__ = [
    "OCCURRENCE_COUNT_GUARD",
    "Expansion",
    "OccurrenceRow",
    "expand",
    "expansion",
    "occurrence_count_guard",
    "occurrence_rows",
]

OCCURRENCE_COUNT_GUARD = 5_000
"""At most this many occurrences per `expand` call: a daily rule over a decade-wide window
must not blow memory. The earliest ones are kept."""
occurrence_count_guard = OCCURRENCE_COUNT_GUARD

# --------------------------------------------------------------------------------------------
# Public API

OccurrenceRow: TypeAlias = tuple[
    datetime, datetime, datetime, bool, bool, tuple[Attendance, ...], str | None
]
"""One occurrence as a plain tuple: (original_start, start, end, cancelled, moved, attendance,
event_id), the fields of `Occurrence` after `series_uid`."""


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
    uid, make = series.uid, _new_occurrence
    return [
        make(uid, original, start, end, cancelled, moved, attendance, event_id)
        for original, start, end, cancelled, moved, attendance, event_id in occurrence_rows(
            series, window_start, window_end, limit=limit
        )
    ]


def occurrence_rows(
    series: Series,
    window_start: datetime,
    window_end: datetime,
    *,
    limit: int = OCCURRENCE_COUNT_GUARD,
    deleted_too: bool = False,
) -> list[OccurrenceRow]:
    """`expand` as plain tuples (see `OccurrenceRow`), same occurrences, same order.

    `deleted_too` expands a cancelled series as if it were not (its past is still history).
    """
    return expansion(series, window_start, window_end, limit=limit, deleted_too=deleted_too).rows()


@dataclass(frozen=True, slots=True)
class Expansion:
    """A series' occurrences in a window, before any of them is built.

    `keys` are the original starts (UTC) in order; an occurrence whose key is in `overridden`
    is that row, any other is `(key, key, end_of(key), key in removed, False, attendance,
    None)`. Sorting the rows by start (stably: `reorders` says whether it changes anything)
    and keeping the first `limit` gives `expand`'s order. For callers that look at every
    occurrence of thousands of series (the pair history) and need no `Occurrence` values.
    """

    keys: tuple[datetime, ...]
    removed: frozenset[datetime]
    overridden: dict[datetime, OccurrenceRow]
    attendance: tuple[Attendance, ...]
    length: timedelta | None  # every end is key + length; None: ask `end_of` (all-day)
    end_of: Callable[[datetime], datetime]
    reorders: bool
    limit: int

    def rows(self) -> list[OccurrenceRow]:
        removed, overridden, attendance, length = (
            self.removed,
            self.overridden,
            self.attendance,
            self.length,
        )
        rows: list[OccurrenceRow]
        if length is not None and not overridden:
            rows = [(t, t, t + length, t in removed, False, attendance, None) for t in self.keys]
        else:
            end_of = self.end_of
            rows = [
                overridden[t]
                if t in overridden
                else (t, t, end_of(t), t in removed, False, attendance, None)
                for t in self.keys
            ]
        if self.reorders:  # a moved instance sorts elsewhere; ties stay by original start
            rows.sort(key=_start_of)
        return rows[: self.limit]


def expansion(
    series: Series,
    window_start: datetime,
    window_end: datetime,
    *,
    limit: int = OCCURRENCE_COUNT_GUARD,
    deleted_too: bool = False,
) -> Expansion:
    """What `expand` would build, as an `Expansion` (same checks, same errors)."""
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window must be given as aware datetimes")
    if series.start.tzinfo is None:
        raise ValueError(f"series {series.uid!r} has a naive start")
    if (series.cancelled and not deleted_too) or window_end <= window_start:
        return Expansion((), _EMPTY, {}, (), None, _no_end, False, limit)
    ws, we = window_start.astimezone(UTC), window_end.astimezone(UTC)
    zone = resolve_zone(series.timezone)

    keys, keyset, removed = _rule_slots(series, zone, ws, we, limit)
    attendance = _attendance(series.attendees)
    length = None if series.all_day else series.end - series.start
    end_of = _end_rule(series, zone)
    if not series.overrides:
        return Expansion(keys, removed, {}, attendance, length, end_of, False, limit)
    overrides = {o.original_start.astimezone(UTC): o for o in series.overrides}
    extra = [
        original
        for original, o in overrides.items()
        if original not in keyset
        and (ws <= original < we or (o.start is not None and ws <= o.start < we))
    ]
    if extra:
        keys = tuple(sorted((*keys, *extra)))
        keyset = keyset.union(extra)
    seen = {id(series.attendees): attendance}  # the series keeps every list alive meanwhile
    overridden = {
        t: _overridden(t, o, end_of, attendance, seen) for t, o in overrides.items() if t in keyset
    }
    reorders = any(row[4] for row in overridden.values())
    return Expansion(keys, removed, overridden, attendance, length, end_of, reorders, limit)


def _no_end(start: datetime) -> datetime:  # pragma: no cover - an empty expansion has no keys
    return start


# --------------------------------------------------------------------------------------------
# Rule slots, shared between series with the same rule, start and window

_Slots: TypeAlias = tuple[tuple[datetime, ...], frozenset[datetime], frozenset[datetime]]
_EMPTY: frozenset[datetime] = frozenset()
_NO_SLOTS: _Slots = ((), _EMPTY, _EMPTY)


def _rule_slots(series: Series, zone: ZoneInfo, ws: datetime, we: datetime, limit: int) -> _Slots:
    """(UTC original starts in [ws, we) sorted, the same as a set, those an EXDATE removed)."""
    rec = series.recurrence
    if rec is None:
        first = series.start.astimezone(UTC)
        return ((first,), frozenset((first,)), _EMPTY) if ws <= first < we else _NO_SLOTS
    if isinstance(rec, RRuleRecurrence):
        local = wall(series.start, zone)
        return _compiled_slots(rec, local, local.fold, series.timezone, ws, we, limit)
    if isinstance(rec, PatternedRecurrence):
        if rec.recurrence_time_zone:
            zone = resolve_zone(rec.recurrence_time_zone)
        local = wall(series.start, zone)
        dtstart = datetime.combine(rec.start_date or local.date(), local.time())
        return _compiled_slots(rec, dtstart, dtstart.fold, zone.key, ws, we, limit)
    raise TypeError(f"unknown recurrence {type(rec).__name__}")  # pragma: no cover


@functools.lru_cache(maxsize=4_096)
def _compiled_slots(
    rec: RRuleRecurrence | PatternedRecurrence,
    dtstart: datetime,
    fold: int,
    zone_name: str,
    ws: datetime,
    we: datetime,
    limit: int,
) -> _Slots:
    """The rule's slots, computed once per (rule, wall-clock DTSTART, zone, window).

    An org has many series at the same weekly times, all expanded over the same window in one
    planning pass; `fold` is in the key because naive datetimes compare equal across it. The
    result is shared: callers must not change it.
    """
    del fold  # only a key
    if isinstance(rec, RRuleRecurrence):
        schedule = compile_lines(rec.lines, dtstart, zone_name)
    else:
        schedule = compile_pattern(rec, dtstart, zone_name)
    found = instances(schedule, resolve_zone(zone_name), ws, we, limit)
    return tuple(sorted(found)), frozenset(found), frozenset(t for t, gone in found.items() if gone)


# --------------------------------------------------------------------------------------------
# Occurrences: ends, overrides, attendance


def _overridden(
    original: datetime,
    o: OccurrenceOverride,
    end_of: Callable[[datetime], datetime],
    attendance: tuple[Attendance, ...],
    seen: dict[int, tuple[Attendance, ...]],
) -> OccurrenceRow:
    start = original if o.start is None else o.start.astimezone(UTC)
    end = end_of(start) if o.end is None else o.end.astimezone(UTC)
    if o.attendees is not None:
        known = seen.get(id(o.attendees))
        if known is None:
            known = seen[id(o.attendees)] = _attendance(o.attendees)
        attendance = known
    return (original, start, end, o.cancelled, start != original, attendance, o.event_id)


def _end_rule(series: Series, zone: ZoneInfo) -> Callable[[datetime], datetime]:
    """start (UTC) -> end (UTC): same length for timed series, same wall span for all-day."""
    if not series.all_day:
        return functools.partial(operator.add, series.end - series.start)
    span = wall(series.end, zone) - wall(series.start, zone)
    return lambda start: to_utc(wall(start, zone) + span, zone)


_new_occurrence = positional_constructor(
    Occurrence,
    (
        "series_uid",
        "original_start",
        "start",
        "end",
        "cancelled",
        "moved",
        "attendance",
        "event_id",
    ),
)
"""A positional Occurrence constructor for the hot path (see `syncer.core.frozen`)."""


@functools.lru_cache(maxsize=256)
def _attendance(attendees: tuple[Attendee, ...]) -> tuple[Attendance, ...]:
    """Who answered what; rooms and equipment are not people and do not attend.

    Shared between the series of one pair; no two pairs have the same people, so a bigger
    cache would only keep garbage for the collector to walk.
    """
    return tuple(Attendance(a.email, a.response) for a in attendees if not a.resource)


def _start_of(row: OccurrenceRow) -> datetime:
    return row[1]
