"""`people_source: google_directory | microsoft_directory`: the org chart read from each
emulator's directory (real client libraries over HTTPS, pages smaller than the org), merged
with the config's overrides, cached in Redis, and its manager/report pairs expected to meet."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from syncer.config import load_config
from syncer.engine import Engine
from syncer.engine.providers import build_providers
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store

ADA, ANA, BOB, CAT = "ada@acme.test", "ana@acme.test", "bob@acme.test", "cat@acme.test"
DAN, EVE, FAY, GUS = "dan@acme.test", "eve@acme.test", "fay@acme.test", "gus@acme.test"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
PAGE = 2  # people per directory page: the org spans several

# Overrides only: Eve opts out, Bob works early, Gus is not in the directory at all.
OVERRIDES = f"""
people:
  - {{email: {EVE}, opt_out: true}}
  - {{email: {BOB}, working_hours: "07:00-15:00"}}
"""
CONFIG_ONLY = f"""
  - {{email: {GUS}, manager: {ANA}, provider: google}}
"""


@dataclass
class Org:
    """One emulator's tenant with a directory-sourced config."""

    config_path: Path
    store: Store
    google: GoogleState | None = None
    graph: GraphState | None = None

    def engine(self) -> Engine:
        config = load_config(self.config_path)
        providers, unavailable = build_providers(config, sleep=lambda _: None)
        assert not unavailable, unavailable
        for provider in providers.values():
            provider.directory_page_size = PAGE  # type: ignore[attr-defined]
        return Engine(config, self.store, providers, clock=lambda: NOW)

    def directory_pages(self) -> int:
        """users.list / GET /users calls the emulator answered so far."""
        if self.google is not None:
            return sum(1 for c in self.google.call_log if c.path == "/admin/directory/v1/users")
        assert self.graph is not None
        return sum(1 for c in self.graph.call_log if c.path.rstrip("/").endswith("/users"))


@pytest.fixture
def google_org(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[Org]:
    sandbox = GoogleSandbox(GoogleState("acme.test"), tls=tls)
    url = sandbox.start()
    state = sandbox.state
    state.clock.set(NOW - dt.timedelta(days=90))
    state.add_person(ADA, "Ada Admin", admin=True)
    state.add_person(ANA, "Ana", org_unit="/Engineering", aliases=["ana.a@acme.test"])
    state.add_person(BOB, "Bob", manager="ana.a@acme.test", org_unit="/Engineering/Platform")
    state.add_person(CAT, "Cat", manager=ANA, org_unit="/Engineering")
    state.add_person(DAN, "Dan", manager=ANA, suspended=True)
    state.add_person(EVE, "Eve", manager=ANA)
    state.add_person(FAY, "Fay", manager=BOB)
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(state.issue_service_account("syncer@acme.test")))
    config = tmp_path / "syncer.yaml"
    config.write_text(
        f"""
org: acme
domains: [acme.test]
timezone: Europe/Berlin
people_source: google_directory
{OVERRIDES}
providers:
  google:
    service_account_file: {key_file}
    api_endpoint: {url}
    ca_bundle: {tls.ca_cert}
    service_account_email: syncer@acme.test
    admin_subject: {ADA}
"""
    )
    try:
        yield Org(config, store, google=state)
    finally:
        sandbox.stop()


