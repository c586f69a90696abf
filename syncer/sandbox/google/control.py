"""``/_sandbox/...``: the state's controls as a small JSON endpoint, for another process
(the demo, e2e runs). POST ``/_sandbox/{action}`` with keyword arguments as a JSON object;
datetimes are RFC 3339 strings. GET ``/_sandbox/write_log``, ``call_log``, ``mail_log``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

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
    "event", "reset_logs",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def act(state: GoogleState, request: Request, action: str) -> Answer:
    kwargs = dict(request.body or {})
    for key in TIME_ARGS:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = dt.datetime.fromisoformat(kwargs[key])
    if action == "fault":
        return Answer(200, _plain(state.faults.add(FaultRule(**kwargs))))
    if action == "latency":
        state.faults.latency = float(kwargs.get("seconds", 0))
        return Answer(200, {})
    if action == "clear_faults":
        state.faults.clear()
        return Answer(200, {})
    if action == "clock":
        if "moment" in kwargs:
            state.clock.set(kwargs["moment"])
        if "advance_seconds" in kwargs:
            state.clock.advance(dt.timedelta(seconds=float(kwargs["advance_seconds"])))
        return Answer(200, {"now": state.clock.now().isoformat()})
    if action not in ACTIONS:
        raise not_found(f"No sandbox action {action}")
    try:
        result = getattr(state, action)(**kwargs)
    except TypeError as exc:
        raise bad_request(str(exc)) from exc
    return Answer(200, {"result": _plain(result)})


def read_log(state: GoogleState, request: Request, name: str) -> Answer:
    if name not in ("write_log", "call_log", "mail_log"):
        raise not_found()
    return Answer(200, {"items": _plain(list(getattr(state, name)))})


ROUTES: list[Route] = [
    route("POST", "/_sandbox/(?P<action>[a-z_]+)", act, "sandbox", auth=False),
    route("GET", "/_sandbox/(?P<name>[a-z_]+)", read_log, "sandbox", auth=False),
]
