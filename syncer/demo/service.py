"""The service the demo runs: the web app and rq workers as real processes on the demo's Redis.

The same children `syncer run` starts (`python -m syncer.cli web|worker|scheduler`), with
`SYNCER_SIMULATED_CLOCK=1` so their engines read the demo's simulated time from Redis
(`syncer.store_clock`). The demo acts as the cron scheduler while the story plays (it enqueues
the schedule's jobs when simulated time jumps), so nothing fires at a wall-clock moment the
story did not choose; `--serve` starts the real scheduler afterwards.

"Quiet" is a condition, not a pause: no job waiting, moving, running or scheduled on any
queue, every notification the emulators sent answered, and nothing changed between two looks
(a job or a delivery that came and went between them changes the counters).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from redis import Redis
from rq import Queue
from rq.registry import (
    FailedJobRegistry,
)

from syncer.errors import SyncerError
from syncer.service import child_argv
from syncer.store_clock import SIMULATED_CLOCK_VAR
from syncer.store_push import PushStore
from workers.enqueue import QUEUES, enqueue_unique, job_id, jobs_in_flight

QUIET_TIMEOUT_S = 60.0
POLL_S = 0.05
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DemoService:
    """The running children and what the demo asks of them."""

    config_path: Path
    redis: Redis
    redis_url: str
    org: str
    url: str  # the web app, also `web.public_url` in the demo's config
    log_path: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _log: IO[bytes] | None = None

    @property
    def push(self) -> PushStore:
        return PushStore(self.redis, self.org)

    # ------------------------------------------------------------------------------ processes

    def start(self, workers: int) -> None:
        """The web app and `workers` workers; returns once the web app answers /readyz."""
        self._log = self.log_path.open("ab")
        self._spawn("web")
        for i in range(workers):
            self._spawn(f"worker-{i + 1}")
        self._wait(self._ready, STARTUP_TIMEOUT_S, "the web app to answer /readyz")

    def start_scheduler(self) -> None:
        self._spawn("scheduler")

    def _spawn(self, name: str) -> None:
        role = name.split("-", 1)[0]
        env = {**os.environ, "REDIS_URL": self.redis_url, SIMULATED_CLOCK_VAR: "1"}
        self.children[name] = subprocess.Popen(
            child_argv(role, str(self.config_path)),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,  # a terminal's Ctrl-C reaches the demo only; it stops them
        )

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=2) as answer:
                return int(answer.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM (rq's warm shutdown, uvicorn's drain), then SIGKILL what is left."""
        for process in self.children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace_s
        for process in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children.clear()
        if self._log is not None:
            self._log.close()
            self._log = None

    # ------------------------------------------------------------------------------ jobs

    def enqueue(self, queue: str, func: Callable[..., Any], *args: Any) -> None:
        """A job of the schedule, as rq's CronScheduler would enqueue it."""
        name = getattr(func, "__name__", "job")
        base_id = job_id(name, self.org, "schedule")
        enqueue_unique(self.redis, queue, func, (str(self.config_path), *args), base_id)

    def failed_jobs(self) -> int:
        return sum(
            FailedJobRegistry(queue=Queue(name, connection=self.redis)).count for name in QUEUES
        )

    def counters(self) -> dict[str, int]:
        return self.push.counters()

    def wait_quiet(
        self, emulators: Callable[[], tuple[bool, Hashable]], timeout: float = QUIET_TIMEOUT_S
    ) -> None:
        """Return once the service has nothing left to do. `emulators` answers (every
        notification answered?, something that changes with each delivery)."""
        previous: tuple[Hashable, ...] | None = None

        def quiet() -> bool:
            nonlocal previous
            self._check_children()
            jobs = jobs_in_flight(self.redis)
            drained, deliveries = emulators()
            look = (jobs, drained, deliveries, tuple(sorted(self.counters().items())))
            settled = jobs == 0 and drained and look == previous
            previous = look
            return settled

        self._wait(quiet, timeout, "the service to go quiet")

    def _check_children(self) -> None:
        for name, process in self.children.items():
            if process.poll() is not None:
                raise SyncerError(
                    f"the demo's {name} process exited ({process.returncode}); see {self.log_path}"
                )

    def _wait(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise SyncerError(f"timed out after {timeout:.0f}s waiting for {what}; "
                                  f"see {self.log_path}")  # fmt: skip
            time.sleep(POLL_S)


def delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    """Counters that moved between two looks."""
    moved = {k: v - before.get(k, 0) for k, v in after.items()}
    return {k: v for k, v in moved.items() if v}
