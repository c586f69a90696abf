"""The Google provider against the Google emulator: real client libraries over HTTPS.

Scenarios a real calendar produces: rooms, cancelled / declined / moved instances, special
event types, descriptions full of HTML and unicode, people editing while syncer writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from syncer.core import blocks
from syncer.core.model import BlockContent, OverrideChanged, Series, SeriesChanged
from syncer.errors import Conflict, CursorExpired
from syncer.providers.base import MARKER_AGENDA, MARKER_BLOCK, PullResult
from syncer.providers.google import GoogleProvider
from syncer.sandbox.tls import TlsFiles
from tests.contract.google_world import ALICE, BOB, GoogleWorld, google_world

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
WEEK = timedelta(days=7)
ROOM = "c_188abc@resource.calendar.google.com"


@pytest.fixture
def world(tls: TlsFiles) -> Iterator[GoogleWorld]:
    with google_world(tls) as made:
        yield made


@pytest.fixture
def provider(world: GoogleWorld) -> GoogleProvider:
    return world.provider()


def the_series(result: PullResult, event_id: str) -> Series:
    found = [c.series for c in result.changes if isinstance(c, SeriesChanged)]
    return next(s for s in found if s.event_id == event_id)


def overrides_in(result: PullResult) -> list[OverrideChanged]:
    return [c for c in result.changes if isinstance(c, OverrideChanged)]


def test_weekly_one_on_one_with_a_room_keeps_the_room_as_a_resource(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    world.state.add_room(ALICE, event_id, ROOM)
    series = the_series(provider.pull(ALICE, None), event_id)
    room = next(a for a in series.attendees if a.email == ROOM)
    assert room.resource
    assert [a.email for a in series.attendees if not a.resource] == [ALICE, BOB]
    assert series.timezone == "Europe/Paris" and series.start.hour == 10


def test_cancelled_instance_arrives_as_a_cancelled_override(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    cursor = provider.pull(BOB, None).cursor
    world.state.cancel_instance(ALICE, event_id, FIRST + WEEK)
    (change,) = overrides_in(provider.pull(BOB, cursor))
    assert change.master_event_id == event_id
    assert change.override.cancelled and change.override.original_start == FIRST + WEEK
    full = the_series(provider.pull(BOB, None), event_id)
    assert [(o.original_start, o.cancelled) for o in full.overrides] == [(FIRST + WEEK, True)]


def test_declined_instance_carries_the_decline(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    cursor = provider.pull(ALICE, None).cursor
    world.state.decline_instance(BOB, event_id, FIRST + 2 * WEEK)
    (change,) = overrides_in(provider.pull(ALICE, cursor))
    override = change.override
    assert not override.cancelled and override.original_start == FIRST + 2 * WEEK
    assert override.attendees is not None
    assert {a.email: a.response for a in override.attendees}[BOB] == "declined"


def test_moved_instance_keeps_its_original_slot_and_new_time(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    moved_to = FIRST + WEEK + timedelta(days=1, hours=5)
    world.state.move_instance(ALICE, event_id, FIRST + WEEK, moved_to)
    series = the_series(provider.pull(BOB, None), event_id)
    (override,) = series.overrides
    assert override.original_start == FIRST + WEEK and not override.cancelled
    assert (override.start, override.end) == (moved_to, moved_to + timedelta(minutes=30))
    assert override.event_id and override.event_id.startswith(event_id + "_")


@pytest.mark.parametrize(
    ("event_type", "extra"),
    [
        ("outOfOffice", {"outOfOfficeProperties": {"autoDeclineMode": "declineNone"}}),
        ("focusTime", {"focusTimeProperties": {"chatStatus": "doNotDisturb"}}),
        ("workingLocation", {"workingLocationProperties": {"type": "homeOffice"}}),
    ],
)
def test_special_event_types_parse_without_crash(
    world: GoogleWorld, provider: GoogleProvider, event_type: str, extra: dict[str, object]
) -> None:
    body = {
        "summary": event_type,
        "eventType": event_type,
        "start": {"dateTime": "2026-01-06T09:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-01-06T17:00:00+01:00", "timeZone": "Europe/Paris"},
        "transparency": "transparent" if event_type == "workingLocation" else "opaque",
        "visibility": "public",
        **extra,
    }
    made = world.create_event(ALICE, body)
    result = provider.pull(ALICE, None)
    assert result.skipped == 0
    assert the_series(result, made["id"]).event_type == event_type


def test_all_day_event_starts_at_midnight_in_the_calendar_zone(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    made = world.create_event(
        ALICE,
        {"summary": "Offsite", "start": {"date": "2026-01-07"}, "end": {"date": "2026-01-09"}},
    )
    series = the_series(provider.pull(ALICE, None), made["id"])
    assert series.all_day and series.timezone == "Europe/Paris"
    assert (series.start.hour, series.start.day, series.duration) == (0, 7, timedelta(days=2))


TRICKY = (
    '<p>Agenda for "Bob" &amp; me:</p><ul><li>5 < 6 & 7 > 3</li><li>naïve café — 日本語 🎉</li>'
    "</ul>\n'quoted' \\ backslash\r\n<br>last line"
)


def test_block_write_keeps_html_quotes_and_unicode_byte_for_byte(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    world.edit_description(ALICE, event_id, TRICKY)
    read = provider.read_event(ALICE, event_id)
    assert read.body == TRICKY and read.body_type == "text"
    content = BlockContent(agenda_url="https://docs.google.com/document/d/abc/edit?a=1&b=2")
    block = blocks.render(content, "Europe/Paris", read.body_type)
    digest = blocks.content_hash(content, "Europe/Paris", read.body_type)
    written = provider.write_event(
        ALICE,
        event_id,
        etag=read.etag,
        body=blocks.merge(read.body, block, read.body_type),
        markers={MARKER_BLOCK: digest},
    )
    again = provider.read_event(ALICE, event_id)
    assert again.body == written.body == blocks.merge(TRICKY, block, "text")
    assert blocks.remove(again.body, "text") == TRICKY
    series = the_series(provider.pull(ALICE, None), event_id)
    assert series.block_hash == digest == series.markers[MARKER_BLOCK]
    theirs = the_series(provider.pull(BOB, None), event_id)
    assert theirs.block_hash == digest  # the organiser's description reaches Bob's copy
    assert MARKER_BLOCK not in theirs.markers  # private properties stay on Alice's copy


def test_person_editing_between_read_and_write_causes_a_conflict(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    read = provider.read_event(ALICE, event_id)
    world.edit_description(ALICE, event_id, "Alice's own notes")
    with pytest.raises(Conflict):
        provider.write_event(ALICE, event_id, etag=read.etag, body="syncer text", markers={})
    assert provider.read_event(ALICE, event_id).body == "Alice's own notes"


def test_writes_never_notify_anyone(world: GoogleWorld, provider: GoogleProvider) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    world.state.reset_logs()
    read = provider.read_event(ALICE, event_id)
    provider.write_event(ALICE, event_id, etag=read.etag, body="x", markers={"syncer_block": "1"})
    start = datetime(2026, 1, 8, 15, tzinfo=UTC)
    markers = {"syncer_pair": f"{ALICE}|{BOB}", "syncer_hold": FIRST.isoformat()}
    hold = provider.create_hold(BOB, start, start + timedelta(minutes=30), "Hold", "", markers)
    provider.delete_event(BOB, hold.event_id)
    calendar_writes = [w for w in world.writes() if w.api == "calendar"]
    assert len(calendar_writes) == 3
    assert {w.send_updates for w in calendar_writes} == {"none"}
    assert world.mails() == []


def test_attach_doc_keeps_other_attachments_and_is_idempotent(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    doc = provider.create_doc(ALICE, f"{ALICE}|{BOB}", "Alice / Bob", "Agenda\n", [BOB])
    read = provider.read_event(ALICE, event_id)
    first = provider.attach_doc(ALICE, event_id, doc, read.etag)
    assert first.attachments == (doc.id,) and first.markers[MARKER_AGENDA] == doc.id
    world.state.reset_logs()
    second = provider.attach_doc(ALICE, event_id, doc, first.etag)
    assert second == first and world.writes() == []
    with pytest.raises(Conflict):
        provider.attach_doc(ALICE, event_id, doc, read.etag)


def test_expired_sync_token_then_full_pull_sees_everything(
    world: GoogleWorld, provider: GoogleProvider
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    cursor = provider.pull(ALICE, None).cursor
    world.state.cancel_instance(ALICE, event_id, FIRST + WEEK)
    world.expire_cursors(ALICE)
    with pytest.raises(CursorExpired):
        provider.pull(ALICE, cursor)
    full = provider.pull(ALICE, None)
    assert [o.cancelled for o in the_series(full, event_id).overrides] == [True]
    assert provider.pull(ALICE, full.cursor).changes == ()
