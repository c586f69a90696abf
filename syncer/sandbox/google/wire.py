"""The request and answer types that handlers see, and how routes are declared.

Handlers are plain functions ``(state, request, **path_parts) -> Answer``; each API module
exports ``ROUTES``. Keeping HTTP parsing in the server leaves handlers easy to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import bad_request

if TYPE_CHECKING:
    from .auth import Grant


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: Any
    grant: Grant | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # what the write log records

    @property
    def person(self) -> str | None:
        return self.grant.person if self.grant else None

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name, "false") or "false").lower() == "true"

    def json_body(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("Request body must be a JSON object.", "parseError")
        return self.body


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Answer]


@dataclass(frozen=True)
class Route:
    """``api`` names the service for logs; ``auth`` False for the token and control endpoints."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    api: str
    write: bool = False
    auth: bool = True


def route(
    method: str, pattern: str, handler: Handler, api: str, *, write: bool = False, auth: bool = True
) -> Route:
    return Route(method, re.compile("^" + pattern + "$"), handler, api, write, auth)


StateT = "GoogleState"
