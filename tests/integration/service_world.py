"""The service on a Google org in the emulator: the web app on a real port, real rq workers
(in process or as `syncer worker` subprocesses), the test's own org on the shared Redis.

The emulator's clock is frozen at wall time when the world starts (jobs use the wall clock).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis as redis_lib
import uvicorn
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from syncer.store_push import PushStore
from tests.integration.google_org import ANA, BOB, CAT, DAN, write_config
from workers.context import forget
from workers.enqueue import QUEUES

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listed_jobs(client: redis_lib.Redis) -> list[tuple[str, str, str, str | None]]:
    """Every rq job in a queue or in the started, scheduled or failed registry, any org's:
    (queue, where, job id, the config path it takes first: every syncer job does)."""
    found = []
    for name in QUEUES:
        queue = Queue(name, connection=client)
        places = (
            ("queued", queue.get_job_ids()),
            ("started", StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)),
            ("scheduled", ScheduledJobRegistry(queue=queue).get_job_ids(cleanup=False)),
            ("failed", FailedJobRegistry(queue=queue).get_job_ids(cleanup=False)),
        )
        for where, ids in places:
            for job_id in ids:
                job = Job.fetch(job_id, connection=client) if Job.exists(job_id, client) else None
                config = str(job.args[0]) if job is not None and job.args else None
                found.append((name, where, job_id, config))
    return found


def remove_jobs(client: redis_lib.Redis, config_path: Path) -> None:
    """Delete every rq job of this config: queued, started, failed, and scheduled ones (rq
    retries, `-later` re-enqueues), which would otherwise come due under a later test's
    workers and tie them up with calls to an emulator long stopped."""
    for _, _, job_id, config in listed_jobs(client):
        if config == str(config_path) and Job.exists(job_id, client):
            Job.fetch(job_id, connection=client).delete()  # out of its queue and registry


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (no bare sleeps in the tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class ServiceWorld:
    state: GoogleState
    config_path: Path
    redis: redis_lib.Redis
    redis_url: str
    org: str
    web_url: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return Store(self.redis, self.org)

    @property
    def push(self) -> PushStore:
        return PushStore(self.redis, self.org)

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis)

    def queued(self) -> int:
        return sum(self.queue(q).count for q in QUEUES)

    def work(self) -> None:
        """Run every queued job in this process (rq's burst mode), scheduled ones excluded."""
        SimpleWorker([self.queue(q) for q in QUEUES], connection=self.redis).work(
            burst=True, logging_level="WARNING"
        )

    def start_worker(self, *extra: str) -> subprocess.Popen[bytes]:
        """A real `syncer worker` process in its own process group (so kill -9 takes all)."""
        env = {**os.environ, "REDIS_URL": self.redis_url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "syncer.cli", "worker", "-c", str(self.config_path), *extra],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def writes(self, kind: str | None = None) -> list[Any]:
        return [w for w in self.state.write_log if kind is None or w.method == kind]

    def post(self, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.web_url + path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as err:
            return int(err.code)


@contextmanager
def running_web(config_path: Path, port: int) -> Iterator[None]:
    from syncer.web import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(config_path), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="the web app")
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def pushed_google_org(
    tmp: Path, tls: TlsFiles, org: str, extra_config: str = ""
) -> tuple[GoogleSandbox, Path, int]:
    """A started Google emulator on the wall clock with Ana (the manager), Bob, Cat and Dan,
    and a config for `org` whose web app, the push target, is on a free local port: (the
    emulator, the config's path, the port). The caller stops the emulator."""
    sandbox = GoogleSandbox(GoogleState("acme.test"), tls=tls)
    base_url = sandbox.start()
    state = sandbox.state
    state.clock.set(dt.datetime.now(dt.UTC))  # jobs use the wall clock
    for email, name, zone in (
        (ANA, "Ana", "Europe/Berlin"),
        (BOB, "Bob", "America/New_York"),
        (CAT, "Cat", "Europe/Berlin"),
        (DAN, "Dan", "Europe/Berlin"),
    ):
        state.add_person(email, name, time_zone=zone, manager=None if email == ANA else ANA)
    key_file = tmp / "sa.json"
    key_file.write_text(json.dumps(state.issue_service_account("syncer@acme.test")))
    port = free_port()
    config_path = (tmp / "syncer.yaml").resolve()
    web = f"web: {{public_url: 'http://127.0.0.1:{port}', bind: '127.0.0.1:{port}'}}\n"
    write_config(config_path, key_file, base_url, tls.ca_cert, web + extra_config)
    config_path.write_text(config_path.read_text().replace("org: acme", f"org: {org}", 1))
    return sandbox, config_path, port


@contextmanager
def service_world(
    tmp: Path, tls: TlsFiles, redis_url: str, org: str, extra_config: str = ""
) -> Iterator[ServiceWorld]:
    os.environ["REDIS_URL"] = redis_url  # in-process jobs find the same Redis
    sandbox, config_path, port = pushed_google_org(tmp, tls, org, extra_config)
    state = sandbox.state
    client = redis_lib.Redis.from_url(redis_url)
    forget()
    world = ServiceWorld(state, config_path, client, redis_url, org, f"http://127.0.0.1:{port}")
    try:
        with running_web(config_path, port):
            yield world
    finally:
        for proc in world.procs:
            if proc.poll() is None:
                world.kill(proc)
        remove_jobs(client, config_path)
        forget()
        Store(client, org).wipe()
        client.close()
        sandbox.stop()
