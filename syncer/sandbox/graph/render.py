"""Calendar views as Graph event JSON, with ``$select``, ``$expand`` and the time zone rules.

Times: Graph returns ``start``/``end`` in UTC unless the request sends ``Prefer:
outlook.timezone="..."`` (Windows or IANA name), in which case it converts (event-get
reference, "Prefer: outlook.timezone"; Microsoft Q&A 1162740 "by default, start and end times
are returned in UTC"). The emulator does the same; ``GraphState.default_time_zone`` may be set
to None to answer in each event's own zone instead. All-day events keep their own zone and
midnights whatever the preference (Microsoft Q&A 1382503).
"""

from __future__ import annotations

import html
import re
from typing import Any

from . import zones
from .calendar import etag
from .errors import bad_request
from .items import View

TIME = "%Y-%m-%dT%H:%M:%S.%f"
FILTER = re.compile(r"^\s*id\s+eq\s+'(?P<id>[^']*)'\s*$", re.IGNORECASE)
EXPAND = re.compile(
    r"^singleValueExtendedProperties(?:\((?:\$filter=)?(?P<filter>.*)\))?$", re.IGNORECASE
)


def stamp(moment: Any) -> str:
    return str(moment.strftime(TIME)[:-3] + "0000Z")


def _preview(body: dict[str, Any]) -> str:
    text = body.get("content", "") or ""
    if body.get("contentType") == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split())[:255]


def event_json(
    view: View,
    base_url: str,
    time_zone: str | None,
    extended_filter: str | None = None,
    expand_extended: bool = False,
) -> dict[str, Any]:
    """The full Graph event for one view."""
    item, fields = view.item, view.fields
    out_zone = view.item.zone if fields.get("isAllDay") or not time_zone else time_zone
    body = fields.get("body") or {"contentType": "text", "content": ""}
    event: dict[str, Any] = {
        "@odata.etag": etag(view.change_key),
        "id": view.id,
        "createdDateTime": stamp(item.created),
        "lastModifiedDateTime": stamp(view.modified),
        "changeKey": view.change_key,
        "categories": fields.get("categories", []),
        "transactionId": fields.get("transactionId"),
        "originalStartTimeZone": item.zone,
        "originalEndTimeZone": item.zone,
        "iCalUId": item.ical_uid,
        "reminderMinutesBeforeStart": fields.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": fields.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": fields.get("subject", ""),
        "bodyPreview": _preview(body),
        "importance": fields.get("importance", "normal"),
        "sensitivity": fields.get("sensitivity", "normal"),
        "isAllDay": bool(fields.get("isAllDay", False)),
        "isCancelled": bool(fields.get("isCancelled", False)),
        "isOrganizer": bool(fields.get("isOrganizer", False)),
        "responseRequested": fields.get("responseRequested", True),
        "seriesMasterId": item.id if view.kind in ("occurrence", "exception") else None,
        "showAs": fields.get("showAs", "busy"),
        "type": view.kind,
        "webLink": f"https://outlook.office365.com/owa/?itemid={view.id}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": bool(fields.get("isOnlineMeeting", False)),
        "onlineMeetingProvider": fields.get("onlineMeetingProvider", "unknown"),
        "allowNewTimeProposals": fields.get("allowNewTimeProposals", True),
        "isDraft": False,
        "hideAttendees": fields.get("hideAttendees", False),
        "responseStatus": fields.get(
            "responseStatus", {"response": "none", "time": "0001-01-01T00:00:00Z"}
        ),
        "body": body,
        "start": zones.render(view.start, out_zone),
        "end": zones.render(view.end, out_zone),
        "location": fields.get("location") or _no_location(),
        "locations": fields.get("locations", []),
        "recurrence": fields.get("recurrence") if view.kind == "seriesMaster" else None,
        "attendees": fields.get("attendees", []),
        "organizer": fields["organizer"],
        "onlineMeeting": fields.get("onlineMeeting"),
    }
    if view.original_start is not None:
        event["originalStart"] = view.original_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    if expand_extended:
        props = [
            {"id": key, "value": value}
            for key, value in view.extended.items()
            if extended_filter is None or key.lower() == extended_filter.lower()
        ]
        if props:
            event["singleValueExtendedProperties"] = props
    return event


def _no_location() -> dict[str, Any]:
    return {
        "displayName": "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    }


def output_zone(prefer: str | None, default: str | None) -> str | None:
    if prefer:
        zones.zone(prefer)  # refuse an unknown name as Graph does
        return prefer
    return default


def expand_option(raw: str | None) -> tuple[bool, str | None]:
    """``$expand=singleValueExtendedProperties($filter=id eq '...')`` -> (wanted, id)."""
    if not raw:
        return False, None
    match = EXPAND.match(raw.strip())
    if not match:
        raise bad_request(f"Parsing OData Select and Expand failed: {raw}", "BadRequest")
    if not match.group("filter"):
        return True, None
    found = FILTER.match(match.group("filter"))
    if not found:
        raise bad_request(
            "Invalid $filter on singleValueExtendedProperties.", "ErrorInvalidProperty"
        )
    return True, found.group("id")


def select(event: dict[str, Any], raw: str | None) -> dict[str, Any]:
    """Keep the ``$select``ed properties (plus ``@odata.etag``, ``id`` and expansions)."""
    if not raw:
        return event
    wanted = {name.strip() for name in raw.split(",") if name.strip()}
    keep = {"@odata.etag", "id", "singleValueExtendedProperties", "@removed", "@odata.type"}
    return {k: v for k, v in event.items() if k in wanted or k in keep}


def render_view(view: View, request: Any, state: Any) -> dict[str, Any]:
    zone_name = output_zone(request.prefer("outlook.timezone"), state.default_time_zone)
    wanted, prop_id = expand_option(request.param("$expand"))
    event = event_json(view, state.base_url, zone_name, prop_id, wanted)
    return select(event, request.param("$select"))
