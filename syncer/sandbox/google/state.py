"""The emulator's whole world: people, calendars, files, tokens, logs, faults and the clock.

One ``GoogleState`` is shared by every request thread; handlers hold ``state.lock`` while they
read or write it. Tests and the demo drive it directly (``state.add_person(...)``, the person
controls, ``state.faults``) or, from another process, through the ``/_sandbox/`` endpoint.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from .auth import AuthRegistry
from .calendar.channels import Channels
from .calendar.store import CalendarStore
from .controls import PersonControls
from .drive import DriveStore
from .faults import Faults


class Clock:
    """Wall time, or a simulated time that tests set and advance (the e2e runs weeks)."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        if self._fixed is not None:
            return self._fixed
        return dt.datetime.now(dt.UTC) + self._offset

    def set(self, moment: dt.datetime) -> None:
        """Freeze the clock at ``moment`` (aware)."""
        self._fixed = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        if self._fixed is not None:
            self._fixed += delta
        else:
            self._offset += delta


@dataclass
class Person:
    email: str
    name: str
    time_zone: str = "UTC"
    manager: str | None = None
    org_unit: str = "/"
    suspended: bool = False
    admin: bool = False
    aliases: list[str] = field(default_factory=list)
    id: str = ""


@dataclass(frozen=True)
class Call:
    """One API call as the emulator saw it (for call counts and benchmarks)."""

    time: dt.datetime
    person: str | None
    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Write:
    """One mutating API call: what "a second run writes nothing" is checked against."""

    time: dt.datetime
    person: str | None
    method: str
    path: str
    api: str
    calendar: str | None = None
    event_id: str | None = None
    send_updates: str | None = None
    status: int = 0


@dataclass(frozen=True)
class Mail:
    """A message Google would have sent to people (invitations, updates, share notices)."""

    time: dt.datetime
    sender: str | None
    recipients: tuple[str, ...]
    kind: str
    subject_id: str


class GoogleState(PersonControls):
    """Everything the Google emulator knows. Safe to share between threads via ``lock``."""

    def __init__(self, domain: str = "example.com") -> None:
        self.domain = domain
        self.lock = threading.RLock()
        self.clock = Clock()
        self.base_url = ""
        self.people: dict[str, Person] = {}
        self.calendars = CalendarStore(self)
        self.drive = DriveStore(self)
        self.auth = AuthRegistry(self)
        self.faults = Faults()
        self.channels = Channels(self)
        self.write_log: list[Write] = []
        self.call_log: list[Call] = []
        self.mail_log: list[Mail] = []

    # -- people and org --------------------------------------------------------------------

    def add_person(
        self,
        email: str,
        name: str | None = None,
        *,
        time_zone: str = "UTC",
        manager: str | None = None,
        org_unit: str = "/",
        suspended: bool = False,
        admin: bool = False,
        aliases: list[str] | None = None,
    ) -> Person:
        """A person of the org with a primary calendar (id = their email)."""
        with self.lock:
            email = email.lower()
            person = Person(
                email=email,
                name=name or email.split("@")[0].replace(".", " ").title(),
                time_zone=time_zone,
                manager=manager.lower() if manager else None,
                org_unit=org_unit,
                suspended=suspended,
                admin=admin,
                aliases=list(aliases or []),
                id=str(100000000000000000000 + len(self.people)),
            )
            self.people[email] = person
            self.calendars.add_calendar(email, time_zone)
            return person

    def person(self, email: str) -> Person | None:
        return self.people.get(email.lower())

    def is_internal(self, email: str) -> bool:
        return email.lower().split("@")[-1] == self.domain

    def issue_service_account(
        self,
        client_email: str = "syncer@sandbox.iam.gserviceaccount.com",
        scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        """A service-account JSON key (fresh RSA key) whose token_uri is this emulator.

        ``scopes`` are the scopes granted for domain-wide delegation (None: any known scope).
        Start the server first: the key file carries its URL.
        """
        return self.auth.issue(client_email, scopes)

    def expire_sync_tokens(self, calendar: str | None = None) -> None:
        """Make every sync token (of one calendar, or all) answer 410 fullSyncRequired."""
        with self.lock:
            self.calendars.expire_tokens(calendar)

    # -- logs ------------------------------------------------------------------------------

    def log_call(self, person: str | None, method: str, path: str, status: int) -> None:
        self.call_log.append(Call(self.clock.now(), person, method, path, status))

    def log_write(
        self, person: str | None, method: str, path: str, api: str, **fields: Any
    ) -> None:
        self.write_log.append(Write(self.clock.now(), person, method, path, api, **fields))

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
