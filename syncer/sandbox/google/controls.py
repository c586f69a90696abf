"""Changes made "as a person would" in the Calendar UI, for tests and the demo.

They go through the same writer as API calls (new etags, sync tokens advance, push
notifications fire, attendees' copies follow) but are not API calls: they stay out of the
write and call logs, so "syncer wrote nothing" remains checkable.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from .calendar.store import instance_id
from .calendar.writes import EventWriter
from .errors import not_found

if TYPE_CHECKING:
    import threading

    from .calendar.store import CalendarData, CalendarStore
    from .state import Person


def _when(moment: dt.datetime, time_zone: str) -> dict[str, str]:
    from zoneinfo import ZoneInfo

    return {"dateTime": moment.astimezone(ZoneInfo(time_zone)).isoformat(), "timeZone": time_zone}


class PersonControls:
    """Mixed into ``GoogleState``; these are the parts of it the controls use."""

    lock: threading.RLock
    calendars: CalendarStore

    def person(self, email: str) -> Person | None:
        raise NotImplementedError

    def _writer(self) -> EventWriter:
        return EventWriter(self)  # type: ignore[arg-type]

    def _calendar(self, email: str) -> CalendarData:
        return self.calendars.get(email.lower())

    def _instance_id(self, email: str, event_id: str, original_start: dt.datetime) -> str:
        calendar = self._calendar(email)
        master = self.calendars.require(calendar, event_id)
        if "date" in master.body["start"]:
            return instance_id(event_id, {"date": original_start.date().isoformat()})
        return instance_id(event_id, {"dateTime": original_start.isoformat()})

    def create_event(
        self, organizer: str, body: dict[str, Any], send_updates: str = "all"
    ) -> dict[str, Any]:
        """Any event on ``organizer``'s calendar, with copies for attendees of the org."""
        with self.lock:
            record = self._writer().insert(
                self._calendar(organizer), body, organizer.lower(), send_updates
            )
            return copy.deepcopy(record.body)

    def create_one_on_one(
        self,
        organizer: str,
        attendee: str,
        start: dt.datetime,
        *,
        minutes: int = 30,
        rrule: str = "RRULE:FREQ=WEEKLY",
        summary: str | None = None,
        description: str = "",
        time_zone: str | None = None,
        ical_uid: str | None = None,
    ) -> str:
        """A recurring 1:1 (organiser's copy + attendee's copy); returns the series id.

        An organiser outside this Workspace (a Microsoft person of a mixed org) gives only the
        attendee's copy, as the invitation lands, with ``ical_uid`` (the organiser's iCalUId):
        see ``receive_invitation``."""
        person = self.person(organizer)
        other = self.person(attendee)
        zone_name = time_zone or (
            person.time_zone if person else other.time_zone if other else "UTC"
        )
        body = {
            "summary": summary
            or f"{person.name if person else organizer} / {other.name if other else attendee}",
            "description": description,
            "start": _when(start, zone_name),
            "end": _when(start + dt.timedelta(minutes=minutes), zone_name),
            "recurrence": [rrule if rrule.startswith("RRULE:") else "RRULE:" + rrule],
            "attendees": [
                {"email": organizer.lower(), "responseStatus": "accepted"},
                {"email": attendee.lower(), "responseStatus": "accepted"},
            ],
        }
        if person is None and other is not None:
            if ical_uid is None:
                raise not_found(f"{organizer} is not in this Workspace: pass the ical_uid")
            return str(self.receive_invitation(attendee, organizer, ical_uid, body)["id"])
        return str(self.create_event(organizer, body)["id"])

    def receive_invitation(
        self, attendee: str, organizer: str, ical_uid: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A meeting organised outside this Workspace (in Outlook, say) as it lands on
        ``attendee``'s calendar: their own copy, organised by ``organizer``, carrying the
        organiser's iCalUID (what events.import keeps), so one meeting can sit on both
        providers. Nothing is mailed; the organiser's own system invites the others."""
        with self.lock:
            calendar = self._calendar(attendee)
            record = self._writer().insert(calendar, body, attendee.lower(), "none")
            stored = record.body
            stored["iCalUID"] = ical_uid
            stored["organizer"] = {"email": organizer.lower()}
            for entry in stored.get("attendees", []):
                entry.pop("organizer", None)
                if entry["email"] == organizer.lower():
                    entry["organizer"] = True
            self.calendars.put(calendar, stored)
            return copy.deepcopy(stored)

    def _change(self, email: str, event_id: str, change: dict[str, Any]) -> dict[str, Any]:
        calendar = self._calendar(email)
        record = self.calendars.require(calendar, event_id, live=True)
        body = copy.deepcopy(record.body)
        for key, value in change.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        return copy.deepcopy(
            self._writer().replace(calendar, event_id, body, email.lower(), "all").body
        )

    def move_instance(
        self,
        organizer: str,
        event_id: str,
        original_start: dt.datetime,
        new_start: dt.datetime,
        minutes: int | None = None,
    ) -> str:
        """The organiser drags one occurrence elsewhere; returns the instance id."""
        with self.lock:
            instance = self._instance_id(organizer, event_id, original_start)
            current = self.calendars.require(self._calendar(organizer), instance, live=True).body
            tz = current["start"].get("timeZone", "UTC")
            start = dt.datetime.fromisoformat(current["start"]["dateTime"])
            end = dt.datetime.fromisoformat(current["end"]["dateTime"])
            length = dt.timedelta(minutes=minutes) if minutes else end - start
            self._change(
                organizer,
                instance,
                {"start": _when(new_start, tz), "end": _when(new_start + length, tz)},
            )
            return instance

    def cancel_instance(self, organizer: str, event_id: str, original_start: dt.datetime) -> str:
        """The organiser deletes one occurrence (it becomes a cancelled instance)."""
        with self.lock:
            instance = self._instance_id(organizer, event_id, original_start)
            self._writer().delete(self._calendar(organizer), instance, organizer.lower(), "all")
            return instance

    def respond(
        self,
        attendee: str,
        event_id: str,
        status: str,
        original_start: dt.datetime | None = None,
    ) -> str:
        """An attendee answers (accepted, declined, tentative) a series or one occurrence."""
        with self.lock:
            target = (
                self._instance_id(attendee, event_id, original_start)
                if original_start
                else event_id
            )
            calendar = self._calendar(attendee)
            body = copy.deepcopy(self.calendars.require(calendar, target, live=True).body)
            found = False
            for entry in body.get("attendees", []):
                if entry["email"] == attendee.lower():
                    entry["responseStatus"], found = status, True
            if not found:
                raise not_found(f"{attendee} is not invited to {event_id}")
            self._writer().replace(calendar, target, body, attendee.lower(), "all")
            return target

    def decline_instance(self, attendee: str, event_id: str, original_start: dt.datetime) -> str:
        return self.respond(attendee, event_id, "declined", original_start)

    def decline_series(self, attendee: str, event_id: str) -> str:
        return self.respond(attendee, event_id, "declined")

    def edit_description(self, person: str, event_id: str, text: str) -> dict[str, Any]:
        """Someone rewrites the description (the organiser's edit reaches every copy)."""
        with self.lock:
            return self._change(person, event_id, {"description": text})

    def delete_series(self, organizer: str, event_id: str) -> None:
        with self.lock:
            self._writer().delete(self._calendar(organizer), event_id, organizer.lower(), "all")

    def end_series(self, organizer: str, event_id: str, until: dt.datetime) -> dict[str, Any]:
        """Set UNTIL on the series' RRULE ("this and following" ends here)."""
        with self.lock:
            record = self.calendars.require(self._calendar(organizer), event_id, live=True)
            stamp = until.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            if "date" in record.body["start"]:
                stamp = until.strftime("%Y%m%d")
            lines = []
            for line in record.body.get("recurrence", []):
                if line.startswith("RRULE:"):
                    parts = [
                        p for p in line[6:].split(";") if not p.startswith(("UNTIL=", "COUNT="))
                    ]
                    line = "RRULE:" + ";".join([*parts, "UNTIL=" + stamp])
                lines.append(line)
            return self._change(organizer, event_id, {"recurrence": lines})

    def add_room(self, organizer: str, event_id: str, room_email: str) -> dict[str, Any]:
        """Book a room: a resource attendee that accepts."""
        with self.lock:
            record = self.calendars.require(self._calendar(organizer), event_id, live=True)
            attendees = copy.deepcopy(record.body.get("attendees", []))
            attendees.append(
                {"email": room_email.lower(), "resource": True, "responseStatus": "accepted"}
            )
            return self._change(organizer, event_id, {"attendees": attendees})

    def share_calendar(self, owner: str, grantee: str, role: str = "reader") -> None:
        """Give someone reader/writer/freeBusyReader access to a calendar."""
        with self.lock:
            self._calendar(owner).acl[grantee.lower()] = role

    def event(self, email: str, event_id: str) -> dict[str, Any]:
        """The stored body of one copy (for assertions)."""
        with self.lock:
            return copy.deepcopy(self.calendars.require(self._calendar(email), event_id).body)
