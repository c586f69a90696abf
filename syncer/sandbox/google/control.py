"""``/_sandbox/...``: the state's controls as a small JSON endpoint, for another process
(the demo, e2e runs). POST ``/_sandbox/{action}`` with keyword arguments as a JSON object;
datetimes are RFC 3339 strings. GET ``/_sandbox/write_log``, ``call_log``, ``mail_log``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..control import arguments, call_action, common_action, plain
from .errors import bad_request, not_found
from .faults import FaultRule
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GoogleState

TIME_ARGS = ("start", "original_start", "new_start", "until", "moment")
ACTIONS = (
    "add_person", "create_event", "create_one_on_one", "move_instance", "cancel_instance",
    "respond", "decline_instance", "decline_series", "edit_description", "delete_series",
    "end_series", "add_room", "share_calendar", "issue_service_account", "expire_sync_tokens",
    "event", "reset_logs", "update_person",
)  # fmt: skip


def act(state: GoogleState, request: Request, action: str) -> Answer:
    kwargs = arguments(request.body, TIME_ARGS)
    if (body := common_action(state, action, kwargs, FaultRule)) is not None:
        return Answer(200, body)
    return Answer(
        200, call_action(state, action, kwargs, ACTIONS, unknown=not_found, bad=bad_request)
    )


def read_log(state: GoogleState, request: Request, name: str) -> Answer:
    if name not in ("write_log", "call_log", "mail_log"):
        raise not_found()
    return Answer(200, {"items": plain(list(getattr(state, name)))})


ROUTES: list[Route] = [
    route("POST", "/_sandbox/(?P<action>[a-z_]+)", act, "sandbox", auth=False),
    route("GET", "/_sandbox/(?P<name>[a-z_]+)", read_log, "sandbox", auth=False),
]
