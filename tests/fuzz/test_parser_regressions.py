"""What payload fuzzing found, one regression test each: every case used to raise something
other than MalformedItem (so one bad item crashed the whole pull) or was dropped silently."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from syncer.core.model import SeriesChanged
from syncer.providers import google_parse, graph_parse
from tests.fuzz.payloads import _deep
from tests.fuzz.test_google_payloads import CAPTURED, PROVIDER

GOOGLE: dict[str, Any] = {
    "id": "m1",
    "etag": '"1"',
    "status": "confirmed",
    "summary": "Ana / Bo",
    "iCalUID": "m1@google.com",
    "organizer": {"email": "ana@acme.test"},
    "start": {"dateTime": "2026-01-05T10:00:00+01:00", "timeZone": "Europe/Berlin"},
    "end": {"dateTime": "2026-01-05T10:30:00+01:00", "timeZone": "Europe/Berlin"},
    "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
    "attendees": [{"email": "ana@acme.test", "responseStatus": "accepted"}],
}
GRAPH: dict[str, Any] = {
    "id": "g1",
    "@odata.etag": 'W/"1"',
    "type": "seriesMaster",
    "subject": "Ana / Bo",
    "organizer": {"emailAddress": {"address": "ana@acme.test"}},
    "attendees": [{"type": "required", "status": {"response": "accepted"},
                   "emailAddress": {"address": "bo@acme.test"}}],
    "start": {"dateTime": "2026-01-05T10:00:00.0000000", "timeZone": "UTC"},
    "end": {"dateTime": "2026-01-05T10:30:00.0000000", "timeZone": "UTC"},
    "recurrence": {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        "range": {"type": "noEnd", "startDate": "2026-01-05",
                  "recurrenceTimeZone": "W. Europe Standard Time"},
    },
}  # fmt: skip


def edited(base: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    item = copy.deepcopy(base)
    node = item
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return item


def google(item: dict[str, Any]) -> Any:
    return google_parse.parse_event(
        item, calendar="ana@acme.test", default_zone="UTC", opt_out_keyword="#x"
    )


def graph(item: dict[str, Any]) -> Any:
    return graph_parse.parse_series(item, calendar="ana@acme.test", opt_out_keyword="#x")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("attendees", 0, "responseStatus"), {"dict": "not a status"}),  # was TypeError
        (("eventType",), ["outOfOffice"]),  # was TypeError
        (("organizer",), True),  # was AttributeError
        (("start", "timeZone"), "America"),  # was IsADirectoryError
        (("start", "timeZone"), "x" * 300),  # was OSError: file name too long
        (("start", "timeZone"), 7),  # was TypeError
    ],
)
def test_odd_google_fields_are_read_with_a_fallback_not_a_crash(
    path: tuple[str | int, ...], value: Any
) -> None:
    assert isinstance(google(edited(GOOGLE, path, value)), SeriesChanged)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("end",), {"dateTime": "0001-01-01T00:00:00+14:00"}),  # was OverflowError
        (("end",), {"date": "0001-01-01"}),  # was OverflowError
        (("start",), {"dateTime": "9999-12-31T23:59:59-12:00"}),  # was OverflowError
        (("recurrence",), ["RRULE:garbage"]),  # accepted, then failed every plan
    ],
)
def test_unreadable_google_times_and_rules_are_malformed_items(
    path: tuple[str | int, ...], value: Any
) -> None:
    with pytest.raises(google_parse.MalformedItem):
        google(edited(GOOGLE, path, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("attendees",), float("inf")),  # was TypeError: not iterable
        (("attendees", 0, "status", "response"), ["accepted"]),  # was TypeError
    ],
)
def test_odd_graph_attendees_are_read_with_a_fallback_not_a_crash(
    path: tuple[str | int, ...], value: Any
) -> None:
    assert graph(edited(GRAPH, path, value)).event_id == "g1"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("start",), {"dateTime": "9999-12-31T23:59:00", "timeZone": "Pacific Standard Time"}),
        (("lastModifiedDateTime",), "0001-01-01T00:00:00+14:00"),  # was OverflowError
        (("recurrence", "range", "type"), {"a": 1}),  # was TypeError: unhashable
        (("recurrence", "pattern", "interval"), float("inf")),  # was OverflowError
        (("recurrence", "range", "type"), "endDate"),  # no endDate: crashed the full pull
        (("recurrence", "pattern", "daysOfWeek"), ["funday"]),  # crashed the full pull
        (("start",), "2026-01-05T10:00:00"),  # garbage start was read as "outside the window"
    ],
)
def test_unreadable_graph_items_are_malformed_items_and_not_quietly_outside(
    path: tuple[str | int, ...], value: Any
) -> None:
    with pytest.raises(graph_parse.MalformedItem) as caught:
        graph(edited(GRAPH, path, value))
    assert not isinstance(caught.value, graph_parse.MissingStart)


def test_a_null_graph_start_is_still_outside_the_window() -> None:
    with pytest.raises(graph_parse.MissingStart):
        graph(edited(GRAPH, ("start",), None))


def test_a_google_item_with_a_deeply_nested_id_is_skipped_and_logged_without_it() -> None:
    """The skip line used to carry the raw id; 900 levels of nesting overflowed redaction."""
    CAPTURED.clear()
    PROVIDER.items = [{"id": _deep(900), "start": 1}, edited(GOOGLE, ("end",), None)]
    result = PROVIDER.pull("ana@acme.test", None)
    assert result.skipped == 2
    assert [e["event_id"] for e in CAPTURED.named("pull.item_skipped")] == [None, "m1"]
