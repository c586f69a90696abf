"""The fault story told through the real service: `syncer worker` processes on a Redis of the
trial's own (an embedded server in a scratch directory: rq's queues are not per org, and a
trial may flush or stop it), on the simulated clock (`syncer.store_clock`), so a faulted run
and its clean twin compute at the same story moments whatever the wall clock says.

The story's three runs become what the service would do:
- run 0, the first sweep (a `sweep` job: pull every calendar, plan every pair);
- run 1, Bob's decline arrives as notifications: one `pull` job per calendar on the push
  queue, each enqueueing the pairs it touched (no sweep: the push path must suffice);
- run 2, four days later, the hourly pass at the agenda hour: a `plan_all` job.

rq's time-driven upkeep is done by hand, as the service would do it later: a dead worker's
started jobs are retried (rq waits ~90 s for its heartbeat to expire), its scheduler lock is
released (61 s), and retries or delayed jobs are made due now (rq's scheduler then moves them).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis as redis_lib
from rq import Queue, SimpleWorker
from rq.registry import (
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.scheduler import RQScheduler

from syncer.redis_server import ensure_embedded, stop_embedded
from syncer.store import Store
from syncer.store_clock import SIMULATED_CLOCK_VAR, SimulatedClock
from syncer.store_push import PushStore
from tests.faults.story import STORY_RUNS, seed
from tests.faults.trials import Lab
from tests.faults.worlds import (
    BOB,
    HOLDS,
    MONDAY,
    NOW,
    FaultWorld,
    ProviderKind,
    Snapshot,
    fault_world,
)
from workers import jobs
from workers.enqueue import (
    QUEUES,
    enqueue_unique,
    job_id,
    jobs_in_flight,
    pull_job_id,
    requeue_lost,
)

ROOT = Path(__file__).resolve().parents[2]
QUIET_TIMEOUT_S = 90.0
_DAY = 86_400


@dataclass
class Service:
    """One world's service: its Redis (own server), worker processes, simulated clock."""

    world: FaultWorld
    data_dir: Path
    url: str
    redis: redis_lib.Redis
    org: str
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log: Path | None = None

    @property
    def config_path(self) -> str:
        return str(self.world.org.config_path)

    @property
    def clock(self) -> SimulatedClock:
        return SimulatedClock(self.redis, self.org)

    # -- processes ---------------------------------------------------------------------------

    def start_worker(self) -> subprocess.Popen[bytes]:
        """A real `syncer worker` in its own process group (kill -9 takes its scheduler too)."""
        env = {**os.environ, "REDIS_URL": self.url, SIMULATED_CLOCK_VAR: "1"}
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        argv = [sys.executable, "-m", "syncer.cli", "--log-level", "info", "worker"]
        argv += ["-c", self.config_path]
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out
        )
        if self.log:
            out.close()  # type: ignore[union-attr]
        self.workers.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.workers if p.poll() is None]

    def stop(self) -> None:
        for proc in self.workers:
            self.kill(proc)

    # -- time and the story ----------------------------------------------------------------

    def at(self, moment: Any) -> None:
        """Every clock to `moment`: the emulators', the in-process engine's, the workers'."""
        self.world.at(moment)
        self.clock.set(moment)

    def enqueue_run(self, step: int) -> None:
        """What the service does for story run `step` (see the module's docstring)."""
        base = job_id("story", self.org, str(step))
        if step == 0:
            enqueue_unique(self.redis, "sweep", jobs.sweep, (self.config_path,), base)
        elif step == 1:
            for calendar in self.world.engine().calendars():
                args = (self.config_path, calendar, False, time.time())
                enqueue_unique(self.redis, "push", jobs.pull, args, pull_job_id(self.org, calendar))
        else:
            enqueue_unique(self.redis, "default", jobs.plan_all, (self.config_path,), base)

    def sweep(self) -> None:
        base = job_id("story", self.org, "sweep")
        enqueue_unique(self.redis, "sweep", jobs.sweep, (self.config_path,), base)

    # -- rq's upkeep, by hand ----------------------------------------------------------------

    def failed(self) -> list[str]:
        found = []
        for name in QUEUES:
            registry = FailedJobRegistry(queue=Queue(name, connection=self.redis))
            found += registry.get_job_ids()
        return found

    def make_due(self) -> None:
        """Retries and delayed jobs are due now: rq's scheduler moves them within a second."""
        for name in QUEUES:
            key = ScheduledJobRegistry(queue=Queue(name, connection=self.redis)).key
            waiting = self.redis.zrange(key, 0, -1)
            if waiting:
                self.redis.zadd(key, dict.fromkeys(waiting, 0), xx=True)

    def requeue_abandoned(self) -> int:
        """What a live worker's maintenance does once a dead one's heartbeat expired: retry
        its started jobs, put back what it had dequeued but not started, free its scheduler."""
        later = time.time() + _DAY
        helper = SimpleWorker(
            [Queue(q, connection=self.redis) for q in QUEUES], connection=self.redis
        )
        requeue_lost(self.redis, self.org, settle_s=0)  # the service's upkeep job, due later
        count = 0
        for name in QUEUES:
            queue = Queue(name, connection=self.redis)
            registry = StartedJobRegistry(queue=queue)
            count += len(registry.get_job_ids(cleanup=False))
            registry.cleanup(timestamp=later)
            stuck = queue.intermediate_queue
            for job in stuck.get_job_ids():
                self.redis.set(stuck.get_first_seen_key(job), later - 2 * _DAY, ex=_DAY)
            stuck.cleanup(helper, queue)
            self.redis.delete(RQScheduler.get_locking_key(name))
            self._retry_first(queue)
        return count

    def _retry_first(self, queue: Queue) -> None:
        """The retried jobs go to the front of their queue (no worker runs now: safe to move
        them by hand), so the jobs run in the clean run's order. Job order is free in the
        service, and some orders leave other (equally right) traces: a pair planned before
        its organiser's calendar was pulled writes the attendee's copy, markers included."""
        registry = ScheduledJobRegistry(queue=queue)
        for job_id_ in reversed(registry.get_job_ids(cleanup=False)):
            job = queue.fetch_job(job_id_)
            with self.redis.pipeline() as pipe:
                if job is not None:
                    queue._enqueue_job(job, pipeline=pipe, at_front=True)
                registry.remove(job_id_, pipeline=pipe)
                pipe.execute()

    def wait_quiet(self, on_dead: Callable[[], None] | None = None) -> None:
        """Until nothing is queued, running or scheduled, and the workers are alive. A worker
        found dead (killed) is replaced after `on_dead()`; the default is rq's upkeep."""
        deadline = time.monotonic() + QUIET_TIMEOUT_S
        calm = 0
        while True:
            try:
                dead = [p for p in self.workers if p.poll() is not None]
                if dead:
                    (on_dead or self.requeue_abandoned)()
                    self.workers = [p for p in self.workers if p.poll() is None]
                    self.start_worker()
                self.make_due()
                calm = calm + 1 if jobs_in_flight(self.redis) == 0 else 0
            except (redis_lib.ConnectionError, redis_lib.BusyLoadingError):
                calm = 0  # Redis is restarting: the service waits for it, so do we
            if calm >= 3:  # three looks 50 ms apart: a job moving between lists shows
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the service did not go quiet; see {self.log}")
            time.sleep(0.05)

    # -- what the trials compare ------------------------------------------------------------

    def statuses(self) -> dict[str, str]:
        """Each pair's status (on track / overdue: the alert) as the report shows it."""
        return PushStore(self.redis, self.org).pair_statuses()


