"""Folding a pull's changes into a calendar's snapshot, and syncer's own writes into it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncer.core.model import (
    Attendee,
    EventRemoved,
    OccurrenceOverride,
    OverrideChanged,
    RRuleRecurrence,
    Series,
    SeriesChanged,
)
from syncer.core.snapshot import apply_changes, with_own_write

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def series(event_id: str = "ev1", **kw: object) -> Series:
    fields: dict[str, object] = {
        "uid": f"{event_id}@x",
        "calendar": "ana@acme.test",
        "provider": "google",
        "event_id": event_id,
        "title": "1:1",
        "organizer": "ana@acme.test",
        "attendees": (Attendee("ana@acme.test", "accepted"), Attendee("bob@acme.test")),
        "start": START,
        "end": START + timedelta(minutes=30),
        "timezone": "UTC",
        "recurrence": RRuleRecurrence(("RRULE:FREQ=WEEKLY",)),
    }
    fields.update(kw)
    return Series(**fields)  # type: ignore[arg-type]


def cancelled(week: int) -> OccurrenceOverride:
    return OccurrenceOverride(original_start=START + timedelta(weeks=week), cancelled=True)


def test_full_pull_replaces_the_snapshot() -> None:
    old = {"gone": series("gone"), "ev1": series()}
    new, changed = apply_changes(old, [SeriesChanged(series(title="renamed"))], full=True)
    assert set(new) == {"ev1"} and new["ev1"].title == "renamed"
    assert changed == {"gone", "ev1"}


def test_incremental_master_change_keeps_known_exceptions() -> None:
    old = {"ev1": series(overrides=(cancelled(1),))}
    new, changed = apply_changes(old, [SeriesChanged(series(title="renamed"))], full=False)
    assert new["ev1"].title == "renamed" and new["ev1"].overrides == (cancelled(1),)
    assert changed == {"ev1"}


def test_incremental_override_merges_by_original_start_in_any_order() -> None:
    old = {"ev1": series(overrides=(cancelled(1),))}
    moved = OccurrenceOverride(original_start=START + timedelta(weeks=1), start=START)
    changes = [OverrideChanged("ev1", cancelled(3)), OverrideChanged("ev1", moved)]
    new, _ = apply_changes(old, changes, full=False)
    assert new["ev1"].overrides == (moved, cancelled(3))


def test_override_of_an_unknown_master_is_dropped_and_removal_is_applied() -> None:
    old = {"ev1": series()}
    changes = [OverrideChanged("nope", cancelled(1)), EventRemoved("ev1")]
    new, changed = apply_changes(old, changes, full=False)
    assert new == {} and changed == {"ev1"}


def test_own_block_write_on_the_master_updates_hash_and_marker() -> None:
    after = with_own_write(series(), block_hash="abc", markers={"syncer_block": "abc"})
    assert after.block_hash == "abc" and after.markers == {"syncer_block": "abc"}
    cleared = with_own_write(after, block_hash=None, markers={"syncer_block": None})
    assert cleared.block_hash is None and cleared.markers == {}


def test_own_block_write_on_an_occurrence_touches_only_that_occurrence() -> None:
    when = START + timedelta(weeks=2)
    after = with_own_write(series(overrides=(cancelled(1),)), occurrence_start=when, block_hash="h")
    assert after.block_hash is None
    assert [(o.original_start, o.block_hash) for o in after.overrides] == [
        (START + timedelta(weeks=1), None),
        (when, "h"),
    ]


def test_own_attach_adds_the_marker_and_the_attachment_once() -> None:
    once = with_own_write(series(), markers={"syncer_agenda": "doc"}, attachment="doc")
    twice = with_own_write(once, markers={"syncer_agenda": "doc"}, attachment="doc")
    assert twice.attachments == ("doc",) and twice.markers == {"syncer_agenda": "doc"}
