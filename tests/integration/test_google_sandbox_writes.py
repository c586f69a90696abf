"""The Google emulator's events.update (PUT) and events.list's updatedMin, driven by the real
google-api-python-client over HTTPS, acting as the org's people through the service account.

events.update replaces the whole event (events.update reference: "does not support patch
semantics and always updates the entire event resource"); updatedMin lists events modified at
or after it, and events deleted since then whatever showDeleted says (events.list reference);
with a syncToken it is refused (api-notes, "Parameters").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from syncer.sandbox.google.clients import service
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import ANA, BERLIN, BOB, CAT, NOW, GoogleOrg, google_org

START = dt.datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)  # a Wednesday after NOW


@pytest.fixture
def world(tmp_path: Path, tls: TlsFiles, store: Store) -> Iterator[GoogleOrg]:
    with google_org(tmp_path, tls, store) as world:
        world.at(NOW)
        yield world


@pytest.fixture
def events(world: GoogleOrg, tls: TlsFiles) -> Any:
    """Ana's events resource: the real client, acting as Ana."""
    return events_as(world, tls, ANA)


def events_as(world: GoogleOrg, tls: TlsFiles, person: str) -> Any:
    key = json.loads((world.config_path.parent / "sa.json").read_text())
    return service("calendar", world.base_url, key, person, ca_certs=str(tls.ca_cert)).events()


def timed(moment: dt.datetime, minutes: int = 0) -> dict[str, str]:
    return {
        "dateTime": (moment + dt.timedelta(minutes=minutes)).isoformat(),
        "timeZone": "Europe/Berlin",
    }


def failure(request: Any) -> HttpError:
    with pytest.raises(HttpError) as caught:
        request.execute()
    return caught.value


def reason(error: HttpError) -> str:
    return str(error.error_details[0]["reason"])


def meeting(events: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "summary": "Ana / Bob",
        "description": "Agenda <b>first</b> & more",
        "location": "Room 1",
        "colorId": "5",
        "start": timed(START),
        "end": timed(START, 30),
        "attendees": [{"email": ANA}, {"email": BOB}],
        "extendedProperties": {"private": {"mine": "1"}, "shared": {"both": "1"}},
        **extra,
    }
    return dict(events.insert(calendarId="primary", body=body, sendUpdates="none").execute())


# -- events.update: full replace ---------------------------------------------------------------


def test_update_replaces_the_whole_event_where_patch_merges(world: GoogleOrg, events: Any) -> None:
    made = meeting(events)
    body = {
        "summary": "Ana / Bob (renamed)",
        "start": timed(START),
        "end": timed(START, 30),
        "attendees": [{"email": ANA}, {"email": BOB}],
        # Read-only fields in the body are ignored, not taken.
        "organizer": {"email": CAT},
        "creator": {"email": CAT},
        "iCalUID": "forged@google.com",
        "created": "2001-01-01T00:00:00.000Z",
    }
    world.state.clock.set(NOW + dt.timedelta(minutes=5))
    updated = events.update(
        calendarId="primary", eventId=made["id"], body=body, sendUpdates="none"
    ).execute()
    for gone in ("description", "location", "colorId", "extendedProperties"):
        assert gone not in updated, gone
    assert updated["summary"] == "Ana / Bob (renamed)"
    for kept in ("id", "iCalUID", "organizer", "creator", "created", "htmlLink"):
        assert updated[kept] == made[kept], kept
    assert updated["status"] == "confirmed" and updated["eventType"] == "default"
    assert updated["etag"] != made["etag"] and updated["updated"] > made["updated"]
    assert events.get(calendarId="primary", eventId=made["id"]).execute() == updated
    # The same body as a patch keeps every field it does not name.
    other = meeting(events)
    patched = events.patch(calendarId="primary", eventId=other["id"], body=body).execute()
    assert patched["description"] == other["description"]
    assert patched["extendedProperties"] == other["extendedProperties"]
    # Written with sendUpdates=none: logged as a PUT, nobody mailed.
    (put,) = [w for w in world.writes() if w.method == "PUT"]
    assert (put.calendar, put.event_id, put.send_updates, put.status) == (
        ANA,
        made["id"],
        "none",
        200,
    )
    assert [m for m in world.state.mail_log if m.time > NOW] == []


