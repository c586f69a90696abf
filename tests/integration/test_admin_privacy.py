"""Opt-out and privacy, on both emulators: `opt_out: true` stops every write on the person's
events and forgets what is stored about them; the opt-out keyword put into a 1:1 after
syncer wrote its block takes syncer out of that meeting once, then never again; nothing
stored in Redis nor logged carries an event body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.core import blocks
from syncer.core.blocks import BEGIN_MARKER
from syncer.core.model import Pair
from syncer.logging import configure_logging
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.admin_worlds import ANA, BOB, CAT, AdminWorld, Kind, admin_world

SECRET = "Zanzibar-quokka-7731 salary review"


@pytest.fixture(params=["google", "microsoft"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, tls: TlsFiles, store: Store
) -> Iterator[AdminWorld]:
    kind: Kind = request.param
    with admin_world(kind, tmp_path, tls, store) as world:
        yield world


def test_opted_out_person_is_forgotten_and_never_written_again(world: AdminWorld) -> None:
    bob = world.one_on_one(ANA, BOB, "Ana and Bob")
    world.one_on_one(CAT, ANA, "Cat and Ana")
    world.sync()
    assert world.store.get_doc(Pair.of(ANA, BOB).key) is not None
    world.opt_out(BOB)
    world.edit(ANA, bob, world.text(ANA, world.copy_id(ANA, bob)) + " more")
    world.decline(BOB, bob)
    world.reset_logs()
    world.sync()
    bob_copies = {world.copy_id(ANA, bob), world.copy_id(BOB, bob), world.instance(ANA, bob)}
    assert not {w.id for w in world.writes()} & bob_copies
    store = world.store
    assert store.get_cursor(BOB) is None and store.series_of(BOB) == []
    assert all(BOB not in s.organizer and BOB not in str(s.attendees) for s in store.all_series())
    assert store.get_doc(Pair.of(ANA, BOB).key) is None
    assert store.get_pair_state(Pair.of(ANA, BOB).key) is None
    assert not any(BOB in json.dumps(e) for e in store.audit_entries())
    assert store.series_of(CAT)  # everyone else is still served


def test_keyword_added_after_the_block_takes_syncer_out_of_that_meeting_once(
    world: AdminWorld,
) -> None:
    bob = world.one_on_one(ANA, BOB, "Ana and Bob")
    world.sync()
    organiser_copy = world.copy_id(ANA, bob)
    with_block = world.text(ANA, organiser_copy)
    assert BEGIN_MARKER in with_block
    edited = "#no-syncer please " + with_block
    world.edit(ANA, bob, edited)
    world.reset_logs()
    world.sync()
    body_type = "text" if world.kind == "google" else "html"
    assert world.text(ANA, organiser_copy) == blocks.remove(edited, body_type)
    event = world.event(ANA, organiser_copy)
    assert world.marked() == []  # no block, marker or attachment on any copy
    assert event.get("attachments") in (None, [])
    assert world.store.series_of(ANA) == []  # dropped at pull, never stored
    withdrawn = [e for e in world.store.audit_entries() if e["action"] == "purge_block"]
    assert withdrawn and withdrawn[0]["pair"] == Pair.of(ANA, BOB).key
    world.reset_logs()
    world.sync()
    assert world.writes() == []  # and then never touched again


def test_nothing_stored_or_logged_carries_an_event_body(
    world: AdminWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json=True, level="debug")
    bob = world.one_on_one(ANA, BOB, f"Agenda: {SECRET}")
    world.one_on_one(CAT, ANA, f"<p>{SECRET}</p>")
    world.decline(BOB, bob)
    world.sync()
    world.sync()
    world.engine().report()
    redis = world.store.redis
    keys = list(redis.scan_iter(match=f"syncer:{world.store.org}:*"))
    assert keys
    needle = SECRET.split()[0].encode()
    for key in keys:
        kind = redis.type(key)
        if kind == b"string":
            values = [redis.get(key)]
        elif kind == b"hash":
            values = list(redis.hgetall(key).values())
        elif kind == b"set":
            values = list(redis.smembers(key))
        elif kind == b"list":
            values = redis.lrange(key, 0, -1)
        elif kind == b"stream":
            values = [json.dumps({str(k): str(v) for k, v in f.items()}).encode()
                      for _, f in redis.xrange(key)]  # fmt: skip
        else:
            values = []
        assert not any(needle in (v or b"") for v in values), key
    logged = capsys.readouterr()
    assert "audit.write" in logged.err + logged.out
    assert SECRET.split()[0] not in logged.err + logged.out
