"""The cron schedule: rq 3's `CronScheduler`, intervals from the config's `schedule:` section.

    pull_all   every pull_minutes   incremental pull of every calendar (push makes it sooner)
    sweep      every sweep_minutes  the safety net: pull everything, plan every pair
               (push_sweep_minutes, daily by default, with push on: changes arrive by push)
    renew      every renew_hours    open/renew push channels (only with web.public_url)
    hourly     every hour           agenda sections and overdue flags at the org's local hours
    upkeep     every 5 minutes      jobs taken by a worker killed before it started them: requeued

Several schedulers may run (rq registers each in Redis); every job they enqueue has a
deterministic id, so two schedulers firing at once still make one job per calendar.
"""

from __future__ import annotations

import logging

from redis import Redis
from rq.cron import CronScheduler

from syncer.config import SyncerConfig
from workers import jobs

UPKEEP_S = 300


def build_scheduler(
    connection: Redis, config: SyncerConfig, config_path: str, *, name: str = ""
) -> CronScheduler:
    schedule = config.schedule
    scheduler = CronScheduler(connection=connection, logging_level=logging.WARNING, name=name)
    args = (config_path,)
    scheduler.register(jobs.pull_all, "default", args=args, interval=schedule.pull_minutes * 60)
    sweep = schedule.push_sweep_minutes if config.web.public_url else schedule.sweep_minutes
    scheduler.register(jobs.sweep, "sweep", args=args, interval=sweep * 60)
    if config.web.public_url:
        scheduler.register(jobs.renew, "default", args=args, interval=schedule.renew_hours * 3600)
    scheduler.register(jobs.hourly, "default", args=args, cron="0 * * * *")
    scheduler.register(jobs.upkeep, "default", args=args, interval=UPKEEP_S)
    return scheduler
