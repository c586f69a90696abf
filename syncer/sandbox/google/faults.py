"""Fault injection: make the next calls fail the way Google fails.

Rate limits come as 403 ``rateLimitExceeded``/``userRateLimitExceeded`` or 429 (with
``Retry-After`` when given); 5xx are transient (Calendar "Handle API errors"). ``drop`` closes
the connection without an answer. Note that httplib2 silently retries a request once when the
connection drops before a status line, so ``drop`` with ``times=1`` is invisible to a caller.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Literal

from .errors import ApiError

FaultKind = Literal[
    "rate_limit", "user_rate_limit", "too_many_requests", "server_error", "unavailable", "drop"
]


@dataclass
class FaultRule:
    """Fail the next ``times`` matching calls (None: every matching call until removed).

    ``path`` is a regular expression searched in the request path (without query);
    ``method`` and ``person`` (the email the token acts as) narrow the match.
    """

    kind: FaultKind
    times: int | None = 1
    path: str | None = None
    method: str | None = None
    person: str | None = None
    retry_after: int | None = None

    def matches(self, method: str, path: str, person: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.person and (person or "").lower() != self.person.lower():
            return False
        return not (self.path and not re.search(self.path, path))

    def error(self) -> ApiError | None:
        """The answer to give; None for ``drop`` (the server closes the socket)."""
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        if self.kind == "rate_limit":
            return ApiError(
                403,
                "rateLimitExceeded",
                "Rate Limit Exceeded",
                domain="usageLimits",
                headers=headers,
            )
        if self.kind == "user_rate_limit":
            return ApiError(
                403,
                "userRateLimitExceeded",
                "User Rate Limit Exceeded",
                domain="usageLimits",
                headers=headers,
            )
        if self.kind == "too_many_requests":
            return ApiError(
                429,
                "rateLimitExceeded",
                "Rate Limit Exceeded",
                domain="usageLimits",
                headers=headers,
            )
        if self.kind == "server_error":
            return ApiError(500, "backendError", "Backend Error", headers=headers)
        if self.kind == "unavailable":
            return ApiError(
                503, "backendError", "The service is currently unavailable.", headers=headers
            )
        return None


class Faults:
    """The rules in force, plus a fixed latency added to every API call."""

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
        self, method: str, path: str, person: str | None, *, explicit_only: bool = False
    ) -> FaultRule | None:
        """The first matching rule, consuming one of its ``times``. The token endpoint asks
        with ``explicit_only``: only rules whose ``path`` names it apply there."""
        with self._lock:
            for rule in self.rules:
                if explicit_only and rule.path is None:
                    continue
                if rule.matches(method, path, person):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    self.fired += 1
                    return rule
        return None
