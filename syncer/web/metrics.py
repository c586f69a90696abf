"""/metrics: Prometheus exposition of what the jobs counted in Redis.

Jobs run in worker processes (any number, on any machine), so their counters cannot live in
the web process's memory: they are kept in Redis (`PushStore.count`) and read here by a custom
collector at scrape time, together with queue lengths, sync lag and pair statuses.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from statistics import quantiles

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis import Redis
from rq import Queue

from syncer.store_push import PushStore
from workers.enqueue import QUEUES

# counter name prefix -> (metric, help, label names)
_COUNTERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "jobs": ("syncer_jobs", "Jobs run, by kind and outcome.", ("kind", "outcome")),
    "api_calls": ("syncer_api_calls", "Provider API calls, retries included.", ("provider",)),
    "api_errors": (
        "syncer_api_errors",
        "Provider errors that reached a job.",
        ("provider", "kind"),
    ),
    "writes": ("syncer_writes", "Calendar and document writes, by action.", ("action",)),
    "proposals": ("syncer_proposals", "Reschedule proposals planned.", ()),
    "webhooks": ("syncer_webhooks", "Push notifications, by result.", ("provider", "result")),
    "channels": ("syncer_channels", "Push channel renewals, by result.", ("result",)),
}


class ServiceCollector(Collector):
    def __init__(self, redis: Redis, org: str) -> None:
        self.redis = redis
        self.org = org

    def collect(self) -> Iterator[Metric]:
        push = PushStore(self.redis, self.org)
        families = {
            prefix: CounterMetricFamily(name, help_, labels=list(labels))
            for prefix, (name, help_, labels) in _COUNTERS.items()
        }
        for name, value in sorted(push.counters().items()):
            prefix, *labels = name.split("|")
            family = families.get(prefix)
            if family is not None and len(labels) == len(_COUNTERS[prefix][2]):
                family.add_metric(labels, value)
        yield from families.values()

        statuses = GaugeMetricFamily(
            "syncer_pairs", "Pairs by status at their last plan.", labels=["status"]
        )
        counts: dict[str, int] = {}
        for status in push.pair_statuses().values():
            counts[status] = counts.get(status, 0) + 1
        for status, n in sorted(counts.items()):
            statuses.add_metric([status], n)
        yield statuses

        pulled = push.pulled_at()
        lag = GaugeMetricFamily(
            "syncer_sync_lag_seconds", "Seconds since the least recently pulled calendar's pull."
        )
        lag.add_metric([], max((time.time() - t for t in pulled.values()), default=0.0))
        yield lag

        samples = sorted(push.lags())
        change = GaugeMetricFamily(
            "syncer_change_to_write_seconds",
            "Notification-to-write latency over recent writes.",
            labels=["quantile"],
        )
        if len(samples) >= 2:
            cuts = quantiles(samples, n=20)
            change.add_metric(["0.5"], cuts[9])
            change.add_metric(["0.95"], cuts[18])
        yield change

        queued = GaugeMetricFamily("syncer_queue_jobs", "Jobs waiting, by queue.", labels=["queue"])
        for name in QUEUES:
            queued.add_metric([name], Queue(name, connection=self.redis).count)
        yield queued
