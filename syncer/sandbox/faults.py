"""Fault injection both emulators share: which rule a call meets, how many times it fires,
and the latency added to every API call.

What a fault looks like on the wire (status, error body, ``Retry-After``) is each service's
own: the rules live in ``google/faults.py`` and ``graph/faults.py``, with their kinds and
field names (``person`` for Google, ``mailbox`` for Graph).
"""

from __future__ import annotations

import re
import threading
from typing import Generic, Protocol, TypeVar


class Rule(Protocol):
    """What ``Faults`` needs of an emulator's fault rule."""

    times: int | None

    @property
    def path(self) -> str | None: ...

    def matches(self, method: str, path: str, who: str | None, /) -> bool: ...

    def error(self) -> Exception | None:
        """The error to answer with; None to drop the connection."""
        ...


RuleT = TypeVar("RuleT", bound=Rule)


def call_matches(
    rule_method: str | None,
    rule_path: str | None,
    rule_who: str | None,
    method: str,
    path: str,
    who: str | None,
) -> bool:
    """Whether a call meets a rule: same method, same person or mailbox (any case) and the
    path regular expression found in the path; a rule's None matches anything."""
    if rule_method and rule_method.upper() != method.upper():
        return False
    if rule_who and (who or "").lower() != rule_who.lower():
        return False
    return not (rule_path and not re.search(rule_path, path))


def retry_headers(retry_after: int | None) -> dict[str, str]:
    return {"Retry-After": str(retry_after)} if retry_after is not None else {}


class Faults(Generic[RuleT]):
    """The rules in force, plus a fixed latency added to every API call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[RuleT] = []
        self.latency: float = 0.0
        self.fired: int = 0

    def add(self, rule: RuleT) -> RuleT:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.latency = 0.0

    def take(
        self, method: str, path: str, who: str | None, *, explicit_only: bool = False
    ) -> RuleT | None:
        """The first matching rule, consuming one of its ``times``. Token and identity
        endpoints ask with ``explicit_only``: only rules whose ``path`` names them apply."""
        with self._lock:
            for rule in self.rules:
                if explicit_only and rule.path is None:
                    continue
                if rule.matches(method, path, who):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    self.fired += 1
                    return rule
        return None
