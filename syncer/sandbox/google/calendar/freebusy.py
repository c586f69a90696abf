"""freeBusy.query: busy intervals of several calendars in one call.

Per-calendar problems come inside the answer (``calendars[id].errors``), not as an HTTP error
(freebusy.query reference). Busy means: not cancelled, not transparent, not declined by the
calendar's owner; series are expanded in their own time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..errors import bad_request
from .listing import _iso
from .times import event_span, moment_of, occurrences, parse_rfc3339

if TYPE_CHECKING:
    from ..state import GoogleState
    from .store import CalendarData

MAX_CALENDARS = 50  # calendarExpansionMax maximum (freebusy.query reference)


def _busy(
    calendar: CalendarData, t_min: dt.datetime, t_max: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for record in calendar.events.values():
        body = record.body
        if record.cancelled or body.get("transparency") == "transparent":
            continue
        if body.get("eventType") == "workingLocation":
            continue
        if any(
            a.get("email") == calendar.id and a.get("responseStatus") == "declined"
            for a in body.get("attendees", [])
        ):
            continue
        if "recurrence" in body:
            for original, first, last in occurrences(body, t_max, calendar.time_zone):
                if _has_exception(calendar, body["id"], original):
                    continue
                spans.append(
                    (moment_of(first, calendar.time_zone), moment_of(last, calendar.time_zone))
                )
        else:
            spans.append(event_span(body, calendar.time_zone))
    spans = [(max(s, t_min), min(e, t_max)) for s, e in spans if e > t_min and s < t_max]
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _has_exception(calendar: CalendarData, master_id: str, original: dict[str, Any]) -> bool:
    from .store import instance_id

    return instance_id(master_id, original) in calendar.events


def query(state: GoogleState, person: str | None, body: dict[str, Any]) -> dict[str, Any]:
    if "timeMin" not in body or "timeMax" not in body:
        raise bad_request("Missing timeMin or timeMax.", "required")
    t_min, t_max = (
        parse_rfc3339(body["timeMin"], "timeMin"),
        parse_rfc3339(body["timeMax"], "timeMax"),
    )
    if t_max <= t_min:
        raise bad_request("The specified time range is empty.", "timeRangeEmpty")
    items = body.get("items", [])
    if len(items) > MAX_CALENDARS:
        raise bad_request("Too many calendars requested.", "tooManyCalendarsRequested")
    calendars: dict[str, Any] = {}
    for item in items:
        calendar_id = item.get("id", "")
        key = person if calendar_id == "primary" and person else calendar_id.lower()
        calendar = state.calendars.calendars.get(key)
        if calendar is None:
            calendars[calendar_id] = {
                "busy": [],
                "errors": [{"domain": "global", "reason": "notFound"}],
            }
            continue
        calendars[calendar_id] = {
            "busy": [{"start": _iso(s), "end": _iso(e)} for s, e in _busy(calendar, t_min, t_max)]
        }
    return {
        "kind": "calendar#freeBusy",
        "timeMin": _iso(t_min),
        "timeMax": _iso(t_max),
        "calendars": calendars,
    }
