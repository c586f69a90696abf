"""RQ job functions: thin, importable, each one call into `syncer.engine.jobs` or `.push`.

Every job takes the config file's path first and is safe to run twice or to be killed at any
point (see engine.jobs). Retryable provider errors raise, so rq's `Retry` backs off; when the
vendor asked for a long `Retry-After`, the job re-enqueues itself for then instead of
occupying a worker while it waits. Non-retryable errors are counted and logged, not retried.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from rq import get_current_job

from syncer.engine import jobs as engine_jobs
from syncer.engine import push as engine_push
from syncer.errors import ProviderError
from workers.context import Context, context
from workers.enqueue import enqueue_unique, pair_job_id, pull_job_id, requeue_lost

INLINE_RETRY_AFTER_S = 30.0  # longer Retry-After: re-enqueue for later, free the worker


def _job_id(default: str) -> str:
    job = get_current_job()
    return job.id if job is not None else default


def _pull_id(ctx: Context, calendar: str) -> str:
    return pull_job_id(ctx.config.org, calendar)


def _enqueue_pair(
    ctx: Context,
    queue: str,
    key: str,
    notified_at: float | None,
    delay: timedelta | None = None,
) -> None:
    job_id = pair_job_id(ctx.config.org, key)
    args = (ctx.config_path, [key], notified_at)
    enqueue_unique(ctx.redis, queue, pairs, args, job_id, delay=delay)


@contextmanager
def _counting_calls(ctx: Context) -> Iterator[None]:
    """Count the API calls (retries included) the job made, per provider."""
    before = {name: int(getattr(p, "calls", 0)) for name, p in ctx.engine.providers.items()}
    try:
        yield
    finally:
        for name, provider in ctx.engine.providers.items():
            ctx.push.count(f"api_calls|{name}", int(getattr(provider, "calls", 0)) - before[name])


def _provider_failed(ctx: Context, err: ProviderError, retry: tuple[Any, ...]) -> None:
    """Count, then re-raise (rq retries) or re-enqueue for after a long Retry-After."""
    kind = "retryable" if err.retryable else "fatal"
    ctx.push.count(f"api_errors|{err.provider}|{kind}")
    if not err.retryable:
        return
    if err.retry_after is not None and err.retry_after > INLINE_RETRY_AFTER_S:
        func, args, base_id = retry
        enqueue_unique(
            ctx.redis,
            "default",
            func,
            args,
            base_id + "-later",
            delay=timedelta(seconds=err.retry_after),
        )
        return
    raise err


# --------------------------------------------------------------------------------------------
# Per calendar and per pair


def pull(
    config_path: str, calendar: str, full: bool = False, notified_at: float | None = None
) -> dict[str, Any]:
    """Pull one calendar; then plan and apply the pairs it touched (a job on the same queue)."""
    ctx = context(config_path)
    base_id = pull_job_id(ctx.config.org, calendar)
    try:
        with _counting_calls(ctx):
            outcome = engine_jobs.pull_one(ctx.engine, calendar, token=_job_id(base_id), full=full)
    except ProviderError as err:
        ctx.push.count("jobs|pull|error")
        _provider_failed(ctx, err, (pull, (config_path, calendar, full, notified_at), base_id))
        return {"calendar": calendar, "error": str(err)}
    ctx.push.count("jobs|pull|ok" if outcome.pulled else "jobs|pull|deferred")
    job = get_current_job()
    queue = job.origin if job is not None else "default"
    for key in outcome.pairs:
        enqueue_unique(
            ctx.redis,
            queue,
            pairs,
            (config_path, [key], notified_at),
            pair_job_id(ctx.config.org, key),
        )
    return {"calendar": calendar, "changed": outcome.changed, "pairs": len(outcome.pairs)}


def pairs(
    config_path: str, pair_keys: list[str], notified_at: float | None = None
) -> dict[str, Any]:
    """Plan and apply these pairs. Failed writes (already logged by the applier) make the job
    fail so rq retries it: every action is idempotent."""
    ctx = context(config_path)
    base_id = pair_job_id(ctx.config.org, pair_keys[0]) if len(pair_keys) == 1 else "pairs"
    try:
        with _counting_calls(ctx):
            outcome = engine_jobs.apply_pairs(ctx.engine, pair_keys, token=_job_id(base_id))
    except ProviderError as err:
        ctx.push.count("jobs|pair|error")
        _provider_failed(ctx, err, (pairs, (config_path, pair_keys, notified_at), base_id))
        return {"error": str(err)}
    stats = outcome.apply
    for kind, n in stats.by_kind.items():
        ctx.push.count(f"writes|{kind}", n)
    ctx.push.count("proposals", outcome.proposals)
    if stats.writes and notified_at is not None:
        ctx.push.add_lag(max(0.0, time.time() - notified_at))
    for key in outcome.busy:  # another job holds the lock: come back when it is done
        _enqueue_pair(ctx, "default", key, notified_at, delay=timedelta(seconds=5))
    if stats.gone:  # a write target vanished: re-read those calendars (in full) right away
        for calendar in sorted({who for key in pair_keys for who in key.split("|", 1)}):
            if calendar in ctx.engine.people:
                enqueue_unique(
                    ctx.redis,
                    "default",
                    pull,
                    (config_path, calendar, False),
                    pull_job_id(ctx.config.org, calendar),
                )
    if stats.failed:
        ctx.push.count("jobs|pair|error")
    if stats.retryable_failures:
        raise RuntimeError(f"{stats.retryable_failures} write(s) failed; retrying the pair")
    ctx.push.count("jobs|pair|ok")
    return {"pairs": outcome.pairs, "writes": stats.writes, "busy": len(outcome.busy)}


# --------------------------------------------------------------------------------------------
# Push channels


def renew(config_path: str, calendar: str | None = None, force: bool = False) -> dict[str, int]:
    """Open or renew push channels (every calendar, or one; `force` replaces it)."""
    ctx = context(config_path)
    hours = ctx.config.schedule.renew_hours
    renew_before = timedelta(hours=2 * hours)  # two renewals' worth of margin
    if calendar is None:
        counts = engine_push.renew_all(ctx.engine, renew_before=renew_before)
    else:
        result = engine_push.ensure_channel(
            ctx.engine, calendar, renew_before=renew_before, force=force
        )
        counts = {result: 1}
    for outcome, n in counts.items():
        ctx.push.count(f"channels|{outcome}", n)
    ctx.push.count("jobs|renew|ok")
    return counts


# --------------------------------------------------------------------------------------------
# The schedule


def pull_all(
    config_path: str, queue: str = "default", full: bool = False, everyone: bool = False
) -> int:
    """Enqueue a pull of every calendar that needs one: the scheduled pull skips calendars
    with a live push channel (their changes arrive by push; an idle one costs no call); the
    sweep (`everyone`) pulls them all, as the safety net."""
    ctx = context(config_path)
    calendars = ctx.engine.calendars()
    if not everyone:
        calendars = [c for c in calendars if not _pushed(ctx, c)]
    for calendar in calendars:
        enqueue_unique(
            ctx.redis,
            queue,
            pull,
            (config_path, calendar, full),
            pull_job_id(ctx.config.org, calendar),
        )
    return len(calendars)


def _pushed(ctx: Context, calendar: str) -> bool:
    """A live push channel covers this calendar (expiring later than the next renewal)."""
    channel_id = ctx.push.current_channel(calendar)
    record = ctx.push.get_channel(channel_id) if channel_id else None
    if not record:
        return False
    expiration = datetime.fromisoformat(record["expiration"])
    soon = ctx.engine.clock() + timedelta(minutes=ctx.config.schedule.pull_minutes)
    return expiration > soon


def sweep(config_path: str) -> int:
    """The safety net: pull every calendar (rebuilding whatever Redis lost: no cursor means a
    full pull) and plan every pair, on the low-priority queue."""
    ctx = context(config_path)
    count = pull_all(config_path, queue="sweep", everyone=True)
    plan_all(config_path, queue="sweep")
    ctx.push.count("jobs|sweep|ok")
    return count


def plan_all(config_path: str, queue: str = "default") -> int:
    ctx = context(config_path)
    keys = engine_jobs.all_pairs(ctx.engine)
    for key in keys:
        enqueue_unique(
            ctx.redis, queue, pairs, (config_path, [key]), pair_job_id(ctx.config.org, key)
        )
    return len(keys)


def upkeep(config_path: str) -> int:
    """What rq's own maintenance misses, every few minutes: jobs a worker killed between
    popping and starting them go back on their queue (see `requeue_lost`)."""
    ctx = context(config_path)
    lost = requeue_lost(ctx.redis, ctx.config.org)
    if lost:
        structlog.get_logger().warning("jobs.requeued_lost", org=ctx.config.org, jobs=lost)
    return len(lost)


def hourly(config_path: str) -> int:
    """Run every hour; at the org's local agenda hour and overdue hour, plan every pair (that
    appends the day's agenda sections and flags overdue pairs). Checked in the org's zone here,
    not in the cron line, so DST and the scheduler host's zone do not matter."""
    ctx = context(config_path)
    local_hour = ctx.engine.clock().astimezone(ZoneInfo(ctx.config.timezone)).hour
    schedule = ctx.config.schedule
    if local_hour not in (schedule.agenda_hour, schedule.overdue_hour):
        return 0
    return plan_all(config_path)
