"""A small Microsoft 365 org on the Graph emulator (optionally with Google people too: a mixed
org), with syncer's config, store and engine.

`GraphOrg` is what the Microsoft and mixed sync tests drive: people change their calendars
through the emulators' person controls (never logged as API writes), syncer runs `sync_once`
through the production path (config file -> providers (msal + HTTPS) -> engine -> Redis), and
the tests read the emulators' write logs, mail logs and calendars to check what syncer did.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncer.config import SyncerConfig, load_config
from syncer.engine import Engine, SyncSummary
from syncer.engine.providers import build_providers
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.graph.state import Write
from syncer.sandbox.logs import Mail
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store

ANA = "ana@acme.test"
BOB = "bob@acme.test"
CAT = "cat@acme.test"
DAN = "dan@acme.test"
GIL = "gil@acme.test"  # a Google person in the mixed org
HAL = "hal@acme.test"  # another Google person in the mixed org
ROOM = "room.berlin@acme.test"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
BERLIN = dt.timezone(dt.timedelta(hours=1))


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    provider: str
    timezone: str = "Europe/Berlin"
    manager: str | None = None


MICROSOFT_PEOPLE = (
    Member(ANA, "Ana", "microsoft"),
    Member(BOB, "Bob", "microsoft", "America/New_York", ANA),
    Member(CAT, "Cat", "microsoft", manager=ANA),
    Member(DAN, "Dan", "microsoft", manager=ANA),
)
MIXED_PEOPLE = (
    Member(ANA, "Ana", "microsoft"),
    Member(BOB, "Bob", "microsoft", "America/New_York", ANA),
    Member(GIL, "Gil", "google", manager=ANA),
    Member(HAL, "Hal", "google", "America/New_York", GIL),
)


@dataclass
class GraphOrg:
    graph: GraphState
    config_path: Path
    store: Store
    google: GoogleState | None = None
    now: dt.datetime = NOW
    sleeps: list[float] = field(default_factory=list)

    @property
    def state(self) -> GraphState:
        return self.graph

    @property
    def config(self) -> SyncerConfig:
        return load_config(self.config_path)

    def engine(self, *, dry_run: bool = False) -> Engine:
        """A fresh engine and providers per run, as `syncer sync --once` builds them."""
        config = self.config
        providers, unavailable = build_providers(
            config, sleep=self.sleeps.append, clock=lambda: self.now
        )
        assert not unavailable, unavailable
        return Engine(config, self.store, providers, dry_run=dry_run, clock=lambda: self.now)

    def sync(self, **kw: Any) -> SyncSummary:
        return self.engine(**kw).sync_once()

    def at(self, moment: dt.datetime) -> None:
        """Move every clock (the emulators' and syncer's) to `moment`."""
        self.now = moment
        self.graph.clock.set(moment)
        if self.google is not None:
            self.google.clock.set(moment)

    def before(self, days: int) -> None:
        """Set the emulators' clocks back (series are seeded as if made weeks ago)."""
        self.graph.clock.set(NOW - dt.timedelta(days=days))
        if self.google is not None:
            self.google.clock.set(NOW - dt.timedelta(days=days))

    def writes(self) -> list[Write]:
        return list(self.graph.write_log)

    def google_writes(self) -> list[Any]:
        return list(self.google.write_log) if self.google is not None else []

    def mails(self) -> list[Mail]:
        """Mail Exchange sent since the logs were last reset (people's and syncer's)."""
        return list(self.graph.mail_log)

    def update_mails(self) -> list[Mail]:
        """Organiser updates: what an organiser's PATCH costs every attendee."""
        return [m for m in self.graph.mail_log if m.kind == "update"]

    def reset_logs(self) -> None:
        self.graph.reset_logs()
        if self.google is not None:
            self.google.reset_logs()

    def event(self, email: str, event_id: str) -> dict[str, Any]:
        return self.graph.event(email, event_id)

    def body(self, email: str, event_id: str) -> str:
        return str(self.graph.event(email, event_id)["body"]["content"])


def write_config(
    path: Path,
    people: Sequence[Member],
    graph: GraphSandbox,
    secret: tuple[str, str],
    ca: Path,
    google: tuple[Path, str] | None = None,
    extra: str = "",
) -> None:
    lines = []
    for m in people:
        manager = f", manager: {m.manager}" if m.manager else ""
        lines.append(
            f"  - {{email: {m.email}, name: {m.name}, provider: {m.provider}, "
            f"timezone: {m.timezone}{manager}}}"
        )
    google_section = ""
    if google is not None:
        key_file, url = google
        google_section = f"""
  google:
    service_account_file: {key_file}
    api_endpoint: {url}
    ca_bundle: {ca}
    service_account_email: syncer@acme.test"""
    client_id, client_secret = secret
    path.write_text(
        f"""
org: acme
domains: [acme.test]
timezone: Europe/Berlin
people:
{chr(10).join(lines)}
providers:
  microsoft:
    tenant_id: {graph.state.tenant_id}
    client_id: {client_id}
    client_secret: {client_secret}
    authority: {graph.authority}
    graph_endpoint: {graph.base_url}/v1.0
    ca_bundle: {ca}{google_section}
{extra}
"""
    )


@contextmanager
def graph_org(
    tmp: Path,
    tls: TlsFiles,
    store: Store,
    extra_config: str = "",
    people: Sequence[Member] = MICROSOFT_PEOPLE,
) -> Iterator[GraphOrg]:
    """The org of `people`: the Graph emulator always, the Google one when someone is on it."""
    graph = GraphSandbox(GraphState("acme.test"), tls=tls)
    graph.start()
    google: GoogleSandbox | None = None
    try:
        google_config: tuple[Path, str] | None = None
        if any(m.provider == "google" for m in people):
            google = GoogleSandbox(GoogleState("acme.test"), tls=tls)
            url = google.start()
            key_file = tmp / "sa.json"
            key_file.write_text(json.dumps(google.state.issue_service_account("syncer@acme.test")))
            google_config = (key_file, url)
        for m in people:
            if m.provider == "microsoft":
                graph.state.add_person(m.email, m.name, time_zone=m.timezone, manager=m.manager)
            elif google is not None:
                google.state.add_person(m.email, m.name, time_zone=m.timezone, manager=m.manager)
        graph.state.add_person(ROOM, "Room Berlin", room=True)
        secret = graph.state.register_app()
        config_path = tmp / "syncer.yaml"
        write_config(config_path, people, graph, secret, tls.ca_cert, google_config, extra_config)
        org = GraphOrg(graph.state, config_path, store, google.state if google else None)
        org.before(90)
        yield org
    finally:
        if google is not None:
            google.stop()
        graph.stop()
