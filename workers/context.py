"""What a job needs besides its arguments: the config (by path, cached per process), an engine
with its providers (built once per process: token fetches and discovery builds are not free),
and the Redis connection the job runs on.

Jobs get the config *path*, never its contents: job arguments are stored in Redis and shown in
dashboards, and the config may name secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from redis import Redis

from syncer.config import SyncerConfig, load_config
from syncer.engine import Engine
from syncer.engine.people import refresh_people
from syncer.engine.providers import build_providers, call_slots
from syncer.redis_server import connect
from syncer.store import Store
from syncer.store_clock import service_clock
from syncer.store_push import PushStore


@dataclass
class Context:
    config_path: str
    mtime: float
    config: SyncerConfig
    redis: Redis
    engine: Engine

    @property
    def push(self) -> PushStore:
        return PushStore.of(self.engine.store)


_cache: dict[str, Context] = {}


def context(config_path: str) -> Context:
    """The process's context for `config_path`, rebuilt when the file changes."""
    path = str(Path(config_path).resolve())
    mtime = os.stat(path).st_mtime
    cached = _cache.get(path)
    if cached is not None and cached.mtime == mtime:
        refresh_people(cached.engine)  # a directory org: new people at most an hour late
        return cached
    config = load_config(path)
    redis = connect(config.redis_url)
    clock = service_clock(redis, config.org)  # the wall clock, unless a simulation runs us
    store = Store(redis, config.org)
    slots = call_slots(config, store)  # calls in flight per mailbox, shared by every worker
    providers, unavailable = build_providers(config, clock=clock, slots=slots)
    engine = Engine(config, store, providers, clock=clock, unavailable=unavailable)
    if cached is not None:
        cached.redis.close()
    _cache[path] = Context(path, mtime, config, redis, engine)
    return _cache[path]


def forget() -> None:
    """Drop every cached context (tests, and after a fork)."""
    for ctx in _cache.values():
        ctx.redis.close()
    _cache.clear()
