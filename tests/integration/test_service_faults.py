"""Faults the service must survive: a worker killed mid-job, Redis losing everything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler

from syncer.core.blocks import BEGIN_MARKER
from syncer.sandbox.tls import TlsFiles
from tests.integration.google_org import ANA, BOB
from tests.integration.service_world import ServiceWorld, service_world, wait_for
from tests.integration.test_service_push import weekly_one_on_one
from workers import jobs
from workers.enqueue import QUEUES, jobs_in_flight


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, redis_url: str, org: str) -> Iterator[ServiceWorld]:
    with service_world(tmp_path, tls, redis_url, org) as world:
        yield world


def docs_created(world: ServiceWorld) -> int:
    return sum(1 for w in world.writes("POST") if w.path == "/files")


def idle(world: ServiceWorld) -> bool:
    return jobs_in_flight(world.redis) == 0


def abandoned_jobs_requeued(world: ServiceWorld) -> int:
    """What rq does once a dead worker's heartbeat and scheduler lock expired (90 s and 61 s
    after the kill): retry each abandoned job, let another worker schedule. The test does not
    wait for the expiry."""
    later = time.time() + 3600
    count = 0
    for name in QUEUES:
        registry = StartedJobRegistry(queue=world.queue(name))
        count += len(registry.get_job_ids(cleanup=False))
        registry.cleanup(timestamp=later)
        world.redis.delete(RQScheduler.get_locking_key(name))
    return count


def assert_one_doc_one_block(world: ServiceWorld, series: str) -> None:
    assert docs_created(world) == 1
    event = world.state.event(ANA, series)
    assert event.get("description", "").count(BEGIN_MARKER) == 1
    assert len(event.get("attachments", [])) == 1


@pytest.mark.parametrize(
    "kill_after_writes",
    [1, pytest.param(2, marks=pytest.mark.slow), pytest.param(4, marks=pytest.mark.slow)],
)
def test_a_worker_killed_mid_job_leaves_work_that_completes_once(
    world: ServiceWorld, kill_after_writes: int
) -> None:
    series, _ = weekly_one_on_one(world)
    world.state.faults.latency = 0.2  # slow enough to kill between two calls
    jobs.sweep(str(world.config_path))
    worker = world.start_worker()
    wait_for(lambda: len(world.writes()) >= kill_after_writes, timeout=60, what="the first writes")
    world.kill(worker)
    assert abandoned_jobs_requeued(world) == 1

    world.state.faults.latency = 0.0
    world.start_worker()
    wait_for(
        lambda: idle(world) and BEGIN_MARKER in world.state.event(ANA, series)["description"],
        timeout=60,
        what="the queues to drain and the block to land",
    )
    assert_one_doc_one_block(world, series)

    world.state.reset_logs()  # and one more full pass finds nothing to do
    jobs.sweep(str(world.config_path))
    world.work()
    assert [w for w in world.writes() if w.api != "token"] == []


def test_redis_flushed_while_running_the_next_sweep_rebuilds_without_duplicates(
    world: ServiceWorld,
) -> None:
    series, _ = weekly_one_on_one(world)
    jobs.sweep(str(world.config_path))
    world.work()
    assert_one_doc_one_block(world, series)
    before = world.state.event(ANA, series)

    world.store.wipe()  # every key of the org: cursors, snapshots, docs, pair state, channels
    for name in QUEUES:
        world.queue(name).empty()
    world.state.reset_logs()
    jobs.sweep(str(world.config_path))
    world.work()

    assert world.store.get_cursor(ANA) is not None and world.store.get_cursor(BOB) is not None
    assert docs_created(world) == 0  # the doc was found by its marker, not made again
    assert world.writes("PATCH") == []  # blocks and attachments were already right
    assert world.state.event(ANA, series)["description"] == before["description"]
    assert world.store.get_doc(f"{ANA}|{BOB}") is not None
