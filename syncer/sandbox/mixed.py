"""One meeting on both emulators: a 1:1 between a Google Workspace person and a Microsoft 365
person of one org, as it looks after the invitation crossed over.

The organiser's own emulator holds the organiser's series (and mails the outsider, as the
real service would); the other emulator holds the attendee's copy with the same iCalUID
(`receive_invitation`). Tests and the demo seed mixed pairs with this; like the person
controls, nothing here is an API call, so the write logs stay syncer's alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .google import GoogleState
from .graph import GraphState


@dataclass(frozen=True)
class CrossMeeting:
    uid: str  # the iCalUID both copies carry
    google_id: str  # the Google person's copy (organiser's series or attendee's copy)
    graph_id: str  # the Microsoft person's copy


def seed_cross_provider_one_on_one(
    google: GoogleState,
    graph: GraphState,
    organizer: str,
    attendee: str,
    start: dt.datetime,
    *,
    minutes: int = 30,
    summary: str | None = None,
    description: str = "",
) -> CrossMeeting:
    """A weekly 1:1 organised by `organizer` (on whichever emulator knows them) with
    `attendee` (on the other)."""
    if google.person(organizer) is not None:
        google_id = google.create_one_on_one(
            organizer, attendee, start, minutes=minutes, summary=summary, description=description
        )
        uid = str(google.event(organizer, google_id)["iCalUID"])
        graph_id = graph.create_one_on_one(
            organizer, attendee, start, minutes=minutes, subject=summary, ical_uid=uid
        )
        return CrossMeeting(uid, google_id, graph_id)
    body = {"contentType": "html", "content": description} if description else None
    graph_id = graph.create_one_on_one(
        organizer, attendee, start, minutes=minutes, subject=summary, body=body
    )
    uid = str(graph.series(organizer, graph_id)["iCalUId"])
    google_id = google.create_one_on_one(
        organizer, attendee, start, minutes=minutes, summary=summary, ical_uid=uid
    )
    return CrossMeeting(uid, google_id, graph_id)
