"""Graph's recurrence patterns as the emulator expands them (``/instances``), in the series'
own zone, for every pattern and range type."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.graph_world import ALICE, GraphWorld, graph_tls, world

__all__ = ["graph_tls", "world"]
WINDOW = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-12-31T00:00:00Z"}


def series(
    world: GraphWorld, start: str, pattern: dict[str, Any], span: dict[str, Any]
) -> list[str]:
    created = world.post(
        f"/users/{ALICE}/events",
        json={
            "subject": "pattern",
            "start": {"dateTime": start, "timeZone": "W. Europe Standard Time"},
            "end": {"dateTime": start[:11] + "23:00:00", "timeZone": "W. Europe Standard Time"},
            "recurrence": {"pattern": pattern, "range": {**span, "startDate": start[:10]}},
        },
    )
    assert created.status_code == 201, created.text
    answer = world.get(
        f"/users/{ALICE}/events/{created.json()['id']}/instances",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Europe/Berlin"'},
    )
    return [i["start"]["dateTime"][:16] for i in answer.json()["value"]]


@pytest.mark.parametrize(
    ("pattern", "span", "expected"),
    [
        ({"type": "daily", "interval": 2}, {"type": "numbered", "numberOfOccurrences": 3},
         ["2026-03-27T22:00", "2026-03-29T22:00", "2026-03-31T22:00"]),
        ({"type": "weekly", "interval": 1, "daysOfWeek": ["friday", "monday"]},
         {"type": "endDate", "endDate": "2026-04-06"},
         ["2026-03-27T22:00", "2026-03-30T22:00", "2026-04-03T22:00", "2026-04-06T22:00"]),
        ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
         {"type": "numbered", "numberOfOccurrences": 3},
         ["2026-03-31T22:00", "2026-05-31T22:00", "2026-07-31T22:00"]),
        ({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
         {"type": "numbered", "numberOfOccurrences": 2}, ["2026-03-27T22:00", "2026-04-24T22:00"]),
        ({"type": "absoluteYearly", "interval": 1, "dayOfMonth": 27, "month": 3},
         {"type": "noEnd"}, ["2026-03-27T22:00", "2027-03-27T22:00"]),
        ({"type": "relativeYearly", "interval": 1, "daysOfWeek": ["friday"], "index": "first",
          "month": 4}, {"type": "numbered", "numberOfOccurrences": 2},
         ["2026-04-03T22:00", "2027-04-02T22:00"]),
    ],
)  # fmt: skip
def test_patterns_expand_on_wall_clock_time(world: GraphWorld, pattern, span, expected) -> None:
    starts = series(world, "2026-03-27T22:00:00", pattern, span)
    assert starts == expected


def test_unknown_pattern_is_refused(world: GraphWorld) -> None:
    answer = world.post(
        f"/users/{ALICE}/events",
        json={
            "start": {"dateTime": "2026-03-27T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-27T11:00:00", "timeZone": "UTC"},
            "recurrence": {"pattern": {"type": "hourly"}, "range": {"type": "noEnd",
                           "startDate": "2026-03-27"}},
        },
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "ErrorInvalidRecurrencePattern"
