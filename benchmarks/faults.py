"""The fault suite at full size, on both emulators: prints trials, violations, calls, time.

Trials (tests/faults/trials.py, the code the tests run in their CI form):
- 412 races: 500 per provider (>= 1,000), a person editing inside and outside the managed
  block right after syncer's reads or writes;
- API faults: 20% of calls answered 429 (Retry-After), 500, 503 or dropped; calls <= 2x clean;
- expired sync tokens / delta links at random;
- Redis wiped mid-run, and the Redis server stopped mid-run and restarted;
- clock: runs across a DST change and a year boundary vs the pure core;
- through the real service (`syncer worker` processes on the simulated clock, a Redis of
  their own): 412 races with the workers' reads and writes, workers killed with SIGKILL at
  random points of their jobs (>= 100 kills in all), Redis flushed and restarted under
  running workers, 20% of API calls failing, sync tokens / delta links expiring at random
  moments under them (a full resync each time), and the clock trial through them.
Each trial's end is compared with a clean twin's. Last line:
`faults: <trials> trials, <violations> violations`.
Run: `python benchmarks/faults.py [--quick] [--seed N]`.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncer.redis_server import ensure_embedded, stop_embedded
from syncer.sandbox.tls import ensure_tls_files
from tests.faults.clock import clock_service_trial, clock_trial
from tests.faults.service_trials import (
    api_fault_service_trial,
    clean_service_run,
    cursor_service_trial,
    kill_trial,
    race_service_trials,
    redis_service_trial,
)
from tests.faults.trials import (
    Lab,
    Outcome,
    api_fault_trial,
    clean_run,
    cursor_trial,
    race_trials,
    redis_trial,
)
from tests.faults.worlds import PROVIDERS, ProviderKind

FULL = {"races": 500, "api": 10, "cursors": 10, "wipes": 10, "restarts": 5}
QUICK = {"races": 50, "api": 2, "cursors": 2, "wipes": 2, "restarts": 1}
# Service trials per provider: changes a person races (a trial where they did edit), stories
# of three kills each, Redis flushes, Redis restarts, stories with 20% of API calls failing,
# stories with cursors expiring (a trial per expiry that hit a live cursor), clock stories
# (a trial per moment).
SERVICE_FULL = {
    "races": 60,
    "kills": 20,
    "flushes": 3,
    "restarts": 3,
    "api": 5,
    "cursors": 10,
    "clock": 1,
}
SERVICE_QUICK = {
    "races": 6,
    "kills": 1,
    "flushes": 1,
    "restarts": 1,
    "api": 1,
    "cursors": 1,
    "clock": 1,
}


def _runs(
    lab: Lab, kind: ProviderKind, sizes: dict[str, int], rng: random.Random, clean: Any, calls: int
) -> dict[str, Callable[[], Outcome]]:
    return {
        "races": lambda: race_trials(lab, kind, sizes["races"], rng),
        "api": lambda: api_fault_trial(lab, kind, rng, clean, calls),
        "cursors": lambda: cursor_trial(lab, kind, rng, clean),
        "wipes": lambda: redis_trial(lab, kind, rng, clean, restart=False),
        "restarts": lambda: redis_trial(lab, kind, rng, clean, restart=True),
    }


def _service_runs(
    lab: Lab, kind: ProviderKind, sizes: dict[str, int], rng: random.Random, clean: Any
) -> dict[str, Callable[[], Outcome]]:
    return {
        "races": lambda: race_service_trials(lab, kind, sizes["races"], rng),
        "kills": lambda: kill_trial(lab, kind, rng, clean),
        "flushes": lambda: redis_service_trial(lab, kind, rng, clean, restart=False),
        "restarts": lambda: redis_service_trial(lab, kind, rng, clean, restart=True),
        "api": lambda: api_fault_service_trial(lab, kind, rng, clean),
        "cursors": lambda: cursor_service_trial(lab, kind, rng, clean),
        "clock": lambda: clock_service_trial(lab, kind),
    }


def _print(kind: str, name: str, outcome: Outcome, seconds: float) -> None:
    ratio = (
        f", {outcome.calls / max(1, outcome.clean_calls):.2f}x clean calls"
        if outcome.clean_calls
        else ""
    )
    print(
        f"  {kind} {name}: {outcome.trials} trials, {len(outcome.violations)} "
        f"violations, {outcome.calls} calls{ratio}, {seconds:.1f} s"
    )
    for line in outcome.violations[:3]:
        print(f"    {line[:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few minutes instead of the full run"
    )
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    sizes = QUICK if args.quick else FULL
    service_sizes = SERVICE_QUICK if args.quick else SERVICE_FULL
    rng = random.Random(args.seed)
    total = Outcome()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        lab = Lab(tmp, ensure_tls_files(tmp / "tls"), ensure_embedded(tmp / "redis"))
        try:
            for kind in PROVIDERS:
                clean, clean_calls = clean_run(lab, kind)
                print(f"{kind}: clean story {clean_calls} calls")
                runs = _runs(lab, kind, sizes, rng, clean, clean_calls)
                for name, run in runs.items():
                    started, outcome = time.monotonic(), Outcome()
                    for _ in range(1 if name == "races" else sizes[name]):
                        outcome.add(run())
                    _print(kind, name, outcome, time.monotonic() - started)
                    total.add(outcome)
                started = time.monotonic()
                outcome = clock_trial(lab, kind)
                _print(kind, "clock", outcome, time.monotonic() - started)
                total.add(outcome)
                service_clean = clean_service_run(lab, kind)
                print(f"{kind} service: clean story {service_clean[-1].calls} calls")
                runs = _service_runs(lab, kind, service_sizes, rng, service_clean)
                for name, run in runs.items():
                    started, outcome = time.monotonic(), Outcome()
                    for _ in range(1 if name == "races" else service_sizes[name]):
                        outcome.add(run())
                    _print(kind, f"service {name}", outcome, time.monotonic() - started)
                    total.add(outcome)
        finally:
            stop_embedded(tmp / "redis")
    print(f"faults: {total.trials} trials, {len(total.violations)} violations")
    return 0 if not total.violations else 1


if __name__ == "__main__":
    raise SystemExit(main())
