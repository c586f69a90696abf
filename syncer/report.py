"""The admin's report: one JSON contract, rendered as a table, JSON or CSV (syncer.report_render).

The JSON shape is a public contract (admins' scripts read it; docs/report.schema.json checks it):
`{"generated_at": ISO, "pairs": [{"people": [a, b], "status": "ok"|"overdue"|"missing"|
"no_history", "last_met": ISO|null, "days_since_met": int|null, "limit_days": int,
"series": [...], "cancellations": [{"date": ISO, "kind": "cancelled"|"declined"|"deleted",
"proposals": [ISO, ...]}]}]}`. Fields may be added, never renamed or removed. Added since:
top-level `lookback_days`, `managers`, `totals`; per pair `names`, `team`, `manager`, `held`,
`moved`, `cancelled`, `declines`, `proposals_made`, `proposals_accepted`, and `history` (only
when the report is for one pair).

Counting window: every count is over the lookback (`policy.lookback_days`, 90 by default) up
to the known future (a decline next week is already known), like `cancellations`.

A proposal is *made* for a cancelled or declined occurrence when syncer proposed free slots
for it (one per occurrence, however many slots). It is *accepted* when the pair met, or will
meet, at one of those slots: an occurrence of any of their 1:1 series (the moved occurrence
itself, or another one) is held or upcoming and starts exactly at a proposed slot. A hold
the pair kept, or a one-off meeting outside their recurring series, is not seen and not
counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from syncer.core.history import PairHistory
from syncer.core.model import Outcome, Pair, Person, Series
from syncer.report_render import CSV_COLUMNS, render_report

__all__ = [
    "CSV_COLUMNS",
    "PairReport",
    "build_report",
    "pair_entry",
    "pair_team",
    "proposal_figures",
    "render_report",
]

Status = Literal["ok", "overdue", "missing", "no_history"]
_STATUS_ORDER: dict[str, int] = {"missing": 0, "overdue": 1, "no_history": 2, "ok": 3}


@dataclass(frozen=True)
class PairReport:
    pair: Pair
    status: Status
    limit_days: int
    history: PairHistory | None
    series: tuple[Series, ...]
    proposals: Mapping[datetime, tuple[datetime, ...]]  # cancelled original start -> proposals
    people: tuple[Person, Person] | None = None  # for names, team and manager


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def pair_manager(people: tuple[Person, Person]) -> str | None:
    """The one of the two who manages the other, if either does."""
    a, b = people
    if b.manager and b.manager.lower() == a.email:
        return a.email
    if a.manager and a.manager.lower() == b.email:
        return b.email
    return None


def pair_team(people: tuple[Person, Person]) -> str | None:
    """The pair's team: the report's team when one manages the other (a manager may lead
    several teams; the report belongs to one), else the first of the two that has one."""
    a, b = people
    manager = pair_manager(people)
    if manager == a.email:
        return b.team or a.team
    if manager == b.email:
        return a.team or b.team
    return a.team or b.team


def proposal_figures(
    outcomes: Sequence[Outcome],
    proposals: Mapping[datetime, tuple[datetime, ...]],
    since: datetime,
    until: datetime,
) -> tuple[int, int]:
    """(made, accepted) for the proposals of occurrences originally in [since, until]: see the
    module docstring for what counts as accepted."""
    met_at = {o.start for o in outcomes if o.kind in ("held", "upcoming")}
    made = accepted = 0
    for original, slots in proposals.items():
        if not slots or not since <= original <= until:
            continue
        made += 1
        accepted += any(slot in met_at for slot in slots)
    return made, accepted


def _history_rows(report: PairReport) -> list[dict[str, Any]]:
    history = report.history
    if history is None:
        return []
    return [
        {
            "series": o.series_uid,
            "original_start": _iso(o.original_start),
            "start": _iso(o.start),
            "kind": o.kind,
            "moved": o.moved,
            "declined_by": o.declined_by,
            "proposals": [_iso(p) for p in report.proposals.get(o.original_start, ())],
        }
        for o in history.outcomes
    ]


def pair_entry(
    report: PairReport, now: datetime, lookback_days: int, *, with_history: bool = False
) -> dict[str, Any]:
    history = report.history
    since = now - timedelta(days=lookback_days)
    cancellations: list[dict[str, Any]] = []
    held = moved = made = accepted = 0
    if history is not None:
        for outcome in history.recent_cancellations(now, lookback_days):
            cancellations.append(
                {
                    "date": _iso(outcome.original_start),
                    "kind": outcome.kind,
                    "proposals": [
                        _iso(p) for p in report.proposals.get(outcome.original_start, ())
                    ],
                }
            )
        until = now + timedelta(days=history.horizon_days)
        recent = [o for o in history.outcomes if since <= o.original_start <= until]
        held = sum(1 for o in recent if o.kind == "held")
        moved = sum(1 for o in recent if o.moved and o.kind in ("held", "upcoming"))
        made, accepted = proposal_figures(history.outcomes, report.proposals, since, until)
    people = report.people
    entry: dict[str, Any] = {
        "people": [report.pair.a, report.pair.b],
        "status": report.status,
        "last_met": _iso(history.last_met) if history else None,
        "days_since_met": history.days_since_met if history else None,
        "limit_days": report.limit_days,
        "series": [
            {"uid": s.uid, "title": s.title, "organizer": s.organizer, "ended": s.cancelled}
            for s in report.series
        ],
        "cancellations": cancellations,
        "names": [p.name for p in people] if people else [None, None],
        "team": pair_team(people) if people else None,
        "manager": pair_manager(people) if people else None,
        "held": held,
        "moved": moved,
        "cancelled": sum(1 for c in cancellations if c["kind"] != "declined"),
        "declines": sum(1 for c in cancellations if c["kind"] == "declined"),
        "proposals_made": made,
        "proposals_accepted": accepted,
    }
    if with_history:
        entry["history"] = _history_rows(report)
    return entry


def _managers(
    entries: Sequence[Mapping[str, Any]], people: Mapping[str, Person]
) -> list[dict[str, Any]]:
    """Per manager: their reports (pairs where they are the manager), the reports with no 1:1
    series at all, and how many of those pairs are overdue."""
    by_manager: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        if entry["manager"]:
            by_manager.setdefault(entry["manager"], []).append(entry)
    rows = []
    for email, mine in sorted(by_manager.items()):
        person = people.get(email)
        rows.append(
            {
                "manager": email,
                "name": person.name if person else None,
                "team": person.team if person else None,
                "reports": len(mine),
                "without_one_on_one": sorted(
                    next(p for p in e["people"] if p != email)
                    for e in mine
                    if e["status"] == "missing"
                ),
                "overdue": sum(1 for e in mine if e["status"] == "overdue"),
            }
        )
    return rows


def _totals(entries: Sequence[Mapping[str, Any]], managers: int) -> dict[str, int]:
    totals = {"pairs": len(entries), "ok": 0, "overdue": 0, "missing": 0, "no_history": 0}
    for entry in entries:
        totals[entry["status"]] += 1
    totals["people"] = len({p for e in entries for p in e["people"]})
    totals["managers"] = managers
    for key in ("held", "cancelled", "declines", "proposals_made", "proposals_accepted"):
        totals[key] = sum(int(e[key]) for e in entries)
    return totals


def build_report(
    pairs: Sequence[PairReport],
    now: datetime,
    lookback_days: int = 90,
    *,
    people: Mapping[str, Person] | None = None,
    with_history: bool = False,
) -> dict[str, Any]:
    """The report's JSON (see the module docstring); `with_history` adds every outcome of each
    pair (`syncer report --pair a b`)."""
    ordered = sorted(pairs, key=lambda r: (_STATUS_ORDER[r.status], r.pair))
    entries = [pair_entry(r, now, lookback_days, with_history=with_history) for r in ordered]
    managers = _managers(entries, people or {})
    return {
        "generated_at": _iso(now),
        "lookback_days": lookback_days,
        "pairs": entries,
        "managers": managers,
        "totals": _totals(entries, len(managers)),
    }


def cancellation_dates(data: Mapping[str, Any]) -> list[tuple[datetime, str]]:
    """Every (date, kind) in the report's cancellations, for charts."""
    out = []
    for entry in data["pairs"]:
        for c in entry["cancellations"]:
            out.append((datetime.fromisoformat(c["date"].replace("Z", "+00:00")), c["kind"]))
    return out
