"""What both emulators' ``/_sandbox/`` endpoints do alike: turn JSON arguments into Python
ones and results back, and answer the controls every emulator has (faults, latency, the
clock). The actions on people and events, and the errors, stay each emulator's own
(``google/control.py``, ``graph/control.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .clock import Clock
from .faults import Faults


class Controllable(Protocol):
    """What the shared controls need of an emulator's state."""

    @property
    def faults(self) -> Faults[Any]: ...

    @property
    def clock(self) -> Clock: ...


def plain(value: Any) -> Any:
    """A result as JSON can carry it: dataclasses as objects, times and dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def arguments(body: Any, time_args: Iterable[str], date_args: Iterable[str] = ()) -> dict[str, Any]:
    """The keyword arguments of a control: RFC 3339 strings under ``time_args`` become
    datetimes, YYYY-MM-DD under ``date_args`` dates."""
    kwargs = dict(body or {})
    for key in time_args:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = dt.datetime.fromisoformat(kwargs[key])
    for key in date_args:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = dt.date.fromisoformat(kwargs[key])
    return kwargs


def common_action(
    state: Controllable, action: str, kwargs: dict[str, Any], fault_rule: Callable[..., Any]
) -> dict[str, Any] | None:
    """The answer body of ``fault`` (a rule made by ``fault_rule``), ``latency``,
    ``clear_faults`` and ``clock``; None for any other action."""
    if action == "fault":
        answer: dict[str, Any] = plain(state.faults.add(fault_rule(**kwargs)))
        return answer
    if action == "latency":
        state.faults.latency = float(kwargs.get("seconds", 0))
        return {}
    if action == "clear_faults":
        state.faults.clear()
        return {}
    if action == "clock":
        if "moment" in kwargs:
            state.clock.set(kwargs["moment"])
        if "advance_seconds" in kwargs:
            state.clock.advance(dt.timedelta(seconds=float(kwargs["advance_seconds"])))
        return {"now": state.clock.now().isoformat()}
    return None


def call_action(
    state: Any,
    action: str,
    kwargs: dict[str, Any],
    actions: Iterable[str],
    *,
    unknown: Callable[[str], Exception],
    bad: Callable[[str], Exception],
) -> dict[str, Any]:
    """The ``result`` body of a state method named in ``actions``, called with ``kwargs``.
    ``unknown`` and ``bad`` make the emulator's own errors for an action it does not have
    and for arguments the method does not take."""
    if action not in actions:
        raise unknown(f"No sandbox action {action}")
    try:
        result = getattr(state, action)(**kwargs)
    except TypeError as exc:
        raise bad(str(exc)) from exc
    return {"result": plain(result)}
