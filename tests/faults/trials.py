"""The engine-level fault trials, shared by tests/faults and benchmarks/faults.py.

Each trial returns an `Outcome`: how many trials ran, every violated invariant (one line
each; must be none), and the API calls the emulators answered. The tests run few trials;
the benchmark runs the full counts with the same code.
"""

from __future__ import annotations

import random
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis as redis_lib

from syncer.core import blocks
from syncer.core.blocks import BEGIN_MARKER
from syncer.engine import SyncSummary
from syncer.errors import StoreError
from syncer.redis_server import ensure_embedded, stop_embedded
from syncer.sandbox.google import FaultRule as GoogleRule
from syncer.sandbox.graph import FaultRule as GraphRule
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.faults.story import against_clean, seed, settled, tell
from tests.faults.worlds import ANA, BOB, CAT, HOLDS, MONDAY, FaultWorld, ProviderKind, fault_world

FAULT_RATE = 0.2
MAX_CALL_RATIO = 2.0


@dataclass
class Outcome:
    trials: int = 0
    violations: list[str] = field(default_factory=list)
    calls: int = 0
    clean_calls: int = 0

    def add(self, other: Outcome) -> None:
        self.trials += other.trials
        self.violations += other.violations
        self.calls += other.calls
        self.clean_calls += other.clean_calls


@dataclass
class Lab:
    """Where trials make their worlds: a scratch directory, TLS files, a Redis."""

    tmp: Path
    tls: TlsFiles
    redis_url: str
    made: int = 0

    def fresh(self, kind: ProviderKind, redis_url: str | None = None, extra: str = HOLDS) -> Any:
        """A new world with its own org keys (wiped after) on `redis_url` or the lab's."""
        self.made += 1
        client = redis_lib.Redis.from_url(redis_url or self.redis_url)
        store = Store(client, f"faults-{self.made}-{random.getrandbits(32):08x}")
        world = fault_world(kind, self.tmp / f"w{self.made}", self.tls, store, extra)
        return _Fresh(world, store)


class _Fresh:
    def __init__(self, inner: Any, store: Store) -> None:
        self.inner, self.store = inner, store

    def __enter__(self) -> FaultWorld:
        return self.inner.__enter__()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)
        try:
            self.store.wipe()
        finally:
            self.store.redis.close()


def clean_run(lab: Lab, kind: ProviderKind) -> tuple[Any, int]:
    """The clean twin: the story without faults; (its final snapshot, its API calls)."""
    with lab.fresh(kind) as world:
        tell(world, lambda w: w.sync())
        return world.snapshot(), world.calls()


# -- hooks on the emulator's call log: "right after the emulator answered call n" ------------


def on_calls(
    world: FaultWorld, hook: Callable[[str | None, str, str, int], None]
) -> Callable[[], None]:
    """Call `hook(who, method, path, status)` after every API call the emulator answers
    (still under its lock, so syncer's next call waits); returns the undo."""
    state = world.state
    original = state.log_call

    def logged(who: str | None, method: str, path: str, status: int) -> None:
        original(who, method, path, status)
        hook(who, method, path, status)

    state.log_call = logged
    return lambda: setattr(state, "log_call", original)


_EVENT_PATH = re.compile(r"/(?:calendars|users)/([^/]+)/(?:calendar/)?events/([^/?]+)$")


def event_of(path: str) -> tuple[str, str] | None:
    found = _EVENT_PATH.search(path)
    if found is None:
        return None
    return urllib.parse.unquote(found.group(1)).lower(), urllib.parse.unquote(found.group(2))


# -- 412 races ---------------------------------------------------------------------------

_WORDS = [
    "notes",
    "ünïcødé ✓",
    "a & b",
    "<i>x</i>",
    "1 < 2",
    '"q"',
    "tab\there",
    "Ω≈ç√",
    "[ ] item",
]


def _person_text(rng: random.Random, body_type: str) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
    if body_type == "html":
        return f"<p>{words.replace('&', '&amp;').replace('<', '&lt;')}</p>"
    return words + "\n"


def _insert_at_boundary(
    rng: random.Random, text: str, piece: str, body_type: str, *, at_start: bool = True
) -> str:
    """Insert a whole line (text) or element (html) where a person would: at a line start.
    `at_start` False: the text follows the block's end marker, whose line is not theirs."""
    end = "\n" if body_type == "text" else ">"
    stops = [len(text)] + [i + 1 for i, c in enumerate(text) if c == end]
    if at_start or body_type == "html":
        stops.append(0)
    at = rng.choice(stops)
    joined = body_type == "text" and at == len(text) and (text or not at_start)
    if joined and not text.endswith("\n"):
        piece = "\n" + piece.rstrip("\n")
    return text[:at] + piece + text[at:]


