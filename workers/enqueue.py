"""Enqueueing jobs: deterministic ids, one job per calendar / pair, priorities by queue.

Job ids come from (org, calendar) and (org, pair) so a burst of 50 notifications for one
calendar makes one pull job: rq 3's `unique=True` refuses a second job with an id that exists
(`DuplicateJobError`). Jobs are deleted when they succeed (`result_ttl=0`), so the id is free for
the next change; a failed or stopped job with the id is deleted before enqueueing anew.

A job that is already *running* cannot cover a change that arrives now (it may have read the
calendar already), so each id has a second slot (`-again`): the change queues there. With the
pending flag the pull job itself checks (engine.jobs.pull_one), nothing is lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Literal

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry

QUEUES = ("push", "default", "sweep")  # highest priority first: workers listen in this order
QueueName = Literal["push", "default", "sweep"]
SLOTS = ("", "-again")
JOB_TIMEOUT_S = 600
FAILURE_TTL_S = 7 * 86_400
RETRY = Retry(max=4, interval=[5, 30, 120, 600])
_DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

Enqueued = Literal["enqueued", "covered"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def job_id(kind: str, org: str, subject: str) -> str:
    """`pull-acme-<hash>`: rq allows only letters, digits, `_` and `-` in ids, and a hash keeps
    e-mail addresses out of job ids (they show in dashboards and logs)."""
    return f"{kind}-{_UNSAFE.sub('_', org)[:40]}-{_digest(org + '/' + subject)}"


def pull_job_id(org: str, calendar: str) -> str:
    return job_id("pull", org, calendar.lower())


def pair_job_id(org: str, pair_key: str) -> str:
    return job_id("pair", org, pair_key.lower())


def enqueue_unique(
    connection: Redis,
    queue_name: str,
    func: Callable[..., Any],
    args: Sequence[Any],
    base_id: str,
    *,
    delay: timedelta | None = None,
    kwargs: dict[str, Any] | None = None,
) -> Enqueued:
    """Enqueue `func(*args)` as `base_id` unless a job waiting to run already covers it.

    Returns "covered" when a queued/scheduled job with the id (or its second slot) exists."""
    queue = Queue(queue_name, connection=connection)
    for suffix in SLOTS:
        job_id_ = base_id + suffix
        for _ in range(3):
            options: dict[str, Any] = {
                "job_id": job_id_,
                "unique": True,
                "result_ttl": 0,
                "failure_ttl": FAILURE_TTL_S,
                "job_timeout": JOB_TIMEOUT_S,
                "retry": RETRY,
                "args": tuple(args),
                "kwargs": dict(kwargs or {}),
            }
            try:
                if delay is not None and delay.total_seconds() > 0:
                    queue.enqueue_in(delay, func, **options)
                else:
                    queue.enqueue(func, **options)
                return "enqueued"
            except DuplicateJobError:
                status = _status(connection, job_id_)
            if status is None:
                continue  # it finished meanwhile: try again
            if status in _DONE:
                _delete(connection, job_id_)
                continue
            if status == JobStatus.STARTED:
                break  # running: try the second slot
            return "covered"  # queued, scheduled, deferred: it will run after this change
    return "covered"  # both slots running: the pending flag makes the running pull look again


def _status(connection: Redis, job_id_: str) -> JobStatus | None:
    try:
        return Job.fetch(job_id_, connection=connection).get_status()
    except (NoSuchJobError, InvalidJobOperation):  # gone, or finished (result_ttl=0) meanwhile
        return None


def _delete(connection: Redis, job_id_: str) -> None:
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id_, connection=connection).delete()


def jobs_in_flight(connection: Redis) -> int:
    """Jobs queued, being handed to a worker, running, scheduled or deferred, on every queue:
    0 means the service has gone quiet (the demo, the fault suite and the benchmarks wait
    for it)."""
    total = 0
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        total += queue.count + int(connection.llen(queue.intermediate_queue_key))
        for registry in (StartedJobRegistry, ScheduledJobRegistry, DeferredJobRegistry):
            total += registry(queue=queue).count
    return total


def requeue_lost(connection: Redis, org: str, settle_s: float = 1.0) -> list[str]:
    """Put back `org`'s jobs that rq lost, and return their ids.

    A worker listening on several queues pops a job (BLPOP; rq keeps its intermediate queue
    only for a worker of one queue), records the job's execution in the started registry, forks
    its work horse, and the horse marks the job started. Killed before that last step, the job
    is queued by its status but in no queue: it never runs, and its id, still taken, makes
    `enqueue_unique` call every later change "covered". rq's own cleanup does not save it: it
    drops a started-registry entry whose job is not marked started without retrying the job
    (rq 3.0, `StartedJobRegistry.cleanup`). A job found so twice, `settle_s` apart (a live
    worker has marked it by then), is pushed back on its queue, and its stale started entries
    go, so rq's cleanup cannot later take the new run for an abandoned one. Only `org`'s jobs
    (its name is in their ids): rq's keys are shared by every org on the Redis, and another
    org's stale job is its own upkeep's to judge."""
    lost = _unlisted_queued(connection, org)
    if lost and settle_s > 0:
        time.sleep(settle_s)
        lost &= _unlisted_queued(connection, org)
    for job_id_ in sorted(lost):
        with contextlib.suppress(NoSuchJobError, InvalidJobOperation):
            job = Job.fetch(job_id_, connection=connection)
            if job.get_status() == JobStatus.QUEUED and job.origin in QUEUES:
                queue = Queue(job.origin, connection=connection)
                StartedJobRegistry(queue=queue).remove_executions(job)
                # At the front: it was next when it was popped.
                queue.enqueue_job(job, at_front=True)
    return sorted(lost)


def _unlisted_queued(connection: Redis, org: str) -> set[str]:
    """Ids of `org`'s jobs whose status is queued but that no queue lists, nor any registry
    but the started one (where a queued job is one whose worker died before it started)."""
    listed: set[str] = set()
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        listed.update(queue.get_job_ids(), queue.intermediate_queue.get_job_ids())
        for registry in (ScheduledJobRegistry, DeferredJobRegistry):
            listed.update(registry(queue=queue).get_job_ids(cleanup=False))
    found = set()
    for key in connection.scan_iter(match=f"rq:job:*-{_UNSAFE.sub('_', org)[:40]}-*", count=1000):
        job_id_ = key.decode() if isinstance(key, bytes) else str(key)
        job_id_ = job_id_.removeprefix("rq:job:")
        if ":" in job_id_ or job_id_ in listed:
            continue  # a job's sub-key (e.g. its dependents), or a job where it belongs
        if _status(connection, job_id_) == JobStatus.QUEUED:
            found.add(job_id_)
    return found
