"""`syncer sync` for a Google Workspace org, end to end, beyond the basics of
test_sync_google.py: holds withdrawn when the pair reschedules themselves, the agenda doc's
dated sections read back from the Docs emulator, special event types left alone, and the real
`syncer` CLI as a subprocess. Real client libraries over HTTPS to the emulator, a real Redis."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer.core.blocks import BEGIN_MARKER
from syncer.core.model import CreateHold, Pair
from syncer.engine.apply import Applier, WriteBudget
from syncer.providers.base import MARKER_HOLD, MARKER_KEYS
from syncer.sandbox.google.clients import service
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import ANA, BOB, CAT, NOW, GoogleOrg, google_org

FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # next Monday, 10:00 Berlin
HOLDS = "mode: full\npolicy: {reschedule: {hold: true}}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GoogleOrg]:
    with google_org(tmp_path, tls, store) as world:
        yield world


@pytest.fixture
def held(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GoogleOrg]:
    """An org in full mode with tentative holds on."""
    with google_org(tmp_path, tls, store, HOLDS) as world:
        yield world


def weekly(world: GoogleOrg, organizer: str, attendee: str, **kw: Any) -> str:
    world.state.clock.set(NOW - dt.timedelta(days=90))
    series = world.state.create_one_on_one(organizer, attendee, FIRST, **kw)
    world.at(NOW)
    return series


def description(world: GoogleOrg, email: str, event_id: str) -> str:
    return str(world.event(email, event_id).get("description", ""))


def instance(series: str, start: dt.datetime) -> str:
    return f"{series}_{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


# -- holds withdrawn when the pair reschedules themselves ---------------------------------------


def holds(world: GoogleOrg, email: str) -> dict[str, dict[str, Any]]:
    """Every event syncer made as a hold on `email`'s calendar (cancelled ones too), by id."""
    with world.state.lock:
        calendar = world.state.calendars.get(email)
        return {
            event_id: copy.deepcopy(record.body)
            for event_id, record in calendar.events.items()
            if MARKER_HOLD in record.body.get("extendedProperties", {}).get("private", {})
        }


def declined_with_holds(world: GoogleOrg) -> tuple[str, dict[str, str]]:
    """Bob declines next Monday's 1:1; a sync proposes slots and holds the first on both
    calendars. Returns the series id and {calendar: hold id}."""
    series = weekly(world, ANA, BOB)
    world.state.decline_instance(BOB, series, MONDAY)
    summary = world.sync()
    assert summary.proposals == 1 and summary.apply.holds_created == 2
    block = description(world, ANA, instance(series, MONDAY))
    assert "was declined" in block and "Free slots" in block
    made: dict[str, str] = {}
    for email in (ANA, BOB):
        (hold_id, hold), *others = holds(world, email).items()
        assert others == []
        assert hold["status"] == "tentative" and not hold.get("attendees")
        made[email] = hold_id
    pair = next(p for p in world.engine().report()["pairs"] if p["people"] == [ANA, BOB])
    first = min(pair["cancellations"][0]["proposals"])
    for email, hold_id in made.items():  # the first proposal, on both calendars
        start = world.event(email, hold_id)["start"]["dateTime"]
        assert dt.datetime.fromisoformat(start) == dt.datetime.fromisoformat(first), email
    world.state.reset_logs()
    return series, made


def assert_withdrawn(world: GoogleOrg, series: str, made: dict[str, str]) -> None:
    for email, hold_id in made.items():
        assert world.event(email, hold_id)["status"] == "cancelled", email
        assert [h for h in holds(world, email).values() if h["status"] != "cancelled"] == []
    deletes = [w for w in world.writes() if w.method == "DELETE"]
    assert {(w.calendar, w.event_id) for w in deletes} == set(made.items())
    assert all(w.send_updates == "none" for w in world.writes())
    for email in (ANA, BOB):
        block = description(world, email, instance(series, MONDAY))
        assert "Free slots" not in block and "was declined" not in block
    master = description(world, ANA, series)
    assert BEGIN_MARKER in master and "Free slots" not in master
    # Settled: the next run changes nothing.
    world.state.reset_logs()
    again = world.sync()
    assert again.apply.writes == 0 and world.writes() == []


