"""Rollout modes, dry run and pilot, on both emulators' write logs: observe and a dry run
write nothing; propose writes blocks and docs but no hold; full adds holds; a pilot keeps
writes to the pairs inside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.core.blocks import BEGIN_MARKER
from syncer.core.model import Pair
from syncer.providers.base import MARKER_HOLD
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.admin_worlds import ANA, BOB, CAT, HOLDS, AdminWorld, Kind, admin_world


@pytest.fixture(params=["google", "microsoft"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, tls: TlsFiles, store: Store
) -> Iterator[AdminWorld]:
    kind: Kind = request.param
    with admin_world(kind, tmp_path, tls, store) as world:
        yield world


def two_pairs_one_declined(world: AdminWorld) -> tuple[str, str]:
    bob = world.one_on_one(ANA, BOB, "Ana and Bob")
    cat = world.one_on_one(CAT, ANA, "Cat and Ana")
    world.decline(BOB, bob)
    world.reset_logs()
    return bob, cat


def test_observe_mode_writes_nothing_but_stores_and_reports(world: AdminWorld) -> None:
    world.set_config(f"mode: observe\n{HOLDS}")
    bob, _ = two_pairs_one_declined(world)
    summary = world.sync()
    assert world.writes() == []
    assert summary.apply.writes == 0 and summary.pairs == 3 and summary.series == 2
    assert BEGIN_MARKER not in world.text(ANA, world.copy_id(ANA, bob))
    assert world.store.series_of(ANA)  # observed and stored all the same
    pairs = {tuple(p["people"]): p for p in world.engine().report()["pairs"]}
    assert pairs[(ANA, BOB)]["status"] in ("ok", "overdue")


def test_dry_run_writes_nothing_and_lists_every_write(world: AdminWorld) -> None:
    world.set_config(HOLDS)
    two_pairs_one_declined(world)
    summary = world.sync(dry_run=True)
    assert world.writes() == []
    assert any(line.startswith("write block") for line in summary.planned)
    assert any("hold" in line for line in summary.planned), summary.planned


def test_propose_mode_writes_blocks_and_docs_but_no_hold(world: AdminWorld) -> None:
    world.set_config(f"mode: propose\n{HOLDS}")
    bob, _ = two_pairs_one_declined(world)
    summary = world.sync()
    assert summary.apply.docs_created == 2 and summary.apply.holds_created == 0
    assert "declined" in world.text(ANA, world.instance(ANA, bob))
    assert not any(MARKER_HOLD in c.event.markers for c in world.marked())
    assert not any(w.method == "POST" and w.path.endswith("/events") for w in world.writes())


def test_full_mode_with_holds_places_them(world: AdminWorld) -> None:
    world.set_config(f"mode: full\n{HOLDS}")
    two_pairs_one_declined(world)
    summary = world.sync()
    assert summary.apply.holds_created == 2
    holds = [c for c in world.marked() if MARKER_HOLD in c.event.markers]
    assert {c.event.calendar for c in holds} == {ANA, BOB}


def test_pilot_limits_writes_to_pairs_inside_it(world: AdminWorld) -> None:
    world.set_config(f"pilot: [{ANA}, {CAT}]")
    bob, cat = two_pairs_one_declined(world)
    summary = world.sync()
    assert summary.apply.writes > 0
    assert BEGIN_MARKER not in world.text(ANA, world.copy_id(ANA, bob))
    assert BEGIN_MARKER not in world.text(ANA, world.instance(ANA, bob))
    assert BEGIN_MARKER in world.text(CAT, world.copy_id(CAT, cat))
    assert world.store.get_doc(Pair.of(ANA, BOB).key) is None
    touched = {c.event.event_id for c in world.marked()}
    bob_copies = {world.copy_id(ANA, bob), world.copy_id(BOB, bob), world.instance(ANA, bob)}
    assert touched and not touched & bob_copies
    written = {w.id for w in world.writes()}
    assert not written & bob_copies


def test_pilot_of_another_domain_writes_nothing(world: AdminWorld) -> None:
    world.set_config("pilot: [elsewhere.test]")
    two_pairs_one_declined(world)
    world.sync()
    assert world.writes() == []
