"""Pull one calendar: provider -> changes -> this calendar's snapshot in the store.

Privacy by construction: only series that could be 1:1s are kept in detail; everything else a
pull brings is dropped here, before anything reaches Redis.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import structlog

from syncer.core.model import Series
from syncer.core.snapshot import apply_changes
from syncer.errors import CursorExpired, StoreError
from syncer.providers.base import Provider, PullResult
from syncer.store import Store


@dataclass(frozen=True)
class PullStats:
    calendar: str
    full: bool
    changed: int
    kept: int
    skipped: int
    resynced: bool = False
    # Copies (series, changed occurrences) syncer wrote on, in series whose description now
    # carries the opt-out keyword: the engine takes syncer's block back out of them, once.
    withdrawn: tuple[str, ...] = ()
    withdrawn_people: frozenset[str] = frozenset()


def worth_keeping(series: Series, opted_out: Collection[str]) -> bool:
    """Could this series be a 1:1? Only those are stored in detail (the rest is not kept).

    A cheap superset of core.detect's rules: recurring, a meeting (not all-day, not an
    out-of-office or focus-time entry, not private), few people, nobody opted out.
    """
    if series.recurrence is None or series.all_day or series.private:
        return False
    if series.event_type != "default" or series.opt_out_keyword:
        return False
    humans = {a.email for a in series.attendees if not a.resource} | {series.organizer}
    if humans & set(opted_out):
        return False
    return len(humans) <= 4


def _traces(series: Series) -> list[str]:
    """The copies of `series` that carry something of syncer's (a marker or a block)."""
    own = [series.event_id] if series.markers or series.block_hash else []
    return own + [o.event_id for o in series.overrides if o.block_hash and o.event_id]


MAX_PULL_RACES = 3  # pulls redone when Redis changed under one (a wipe, a resync, a racer)


def pull_calendar(
    provider: Provider, store: Store, calendar: str, opted_out: Collection[str]
) -> PullStats:
    log = structlog.get_logger().bind(calendar=calendar, provider=provider.name)
    for _ in range(MAX_PULL_RACES):
        cursor = store.get_cursor(calendar)
        resynced = False
        try:
            result: PullResult = provider.pull(calendar, cursor)
        except CursorExpired:
            # An incremental pull: forget the calendar and read it in full. A full pull whose
            # page token expired half way: read it in full again (once; a second expiry is
            # raised, and the job's retry or the sweep comes back to it).
            log.info("sync.cursor_expired", full=cursor is None)
            if cursor is not None:
                store.clear_calendar(calendar)
            cursor = None
            result = provider.pull(calendar, None)
            resynced = True
        snapshot = {s.event_id: s for s in store.series_of(calendar)}
        merged, changed = apply_changes(snapshot, result.changes, full=result.full)
        kept: list[Series] = []
        deleted: list[str] = []
        withdrawn: list[str] = []
        people: set[str] = set()
        for event_id in sorted(changed | set(snapshot) if result.full else changed):
            series = merged.get(event_id)
            if series is not None and series.opt_out_keyword and _traces(series):
                withdrawn += _traces(series)
                people |= {a.email for a in series.attendees if not a.resource}
                people.add(series.organizer)
            if series is not None and worth_keeping(series, opted_out):
                kept.append(series)
            elif event_id in snapshot:
                deleted.append(event_id)
        if store.commit_pull(calendar, cursor, kept, deleted, result.cursor):
            break
        # The cursor changed since this pull read it (Redis wiped or restarted from an older
        # file, a resync asked for, another pull): what was read may not fit; read again.
        log.warning("sync.pull_raced")
    else:
        raise StoreError(f"calendar {calendar}: the stored cursor kept changing during pulls")
    log.info(
        "sync.calendar_pulled",
        full=result.full,
        changes=len(result.changes),
        kept=len(kept),
        skipped=result.skipped,
    )
    return PullStats(
        calendar,
        result.full,
        len(changed),
        len(kept),
        result.skipped,
        resynced,
        tuple(withdrawn),
        frozenset(p.lower() for p in people),
    )
