"""Every resource the Google emulator serves, walked against the discovery documents bundled
with google-api-python-client: a field the schema does not have is a failure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import googleapiclient
import pytest

from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.google.clients import service

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
ALICE, BOB = "alice@example.com", "bob@example.com"
FIRST = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
SCALARS = {"string": (str,), "integer": (int,), "boolean": (bool,), "number": (int, float)}


def problems(value: Any, schema: dict[str, Any], doc: dict[str, Any], where: str) -> Iterator[str]:
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "any":
        return
    if kind == "array":
        if not isinstance(value, list):
            yield f"{where}: expected a list"
            return
        for n, item in enumerate(value):
            yield from problems(item, schema["items"], doc, f"{where}[{n}]")
    elif kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            yield f"{where}: expected an object"
            return
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from problems(item, properties[key], doc, f"{where}.{key}")
            elif extra is not None:
                yield from problems(item, extra, doc, f"{where}.{key}")
            else:
                yield f"{where}.{key}: not in the schema"
    elif kind in SCALARS and (
        not isinstance(value, SCALARS[kind]) or (kind != "boolean" and isinstance(value, bool))
    ):
        yield f"{where}: expected {kind}, got {value!r}"


def check(api: str, schema: str, value: Any) -> None:
    doc = json.loads((DOCS / f"{api}.json").read_text())
    found = list(problems(value, {"$ref": schema}, doc, schema))
    assert not found, found


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    """One rich sample of every resource, fetched through the real clients."""
    state = GoogleState()
    state.add_person(ALICE, "Alice Archer", admin=True, time_zone="Europe/Berlin")
    state.add_person(BOB, "Bob Baker", manager=ALICE, aliases=["robert@example.com"])
    with GoogleSandbox(state) as sandbox:
        key = state.issue_service_account()
        url = sandbox.base_url
        series = state.create_one_on_one(ALICE, BOB, FIRST, description="<b>agenda</b>")
        state.cancel_instance(ALICE, series, FIRST + dt.timedelta(days=7))
        state.move_instance(
            ALICE, series, FIRST + dt.timedelta(days=14), FIRST + dt.timedelta(days=15)
        )
        state.decline_instance(BOB, series, FIRST + dt.timedelta(days=21))
        state.add_room(ALICE, series, "room-1@resource.calendar.google.com")
        cal = service("calendar", url, key, BOB)
        cal.events().patch(
            calendarId="primary",
            eventId=series,
            supportsAttachments=True,
            body={
                "extendedProperties": {"private": {"k": "v"}, "shared": {"s": "t"}},
                "attachments": [
                    {
                        "fileUrl": "https://docs.google.com/document/d/1",
                        "title": "Agenda",
                        "mimeType": "application/vnd.google-apps.document",
                        "fileId": "1",
                        "iconLink": "https://x",
                    }
                ],
            },
        ).execute()
        cal.events().insert(
            calendarId="primary",
            body={
                "eventType": "outOfOffice",
                "start": {"dateTime": "2026-03-05T00:00:00Z"},
                "end": {"dateTime": "2026-03-06T00:00:00Z"},
            },
        ).execute()
        cal.events().insert(
            calendarId="primary",
            body={"summary": "day", "start": {"date": "2026-03-07"}, "end": {"date": "2026-03-08"}},
        ).execute()
        drive = service("drive", url, key, BOB)
        made = (
            drive.files()
            .create(
                body={
                    "name": "Agenda",
                    "mimeType": "application/vnd.google-apps.document",
                    "appProperties": {"pair": "a+b"},
                },
                fields="*",
            )
            .execute()
        )
        docs = service("docs", url, key, BOB)
        docs.documents().batchUpdate(
            documentId=made["id"],
            body={
                "requests": [{"insertText": {"text": "Notes\nMore\n", "endOfSegmentLocation": {}}}]
            },
        ).execute()
        admin = service("admin", url, key, ALICE)
        yield {
            "Events": cal.events().list(calendarId="primary").execute(),
            "Events (single)": cal.events()
            .list(
                calendarId="primary",
                singleEvents=True,
                showDeleted=True,
                timeMax="2026-06-01T00:00:00Z",
            )
            .execute(),
            "Events (instances)": cal.events()
            .instances(calendarId="primary", eventId=series, showDeleted=True, maxResults=10)
            .execute(),
            "Event": cal.events().get(calendarId="primary", eventId=series).execute(),
            "Channel": cal.events()
            .watch(
                calendarId="primary",
                body={
                    "id": "c1",
                    "type": "web_hook",
                    "address": "http://127.0.0.1:9/none",
                    "token": "t",
                },
            )
            .execute(),
            "FreeBusyResponse": cal.freebusy()
            .query(
                body={
                    "timeMin": "2026-03-01T00:00:00Z",
                    "timeMax": "2026-04-01T00:00:00Z",
                    "items": [{"id": ALICE}, {"id": BOB}, {"id": "x@example.com"}],
                }
            )
            .execute(),
            "File": made,
            "File (default)": drive.files().get(fileId=made["id"]).execute(),
            "FileList": drive.files()
            .list(q="appProperties has { key='pair' and value='a+b' }", fields="*")
            .execute(),
            "Permission": drive.permissions()
            .create(
                fileId=made["id"],
                sendNotificationEmail=False,
                fields="*",
                body={"role": "writer", "type": "user", "emailAddress": ALICE},
            )
            .execute(),
            "Document": docs.documents().get(documentId=made["id"]).execute(),
            "BatchUpdateDocumentResponse": docs.documents()
            .batchUpdate(
                documentId=made["id"],
                body={"requests": [{"insertText": {"text": "x", "location": {"index": 1}}}]},
            )
            .execute(),
            "Users": admin.users().list(customer="my_customer", projection="full").execute(),
            "User": admin.users().get(userKey=BOB).execute(),
        }


CASES = [
    ("calendar.v3", "Events", "Events"),
    ("calendar.v3", "Events", "Events (single)"),
    ("calendar.v3", "Events", "Events (instances)"),
    ("calendar.v3", "Event", "Event"),
    ("calendar.v3", "Channel", "Channel"),
    ("calendar.v3", "FreeBusyResponse", "FreeBusyResponse"),
    ("drive.v3", "File", "File"),
    ("drive.v3", "File", "File (default)"),
    ("drive.v3", "FileList", "FileList"),
    ("drive.v3", "Permission", "Permission"),
    ("docs.v1", "Document", "Document"),
    ("docs.v1", "BatchUpdateDocumentResponse", "BatchUpdateDocumentResponse"),
    ("admin.directory_v1", "Users", "Users"),
    ("admin.directory_v1", "User", "User"),
]


@pytest.mark.parametrize(("api", "schema", "sample"), CASES, ids=[c[2] for c in CASES])
def test_served_resource_matches_the_discovery_schema(served, api, schema, sample) -> None:
    check(api, schema, served[sample])


def test_samples_cover_the_tricky_shapes(served) -> None:
    statuses = {e["status"] for e in served["Events"]["items"]}
    assert statuses == {"confirmed", "cancelled"}
    assert any("recurringEventId" in e for e in served["Events (single)"]["items"])


def test_the_walker_catches_an_invented_field() -> None:
    with pytest.raises(AssertionError, match="invented"):
        check("calendar.v3", "Event", {"id": "x", "attendees": [{"email": "a", "invented": 1}]})
