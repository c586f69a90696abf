"""The service under load, on a Google org (the Google emulator) and on a Microsoft org (the
Graph emulator), with a fixed latency per API call.

Per provider, an org of N people in pairs (default 32: 16 weekly 1:1s), every call delayed by
50 ms, the web app on a real port, push for every calendar (Google watch channels posting to
/webhooks/google, Graph change-notification subscriptions posting to /webhooks/graph; plain
http on localhost, which both emulators accept), real `syncer worker` processes (each used
once rq has registered it: startup is not measured). First the org settles: a first sweep,
channels opened, a second sweep that reads the first one's own writes back once. Then it
prints, each line prefixed with the provider:
- change-to-write latency: a person declines an occurrence; the emulator POSTs the
  notification; pull job -> pair job -> the proposal lands as a PATCH of the occurrence.
  p50/p95 with 1 and with 4 workers;
- pairs per second per worker: every pair planned and applied (nothing to write) at once;
- API calls per idle calendar per hour in the steady state, from the measured cost of one
  scheduled pull, one sweep and one daily pass at the config's schedule, plus the channel
  renewals (Google: a new channel and the old one stopped, a week apart; Graph: one PATCH of
  the subscription, under three days apart);
- Microsoft only: the most requests the Graph emulator had in flight for one mailbox over the
  whole run, and how many it answered 429. It enforces Graph's MailboxConcurrency (the fifth
  concurrent request of an app on a mailbox gets 429); syncer's call slots
  (limits.mailbox_concurrency, 4) should keep these at <= 4 and 0.
Last line: `service: p95 <s> s (1 worker), p95 <s> s (4 workers), <n> pairs/s/worker,
<n> calls/idle calendar/h`; with both providers each figure is the worse of the two (the
higher p95s and calls/h, the lower pairs/s).
Run: `python benchmarks/service.py [--provider google|microsoft|both] [--people N]
[--samples K] [--latency-ms L]`. Without REDIS_URL it starts the embedded Redis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar, Protocol

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry

from syncer.core.model import ProviderName
from syncer.demo.service import free_port
from syncer.engine.push import CHANNEL_TTL
from syncer.redis_server import ensure_embedded, stop_embedded
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.graph.concurrency import MAILBOX_CONCURRENCY
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from syncer.store_push import PushStore
from workers import jobs
from workers.context import context, forget
from workers.enqueue import QUEUES, jobs_in_flight

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "bench.test"
SCHEDULE = {"push_sweep_minutes": 1440, "pull_minutes": 15, "renew_hours": 12}  # push is on

STARTED: list[subprocess.Popen[bytes]] = []  # every worker, stopped at the end whatever happens
Series = tuple[str, str, str, dt.datetime]  # organizer, attendee, series id, first start


class Org(Protocol):
    """What the shared measuring code needs of one provider's emulated org."""

    name: ClassVar[ProviderName]
    renewal_calls: ClassVar[int]  # API calls per channel renewal
    sandbox: GoogleSandbox | GraphSandbox
    state: GoogleState | GraphState

    def providers_section(self, tmp: Path) -> str: ...

    def decline(self, organizer: str, attendee: str, series: str, when: dt.datetime) -> str:
        """`attendee` declines the occurrence at `when`; returns the event id syncer's
        proposal is written to (a PATCH of that occurrence)."""
        ...

    def drained(self) -> bool:
        """Every push notification the emulator sent has been answered."""
        ...

    def notes(self) -> list[str]: ...


class GoogleOrg:
    """A Google Workspace org on the Google emulator; push is watch channels."""

    name: ClassVar[ProviderName] = "google"
    renewal_calls: ClassVar[int] = 2  # channels cannot be extended: watch anew, stop the old

    def __init__(self, tls: TlsFiles) -> None:
        self.tls = tls
        self.sandbox = GoogleSandbox(GoogleState(DOMAIN), tls=tls)
        self.state = self.sandbox.state

    def providers_section(self, tmp: Path) -> str:
        key = tmp / "sa.json"
        key.write_text(json.dumps(self.state.issue_service_account(f"syncer@{DOMAIN}")))
        return (
            f"  google: {{service_account_file: {key}, api_endpoint: {self.sandbox.base_url},"
            f" ca_bundle: {self.tls.ca_cert}, service_account_email: syncer@{DOMAIN}}}"
        )

    def decline(self, organizer: str, attendee: str, series: str, when: dt.datetime) -> str:
        self.state.decline_instance(attendee, series, when)
        return f"{series}_{when:%Y%m%dT%H%M%SZ}"  # one id on every copy

    def drained(self) -> bool:
        return self.state.channels.drained()

    def notes(self) -> list[str]:
        return []


