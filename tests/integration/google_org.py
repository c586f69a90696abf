"""A small Google Workspace org on the emulator, with syncer's config, store and engine.

`GoogleOrg` is what the sync tests drive: people change their calendars through the
emulator's person controls (never logged as API writes), syncer runs `sync_once` through the
production path (config file -> providers -> engine -> Redis), and the tests read the
emulator's write log, mail log and calendars to check what syncer did.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncer.config import SyncerConfig, load_config
from syncer.engine import Engine, SyncSummary
from syncer.engine.providers import build_providers
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store

ANA = "ana@acme.test"
BOB = "bob@acme.test"
CAT = "cat@acme.test"
DAN = "dan@acme.test"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
BERLIN = dt.timezone(dt.timedelta(hours=1))


@dataclass
class GoogleOrg:
    state: GoogleState
    base_url: str
    config_path: Path
    store: Store
    now: dt.datetime = NOW
    sleeps: list[float] = field(default_factory=list)

    @property
    def config(self) -> SyncerConfig:
        return load_config(self.config_path)

    def engine(self, *, dry_run: bool = False, fast_retries: bool = True) -> Engine:
        config = self.config
        sleep = self.sleeps.append if fast_retries else None
        providers, unavailable = build_providers(config, sleep=sleep)
        assert not unavailable, unavailable
        return Engine(config, self.store, providers, dry_run=dry_run, clock=lambda: self.now)

    def sync(self, **kw: Any) -> SyncSummary:
        return self.engine(**kw).sync_once()

    def at(self, moment: dt.datetime) -> None:
        """Move both clocks (the emulator's and syncer's) to `moment`."""
        self.now = moment
        self.state.clock.set(moment)

    def writes(self) -> list[Any]:
        return list(self.state.write_log)

    def event(self, email: str, event_id: str) -> dict[str, Any]:
        return self.state.event(email, event_id)


def write_config(path: Path, key_file: Path, base_url: str, ca: Path, extra: str = "") -> None:
    path.write_text(
        f"""
org: acme
domains: [acme.test]
timezone: Europe/Berlin
people:
  - {{email: {ANA}, name: Ana, provider: google}}
  - {{email: {BOB}, name: Bob, provider: google, timezone: America/New_York, manager: {ANA}}}
  - {{email: {CAT}, name: Cat, provider: google, manager: {ANA}}}
  - {{email: {DAN}, name: Dan, provider: google, manager: {ANA}}}
providers:
  google:
    service_account_file: {key_file}
    api_endpoint: {base_url}
    ca_bundle: {ca}
    service_account_email: syncer@acme.test
{extra}
"""
    )


@contextmanager
def google_org(
    tmp: Path, tls: TlsFiles, store: Store, extra_config: str = ""
) -> Iterator[GoogleOrg]:
    sandbox = GoogleSandbox(GoogleState("acme.test"), tls=tls)
    base_url = sandbox.start()
    state = sandbox.state
    state.clock.set(NOW - dt.timedelta(days=90))
    state.add_person(ANA, "Ana", time_zone="Europe/Berlin")
    state.add_person(BOB, "Bob", time_zone="America/New_York", manager=ANA)
    state.add_person(CAT, "Cat", time_zone="Europe/Berlin", manager=ANA)
    state.add_person(DAN, "Dan", time_zone="Europe/Berlin", manager=ANA)
    key_file = tmp / "sa.json"
    key_file.write_text(json.dumps(state.issue_service_account("syncer@acme.test")))
    config_path = tmp / "syncer.yaml"
    write_config(config_path, key_file, base_url, tls.ca_cert, extra_config)
    org = GoogleOrg(state, base_url, config_path, store)
    try:
        yield org
    finally:
        sandbox.stop()
