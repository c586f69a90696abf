"""Microsoft Graph payloads -> syncer's model. Pure: dicts in, model values out.

The only place that knows the shape of a Graph event (v1.0 `event` resource). What a caller must
know:

- Times: syncer asks Graph for UTC (`Prefer: outlook.timezone="UTC"`) but reads whatever zone a
  `dateTimeTimeZone` names, Windows or IANA (`core.zones.windows_to_iana`). A series keeps its
  own IANA zone: `recurrence.range.recurrenceTimeZone`, else `originalStartTimeZone`, else the
  zone of `start`, so its pattern expands on the right wall clock.
- Markers are single-value extended properties `String {MARKER_NAMESPACE} Name <key>`, one per
  marker key. Graph documents no way to delete one from an item (there is no DELETE on it, and
  msgraph-sdk-dotnet issue 719 reports failing to); syncer "deletes" a marker by writing the
  empty string, and an empty value reads as no marker.
- Bodies never leave this module in a `Series`: only the hash of the managed block and whether
  the opt-out keyword appears (privacy by construction).
- An item without a usable start (events outside the delta window come back with null fields,
  Microsoft Q&A 1190523) raises `MissingStart`, which the provider skips quietly; any other
  unreadable item raises `MalformedItem` (reason fit for a log line, never the body).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from syncer.core.blocks import block_hash, current_block, remove
from syncer.core.model import (
    Attendee,
    BodyType,
    EventType,
    OccurrenceOverride,
    PatternedRecurrence,
    PatternType,
    RangeType,
    Response,
    Series,
    WeekIndex,
)
from syncer.core.recurrence import expand
from syncer.core.zones import windows_to_iana
from syncer.providers.base import (
    MARKER_AGENDA,
    MARKER_BLOCK,
    MARKER_HOLD,
    MARKER_PAIR,
    MARKER_PROPOSALS,
    EventBody,
)

Payload = Mapping[str, Any]

# syncer's own property set: a fixed GUID (generated once for syncer, never reused elsewhere), so
# its properties cannot collide with another app's. Changing it orphans every marker written.
MARKER_NAMESPACE = "{8f3c1a52-6b0e-4d7e-9c21-5e4b7a9d0f36}"
MARKER_KEYS = (MARKER_AGENDA, MARKER_BLOCK, MARKER_PAIR, MARKER_HOLD, MARKER_PROPOSALS)


def marker_property_id(key: str) -> str:
    return f"String {MARKER_NAMESPACE} Name {key}"


_KEY_OF_ID = {marker_property_id(k).lower(): k for k in MARKER_KEYS}
MARKERS_EXPAND = "singleValueExtendedProperties"
"""`$expand` value that returns an event's extended properties; `parse_markers` keeps syncer's.
Unfiltered on purpose: one `$filter=id eq '...'` per key would need `or`, which Graph accepts
(public clients use it) but the sandbox emulator does not; the unfiltered form works on both and
costs only other apps' properties in the answer."""

_RESPONSES: dict[str, Response] = {
    "none": "needsAction",
    "notResponded": "needsAction",
    "organizer": "accepted",
    "accepted": "accepted",
    "tentativelyAccepted": "tentative",
    "declined": "declined",
}
_EVENT_TYPES: dict[str, EventType] = {"oof": "outOfOffice", "workingElsewhere": "workingLocation"}
_PATTERNS = frozenset(
    {"daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"}
)
_RANGES = frozenset({"endDate", "noEnd", "numbered"})
_INDEXES = frozenset({"first", "second", "third", "fourth", "last"})
_NO_DATE = "0001-01-01"


class MalformedItem(ValueError):
    """A payload syncer cannot read. `str()` is the reason; it never contains the body."""


class MissingStart(MalformedItem):
    """An item without a start: outside the delta window (Q&A 1190523). Skipped quietly."""


# --------------------------------------------------------------------------------------------
# Small readers