def test_holds_are_withdrawn_when_the_organiser_moves_the_declined_occurrence(
    held: GoogleOrg,
) -> None:
    series, made = declined_with_holds(held)
    # Ana drags the declined occurrence to Tuesday afternoon and Bob accepts the new time.
    moved_to = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)
    held.state.move_instance(ANA, series, MONDAY, moved_to)
    held.state.respond(BOB, series, "accepted", MONDAY)
    summary = held.sync()
    assert summary.proposals == 0 and summary.apply.failed == 0
    assert summary.apply.by_kind.get("withdraw_hold") == 2
    assert_withdrawn(held, series, made)
    moved = held.event(ANA, instance(series, MONDAY))
    assert moved["start"]["dateTime"].startswith("2026-12-01T15:00")  # 14:00 UTC in Berlin
    pair = next(p for p in held.engine().report()["pairs"] if p["people"] == [ANA, BOB])
    assert pair["cancellations"] == []  # met on Tuesday instead


def test_holds_are_withdrawn_when_another_occurrence_is_moved_into_the_window(
    held: GoogleOrg,
) -> None:
    series, made = declined_with_holds(held)
    # Bob still declines Monday, but Ana pulls the following week's 1:1 forward to Wednesday:
    # they meet within the reschedule window, so the proposals and holds are not wanted.
    following = MONDAY + dt.timedelta(days=7)
    held.state.move_instance(ANA, series, following, dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC))
    summary = held.sync()
    assert summary.proposals == 0 and summary.apply.failed == 0
    assert summary.apply.by_kind.get("withdraw_hold") == 2
    assert_withdrawn(held, series, made)
    # The report keeps Monday's decline, with the slots once proposed for it, as history.
    pair = next(p for p in held.engine().report()["pairs"] if p["people"] == [ANA, BOB])
    assert [c["kind"] for c in pair["cancellations"]] == ["declined"]


def test_holds_stay_while_the_occurrence_is_still_declined_and_nothing_moved(
    held: GoogleOrg,
) -> None:
    series, made = declined_with_holds(held)
    summary = held.sync()
    assert summary.apply.writes == 0 and held.writes() == []
    for email, hold_id in made.items():
        assert held.event(email, hold_id)["status"] == "tentative"
    assert "Free slots" in description(held, ANA, instance(series, MONDAY))


# -- the agenda doc: a dated section the day before, open action items carried ----------------


def docs_as(world: GoogleOrg, tls: TlsFiles, person: str) -> Any:
    """The real Docs client acting as `person` (through the org's service account)."""
    key = json.loads((world.config_path.parent / "sa.json").read_text())
    return service("docs", world.base_url, key, person, ca_certs=str(tls.ca_cert)).documents()


def doc_text(docs: Any, doc_id: str) -> str:
    """The doc's text as documents.get gives it, without the body's final newline (every
    Docs body ends with one; text appended at the end goes before it)."""
    document = docs.get(documentId=doc_id).execute()
    text = "".join(
        run["textRun"]["content"]
        for element in document["body"]["content"]
        for run in element.get("paragraph", {}).get("elements", [])
        if "textRun" in run
    )
    assert text.endswith("\n")
    return text[:-1]


def append(docs: Any, doc_id: str, text: str) -> None:
    """A person typing at the end of the doc."""
    request = {"insertText": {"text": text, "endOfSegmentLocation": {}}}
    docs.batchUpdate(documentId=doc_id, body={"requests": [request]}).execute()


def test_agenda_gets_the_next_dated_section_the_day_before_with_open_items_carried(
    world: GoogleOrg, tls: TlsFiles
) -> None:
    series = weekly(world, ANA, BOB)
    world.sync()  # Wednesday: the doc is made and attached, no section yet (Monday is far)
    doc_id = world.event(ANA, series)["attachments"][0]["fileId"]
    ana, bob = docs_as(world, tls, ANA), docs_as(world, tls, BOB)
    header = doc_text(ana, doc_id)
    assert header.startswith("1:1 agenda: Ana and Bob\n") and "1:1 on " not in header

    world.at(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC))  # Saturday: two days before
    world.sync()
    assert doc_text(ana, doc_id) == header

    world.at(dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC))  # Sunday: the day before
    world.state.reset_logs()
    world.sync()
    appended = [w for w in world.writes() if w.api == "docs"]
    assert [(w.method, w.path.endswith(":batchUpdate")) for w in appended] == [("POST", True)]
    first = doc_text(ana, doc_id)
    assert first.startswith(header)
    assert first.count("1:1 on 2026-11-30 (Monday)\n") == 1
    assert first.endswith(
        "Action items\n- What will each of us do before next time?\n"
        "- Who owns it, and by when?\n[ ] \n"
    )
    world.state.reset_logs()
    world.sync()  # the section is there: nothing appended twice
    assert doc_text(ana, doc_id) == first
    assert not [w for w in world.writes() if w.api == "docs"]

    # They meet on Monday; Bob writes the action items (one done, two open) into the doc.
    notes = (
        "Bob sends the roadmap draft\n"
        "[x] Ana books the offsite room\n"
        '[ ] Ana reviews Bob\'s promo packet ✓ <by Friday> & "soon"\n'
        "- [ ] Bob pairs with Cat on the migration\n"
    )
    append(bob, doc_id, "[ ] " + notes)
    written = doc_text(ana, doc_id)
    assert written.startswith(first)

    world.at(dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC))  # the Sunday before the next one
    world.sync()
    second = doc_text(ana, doc_id)
    assert second.startswith(written)  # everything people wrote is kept, byte for byte
    added = second[len(written) :]
    assert "1:1 on 2026-12-07 (Monday)\n" in added
    carried = added[added.index("Action items\n") :].splitlines()
    assert carried[-4:] == [
        "[ ] Bob sends the roadmap draft",
        '[ ] Ana reviews Bob\'s promo packet ✓ <by Friday> & "soon"',
        "[ ] Bob pairs with Cat on the migration",
        "[ ] ",
    ]
    assert "offsite" not in added  # a ticked item stays behind
    assert second.count("1:1 on ") == 2


