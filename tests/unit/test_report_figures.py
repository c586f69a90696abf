"""The report's figures as pure functions: what counts as an accepted proposal, a pair's team,
the weekly buckets of the dashboard, and the dashboard's loopback rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jsonschema

from syncer.core.model import Outcome, Person
from syncer.report import pair_team, proposal_figures, render_report
from syncer.web.charts import weekly_counts
from syncer.web.dashboard import loopback_only

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "report.schema.json").read_text())


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def outcome(original: dt.datetime, start: dt.datetime, kind: str) -> Outcome:
    return Outcome(
        "uid", original, start, start + dt.timedelta(minutes=30), kind, start != original
    )  # type: ignore[arg-type]


def test_a_proposal_is_accepted_when_an_occurrence_is_held_or_upcoming_at_a_proposed_slot() -> None:
    slots = (at(17, 14), at(18, 14))
    outcomes = [outcome(at(16), at(18, 14), "held")]  # moved into the second slot
    assert proposal_figures(outcomes, {at(16): slots}, at(1), NOW) == (1, 1)
    upcoming = [outcome(at(30), at(30, 14), "upcoming")]
    assert proposal_figures(upcoming, {at(30): (at(30, 14),)}, at(1), at(30, 23)) == (1, 1)


def test_a_proposal_not_taken_or_declined_at_the_slot_is_made_but_not_accepted() -> None:
    slots = (at(17, 14),)
    assert proposal_figures([], {at(16): slots}, at(1), NOW) == (1, 0)
    declined = [outcome(at(16), at(17, 14), "declined")]
    assert proposal_figures(declined, {at(16): slots}, at(1), NOW) == (1, 0)


def test_proposals_outside_the_lookback_or_without_slots_are_not_counted() -> None:
    old = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    assert proposal_figures([], {old: (old,), at(16): ()}, at(1), NOW) == (0, 0)


def person(email: str, team: str | None = None, manager: str | None = None) -> Person:
    return Person(email, "google", "UTC", team=team, manager=manager)


def test_a_pair_belongs_to_the_reports_team_else_the_first_team_found() -> None:
    boss = person("a@x.test", team="Leads")
    assert pair_team((boss, person("b@x.test", "Platform", "a@x.test"))) == "Platform"
    assert pair_team((person("a@x.test", "Web", "b@x.test"), person("b@x.test", "Leads"))) == "Web"
    assert pair_team((boss, person("b@x.test", None, "a@x.test"))) == "Leads"
    assert pair_team((person("a@x.test"), person("b@x.test", "Ops"))) == "Ops"
    assert pair_team((person("a@x.test"), person("b@x.test"))) is None


def test_weekly_counts_cover_the_past_quarter_and_leave_the_future_out() -> None:
    events = [(at(23), "declined"), (at(24), "cancelled"), (at(30), "declined")]
    events.append((NOW - dt.timedelta(days=200), "cancelled"))
    starts, cancelled, declined = weekly_counts(events, NOW)
    assert len(starts) == 13 and starts[-1] == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    assert all(s.weekday() == 0 for s in starts)
    assert (cancelled[-1], declined[-1], sum(cancelled), sum(declined)) == (1, 1, 1, 1)


def test_only_loopback_binds_count_as_local() -> None:
    for bind in ("127.0.0.1:8080", "[::1]:8080", "localhost:80"):
        assert loopback_only(bind), bind
    for bind in ("0.0.0.0:8080", "[::]:8080", "10.0.0.5:8080", "dashboard.example:443"):
        assert not loopback_only(bind), bind


def test_a_first_release_report_still_validates_and_renders() -> None:
    """The schema requires only the original contract: older or minimal reports validate."""
    data = {
        "generated_at": "2026-11-25T12:00:00Z",
        "pairs": [
            {
                "people": ["a@x.test", "b@x.test"],
                "status": "overdue",
                "last_met": "2026-10-01T09:00:00Z",
                "days_since_met": 55,
                "limit_days": 21,
                "series": [],
                "cancellations": [
                    {"date": "2026-10-08T09:00:00Z", "kind": "declined", "proposals": []}
                ],
            }
        ],
    }
    jsonschema.validate(data, SCHEMA)
    (row,) = csv.DictReader(io.StringIO(render_report(data, "csv")))
    assert (row["status"], row["declines"], row["team"]) == ("overdue", "1", "")
    assert "1 pairs" in render_report(data, "table")
