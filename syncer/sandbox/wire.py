"""What both emulators' handlers see: the request, the answer, and how routes are declared.

Handlers are plain functions ``(state, request, **path_parts) -> Answer``; each API module
exports ``ROUTES``. What a request carries beyond the HTTP basics (Google's grant, Graph's
app and mailbox) and what an answer may carry beyond JSON are each emulator's, in
``google/wire.py`` and ``graph/wire.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: Any

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        values = self.params.get(name)
        return values[-1] if values else default


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


AnswerT = TypeVar("AnswerT", bound=Answer)


@dataclass(frozen=True)
class Route(Generic[AnswerT]):
    """``api`` names the service for logs; ``auth`` False for token, identity and control
    endpoints."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., AnswerT]
    api: str
    write: bool = False
    auth: bool = True


def route(
    method: str,
    pattern: str,
    handler: Callable[..., AnswerT],
    api: str,
    *,
    write: bool = False,
    auth: bool = True,
    flags: re.RegexFlag = re.NOFLAG,
) -> Route[AnswerT]:
    """A route whose ``pattern`` must match the whole path."""
    return Route(method, re.compile("^" + pattern + "$", flags), handler, api, write, auth)


def find_route(
    routes: Sequence[Route[AnswerT]], method: str, path: str
) -> tuple[Route[AnswerT], dict[str, str]] | None:
    """The first route for the method whose pattern matches, with the path's named parts."""
    for candidate in routes:
        if candidate.method == method and (match := candidate.pattern.match(path)):
            return candidate, match.groupdict()
    return None
