"""Calendars and their events, with the bookkeeping Calendar does behind the API.

Every calendar holds records keyed by event id: standalone events, series masters and
exceptions (moved, modified or cancelled instances, id ``{masterId}_{suffix}``). Every change
takes a new number from one global sequence; that number is the record's etag and what sync
tokens count from. Deleted events stay as cancelled tombstones so incremental sync can
report them.

Copies: a meeting organised by a person of the org lives on the organiser's calendar and, with
the same event id and iCalUID, on each attendee's calendar. The organiser's copy holds the
shared fields; ``propagate`` pushes them to the attendees' copies, keeping what is private to a
copy (Calendar "Extended properties" guide: private properties belong to one copy).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import deleted, not_found
from .times import format_rfc3339, occurrences, original_moment, split_instance_id

if TYPE_CHECKING:
    from ..state import GoogleState

# Fields of a copy that belong to its calendar's owner and survive the organiser's changes.
PER_COPY = ("reminders", "colorId", "transparency")
BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def new_event_id() -> str:
    return "".join(secrets.choice(BASE32HEX) for _ in range(26))


@dataclass
class Record:
    body: dict[str, Any]
    seq: int

    @property
    def cancelled(self) -> bool:
        return self.body.get("status") == "cancelled"


@dataclass
class CalendarData:
    id: str
    time_zone: str
    events: dict[str, Record] = field(default_factory=dict)
    acl: dict[str, str] = field(default_factory=dict)  # email -> owner|writer|reader|freeBusyReader
    generation: int = 0  # bumped to invalidate every sync token of this calendar


class CalendarStore:
    def __init__(self, state: GoogleState) -> None:
        self._state = state
        self.calendars: dict[str, CalendarData] = {}
        self.seq = 1_000_000
        self.listeners: list[Callable[[str], None]] = []
        self.pages: dict[str, Any] = {}  # events.list page tokens -> the rest of the answer

    # -- calendars --------------------------------------------------------------------------

    def add_calendar(self, owner: str, time_zone: str) -> CalendarData:
        calendar = self.calendars.get(owner)
        if calendar is None:
            calendar = CalendarData(owner, time_zone, acl={owner: "owner"})
            self.calendars[owner] = calendar
        return calendar

    def get(self, calendar_id: str) -> CalendarData:
        calendar = self.calendars.get(calendar_id.lower())
        if calendar is None:
            raise not_found()
        return calendar

    def expire_tokens(self, calendar_id: str | None) -> None:
        for calendar in self.calendars.values():
            if calendar_id is None or calendar.id == calendar_id.lower():
                calendar.generation += 1

    # -- records ----------------------------------------------------------------------------

    def put(self, calendar: CalendarData, body: dict[str, Any]) -> Record:
        """Store a new version of an event: new etag, new ``updated``, listeners told."""
        self.seq += 1
        body["etag"] = f'"{self.seq}"'
        body["updated"] = format_rfc3339(self._state.clock.now())
        body.setdefault("created", body["updated"])
        record = Record(body, self.seq)
        calendar.events[body["id"]] = record
        for listener in self.listeners:
            listener(calendar.id)
        return record

    def find(self, calendar: CalendarData, event_id: str) -> Record | None:
        """A stored record, or an unchanged instance of a series built on the fly."""
        record = calendar.events.get(event_id)
        if record is not None:
            return record
        return self.virtual_instance(calendar, event_id)

    def require(self, calendar: CalendarData, event_id: str, *, live: bool = False) -> Record:
        record = self.find(calendar, event_id)
        if record is None:
            raise not_found()
        if live and record.cancelled:
            raise deleted()
        return record

    def virtual_instance(self, calendar: CalendarData, event_id: str) -> Record | None:
        parts = split_instance_id(event_id)
        if parts is None:
            return None
        master = calendar.events.get(parts[0])
        if master is None or "recurrence" not in master.body:
            return None
        target = original_moment(parts[1])
        for original, start, end in occurrences(
            master.body, target.replace(hour=23, minute=59, second=59), calendar.time_zone
        ):
            if event_id == instance_id(master.body["id"], original):
                return Record(instance_body(master, original, start, end), master.seq)
        return None

    def materialize(self, calendar: CalendarData, event_id: str) -> Record:
        """Turn an unchanged instance into a stored exception so it can be changed alone."""
        record = self.require(calendar, event_id)
        if event_id not in calendar.events:
            calendar.events[event_id] = Record(copy.deepcopy(record.body), record.seq)
        return calendar.events[event_id]

    def instances_of(self, calendar: CalendarData, master_id: str) -> list[Record]:
        """Stored exceptions of a series."""
        prefix = master_id + "_"
        return [r for key, r in calendar.events.items() if key.startswith(prefix)]

    # -- copies -----------------------------------------------------------------------------

    def copies(self, event_id: str) -> list[tuple[CalendarData, Record]]:
        """Every calendar that holds this event id (stored records only)."""
        return [
            (calendar, calendar.events[event_id])
            for calendar in self.calendars.values()
            if event_id in calendar.events
        ]

    def propagate(
        self,
        organizer: CalendarData,
        event_id: str,
        removed: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        """Push the organiser's version of an event to attendees' copies (and cancel the
        copies of attendees that were removed)."""
        source = organizer.events[event_id].body
        for email in attendee_emails(source) | set(removed):
            calendar = self.calendars.get(email)
            if calendar is None or calendar is organizer:
                continue
            existing = calendar.events.get(event_id) or self.virtual_instance(calendar, event_id)
            if email in removed and email not in attendee_emails(source):
                if existing is not None and not existing.cancelled:
                    self.put(calendar, cancelled_shape(existing.body))
                continue
            body = copy.deepcopy(source)
            private = None
            if existing is not None:
                for key in PER_COPY:
                    if key in existing.body:
                        body[key] = copy.deepcopy(existing.body[key])
                private = existing.body.get("extendedProperties", {}).get("private")
            shared = source.get("extendedProperties", {}).get("shared")
            body.pop("extendedProperties", None)
            if private or shared:
                body["extendedProperties"] = {
                    k: v for k, v in (("private", private), ("shared", shared)) if v
                }
            self.put(calendar, body)

    def set_response(self, event_id: str, email: str, status: str, organizer: str) -> None:
        """An attendee's answer, written on every copy (the organiser sees it too)."""
        holders = [organizer, *sorted(self._holders_of(event_id, organizer))]
        for holder in holders:
            calendar = self.calendars.get(holder)
            if calendar is None or self.find(calendar, event_id) is None:
                continue
            record = self.materialize(calendar, event_id)
            if record.cancelled:
                continue
            body = copy.deepcopy(record.body)
            for attendee in body.get("attendees", []):
                if attendee.get("email", "").lower() == email:
                    attendee["responseStatus"] = status
            self.put(calendar, body)

    def _holders_of(self, event_id: str, organizer: str) -> set[str]:
        calendar = self.calendars.get(organizer)
        record = self.find(calendar, event_id) if calendar else None
        return attendee_emails(record.body) if record else set()


