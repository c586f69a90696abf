"""Fault injection: make the next calls fail the way Graph fails.

Throttling is 429 with ``Retry-After`` (seconds); 503 and 504 are transient too (Graph
"Microsoft Graph throttling guidance"; api-notes). ``drop`` closes the connection without an
answer. Rules match on method, a path regular expression and the mailbox the path names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..faults import Faults as SharedFaults
from ..faults import call_matches, retry_headers
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
        return call_matches(self.method, self.path, self.mailbox, method, path, mailbox)

    def error(self) -> GraphError | None:
        """The answer to give; None for ``drop``."""
        headers = retry_headers(self.retry_after)
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


class Faults(SharedFaults[FaultRule]):
    """The rules in force, plus a fixed latency added to every Graph call."""
