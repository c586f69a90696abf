"""Hypothesis strategies for provider payloads: realistic shapes, then mutated.

A payload starts as something Google's Calendar v3 or Graph's v1.0 event resource could send
(masters, instances, cancelled stubs, attendees, zones, bodies), then 0-4 mutations hit random
paths: a field dropped, nulled, given the wrong type, a garbage date, an unknown zone, a huge
string or deep nesting. Every body carries `BODY_CANARY`, so a test can prove no body reached a
log line.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

BODY_CANARY = "BODY-CANARY-7f3a"
INJECTIONS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "── syncer: 1:1 helper (edits inside this block are replaced) ──",
    "── end of syncer block ──",
    "{{7*7}} ${jndi:ldap://x}",
)
IANA = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Pacific/Kiritimati")
WINDOWS = ("W. Europe Standard Time", "Pacific Standard Time", "India Standard Time", "UTC")
BAD_ZONES = (
    "Mars/Olympus",
    "America",
    "../../etc/passwd",
    "tzone://Microsoft/Custom",
    "",
    "x" * 300,
)
GARBAGE_DATES = (
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30T10:00:00Z",
    "2026-13-01",
    "yesterday",
    "2026-01-05T25:61:00",
    "",
    "2026-01-05T10:00:00.0000000",
)

text = st.text(max_size=30)
ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=26)
emails = st.sampled_from(["ana@acme.test", "bo@acme.test", "Cy@Acme.Test", "room@resource.test"])
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
bodies = st.one_of(
    st.just(BODY_CANARY),
    st.builds(lambda a, b: f"{a}{BODY_CANARY}{b}", text, text),
    st.builds(lambda x: f"<p>{BODY_CANARY} {x}</p>", st.sampled_from(INJECTIONS)),
)

# Values a mutation puts in place of a field: wrong types, garbage, the very large and deep.
SCALAR_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.sampled_from(GARBAGE_DATES + BAD_ZONES + INJECTIONS),
    st.just("A" * 100_000),
)


def _deep(depth: int) -> Any:
    node: Any = "bottom"
    for i in range(depth):
        node = {"k": node} if i % 2 else [node]
    return node


JUNK = st.one_of(
    SCALAR_JUNK,
    st.lists(SCALAR_JUNK, max_size=3),
    st.dictionaries(text, SCALAR_JUNK, max_size=3),
    st.integers(50, 400).map(_deep),
    st.just({"dateTime": "0001-01-01T00:00:00", "timeZone": "Pacific/Kiritimati"}),
    st.just({"date": "0001-01-01"}),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutate(draw: st.DrawFn, payload: Any, max_edits: int = 4) -> Any:
    """`payload` with 0..max_edits random edits at random paths (never the root)."""
    data = copy.deepcopy(payload)
    for _ in range(draw(st.integers(0, max_edits))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "null", "junk", "junk", "add"]))
        if op == "delete":
            del parent[last]
        elif op == "null":
            parent[last] = None
        elif op == "junk":
            parent[last] = copy.deepcopy(draw(JUNK))
        elif isinstance(parent, dict):
            parent[draw(text)] = copy.deepcopy(draw(JUNK))
    return data


# --------------------------------------------------------------------------------------------
# Google Calendar v3


def _google_when(moment: datetime, zone: str, all_day: bool) -> dict[str, Any]:
    if all_day:
        return {"date": moment.date().isoformat()}
    return {"dateTime": moment.isoformat(), "timeZone": zone}


@st.composite
def google_event(draw: st.DrawFn) -> dict[str, Any]:
    """A Calendar v3 `events.list` item: master, single, instance or cancelled stub."""
    start = draw(moments)
    zone = draw(st.sampled_from(IANA + WINDOWS[:1] + BAD_ZONES[:2]))
    all_day = draw(st.booleans()) and draw(st.booleans())
    minutes = draw(st.integers(-30, 120))
    kind = draw(st.sampled_from(["master", "single", "instance", "cancelled_instance", "gone"]))
    event: dict[str, Any] = {
        "kind": "calendar#event",
        "id": draw(ids),
        "etag": f'"{draw(st.integers(0, 10**12))}"',
        "status": draw(st.sampled_from(["confirmed", "tentative"])),
        "summary": draw(text | st.sampled_from(INJECTIONS)),
        "description": draw(bodies),
        "iCalUID": draw(ids) + "@google.com",
        "organizer": {"email": draw(emails), "self": draw(st.booleans())},
        "start": _google_when(start, zone, all_day),
        "end": _google_when(start + timedelta(minutes=minutes), zone, all_day),
        "attendees": [
            {"email": draw(emails), "responseStatus": draw(st.sampled_from(
                ["needsAction", "accepted", "tentative", "declined", "maybe"]
            )), "resource": draw(st.booleans())}
            for _ in range(draw(st.integers(0, 3)))
        ],
        "eventType": draw(st.sampled_from(["default", "outOfOffice", "focusTime", "newKind"])),
        "visibility": draw(st.sampled_from(["default", "private", "confidential"])),
        "updated": draw(moments).isoformat().replace("+00:00", "Z"),
        "extendedProperties": {"private": {"syncer_pair": "ana@acme.test|bo@acme.test"}},
        "attachments": [{"fileId": draw(ids), "title": "Agenda"}],
    }  # fmt: skip
    if kind == "master":
        event["recurrence"] = draw(st.lists(st.sampled_from([
            "RRULE:FREQ=WEEKLY;BYDAY=MO", "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=10",
            "EXDATE;TZID=Europe/Berlin:20260105T100000", "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
            "RRULE:FREQ=WEEKLY;UNTIL=99991231T000000Z", "RRULE:garbage", "RDATE:2026",
        ]), min_size=1, max_size=3))  # fmt: skip
    if kind in ("instance", "cancelled_instance"):
        event["recurringEventId"] = draw(ids)
        event["originalStartTime"] = _google_when(start, zone, all_day)
        event["id"] = f"{event['recurringEventId']}_{start:%Y%m%dT%H%M%SZ}"
    if kind in ("cancelled_instance", "gone"):
        keep = ("id", "status", "recurringEventId", "originalStartTime", "etag", "kind")
        event = {k: v for k, v in event.items() if k in keep}
        event["status"] = "cancelled"
    return event


google_items = google_event().flatmap(mutate)


# --------------------------------------------------------------------------------------------
# Microsoft Graph v1.0


def _graph_when(moment: datetime, zone: str) -> dict[str, str]:
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone}


@st.composite
def graph_event(draw: st.DrawFn, kind: str, master_id: str | None = None) -> dict[str, Any]:
    """A Graph event as delta or `GET /events/{id}` returns it (`kind` is its `type`)."""
    start = draw(moments)
    zone = draw(st.sampled_from(("UTC",) * 4 + WINDOWS + IANA[:2] + BAD_ZONES[:1]))
    minutes = draw(st.integers(-30, 120))
    event: dict[str, Any] = {
        "@odata.etag": f'W/"{draw(ids)}"',
        "id": draw(ids),
        "type": kind,
        "changeKey": draw(ids),
        "iCalUId": draw(ids),
        "subject": draw(text | st.sampled_from(INJECTIONS)),
        "body": {"contentType": draw(st.sampled_from(["html", "text", "HTML", "rtf"])),
                 "content": draw(bodies)},
        "bodyPreview": BODY_CANARY,
        "isCancelled": draw(st.booleans()) and draw(st.booleans()),
        "isAllDay": False,
        "showAs": draw(st.sampled_from(["busy", "free", "oof", "workingElsewhere", "unknown"])),
        "sensitivity": draw(st.sampled_from(["normal", "private", "confidential"])),
        "start": _graph_when(start, zone),
        "end": _graph_when(start + timedelta(minutes=minutes), zone),
        "originalStartTimeZone": draw(st.sampled_from(WINDOWS + IANA[:1] + BAD_ZONES[3:4])),
        "organizer": {"emailAddress": {"name": draw(text), "address": draw(emails)}},
        "responseStatus": {"response": draw(st.sampled_from(["organizer", "accepted", "none"]))},
        "attendees": [
            {"type": draw(st.sampled_from(["required", "optional", "resource"])),
             "status": {"response": draw(st.sampled_from(
                 ["none", "accepted", "declined", "tentativelyAccepted", "notResponded", "x"]))},
             "emailAddress": {"name": draw(text | st.sampled_from(INJECTIONS)),
                              "address": draw(emails)}}
            for _ in range(draw(st.integers(0, 3)))
        ],
        "lastModifiedDateTime": draw(moments).isoformat().replace("+00:00", "Z"),
        "singleValueExtendedProperties": [
            {"id": "String {8f3c1a52-6b0e-4d7e-9c21-5e4b7a9d0f36} Name syncer_block",
             "value": draw(ids)}
        ],
    }  # fmt: skip
    if kind == "seriesMaster":
        event["recurrence"] = {
            "pattern": {
                "type": draw(st.sampled_from(
                    ["daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly",
                     "relativeYearly", "hourly"])),
                "interval": draw(st.integers(0, 5)),
                "daysOfWeek": draw(st.lists(st.sampled_from(
                    ["monday", "tuesday", "friday", "sunday", "funday"]), max_size=3)),
                "firstDayOfWeek": "sunday",
                "index": draw(st.sampled_from(["first", "second", "last", "fifth"])),
                "dayOfMonth": draw(st.integers(0, 40)),
                "month": draw(st.integers(0, 13)),
            },
            "range": {
                "type": draw(st.sampled_from(["endDate", "noEnd", "numbered", "forever"])),
                "startDate": start.date().isoformat(),
                "endDate": draw(st.sampled_from(["0001-01-01", "2027-01-01", "2019-01-01"])),
                "numberOfOccurrences": draw(st.integers(0, 50)),
                "recurrenceTimeZone": draw(st.sampled_from(WINDOWS + BAD_ZONES[:1])),
            },
        }  # fmt: skip
    if kind in ("occurrence", "exception"):
        event["seriesMasterId"] = master_id
        event["originalStart"] = start.isoformat().replace("+00:00", "Z")
    return event


@st.composite
def graph_round(draw: st.DrawFn, size: int) -> tuple[list[Any], dict[str, Any]]:
    """(delta items, master payloads by id) for one full round of about `size` items."""
    masters = {}
    for _ in range(draw(st.integers(0, 3))):
        master = draw(graph_event("seriesMaster").flatmap(lambda e: mutate(e, 2)))
        if isinstance(master.get("id"), str):
            masters[master["id"]] = master
    master_ids = [*masters, "gone-master"]
    items: list[Any] = []
    for _ in range(size):
        kind = draw(st.sampled_from(["singleInstance", "occurrence", "exception", "removed"]))
        if kind == "removed":
            items.append({"id": draw(ids), "@removed": {"reason": "deleted"}})
            continue
        master = draw(st.sampled_from(master_ids)) if kind != "singleInstance" else None
        items.append(draw(graph_event(kind, master).flatmap(mutate)))
    items += [{"id": m, "type": "seriesMaster"} for m in masters]
    return items, masters
