"""Audit and taking it back, on both emulators: every write syncer makes is in the audit;
`purge` removes every block, marker, attachment and hold syncer added, leaves people's text
byte for byte and the agenda docs in place, writes nothing in a dry run, mails nobody and is
idempotent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.core.blocks import BEGIN_MARKER
from syncer.core.model import Pair
from syncer.providers.base import MARKER_HOLD
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.admin_worlds import (
    ANA,
    BOB,
    CAT,
    HOLDS,
    NOW,
    AdminWorld,
    Kind,
    admin_world,
)

ANA_TEXT = 'Ana\'s notes: <b>bold</b> &amp; "quotes" ünïcødé ✓\nsecond line'
CAT_TEXT = "Cat's own words, kept\r\nexactly"


@pytest.fixture(params=["google", "microsoft"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, tls: TlsFiles, store: Store
) -> Iterator[AdminWorld]:
    kind: Kind = request.param
    with admin_world(kind, tmp_path, tls, store) as world:
        world.set_config(HOLDS)
        yield world


def seeded(world: AdminWorld) -> tuple[dict[tuple[str, str], str], str, str]:
    """Two 1:1s, one with a declined occurrence (proposals in its block, holds on both
    calendars), synced; returns the pre-syncer text of every copy that matters."""
    bob = world.one_on_one(ANA, BOB, ANA_TEXT)
    cat = world.one_on_one(CAT, ANA, CAT_TEXT)
    world.decline(BOB, bob)
    copies = [
        (ANA, world.copy_id(ANA, bob)),
        (BOB, world.copy_id(BOB, bob)),
        (ANA, world.instance(ANA, bob)),
        (CAT, world.copy_id(CAT, cat)),
        (ANA, world.copy_id(ANA, cat)),
    ]
    before = {c: world.text(*c) for c in copies}
    summary = world.sync()
    assert summary.apply.failed == 0
    assert summary.apply.holds_created == 2, summary.apply
    assert BEGIN_MARKER in world.text(ANA, world.instance(ANA, bob))
    assert BEGIN_MARKER in world.text(CAT, world.copy_id(CAT, cat))
    return before, bob, cat


def purge(world: AdminWorld, *args: str) -> str:
    config = world.config_path.read_text().replace("org: acme", f"org: {world.store.org}")
    world.config_path.write_text(config)
    result = CliRunner().invoke(cli, ["purge", "-c", str(world.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(autouse=True)
def _redis_env(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)


def test_every_write_in_the_emulators_log_is_in_the_audit(world: AdminWorld) -> None:
    world.reset_logs()
    seeded(world)
    audit = world.store.audit_entries()
    audited = {e["event_id"] for e in audit} | {e.get("doc", "") for e in audit}
    written = [w for w in world.writes() if 200 <= w.status < 300]
    assert written
    missing = [w for w in written if not any(w.id and w.id.startswith(a) for a in audited if a)]
    assert missing == []
    for entry in audit:
        assert {"time", "action", "pair", "calendar", "event_id", "result"} <= set(entry)
    blocks = [e for e in audit if e["action"] == "write_block"]
    assert blocks and all(e.get("hash_after") for e in blocks)
    assert {e["action"] for e in audit} >= {"ensure_agenda_doc", "write_block", "create_hold"}


def test_purge_restores_every_description_byte_for_byte_and_keeps_the_docs(
    world: AdminWorld,
) -> None:
    before, bob, _cat = seeded(world)
    docs = {k: world.store.get_doc(k) for k in (Pair.of(ANA, BOB).key, Pair.of(ANA, CAT).key)}
    assert all(docs.values())
    world.reset_logs()
    output = purge(world)
    assert "holds deleted" in output
    for (email, event_id), text in before.items():
        assert world.text(email, event_id) == text, (email, event_id)
    assert world.marked() == []  # no marker, no block, no hold anywhere
    assert world.event(ANA, world.copy_id(ANA, bob)).get("attachments") in (None, [])
    engine = world.engine()
    for doc in docs.values():
        assert doc is not None
        found = engine.provider_of(doc["owner"]).find_doc(doc["owner"], doc_pair(docs, doc))
        assert found is not None and found.id == doc["id"]  # the pair's notes stay
    if world.kind == "google":
        assert world.mails_since(NOW) == []
    else:  # one organiser update per cleaned copy, never one per attendee copy
        updates = [m for m in world.mails_since(NOW) if m.kind == "update"]
        organiser_writes = [w for w in world.writes() if w.method == "PATCH"]
        assert len(updates) <= len(organiser_writes)
        assert all(w.who in (ANA, CAT) for w in organiser_writes)
    purged = [e for e in world.store.audit_entries() if e["action"].startswith("purge")]
    assert {e["action"] for e in purged} >= {"purge_block", "purge_hold"}


def doc_pair(docs: dict[str, dict[str, str] | None], doc: dict[str, str]) -> str:
    return next(k for k, v in docs.items() if v == doc)


def test_purge_dry_run_writes_nothing_and_purge_twice_writes_nothing_more(
    world: AdminWorld,
) -> None:
    seeded(world)
    world.reset_logs()
    output = purge(world, "--dry-run")
    assert world.writes() == []
    assert "remove block and markers" in output and "delete hold" in output
    purge(world)
    assert world.writes()
    world.reset_logs()
    purge(world)
    assert world.writes() == []


def test_purge_of_one_pair_leaves_the_other_pair_alone(world: AdminWorld) -> None:
    before, bob, cat = seeded(world)
    world.store.wipe()  # Redis lost: purge finds everything in the calendars themselves
    purge(world, "--pair", BOB, ANA)
    assert world.text(ANA, world.copy_id(ANA, bob)) == before[(ANA, world.copy_id(ANA, bob))]
    assert BEGIN_MARKER in world.text(CAT, world.copy_id(CAT, cat))
    left = world.marked()
    assert left and all(BOB not in c.people for c in left)
    assert not any(MARKER_HOLD in c.event.markers for c in left)


def test_cli_audit_lists_entries_as_json_and_table_filtered_by_pair(world: AdminWorld) -> None:
    seeded(world)
    config = world.config_path.read_text().replace("org: acme", f"org: {world.store.org}")
    world.config_path.write_text(config)
    runner = CliRunner()
    out = runner.invoke(
        cli, ["audit", "-c", str(world.config_path), "--pair", BOB, ANA, "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    entries = json.loads(out.output)
    assert entries and {e["pair"] for e in entries} == {Pair.of(ANA, BOB).key}
    later = runner.invoke(
        cli, ["audit", "-c", str(world.config_path), "--since", "2030-01-01T00:00:00Z"]
    )
    assert later.exit_code == 0 and "no audit entries" in later.output
    table = runner.invoke(cli, ["audit", "-c", str(world.config_path)])
    assert table.exit_code == 0 and "write_block" in table.output
