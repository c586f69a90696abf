"""What became of every expected occurrence of a pair's 1:1s, and whether the pair is overdue.

A pair can have several series over time (one ended, a new one started); its history spans
them all. Each expected occurrence becomes one `Outcome`:

- held: it started (start <= now), was not cancelled, and neither person declined it; a moved
  occurrence that happened counts (moved=True). The latest held start is `last_met`;
- upcoming: it has not started and nobody cancelled or declined it;
- cancelled: the organiser's side cancelled (deleted) that one occurrence;
- declined: either person declined it (`declined_by`; when both did, the first of the pair);
- deleted: the whole series was deleted. Occurrences before the deletion (`updated`, else now)
  keep their own outcome; the first expected one after it becomes one `deleted` outcome and the
  rest are not expected any more.

A series that simply ended (its rule ran out) adds nothing after its end: the pair's gap grows
until they meet again, which is what the overdue check is for. All-day series are never counted.
Occurrences are deduplicated by (uid, original_start) and the past is capped at 400 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal, NamedTuple, TypeAlias

from syncer.core.detect import PairSeries
from syncer.core.frozen import positional_constructor
from syncer.core.model import Attendance, Outcome, Pair, Person, Policy
from syncer.core.recurrence import Expansion, expansion

PAST_CAP_DAYS = 400
MISSED_KINDS = frozenset({"cancelled", "declined", "deleted"})
PairStatus: TypeAlias = Literal["ok", "overdue", "missing", "no_history"]


class _Tally(NamedTuple):
    counts: dict[str, int]  # outcomes by kind
    moved: int  # held or upcoming outcomes that were moved
    last_met: datetime | None
    next_occurrence: Outcome | None
    upcoming_series: frozenset[str]


@dataclass(frozen=True)
class PairHistory:
    """A pair's outcomes (sorted by start) as of `now`, with the figures the report shows.

    The counts span every outcome, the known future up to the horizon included (a decline
    next week is already known); `streak_missed` and `last_met` look at the past only. The
    figures the planner reads several times per pair are computed once (the value is frozen).
    """

    pair: Pair
    now: datetime
    outcomes: tuple[Outcome, ...]
    horizon_days: int = 35

    @cached_property
    def past(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.start <= self.now)

    @cached_property
    def _tally(self) -> _Tally:
        """One pass over the outcomes for the figures read most (the value is frozen)."""
        counts = dict.fromkeys(("held", "upcoming", "cancelled", "declined", "deleted"), 0)
        moved, last_met, next_occurrence = 0, None, None
        upcoming: set[str] = set()
        for o in self.outcomes:
            kind = o.kind
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "held":
                if last_met is None or o.start > last_met:
                    last_met = o.start
                if o.moved:
                    moved += 1
            elif kind == "upcoming":
                if next_occurrence is None:
                    next_occurrence = o
                upcoming.add(o.series_uid)
                if o.moved:
                    moved += 1
        return _Tally(counts, moved, last_met, next_occurrence, frozenset(upcoming))

    @property
    def last_met(self) -> datetime | None:
        return self._tally.last_met

    @property
    def days_since_met(self) -> int | None:
        last = self.last_met
        return None if last is None else (self.now - last).days

    @cached_property
    def first_expected(self) -> datetime | None:
        """The first occurrence the pair was expected to hold (for pairs that never met)."""
        return min((o.original_start for o in self.outcomes), default=None)

    @property
    def held(self) -> int:
        return self._tally.counts["held"]

    @property
    def cancelled(self) -> int:
        return self._tally.counts["cancelled"]

    @property
    def declined(self) -> int:
        return self._tally.counts["declined"]

    @property
    def deleted(self) -> int:
        return self._tally.counts["deleted"]

    @property
    def moved(self) -> int:
        return self._tally.moved

    @property
    def streak_missed(self) -> int:
        """Consecutive past occurrences, latest first, that were not held."""
        streak = 0
        for o in reversed(self.past):
            if o.kind == "held":
                break
            streak += 1
        return streak

    @property
    def next_occurrence(self) -> Outcome | None:
        return self._tally.next_occurrence

    @property
    def upcoming_series(self) -> frozenset[str]:
        """The uids of the series that still have an upcoming occurrence."""
        return self._tally.upcoming_series

    def recent_cancellations(self, now: datetime, days: int) -> list[Outcome]:
        """Cancelled, declined or deleted occurrences from `days` ago up to the horizon."""
        lo, hi = now - timedelta(days=days), now + timedelta(days=self.horizon_days)
        return [o for o in self.outcomes if o.kind in MISSED_KINDS and lo <= o.original_start <= hi]


_new_outcome = positional_constructor(
    Outcome,
    ("series_uid", "original_start", "start", "end", "kind", "moved", "declined_by", "event_id"),
)


def _declined_by(people: tuple[str, str], attendance: tuple[Attendance, ...]) -> str | None:
    """The first of the pair whose answer (first listed, as `Occurrence.response_of`) is no."""
    for p in people:
        for a in attendance:
            if a.email == p:
                if a.response == "declined":
                    return p
                break
    return None


def _classify(pair: Pair, uid: str, occurrences: Expansion, now: datetime) -> list[Outcome]:
    """One outcome per occurrence (see the module docstring), answers read once per attendance.

    Reads the expansion directly: most occurrences are the rule's plain slots, whose outcome
    needs no `Occurrence` built first.
    """
    people, make, out = pair.people, _new_outcome, []
    removed, overridden, length = occurrences.removed, occurrences.overridden, occurrences.length
    base = _declined_by(people, occurrences.attendance)
    end_of = occurrences.end_of
    declined: dict[int, str | None] = {}  # id(attendance) -> who declined; rows keep them alive
    for t in occurrences.keys:
        row = overridden.get(t) if overridden else None
        if row is None:
            end = t + length if length is not None else end_of(t)
            if t in removed:
                out.append(make(uid, t, t, end, "cancelled", False, None, None))
            elif base is not None:
                out.append(make(uid, t, t, end, "declined", False, base, None))
            else:
                kind = "held" if t <= now else "upcoming"
                out.append(make(uid, t, t, end, kind, False, None, None))
            continue
        original, start, end, cancelled, moved, attendance, event_id = row
        key = id(attendance)
        if key in declined:
            declined_by = declined[key]
        else:
            declined_by = declined[key] = _declined_by(people, attendance)
        if cancelled:
            kind, declined_by = "cancelled", None
        elif declined_by is not None:
            kind = "declined"
        else:
            kind = "held" if start <= now else "upcoming"
        out.append(make(uid, original, start, end, kind, moved, declined_by, event_id))
    if occurrences.reorders:  # as `expand` orders them: by start, ties by original start
        out.sort(key=_start)
    return out[: occurrences.limit]


def series_outcomes(
    pair: Pair, ps: PairSeries, now: datetime, horizon_days: int = 35
) -> list[Outcome]:
    """The outcomes of one series of the pair, from its start (capped) to now + horizon."""
    series = ps.merged
    if series.all_day or series.event_type != "default":
        return []
    start = max(series.start, now - timedelta(days=PAST_CAP_DAYS))
    end = now + timedelta(days=horizon_days)
    # A deleted series expands to nothing by default; we still want what it held before.
    outcomes = _classify(pair, series.uid, expansion(series, start, end, deleted_too=True), now)
    if not ps.deleted:
        return outcomes
    deleted_at = ps.canonical.updated or now
    kept = [o for o in outcomes if o.original_start < deleted_at]
    after = [o for o in outcomes if o.original_start >= deleted_at]
    if after:
        first = min(after, key=lambda o: o.original_start)
        kept.append(
            Outcome(
                series_uid=first.series_uid,
                original_start=first.original_start,
                start=first.original_start,
                end=first.original_start + (first.end - first.start),
                kind="deleted",
                event_id=first.event_id,
            )
        )
    return kept


def pair_history(
    pair: Pair, series: Sequence[PairSeries], now: datetime, horizon_days: int = 35
) -> PairHistory:
    """Every expected occurrence of every series of `pair`, classified as of `now`."""
    mine = sorted((ps for ps in series if ps.pair == pair), key=_uid)
    if len(mine) == 1:
        # One series: its outcomes are unique by original start and come in (start, original
        # start) order, but for the one `deleted` outcome appended last, which is the latest
        # by original start: a stable sort by start alone gives the full order.
        outcomes = series_outcomes(pair, mine[0], now, horizon_days)
        if mine[0].deleted:
            outcomes.sort(key=_start)
    else:
        seen: dict[tuple[str, datetime], Outcome] = {}
        for ps in mine:
            for o in series_outcomes(pair, ps, now, horizon_days):
                seen.setdefault((o.series_uid, o.original_start), o)
        outcomes = sorted(seen.values(), key=_order)
    return PairHistory(pair=pair, now=now, outcomes=tuple(outcomes), horizon_days=horizon_days)


def _uid(ps: PairSeries) -> str:
    return ps.uid


def _start(o: Outcome) -> datetime:
    return o.start


def _order(o: Outcome) -> tuple[datetime, datetime, str]:
    return (o.start, o.original_start, o.series_uid)


def limit_days(pair_people: tuple[Person, Person], policy: Policy, now: datetime) -> int:
    """How many days the pair may go without meeting.

    The default is `max_gap_days`; a team override replaces it (the stricter of the two people's
    teams when both have one); a new hire (started within `new_hire_days`, or starting soon)
    on either side makes it at most `new_hire_max_gap_days`.
    """
    teams = [
        policy.team_max_gap_days[p.team]
        for p in pair_people
        if p.team is not None and p.team in policy.team_max_gap_days
    ]
    limit = min(teams) if teams else policy.max_gap_days
    today = now.date()
    if any(
        p.start_date is not None and (today - p.start_date).days <= policy.new_hire_days
        for p in pair_people
    ):
        limit = min(limit, policy.new_hire_max_gap_days)
    return limit


def overdue_days(history: PairHistory) -> int | None:
    """Days without meeting: since the last meeting, else since the first expected one."""
    if history.days_since_met is not None:
        return history.days_since_met
    first = history.first_expected
    if first is None or first > history.now:
        return None
    return (history.now - first).days


def status(history: PairHistory, limit: int, has_series: bool) -> PairStatus:
    """ok, overdue (more than `limit` days without meeting), missing (an expected pair with no
    series at all) or no_history (a series, but no meeting yet and not yet overdue: a pair that
    never met is overdue once its first expected occurrence is more than `limit` days ago)."""
    if not has_series:
        return "missing"
    gap = overdue_days(history)
    if gap is not None and gap > limit:
        return "overdue"
    if history.last_met is None:
        return "no_history"
    return "ok"
