"""The service under load, against the Google emulator with a fixed latency per API call.

An org of N people in pairs (default 32: 16 weekly 1:1s), every call delayed by 50 ms, the web
app on a real port, channels opened for every calendar, real `syncer worker` processes. Prints:
- change-to-write latency: a person declines an occurrence; the emulator POSTs the webhook;
  pull job -> pair job -> the proposal lands as a PATCH. p50/p95 with 1 and with 4 workers;
- pairs per second per worker: every pair planned and applied (nothing to write) at once;
- API calls per idle calendar per hour in the steady state, from the measured cost of one
  scheduled pull, one sweep and one daily pass, at the config's schedule.
Last line: `service: p95 <s> s (1 worker), p95 <s> s (4 workers), <n> pairs/s/worker,
<n> calls/idle calendar/h`.
Run: `python benchmarks/service.py [--people N] [--samples K] [--latency-ms L]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rq import Queue

from syncer.redis_server import ensure_embedded
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import ensure_tls_files
from workers import jobs
from workers.context import context, forget
from workers.enqueue import QUEUES, jobs_in_flight

ROOT = Path(__file__).resolve().parents[1]
SCHEDULE = {"push_sweep_minutes": 1440, "pull_minutes": 15, "renew_hours": 12}  # push is on


def wait_for(check, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for {getattr(check, '__name__', 'a condition')}")


def config_text(key: Path, base_url: str, ca: Path, emails: list[str], port: int) -> str:
    people = "\n".join(
        f"  - {{email: {e}, name: P{i}, provider: google"
        + (f", manager: {emails[i - 1]}" if i % 2 else "")
        + "}"
        for i, e in enumerate(emails)
    )
    schedule = ", ".join(f"{k}: {v}" for k, v in SCHEDULE.items())
    return f"""
org: bench-service
domains: [bench.test]
timezone: UTC
people:
{people}
providers:
  google: {{service_account_file: {key}, api_endpoint: {base_url}, ca_bundle: {ca},
            service_account_email: syncer@bench.test}}
