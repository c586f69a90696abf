"""Graph event payloads -> the model, on hand-made JSON shaped like Graph v1.0's reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncer.core import blocks
from syncer.core.model import BlockContent
from syncer.core.recurrence import expand
from syncer.providers.base import MARKER_BLOCK, MARKER_HOLD, MARKER_PAIR, MARKER_PROPOSALS
from syncer.providers.graph_holds import parse_hold
from syncer.providers.graph_parse import (
    MalformedItem,
    MissingStart,
    marker_property_id,
    parse_event_body,
    parse_override,
    parse_recurrence,
    parse_series,
    parse_time,
    same_body,
)
from syncer.providers.graph_push import outside_working_hours, parse_schedule

ALICE, BOB, ROOM = "alice@example.com", "bob@example.com", "room.4@example.com"
TEAMS = (
    '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    "\r\n</head>\r\n<body>\r\n<p>Agenda &amp; notes: caf\u00e9 \u2013 \u201cQ3\u201d</p>\r\n"
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">'
    "________________________________________________________________________________</span>"
    '</div>\r\n<div class="me-email-text" lang="en-US"><b>Microsoft Teams meeting</b><br>'
    '<a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context='
    '%7b%22Tid%22%3a%22t%22%7d">Join the meeting now</a></div>\r\n</body>\r\n</html>\r\n'
)


def when(text: str, zone: str = "UTC") -> dict[str, str]:
    return {"dateTime": text, "timeZone": zone}


def person(email: str, response: str = "none", kind: str = "required") -> dict[str, Any]:
    return {
        "type": kind,
        "status": {"response": response, "time": "0001-01-01T00:00:00Z"},
        "emailAddress": {"name": email.split("@")[0], "address": email},
    }


def recurrence(pattern: dict[str, Any], rng: dict[str, Any]) -> dict[str, Any]:
    base_pattern = {"interval": 1, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"}
    base_pattern["dayOfMonth"], base_pattern["month"] = 0, 0
    base_range = {"startDate": "2026-01-05", "endDate": "0001-01-01", "numberOfOccurrences": 0}
    base_range["recurrenceTimeZone"] = "W. Europe Standard Time"
    return {"pattern": {**base_pattern, **pattern}, "range": {**base_range, **rng}}


def master(**over: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@odata.etag": 'W/"DwAAABYAAA=="',
        "id": "AAMkM1",
        "iCalUId": "040000008200E00074C5B7101A82E0080000000061",
        "type": "seriesMaster",
        "subject": "Alice / Bob",
        "isAllDay": False,
        "isCancelled": False,
        "showAs": "busy",
        "sensitivity": "normal",
        "lastModifiedDateTime": "2026-01-02T08:00:00.1234567Z",
        "originalStartTimeZone": "W. Europe Standard Time",
        "start": when("2026-01-05T09:00:00.0000000"),
        "end": when("2026-01-05T09:30:00.0000000"),
        "body": {"contentType": "html", "content": TEAMS},
        "organizer": {"emailAddress": {"name": "Alice", "address": "Alice@Example.com"}},
        "attendees": [person(BOB, "accepted"), person(ROOM, "accepted", "resource")],
        "recurrence": recurrence({"type": "weekly", "daysOfWeek": ["monday"]}, {"type": "noEnd"}),
    }
    event.update(over)
    return event


def occurrence(original: str, **over: Any) -> dict[str, Any]:
    start = datetime.fromisoformat(original.replace("Z", "+00:00"))
    item: dict[str, Any] = {
        "@odata.etag": 'W/"occ"',
        "id": f"AAMkM1_{original}",
        "type": "occurrence",
        "seriesMasterId": "AAMkM1",
        "originalStart": original,
        "start": when(start.strftime("%Y-%m-%dT%H:%M:%S.0000000")),
        "end": when((start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.0000000")),
        "isCancelled": False,
        "organizer": {"emailAddress": {"address": ALICE}},
        "attendees": [person(BOB, "accepted"), person(ROOM, "accepted", "resource")],
        "body": {"contentType": "html", "content": TEAMS},
    }
    item.update(over)
    return item


def test_series_master_keeps_its_windows_zone_as_iana_and_starts_on_that_wall_clock() -> None:
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="#no-syncer")
    assert series.timezone == "Europe/Berlin"
    assert series.start == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert series.start.utcoffset() == timedelta(hours=1)  # 10:00 in Berlin
    assert series.duration == timedelta(minutes=30)
    assert series.uid == "040000008200E00074C5B7101A82E0080000000061"
    assert series.provider == "microsoft" and series.body_type == "html"
    assert series.organizer == ALICE and series.event_type == "default"


def test_organizer_is_an_attendee_and_the_room_is_a_resource() -> None:
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="")
    by_email = {a.email: a for a in series.attendees}
    assert set(by_email) == {ALICE, BOB, ROOM}
    assert by_email[ALICE].organizer and by_email[ALICE].response == "accepted"
    assert by_email[ROOM].resource and by_email[BOB].response == "accepted"


def test_an_attendees_own_copy_reads_their_answer_from_response_status() -> None:
    item = master(
        attendees=[person(BOB, "none")],
        responseStatus={"response": "tentativelyAccepted", "time": "2026-01-01T00:00:00Z"},
    )
    series = parse_series(item, calendar=BOB, opt_out_keyword="")
    assert {a.email: a.response for a in series.attendees}[BOB] == "tentative"


def test_relative_monthly_second_tuesday_expands_to_second_tuesdays() -> None:
    rec = recurrence(
        {"type": "relativeMonthly", "daysOfWeek": ["tuesday"], "index": "second"},
        {"type": "numbered", "numberOfOccurrences": 4, "startDate": "2026-01-01"},
    )
    series = parse_series(
        master(
            recurrence=rec,
            start=when("2026-01-13T09:00:00.0000000"),
            end=when("2026-01-13T09:30:00.0000000"),
        ),
        calendar=ALICE,
        opt_out_keyword="",
    )
    got = expand(series, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    days = [o.original_start.date() for o in got]
    assert days == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 14)]


@pytest.mark.parametrize(
    ("rng", "end_date", "count"),
    [
        ({"type": "noEnd"}, None, 0),
        ({"type": "endDate", "endDate": "2026-03-30"}, date(2026, 3, 30), 0),
        ({"type": "numbered", "numberOfOccurrences": 10}, None, 10),
    ],
)
def test_ranges_are_read_field_for_field(
    rng: dict[str, Any], end_date: date | None, count: int
) -> None:
    parsed = parse_recurrence(recurrence({"type": "weekly", "daysOfWeek": ["Monday"]}, rng))
    assert parsed.range_type == rng["type"] and parsed.end_date == end_date
    assert parsed.number_of_occurrences == count and parsed.days_of_week == ("monday",)
    assert parsed.start_date == date(2026, 1, 5)
    assert parsed.recurrence_time_zone == "Europe/Berlin"


def test_an_unknown_pattern_type_is_a_malformed_item() -> None:
    with pytest.raises(MalformedItem):
        parse_recurrence(recurrence({"type": "hourly"}, {"type": "noEnd"}))


def test_windows_zone_in_a_time_is_read_on_that_wall_clock() -> None:
    moment = parse_time(when("2026-07-01T09:00:00.0000000", "Pacific Standard Time"))
    assert moment == datetime(2026, 7, 1, 16, tzinfo=UTC)  # PDT is UTC-7


def test_null_start_is_missing_not_a_crash() -> None:
    with pytest.raises(MissingStart):
        parse_series(master(start=None, end=None), calendar=ALICE, opt_out_keyword="")


def test_teams_html_body_with_a_block_gives_the_block_hash_and_keeps_the_body() -> None:
    block = blocks.render(BlockContent(agenda_url="https://x.example/doc?a=1&b=2"), "UTC", "html")
    body = blocks.merge(TEAMS, block, "html")
    series = parse_series(
        master(body={"contentType": "html", "content": body}), calendar=ALICE, opt_out_keyword=""
    )
    assert series.block_hash == blocks.block_hash(block)
    assert blocks.remove(body, "html") == TEAMS


def test_sensitivity_showas_and_all_day_are_flagged() -> None:
    item = master(sensitivity="private", showAs="oof", isAllDay=True, recurrence=None)
    series = parse_series(item, calendar=ALICE, opt_out_keyword="")
    assert series.private and series.event_type == "outOfOffice" and series.all_day
    assert not series.recurring


def test_markers_come_from_our_extended_properties_only_and_empty_means_absent() -> None:
    props = [
        {"id": marker_property_id(MARKER_BLOCK), "value": "abc"},
        {"id": marker_property_id(MARKER_PAIR), "value": ""},
        {"id": "String {00020329-0000-0000-c000-000000000046} Name Other", "value": "x"},
    ]
    series = parse_series(
        master(singleValueExtendedProperties=props), calendar=ALICE, opt_out_keyword=""
    )
    assert dict(series.markers) == {MARKER_BLOCK: "abc"}


def test_an_unchanged_occurrence_is_no_override() -> None:
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="")
    item = occurrence("2026-01-12T09:00:00Z")
    assert parse_override(item, series, calendar=ALICE, opt_out_keyword="") is None


def test_an_exception_moved_to_another_day_keeps_its_original_start() -> None:
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="")
    item = occurrence(
        "2026-01-12T09:00:00Z",
        type="exception",
        start=when("2026-01-14T13:00:00.0000000"),
        end=when("2026-01-14T13:30:00.0000000"),
    )
    override = parse_override(item, series, calendar=ALICE, opt_out_keyword="")
    assert override is not None and not override.cancelled
    assert override.original_start == datetime(2026, 1, 12, 9, tzinfo=UTC)
    assert override.start == datetime(2026, 1, 14, 13, tzinfo=UTC)
    assert override.event_id == "AAMkM1_2026-01-12T09:00:00Z"


def test_a_declined_occurrence_is_an_override_with_the_answers() -> None:
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="")
    item = occurrence("2026-01-19T09:00:00Z", attendees=[person(BOB, "declined")])
    override = parse_override(item, series, calendar=ALICE, opt_out_keyword="")
    assert override is not None and override.attendees is not None
    assert {a.email: a.response for a in override.attendees}[BOB] == "declined"


def test_a_cancelled_occurrence_is_a_cancelled_override() -> None:
    item = occurrence("2026-01-19T09:00:00Z", isCancelled=True)
    override = parse_override(item, None, calendar=BOB, opt_out_keyword="")
    assert override is not None and override.cancelled


def test_event_body_and_hold_reads() -> None:
    props = [
        {"id": marker_property_id(MARKER_PAIR), "value": "a|b"},
        {"id": marker_property_id(MARKER_HOLD), "value": "2026-02-02T09:00:00+00:00"},
    ]
    item = master(recurrence=None, singleValueExtendedProperties=props)
    body = parse_event_body(item, ALICE)
    assert body.body == TEAMS and body.body_type == "html" and body.etag == 'W/"DwAAABYAAA=="'
    hold = parse_hold(item, ALICE)
    assert hold is not None and hold.pair_key == "a|b"
    assert hold.proposal_for == datetime(2026, 2, 2, 9, tzinfo=UTC)
    assert parse_hold(master(recurrence=None), ALICE) is None


def test_schedule_counts_busy_oof_and_tentative_but_not_free() -> None:
    def entry(status: str, hour: int) -> dict[str, Any]:
        return {
            "status": status,
            "start": when(f"2026-02-04T{hour:02d}:00:00.0000000"),
            "end": when(f"2026-02-04T{hour:02d}:30:00.0000000"),
        }

    payload = {
        "value": [
            {
                "scheduleId": "Alice@example.com",
                "scheduleItems": [entry("busy", 9), entry("free", 10), entry("oof", 11)],
            },
            {"scheduleId": BOB, "scheduleItems": [entry("tentative", 14)]},
            {
                "scheduleId": "nobody@example.com",
                "error": {"responseCode": "ErrorMailRecipientNotFound"},
            },
        ]
    }
    busy, errors = parse_schedule(payload, [ALICE, BOB, "nobody@example.com"])
    assert [b.start.hour for b in busy[ALICE]] == [9, 11] and [b.start.hour for b in busy[BOB]] == [
        14
    ]
    assert errors == {"nobody@example.com": "ErrorMailRecipientNotFound"}


def test_a_reserialised_html_block_is_the_same_body() -> None:
    block = blocks.render(BlockContent(agenda_url="https://x.example/d"), "UTC", "html")
    written = blocks.merge(TEAMS, block, "html")
    reserialised = written.replace(block, block.replace("<br>", "<br />"))  # Graph's rewrite
    assert same_body(written, reserialised, "html")
    assert not same_body(written + "<p>more</p>", reserialised, "html")


def test_an_instance_carries_the_proposals_marker_next_to_its_block() -> None:
    shown = '{"for":"2026-01-19T09:00:00+00:00","slots":["2026-01-20T09:00:00+00:00"]}'
    props = [{"id": marker_property_id(MARKER_PROPOSALS), "value": shown}]
    series = parse_series(master(), calendar=ALICE, opt_out_keyword="")
    item = occurrence(
        "2026-01-19T09:00:00Z",
        type="exception",
        attendees=[person(BOB, "declined")],
        singleValueExtendedProperties=props,
    )
    override = parse_override(item, series, calendar=ALICE, opt_out_keyword="")
    assert override is not None and dict(override.markers) == {MARKER_PROPOSALS: shown}
    plain = parse_override(
        {**item, "singleValueExtendedProperties": []}, series, calendar=ALICE, opt_out_keyword=""
    )
    assert plain is not None and dict(plain.markers) == {}


def test_time_outside_outlook_working_hours_is_busy_on_their_own_wall_clock() -> None:
    hours = {
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "startTime": "09:00:00.0000000",
        "endTime": "12:30:00.0000000",
        "timeZone": {"name": "Pacific Standard Time"},
    }
    friday = datetime(2026, 3, 6, tzinfo=UTC)
    busy = outside_working_hours(hours, friday, friday + timedelta(days=3))  # Fri-Sun
    pst = ZoneInfo("America/Los_Angeles")
    free = [
        (busy[i].end, busy[i + 1].start) for i in range(len(busy) - 1)
    ]  # the gaps are the working hours
    assert [(a.astimezone(pst).strftime("%a %H:%M"), b.astimezone(pst).strftime("%a %H:%M"))
            for a, b in free] == [("Fri 09:00", "Fri 12:30")]  # fmt: skip
    assert busy[0].start == friday and busy[-1].end == friday + timedelta(days=3)
    monday = datetime(2026, 3, 9, 17, tzinfo=UTC)  # 10:00 in Los Angeles (PDT since Sunday)
    after_dst = outside_working_hours(hours, monday, monday + timedelta(hours=4))
    assert [(b.start.hour, b.end.hour) for b in after_dst] == [(19, 21)]  # 12:30 PDT = 19:30


@pytest.mark.parametrize(
    "hours",
    [None, {}, {"startTime": "x"}, {"daysOfWeek": ["monday"], "startTime": "17:00:00",
     "endTime": "09:00:00"}, {"daysOfWeek": ["someday"], "startTime": "09:00:00",
     "endTime": "17:00:00", "timeZone": {"name": "Mars Standard Time"}}],
)  # fmt: skip
def test_unreadable_working_hours_add_nothing(hours: object) -> None:
    start = datetime(2026, 3, 6, tzinfo=UTC)
    assert outside_working_hours(hours, start, start + timedelta(days=1)) == []
