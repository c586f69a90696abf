"""Drive, Docs, Directory, faults, TLS and the control endpoint of the Google emulator,
through the real client libraries."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from syncer.sandbox.google import FaultRule, GoogleSandbox, GoogleState
from syncer.sandbox.google.clients import service
from syncer.sandbox.tls import ensure_tls_files

ADMIN, BOB, CAROL = "admin@example.com", "bob@example.com", "carol@example.com"


@pytest.fixture
def sandbox() -> Iterator[GoogleSandbox]:
    state = GoogleState()
    state.add_person(ADMIN, "Ada Admin", admin=True)
    state.add_person(BOB, "Bob Baker", manager=ADMIN, aliases=["robert@example.com"])
    state.add_person(CAROL, "Carol Cole", org_unit="/Sales", suspended=False)
    with GoogleSandbox(state) as running:
        yield running


@pytest.fixture
def key(sandbox: GoogleSandbox) -> dict[str, Any]:
    return sandbox.state.issue_service_account()


def test_agenda_doc_is_created_found_by_app_property_shared_and_appended(sandbox, key) -> None:
    drive = service("drive", sandbox.base_url, key, BOB)
    docs = service("docs", sandbox.base_url, key, BOB)
    made = (
        drive.files()
        .create(
            body={
                "name": "1:1 Bob / Carol",
                "mimeType": "application/vnd.google-apps.document",
                "appProperties": {"pair": "bob+carol"},
            },
            fields="id,webViewLink",
        )
        .execute()
    )
    drive.files().create(body={"name": "other", "appProperties": {"pair": "x"}}).execute()
    found = (
        drive.files()
        .list(
            q="appProperties has { key='pair' and value='bob+carol' } and trashed = false",
            fields="files(id,name)",
        )
        .execute()
    )
    assert found["files"] == [{"id": made["id"], "name": "1:1 Bob / Carol"}]
    drive.permissions().create(
        fileId=made["id"],
        sendNotificationEmail=False,
        body={"role": "writer", "type": "user", "emailAddress": CAROL},
    ).execute()
    assert sandbox.state.mail_log == []
    carol_docs = service("docs", sandbox.base_url, key, CAROL)
    doc = carol_docs.documents().get(documentId=made["id"]).execute()
    assert doc["body"]["content"][-1]["endIndex"] == 2
    docs.documents().batchUpdate(
        documentId=made["id"],
        body={
            "requests": [{"insertText": {"text": "Agenda\n", "endOfSegmentLocation": {}}}],
            "writeControl": {"requiredRevisionId": doc["revisionId"]},
        },
    ).execute()
    docs.documents().batchUpdate(
        documentId=made["id"],
        body={"requests": [{"insertText": {"text": "# ", "location": {"index": 1}}}]},
    ).execute()
    after = docs.documents().get(documentId=made["id"]).execute()
    text = "".join(
        e["textRun"]["content"]
        for c in after["body"]["content"]
        if "paragraph" in c
        for e in c["paragraph"]["elements"]
    )
    assert text == "# Agenda\n\n"
    with pytest.raises(HttpError) as caught:
        docs.documents().batchUpdate(
            documentId=made["id"],
            body={
                "requests": [{"insertText": {"text": "x", "endOfSegmentLocation": {}}}],
                "writeControl": {"requiredRevisionId": doc["revisionId"]},
            },
        ).execute()
    assert caught.value.status_code == 400


def test_files_of_others_are_not_found(sandbox, key) -> None:
    made = (
        service("drive", sandbox.base_url, key, BOB)
        .files()
        .create(body={"name": "private"})
        .execute()
    )
    with pytest.raises(HttpError) as caught:
        service("drive", sandbox.base_url, key, CAROL).files().get(fileId=made["id"]).execute()
    assert caught.value.status_code == 404


def test_sharing_with_notification_is_a_mail(sandbox, key) -> None:
    drive = service("drive", sandbox.base_url, key, BOB)
    made = drive.files().create(body={"name": "doc"}).execute()
    drive.permissions().create(
        fileId=made["id"], body={"role": "reader", "type": "user", "emailAddress": CAROL}
    ).execute()
    assert [m.recipients for m in sandbox.state.mail_log] == [(CAROL,)]


def test_directory_lists_people_in_pages_for_an_admin(sandbox, key) -> None:
    admin = service("admin", sandbox.base_url, key, ADMIN)
    first = admin.users().list(customer="my_customer", maxResults=2, projection="full").execute()
    rest = (
        admin.users()
        .list(customer="my_customer", maxResults=2, pageToken=first["nextPageToken"])
        .execute()
    )
    users = first["users"] + rest["users"]
    assert [u["primaryEmail"] for u in users] == [ADMIN, BOB, CAROL] and "nextPageToken" not in rest
    bob = users[1]
    assert bob["name"]["fullName"] == "Bob Baker" and bob["relations"] == [
        {"type": "manager", "value": ADMIN}
    ]
    assert bob["aliases"] == ["robert@example.com"] and users[2]["orgUnitPath"] == "/Sales"
    with pytest.raises(HttpError) as caught:
        service("admin", sandbox.base_url, key, BOB).users().list(domain="example.com").execute()
    assert caught.value.status_code == 403


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("rate_limit", 403),
        ("user_rate_limit", 403),
        ("too_many_requests", 429),
        ("server_error", 500),
        ("unavailable", 503),
    ],
)
def test_fault_rules_answer_like_google_then_clear(sandbox, key, kind, status) -> None:
    cal = service("calendar", sandbox.base_url, key, BOB)
    sandbox.state.faults.add(FaultRule(kind, times=1, path="/events$", person=BOB, retry_after=7))
    with pytest.raises(HttpError) as caught:
        cal.events().list(calendarId="primary").execute()
    assert caught.value.status_code == status and caught.value.resp["retry-after"] == "7"
    assert cal.events().list(calendarId="primary").execute()["items"] == []


def test_rate_limit_reason_is_readable_by_the_client(sandbox, key) -> None:
    sandbox.state.faults.add(FaultRule("rate_limit"))
    with pytest.raises(HttpError) as caught:
        service("calendar", sandbox.base_url, key, BOB).events().list(
            calendarId="primary"
        ).execute()
    assert caught.value.error_details[0]["reason"] == "rateLimitExceeded"


def test_dropped_connection_is_an_error_once_httplib2_gives_up(sandbox, key) -> None:
    cal = service("calendar", sandbox.base_url, key, BOB)
    cal.events().list(calendarId="primary").execute()  # token fetched, connection open
    sandbox.state.faults.add(FaultRule("drop", times=3))
    with pytest.raises(Exception):  # noqa: B017 - httplib2 raises several connection errors
        cal.events().list(calendarId="primary").execute()


def test_https_with_the_sandbox_ca(tmp_path: Path) -> None:
    tls = ensure_tls_files(tmp_path)
    state = GoogleState()
    state.add_person(BOB)
    with GoogleSandbox(state, tls=tls) as running:
        assert running.base_url.startswith("https://localhost:")
        key = state.issue_service_account()
        cal = service("calendar", running.base_url, key, BOB, ca_certs=str(tls.ca_cert))
        assert cal.events().list(calendarId="primary").execute()["items"] == []
    assert ensure_tls_files(tmp_path).ca_cert.read_bytes() == tls.ca_cert.read_bytes()


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_process_mode_with_control_endpoint(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "syncer.sandbox.google", "--port", "0", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = json.loads(process.stdout.readline())  # type: ignore[union-attr]
        base = endpoint["base_url"]
        _post(base + "/_sandbox/add_person", {"email": BOB})
        _post(base + "/_sandbox/add_person", {"email": CAROL})
        series = _post(
            base + "/_sandbox/create_one_on_one",
            {"organizer": BOB, "attendee": CAROL, "start": "2026-03-02T10:00:00+00:00"},
        )["result"]
        key = json.loads(Path(endpoint["key_file"]).read_text())
        items = (
            service("calendar", base, key, CAROL)
            .events()
            .list(calendarId="primary")
            .execute()["items"]
        )
        assert [e["id"] for e in items] == [series]
        with urllib.request.urlopen(base + "/_sandbox/write_log", timeout=10) as answer:
            assert json.loads(answer.read())["items"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_simulated_clock_stamps_updates(sandbox, key) -> None:
    sandbox.state.clock.set(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC))
    made = (
        service("calendar", sandbox.base_url, key, BOB)
        .events()
        .insert(
            calendarId="primary",
            body={"start": {"date": "2026-05-02"}, "end": {"date": "2026-05-03"}},
        )
        .execute()
    )
    assert made["updated"] == "2026-05-01T09:00:00.000Z"
    time.sleep(0)  # the clock stays frozen
