"""The directory's people, cached in Redis so one read serves every worker for a while.

A sibling of `syncer.store` (same `syncer:{org}:` prefix, same rule: the only place that knows
these key names). Listing 50,000 users takes a few hundred calls; with this cache the org pays
that once per TTL, not once per worker or per job.

    syncer:{org}:directory:{source}  string [DirectoryPerson] (JSON), expires after the TTL
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import TypeAdapter, ValidationError
from redis import Redis
from redis.lock import Lock

from syncer.core.people import DirectoryPerson
from syncer.store import Store, _text

DIRECTORY = TypeAdapter(list[DirectoryPerson])


class PeopleStore:
    """One org's cached directory; cheap to build, stateless."""

    def __init__(self, redis: Redis, org: str) -> None:
        self._store = Store(redis, org)  # validates `org` the same way
        self.redis = redis

    @classmethod
    def of(cls, store: Store) -> PeopleStore:
        return cls(store.redis, store.org)

    def _key(self, source: str) -> str:
        return self._store._key("directory", source)

    def get_directory(self, source: str) -> list[DirectoryPerson] | None:
        """The cached listing of `source` (e.g. "google_directory"); None when absent,
        expired or unreadable (a cache never fails a run: the caller lists again)."""
        raw = _text(self.redis.get(self._key(source)))
        if raw is None:
            return None
        try:
            return DIRECTORY.validate_json(raw)
        except ValidationError:
            return None

    def put_directory(self, source: str, people: Sequence[DirectoryPerson], ttl_s: int) -> None:
        self.redis.set(self._key(source), DIRECTORY.dump_json(list(people)), ex=ttl_s)

    def forget_directory(self, source: str) -> None:
        self.redis.delete(self._key(source))

    def directory_lock(self, source: str, timeout_s: float = 600.0) -> Lock:
        """Held while one process lists the directory, so the others wait for its answer
        instead of all listing at once (a burst of workers starting together)."""
        return self._store.lock(
            f"directory:{source}", timeout_s=timeout_s, blocking_timeout=timeout_s
        )


__all__ = ["PeopleStore"]
