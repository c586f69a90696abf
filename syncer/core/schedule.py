"""A compiled recurrence: which wall-clock slots a rule produces, and which it removes.

`syncer.core.recurrence` turns a series into occurrences; this module is the arithmetic under
it. Both providers' rules are translated into dateutil rules on naive wall-clock times in the
series' zone (so a 10:00 meeting stays at 10:00 across DST) and compiled once per (rule,
DTSTART, zone), because the planner expands thousands of series per run.

Readings a caller must know (RFC 5545 unless said otherwise):
- A wall-clock time inside a spring-forward gap is read with the offset before the gap; an
  ambiguous one (fall-back) as its first occurrence.
- For RRULE lines DTSTART is always the first instance, even when the rule would not produce
  it, and it counts towards COUNT. A DATE-valued UNTIL includes that whole day in the zone.
- Graph patterns start at the first day on or after `range.startDate` that fits the pattern,
  as Graph does; `endDate` is inclusive; dayOfMonth 29-31 falls on the last day of shorter
  months, as Outlook schedules it.
- Malformed rules raise ValueError.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from syncer.core.model import PatternedRecurrence
from syncer.core.zones import resolve_zone

__all__ = ["Schedule", "compile_lines", "compile_pattern", "instances", "to_utc", "wall"]

# Wall-clock bounds are widened by this much on both sides before exact UTC filtering: more
# than any UTC offset change ever made (Samoa skipped a whole day in 2011).
_PAD = timedelta(days=2)
_PERIOD_UNIT = {
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}
# Rule parts that tie instances to absolute dates, so one period's instances do not repeat.
_PINNING_PARTS = frozenset({"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYEASTER"})
# Wall clock -> UTC as plain arithmetic: `zone.utcoffset(naive)` reads the naive time as wall
# clock (fold=0: RFC 5545's reading of gaps and repeats), and aware + timedelta stays cheap.
_EPOCH_WALL = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)  # UNTIL is inclusive; windows are half-open


# --------------------------------------------------------------------------------------------
# Compiled rules and their instances


@dataclass(frozen=True)
class _Rule:
    """One dateutil rule on naive wall-clock times, with its UNTIL kept as a UTC instant.

    dateutil refuses a UTC UNTIL with a naive DTSTART, and comparing wall clocks would be off
    by the offset, so UNTIL is stripped from the rule and applied after conversion to UTC.
    `period` is set when moving DTSTART forward by whole periods leaves the instance set
    unchanged (no COUNT, fixed-length FREQ): it lets old series skip years of iteration.
    `cycle` is set when the instances of one cycle after DTSTART, computed once by dateutil as
    `offsets`, repeat every cycle: DAILY or WEEKLY with no filter pinned to dates (BYMONTH,
    BYMONTHDAY, ...); a DAILY rule filtered by BYDAY repeats weekly, not daily. Then the hot
    path is addition instead of dateutil's per-instance iteration.
    """

    rule: du.rrule
    dtstart: datetime
    until: datetime | None
    until_wall: datetime | None
    period: timedelta | None
    cycle: timedelta | None
    offsets: tuple[timedelta, ...]

    def wall_starts(self, lo: datetime, hi: datetime, cap: int) -> list[datetime]:
        """Naive wall-clock starts in [lo, hi], in order; about `cap` at most past `lo`."""
        if self.until_wall is not None and self.until_wall < hi:
            hi = self.until_wall
        if hi < lo:
            return []
        cycle, offsets, start = self.cycle, self.offsets, self.dtstart
        if cycle is not None:
            if not offsets:
                return []
            base = start + (lo - start) // cycle * cycle if lo > start else start
            cycles = min((hi - base) // cycle + 1, cap // len(offsets) + 2)
            walls = [base + k * cycle + offset for k in range(cycles) for offset in offsets]
            return [wall for wall in walls if lo <= wall <= hi]
        rule, period = self.rule, self.period
        if period is not None and lo > start + period:
            rule = rule.replace(dtstart=start + (lo - start) // period * period)
        starts = rule.xafter(lo, inc=True)
        return list(itertools.takewhile(hi.__ge__, itertools.islice(starts, cap)))


@dataclass(frozen=True)
class Schedule:
    """A compiled recurrence: rules, extra dates and removed dates, all ready to iterate."""

    rules: tuple[_Rule, ...]
    exrules: tuple[_Rule, ...] = ()
    rdates: tuple[datetime, ...] = ()  # UTC
    exdates: frozenset[datetime] = frozenset()  # UTC
    exdays: frozenset[date] = frozenset()  # DATE-valued EXDATEs: every instance that day


def instances(
    schedule: Schedule, zone: ZoneInfo, ws: datetime, we: datetime, limit: int
) -> dict[datetime, bool]:
    """UTC starts in [ws, we) -> whether an EXDATE removed them (at most about `limit`)."""
    lo, hi = wall(ws, zone) - _PAD, wall(we, zone) + _PAD
    found: dict[datetime, bool] = {}
    offset = cast(Callable[[datetime], timedelta], zone.utcoffset)  # never None for a ZoneInfo
    cap = limit + 1_000  # room for the padding before the window
    for rule in schedule.rules:
        walls = rule.wall_starts(lo, hi, cap)
        until = we if rule.until is None else min(we, rule.until + _TICK)
        # wall - utcoffset(wall) as arithmetic on aware values: the hot loop of the module
        utcs = [_EPOCH_UTC + ((w - _EPOCH_WALL) - offset(w)) for w in walls]
        found.update(dict.fromkeys([u for u in utcs if ws <= u < until][:limit], False))
    for utc in schedule.rdates:
        if ws <= utc < we:
            found[utc] = False
    for rule in schedule.exrules:
        for naive in rule.wall_starts(lo, hi, cap):
            found.pop(to_utc(naive, zone), None)
    if schedule.exdates or schedule.exdays:
        for utc in found:
            if utc in schedule.exdates or utc.astimezone(zone).date() in schedule.exdays:
                found[utc] = True
    return found


# --------------------------------------------------------------------------------------------
# RFC 5545 lines (Google)


@functools.lru_cache(maxsize=16_384)
def compile_lines(lines: tuple[str, ...], dtstart: datetime, zone_name: str) -> Schedule:
    """Parse once per (lines, DTSTART, zone): the benchmark expands thousands of series."""
    zone = resolve_zone(zone_name)
    rules: list[_Rule] = []
    exrules: list[_Rule] = []
    rdates: list[datetime] = []
    exdates: set[datetime] = set()
    exdays: set[date] = set()
    for raw in lines:
        if not raw.strip():
            continue
        name, params, value = _split_property(raw.strip())
        tzid = params.get("TZID")
        if name in ("RRULE", "EXRULE"):
            rule = _compile_rrule(value, dtstart, zone, dtstart_counts=name == "RRULE")
            if rule is not None:
                (rules if name == "RRULE" else exrules).append(rule)
        elif name == "EXDATE":
            for item in value.split(","):
                moment = _parse_moment(item, tzid, zone)
                if isinstance(moment, datetime):
                    exdates.add(moment.astimezone(UTC))
                else:
                    exdays.add(moment)
        elif name == "RDATE":
            for item in value.split(","):
                moment = _parse_moment(item.split("/")[0], tzid, zone)
                if isinstance(moment, datetime):
                    rdates.append(moment.astimezone(UTC))
                else:
                    rdates.append(to_utc(datetime.combine(moment, dtstart.time()), zone))
        # Anything else (X- lines, a stray DTSTART) has no say in the instance set.
    first = to_utc(dtstart, zone)
    if not rules or any(r.until is None or r.until >= first for r in rules):
        rdates.append(first)  # RFC 5545: DTSTART is always the first instance
    return Schedule(
        tuple(rules), tuple(exrules), tuple(rdates), frozenset(exdates), frozenset(exdays)
    )


def _compile_rrule(
    value: str, dtstart: datetime, zone: ZoneInfo, *, dtstart_counts: bool
) -> _Rule | None:
    kept: list[str] = []
    until: datetime | None = None
    freq, interval, count, pinned, byday = "", 1, 0, False, False
    for part in value.strip().split(";"):
        key, _, val = part.partition("=")
        key = key.strip().upper()
        if not key:
            continue
        if key == "UNTIL":
            until = _until_instant(val, zone)
            continue
        kept.append(f"{key}={val.strip()}")
        if key == "FREQ":
            freq = val.strip().upper()
        elif key == "INTERVAL":
            interval = int(val)
        elif key == "COUNT":
            count = int(val)
        elif key in _PINNING_PARTS:
            pinned = True
        elif key == "BYDAY":
            byday = True
    if not freq:
        raise ValueError(f"RRULE without FREQ: {value!r}")
    if interval < 1 or count < 0:
        raise ValueError(f"RRULE with a bad INTERVAL or COUNT: {value!r}")
    rule = du.rrulestr(";".join(kept), dtstart=dtstart, cache=False)
    if not isinstance(rule, du.rrule):  # pragma: no cover - one RRULE value is one rule
        raise ValueError(f"RRULE {value!r} is not a single rule")
    first = rule.after(dtstart, inc=True)
    if first is None:
        return None  # an impossible rule (30 February): dateutil searched to year 9999 once
    if dtstart_counts and count and first != dtstart:
        if count == 1:
            return None  # DTSTART itself was the only instance
        rule = rule.replace(count=count - 1)
    period = None if count else _period(freq, interval)
    cycle = None
    if period is not None and not pinned and freq in ("DAILY", "WEEKLY"):
        cycle = period * 7 if freq == "DAILY" and byday else period
    return _make_rule(rule, dtstart, until, period, cycle, zone)


def _make_rule(
    rule: du.rrule,
    dtstart: datetime,
    until: datetime | None,
    period: timedelta | None,
    cycle: timedelta | None,
    zone: ZoneInfo,
) -> _Rule:
    until_wall = None if until is None else wall(until, zone) + _PAD
    offsets: tuple[timedelta, ...] = ()
    if cycle is not None:
        first = rule.between(dtstart, dtstart + cycle, inc=True)
        offsets = tuple(start - dtstart for start in first if start < dtstart + cycle)
    return _Rule(rule, dtstart, until, until_wall, period, cycle, offsets)


def _period(freq: str, interval: int) -> timedelta | None:
    unit = _PERIOD_UNIT.get(freq)
    return None if unit is None else unit * interval


def _until_instant(text: str, zone: ZoneInfo) -> datetime:
    moment = _parse_moment(text, None, zone)
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return to_utc(datetime.combine(moment, time.max), zone)


def _split_property(line: str) -> tuple[str, dict[str, str], str]:
    """`NAME;PARAM=VALUE;...:VALUE` -> (NAME, {PARAM: VALUE}, VALUE); quotes respected."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        raise ValueError(f"recurrence line without a value: {line!r}")
    name, *params = head.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        key, _, val = param.partition("=")
        parsed[key.strip().upper()] = val.strip().strip('"')
    return name.strip().upper(), parsed, value.strip()


