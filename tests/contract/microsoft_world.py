"""The Microsoft side of the contract suite: the Graph emulator over HTTPS (its own CA, msal's
identity endpoints) and a person's hands on it.

`MicrosoftWorld` has the same person-facing methods as `GoogleWorld`; changes go through the
emulator's person controls, which stay out of its API write log, so a test can tell syncer's
writes from people's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from syncer.providers.microsoft import MicrosoftProvider
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import TlsFiles

ALICE = "alice@example.com"
BOB = "bob@example.com"


@dataclass
class MicrosoftWorld:
    """A person's hands on the Graph emulator."""

    sandbox: GraphSandbox
    client_id: str
    secret: str
    ca_bundle: str
    sleeps: list[float] = field(default_factory=list)

    @property
    def state(self) -> GraphState:
        return self.sandbox.state

    def provider(self, **options: Any) -> MicrosoftProvider:
        """A provider as production builds it; retries sleep into `sleeps`, not the clock."""
        options.setdefault("sleep", self.sleeps.append)
        options.setdefault("clock", self.state.clock.now)
        return MicrosoftProvider(
            tenant_id=self.state.tenant_id,
            client_id=self.client_id,
            client_secret=self.secret,
            authority=self.sandbox.authority,
            graph_endpoint=f"{self.sandbox.base_url}/v1.0",
            ca_bundle=self.ca_bundle,
            **options,
        )

    def seed_weekly_one_on_one(
        self, organizer: str, attendee: str, first: dt.datetime, minutes: int = 30, **kw: Any
    ) -> str:
        """A weekly 1:1 on both calendars; returns the organiser's event id."""
        return self.state.create_one_on_one(organizer, attendee, first, minutes=minutes, **kw)

    def edit_description(self, person: str, event_id: str, text: str) -> None:
        self.state.edit_body(person, event_id, text, "text")

    def add_busy(self, person: str, start: dt.datetime, end: dt.datetime) -> str:
        """A plain busy event on someone's own calendar; returns its id."""
        body = {
            "subject": "Busy",
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        }
        return self.state.create_event(person, body)

    def create_event(self, person: str, body: dict[str, Any]) -> str:
        return self.state.create_event(person, body)

    def expire_cursors(self, calendar: str) -> None:
        self.state.expire_delta_tokens(calendar)

    def writes(self) -> list[Any]:
        """API writes the emulator saw (syncer's, never a person's)."""
        return list(self.state.write_log)

    def mails(self) -> list[Any]:
        """Mail Exchange would have sent because of an API call."""
        return list(self.state.mail_log)


@contextmanager
def microsoft_world(tls: TlsFiles) -> Iterator[MicrosoftWorld]:
    """A fresh emulator over HTTPS with Alice (Paris) and Bob (New York) and an app secret."""
    sandbox = GraphSandbox(GraphState(), tls=tls)
    sandbox.start()
    state = sandbox.state
    state.add_person(ALICE, time_zone="Europe/Paris")
    state.add_person(BOB, time_zone="America/New_York")
    client_id, secret = state.register_app()
    world = MicrosoftWorld(sandbox, client_id, secret, str(tls.ca_cert))
    try:
        yield world
    finally:
        sandbox.stop()
