"""``/users/{id}/calendarView/delta``: full round, pages, delta tokens, 410 on expiry.

Graph event-delta reference and "Get incremental changes to events in a calendar view":
the first call needs startDateTime/endDateTime (the window is fixed for the round and carried
in the tokens); pages follow ``@odata.nextLink``; the last page has ``@odata.deltaLink``;
``Prefer: odata.maxpagesize=N`` sets the page size (the emulator's default is
``DEFAULT_PAGE_SIZE`` = 10 and it answers ``Preference-Applied``). Deleted items come as
``{"@odata.type": "#microsoft.graph.event", "id", "@removed": {"reason": "deleted"}}``.

Expanded entries only (singleInstance, occurrence, exception), as documented, unless
``GraphState.delta_series_masters`` is set: then a change in a series also returns its
seriesMaster, as seen in practice (Stack Overflow 55641502). An occurrence the organiser
deleted simply disappears (no ``@removed``): the trap api-notes describes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import bad_request, sync_state_expired
from .events import window
from .items import View, expand, master_view
from .render import render_view
from .wire import USER, Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GraphState

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000


@dataclass
class Round:
    """What a delta or skip token stands for."""

    mailbox: str
    start: dt.datetime
    end: dt.datetime
    snapshot: dict[str, str]  # id -> changeKey of what the client has after the round
    pending: list[View | str] = field(default_factory=list)  # pages still to serve
    expired: bool = False


class DeltaTokens:
    def __init__(self) -> None:
        self.rounds: dict[str, Round] = {}

    def expire(self, mailbox: str | None = None) -> int:
        count = 0
        for token in self.rounds.values():
            if mailbox is None or token.mailbox == mailbox:
                token.expired, count = True, count + 1
        return count


def _current(state: GraphState, mailbox: str, start: dt.datetime, end: dt.datetime) -> list[View]:
    views = [v for i in state.calendars.of(mailbox).values() for v in expand(i, start, end)]
    return sorted(views, key=lambda v: (v.start, v.id))


def _changes(state: GraphState, base: Round) -> tuple[list[View | str], dict[str, str]]:
    now = _current(state, base.mailbox, base.start, base.end)
    snapshot = {v.id: v.change_key for v in now}
    changed: list[View | str] = [v for v in now if base.snapshot.get(v.id) != v.change_key]
    if state.delta_series_masters:
        masters = {v.item.id: v.item for v in changed if isinstance(v, View) and v.original_start}
        changed += [master_view(m) for m in masters.values()]
    silent = state.calendars.silent.get(base.mailbox, set())
    changed += [i for i in base.snapshot if i not in snapshot and i not in silent]
    return changed, snapshot


def _removed(item_id: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.event",
        "id": item_id,
        "@removed": {"reason": "deleted"},
    }


def calendar_view_delta(state: GraphState, request: Request, user: str) -> Answer:
    mailbox = state.mailbox_of(request)
    tokens = state.delta_tokens
    skip, delta = request.param("$skiptoken"), request.param("$deltatoken")
    token = skip or delta
    if token:
        found = tokens.rounds.get(token)
        if found is None or found.expired or found.mailbox != mailbox:
            raise sync_state_expired()
        if skip:
            current = found
        else:
            pending, snapshot = _changes(state, found)
            current = Round(mailbox, found.start, found.end, snapshot, pending)
    else:
        start, end = window(request)
        if end <= start:
            raise bad_request(
                "The end of the window must be after its start.", "ErrorInvalidParameter"
            )
        views = _current(state, mailbox, start, end)
        current = Round(mailbox, start, end, {v.id: v.change_key for v in views}, list(views))
    size = _page_size(request)
    page, rest = current.pending[:size], current.pending[size:]
    link = f"{state.base_url}/v1.0/users/{user}/calendarView/delta"
    body: dict[str, Any] = {
        "@odata.context": f"{state.base_url}/v1.0/$metadata#Collection(event)",
        "value": [
            _removed(entry) if isinstance(entry, str) else render_view(entry, request, state)
            for entry in page
        ],
    }
    new_token = secrets.token_urlsafe(24)
    if rest:
        tokens.rounds[new_token] = Round(
            mailbox, current.start, current.end, current.snapshot, rest
        )
        body["@odata.nextLink"] = f"{link}?$skiptoken={new_token}"
    else:
        tokens.rounds[new_token] = Round(mailbox, current.start, current.end, current.snapshot)
        body["@odata.deltaLink"] = f"{link}?$deltatoken={new_token}"
    if skip:
        tokens.rounds.pop(skip, None)
    headers = (
        {"Preference-Applied": f"odata.maxpagesize={size}"}
        if request.prefer("odata.maxpagesize")
        else {}
    )
    return Answer(200, body, headers)


def _page_size(request: Request) -> int:
    raw = request.prefer("odata.maxpagesize")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        return max(1, min(int(raw), MAX_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE


ROUTES: list[Route] = [
    route("GET", USER + r"/(?:calendar/)?calendarView/delta", calendar_view_delta, "calendar"),
]
