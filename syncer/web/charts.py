"""The dashboard's plots: matplotlib figures rendered server-side to inline SVG.

No JavaScript and no CDN: the page must work on a machine without internet and in a browser
that runs no scripts. The figures carry numbers and fixed labels only (never a person's name),
and matplotlib escapes every text it writes into the SVG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

WEEKS = 13  # a quarter

_STYLE: Any = {
    "svg.fonttype": "none",  # real <text>: readable by screen readers and tests
    "svg.hashsalt": "syncer",  # stable ids: the same data gives the same SVG
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: object) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = out.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE: inline in HTML


def days_since_histogram(days: Sequence[int], limit: int) -> str:
    """How many pairs last met how long ago, with the default limit as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context(_STYLE):
        figure = Figure(figsize=(5.6, 2.8))
        ax = figure.subplots()
        top = max([*days, limit, 7]) + 7
        width = max(1, top // 15)
        bins = list(range(0, top + width, width))
        ax.hist(list(days), bins=bins, color="#4C78A8", edgecolor="white")
        ax.axvline(limit, color="#E45756", linestyle="--", linewidth=1.2)
        ax.annotate(f"limit {limit} d", (limit, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", color="#E45756")  # fmt: skip
        ax.set_xlabel("days since last met")
        ax.set_ylabel("pairs")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        return _svg(figure)


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays (00:00 UTC) of the last `weeks` weeks, this week last."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_counts(
    events: Sequence[tuple[datetime, str]], now: datetime, weeks: int = WEEKS
) -> tuple[list[datetime], list[int], list[int]]:
    """(week starts, cancelled or deleted per week, declined per week) over the past quarter;
    the known future is left out."""
    starts = week_starts(now, weeks)
    cancelled, declined = [0] * weeks, [0] * weeks
    for when, kind in events:
        if when > now or when < starts[0]:
            continue
        i = min((when - starts[0]).days // 7, weeks - 1)
        if kind == "declined":
            declined[i] += 1
        else:
            cancelled[i] += 1
    return starts, cancelled, declined


def cancellations_per_week(events: Sequence[tuple[datetime, str]], now: datetime) -> str:
    """Stacked bars: cancelled (or deleted) and declined occurrences per week."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    starts, cancelled, declined = weekly_counts(events, now)
    labels = [f"{s:%d %b}" for s in starts]
    with rc_context(_STYLE):
        figure = Figure(figsize=(5.6, 2.8))
        ax = figure.subplots()
        x = list(range(len(starts)))
        ax.bar(x, cancelled, color="#F58518", label="cancelled")
        ax.bar(x, declined, bottom=cancelled, color="#72B7B2", label="declined")
        ax.set_xticks(x[::2], labels[::2], rotation=30, ha="right")
        ax.set_ylabel("occurrences")
        ax.set_xlabel("week starting")
        ax.set_ylim(0, max([c + d for c, d in zip(cancelled, declined, strict=True)] + [1]) + 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, loc="upper left")
        return _svg(figure)
