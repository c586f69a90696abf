"""The part of Drive's ``q`` search language syncer uses (Drive "Search for files" guide).

Supported terms, joined with ``and``: ``appProperties has { key='k' and value='v' }``
(also ``properties``), ``trashed = true|false``, ``mimeType = '...'``, ``name = '...'``,
``name contains '...'`` and ``'email' in owners|writers|readers``. Anything else is a 400, so
a provider that relies on more is told at once rather than silently matching everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import ApiError

Predicate = Callable[[dict[str, Any]], bool]
_STR = r"'((?:[^'\\]|\\.)*)'"
_HAS = re.compile(
    r"(appProperties|properties)\s+has\s*\{\s*key\s*=\s*"
    + _STR
    + r"\s+and\s+value\s*=\s*"
    + _STR
    + r"\s*\}$"
)
_BOOL = re.compile(r"trashed\s*(=|!=)\s*(true|false)$")
_FIELD = re.compile(r"(mimeType|name)\s*(=|!=|contains)\s*" + _STR + r"$")
_IN = re.compile(_STR + r"\s+in\s+(owners|writers|readers)$")


def _invalid(q: str) -> ApiError:
    return ApiError(
        400, "invalid", "Invalid Value", extra={"location": "q", "locationType": "parameter"}
    )


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_and(q: str) -> list[str]:
    """Split on top-level ``and`` (not inside quotes nor inside ``has { ... }``)."""
    strings: list[str] = []

    def hide(match: re.Match[str]) -> str:
        strings.append(match.group(0))
        return f"\x00{len(strings) - 1}\x00"

    masked = re.sub(_STR, hide, q)
    parts, depth, current = [], 0, ""
    for token in re.split(r"(\{|\}|\s+and\s+)", masked, flags=re.IGNORECASE):
        depth += token == "{"
        depth -= token == "}"
        if depth == 0 and token.strip().lower() == "and":
            parts.append(current)
            current = ""
        else:
            current += token
    parts.append(current)
    restore = re.compile("\x00(\\d+)\x00")
    return [restore.sub(lambda m: strings[int(m.group(1))], p).strip() for p in parts if p.strip()]


def _term(term: str, q: str) -> Predicate:
    if m := _HAS.match(term):
        field, key, value = m.group(1), _unescape(m.group(2)), _unescape(m.group(3))
        return lambda f: f.get(field, {}).get(key) == value
    if m := _BOOL.match(term):
        wanted = (m.group(2) == "true") == (m.group(1) == "=")
        return lambda f: bool(f.get("trashed", False)) == wanted
    if m := _FIELD.match(term):
        field, op, value = m.group(1), m.group(2), _unescape(m.group(3))
        if op == "contains":
            return lambda f: value.lower() in str(f.get(field, "")).lower()
        return lambda f: (f.get(field) == value) == (op == "=")
    if m := _IN.match(term):
        email, role = _unescape(m.group(1)).lower(), m.group(2)
        roles = {
            "owners": ("owner",),
            "writers": ("owner", "writer"),
            "readers": ("owner", "writer", "commenter", "reader"),
        }[role]
        return lambda f: any(
            p.get("emailAddress") == email and p.get("role") in roles
            for p in f.get("permissions", [])
        )
    raise _invalid(q)


def compile_query(q: str | None) -> Predicate:
    if not q or not q.strip():
        return lambda f: True
    if not _quoted_only(q):
        raise _invalid(q)
    terms = [_term(term, q) for term in _split_and(q)]
    return lambda f: all(term(f) for term in terms)


def _quoted_only(q: str) -> bool:
    """True when every or/not/parenthesis sits inside a quoted string."""
    bare = re.sub(_STR, "''", q)
    return not re.search(r"\)|\(|\bor\b|\bnot\b", bare, flags=re.IGNORECASE)
