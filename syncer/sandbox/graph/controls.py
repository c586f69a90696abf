"""Changes made "as a person would" in Outlook, for tests and the demo.

They go through the same calendar code as API calls (new change keys, delta and notifications
see them, attendees' copies follow, mails are recorded) but are not API calls: they stay out
of the write and call logs, so "syncer wrote nothing" remains checkable. Event ids given to
a control may be any mailbox's copy: the control finds the acting person's own copy by
iCalUId.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import zones
from .errors import not_found
from .items import master_view, occurrence_id

if TYPE_CHECKING:
    from .state import GraphState

TEAMS_JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_sandbox%40thread.v2/0"
TEAMS_BLOCK = (
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">'
    "________________________________________________________________________________</span>"
    '</div>\r\n<div class="me-email-text" lang="en-US" style="color:#252424;'
    "font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">\r\n"
    '<div style="margin-top:24px;margin-bottom:20px"><span style="font-size:24px;'
    'color:#252424">Microsoft Teams meeting</span> </div>\r\n<div style="margin-bottom:20px">'
    '<div style="margin-top:0px;margin-bottom:0px;font-weight:bold"><span style="font-size:14px;'
    'color:#252424">Join on your computer, mobile app or room device</span> </div>\r\n'
    f'<a class="me-email-headline" href="{TEAMS_JOIN_URL}" target="_blank" rel="noreferrer '
    "noopener\" style=\"font-size:14px;font-family:'Segoe UI Semibold','Segoe UI',"
    "'Helvetica Neue',Helvetica,Arial,sans-serif;text-decoration:underline;color:#6264a7\">"
    'Click here to join the meeting</a> </div>\r\n<div style="margin-bottom:20px;'
    'margin-top:20px"><div style="margin-bottom:4px"><span data-tid="meeting-code" '
    'style="font-size:14px;color:#252424">Meeting ID: <span style="font-size:16px;'
    'color:#252424">312 456 789 012</span> </span><br>\r\n<span style="font-size:14px;'
    'color:#252424">Passcode: </span><span style="font-size:16px;color:#252424">aB3cD4 '
    "</span></div></div>\r\n</div>\r\n"
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">'
    "________________________________________________________________________________</span>"
    "</div>"
)


def teams_body(text: str = "") -> dict[str, str]:
    """An HTML body with a Teams join block, as Outlook writes it."""
    head = f"<p>{text}</p>\r\n" if text else ""
    content = (
        '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-8">\r\n</head>\r\n<body>\r\n'
        + head
        + TEAMS_BLOCK
        + "\r\n</body>\r\n</html>\r\n"
    )
    return {"contentType": "html", "content": content}


def _when(moment: dt.datetime, zone_name: str) -> dict[str, str]:
    return zones.render(moment.astimezone(dt.UTC), zone_name)


def _days(moment: dt.datetime, zone_name: str) -> list[str]:
    return [moment.astimezone(zones.zone(zone_name)).strftime("%A").lower()]


class PersonControls:
    """Mixed into ``GraphState``."""

    def _own_copy(self: GraphState, mailbox: str, event_id: str) -> str:  # type: ignore[misc]
        mailbox = mailbox.lower()
        mine = self.calendars.of(mailbox)
        if event_id in mine:
            return event_id
        for items in self.calendars.items.values():
            if event_id in items:
                uid = items[event_id].ical_uid
                for item in mine.values():
                    if item.ical_uid == uid:
                        return item.id
        raise not_found(f"{mailbox} has no copy of {event_id}")

    def copy_id(self: GraphState, mailbox: str, event_id: str) -> str:  # type: ignore[misc]
        """The id of ``mailbox``'s own copy of the meeting ``event_id`` names."""
        with self.lock:
            return self._own_copy(mailbox, event_id)

    def occurrence_id(  # type: ignore[misc]
        self: GraphState, mailbox: str, event_id: str, original_start: dt.datetime
    ) -> str:
        with self.lock:
            return occurrence_id(self._own_copy(mailbox, event_id), original_start)

    def create_event(self: GraphState, organizer: str, body: dict[str, Any]) -> str:  # type: ignore[misc]
        """Any event on ``organizer``'s calendar (copies for attendees); returns its id."""
        with self.lock:
            return self.calendars.create(organizer.lower(), body).id

    def create_one_on_one(  # type: ignore[misc]
        self: GraphState,
        organizer: str,
        attendee: str,
        start: dt.datetime,
        *,
        minutes: int = 30,
        pattern: str = "weekly",
        interval: int = 1,
        index: str = "first",
        time_zone: str | None = None,
        subject: str | None = None,
        body: dict[str, str] | None = None,
        teams: bool = False,
        room: str | None = None,
        end_date: dt.date | None = None,
        count: int | None = None,
        ical_uid: str | None = None,
    ) -> str:
        """A recurring 1:1: the organiser's series plus the attendee's copy; returns the
        organiser's series id. ``teams`` gives it a Teams HTML body; ``room`` books a room;
        ``index`` is the week of a relativeMonthly pattern ("second" Tuesday).

        An organiser without a mailbox here (a Google person of a mixed org) gives only the
        attendee's copy, as the invitation lands, with ``ical_uid`` (the organiser's
        iCalUID): see ``receive_invitation``. Returns that copy's id then."""
        person, other = self.person(organizer), self.person(attendee)
        zone_name = zones.to_windows(
            time_zone or (person.time_zone if person else other.time_zone if other else "UTC")
        )
        local_day = start.astimezone(zones.zone(zone_name)).date()
        kind = "endDate" if end_date else ("numbered" if count else "noEnd")
        span: dict[str, Any] = {"type": kind, "startDate": local_day.isoformat(),
                                "recurrenceTimeZone": zone_name}  # fmt: skip
        if end_date:
            span["endDate"] = end_date.isoformat()
        if count:
            span["numberOfOccurrences"] = count
        attendees = [{"type": "required", "emailAddress": {"address": attendee.lower(),
                      "name": other.name if other else attendee}}]  # fmt: skip
        if room:
            attendees.append({"type": "resource", "emailAddress": {"address": room.lower()}})
        event: dict[str, Any] = {
            "subject": subject
            or f"{person.name if person else organizer} / {other.name if other else attendee}",
            "body": body or (teams_body() if teams else {"contentType": "html", "content": ""}),
            "start": _when(start, zone_name),
            "end": _when(start + dt.timedelta(minutes=minutes), zone_name),
            "attendees": attendees,
            "recurrence": {
                "pattern": {
                    "type": pattern,
                    "interval": interval,
                    "daysOfWeek": _days(start, zone_name),
                    "firstDayOfWeek": "monday",
                    "dayOfMonth": start.astimezone(zones.zone(zone_name)).day
                    if pattern.startswith("absolute")
                    else 0,
                    "index": index,
                },
                "range": span,
            },
        }
        if teams:
            event.update(isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness",
                         onlineMeeting={"joinUrl": TEAMS_JOIN_URL})  # fmt: skip
        if person is None and other is not None:
            if ical_uid is None:
                raise not_found(f"{organizer} has no mailbox here: pass the meeting's ical_uid")
            return self.receive_invitation(attendee, organizer, ical_uid, event)
        return self.create_event(organizer, event)

    def receive_invitation(  # type: ignore[misc]
        self: GraphState, attendee: str, organizer: str, ical_uid: str, body: dict[str, Any],
        response: str = "accepted",
    ) -> str:  # fmt: skip
        """A meeting organised outside this tenant's Exchange (on Google Calendar, say) as it
        lands in ``attendee``'s mailbox: an attendee's copy (``isOrganizer`` false, the
        outside organiser, ``response`` already given) carrying the organiser's iCalUId, so one
        meeting can sit on both providers. Nothing is mailed and no other copy is made: the
        organiser's own system invites the others. Returns the copy's id."""
        with self.lock:
            mailbox = attendee.lower()
            item = self.calendars.create(mailbox, body, invite=False)
            item.ical_uid = ical_uid
            item.fields["organizer"] = {"emailAddress": {"address": organizer.lower(),
                                        "name": organizer.lower()}}  # fmt: skip
            item.fields["isOrganizer"] = False
            stamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            item.fields["responseStatus"] = {"response": response, "time": stamp}
            for entry in item.fields.get("attendees", []):
                if entry["emailAddress"]["address"] == mailbox:
                    entry["status"] = {"response": response, "time": stamp}
            return item.id

    def create_team_meeting(  # type: ignore[misc]
        self: GraphState, organizer: str, attendees: list[str], start: dt.datetime,
        minutes: int = 60, subject: str = "Team meeting",
    ) -> str:  # fmt: skip
        """A single meeting of the organiser and (usually three) others."""
        person = self.person(organizer)
        zone_name = person.time_zone if person else "UTC"
        return self.create_event(organizer, {
            "subject": subject,
            "start": _when(start, zone_name),
            "end": _when(start + dt.timedelta(minutes=minutes), zone_name),
            "attendees": [{"type": "required", "emailAddress": {"address": a}} for a in attendees],
        })  # fmt: skip

    def create_all_day(  # type: ignore[misc]
        self: GraphState, person: str, day: dt.date, subject: str = "Day off"
    ) -> str:
        who = self.person(person)
        zone_name = who.time_zone if who else "UTC"

        def midnight(d: dt.date) -> dict[str, str]:
            return {"dateTime": f"{d.isoformat()}T00:00:00.0000000", "timeZone": zone_name}

        return self.create_event(person, {
            "subject": subject, "isAllDay": True, "showAs": "oof",
            "start": midnight(day), "end": midnight(day + dt.timedelta(days=1)),
        })  # fmt: skip

    def create_private_event(  # type: ignore[misc]
        self: GraphState, person: str, start: dt.datetime, minutes: int = 60,
        subject: str = "Private appointment",
    ) -> str:  # fmt: skip
        who = self.person(person)
        zone_name = who.time_zone if who else "UTC"
        return self.create_event(person, {
            "subject": subject, "sensitivity": "private",
            "start": _when(start, zone_name),
            "end": _when(start + dt.timedelta(minutes=minutes), zone_name),
        })  # fmt: skip

    def delete_occurrence(  # type: ignore[misc]
        self: GraphState, organizer: str, series_id: str, original_start: dt.datetime
    ) -> str:
        """The organiser deletes one occurrence: it vanishes from their delta without @removed;
        attendees' copies show it cancelled."""
        with self.lock:
            target = self.occurrence_id(organizer, series_id, original_start)
            self.calendars.delete(organizer.lower(), target)
            return target

    def move_occurrence(  # type: ignore[misc]
        self: GraphState, organizer: str, series_id: str, original_start: dt.datetime,
        new_start: dt.datetime, minutes: int | None = None,
    ) -> str:  # fmt: skip
        """The organiser drags one occurrence elsewhere (an exception); returns its id."""
        with self.lock:
            target = self.occurrence_id(organizer, series_id, original_start)
            view = self.calendars.view(organizer.lower(), target)
            length = dt.timedelta(minutes=minutes) if minutes else view.end - view.start
            self.calendars.patch(organizer.lower(), target, {
                "start": _when(new_start, "UTC"), "end": _when(new_start + length, "UTC"),
            })  # fmt: skip
            return target

    def respond(  # type: ignore[misc]
        self: GraphState, attendee: str, event_id: str, response: str,
        original_start: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """accepted / tentativelyAccepted / declined, for the series or one occurrence."""
        with self.lock:
            own = self._own_copy(attendee, event_id)
            target = occurrence_id(own, original_start) if original_start else own
            self.calendars.respond(attendee.lower(), target, response)
            return target

    def decline_occurrence(  # type: ignore[misc]
        self: GraphState, attendee: str, event_id: str, original_start: dt.datetime
    ) -> str:
        return self.respond(attendee, event_id, "declined", original_start)

    def decline_series(self: GraphState, attendee: str, event_id: str) -> str:  # type: ignore[misc]
        return self.respond(attendee, event_id, "declined")

    def edit_body(  # type: ignore[misc]
        self: GraphState, person: str, event_id: str, content: str, content_type: str = "html"
    ) -> None:
        """Someone rewrites the body of their copy (the organiser's edit reaches every copy)."""
        with self.lock:
            own = self._own_copy(person, event_id)
            body = {"contentType": content_type, "content": content}
            self.calendars.patch(person.lower(), own, {"body": body})

    def end_series(self: GraphState, organizer: str, series_id: str, end_date: dt.date) -> None:  # type: ignore[misc]
        """The series ends on ``end_date`` (range type endDate)."""
        with self.lock:
            item = self.calendars.of(organizer.lower())[self._own_copy(organizer, series_id)]
            pattern = dict(item.fields["recurrence"])
            pattern["range"] = {**pattern["range"], "type": "endDate",
                                "endDate": end_date.isoformat()}  # fmt: skip
            self.calendars.patch(organizer.lower(), item.id, {"recurrence": pattern})

    def delete_series(self: GraphState, organizer: str, series_id: str) -> None:  # type: ignore[misc]
        with self.lock:
            self.calendars.delete(organizer.lower(), self._own_copy(organizer, series_id))

    def set_working_hours(  # type: ignore[misc]
        self: GraphState, person: str, days: list[str] | None = None, start: str | None = None,
        end: str | None = None, time_zone: str | None = None,
    ) -> None:  # fmt: skip
        who = self.person(person)
        if who is None:
            raise not_found(f"No person {person}")
        hours = who.working_hours
        hours.days = tuple(days) if days else hours.days
        hours.start, hours.end = start or hours.start, end or hours.end
        hours.time_zone = zones.to_windows(time_zone) if time_zone else hours.time_zone

    def event(  # type: ignore[misc]
        self: GraphState, mailbox: str, event_id: str, time_zone: str | None = "UTC"
    ) -> dict[str, Any]:
        """One copy as Graph would return it, with its extended properties (for assertions)."""
        from .render import event_json

        with self.lock:
            view = self.calendars.view(mailbox.lower(), event_id)
            return event_json(view, self.base_url, time_zone, None, True)

    def series(self: GraphState, mailbox: str, event_id: str) -> dict[str, Any]:  # type: ignore[misc]
        from .render import event_json

        with self.lock:
            item, _ = self.calendars.locate(mailbox.lower(), event_id)
            return event_json(master_view(item), self.base_url, "UTC", None, True)