def test_update_reaches_the_attendees_copies_which_keep_their_private_properties(
    world: GoogleOrg, tls: TlsFiles, events: Any
) -> None:
    made = meeting(events)
    bob = events_as(world, tls, BOB)
    bob.patch(
        calendarId="primary",
        eventId=made["id"],
        body={"extendedProperties": {"private": {"bobs": "note"}}},
    ).execute()
    body = {
        "summary": "Moved",
        "description": "new text",
        "start": timed(START, 60),
        "end": timed(START, 90),
        "attendees": [{"email": ANA}, {"email": BOB}],
    }
    events.update(calendarId="primary", eventId=made["id"], body=body).execute()
    copy = bob.get(calendarId="primary", eventId=made["id"]).execute()
    assert (copy["summary"], copy["description"]) == ("Moved", "new text")
    assert copy["start"]["dateTime"] == timed(START, 60)["dateTime"]
    assert copy["extendedProperties"] == {"private": {"bobs": "note"}}  # shared ones replaced
    assert "location" not in copy
    # Leaving Bob out of the attendees takes the meeting off his calendar.
    body["attendees"] = [{"email": ANA}]
    events.update(calendarId="primary", eventId=made["id"], body=body).execute()
    assert bob.get(calendarId="primary", eventId=made["id"]).execute()["status"] == "cancelled"


def test_update_with_a_stale_etag_is_412_and_changes_nothing(events: Any) -> None:
    made = meeting(events)
    body = {"summary": "first", "start": timed(START), "end": timed(START, 30)}
    first = events.update(calendarId="primary", eventId=made["id"], body=body)
    first.headers["If-Match"] = made["etag"]
    current = first.execute()
    stale = events.update(
        calendarId="primary", eventId=made["id"], body={**body, "summary": "second"}
    )
    stale.headers["If-Match"] = made["etag"]
    error = failure(stale)
    assert error.status_code == 412 and reason(error) == "conditionNotMet"
    assert events.get(calendarId="primary", eventId=made["id"]).execute() == current
    fresh = events.update(
        calendarId="primary", eventId=made["id"], body={**body, "summary": "second"}
    )
    fresh.headers["If-Match"] = current["etag"]
    assert fresh.execute()["summary"] == "second"
    anything = events.update(
        calendarId="primary", eventId=made["id"], body={**body, "summary": "third"}
    )
    anything.headers["If-Match"] = "*"
    assert anything.execute()["summary"] == "third"


def test_update_changes_the_etag_and_bumps_the_sequence_when_the_time_or_place_changes(
    events: Any,
) -> None:
    made = meeting(events)
    assert made["sequence"] == 0
    same_time = {
        "summary": "renamed",
        "location": "Room 1",
        "start": timed(START),
        "end": timed(START, 30),
    }
    renamed = events.update(calendarId="primary", eventId=made["id"], body=same_time).execute()
    assert renamed["etag"] != made["etag"]
    assert renamed["sequence"] == 0  # a new title is not a new version for the attendees
    moved = events.update(
        calendarId="primary",
        eventId=made["id"],
        body={**same_time, "start": timed(START, 60), "end": timed(START, 90)},
    ).execute()
    assert moved["sequence"] == 1
    # The sequence is the server's: a body without it keeps it (a PUT of what a client built
    # from scratch), and it never goes back.
    again = events.update(
        calendarId="primary",
        eventId=made["id"],
        body={**same_time, "summary": "again", "start": moved["start"], "end": moved["end"]},
    ).execute()
    assert again["sequence"] == 1 and again["etag"] != moved["etag"]
    relocated = events.update(
        calendarId="primary",
        eventId=made["id"],
        body={**same_time, "location": "Room 2", "start": moved["start"], "end": moved["end"]},
    ).execute()
    assert relocated["sequence"] == 2  # a new place is
    error = failure(
        events.update(
            calendarId="primary",
            eventId=made["id"],
            body={**same_time, "sequence": 1, "start": moved["start"], "end": moved["end"]},
        )
    )
    assert error.status_code == 400 and "sequence" in str(error).lower()
    assert events.get(calendarId="primary", eventId=made["id"]).execute() == relocated


