"""Engine entry points for the service: pull one calendar, plan and apply one pair.

`syncer sync` does everything in one pass; the service splits that pass into small jobs that
run anywhere, any number of times, in any order:

- `pull_one` pulls one calendar under the calendar's lock and says which pairs it touched;
- `apply_pairs` plans and applies the given pairs, each under its pair lock.

Both are safe to run again after being killed at any point: a pull only moves the cursor after
storing what it read, and every write is found-before-created or If-Match'ed with markers in
the calendar (see engine.apply). A lock left by a killed run expires; a re-run of the *same*
job (same id) takes its own lock over at once instead of waiting for that.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from syncer.core.detect import expected_pairs, find_pairs
from syncer.core.model import Pair
from syncer.engine import Engine
from syncer.engine.apply import ApplyStats
from syncer.engine.pull import pull_calendar
from syncer.engine.state import build_views
from syncer.store_push import PushStore

PULL_LOCK_S = 120.0
PAIR_LOCK_S = 120.0
PAIR_LOCK_WAIT_S = 30.0


@dataclass(frozen=True)
class PullOutcome:
    calendar: str
    pulled: bool  # False: another pull of this calendar was running and will cover this one
    full: bool = False
    changed: int = 0
    pairs: tuple[str, ...] = ()  # pair keys that may need a new plan
    calls: int = 0


@dataclass
class PairsOutcome:
    pairs: int = 0
    busy: list[str] = field(default_factory=list)  # pair keys whose lock another job held
    apply: ApplyStats = field(default_factory=ApplyStats)
    proposals: int = 0
    statuses: dict[str, str] = field(default_factory=dict)


@contextmanager
def held(lock: Any, token: str, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold a redis-py Lock as `token` (the job id). Yields False when someone else holds it.

    A lock already held under the same token belongs to a killed run of this very job (rq job
    ids are unique among live jobs): it is taken over instead of waited out."""
    got = bool(lock.acquire(blocking=False, token=token))
    if not got:
        lock.local.token = token.encode()
        got = bool(lock.owned()) and bool(lock.reacquire())
    if not got and wait_s > 0:
        got = bool(lock.acquire(blocking=True, blocking_timeout=wait_s, token=token))
    try:
        yield got
    finally:
        if got and lock.owned():
            lock.release()


def calls_of(engine: Engine) -> int:
    return sum(int(getattr(p, "calls", 0)) for p in engine.providers.values())


def pull_one(engine: Engine, calendar: str, *, token: str, full: bool = False) -> PullOutcome:
    """Pull `calendar` (in full when asked: Graph `missed`, a forced resync).

    Changes announced while a pull runs are not lost: the caller's notification marks the
    calendar pending first, and the running pull looks again after releasing its lock."""
    push = PushStore.of(engine.store)
    log = structlog.get_logger().bind(org=engine.config.org, calendar=calendar, job=token)
    opted_out = {p.email for p in engine.people.values() if p.opt_out}
    provider = engine.provider_of(calendar)
    before = calls_of(engine)
    was_full = changed = 0
    pulled = False
    if full:  # kept in Redis, so a pull already running does it on its next round
        push.mark_resync(calendar)
    while True:
        push.mark_pending(calendar)
        with held(engine.store.calendar_lock(calendar, PULL_LOCK_S), token) as got:
            if not got:
                log.info("job.pull_deferred")
                break
            push.take_pending(calendar)
            if push.take_resync(calendar):
                engine.store.clear_calendar(calendar)
            stats = pull_calendar(provider, engine.store, calendar, opted_out)
            engine.after_pull(stats)
            pulled = True
            was_full += int(stats.full)
            changed += stats.changed
            push.pulled(calendar, time.time())
        if not push.is_pending(calendar):
            break
    pairs = touched_pairs(engine, calendar) if (changed or was_full) else ()
    return PullOutcome(
        calendar, pulled, bool(was_full), changed, pairs, calls=calls_of(engine) - before
    )


def touched_pairs(engine: Engine, calendar: str) -> tuple[str, ...]:
    """Pairs a change on `calendar` may affect: 1:1s on it, pairs already known with its
    owner (a deleted series must still be re-planned), expected pairs with its owner."""
    who = calendar.lower()
    found = {
        ps.pair for ps in find_pairs(engine.store.series_of(calendar), engine.people, engine.rules)
    }
    found |= {p for p in expected_pairs(engine.people.values()) if who in p.people}
    known = set(engine.store.pair_keys()) | set(PushStore.of(engine.store).pair_statuses())
    keys = {p.key for p in found} | {k for k in known if who in k.split("|")}
    return tuple(sorted(keys))


def all_pairs(engine: Engine) -> tuple[str, ...]:
    """Every pair the org has (found or expected): the daily agenda/overdue pass plans them."""
    views = build_views(engine, engine.clock(), fetch_busy=False)
    return tuple(v.pair.key for v in views)


def apply_pairs(
    engine: Engine, pair_keys: Collection[str], *, token: str, lock_wait_s: float = PAIR_LOCK_WAIT_S
) -> PairsOutcome:
    """Plan and apply `pair_keys`, each under its pair lock; pairs whose lock another job holds
    are listed in `busy` (the caller tries them again later)."""
    outcome = PairsOutcome()
    for key in sorted(set(pair_keys)):
        with held(engine.store.pair_lock(key, PAIR_LOCK_S), token, lock_wait_s) as got:
            if not got:
                outcome.busy.append(key)
                continue
            _apply_one(engine, Pair.of(*key.split("|", 1)), outcome)
    PushStore.of(engine.store).set_pair_status(outcome.statuses)
    return outcome


def _apply_one(engine: Engine, pair: Pair, outcome: PairsOutcome) -> None:
    """What `Engine.sync_once` does after its pulls, for one pair."""
    run = engine.plan_and_apply(engine.clock(), only={pair})
    outcome.pairs += len(run.views)
    outcome.apply = _add(outcome.apply, run.stats)
    outcome.proposals += sum(len(v.proposals) for v in run.views)
    outcome.statuses.update({v.pair.key: v.status for v in run.views})


def _add(a: ApplyStats, b: ApplyStats) -> ApplyStats:
    kinds = dict(a.by_kind)
    for kind, n in b.by_kind.items():
        kinds[kind] = kinds.get(kind, 0) + n
    return replace(
        a,
        writes=a.writes + b.writes,
        skipped=a.skipped + b.skipped,
        deferred=a.deferred + b.deferred,
        conflicts=a.conflicts + b.conflicts,
        failed=a.failed + b.failed,
        retryable_failures=a.retryable_failures + b.retryable_failures,
        gone=a.gone + b.gone,
        docs_created=a.docs_created + b.docs_created,
        holds_created=a.holds_created + b.holds_created,
        by_kind=kinds,
    )
