"""Fault trials through the real service (tests/faults/service.py): worker processes killed
with SIGKILL at random points of their jobs, Redis flushed or restarted under running workers,
20% of API calls failing, a person racing the workers' writes (412), sync tokens / delta links
expiring under them. Every run's end is compared with the clean service twin's picture after
the same run (the simulated clock makes the two compute at the same moments), and checked for
duplicates. The clock trial through the workers is in tests/faults/clock.py.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable

from syncer.redis_server import ensure_embedded, stop_embedded
from tests.faults.service import Picture, Service, picture, running_service, tell_service
from tests.faults.story import STORY_RUNS, no_duplicates, seed, settled
from tests.faults.trials import (
    FAULT_RATE,
    MAX_CALL_RATIO,
    FlakyGoogle,
    FlakyGraph,
    Lab,
    Outcome,
    edits_kept,
    on_calls,
    racing,
)
from tests.faults.worlds import ANA, BOB, CAT, DAN, MONDAY, NOW, ProviderKind

MAX_DELAY_S = 0.08


def clean_service_run(lab: Lab, kind: ProviderKind) -> list[Picture]:
    """The clean twin: the story through the service, nothing killed; a picture per run."""
    with running_service(lab, kind, f"clean-{lab.made + 1}") as service:
        service.start_worker()
        pictures = tell_service(service)
        if service.failed():
            raise AssertionError(f"the clean service run failed jobs: {service.failed()}")
        return pictures


class Armed:
    """Calls `act` after a random API call of an armed run (one of the calls the clean run made
    in that run) plus a random delay, on a timer thread; `done` says where it struck."""

    def __init__(
        self, service: Service, clean: list[Picture], rng: random.Random, act: Callable[[], None]
    ) -> None:
        self.counts = [clean[0].calls] + [clean[i].calls - clean[i - 1].calls for i in (1, 2)]
        self.rng, self.act = rng, act
        self.step, self.at, self.seen = -1, 0, 0
        self.done: list[str] = []
        self.timers: list[threading.Timer] = []
        self._undo = on_calls(service.world, self._hook)

    def _hook(self, who: str | None, method: str, path: str, status: int) -> None:
        self.seen += 1
        if self.seen == self.at:
            delay = self.rng.random() ** 2 * MAX_DELAY_S
            self.done.append(f"run {self.step}, {delay:.3f} s after call {self.at} {method} {path}")
            timer = threading.Timer(delay, self.act)
            self.timers.append(timer)
            timer.start()

    def arm(self, step: int, active: bool = True) -> None:
        at = self.rng.randint(1, max(1, self.counts[step]))
        self.step, self.at, self.seen = step, at if active else 0, 0

    def join(self) -> None:
        """Let a pending strike land (it may be due after the run's last call)."""
        time.sleep(MAX_DELAY_S)
        for timer in self.timers:
            timer.join()

    def where(self, step: int) -> str:
        return self.done[-1] if self.done and self.done[-1].startswith(f"run {step}") else ""

    def close(self) -> None:
        self._undo()
        self.join()


def _check(service: Service, clean: Picture, label: str) -> list[str]:
    now = picture(service)
    found = no_duplicates(service.world, now.snapshot) + now.differences(clean)
    found += [f"job failed: {job}" for job in service.failed()]
    return [f"{label}: {v}" for v in found]


def kill_trial(lab: Lab, kind: ProviderKind, rng: random.Random, clean: list[Picture]) -> Outcome:
    """One story, a worker killed with SIGKILL (its process group) in each of the three runs
    at a random API call plus a random delay; rq's upkeep and a new worker take over. Each
    kill is a trial: the run it hit must end as the clean run did, nothing duplicated."""
    outcome = Outcome()
    with running_service(lab, kind, f"kill-{lab.made + 1}") as service:
        killed = threading.Event()

        def kill() -> None:
            for proc in service.alive():
                service.kill(proc)
            killed.set()

        armed = Armed(service, clean, rng, kill)

        def after(step: int) -> None:
            armed.join()
            service.wait_quiet()  # a worker killed after the run went quiet: upkeep, restart
            outcome.trials += int(killed.is_set())
            killed.clear()
            label = f"kill {kind} ({armed.where(step) or f'run {step}'})"
            outcome.violations.extend(_check(service, clean[step], label))

        service.start_worker()
        try:
            tell_service(service, during=armed.arm, after=after)
        finally:
            armed.close()
        outcome.calls = service.world.calls()
        outcome.violations += [f"kill {kind}: {v}" for v in settled(service.world)]
    return outcome


def redis_service_trial(
    lab: Lab, kind: ProviderKind, rng: random.Random, clean: list[Picture], restart: bool
) -> Outcome:
    """In one random run, at a random API call: the Redis server loses everything (FLUSHALL:
    queues, jobs, cursors, pair state; the simulation sets its clock again at once) or is
    stopped and restarted from its files after a random pause, under a running worker. The
    service recovers by its safety net (the sweep the cron runs) and must end as the clean run
    did, nothing duplicated."""
    outcome = Outcome(trials=1)
    name = "restart" if restart else "wipe"
    with running_service(lab, kind, f"{name}-{lab.made + 1}") as service:
        hit = rng.randrange(3)

        def flush() -> None:
            moment = service.clock.now()
            with service.redis.pipeline(transaction=True) as pipe:
                pipe.flushall()
                pipe.set(service.clock._key, moment.isoformat())
                pipe.execute()

        def bounce() -> None:
            stop_embedded(service.data_dir)
            time.sleep(rng.uniform(0.0, 1.0))
            ensure_embedded(service.data_dir)

        armed = Armed(service, clean, rng, bounce if restart else flush)

        def after(step: int) -> None:
            if step == hit:
                armed.join()
                armed.arm(step, False)  # the fault hits the run, not the sweep that heals it
                service.wait_quiet()
                service.sweep()
                service.wait_quiet()
            label = f"redis {name} {kind} ({armed.where(step) or f'run {step}'})"
            outcome.violations.extend(_check(service, clean[step], label))

        service.start_worker()
        try:
            tell_service(service, during=lambda step: armed.arm(step, step == hit), after=after)
        finally:
            armed.close()
        outcome.calls = service.world.calls()
        outcome.violations += [f"redis {name} {kind}: {v}" for v in settled(service.world)]
    return outcome


def api_fault_service_trial(
    lab: Lab, kind: ProviderKind, rng: random.Random, clean: list[Picture]
) -> Outcome:
    """The story through the service with 20% of API calls answered 429 (Retry-After), 500,
    503 or dropped: the worker processes retry (inline, or as delayed jobs), every run ends as
    the clean service run did, no job fails, and the calls stay within 2x the clean run's."""
    clean_calls = clean[-1].calls
    outcome = Outcome(trials=1, clean_calls=clean_calls)
    with running_service(lab, kind, f"api-{lab.made + 1}") as service:
        flaky = FlakyGoogle(rng, FAULT_RATE) if kind == "google" else FlakyGraph(rng, FAULT_RATE)
        service.world.state.faults.add(flaky)

        def after(step: int) -> None:
            label = f"api faults {kind} (run {step})"
            outcome.violations.extend(_check(service, clean[step], label))

        service.start_worker()
        try:
            tell_service(service, after=after)
        finally:
            service.world.state.faults.clear()
        outcome.calls = service.world.calls()
        if outcome.calls > MAX_CALL_RATIO * clean_calls:
            outcome.violations.append(
                f"api faults {kind}: {outcome.calls} calls > 2 x {clean_calls}"
            )
        outcome.violations += [f"api faults {kind}: {v}" for v in settled(service.world)]
    return outcome


def race_service_trials(lab: Lab, kind: ProviderKind, count: int, rng: random.Random) -> Outcome:
    """412 races under real worker processes: `count` times Bob declines or accepts an
    occurrence, the change reaches the service as notifications (pull jobs on the push queue,
    then pair jobs), and the organiser edits the event right after one of the workers' reads
    or writes of it. Their text outside the block survives and there is one block, after the
    jobs and after the sweep that settles the calendar; no job fails."""
    outcome = Outcome()
    with running_service(lab, kind, f"race-{lab.made + 1}") as service:
        world = service.world
        series = seed(world)["ana|bob"]
        service.at(world.org.now)
        service.start_worker()
        service.enqueue_run(0)
        service.wait_quiet()
        service.at(NOW + dt.timedelta(hours=1))
        declined: set[int] = set()
        for trial in range(count):
            week = rng.randrange(3)
            status = "accepted" if week in declined else "declined"
            declined.symmetric_difference_update({week})
            world.respond(BOB, series, status, MONDAY + dt.timedelta(weeks=week))
            edits: dict[tuple[str, str], str] = {}
            # A story's change costs the workers few reads and writes of the event: race early.
            undo = on_calls(world, racing(world, rng, set(rng.sample(range(1, 5), 2)), edits))
            try:
                service.enqueue_run(1)  # the notifications
                service.wait_quiet()
            finally:
                undo()
            label = f"race {kind} service #{trial}"
            outcome.trials += bool(edits)  # a race only where the person did edit
            outcome.violations += edits_kept(world, edits, label)
            service.sweep()  # the person may have edited after the last write: settle
            service.wait_quiet()
            outcome.violations += edits_kept(world, edits, f"{label}, after the sweep")
            outcome.violations += [f"{label}: job failed: {job}" for job in service.failed()]
        outcome.calls = world.calls()
        outcome.violations += [f"race {kind} service: {v}" for v in settled(world)]
    return outcome


# A pull's list call: Google events.list, Graph calendarView/delta (the calls a cursor goes to).
_LISTING = re.compile(r"/(?:calendars|users)/([^/]+)/(?:events|calendarView/delta)$")


def cursor_service_trial(
    lab: Lab, kind: ProviderKind, rng: random.Random, clean: list[Picture]
) -> Outcome:
    """In each run (70%), at a random API call plus a random delay, the emulator expires the
    sync tokens / delta links of one calendar or of all, under the running workers. A worker
    meeting an expired cursor (410) pulls that calendar in full at once; every cursor live at
    the expiry is met, by the story's next pull of its calendar or by the sweep after the
    story, and none is left for a clean pass. Every run ends as the clean service run did,
    nothing duplicated, no job failed. A trial: an expiry that hit a live cursor."""
    outcome = Outcome()
    with running_service(lab, kind, f"cursors-{lab.made + 1}") as service:
        world = service.world
        listed: list[tuple[str, int]] = []  # (calendar, status) of every list call answered
        expiries: list[tuple[int, list[str]]] = []  # (list calls before, calendars with a cursor)
        whom: list[str | None] = [None]

        def listing(who: str | None, method: str, path: str, status: int) -> None:
            found = _LISTING.search(path)
            if method == "GET" and found is not None:
                listed.append((urllib.parse.unquote(found.group(1)).lower(), status))

        def expire() -> None:
            with world.state.lock:  # no call is answered meanwhile: `listed` splits cleanly
                world.expire_cursors(whom[0])
                calendars = [whom[0]] if whom[0] else [ANA, BOB, CAT, DAN]
                live = [c for c in calendars if world.store.get_cursor(c) is not None]
                expiries.append((len(listed), live))

        def during(step: int) -> None:
            whom[0] = rng.choice([None, ANA, BOB, CAT])
            armed.arm(step, rng.random() < 0.7)

        def after(step: int) -> None:
            armed.join()
            label = f"cursors {kind} ({armed.where(step) or f'run {step}'})"
            outcome.violations.extend(_check(service, clean[step], label))

        undo = on_calls(world, listing)
        armed = Armed(service, clean, rng, expire)
        service.start_worker()
        try:
            tell_service(service, during=during, after=after)
            armed.arm(STORY_RUNS - 1, False)
            service.sweep()  # the cron's safety net meets what expired after a last pull
            service.wait_quiet()
            outcome.violations += _check(service, clean[-1], f"cursors {kind} (the sweep)")
            swept = len(listed)
            outcome.violations += [f"cursors {kind}: {v}" for v in settled(world)]
        finally:
            armed.close()
            undo()
        outcome.trials = sum(1 for _, live in expiries if live)
        outcome.calls = world.calls()
        outcome.violations += [f"cursors {kind}: {v}" for v in _resynced(listed, expiries, swept)]
    return outcome


def _resynced(
    listed: list[tuple[str, int]], expiries: list[tuple[int, list[str]]], swept: int
) -> list[str]:
    """Each cursor live at an expiry answered 410 to a worker later, each 410 was followed by
    a full pull of its calendar (its next list call answered 200), and the clean pass after
    the sweep met no expired cursor."""
    found = []
    for mark, live in expiries:
        met = {calendar for calendar, status in listed[mark:swept] if status == 410}
        found += [f"the expired cursor of {c} was never used again" for c in live if c not in met]
    for i, (calendar, status) in enumerate(listed):
        following = [s for c, s in listed[i + 1 :] if c == calendar]
        if status == 410 and following[:1] != [200]:
            found.append(f"{calendar} answered 410, then {following[:1]}: no full pull")
    found += [f"{c}: still expired after the sweep" for c, s in listed[swept:] if s == 410]
    return found
