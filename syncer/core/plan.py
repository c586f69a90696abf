"""Pair state + policy + now -> the actions that make the pair's calendars say the right thing.

Pure and deterministic: the same state gives the same actions in the same order, so `--dry-run`
is `describe` over `plan`. Calendars carry markers of what syncer wrote (agenda doc id, block
hash, holds), so planning over an unchanged world emits nothing.

Words: a *live* series is one not deleted that still has an upcoming occurrence; the *current*
series is the one of the pair's next occurrence (else the latest live one); the *affected*
occurrence is the one proposals are for; a copy is *writable* when its calendar is in
`state.writable` (the people's own calendars, minus opted-out, external and out-of-pilot ones).

The pair's state is `pair_state.PairState`; the arithmetic of proposals and holds lives in
`proposals`, the dry-run wording in `describe`; all are re-exported here.

Rules (each has a test named after it in tests/unit/test_plan.py):

1. observe mode emits nothing, and neither does a pair with a calendar syncer reads but has
   not pulled yet (`PairState.unread`: a first run, or Redis lost its state): missing series
   there are unknown, not gone, and acting on them would e.g. withdraw holds that still stand.
2. EnsureAgendaDoc when the pair has a current series and no agenda doc yet; owned by the
   current series' organiser (the other person when the organiser's calendar is not writable),
   on the owner's provider. The engine applies it first and plans again with the `AgendaRef`,
   so every event is written once, with the link; a dry run still shows the whole plan.
3. AttachAgenda for every write target (`write_targets`: the organiser's copy, plus copies on
   another provider than the organiser's; other copies show the organiser's) of a live series
   whose `syncer_agenda` marker is not the pair's doc id (all of them while the doc does not
   exist yet), and for each upcoming, not cancelled exception of such a Google copy that lacks
   the marker (a Google instance keeps its own attachments).
4. AppendAgendaSection for the next occurrence on the day before it or on its day (the series'
   wall clock), unless the doc already has a section for that day (`AgendaRef.last_section`).
5. WriteBlock on the master of every write target of a live series: the agenda link, and an
   overdue alert while the pair is overdue. Skipped when the copy's block hash already equals
   the new content's hash; an empty content where a block exists clears the block.
6. Proposals for the affected occurrence: the earliest cancelled, declined or deleted
   occurrence from one day ago on, unless the pair rescheduled it themselves (a held or
   upcoming occurrence that was moved, or of another series, starts between a day before it
   and the end of its reschedule window). Slots come from `reschedule.find_slots` with the
   occurrence's duration over [max(now, its start), + window_days], preferring its original
   time, with the busy time the engine fetched for `needs_free_busy`'s window (holds syncer
   made for the pair do not count as busy; the affected slot itself is never offered again).
   Without fetched busy time there are no proposal actions at all (the engine fetches first).
7. The proposals go into the block of the affected instance on each writable calendar where it
   still stands (a declined occurrence), else of the pair's next occurrence there; with the
   agenda link and alert, same skip rule as 5.
8. A future instance that carries a block but is not a proposal target gets the master's
   content back (so old proposals disappear once the pair rescheduled).
9. CreateHold, in full mode with holds enabled, for the first proposal on each writable
   person's own calendar, unless a hold for that slot and occurrence is already there.
10. WithdrawHold for every future hold of the pair that is not wanted any more: the pair
    rescheduled, the occurrence is no longer cancelled, the proposal changed, holds are off or
    the mode is propose. Past holds are left alone (they are history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.blocks import content_hash
from syncer.core.describe import describe
from syncer.core.detect import PairSeries
from syncer.core.history import limit_days, overdue_days, status
from syncer.core.model import (
    Action,
    AppendAgendaSection,
    AttachAgenda,
    BlockContent,
    EnsureAgendaDoc,
    Outcome,
    Policy,
    Series,
    WriteBlock,
)
from syncer.core.pair_state import (
    AgendaRef,
    HoldRef,
    PairState,
    current_series,
    display_name,
    external_person,
    live_series,
    write_targets,
)
from syncer.core.proposals import (
    affected_occurrence,
    hold_actions,
    needs_free_busy,
    proposals_for,
    proposed_slots,
)

__all__ = [
    "AgendaRef",
    "HoldRef",
    "PairState",
    "affected_occurrence",
    "current_series",
    "describe",
    "external_person",
    "live_series",
    "needs_free_busy",
    "plan",
    "plan_pair",
    "proposals_for",
]

AGENDA_MARKER = "syncer_agenda"


# --------------------------------------------------------------------------------------------
# Blocks


def _base_content(state: PairState, policy: Policy, now: datetime) -> BlockContent:
    limit = limit_days(state.people, policy, now)
    overdue = status(state.history, limit, bool(state.series)) == "overdue"
    return BlockContent(
        agenda_url=state.agenda.url if state.agenda else None,
        overdue_days=overdue_days(state.history) if overdue else None,
        limit_days=limit if overdue else None,
    )


def _zone_of(state: PairState, copy: Series) -> str:
    for p in state.people:
        if p.email == copy.calendar.lower():
            return p.timezone
    return copy.timezone


def _block_write(
    state: PairState,
    ps: PairSeries,
    copy: Series,
    content: BlockContent,
    instance: datetime | None,
) -> WriteBlock | None:
    current, event_id = copy.block_hash, copy.event_id
    if instance is not None:
        for o in copy.overrides:
            if o.original_start == instance:
                current = o.block_hash
                event_id = o.event_id or copy.event_id
    new_hash = content_hash(content, _zone_of(state, copy), copy.body_type)
    if current == new_hash or (content.empty and current is None):
        return None
    return WriteBlock(
        pair=state.pair,
        calendar=copy.calendar,
        event_id=event_id,
        series_uid=ps.uid,
        content=content,
        content_hash=new_hash,
        occurrence_start=instance,
    )


def _instance_stands(copy: Series, original_start: datetime) -> bool:
    return not any(o.original_start == original_start and o.cancelled for o in copy.overrides)


def _target_on(ps: PairSeries | None, calendar: str, writable: frozenset[str]) -> Series | None:
    if ps is None:
        return None
    return next((c for c in write_targets(ps, writable) if c.calendar.lower() == calendar), None)


def _proposal_targets(
    state: PairState, affected: Outcome
) -> list[tuple[PairSeries, Series, datetime]]:
    """Rule 7: per writable calendar, the affected instance if it stands, else the next one."""
    by_uid = {ps.uid: ps for ps in state.series}
    nxt = state.history.next_occurrence
    targets: list[tuple[PairSeries, Series, datetime]] = []
    for cal in sorted(state.writable):
        ps = by_uid.get(affected.series_uid)
        copy = _target_on(ps, cal, state.writable)
        if (
            ps is not None
            and copy is not None
            and affected.kind == "declined"
            and _instance_stands(copy, affected.original_start)
        ):
            targets.append((ps, copy, affected.original_start))
            continue
        nps = by_uid.get(nxt.series_uid) if nxt else None
        ncopy = _target_on(nps, cal, state.writable)
        if nxt is not None and nps is not None and ncopy is not None:
            targets.append((nps, ncopy, nxt.original_start))
    return targets


def _blocks(
    state: PairState,
    base: BlockContent,
    affected: Outcome | None,
    proposals: tuple[datetime, ...] | None,
    now: datetime,
) -> list[WriteBlock]:
    writes: list[WriteBlock | None] = []
    targeted: set[tuple[str, str, datetime]] = set()
    if affected is not None and proposals is not None:
        content = BlockContent(
            agenda_url=base.agenda_url,
            overdue_days=base.overdue_days,
            limit_days=base.limit_days,
            proposal_for=affected.original_start,
            proposal_kind=affected.kind,
            proposals=proposals,
            proposal_minutes=int((affected.end - affected.start).total_seconds() // 60),
        )
        for ps, copy, instance in _proposal_targets(state, affected):
            targeted.add((copy.calendar, ps.uid, instance))
            writes.append(_block_write(state, ps, copy, content, instance))
    for ps in live_series(state):
        for copy in write_targets(ps, state.writable):
            writes.append(_block_write(state, ps, copy, base, None))
            for o in copy.overrides:
                when = o.start or o.original_start
                key = (copy.calendar, ps.uid, o.original_start)
                if o.cancelled or o.block_hash is None or when <= now or key in targeted:
                    continue
                if affected is not None and proposals is None:
                    continue  # proposals due but busy time unknown: leave instances alone
                writes.append(_block_write(state, ps, copy, base, o.original_start))
    found = [w for w in writes if w is not None]
    return sorted(found, key=_write_key)


def _write_key(w: WriteBlock) -> tuple[str, str, bool, datetime, str]:
    when = w.occurrence_start or datetime.min.replace(tzinfo=ZoneInfo("UTC"))
    return (w.calendar, w.series_uid, w.occurrence_start is not None, when, w.event_id)


# --------------------------------------------------------------------------------------------
# Agenda and holds


def _agenda(state: PairState, now: datetime) -> list[Action]:
    current = current_series(state)
    if current is None:
        return []
    actions: list[Action] = []
    people = {p.email: p for p in state.people}
    other = next(p for p in state.pair.people if p != current.organizer)
    owner = next((e for e in (current.organizer, other) if e in state.writable), None)
    if state.agenda is None and owner is not None and owner in people:
        a, b = state.people
        actions.append(
            EnsureAgendaDoc(
                pair=state.pair,
                owner=owner,
                provider=people[owner].provider,
                title=f"1:1 {display_name(a)} / {display_name(b)}",
            )
        )
    doc_id = state.agenda.doc_id if state.agenda is not None else None
    for ps in live_series(state):
        for copy in write_targets(ps, state.writable):
            actions.extend(
                AttachAgenda(
                    pair=state.pair,
                    calendar=copy.calendar,
                    event_id=event_id,
                    series_uid=ps.uid,
                    occurrence_start=occurrence_start,
                )
                for event_id, occurrence_start in _lacking_agenda(copy, doc_id, now)
            )
    nxt = state.history.next_occurrence
    if nxt is not None and (owner is not None or state.agenda is not None):
        zone = ZoneInfo(current.merged.timezone)
        day = nxt.start.astimezone(zone).date()
        today = now.astimezone(zone).date()
        done = state.agenda is not None and state.agenda.last_section is not None
        if today in (day - timedelta(days=1), day) and not (
            done and state.agenda.last_section >= day  # type: ignore[union-attr,operator]
        ):
            actions.append(AppendAgendaSection(pair=state.pair, day=day, series_uid=nxt.series_uid))
    return actions


def _lacking_agenda(
    copy: Series, doc_id: str | None, now: datetime
) -> list[tuple[str, datetime | None]]:
    """(event id, occurrence start or None for the series) of `copy`'s events that lack the
    agenda: the series itself, and on Google its upcoming, not cancelled exceptions. Each
    Google instance carries its own attachments, and an exception made before the doc was
    attached to the series (a person moved or declined one occurrence first) keeps the
    series' old, doc-less ones. Graph shows the doc through the link in the managed block, so
    its exceptions need nothing. While the doc does not exist yet, all of them lack it."""

    def lacks(markers: Mapping[str, str]) -> bool:
        return doc_id is None or markers.get(AGENDA_MARKER) != doc_id

    found: list[tuple[str, datetime | None]] = []
    if lacks(copy.markers):
        found.append((copy.event_id, None))
    if copy.provider == "google":
        since = now - timedelta(days=1)
        found += [
            (o.event_id, o.original_start)
            for o in copy.overrides
            if o.event_id is not None
            and not o.cancelled
            and (o.start or o.original_start) >= since
            and lacks(o.markers)
        ]
    return found


# --------------------------------------------------------------------------------------------
# The plan


def plan_pair(state: PairState, policy: Policy, now: datetime) -> list[Action]:
    """The actions for one pair, in a fixed order: agenda, blocks, withdrawn holds, new holds."""
    if policy.mode == "observe" or state.unread:
        return []
    affected = affected_occurrence(state, policy, now)
    proposals = proposed_slots(state, affected, policy, now) if affected is not None else None
    base = _base_content(state, policy, now)
    actions: list[Action] = _agenda(state, now)
    actions.extend(_blocks(state, base, affected, proposals, now))
    actions.extend(hold_actions(state, policy, affected, proposals, now))
    return actions


def plan(states: Sequence[PairState], policy: Policy, now: datetime) -> list[Action]:
    """`plan_pair` over every pair, pairs in sorted order."""
    actions: list[Action] = []
    for state in sorted(states, key=lambda s: s.pair):
        actions.extend(plan_pair(state, policy, now))
    return actions
