"""What every provider must do, whatever the vendor. Runs once per `provider_env` param."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.core.model import EventRemoved, OverrideChanged, Pair, Series, SeriesChanged
from syncer.errors import Conflict, CursorExpired
from syncer.providers.base import MARKER_BLOCK, MARKER_HOLD, MARKER_PAIR, PullResult
from tests.contract.conftest import ProviderEnv

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def series_in(result: PullResult) -> dict[str, Series]:
    return {c.series.event_id: c.series for c in result.changes if isinstance(c, SeriesChanged)}


def seeded(env: ProviderEnv) -> tuple[str, Series]:
    """Seed the weekly 1:1 and return (organiser's calendar, its series as pulled)."""
    alice, bob = env.people
    event_id = env.world.seed_weekly_one_on_one(alice, bob, FIRST)
    return alice, series_in(env.provider.pull(alice, None))[event_id]


def test_full_pull_finds_the_weekly_one_on_one_on_both_calendars_with_one_uid(
    env: ProviderEnv,
) -> None:
    alice, bob = env.people
    env.world.seed_weekly_one_on_one(alice, bob, FIRST)
    mine = env.provider.pull(alice, None)
    theirs = env.provider.pull(bob, None)
    assert mine.full and theirs.full and mine.cursor and theirs.cursor
    (a,) = series_in(mine).values()
    (b,) = series_in(theirs).values()
    assert a.uid == b.uid
    assert a.recurring and a.start == FIRST and a.duration == timedelta(minutes=30)
    assert {x.email for x in a.attendees} == {alice, bob}
    assert (a.calendar, b.calendar) == (alice, bob)


def test_incremental_pull_returns_only_what_changed_after_the_cursor(env: ProviderEnv) -> None:
    alice, bob = env.people
    env.world.add_busy(alice, FIRST + timedelta(days=1), FIRST + timedelta(days=1, hours=1))
    event_id = env.world.seed_weekly_one_on_one(alice, bob, FIRST)
    first = env.provider.pull(alice, None)
    assert len(first.changes) == 2
    quiet = env.provider.pull(alice, first.cursor)
    assert not quiet.full and quiet.changes == ()
    env.world.edit_description(alice, event_id, "Agenda: hiring")
    changed = env.provider.pull(alice, quiet.cursor)
    assert [c.series.event_id for c in changed.changes if isinstance(c, SeriesChanged)] == [
        event_id
    ]
    assert not [c for c in changed.changes if isinstance(c, EventRemoved | OverrideChanged)]


def test_expired_cursor_raises_and_a_full_pull_recovers(env: ProviderEnv) -> None:
    alice, bob = env.people
    event_id = env.world.seed_weekly_one_on_one(alice, bob, FIRST)
    cursor = env.provider.pull(alice, None).cursor
    env.world.expire_cursors(alice)
    with pytest.raises(CursorExpired):
        env.provider.pull(alice, cursor)
    again = env.provider.pull(alice, None)
    assert again.full and event_id in series_in(again)


def test_write_with_the_current_etag_succeeds_and_a_stale_one_conflicts(
    env: ProviderEnv,
) -> None:
    alice, series = seeded(env)
    read = env.provider.read_event(alice, series.event_id)
    written = env.provider.write_event(
        alice, series.event_id, etag=read.etag, body=read.body + "\nnotes", markers={}
    )
    assert written.body == read.body + "\nnotes" and written.etag != read.etag
    with pytest.raises(Conflict):
        env.provider.write_event(alice, series.event_id, etag=read.etag, body="clobber", markers={})
    assert env.provider.read_event(alice, series.event_id).body == read.body + "\nnotes"


def test_markers_round_trip_through_a_pull_and_can_be_deleted(env: ProviderEnv) -> None:
    alice, series = seeded(env)
    read = env.provider.read_event(alice, series.event_id)
    written = env.provider.write_event(
        alice, series.event_id, etag=read.etag, body=None, markers={MARKER_BLOCK: "abc123"}
    )
    assert written.markers[MARKER_BLOCK] == "abc123" and written.body == read.body
    pulled = series_in(env.provider.pull(alice, None))[series.event_id]
    assert pulled.markers[MARKER_BLOCK] == "abc123"
    env.provider.write_event(
        alice, series.event_id, etag=written.etag, body=None, markers={MARKER_BLOCK: None}
    )
    assert MARKER_BLOCK not in series_in(env.provider.pull(alice, None))[series.event_id].markers


def test_free_busy_returns_the_seeded_busy_time_of_both_people(env: ProviderEnv) -> None:
    alice, bob = env.people
    day = datetime(2026, 2, 4, tzinfo=UTC)  # a Wednesday: no 1:1 that day
    env.world.add_busy(alice, day + timedelta(hours=10), day + timedelta(hours=11))
    env.world.add_busy(bob, day + timedelta(hours=14), day + timedelta(hours=15, minutes=30))
    busy = env.provider.free_busy([alice, bob], day, day + timedelta(days=1))
    # Within their working days (08:00-17:00 in Paris, in New York) only the seeded meetings;
    # Graph also reports the time outside the hours people set in Outlook as busy.

    def within(who: str, start: int, end: int) -> list[tuple[datetime, datetime]]:
        opens, closes = day + timedelta(hours=start), day + timedelta(hours=end)
        return [(b.start, b.end) for b in busy[who] if b.start < closes and b.end > opens]

    assert within(alice, 7, 16) == [(day + timedelta(hours=10), day + timedelta(hours=11))]
    assert within(bob, 13, 22) == [
        (day + timedelta(hours=14), day + timedelta(hours=15, minutes=30))
    ]
    if env.provider.name == "microsoft":  # Outlook's working hours (getSchedule) count too
        assert (day, day + timedelta(hours=7)) in [(b.start, b.end) for b in busy[alice]]
        assert (day + timedelta(hours=16), day + timedelta(days=1)) in [
            (b.start, b.end) for b in busy[alice]
        ]
    assert all(b.start.utcoffset() == timedelta(0) for b in busy[alice] + busy[bob])


def test_agenda_doc_is_created_once_found_by_pair_and_appended_with_revision(
    env: ProviderEnv,
) -> None:
    alice, bob = env.people
    pair = Pair.of(alice, bob)
    assert env.provider.find_doc(alice, pair.key) is None
    doc = env.provider.create_doc(alice, pair.key, "Alice / Bob 1:1", "Agenda\n", [alice, bob])
    assert doc.url.startswith("http") and doc.owner == alice
    assert env.provider.find_doc(alice, pair.key) == doc
    again = env.provider.create_doc(alice, pair.key, "Alice / Bob 1:1", "Agenda\n", [alice, bob])
    assert again.id == doc.id  # never two docs for one pair
    text = env.provider.read_doc(doc)
    assert text.text.startswith("Agenda\n")
    env.provider.append_doc(doc, "## Jan 5\n[ ] hiring\n", text.revision)
    after = env.provider.read_doc(doc)
    assert "## Jan 5\n[ ] hiring\n" in after.text and after.revision != text.revision
    with pytest.raises(Conflict):
        env.provider.append_doc(doc, "stale\n", text.revision)
    assert "stale" not in env.provider.read_doc(doc).text


def test_holds_are_created_found_and_deleted_idempotently(env: ProviderEnv) -> None:
    alice, bob = env.people
    key = Pair.of(alice, bob).key
    start = datetime(2026, 2, 5, 15, tzinfo=UTC)
    proposal_for = datetime(2026, 2, 2, 9, tzinfo=UTC)
    markers = {MARKER_PAIR: key, MARKER_HOLD: proposal_for.isoformat()}
    hold = env.provider.create_hold(
        alice, start, start + timedelta(minutes=30), "Hold: 1:1", "proposed", markers
    )
    assert (hold.start, hold.pair_key, hold.proposal_for) == (start, key, proposal_for)
    same = env.provider.create_hold(
        alice, start, start + timedelta(minutes=30), "Hold: 1:1", "proposed", markers
    )
    assert same.event_id == hold.event_id
    assert (hold.created, same.created) == (True, False)  # found, not made again
    assert env.provider.find_holds(alice, key) == [hold]
    assert env.provider.find_holds(alice, Pair.of(alice, "carol@example.com").key) == []
    env.provider.delete_event(alice, hold.event_id)
    env.provider.delete_event(alice, hold.event_id)  # already gone: still fine
    assert env.provider.find_holds(alice, key) == []


@pytest.fixture
def env(provider_env: ProviderEnv) -> ProviderEnv:
    return provider_env
