"""The Graph emulator's getSchedule, subscriptions, OneDrive, directory, faults and process
entry, through msal + requests over TLS."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from syncer.sandbox.graph import FaultRule
from syncer.sandbox.graph.clients import confidential_app, graph_session
from tests.integration.graph_world import (
    ALICE,
    BOB,
    CAROL,
    FIRST,
    GraphWorld,
    graph_tls,
    world,
)

__all__ = ["graph_tls", "world"]


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# -- getSchedule --------------------------------------------------------------------------------


def schedule_body(start: str, end: str, *people: str) -> dict[str, Any]:
    return {
        "schedules": list(people),
        "startTime": {"dateTime": start, "timeZone": "Europe/Berlin"},
        "endTime": {"dateTime": end, "timeZone": "Europe/Berlin"},
        "availabilityViewInterval": 30,
    }


def test_get_schedule_answers_busy_and_working_hours(world: GraphWorld) -> None:
    world.state.create_one_on_one(ALICE, BOB, FIRST)
    world.state.create_private_event(CAROL, FIRST + dt.timedelta(hours=1))
    world.state.set_working_hours(BOB, start="09:00:00.0000000", end="18:00:00.0000000")
    body = schedule_body("2026-03-02T09:00:00", "2026-03-02T12:00:00", ALICE, BOB, CAROL, "x@y.z")
    answer = world.post(f"/users/{ALICE}/calendar/getSchedule", json=body)
    assert answer.status_code == 200
    alice, bob, carol, unknown = answer.json()["value"]
    assert alice["availabilityView"] == "002000"
    assert alice["scheduleItems"][0]["start"]["dateTime"] == "2026-03-02T10:00:00.0000000"
    assert bob["workingHours"]["startTime"] == "09:00:00.0000000"
    assert bob["workingHours"]["timeZone"] == {"name": "W. Europe Standard Time"}
    assert carol["scheduleItems"][0]["isPrivate"] and "subject" not in carol["scheduleItems"][0]
    assert unknown["error"]["responseCode"] == "ErrorMailRecipientNotFound"


def test_get_schedule_limits(world: GraphWorld) -> None:
    many = [f"p{i}@example.com" for i in range(21)]
    too_many = world.post(
        f"/users/{ALICE}/calendar/getSchedule",
        json=schedule_body("2026-03-02T00:00:00", "2026-03-03T00:00:00", *many),
    )
    assert too_many.status_code == 400
    too_long = world.post(
        f"/users/{ALICE}/calendar/getSchedule",
        json=schedule_body("2026-03-01T00:00:00", "2026-05-03T00:00:00", ALICE),
    )
    assert too_long.status_code == 400


# -- subscriptions ------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    """Answers Graph's validation and records notifications, as syncer's webhook would."""

    received: ClassVar[list[dict[str, Any]]] = []
    echo: ClassVar[bool] = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        token = parse_qs(urlsplit(self.path).query).get("validationToken")
        if token:
            payload = token[0].encode() if self.echo else b"nope"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
        else:
            type(self).received.append(json.loads(raw))
            payload = b""
            self.send_response(202)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("R", (Receiver,), {"received": [], "echo": True})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def subscribe(world: GraphWorld, url: str, minutes: int = 60) -> requests.Response:
    expiry = world.state.clock.now() + dt.timedelta(minutes=minutes)
    return world.post(
        "/subscriptions",
        json={
            "changeType": "created,updated,deleted",
            "notificationUrl": url,
            "lifecycleNotificationUrl": url,
            "resource": f"/users/{ALICE}/events",
            "expirationDateTime": expiry.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "clientState": "secret-state",
        },
    )


def test_subscription_handshake_then_notification_delivered(world: GraphWorld, receiver) -> None:
    url, handler = receiver
    created = subscribe(world, url)
    assert created.status_code == 201
    sub = created.json()
    world.state.create_private_event(ALICE, FIRST)
    wait_for(lambda: len(handler.received) == 1)
    note = handler.received[0]["value"][0]
    assert note["subscriptionId"] == sub["id"] and note["clientState"] == "secret-state"
    assert note["changeType"] == "created" and note["tenantId"] == world.state.tenant_id
    data = note["resourceData"]
    assert data["@odata.type"] == "#Microsoft.Graph.Event"
    event = world.get(f"/users/{ALICE}/events/{data['id']}").json()
    assert data["@odata.etag"] == event["@odata.etag"]  # as Graph's resourceData carries it
    world.state.subscriptions.lifecycle(sub["id"], "reauthorizationRequired")
    wait_for(lambda: len(handler.received) == 2)
    assert handler.received[1]["value"][0]["lifecycleEvent"] == "reauthorizationRequired"


def test_subscription_refused_without_echo_or_too_long(world: GraphWorld, receiver) -> None:
    url, handler = receiver
    assert subscribe(world, url, minutes=4231).status_code == 400
    handler.echo = False
    refused = subscribe(world, url)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "ValidationError"


def test_subscription_renew_and_delete(world: GraphWorld, receiver) -> None:
    url, _ = receiver
    sub = subscribe(world, url).json()
    later = (world.state.clock.now() + dt.timedelta(minutes=4000)).strftime("%Y-%m-%dT%H:%M:%SZ")
    renewed = world.patch(f"/subscriptions/{sub['id']}", json={"expirationDateTime": later})
    assert renewed.status_code == 200 and renewed.json()["expirationDateTime"].startswith(
        later[:19]
    )
    assert world.delete(f"/subscriptions/{sub['id']}").status_code == 204
    assert world.get(f"/subscriptions/{sub['id']}").status_code == 404


# -- OneDrive ----------------------------------------------------------------------------------


def test_upload_update_with_if_match_and_share(world: GraphWorld) -> None:
    path = f"/users/{ALICE}/drive/root:/1on1/Alice and Bob.md:/content"
    created = world.put(
        path, data=b"# Agenda\n", params={"@microsoft.graph.conflictBehavior": "fail"}
    )
    assert created.status_code == 201
    item = created.json()
    assert item["name"] == "Alice and Bob.md" and item["size"] == 9 and "file" in item
    again = world.put(path, data=b"x", params={"@microsoft.graph.conflictBehavior": "fail"})
    assert again.status_code == 409
    renamed = world.put(path, data=b"x", params={"@microsoft.graph.conflictBehavior": "rename"})
    assert renamed.json()["name"] == "Alice and Bob 1.md"
    content = f"/users/{ALICE}/drive/items/{item['id']}/content"
    ok = world.put(content, data=b"# Agenda\n- one\n", headers={"If-Match": item["eTag"]})
    assert ok.status_code == 200 and ok.json()["eTag"] != item["eTag"]
    stale = world.put(content, data=b"lost", headers={"If-Match": item["eTag"]})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "resourceModified"
    assert world.get(content).content == b"# Agenda\n- one\n"
    invite = world.post(
        f"/users/{ALICE}/drive/items/{item['id']}/invite",
        json={"recipients": [{"email": BOB}], "roles": ["write"], "requireSignIn": True,
              "sendInvitation": False},
    )  # fmt: skip
    assert invite.status_code == 200 and invite.json()["value"][0]["roles"] == ["write"]
    assert world.state.drives.invitations[-1]["sendInvitation"] is False
    assert world.state.mails_to(BOB) == []
    link = world.post(
        f"/users/{ALICE}/drive/items/{item['id']}/createLink",
        json={"type": "edit", "scope": "organization"},
    )
    assert link.status_code == 201 and link.json()["link"]["type"] == "edit"
    children = world.get(f"/users/{ALICE}/drive/root:/1on1:/children").json()["value"]
    assert sorted(c["name"] for c in children) == ["Alice and Bob 1.md", "Alice and Bob.md"]


# -- directory ---------------------------------------------------------------------------------


def test_directory_pages_and_expands_manager(world: GraphWorld) -> None:
    seen: list[dict[str, Any]] = []
    page = world.get("/users", params={"$top": "2", "$expand": "manager"}).json()
    seen += page["value"]
    while "@odata.nextLink" in page:
        page = world.http.get(page["@odata.nextLink"], timeout=5).json()
        seen += page["value"]
    assert [u["mail"] for u in seen] == sorted([ALICE, BOB, CAROL, "dan@example.com"])
    bob = next(u for u in seen if u["mail"] == BOB)
    assert bob["manager"]["mail"] == ALICE
    only = world.get(f"/users/{BOB}", params={"$select": "displayName"}).json()
    assert set(only) - {"@odata.context"} == {"displayName", "id"}
    assert world.get(f"/users/{BOB}/manager").json()["mail"] == ALICE


# -- faults ------------------------------------------------------------------------------------


def test_throttling_and_unavailable_faults(world: GraphWorld) -> None:
    world.state.faults.add(FaultRule("throttle", times=1, mailbox=BOB, retry_after=3))
    world.state.faults.add(FaultRule("gateway_timeout", times=1, path="/manager$"))
    assert world.get(f"/users/{ALICE}").status_code == 200
    throttled = world.get(f"/users/{BOB}")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert throttled.json()["error"]["code"] == "ApplicationThrottled"
    assert world.get(f"/users/{BOB}/manager").status_code == 504
    assert world.get(f"/users/{BOB}/manager").status_code == 200


def test_dropped_connection(world: GraphWorld) -> None:
    world.state.faults.add(FaultRule("drop", times=1, method="GET"))
    with pytest.raises(requests.ConnectionError):
        world.get(f"/users/{ALICE}")
    assert world.get(f"/users/{ALICE}").status_code == 200


# -- the process -------------------------------------------------------------------------------


def test_process_entry_serves_tls_with_its_own_ca(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "syncer.sandbox.graph", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        json.loads(process.stdout.readline())
        endpoint = json.loads((tmp_path / "endpoint.json").read_text())
        base, ca = endpoint["base_url"], endpoint["ca_certs"]
        control = requests.post(
            f"{base}/_sandbox/add_person", json={"email": ALICE}, verify=ca, timeout=5
        )
        assert control.status_code == 200
        app = confidential_app(
            endpoint["authority"], endpoint["client_id"], endpoint["client_secret"], ca
        )
        answer = graph_session(app, ca).get(f"{base}/v1.0/users/{ALICE}", timeout=5)
        assert answer.json()["mail"] == ALICE
        assert Path(ca).parent == tmp_path / "tls"
    finally:
        process.terminate()
        process.wait(timeout=10)