@dataclass(frozen=True)
class Picture:
    """What a run left: the emulators' state and the pairs' statuses."""

    snapshot: Snapshot
    statuses: dict[str, str]
    calls: int = 0  # API calls the emulator answered so far

    def differences(self, clean: Picture) -> list[str]:
        found = self.snapshot.differences(clean.snapshot)
        if self.statuses != clean.statuses:
            found.append(f"pair statuses {self.statuses} != {clean.statuses}")
        return found


def picture(service: Service) -> Picture:
    world = service.world
    return Picture(world.snapshot(), service.statuses(), world.calls())


@contextmanager
def running_service(
    lab: Lab, kind: ProviderKind, name: str, extra: str = HOLDS
) -> Iterator[Service]:
    """A fresh world of `kind` (configured with `extra`) whose syncer is the service: its own
    embedded Redis and the workers the trial starts with `start_worker`. Nothing is seeded:
    `tell_service` seeds the story and sets the clocks."""
    data_dir = lab.tmp / name
    url = ensure_embedded(data_dir)
    client = redis_lib.Redis.from_url(url)
    org = f"svc{lab.made + 1}"
    store = Store(client, org)
    lab.made += 1
    try:
        with fault_world(kind, lab.tmp / f"w{lab.made}", lab.tls, store, extra) as world:
            config = world.org.config_path
            config.write_text(config.read_text().replace("org: acme", f"org: {org}", 1))
            service = Service(world, data_dir, url, client, org, log=data_dir / "workers.log")
            try:
                yield service
            finally:
                service.stop()
    finally:
        client.close()
        stop_embedded(data_dir)


def tell_service(
    service: Service,
    during: Callable[[int], None] | None = None,
    after: Callable[[int], None] | None = None,
) -> list[Picture]:
    """The story through the service; `during(i)` is called once run i's jobs are enqueued
    (a trial arms its fault there), `after(i)` once the service went quiet. Returns the
    picture after each run."""
    world = service.world
    series = seed(world)["ana|bob"]
    service.at(world.org.now)
    pictures = []
    for step in range(STORY_RUNS):
        if step == 1:
            service.at(NOW + dt.timedelta(hours=1))
            world.respond(BOB, series, "declined", MONDAY)
        if step == 2:
            service.at(NOW + dt.timedelta(days=4))
        if not service.alive():
            service.start_worker()
        service.enqueue_run(step)
        if during is not None:
            during(step)
        service.wait_quiet()
        if after is not None:
            after(step)
        pictures.append(picture(service))
    return pictures