def person_edit(rng: random.Random, current: str, body_type: str) -> str:
    """The person's new text: lines added outside the block, inside it, or both."""
    span = blocks.find(current, body_type)  # type: ignore[arg-type]
    if span is None:
        return _insert_at_boundary(rng, current, _person_text(rng, body_type), body_type)
    before, inside, after = (
        current[: span.block_start],
        current[span.block_start : span.block_end],
        current[span.block_end :],
    )
    where = rng.choice(["before", "after", "both", "inside", "inside+outside"])
    if where in ("before", "both", "inside+outside"):
        before = _insert_at_boundary(rng, before, _person_text(rng, body_type), body_type)
    if where in ("after", "both"):
        after = _insert_at_boundary(
            rng, after, _person_text(rng, body_type), body_type, at_start=False
        )
    if where.startswith("inside"):
        joint = "\n" if body_type == "text" else "<br>"
        inside = inside.replace(BEGIN_MARKER, BEGIN_MARKER + joint + "my own line", 1)
    return before + inside + after


def outside_kept(person: str, final: str, body_type: str) -> bool:
    """Everything the person wrote outside the block is in `final`, byte for byte."""
    mine = blocks.find(person, body_type)  # type: ignore[arg-type]
    now = blocks.find(final, body_type)  # type: ignore[arg-type]
    if mine is None:
        return final == person or blocks.remove(final, body_type) == person  # type: ignore[arg-type]
    if now is None:
        return False
    return (
        final[: now.block_start] == person[: mine.block_start]
        and final[now.block_end :] == person[mine.block_end :]
    )


def one_block_at_most(text: str, body_type: str) -> bool:
    return text.count(BEGIN_MARKER) <= 1 and len(blocks.find_all(text, body_type)) <= 1  # type: ignore[arg-type]


def racing(
    world: FaultWorld, rng: random.Random, moments: set[int], edits: dict[tuple[str, str], str]
) -> Callable[[str | None, str, str, int], None]:
    """The organiser edits an event of theirs right after syncer's n-th read or write of one
    (n in `moments`); what they stored goes into `edits`."""
    seen = [0]

    def hook(who: str | None, method: str, path: str, status: int) -> None:
        target = event_of(path)
        if target is None or target[0] not in (ANA, CAT) or method not in ("GET", "PATCH"):
            return
        seen[0] += 1
        if seen[0] in moments:
            current = world.text(*target)
            edits[target] = world.edit(*target, person_edit(rng, current, world.body_type))

    return hook


def edits_kept(world: FaultWorld, edits: dict[tuple[str, str], str], label: str) -> list[str]:
    """Each event a person edited still holds their text outside the block, and one block."""
    found = []
    for (calendar, event_id), person in edits.items():
        final = world.text(calendar, event_id)
        if not outside_kept(person, final, world.body_type):
            found.append(f"{label}: lost text in {event_id}: {person!r} -> {final!r}")
        if not one_block_at_most(final, world.body_type):
            found.append(f"{label}: two blocks in {event_id}")
    return found


def race_trials(lab: Lab, kind: ProviderKind, count: int, rng: random.Random) -> Outcome:
    """`count` runs, each with a change that makes syncer write (Bob declines or accepts an
    occurrence) and the organiser editing the event at random moments: right after one of
    syncer's reads or writes of an event of theirs (so syncer's PATCH meets a stale etag)."""
    outcome = Outcome()
    with lab.fresh(kind) as world:
        series = seed(world)["ana|bob"]
        world.sync()
        declined: set[int] = set()
        for trial in range(count):
            week = rng.randrange(3)
            status = "accepted" if week in declined else "declined"
            declined.symmetric_difference_update({week})
            world.respond(BOB, series, status, MONDAY + _weeks(week))
            moments = set(rng.sample(range(1, 9), rng.randint(1, 2)))
            edits: dict[tuple[str, str], str] = {}
            hook = racing(world, rng, moments, edits)
            undo = on_calls(world, hook)
            try:
                summary = world.sync()
            finally:
                undo()
            outcome.trials += 1
            outcome.calls += world.calls()
            outcome.violations += edits_kept(world, edits, f"race {kind} #{trial}")
            world.sync()  # the person may have edited after syncer's last write: settle
            outcome.violations += [f"race {kind} #{trial}: {v}" for v in settled(world)]
            outcome.violations += edits_kept(world, edits, f"race {kind} #{trial}, settled")
            del summary
            world.state.reset_logs()
    return outcome


def _weeks(n: int) -> Any:
    import datetime as dt

    return dt.timedelta(weeks=n)


# -- API faults ----------------------------------------------------------------------------


class FlakyGoogle(GoogleRule):
    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__("server_error", times=None)
        self.rng, self.rate = rng, rate

    def matches(self, method: str, path: str, person: str | None) -> bool:
        if self.rng.random() >= self.rate:
            return False
        self.kind = self.rng.choice(["too_many_requests", "server_error", "unavailable", "drop"])
        self.retry_after = self.rng.choice([1, 2]) if self.kind == "too_many_requests" else None
        return True


