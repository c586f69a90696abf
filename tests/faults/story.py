"""The story every engine-level trial tells, and the invariants checked at its end.

Three 1:1s (Ana/Bob with Ana's own notes, Cat/Dan, and Ana/Cat that ended long ago: overdue),
holds on. Three runs: the first sync; Bob declines next Monday (a proposal, holds); four days
later (agenda sections before the next occurrences). Faults are switched on by the trial.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from syncer.engine import SyncSummary
from tests.faults.worlds import (
    ANA,
    BOB,
    CAT,
    DAN,
    FIRST,
    MONDAY,
    NOW,
    PERSONAL,
    FaultWorld,
    Snapshot,
)

Run = Callable[[FaultWorld], SyncSummary]
STORY_RUNS = 3


def seed(world: FaultWorld) -> dict[str, str]:
    """The series, made as if weeks ago; returns their ids by pair."""
    world.org.state.clock.set(NOW - dt.timedelta(days=90))
    series = {
        "ana|bob": world.weekly(ANA, BOB, FIRST, PERSONAL[world.kind]),
        "cat|dan": world.weekly(CAT, DAN, FIRST + dt.timedelta(days=1, hours=2)),
        "ana|cat": world.weekly(ANA, CAT, FIRST + dt.timedelta(days=2)),
    }
    world.end_series(ANA, series["ana|cat"], dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    world.at(NOW)
    return series


def tell(world: FaultWorld, run: Run, between: Callable[[int], None] | None = None) -> None:
    """The whole story; `run` is one sync (with whatever faults the trial set), `between(i)`
    is called before run i (a trial's chance to expire cursors or wipe Redis)."""
    series = seed(world)
    for step in range(STORY_RUNS):
        if step == 1:
            world.at(NOW + dt.timedelta(hours=1))
            world.respond(BOB, series["ana|bob"], "declined", MONDAY)
        if step == 2:
            world.at(NOW + dt.timedelta(days=4))
        if between is not None:
            between(step)
        run(world)


def settled(world: FaultWorld) -> list[str]:
    """A clean pass over the final state must write nothing: what is there is what a clean
    run would write (blocks and their markers, attachments, sections, holds)."""
    before = len(world.writes())
    summary = world.sync()
    wrote = world.writes()[before:]
    if wrote or summary.apply.failed or summary.calendars_failed:
        return [f"not settled: a clean pass wrote {[(w.method, w.path) for w in wrote]}"]
    return []


def no_duplicates(world: FaultWorld, snap: Snapshot) -> list[str]:
    """At most one block per copy, one doc per pair, one hold per slot, one audit record per
    write."""
    found = [f"{n} blocks in {k}" for k, n in snap.blocks_per_copy().items() if n > 1]
    found += [f"{len(t)} agenda docs for {p}" for p, t in snap.docs.items() if len(t) != 1]
    found += [f"{n} holds at {k}" for k, n in snap.holds().items() if n > 1]
    found += duplicate_audit(world)
    return found


def duplicate_audit(world: FaultWorld) -> list[str]:
    keys = Counter(
        tuple(sorted((k, v) for k, v in entry.items() if k != "time"))
        for entry in world.store.audit_entries()
    )
    return [f"audit record {dict(k)} written {n} times" for k, n in keys.items() if n > 1]


def against_clean(world: FaultWorld, clean: Snapshot) -> list[str]:
    """Every invariant of a faulted world's end against its clean twin's."""
    snap = world.snapshot()
    return no_duplicates(world, snap) + snap.differences(clean) + settled(world)
