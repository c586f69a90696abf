"""Properties of core.history.pair_history over random weekly 1:1s and what people did to them.

A drawn world is one or two weekly series of Ana and Ben (on UTC wall clocks, so an occurrence
is always `start + i weeks`), each with a random fate per occurrence (held, cancelled by the
organiser, declined by either on their own copy, removed from Ben's copy, moved), sometimes
declined by Ben as a whole, sometimes deleted by the organiser; and a `now` anywhere from before
the first occurrence to months later. The world remembers what it did, so the checks do not read
it back from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core.history import PairHistory, pair_history
from syncer.core.model import Attendee, OccurrenceOverride, Series
from tests.unit.test_history import ANA, BEN, PAIR, START, WEEK, copy, series_of

FATES = ("held", "held", "cancel", "ana_declines", "ben_declines", "ben_removes", "move")
NOT_MET = frozenset({"cancel", "ana_declines", "ben_declines", "ben_removes"})

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Spec:
    """One series: its uid, first start, each occurrence's fate, and how the series ended."""

    uid: str
    start: datetime
    fates: tuple[str, ...]
    shift_hours: int  # how far a moved occurrence moves (either way)
    ben_declines_all: bool
    deleted_at: datetime | None

    def when(self, i: int) -> datetime:
        return self.start + i * WEEK

    def met_possible(self, original_start: datetime) -> bool:
        """Whether the occurrence at `original_start` could have been held, as drawn."""
        i, rest = divmod(original_start - self.start, WEEK)
        if rest or i < 0:
            return False
        fate = self.fates[i] if i < len(self.fates) else "held"
        deleted = self.deleted_at is not None and original_start >= self.deleted_at
        return fate not in NOT_MET and not self.ben_declines_all and not deleted

    def copies(self) -> tuple[Series, Series]:
        ana: list[OccurrenceOverride] = []
        ben: list[OccurrenceOverride] = []
        for i, fate in enumerate(self.fates):
            when = self.when(i)
            if fate == "cancel":
                ana.append(OccurrenceOverride(when, cancelled=True))
            elif fate == "ana_declines":
                answers = (Attendee(ANA, "declined", organizer=True), Attendee(BEN, "accepted"))
                ana.append(OccurrenceOverride(when, attendees=answers))
            elif fate == "ben_declines":
                answers = (Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined"))
                ben.append(OccurrenceOverride(when, attendees=answers))
            elif fate == "ben_removes":
                ben.append(OccurrenceOverride(when, cancelled=True))
            elif fate == "move":
                moved = when + timedelta(hours=self.shift_hours)
                ana.append(OccurrenceOverride(when, start=moved, end=moved + timedelta(minutes=30)))
        common: dict[str, object] = {
            "uid": self.uid,
            "start": self.start,
            "end": self.start + timedelta(minutes=30),
            "timezone": "UTC",
        }
        deleted = {"cancelled": self.deleted_at is not None, "updated": self.deleted_at}
        ben_answer = "declined" if self.ben_declines_all else "accepted"
        return (
            copy(ANA, overrides=tuple(ana), **common, **deleted),  # the organiser deleted it
            copy(
                BEN,
                overrides=tuple(ben),
                attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, ben_answer)),
                **common,
            ),
        )


