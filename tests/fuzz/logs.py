"""A structlog logger that renders events as production does (redaction included) into a list."""

from __future__ import annotations

import json
from typing import Any

import structlog
from hypothesis import HealthCheck, Phase

from syncer.logging import redact


class CapturedLog:
    """`log` is a bound logger; every event it gets is redacted, rendered to JSON, kept."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self.log = structlog.wrap_logger(None, processors=[redact, self._keep])

    def _keep(self, _logger: Any, _method: str, event_dict: Any) -> Any:
        self.events.append(dict(event_dict))
        self.lines.append(json.dumps(event_dict, default=str))
        raise structlog.DropEvent

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == event]

    def clear(self) -> None:
        self.events.clear()
        self.lines.clear()


FUZZ_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    # No shrinking: with 100 kB strings and 400-deep nesting it can take minutes; the failing
    # example is printed as found.
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
}