class MicrosoftOrg:
    """A Microsoft 365 org on the Graph emulator; push is change-notification subscriptions."""

    name: ClassVar[ProviderName] = "microsoft"
    renewal_calls: ClassVar[int] = 1  # a PATCH of the subscription's expirationDateTime

    def __init__(self, tls: TlsFiles) -> None:
        self.tls = tls
        self.sandbox = GraphSandbox(GraphState(DOMAIN), tls=tls)
        self.state = self.sandbox.state

    def providers_section(self, tmp: Path) -> str:
        client_id, secret = self.state.register_app()
        return (
            f"  microsoft: {{tenant_id: {self.state.tenant_id}, client_id: {client_id},"
            f" client_secret: {secret}, authority: {self.sandbox.authority},"
            f" graph_endpoint: {self.sandbox.base_url}/v1.0, ca_bundle: {self.tls.ca_cert}}}"
        )

    def decline(self, organizer: str, attendee: str, series: str, when: dt.datetime) -> str:
        self.state.decline_occurrence(attendee, series, when)
        return self.state.occurrence_id(organizer, series, when)  # syncer writes on that copy

    def drained(self) -> bool:
        return self.state.subscriptions.drained()

    def notes(self) -> list[str]:
        peaks = self.state.mailbox_concurrency.peaks
        throttled = sum(1 for call in self.state.call_log if call.status == 429)
        return [
            f"mailbox concurrency: at most {max(peaks.values(), default=0)} requests in flight"
            f" for one mailbox (Graph's limit {MAILBOX_CONCURRENCY}), {throttled} answered 429"
        ]


ORGS: dict[str, type[GoogleOrg] | type[MicrosoftOrg]] = {
    "google": GoogleOrg,
    "microsoft": MicrosoftOrg,
}


@dataclass(frozen=True)
class Figures:
    p95_one: float  # change to write, seconds, 1 worker
    p95_four: float  # the same with 4 workers
    pairs_per_s: float  # per worker
    calls_per_hour: float  # per idle calendar

    @staticmethod
    def worst(runs: list[Figures]) -> Figures:
        return Figures(
            max(f.p95_one for f in runs),
            max(f.p95_four for f in runs),
            min(f.pairs_per_s for f in runs),
            max(f.calls_per_hour for f in runs),
        )


def wait_for(
    check: Callable[[], bool], timeout: float = 120.0, what: Callable[[], str] | None = None
) -> None:
    """Poll `check`; on a timeout exit saying what was awaited (`what()`: the state then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    awaited = what() if what else getattr(check, "__name__", str(check))
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {awaited}")


def stuck(awaited: str, org: Org, redis: Redis, push: PushStore) -> str:
    """What the service was doing when a change did not land: enough to start looking."""
    failed = []
    for name in QUEUES:
        for job_id in FailedJobRegistry(queue=Queue(name, connection=redis)).get_job_ids():
            job = Job.fetch(job_id, connection=redis)
            result = job.latest_result()
            error = (result.exc_string or "").strip().splitlines()[-1:] if result else []
            failed.append(f"{job_id}: {' '.join(error) or job.get_status()}")
    pushes = org.state.channels if isinstance(org.state, GoogleState) else org.state.subscriptions
    unanswered = [d for d in pushes.deliveries if d.status not in (200, 202)]
    return (
        f"{awaited}; jobs in flight {jobs_in_flight(redis)}; failed jobs {failed or 'none'};"
        f" notifications not accepted {unanswered or 'none'};"
        f" counters {dict(sorted(push.counters().items()))}"
    )


def config_text(org: Org, tmp: Path, emails: list[str], port: int) -> str:
    people = "\n".join(
        f"  - {{email: {e}, name: P{i}, provider: {org.name}"
        + (f", manager: {emails[i - 1]}" if i % 2 else "")
        + "}"
        for i, e in enumerate(emails)
    )
    schedule = ", ".join(f"{k}: {v}" for k, v in SCHEDULE.items())
    return f"""
