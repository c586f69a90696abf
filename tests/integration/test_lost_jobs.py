"""Jobs rq loses when a worker is killed between popping a job and recording it as started
(it listens on several queues, so rq keeps no intermediate queue): `requeue_lost` puts them
back, and leaves every job that is where it belongs alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from workers import jobs
from workers.enqueue import enqueue_unique, requeue_lost


@pytest.fixture
def client(redis_url: str) -> Iterator[redis_lib.Redis]:
    connection = redis_lib.Redis.from_url(redis_url)
    made: list[str] = []
    connection.made = made  # type: ignore[attr-defined]
    yield connection
    for job_id in made:
        Queue("default", connection=connection).remove(job_id)
        connection.zrem(StartedJobRegistry("default", connection=connection).key, f"{job_id}:1")
        if Job.exists(job_id, connection=connection):
            Job.fetch(job_id, connection=connection).delete()
    connection.close()


def _job(client: redis_lib.Redis, org: str = "test") -> str:
    base = f"lost-{org}-{uuid.uuid4().hex[:12]}"
    assert enqueue_unique(client, "default", jobs.pull, ("/nowhere.yaml", "a@x.test"), base)
    client.made.append(base)  # type: ignore[attr-defined]
    return base


def test_a_job_popped_by_a_killed_worker_is_put_back_on_its_queue(
    client: redis_lib.Redis,
) -> None:
    job_id = _job(client)
    queue = Queue("default", connection=client)
    client.lrem(queue.key, 0, job_id)  # what BLPOP did, before the worker died
    # Lost, its id still blocks the next change: it counts as waiting to run.
    assert enqueue_unique(client, "default", jobs.pull, ("/nowhere.yaml", "a@x.test"), job_id)
    assert job_id not in queue.get_job_ids()
    assert job_id in requeue_lost(client, "test", settle_s=0)
    assert job_id in queue.get_job_ids()
    assert job_id not in requeue_lost(client, "test", settle_s=0)  # back where it belongs


def test_queued_and_started_jobs_are_left_alone(client: redis_lib.Redis) -> None:
    waiting, running = _job(client), _job(client)
    queue = Queue("default", connection=client)
    client.lrem(queue.key, 0, running)
    # A worker runs it (rq 3 keys the registry by "<job id>:<execution id>").
    client.zadd(StartedJobRegistry("default", connection=client).key, {f"{running}:1": 2**40})
    found = requeue_lost(client, "test", settle_s=0)
    assert waiting not in found and running not in found
    assert queue.get_job_ids().count(waiting) == 1 and running not in queue.get_job_ids()


def test_another_orgs_lost_job_is_left_to_its_own_upkeep(client: redis_lib.Redis) -> None:
    """rq's keys are shared by every org on one Redis: an old job of an org whose service is
    gone must not be run by this org's workers."""
    theirs = _job(client, org="other")
    client.lrem(Queue("default", connection=client).key, 0, theirs)
    assert theirs not in requeue_lost(client, "test", settle_s=0)
    assert theirs in requeue_lost(client, "other", settle_s=0)
