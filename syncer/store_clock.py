"""The simulated clock: a seam for simulations (`syncer demo`, e2e runs), off in production.

A simulation plays weeks in seconds, and the service it drives runs in several processes (the
web app, rq workers). They must all read the same simulated "now", so the simulation stores it
in Redis and every service process started with `SYNCER_SIMULATED_CLOCK=1` in its environment
reads its clock from there:

    syncer:{org}:simulated_now    string   ISO instant (UTC) the simulation set

Nothing here knows who sets the time (the demo sets it together with its emulators' clocks).
Without the variable the service uses the wall clock and never reads the key. With it and no
instant stored, reading the clock fails loudly rather than quietly falling back to wall time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

from redis import Redis

from syncer.errors import SyncerError
from syncer.store import Store, _text

SIMULATED_CLOCK_VAR = "SYNCER_SIMULATED_CLOCK"


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SimulatedClock:
    """One org's simulated time in Redis: `set` by the simulation, `now` by every process."""

    def __init__(self, redis: Redis, org: str) -> None:
        self.redis = redis
        self._key = Store(redis, org)._prefix + "simulated_now"  # validates `org` as Store does

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the simulated time must be an aware datetime")
        self.redis.set(self._key, moment.astimezone(UTC).isoformat())

    def now(self) -> datetime:
        raw = _text(self.redis.get(self._key))
        if raw is None:
            raise SyncerError(
                f"{SIMULATED_CLOCK_VAR} is set but no simulation has set the time "
                "(unset the variable to use the wall clock)"
            )
        return datetime.fromisoformat(raw)

    def clear(self) -> None:
        self.redis.delete(self._key)


def simulated() -> bool:
    """True when this process was started by a simulation (SYNCER_SIMULATED_CLOCK=1)."""
    return os.environ.get(SIMULATED_CLOCK_VAR, "").strip() not in ("", "0")


def service_clock(redis: Redis, org: str) -> Callable[[], datetime]:
    """The clock a service process gives its engine and providers: the wall clock, or the
    simulated one when SYNCER_SIMULATED_CLOCK is set."""
    return SimulatedClock(redis, org).now if simulated() else wall_clock