# -- all-day, focusTime, workingLocation and outOfOffice series are left alone ----------------


def special_series(world: GoogleOrg) -> dict[str, str]:
    """Weekly Ana + Bob entries that are not meetings to sync: {kind: series id}."""
    end = FIRST + dt.timedelta(minutes=30)
    timed = {
        "start": {"dateTime": FIRST.isoformat(), "timeZone": "Europe/Berlin"},
        "end": {"dateTime": end.isoformat(), "timeZone": "Europe/Berlin"},
    }
    bodies: dict[str, dict[str, Any]] = {
        "all-day": {
            "start": {"date": "2026-09-28"},
            "end": {"date": "2026-09-29"},
        },
        "focusTime": {
            **timed,
            "eventType": "focusTime",
            "transparency": "opaque",
            "focusTimeProperties": {"autoDeclineMode": "declineNone", "chatStatus": "doNotDisturb"},
        },
        "workingLocation": {
            **timed,
            "eventType": "workingLocation",
            "visibility": "public",
            "transparency": "transparent",
            "workingLocationProperties": {"type": "officeLocation", "officeLocation": {}},
        },
        "outOfOffice": {
            **timed,
            "eventType": "outOfOffice",
            "outOfOfficeProperties": {"autoDeclineMode": "declineNone"},
        },
    }
    world.state.clock.set(NOW - dt.timedelta(days=90))
    made = {}
    for kind, body in bodies.items():
        event = world.state.create_event(
            ANA,
            {
                "summary": "Ana / Bob",  # what a 1:1 would be called
                "description": f"{kind} entry",
                "recurrence": ["RRULE:FREQ=WEEKLY"],
                "attendees": [
                    {"email": ANA, "responseStatus": "accepted"},
                    {"email": BOB, "responseStatus": "accepted"},
                ],
                **body,
            },
        )
        made[kind] = str(event["id"])
    world.at(NOW)
    return made


def test_all_day_focus_time_and_working_location_series_are_left_untouched(
    world: GoogleOrg,
) -> None:
    special = special_series(world)
    real = weekly(world, ANA, CAT)  # a genuine 1:1 alongside, so the run does write
    before = {(e, i): world.event(e, i) for e in (ANA, BOB) for i in special.values()}
    assert all(b["status"] == "confirmed" for b in before.values())
    summary = world.sync()
    assert summary.series == 1 and summary.calendars_failed == 0 and summary.apply.failed == 0
    assert summary.apply.writes > 0 and BEGIN_MARKER in description(world, ANA, real)
    touched = {w.event_id for w in world.writes() if w.event_id}
    for (email, event_id), old in before.items():
        now = world.event(email, event_id)
        assert now == old, (email, event_id)  # etag, description, markers, attachments
        assert BEGIN_MARKER not in now.get("description", "")
        assert "attachments" not in now
        assert not set(now.get("extendedProperties", {}).get("private", {})) & set(MARKER_KEYS)
        assert not any(t == event_id or t.startswith(event_id + "_") for t in touched)
    report = world.engine().report()
    assert [p["people"] for p in report["pairs"] if p["series"]] == [[ANA, CAT]]
    world.state.reset_logs()
    again = world.sync()
    assert again.apply.writes == 0 and world.writes() == []
    assert all(world.event(e, i) == old for (e, i), old in before.items())


# -- the real CLI, as a subprocess ------------------------------------------------------------


