"""Fault injection: make the next calls fail the way Graph fails.

Throttling is 429 with ``Retry-After`` (seconds); 503 and 504 are transient too (Graph
"Microsoft Graph throttling guidance"; api-notes). ``drop`` closes the connection without an
answer. Rules match on method, a path regular expression and the mailbox the path names.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Literal

from .errors import GraphError

FaultKind = Literal["throttle", "unavailable", "gateway_timeout", "server_error", "drop"]


@dataclass
class FaultRule:
    """Fail the next ``times`` matching calls (None: every matching call until cleared)."""

    kind: FaultKind
    times: int | None = 1
    path: str | None = None
    method: str | None = None
    mailbox: str | None = None
    retry_after: int | None = None

    def matches(self, method: str, path: str, mailbox: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.mailbox and (mailbox or "").lower() != self.mailbox.lower():
            return False
        return not (self.path and not re.search(self.path, path))

    def error(self) -> GraphError | None:
        """The answer to give; None for ``drop``."""
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        if self.kind == "throttle":
            headers.setdefault("Retry-After", "1")
            return GraphError(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                headers=headers,
            )
        if self.kind == "unavailable":
            return GraphError(
                503, "ServiceNotAvailable", "Service is temporarily unavailable.", headers=headers
            )
        if self.kind == "gateway_timeout":
            return GraphError(504, "UnknownError", "Gateway Timeout", headers=headers)
        if self.kind == "server_error":
            return GraphError(500, "InternalServerError", "Internal server error.", headers=headers)
        return None


class Faults:
    """The rules in force, plus a fixed latency added to every Graph call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.latency: float = 0.0
        self.fired: int = 0

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.latency = 0.0

    def take(
        self, method: str, path: str, mailbox: str | None, *, explicit_only: bool = False
    ) -> FaultRule | None:
        """The first matching rule, consuming one of its ``times``. Identity endpoints ask with
        ``explicit_only``: only rules whose ``path`` names them apply there."""
        with self._lock:
            for rule in self.rules:
                if explicit_only and rule.path is None:
                    continue
                if rule.matches(method, path, mailbox):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    self.fired += 1
                    return rule
        return None