schedule: {{{schedule}}}
web: {{public_url: 'http://127.0.0.1:{port}', bind: '127.0.0.1:{port}'}}
"""


def start_workers(n: int, config: Path, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    argv = [sys.executable, "-m", "syncer.cli", "worker", "-c", str(config)]
    return [
        subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(n)
    ]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)


def idle(redis) -> bool:  # type: ignore[no-untyped-def]
    return jobs_in_flight(redis) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def landed(state: GoogleState, instance: str) -> bool:
    return any(w.event_id == instance and w.method == "PATCH" for w in state.write_log)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=32)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    import threading

    import uvicorn

    from syncer.logging import configure_logging
    from syncer.web import create_app

    configure_logging(json=False, level="error")
    tmp = Path(tempfile.mkdtemp(prefix="syncer-bench-service-"))
    redis_url = os.environ.get("REDIS_URL") or ensure_embedded(tmp / "data")
    os.environ["REDIS_URL"] = redis_url
    env = {**os.environ, "REDIS_URL": redis_url}

    sandbox = GoogleSandbox(GoogleState("bench.test"), tls=ensure_tls_files(tmp / "tls"))
    base_url = sandbox.start()
    state = sandbox.state
    now = dt.datetime.now(dt.UTC)
    state.clock.set(now)
    emails = [f"p{i}@bench.test" for i in range(args.people)]
    for i, e in enumerate(emails):
        state.add_person(e, f"P{i}", time_zone="UTC")
    first = (now - dt.timedelta(days=now.weekday() + 42)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    series = []
    for k in range(0, len(emails) - 1, 2):
        start = first + dt.timedelta(hours=k % 8)
        series.append(
            (
                emails[k],
                emails[k + 1],
                start,
                state.create_one_on_one(emails[k], emails[k + 1], start, time_zone="UTC"),
            )
        )
    key = tmp / "sa.json"
    key.write_text(json.dumps(state.issue_service_account("syncer@bench.test")))
    port = free_port()
    config = tmp / "syncer.yaml"
    config.write_text(
        config_text(key, base_url, ensure_tls_files(tmp / "tls").ca_cert, emails, port)
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="error")
    )
    threading.Thread(target=server.run, daemon=True).start()
    wait_for(lambda: server.started)
    ctx = context(str(config))
    redis = ctx.redis
    ctx.engine.store.wipe()
    for name in QUEUES:
        Queue(name, connection=redis).empty()
    state.faults.latency = args.latency_ms / 1000

    # Settle: first sync, channels.
    workers = start_workers(4, config, env)
    jobs.sweep(str(config))
    wait_for(lambda: idle(redis), timeout=600)
    print(f"settled: first sync done, channels {jobs.renew(str(config))}", flush=True)
    stop(workers)

    # Change-to-write latency, 1 and 4 workers: each change declines the next occurrence of a
    # pair not used before (a proposal is planned for occurrences within the reschedule window).
    p95s: dict[int, float] = {}
    unused = list(series)
    for n_workers in (1, 4):
        workers = start_workers(n_workers, config, env)
        time.sleep(1.5)  # workers importing; not part of the measurement
        lags = []
        for _ in range(min(args.samples, len(unused))):
            _, b, start, sid = unused.pop()
            when = start
            while when < now + dt.timedelta(days=1):
                when += dt.timedelta(weeks=1)
            instance = f"{sid}_{when.strftime('%Y%m%dT%H%M%SZ')}"
            t0 = time.monotonic()
            state.decline_instance(b, sid, when)
            wait_for(lambda i=instance: landed(state, i))
            lags.append(time.monotonic() - t0)
            wait_for(lambda: idle(redis))
        q = statistics.quantiles(lags, n=20)
        p95s[n_workers] = q[18]
        print(
            f"change to write, {n_workers} worker(s): p50 {q[9]:.2f} s,"
            f" p95 {q[18]:.2f} s ({len(lags)} changes)",
            flush=True,
        )
        stop(workers)

    # Pairs per second per worker (every pair planned and applied, nothing to write).
    workers = start_workers(1, config, env)
    time.sleep(1.5)
    t0 = time.monotonic()
    pairs = jobs.plan_all(str(config))
    wait_for(lambda: idle(redis), timeout=600)
    rate = pairs / (time.monotonic() - t0)
    print(
        f"plan+apply: {pairs} pairs in {pairs / rate:.2f} s with 1 worker:"
        f" {rate:.1f} pairs/s/worker"
    )

    # API calls per idle calendar per hour in the steady state.
    def cost(run) -> int:  # type: ignore[no-untyped-def]
        before = state.count_calls()
        run()
        wait_for(lambda: idle(redis), timeout=600)
        return state.count_calls() - before

    calendars = len(emails)
    pull = cost(lambda: jobs.pull_all(str(config))) / calendars
    sweep = cost(lambda: jobs.sweep(str(config))) / calendars
    daily = cost(lambda: jobs.plan_all(str(config))) / calendars
    stop(workers)
    per_hour = (
        pull * 60 / SCHEDULE["pull_minutes"]
        + sweep * 60 / SCHEDULE["push_sweep_minutes"]
        + daily * 2 / 24  # agenda hour and overdue hour
        + 2 / (7 * 24 - 2 * SCHEDULE["renew_hours"])  # watch + stop once per channel lifetime
    )
    print(
        f"idle calendar: {pull:.1f} calls per pull, {sweep:.1f} per sweep, {daily:.1f} per daily"
        f" pass -> {per_hour:.1f} calls/h (pull every {SCHEDULE['pull_minutes']} min,"
        f" sweep every {SCHEDULE['push_sweep_minutes']} min)"
    )
    counters = ctx.push.counters()
    print("counters: " + ", ".join(f"{k}={v}" for k, v in sorted(counters.items())))
    server.should_exit = True
    forget()
    sandbox.stop()
    print(
        f"service: p95 {p95s[1]:.2f} s (1 worker), p95 {p95s[4]:.2f} s (4 workers), "
        f"{rate:.1f} pairs/s/worker, {per_hour:.1f} calls/idle calendar/h"
    )


if __name__ == "__main__":
    main()
