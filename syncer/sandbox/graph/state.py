"""The Graph emulator's whole world: the tenant, people and mailboxes, calendars, drives,
subscriptions, tokens, logs, faults and the clock.

One ``GraphState`` is shared by every request thread; handlers run under ``state.lock``.
Tests drive it directly (``state.add_person(...)``, the person controls in controls.py,
``state.faults``) or, from another process, through ``/_sandbox/`` (control.py).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field

from ..clock import Clock
from ..logs import Logs, Mail
from .calendar import Calendars
from .concurrency import MailboxConcurrency
from .controls import PersonControls
from .delta import DeltaTokens
from .errors import GraphError
from .faults import Faults
from .identity import Identity
from .onedrive import Drives
from .subscriptions import Subscriptions
from .wire import Request
from .zones import to_windows


@dataclass
class WorkingHours:
    days: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
    start: str = "08:00:00.0000000"
    end: str = "17:00:00.0000000"
    time_zone: str | None = None  # None: the person's zone


@dataclass
class Person:
    email: str
    name: str
    id: str
    time_zone: str = "UTC"  # Windows name
    manager: str | None = None
    job_title: str | None = None
    office: str | None = None
    room: bool = False
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    account_enabled: bool = True  # False: a disabled account (listed, cannot sign in)
    department: str | None = None
    aliases: list[str] = field(default_factory=list)  # secondary SMTP addresses


@dataclass(frozen=True)
class Call:
    time: dt.datetime
    mailbox: str | None
    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Write:
    """One mutating API call: what "a second run writes nothing" is checked against."""

    time: dt.datetime
    mailbox: str | None
    method: str
    path: str
    api: str
    event_id: str | None = None
    item_id: str | None = None
    status: int = 0


class GraphState(PersonControls, Logs[Call, Write]):
    """Everything the Graph emulator knows. Safe to share between threads via ``lock``."""

    def __init__(self, domain: str = "example.com", tenant_id: str | None = None) -> None:
        self.domain = domain.lower()
        self.tenant_id = tenant_id or str(uuid.uuid4())
        self.tenant_name = self.domain.split(".")[0]
        self.lock = threading.RLock()
        self.clock = Clock()
        self.base_url = ""
        self.default_time_zone: str | None = "UTC"  # see render.py
        self.delta_series_masters = False  # see delta.py
        self.people: dict[str, Person] = {}
        self.calendars = Calendars(self)
        self.identity = Identity(self)
        self.faults = Faults()
        self.mailbox_concurrency = MailboxConcurrency()  # Graph's four per app and mailbox
        self.delta_tokens = DeltaTokens()
        self.subscriptions = Subscriptions(self)
        self.drives = Drives(self)
        self.directory_pages: dict[str, int] = {}  # $skiptoken -> offset
        self._start_logs(Call, Write)

    def reset_logs(self) -> None:
        super().reset_logs()
        self.mailbox_concurrency.reset()

    # -- people ----------------------------------------------------------------------------

    def add_person(
        self,
        email: str,
        name: str | None = None,
        *,
        time_zone: str = "UTC",
        manager: str | None = None,
        job_title: str | None = None,
        room: bool = False,
        account_enabled: bool = True,
        department: str | None = None,
        aliases: list[str] | None = None,
    ) -> Person:
        """A person (or room) of the tenant with a mailbox, a calendar and a drive.

        `department` and `account_enabled` are what syncer's directory import reads as the
        team and "skip this account"; `aliases` come back as `smtp:` proxyAddresses."""
        with self.lock:
            email = email.lower()
            person = Person(
                email=email,
                name=name or email.split("@")[0].replace(".", " ").title(),
                id=str(uuid.uuid5(uuid.NAMESPACE_DNS, email)),
                time_zone=to_windows(time_zone),
                manager=manager.lower() if manager else None,
                job_title=job_title,
                room=room,
                account_enabled=account_enabled,
                department=department,
                aliases=[a.lower() for a in aliases or ()],
            )
            self.people[email] = person
            self.calendars.add_mailbox(email)
            return person

    def update_person(
        self,
        email: str,
        *,
        manager: str | None = None,
        department: str | None = None,
        time_zone: str | None = None,
        account_enabled: bool | None = None,
    ) -> Person:
        """An admin's change in the directory (a new manager, a move, a disabled account);
        arguments left None stay as they are; `manager=""` removes the manager."""
        with self.lock:
            person = self.person(email)
            if person is None:
                raise GraphError(404, "Request_ResourceNotFound", f"No person {email}")
            if manager is not None:
                person.manager = manager.lower() or None
            if department is not None:
                person.department = department or None
            if time_zone is not None:
                person.time_zone = to_windows(time_zone)
            if account_enabled is not None:
                person.account_enabled = account_enabled
            return person

    def person(self, key: str) -> Person | None:
        """By email (userPrincipalName) or object id."""
        key = key.lower()
        if key in self.people:
            return self.people[key]
        return next((p for p in self.people.values() if p.id == key), None)

    def mailbox_of(self, request: Request) -> str:
        if request.mailbox is None:
            raise GraphError(404, "ErrorInvalidUser", "The requested user is invalid.")
        return request.mailbox

    def register_app(
        self, client_id: str | None = None, secret: str | None = None
    ) -> tuple[str, str]:
        """An app registration (client id, secret) that may call Graph with app permissions."""
        with self.lock:
            return self.identity.register_app(client_id, secret)

    def expire_delta_tokens(self, mailbox: str | None = None) -> int:
        """Make delta and skip tokens (of one mailbox, or all) answer 410 Gone."""
        with self.lock:
            return self.delta_tokens.expire(mailbox.lower() if mailbox else None)

    # -- logs ------------------------------------------------------------------------------

    def mails_to(self, person: str, kind: str | None = None) -> list[Mail]:
        """Messages that reached ``person`` (optionally of one kind: invitation, update, ...)."""
        return [
            m
            for m in self.mail_log
            if person.lower() in m.recipients and (kind is None or m.kind == kind)
        ]
