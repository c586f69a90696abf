"""Microsoft 365 sync at org scale, against the Graph emulator with a fixed latency per call.

An emulated tenant of N mailboxes (default 1,000) with E events each (default 200: one weekly
1:1 per pair, the rest ordinary single events), every Graph call delayed by 20 ms, msal over
HTTPS as in production. Prints:
- the initial sync: wall time and API calls against the minimum (one calendarView/delta page
  per 200 items per mailbox, one series-master read per 1:1 copy, one token);
- the steady state: an incremental sweep of every mailbox (delta links only);
- one changed event afterwards (an attendee declines an occurrence): the calls and the time to
  get the write landed, first as a push would trigger it (pull those two mailboxes, plan,
  apply), then as the periodic sweep finds it (an incremental pull of every mailbox).
The last line: `graph_sync: <s> s initial, <calls> calls (min <m>), <s> s to write a change`.
Run: `python benchmarks/graph_sync.py [--people N] [--events E] [--latency-ms L]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from syncer.config import load_config
from syncer.engine import Engine
from syncer.engine.providers import build_providers
from syncer.logging import configure_logging
from syncer.redis_server import connect
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import ensure_tls_files
from syncer.store import Store

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
FIRST = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
PAGE = 200  # the provider's odata.maxpagesize


def seed(state: GraphState, people: int, events: int) -> list[tuple[str, str, str]]:
    """(organiser, attendee, series id) per 1:1; then single events up to `events` each."""
    emails = [f"p{i}@bench.test" for i in range(people)]
    for i, email in enumerate(emails):
        state.add_person(email, f"Person {i}", time_zone="Europe/Berlin")
    pairs = []
    for k in range(0, people - 1, 2):
        a, b = emails[k], emails[k + 1]
        start = FIRST + dt.timedelta(days=k % 5, hours=k % 7)
        pairs.append((a, b, state.create_one_on_one(a, b, start)))
    for email in emails:
        for j in range(events - 1):
            start = FIRST + dt.timedelta(days=j // 3, hours=9 + j % 3 * 2)
            end = start + dt.timedelta(hours=1)
            state.create_event(
                email,
                {
                    "subject": f"Meeting {j}",
                    "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                    "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                    "showAs": "busy",
                },
            )
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
    sandbox = GraphSandbox(GraphState("bench.test"), tls=tls)
    url = sandbox.start()
    state = sandbox.state
    state.clock.set(FIRST - dt.timedelta(days=7))
    t = time.perf_counter()
    pairs = seed(state, args.people, args.events)
    print(
        f"seeded {args.people} mailboxes x {args.events} events in {time.perf_counter() - t:.1f} s"
    )
    client_id, secret = state.register_app()
    people = "\n".join(
        f"  - {{email: p{i}@bench.test, provider: microsoft}}" for i in range(args.people)
    )
    config_path = work / "bench.yaml"
    config_path.write_text(
        f"org: bench-graph\ndomains: [bench.test]\ntimezone: Europe/Berlin\npeople:\n{people}\n"
        f"limits: {{max_writes_per_run: 100000}}\n"
        f"providers:\n  microsoft:\n    tenant_id: {state.tenant_id}\n"
        f"    client_id: {client_id}\n    client_secret: {secret}\n"
        f"    authority: {sandbox.authority}\n    graph_endpoint: {url}/v1.0\n"
        f"    ca_bundle: {tls.ca_cert}\n"
    )
    config = load_config(config_path)
    store = Store(connect(config.redis_url), "bench-graph")
    store.wipe()
    clock = [NOW]
    providers, _ = build_providers(config, clock=lambda: clock[0])
    state.clock.set(NOW)
    engine = Engine(config, store, providers, clock=lambda: clock[0])
    state.faults.latency = args.latency_ms / 1000
    state.reset_logs()

    t = time.perf_counter()
    summary = engine.sync_once()
    initial = time.perf_counter() - t
    graph_calls = [c for c in state.call_log if c.mailbox is not None]
    calls = len(state.call_log)
    pages = sum(1 for c in graph_calls if "/calendarView/delta" in c.path)
    masters = sum(1 for c in graph_calls if c.method == "GET" and "/events/" in c.path)
    tokens = sum(1 for c in state.call_log if c.path.endswith("/token"))
    items = args.events + 1  # own events plus the other person's 1:1 copy, roughly
    minimum = args.people * (-(-items // PAGE)) + 2 * len(pairs) + 1
    print(
        f"initial sync: {initial:.1f} s, {calls} API calls ({pages} delta pages, {masters} "
        f"event reads, {tokens} tokens; minimum {minimum} for reads), "
        f"{summary.apply.writes} writes, {summary.pairs} pairs"
    )
    mails = sum(1 for m in state.mail_log if m.kind == "update")
    print(f"update mails sent by organiser writes: {mails} (one per pair: {len(pairs)})")

    state.reset_logs()
    t = time.perf_counter()
    quiet = engine.sync_once()
    print(
        f"steady-state sweep: {time.perf_counter() - t:.1f} s, {len(state.call_log)} API calls, "
        f"{quiet.apply.writes} writes, {len(state.mail_log)} mails"
    )

    # An attendee declines next week's occurrence. The 1:1s keep Berlin wall-clock time, so
    # pair 0's Tuesday 10:00 (08:00 UTC in September) is 09:00 UTC in December.
    organizer, attendee, series = pairs[0]
    state.decline_occurrence(attendee, series, dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    state.reset_logs()
    t = time.perf_counter()
    pushed = engine.sync_once(calendars=[organizer, attendee])
    push_time = time.perf_counter() - t
    print(
        f"one change, as a push triggers it: {push_time:.2f} s, {len(state.call_log)} API calls, "
        f"{pushed.apply.writes} writes, "
        f"{sum(1 for m in state.mail_log if m.kind == 'update')} update mails"
    )
    # Another pair's change (pair 1: Thursday 12:00 Berlin), found by the sweep instead.
    _, attendee, series = pairs[1 % len(pairs)]
    state.decline_occurrence(attendee, series, dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC))
    state.reset_logs()
    t = time.perf_counter()
    swept = engine.sync_once()
    sweep_time = time.perf_counter() - t
    print(
        f"one change, as the sweep finds it: {sweep_time:.1f} s, {len(state.call_log)} API "
        f"calls, {swept.apply.writes} writes"
    )
    sandbox.stop()
    print(
        f"graph_sync: {initial:.1f} s initial, {calls} calls (min {minimum}), "
        f"{push_time:.2f} s to write a change"
    )


if __name__ == "__main__":
    main()
