"""The simulated clock seam: off unless SYNCER_SIMULATED_CLOCK is set, then read from Redis."""

from __future__ import annotations

import datetime as dt

import pytest
import redis as redis_lib

from syncer.errors import SyncerError
from syncer.store_clock import SIMULATED_CLOCK_VAR, SimulatedClock, service_clock, wall_clock


def test_without_the_variable_the_service_uses_the_wall_clock(
    redis_client: redis_lib.Redis, org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SIMULATED_CLOCK_VAR, raising=False)
    SimulatedClock(redis_client, org).set(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert service_clock(redis_client, org) is wall_clock


def test_with_the_variable_every_process_reads_the_time_the_simulation_set(
    redis_client: redis_lib.Redis, org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SIMULATED_CLOCK_VAR, "1")
    clock = service_clock(redis_client, org)
    berlin = dt.timezone(dt.timedelta(hours=1))
    SimulatedClock(redis_client, org).set(dt.datetime(2026, 11, 25, 13, tzinfo=berlin))
    assert clock() == dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    SimulatedClock(redis_client, org).set(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert clock() == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_a_simulated_clock_nobody_set_fails_loudly_instead_of_using_wall_time(
    redis_client: redis_lib.Redis, org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SIMULATED_CLOCK_VAR, "1")
    with pytest.raises(SyncerError, match=SIMULATED_CLOCK_VAR):
        service_clock(redis_client, org)()
    with pytest.raises(ValueError):
        SimulatedClock(redis_client, org).set(dt.datetime(2026, 1, 1))
