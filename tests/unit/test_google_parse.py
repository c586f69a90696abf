"""Google payloads -> model, against hand-made JSON shaped like Calendar v3 answers.

Every payload here is checked against the bundled discovery document first, so a test cannot
pass on a field Google does not have.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import googleapiclient
import pytest

from syncer.core.blocks import block_hash, content_hash, current_block, merge, render
from syncer.core.model import (
    Attendee,
    BlockContent,
    EventRemoved,
    OverrideChanged,
    RRuleRecurrence,
    SeriesChanged,
)
from syncer.providers.google_parse import (
    MalformedItem,
    attach_overrides,
    document_text,
    parse_event,
    parse_event_body,
    parse_free_busy,
    parse_hold,
)

DISCOVERY = json.loads(
    (
        Path(googleapiclient.__file__).parent / "discovery_cache/documents/calendar.v3.json"
    ).read_text()
)


def unknown_fields(payload: Any, schema: str) -> list[str]:
    """Fields of `payload` the discovery schema does not declare (nested objects included)."""
    props = DISCOVERY["schemas"][schema].get("properties", {})
    found = []
    for key, value in payload.items():
        spec = props.get(key)
        if spec is None:
            found.append(f"{schema}.{key}")
            continue
        ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
        if ref and isinstance(value, dict):
            found += unknown_fields(value, ref)
        elif ref and isinstance(value, list):
            for item in value:
                found += unknown_fields(item, ref)
    return found


def event(**fields: Any) -> dict[str, Any]:
    assert unknown_fields(fields, "Event") == []
    return fields


ALICE, BOB = "alice@example.com", "bob@example.com"
ROOM = "c_1889abc@resource.calendar.google.com"
MASTER = event(
    kind="calendar#event",
    etag='"3381234567890000"',
    id="m1a2s3t4e5r6",
    status="confirmed",
    updated="2026-01-05T09:00:00.123Z",
    summary="Alice / Bob 1:1",
    description="<b>Notes</b> &amp; links",
    iCalUID="m1a2s3t4e5r6@google.com",
    organizer={"email": "Alice@Example.com", "self": True},
    creator={"email": ALICE, "self": True},
    start={"dateTime": "2026-01-05T10:00:00+01:00", "timeZone": "Europe/Paris"},
    end={"dateTime": "2026-01-05T10:30:00+01:00", "timeZone": "Europe/Paris"},
    recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO"],
    attendees=[
        {"email": ALICE, "organizer": True, "self": True, "responseStatus": "accepted"},
        {"email": "Bob@Example.com", "responseStatus": "needsAction", "optional": True},
        {"email": ROOM, "resource": True, "responseStatus": "accepted"},
    ],
    extendedProperties={"private": {"syncer_agenda": "doc1", "other_app": "x"}},
    attachments=[{"fileUrl": "https://docs.google.com/document/d/doc1/edit", "fileId": "doc1"}],
    eventType="default",
    visibility="default",
)
CANCELLED_INSTANCE = event(
    kind="calendar#event",
    etag='"3381234567891111"',
    id="m1a2s3t4e5r6_20260112T090000Z",
    status="cancelled",
    recurringEventId="m1a2s3t4e5r6",
    originalStartTime={"dateTime": "2026-01-12T10:00:00+01:00", "timeZone": "Europe/Paris"},
)
MOVED_INSTANCE = event(
    **{k: v for k, v in MASTER.items() if k not in ("recurrence", "id", "start", "end", "etag")},
    id="m1a2s3t4e5r6_20260119T090000Z",
    etag='"3381234567892222"',
    recurringEventId="m1a2s3t4e5r6",
    originalStartTime={"dateTime": "2026-01-19T10:00:00+01:00", "timeZone": "Europe/Paris"},
    start={"dateTime": "2026-01-20T14:00:00+01:00", "timeZone": "Europe/Paris"},
    end={"dateTime": "2026-01-20T14:30:00+01:00", "timeZone": "Europe/Paris"},
)


def parse(item: dict[str, Any], zone: str = "America/New_York"):
    return parse_event(item, calendar=ALICE, default_zone=zone, opt_out_keyword="#no-syncer")


def test_master_becomes_a_series_in_its_own_zone() -> None:
    change = parse(MASTER)
    assert isinstance(change, SeriesChanged)
    s = change.series
    assert s.uid == "m1a2s3t4e5r6@google.com" and s.event_id == "m1a2s3t4e5r6"
    assert s.timezone == "Europe/Paris"
    assert s.start == datetime(2026, 1, 5, 10, tzinfo=ZoneInfo("Europe/Paris"))
    assert s.start.tzinfo == ZoneInfo("Europe/Paris")
    assert s.duration.total_seconds() == 1800
    assert s.recurrence == RRuleRecurrence(("RRULE:FREQ=WEEKLY;BYDAY=MO",))
    assert s.organizer == ALICE
    assert s.attendees == (
        Attendee(ALICE, "accepted", organizer=True),
        Attendee(BOB, "needsAction", optional=True),
        Attendee(ROOM, "accepted", resource=True),
    )
    assert s.markers == {"syncer_agenda": "doc1"}
    assert s.attachments == ("doc1",)
    assert s.etag == '"3381234567890000"' and s.body_type == "text"
    assert s.updated == datetime(2026, 1, 5, 9, 0, 0, 123000, tzinfo=UTC)
    assert not s.private and not s.all_day and not s.opt_out_keyword


def test_series_keeps_no_description_only_its_block_hash() -> None:
    s = parse(MASTER).series  # type: ignore[union-attr]
    assert "Notes" not in repr(s)
    block = current_block(MASTER["description"], "text")
    assert s.block_hash == (block_hash(block) if block is not None else None)


def test_block_hash_is_that_of_the_managed_block_in_the_description() -> None:
    content = BlockContent(agenda_url="https://docs.google.com/document/d/doc1/edit")
    block = render(content, "Europe/Paris", "text")
    s = parse({**MASTER, "description": merge(MASTER["description"], block, "text")}).series  # type: ignore[union-attr]
    assert s.block_hash == content_hash(content, "Europe/Paris", "text")
    assert parse(MASTER).series.block_hash is None  # type: ignore[union-attr]


def test_opt_out_keyword_in_the_description_is_flagged() -> None:
    item = {**MASTER, "description": "please skip #No-Syncer thanks"}
    assert parse(item).series.opt_out_keyword  # type: ignore[union-attr]


def test_cancelled_instance_in_minimal_shape_is_a_cancelled_override() -> None:
    change = parse(CANCELLED_INSTANCE)
    assert isinstance(change, OverrideChanged)
    assert change.master_event_id == "m1a2s3t4e5r6"
    assert change.override.cancelled
    assert change.override.original_start == datetime(2026, 1, 12, 9, tzinfo=UTC)
    assert change.override.event_id == "m1a2s3t4e5r6_20260112T090000Z"


def test_moved_instance_carries_its_new_time_in_utc() -> None:
    change = parse(MOVED_INSTANCE)
    assert isinstance(change, OverrideChanged)
    o = change.override
    assert not o.cancelled
    assert o.original_start == datetime(2026, 1, 19, 9, tzinfo=UTC)
    assert (o.start, o.end) == (
        datetime(2026, 1, 20, 13, tzinfo=UTC),
        datetime(2026, 1, 20, 13, 30, tzinfo=UTC),
    )
    assert o.attendees is not None and len(o.attendees) == 3


def test_declined_instance_keeps_the_declined_response() -> None:
    attendees = [dict(a) for a in MOVED_INSTANCE["attendees"]]
    attendees[1]["responseStatus"] = "declined"
    change = parse({**MOVED_INSTANCE, "attendees": attendees})
    assert isinstance(change, OverrideChanged) and change.override.attendees is not None
    assert Attendee(BOB, "declined", optional=True) in change.override.attendees


def test_cancelled_master_is_removed() -> None:
    item = event(kind="calendar#event", id="gone1", status="cancelled", etag='"1"')
    assert parse(item) == EventRemoved("gone1")


def test_all_day_event_starts_at_midnight_in_the_calendar_zone() -> None:
    item = event(
        id="allday1",
        iCalUID="allday1@google.com",
        summary="Offsite",
        start={"date": "2026-03-02"},
        end={"date": "2026-03-03"},
        organizer={"email": ALICE},
    )
    s = parse(item, zone="Asia/Tokyo").series  # type: ignore[union-attr]
    assert s.all_day and s.timezone == "Asia/Tokyo"
    assert s.start == datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert s.attendees == ()


@pytest.mark.parametrize("kind", ["outOfOffice", "focusTime", "workingLocation", "birthday"])
def test_special_event_types_parse_and_are_labelled(kind: str) -> None:
    item = event(
        id=f"x{kind}",
        summary="Busy",
        eventType=kind,
        start={"dateTime": "2026-03-02T09:00:00Z"},
        end={"dateTime": "2026-03-02T17:00:00Z"},
        organizer={"email": ALICE},
    )
    assert parse(item).series.event_type == kind  # type: ignore[union-attr]


def test_unknown_event_type_and_unknown_fields_are_tolerated() -> None:
    item = {**MASTER, "eventType": "somethingNew", "brandNewField": {"x": 1}}
    assert parse(item).series.event_type == "other"  # type: ignore[union-attr]


@pytest.mark.parametrize("visibility", ["private", "confidential"])
def test_private_visibility_marks_the_series_private(visibility: str) -> None:
    assert parse({**MASTER, "visibility": visibility}).series.private  # type: ignore[union-attr]


def test_series_without_zone_takes_the_calendar_zone() -> None:
    item = {
        **MASTER,
        "start": {"dateTime": "2026-01-05T15:00:00Z"},
        "end": {"dateTime": "2026-01-05T15:30:00Z"},
    }
    s = parse(item, zone="America/New_York").series  # type: ignore[union-attr]
    assert s.timezone == "America/New_York"
    assert s.start.hour == 10


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in MASTER.items() if k != "start"},
        {**MASTER, "start": {"dateTime": "next tuesday"}},
        {**MASTER, "end": {"timeZone": "UTC"}},
        {**MOVED_INSTANCE, "originalStartTime": {"dateTime": "garbage"}},
        {k: v for k, v in MASTER.items() if k != "id"},
    ],
)
def test_malformed_items_raise_with_a_reason_and_no_body(broken: dict[str, Any]) -> None:
    with pytest.raises(MalformedItem) as caught:
        parse(broken)
    assert "Notes" not in str(caught.value)


def test_full_pull_attaches_overrides_to_their_master() -> None:
    orphan = {**CANCELLED_INSTANCE, "id": "other_20260112T090000Z", "recurringEventId": "other"}
    changes = [parse(MOVED_INSTANCE), parse(MASTER), parse(CANCELLED_INSTANCE), parse(orphan)]
    folded = attach_overrides(changes)
    masters = [c for c in folded if isinstance(c, SeriesChanged)]
    assert len(masters) == 1
    starts = [o.original_start.day for o in masters[0].series.overrides]
    assert starts == [12, 19]
    assert [c for c in folded if isinstance(c, OverrideChanged)] == [changes[3]]


def test_event_body_keeps_the_description_exactly() -> None:
    body = parse_event_body(MASTER, ALICE)
    assert body.body == "<b>Notes</b> &amp; links"
    assert body.etag == '"3381234567890000"' and body.markers == {"syncer_agenda": "doc1"}


def test_hold_is_read_back_from_its_markers() -> None:
    item = event(
        id="hold1",
        status="tentative",
        start={"dateTime": "2026-01-07T15:00:00Z", "timeZone": "UTC"},
        end={"dateTime": "2026-01-07T15:30:00Z", "timeZone": "UTC"},
        extendedProperties={
            "private": {"syncer_pair": f"{ALICE}|{BOB}", "syncer_hold": "2026-01-05T09:00:00+00:00"}
        },
    )
    hold = parse_hold(item, ALICE)
    assert hold is not None and hold.pair_key == f"{ALICE}|{BOB}"
    assert hold.proposal_for == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert (
        parse_hold({**item, "extendedProperties": {"private": {"syncer_pair": "x"}}}, ALICE) is None
    )


def test_free_busy_splits_busy_times_and_per_calendar_errors() -> None:
    payload = {
        "kind": "calendar#freeBusy",
        "calendars": {
            ALICE: {"busy": [{"start": "2026-01-06T10:00:00Z", "end": "2026-01-06T11:00:00Z"}]},
            "ghost@example.com": {
                "errors": [{"domain": "global", "reason": "notFound"}],
                "busy": [],
            },
        },
    }
    busy, errors = parse_free_busy(payload, [ALICE, "ghost@example.com"])
    assert busy[ALICE][0].start == datetime(2026, 1, 6, 10, tzinfo=UTC)
    assert errors == {"ghost@example.com": "notFound"}


def test_document_text_joins_text_runs_in_order() -> None:
    document = {
        "documentId": "d1",
        "revisionId": "r1",
        "body": {
            "content": [
                {"endIndex": 1, "sectionBreak": {}},
                {"paragraph": {"elements": [{"textRun": {"content": "Agenda\n"}}]}},
                {
                    "paragraph": {
                        "elements": [
                            {"textRun": {"content": "[ ] a"}},
                            {"textRun": {"content": "b\n"}},
                        ]
                    }
                },
            ]
        },
    }
    assert document_text(document) == "Agenda\n[ ] ab\n"


def test_an_instance_carries_the_proposals_marker_next_to_its_block() -> None:
    shown = '{"for":"2026-01-19T09:00:00+00:00","slots":["2026-01-20T09:00:00+00:00"]}'
    private = {"syncer_block": "abc", "syncer_proposals": shown, "other_app": "x"}
    change = parse({**MOVED_INSTANCE, "extendedProperties": {"private": private}})
    assert isinstance(change, OverrideChanged)
    assert dict(change.override.markers) == {"syncer_block": "abc", "syncer_proposals": shown}
    bare = parse({k: v for k, v in MOVED_INSTANCE.items() if k != "extendedProperties"})
    assert isinstance(bare, OverrideChanged) and dict(bare.override.markers) == {}
