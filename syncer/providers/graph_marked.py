"""What syncer left on one Graph calendar, found in the calendar itself (for a purge).

`/events` lists single events and series masters; changed occurrences (exceptions) carry
their own body and extended properties and are listed only by an expanded view, so a
`calendarView` over the same window as a pull finds those. Each copy is kept when it has a
syncer marker or a managed block.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from syncer.core.blocks import current_block
from syncer.providers.base import MarkedCopy
from syncer.providers.graph_http import GraphSession
from syncer.providers.graph_parse import MARKERS_EXPAND, MalformedItem, parse_event_body, utc_text

_PREFER = {"Prefer": 'odata.maxpagesize=200, outlook.timezone="UTC"'}


def _people(item: Mapping[str, Any]) -> frozenset[str]:
    found = [item.get("organizer")]
    found += [a for a in item.get("attendees") or [] if a.get("type") != "resource"]
    emails = (((p or {}).get("emailAddress") or {}).get("address") for p in found)
    return frozenset(str(e).lower() for e in emails if e)


def marked_copy(item: Mapping[str, Any], calendar: str) -> MarkedCopy | None:
    """The copy when it carries a marker or a block, else None (unreadable items too)."""
    try:
        event = parse_event_body(item, calendar)
    except MalformedItem:
        return None
    if not event.markers and current_block(event.body, event.body_type) is None:
        return None
    return MarkedCopy(event, _people(item))


def find_marked(
    session: GraphSession, calendar: str, window: tuple[datetime, datetime]
) -> list[MarkedCopy]:
    user = f"/users/{quote(calendar, safe='@')}"
    expand = {"$expand": MARKERS_EXPAND}
    items, _ = session.pages(f"{user}/events", params=expand, headers=_PREFER)
    view, _ = session.pages(
        f"{user}/calendarView",
        params={
            **expand,
            "startDateTime": f"{utc_text(window[0])}Z",
            "endDateTime": f"{utc_text(window[1])}Z",
        },
        headers=_PREFER,
    )
    items += [v for v in view if v.get("type") == "exception"]
    found = (marked_copy(item, calendar) for item in items)
    return [c for c in found if c is not None]


__all__ = ["find_marked", "marked_copy"]
