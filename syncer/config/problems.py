"""Turning what is wrong with a config into admin-facing problems (key path, line, message).

Two sources: pydantic's validation errors (types, unknown keys, per-value checks) and the checks
that look across the file (duplicate people, unknown managers, missing provider sections). The
cross checks run on the plain data, so they report even when pydantic rejected something else:
the admin sees every problem in one go.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from syncer.config.source import KeyPath, Lines, format_path
from syncer.errors import ConfigProblem

_SENSITIVE = ("secret", "token", "password")
_NO_INPUT = {"missing", "extra_forbidden", "value_error", "invalid_template"}


def validation_problems(
    error: ValidationError,
    model: type[BaseModel] | None,
    data: Any,
    lines: Lines,
    skip: set[KeyPath],
) -> list[ConfigProblem]:
    """pydantic's errors as problems; nothing is reported under a path in `skip`."""
    keys = known_keys(model) if model is not None else {}
    problems: list[ConfigProblem] = []
    for err in error.errors(include_url=False):
        path = _data_path(err["loc"], data, missing=err["type"] == "missing")
        if any(path[: len(s)] == s for s in skip):
            continue
        problem = lines.problem(path, _message(err, path, keys))
        if problem not in problems:
            problems.append(problem)
    return problems


def _data_path(loc: tuple[int | str, ...], data: Any, missing: bool) -> KeyPath:
    """pydantic's loc -> the key path in the file, dropping union tags and validator names."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif missing and i == len(loc) - 1:
            pass
        else:
            continue
        path.append(part)
    return tuple(path)


def _message(err: Any, path: KeyPath, keys: dict[tuple[str, ...], set[str]]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        section = tuple(str(p) for p in path[:-1] if isinstance(p, str))
        close = difflib.get_close_matches(key, sorted(keys.get(section, ())), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}"
    message = str(err["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    sensitive = any(word in str(p) for p in path for word in _SENSITIVE)
    given = err.get("input")
    if kind not in _NO_INPUT and not sensitive and not isinstance(given, dict | list):
        message = f"{message}, got {given!r:.60}"
    return message


def known_keys(model: type[BaseModel]) -> dict[tuple[str, ...], set[str]]:
    """Every section's allowed keys by its path (list indices left out): for 'did you mean'."""
    out: dict[tuple[str, ...], set[str]] = {}

    def walk(m: type[BaseModel], prefix: tuple[str, ...]) -> None:
        out[prefix] = set()
        for name, info in m.model_fields.items():
            key = info.alias or name
            out[prefix].add(key)
            for sub in _models_in(info.annotation):
                walk(sub, (*prefix, key))

    walk(model, ())
    return out


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in get_args(annotation):
        yield from _models_in(arg)


# --------------------------------------------------------------------------------------------
# Checks across the file


def cross_problems(data: Any, lines: Lines) -> list[ConfigProblem]:
    """Duplicate people, managers who are not people, people whose provider is not configured."""
    if not isinstance(data, dict):
        return []
    problems: list[ConfigProblem] = []
    source = data.get("people_source", "config")
    providers = data.get("providers")
    providers = providers if isinstance(providers, dict) else {}
    people = data.get("people")
    people = people if isinstance(people, list) else []

    for name in ("google", "microsoft"):
        if source == f"{name}_directory" and providers.get(name) is None:
            problems.append(
                lines.problem(("people_source",), f"{source} needs a providers.{name} section")
            )
    if source == "config" and data.get("people", []) == []:
        problems.append(
            lines.problem(("people",), "no people: list at least one (or use a directory source)")
        )

    owner: dict[str, int] = {}  # address -> index of the person it belongs to
    where: dict[str, KeyPath] = {}
    for i, person in enumerate(people):
        if not isinstance(person, dict):
            continue
        for path, address in _addresses(i, person):
            if address in where:
                first = where[address]
                line = lines.of(first)
                at = f"{format_path(first)}" + (f" (line {line})" if line else "")
                problems.append(lines.problem(path, f"{address} is listed twice; also at {at}"))
            else:
                where[address] = path
                owner[address] = i
        provider = person.get("provider")
        if source == "config" and person.get("provider") is None:
            problems.append(lines.problem(("people", i, "provider"), "required, but missing"))
        if provider in ("google", "microsoft") and providers.get(provider) is None:
            problems.append(
                lines.problem(
                    ("people", i, "provider"), f"there is no providers.{provider} section"
                )
            )

    if source == "config":
        for i, person in enumerate(people):
            if not isinstance(person, dict) or not isinstance(person.get("manager"), str):
                continue
            manager = person["manager"].strip().lower()
            where_manager: KeyPath = ("people", i, "manager")
            if manager not in owner:
                problems.append(
                    lines.problem(where_manager, f"{manager} is not a person in people")
                )
            elif owner[manager] == i:
                problems.append(
                    lines.problem(where_manager, "a person cannot be their own manager")
                )
    return problems


def _addresses(i: int, person: dict[Any, Any]) -> Iterator[tuple[KeyPath, str]]:
    email = person.get("email")
    primary = email.strip().lower() if isinstance(email, str) else None
    if primary is not None:
        yield ("people", i, "email"), primary
    aliases = person.get("aliases")
    if isinstance(aliases, list):
        for j, alias in enumerate(aliases):
            if isinstance(alias, str) and alias.strip().lower() != primary:
                yield ("people", i, "aliases", j), alias.strip().lower()