def _parse_moment(text: str, tzid: str | None, zone: ZoneInfo) -> date | datetime:
    """An RFC 5545 DATE, or DATE-TIME made aware (UTC 'Z', TZID, else the series' zone)."""
    text = text.strip()
    try:
        if len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if len(text) in (15, 16) and text[8] in "Tt":
            naive = datetime(
                int(text[:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[9:11]),
                int(text[11:13]),
                int(text[13:15]),
            )
            if len(text) == 16:
                if text[15] not in "Zz":
                    raise ValueError(text)
                return naive.replace(tzinfo=UTC)
            return naive.replace(tzinfo=resolve_zone(tzid) if tzid else zone)
    except ValueError:
        pass
    raise ValueError(f"bad date or date-time {text!r} in a recurrence")


# --------------------------------------------------------------------------------------------
# Graph patternedRecurrence (Microsoft)

_GRAPH_DAYS = {
    "monday": du.MO,
    "tuesday": du.TU,
    "wednesday": du.WE,
    "thursday": du.TH,
    "friday": du.FR,
    "saturday": du.SA,
    "sunday": du.SU,
}
_GRAPH_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


@functools.lru_cache(maxsize=16_384)
def compile_pattern(p: PatternedRecurrence, dtstart: datetime, zone_name: str) -> Schedule:
    """The dateutil rule equivalent to a Graph pattern + range.

    dtstart is `range.startDate` at the series' time of day; the first instance is the first
    day on or after it that fits the pattern (dateutil's and Graph's reading alike).
    """
    zone = resolve_zone(zone_name)
    days = tuple(_graph_day(d) for d in p.days_of_week) or (du.weekdays[dtstart.weekday()],)
    kw: dict[str, Any] = {"interval": p.interval, "wkst": _graph_day(p.first_day_of_week)}
    if p.type == "daily":
        kw["freq"] = du.DAILY
    elif p.type == "weekly":
        kw["freq"], kw["byweekday"] = du.WEEKLY, days
    elif p.type == "absoluteMonthly":
        kw["freq"] = du.MONTHLY
        kw.update(_day_of_month(p.day_of_month or dtstart.day))
    elif p.type == "relativeMonthly":
        kw["freq"], kw["byweekday"] = du.MONTHLY, days
        kw["bysetpos"] = _graph_index(p.index)
    elif p.type == "absoluteYearly":
        kw["freq"], kw["bymonth"] = du.YEARLY, p.month or dtstart.month
        kw.update(_day_of_month(p.day_of_month or dtstart.day))
    elif p.type == "relativeYearly":
        kw["freq"], kw["bymonth"] = du.YEARLY, p.month or dtstart.month
        kw["byweekday"], kw["bysetpos"] = days, _graph_index(p.index)
    else:
        raise ValueError(f"unknown Graph recurrence pattern {p.type!r}")
    if p.interval < 1:
        raise ValueError(f"Graph recurrence interval {p.interval} < 1")
    until: datetime | None = None
    if p.range_type == "numbered":
        if p.number_of_occurrences < 1:
            raise ValueError("numbered Graph range without numberOfOccurrences")
        kw["count"] = p.number_of_occurrences
    elif p.range_type == "endDate":
        if p.end_date is None:
            raise ValueError("endDate Graph range without an endDate")
        until = to_utc(datetime.combine(p.end_date, time.max), zone)  # endDate is inclusive
    elif p.range_type != "noEnd":
        raise ValueError(f"unknown Graph range type {p.range_type!r}")
    rule = du.rrule(dtstart=dtstart, cache=False, **kw)
    step = {"daily": timedelta(days=1), "weekly": timedelta(weeks=1)}.get(p.type)
    period = step * p.interval if step is not None and "count" not in kw else None
    return Schedule((_make_rule(rule, dtstart, until, period, period, zone),))


def _day_of_month(day: int) -> dict[str, Any]:
    """Day 29-31 falls on the last day of shorter months, as Outlook schedules it."""
    if not 1 <= day <= 31:
        raise ValueError(f"Graph dayOfMonth {day} out of range")
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": (day, -1), "bysetpos": 1}


def _graph_day(name: str) -> du.weekday:
    try:
        return _GRAPH_DAYS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown Graph day of week {name!r}") from None


def _graph_index(name: str) -> int:
    try:
        return _GRAPH_INDEX[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown Graph week index {name!r}") from None


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time of an aware instant in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone` (gaps and repeats read as RFC 5545 does)."""
    return _EPOCH_UTC + ((naive - _EPOCH_WALL) - (zone.utcoffset(naive) or _ZERO))
