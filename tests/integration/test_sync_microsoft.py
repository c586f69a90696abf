"""`syncer sync` for a Microsoft 365 org, end to end: msal + requests over HTTPS to the Graph
emulator, a real Redis, the production config -> providers -> engine path.

On Microsoft an organiser's PATCH mails every attendee (Graph cannot silence it), so besides
what syncer writes these tests count the update mails Exchange sends: at most one per pair per
material change, none in the steady state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer.core.blocks import BEGIN_MARKER, END_MARKER
from syncer.engine.pull import pull_calendar
from syncer.providers.microsoft import MicrosoftProvider
from syncer.sandbox.graph import FaultRule
from syncer.sandbox.graph.controls import TEAMS_BLOCK, teams_body
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.graph_org import ANA, BOB, CAT, DAN, NOW, ROOM, GraphOrg, graph_org

FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
PERSONAL = 'Ana\'s notes: <b>bold</b> &amp; "quotes" &lt; &gt; ünïcødé ✓'
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # next Monday, 10:00 Berlin


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GraphOrg]:
    with graph_org(tmp_path, tls, store) as world:
        yield world


def weekly(world: GraphOrg, organizer: str, attendee: str, **kw: Any) -> str:
    world.before(90)
    series = world.graph.create_one_on_one(organizer, attendee, FIRST, **kw)
    world.at(NOW)
    return series


def pair_of(world: GraphOrg, a: str, b: str) -> dict[str, Any]:
    return next(p for p in world.engine().report()["pairs"] if p["people"] == sorted([a, b]))


def block_of(body: str) -> str:
    start, end = body.index('<div id="syncer-block">'), body.index(END_MARKER)
    return body[start : body.index("</div>", end) + len("</div>")]


def in_working_hours(proposals: list[str]) -> None:
    """Berlin 09-17 and New York 09-17 overlap 15:00-17:00 Berlin: 14:00-16:00 UTC in winter."""
    assert proposals
    for iso in proposals:
        start = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        assert 14 <= start.hour < 16 and start.weekday() < 5, iso


def test_first_sync_writes_the_organisers_copy_only_and_the_second_writes_nothing(
    world: GraphOrg,
) -> None:
    original = teams_body(PERSONAL)["content"]
    series = weekly(world, ANA, BOB, body=teams_body(PERSONAL), teams=True)
    world.reset_logs()
    first = world.sync()
    assert first.apply.docs_created == 1 and first.pairs == 3 and first.missing == 2
    uploads = [w for w in world.writes() if w.method == "PUT" and w.api == "drive"]
    assert len(uploads) == 1 and uploads[0].path.endswith(".docx:/content")
    body = world.body(ANA, series)
    block = block_of(body)
    # An HTML fragment before </body>; the Teams block and Ana's text are kept byte for byte.
    assert BEGIN_MARKER in block and 'Agenda: <a href="https://' in block
    assert body.replace(block, "") == original
    assert TEAMS_BLOCK in body and PERSONAL in body
    # Syncer wrote only Ana's copy; Bob's copy got the block through Exchange's update.
    assert {w.mailbox for w in world.writes() if w.api == "calendar"} == {ANA}
    assert world.body(BOB, world.graph.copy_id(BOB, series)) == body
    assert [(m.sender, m.recipients) for m in world.update_mails()] == [(ANA, (BOB,))]
    assert [m.kind for m in world.mails()] == ["update"]  # the doc was shared silently

    world.reset_logs()
    second = world.sync()
    assert second.apply.writes == 0 and world.writes() == []
    assert second.full_pulls == 0
    assert world.mails() == []
    assert world.body(ANA, series) == body


def test_dry_run_writes_nothing_and_lists_the_plan(world: GraphOrg) -> None:
    weekly(world, ANA, BOB)
    world.reset_logs()
    summary = world.sync(dry_run=True)
    assert world.writes() == [] and world.mails() == []
    assert any("agenda" in line for line in summary.planned), summary.planned
    assert any(line.startswith("write block") for line in summary.planned)


def test_weekly_one_on_one_with_a_room_is_one_pair(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB, room=ROOM)
    summary = world.sync()
    assert summary.series == 1
    assert pair_of(world, ANA, BOB)["status"] == "ok"
    assert BEGIN_MARKER in world.body(ANA, series)


def test_occurrence_deleted_by_the_organiser_is_cancelled_with_proposals(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()
    world.graph.delete_occurrence(ANA, series, MONDAY)  # vanishes from Ana's delta silently
    world.reset_logs()
    world.at(NOW + dt.timedelta(days=1, minutes=1))  # the daily re-check of the series is due
    summary = world.sync()
    assert summary.proposals == 1
    cancellation = next(
        c for c in pair_of(world, ANA, BOB)["cancellations"] if c["date"] == "2026-11-30T09:00:00Z"
    )
    assert cancellation["kind"] == "cancelled" and len(cancellation["proposals"]) == 3
    in_working_hours(cancellation["proposals"])
    assert world.graph.count_calls("POST", "getSchedule") >= 1
    # The proposals went into the next occurrence's block on Ana's copy: one update mail.
    nxt = world.graph.occurrence_id(ANA, series, MONDAY + dt.timedelta(weeks=1))
    assert "Free slots for both" in block_of(world.body(ANA, nxt))
    assert len(world.update_mails()) <= 1
    world.reset_logs()
    assert world.sync().apply.writes == 0 and world.mails() == []


def test_declined_occurrence_gets_proposals_in_its_own_block(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()
    world.graph.decline_occurrence(BOB, series, MONDAY)
    world.reset_logs()
    summary = world.sync()
    assert summary.proposals == 1
    block = block_of(world.body(ANA, world.graph.occurrence_id(ANA, series, MONDAY)))
    assert "declined" in block
    cancellation = next(
        c for c in pair_of(world, ANA, BOB)["cancellations"] if c["date"] == "2026-11-30T09:00:00Z"
    )
    assert cancellation["kind"] == "declined"
    in_working_hours(cancellation["proposals"])
    assert {w.mailbox for w in world.writes()} == {ANA}
    assert len(world.update_mails()) == 1  # the one material change, once


def test_exception_moved_to_another_day_counts_as_met(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    original = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    world.graph.move_occurrence(ANA, series, original, original + dt.timedelta(days=1, hours=5))
    world.sync()
    pair = pair_of(world, ANA, BOB)
    assert pair["last_met"] == "2026-11-24T14:00:00Z"
    assert all(c["date"] != "2026-11-23T09:00:00Z" for c in pair["cancellations"])


def test_series_with_an_end_date_long_ago_is_overdue(world: GraphOrg) -> None:
    weekly(world, ANA, CAT, end_date=dt.date(2026, 10, 12))
    summary = world.sync()
    pair = pair_of(world, ANA, CAT)
    assert pair["status"] == "overdue" and pair["last_met"] == "2026-10-12T08:00:00Z"
    assert summary.overdue == 1
    assert world.writes() == []  # nothing upcoming to write on


@pytest.mark.parametrize(
    ("kwargs", "status", "last_met"),
    [
        ({"count": 4}, "overdue", "2026-10-19T08:00:00Z"),  # 28 Sep .. 19 Oct
        ({}, "ok", "2026-11-23T09:00:00Z"),  # noEnd
    ],
)
def test_numbered_and_no_end_ranges(
    world: GraphOrg, kwargs: dict[str, Any], status: str, last_met: str
) -> None:
    weekly(world, ANA, DAN, **kwargs)
    world.sync()
    pair = pair_of(world, ANA, DAN)
    assert (pair["status"], pair["last_met"]) == (status, last_met)


def test_relative_monthly_second_tuesday(world: GraphOrg) -> None:
    world.before(90)
    start = dt.datetime(2026, 9, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 2nd Tue
    series = world.graph.create_one_on_one(
        ANA, DAN, start, pattern="relativeMonthly", index="second"
    )
    world.at(NOW)
    world.sync()
    pair = pair_of(world, ANA, DAN)
    assert pair["last_met"] == "2026-11-10T09:00:00Z"  # the second Tuesday of November
    assert pair["status"] == "ok"  # 15 days, under the 21-day limit
    assert BEGIN_MARKER in world.body(ANA, series)


def test_team_meeting_all_day_and_private_events_are_left_alone(world: GraphOrg) -> None:
    world.before(30)
    team = world.graph.create_team_meeting(ANA, [BOB, CAT, DAN], FIRST)
    all_day = world.graph.create_all_day(ANA, dt.date(2026, 11, 26))
    private = world.graph.create_private_event(ANA, FIRST)
    world.at(NOW)
    world.reset_logs()
    summary = world.sync()
    assert summary.series == 0 and world.writes() == [] and world.mails() == []
    for event_id in (team, all_day, private):
        assert BEGIN_MARKER not in world.body(ANA, event_id)


def _race(world: GraphOrg, event_id: str, edit: Callable[[], object], on_get: int) -> None:
    """The person edits right after syncer's `on_get`-th read of the event: syncer's PATCH
    then carries a stale etag (a real race, answered by the emulator)."""
    log_call = world.graph.log_call
    seen = [0]

    def racing(mailbox: str | None, method: str, path: str, status: int) -> None:
        log_call(mailbox, method, path, status)
        if method == "GET" and path.endswith(event_id):
            seen[0] += 1
            if seen[0] == on_get:
                edit()

    world.graph.log_call = racing  # type: ignore[method-assign,assignment]


def test_a_412_race_keeps_the_persons_text(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB, body={"contentType": "html", "content": "<p>first</p>"})
    world.sync()
    world.graph.decline_occurrence(BOB, series, MONDAY)
    target = world.graph.occurrence_id(ANA, series, MONDAY)
    edited = "<p>Ana rewrote this <i>line</i> &amp; more</p>"
    body = {"contentType": "html", "content": edited}
    # Ana edits the occurrence in Outlook (a person's change, not an API call).
    _race(world, target, lambda: world.graph.calendars.patch(ANA, target, {"body": body}), 2)
    world.reset_logs()
    summary = world.sync()
    assert 412 in [c.status for c in world.graph.call_log]
    assert summary.apply.conflicts >= 1 and summary.apply.failed == 0
    final = world.body(ANA, target)
    assert final.startswith(edited) and final.count(BEGIN_MARKER) == 1 and "declined" in final


def test_expired_delta_link_resyncs_in_full_without_duplicates(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()
    body = world.body(ANA, series)
    world.graph.expire_delta_tokens()
    world.reset_logs()
    summary = world.sync()
    assert summary.full_pulls == 4 and summary.calendars_failed == 0
    assert world.writes() == [] and world.mails() == []
    assert world.body(ANA, series) == body


def test_throttling_429_with_retry_after_is_honoured(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.graph.faults.add(FaultRule("throttle", times=2, retry_after=3))
    world.graph.faults.add(FaultRule("unavailable", times=1, method="PATCH"))
    summary = world.sync()
    assert summary.calendars_failed == 0 and summary.apply.failed == 0
    assert BEGIN_MARKER in world.body(ANA, series)
    assert world.sleeps.count(3.0) == 2


def test_update_mails_at_most_one_per_pair_per_material_change(world: GraphOrg) -> None:
    series = weekly(world, ANA, BOB)
    weekly(world, CAT, DAN)
    world.reset_logs()
    world.sync()
    assert sorted(m.recipients for m in world.update_mails()) == [(BOB,), (DAN,)]
    for day in range(1, 4):  # quiet days: no change, no mail
        world.reset_logs()
        world.at(NOW + dt.timedelta(days=day))
        world.sync()
        assert world.update_mails() == []
    # One material change (Bob declines) costs Bob one update, once.
    world.graph.decline_occurrence(BOB, series, MONDAY + dt.timedelta(weeks=1))
    world.reset_logs()
    world.sync()
    world.sync()
    assert [m.recipients for m in world.update_mails()] == [(BOB,)]
    world.at(NOW + dt.timedelta(days=3, hours=1))
    world.reset_logs()
    world.sync()
    assert world.update_mails() == []


def test_a_page_token_expiring_half_way_through_a_full_pull_starts_it_over(
    world: GraphOrg,
) -> None:
    """Regression (fault suite review): a 410 on the second page of a full delta round was read
    as "not found", and the calendar's pull was dropped until the next sweep."""
    series = weekly(world, ANA, BOB)
    provider = MicrosoftProvider.from_config(
        world.config.providers.microsoft, page_size=10, clock=lambda: world.now
    )
    statuses: list[int] = []
    logged = world.graph.log_call

    def expire_after_the_first_page(who: str | None, method: str, path: str, status: int) -> None:
        logged(who, method, path, status)
        if "/calendarView/delta" in path or "$skiptoken" in path or "$deltatoken" in path:
            statuses.append(status)
            if len(statuses) == 1:
                world.graph.expire_delta_tokens(ANA)

    world.graph.log_call = expire_after_the_first_page  # type: ignore[method-assign]
    stats = pull_calendar(provider, world.store, ANA, ())
    assert statuses[:2] == [200, 410] and statuses[-1] == 200
    assert stats.full and stats.resynced
    assert [s.event_id for s in world.store.series_of(ANA)] == [series]
