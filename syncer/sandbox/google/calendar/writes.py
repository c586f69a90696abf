"""What a change to an event does, whoever makes it (an API call or a person control).

The organiser's copy holds the shared fields; a change there reaches every attendee's copy.
An attendee's change to their own copy stays on that copy (and is overwritten by the
organiser's next change), except their response, which shows on every copy. Deleting is
cancelling: the record stays as a tombstone for sync.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, bad_request
from .store import CalendarData, Record, attendee_emails, cancelled_shape, new_event_id
from .times import event_span, moment_of, occurrences

if TYPE_CHECKING:
    from ..state import GoogleState

SPECIAL_TYPES = ("outOfOffice", "focusTime", "workingLocation")
EVENT_TYPES = ("default", "birthday", "fromGmail", *SPECIAL_TYPES)
READ_ONLY = (
    "kind", "etag", "id", "iCalUID", "htmlLink", "created", "updated", "organizer", "creator",
    "recurringEventId", "originalStartTime",
)  # fmt: skip
WHOLE = ("start", "end", "originalStartTime")  # replaced, not merged, by a patch
RESOURCE_DOMAIN = "@resource.calendar.google.com"
MAX_ATTACHMENTS = 25  # events.insert reference, supportsAttachments


def validate(body: dict[str, Any], time_zone: str) -> None:
    if "start" not in body or "end" not in body:
        raise bad_request(
            "Missing end time." if "start" in body else "Missing start time.", "required"
        )
    start, end = event_span(body, time_zone)
    if ("date" in body["start"]) != ("date" in body["end"]):
        raise bad_request("Start and end times must either both be date or both be dateTime.")
    if end < start:
        raise bad_request("The specified time range is empty.", "timeRangeEmpty")
    if body.get("eventType", "default") not in EVENT_TYPES:
        raise bad_request("Invalid event type: " + str(body.get("eventType")))
    for scope in ("private", "shared"):
        props = body.get("extendedProperties", {}).get(scope) or {}
        if any(not isinstance(v, str) for v in props.values()):
            raise bad_request("Invalid extended property value.")
    if "recurrence" in body:
        next(occurrences(body, moment_of(body["start"]), time_zone), None)


def normalize_attendees(body: dict[str, Any], organizer: str) -> None:
    for attendee in body.get("attendees", []):
        attendee["email"] = attendee["email"].lower()
        attendee.setdefault("responseStatus", "needsAction")
        if attendee["email"] == organizer:
            attendee["organizer"] = True
            if attendee["responseStatus"] == "needsAction":
                attendee["responseStatus"] = "accepted"
        if attendee["email"].endswith(RESOURCE_DOMAIN):
            attendee["resource"] = True
        attendee.pop("self", None)


def merge_patch(target: dict[str, Any], patch: dict[str, Any], top: bool = True) -> None:
    """Patch semantics: objects merge, lists and WHOLE fields replace, null deletes."""
    for key, value in patch.items():
        if top and key in READ_ONLY:
            continue
        if value is None:
            target.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(target.get(key), dict)
            and not (top and key in WHOLE)
        ):
            merge_patch(target[key], value, top=False)
        else:
            target[key] = copy.deepcopy(value)


def handle_attachments(body: dict[str, Any], supports: bool) -> None:
    if "attachments" not in body:
        return
    if not supports:
        body.pop("attachments")
    elif len(body["attachments"]) > MAX_ATTACHMENTS:
        raise bad_request("Too many attachments (max 25).")


class EventWriter:
    def __init__(self, state: GoogleState) -> None:
        self.state = state
        self.store = state.calendars

    def insert(
        self,
        calendar: CalendarData,
        body: dict[str, Any],
        actor: str | None,
        send_updates: str | None,
    ) -> Record:
        body = copy.deepcopy(body)
        for key in READ_ONLY:
            if key != "id":
                body.pop(key, None)
        event_id = body.get("id") or new_event_id()
        if event_id in calendar.events:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        owner = self.state.person(calendar.id)
        body.update(
            kind="calendar#event",
            id=event_id,
            iCalUID=event_id + "@google.com",
            htmlLink=f"https://www.google.com/calendar/event?eid={event_id}",
            organizer={"email": calendar.id, **({"displayName": owner.name} if owner else {})},
            creator={"email": actor or calendar.id},
        )
        body.setdefault("status", "confirmed")
        body.setdefault("eventType", "default")
        body.setdefault("sequence", 0)
        body.setdefault("reminders", {"useDefault": True})
        validate(body, calendar.time_zone)
        normalize_attendees(body, calendar.id)
        self.store.put(calendar, body)
        self.store.propagate(calendar, event_id)
        self._mail(actor, body, send_updates, "invitation")
        return calendar.events[event_id]

    def replace(
        self,
        calendar: CalendarData,
        event_id: str,
        new_body: dict[str, Any],
        actor: str | None,
        send_updates: str | None,
    ) -> Record:
        """Store a changed version of an event (already merged or replaced by the caller)."""
        record = self.store.require(calendar, event_id, live=True)
        old = record.body
        for key in READ_ONLY:
            if key in old:
                new_body[key] = copy.deepcopy(old[key])
            else:
                new_body.pop(key, None)
        if old.get("eventType") in SPECIAL_TYPES and new_body.get("description") != old.get(
            "description"
        ):
            raise bad_request(
                f"Event type '{old['eventType']}' does not support changing the description.",
                "eventTypeRestriction",
            )
        if new_body.get("eventType", "default") != old.get("eventType", "default"):
            raise bad_request("The event type cannot be changed.")
        # The sequence is the server's: a body without it (an events.update built from
        # scratch) keeps it, and it never goes back (Google refuses a lower one: "Invalid
        # sequence value", see https://coderwall.com/p/m6ozfg).
        sequence = int(old.get("sequence", 0))
        new_body.setdefault("sequence", sequence)
        if not isinstance(new_body["sequence"], int) or new_body["sequence"] < sequence:
            raise bad_request(
                "Invalid sequence value. The specified sequence number is below the current "
                "sequence number of the resource."
            )
        validate(new_body, calendar.time_zone)
        organizer = old.get("organizer", {}).get("email", calendar.id)
        normalize_attendees(new_body, organizer)
        if calendar.id == organizer or organizer not in self.store.calendars:
            return self._organizer_change(calendar, old, new_body, actor, send_updates)
        return self._attendee_change(calendar, organizer, old, new_body, actor, send_updates)

    def _organizer_change(
        self,
        calendar: CalendarData,
        old: dict[str, Any],
        new: dict[str, Any],
        actor: str | None,
        send_updates: str | None,
    ) -> Record:
        if any(
            new.get(k) != old.get(k) for k in ("start", "end", "recurrence", "location", "status")
        ):
            new["sequence"] = old.get("sequence", 0) + 1
        self.store.materialize(calendar, new["id"])
        self.store.put(calendar, new)
        removed = attendee_emails(old) - attendee_emails(new)
        self.store.propagate(calendar, new["id"], removed)
        self._mail(actor, new, send_updates, "update")
        return calendar.events[new["id"]]

    def _attendee_change(
        self,
        calendar: CalendarData,
        organizer: str,
        old: dict[str, Any],
        new: dict[str, Any],
        actor: str | None,
        send_updates: str | None,
    ) -> Record:
        self.store.materialize(calendar, new["id"])
        self.store.put(calendar, new)
        before, after = _response(old, calendar.id), _response(new, calendar.id)
        if after is not None and after != before:
            self.store.set_response(new["id"], calendar.id, after, organizer)
            if send_updates in ("all", "externalOnly") and (
                send_updates == "all" or not self.state.is_internal(organizer)
            ):
                self.state.log_mail(actor, [organizer], "response", new["id"])
        return calendar.events[new["id"]]

    def delete(
        self, calendar: CalendarData, event_id: str, actor: str | None, send_updates: str | None
    ) -> None:
        record = self.store.require(calendar, event_id, live=True)
        organizer = record.body.get("organizer", {}).get("email", calendar.id)
        if calendar.id != organizer and organizer in self.store.calendars:
            # An attendee removing a meeting from their calendar declines it.
            if _response(record.body, calendar.id) is not None:
                self.store.set_response(event_id, calendar.id, "declined", organizer)
            self._cancel(calendar, event_id)
            return
        holders = [calendar] + [
            self.store.calendars[e]
            for e in sorted(attendee_emails(record.body))
            if e in self.store.calendars and e != calendar.id
        ]
        for holder in holders:
            if self.store.find(holder, event_id) is not None:
                self._cancel(holder, event_id)
        self._mail(actor, record.body, send_updates, "cancellation")

    def _cancel(self, calendar: CalendarData, event_id: str) -> None:
        record = self.store.materialize(calendar, event_id)
        if not record.cancelled:
            self.store.put(calendar, cancelled_shape(record.body))
        if "recurrence" in record.body:
            for exception in self.store.instances_of(calendar, event_id):
                if not exception.cancelled:
                    self.store.put(calendar, cancelled_shape(exception.body))

    def _mail(
        self, actor: str | None, body: dict[str, Any], send_updates: str | None, kind: str
    ) -> None:
        """Who Google would email: ``sendUpdates=none`` (or absent, as the deprecated
        sendNotifications defaulted to false) mails nobody (events.insert reference)."""
        if send_updates not in ("all", "externalOnly"):
            return
        recipients = [
            a["email"]
            for a in body.get("attendees", [])
            if a["email"] != actor
            and not a.get("resource")
            and not a.get("organizer")
            and (send_updates == "all" or not self.state.is_internal(a["email"]))
        ]
        self.state.log_mail(actor, recipients, kind, body["id"])


def _response(body: dict[str, Any], email: str) -> str | None:
    for attendee in body.get("attendees", []):
        if attendee.get("email", "").lower() == email:
            return str(attendee.get("responseStatus", "needsAction"))
    return None


def timed_window(record: Record, time_zone: str) -> tuple[Any, Any]:
    return event_span(record.body, time_zone)
