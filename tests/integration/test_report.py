"""`syncer report` for a seeded Google org, checked against the emulator's own calendars: every
format parses, the JSON validates against docs/report.schema.json, and statuses, last met,
cancellations, declines and the accepted proposal are what the calendars say."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.report import render_report
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import ANA, BOB, CAT, DAN, NOW, google_org
from tests.integration.report_org import (
    FIRST,
    HOSTILE_NAME,
    SeededOrg,
    emulator_exceptions,
    seed,
)

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "report.schema.json").read_text())


@pytest.fixture
def seeded(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[SeededOrg]:
    with google_org(tmp_path, tls, store) as world:
        yield seed(world)


def utc(when: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(when["dateTime"]).astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def truth(org: SeededOrg) -> dict[str, Any]:
    """What Ana's and Bob's calendars in the emulator say about their weekly 1:1."""
    exceptions = {
        utc(e["originalStartTime"]): e
        for e in emulator_exceptions(org.world, ANA, org.ana_bob)
        + emulator_exceptions(org.world, BOB, org.ana_bob)
    }
    missed: dict[str, str] = {}
    met: list[dt.datetime] = []
    berlin = ZoneInfo("Europe/Berlin")
    wall = FIRST.astimezone(berlin).replace(tzinfo=None)
    for week in range(20):
        original = (wall + dt.timedelta(weeks=week)).replace(tzinfo=berlin).astimezone(dt.UTC)
        e = exceptions.get(original)
        if e is not None and e.get("status") == "cancelled":
            missed[iso(original)] = "cancelled"
        elif e is not None and any(
            a.get("responseStatus") == "declined" for a in e.get("attendees", [])
        ):
            missed[iso(original)] = "declined"
        else:
            start = utc(e["start"]) if e is not None else original
            if start <= NOW:
                met.append(start)
    lookback = NOW - dt.timedelta(days=90)
    return {
        "missed": {d: k for d, k in missed.items() if d >= iso(lookback)},
        "last_met": iso(max(met)),
    }


def test_report_json_matches_the_emulators_calendars_and_the_schema(seeded: SeededOrg) -> None:
    data = seeded.world.engine().report()
    jsonschema.validate(data, SCHEMA)
    by_pair = {tuple(p["people"]): p for p in data["pairs"]}
    assert set(by_pair) == {(ANA, BOB), (ANA, CAT), (ANA, DAN)}
    ana_bob, ana_cat, ana_dan = by_pair[ANA, BOB], by_pair[ANA, CAT], by_pair[ANA, DAN]
    expected = truth(seeded)
    assert ana_bob["status"] == "ok"
    assert ana_bob["last_met"] == expected["last_met"]
    last = dt.datetime.fromisoformat(expected["last_met"].replace("Z", "+00:00"))
    assert ana_bob["days_since_met"] == (NOW - last).days
    assert {c["date"]: c["kind"] for c in ana_bob["cancellations"]} == expected["missed"]
    assert ana_bob["cancelled"] == 1 and ana_bob["declines"] == 1
    # Bob declined 30 Nov, syncer proposed slots, Ana moved it into the first: accepted.
    assert (ana_bob["proposals_made"], ana_bob["proposals_accepted"]) == (1, 1)
    assert ana_bob["moved"] == 1 and ana_bob["team"] == "Platform"
    assert ana_bob["manager"] == ANA and ana_bob["names"] == ["Ana", "Bob"]
    # Ana/Cat's series ended on 30 Sep: their last meeting is its last occurrence.
    assert ana_cat["status"] == "overdue"
    assert ana_cat["last_met"] == "2026-09-28T11:00:00Z" and ana_cat["days_since_met"] == 58
    assert ana_dan["status"] == "missing" and ana_dan["series"] == []
    assert ana_dan["names"] == ["Ana", HOSTILE_NAME]
    assert data["managers"] == [
        {
            "manager": ANA,
            "name": "Ana",
            "team": "Leads",
            "reports": 3,
            "without_one_on_one": [DAN],
            "overdue": 1,
        }
    ]
    totals = data["totals"]
    assert (totals["pairs"], totals["ok"], totals["overdue"], totals["missing"]) == (3, 1, 1, 1)
    assert (totals["proposals_made"], totals["proposals_accepted"]) == (1, 1)
    assert all(CAT not in p["people"] or p["status"] == "overdue" for p in data["pairs"])


def test_csv_and_table_agree_with_the_json(seeded: SeededOrg) -> None:
    data = seeded.world.engine().report()
    rows = list(csv.DictReader(io.StringIO(render_report(data, "csv"))))
    assert [(r["person_a"], r["person_b"], r["status"]) for r in rows] == [
        (p["people"][0], p["people"][1], p["status"]) for p in data["pairs"]
    ]
    bob = next(r for r in rows if r["person_b"] == BOB)
    assert (bob["last_met"], bob["cancellations"], bob["declines"]) == (
        "2026-11-23T09:00:00Z",
        "1",
        "1",
    )
    assert (bob["proposals_made"], bob["proposals_accepted"], bob["team"]) == ("1", "1", "Platform")
    table = render_report(data, "table")
    assert "ana@acme.test & dan@acme.test" in table and "missing" in table
    assert "Managers" in table and "3 pairs: 1 ok, 1 overdue, 1 missing" in table


def test_report_for_one_pair_lists_every_occurrence_from_the_cli(
    seeded: SeededOrg, redis_url: str, org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = seeded.world.config_path
    path.write_text(path.read_text().replace("org: acme\n", f"org: {org}\n"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "-c", str(path), "--format", "json", "--pair", BOB, ANA])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    jsonschema.validate(data, SCHEMA)
    (pair,) = data["pairs"]
    kinds = {h["original_start"]: h for h in pair["history"]}
    assert kinds["2026-11-16T09:00:00Z"]["kind"] == "cancelled"
    assert kinds["2026-11-09T09:00:00Z"]["declined_by"] == BOB
    moved = kinds["2026-11-30T09:00:00Z"]
    assert moved["moved"] and moved["start"] == iso(seeded.accepted_slot)
    assert moved["start"] in moved["proposals"]
    assert kinds["2026-10-05T08:00:00Z"]["kind"] == "held"
    result = runner.invoke(cli, ["report", "-c", str(path), "--pair", ANA, BOB])
    assert result.exit_code == 0, result.output
    assert "History of ana@acme.test & bob@acme.test" in result.output
    assert "(moved)" in result.output and "declined by bob@acme.test" in result.output
    result = runner.invoke(cli, ["report", "-c", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["status"] for r in rows} == {"ok", "overdue", "missing"}
