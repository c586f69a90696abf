"""Gathering what `plan` needs for every pair: series from the store, people from the config,
the agenda doc and holds syncer knows of, and free/busy time where proposals are due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import structlog

from syncer.core.detect import PairSeries, expected_pairs, find_pairs
from syncer.core.history import PairStatus, limit_days, pair_history, status
from syncer.core.model import BusyInterval, Pair, Person
from syncer.core.plan import (
    AgendaRef,
    HoldRef,
    PairState,
    external_person,
    needs_free_busy,
    proposals_for,
)
from syncer.engine import proposal_marker
from syncer.errors import ProviderError, ProviderUnavailable
from syncer.report import PairReport
from syncer.store import Store

if TYPE_CHECKING:
    from syncer.engine import Engine


@dataclass(frozen=True)
class PairView:
    pair: Pair
    state: PairState
    status: PairStatus
    limit_days: int
    proposals: dict[datetime, tuple[datetime, ...]]

    @property
    def series(self) -> tuple[Any, ...]:
        return tuple(ps.canonical for ps in self.state.series)


def _agenda_ref(stored: dict[str, Any] | None) -> AgendaRef | None:
    if not stored:
        return None
    last = stored.get("last_section")
    return AgendaRef(
        doc_id=stored["id"],
        url=stored["url"],
        last_section=date.fromisoformat(last) if last else None,
    )


def _holds(stored: dict[str, Any] | None) -> tuple[HoldRef, ...]:
    if not stored:
        return ()
    return tuple(
        HoldRef(
            calendar=h["calendar"],
            event_id=h["event_id"],
            start=datetime.fromisoformat(h["start"]),
            end=datetime.fromisoformat(h["end"]),
            proposal_for=datetime.fromisoformat(h["proposal_for"]),
        )
        for h in stored.get("holds", [])
    )


def _proposals(stored: dict[str, Any] | None) -> dict[datetime, tuple[datetime, ...]]:
    return {
        datetime.fromisoformat(k): tuple(datetime.fromisoformat(x) for x in v)
        for k, v in (stored or {}).get("proposals", {}).items()
    }


def _previous_proposals(
    stored: dict[str, Any] | None, series: Sequence[PairSeries]
) -> dict[datetime, tuple[datetime, ...]]:
    """The proposals people have seen: the store's, else (Redis lost them) the ones the
    blocks show, read back from their `syncer_proposals` markers."""
    known = _proposals(stored)
    if known:
        return known
    return proposal_marker.shown(
        o.markers
        for ps in series
        for copy in sorted(ps.copies, key=lambda c: c.calendar)
        for o in copy.overrides
        if o.markers
    )


def _hold_record(h: HoldRef) -> dict[str, str]:
    return {
        "calendar": h.calendar,
        "event_id": h.event_id,
        "start": h.start.isoformat(),
        "end": h.end.isoformat(),
        "proposal_for": h.proposal_for.isoformat(),
    }


def _holds_unknown(engine: Engine, stored: dict[str, Any] | None, *, fetch_busy: bool) -> bool:
    """Whether a planning run must look the pair's holds up on the calendars: the store's
    list is complete only once a lookup or a run with Redis intact said so."""
    if not fetch_busy or engine.policy.mode == "observe":
        return False
    return not (stored or {}).get("holds_known")


def _holds_from_calendars(
    engine: Engine, pair: Pair, calendars: Collection[str], stored: dict[str, Any] | None
) -> tuple[HoldRef, ...] | None:
    """The pair's holds, found on its people's calendars by their markers, when the store
    does not know them for sure (Redis lost the pair's state, or part of it mid-run). One
    lookup per calendar, once: the answer is stored with `holds_known`, and every hold syncer
    makes or withdraws later updates it. None when a calendar could not be read."""
    found: list[HoldRef] = []
    for calendar in sorted(calendars):
        try:
            for h in engine.provider_of(calendar).find_holds(calendar, pair.key):
                found.append(HoldRef(h.calendar, h.event_id, h.start, h.end, h.proposal_for))
        except (ProviderError, ProviderUnavailable) as err:
            engine.log.warning("plan.holds_lookup_failed", pair=pair.key, error=str(err))
            return None
    holds = tuple(sorted(found, key=lambda h: (h.calendar, h.start, h.event_id)))
    state = {**(stored or {}), "holds": [_hold_record(h) for h in holds], "holds_known": True}
    engine.store.put_pair_state(pair.key, state)
    return holds


def _in_pilot(email: str, pilot: Sequence[str]) -> bool:
    if not pilot:
        return True
    domain = email.rsplit("@", 1)[-1]
    return any(entry.lower() in (email, domain) for entry in pilot)


def _busy(
    engine: Engine, people: Sequence[Person], start: datetime, end: datetime
) -> list[BusyInterval]:
    """Busy time of both people, one call per provider (both people in one call when they
    share a provider). A person syncer cannot ask about (external) adds nothing."""
    by_provider: dict[str, list[str]] = defaultdict(list)
    for p in people:
        if p.email in engine.people and p.provider in engine.providers:
            by_provider[p.provider].append(p.email)
    busy: list[BusyInterval] = []
    for name, emails in sorted(by_provider.items()):
        answer = engine.providers[name].free_busy(emails, start, end)  # type: ignore[index]
        for intervals in answer.values():
            busy.extend(intervals)
    return sorted(busy)


def build_views(
    engine: Engine,
    now: datetime,
    *,
    fetch_busy: bool = True,
    only: Collection[Pair] | None = None,
) -> list[PairView]:
    """Every pair's view; with `only`, just those pairs, read from their two people's
    calendars (a pair's 1:1 has a copy on each calendar syncer reads), so a per-pair job
    does not parse the whole org."""
    log = structlog.get_logger().bind(org=engine.config.org)
    people = engine.people
    pilot = list(engine.config.pilot or [])
    if only is None:
        snapshots = engine.store.all_series()
    else:
        emails = sorted({e for pair in only for e in pair.people})
        snapshots = [s for e in emails for s in engine.store.series_of(e)]
    found = find_pairs(snapshots, people, engine.rules)
    by_pair: dict[Pair, list[PairSeries]] = defaultdict(list)
    for ps in found:
        by_pair[ps.pair].append(ps)
    expected = expected_pairs(people.values())
    wanted = set(by_pair) | expected
    if only is not None:
        wanted &= set(only)
    read = set(engine.calendars())
    unread = engine.store.unpulled({e for pair in wanted for e in pair.people if e in read})
    views: list[PairView] = []
    for pair in sorted(wanted):
        series = tuple(by_pair.get(pair, ()))
        known = [people[e] for e in pair.people if e in people]
        if not known:
            continue
        duo = tuple(people.get(e) or external_person(e, known[0]) for e in pair.people)
        writable = frozenset(
            e
            for e in pair.people
            if e in people
            and not people[e].opt_out
            and people[e].provider in engine.providers
            and _in_pilot(e, pilot)
            and all(_in_pilot(x, pilot) for x in pair.people)
        )
        history = pair_history(pair, series, now)
        stored = engine.store.get_pair_state(pair.key)
        holds = _holds(stored)
        if _holds_unknown(engine, stored, fetch_busy=fetch_busy) and series and writable:
            looked_up = _holds_from_calendars(engine, pair, writable, stored)
            holds = holds if looked_up is None else looked_up
        state = PairState(
            previous_proposals=_previous_proposals(stored, series),
            pair=pair,
            people=(duo[0], duo[1]),
            series=series,
            history=history,
            agenda=_agenda_ref(engine.store.get_doc(pair.key)),
            holds=holds,
            writable=writable,
            unread=frozenset(e for e in pair.people if e in unread),
        )
        window = needs_free_busy(state, engine.policy, now) if fetch_busy else None
        if window is not None:
            try:
                state = replace(state, busy=tuple(_busy(engine, state.people, *window)))
            except ProviderError as err:
                log.warning("plan.free_busy_failed", pair=pair.key, error=str(err))
        limit = limit_days(state.people, engine.policy, now)
        views.append(
            PairView(
                pair=pair,
                state=state,
                status=status(history, limit, bool(series)),
                limit_days=limit,
                proposals=proposals_for(state, engine.policy, now),
            )
        )
    return views


def pair_reports(
    engine: Engine, now: datetime, only: tuple[str, str] | None = None
) -> list[PairReport]:
    """The report's view of every pair, from the store alone (no provider calls)."""
    wanted = Pair.of(*only) if only else None
    reports = []
    for view in build_views(engine, now, fetch_busy=False):
        if wanted is not None and view.pair != wanted:
            continue
        proposals = _proposals(engine.store.get_pair_state(view.pair.key))
        reports.append(
            PairReport(
                pair=view.pair,
                status=view.status,
                limit_days=view.limit_days,
                history=view.state.history if view.state.series else None,
                series=view.series,
                proposals=proposals,
                people=view.state.people,
            )
        )
    return reports


def remember_proposals(store: Store, views: Sequence[PairView]) -> None:
    """Keep each pair's latest proposals for the report (merged: older ones stay history)."""
    for view in views:
        if not view.proposals:
            continue
        stored = store.get_pair_state(view.pair.key) or {}
        known = dict(stored.get("proposals", {}))
        for when, slots in view.proposals.items():
            known[when.isoformat()] = [s.isoformat() for s in slots]
        if known != stored.get("proposals"):
            store.put_pair_state(view.pair.key, {**stored, "proposals": known})
