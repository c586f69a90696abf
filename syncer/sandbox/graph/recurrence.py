"""Expansion of a Graph ``patternedRecurrence`` into occurrence start times.

Graph resource "patternedRecurrence": ``pattern {type, interval, daysOfWeek, dayOfMonth,
month, index, firstDayOfWeek}`` and ``range {type: endDate|noEnd|numbered, startDate,
endDate, numberOfOccurrences, recurrenceTimeZone}``. Expansion runs on wall-clock times in
the series' zone (recurrenceTimeZone, else the start's zone) so a 10:00 meeting stays at 10:00
across DST. relative* patterns with several days mean "the index-th of those days"
(recurrencePattern reference), which is RRULE's BYSETPOS.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil import rrule

from .errors import bad_request
from .zones import zone

DAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
PATTERNS = (
    "daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly",
)  # fmt: skip
HORIZON = dt.timedelta(days=3660)  # how far a noEnd series is ever expanded


def series_zone(recurrence: dict[str, Any], start_zone: str) -> str:
    return str(recurrence.get("range", {}).get("recurrenceTimeZone") or start_zone)


def validate(recurrence: dict[str, Any]) -> None:
    pattern, span = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    if pattern.get("type") not in PATTERNS:
        raise bad_request("Invalid recurrence pattern type.", "ErrorInvalidRecurrencePattern")
    if span.get("type") not in ("endDate", "noEnd", "numbered") or not span.get("startDate"):
        raise bad_request("Invalid recurrence range.", "ErrorInvalidRecurrenceRange")
    if pattern["type"] in ("weekly", "relativeMonthly", "relativeYearly") and not pattern.get(
        "daysOfWeek"
    ):
        raise bad_request("daysOfWeek is required.", "ErrorInvalidRecurrencePattern")


def normalized(recurrence: dict[str, Any], start_zone: str) -> dict[str, Any]:
    """The recurrence with every field Graph returns filled in (zeros and defaults)."""
    validate(recurrence)
    pattern, span = recurrence["pattern"], recurrence["range"]
    return {
        "pattern": {
            "type": pattern["type"],
            "interval": int(pattern.get("interval") or 1),
            "month": int(pattern.get("month") or 0),
            "dayOfMonth": int(pattern.get("dayOfMonth") or 0),
            "daysOfWeek": [d.lower() for d in pattern.get("daysOfWeek") or []],
            "firstDayOfWeek": (pattern.get("firstDayOfWeek") or "sunday").lower(),
            "index": (pattern.get("index") or "first").lower(),
        },
        "range": {
            "type": span["type"],
            "startDate": span["startDate"],
            "endDate": span.get("endDate") or "0001-01-01",
            "recurrenceTimeZone": span.get("recurrenceTimeZone") or start_zone,
            "numberOfOccurrences": int(span.get("numberOfOccurrences") or 0),
        },
    }


def _rule(recurrence: dict[str, Any], first: dt.datetime) -> rrule.rrule:
    pattern, span = recurrence["pattern"], recurrence["range"]
    kind = pattern["type"]
    days = [DAYS[d.lower()] for d in pattern.get("daysOfWeek") or []]
    kwargs: dict[str, Any] = {"dtstart": first, "interval": int(pattern.get("interval") or 1)}
    kwargs["wkst"] = DAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()]
    if span["type"] == "numbered":
        kwargs["count"] = int(span.get("numberOfOccurrences") or 1)
    elif span["type"] == "endDate":
        end = dt.date.fromisoformat(span["endDate"])
        kwargs["until"] = dt.datetime.combine(end, dt.time(23, 59, 59))
    position = INDEX.get((pattern.get("index") or "first").lower(), 1)
    if kind == "daily":
        return rrule.rrule(rrule.DAILY, **kwargs)
    if kind == "weekly":
        return rrule.rrule(rrule.WEEKLY, byweekday=days, **kwargs)
    if kind == "absoluteMonthly":
        return rrule.rrule(rrule.MONTHLY, bymonthday=int(pattern["dayOfMonth"]), **kwargs)
    if kind == "relativeMonthly":
        return rrule.rrule(rrule.MONTHLY, byweekday=days, bysetpos=position, **kwargs)
    month = int(pattern.get("month") or first.month)
    if kind == "absoluteYearly":
        return rrule.rrule(
            rrule.YEARLY, bymonth=month, bymonthday=int(pattern["dayOfMonth"]), **kwargs
        )
    return rrule.rrule(rrule.YEARLY, bymonth=month, byweekday=days, bysetpos=position, **kwargs)


def occurrences(
    recurrence: dict[str, Any],
    start: dt.datetime,
    start_zone: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    length: dt.timedelta,
) -> list[dt.datetime]:
    """UTC starts of the occurrences that overlap ``[window_start, window_end)``.

    The series begins on ``range.startDate`` at the master's wall-clock start time.
    """
    tz = zone(series_zone(recurrence, start_zone))
    local_start = start.astimezone(tz)
    first_day = dt.date.fromisoformat(recurrence["range"]["startDate"])
    first = dt.datetime.combine(first_day, local_start.time().replace(tzinfo=None))
    rule = _rule(recurrence, first)
    lo = (window_start - length).astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
    hi = min(window_end, start + HORIZON).astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
    found = []
    for naive in rule.between(lo, hi, inc=True):
        moment = naive.replace(tzinfo=tz).astimezone(dt.UTC)
        if moment < window_end and moment + length > window_start:
            found.append(moment)
    return found