def run_cli(world: GoogleOrg, redis_url: str) -> subprocess.CompletedProcess[str]:
    """`syncer sync --once -c PATH` in its own process, on the shared Redis."""
    syncer = Path(sys.executable).with_name("syncer")
    return subprocess.run(
        [str(syncer), "sync", "--once", "-c", str(world.config_path)],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_cli_sync_once_writes_the_block_and_doc_then_a_second_run_writes_nothing(
    world: GoogleOrg, redis_url: str, org: str
) -> None:
    # The subprocess runs on the wall clock, so the emulator does too (frozen at "now"), and
    # it uses the test's own org on Redis, which the fixtures wipe afterwards.
    text = world.config_path.read_text()
    world.config_path.write_text(text.replace("org: acme", f"org: {org}", 1))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    monday = (now - dt.timedelta(days=now.weekday() + 28)).replace(hour=9, minute=0, second=0)
    world.state.clock.set(monday - dt.timedelta(days=1))
    series = world.state.create_one_on_one(ANA, BOB, monday, description="Our weekly")
    world.at(now)

    first = run_cli(world, redis_url)
    assert first.returncode == 0, first.stderr
    assert "4 calendars read (4 in full)" in first.stdout, first.stdout
    assert "1 1:1 series" in first.stdout and "1 agenda docs created" in first.stdout
    event = world.event(ANA, series)
    body = event["description"]
    assert body.startswith("Our weekly") and BEGIN_MARKER in body and "Agenda: https://" in body
    (attachment,) = event["attachments"]
    assert event["extendedProperties"]["private"]["syncer_agenda"] == attachment["fileId"]
    assert attachment["fileUrl"] in body
    assert {w.calendar for w in world.writes() if w.calendar} == {ANA}
    assert all(w.send_updates in (None, "none") for w in world.writes())
    assert world.store.get_cursor(ANA) is not None  # it stored under the config's org

    world.state.reset_logs()
    second = run_cli(world, redis_url)
    assert second.returncode == 0, second.stderr
    assert "(0 in full)" in second.stdout and " 0 writes" in second.stdout, second.stdout
    assert world.writes() == []
    assert world.event(ANA, series) == event


def test_a_run_killed_after_making_its_holds_makes_no_twin_when_run_again(
    held: GoogleOrg, store: Store
) -> None:
    """A run killed between making the holds and recording them leaves the pair's hold list
    empty and marked not known complete (the applier marks it before it makes a hold): the
    next run finds the holds on the calendars, counts them as its own, not as busy time, and
    writes nothing."""
    series, made = declined_with_holds(held)
    key = f"{ANA}|{BOB}"
    state = store.get_pair_state(key) or {}
    store.put_pair_state(key, {**state, "holds": [], "holds_known": False})
    block = description(held, ANA, instance(series, MONDAY))
    audited = len(store.audit_entries())
    summary = held.sync()
    assert summary.apply.writes == 0 and held.writes() == []
    for email, hold_id in made.items():
        assert list(holds(held, email)) == [hold_id]
    assert description(held, ANA, instance(series, MONDAY)) == block  # same proposals
    assert len(store.audit_entries()) == audited


def test_the_applier_finds_a_hold_already_there_instead_of_making_a_twin(
    held: GoogleOrg, store: Store
) -> None:
    """A CreateHold for a slot that already has the pair's hold (made by a run the plan did
    not see) is found by the provider: no twin, no write or audit record, the budget
    untouched, one API call, and the store records the hold it found."""
    _, made = declined_with_holds(held)
    key = f"{ANA}|{BOB}"
    engine = held.engine()
    hold = next(h for h in engine.provider_of(ANA).find_holds(ANA, key) if h.event_id == made[ANA])
    store.put_pair_state(key, {"holds": [], "holds_known": True})
    audited = len(store.audit_entries())
    applier = Applier(
        store=store,
        provider_of=engine.provider_of,
        timezone_of=engine.timezone_of,
        names={},
        template=engine.template,
        budget=WriteBudget(10),
        now=NOW,
    )
    pair = Pair.of(ANA, BOB)
    provider = engine.provider_of(ANA)
    before = provider.calls
    applier.apply(CreateHold(pair, ANA, hold.start, hold.end, hold.proposal_for, "Hold"))
    assert provider.calls - before == 1  # one look for the pair's holds, by the provider
    assert applier.stats.writes == 0 and applier.stats.holds_created == 0
    assert applier.budget.used == 0 and held.writes() == []
    assert list(holds(held, ANA)) == [made[ANA]]
    assert len(store.audit_entries()) == audited
    state = store.get_pair_state(key) or {}
    assert [h["event_id"] for h in state["holds"]] == [made[ANA]] and state["holds_known"]
