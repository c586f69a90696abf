"""Running the service: the web app, rq workers and the cron scheduler, alone or together.

`syncer run` starts one process tree on one Redis: a web process, N workers and a scheduler,
each a child process of its own (`python -m syncer.cli web|worker|scheduler`), in its own
process group so a terminal's Ctrl-C reaches only the parent. The web app starts first and the
rest once it listens (push channels opened earlier would miss its answer). The parent forwards
SIGTERM once
(rq's warm shutdown: a worker finishes its job, then exits; uvicorn drains; the scheduler
stops), waits `grace` seconds, then kills what is left (a killed job is safe to run again and
rq requeues it). A child that dies on its own is restarted.

For a large org run the pieces separately (`syncer web`, `syncer worker` x N, `syncer
scheduler`) against one managed Redis (REDIS_URL): see docker-compose.yml.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import structlog

from syncer.config import load_config
from syncer.redis_server import connect, redis_url_for

WORKER_MAINTENANCE_S = 60  # how often a worker requeues jobs of workers that died
RESTART_DELAY_S = 1.0
WEB_START_S = 30.0  # the web app's start-up, waited for before the rest


def _resolved(config_path: str | Path) -> str:
    return str(Path(config_path).resolve())


# --------------------------------------------------------------------------------------------
# The pieces, each run in the current process


def run_worker(config_path: str | Path, *, burst: bool = False, name: str | None = None) -> bool:
    """An rq worker on the `push`, `default` and `sweep` queues (that order is the priority).

    A `SimpleWorker` runs jobs in this process, so the config, providers and their tokens are
    built once per worker rather than once per job. It also runs rq's scheduler, which moves
    retries and delayed jobs onto their queues when due."""
    from rq import Queue, SimpleWorker

    from workers.context import context
    from workers.enqueue import QUEUES

    path = _resolved(config_path)
    config = load_config(path)
    connection = connect(config.redis_url)
    context(path)  # fail early on a bad config; jobs reuse it
    worker = SimpleWorker(
        [Queue(q, connection=connection) for q in QUEUES],
        connection=connection,
        name=name,
        maintenance_interval=WORKER_MAINTENANCE_S,
    )
    return bool(worker.work(burst=burst, with_scheduler=True, logging_level="WARNING"))


def run_scheduler(config_path: str | Path) -> None:
    """rq's CronScheduler with the config's schedule; returns on SIGTERM/SIGINT."""
    from workers.schedule import build_scheduler

    path = _resolved(config_path)
    config = load_config(path)
    build_scheduler(connect(config.redis_url), config, path).start()  # type: ignore[no-untyped-call]


def run_web(config_path: str | Path, bind: str | None = None) -> None:
    """uvicorn serving the web app on `bind` (default: the config's web.bind)."""
    import uvicorn

    from syncer.web import create_app

    path = _resolved(config_path)
    config = load_config(path)
    host, _, port = (bind or config.web.bind).rpartition(":")
    uvicorn.run(
        create_app(path, bind=bind), host=host or "127.0.0.1", port=int(port), log_level="warning"
    )


# --------------------------------------------------------------------------------------------
# The process tree


@dataclass
class Child:
    role: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def child_argv(role: str, config_path: str, extra: list[str] | None = None) -> list[str]:
    return [sys.executable, "-m", "syncer.cli", role, "-c", config_path, *(extra or [])]


class Supervisor:
    """Starts the children, restarts the ones that die, stops them all on a signal."""

    def __init__(
        self,
        config_path: str | Path,
        workers: int,
        *,
        bind: str | None = None,
        grace_s: float = 60.0,
        echo: Callable[[str], None] = print,
    ) -> None:
        path = _resolved(config_path)
        config = load_config(path)
        # One Redis for every child: resolve it here (starting the embedded one if needed).
        self.env = {**os.environ, "REDIS_URL": redis_url_for(config.redis_url)}
        web_extra = ["--bind", bind] if bind else []
        self.children = [Child("web", child_argv("web", path, web_extra))]
        self.children += [
            Child(f"worker-{i + 1}", child_argv("worker", path)) for i in range(workers)
        ]
        self.children.append(Child("scheduler", child_argv("scheduler", path)))
        host, _, port = (bind or config.web.bind).rpartition(":")
        host = host.strip("[]")
        self.web_address = ("127.0.0.1" if host in ("", "0.0.0.0", "::") else host, int(port))
        self.grace_s = grace_s
        self.echo = echo
        self.stopping = False
        self.log = structlog.get_logger().bind(org=config.org)

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self.env, start_new_session=True)
        self.log.info("service.child_started", role=child.role, pid=child.process.pid)

    @staticmethod
    def _end_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        """Signal what is left of a child's process group. Each child leads its own
        (start_new_session), and what it forked is in it: a worker's rq scheduler outlives a
        worker killed -9, keeps its locks and would outlive `syncer run` too. (No reuse
        risk: Linux gives no new process the id of a group that still has members.)"""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del frame
        if not self.stopping:
            self.echo(f"syncer: stopping ({signal.Signals(signum).name}), waiting for jobs")
        self.stopping = True

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            web, *rest = self.children
            self._start(web)
            # The web app first: the scheduler's first renew opens channels at once, and Graph
            # validates a new subscription by calling the web app back (Google's first "sync"
            # message too). Opened before it listens, they would wait for the next renewal.
            if not self._wait_listening(web):
                self.log.warning("service.web_not_listening", address=self.web_address)
            for child in rest:
                self._start(child)
            self.echo(f"syncer: running {len(self.children)} processes")
            while not self.stopping:
                for child in self.children:
                    if child.process is not None and child.process.poll() is not None:
                        self.log.warning(
                            "service.child_died", role=child.role, code=child.process.returncode
                        )
                        self._end_group(child.process, signal.SIGTERM)
                        time.sleep(RESTART_DELAY_S)
                        self._end_group(child.process, signal.SIGKILL)
                        if not self.stopping:
                            self._start(child)
                time.sleep(0.2)
            return self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _wait_listening(self, web: Child, timeout_s: float = WEB_START_S) -> bool:
        """Until the web app accepts connections (True), dies, a signal comes, or time is up."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stopping:
            if web.process is not None and web.process.poll() is not None:
                return False
            try:
                with socket.create_connection(self.web_address, timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> int:
        """SIGTERM once to every child (warm shutdown), wait, then SIGKILL the rest."""
        alive = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in alive:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log.warning("service.child_killed", pid=process.pid)
                process.kill()
                process.wait()
            self._end_group(process, signal.SIGKILL)
        return 0


def quiet_rq_logs() -> None:
    """rq logs every job at INFO on its own handler; syncer's structured logs say enough."""
    for name in ("rq.worker", "rq.cron", "rq.scheduler", "rq.queue"):
        logging.getLogger(name).setLevel(logging.WARNING)
