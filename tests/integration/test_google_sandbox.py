"""The Google emulator's Calendar behaviour, driven by the real google-api-python-client and
google-auth service-account credentials over HTTP."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.google.clients import service

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
BERLIN = dt.timezone(dt.timedelta(hours=1))
FIRST = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)  # a Monday, before the DST change


@pytest.fixture
def state() -> GoogleState:
    state = GoogleState()
    state.add_person(ALICE, "Alice Archer", time_zone="Europe/Berlin", admin=True)
    state.add_person(BOB, "Bob Baker", time_zone="Europe/Berlin", manager=ALICE)
    state.add_person(CAROL, "Carol Cole")
    return state


@pytest.fixture
def sandbox(state: GoogleState) -> Iterator[GoogleSandbox]:
    with GoogleSandbox(state) as running:
        yield running


@pytest.fixture
def key(sandbox: GoogleSandbox) -> dict[str, Any]:
    return sandbox.state.issue_service_account()


def calendar_as(sandbox: GoogleSandbox, key: dict[str, Any], person: str) -> Any:
    return service("calendar", sandbox.base_url, key, person)


def reason(error: HttpError) -> str:
    return str(error.error_details[0]["reason"])


def timed(moment: dt.datetime) -> dict[str, str]:
    return {"dateTime": moment.isoformat(), "timeZone": "Europe/Berlin"}


def all_pages(request_fn: Any, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = request_fn(**params).execute()
    items += page["items"]
    while "nextPageToken" in page:
        page = request_fn(**params, pageToken=page["nextPageToken"]).execute()
        items += page["items"]
    return items, page


# -- auth -------------------------------------------------------------------------------------


def test_service_account_acting_as_a_person_reads_their_calendar(sandbox, key) -> None:
    answer = calendar_as(sandbox, key, BOB).events().list(calendarId="primary").execute()
    assert answer["kind"] == "calendar#events" and answer["items"] == []
    assert sandbox.state.call_log[-1].person == BOB


def test_token_signed_with_another_key_is_refused(sandbox, key) -> None:
    forged = dict(
        key,
        private_key=sandbox.state.issue_service_account("other@x.iam.gserviceaccount.com")[
            "private_key"
        ],
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        calendar_as(sandbox, forged, BOB).events().list(calendarId="primary").execute()


def test_token_for_someone_outside_the_org_is_refused(sandbox, key) -> None:
    with pytest.raises(RefreshError, match="Invalid email or User ID"):
        calendar_as(sandbox, key, "mallory@elsewhere.org").events().list(
            calendarId="primary"
        ).execute()


def test_scope_not_granted_for_delegation_is_refused(sandbox) -> None:
    key = sandbox.state.issue_service_account(
        "narrow@x.iam.gserviceaccount.com", scopes=["https://www.googleapis.com/auth/drive.file"]
    )
    with pytest.raises(RefreshError, match="unauthorized_client"):
        calendar_as(sandbox, key, BOB).events().list(calendarId="primary").execute()


def test_missing_token_is_401_in_googles_shape(sandbox) -> None:
    import json
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(sandbox.base_url + "/calendars/primary/events")
    body = json.loads(caught.value.read())
    assert caught.value.code == 401 and body["error"]["status"] == "UNAUTHENTICATED"
    assert body["error"]["errors"][0]["reason"] == "required"


def test_a_person_cannot_read_someone_elses_calendar(sandbox, key) -> None:
    with pytest.raises(HttpError) as caught:
        calendar_as(sandbox, key, CAROL).events().list(calendarId=BOB).execute()
    assert caught.value.status_code == 403 and reason(caught.value) == "forbidden"


def test_a_shared_calendar_is_readable(sandbox, key) -> None:
    sandbox.state.share_calendar(BOB, CAROL, "reader")
    assert calendar_as(sandbox, key, CAROL).events().list(calendarId=BOB).execute()["items"] == []


# -- listing, paging, sync tokens ---------------------------------------------------------------


def test_list_pages_then_gives_a_sync_token(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    for n in range(7):
        cal.events().insert(
            calendarId="primary",
            sendUpdates="none",
            body={
                "summary": f"e{n}",
                "start": timed(FIRST + dt.timedelta(hours=n)),
                "end": timed(FIRST + dt.timedelta(hours=n, minutes=30)),
            },
        ).execute()
    first = cal.events().list(calendarId="primary", maxResults=3).execute()
    assert len(first["items"]) == 3 and "nextPageToken" in first and "nextSyncToken" not in first
    items, last = all_pages(cal.events().list, calendarId="primary", maxResults=3)
    assert [e["summary"] for e in items] == [f"e{n}" for n in range(7)]
    assert "nextSyncToken" in last and "nextPageToken" not in last


def test_incremental_sync_returns_only_changes_including_deletions(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    keep = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "keep",
                "start": timed(FIRST),
                "end": timed(FIRST + dt.timedelta(hours=1)),
            },
        )
        .execute()
    )
    gone = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "gone",
                "start": timed(FIRST),
                "end": timed(FIRST + dt.timedelta(hours=1)),
            },
        )
        .execute()
    )
    _, last = all_pages(cal.events().list, calendarId="primary")
    cal.events().delete(calendarId="primary", eventId=gone["id"], sendUpdates="none").execute()
    changes = cal.events().list(calendarId="primary", syncToken=last["nextSyncToken"]).execute()
    assert [(e["id"], e["status"]) for e in changes["items"]] == [(gone["id"], "cancelled")]
    again = cal.events().list(calendarId="primary", syncToken=changes["nextSyncToken"]).execute()
    assert again["items"] == []
    full = cal.events().list(calendarId="primary").execute()
    assert [e["id"] for e in full["items"]] == [keep["id"]]


def test_expired_sync_token_answers_410_full_sync_required(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    sandbox.state.expire_sync_tokens(CAROL)
    with pytest.raises(HttpError) as caught:
        cal.events().list(calendarId="primary", syncToken=token).execute()
    assert caught.value.status_code == 410 and reason(caught.value) == "fullSyncRequired"


@pytest.mark.parametrize(
    "param",
    [
        {"timeMin": "2026-01-01T00:00:00Z"},
        {"privateExtendedProperty": "k=v"},
        {"q": "x"},
        {"iCalUID": "x"},
    ],
)
def test_sync_token_with_forbidden_parameter_is_400(sandbox, key, param) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    with pytest.raises(HttpError) as caught:
        cal.events().list(calendarId="primary", syncToken=token, **param).execute()
    assert caught.value.status_code == 400


def test_full_sync_keeps_cancelled_instances_in_minimal_shape(sandbox, key) -> None:
    state = sandbox.state
    series = state.create_one_on_one(ALICE, BOB, FIRST)
    cancelled = state.cancel_instance(ALICE, series, FIRST + dt.timedelta(days=7))
    items = calendar_as(sandbox, key, BOB).events().list(calendarId="primary").execute()["items"]
    by_id = {e["id"]: e for e in items}
    assert cancelled == f"{series}_20260309T090000Z"
    assert set(by_id) == {series, cancelled}
    assert set(by_id[cancelled]) == {
        "kind",
        "etag",
        "id",
        "status",
        "recurringEventId",
        "originalStartTime",
    }
    assert (
        by_id[cancelled]["status"] == "cancelled" and by_id[cancelled]["recurringEventId"] == series
    )


def test_single_events_expand_in_the_series_zone_across_dst(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST, rrule="RRULE:FREQ=WEEKLY;COUNT=6")
    sandbox.state.move_instance(
        ALICE, series, FIRST + dt.timedelta(days=14), FIRST + dt.timedelta(days=15)
    )
    items = (
        calendar_as(sandbox, key, BOB)
        .events()
        .list(
            calendarId="primary",
            singleEvents=True,
            orderBy="startTime",
            timeMin="2026-03-01T00:00:00Z",
            timeMax="2026-05-01T00:00:00Z",
        )
        .execute()["items"]
    )
    starts = [e["start"]["dateTime"] for e in items]
    assert starts == [
        "2026-03-02T10:00:00+01:00", "2026-03-09T10:00:00+01:00", "2026-03-17T10:00:00+01:00",
        "2026-03-23T10:00:00+01:00", "2026-03-30T10:00:00+02:00", "2026-04-06T10:00:00+02:00",
    ]  # fmt: skip
    moved = items[2]
    assert (
        moved["recurringEventId"] == series
        and moved["originalStartTime"]["dateTime"] == "2026-03-16T10:00:00+01:00"
    )


def test_instances_lists_occurrences_with_their_ids(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    items = (
        calendar_as(sandbox, key, ALICE)
        .events()
        .instances(calendarId="primary", eventId=series, timeMax="2026-03-20T00:00:00Z")
        .execute()["items"]
    )
    assert [e["id"] for e in items] == [
        f"{series}_20260302T090000Z",
        f"{series}_20260309T090000Z",
        f"{series}_20260316T090000Z",
    ]


def test_private_extended_property_filter_requires_all_constraints(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    base = {"start": timed(FIRST), "end": timed(FIRST + dt.timedelta(hours=1))}
    cal.events().insert(
        calendarId="primary",
        body={**base, "summary": "both", "extendedProperties": {"private": {"a": "1", "b": "2"}}},
    ).execute()
    cal.events().insert(
        calendarId="primary",
        body={**base, "summary": "one", "extendedProperties": {"private": {"a": "1"}}},
    ).execute()
    found = (
        cal.events()
        .list(calendarId="primary", privateExtendedProperty=["a=1", "b=2"])
        .execute()["items"]
    )
    assert [e["summary"] for e in found] == ["both"]


def test_all_day_events_use_dates(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    made = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "offsite",
                "start": {"date": "2026-03-04"},
                "end": {"date": "2026-03-05"},
                "recurrence": ["RRULE:FREQ=DAILY;COUNT=2"],
            },
        )
        .execute()
    )
    items = cal.events().instances(calendarId="primary", eventId=made["id"]).execute()["items"]
    assert [e["id"] for e in items] == [f"{made['id']}_20260304", f"{made['id']}_20260305"]


# -- writes ------------------------------------------------------------------------------------


def test_stale_if_match_answers_412_condition_not_met(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    made = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "x",
                "start": timed(FIRST),
                "end": timed(FIRST + dt.timedelta(hours=1)),
            },
        )
        .execute()
    )
    changed = (
        cal.events()
        .patch(calendarId="primary", eventId=made["id"], body={"summary": "y"})
        .execute()
    )
    assert changed["etag"] != made["etag"]
    request = cal.events().patch(calendarId="primary", eventId=made["id"], body={"summary": "z"})
    request.headers["If-Match"] = made["etag"]
    with pytest.raises(HttpError) as caught:
        request.execute()
    assert caught.value.status_code == 412 and reason(caught.value) == "conditionNotMet"


def test_patch_null_deletes_a_private_property_and_copies_keep_their_own(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    bob, alice = calendar_as(sandbox, key, BOB), calendar_as(sandbox, key, ALICE)
    bob.events().patch(
        calendarId="primary",
        eventId=series,
        sendUpdates="none",
        body={"extendedProperties": {"private": {"k": "v", "gone": "x"}}},
    ).execute()
    after = (
        bob.events()
        .patch(
            calendarId="primary",
            eventId=series,
            body={"extendedProperties": {"private": {"gone": None}}},
        )
        .execute()
    )
    assert after["extendedProperties"]["private"] == {"k": "v"}
    alice.events().patch(
        calendarId="primary", eventId=series, sendUpdates="none", body={"description": "agenda"}
    ).execute()
    bobs = bob.events().get(calendarId="primary", eventId=series).execute()
    assert bobs["description"] == "agenda" and bobs["extendedProperties"]["private"] == {"k": "v"}
    assert (
        "extendedProperties"
        not in alice.events().get(calendarId="primary", eventId=series).execute()
    )


def test_attendee_response_shows_on_the_organisers_copy(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    sandbox.state.decline_instance(BOB, series, FIRST + dt.timedelta(days=7))
    instance = (
        calendar_as(sandbox, key, ALICE)
        .events()
        .get(calendarId="primary", eventId=f"{series}_20260309T090000Z")
        .execute()
    )
    bob_entry = next(a for a in instance["attendees"] if a["email"] == BOB)
    assert bob_entry["responseStatus"] == "declined"
    both = (
        sandbox.state.event(BOB, series)["iCalUID"] == sandbox.state.event(ALICE, series)["iCalUID"]
    )
    assert both


def test_send_updates_none_mails_nobody_and_writes_are_logged(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, ALICE)
    sandbox.state.reset_logs()
    body = {
        "summary": "sync",
        "start": timed(FIRST),
        "end": timed(FIRST + dt.timedelta(hours=1)),
        "attendees": [{"email": BOB}, {"email": "ext@other.org"}],
    }
    made = cal.events().insert(calendarId="primary", sendUpdates="none", body=body).execute()
    assert sandbox.state.mail_log == []
    cal.events().patch(
        calendarId="primary", eventId=made["id"], sendUpdates="all", body={"summary": "sync!"}
    ).execute()
    assert sandbox.state.mail_log[-1].recipients == (BOB, "ext@other.org")
    writes = [(w.method, w.event_id, w.send_updates) for w in sandbox.state.write_log]
    assert writes == [("POST", made["id"], "none"), ("PATCH", made["id"], "all")]


def test_special_event_types_refuse_description_patches(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    focus = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "eventType": "focusTime",
                "start": timed(FIRST),
                "end": timed(FIRST + dt.timedelta(hours=2)),
            },
        )
        .execute()
    )
    with pytest.raises(HttpError) as caught:
        cal.events().patch(
            calendarId="primary", eventId=focus["id"], body={"description": "x"}
        ).execute()
    assert caught.value.status_code == 400


def test_attachments_need_supports_attachments(sandbox, key) -> None:
    cal = calendar_as(sandbox, key, CAROL)
    attachment = {"fileUrl": "https://docs.google.com/document/d/1/edit", "title": "Agenda"}
    base = {
        "start": timed(FIRST),
        "end": timed(FIRST + dt.timedelta(hours=1)),
        "attachments": [attachment],
    }
    assert "attachments" not in cal.events().insert(calendarId="primary", body=base).execute()
    kept = cal.events().insert(calendarId="primary", supportsAttachments=True, body=base).execute()
    assert kept["attachments"] == [attachment]
    with pytest.raises(HttpError):
        cal.events().insert(
            calendarId="primary",
            supportsAttachments=True,
            body={**base, "attachments": [attachment] * 26},
        ).execute()


def test_deleted_series_reaches_attendee_copies(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    bob = calendar_as(sandbox, key, BOB)
    token = bob.events().list(calendarId="primary").execute()["nextSyncToken"]
    sandbox.state.delete_series(ALICE, series)
    changes = bob.events().list(calendarId="primary", syncToken=token).execute()["items"]
    assert [(e["id"], e["status"]) for e in changes] == [(series, "cancelled")]
    with pytest.raises(HttpError) as caught:
        bob.events().patch(calendarId="primary", eventId=series, body={"summary": "x"}).execute()
    assert caught.value.status_code == 410


def test_ended_series_stops_at_until(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    sandbox.state.end_series(ALICE, series, FIRST + dt.timedelta(days=8))
    items = (
        calendar_as(sandbox, key, BOB)
        .events()
        .instances(calendarId="primary", eventId=series)
        .execute()["items"]
    )
    assert len(items) == 2


# -- freeBusy and push ---------------------------------------------------------------------------


def test_freebusy_answers_both_people_and_reports_unknown_calendars_inside(sandbox, key) -> None:
    series = sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
    sandbox.state.decline_instance(BOB, series, FIRST + dt.timedelta(days=7))
    answer = calendar_as(sandbox, key, ALICE).freebusy().query(body={
        "timeMin": "2026-03-01T00:00:00Z", "timeMax": "2026-03-12T00:00:00Z",
        "items": [{"id": ALICE}, {"id": BOB}, {"id": "nobody@example.com"}],
    }).execute()  # fmt: skip
    calendars = answer["calendars"]
    assert calendars[ALICE]["busy"] == [
        {"start": "2026-03-02T09:00:00.000Z", "end": "2026-03-02T09:30:00.000Z"},
        {"start": "2026-03-09T09:00:00.000Z", "end": "2026-03-09T09:30:00.000Z"},
    ]
    assert calendars[BOB]["busy"] == [
        {"start": "2026-03-02T09:00:00.000Z", "end": "2026-03-02T09:30:00.000Z"}
    ]
    assert calendars["nobody@example.com"]["errors"] == [{"domain": "global", "reason": "notFound"}]


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.received.append(
            {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("x-goog")}
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_watch_posts_sync_then_exists_to_the_receiver(sandbox, key) -> None:
    handler = type("Receiver", (_Receiver,), {"received": []})
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        cal = calendar_as(sandbox, key, BOB)
        address = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        channel = (
            cal.events()
            .watch(
                calendarId="primary",
                body={"id": "chan-1", "type": "web_hook", "address": address, "token": "secret"},
            )
            .execute()
        )
        assert channel["kind"] == "api#channel" and channel["id"] == "chan-1"
        _wait_for(lambda: len(handler.received) == 1)
        sandbox.state.create_one_on_one(ALICE, BOB, FIRST)
        _wait_for(lambda: len(handler.received) >= 2)
        states = [
            (h["x-goog-resource-state"], h["x-goog-message-number"]) for h in handler.received
        ]
        assert states[:2] == [("sync", "1"), ("exists", "2")]
        assert handler.received[1]["x-goog-channel-token"] == "secret"
        assert handler.received[1]["x-goog-resource-id"] == channel["resourceId"]
        cal.channels().stop(body={"id": "chan-1", "resourceId": channel["resourceId"]}).execute()
        sandbox.state.create_one_on_one(ALICE, BOB, FIRST + dt.timedelta(hours=2))
        time.sleep(0.2)  # nothing more may arrive; there is no condition to wait on for absence
        assert len(handler.received) == 2
    finally:
        receiver.shutdown()
        receiver.server_close()
