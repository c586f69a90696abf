"""Google sync at org scale, against the emulator with a fixed latency per API call.

An emulated org of N people (default 1,000) with E events each (default 200: one weekly 1:1
per pair, the rest ordinary meetings and focus time), every call delayed by 20 ms. Prints:
- the initial sync: wall time and API calls against the minimum (one list page per 2,500
  events per calendar, plus one token per person);
- one changed event afterwards (a person declines an occurrence): the calls and the time to
  get the write landed, first as a push would trigger it (pull that one calendar, plan, apply),
  then as the periodic sweep finds it (an incremental pull of every calendar).
The last line: `google_sync: <s> s initial, <calls> calls (min <m>), <s> s to write a change`.
Run: `python benchmarks/google_sync.py [--people N] [--events E] [--latency-ms L]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from syncer.config import load_config
from syncer.engine import Engine
from syncer.engine.providers import build_providers
from syncer.logging import configure_logging
from syncer.redis_server import connect
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import ensure_tls_files
from syncer.store import Store

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
FIRST = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def seed(state: GoogleState, people: int, events: int) -> list[tuple[str, str]]:
    emails = [f"p{i}@bench.test" for i in range(people)]
    for i, email in enumerate(emails):
        state.add_person(email, f"Person {i}", time_zone="Europe/Berlin")
    pairs = []
    for k in range(0, people - 1, 2):
        a, b = emails[k], emails[k + 1]
        start = FIRST + dt.timedelta(days=k % 5, hours=k % 7)
        pairs.append((a, state.create_one_on_one(a, b, start)))
    # Fill every calendar up to `events` with single meetings and focus time (not 1:1s).
    for i, email in enumerate(emails):
        for j in range(events - 1):
            start = FIRST + dt.timedelta(days=j // 3, hours=9 + j % 3 * 2)
            body = {
                "summary": f"Meeting {j}",
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + dt.timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "attendees": [{"email": email}, {"email": emails[(i + j + 2) % people]}]
                if j % 4
                else [],
            }
            if j % 10 == 0:
                body["eventType"] = "focusTime"
                body.pop("attendees")
            state.create_event(email, body, send_updates="none")
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    configure_logging(json=True, level="error")
    work = Path(tempfile.mkdtemp(prefix="syncer-bench-"))
    tls = ensure_tls_files(work / "tls")
    sandbox = GoogleSandbox(GoogleState("bench.test"), tls=tls)
    url = sandbox.start()
    state = sandbox.state
    state.clock.set(FIRST - dt.timedelta(days=7))
    t = time.perf_counter()
    pairs = seed(state, args.people, args.events)
    print(
        f"seeded {args.people} calendars x {args.events} events in {time.perf_counter() - t:.1f} s"
    )
    key = work / "sa.json"
    key.write_text(json.dumps(state.issue_service_account("syncer@bench.test")))
    people = "\n".join(
        f"  - {{email: p{i}@bench.test, provider: google}}" for i in range(args.people)
    )
    config_path = work / "bench.yaml"
    config_path.write_text(
        f"org: bench\ndomains: [bench.test]\ntimezone: Europe/Berlin\npeople:\n{people}\n"
        f"limits: {{max_writes_per_run: 100000}}\n"
        f"providers:\n  google:\n    service_account_file: {key}\n    api_endpoint: {url}\n"
        f"    ca_bundle: {tls.ca_cert}\n"
    )
    config = load_config(config_path)
    store = Store(connect(config.redis_url), "bench")
    store.wipe()
    providers, _ = build_providers(config)
    state.clock.set(NOW)
    engine = Engine(config, store, providers, clock=lambda: NOW)
    state.faults.latency = args.latency_ms / 1000
    state.reset_logs()

    t = time.perf_counter()
    summary = engine.sync_once()
    initial = time.perf_counter() - t
    calls = len(state.call_log)
    reads = sum(1 for c in state.call_log if c.method == "GET" and c.path.endswith("/events"))
    tokens = sum(1 for c in state.call_log if c.path.endswith("/token"))
    minimum = args.people * (-(-args.events // 2500)) + args.people
    print(
        f"initial sync: {initial:.1f} s, {calls} API calls ({reads} event list pages, {tokens} "
        f"tokens; minimum {minimum} for reads), {summary.apply.writes} writes, "
        f"{summary.pairs} pairs"
    )

    organizer, series = pairs[0]
    attendee = "p1@bench.test"
    # 10:00 Berlin on Tuesdays: 09:00 UTC in winter
    state.decline_instance(attendee, series, dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    state.reset_logs()
    t = time.perf_counter()
    pushed = engine.sync_once(calendars=[organizer, attendee])
    push_time = time.perf_counter() - t
    push_calls = len(state.call_log)
    print(
        f"one change, as a push triggers it: {push_time:.2f} s, {push_calls} API calls, "
        f"{pushed.apply.writes} writes"
    )
    state.reset_logs()
    t = time.perf_counter()
    swept = engine.sync_once()
    sweep_time = time.perf_counter() - t
    print(
        f"steady-state sweep: {sweep_time:.1f} s, {len(state.call_log)} API calls, "
        f"{swept.apply.writes} writes"
    )
    sandbox.stop()
    print(
        f"google_sync: {initial:.1f} s initial, {calls} calls (min {minimum}), "
        f"{push_time:.2f} s to write a change"
    )


if __name__ == "__main__":
    main()
