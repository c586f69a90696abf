"""How fast the pure core plans an org: detect -> history -> plan, on one core.

A synthetic org of 10,000 people and 5,000 pairs, each with a weekly 1:1 seen on both people's
calendars and a year of history with exceptions (cancelled, declined, moved instances). Prints
the figures; the last line is `plan: <pairs/s> pairs/s, <MB> MB peak` (target >= 5,000 pairs/s,
< 500 MB). Run: `python benchmarks/plan.py [--people N]`.

Every pair is planned from scratch through the public functions, each with its own agenda doc
(its own URL, so no two pairs' blocks hash alike by accident). Pairs/s is measured on the
process's CPU time: the planner is single-threaded, so that is its rate on one core, and it
does not drop when other processes share the machine. The wall-clock rate is printed too.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.detect import find_pairs
from syncer.core.history import pair_history
from syncer.core.model import (
    Attendee,
    DetectionRules,
    OccurrenceOverride,
    Pair,
    Person,
    Policy,
    RRuleRecurrence,
    Series,
)
from syncer.core.plan import AgendaRef, PairState, plan

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def build_org(n_people: int, seed: int = 7) -> tuple[dict[str, Person], list[Series]]:
    rng = random.Random(seed)
    people = {}
    for i in range(n_people):
        email = f"p{i}@bench.test"
        people[email] = Person(email=email, provider="google", timezone=ZONES[i % len(ZONES)])
    series: list[Series] = []
    for k in range(n_people // 2):
        a, b = f"p{2 * k}@bench.test", f"p{2 * k + 1}@bench.test"
        zone = people[a].timezone
        start = datetime(2025, 11, 3, 10, 0, tzinfo=ZoneInfo(zone)) + timedelta(
            days=rng.randrange(5)
        )
        overrides = []
        for week in rng.sample(range(52), 6):
            original = (start + timedelta(weeks=week)).astimezone(UTC)
            kind = week % 3
            if kind == 0:
                overrides.append(OccurrenceOverride(original_start=original, cancelled=True))
            elif kind == 1:
                overrides.append(
                    OccurrenceOverride(
                        original_start=original,
                        attendees=(
                            Attendee(a, "accepted", organizer=True),
                            Attendee(b, "declined"),
                        ),
                    )
                )
            else:
                moved = original + timedelta(days=1)
                overrides.append(
                    OccurrenceOverride(
                        original_start=original, start=moved, end=moved + timedelta(minutes=30)
                    )
                )
        overrides.sort(key=lambda o: o.original_start)
        attendees = (Attendee(a, "accepted", organizer=True), Attendee(b, "accepted"))
        for calendar in (a, b):
            series.append(
                Series(
                    uid=f"uid-{k}@bench",
                    calendar=calendar,
                    provider="google",
                    event_id=f"ev{k}",
                    title="1:1",
                    organizer=a,
                    attendees=attendees,
                    start=start,
                    end=start + timedelta(minutes=30),
                    timezone=zone,
                    recurrence=RRuleRecurrence(("RRULE:FREQ=WEEKLY",)),
                    overrides=tuple(overrides),
                    block_hash=None,
                )
            )
    return people, series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    people, series = build_org(args.people)
    rules = DetectionRules(domains=("bench.test",))
    policy = Policy()
    started, cpu_started = time.perf_counter(), time.process_time()
    found = find_pairs(series, people, rules)
    detected = time.perf_counter()
    by_pair: dict[Pair, list] = defaultdict(list)
    for ps in found:
        by_pair[ps.pair].append(ps)
    actions = 0
    for pair, pss in by_pair.items():
        history = pair_history(pair, pss, NOW)
        state = PairState(
            pair=pair,
            people=(people[pair.a], people[pair.b]),
            series=tuple(pss),
            history=history,
            agenda=AgendaRef(doc_id=f"doc-{pair.a}", url=f"https://docs.example/d/doc-{pair.a}"),
            busy=(),
            writable=frozenset(pair.people),
        )
        actions += len(plan([state], policy, NOW))
    finished, cpu = time.perf_counter(), time.process_time() - cpu_started
    pairs = len(by_pair)
    rate = pairs / cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"people: {args.people}, series copies: {len(series)}, pairs: {pairs}")
    print(f"detect: {detected - started:.2f} s; history + plan: {finished - detected:.2f} s")
    print(f"actions planned: {actions}")
    print(f"cpu: {cpu:.2f} s; wall clock: {pairs / (finished - started):.0f} pairs/s")
    print(f"plan: {rate:.0f} pairs/s, {peak_mb:.0f} MB peak")


if __name__ == "__main__":
    main()
