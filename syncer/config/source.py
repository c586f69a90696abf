"""Reading the YAML file: plain data, the line of every key, and `${VAR}` substitution.

ruamel's round-trip loader keeps each key's and item's line (`node.lc`), which is what lets every
problem say where it is. The tree is copied into plain dicts/lists/scalars (so pydantic sees
ordinary Python values) with a side table `Lines` from key path to line number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeAlias

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from syncer.errors import ConfigProblem

KeyPath: TypeAlias = tuple[str | int, ...]
MAX_ALIASED = 10_000  # values copied through aliases: more is an alias bomb ("billion laughs")
MAX_DEPTH = 64
MAX_MESSAGE = 400
_VAR = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_path(path: KeyPath) -> str:
    """`("people", 2, "timezone")` -> `people[2].timezone`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def short(message: str) -> str:
    """At most MAX_MESSAGE characters of `message`: a quoted 100 KB value helps nobody."""
    if len(message) <= MAX_MESSAGE:
        return message
    return f"{message[:MAX_MESSAGE]}... ({len(message):,} characters)"


@dataclass
class Lines:
    """Line numbers (1-based) of keys and list items, by key path."""

    by_path: dict[KeyPath, int] = field(default_factory=dict)

    def of(self, path: KeyPath) -> int | None:
        """The line of `path`, else of its nearest ancestor that has one."""
        for n in range(len(path), 0, -1):
            line = self.by_path.get(tuple(path[:n]))
            if line is not None:
                return line
        return None

    def problem(self, path: KeyPath, message: str) -> ConfigProblem:
        message = short(message)
        where = format_path(path)
        if len(where) > MAX_MESSAGE:  # a stray key can be a whole pasted paragraph
            where = f"{where[:MAX_MESSAGE]}..."
        return ConfigProblem(path=where, message=message, line=self.of(path))


@dataclass
class Source:
    """What the file said, as plain data, with where each key is, and what was wrong in reading."""

    data: Any = None
    lines: Lines = field(default_factory=Lines)
    problems: list[ConfigProblem] = field(default_factory=list)
    env_paths: set[KeyPath] = field(default_factory=set)  # values with an unset variable
    aliased: int = 0  # values copied again through an alias: a short file can expand unbounded
    seen: set[int] = field(default_factory=set)  # ids of the mappings and lists copied


class _TooBig(Exception):
    """The document expands past MAX_ALIASED aliased values or MAX_DEPTH levels."""


def read_text(path: Path) -> tuple[str | None, ConfigProblem | None]:
    try:
        return path.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return None, ConfigProblem("", f"file not found: {path}")
    except IsADirectoryError:
        return None, ConfigProblem("", f"is a directory, not a config file: {path}")
    except UnicodeDecodeError as e:
        return None, ConfigProblem("", f"not UTF-8 text ({e.reason} at byte {e.start}): {path}")
    except OSError as e:
        return None, ConfigProblem("", f"cannot read {path}: {e.strerror or e}")


def parse_yaml(text: str, env: Mapping[str, str], top: type = dict) -> Source:
    """YAML text -> Source. Never raises: every trouble becomes a problem with a line if known.

    `top` is what the document must be: a mapping (the config) or a list (a template file).
    """
    source = Source()
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(str(s) for s in (e.context, e.problem) if s) or "malformed YAML"
        line = mark.line + 1 if mark is not None else None
        source.problems.append(ConfigProblem("", short(f"invalid YAML: {what}"), line))
        return source
    except (YAMLError, ValueError, TypeError, OverflowError) as e:
        # ruamel raises plain ValueError e.g. for a date like 2026-13-45; say so, not crash.
        source.problems.append(ConfigProblem("", short(f"invalid YAML: {e}")))
        return source
    except RecursionError:
        source.problems.append(ConfigProblem("", "invalid YAML: nested too deeply"))
        return source
    if tree is None:
        source.problems.append(ConfigProblem("", "the file is empty"))
        return source
    if not isinstance(tree, top):
        source.problems.append(
            ConfigProblem("", f"expected {_kind(top)}, got {_kind(type(tree), tree)}", 1)
        )
        return source
    try:
        source.data = _plain(tree, (), source, env)
    except _TooBig as e:
        source.problems.append(ConfigProblem("", str(e)))
    return source


def _kind(cls: type, value: object = None) -> str:
    if issubclass(cls, dict):
        return "a mapping"
    if issubclass(cls, list):
        return "a list"
    return f"{value!r:.40}"


def _plain(
    node: Any, path: KeyPath, source: Source, env: Mapping[str, str], aliased: bool = False
) -> Any:
    """Copy a ruamel node into plain Python, recording lines and substituting `${VAR}`."""
    if len(path) > MAX_DEPTH:
        raise _TooBig(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, CommentedMap | CommentedSeq):
        aliased = aliased or id(node) in source.seen
        source.seen.add(id(node))
    if aliased:
        source.aliased += 1
        if source.aliased > MAX_ALIASED:
            raise _TooBig(f"aliases expand to more than {MAX_ALIASED:,} values")
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _plain_scalar(key)
            if not isinstance(plain_key, str | int):
                plain_key = str(plain_key)
            child = (*path, plain_key)
            _record(source.lines, child, node.lc.key(key) if key in node.lc.data else None)
            out[plain_key] = _plain(value, child, source, env, aliased)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            child = (*path, i)
            _record(source.lines, child, node.lc.item(i) if i in node.lc.data else None)
            items.append(_plain(value, child, source, env, aliased))
        return items
    if isinstance(node, str):
        return _substitute(str(node), path, source, env)
    return _plain_scalar(node)


def _record(lines: Lines, path: KeyPath, position: Any) -> None:
    if position is not None:
        lines.by_path[path] = position[0] + 1


def _plain_scalar(value: Any) -> Any:
    # ruamel's ScalarInt/ScalarFloat/ScalarString keep formatting; pydantic wants the base types.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime):
        return datetime.fromisoformat(value.isoformat()) if type(value) is not datetime else value
    if isinstance(value, date):
        return value
    return value


def _substitute(text: str, path: KeyPath, source: Source, env: Mapping[str, str]) -> str:
    """Replace each `${VAR}` from `env`; an unset (or malformed) one is a problem at `path`.

    The text is left as written when a variable is missing, so validation still runs on the
    rest of the file (and problems at this path are reported once, as the variable's).
    """
    missing: list[str] = []

    def value_of(m: re.Match[str]) -> str:
        name = m.group(1)
        if not _VAR_NAME.fullmatch(name):
            missing.append(f"invalid variable name {name!r} in ${{...}}")
            return m.group(0)
        if name not in env:
            missing.append(f"environment variable {name} is not set")
            return m.group(0)
        return env[name]

    result = _VAR.sub(value_of, text)
    if missing:
        source.env_paths.add(path)
        for message in missing:
            source.problems.append(source.lines.problem(path, message))
        return text
    return result
