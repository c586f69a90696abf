"""Calendar items as Exchange keeps them: one copy per mailbox.

A meeting's organiser and each attendee of the org have their own ``Item`` (own id, same
iCalUId). A series master keeps its occurrences' changes as ``Override``s keyed by the
occurrence's original start (UTC) and the organiser's deleted occurrences in ``deleted``.
``expand`` turns items into the views calendarView and delta return: singleInstance,
occurrence, exception (and seriesMaster when asked).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from . import recurrence

STAMP = "%Y%m%dT%H%M%SZ"


def new_id() -> str:
    """An opaque id shaped like Exchange's (base64url, starts with AAMk)."""
    return "AAMk" + base64.urlsafe_b64encode(secrets.token_bytes(45)).decode()


def new_change_key() -> str:
    return base64.b64encode(secrets.token_bytes(12)).decode()


def occurrence_id(master_id: str, original_start: dt.datetime) -> str:
    """Opaque, per mailbox (the master ids differ), stable for one occurrence."""
    raw = f"{master_id}|{original_start.astimezone(dt.UTC).strftime(STAMP)}".encode()
    return "AAMkOcc" + base64.urlsafe_b64encode(raw).decode()


def split_occurrence_id(item_id: str) -> tuple[str, dt.datetime] | None:
    if not item_id.startswith("AAMkOcc"):
        return None
    try:
        raw = base64.urlsafe_b64decode(item_id[7:].encode()).decode()
        master_id, stamp = raw.rsplit("|", 1)
        return master_id, dt.datetime.strptime(stamp, STAMP).replace(tzinfo=dt.UTC)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Override:
    """One occurrence's own state: moved, re-answered, cancelled or given its own fields."""

    fields: dict[str, Any] = field(default_factory=dict)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    extended: dict[str, str] = field(default_factory=dict)
    change_key: str = field(default_factory=new_change_key)
    modified: dt.datetime | None = None


@dataclass
class Item:
    """One mailbox's copy of a single event or a series master."""

    id: str
    mailbox: str
    ical_uid: str
    fields: dict[str, Any]  # Graph properties as stored (subject, body, attendees, ...)
    start: dt.datetime  # UTC
    end: dt.datetime
    zone: str  # Windows name: originalStartTimeZone
    created: dt.datetime
    modified: dt.datetime
    change_key: str = field(default_factory=new_change_key)
    extended: dict[str, str] = field(default_factory=dict)
    overrides: dict[dt.datetime, Override] = field(default_factory=dict)
    deleted: set[dt.datetime] = field(default_factory=set)  # organiser-deleted occurrences

    @property
    def is_series(self) -> bool:
        return bool(self.fields.get("recurrence"))

    def touch(self, now: dt.datetime) -> None:
        self.change_key, self.modified = new_change_key(), now


@dataclass
class View:
    """One entry of an expanded calendar: what calendarView/delta/instances serve."""

    id: str
    kind: str  # singleInstance | occurrence | exception | seriesMaster
    item: Item
    start: dt.datetime
    end: dt.datetime
    fields: dict[str, Any]
    extended: dict[str, str]
    change_key: str
    modified: dt.datetime
    original_start: dt.datetime | None = None


def master_view(item: Item) -> View:
    kind = "seriesMaster" if item.is_series else "singleInstance"
    return View(
        item.id, kind, item, item.start, item.end, item.fields, item.extended,
        item.change_key, item.modified,
    )  # fmt: skip


def occurrence_view(item: Item, original: dt.datetime) -> View | None:
    """The occurrence at ``original`` (None if the organiser deleted it)."""
    if original in item.deleted:
        return None
    length = item.end - item.start
    override = item.overrides.get(original)
    if override is None:
        return View(
            occurrence_id(item.id, original), "occurrence", item, original, original + length,
            item.fields, item.extended, item.change_key, item.modified, original,
        )  # fmt: skip
    start = override.start or original
    return View(
        occurrence_id(item.id, original),
        "exception",
        item,
        start,
        override.end or start + length,
        {**item.fields, **override.fields},
        {**item.extended, **override.extended},
        override.change_key,
        override.modified or item.modified,
        original,
    )


def pattern_starts(item: Item, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    return recurrence.occurrences(
        item.fields["recurrence"], item.start, item.zone, start, end, item.end - item.start
    )


def expand(item: Item, start: dt.datetime, end: dt.datetime) -> list[View]:
    """The item's entries overlapping ``[start, end)``: itself, or its occurrences."""
    if not item.is_series:
        return [master_view(item)] if item.start < end and item.end > start else []
    views: list[View] = []
    candidates = set(pattern_starts(item, start, end))
    moved = [o for o, override in item.overrides.items() if override.start is not None]
    candidates |= {o for o in moved if o in pattern_starts(item, o, o + dt.timedelta(minutes=1))}
    for original in sorted(candidates):
        view = occurrence_view(item, original)
        if view is not None and view.start < end and view.end > start:
            views.append(view)
    return views


def find_view(item: Item, original: dt.datetime) -> View | None:
    """The occurrence of ``item`` that originally started at ``original``, if the pattern has
    one there."""
    near = pattern_starts(item, original, original + dt.timedelta(minutes=1))
    if original not in near:
        return None
    return occurrence_view(item, original)
