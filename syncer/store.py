"""Syncer's state in Redis: the only module that knows key names.

Redis is a cache and a queue, never the source of truth (the calendars are): losing every key
here costs a full resync, nothing more. Every key lives under `syncer:{org}:`, so several orgs
can share one Redis and `wipe()` drops exactly one org. Keys carry calendar ids, e-mails, pair
keys and run ids, never a secret.

Layout (one place to read it):

    syncer:{org}:cursors              hash   calendar -> sync token / delta link
    syncer:{org}:calendars            set    calendars that have series snapshots
    syncer:{org}:series:{calendar}    hash   event_id -> Series (JSON)
    syncer:{org}:busy:{calendar}      string [BusyInterval] (JSON)
    syncer:{org}:pairs                hash   pair key -> pair state (JSON object)
    syncer:{org}:docs                 hash   pair key -> agenda doc (JSON object)
    syncer:{org}:lock:{name}          string redis-py Lock
    syncer:{org}:audit                stream audit entries, capped
    syncer:{org}:writes:{run_id}      string write counter of one run, expires

Model types are (de)serialised by pydantic `TypeAdapter`s straight from the frozen dataclasses.
Works with clients made with or without `decode_responses`.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter
from redis import Redis
from redis.commands.core import Script
from redis.lock import Lock

from syncer.core.model import BusyInterval, Series

SERIES = TypeAdapter(Series)
SERIES_LIST = TypeAdapter(list[Series])
BUSY_LIST = TypeAdapter(list[BusyInterval])

AUDIT_MAXLEN = 100_000  # approximate cap of the audit stream
WRITE_COUNTER_TTL_S = 86_400  # a run's write counter outlives any run
BATCH = 500  # commands per pipeline round trip when walking many calendars
DEFAULT_LOCK_TIMEOUT_S = 300.0


# commit_pull: KEYS = cursors, series hash, calendars set; ARGV = calendar, "1" when the pull
# started without a cursor, the cursor it started from, the new cursor, the number of series
# put, then (event id, JSON) per series put, then the event ids deleted.
_COMMIT_PULL = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  if current then return 0 end
elseif current ~= ARGV[3] then
  return 0
end
local n = tonumber(ARGV[5])
local i = 6
for _ = 1, n do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
if n > 0 then redis.call('SADD', KEYS[3], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
"""