class FlakyGraph(GraphRule):
    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__("server_error", times=None)
        self.rng, self.rate = rng, rate

    def matches(self, method: str, path: str, mailbox: str | None) -> bool:
        if self.rng.random() >= self.rate:
            return False
        self.kind = self.rng.choice(["throttle", "server_error", "unavailable", "drop"])
        self.retry_after = self.rng.choice([1, 2]) if self.kind == "throttle" else None
        return True


def api_fault_trial(
    lab: Lab, kind: ProviderKind, rng: random.Random, clean: Any, clean_calls: int
) -> Outcome:
    """The story with 20% of API calls answered 429 (Retry-After), 500, 503 or dropped."""
    outcome = Outcome(trials=1, clean_calls=clean_calls)
    with lab.fresh(kind) as world:
        flaky = FlakyGoogle(rng, FAULT_RATE) if kind == "google" else FlakyGraph(rng, FAULT_RATE)
        world.state.faults.add(flaky)

        def run(w: FaultWorld) -> SyncSummary:
            summary = w.sync()
            if summary.calendars_failed or summary.apply.failed:
                outcome.violations.append(
                    f"faults {kind}: a run did not complete: {summary.describe()}"
                )
            return summary

        tell(world, run)
        world.state.faults.clear()
        outcome.calls = world.calls()
        if outcome.calls > MAX_CALL_RATIO * clean_calls:
            outcome.violations.append(f"faults {kind}: {outcome.calls} calls > 2 x {clean_calls}")
        outcome.violations += [f"faults {kind}: {v}" for v in against_clean(world, clean)]
    return outcome


# -- expired cursors -------------------------------------------------------------------------


def cursor_trial(lab: Lab, kind: ProviderKind, rng: random.Random, clean: Any) -> Outcome:
    """Sync tokens / delta links expire at random (one calendar or all) before runs: each
    expired calendar is resynced in full in the next run, and the end is the clean one's."""
    outcome = Outcome(trials=1)
    with lab.fresh(kind) as world:
        expired: list[int] = []  # calendars expired before each run
        full: list[int] = []  # full pulls of each run

        def between(step: int) -> None:
            who = rng.choice([None, ANA, BOB, CAT]) if step and rng.random() < 0.7 else ""
            if who != "":
                world.expire_cursors(who)
            expired.append(0 if who == "" else 4 if who is None else 1)

        def run(w: FaultWorld) -> SyncSummary:
            summary = w.sync()
            full.append(summary.full_pulls)
            return summary

        tell(world, run, between)
        outcome.calls = world.calls()
        outcome.violations += [
            f"cursors {kind}: run {i}: {n} full pulls after {e} expired cursors"
            for i, (e, n) in enumerate(zip(expired, full, strict=True))
            if i and n < e
        ]
        outcome.violations += [f"cursors {kind}: {v}" for v in against_clean(world, clean)]
    return outcome


# -- Redis wiped or restarted mid-run ----------------------------------------------------------


def redis_trial(
    lab: Lab, kind: ProviderKind, rng: random.Random, clean: Any, restart: bool
) -> Outcome:
    """At a random API call of a random run, the org's keys vanish (wipe) or the Redis server
    stops (restart: the run fails on its next Redis call, the server comes back from its files,
    the run is repeated)."""
    outcome = Outcome(trials=1)
    data_dir = lab.tmp / f"redis-{lab.made + 1}"
    url = ensure_embedded(data_dir) if restart else lab.redis_url
    try:
        with lab.fresh(kind, url) as world:
            when = (rng.randrange(3), rng.randint(1, 40))
            step_now = [0]
            count = [0]

            def hook(who: str | None, method: str, path: str, status: int) -> None:
                if step_now[0] != when[0]:
                    return
                count[0] += 1
                if count[0] == when[1]:
                    if restart:
                        stop_embedded(data_dir)
                    else:
                        world.store.wipe()

            def between(step: int) -> None:
                step_now[0] = step

            def run(w: FaultWorld) -> SyncSummary:
                try:
                    return w.sync()
                except (redis_lib.exceptions.ConnectionError, StoreError, OSError):
                    ensure_embedded(data_dir)
                    return w.sync()

            undo = on_calls(world, hook)
            try:
                tell(world, run, between)
            finally:
                undo()
            if restart:
                ensure_embedded(data_dir)
            outcome.calls = world.calls()
            name = "restart" if restart else "wipe"
            outcome.violations += [f"redis {name} {kind}: {v}" for v in against_clean(world, clean)]
    finally:
        if restart:
            stop_embedded(data_dir)
    return outcome