def _text(item: Payload, key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def iana(name: Any) -> str:
    """A Windows or IANA zone name -> IANA; MalformedItem when unknown."""
    if not isinstance(name, str) or not name.strip():
        raise MalformedItem("missing time zone")
    try:
        return windows_to_iana(name)
    except ValueError as exc:
        raise MalformedItem("unknown time zone") from exc


def parse_instant(text: Any) -> datetime:
    """An ISO 8601 timestamp -> aware UTC datetime (a naive one is read as UTC)."""
    if not isinstance(text, str) or not text:
        raise MalformedItem("missing or non-text timestamp")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedItem("unreadable timestamp") from exc
    return _in_range(value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _in_range(value: datetime) -> datetime:
    """`value` if it converts to any zone without overflow (years 2..9998), else MalformedItem."""
    if not 1 < value.year < 9999:
        raise MalformedItem("timestamp out of range")
    return value


def parse_time(when: Any) -> datetime:
    """A Graph `dateTimeTimeZone` -> aware UTC datetime."""
    if when is None or (isinstance(when, Mapping) and when.get("dateTime") in (None, "")):
        raise MissingStart("missing start or end")
    if not isinstance(when, Mapping) or not isinstance(when.get("dateTime"), str):
        raise MalformedItem("unreadable start or end")  # garbage is not "outside the window"
    zone = ZoneInfo(iana(when.get("timeZone") or "UTC"))
    try:
        value = datetime.fromisoformat(str(when["dateTime"]).replace("Z", ""))
    except ValueError as exc:
        raise MalformedItem("unreadable dateTime") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return _in_range(value).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    """An instant as Graph's query strings and `dateTimeTimeZone` (with timeZone UTC) take it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def series_zone(item: Payload) -> str:
    """The IANA zone the series lives in (see the module docstring for the order)."""
    recurrence = item.get("recurrence")
    rng = recurrence.get("range") if isinstance(recurrence, Mapping) else None
    start = item.get("start")
    candidates = (
        rng.get("recurrenceTimeZone") if isinstance(rng, Mapping) else None,
        item.get("originalStartTimeZone"),
        start.get("timeZone") if isinstance(start, Mapping) else None,
    )
    for name in candidates:
        if isinstance(name, str) and name.strip():
            try:
                return windows_to_iana(name)
            except ValueError:
                continue  # e.g. "tzone://Microsoft/Custom": try the next source
    return "UTC"


def parse_markers(item: Payload) -> dict[str, str]:
    """syncer's markers from `singleValueExtendedProperties`; other apps' properties ignored."""
    props = item.get("singleValueExtendedProperties")
    if not isinstance(props, list):
        return {}
    found: dict[str, str] = {}
    for prop in props:
        if not isinstance(prop, Mapping):
            continue
        key = _KEY_OF_ID.get(str(prop.get("id", "")).lower())
        value = prop.get("value")
        if key is not None and isinstance(value, str) and value:
            found[key] = value
    return found


def body_of(item: Payload) -> tuple[str, BodyType]:
    body = item.get("body")
    if not isinstance(body, Mapping):
        return "", "text"
    kind: BodyType = "html" if str(body.get("contentType", "")).lower() == "html" else "text"
    content = body.get("content")
    return (content if isinstance(content, str) else ""), kind


def describe(body: str, body_type: BodyType, opt_out_keyword: str) -> tuple[str | None, bool]:
    """(hash of the managed block, or None; whether the opt-out keyword appears)."""
    block = current_block(body, body_type)
    digest = block_hash(block) if block is not None else None
    opted_out = bool(opt_out_keyword) and opt_out_keyword.lower() in body.lower()
    return digest, opted_out


def organizer_of(item: Payload, calendar: str) -> str:
    org = item.get("organizer")
    address = org.get("emailAddress") if isinstance(org, Mapping) else None
    email = address.get("address") if isinstance(address, Mapping) else None
    return str(email or calendar).lower()


def parse_attendees(item: Payload, calendar: str) -> tuple[Attendee, ...]:
    """Attendees with lower-cased e-mails, the organiser included (Graph leaves them out).

    On an attendee's own copy that person's answer is `responseStatus`, fresher than the list."""
    organizer = organizer_of(item, calendar)
    own = item.get("responseStatus")
    own_response = own.get("response") if isinstance(own, Mapping) else None
    result: list[Attendee] = []
    seen: set[str] = set()
    listed = item.get("attendees")
    for raw in listed if isinstance(listed, list) else []:
        if not isinstance(raw, Mapping):
            continue
        address = raw.get("emailAddress")
        email = address.get("address") if isinstance(address, Mapping) else None
        if not email or str(email).lower() in seen:
            continue
        email = str(email).lower()
        status = raw.get("status")
        answer = status.get("response") if isinstance(status, Mapping) else None
        if email == calendar.lower() and own_response not in (None, "none", "organizer"):
            answer = own_response
        if not isinstance(answer, str):
            answer = None
        seen.add(email)
        result.append(
            Attendee(
                email=email,
                response="accepted"
                if email == organizer
                else _RESPONSES.get(answer or "none", "needsAction"),
                organizer=email == organizer,
                resource=raw.get("type") == "resource",
                optional=raw.get("type") == "optional",
            )
        )
    if organizer not in seen:
        result.insert(0, Attendee(email=organizer, response="accepted", organizer=True))
    return tuple(result)


# --------------------------------------------------------------------------------------------
# Recurrence


def parse_recurrence(recurrence: Any) -> PatternedRecurrence:
    """A Graph `patternedRecurrence` -> the model's, zone names mapped to IANA."""
    if not isinstance(recurrence, Mapping):
        raise MalformedItem("recurrence is not an object")
    pattern, rng = recurrence.get("pattern"), recurrence.get("range")
    if not isinstance(pattern, Mapping) or not isinstance(rng, Mapping):
        raise MalformedItem("recurrence without pattern or range")
    kind, range_type = pattern.get("type"), rng.get("type")
    if not isinstance(kind, str) or not isinstance(range_type, str):
        raise MalformedItem("unknown recurrence pattern or range type")
    if kind not in _PATTERNS or range_type not in _RANGES:
        raise MalformedItem("unknown recurrence pattern or range type")
    index = pattern.get("index") or "first"
    zone = rng.get("recurrenceTimeZone")
    try:
        return PatternedRecurrence(
            type=cast(PatternType, kind),
            interval=int(pattern.get("interval") or 1),
            days_of_week=tuple(str(d).lower() for d in pattern.get("daysOfWeek") or ()),
            first_day_of_week=str(pattern.get("firstDayOfWeek") or "sunday").lower(),
            index=cast(WeekIndex, index if index in _INDEXES else "first"),
            day_of_month=int(pattern.get("dayOfMonth") or 0),
            month=int(pattern.get("month") or 0),
            range_type=cast(RangeType, range_type),
            start_date=_date(rng.get("startDate")),
            end_date=_date(rng.get("endDate")) if range_type == "endDate" else None,
            number_of_occurrences=int(rng.get("numberOfOccurrences") or 0),
            recurrence_time_zone=iana(zone) if isinstance(zone, str) and zone.strip() else None,
        )
    except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: int(inf)
        if isinstance(exc, MalformedItem):
            raise
        raise MalformedItem("unreadable recurrence") from exc


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value or value.startswith(_NO_DATE):
        return None
    return date.fromisoformat(value[:10])


# --------------------------------------------------------------------------------------------
# Events


def parse_series(item: Payload, *, calendar: str, opt_out_keyword: str) -> Series:
    """A series master or a single event -> `Series` as this calendar sees it."""
    event_id = _text(item, "id")
    if not event_id:
        raise MalformedItem("missing id")
    zone = series_zone(item)
    tz = ZoneInfo(zone)
    start, end = parse_time(item.get("start")), parse_time(item.get("end"))
    if end < start:
        raise MalformedItem("end before start")
    recurrence = item.get("recurrence")
    body, body_type = body_of(item)
    digest, opted_out = describe(body, body_type, opt_out_keyword)
    updated = item.get("lastModifiedDateTime")
    series = Series(
        uid=_text(item, "iCalUId") or event_id,
        calendar=calendar,
        provider="microsoft",
        event_id=event_id,
        title=_text(item, "subject"),
        organizer=organizer_of(item, calendar),
        attendees=parse_attendees(item, calendar),
        start=start.astimezone(tz),
        end=end.astimezone(tz),
        timezone=zone,
        recurrence=parse_recurrence(recurrence) if recurrence else None,
        cancelled=bool(item.get("isCancelled")),
        all_day=bool(item.get("isAllDay")),
        event_type=_EVENT_TYPES.get(_text(item, "showAs"), "default"),
        private=item.get("sensitivity") in ("private", "confidential"),
        etag=_text(item, "@odata.etag") or None,
        updated=parse_instant(updated) if updated else None,
        body_type=body_type,
        block_hash=digest,
        opt_out_keyword=opted_out,
        markers=parse_markers(item),
    )
    if series.recurrence is not None:  # a rule the core cannot expand would fail every plan
        try:
            expand(series, series.start, series.start + timedelta(days=1))
        except (ValueError, TypeError, OverflowError) as exc:
            raise MalformedItem("unreadable recurrence") from exc
    return series


def original_start_of(item: Payload) -> datetime:
    """The slot (UTC) an occurrence or exception fills in its series' pattern."""
    if item.get("originalStart"):
        return parse_instant(item["originalStart"])
    if item.get("type") == "occurrence":
        return parse_time(item.get("start"))
    raise MissingStart("exception without originalStart")


def parse_override(
    item: Payload, master: Series | None, *, calendar: str, opt_out_keyword: str
) -> OccurrenceOverride | None:
    """An occurrence or exception -> its override, or None when it is just what the series
    says (an unchanged occurrence, which Graph lists for every slot)."""
    event_id = _text(item, "id")
    if not event_id:
        raise MalformedItem("missing id")
    original = original_start_of(item)
    start, end = parse_time(item.get("start")), parse_time(item.get("end"))
    etag = _text(item, "@odata.etag") or None
    if item.get("isCancelled"):
        return OccurrenceOverride(original, cancelled=True, event_id=event_id, etag=etag)
    attendees = parse_attendees(item, calendar)
    body, body_type = body_of(item)
    digest, _ = describe(body, body_type, opt_out_keyword)
    if item.get("type") == "occurrence" and master is not None:
        same_time = start == original and end - start == master.duration
        answers = {(a.email, a.response) for a in attendees}
        if same_time and answers == {(a.email, a.response) for a in master.attendees}:
            return None
    return OccurrenceOverride(
        original_start=original,
        start=start,
        end=end,
        attendees=attendees,
        event_id=event_id,
        etag=etag,
        block_hash=digest,
        markers=parse_markers(item),  # only when the payload has them expanded (not in delta)
    )


def parse_event_body(item: Payload, calendar: str) -> EventBody:
    """The read-modify-write view of one event copy: body, markers, etag."""
    event_id, etag = _text(item, "id"), _text(item, "@odata.etag")
    if not event_id or not etag:
        raise MalformedItem("event without id or etag")
    body, body_type = body_of(item)
    return EventBody(
        calendar=calendar,
        event_id=event_id,
        etag=etag,
        body=body,
        body_type=body_type,
        markers=parse_markers(item),
    )


def same_body(new: str, current: str, body_type: BodyType) -> bool:
    """Materially the same body: equal, or the same text outside the block and a block that
    hashes the same (Graph re-serialises HTML, which must not count as a change)."""
    if new == current:
        return True
    if remove(new, body_type) != remove(current, body_type):
        return False
    old_block = current_block(current, body_type)
    new_block = current_block(new, body_type)
    if old_block is None or new_block is None:
        return old_block is new_block
    return block_hash(old_block) == block_hash(new_block)


__all__ = [
    "MARKERS_EXPAND",
    "MARKER_KEYS",
    "MARKER_NAMESPACE",
    "MalformedItem",
    "MissingStart",
    "body_of",
    "describe",
    "iana",
    "marker_property_id",
    "original_start_of",
    "parse_attendees",
    "parse_event_body",
    "parse_instant",
    "parse_markers",
    "parse_override",
    "parse_recurrence",
    "parse_series",
    "parse_time",
    "same_body",
    "series_zone",
    "utc_text",
]
