"""The request and answer types that handlers see, and how routes are declared (the shared
parts are in ``syncer/sandbox/wire.py``).

Handlers are plain functions ``(state, request, **path_parts) -> Answer``; each API module
exports ``ROUTES``. Keeping HTTP parsing in the server leaves handlers easy to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import wire
from .errors import bad_request

if TYPE_CHECKING:
    from .auth import Grant


@dataclass
class Request(wire.Request):
    grant: Grant | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # what the write log records

    @property
    def person(self) -> str | None:
        return self.grant.person if self.grant else None

    def flag(self, name: str) -> bool:
        return (self.param(name, "false") or "false").lower() == "true"

    def json_body(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("Request body must be a JSON object.", "parseError")
        return self.body


Answer = wire.Answer
Handler = Callable[..., Answer]
Route = wire.Route[Answer]
route = wire.route