@pytest.fixture
def graph_org(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[Org]:
    sandbox = GraphSandbox(GraphState("acme.test"), tls=tls)
    sandbox.start()
    state = sandbox.state
    state.clock.set(NOW - dt.timedelta(days=90))
    state.add_person(ANA, "Ana", time_zone="Europe/Berlin", department="Engineering")
    state.add_person(
        BOB, "Bob", time_zone="America/New_York", manager=ANA, aliases=["rob@acme.test"]
    )
    state.add_person(CAT, "Cat", manager=ANA, department="Engineering")
    state.add_person(DAN, "Dan", manager=ANA, account_enabled=False)
    state.add_person(EVE, "Eve", manager=ANA)
    state.add_person(FAY, "Fay", manager=BOB)
    state.add_person("room.berlin@acme.test", "Room Berlin", room=True)
    client_id, secret = state.register_app()
    config = tmp_path / "syncer.yaml"
    config.write_text(
        f"""
org: acme
domains: [acme.test]
timezone: Europe/Berlin
people_source: microsoft_directory
{OVERRIDES}
providers:
  microsoft:
    tenant_id: {state.tenant_id}
    client_id: {client_id}
    client_secret: {secret}
    authority: {sandbox.authority}
    graph_endpoint: {sandbox.base_url}/v1.0
    ca_bundle: {tls.ca_cert}
"""
    )
    try:
        yield Org(config, store, graph=state)
    finally:
        sandbox.stop()


def test_google_directory_gives_people_managers_and_teams_in_pages(google_org: Org) -> None:
    engine = google_org.engine()
    people = engine.people
    assert set(people) == {ADA, ANA, BOB, CAT, EVE, FAY}  # Dan is suspended
    assert google_org.directory_pages() == 4  # 7 users, 2 a page
    assert people[BOB].manager == ANA  # named by Ana's alias in the directory
    assert people[FAY].manager == BOB
    assert people[BOB].team == "Engineering/Platform" and people[ADA].team is None
    assert people[ANA].aliases == frozenset({"ana.a@acme.test"})
    assert all(p.provider == "google" and p.timezone == "Europe/Berlin" for p in people.values())
    assert people[EVE].opt_out and EVE not in engine.calendars()
    assert people[BOB].working_hours.days[0] == (dt.time(7), dt.time(15))


def test_microsoft_directory_gives_people_managers_zones_and_teams_in_pages(
    graph_org: Org,
) -> None:
    engine = graph_org.engine()
    people = engine.people
    assert set(people) == {ANA, BOB, CAT, EVE, FAY}  # Dan's account is disabled; no rooms
    assert graph_org.directory_pages() == 3  # 6 users, 2 a page
    assert people[BOB].manager == ANA and people[FAY].manager == BOB
    assert people[ANA].manager is None
    assert people[BOB].timezone == "America/New_York"  # from mailboxSettings
    assert people[CAT].timezone == "UTC"  # the emulator's default zone
    assert people[ANA].team == "Engineering" and people[BOB].team is None
    assert people[BOB].aliases == frozenset({"rob@acme.test"})
    assert all(p.provider == "microsoft" for p in people.values())
    assert people[EVE].opt_out and EVE not in engine.calendars()


def test_second_engine_reads_the_cached_directory_not_the_directory(google_org: Org) -> None:
    first = google_org.engine()
    pages = google_org.directory_pages()
    second = google_org.engine()
    assert google_org.directory_pages() == pages
    assert second.people == first.people


def test_graph_directory_is_cached_too_and_refreshed_when_stale(graph_org: Org) -> None:
    from syncer.engine.people import refresh_people
    from syncer.store_people import PeopleStore

    def directory_calls() -> int:  # /users listings and mailboxSettings, tokens left out
        assert graph_org.graph is not None
        return sum(1 for c in graph_org.graph.call_log if c.path.startswith("/users"))

    engine = graph_org.engine()
    calls = directory_calls()
    assert calls == 3 + 5  # 3 pages, then one zone per enabled person
    graph_org.engine()
    assert directory_calls() == calls
    assert refresh_people(engine) is False  # young copy: nothing read

    graph_org.graph.update_person(FAY, account_enabled=False)  # type: ignore[union-attr]
    PeopleStore.of(graph_org.store).forget_directory("microsoft_directory")
    engine.people_read_at -= 3601
    assert refresh_people(engine) is True
    assert FAY not in engine.people


def test_config_entry_outside_the_directory_is_kept_and_logged(google_org: Org) -> None:
    google_org.config_path.write_text(
        google_org.config_path.read_text().replace(
            "people:\n", "people:" + CONFIG_ONLY.rstrip() + "\n", 1
        )
    )
    with capture_logs() as logs:
        engine = google_org.engine()
    assert engine.people[GUS].manager == ANA
    notes = [e for e in logs if e["event"] == "people.config_only"]
    assert [n["people"] for n in notes] == [[GUS]]


def test_directory_pair_without_a_series_is_reported_missing(google_org: Org) -> None:
    assert google_org.google is not None
    google_org.google.create_one_on_one(ANA, BOB, FIRST)
    google_org.google.clock.set(NOW)
    engine = google_org.engine()
    summary = engine.sync_once()
    assert summary.calendars_failed == 0
    status = {tuple(p["people"]): p["status"] for p in engine.report()["pairs"]}
    assert status[(ANA, BOB)] != "missing"
    assert status[(ANA, CAT)] == "missing"
    assert status[(BOB, FAY)] == "missing"
    assert (ANA, EVE) not in status  # Eve opted out in the config
    assert (ANA, DAN) not in status  # suspended


def test_directory_source_without_admin_subject_fails_with_one_clear_error(
    google_org: Org,
) -> None:
    from syncer.errors import ProviderError

    text = google_org.config_path.read_text()
    google_org.config_path.write_text(text.replace(f"    admin_subject: {ADA}\n", ""))
    with pytest.raises(ProviderError, match="admin_subject"):
        google_org.engine()


def test_worker_keeps_its_people_when_the_directory_fails_on_refresh(google_org: Org) -> None:
    from syncer.engine.people import refresh_people
    from syncer.sandbox.google import FaultRule
    from syncer.store_people import PeopleStore

    assert google_org.google is not None
    engine = google_org.engine()
    before = dict(engine.people)
    PeopleStore.of(google_org.store).forget_directory("google_directory")
    google_org.google.faults.add(FaultRule("server_error", times=100, path="/admin/directory/"))
    engine.people_read_at -= 3601
    with capture_logs() as logs:
        assert refresh_people(engine) is False
    assert engine.people == before
    assert [e["event"] for e in logs if e["event"].startswith("people.")] == [
        "people.directory_failed"
    ]
    assert refresh_people(engine) is False  # not again at once: after a minute
