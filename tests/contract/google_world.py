"""The Google side of the contract suite: a sandbox over HTTPS and a person's hands on it.

`GoogleWorld` makes changes "as a person would" (through the emulator's person controls, which
stay out of its API write log), so a test can tell syncer's writes from people's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from syncer.providers.google import GoogleProvider
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import TlsFiles

ALICE = "alice@example.com"
BOB = "bob@example.com"


@dataclass
class GoogleWorld:
    """A person's hands on the Google emulator."""

    state: GoogleState
    base_url: str
    key: dict[str, Any]
    ca_certs: str
    sleeps: list[float] = field(default_factory=list)

    def provider(self, **options: Any) -> GoogleProvider:
        """A provider as production builds it; retries sleep into `sleeps`, not the clock."""
        options.setdefault("sleep", self.sleeps.append)
        return GoogleProvider(self.key, self.base_url, ca_certs=self.ca_certs, **options)

    def seed_weekly_one_on_one(
        self, organizer: str, attendee: str, first: dt.datetime, minutes: int = 30
    ) -> str:
        """A weekly 1:1 on both calendars; returns the organiser's event id."""
        return self.state.create_one_on_one(organizer, attendee, first, minutes=minutes)

    def edit_description(self, person: str, event_id: str, text: str) -> None:
        self.state.edit_description(person, event_id, text)

    def add_busy(self, person: str, start: dt.datetime, end: dt.datetime) -> str:
        """A plain busy event on someone's own calendar; returns its id."""
        body = {
            "summary": "Busy",
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": end.isoformat(), "timeZone": "UTC"},
        }
        return str(self.state.create_event(person, body)["id"])

    def create_event(self, person: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.state.create_event(person, body)

    def expire_cursors(self, calendar: str) -> None:
        self.state.expire_sync_tokens(calendar)

    def writes(self) -> list[Any]:
        """API writes the emulator saw (syncer's, never a person's)."""
        return list(self.state.write_log)

    def mails(self) -> list[Any]:
        """Mail Google would have sent because of an API call."""
        return list(self.state.mail_log)


@contextmanager
def google_world(tls: TlsFiles) -> Iterator[GoogleWorld]:
    """A fresh emulator over HTTPS with Alice (Paris) and Bob (New York) and a service key."""
    sandbox = GoogleSandbox(GoogleState(), tls=tls)
    base_url = sandbox.start()
    state = sandbox.state
    state.add_person(ALICE, time_zone="Europe/Paris")
    state.add_person(BOB, time_zone="America/New_York")
    world = GoogleWorld(state, base_url, state.issue_service_account(), str(tls.ca_cert))
    try:
        yield world
    finally:
        sandbox.stop()
