"""`syncer run -c PATH --workers 2` as a real process tree (web app, two rq workers, the cron
scheduler) on the test's Redis, against a small Google org in the emulator.

The config sets web.public_url to the run's own web app, so the emulator's push notifications
reach it: a change in a calendar travels webhook -> pull job -> pair job -> write. The run's
scheduler fires its interval jobs once at start (the sweep pulls everyone, `renew` opens the
channels), so the tests only wait for the run to settle.

Process checks use psutil when it is installed, else /proc. The signal tests come first: rq's
queues are shared by every org on the Redis, so the module's long-lived run (started by the
first test that needs it) would otherwise take their jobs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from syncer.core.blocks import BEGIN_MARKER
from syncer.sandbox.google import FaultRule, GoogleState
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from syncer.store_push import PushStore
from tests.integration.google_org import ANA, BOB, CAT, DAN
from tests.integration.service_world import (
    ROOT,
    listed_jobs,
    pushed_google_org,
    remove_jobs,
    wait_for,
)
from workers import jobs
from workers.enqueue import QUEUES, pull_job_id
from workers.jobs import INLINE_RETRY_AFTER_S

try:
    import psutil
except ImportError:  # pragma: no cover - the /proc fallback
    psutil = None

PEOPLE = (ANA, BOB, CAT, DAN)
EVENTS = r"/calendars/[^/]+/events$"
GRACE_S = 30.0


# --------------------------------------------------------------------------------------------
# Processes


def descendants(pid: int, *, recursive: bool = True) -> list[int]:
    """Every process below `pid` (children, grandchildren: rq's forked scheduler)."""
    if psutil is not None:
        try:
            return [p.pid for p in psutil.Process(pid).children(recursive=recursive)]
        except psutil.NoSuchProcess:
            return []
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids if recursive else []
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    if psutil is not None:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


# --------------------------------------------------------------------------------------------
# The world: emulator, config, a `syncer run` subprocess


@dataclass
class RunWorld:
    state: GoogleState
    config_path: Path
    redis: redis_lib.Redis
    redis_url: str
    org: str
    web_url: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def push(self) -> PushStore:
        return PushStore(self.redis, self.org)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        env = {**os.environ, "REDIS_URL": self.redis_url}
        argv = [sys.executable, "-m", "syncer.cli", "--log-level", "info", "--log-json", "run"]
        argv += ["-c", str(self.config_path), "--workers", "2", "--grace", str(GRACE_S)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(lambda: self.get("/readyz")[0] == 200, timeout=30, what="the run's /readyz")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log().splitlines():
            if name in line and line.startswith("{"):
                found.append(json.loads(line))
        return found

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.web_url + path, timeout=5) as answer:
                return int(answer.status), answer.read().decode()
        except urllib.error.HTTPError as err:
            return int(err.code), ""
        except OSError:
            return 0, ""

    def workers(self) -> list[int]:
        """The pids of the run's `syncer worker` children (not rq's fork of one: same argv)."""
        return [
            pid
            for pid in descendants(self.pid, recursive=False)
            if "worker" in cmdline(pid) and "syncer.cli" in cmdline(pid)
        ]

    # Jobs (rq's queues and registries are shared; these look at this org's jobs only)

    def mine(self, job_id: str) -> bool:
        """Every syncer job takes its config file's path first."""
        if not Job.exists(job_id, self.redis):
            return False
        job = Job.fetch(job_id, connection=self.redis)
        return bool(job.args) and str(job.args[0]) == str(self.config_path)

    def started(self) -> list[str]:
        return [
            job_id
            for q in QUEUES
            for job_id in StartedJobRegistry(q, connection=self.redis).get_job_ids(cleanup=False)
            if self.mine(job_id)
        ]

    def settled(self) -> bool:
        """No job of this org waiting or running (delayed ones aside)."""
        for name in QUEUES:
            queue = Queue(name, connection=self.redis)
            waiting = queue.get_job_ids() + queue.intermediate_queue.get_job_ids()
            if any(self.mine(j) for j in waiting):
                return False
        return not self.started()

    def diagnosis(self) -> str:
        """What a run that did not get going was doing: every queue and registry (any org's
        jobs, with the config they belong to) and the tail of the run's log."""
        lines = [
            f"{queue} {where} {job_id} ({config or '?'})"
            for queue, where, job_id, config in listed_jobs(self.redis)
        ]
        channels = {p: bool(self.push.current_channel(p)) for p in PEOPLE}
        return "\n".join(
            [f"channels: {channels}", *lines, "run log tail:", *self.log().splitlines()[-40:]]
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=GRACE_S + 15)
        return code, time.monotonic() - began


@contextmanager
def run_world(tmp: Path, tls: TlsFiles, redis_url: str, org: str) -> Iterator[RunWorld]:
    sandbox, config_path, port = pushed_google_org(tmp, tls, org)
    state = sandbox.state
    client = redis_lib.Redis.from_url(redis_url)
    web_url = f"http://127.0.0.1:{port}"
    world = RunWorld(state, config_path, client, redis_url, org, web_url, tmp / "run.log")
    tree: list[int] = []
    try:
        yield world
    finally:
        if world.proc is not None and world.proc.poll() is None:
            tree = descendants(world.pid)
            world.proc.kill()
            world.proc.wait()
        for pid in tree:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        remove_jobs(client, config_path)
        Store(client, org).wipe()
        client.close()
        sandbox.stop()


def channels_open(world: RunWorld) -> bool:
    """Every calendar has a push channel and the emulator's sync message reached the app."""
    if not all(world.push.current_channel(p) for p in PEOPLE):
        return False
    syncs = [d for d in world.state.channels.deliveries if d.state == "sync"]
    return len(syncs) >= len(PEOPLE) and all(d.status == 200 for d in syncs)


def last_monday(world: RunWorld) -> dt.datetime:
    now = world.state.clock.now()
    return (now - timedelta(days=now.weekday() + 42)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, tls: TlsFiles, redis_url: str
) -> Iterator[RunWorld]:
    """One `syncer run` for the tests that leave it running, settled after its first sweep."""
    org = f"test-run-{uuid.uuid4().hex[:12]}"
    with run_world(tmp_path_factory.mktemp("run"), tls, redis_url, org) as world:
        world.start()
        try:
            wait_for(lambda: channels_open(world), timeout=60, what="the push channels")
            wait_for(world.settled, timeout=30, what="the first sweep to finish")
        except AssertionError as err:
            raise AssertionError(f"{err}\n{world.diagnosis()}") from None
        yield world


# --------------------------------------------------------------------------------------------
# 2, 3. SIGTERM / SIGINT: clean shutdown, the running job finished or requeued


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_whole_tree_and_leaves_no_job_started(
    tmp_path: Path, tls: TlsFiles, redis_url: str, org: str, sig: signal.Signals
) -> None:
    with run_world(tmp_path, tls, redis_url, org) as world:
        world.state.create_one_on_one(ANA, BOB, last_monday(world), time_zone="UTC")
        world.state.faults.latency = 0.3  # jobs take long enough to be caught running
        world.start()
        # However far the run's first sweep got while the web app started, a sweep now gives
        # the workers seconds of work (pulls, then the pair's writes).
        Queue("sweep", connection=world.redis).enqueue(jobs.sweep, str(world.config_path))
        running = wait_for(world.started, timeout=30, what="a job running")
        tree = descendants(world.pid)
        assert len(tree) >= 4, tree  # web, two workers, the scheduler (and rq's fork)

        code, seconds = world.stop(sig)

        assert code == 0, world.log()
        assert seconds < GRACE_S, world.log()
        assert not world.events("service.child_killed"), world.log()  # all left on their own
        assert [pid for pid in tree if alive(pid)] == []
        assert world.started() == []
        for job_id in running:
            if Job.exists(job_id, world.redis):
                status = Job.fetch(job_id, connection=world.redis).get_status()
                assert status in ("finished", "queued", "scheduled"), (job_id, status)


# --------------------------------------------------------------------------------------------
# 1. It serves


def test_run_serves_health_and_a_calendar_change_lands_as_a_write_through_push(
    service: RunWorld,
) -> None:
    world = service
    assert world.get("/healthz")[0] == 200
    assert world.get("/readyz")[0] == 200
    before = world.push.counters().get("webhooks|google|accepted", 0)

    series = world.state.create_one_on_one(ANA, BOB, last_monday(world), time_zone="UTC")

    wait_for(
        lambda: BEGIN_MARKER in world.state.event(ANA, series).get("description", ""),
        timeout=30,
        what="the managed block on the new 1:1",
    )
    assert world.push.counters().get("webhooks|google|accepted", 0) > before
    exists = [d for d in world.state.channels.deliveries if d.state == "exists"]
    assert exists and all(d.status == 200 for d in exists)


# --------------------------------------------------------------------------------------------
# 5. A long Retry-After: the job re-enqueues itself for later instead of holding a worker


def test_a_long_retry_after_reschedules_the_pull_and_frees_the_worker(service: RunWorld) -> None:
    world = service
    wait_for(world.settled, timeout=30, what="the run to settle")
    retry_after = 120
    assert retry_after > INLINE_RETRY_AFTER_S
    rule = world.state.faults.add(
        FaultRule("too_many_requests", times=1, path=EVENTS, person=CAT, retry_after=retry_after)
    )
    later_id = pull_job_id(world.org, CAT) + "-later"
    scheduled = ScheduledJobRegistry("default", connection=world.redis)
    began = time.monotonic()

    start = world.state.clock.now() + timedelta(days=2)
    world.state.create_event(
        CAT,
        {
            "summary": "Focus",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        },
    )

    wait_for(
        lambda: later_id in scheduled.get_job_ids(cleanup=False),
        timeout=20,
        what="the pull re-enqueued as a delayed job",
    )
    assert rule not in world.state.faults.rules  # the 429 was answered
    wait_for(world.settled, timeout=20, what="the worker to be free again")
    assert time.monotonic() - began < INLINE_RETRY_AFTER_S  # nobody slept the Retry-After
    due = scheduled.get_scheduled_time(later_id)
    assert due - dt.datetime.now(dt.UTC) > timedelta(seconds=retry_after - 30)
    failed = FailedJobRegistry("push", connection=world.redis).get_job_ids(cleanup=False)
    assert not [j for j in failed if world.mine(j)]


# --------------------------------------------------------------------------------------------
# 4. A worker killed -9 is restarted


def test_a_worker_killed_with_sigkill_is_restarted_with_nothing_left_behind(
    service: RunWorld,
) -> None:
    world = service
    workers = world.workers()
    assert len(workers) == 2, world.log()
    # The worker holding rq's scheduler lock forks rq's scheduler: kill that one, so its
    # scheduler must go too. rq's scheduler locks are per queue name and shared by every org
    # on the Redis, so when an earlier test's scheduler still holds them (the full suite), no
    # worker here forks one and only the restart is checked.
    with contextlib.suppress(AssertionError):
        wait_for(
            lambda: any(descendants(pid) for pid in workers), timeout=10, what="rq's scheduler"
        )
    victim = max(workers, key=lambda pid: len(descendants(pid)))
    below = descendants(victim)

    os.kill(victim, signal.SIGKILL)

    replaced = wait_for(
        lambda: (now := world.workers()) and len(now) == 2 and victim not in now and now,
        timeout=15,
        what="a new worker in the dead one's place",
    )
    died = [e for e in world.events("service.child_died") if e.get("role", "").startswith("worker")]
    assert died and died[-1]["code"] == -signal.SIGKILL
    # The new worker can show in the process list a moment before the supervisor's line.
    wait_for(
        lambda: set(replaced) <= {e["pid"] for e in world.events("service.child_started")},
        timeout=10,
        what=f"the supervisor's service.child_started for {replaced}",
    )
    wait_for(
        lambda: not any(alive(pid) for pid in below),
        timeout=15,
        what=f"the killed worker's own children {below} (rq's scheduler) to be gone",
    )
    # The restarted service still works.
    series = world.state.create_one_on_one(ANA, DAN, last_monday(world), time_zone="UTC")
    wait_for(
        lambda: BEGIN_MARKER in world.state.event(ANA, series).get("description", ""),
        timeout=30,
        what="the managed block after the restart",
    )
