"""The service's state in Redis: push channels, replay guards, pending pulls and counters.

A sibling of `syncer.store` (same `syncer:{org}:` prefix, same rule: the only place that knows
these key names). Like everything in Redis it is a cache: losing it costs new channels and a
full resync at the next sweep, never a duplicate write.

    syncer:{org}:channels            hash   channel id -> channel record (JSON, token included)
    syncer:{org}:channel_of          hash   calendar -> current channel id
    syncer:{org}:push_seen           hash   channel id -> highest message number accepted
    syncer:{org}:pull_pending        set    calendars changed since their last pull began
    syncer:{org}:resync_pending      set    calendars whose next pull must be full
    syncer:{org}:metrics             hash   counter name -> integer
    syncer:{org}:pulled_at           hash   calendar -> unix time of the last good pull
    syncer:{org}:pair_status         hash   pair key -> status of its last plan
    syncer:{org}:lag                 list   recent change-to-write seconds, capped
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from redis import Redis

from syncer.store import Store, _text

LAG_SAMPLES = 1000

# Accept a message number only when it is higher than the last one seen for the channel:
# atomic, so two web processes cannot both accept one replayed number.
_ACCEPT = """
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
local number = tonumber(ARGV[2])
if number <= last then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


class PushStore:
    """One org's push channels and service bookkeeping; cheap to build, stateless."""

    def __init__(self, redis: Redis, org: str) -> None:
        self.redis = redis
        self.org = org
        self._prefix = Store(redis, org)._prefix  # validates `org` the same way
        self._accept = redis.register_script(_ACCEPT)

    @classmethod
    def of(cls, store: Store) -> PushStore:
        return cls(store.redis, store.org)

    def _key(self, name: str) -> str:
        return self._prefix + name

    # ----------------------------------------------------------------------------------------
    # Channels (Google watch channels, Graph subscriptions)

    def put_channel(self, calendar: str, channel_id: str, record: Mapping[str, Any]) -> None:
        """Remember a channel and make it the calendar's current one."""
        with self.redis.pipeline() as pipe:
            pipe.hset(self._key("channels"), channel_id, json.dumps(dict(record), sort_keys=True))
            pipe.hset(self._key("channel_of"), calendar, channel_id)
            pipe.execute()

    def get_channel(self, channel_id: str) -> dict[str, Any] | None:
        raw = self.redis.hget(self._key("channels"), channel_id)
        return None if raw is None else cast(dict[str, Any], json.loads(cast(bytes, raw)))

    def current_channel(self, calendar: str) -> str | None:
        return _text(self.redis.hget(self._key("channel_of"), calendar))

    def drop_channel(self, channel_id: str) -> None:
        """Forget a channel (stopped or replaced); its late notifications become unknown."""
        with self.redis.pipeline() as pipe:
            pipe.hdel(self._key("channels"), channel_id)
            pipe.hdel(self._key("push_seen"), channel_id)
            pipe.execute()

    def channels(self) -> dict[str, dict[str, Any]]:
        raw = cast(dict[Any, Any], self.redis.hgetall(self._key("channels")))
        return {_text(k) or "": json.loads(v) for k, v in raw.items()}

    def accept_message(self, channel_id: str, number: int) -> bool:
        """True the first time a message number above the last accepted one arrives."""
        return bool(self._accept(keys=[self._key("push_seen")], args=[channel_id, number]))

    # ----------------------------------------------------------------------------------------
    # Pending pulls: "this calendar changed after its running pull began"

    def mark_pending(self, calendar: str) -> None:
        self.redis.sadd(self._key("pull_pending"), calendar)

    def take_pending(self, calendar: str) -> bool:
        """Clear the calendar's flag; True when it was set."""
        return bool(self.redis.srem(self._key("pull_pending"), calendar))

    def is_pending(self, calendar: str) -> bool:
        return bool(self.redis.sismember(self._key("pull_pending"), calendar))

    def mark_resync(self, calendar: str) -> None:
        """The next pull of `calendar` must be full (Graph `missed`, asked while one ran)."""
        self.redis.sadd(self._key("resync_pending"), calendar)

    def take_resync(self, calendar: str) -> bool:
        return bool(self.redis.srem(self._key("resync_pending"), calendar))

    # ----------------------------------------------------------------------------------------
    # Counters and gauges for /metrics (jobs run in forked horses: counters live here)

    def count(self, name: str, amount: int = 1) -> None:
        if amount:
            self.redis.hincrby(self._key("metrics"), name, amount)

    def counters(self) -> dict[str, int]:
        raw = cast(dict[Any, Any], self.redis.hgetall(self._key("metrics")))
        return {_text(k) or "": int(v) for k, v in raw.items()}

    def pulled(self, calendar: str, at: float) -> None:
        self.redis.hset(self._key("pulled_at"), calendar, repr(at))

    def pulled_at(self) -> dict[str, float]:
        raw = cast(dict[Any, Any], self.redis.hgetall(self._key("pulled_at")))
        return {_text(k) or "": float(v) for k, v in raw.items()}

    def set_pair_status(self, statuses: Mapping[str, str]) -> None:
        if statuses:
            self.redis.hset(self._key("pair_status"), mapping=dict(statuses))  # type: ignore[arg-type]

    def pair_statuses(self) -> dict[str, str]:
        raw = cast(dict[Any, Any], self.redis.hgetall(self._key("pair_status")))
        return {_text(k) or "": _text(v) or "" for k, v in raw.items()}

    def add_lag(self, seconds: float) -> None:
        with self.redis.pipeline() as pipe:
            pipe.lpush(self._key("lag"), repr(seconds))
            pipe.ltrim(self._key("lag"), 0, LAG_SAMPLES - 1)
            pipe.execute()

    def lags(self) -> list[float]:
        return [float(v) for v in cast(list[Any], self.redis.lrange(self._key("lag"), 0, -1))]
