"""Jobs rq loses when a worker is killed between popping a job and its work horse marking it
started (it listens on several queues, so rq keeps no intermediate queue; and rq's cleanup
drops a started entry whose job was never marked started): `requeue_lost` puts them back, and
leaves every job that is where it belongs alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis as redis_lib
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from workers import jobs
from workers.enqueue import enqueue_unique, requeue_lost


@pytest.fixture
def client(redis_url: str) -> Iterator[redis_lib.Redis]:
    connection = redis_lib.Redis.from_url(redis_url)
    made: list[str] = []
    connection.made = made  # type: ignore[attr-defined]
    yield connection
    started = StartedJobRegistry("default", connection=connection)
    for job_id in made:
        Queue("default", connection=connection).remove(job_id)
        if Job.exists(job_id, connection=connection):
            job = Job.fetch(job_id, connection=connection)
            started.remove_executions(job)
            job.delete()
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


def test_a_job_whose_worker_died_before_its_horse_started_it_is_put_back(
    client: redis_lib.Redis,
) -> None:
    """rq's worker records the execution (the started registry) and forks; the horse marks
    the job started. Killed in between, the job is queued in no queue, and rq's cleanup of the
    started registry drops the entry without retrying it (seen in the fault suite)."""
    job_id = _job(client)
    queue = Queue("default", connection=client)
    registry = StartedJobRegistry(queue=queue)
    client.lrem(queue.key, 0, job_id)  # BLPOP
    Worker([queue], connection=client).prepare_execution(queue.fetch_job(job_id))
    assert job_id in registry.get_job_ids(cleanup=False)
    assert queue.fetch_job(job_id).get_status() == JobStatus.QUEUED

    assert job_id in requeue_lost(client, "test", settle_s=0)
    assert job_id in queue.get_job_ids()
    # Its stale entry is gone, so rq's cleanup cannot take a later run for an abandoned one.
    assert job_id not in registry.get_job_ids(cleanup=False)
    assert job_id not in requeue_lost(client, "test", settle_s=0)


def test_rq_cleanup_alone_drops_such_a_job(client: redis_lib.Redis) -> None:
    """Why requeue_lost must look at the started registry: rq 3.0's cleanup neither retries
    nor fails a job its dead worker had not marked started; it only removes the entry."""
    job_id = _job(client)
    queue = Queue("default", connection=client)
    client.lrem(queue.key, 0, job_id)
    Worker([queue], connection=client).prepare_execution(queue.fetch_job(job_id))
    StartedJobRegistry(queue=queue).cleanup(timestamp=2**40)
    assert job_id not in queue.get_job_ids()
    assert queue.fetch_job(job_id).get_status() == JobStatus.QUEUED  # lost, blocking its id
    assert job_id in requeue_lost(client, "test", settle_s=0)
    assert job_id in queue.get_job_ids()


def test_queued_and_started_jobs_are_left_alone(client: redis_lib.Redis) -> None:
    waiting, running = _job(client), _job(client)
    queue = Queue("default", connection=client)
    client.lrem(queue.key, 0, running)
    # A worker runs it: its execution is recorded and its horse marked it started.
    job = queue.fetch_job(running)
    Worker([queue], connection=client).prepare_execution(job)
    job.set_status(JobStatus.STARTED)
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
