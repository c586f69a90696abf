"""The admin's report: one JSON contract, rendered as a table, JSON or CSV.

The JSON shape is a public contract (admins' scripts read it):
`{"generated_at": ISO, "pairs": [{"people": [a, b], "status": "ok"|"overdue"|"missing"|
"no_history", "last_met": ISO|null, "days_since_met": int|null, "limit_days": int,
"series": [...], "cancellations": [{"date": ISO, "kind": "cancelled"|"declined"|"deleted",
"proposals": [ISO, ...]}]}]}`. Fields may be added, never renamed or removed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from syncer.core.history import PairHistory
from syncer.core.model import Pair, Series

Status = Literal["ok", "overdue", "missing", "no_history"]

CSV_COLUMNS = (
    "person_a",
    "person_b",
    "status",
    "last_met",
    "days_since_met",
    "limit_days",
    "series",
    "cancellations",
    "declines",
    "proposals",
)


@dataclass(frozen=True)
class PairReport:
    pair: Pair
    status: Status
    limit_days: int
    history: PairHistory | None
    series: tuple[Series, ...]
    proposals: Mapping[datetime, tuple[datetime, ...]]  # cancelled original start -> proposals


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def pair_entry(report: PairReport, now: datetime, lookback_days: int) -> dict[str, Any]:
    history = report.history
    cancellations: list[dict[str, Any]] = []
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
    return {
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
    }


def build_report(
    pairs: Sequence[PairReport], now: datetime, lookback_days: int = 90
) -> dict[str, Any]:
    ordered = sorted(pairs, key=lambda r: (_STATUS_ORDER[r.status], r.pair))
    return {
        "generated_at": _iso(now),
        "pairs": [pair_entry(r, now, lookback_days) for r in ordered],
    }


_STATUS_ORDER: dict[str, int] = {"missing": 0, "overdue": 1, "no_history": 2, "ok": 3}


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    kinds = [c["kind"] for c in entry["cancellations"]]
    return {
        "person_a": entry["people"][0],
        "person_b": entry["people"][1],
        "status": entry["status"],
        "last_met": entry["last_met"] or "",
        "days_since_met": "" if entry["days_since_met"] is None else entry["days_since_met"],
        "limit_days": entry["limit_days"],
        "series": len(entry["series"]),
        "cancellations": sum(1 for k in kinds if k in ("cancelled", "deleted")),
        "declines": sum(1 for k in kinds if k == "declined"),
        "proposals": sum(len(c["proposals"]) for c in entry["cancellations"]),
    }


def render_report(data: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    rows = [_row(e) for e in data["pairs"]]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"1:1 pairs ({data['generated_at']})")
    for column in CSV_COLUMNS:
        table.add_column(column.replace("_", " "))
    for row in rows:
        table.add_row(*(str(row[c]) for c in CSV_COLUMNS))
    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    console.print(table)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["status"]] = totals.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(totals.items())) or "no pairs"
    console.print(f"{len(rows)} pairs: {summary}")
    return console.file.getvalue()  # type: ignore[attr-defined]
