"""A mixed org: some people on Google Workspace, some on Microsoft 365, one config.

A 1:1 between a Google person and a Microsoft person sits on both emulators with one iCalUID
(seeded by `syncer.sandbox.mixed`): syncer must see one series and one pair with one agenda doc
(on the organiser's provider), ask each person's own provider for their busy time, and write
the block into both copies, since neither service carries the other's change (syncer mails
nobody). A second run writes nothing on either side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer.core.blocks import BEGIN_MARKER
from syncer.sandbox.mixed import CrossMeeting, seed_cross_provider_one_on_one
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.graph_org import ANA, BOB, GIL, MIXED_PEOPLE, NOW, GraphOrg, graph_org

FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # next Monday, 10:00 Berlin


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GraphOrg]:
    with graph_org(tmp_path, tls, store, people=MIXED_PEOPLE) as world:
        yield world


def cross(world: GraphOrg, organizer: str, attendee: str) -> CrossMeeting:
    world.before(90)
    assert world.google is not None
    meeting = seed_cross_provider_one_on_one(world.google, world.graph, organizer, attendee, FIRST)
    world.at(NOW)
    world.reset_logs()
    return meeting


def google_description(world: GraphOrg, email: str, event_id: str) -> str:
    assert world.google is not None
    return str(world.google.event(email, event_id).get("description", ""))


def pair_of(world: GraphOrg, a: str, b: str) -> dict[str, Any]:
    return next(p for p in world.engine().report()["pairs"] if p["people"] == sorted([a, b]))


def google_docs(world: GraphOrg) -> list[Any]:
    return [w for w in world.google_writes() if w.method == "POST" and w.path == "/files"]


def onedrive_uploads(world: GraphOrg) -> list[Any]:
    return [w for w in world.writes() if w.api == "drive" and w.method == "PUT"]


def test_google_organiser_and_outlook_attendee_are_one_pair_with_one_doc_and_two_blocks(
    world: GraphOrg,
) -> None:
    meeting = cross(world, GIL, BOB)
    summary = world.sync()
    assert summary.series == 1 and summary.calendars_failed == 0
    pair = pair_of(world, GIL, BOB)
    assert pair["status"] == "ok" and len(pair["series"]) == 1
    assert pair["series"][0]["uid"] == meeting.uid
    # One agenda doc, in the organiser's Google Drive; none in OneDrive.
    assert len(google_docs(world)) == 1 and onedrive_uploads(world) == []
    gil = google_description(world, GIL, meeting.google_id)
    assert BEGIN_MARKER in gil and "Agenda: https://docs.google.com/" in gil
    # Bob's Outlook copy is written on its own (Google mails nobody): an attendee's PATCH,
    # which changes his copy only and mails no one.
    bob = world.body(BOB, meeting.graph_id)
    assert BEGIN_MARKER in bob and "https://docs.google.com/" in bob
    assert {w.mailbox for w in world.writes() if w.api == "calendar"} == {BOB}
    assert world.mails() == []
    assert all(w.send_updates == "none" for w in world.google_writes() if w.calendar)
    assert world.google is not None and world.google.mail_log == []

    world.reset_logs()
    second = world.sync()
    assert second.apply.writes == 0
    assert world.writes() == [] and world.google_writes() == [] and world.mails() == []


def test_outlook_organiser_and_google_attendee_share_one_onedrive_doc(world: GraphOrg) -> None:
    meeting = cross(world, ANA, GIL)
    world.sync()
    assert len(onedrive_uploads(world)) == 1 and google_docs(world) == []
    ana = world.body(ANA, meeting.graph_id)
    gil = google_description(world, GIL, meeting.google_id)
    assert BEGIN_MARKER in ana and BEGIN_MARKER in gil
    assert "sharepoint.com" in gil  # the OneDrive doc, linked from Gil's block
    # The OneDrive file is linked from the block, not attached as if it were a Google Doc.
    assert world.google is not None
    assert "attachments" not in world.google.event(GIL, meeting.google_id)
    assert len(world.update_mails()) == 1  # Ana's organiser PATCH, once

    world.reset_logs()
    assert world.sync().apply.writes == 0
    assert world.writes() == [] and world.google_writes() == [] and world.mails() == []


def test_free_busy_comes_from_each_persons_own_provider(world: GraphOrg) -> None:
    meeting = cross(world, GIL, BOB)
    world.sync()
    assert world.google is not None
    # Bob is busy all of Monday's shared hours (in Outlook), Gil all of Tuesday's (in Google).
    world.graph.create_event(BOB, busy_body(MONDAY.replace(hour=13), MONDAY.replace(hour=17)))
    tuesday = MONDAY + dt.timedelta(days=1)
    world.google.create_event(
        GIL,
        {
            "summary": "Busy",
            "start": {"dateTime": tuesday.replace(hour=13).isoformat()},
            "end": {"dateTime": tuesday.replace(hour=17).isoformat()},
        },
    )
    world.graph.decline_occurrence(BOB, meeting.graph_id, MONDAY)
    world.reset_logs()
    summary = world.sync()
    assert summary.proposals == 1
    assert world.graph.count_calls("POST", "getSchedule") >= 1
    assert world.google.count_calls("POST", "freeBusy") >= 1
    cancellation = next(
        c for c in pair_of(world, GIL, BOB)["cancellations"] if c["date"] == "2026-11-30T09:00:00Z"
    )
    assert cancellation["kind"] == "declined" and cancellation["proposals"]
    for iso in cancellation["proposals"]:
        start = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        assert start.date() not in (MONDAY.date(), tuesday.date()), iso
    # Both copies carry the proposals in the declined occurrence; still no mail from syncer.
    assert "Free slots" in google_description(world, GIL, f"{meeting.google_id}_20261130T090000Z")
    bob = world.graph.occurrence_id(BOB, meeting.graph_id, MONDAY)
    assert "Free slots" in world.body(BOB, bob)
    assert world.update_mails() == [] and world.google.mail_log == []


def busy_body(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    return {
        "subject": "Busy",
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
    }
