"""The demo org's story: who meets whom, and what people do to their calendars over a few weeks.

Everything here goes through the emulators' person controls, exactly as a person editing their
calendar in the Google UI would; syncer only ever sees the result through the real APIs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from syncer.sandbox.google import GoogleState

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # the demo's "now" (a Wednesday)
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: dt.date, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@dataclass(frozen=True)
class Step:
    """One thing that happens in the story: when, what people read, and the change itself."""

    when: dt.datetime
    says: str
    change: Callable[[GoogleState], None]


@dataclass
class Story:
    series: dict[str, str]  # a short name -> the organiser's event id
    steps: list[Step]


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
    def end_priya(state: GoogleState) -> None:
        state.end_series(
            "maria@demo.test", series["maria-priya"], dt.datetime(2026, 10, 13, tzinfo=dt.UTC)
        )

    def jonas_declines(state: GoogleState) -> None:
        # Tue 1 Dec 10:00 Berlin = 09:00 UTC
        state.decline_instance(
            "jonas@demo.test",
            series["maria-jonas"],
            dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
        )

    def noah_moves(state: GoogleState) -> None:
        original = dt.datetime(2026, 11, 19, 15, 0, tzinfo=dt.UTC)  # Thu 16:00 Berlin
        state.move_instance(
            "jonas@demo.test", series["jonas-noah"], original, original + dt.timedelta(days=1)
        )

    def jonas_cancels(state: GoogleState) -> None:
        state.cancel_instance(
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
