"""A seeded Google org for the report and dashboard tests: every status, a cancellation, a
decline, an accepted proposal, teams, and a person whose name and team are hostile HTML.

Seeded the way people act (the emulator's person controls) and synced for real (config ->
providers -> engine -> Redis), so the store the report reads is what production would hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.integration.google_org import ANA, BOB, CAT, NOW, GoogleOrg

FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
CANCELLED = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)  # Ana deletes this occurrence
DECLINED = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)  # Bob declines this one
RESCHEDULED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # declined, then moved by Ana
HOSTILE_NAME = '<img src=x onerror="alert(1)">Dan'
HOSTILE_TEAM = "<script>alert('team')</script>"


@dataclass
class SeededOrg:
    world: GoogleOrg
    ana_bob: str  # the organiser's (Ana's) series id
    ana_cat: str
    accepted_slot: dt.datetime


def with_teams(world: GoogleOrg) -> None:
    """Teams and a hostile name, written into the org's config the way an admin would."""
    text = world.config_path.read_text()
    text = text.replace("name: Ana,", "name: Ana, team: Leads,")
    text = text.replace("name: Bob,", "name: Bob, team: Platform,")
    text = text.replace("name: Cat,", "name: Cat, team: Platform,")
    text = text.replace("name: Dan,", f"name: '{HOSTILE_NAME}', team: \"{HOSTILE_TEAM}\",")
    world.config_path.write_text(text)


def seed(world: GoogleOrg) -> SeededOrg:
    with_teams(world)
    state = world.state
    state.clock.set(NOW - dt.timedelta(days=90))
    ana_bob = state.create_one_on_one(ANA, BOB, FIRST)
    ana_cat = state.create_one_on_one(ANA, CAT, FIRST + dt.timedelta(hours=3))
    state.end_series(ANA, ana_cat, dt.datetime(2026, 9, 30, tzinfo=dt.UTC))  # overdue
    world.at(NOW)
    state.cancel_instance(ANA, ana_bob, CANCELLED)
    state.decline_instance(BOB, ana_bob, DECLINED)
    state.decline_instance(BOB, ana_bob, RESCHEDULED)
    world.sync()  # syncer proposes slots for the declined occurrence of 30 Nov
    proposals = proposed_slots(world)
    slot = proposals[0]
    # Ana moves the occurrence into the first proposed slot and Bob accepts it.
    state.move_instance(ANA, ana_bob, RESCHEDULED, slot)
    state.respond(BOB, ana_bob, "accepted", RESCHEDULED)
    world.sync()
    return SeededOrg(world, ana_bob, ana_cat, slot)


def proposed_slots(world: GoogleOrg) -> list[dt.datetime]:
    pair = next(p for p in world.engine().report()["pairs"] if p["people"] == [ANA, BOB])
    found = next(c for c in pair["cancellations"] if c["date"] == "2026-11-30T09:00:00Z")
    return [dt.datetime.fromisoformat(p.replace("Z", "+00:00")) for p in found["proposals"]]


def emulator_exceptions(world: GoogleOrg, email: str, series: str) -> list[dict[str, Any]]:
    """The stored exceptions of a series on one calendar, read from the emulator itself."""
    state = world.state
    with state.lock:
        calendar = state.calendars.get(email)
        return [dict(r.body) for r in state.calendars.instances_of(calendar, series)]
