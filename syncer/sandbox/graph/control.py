"""``/_sandbox/...``: the state's controls as a small JSON endpoint, for another process
(the demo, e2e runs). POST ``/_sandbox/{action}`` with keyword arguments as a JSON object
(datetimes as RFC 3339 strings, dates as YYYY-MM-DD); GET ``/_sandbox/write_log``,
``call_log``, ``mail_log``, ``deliveries``, ``invitations``, ``mailbox_peaks`` (the most
requests ever in flight per mailbox; ``reset_logs`` clears it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..control import arguments, call_action, common_action, plain
from .errors import GraphError, bad_request
from .faults import FaultRule
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GraphState

TIME_ARGS = ("start", "original_start", "new_start", "moment")
DATE_ARGS = ("day", "end_date")
ACTIONS = (
    "add_person", "register_app", "create_event", "create_one_on_one", "create_team_meeting",
    "create_all_day", "create_private_event", "delete_occurrence", "move_occurrence", "respond",
    "decline_occurrence", "decline_series", "edit_body", "end_series", "delete_series",
    "set_working_hours", "expire_delta_tokens", "event", "series", "copy_id", "occurrence_id",
    "reset_logs", "update_person",
)  # fmt: skip


def act(state: GraphState, request: Request, action: str) -> Answer:
    kwargs = arguments(request.body, TIME_ARGS, DATE_ARGS)
    if (body := common_action(state, action, kwargs, FaultRule)) is not None:
        return Answer(200, body)
    if action == "lifecycle":
        state.subscriptions.lifecycle(kwargs["subscription_id"], kwargs["event"])
        return Answer(200, {})
    if action == "settings":
        for key in ("default_time_zone", "delta_series_masters"):
            if key in kwargs:
                setattr(state, key, kwargs[key])
        if "mailbox_concurrency" in kwargs:  # an int, or null to stop enforcing it
            state.mailbox_concurrency.limit = kwargs["mailbox_concurrency"]
        return Answer(200, {})
    body = call_action(state, action, kwargs, ACTIONS, unknown=_no_such_thing, bad=bad_request)
    return Answer(200, body)


def _no_such_thing(message: str) -> GraphError:
    return GraphError(404, "ResourceNotFound", message)


def read_log(state: GraphState, request: Request, name: str) -> Answer:
    sources: dict[str, list[Any]] = {
        "write_log": state.write_log,
        "call_log": state.call_log,
        "mail_log": state.mail_log,
        "deliveries": state.subscriptions.deliveries,
        "invitations": state.drives.invitations,
        "mailbox_peaks": [
            {"mailbox": mailbox, "peak": peak}
            for mailbox, peak in sorted(state.mailbox_concurrency.peaks.items())
        ],
    }
    if name not in sources:
        raise _no_such_thing(f"No sandbox log {name}")
    return Answer(200, {"items": plain(list(sources[name]))})


ROUTES: list[Route] = [
    route("POST", "/_sandbox/(?P<action>[a-z_]+)", act, "sandbox", auth=False),
    route("GET", "/_sandbox/(?P<name>[a-z_]+)", read_log, "sandbox", auth=False),
]
