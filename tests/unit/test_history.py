"""What became of each occurrence of a pair's 1:1s: core.history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.detect import PairSeries, find_pairs
from syncer.core.history import limit_days, pair_history, status
from syncer.core.model import (
    Attendee,
    DetectionRules,
    OccurrenceOverride,
    Pair,
    Person,
    Policy,
    RRuleRecurrence,
    Series,
)

ANA = "ana@acme.test"
BEN = "ben@acme.test"
PAIR = Pair.of(ANA, BEN)
PEOPLE = {
    ANA: Person(ANA, "google", "Europe/Paris"),
    BEN: Person(BEN, "microsoft", "America/New_York"),
}
RULES = DetectionRules(domains=("acme.test",))
START = datetime(2024, 11, 5, 9, 0, tzinfo=UTC)  # a Tuesday
NOW = datetime(2024, 12, 3, 12, 0, tzinfo=UTC)  # a Tuesday, after that day's 1:1
WEEK = timedelta(days=7)


def copy(calendar: str = ANA, *, rrule: str = "RRULE:FREQ=WEEKLY", **kw: object) -> Series:
    fields: dict[str, object] = {
        "uid": "uid-1",
        "calendar": calendar,
        "provider": PEOPLE[calendar].provider,
        "event_id": f"ev-{calendar}",
        "title": "Ana / Ben",
        "organizer": ANA,
        "attendees": (Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "accepted")),
        "start": START,
        "end": START + timedelta(minutes=30),
        "timezone": "Europe/Paris",
        "recurrence": RRuleRecurrence((rrule,)),
    }
    fields.update(kw)
    return Series(**fields)  # type: ignore[arg-type]


def series_of(*copies: Series) -> list[PairSeries]:
    found = find_pairs(copies, PEOPLE, RULES)
    assert found, "the test series should be a 1:1"
    return found


def history(*copies: Series, now: datetime = NOW):
    return pair_history(PAIR, series_of(*copies), now)


def test_past_occurrences_are_held_and_last_met_is_the_latest() -> None:
    h = history(copy())
    assert h.held == 5
    assert h.last_met == datetime(2024, 12, 3, 9, 0, tzinfo=UTC)
    assert h.days_since_met == 0
    assert h.next_occurrence is not None
    assert h.next_occurrence.start == datetime(2024, 12, 10, 9, 0, tzinfo=UTC)
    assert h.streak_missed == 0


def test_cancelled_occurrence_is_not_met() -> None:
    cancelled = OccurrenceOverride(original_start=START + 4 * WEEK, cancelled=True)
    h = history(copy(overrides=(cancelled,)))
    assert h.cancelled == 1
    assert h.last_met == START + 3 * WEEK
    assert h.streak_missed == 1
    assert [o.kind for o in h.recent_cancellations(NOW, 7)] == ["cancelled"]


def test_declined_by_the_attendee_on_their_own_copy() -> None:
    declined = OccurrenceOverride(
        original_start=START + 4 * WEEK,
        attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined")),
    )
    h = history(copy(), copy(BEN, overrides=(declined,)))
    (o,) = [o for o in h.outcomes if o.kind == "declined"]
    assert o.declined_by == BEN
    assert h.last_met == START + 3 * WEEK


def test_declined_by_the_organiser() -> None:
    declined = OccurrenceOverride(
        original_start=START + 4 * WEEK,
        attendees=(Attendee(ANA, "declined", organizer=True), Attendee(BEN, "accepted")),
    )
    h = history(copy(overrides=(declined,)))
    (o,) = [o for o in h.outcomes if o.kind == "declined"]
    assert o.declined_by == ANA


def test_whole_series_declined_means_every_occurrence_declined() -> None:
    bens = copy(
        BEN, attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined"))
    )
    h = history(copy(), bens)
    assert h.held == 0
    assert h.last_met is None
    assert {o.kind for o in h.outcomes} == {"declined"}
    assert h.declined == len(h.outcomes)  # counts span the horizon too


def test_moved_to_another_day_counts_as_met() -> None:
    moved = OccurrenceOverride(
        original_start=START + 4 * WEEK,
        start=START + 4 * WEEK - timedelta(days=1),
        end=START + 4 * WEEK - timedelta(days=1) + timedelta(minutes=30),
    )
    h = history(copy(overrides=(moved,)))
    assert h.held == 5
    assert h.moved == 1
    assert h.cancelled == 0
    assert h.last_met == START + 4 * WEEK - timedelta(days=1)


def test_series_ended_long_ago_is_overdue() -> None:
    ended = copy(rrule="RRULE:FREQ=WEEKLY;COUNT=2")
    now = START + timedelta(days=60)
    h = history(ended, now=now)
    assert h.held == 2
    assert h.days_since_met == 53
    assert h.next_occurrence is None
    assert status(h, 21, has_series=True) == "overdue"


def test_series_replaced_by_a_new_one_is_one_history() -> None:
    old = copy(rrule="RRULE:FREQ=WEEKLY;UNTIL=20241113T000000Z")  # Nov 5, Nov 12
    new_start = datetime(2024, 11, 21, 15, 0, tzinfo=UTC)  # Thursdays from Nov 21
    new = copy(
        uid="uid-2",
        event_id="ev-new",
        start=new_start,
        end=new_start + timedelta(minutes=45),
    )
    h = pair_history(PAIR, series_of(old, new), NOW)
    assert {o.series_uid for o in h.outcomes} == {"uid-1", "uid-2"}
    assert h.held == 4  # Nov 5, 12 (old) + Nov 21, 28 (new)
    assert h.last_met == datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
    assert h.next_occurrence is not None and h.next_occurrence.series_uid == "uid-2"


def test_deleted_series_keeps_its_past_and_adds_one_deleted_outcome() -> None:
    deleted = copy(cancelled=True, updated=START + 2 * WEEK + timedelta(days=1))
    h = history(deleted)
    assert h.held == 3
    (gone,) = [o for o in h.outcomes if o.kind == "deleted"]
    assert gone.original_start == START + 3 * WEEK
    assert h.next_occurrence is None
    assert h.streak_missed == 1


def test_same_occurrence_seen_twice_is_counted_once() -> None:
    ps = series_of(copy())
    h = pair_history(PAIR, [*ps, *ps], NOW)
    assert h.held == 5


def test_dst_keeps_the_wall_clock_and_the_history() -> None:
    # 09:00 in New York: 13:00 UTC in October, 14:00 UTC after the switch on 3 Nov 2024.
    ny = ZoneInfo("America/New_York")
    first = datetime(2024, 10, 22, 9, 0, tzinfo=ny)
    s = copy(
        BEN,
        organizer=BEN,
        attendees=(Attendee(BEN, "accepted", organizer=True), Attendee(ANA, "accepted")),
        start=first,
        end=first + timedelta(minutes=30),
        timezone="America/New_York",
    )
    h = history(s, now=datetime(2024, 11, 13, 0, 0, tzinfo=UTC))
    starts = [o.start for o in h.outcomes if o.kind == "held"]
    assert starts == [
        datetime(2024, 10, 22, 13, 0, tzinfo=UTC),
        datetime(2024, 10, 29, 13, 0, tzinfo=UTC),
        datetime(2024, 11, 5, 14, 0, tzinfo=UTC),
        datetime(2024, 11, 12, 14, 0, tzinfo=UTC),
    ]
    assert h.days_since_met == 0  # 10 hours ago: whole days


def test_cross_zone_pair_counts_whole_days_in_utc() -> None:
    h = history(copy(), now=datetime(2024, 12, 5, 8, 59, tzinfo=UTC))
    assert h.last_met == datetime(2024, 12, 3, 9, 0, tzinfo=UTC)
    assert h.days_since_met == 1


def test_all_day_series_is_never_counted() -> None:
    (ps,) = series_of(copy())
    all_day = replace(ps, merged=replace(ps.merged, all_day=True))
    h = pair_history(PAIR, [all_day], NOW)
    assert h.outcomes == ()
    assert h.last_met is None


def test_other_pairs_series_are_ignored() -> None:
    (ps,) = series_of(copy())
    h = pair_history(Pair.of(ANA, "cam@acme.test"), [ps], NOW)
    assert h.outcomes == ()


def test_streak_counts_consecutive_missed_occurrences() -> None:
    cancelled = tuple(
        OccurrenceOverride(original_start=START + i * WEEK, cancelled=True) for i in (1, 3, 4)
    )
    h = history(copy(overrides=cancelled))
    assert h.streak_missed == 2
    assert h.last_met == START + 2 * WEEK


def test_recent_cancellations_window() -> None:
    cancelled = tuple(
        OccurrenceOverride(original_start=START + i * WEEK, cancelled=True) for i in (1, 6)
    )
    h = history(copy(overrides=cancelled))
    assert [o.original_start for o in h.recent_cancellations(NOW, 7)] == [START + 6 * WEEK]
    assert len(h.recent_cancellations(NOW, 30)) == 2


def test_the_past_is_capped() -> None:
    h = history(
        copy(start=START - timedelta(days=3000), end=START - timedelta(days=3000, minutes=-30))
    )
    assert min(o.start for o in h.outcomes) >= NOW - timedelta(days=400)


# --------------------------------------------------------------------------------------------
# Limits and status

POLICY = Policy(max_gap_days=21, new_hire_days=90, new_hire_max_gap_days=10)


def test_limit_is_the_default_gap() -> None:
    assert limit_days((PEOPLE[ANA], PEOPLE[BEN]), POLICY, NOW) == 21


def test_team_limit_overrides_the_default_and_the_stricter_team_wins() -> None:
    policy = replace(POLICY, team_max_gap_days={"sales": 30, "eng": 14})
    ana = replace(PEOPLE[ANA], team="sales")
    assert limit_days((ana, PEOPLE[BEN]), policy, NOW) == 30
    ben = replace(PEOPLE[BEN], team="eng")
    assert limit_days((ana, ben), policy, NOW) == 14


def test_new_hire_limit_is_stricter() -> None:
    ben = replace(PEOPLE[BEN], start_date=date(2024, 10, 1))
    assert limit_days((PEOPLE[ANA], ben), POLICY, NOW) == 10
    veteran = replace(PEOPLE[BEN], start_date=date(2020, 1, 1))
    assert limit_days((PEOPLE[ANA], veteran), POLICY, NOW) == 21


def test_status_ok_when_met_recently() -> None:
    assert status(history(copy()), 21, has_series=True) == "ok"


def test_status_missing_without_series() -> None:
    empty = pair_history(PAIR, [], NOW)
    assert status(empty, 21, has_series=False) == "missing"


def test_status_no_history_for_a_new_series() -> None:
    s = copy(start=NOW + timedelta(days=2), end=NOW + timedelta(days=2, minutes=30))
    assert status(history(s), 21, has_series=True) == "no_history"


def test_status_overdue_when_never_met_for_longer_than_the_limit() -> None:
    bens = copy(
        BEN, attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined"))
    )
    h = history(copy(), bens)
    assert status(h, 21, has_series=True) == "overdue"
    assert status(h, 60, has_series=True) == "no_history"
