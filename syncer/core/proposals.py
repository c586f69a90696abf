"""Which cancelled occurrence gets proposals, which slots, and which holds (plan rules 6, 9, 10).

See syncer.core.plan for the rules in words; this module holds their arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from syncer.core.history import MISSED_KINDS, PairHistory
from syncer.core.model import (
    Action,
    BusyInterval,
    CreateHold,
    Outcome,
    Policy,
    WithdrawHold,
)
from syncer.core.pair_state import PairState, display_name
from syncer.core.reschedule import find_slots

JUST_PAST = timedelta(days=1)


def _window(affected: Outcome, policy: Policy, now: datetime) -> tuple[datetime, datetime]:
    start = max(now, affected.original_start)
    return start, start + timedelta(days=policy.reschedule.window_days)


def _rescheduled(history: PairHistory, affected: Outcome, window_end: datetime) -> bool:
    lo = affected.original_start - JUST_PAST
    return any(
        o.kind in ("held", "upcoming")
        and (o.moved or o.series_uid != affected.series_uid)
        and lo <= o.start <= window_end
        for o in history.outcomes
    )


def affected_occurrence(state: PairState, policy: Policy, now: datetime) -> Outcome | None:
    """The cancelled/declined/deleted occurrence proposals are for (rule 6), if any."""
    candidates = sorted(
        (
            o
            for o in state.history.outcomes
            if o.kind in MISSED_KINDS and o.original_start >= now - JUST_PAST
        ),
        key=lambda o: (o.original_start, o.series_uid),
    )
    for o in candidates:
        _, end = _window(o, policy, now)
        if not _rescheduled(state.history, o, end):
            return o
    return None


def proposals_for(
    state: PairState, policy: Policy, now: datetime
) -> dict[datetime, tuple[datetime, ...]]:
    """{affected occurrence's original start: proposed slot starts}, for the report.

    Empty when nothing is affected, in observe mode, or before busy time is fetched.
    """
    if policy.mode == "observe":
        return {}
    affected = affected_occurrence(state, policy, now)
    if affected is None:
        return {}
    proposals = proposed_slots(state, affected, policy, now)
    return {} if proposals is None else {affected.original_start: proposals}


def needs_free_busy(
    state: PairState, policy: Policy, now: datetime
) -> tuple[datetime, datetime] | None:
    """The window whose busy time the engine must fetch before planning, or None."""
    if policy.mode == "observe" or state.unread:
        return None
    affected = affected_occurrence(state, policy, now)
    return None if affected is None else _window(affected, policy, now)


def proposed_slots(
    state: PairState, affected: Outcome, policy: Policy, now: datetime
) -> tuple[datetime, ...] | None:
    if state.busy is None:
        return None
    duration = affected.end - affected.start
    ours = {(h.start, h.end) for h in state.holds}
    busy = [b for b in state.busy if (b.start, b.end) not in ours]
    busy.append(BusyInterval(affected.original_start, affected.original_start + duration))
    start, end = _window(affected, policy, now)

    def search(lo: datetime, hi: datetime, preferred: datetime) -> list[datetime]:
        return find_slots(
            duration=duration,
            people=state.people,
            busy=busy,
            window_start=lo,
            window_end=hi,
            now=now,
            policy=policy.reschedule,
            holidays=policy.holidays,
            preferred=preferred,
        )

    wanted = policy.reschedule.proposals
    # Proposals people have seen stay as long as they still work for both: a block (and a
    # hold) that changes on every run would be noise, and on Microsoft each change mails.
    kept = [
        slot
        for slot in state.previous_proposals.get(affected.original_start, ())
        if start <= slot
        and slot + duration <= end
        and search(slot, slot + duration, slot) == [slot]
    ][:wanted]
    fresh = [
        slot
        for slot in search(start, end, affected.original_start)
        if all(slot + duration <= k or k + duration <= slot for k in kept)
    ]
    return tuple(sorted(kept + fresh[: wanted - len(kept)]))


def hold_actions(
    state: PairState,
    policy: Policy,
    affected: Outcome | None,
    proposals: tuple[datetime, ...] | None,
    now: datetime,
) -> list[Action]:
    wanted: set[tuple[str, datetime, datetime]] | None = set()
    duration = timedelta(0)
    if affected is not None and policy.mode == "full" and policy.reschedule.hold:
        duration = affected.end - affected.start
        if proposals is None:
            wanted = None  # unknown until busy time is fetched: keep this occurrence's holds
        elif proposals:
            wanted = {
                (cal, proposals[0], affected.original_start)
                for cal in state.pair.people
                if cal in state.writable
            }
    have = {(h.calendar, h.start, h.proposal_for) for h in state.holds}
    withdraw: list[Action] = []
    for h in sorted(state.holds, key=lambda h: (h.calendar, h.start, h.event_id)):
        if h.start <= now:
            continue
        if wanted is None:
            keep = affected is not None and h.proposal_for == affected.original_start
        else:
            keep = (h.calendar, h.start, h.proposal_for) in wanted
        if not keep:
            withdraw.append(WithdrawHold(pair=state.pair, calendar=h.calendar, event_id=h.event_id))
    create: list[Action] = []
    a, b = state.people
    for cal, start, proposal_for in sorted(wanted or ()):
        if (cal, start, proposal_for) in have:
            continue
        create.append(
            CreateHold(
                pair=state.pair,
                calendar=cal,
                start=start,
                end=start + duration,
                proposal_for=proposal_for,
                title=f"Hold: 1:1 {display_name(a)} / {display_name(b)} (proposed)",
            )
        )
    return withdraw + create
