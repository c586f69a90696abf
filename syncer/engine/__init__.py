"""The engine: the only place that sequences I/O. pull -> store -> plan -> apply -> report.

`plan` is pure (syncer.core.plan); the engine gathers its inputs (snapshots from the store,
free/busy from the providers), runs it, and hands the actions to the applier (or prints them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import structlog

from syncer.config import SyncerConfig
from syncer.core import agenda
from syncer.core.model import Action, EnsureAgendaDoc, Pair, Person, ProviderName
from syncer.core.plan import AgendaRef, describe, plan
from syncer.engine.apply import Applier, ApplyStats, WriteBudget
from syncer.engine.people import load_people
from syncer.engine.providers import build_providers, call_slots
from syncer.engine.pull import PullStats, pull_calendar
from syncer.engine.purge import Purger
from syncer.engine.state import PairView, build_views, pair_reports, remember_proposals
from syncer.errors import ProviderError, ProviderUnavailable
from syncer.providers.base import Provider
from syncer.redis_server import connect
from syncer.report import build_report
from syncer.store import Store


@dataclass(frozen=True)
class PlanRun:
    """What one plan-and-apply pass saw, decided and did."""

    views: list[PairView]
    actions: list[Action]
    stats: ApplyStats


@dataclass
class SyncSummary:
    calendars: int = 0
    calendars_failed: int = 0
    full_pulls: int = 0
    series: int = 0
    pairs: int = 0
    overdue: int = 0
    missing: int = 0
    proposals: int = 0
    skipped_items: int = 0
    apply: ApplyStats = field(default_factory=ApplyStats)
    planned: list[str] = field(default_factory=list)

    def describe(self) -> str:
        a = self.apply
        return (
            f"{self.calendars} calendars read ({self.full_pulls} in full"
            f"{f', {self.calendars_failed} failed' if self.calendars_failed else ''}), "
            f"{self.series} 1:1 series, {self.pairs} pairs, {a.writes} writes"
            f"{f' ({a.deferred} deferred to the next run)' if a.deferred else ''}, "
            f"{a.docs_created} agenda docs created, {self.proposals} proposals, "
            f"{self.overdue} overdue, {self.missing} missing"
        )


class Engine:
    def __init__(
        self,
        config: SyncerConfig,
        store: Store,
        providers: Mapping[ProviderName, Provider],
        *,
        dry_run: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.providers = dict(providers)
        self.dry_run = dry_run or config.mode == "observe"
        self.clock = clock
        self._unavailable = dict(unavailable or {})
        # From the config, or the directory (cached in Redis) with the config's overrides.
        self.people: dict[str, Person] = {
            p.email: p for p in load_people(config, store, self.providers)
        }
        self.people_read_at = time.monotonic()  # engine.people.refresh_people reads it
        self.policy = config.policy()
        self.rules = config.detection_rules()
        sections = config.agenda_sections()
        self.template = agenda.template_from_config(sections if sections else "default")
        self.log = structlog.get_logger().bind(org=config.org)

    # ---------------------------------------------------------------- providers

    def unavailable_providers(self) -> list[str]:
        return [f"provider {name} not available: {why}" for name, why in self._unavailable.items()]

    def provider_of(self, email: str) -> Provider:
        person = self.people.get(email.lower())
        name = person.provider if person else None
        if name is None or name not in self.providers:
            raise ProviderUnavailable(f"no provider for {email}")
        return self.providers[name]

    def timezone_of(self, email: str) -> str:
        person = self.people.get(email.lower())
        return person.timezone if person else self.config.timezone

    def calendars(self) -> list[str]:
        """Every calendar syncer reads: people not opted out, on an available provider."""
        return sorted(
            p.email for p in self.people.values() if not p.opt_out and p.provider in self.providers
        )

    # ---------------------------------------------------------------- the pass

    def pull_all(
        self, summary: SyncSummary, calendars: Sequence[str] | None = None
    ) -> list[PullStats]:
        opted_out = {p.email for p in self.people.values() if p.opt_out}
        stats: list[PullStats] = []
        wanted = self.calendars()
        if calendars is not None:
            wanted = [c for c in wanted if c in set(calendars)]
        for calendar in wanted:
            try:
                result = pull_calendar(self.provider_of(calendar), self.store, calendar, opted_out)
            except ProviderError as err:
                summary.calendars_failed += 1
                self.log.warning("sync.calendar_failed", calendar=calendar, error=str(err))
                continue
            self.after_pull(result)
            stats.append(result)
            summary.calendars += 1
            summary.full_pulls += int(result.full)
            summary.skipped_items += result.skipped
        return stats

    def after_pull(self, result: PullStats) -> None:
        """Privacy, after every pull. A person opted out in the config: what is stored about
        them goes, once (their calendar's cursor says something is left). A series whose
        people put the opt-out keyword in it: syncer's block, markers and attachment come out
        of it, once; it is then never stored nor written again."""
        for person in self.people.values():
            if person.opt_out and self.store.get_cursor(person.email) is not None:
                records = self.store.forget_person(person.email)
                self.log.info("privacy.person_forgotten", calendar=person.email, records=records)
        if result.withdrawn and not self.dry_run:
            purger = self.purger()
            purger.withdraw(result.calendar, result.withdrawn, result.withdrawn_people)
            self.log.info(
                "privacy.series_withdrawn", calendar=result.calendar, copies=len(result.withdrawn)
            )

    def purger(self, *, dry_run: bool | None = None) -> Purger:
        """Undoes syncer on the org's calendars (see engine.purge)."""
        return Purger(
            self.store,
            self.provider_of,
            self.clock(),
            dry_run=self.dry_run if dry_run is None else dry_run,
            ignore=frozenset(self.rules.service_accounts),
        )

    def views(self, now: datetime, only: Collection[Pair] | None = None) -> list[PairView]:
        return build_views(self, now, only=only)

    def plan_actions(
        self, now: datetime, only: Collection[Pair] | None = None
    ) -> tuple[list[PairView], list[Action]]:
        views = self.views(now, only)
        return views, plan([v.state for v in views], self.policy, now)

    def plan_and_apply(self, now: datetime, only: Collection[Pair] | None = None) -> PlanRun:
        """Plan every pair (or only `only`) and apply the actions; a dry run applies nothing.

        Agenda docs come first: their links go into the blocks, so the engine plans again once
        they exist and every event is written once, with its link."""
        applier = Applier(
            store=self.store,
            provider_of=self.provider_of,
            timezone_of=self.timezone_of,
            names={p.email: p.name or p.email for p in self.people.values()},
            template=self.template,
            budget=WriteBudget(self.config.limits.max_writes_per_run),
            now=now,
        )
        views, actions = self.plan_actions(now, only)
        if self.dry_run:
            return PlanRun(views, self._with_new_docs(views, actions, now), applier.stats)
        if any(isinstance(a, EnsureAgendaDoc) for a in actions):
            for action in actions:
                if isinstance(action, EnsureAgendaDoc):
                    applier.apply(action)
            views, actions = self.plan_actions(now, only)
        for action in actions:
            if not isinstance(action, EnsureAgendaDoc):
                applier.apply(action)
        remember_proposals(self.store, views)
        return PlanRun(views, actions, applier.stats)

    def sync_once(self, calendars: Sequence[str] | None = None) -> SyncSummary:
        """One pass: pull every calendar (or only `calendars`, as a push would), plan every
        pair, apply (or list, in a dry run)."""
        summary = SyncSummary()
        now = self.clock()
        self.pull_all(summary, calendars)
        run = self.plan_and_apply(now)
        views = run.views
        if self.dry_run:
            summary.planned = [describe(a) for a in run.actions]
        summary.apply = run.stats
        summary.series = len({s.uid for v in views for s in v.series})
        summary.pairs = len(views)
        summary.overdue = sum(1 for v in views if v.status == "overdue")
        summary.missing = sum(1 for v in views if v.status == "missing")
        summary.proposals = sum(len(v.proposals) for v in views)
        self.log.info("sync.done", **{k: v for k, v in vars(summary).items() if isinstance(v, int)})
        return summary

    def _with_new_docs(
        self, views: list[PairView], actions: list[Action], now: datetime
    ) -> list[Action]:
        """A dry run creates no doc, so plan as if each pending doc existed: the admin sees
        every write the real run would make, links included."""
        pending = {a.pair for a in actions if isinstance(a, EnsureAgendaDoc)}
        if not pending:
            return actions
        placeholder = AgendaRef(doc_id="(new)", url="(link to the new agenda doc)")
        states = [
            replace(v.state, agenda=placeholder) if v.pair in pending else v.state for v in views
        ]
        rest = [a for a in plan(states, self.policy, now) if not isinstance(a, EnsureAgendaDoc)]
        return [a for a in actions if isinstance(a, EnsureAgendaDoc)] + rest

    def report(self, pair: tuple[str, str] | None = None) -> dict[str, Any]:
        now = self.clock()
        reports = pair_reports(self, now, only=pair)
        return build_report(
            reports, now, self.policy.lookback_days, people=self.people, with_history=bool(pair)
        )


@contextmanager
def open_engine(config: SyncerConfig, *, dry_run: bool = False) -> Iterator[Engine]:
    redis = connect(config.redis_url)
    store = Store(redis, config.org)
    providers, unavailable = build_providers(config, slots=call_slots(config, store))
    try:
        yield Engine(config, store, providers, dry_run=dry_run, unavailable=unavailable)
    finally:
        redis.close()
