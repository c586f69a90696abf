"""Call slots in Redis, shared by every worker on every machine (`syncer.providers.slots`).

    syncer:{org}:slots:{provider}             zset  holder -> lease end (ms, Redis time)
    syncer:{org}:slots:{provider}:{mailbox}   zset  holder -> lease end

A holder takes a slot in every key it needs in one Lua step (all or none), so a call never
holds a mailbox slot while it waits for the provider's. Leases, not counters: a worker killed
mid-call leaves its holder behind, and the lease (the call's timeout plus a margin) ends it;
the next acquire sweeps ended leases first. Time is Redis's own (`TIME`), so workers on
machines with skewed clocks agree. A flushed Redis forgets every holder: for one lease at
most, more calls than the limit may run, which the provider's 429 handling covers.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from redis import Redis
from redis.exceptions import RedisError

from syncer.errors import Busy
from syncer.store import Store

# KEYS: the zsets to take a slot in; ARGV: holder, lease ms, then one limit per key.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    return 0
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[1])
  redis.call('PEXPIRE', key, lease)
end
return 1
"""


class RedisSlots:
    """At most `mailbox_limit` calls in flight per mailbox (and `provider_limit` per provider,
    when set); a call waits up to `wait_s` for a slot, then raises `Busy`."""

    def __init__(
        self,
        redis: Redis,
        org: str,
        *,
        mailbox_limit: int,
        provider_limit: int | None = None,
        wait_s: float = 10.0,
        lease_s: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Any = None,
    ) -> None:
        self.redis = redis
        self._prefix = Store(redis, org)._prefix + "slots:"  # validates `org` as Store does
        self.mailbox_limit = mailbox_limit
        self.provider_limit = provider_limit
        self.wait_s = wait_s
        self._lease_ms = max(1, int(lease_s * 1000))
        self._sleep = sleep
        self._acquire = redis.register_script(_ACQUIRE)
        self._log = log if log is not None else structlog.get_logger("syncer.slots")

    def _keys(self, provider: str, mailbox: str | None) -> tuple[list[str], list[int]]:
        keys: list[str] = []
        limits: list[int] = []
        if self.provider_limit is not None:
            keys.append(self._prefix + provider)
            limits.append(self.provider_limit)
        if mailbox:
            keys.append(f"{self._prefix}{provider}:{mailbox.lower()}")
            limits.append(self.mailbox_limit)
        return keys, limits

    @contextmanager
    def hold(self, provider: str, mailbox: str | None) -> Iterator[None]:
        keys, limits = self._keys(provider, mailbox)
        if not keys:
            yield
            return
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + self.wait_s
        pause = 0.005
        while not self._acquire(keys=keys, args=[holder, self._lease_ms, *limits]):
            left = deadline - time.monotonic()
            if left <= 0:
                self._log.info("slots.busy", provider=provider, waited_s=self.wait_s)
                raise Busy(provider, None, "no free call slot", retryable=True, reason="slots")
            # Jitter, so waiters that lost together do not come back together.
            self._sleep(min(left, pause * random.uniform(0.5, 1.5)))
            pause = min(pause * 2, 0.2)
        try:
            yield
        finally:
            self._release(keys, holder)

    def _release(self, keys: list[str], holder: str) -> None:
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(key, holder)
                pipe.execute()
        except RedisError as err:  # the lease ends it; the call itself went through
            self._log.warning("slots.release_failed", error=type(err).__name__)

    def in_flight(self, provider: str, mailbox: str | None = None) -> int:
        """Holders whose lease has not ended (the provider's, or one mailbox's)."""
        key = self._prefix + provider + (f":{mailbox.lower()}" if mailbox else "")
        now_s, micros = self.redis.time()
        return int(self.redis.zcount(key, f"({now_s * 1000 + micros // 1000}", "+inf"))


__all__ = ["RedisSlots"]
