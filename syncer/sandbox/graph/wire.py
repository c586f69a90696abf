"""The request and answer types handlers see, and how routes are declared.

Handlers are plain functions ``(state, request, **path_parts) -> Answer``; each API module
exports ``ROUTES``. Paths are matched after the ``/v1.0`` prefix is removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: Any
    raw: bytes = b""
    app: str | None = None  # client id of the bearer token
    mailbox: str | None = None  # the mailbox the path names (email), when it names one
    notes: dict[str, Any] = field(default_factory=dict)  # what the write log records

    def param(self, name: str, default: str | None = None) -> str | None:
        for key in (name, name.lstrip("$")) if name.startswith("$") else (name,):
            values = self.params.get(key)
            if values:
                return values[-1]
        return default

    def json_body(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("Empty Payload. JSON content expected.")
        return self.body

    def prefer(self, name: str) -> str | None:
        """One preference of the ``Prefer`` header (``odata.maxpagesize=5``,
        ``outlook.timezone="W. Europe Standard Time"``), quotes removed."""
        for part in self.headers.get("prefer", "").split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == name.lower():
                return value.strip().strip('"')
        return None


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # a raw body (file content, validation echo)
    content_type: str = "application/json; odata.metadata=minimal; charset=utf-8"


Handler = Callable[..., Answer]


@dataclass(frozen=True)
class Route:
    """``api`` names the service for logs; ``auth`` False for identity and control endpoints."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    api: str
    write: bool = False
    auth: bool = True


def route(
    method: str, pattern: str, handler: Handler, api: str, *, write: bool = False, auth: bool = True
) -> Route:
    return Route(method, re.compile("^" + pattern + "$", re.IGNORECASE), handler, api, write, auth)


USER = r"/users/(?P<user>[^/]+)"
