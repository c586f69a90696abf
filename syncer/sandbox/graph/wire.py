"""The request and answer types handlers see, and how routes are declared (the shared parts
are in ``syncer/sandbox/wire.py``).

Handlers are plain functions ``(state, request, **path_parts) -> Answer``; each API module
exports ``ROUTES``. Paths are matched after the ``/v1.0`` prefix is removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import wire
from .errors import bad_request


@dataclass
class Request(wire.Request):
    raw: bytes = b""
    app: str | None = None  # client id of the bearer token
    mailbox: str | None = None  # the mailbox the path names (email), when it names one
    notes: dict[str, Any] = field(default_factory=dict)  # what the write log records

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter; ``$top`` is also found as ``top``."""
        for key in (name, name.lstrip("$")) if name.startswith("$") else (name,):
            if (value := super().param(key)) is not None:
                return value
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
class Answer(wire.Answer):
    content: bytes | None = None  # a raw body (file content, validation echo)
    content_type: str = "application/json; odata.metadata=minimal; charset=utf-8"


Handler = Callable[..., Answer]
Route = wire.Route[Answer]


def route(
    method: str, pattern: str, handler: Handler, api: str, *, write: bool = False, auth: bool = True
) -> Route:
    """Graph paths match in any case (``/Users/...``, ``/me/Events``)."""
    return wire.route(method, pattern, handler, api, write=write, auth=auth, flags=re.IGNORECASE)


USER = r"/users/(?P<user>[^/]+)"
