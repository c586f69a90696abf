"""The planner's shortcuts give exactly what the plain code would (issue 3's benchmark paths).

Shared rule slots, plain-tuple occurrences and fast constructors must never change a value:
each test compares a shortcut with the slow, obvious way of computing the same thing.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core import recurrence
from syncer.core.frozen import positional_constructor
from syncer.core.history import _new_outcome
from syncer.core.model import (
    Attendance,
    Attendee,
    Occurrence,
    OccurrenceOverride,
    Outcome,
    RRuleRecurrence,
    Series,
)
from syncer.core.recurrence import expand, occurrence_rows

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2024, 1, 1, 10, tzinfo=BERLIN)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def weekly(uid: str, overrides: tuple[OccurrenceOverride, ...] = (), **fields: object) -> Series:
    attendees = (Attendee("a@x.test", "accepted", organizer=True), Attendee("b@x.test"))
    return dataclasses.replace(
        Series(
            uid=uid,
            calendar="a@x.test",
            provider="google",
            event_id=uid,
            title="1:1",
            organizer="a@x.test",
            attendees=attendees,
            start=START,
            end=START + timedelta(minutes=30),
            timezone="Europe/Berlin",
            recurrence=RRuleRecurrence(("RRULE:FREQ=WEEKLY", "EXDATE:20240115T090000Z")),
            overrides=overrides,
        ),
        **fields,
    )


def test_fast_outcome_constructor_builds_the_same_value() -> None:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    args = ("u", t, t, t + timedelta(hours=1), "declined", True, "b@x.test", "e")
    fast, slow = _new_outcome(*args), Outcome(*args)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.kind = "held"  # type: ignore[misc]


def test_positional_constructor_falls_back_to_the_real_one_by_name() -> None:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    names = ("start", "original_start", "series_uid", "end", "cancelled", "moved")
    made = positional_constructor(Occurrence, names)(t, t, "u", t, True, False)
    assert made == Occurrence("u", t, t, t, True, False)

    @dataclasses.dataclass(frozen=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("negative")

    assert positional_constructor(Checked, ("n",))(3) == Checked(3)
    with pytest.raises(ValueError):
        positional_constructor(Checked, ("n",))(-1)
    assert positional_constructor(Checked, ("n",), compact=True) is Checked
    compact = positional_constructor(Occurrence, names, compact=True)
    assert compact(t, t, "u", t, True, False) == Occurrence("u", t, t, t, True, False)


@st.composite
def override_sets(draw: st.DrawFn) -> tuple[OccurrenceOverride, ...]:
    weeks = draw(st.lists(st.integers(-2, 30), max_size=6, unique=True))
    found = []
    for week in weeks:
        original = (START + timedelta(weeks=week)).astimezone(UTC)
        shift = draw(st.sampled_from((None, -3, 1, 2, 400)))  # hours; 400 leaves the window
        start = None if shift is None else original + timedelta(hours=shift)
        answer = draw(st.sampled_from((None, "declined", "tentative")))
        found.append(
            OccurrenceOverride(
                original_start=original,
                cancelled=draw(st.booleans()),
                start=start,
                end=None if start is None else start + timedelta(minutes=45),
                attendees=None
                if answer is None
                else (Attendee("a@x.test", "accepted"), Attendee("b@x.test", answer)),
                event_id=f"i{week}",
            )
        )
    return tuple(found)


@SETTINGS
@given(
    overrides=override_sets(),
    first=st.integers(-10, 20),
    days=st.integers(1, 200),
    limit=st.sampled_from((3, 5_000)),
)
def test_occurrence_rows_are_expand_as_plain_tuples(
    overrides: tuple[OccurrenceOverride, ...], first: int, days: int, limit: int
) -> None:
    s = weekly("u1", overrides)
    ws = START + timedelta(days=first)
    we = ws + timedelta(days=days)
    occurrences = expand(s, ws, we, limit=limit)
    rows = occurrence_rows(s, ws, we, limit=limit)
    assert [Occurrence(s.uid, *row) for row in rows] == occurrences
    assert occurrences == sorted(occurrences, key=lambda o: (o.start, o.original_start))


@SETTINGS
@given(a=override_sets(), b=override_sets())
def test_series_sharing_a_rule_and_window_do_not_see_each_others_exceptions(
    a: tuple[OccurrenceOverride, ...], b: tuple[OccurrenceOverride, ...]
) -> None:
    ws, we = START - timedelta(days=3), START + timedelta(days=120)
    shared = [expand(weekly("u1", a), ws, we), expand(weekly("u2", b), ws, we)]
    alone = []
    for uid, overrides in (("u1", a), ("u2", b)):
        recurrence._compiled_slots.cache_clear()
        alone.append(expand(weekly(uid, overrides), ws, we))
    assert shared == alone


def test_a_deleted_series_expands_for_history_only() -> None:
    s = weekly("u1", cancelled=True)
    ws, we = START, START + timedelta(days=30)
    assert expand(s, ws, we) == []
    rows = occurrence_rows(s, ws, we, deleted_too=True)
    assert [Occurrence("u1", *row) for row in rows] == expand(
        dataclasses.replace(s, cancelled=False), ws, we
    )
    assert rows[2][3] is True  # the EXDATE'd 15 January is still reported as cancelled
    assert rows[0][5] == (Attendance("a@x.test", "accepted"), Attendance("b@x.test", "needsAction"))
