"""The report's JSON (syncer.report) as the admin reads it: a rich table, JSON or CSV.

CSV is one row per pair (a spreadsheet's shape); its first columns never change order, new
ones are appended. The table adds the per-manager view and the org totals; for one pair
(`--pair a b`) it lists that pair's history, every occurrence across all their series.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

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
    # added after the first release: appended, never reordered
    "team",
    "manager",
    "name_a",
    "name_b",
    "held",
    "moved",
    "proposals_made",
    "proposals_accepted",
)


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    names = entry.get("names") or [None, None]
    return {
        "person_a": entry["people"][0],
        "person_b": entry["people"][1],
        "status": entry["status"],
        "last_met": entry["last_met"] or "",
        "days_since_met": "" if entry["days_since_met"] is None else entry["days_since_met"],
        "limit_days": entry["limit_days"],
        "series": len(entry["series"]),
        "cancellations": sum(1 for c in entry["cancellations"] if c["kind"] != "declined"),
        "declines": sum(1 for c in entry["cancellations"] if c["kind"] == "declined"),
        "proposals": sum(len(c["proposals"]) for c in entry["cancellations"]),
        "team": entry.get("team") or "",
        "manager": entry.get("manager") or "",
        "name_a": names[0] or "",
        "name_b": names[1] or "",
        "held": entry.get("held", 0),
        "moved": entry.get("moved", 0),
        "proposals_made": entry.get("proposals_made", 0),
        "proposals_accepted": entry.get("proposals_accepted", 0),
    }


def render_report(data: Mapping[str, Any], fmt: str) -> str:
    """`fmt` is json, csv or table."""
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    rows = [_row(e) for e in data["pairs"]]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    return _table(data, rows)


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "-"


def _table(data: Mapping[str, Any], rows: list[dict[str, Any]]) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=io.StringIO(), width=180, force_terminal=False)
    lookback = data.get("lookback_days", 90)
    pairs = Table(title=f"1:1 pairs ({data['generated_at']}; counts over {lookback} days)")
    for column in (
        "pair",
        "team",
        "status",
        "last met",
        "days since",
        "limit",
        "series",
        "cancelled",
        "declines",
        "proposals made/accepted",
    ):
        pairs.add_column(column, no_wrap=column in ("pair", "last met"))
    for row in rows:
        pairs.add_row(
            escape(f"{row['person_a']} & {row['person_b']}"),
            escape(str(row["team"] or "-")),
            row["status"],
            _day(row["last_met"] or None),
            str(row["days_since_met"]) if row["days_since_met"] != "" else "-",
            str(row["limit_days"]),
            str(row["series"]),
            str(row["cancellations"]),
            str(row["declines"]),
            f"{row['proposals_made']}/{row['proposals_accepted']}",
        )
    console.print(pairs)
    for entry in data["pairs"]:
        if "history" in entry:
            console.print(_history_table(entry))
    managers = data.get("managers") or []
    if managers:
        table = Table(title="Managers")
        for column in ("manager", "team", "reports", "without a 1:1", "overdue"):
            table.add_column(column)
        for m in managers:
            table.add_row(
                escape(m["manager"]),
                escape(m["team"] or "-"),
                str(m["reports"]),
                escape(", ".join(m["without_one_on_one"]) or "-"),
                str(m["overdue"]),
            )
        console.print(table)
    totals = data.get("totals")
    if totals:
        console.print(
            f"{totals['pairs']} pairs: {totals['ok']} ok, {totals['overdue']} overdue, "
            f"{totals['missing']} missing, {totals['no_history']} no history; "
            f"{totals['held']} held, {totals['cancelled']} cancelled, "
            f"{totals['declines']} declined; proposals {totals['proposals_made']} made, "
            f"{totals['proposals_accepted']} accepted"
        )
    else:
        console.print(f"{len(rows)} pairs")
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def _history_table(entry: Mapping[str, Any]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(f"History of {entry['people'][0]} & {entry['people'][1]}"))
    for column in ("expected", "outcome", "at", "series", "proposals"):
        table.add_column(column)
    for h in entry["history"]:
        kind = h["kind"]
        if h["moved"]:
            kind = f"{kind} (moved)"
        if h["declined_by"]:
            kind = f"{kind} by {h['declined_by']}"
        table.add_row(
            h["original_start"],
            escape(kind),
            h["start"] if h["start"] != h["original_start"] else "",
            escape(h["series"]),
            ", ".join(h["proposals"]),
        )
    return table
