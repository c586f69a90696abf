"""Every mailbox's calendar and the writes on it, with Exchange's meeting semantics.

- Creating a meeting with attendees of the org gives each attendee mailbox its own copy
  (own id, same iCalUId, responseStatus notResponded) and sends them an invitation.
- An organiser's update of a meeting with attendees sends them an update and carries the
  organiser's shared fields (subject, body, times, ...) to every copy, overwriting an
  attendee's local edit; Graph has no way to silence it (microsoft-graph-docs issue 2309).
  An attendee's PATCH changes only their own copy.
- Updates that only touch the caller's own properties (extended properties, categories,
  reminders, showAs) are assumed to send nothing (``PRIVATE_FIELDS``).
- An occurrence the organiser deletes vanishes from the series without a trace in the
  organiser's delta (``silent`` ids); attendees' copies get it as cancelled.
- Responses (accept/tentativelyAccept/decline) update the answering copy and the status of
  that attendee on the organiser's copy, for the series or one occurrence.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import recurrence, zones
from .errors import bad_request, irresolvable_conflict, not_found
from .items import Item, Override, View, find_view, master_view, new_id, split_occurrence_id

if TYPE_CHECKING:
    from .state import GraphState

SHARED_FIELDS = (
    "subject", "body", "location", "locations", "attendees", "recurrence", "isAllDay",
    "isOnlineMeeting", "onlineMeeting", "onlineMeetingProvider", "importance", "sensitivity",
    "organizer", "isCancelled",
)  # fmt: skip
PRIVATE_FIELDS = frozenset(
    {"singleValueExtendedProperties", "categories", "isReminderOn",
     "reminderMinutesBeforeStart", "showAs"}
)  # fmt: skip
WRITABLE = frozenset(
    {*SHARED_FIELDS, *PRIVATE_FIELDS, "start", "end", "responseRequested", "allowNewTimeProposals",
     "hideAttendees", "isReminderOn", "transactionId"}
) - {"organizer", "isCancelled"}  # fmt: skip
NEVER = "0001-01-01T00:00:00Z"
Listener = Callable[[str, str, str], None]  # (mailbox, item id, changeType)


def etag(change_key: str) -> str:
    return f'W/"{change_key}"'


class Calendars:
    def __init__(self, state: GraphState) -> None:
        self._state = state
        self.items: dict[str, dict[str, Item]] = {}  # mailbox -> id -> item
        self.silent: dict[str, set[str]] = {}  # mailbox -> ids gone without @removed
        self.listeners: list[Listener] = []

    # -- reading -------------------------------------------------------------------------

    def add_mailbox(self, mailbox: str) -> None:
        self.items.setdefault(mailbox, {})
        self.silent.setdefault(mailbox, set())

    def of(self, mailbox: str) -> dict[str, Item]:
        if mailbox not in self.items:
            raise not_found(f"The mailbox {mailbox} was not found.")
        return self.items[mailbox]

    def locate(self, mailbox: str, item_id: str) -> tuple[Item, dt.datetime | None]:
        """The item an id names, and the occurrence's original start when it names one."""
        items = self.of(mailbox)
        if item_id in items:
            return items[item_id], None
        parts = split_occurrence_id(item_id)
        if parts and parts[0] in items and find_view(items[parts[0]], parts[1]) is not None:
            return items[parts[0]], parts[1]
        raise not_found()

    def view(self, mailbox: str, item_id: str) -> View:
        item, original = self.locate(mailbox, item_id)
        if original is None:
            return master_view(item)
        found = find_view(item, original)
        if found is None:
            raise not_found()
        return found

    def copies(self, item: Item) -> list[Item]:
        """The other mailboxes' copies of the same meeting."""
        return [
            other
            for mailbox, items in self.items.items()
            if mailbox != item.mailbox
            for other in items.values()
            if other.ical_uid == item.ical_uid
        ]

    def is_organizer(self, item: Item) -> bool:
        return bool(item.fields.get("isOrganizer"))

    # -- writing -------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self._state.clock.now()

    def _emit(self, mailbox: str, item_id: str, change: str) -> None:
        for listener in self.listeners:
            listener(mailbox, item_id, change)

    def create(self, mailbox: str, body: dict[str, Any], *, invite: bool = True) -> Item:
        """A new event on ``mailbox``'s calendar (the organiser), copies for attendees."""
        unknown = set(body) - WRITABLE - {"start", "end"}
        if unknown:
            raise bad_request(
                f"Property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.event'.",
                "RequestBodyRead",
            )
        start, zone_name = zones.parse(body.get("start"), "start")
        end, _ = zones.parse(body.get("end"), "end")
        if end < start:
            raise bad_request("The end must be after the start.", "ErrorInvalidRequest")
        now = self._now()
        fields = {k: copy.deepcopy(v) for k, v in body.items() if k in WRITABLE}
        if fields.get("recurrence"):
            fields["recurrence"] = recurrence.normalized(fields["recurrence"], zone_name)
        fields.pop("singleValueExtendedProperties", None)
        fields.pop("start", None), fields.pop("end", None)
        person = self._state.person(mailbox)
        fields["organizer"] = {
            "emailAddress": {"name": person.name if person else mailbox, "address": mailbox}
        }
        fields["isOrganizer"] = True
        fields["responseStatus"] = {"response": "organizer", "time": NEVER}
        fields["attendees"] = [_attendee(a) for a in fields.get("attendees") or []]
        fields.setdefault("body", {"contentType": "text", "content": ""})
        item = Item(
            new_id(), mailbox, _ical_uid(), fields, start, end, zone_name, now, now,
            extended=_extended(body),
        )  # fmt: skip
        self.of(mailbox)[item.id] = item
        self._emit(mailbox, item.id, "created")
        self._sync_copies(item, invite=invite)
        return item

    def _sync_copies(self, organiser: Item, *, invite: bool, kind: str = "invitation") -> None:
        """Carry the organiser's shared fields to every attendee copy (creating missing ones)."""
        if not organiser.fields.get("attendees"):
            return  # nobody to copy to or mail (and no scan of every mailbox)
        existing = {c.mailbox: c for c in self.copies(organiser)}
        recipients: list[str] = []
        for attendee in organiser.fields.get("attendees", []):
            address = attendee["emailAddress"]["address"].lower()
            if address == organiser.mailbox:
                continue
            recipients.append(address)
            if address not in self.items or attendee.get("type") == "resource":
                continue
            now = self._now()
            target = existing.get(address)
            shared = {
                k: copy.deepcopy(organiser.fields[k])
                for k in SHARED_FIELDS
                if k in organiser.fields
            }
            if target is None:
                fields = {**shared, "isOrganizer": False}
                fields["responseStatus"] = {"response": "notResponded", "time": NEVER}
                target = Item(
                    new_id(), address, organiser.ical_uid, fields, organiser.start,
                    organiser.end, organiser.zone, now, now,
                )  # fmt: skip
                self.items[address][target.id] = target
                change = "created"
            else:
                target.fields.update(shared)
                target.start, target.end, target.zone = (
                    organiser.start,
                    organiser.end,
                    organiser.zone,
                )
                target.touch(now)
                change = "updated"
            for original, override in organiser.overrides.items():
                mine = target.overrides.setdefault(original, Override())
                mine.start, mine.end = override.start, override.end
                mine.fields.update({k: v for k, v in override.fields.items() if k in SHARED_FIELDS})
                mine.change_key, mine.modified = Override().change_key, now
            self._emit(address, target.id, change)
        if invite:
            self._state.log_mail(organiser.mailbox, recipients, kind, organiser.ical_uid)

    def patch(
        self, mailbox: str, item_id: str, body: dict[str, Any], if_match: str | None = None
    ) -> View:
        item, original = self.locate(mailbox, item_id)
        current = self.view(mailbox, item_id)
        if if_match and if_match not in ("*", etag(current.change_key), current.change_key):
            raise irresolvable_conflict()
        unknown = set(body) - WRITABLE
        if unknown:
            raise bad_request(
                f"Property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.event'.",
                "RequestBodyRead",
            )
        now = self._now()
        extended = _extended(body)
        changes = {k: copy.deepcopy(v) for k, v in body.items() if k in WRITABLE}
        changes.pop("singleValueExtendedProperties", None)
        start = zones.parse(changes.pop("start"), "start") if "start" in changes else None
        end = zones.parse(changes.pop("end"), "end") if "end" in changes else None
        if "attendees" in changes:
            changes["attendees"] = [_attendee(a) for a in changes["attendees"] or []]
        if changes.get("recurrence"):
            if original is not None:
                raise bad_request("An occurrence has no recurrence.", "ErrorInvalidRequest")
            changes["recurrence"] = recurrence.normalized(changes["recurrence"], item.zone)
        if original is None:
            item.fields.update(changes)
            item.extended.update(extended)
            if start:
                item.start, item.zone = start
            if end:
                item.end = end[0]
            item.touch(now)
        else:
            override = item.overrides.setdefault(original, Override())
            override.fields.update(changes)
            override.extended.update(extended)
            if start:
                override.start = start[0]
            if end:
                override.end = end[0]
            override.change_key, override.modified = Override().change_key, now
        self._emit(mailbox, item.id, "updated")
        meeting = self.is_organizer(item) and item.fields.get("attendees")
        if meeting and set(body) - PRIVATE_FIELDS:
            self._sync_copies(item, invite=True, kind="update")
        return self.view(mailbox, item_id)

    def delete(self, mailbox: str, item_id: str) -> None:
        item, original = self.locate(mailbox, item_id)
        organiser = self.is_organizer(item)
        if original is not None:
            # The occurrence leaves the series; calendarView/delta drops it without @removed.
            item.deleted.add(original)
            item.overrides.pop(original, None)
            self.silent[mailbox].add(item_id)
            self._emit(mailbox, item.id, "updated")
            if organiser and item.fields.get("attendees"):
                for other in self.copies(item):
                    override = other.overrides.setdefault(original, Override())
                    override.fields["isCancelled"] = True
                    override.change_key, override.modified = Override().change_key, self._now()
                    self._emit(other.mailbox, other.id, "updated")
                self._mail_attendees(item, "cancellation")
            return
        del self.items[mailbox][item.id]
        self._emit(mailbox, item.id, "deleted")
        if organiser and item.fields.get("attendees"):
            for other in self.copies(item):
                other.fields["isCancelled"] = True
                other.touch(self._now())
                self._emit(other.mailbox, other.id, "updated")
            self._mail_attendees(item, "cancellation")

    def _mail_attendees(self, item: Item, kind: str) -> None:
        recipients = [
            a["emailAddress"]["address"].lower()
            for a in item.fields.get("attendees", [])
            if a["emailAddress"]["address"].lower() != item.mailbox
        ]
        self._state.log_mail(item.mailbox, recipients, kind, item.ical_uid)

    def respond(
        self, mailbox: str, item_id: str, response: str, *, send_response: bool = True
    ) -> None:
        """accept / tentativelyAccept / decline by an attendee, for a series or one occurrence."""
        item, original = self.locate(mailbox, item_id)
        if self.is_organizer(item):
            raise bad_request(
                "Your request can't be completed. You can't respond to a meeting you organized.",
                "ErrorInvalidRequest",
            )
        status = {"response": response, "time": self._now().strftime("%Y-%m-%dT%H:%M:%SZ")}
        targets = [item] + [c for c in self.copies(item) if self.is_organizer(c)]
        for target in targets:
            mine = target is item
            if original is None:
                holder: dict[str, Any] = target.fields
                target.touch(self._now())
            else:
                override = target.overrides.setdefault(original, Override())
                override.change_key, override.modified = Override().change_key, self._now()
                holder = override.fields
                if "attendees" not in holder:
                    holder["attendees"] = copy.deepcopy(target.fields.get("attendees", []))
            if mine:
                holder["responseStatus"] = status
            for attendee in holder.get("attendees", []):
                if attendee["emailAddress"]["address"].lower() == mailbox:
                    attendee["status"] = dict(status)
            self._emit(target.mailbox, target.id, "updated")
        if send_response:
            organiser = item.fields.get("organizer", {}).get("emailAddress", {}).get("address")
            if organiser:
                self._state.log_mail(
                    mailbox, [organiser.lower()], f"response:{response}", item.ical_uid
                )


def _ical_uid() -> str:
    return "040000008200E00074C5B7101A82E008" + uuid.uuid4().hex.upper() * 2


def _attendee(raw: dict[str, Any]) -> dict[str, Any]:
    address = dict(raw.get("emailAddress") or {})
    if not address.get("address"):
        raise bad_request("An attendee must have an emailAddress.", "ErrorInvalidRecipients")
    address["address"] = address["address"].lower()
    address.setdefault("name", address["address"])
    return {
        "type": raw.get("type", "required"),
        "status": raw.get("status") or {"response": "none", "time": NEVER},
        "emailAddress": address,
    }


def _extended(body: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in body.get("singleValueExtendedProperties") or []:
        if not isinstance(prop, dict) or "id" not in prop:
            raise bad_request("Invalid extended property.", "ErrorInvalidExtendedProperty")
        found[str(prop["id"])] = str(prop.get("value", ""))
    return found
