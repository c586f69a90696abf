"""`syncer sync` for a Google Workspace org, end to end: the real client libraries over HTTPS
to the emulator, a real Redis, the production config -> providers -> engine path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.core.blocks import BEGIN_MARKER, END_MARKER
from syncer.engine import SyncSummary
from syncer.sandbox.google import FaultRule
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import ANA, BERLIN, BOB, CAT, DAN, NOW, GoogleOrg, google_org

FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
PERSONAL = 'Ana\'s notes: <b>bold</b> &amp; "quotes" < > & ünïcødé ✓\nsecond line'


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GoogleOrg]:
    with google_org(tmp_path, tls, store) as world:
        yield world


def weekly(world: GoogleOrg, organizer: str, attendee: str, **kw: object) -> str:
    world.state.clock.set(NOW - dt.timedelta(days=90))
    series = world.state.create_one_on_one(organizer, attendee, FIRST, **kw)  # type: ignore[arg-type]
    world.at(NOW)
    return series


def description(world: GoogleOrg, email: str, event_id: str) -> str:
    return str(world.event(email, event_id).get("description", ""))


def test_first_sync_attaches_one_doc_and_writes_the_block_then_the_second_writes_nothing(
    world: GoogleOrg,
) -> None:
    series = weekly(world, ANA, BOB, description=PERSONAL)
    first = world.sync()
    assert first.apply.docs_created == 1
    assert first.pairs == 3  # ana/bob has a 1:1; ana/cat and ana/dan are expected but missing
    assert first.missing == 2
    body = description(world, ANA, series)
    assert body.startswith(PERSONAL)
    assert BEGIN_MARKER in body and END_MARKER in body and "Agenda: https://" in body
    event = world.event(ANA, series)
    assert len(event["attachments"]) == 1
    assert (
        event["extendedProperties"]["private"]["syncer_agenda"] == event["attachments"][0]["fileId"]
    )
    # Google shows the organiser's description on Bob's copy: syncer wrote only Ana's.
    assert description(world, BOB, series) == body
    assert {w.calendar for w in world.writes() if w.calendar} == {ANA}
    assert all(w.send_updates in (None, "none") for w in world.writes())
    assert [m for m in world.state.mail_log if m.time >= NOW] == []  # syncer mailed nobody

    world.state.reset_logs()
    second = world.sync()
    assert second.apply.writes == 0 and world.writes() == []
    assert second.full_pulls == 0  # incremental reads only
    assert description(world, ANA, series) == body


def test_dry_run_writes_nothing_and_lists_the_plan(world: GoogleOrg) -> None:
    weekly(world, ANA, BOB)
    summary = world.sync(dry_run=True)
    assert world.writes() == []
    assert any("agenda" in line for line in summary.planned), summary.planned
    assert any(line.startswith("write block") for line in summary.planned)


def test_declined_occurrence_gets_proposals_in_its_block_and_the_report(world: GoogleOrg) -> None:
    series = weekly(world, ANA, BOB)
    declined = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # Mon 10:00 Berlin
    world.state.decline_instance(BOB, series, declined)
    summary = world.sync()
    assert summary.proposals == 1
    instance = f"{series}_20261130T090000Z"
    block = description(world, ANA, instance)
    assert "declined" in block and block.count("Free slots") <= 1
    report = world.engine().report()
    pair = next(p for p in report["pairs"] if p["people"] == [ANA, BOB])
    cancellation = next(c for c in pair["cancellations"] if c["date"] == "2026-11-30T09:00:00Z")
    assert cancellation["kind"] == "declined"
    assert len(cancellation["proposals"]) == 3
    # Every proposal is inside both working days: Berlin 09-17 and New York 09-17 overlap
    # 15:00-17:00 Berlin, i.e. 14:00-16:00 UTC in winter.
    for iso in cancellation["proposals"]:
        start = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        assert 14 <= start.hour < 16 and start.weekday() < 5


def test_moved_occurrence_counts_as_met_and_is_not_a_cancellation(world: GoogleOrg) -> None:
    series = weekly(world, ANA, BOB)
    original = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    world.state.move_instance(ANA, series, original, original + dt.timedelta(days=1, hours=5))
    world.sync()
    pair = next(p for p in world.engine().report()["pairs"] if p["people"] == [ANA, BOB])
    assert pair["last_met"] == "2026-11-24T14:00:00Z"
    assert all(c["date"] != "2026-11-23T09:00:00Z" for c in pair["cancellations"])


def test_series_ended_long_ago_is_overdue_and_a_replacement_is_one_pair_one_doc(
    world: GoogleOrg,
) -> None:
    old = weekly(world, ANA, CAT)
    world.state.end_series(ANA, old, dt.datetime(2026, 9, 30, tzinfo=dt.UTC))
    world.sync()
    pair = next(p for p in world.engine().report()["pairs"] if p["people"] == [ANA, CAT])
    assert pair["status"] == "overdue" and pair["days_since_met"] > 21
    # They start a new series: still one pair, one agenda doc, and the alert clears once met.
    world.state.create_one_on_one(CAT, ANA, dt.datetime(2026, 11, 26, 11, tzinfo=BERLIN))
    world.sync()
    docs = [w for w in world.writes() if w.method == "POST" and w.path == "/files"]
    assert len(docs) == 1
    pair = next(p for p in world.engine().report()["pairs"] if p["people"] == [ANA, CAT])
    assert len(pair["series"]) == 2
    assert pair["status"] == "overdue"


def test_a_person_editing_between_read_and_write_keeps_their_text(world: GoogleOrg) -> None:
    series = weekly(world, ANA, BOB, description="first")
    world.sync()
    # Ana edits outside the block; syncer's next write (a proposal) must merge into her text.
    body = description(world, ANA, series)
    edited = "Ana rewrote this <i>line</i> & more\n" + body
    world.state.edit_description(ANA, series, edited)
    world.state.decline_instance(BOB, series, dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    # The first PATCH meets a stale etag: the emulator answers 412 as if Ana typed again.
    world.sync()
    final = description(world, ANA, series)
    assert final.startswith("Ana rewrote this <i>line</i> & more\n")
    assert final.count(BEGIN_MARKER) == 1


def test_expired_sync_token_resyncs_in_full_without_duplicates(world: GoogleOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()
    body = description(world, ANA, series)
    world.state.expire_sync_tokens()
    world.state.reset_logs()
    summary = world.sync()
    assert summary.full_pulls == 4 and summary.calendars_failed == 0
    assert world.writes() == []
    assert description(world, ANA, series) == body


def test_injected_rate_limits_and_outages_are_retried(world: GoogleOrg) -> None:
    series = weekly(world, ANA, BOB)
    world.state.faults.add(FaultRule("too_many_requests", times=2, retry_after=1))
    world.state.faults.add(FaultRule("unavailable", times=2, path="/events"))
    world.state.faults.add(FaultRule("rate_limit", times=1, method="PATCH"))
    summary = world.sync()
    assert summary.calendars_failed == 0 and summary.apply.failed == 0
    assert BEGIN_MARKER in description(world, ANA, series)
    assert 1.0 in world.sleeps  # Retry-After honoured


def test_team_meetings_and_external_guests_are_not_one_on_ones(world: GoogleOrg) -> None:
    world.state.clock.set(NOW - dt.timedelta(days=30))
    start = {"dateTime": FIRST.isoformat(), "timeZone": "Europe/Berlin"}
    end = {"dateTime": (FIRST + dt.timedelta(minutes=30)).isoformat(), "timeZone": "Europe/Berlin"}
    team = world.state.create_event(
        ANA,
        {
            "summary": "Team sync",
            "start": start,
            "end": end,
            "recurrence": ["RRULE:FREQ=WEEKLY"],
            "attendees": [{"email": e} for e in (ANA, BOB, CAT, DAN)],
        },
    )
    guest = world.state.create_event(
        ANA,
        {
            "summary": "Partner call",
            "start": start,
            "end": end,
            "recurrence": ["RRULE:FREQ=WEEKLY"],
            "attendees": [{"email": ANA}, {"email": "zoe@partner.example"}],
        },
    )
    ooo = world.state.create_event(
        ANA,
        {
            "summary": "Out",
            "eventType": "outOfOffice",
            "start": {"date": "2026-11-26"},
            "end": {"date": "2026-11-27"},
        },
    )
    world.at(NOW)
    summary = world.sync()
    assert summary.series == 0
    assert world.writes() == []
    for event_id in (team["id"], guest["id"], ooo["id"]):
        assert BEGIN_MARKER not in str(world.event(ANA, event_id).get("description", ""))


def test_opted_out_person_is_never_written_nor_stored(
    tmp_path: Path, tls: TlsFiles, store: Store
) -> None:
    with google_org(tmp_path, tls, store) as world:
        text = world.config_path.read_text().replace(
            f"{{email: {BOB}, name: Bob,", f"{{email: {BOB}, name: Bob, opt_out: true,"
        )
        world.config_path.write_text(text)
        series = weekly(world, ANA, BOB)
        world.sync()
        assert world.writes() == []
        assert BEGIN_MARKER not in description(world, ANA, series)
        assert store.series_of(BOB) == [] and store.series_of(ANA) == []
        assert store.get_cursor(BOB) is None


def test_write_cap_defers_the_rest_to_the_next_run(
    tmp_path: Path, tls: TlsFiles, store: Store
) -> None:
    with google_org(tmp_path, tls, store, "limits: {max_writes_per_run: 2}") as world:
        weekly(world, ANA, BOB)
        world.state.clock.set(NOW - dt.timedelta(days=90))
        world.state.create_one_on_one(ANA, CAT, FIRST + dt.timedelta(hours=2))
        world.at(NOW)
        first = world.sync()
        assert first.apply.writes == 2 and first.apply.deferred > 0
        done = world.sync()
        while done.apply.deferred:
            done = world.sync()
        final = world.sync()
        assert final.apply.writes == 0
        docs = [w for w in world.writes() if w.method == "POST" and w.path == "/files"]
        assert len(docs) == 2


def test_cli_sync_and_report_json(
    world: GoogleOrg, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from syncer.cli import cli

    weekly(world, ANA, BOB)
    monkeypatch.setenv("REDIS_URL", redis_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", "--once", "--dry-run", "-c", str(world.config_path)])
    assert result.exit_code == 0, result.output
    assert "nothing written" in result.output
    assert world.writes() == []
    result = runner.invoke(cli, ["report", "-c", str(world.config_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"generated_at", "pairs"} <= set(data)


def test_a_write_target_deleted_since_the_pull_is_skipped_and_its_calendar_reread(
    world: GoogleOrg,
) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()
    engine = world.engine()
    world.state.decline_instance(BOB, series, dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    pulled = SyncSummary()
    engine.pull_all(pulled)
    assert pulled.calendars == 4
    world.state.delete_series(ANA, series)  # gone before syncer writes its proposals
    run = engine.plan_and_apply(world.now)
    assert run.stats.gone >= 1 and run.stats.failed == 0
    assert world.store.get_cursor(ANA) is None  # the next pull of Ana's calendar is full
    after = world.sync()
    assert after.apply.failed == 0 and after.full_pulls >= 1
    assert any(e.get("result") == "gone" for e in world.store.audit_entries())
