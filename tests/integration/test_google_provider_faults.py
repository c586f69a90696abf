"""The Google provider when Google misbehaves: rate limits, 5xx, dropped connections, bad items.

Retries sleep into `world.sleeps` (a list), so the suite never waits and can check the delays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import structlog

from syncer.core.model import SeriesChanged
from syncer.errors import ProviderError
from syncer.sandbox.google import FaultRule
from syncer.sandbox.tls import TlsFiles
from tests.contract.google_world import ALICE, BOB, GoogleWorld, google_world

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EVENTS = r"/calendars/[^/]+/events$"


@pytest.fixture
def world(tls: TlsFiles) -> Iterator[GoogleWorld]:
    with google_world(tls) as made:
        made.seed_weekly_one_on_one(ALICE, BOB, FIRST)
        yield made


def pulled_series(world: GoogleWorld, **options: object) -> tuple[int, int]:
    provider = world.provider(**options)
    result = provider.pull(ALICE, None)
    return len([c for c in result.changes if isinstance(c, SeriesChanged)]), result.calls


def test_429_with_retry_after_is_waited_out_and_succeeds(world: GoogleWorld) -> None:
    world.state.faults.add(FaultRule("too_many_requests", times=2, path=EVENTS, retry_after=3))
    found, calls = pulled_series(world)
    assert found == 1 and calls == 3
    assert world.sleeps == [3.0, 3.0]


@pytest.mark.parametrize("kind", ["rate_limit", "user_rate_limit"])
def test_403_rate_limits_are_retried_with_backoff(world: GoogleWorld, kind: str) -> None:
    world.state.faults.add(FaultRule(kind, times=2, path=EVENTS))  # type: ignore[arg-type]
    found, calls = pulled_series(world, base_delay=0.1)
    assert found == 1 and calls == 3
    assert 0.05 <= world.sleeps[0] <= 0.1 and 0.1 <= world.sleeps[1] <= 0.2


def test_503s_and_500s_are_retried_and_succeed(world: GoogleWorld) -> None:
    world.state.faults.add(FaultRule("unavailable", times=2, path=EVENTS))
    world.state.faults.add(FaultRule("server_error", times=1, path=EVENTS))
    found, calls = pulled_series(world)
    assert found == 1 and calls == 4 and len(world.sleeps) == 3


def test_dropped_connections_are_retried(world: GoogleWorld) -> None:
    # httplib2 silently retries a drop once, so two drops reach the provider as one failure.
    world.state.faults.add(FaultRule("drop", times=2, path=EVENTS))
    found, calls = pulled_series(world)
    assert found == 1 and calls == 2


def test_persistent_5xx_gives_up_with_a_retryable_error(world: GoogleWorld) -> None:
    world.state.faults.add(FaultRule("unavailable", times=None, path=EVENTS))
    provider = world.provider(max_attempts=3)
    with pytest.raises(ProviderError) as caught:
        provider.pull(ALICE, None)
    assert caught.value.retryable and caught.value.status == 503
    assert provider.calls == 3


def test_long_retry_after_is_handed_to_the_job_layer_at_once(world: GoogleWorld) -> None:
    world.state.faults.add(FaultRule("too_many_requests", times=1, path=EVENTS, retry_after=600))
    provider = world.provider(max_delay=30)
    with pytest.raises(ProviderError) as caught:
        provider.pull(ALICE, None)
    assert caught.value.retry_after == 600 and caught.value.retryable
    assert world.sleeps == [] and provider.calls == 1


def test_token_is_fetched_once_per_person_not_per_call(world: GoogleWorld) -> None:
    provider = world.provider()
    world.state.reset_logs()
    for _ in range(3):
        provider.pull(ALICE, None)
        provider.pull(BOB, None)
    assert world.state.count_calls("POST", "/token") == 2


def broken_event(event_id: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "calendar#event",
        "id": event_id,
        "iCalUID": f"{event_id}@google.com",
        "status": "confirmed",
        "summary": "Salary talk",
        "description": "SECRET body text",
        "organizer": {"email": ALICE},
        "end": {"dateTime": "2026-01-06T10:00:00Z"},
    }
    body.update(fields)
    return body


def plant(world: GoogleWorld, body: dict[str, object]) -> None:
    """Store an item the emulator's API would refuse: what a misbehaving backend could send."""
    calendars = world.state.calendars
    with world.state.lock:
        calendars.put(calendars.get(ALICE), body)


def only_skip_entry(logs: list[dict[str, object]]) -> dict[str, object]:
    (entry,) = [e for e in logs if e["event"] == "pull.item_skipped"]
    assert "SECRET" not in repr(logs) and "Salary" not in repr(logs)
    return entry


def test_item_without_start_is_skipped_and_logged_by_id_only(world: GoogleWorld) -> None:
    plant(world, broken_event("nostart0item1"))
    provider = world.provider()
    with structlog.testing.capture_logs() as logs:
        result = provider.pull(ALICE, None)
    assert result.skipped == 1
    assert len([c for c in result.changes if isinstance(c, SeriesChanged)]) == 1
    entry = only_skip_entry(logs)
    assert entry["event_id"] == "nostart0item1" and entry["calendar"] == ALICE
    assert entry["log_level"] == "warning" and entry["reason"]


def test_item_with_a_bad_datetime_is_skipped_and_the_pull_goes_on(world: GoogleWorld) -> None:
    provider = world.provider()
    cursor = provider.pull(ALICE, None).cursor
    plant(world, broken_event("baddate0item1", start={"dateTime": "2026-13-45T99:00:00Z"}))
    good = world.add_busy(ALICE, FIRST.replace(day=7), FIRST.replace(day=7, hour=10))
    with structlog.testing.capture_logs() as logs:
        result = provider.pull(ALICE, cursor)
    assert result.skipped == 1 and result.cursor
    assert [c.series.event_id for c in result.changes if isinstance(c, SeriesChanged)] == [good]
    assert only_skip_entry(logs)["event_id"] == "baddate0item1"
