"""The org's people for an engine: from the config, or from a directory plus the config's
overrides (`people_source`).

The directory is listed through the provider (`list_people`) at most once per TTL for the
whole org: the listing is cached in Redis (`store_people`), and a lock makes a burst of
workers wait for one listing instead of each paging through 50,000 users. Merging is pure
(`syncer.core.people`); this module only gathers its inputs and says what it did.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

import structlog

from syncer.config import SyncerConfig
from syncer.config.fields import parse_working_hours
from syncer.core.model import Person, ProviderName
from syncer.core.people import DirectoryPerson, PersonOverride, merge_roster
from syncer.errors import ProviderError, ProviderUnavailable
from syncer.providers.base import Provider
from syncer.store import Store
from syncer.store_people import PeopleStore

if TYPE_CHECKING:
    from syncer.engine import Engine

DIRECTORY_TTL_S = 3600  # how long one directory listing serves the org
RETRY_AFTER_S = 60  # a long-lived engine whose directory read failed tries again after this


def directory_provider(config: SyncerConfig) -> ProviderName | None:
    """The provider whose directory holds the org chart; None when people come from config."""
    if config.people_source == "config":
        return None
    return cast(ProviderName, config.people_source.removesuffix("_directory"))


def overrides_of(config: SyncerConfig) -> tuple[PersonOverride, ...]:
    """The config's `people` entries as overrides: only what the admin wrote counts (a
    working_hours left at its default does not replace anything)."""
    out: list[PersonOverride] = []
    for e in config.people:
        said = e.model_fields_set
        hours = parse_working_hours(e.working_hours) if "working_hours" in said else None
        out.append(
            PersonOverride(
                email=e.email,
                provider=e.provider,
                timezone=e.timezone,
                working_hours=hours,
                manager=e.manager,
                start_date=e.start_date,
                opt_out=e.opt_out if "opt_out" in said else None,
                aliases=frozenset(e.aliases),
                name=e.name,
                team=e.team,
            )
        )
    return tuple(out)


def read_directory(
    store: Store, provider: Provider, source: str, *, ttl_s: int = DIRECTORY_TTL_S
) -> list[DirectoryPerson]:
    """The directory's listing: from the cache when fresh, else listed once and cached."""
    cache = PeopleStore.of(store)
    cached = cache.get_directory(source)
    if cached is not None:
        return cached
    lock = cache.directory_lock(source)
    held = lock.acquire()  # waits for a listing in progress elsewhere (bounded)
    try:
        cached = cache.get_directory(source)
        if cached is not None:
            return cached
        started = time.monotonic()
        listed = provider.list_people()
        cache.put_directory(source, listed, ttl_s)
        structlog.get_logger().bind(org=store.org).info(
            "people.directory_listed",
            source=source,
            people=len(listed),
            inactive=sum(1 for p in listed if not p.active),
            seconds=round(time.monotonic() - started, 3),
        )
        return listed
    finally:
        if held:
            lock.release()


def load_people(
    config: SyncerConfig, store: Store, providers: dict[ProviderName, Provider]
) -> tuple[Person, ...]:
    """Everyone syncer knows about: the config's people, or the directory's merged with the
    config's overrides. Raises ProviderUnavailable when the directory's provider is missing."""
    name = directory_provider(config)
    if name is None:
        return config.people_list()
    provider = providers.get(name)
    if provider is None:
        raise ProviderUnavailable(
            f"people_source {config.people_source} needs the {name} provider, which is not "
            "available (see the providers section)"
        )
    roster = merge_roster(
        read_directory(store, provider, config.people_source),
        overrides_of(config),
        org_timezone=config.timezone,
        provider=name,
    )
    log = structlog.get_logger().bind(org=config.org)
    if roster.config_only:
        log.info(
            "people.config_only",
            note="config entries the directory does not list, kept as people",
            people=list(roster.config_only),
        )
    if roster.inactive:
        log.warning(
            "people.config_inactive",
            note="config entries for suspended or disabled accounts, left out",
            people=list(roster.inactive),
        )
    return roster.people


def refresh_people(engine: Engine, ttl_s: int = DIRECTORY_TTL_S) -> bool:
    """Re-read the people of a long-lived engine (a worker's) once its copy is older than the
    directory cache's TTL; True when it did. A failed read keeps the people it has (a
    directory outage must not stop the syncing). A config-sourced org never changes under an
    engine (a new config builds a new engine)."""
    if directory_provider(engine.config) is None:
        return False
    if time.monotonic() - engine.people_read_at < ttl_s:
        return False
    try:
        people = load_people(engine.config, engine.store, engine.providers)
    except ProviderError as err:  # keep the people we have; try again in a minute
        engine.people_read_at = time.monotonic() - ttl_s + RETRY_AFTER_S
        structlog.get_logger().bind(org=engine.config.org).warning(
            "people.directory_failed", error=str(err), kept=len(engine.people)
        )
        return False
    engine.people = {p.email: p for p in people}
    engine.people_read_at = time.monotonic()
    return True


__all__ = [
    "DIRECTORY_TTL_S",
    "directory_provider",
    "load_people",
    "overrides_of",
    "read_directory",
    "refresh_people",
]
