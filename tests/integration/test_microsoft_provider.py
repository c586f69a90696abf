"""The Microsoft provider through msal + requests over TLS against the Graph emulator.

Each test seeds people's calendars through the emulator's person controls (not the API), pulls
as syncer does and checks what the engine would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from syncer.core import blocks
from syncer.core.model import BlockContent, OverrideChanged, Series, SeriesChanged
from syncer.errors import Conflict, CursorExpired
from syncer.providers.base import MARKER_BLOCK, PullResult
from syncer.sandbox.graph import FaultRule
from syncer.sandbox.graph.controls import teams_body
from syncer.sandbox.tls import TlsFiles
from tests.contract.microsoft_world import ALICE, BOB, MicrosoftWorld, microsoft_world

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
ROOM = "room.4@example.com"


@pytest.fixture
def world(tls: TlsFiles) -> Iterator[MicrosoftWorld]:
    with microsoft_world(tls) as w:
        w.state.clock.set(datetime(2026, 2, 20, 12, tzinfo=UTC))
        yield w


def series_in(result: PullResult) -> dict[str, Series]:
    return {c.series.event_id: c.series for c in result.changes if isinstance(c, SeriesChanged)}


def overrides_in(result: PullResult) -> list[OverrideChanged]:
    return [c for c in result.changes if isinstance(c, OverrideChanged)]


def test_weekly_one_on_one_with_a_room_is_one_series_on_both_calendars(
    world: MicrosoftWorld,
) -> None:
    world.state.add_person(ROOM, room=True)
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST, room=ROOM)
    provider = world.provider()
    mine = series_in(provider.pull(ALICE, None))[event_id]
    (theirs,) = series_in(provider.pull(BOB, None)).values()
    assert mine.uid == theirs.uid and mine.recurring
    assert mine.timezone == "Europe/Paris" and mine.start == FIRST
    by_email = {a.email: a for a in mine.attendees}
    assert by_email[ROOM].resource and by_email[ALICE].organizer
    assert mine.overrides == ()  # nothing happened to any occurrence


def test_an_occurrence_the_organiser_deletes_silently_is_a_cancellation(
    world: MicrosoftWorld,
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    provider = world.provider(recheck_after=timedelta(0))
    first = provider.pull(ALICE, None)
    gone = FIRST + timedelta(weeks=9)
    world.state.delete_occurrence(ALICE, event_id, gone)
    later = provider.pull(ALICE, first.cursor)
    assert [(c.master_event_id, c.override.original_start, c.override.cancelled) for c in
            overrides_in(later)] == [(event_id, gone, True)]  # fmt: skip
    quiet = provider.pull(ALICE, later.cursor)
    assert overrides_in(quiet) == []  # said once
    fresh = series_in(world.provider().pull(ALICE, None))[event_id]
    assert [(o.original_start, o.cancelled) for o in fresh.overrides] == [(gone, True)]


def test_a_declined_occurrence_reaches_the_organisers_pull(world: MicrosoftWorld) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    provider = world.provider()
    cursor = provider.pull(ALICE, None).cursor
    declined = FIRST + timedelta(weeks=8)
    world.state.decline_occurrence(BOB, event_id, declined)
    (change,) = overrides_in(provider.pull(ALICE, cursor))
    assert change.override.original_start == declined and not change.override.cancelled
    answers = {a.email: a.response for a in change.override.attendees or ()}
    assert answers[BOB] == "declined"
    bob_series = next(iter(series_in(provider.pull(BOB, None)).values()))
    mine = {o.original_start: o for o in bob_series.overrides}
    assert {a.email: a.response for a in mine[declined].attendees or ()}[BOB] == "declined"


def test_an_exception_moved_to_another_day_keeps_its_slot(world: MicrosoftWorld) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    provider = world.provider()
    cursor = provider.pull(ALICE, None).cursor
    original = FIRST + timedelta(weeks=7)
    moved_to = original + timedelta(days=2, hours=4)
    world.state.move_occurrence(ALICE, event_id, original, moved_to)
    (change,) = overrides_in(provider.pull(ALICE, cursor))
    assert (change.override.original_start, change.override.start) == (original, moved_to)
    assert not change.override.cancelled and change.override.event_id


def test_a_series_that_ended_long_ago_is_no_trouble(world: MicrosoftWorld) -> None:
    old = world.seed_weekly_one_on_one(ALICE, BOB, datetime(2024, 1, 8, 9, tzinfo=UTC),
                                       end_date=date(2024, 6, 30))  # fmt: skip
    recent = world.seed_weekly_one_on_one(ALICE, BOB, datetime(2025, 9, 2, 9, tzinfo=UTC),
                                          end_date=date(2026, 1, 31))  # fmt: skip
    result = world.provider().pull(ALICE, None)
    found = series_in(result)
    assert old not in found and result.skipped == 0
    ended = found[recent].recurrence
    assert ended is not None and getattr(ended, "end_date", None) == date(2026, 1, 31)
    assert found[recent].overrides == ()  # the end is not a string of cancellations


def test_a_block_write_keeps_a_teams_html_body_byte_for_byte_and_never_repeats(
    world: MicrosoftWorld,
) -> None:
    body = teams_body("Notes: caf\u00e9 & <b>bold</b> \u2013 \u201cQ3\u201d \U0001f600")
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST, body=body, teams=True)
    provider = world.provider()
    read = provider.read_event(ALICE, event_id)
    assert read.body_type == "html" and read.body == body["content"]
    block = blocks.render(BlockContent(agenda_url="https://x.example/d?a=1&b=2"), "UTC", "html")
    merged = blocks.merge(read.body, block, "html")
    marker = blocks.block_hash(block)
    written = provider.write_event(
        ALICE, event_id, etag=read.etag, body=merged, markers={MARKER_BLOCK: marker}
    )
    assert blocks.remove(written.body, "html") == body["content"]
    assert written.markers[MARKER_BLOCK] == marker
    writes, mails = len(world.writes()), len(world.mails())
    again = provider.write_event(
        ALICE, event_id, etag=written.etag, body=merged, markers={MARKER_BLOCK: marker}
    )
    assert again.etag == written.etag
    assert (len(world.writes()), len(world.mails())) == (writes, mails)  # no PATCH, no mail
    pulled = series_in(provider.pull(ALICE, None))[event_id]
    assert pulled.block_hash == marker and pulled.markers[MARKER_BLOCK] == marker


def test_a_write_racing_a_persons_edit_conflicts_and_keeps_their_text(
    world: MicrosoftWorld,
) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    provider = world.provider()
    read = provider.read_event(ALICE, event_id)
    world.state.edit_body(ALICE, event_id, "<p>mine</p>")
    with pytest.raises(Conflict):
        provider.write_event(ALICE, event_id, etag=read.etag, body="<p>syncer</p>", markers={})
    assert provider.read_event(ALICE, event_id).body == "<p>mine</p>"


def test_an_expired_delta_link_raises_cursor_expired(world: MicrosoftWorld) -> None:
    world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    provider = world.provider()
    cursor = provider.pull(ALICE, None).cursor
    world.expire_cursors(ALICE)
    with pytest.raises(CursorExpired):
        provider.pull(ALICE, cursor)


def test_throttling_is_retried_after_the_servers_retry_after(world: MicrosoftWorld) -> None:
    world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    world.state.faults.add(FaultRule("throttle", times=2, path="calendarView", retry_after=3))
    provider = world.provider()
    result = provider.pull(ALICE, None)
    assert len(series_in(result)) == 1 and world.sleeps == [3.0, 3.0]


def test_the_configured_ca_wins_over_a_bogus_requests_ca_bundle(
    world: MicrosoftWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bogus))
    world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    assert len(series_in(world.provider().pull(ALICE, None))) == 1


def test_instance_id_names_the_occurrence_at_its_original_start(world: MicrosoftWorld) -> None:
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    original = FIRST + timedelta(weeks=6)
    moved = world.state.move_occurrence(ALICE, event_id, original, original + timedelta(days=1))
    provider = world.provider()
    assert provider.instance_id(ALICE, event_id, original) == moved
    plain = FIRST + timedelta(weeks=7)
    found = provider.instance_id(ALICE, event_id, plain)
    assert found == world.state.occurrence_id(ALICE, event_id, plain)
    assert provider.instance_id(ALICE, found, plain) == found
