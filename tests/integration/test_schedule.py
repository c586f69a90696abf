"""The cron schedule the scheduler registers: with push on, the sweep is the daily safety net;
without push, the hourly fallback. Read back from rq's own CronScheduler."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis as redis_lib

from syncer.config import load_config
from workers.schedule import build_scheduler

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("public_url", "sweep_s"), [(None, 3600), ("https://syncer.acme.test", 86_400)]
)
def test_the_sweep_runs_daily_with_push_and_hourly_without(
    tmp_path: Path, redis_url: str, public_url: str | None, sweep_s: int
) -> None:
    text = (ROOT / "config" / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("schedule: {sweep_minutes: 60, ", "schedule: {")
    if public_url:
        text = text.replace("public_url: null", f"public_url: {public_url}", 1)
    path = tmp_path / "syncer.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    client = redis_lib.Redis.from_url(redis_url)
    try:
        scheduler = build_scheduler(client, config, str(path))
        by_name = {job.func_name.rsplit(".", 1)[-1]: job for job in scheduler.get_jobs()}
        assert by_name["sweep"].interval == sweep_s
        assert ("renew" in by_name) is bool(public_url)
        assert by_name["pull_all"].interval == 15 * 60
        assert by_name["upkeep"].interval == 300  # lost jobs requeued
    finally:
        client.close()
