"""Bugs the fault suite found, each pinned by the smallest story that showed it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from syncer.store import Store
from tests.faults.story import seed, settled
from tests.faults.trials import Lab
from tests.faults.worlds import BOB, MONDAY, PROVIDERS, ProviderKind, fault_world


def test_a_block_rewritten_on_an_occurrence_syncer_wrote_before_needs_no_instances_lookup(
    lab: Lab, tmp_path: Path, store: Store
) -> None:
    """Graph answers 400 to /instances of an occurrence: the plan names the occurrence's own
    id once an override is stored, and a fresh provider must not look it up again."""
    with fault_world("microsoft", tmp_path, lab.tls, store) as world:
        series = seed(world)["ana|bob"]
        world.sync()
        world.respond(BOB, series, "declined", MONDAY)
        world.sync()
        world.respond(BOB, series, "accepted", MONDAY)
        summary = world.sync()
        assert summary.apply.failed == 0
        assert settled(world) == []


@pytest.mark.parametrize("kind", PROVIDERS)
def test_redis_lost_before_a_proposal_run_keeps_the_holds_syncer_made(
    lab: Lab, tmp_path: Path, store: Store, kind: ProviderKind
) -> None:
    """With the pair state gone, syncer's own holds counted as busy: proposals moved and a
    second hold appeared. Holds are found again by their markers, the proposals people saw
    by the marker next to the block that shows them."""
    with fault_world(kind, tmp_path, lab.tls, store) as world:
        series = seed(world)["ana|bob"]
        world.sync()
        world.at(world.org.now + dt.timedelta(hours=1))
        world.respond(BOB, series, "declined", MONDAY)
        world.sync()
        holds = world.snapshot().holds()
        world.store.wipe()
        world.sync()
        assert world.snapshot().holds() == holds
        assert settled(world) == []
