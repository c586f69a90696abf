"""The service end to end on the Google emulator: watch channels, webhooks, jobs, apply."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from syncer.core.blocks import BEGIN_MARKER
from syncer.sandbox.tls import TlsFiles
from tests.integration.google_org import ANA, BOB
from tests.integration.service_world import ServiceWorld, service_world, wait_for
from workers import jobs


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, redis_url: str, org: str) -> Iterator[ServiceWorld]:
    with service_world(tmp_path, tls, redis_url, org) as world:
        yield world


def weekly_one_on_one(world: ServiceWorld) -> tuple[str, dt.datetime]:
    """Ana and Bob, Mondays 15:00 UTC since six weeks ago; returns (series, next Monday)."""
    now = world.state.clock.now()
    monday = (now - timedelta(days=now.weekday() + 42)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    series = world.state.create_one_on_one(ANA, BOB, monday, time_zone="UTC")
    upcoming = monday + timedelta(weeks=7)
    while upcoming <= now + timedelta(days=1):
        upcoming += timedelta(weeks=1)
    return series, upcoming


def first_sync_with_channels(world: ServiceWorld) -> None:
    jobs.sweep(str(world.config_path))
    world.work()
    counts = jobs.renew(str(world.config_path))
    assert counts == {"created": 4}
    wait_for(
        lambda: (
            len(world.state.channels.deliveries) >= 4
            and all(d.status == 200 for d in world.state.channels.deliveries)
        ),
        what="the channels' sync messages to be accepted",
    )


def test_a_declined_occurrence_reaches_the_calendar_through_webhook_job_and_apply(
    world: ServiceWorld,
) -> None:
    series, upcoming = weekly_one_on_one(world)
    first_sync_with_channels(world)
    assert BEGIN_MARKER in world.state.event(ANA, series).get("description", "")
    world.state.reset_logs()
    world.start_worker()

    world.state.decline_instance(BOB, series, upcoming)

    instance = f"{series}_{upcoming.strftime('%Y%m%dT%H%M%SZ')}"
    wait_for(
        lambda: any(w.event_id == instance for w in world.writes("PATCH")),
        timeout=30,
        what="the proposal block written on the declined occurrence",
    )
    body = world.state.event(ANA, instance).get("description", "")
    assert "declined" in body
    assert all(d.status == 200 for d in world.state.channels.deliveries)
    counters = world.push.counters()
    assert counters.get("webhooks|google|accepted", 0) >= 1
    # The job records the lag after its writes return: wait for it, do not race it.
    wait_for(world.push.lags, timeout=10, what="the change-to-write latency to be recorded")


def test_fifty_notifications_for_one_calendar_make_one_pull_job(world: ServiceWorld) -> None:
    first_sync_with_channels(world)
    channel_id = world.push.current_channel(ANA)
    assert channel_id is not None
    record = world.push.get_channel(channel_id)
    assert record is not None
    statuses = [
        world.post(
            "/webhooks/google",
            {
                "X-Goog-Channel-ID": channel_id,
                "X-Goog-Channel-Token": record["token"],
                "X-Goog-Resource-ID": record["resource_id"],
                "X-Goog-Resource-State": "exists",
                "X-Goog-Message-Number": str(100 + n),
            },
        )
        for n in range(50)
    ]
    assert statuses == [200] * 50
    assert world.queue("push").count == 1
    assert world.queued() == 1


def test_a_channel_is_renewed_before_it_expires_and_the_old_one_stopped(
    world: ServiceWorld,
) -> None:
    first_sync_with_channels(world)
    old = world.push.current_channel(ANA)
    assert old is not None and old in world.state.channels.channels
    # Nothing to do while every channel lives longer than two renewal periods...
    assert set(jobs.renew(str(world.config_path))) == {"kept"}
    # ...and a channel closer to its end than that is replaced.
    world.state.clock.set(world.state.clock.now())
    record = world.push.get_channel(old)
    assert record is not None
    soon = dt.datetime.now(dt.UTC) + timedelta(hours=20)
    world.push.put_channel(ANA, old, {**record, "expiration": soon.isoformat()})
    assert jobs.renew(str(world.config_path)) == {"renewed": 1, "kept": 3}
    new = world.push.current_channel(ANA)
    assert new is not None and new != old
    assert new in world.state.channels.channels
    assert old not in world.state.channels.channels  # stopped at the emulator
    assert world.push.get_channel(old) is None  # and its late notifications are unknown


def test_no_public_url_means_no_channels(world: ServiceWorld) -> None:
    text = world.config_path.read_text()
    world.config_path.write_text(re.sub(r"public_url: '[^']*', ", "", text))
    assert jobs.renew(str(world.config_path)) == {"off": 4}
    assert world.state.channels.channels == {}


def test_the_scheduled_pull_skips_pushed_calendars_and_the_sweep_pulls_all(
    world: ServiceWorld,
) -> None:
    weekly_one_on_one(world)
    first_sync_with_channels(world)
    # Every calendar has a live channel: an idle calendar costs the scheduled pull nothing.
    assert jobs.pull_all(str(world.config_path)) == 0
    assert world.queued() == 0
    # The sweep is the safety net: it pulls every calendar all the same.
    assert jobs.sweep(str(world.config_path)) == 4
    assert world.queue("sweep").count >= 4


def test_a_full_resync_asked_while_a_pull_runs_is_done_by_that_pull(world: ServiceWorld) -> None:
    from syncer.engine import jobs as engine_jobs
    from workers.context import context

    weekly_one_on_one(world)
    jobs.sweep(str(world.config_path))
    world.work()
    engine = context(str(world.config_path)).engine
    lock = engine.store.calendar_lock(ANA, 60)
    assert lock.acquire(blocking=False, token=b"someone-else")
    # A `missed` arrives while another job holds Ana's calendar: the full pull is deferred...
    outcome = engine_jobs.pull_one(engine, ANA, token="resync-test", full=True)
    assert not outcome.pulled
    lock.release()
    # ...and not lost: the next pull of that calendar, whoever runs it, is a full one.
    again = engine_jobs.pull_one(engine, ANA, token="pull-test")
    assert again.pulled and again.full
