"""Event times and series expansion, the way Calendar does it.

A series expands in its own ``start.timeZone`` so the wall clock is kept across DST (Calendar
"Recurring events" guide). Instance ids are ``{masterId}_{YYYYMMDDTHHMMSSZ}`` (UTC original
start) for timed events and ``{masterId}_{YYYYMMDD}`` for all-day ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from ..errors import bad_request

UTC = dt.UTC
MAX_INSTANCES = 2500  # an endless series is cut here (and at the horizon) when expanded


def parse_rfc3339(value: str, name: str = "time") -> dt.datetime:
    """Parse a timestamp that must carry an offset (as Google requires for timeMin etc.)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise bad_request(f"Invalid value for {name}: {value}") from exc
    if parsed.tzinfo is None:
        raise bad_request(f"Invalid value for {name}: {value} (an offset is required)")
    return parsed


def format_rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def zone(name: str | None) -> dt.tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad_request(f"Invalid time zone definition for start time: {name}") from exc


def is_all_day(when: dict[str, Any]) -> bool:
    return "date" in when and "dateTime" not in when


def moment_of(when: dict[str, Any], default_zone: str | None = None) -> dt.datetime:
    """An aware datetime for an EventDateTime; an all-day date is midnight in its zone."""
    if "dateTime" in when:
        parsed = dt.datetime.fromisoformat(when["dateTime"])
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone(when.get("timeZone") or default_zone))
        return parsed
    if "date" in when:
        day = dt.date.fromisoformat(when["date"])
        return dt.datetime.combine(day, dt.time(), zone(when.get("timeZone") or default_zone))
    raise bad_request("Missing time.", reason="required")


def event_span(
    body: dict[str, Any], default_zone: str | None = None
) -> tuple[dt.datetime, dt.datetime]:
    return moment_of(body["start"], default_zone), moment_of(body["end"], default_zone)


def instance_suffix(original: dict[str, Any]) -> str:
    if is_all_day(original):
        return str(original["date"]).replace("-", "")
    return moment_of(original).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def split_instance_id(event_id: str) -> tuple[str, str] | None:
    """``master_20260105T100000Z`` -> (master, suffix); None for a plain id."""
    master, sep, suffix = event_id.rpartition("_")
    if not sep or not master:
        return None
    if (len(suffix) == 16 and suffix.endswith("Z") and suffix[8] == "T") or (
        len(suffix) == 8 and suffix.isdigit()
    ):
        return master, suffix
    return None


def _when_at(template: dict[str, Any], moment: dt.datetime) -> dict[str, Any]:
    if is_all_day(template):
        return {"date": moment.date().isoformat()}
    out = {"dateTime": moment.isoformat()}
    if "timeZone" in template:
        out["timeZone"] = template["timeZone"]
    return out


def occurrences(
    master: dict[str, Any], until: dt.datetime, default_zone: str | None = None
) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Yield ``(originalStartTime, start, end)`` of each occurrence starting before ``until``.

    EXDATEs are applied here; exceptions (moved, modified, cancelled instances) are the
    caller's business because they are separate events.
    """
    start, end = event_span(master, default_zone)
    duration = end - start
    all_day = is_all_day(master["start"])
    tz = zone(master["start"].get("timeZone") or default_zone)
    first = start.astimezone(tz) if not all_day else start.replace(tzinfo=None)
    lines = [line for line in master.get("recurrence", []) if line.strip()]
    try:
        rules = rrule.rrulestr("\n".join(lines), dtstart=first, forceset=True, unfold=True)
    except (ValueError, TypeError) as exc:
        raise bad_request(f"Invalid recurrence rule: {exc}") from exc
    limit = until.astimezone(tz) if not all_day else until.replace(tzinfo=None)
    for count, moment in enumerate(rules):
        if moment >= limit or count >= MAX_INSTANCES:
            return
        aware = moment.replace(tzinfo=tz) if all_day else moment
        original = _when_at(master["start"], aware)
        yield original, original, _when_at(master["end"], aware + duration)


def original_moment(suffix: str) -> dt.datetime:
    """The UTC original start an instance id suffix stands for (midnight UTC for a date)."""
    if len(suffix) == 8:
        return dt.datetime.strptime(suffix, "%Y%m%d").replace(tzinfo=UTC)
    return dt.datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
