"""``/users/{id}/events`` and ``/calendarView``: get, create, update, delete, instances and
responses (Graph v1.0 event-get, user-post-events, event-update, event-delete,
event-list-instances, event-accept/tentativelyaccept/decline)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .items import expand
from .render import render_view
from .wire import USER, Answer, Request, Route, route
from .zones import parse_instant

if TYPE_CHECKING:
    from .state import GraphState

RESPONSES = {
    "accept": "accepted",
    "tentativelyaccept": "tentativelyAccepted",
    "decline": "declined",
}


def window(request: Request) -> tuple[dt.datetime, dt.datetime]:
    start, end = request.param("startDateTime"), request.param("endDateTime")
    if not start or not end:
        raise bad_request(
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
            "ErrorInvalidParameter",
        )
    return parse_instant(start), parse_instant(end)


def _collection(state: GraphState, request: Request, values: list[dict[str, Any]]) -> Answer:
    return Answer(
        200,
        {"@odata.context": f"{state.base_url}/v1.0/$metadata#Collection(event)", "value": values},
    )


def get_event(state: GraphState, request: Request, user: str, event: str) -> Answer:
    mailbox = state.mailbox_of(request)
    return Answer(200, render_view(state.calendars.view(mailbox, event), request, state))


def list_events(state: GraphState, request: Request, user: str) -> Answer:
    """Single events and series masters, as ``/events`` lists them (not expanded)."""
    from .items import master_view

    mailbox = state.mailbox_of(request)
    items = sorted(state.calendars.of(mailbox).values(), key=lambda i: i.start)
    return _collection(state, request, [render_view(master_view(i), request, state) for i in items])


def calendar_view(state: GraphState, request: Request, user: str) -> Answer:
    mailbox = state.mailbox_of(request)
    start, end = window(request)
    views = [v for i in state.calendars.of(mailbox).values() for v in expand(i, start, end)]
    views.sort(key=lambda v: v.start)
    return _collection(state, request, [render_view(v, request, state) for v in views])


def create_event(state: GraphState, request: Request, user: str) -> Answer:
    mailbox = state.mailbox_of(request)
    item = state.calendars.create(mailbox, request.json_body())
    request.notes["event_id"] = item.id
    return Answer(201, render_view(state.calendars.view(mailbox, item.id), request, state))


def update_event(state: GraphState, request: Request, user: str, event: str) -> Answer:
    mailbox = state.mailbox_of(request)
    request.notes["event_id"] = event
    view = state.calendars.patch(
        mailbox, event, request.json_body(), request.headers.get("if-match")
    )
    return Answer(200, render_view(view, request, state))


def delete_event(state: GraphState, request: Request, user: str, event: str) -> Answer:
    mailbox = state.mailbox_of(request)
    request.notes["event_id"] = event
    state.calendars.delete(mailbox, event)
    return Answer(204)


def instances(state: GraphState, request: Request, user: str, event: str) -> Answer:
    mailbox = state.mailbox_of(request)
    item, original = state.calendars.locate(mailbox, event)
    if original is not None or not item.is_series:
        raise bad_request("The event is not a series master.", "ErrorInvalidRequest")
    start, end = window(request)
    views = sorted(expand(item, start, end), key=lambda v: v.start)
    return _collection(state, request, [render_view(v, request, state) for v in views])


def respond(state: GraphState, request: Request, user: str, event: str, action: str) -> Answer:
    mailbox = state.mailbox_of(request)
    request.notes["event_id"] = event
    body = request.body if isinstance(request.body, dict) else {}
    state.calendars.respond(
        mailbox,
        event,
        RESPONSES[action.lower()],
        send_response=bool(body.get("sendResponse", True)),
    )
    return Answer(202)


EVENT = USER + r"/(?:calendar/)?events/(?P<event>[^/]+)"
ROUTES: list[Route] = [
    route("GET", USER + r"/(?:calendar/)?calendarView", calendar_view, "calendar"),
    route("GET", USER + r"/(?:calendar/)?events", list_events, "calendar"),
    route("POST", USER + r"/(?:calendar/)?events", create_event, "calendar", write=True),
    route("GET", EVENT + "/instances", instances, "calendar"),
    route(
        "POST",
        EVENT + r"/(?P<action>accept|tentativelyAccept|decline)",
        respond,
        "calendar",
        write=True,
    ),
    route("GET", EVENT, get_event, "calendar"),
    route("PATCH", EVENT, update_event, "calendar", write=True),
    route("DELETE", EVENT, delete_event, "calendar", write=True),
]
