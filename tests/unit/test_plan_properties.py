"""Properties of core.plan over random pair states: deterministic and idempotent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core.model import (
    Attendee,
    BusyInterval,
    OccurrenceOverride,
    Policy,
    ReschedulePolicy,
    WriteBlock,
)
from syncer.core.plan import AgendaRef, HoldRef, plan, plan_pair
from tests.unit.test_plan import ANA, BEN, DOC, START, World, copy

WEEK = timedelta(days=7)

change = st.sampled_from(["none", "cancel", "ben_declines", "ana_declines", "move"])


def _override(i: int, what: str) -> tuple[str, OccurrenceOverride] | None:
    when = START + i * WEEK
    if what == "cancel":
        return ANA, OccurrenceOverride(when, cancelled=True)
    if what == "ben_declines":
        return BEN, OccurrenceOverride(
            when, attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined"))
        )
    if what == "ana_declines":
        return ANA, OccurrenceOverride(
            when, attendees=(Attendee(ANA, "declined", organizer=True), Attendee(BEN, "accepted"))
        )
    if what == "move":
        shift = timedelta(days=1, hours=2)
        return ANA, OccurrenceOverride(
            when, start=when + shift, end=when + shift + timedelta(minutes=30)
        )
    return None


@st.composite
def worlds(draw: st.DrawFn, *, with_agenda: bool | None = None) -> tuple[World, datetime]:
    changes = draw(st.lists(change, min_size=0, max_size=8))
    overrides: dict[str, list[OccurrenceOverride]] = {ANA: [], BEN: []}
    for i, what in enumerate(changes):
        found = _override(i + 2, what)
        if found:
            overrides[found[0]].append(found[1])
    now = START + timedelta(hours=draw(st.integers(min_value=24 * 10, max_value=24 * 60)))
    busy = tuple(
        BusyInterval(now + timedelta(hours=h), now + timedelta(hours=h + d))
        for h, d in draw(st.lists(st.tuples(st.integers(0, 24 * 9), st.integers(1, 8)), max_size=6))
    )
    agenda = draw(st.booleans()) if with_agenda is None else with_agenda
    holds = tuple(
        HoldRef(cal, f"h{n}", now + timedelta(hours=h), now + timedelta(hours=h, minutes=30), now)
        for n, (cal, h) in enumerate(
            draw(
                st.lists(st.tuples(st.sampled_from([ANA, BEN]), st.integers(-48, 200)), max_size=2)
            )
        )
    )
    writable = draw(st.sampled_from([frozenset({ANA, BEN}), frozenset({ANA}), frozenset({BEN})]))
    world = World(
        copies=(
            copy(ANA, overrides=tuple(overrides[ANA])),
            copy(BEN, overrides=tuple(overrides[BEN])),
        ),
        agenda=AgendaRef(DOC.doc_id, DOC.url) if agenda else None,
        busy=busy,
        holds=holds,
        writable=writable,
    )
    return world, now


policies = st.builds(
    lambda mode, hold: Policy(mode=mode, reschedule=ReschedulePolicy(hold=hold)),
    st.sampled_from(["observe", "propose", "full"]),
    st.booleans(),
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(worlds(), policies)
def test_plan_is_deterministic(case: tuple[World, datetime], policy: Policy) -> None:
    world, now = case
    state = world.state(now)
    assert plan([state], policy, now) == plan([state], policy, now)
    assert plan_pair(state, policy, now) == plan_pair(replace(state), policy, now)


@FAST
@given(worlds(with_agenda=True), policies)
def test_after_applying_the_plan_nothing_is_left_to_do(
    case: tuple[World, datetime], policy: Policy
) -> None:
    world, now = case
    applied = world.apply(plan_pair(world.state(now), policy, now))
    assert plan_pair(applied.state(now), policy, now) == []


@FAST
@given(worlds(), policies)
def test_applied_block_writes_are_not_repeated(
    case: tuple[World, datetime], policy: Policy
) -> None:
    world, now = case
    writes = [a for a in plan_pair(world.state(now), policy, now) if isinstance(a, WriteBlock)]
    applied = world.apply(writes)
    again = plan_pair(applied.state(now), policy, now)
    assert [a for a in again if isinstance(a, WriteBlock)] == []
