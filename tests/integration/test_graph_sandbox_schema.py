"""Every payload type the Graph emulator serves, checked against JSON Schemas written from the
Graph v1.0 reference (tests/integration/graph_schemas): closed resources reject any property
the reference does not have, so the emulator cannot invent fields syncer would come to rely
on."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.integration.graph_world import (
    ALICE,
    BOB,
    CAROL,
    FIRST,
    WINDOW,
    GraphWorld,
    graph_tls,
    world,
)

__all__ = ["graph_tls", "world"]
SCHEMAS = Path(__file__).parent / "graph_schemas"
PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name syncerBlock"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def check(schema: str, payload: Any) -> None:
    validator = Draft202012Validator(
        json.loads((SCHEMAS / f"{schema}.json").read_text()), registry=REGISTRY
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert problems == [], problems


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        token = parse_qs(urlsplit(self.path).query).get("validationToken", [""])[0].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token)


@contextmanager
def echoing_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_schemas_reject_an_invented_field() -> None:
    with pytest.raises(AssertionError):
        check("user", {"id": "4d0f1a5e-0000-0000-0000-000000000000", "favouriteColour": "red"})


def test_events_and_delta_pages_match_the_reference(world: GraphWorld) -> None:
    state = world.state
    series = state.create_one_on_one(ALICE, BOB, FIRST, teams=True)
    state.move_occurrence(ALICE, series, FIRST, FIRST + dt.timedelta(hours=3))
    state.create_all_day(ALICE, dt.date(2026, 3, 4))
    state.create_private_event(ALICE, FIRST + dt.timedelta(days=1))
    world.patch(
        f"/users/{ALICE}/events/{series}",
        json={"singleValueExtendedProperties": [{"id": PROP, "value": "v"}]},
    )
    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{PROP}')"}
    check("event", world.get(f"/users/{ALICE}/events/{series}", params=expand).json())
    check(
        "event", world.get(f"/users/{ALICE}/events/{series}", params={"$select": "subject"}).json()
    )
    for mailbox in (ALICE, BOB):
        instances = world.get(
            f"/users/{mailbox}/events/{state.copy_id(mailbox, series)}/instances", params=WINDOW
        )
        assert {i["type"] for i in instances.json()["value"]} == {"occurrence", "exception"}
        for item in instances.json()["value"]:
            check("event", item)
    headers = {"Prefer": "odata.maxpagesize=5"}
    page = world.get(f"/users/{ALICE}/calendarView/delta", params=WINDOW, headers=headers).json()
    check("eventDelta", page)
    while "@odata.nextLink" in page:
        page = world.http.get(page["@odata.nextLink"], headers=headers, timeout=5).json()
        check("eventDelta", page)
    state.delete_series(ALICE, series)
    removed = world.http.get(page["@odata.deltaLink"], timeout=5).json()
    assert any("@removed" in item for item in removed["value"])
    check("eventDelta", removed)
    created = world.post(
        f"/users/{CAROL}/events",
        json={
            "subject": "Hold",
            "start": {"dateTime": "2026-03-05T15:00:00", "timeZone": "Eastern Standard Time"},
            "end": {"dateTime": "2026-03-05T15:30:00", "timeZone": "Eastern Standard Time"},
            "showAs": "tentative",
        },
    )
    check("event", created.json())


def test_drive_subscription_schedule_user_and_error_payloads(world: GraphWorld) -> None:
    upload = world.put(f"/users/{ALICE}/drive/root:/1on1/a.md:/content", data=b"hi")
    check("driveItem", upload.json())
    check("driveItem", world.get(f"/users/{ALICE}/drive/items/{upload.json()['id']}").json())
    for child in world.get(f"/users/{ALICE}/drive/root/children").json()["value"]:
        check("driveItem", child)
    with echoing_receiver() as url:
        expiry = world.state.clock.now() + dt.timedelta(hours=1)
        created = world.post(
            "/subscriptions",
            json={
                "changeType": "created,updated",
                "notificationUrl": url,
                "resource": f"/users/{ALICE}/events",
                "expirationDateTime": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "clientState": "state",
            },
        )
    check("subscription", created.json())
    check("subscription", world.get(f"/subscriptions/{created.json()['id']}").json())
    world.state.create_one_on_one(ALICE, BOB, FIRST)
    schedule = world.post(
        f"/users/{ALICE}/calendar/getSchedule",
        json={
            "schedules": [ALICE, "nobody@example.com"],
            "startTime": {"dateTime": "2026-03-02T00:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2026-03-03T00:00:00", "timeZone": "UTC"},
        },
    ).json()
    for entry in schedule["value"]:
        check("scheduleInformation", entry)
    for user in world.get("/users", params={"$expand": "manager"}).json()["value"]:
        check("user", user)
    check("user", world.get(f"/users/{BOB}").json())
    check("user", world.get(f"/users/{BOB}/manager").json())
    for answer in (
        world.get("/users/nobody@example.com/events/x"),
        world.get(f"/users/{ALICE}/events/AAMknope"),
        world.get(f"/users/{ALICE}/calendarView/delta"),
        world.http.get(world.url(f"/users/{ALICE}/calendarView/delta?$deltatoken=gone"), timeout=5),
        world.post("/subscriptions", json={"resource": "/me/messages"}),
    ):
        assert answer.status_code >= 400
        check("error", answer.json())