org: bench-service-{org.name}
domains: [{DOMAIN}]
timezone: UTC
people:
{people}
providers:
{org.providers_section(tmp)}
schedule: {{{schedule}}}
web: {{public_url: 'http://127.0.0.1:{port}', bind: '127.0.0.1:{port}'}}
"""


def start_workers(
    n: int, config: Path, env: dict[str, str], redis: Redis
) -> list[subprocess.Popen[bytes]]:
    """`n` `syncer worker` processes; returns once rq knows them all (a worker registers
    after its imports and its config are loaded: startup is not part of a measurement)."""
    names = {f"bench-{uuid.uuid4().hex[:12]}" for _ in range(n)}
    argv = [sys.executable, "-m", "syncer.cli", "worker", "-c", str(config), "--name"]
    procs = [
        subprocess.Popen(
            [*argv, name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for name in names
    ]
    STARTED.extend(procs)

    def registered() -> bool:
        return names <= {w.name for w in Worker.all(connection=redis)}

    wait_for(registered, timeout=60)
    return procs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)


class Quiet:
    """A check that holds once the service has gone quiet: no job queued, moving, running or
    scheduled, every notification answered, and no counter moving, for `hold_s` on end (a job
    a worker of several queues has popped shows in no rq list until it starts); `since` is
    when that began."""

    def __init__(self, redis: Redis, org: Org, push: PushStore, hold_s: float = 0.1) -> None:
        self.redis, self.org, self.push, self.hold_s = redis, org, push, hold_s
        self.look: tuple[object, ...] = ()
        self.since = time.monotonic()

    def __call__(self) -> bool:
        idle = jobs_in_flight(self.redis) == 0 and self.org.drained()
        look = (idle, sorted(self.push.counters().items()))
        if not idle or look != self.look:
            self.look, self.since = look, time.monotonic()
            return False
        return time.monotonic() - self.since >= self.hold_s

    def __str__(self) -> str:
        return "the service to go quiet"


def landed(org: Org, event_id: str) -> bool:
    """syncer's PATCH of the occurrence went through."""
    return any(
        w.event_id == event_id and w.method == "PATCH" and w.status < 300
        for w in org.state.write_log
    )