@st.composite
def specs(draw: st.DrawFn, uid: str) -> Spec:
    start = START + timedelta(hours=draw(st.integers(0, 24 * 60)))
    fates = tuple(draw(st.lists(st.sampled_from(FATES), max_size=20)))
    deleted = draw(st.none() | st.integers(0, 24 * 120))
    return Spec(
        uid=uid,
        start=start,
        fates=fates,
        shift_hours=draw(st.integers(-47, 47).filter(bool)),
        ben_declines_all=draw(st.integers(0, 9)) == 0,
        deleted_at=None if deleted is None else start + timedelta(hours=deleted),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[tuple[Spec, ...], datetime]:
    world = (draw(specs("uid-1")),)
    if draw(st.booleans()):
        world += (draw(specs("uid-2")),)
    now = START + timedelta(hours=draw(st.integers(-24 * 7, 24 * 180)))
    return world, now


def history_of(world: tuple[Spec, ...], now: datetime) -> PairHistory:
    return pair_history(PAIR, series_of(*(c for spec in world for c in spec.copies())), now)


def at_or_before(a: datetime | None, b: datetime | None) -> bool:
    """a <= b, where None (never met) is before everything."""
    return a is None or (b is not None and a <= b)


@SETTINGS
@given(worlds())
def test_last_met_is_a_held_occurrence_no_later_than_now(
    case: tuple[tuple[Spec, ...], datetime],
) -> None:
    world, now = case
    h = history_of(world, now)
    if h.last_met is None:
        assert all(o.kind != "held" for o in h.outcomes)
        return
    assert h.last_met <= now
    (latest,) = [o for o in h.outcomes if o.kind == "held" and o.start == h.last_met][-1:]
    spec = next(s for s in world if s.uid == latest.series_uid)
    assert spec.met_possible(latest.original_start)
    assert all(o.start <= h.last_met for o in h.outcomes if o.kind == "held")


@SETTINGS
@given(worlds())
def test_held_and_upcoming_are_exactly_the_occurrences_nobody_called_off(
    case: tuple[tuple[Spec, ...], datetime],
) -> None:
    world, now = case
    h = history_of(world, now)
    by_uid = {s.uid: s for s in world}
    for o in h.outcomes:
        possible = by_uid[o.series_uid].met_possible(o.original_start)
        assert (o.kind in ("held", "upcoming")) == possible, o
        if o.kind == "held":
            assert o.start <= now


@SETTINGS
@given(worlds())
def test_next_occurrence_is_the_first_upcoming_one_after_now(
    case: tuple[tuple[Spec, ...], datetime],
) -> None:
    world, now = case
    h = history_of(world, now)
    upcoming = [o for o in h.outcomes if o.kind == "upcoming"]
    assert all(o.start > now for o in upcoming)
    if h.next_occurrence is None:
        assert upcoming == []
    else:
        assert h.next_occurrence.start > now
        assert h.next_occurrence.start == min(o.start for o in upcoming)


@SETTINGS
@given(worlds(), st.data())
def test_cancelling_an_occurrence_never_makes_last_met_later(
    case: tuple[tuple[Spec, ...], datetime], data: st.DataObject
) -> None:
    world, now = case
    n = data.draw(st.integers(0, len(world) - 1))
    spec = world[n]
    i = data.draw(st.integers(0, len(spec.fates) + 3))
    fates = tuple(spec.fates) + ("held",) * (i + 1 - len(spec.fates))
    cancelled = replace(spec, fates=(*fates[:i], "cancel", *fates[i + 1 :]))
    before = history_of(world, now)
    after = history_of((*world[:n], cancelled, *world[n + 1 :]), now)
    assert at_or_before(after.last_met, before.last_met)
    assert after.held <= before.held
    latest = [o for o in before.outcomes if o.kind == "held" and o.start == before.last_met]
    if all((o.series_uid, o.original_start) != (spec.uid, spec.when(i)) for o in latest):
        assert after.last_met == before.last_met


@SETTINGS
@given(worlds(), st.integers(1, 24 * 90))
def test_a_history_at_an_earlier_now_never_sees_later_meetings(
    case: tuple[tuple[Spec, ...], datetime], hours_earlier: int
) -> None:
    world, now = case
    earlier = now - timedelta(hours=hours_earlier)
    then, later = history_of(world, earlier), history_of(world, now)
    assert at_or_before(then.last_met, earlier)
    assert at_or_before(then.last_met, later.last_met)
    held_then = [o for o in then.outcomes if o.kind == "held"]
    assert held_then == [o for o in later.outcomes if o.kind == "held" and o.start <= earlier]
