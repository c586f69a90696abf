"""Fault injection: make the next calls fail the way Google fails.

Rate limits come as 403 ``rateLimitExceeded``/``userRateLimitExceeded`` or 429 (with
``Retry-After`` when given); 5xx are transient (Calendar "Handle API errors"). ``drop`` closes
the connection without an answer. Note that httplib2 silently retries a request once when the
connection drops before a status line, so ``drop`` with ``times=1`` is invisible to a caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..faults import Faults as SharedFaults
from ..faults import call_matches, retry_headers
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
        return call_matches(self.method, self.path, self.person, method, path, person)

    def error(self) -> ApiError | None:
        """The answer to give; None for ``drop`` (the server closes the socket)."""
        headers = retry_headers(self.retry_after)
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


class Faults(SharedFaults[FaultRule]):
    """The rules in force, plus a fixed latency added to every API call."""