def seed(org: Org, people: int, now: dt.datetime) -> tuple[list[str], list[Series]]:
    """The org's people and a weekly 1:1 per pair since six weeks ago."""
    emails = [f"p{i}@{DOMAIN}" for i in range(people)]
    for i, e in enumerate(emails):
        org.state.add_person(e, f"P{i}", time_zone="UTC")
    first = (now - dt.timedelta(days=now.weekday() + 42)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    series = []
    for k in range(0, len(emails) - 1, 2):
        start = first + dt.timedelta(hours=k % 8)
        sid = org.state.create_one_on_one(emails[k], emails[k + 1], start, time_zone="UTC")
        series.append((emails[k], emails[k + 1], sid, start))
    return emails, series


def measure(org: Org, args: argparse.Namespace, tmp: Path, env: dict[str, str]) -> Figures:
    """The whole measurement on one provider's org; prints its lines, returns its figures."""
    import uvicorn

    from syncer.web import create_app

    def say(line: str) -> None:
        print(f"{org.name}: {line}", flush=True)

    org.sandbox.start()
    state = org.state
    now = dt.datetime.now(dt.UTC)
    state.clock.set(now)  # jobs use the wall clock
    emails, series = seed(org, args.people, now)
    port = free_port()
    config = tmp / f"syncer-{org.name}.yaml"
    config.write_text(config_text(org, tmp, emails, port))
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="error")
    )
    web = threading.Thread(target=server.run, daemon=True)
    web.start()
    wait_for(lambda: server.started)
    ctx = context(str(config))
    redis = ctx.redis
    ctx.engine.store.wipe()
    for name in QUEUES:
        Queue(name, connection=redis).empty()
    state.faults.latency = args.latency_ms / 1000

    def quiet() -> Quiet:
        return Quiet(redis, org, ctx.push)

    # Settle: first sync, channels, and a second sweep that reads the first one's own writes
    # back once (no channel was open to report them), as a steady state would have.
    workers = start_workers(4, config, env, redis)
    jobs.sweep(str(config))
    wait_for(quiet(), timeout=600)
    channels = jobs.renew(str(config))
    jobs.sweep(str(config))
    wait_for(quiet(), timeout=600)
    say(f"settled: first sync done, channels {channels}")
    stop(workers)

    # Change-to-write latency, 1 and 4 workers: each change declines the next occurrence of a
    # pair not used before (a proposal is planned for occurrences within the reschedule window).
    p95s: dict[int, float] = {}
    unused = list(series)
    for n_workers in (1, 4):
        workers = start_workers(n_workers, config, env, redis)
        lags = []
        for _ in range(min(args.samples, len(unused))):
            a, b, sid, when = unused.pop()
            while when < now + dt.timedelta(days=1):
                when += dt.timedelta(weeks=1)
            t0 = time.monotonic()
            occurrence = org.decline(a, b, sid, when)
            awaited = f"{org.name}: the proposal on {occurrence} ({n_workers} worker(s))"
            wait_for(
                partial(landed, org, occurrence), what=partial(stuck, awaited, org, redis, ctx.push)
            )
            lags.append(time.monotonic() - t0)
            wait_for(quiet())
        q = statistics.quantiles(lags, n=20)
        p95s[n_workers] = q[18]
        say(
            f"change to write, {n_workers} worker(s): p50 {q[9]:.2f} s,"
            f" p95 {q[18]:.2f} s ({len(lags)} changes)"
        )
        stop(workers)

    # Pairs per second per worker (every pair planned and applied, nothing to write).
    workers = start_workers(1, config, env, redis)
    t0 = time.monotonic()
    pairs = jobs.plan_all(str(config))
    done = quiet()
    wait_for(done, timeout=600)
    rate = pairs / (done.since - t0)
    say(
        f"plan+apply: {pairs} pairs in {pairs / rate:.2f} s with 1 worker:"
        f" {rate:.1f} pairs/s/worker"
    )

    # API calls per idle calendar per hour in the steady state.
    def cost(run: Callable[[], object]) -> int:
        before = state.count_calls()
        run()
        wait_for(quiet(), timeout=600)
        return state.count_calls() - before

    calendars = len(emails)
    pull = cost(lambda: jobs.pull_all(str(config))) / calendars
    sweep = cost(lambda: jobs.sweep(str(config))) / calendars
    daily = cost(lambda: jobs.plan_all(str(config))) / calendars
    stop(workers)
    channel_hours = CHANNEL_TTL[org.name].total_seconds() / 3600 - 2 * SCHEDULE["renew_hours"]
    per_hour = (
        pull * 60 / SCHEDULE["pull_minutes"]
        + sweep * 60 / SCHEDULE["push_sweep_minutes"]
        + daily * 2 / 24  # agenda hour and overdue hour
        + org.renewal_calls / channel_hours  # renewed two renewal periods before it lapses
    )
    say(
        f"idle calendar: {pull:.1f} calls per pull, {sweep:.1f} per sweep, {daily:.1f} per daily"
        f" pass -> {per_hour:.1f} calls/h (pull every {SCHEDULE['pull_minutes']} min,"
        f" sweep every {SCHEDULE['push_sweep_minutes']} min)"
    )
    counters = ctx.push.counters()
    say("counters: " + ", ".join(f"{k}={v}" for k, v in sorted(counters.items())))
    for line in org.notes():
        say(line)
    server.should_exit = True
    web.join(timeout=10)
    forget()
    org.sandbox.stop()
    return Figures(p95s[1], p95s[4], rate, per_hour)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provider", choices=["google", "microsoft", "both"], default="both")
    parser.add_argument("--people", type=int, default=32)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    from syncer.logging import configure_logging

    configure_logging(json=False, level="error")
    tmp = Path(tempfile.mkdtemp(prefix="syncer-bench-service-"))
    embedded = not os.environ.get("REDIS_URL")
    redis_url = os.environ.get("REDIS_URL") or ensure_embedded(tmp / "data")
    os.environ["REDIS_URL"] = redis_url  # the in-process jobs find the same Redis
    env = {**os.environ, "REDIS_URL": redis_url}
    tls = ensure_tls_files(tmp / "tls")
    names = ["google", "microsoft"] if args.provider == "both" else [args.provider]
    try:
        runs = [measure(ORGS[name](tls), args, tmp, env) for name in names]
    finally:
        stop([p for p in STARTED if p.poll() is None])
        if embedded:
            stop_embedded(tmp / "data")
    worst = Figures.worst(runs)
    print(
        f"service: p95 {worst.p95_one:.2f} s (1 worker), p95 {worst.p95_four:.2f} s (4 workers), "
        f"{worst.pairs_per_s:.1f} pairs/s/worker, {worst.calls_per_hour:.1f} calls/idle calendar/h"
    )


if __name__ == "__main__":
    main()