class Store:
    """One org's state in one Redis. Cheap to build; holds no state of its own."""

    def __init__(self, redis: Redis, org: str) -> None:
        if not org or ":" in org or any(c.isspace() for c in org):
            raise ValueError(f"org must be a non-empty name without ':' or spaces, got {org!r}")
        self.redis = redis
        self.org = org
        self._prefix = f"syncer:{org}:"

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    @functools.cached_property
    def _commit_pull_script(self) -> Script:
        return self.redis.register_script(_COMMIT_PULL)  # once per Store, not once per pull

    # ----------------------------------------------------------------------------------------
    # Calendar cursors

    def get_cursor(self, calendar: str) -> str | None:
        return _text(self.redis.hget(self._key("cursors"), calendar))

    def unpulled(self, calendars: Iterable[str]) -> set[str]:
        """Those of `calendars` with no cursor: never pulled, or forgotten (a resync, a wipe)."""
        wanted = sorted(set(calendars))
        found: list[Any] = []
        for i in range(0, len(wanted), BATCH * 10):
            chunk = wanted[i : i + BATCH * 10]
            found += cast(list[Any], self.redis.hmget(self._key("cursors"), chunk))
        return {c for c, cursor in zip(wanted, found, strict=True) if cursor is None}

    def commit_pull(
        self,
        calendar: str,
        read_cursor: str | None,
        put: Iterable[Series],
        deleted: Iterable[str],
        cursor: str,
    ) -> bool:
        """Store one pull's series changes and its new cursor at once, but only while the
        cursor is still `read_cursor` (the one the pull started from); False when it is not.

        A cursor stored without the snapshot it describes would hide those events for good:
        the next pull asks only for changes since. So both land in one step (a Lua script is
        atomic), and a pull that raced a wipe, a resync or another pull stores nothing."""
        args: list[str | bytes] = [calendar, "1" if read_cursor is None else "0"]
        args += [read_cursor or "", cursor]
        puts = [(s.event_id, SERIES.dump_json(s)) for s in put]
        args.append(str(len(puts)))
        for event_id, raw in puts:
            args += [event_id, raw]
        args += list(deleted)
        keys = [self._key("cursors"), self._key("series", calendar), self._key("calendars")]
        return bool(self._commit_pull_script(keys=keys, args=args))

    def clear_calendar(self, calendar: str) -> None:
        """Forget the cursor and every series snapshot of `calendar`: the next pull is a full
        resync. Busy intervals stay; the resync replaces them."""
        with self.redis.pipeline() as pipe:
            pipe.hdel(self._key("cursors"), calendar)
            pipe.delete(self._key("series", calendar))
            pipe.srem(self._key("calendars"), calendar)
            pipe.execute()

    def forget_cursor(self, calendar: str) -> None:
        """Only the cursor: the next pull of `calendar` is full (and replaces the snapshot),
        while the snapshot keeps serving plans until then."""
        self.redis.hdel(self._key("cursors"), calendar)

    # ----------------------------------------------------------------------------------------
    # Series snapshots: one hash per calendar, keyed by the copy's event id

    def put_series(self, calendar: str, series: Series) -> None:
        with self.redis.pipeline() as pipe:
            pipe.hset(self._key("series", calendar), series.event_id, SERIES.dump_json(series))
            pipe.sadd(self._key("calendars"), calendar)
            pipe.execute()

    def get_series(self, calendar: str, event_id: str) -> Series | None:
        raw = self.redis.hget(self._key("series", calendar), event_id)
        return None if raw is None else _in_own_zone(SERIES.validate_json(cast(bytes, raw)))

    def series_of(self, calendar: str) -> list[Series]:
        return _parse_series(cast(list[Any], self.redis.hvals(self._key("series", calendar))))

    def calendars(self) -> list[str]:
        """Calendars with series snapshots stored, sorted."""
        return sorted(
            _text(c) or "" for c in cast(set[Any], self.redis.smembers(self._key("calendars")))
        )

    def all_series(self) -> list[Series]:
        """Every snapshot of the org, for planning: one pipelined HVALS per calendar, batched,
        and one JSON parse per batch."""
        result: list[Series] = []
        calendars = self.calendars()
        with _cyclic_gc_paused():
            for start in range(0, len(calendars), BATCH):
                with self.redis.pipeline(transaction=False) as pipe:
                    for calendar in calendars[start : start + BATCH]:
                        pipe.hvals(self._key("series", calendar))
                    batches = pipe.execute()
                result.extend(_parse_series([v for values in batches for v in values]))
        return result

    # ----------------------------------------------------------------------------------------
    # Busy intervals (all that is kept of other events, and of opted-out people)

    def put_busy(self, calendar: str, intervals: Iterable[BusyInterval]) -> None:
        """Replace the busy intervals of `calendar`."""
        self.redis.set(self._key("busy", calendar), BUSY_LIST.dump_json(sorted(intervals)))

    def busy_of(self, calendar: str) -> list[BusyInterval]:
        raw = self.redis.get(self._key("busy", calendar))
        return [] if raw is None else BUSY_LIST.validate_json(cast(bytes, raw))

    # ----------------------------------------------------------------------------------------
    # Per-pair state and agenda docs (JSON objects; the engine owns their fields)

    def put_pair_state(self, pair_key: str, state: Mapping[str, Any]) -> None:
        self.redis.hset(self._key("pairs"), pair_key, _dump_object(state))

    def get_pair_state(self, pair_key: str) -> dict[str, Any] | None:
        return _load_object(self.redis.hget(self._key("pairs"), pair_key))

    def pair_keys(self) -> list[str]:
        return sorted(self._fields_of("pairs"))

    def _fields_of(self, hash_name: str) -> list[str]:
        return [_text(k) or "" for k in cast(list[Any], self.redis.hkeys(self._key(hash_name)))]

    def put_doc(self, pair_key: str, doc: Mapping[str, Any]) -> None:
        """Remember the pair's agenda doc: `{"id", "url", "owner", "provider"}`."""
        self.redis.hset(self._key("docs"), pair_key, _dump_object(doc))

    def get_doc(self, pair_key: str) -> dict[str, Any] | None:
        return _load_object(self.redis.hget(self._key("docs"), pair_key))

    # ----------------------------------------------------------------------------------------
    # Locks

    def lock(
        self,
        name: str,
        timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        blocking_timeout: float | None = None,
    ) -> Lock:
        """A redis-py Lock that expires after `timeout_s` (so a killed job cannot hold it for
        ever). `blocking_timeout=None` waits for ever; use a number in jobs."""
        return Lock(
            self.redis,
            self._key("lock", name),
            timeout=timeout_s,
            blocking_timeout=blocking_timeout,
        )

    def pair_lock(
        self,
        pair_key: str,
        timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        blocking_timeout: float | None = None,
    ) -> Lock:
        return self.lock(f"pair:{pair_key}", timeout_s, blocking_timeout)

    def calendar_lock(
        self,
        calendar: str,
        timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        blocking_timeout: float | None = None,
    ) -> Lock:
        return self.lock(f"calendar:{calendar}", timeout_s, blocking_timeout)

    # ----------------------------------------------------------------------------------------
    # Audit trail

    def audit(self, entry: Mapping[str, str | int | None]) -> None:
        """Append an entry. A `time` field (ISO 8601, UTC) is added unless given, so simulated
        clocks can pass their own. None values are left out."""
        fields = {k: str(v) for k, v in entry.items() if v is not None}
        fields.setdefault("time", datetime.now(UTC).isoformat())
        self.redis.xadd(self._key("audit"), fields, maxlen=AUDIT_MAXLEN, approximate=True)  # type: ignore[arg-type]

    def audit_entries(
        self, pair: str | None = None, since: datetime | None = None
    ) -> list[dict[str, str]]:
        """Entries oldest first, optionally only one pair's and only from `since` (aware) on."""
        result = []
        for _id, raw in cast(list[Any], self.redis.xrange(self._key("audit"))):
            fields = {_text(k) or "": _text(v) or "" for k, v in raw.items()}
            if pair is not None and fields.get("pair") != pair:
                continue
            if since is not None and datetime.fromisoformat(fields["time"]) < since:
                continue
            result.append(fields)
        return result

    # ----------------------------------------------------------------------------------------
    # Limits

    def count_write(self, run_id: str) -> int:
        """Count one write of run `run_id` and return the run's total so far."""
        key = self._key("writes", run_id)
        with self.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, WRITE_COUNTER_TTL_S)
            count, _ = pipe.execute()
        return int(count)

    # ----------------------------------------------------------------------------------------
    # Forgetting

    def forget_person(self, email: str) -> int:
        """Opt-out: delete everything stored about `email` except busy intervals.

        Drops their calendar's cursor and snapshots (so a later opt-in resyncs in full), every
        snapshot on other calendars they attend or organise, the state and agenda doc record of
        every pair they are in, and audit entries that mention them. Returns how many records
        were deleted.
        """
        who = email.lower()
        deleted = 0
        own = [c for c in self.calendars() if c.lower() == who]
        cursor_calendars = [c for c in self._fields_of("cursors") if c.lower() == who]
        for calendar in set(own) | set(cursor_calendars):
            deleted += int(self.redis.hlen(self._key("series", calendar)))
            self.clear_calendar(calendar)
        deleted += self._forget_in_other_calendars(who)
        for name in ("pairs", "docs"):
            doomed = [k for k in self._fields_of(name) if who in k.lower().split("|")]
            if doomed:
                deleted += int(self.redis.hdel(self._key(name), *doomed))
        deleted += self._forget_in_audit(who)
        return deleted

    def _forget_in_other_calendars(self, who: str) -> int:
        deleted = 0
        needle = who.encode()
        calendars = self.calendars()
        for start in range(0, len(calendars), BATCH):
            chunk = calendars[start : start + BATCH]
            with self.redis.pipeline(transaction=False) as pipe:
                for calendar in chunk:
                    pipe.hgetall(self._key("series", calendar))
                hashes = pipe.execute()
            with self.redis.pipeline(transaction=False) as pipe:
                for calendar, snapshots in zip(chunk, hashes, strict=True):
                    doomed = [
                        event_id
                        for event_id, raw in snapshots.items()
                        if needle in _bytes(raw).lower() and _mentions(_bytes(raw), who)
                    ]
                    if doomed:
                        pipe.hdel(self._key("series", calendar), *doomed)
                        deleted += len(doomed)
                pipe.execute()
        return deleted

    def _forget_in_audit(self, who: str) -> int:
        doomed = [
            entry_id
            for entry_id, raw in cast(list[Any], self.redis.xrange(self._key("audit")))
            if any(who in (_text(v) or "").lower() for v in raw.values())
        ]
        return int(self.redis.xdel(self._key("audit"), *doomed)) if doomed else 0

    def wipe(self) -> int:
        """Drop every key of this org (tests, the fault suite, a reset). Returns the count."""
        pattern = _glob_escape(self._prefix) + "*"
        deleted = 0
        batch: list[Any] = []
        for key in self.redis.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= BATCH:
                deleted += int(self.redis.unlink(*batch))
                batch = []
        if batch:
            deleted += int(self.redis.unlink(*batch))
        return deleted


# --------------------------------------------------------------------------------------------
# Helpers


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Parsing tens of thousands of snapshots makes millions of small acyclic objects, and the
    cyclic collector rescanning them took over half the time (10k calendars: 3.6 s -> 1.4 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_series(values: list[Any]) -> list[Series]:
    if not values:
        return []
    joined = b"[" + b",".join(_bytes(v) for v in values) + b"]"
    return [_in_own_zone(s) for s in SERIES_LIST.validate_json(joined)]


def _in_own_zone(series: Series) -> Series:
    """JSON keeps only the UTC offset; put start/end back on the series' IANA zone so wall-clock
    recurrence expansion stays right across DST."""
    try:
        zone = ZoneInfo(series.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return series
    return dataclasses.replace(
        series, start=series.start.astimezone(zone), end=series.end.astimezone(zone)
    )


def _mentions(raw: bytes, who: str) -> bool:
    series = SERIES.validate_json(raw)
    return series.organizer.lower() == who or any(a.email.lower() == who for a in series.attendees)


def _dump_object(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), sort_keys=True, default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in pair state")


def _load_object(raw: object) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = json.loads(_bytes(raw))
    return cast(dict[str, Any], value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
