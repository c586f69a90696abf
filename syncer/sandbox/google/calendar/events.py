"""The Calendar v3 endpoints: routes and request handling around the store and the writer.

Access: a person reads and writes their own calendar (``primary`` is theirs) and calendars
shared with them; anything else is 403 forbidden. Writes honour ``If-Match`` (412
conditionNotMet on a stale etag) and record ``sendUpdates`` for the write and mail logs.
"""

from __future__ import annotations

import copy
import urllib.parse
from typing import TYPE_CHECKING

from ..errors import condition_not_met, forbidden, not_found
from ..wire import Answer, Request, Route, route
from . import freebusy
from .listing import Lister, render
from .store import CalendarData, Record
from .writes import EventWriter, handle_attachments, merge_patch

if TYPE_CHECKING:
    from ..state import GoogleState

READ_SCOPES = ("calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly")
WRITE_SCOPES = ("calendar", "calendar.events")
FREEBUSY_SCOPES = (*READ_SCOPES, "calendar.freebusy")


def open_calendar(
    state: GoogleState, request: Request, calendar_id: str, *, write: bool
) -> CalendarData:
    assert request.grant is not None
    request.grant.require(*(WRITE_SCOPES if write else READ_SCOPES))
    person = request.person
    calendar_id = urllib.parse.unquote(calendar_id)
    if calendar_id == "primary":
        if person is None:
            raise not_found()
        calendar_id = person
    calendar = state.calendars.get(calendar_id)
    request.notes["calendar"] = calendar.id
    role = calendar.acl.get(person or "")
    if role is None or role == "freeBusyReader":
        raise forbidden()
    if write and role not in ("owner", "writer"):
        raise forbidden("You need to have writer access to this calendar.", "requiredAccessLevel")
    return calendar


def check_if_match(request: Request, record: Record) -> None:
    wanted = request.headers.get("if-match")
    if wanted and wanted != "*" and wanted != record.body.get("etag"):
        raise condition_not_met()


def _send_updates(request: Request) -> str | None:
    value = request.param("sendUpdates")
    if value is None and request.param("sendNotifications") is not None:
        value = "all" if request.flag("sendNotifications") else "none"
    request.notes["send_updates"] = value
    return value


def _event(state: GoogleState, calendar: CalendarData, record: Record) -> Answer:
    return Answer(200, render(calendar.id, record.body))


def list_events(state: GoogleState, request: Request, calendar_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=False)
    return Answer(200, Lister(state).list_events(calendar, request.params))


def get_event(state: GoogleState, request: Request, calendar_id: str, event_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=False)
    record = state.calendars.require(calendar, urllib.parse.unquote(event_id))
    return _event(state, calendar, record)


def instances(state: GoogleState, request: Request, calendar_id: str, event_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=False)
    master = state.calendars.require(calendar, urllib.parse.unquote(event_id))
    if "recurrence" not in master.body:
        raise not_found()
    return Answer(200, Lister(state).instances(calendar, master, request.params))


def insert_event(state: GoogleState, request: Request, calendar_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=True)
    body = copy.deepcopy(request.json_body())
    handle_attachments(body, request.flag("supportsAttachments"))
    record = EventWriter(state).insert(calendar, body, request.person, _send_updates(request))
    request.notes["event_id"] = record.body["id"]
    return _event(state, calendar, record)


def _change(
    state: GoogleState, request: Request, calendar_id: str, event_id: str, *, patch: bool
) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=True)
    event_id = urllib.parse.unquote(event_id)
    request.notes["event_id"] = event_id
    record = state.calendars.require(calendar, event_id, live=True)
    check_if_match(request, record)
    incoming = copy.deepcopy(request.json_body())
    handle_attachments(incoming, request.flag("supportsAttachments"))
    if patch:
        body = copy.deepcopy(record.body)
        if not request.flag("supportsAttachments"):
            incoming.pop("attachments", None)
        merge_patch(body, incoming)
    else:
        body = incoming
        body.setdefault("status", record.body.get("status", "confirmed"))
        body.setdefault("eventType", record.body.get("eventType", "default"))
        if not request.flag("supportsAttachments") and "attachments" in record.body:
            body["attachments"] = record.body["attachments"]
    new = EventWriter(state).replace(
        calendar, event_id, body, request.person, _send_updates(request)
    )
    return _event(state, calendar, new)


def patch_event(state: GoogleState, request: Request, calendar_id: str, event_id: str) -> Answer:
    return _change(state, request, calendar_id, event_id, patch=True)


def update_event(state: GoogleState, request: Request, calendar_id: str, event_id: str) -> Answer:
    return _change(state, request, calendar_id, event_id, patch=False)


def delete_event(state: GoogleState, request: Request, calendar_id: str, event_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=True)
    event_id = urllib.parse.unquote(event_id)
    request.notes["event_id"] = event_id
    record = state.calendars.require(calendar, event_id, live=True)
    check_if_match(request, record)
    EventWriter(state).delete(calendar, event_id, request.person, _send_updates(request))
    return Answer(204)


def watch(state: GoogleState, request: Request, calendar_id: str) -> Answer:
    calendar = open_calendar(state, request, calendar_id, write=False)
    channel = state.channels.watch(calendar.id, request.person, request.json_body())
    return Answer(200, channel.as_resource(state.base_url))


def stop_channel(state: GoogleState, request: Request) -> Answer:
    assert request.grant is not None
    request.grant.require(*READ_SCOPES)
    state.channels.stop(request.json_body())
    return Answer(204)


def query_freebusy(state: GoogleState, request: Request) -> Answer:
    assert request.grant is not None
    request.grant.require(*FREEBUSY_SCOPES)
    return Answer(200, freebusy.query(state, request.person, request.json_body()))


_CAL = r"/calendars/(?P<calendar_id>[^/]+)/events"
_EVENT = _CAL + r"/(?P<event_id>[^/]+)"

ROUTES: list[Route] = [
    route("GET", _CAL, list_events, "calendar"),
    route("POST", _CAL, insert_event, "calendar", write=True),
    route("POST", _CAL + "/watch", watch, "calendar"),
    route("GET", _EVENT + "/instances", instances, "calendar"),
    route("GET", _EVENT, get_event, "calendar"),
    route("PATCH", _EVENT, patch_event, "calendar", write=True),
    route("PUT", _EVENT, update_event, "calendar", write=True),
    route("DELETE", _EVENT, delete_event, "calendar", write=True),
    route("POST", "/channels/stop", stop_channel, "calendar"),
    route("POST", "/freeBusy", query_freebusy, "calendar"),
]
