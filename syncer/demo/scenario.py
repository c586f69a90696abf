"""The demo org's story: who meets whom, and what people do to their calendars over a few weeks.

Everything here goes through the emulators' person controls, exactly as a person editing their
calendar in Google Calendar or Outlook would; syncer only ever sees the result through the real
APIs. Mixed pairs (a Google person and a Microsoft person) sit on both emulators with one
iCalUID (`syncer.sandbox.mixed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from syncer.sandbox.google import GoogleState
from syncer.sandbox.graph import GraphState
from syncer.sandbox.mixed import seed_cross_provider_one_on_one

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # the demo's "now" (a Wednesday)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


@dataclass(frozen=True)
class Sandboxes:
    """Both emulators: the hands a story step changes calendars with."""

    google: GoogleState
    graph: GraphState


def at(day: dt.date, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@dataclass(frozen=True)
class Step:
    """One thing that happens in the story: when, what people read, and the change itself."""

    when: dt.datetime
    says: str
    change: Callable[[Sandboxes], None]


@dataclass
class Story:
    series: dict[str, str]  # a short name -> the organiser's event id
    steps: list[Step]


def seed(org: Sandboxes) -> Story:
    """The whole demo org: Google 1:1s, Microsoft 1:1s and mixed ones, started months ago."""
    google = seed_google(org.google)
    series = {**google.series, **_seed_microsoft(org)}
    return Story(series=series, steps=sorted(google.steps + _outlook_steps(series),
                                             key=lambda s: s.when))  # fmt: skip


def _seed_microsoft(org: Sandboxes) -> dict[str, str]:
    graph = org.graph
    # Emma works Monday to Thursday (the config says so too; Outlook shows the same).
    graph.set_working_hours(
        "emma@demo.test", days=["monday", "tuesday", "wednesday", "thursday"],
        start="08:00:00.0000000", end="16:00:00.0000000",
    )  # fmt: skip
    series: dict[str, str] = {}
    series["claire-david"] = graph.create_one_on_one(
        "claire@demo.test", "david@demo.test", at(dt.date(2026, 9, 2), 10, zone=NEW_YORK),
        teams=True,
    )  # fmt: skip
    series["david-emma"] = graph.create_one_on_one(
        "david@demo.test", "emma@demo.test", at(dt.date(2026, 9, 7), 9, zone=NEW_YORK)
    )
    # Lucas opted out: syncer never reads, stores or writes this one.
    series["david-lucas"] = graph.create_one_on_one(
        "david@demo.test", "lucas@demo.test", at(dt.date(2026, 9, 3), 11, zone=NEW_YORK)
    )
    priya = seed_cross_provider_one_on_one(
        org.google, graph, "priya@demo.test", "arjun@demo.test",
        at(dt.date(2026, 9, 2), 11, zone=KOLKATA),
    )  # fmt: skip
    series["priya-arjun"], series["arjun-copy"] = priya.google_id, priya.graph_id
    claire = seed_cross_provider_one_on_one(
        org.google, graph, "claire@demo.test", "maria@demo.test",
        at(dt.date(2026, 9, 4), 9, zone=NEW_YORK),
    )  # fmt: skip
    series["claire-maria"], series["maria-copy"] = claire.graph_id, claire.google_id
    return series


def _outlook_steps(series: dict[str, str]) -> list[Step]:
    def claire_deletes(org: Sandboxes) -> None:
        # Wed 2 Dec 10:00 New York = 15:00 UTC; Outlook drops it from the change feed silently.
        org.graph.delete_occurrence(
            "claire@demo.test", series["claire-david"], dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC)
        )

    def emma_declines(org: Sandboxes) -> None:
        # Mon 30 Nov 09:00 New York = 14:00 UTC
        org.graph.decline_occurrence(
            "emma@demo.test", series["david-emma"], dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC)
        )

    return [
        Step(
            dt.datetime(2026, 11, 24, 14, tzinfo=dt.UTC),
            "In Outlook, Claire deletes next Wednesday's 1:1 with David "
            "(Outlook leaves no trace of it in its change feed).",
            claire_deletes,
        ),
        Step(
            dt.datetime(2026, 11, 24, 19, tzinfo=dt.UTC),
            "In Outlook, Emma declines Monday's 1:1 with David.",
            emma_declines,
        ),
    ]


def seed_google(state: GoogleState) -> Story:
    """The Google Workspace half of the demo org: 1:1s that started months ago."""
    series: dict[str, str] = {}
    start = dt.date(2026, 9, 1)  # a Tuesday
    series["maria-jonas"] = state.create_one_on_one(
        "maria@demo.test",
        "jonas@demo.test",
        at(start, 10),
        description="Maria's standing notes: bring the roadmap draft.\n",
    )
    series["jonas-noah"] = state.create_one_on_one(
        "jonas@demo.test",
        "noah@demo.test",
        at(start + dt.timedelta(days=2), 16),  # Thu 16:00 Berlin = 10:00 New York
        description="<b>Jonas</b> & Noah: weekly sync — ünïcødé stays as typed",
    )
    series["maria-priya"] = state.create_one_on_one(
        "maria@demo.test",
        "priya@demo.test",
        at(start - dt.timedelta(days=1), 11),  # Mon 11:00 Berlin = 15:30 Kolkata
    )
    return Story(series=series, steps=_steps(series))


def _steps(series: dict[str, str]) -> list[Step]:
    def end_priya(org: Sandboxes) -> None:
        org.google.end_series(
            "maria@demo.test", series["maria-priya"], dt.datetime(2026, 10, 13, tzinfo=dt.UTC)
        )

    def jonas_declines(org: Sandboxes) -> None:
        # Tue 1 Dec 10:00 Berlin = 09:00 UTC
        org.google.decline_instance(
            "jonas@demo.test",
            series["maria-jonas"],
            dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
        )

    def noah_moves(org: Sandboxes) -> None:
        original = dt.datetime(2026, 11, 19, 15, 0, tzinfo=dt.UTC)  # Thu 16:00 Berlin
        org.google.move_instance(
            "jonas@demo.test", series["jonas-noah"], original, original + dt.timedelta(days=1)
        )

    def jonas_cancels(org: Sandboxes) -> None:
        org.google.cancel_instance(
            "jonas@demo.test",
            series["jonas-noah"],
            dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC),
        )

    return [
        Step(
            dt.datetime(2026, 10, 13, 8, tzinfo=dt.UTC),
            "Maria ends her weekly 1:1 with Priya (a reorg); nobody sets up a new one.",
            end_priya,
        ),
        Step(
            dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC),
            "Noah and Jonas move Thursday's 1:1 to Friday.",
            noah_moves,
        ),
        Step(
            dt.datetime(2026, 11, 24, 17, tzinfo=dt.UTC),
            "Jonas declines next Tuesday's 1:1 with Maria (he is at a conference).",
            jonas_declines,
        ),
        Step(
            dt.datetime(2026, 11, 25, 7, tzinfo=dt.UTC),
            "Jonas cancels tomorrow's 1:1 with Noah.",
            jonas_cancels,
        ),
    ]
