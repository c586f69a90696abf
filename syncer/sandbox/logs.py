"""The call, write and mail logs both emulators keep, and what tests ask of them.

Tests check "a second run writes nothing" against the write log, count calls for budgets and
benchmarks, and read the mail the service would have sent. The records of calls and writes
stay each emulator's own (Google's name the person the token acts as, Graph's the mailbox
the path names); the bookkeeping around them is the same and lives here.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .clock import Clock


class CallRecord(Protocol):
    """What ``count_calls`` reads of an emulator's call record."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


CallT = TypeVar("CallT", bound=CallRecord)
WriteT = TypeVar("WriteT")


@dataclass(frozen=True)
class Mail:
    """A message the service would have sent to people (invitations, updates, responses,
    share notices)."""

    time: dt.datetime
    sender: str | None
    recipients: tuple[str, ...]
    kind: str
    subject_id: str


class Logs(Generic[CallT, WriteT]):
    """A mixin for an emulator's state: ``write_log``, ``call_log``, ``mail_log`` and the
    methods that fill, count and clear them. The state calls ``_start_logs`` in its
    ``__init__`` with its own record types, built as ``(time, who, method, path, status)``
    and ``(time, who, method, path, api, **fields)``."""

    clock: Clock
    lock: threading.RLock
    write_log: list[WriteT]
    call_log: list[CallT]
    mail_log: list[Mail]

    def _start_logs(self, call: Callable[..., CallT], write: Callable[..., WriteT]) -> None:
        self._call_record = call
        self._write_record = write
        self.write_log = []
        self.call_log = []
        self.mail_log = []

    def log_call(self, who: str | None, method: str, path: str, status: int) -> None:
        self.call_log.append(self._call_record(self.clock.now(), who, method, path, status))

    def log_write(self, who: str | None, method: str, path: str, api: str, **fields: Any) -> None:
        self.write_log.append(
            self._write_record(self.clock.now(), who, method, path, api, **fields)
        )

    def log_mail(
        self, sender: str | None, recipients: list[str], kind: str, subject_id: str
    ) -> None:
        if recipients:
            self.mail_log.append(
                Mail(self.clock.now(), sender, tuple(recipients), kind, subject_id)
            )

    def count_calls(self, method: str | None = None, path_contains: str = "") -> int:
        return sum(
            1
            for call in self.call_log
            if (method is None or call.method == method) and path_contains in call.path
        )

    def reset_logs(self) -> None:
        with self.lock:
            self.write_log.clear()
            self.call_log.clear()
            self.mail_log.clear()
