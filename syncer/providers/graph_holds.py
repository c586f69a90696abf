"""Holds: tentative events syncer puts on one person's own calendar for a proposed slot.

No attendees, so no invitation exists to send; `showAs: tentative`; the pair and hold markers as
extended properties. Found again with a `$filter` on the pair marker (and checked again here,
so a server that ignores the filter still gives the right answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from syncer.errors import ProviderError
from syncer.providers.base import MARKER_HOLD, MARKER_PAIR, HoldRef
from syncer.providers.graph_http import GraphSession
from syncer.providers.graph_parse import (
    MARKERS_EXPAND,
    MalformedItem,
    marker_property_id,
    parse_instant,
    parse_markers,
    parse_time,
    utc_text,
)

Payload = Mapping[str, Any]
_PREFER = {"Prefer": 'odata.maxpagesize=200, outlook.timezone="UTC"'}


def parse_hold(item: Payload, calendar: str) -> HoldRef | None:
    """A hold syncer created (it carries both the pair and the hold marker), else None."""
    markers = parse_markers(item)
    if item.get("isCancelled") or MARKER_HOLD not in markers or MARKER_PAIR not in markers:
        return None
    try:
        return HoldRef(
            calendar=calendar,
            event_id=str(item.get("id") or ""),
            start=parse_time(item.get("start")),
            end=parse_time(item.get("end")),
            pair_key=markers[MARKER_PAIR],
            proposal_for=parse_instant(markers[MARKER_HOLD]),
        )
    except MalformedItem:
        return None


def find_holds(session: GraphSession, calendar: str, pair_key: str) -> list[HoldRef]:
    escaped = pair_key.replace("'", "''")
    prop = marker_property_id(MARKER_PAIR)
    items, _ = session.pages(
        f"/users/{quote(calendar, safe='@')}/events",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{prop}' "
            f"and ep/value eq '{escaped}')",
            "$expand": MARKERS_EXPAND,
        },
        headers=_PREFER,
    )
    holds = (parse_hold(item, calendar) for item in items)
    return sorted(
        (h for h in holds if h is not None and h.pair_key == pair_key),
        key=lambda h: (h.start, h.event_id),
    )


def create_hold(
    session: GraphSession,
    calendar: str,
    start: datetime,
    end: datetime,
    title: str,
    body: str,
    markers: Mapping[str, str],
) -> HoldRef:
    """The hold, or the existing one for the same pair, slot and proposal (no twin on re-run)."""
    if MARKER_PAIR not in markers or MARKER_HOLD not in markers:
        raise ValueError(f"a hold needs the {MARKER_PAIR} and {MARKER_HOLD} markers")
    proposal_for = parse_instant(markers[MARKER_HOLD])
    for hold in find_holds(session, calendar, markers[MARKER_PAIR]):
        same_slot = (hold.start, hold.end) == (start.astimezone(UTC), end.astimezone(UTC))
        if same_slot and hold.proposal_for == proposal_for:
            return hold
    event = {
        "subject": title,
        "body": {"contentType": "text", "content": body},
        "start": {"dateTime": utc_text(start), "timeZone": "UTC"},
        "end": {"dateTime": utc_text(end), "timeZone": "UTC"},
        "showAs": "tentative",
        "singleValueExtendedProperties": [
            {"id": marker_property_id(k), "value": v} for k, v in sorted(markers.items())
        ],
    }
    user = f"/users/{quote(calendar, safe='@')}"
    created = session.send(
        "POST",
        f"{user}/events",
        params={"$expand": MARKERS_EXPAND},
        json_body=event,
        headers=_PREFER,
    )
    made = parse_hold(created, calendar)
    if made is None:  # a create answer may leave out the expansion
        again = session.send(
            "GET",
            f"{user}/events/{quote(str(created.get('id')), safe='')}",
            params={"$expand": MARKERS_EXPAND},
            headers=_PREFER,
        )
        made = parse_hold(again, calendar)
    if made is None:
        raise ProviderError("microsoft", None, "created hold came back without its markers")
    return replace(made, created=True)


__all__ = ["create_hold", "find_holds", "parse_hold"]
