"""``POST /users/{id}/calendar/getSchedule`` (calendar-getschedule reference).

``availabilityView`` has one digit per interval: 0 free, 1 tentative, 2 busy, 3 oof,
4 workingElsewhere; ``scheduleItems`` list the non-free entries in the requested zone; private
entries carry no subject or location. Limits (assumed from the reference and api-notes):
at most ``MAX_SCHEDULES`` = 20 schedules and a window of ``MAX_DAYS`` = 62 days, else 400.
Cancelled entries and ones the mailbox declined count as free.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import zones
from .errors import bad_request
from .items import expand
from .wire import USER, Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GraphState, Person

MAX_SCHEDULES = 20
MAX_DAYS = 62
CODES = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
WEIGHT = {"0": 0, "4": 1, "1": 2, "2": 3, "3": 4}


def working_hours_json(person: Person) -> dict[str, Any]:
    hours = person.working_hours
    return {
        "daysOfWeek": list(hours.days),
        "startTime": hours.start,
        "endTime": hours.end,
        "timeZone": {"name": hours.time_zone or person.time_zone},
    }


def _schedule(
    state: GraphState, email: str, start: dt.datetime, end: dt.datetime, zone_name: str,
    interval: int,
) -> dict[str, Any]:  # fmt: skip
    person = state.person(email)
    if person is None or email.lower() not in state.calendars.items:
        return {
            "scheduleId": email,
            "availabilityView": "",
            "scheduleItems": [],
            "error": {
                "message": f"The user {email} could not be found.",
                "responseCode": "ErrorMailRecipientNotFound",
            },
        }
    items = []
    for item in state.calendars.of(person.email).values():
        for view in expand(item, start, end):
            fields = view.fields
            declined = (fields.get("responseStatus") or {}).get("response") == "declined"
            status = fields.get("showAs", "busy")
            if fields.get("isCancelled") or declined or status == "free":
                continue
            private = fields.get("sensitivity") in ("private", "confidential")
            entry: dict[str, Any] = {
                "isPrivate": private,
                "status": status if status in CODES else "busy",
                "start": zones.render(view.start, zone_name),
                "end": zones.render(view.end, zone_name),
            }
            if not private:
                entry["subject"] = fields.get("subject", "")
                entry["location"] = (fields.get("location") or {}).get("displayName", "")
            items.append((view.start, view.end, entry))
    items.sort(key=lambda t: t[0])
    slots = []
    step = dt.timedelta(minutes=interval)
    cursor = start
    while cursor < end:
        code = "0"
        for s, e, entry in items:
            if s < cursor + step and e > cursor and WEIGHT[CODES[entry["status"]]] > WEIGHT[code]:
                code = CODES[entry["status"]]
        slots.append(code)
        cursor += step
    return {
        "scheduleId": email,
        "availabilityView": "".join(slots),
        "scheduleItems": [entry for _, _, entry in items],
        "workingHours": working_hours_json(person),
    }


def get_schedule(state: GraphState, request: Request, user: str) -> Answer:
    state.mailbox_of(request)
    body = request.json_body()
    schedules = body.get("schedules") or []
    if not schedules or not isinstance(schedules, list):
        raise bad_request("schedules is required.", "ErrorInvalidParameter")
    if len(schedules) > MAX_SCHEDULES:
        raise bad_request(
            f"The number of schedules cannot exceed {MAX_SCHEDULES}.", "ErrorInvalidParameter"
        )
    start, _ = zones.parse(body.get("startTime"), "startTime")
    end, _ = zones.parse(body.get("endTime"), "endTime")
    if end <= start or end - start > dt.timedelta(days=MAX_DAYS):
        raise bad_request(
            f"The time window must be positive and at most {MAX_DAYS} days.",
            "ErrorInvalidTimeInterval",
        )
    interval = int(body.get("availabilityViewInterval") or 30)
    if not 5 <= interval <= 1440:
        raise bad_request("availabilityViewInterval must be 5..1440.", "ErrorInvalidParameter")
    out_zone = body["startTime"].get("timeZone") or "UTC"
    values = [_schedule(state, str(s), start, end, out_zone, interval) for s in schedules]
    return Answer(
        200,
        {
            "@odata.context": f"{state.base_url}/v1.0/$metadata#Collection("
            "microsoft.graph.scheduleInformation)",
            "value": values,
        },
    )


ROUTES: list[Route] = [
    route("POST", USER + r"/calendar/getSchedule", get_schedule, "calendar"),
]