def attendee_emails(body: dict[str, Any]) -> set[str]:
    return {a["email"].lower() for a in body.get("attendees", []) if a.get("email")}


def instance_id(master_id: str, original: dict[str, Any]) -> str:
    from .times import instance_suffix

    return f"{master_id}_{instance_suffix(original)}"


def instance_body(
    master: Record, original: dict[str, Any], start: dict[str, Any], end: dict[str, Any]
) -> dict[str, Any]:
    """An unchanged instance: the master's body at one occurrence, with its own id and etag."""
    body = copy.deepcopy(master.body)
    body.pop("recurrence", None)
    body["id"] = instance_id(master.body["id"], original)
    body["recurringEventId"] = master.body["id"]
    body["originalStartTime"] = original
    body["start"], body["end"] = start, end
    body["etag"] = f'"{master.seq}{body["id"].rsplit("_", 1)[1][:8]}"'
    return body


def cancelled_shape(body: dict[str, Any]) -> dict[str, Any]:
    """What a deleted event or cancelled instance keeps: Calendar returns only these fields
    for a cancelled instance (events.list, showDeleted; api-notes "Traps")."""
    keep = ("kind", "id", "recurringEventId", "originalStartTime", "iCalUID", "organizer")
    out = {key: copy.deepcopy(body[key]) for key in keep if key in body}
    if "recurringEventId" in out:
        out.pop("iCalUID", None)
        out.pop("organizer", None)
    else:
        for key in ("start", "end", "recurrence", "attendees", "extendedProperties", "eventType"):
            if key in body:
                out[key] = copy.deepcopy(body[key])
    out["status"] = "cancelled"
    return out
