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

from ..clock import Clock
from ..logs import Logs
from ..logs import Mail as Mail  # the records tests read: Call, Write, Mail
from .auth import AuthRegistry
from .calendar.channels import Channels
from .calendar.store import CalendarStore
from .controls import PersonControls
from .drive import DriveStore
from .errors import not_found
from .faults import Faults


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


class GoogleState(PersonControls, Logs[Call, Write]):
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
        self._start_logs(Call, Write)

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

    def update_person(
        self,
        email: str,
        *,
        manager: str | None = None,
        org_unit: str | None = None,
        time_zone: str | None = None,
        suspended: bool | None = None,
    ) -> Person:
        """An admin's change in the Directory (a new manager or org unit, a suspension);
        arguments left None stay as they are; `manager=""` removes the manager. A new
        `time_zone` is the person's primary calendar's zone (the Directory has none)."""
        with self.lock:
            person = self.person(email)
            if person is None:
                raise not_found(f"No person {email}")
            if manager is not None:
                person.manager = manager.lower() or None
            if org_unit is not None:
                person.org_unit = org_unit
            if suspended is not None:
                person.suspended = suspended
            if time_zone is not None:
                person.time_zone = time_zone
                self.calendars.get(person.email).time_zone = time_zone
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
