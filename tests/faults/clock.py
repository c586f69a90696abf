"""Clock trials: runs across a DST change and a year boundary give what the pure core gives.

A Berlin/New York pair (Ana/Bob) meets weekly on Mondays at 10:00 Berlin across the EU change
(last Sunday of October) and the US one a week later; Bob declines the Monday between the two.
Cat/Dan meet weekly on Fridays across 31 Dec / 1 Jan, 1 Jan is a holiday and Dan declines it.
syncer runs at moments on both sides of each change. After each run:
- the engine's report (status, limit, every outcome) equals syncer.core's detect/history over
  the same inputs (the series syncer stored, the people, the policy, the same `now`);
- every outcome of a weekly 10:00 Berlin series starts at 10:00 Berlin wall time (the ground
  truth, whatever the offset), and no proposal falls on the holiday;
- a clean pass writes nothing: the blocks, docs and holds are what the core plans at `now`.
`clock_trial` runs the engine in process; `clock_service_trial` runs the same story through
real worker processes on the simulated service clock (tests/faults/service.py), whose stored
pair statuses must be the core's too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from syncer.core.detect import find_pairs
from syncer.core.history import limit_days, pair_history, status
from syncer.engine.state import pair_reports
from tests.faults.service import running_service
from tests.faults.story import no_duplicates, settled
from tests.faults.trials import Lab, Outcome
from tests.faults.worlds import ANA, BOB, CAT, DAN, FaultWorld, ProviderKind

BERLIN = ZoneInfo("Europe/Berlin")
HOLIDAY = dt.date(2027, 1, 1)
CLOCK_CONFIG = f"mode: full\npolicy:\n  holidays: [{HOLIDAY}]\n  reschedule:\n    hold: true\n"
MONDAYS = dt.datetime(2026, 10, 12, 10, 0, tzinfo=BERLIN)
FRIDAYS = dt.datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)
DECLINED_MONDAY = dt.datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)  # EU on winter time, US not
DECLINED_FRIDAY = dt.datetime(2027, 1, 1, 10, 0, tzinfo=BERLIN)
MOMENTS = (
    dt.datetime(2026, 10, 23, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # 02:30 Berlin summer time, an hour early
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),  # 02:30 Berlin again, winter time
    dt.datetime(2026, 10, 27, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC),  # 23:30 on 31 Dec in Berlin
    dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC),  # 00:30 on 1 Jan in Berlin
    dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC),
)


def core_view(world, now: dt.datetime) -> dict[str, tuple[str, int, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    """Each pair's (status, limit, outcomes) computed by syncer.core alone."""
    engine = world.engine()
    series = engine.store.all_series()
    found = find_pairs(series, engine.people, engine.rules)
    view = {}
    for ps in found:
        history = pair_history(ps.pair, found, now)
        duo = (engine.people[ps.pair.people[0]], engine.people[ps.pair.people[1]])
        limit = limit_days(duo, engine.policy, now)
        view[ps.pair.key] = (status(history, limit, True), limit, _outcomes(history))
    return view


def _outcomes(history) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(f"{o.kind} {o.start.isoformat()}" for o in history.outcomes)


def _engine_view(world, now: dt.datetime) -> dict[str, tuple[str, int, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    return {
        r.pair.key: (r.status, r.limit_days, _outcomes(r.history))
        for r in pair_reports(world.engine(), now)
        if r.history is not None
    }


def clock_story(world: FaultWorld, at: Callable[[dt.datetime], None]) -> Iterator[dt.datetime]:
    """The two series, made weeks before; then each of MOMENTS, with every clock set to it by
    `at` and the declines made. The caller runs syncer at each moment, then `against_core`."""
    world.org.state.clock.set(MONDAYS - dt.timedelta(days=20))
    mondays = world.weekly(ANA, BOB, MONDAYS)
    fridays = world.weekly(CAT, DAN, FRIDAYS)
    for now in MOMENTS:
        at(now)
        if now == MOMENTS[1]:
            world.respond(BOB, mondays, "declined", DECLINED_MONDAY)
        if now == MOMENTS[5]:
            world.respond(DAN, fridays, "declined", DECLINED_FRIDAY)
        yield now


def against_core(world: FaultWorld, now: dt.datetime) -> list[str]:
    """Every invariant of the module's docstring, after syncer ran at `now`."""
    found = []
    core, engine = core_view(world, now), _engine_view(world, now)
    if set(engine) != {f"{ANA}|{BOB}", f"{CAT}|{DAN}"}:
        found.append(f"the report shows {sorted(engine)}")
    if core != engine:
        found.append(f"engine report {engine} != core {core}")
    for key, (_s, _l, outcomes) in engine.items():
        for line in outcomes:
            start = dt.datetime.fromisoformat(line.split(" ", 1)[1]).astimezone(BERLIN)
            if (start.hour, start.minute) != (10, 0) and "moved" not in line:
                found.append(f"{key}: {line} is not 10:00 Berlin")
    for proposals in _proposals(world).values():
        found += [f"proposal on the holiday: {p}" for p in proposals if p == HOLIDAY]
    return found + no_duplicates(world, world.snapshot()) + settled(world)


def clock_trial(lab: Lab, kind: ProviderKind) -> Outcome:
    outcome = Outcome()
    with lab.fresh(kind, extra=CLOCK_CONFIG) as world:
        for now in clock_story(world, world.at):
            summary = world.sync()
            outcome.trials += 1
            found = []
            if summary.apply.failed or summary.calendars_failed:
                found.append(f"a run failed: {summary.describe()}")
            found += against_core(world, now)
            outcome.violations += [f"clock {kind} at {now.isoformat()}: {v}" for v in found]
        outcome.calls = world.calls()
    return outcome


def clock_service_trial(lab: Lab, kind: ProviderKind) -> Outcome:
    """The clock trial through the service: at each moment the workers, on the simulated
    clock, run a sweep (pull every calendar, plan every pair); the statuses they stored at
    their plan (the report's and the alerts') are the core's too, and no job failed."""
    outcome = Outcome()
    with running_service(lab, kind, f"clock-{lab.made + 1}", CLOCK_CONFIG) as service:
        service.start_worker()
        for now in clock_story(service.world, service.at):
            service.sweep()
            service.wait_quiet()
            outcome.trials += 1
            found = [f"job failed: {job}" for job in service.failed()]
            core = {key: view[0] for key, view in core_view(service.world, now).items()}
            stored = service.statuses()
            if {key: stored.get(key) for key in core} != core:
                found.append(f"the workers stored statuses {stored} != core {core}")
            found += against_core(service.world, now)
            outcome.violations += [f"clock {kind} service at {now.isoformat()}: {v}" for v in found]
        outcome.calls = service.world.calls()
    return outcome


def _proposals(world) -> dict[str, list[dt.date]]:  # type: ignore[no-untyped-def]
    days: dict[str, list[dt.date]] = {}
    for report in pair_reports(world.engine(), world.org.now):
        for slots in report.proposals.values():
            zones = [ZoneInfo(p.timezone) for p in report.people or ()]
            days[report.pair.key] = [s.astimezone(z).date() for s in slots for z in zones]
    return days