def test_update_needs_start_and_end_and_keeps_the_event_type(events: Any) -> None:
    made = meeting(events)
    error = failure(events.update(calendarId="primary", eventId=made["id"], body={"summary": "x"}))
    assert error.status_code == 400 and reason(error) == "required"
    error = failure(
        events.update(
            calendarId="primary",
            eventId=made["id"],
            body={"start": timed(START), "end": timed(START, 30), "eventType": "focusTime"},
        )
    )
    assert error.status_code == 400
    assert events.get(calendarId="primary", eventId=made["id"]).execute() == made


def test_update_of_a_deleted_event_is_410_and_of_an_unknown_one_404(events: Any) -> None:
    made = meeting(events)
    events.delete(calendarId="primary", eventId=made["id"], sendUpdates="none").execute()
    body = {"summary": "back?", "start": timed(START), "end": timed(START, 30)}
    error = failure(events.update(calendarId="primary", eventId=made["id"], body=body))
    assert error.status_code == 410 and reason(error) == "deleted"
    error = failure(events.update(calendarId="primary", eventId="nosuchevent", body=body))
    assert error.status_code == 404 and reason(error) == "notFound"


def test_update_of_one_instance_makes_an_exception_and_leaves_the_series(
    world: GoogleOrg, events: Any
) -> None:
    series = meeting(events, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    (first, second, *_) = events.instances(calendarId="primary", eventId=series["id"]).execute()[
        "items"
    ]
    body = {**second, "summary": "just this once", "start": timed(START, 7 * 24 * 60 + 120)}
    body["end"] = timed(START, 7 * 24 * 60 + 150)
    changed = events.update(calendarId="primary", eventId=second["id"], body=body).execute()
    assert changed["id"] == second["id"] and changed["recurringEventId"] == series["id"]
    assert changed["originalStartTime"] == second["originalStartTime"]
    assert changed["sequence"] == 1
    listed = events.instances(calendarId="primary", eventId=series["id"]).execute()["items"]
    assert [i["summary"] for i in listed] == [
        "Ana / Bob",
        "just this once",
        "Ana / Bob",
        "Ana / Bob",
    ]
    assert listed[0] == first
    assert (
        events.get(calendarId="primary", eventId=series["id"]).execute()["etag"] == series["etag"]
    )
    bob = world.event(BOB, second["id"])
    assert bob["summary"] == "just this once" and bob["start"] == changed["start"]


def test_update_without_supports_attachments_keeps_them(events: Any) -> None:
    doc = {"fileUrl": "https://docs.google.com/document/d/abc/edit", "fileId": "abc"}
    made = dict(
        events.insert(
            calendarId="primary",
            supportsAttachments=True,
            body={
                "summary": "x",
                "start": timed(START),
                "end": timed(START, 30),
                "attachments": [doc],
            },
        ).execute()
    )
    body = {"summary": "y", "start": timed(START), "end": timed(START, 30)}
    kept = events.update(calendarId="primary", eventId=made["id"], body=body).execute()
    assert kept["attachments"] == made["attachments"]
    cleared = events.update(
        calendarId="primary", eventId=made["id"], body=body, supportsAttachments=True
    ).execute()
    assert "attachments" not in cleared


# -- events.list updatedMin --------------------------------------------------------------------


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat()


def ids(answer: dict[str, Any]) -> dict[str, str]:
    return {item["id"]: item["status"] for item in answer["items"]}


def test_updated_min_lists_only_events_changed_at_or_after_it(
    world: GoogleOrg, events: Any
) -> None:
    t0, t1, t2 = (NOW + dt.timedelta(hours=h) for h in (1, 2, 3))
    world.state.clock.set(t0)
    old = meeting(events)
    edited = meeting(events)
    gone_before = meeting(events)
    events.delete(calendarId="primary", eventId=gone_before["id"]).execute()
    world.state.clock.set(t1)
    new = meeting(events)
    world.state.clock.set(t2)
    events.patch(calendarId="primary", eventId=edited["id"], body={"summary": "edited"}).execute()
    gone = meeting(events)
    world.state.clock.set(t2 + dt.timedelta(minutes=1))
    events.delete(calendarId="primary", eventId=gone["id"]).execute()

    everything = events.list(calendarId="primary").execute()
    assert ids(everything) == {i["id"]: "confirmed" for i in (old, edited, new)}
    # At t1 exactly: `new` (updated at t1) is in; deleted since t1 shows without showDeleted.
    since_t1 = events.list(calendarId="primary", updatedMin=stamp(t1)).execute()
    assert ids(since_t1) == {
        new["id"]: "confirmed",
        edited["id"]: "confirmed",
        gone["id"]: "cancelled",
    }
    # The same instant written with another offset is the same bound.
    berlin = events.list(calendarId="primary", updatedMin=stamp(t1.astimezone(BERLIN))).execute()
    assert ids(berlin) == ids(since_t1)
    just_after = events.list(
        calendarId="primary", updatedMin=stamp(t1 + dt.timedelta(milliseconds=1))
    ).execute()
    assert ids(just_after) == {edited["id"]: "confirmed", gone["id"]: "cancelled"}
    later = events.list(calendarId="primary", updatedMin=stamp(t2 + dt.timedelta(hours=1)))
    assert later.execute()["items"] == []
    for item in since_t1["items"]:
        if item["status"] != "cancelled":  # deleted ones come in their minimal shape
            assert item["updated"] >= "2026-11-25T14:00:00.000Z"


def test_updated_min_shows_the_changed_occurrences_of_a_series_not_its_master(
    world: GoogleOrg, events: Any
) -> None:
    series = meeting(events, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    cutoff = NOW + dt.timedelta(hours=1)
    world.state.clock.set(cutoff)
    items = events.instances(calendarId="primary", eventId=series["id"]).execute()["items"]
    events.delete(calendarId="primary", eventId=items[1]["id"]).execute()
    moved = events.patch(
        calendarId="primary",
        eventId=items[2]["id"],
        body={"start": timed(START, 14 * 24 * 60 + 60), "end": timed(START, 14 * 24 * 60 + 90)},
    ).execute()
    changed = events.list(calendarId="primary", updatedMin=stamp(cutoff)).execute()
    assert ids(changed) == {items[1]["id"]: "cancelled", moved["id"]: "confirmed"}
    cancelled = next(i for i in changed["items"] if i["status"] == "cancelled")
    assert set(cancelled) <= {
        "kind",
        "etag",
        "id",
        "status",
        "recurringEventId",
        "originalStartTime",
    }
    single = events.list(calendarId="primary", updatedMin=stamp(cutoff), singleEvents=True)
    assert ids(single.execute()) == ids(changed)


def test_updated_min_together_with_a_sync_token_is_refused(events: Any) -> None:
    meeting(events)
    token = events.list(calendarId="primary").execute()["nextSyncToken"]
    error = failure(events.list(calendarId="primary", syncToken=token, updatedMin=stamp(NOW)))
    assert error.status_code == 400 and "updatedMin" in str(error)
    # The token itself is still good.
    assert events.list(calendarId="primary", syncToken=token).execute()["items"] == []


def test_updated_min_must_be_a_timestamp_with_an_offset(events: Any) -> None:
    for bad in ("yesterday", "2026-11-25T12:00:00"):
        error = failure(events.list(calendarId="primary", updatedMin=bad))
        assert error.status_code == 400, bad
