"""One face for the Google and the Microsoft test orgs, so the admin's-side tests (modes,
pilot, audit, purge, opt-out) run the same scenario against both emulators' write logs.

`AdminWorld` wraps a `GoogleOrg` or a `GraphOrg`: a 1:1 with a person's text, a declined
occurrence, the text of any copy, the writes syncer made (who, method, path, id, status) and
every copy syncer left something on, as the provider itself finds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from syncer.engine import Engine, SyncSummary
from syncer.providers.base import MarkedCopy
from syncer.sandbox.graph.controls import teams_body
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import GoogleOrg, google_org
from tests.integration.graph_org import GraphOrg, graph_org

ANA = "ana@acme.test"
BOB = "bob@acme.test"
CAT = "cat@acme.test"
DAN = "dan@acme.test"
PEOPLE = (ANA, BOB, CAT, DAN)
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # next Monday, 10:00 Berlin
HOLDS = "policy: {reschedule: {hold: true}}"

Kind = Literal["google", "microsoft"]


@dataclass(frozen=True)
class Written:
    who: str | None
    method: str
    path: str
    id: str | None
    status: int


@dataclass
class AdminWorld:
    kind: Kind
    org: GoogleOrg | GraphOrg

    @property
    def store(self) -> Store:
        return self.org.store

    @property
    def config_path(self) -> Path:
        return self.org.config_path

    def engine(self, *, dry_run: bool = False) -> Engine:
        return self.org.engine(dry_run=dry_run)

    def sync(self, **kw: Any) -> SyncSummary:
        return self.org.sync(**kw)

    def one_on_one(self, organizer: str, attendee: str, text: str) -> str:
        """A weekly 1:1 made 90 days ago with `text` in its description; the organiser's id."""
        if isinstance(self.org, GoogleOrg):
            self.org.state.clock.set(NOW - dt.timedelta(days=90))
            made = self.org.state.create_one_on_one(organizer, attendee, FIRST, description=text)
        else:
            self.org.before(90)
            made = self.org.graph.create_one_on_one(
                organizer, attendee, FIRST, body=teams_body(text), teams=True
            )
        self.org.at(NOW)
        return made

    def decline(self, attendee: str, series: str, when: dt.datetime = MONDAY) -> None:
        if isinstance(self.org, GoogleOrg):
            self.org.state.decline_instance(attendee, series, when)
        else:
            self.org.graph.decline_occurrence(attendee, series, when)

    def edit(self, person: str, series: str, text: str) -> None:
        if isinstance(self.org, GoogleOrg):
            self.org.state.edit_description(person, series, text)
        else:
            self.org.graph.edit_body(person, series, text)

    def instance(self, email: str, series: str, when: dt.datetime = MONDAY) -> str:
        if isinstance(self.org, GoogleOrg):
            return f"{series}_{when:%Y%m%dT%H%M%SZ}"
        return self.org.graph.occurrence_id(email, series, when)

    def copy_id(self, email: str, series: str) -> str:
        if isinstance(self.org, GoogleOrg):
            return series
        return self.org.graph.copy_id(email, series)

    def text(self, email: str, event_id: str) -> str:
        if isinstance(self.org, GoogleOrg):
            return str(self.org.event(email, event_id).get("description", ""))
        return self.org.body(email, event_id)

    def event(self, email: str, event_id: str) -> dict[str, Any]:
        return self.org.event(email, event_id)

    def writes(self) -> list[Written]:
        """Every mutating API call syncer made since the logs were last reset."""
        if isinstance(self.org, GoogleOrg):
            return [
                Written(w.person, w.method, w.path, w.event_id, w.status)
                for w in self.org.state.write_log
            ]
        return [
            Written(w.mailbox, w.method, w.path, w.event_id or w.item_id, w.status)
            for w in self.org.graph.write_log
        ]

    def reset_logs(self) -> None:
        if isinstance(self.org, GoogleOrg):
            self.org.state.reset_logs()
        else:
            self.org.reset_logs()

    def mails_since(self, moment: dt.datetime) -> list[Any]:
        state = self.org.state
        return [m for m in state.mail_log if m.time >= moment]

    def marked(self) -> list[MarkedCopy]:
        """Every copy on every calendar that still carries a syncer marker or block."""
        engine = self.engine()
        return [c for p in PEOPLE for c in engine.provider_of(p).find_marked(p)]

    def set_config(self, extra: str) -> None:
        """Append top-level keys to the org's config (mode, pilot, policy)."""
        path = self.org.config_path
        path.write_text(path.read_text() + "\n" + extra + "\n")

    def opt_out(self, email: str) -> None:
        path = self.org.config_path
        text = path.read_text()
        needle = f"{{email: {email}, "
        assert needle in text
        path.write_text(text.replace(needle, f"{{email: {email}, opt_out: true, ", 1))


@contextmanager
def admin_world(kind: Kind, tmp: Path, tls: TlsFiles, store: Store) -> Iterator[AdminWorld]:
    if kind == "google":
        with google_org(tmp, tls, store) as org:
            yield AdminWorld(kind, org)
    else:
        with graph_org(tmp, tls, store) as graph:
            yield AdminWorld(kind, graph)
