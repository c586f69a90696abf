"""Google Calendar / Docs payloads -> syncer's model. Pure: dicts in, model values out.

The only place that knows the shape of a Google event. Field meanings follow the Calendar v3
discovery document (`schemas.Event`); the traps from the API notes are handled here:

- a cancelled instance arrives in a minimal shape (id, status, recurringEventId,
  originalStartTime): it becomes an `OverrideChanged` with `cancelled=True`;
- `description` is text that may hold HTML (the web UI writes HTML). syncer treats it as
  body type "text": the managed block it writes is plain text, lines separated by "\\n", and
  nothing in the rest of the description is parsed or rewritten;
- the description never leaves this module: a `Series` carries only the hash of the managed
  block found in it and whether it holds the opt-out keyword (privacy by construction);
- all-day events (`{date}`) start at midnight in the series zone and are flagged `all_day`.

A payload that cannot be read raises `MalformedItem` with a reason fit for a log line (never
the body); the provider logs the event id and skips the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncer.core.blocks import block_hash, current_block
from syncer.core.model import (
    Attendee,
    BodyType,
    BusyInterval,
    Change,
    EventRemoved,
    EventType,
    OccurrenceOverride,
    OverrideChanged,
    Response,
    RRuleRecurrence,
    Series,
    SeriesChanged,
)
from syncer.core.recurrence import expand
from syncer.providers.base import MARKER_HOLD, MARKER_PAIR, EventBody, HoldRef

Payload = Mapping[str, Any]

BODY_TYPE: BodyType = "text"
MARKER_PREFIX = "syncer_"
_EVENT_TYPES: frozenset[str] = frozenset(
    {"default", "outOfOffice", "focusTime", "workingLocation", "birthday", "fromGmail"}
)
_RESPONSES: frozenset[str] = frozenset({"needsAction", "accepted", "tentative", "declined"})


class MalformedItem(ValueError):
    """A payload syncer cannot read. `str()` is the reason; it never contains the body."""


# --------------------------------------------------------------------------------------------
# Small readers


def zone_of(name: str | None, default: str) -> str:
    """An IANA zone name that zoneinfo knows: `name` if valid, else `default`."""
    for candidate in (name, default):
        if isinstance(candidate, str) and candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
                continue
            return candidate
    return "UTC"


def _in_range(value: datetime) -> datetime:
    """`value` if it converts to any zone without overflow (years 2..9998), else MalformedItem."""
    if not 1 < value.year < 9999:
        raise MalformedItem("timestamp out of range")
    return value


def parse_instant(text: Any, zone: str = "UTC") -> datetime:
    """An RFC 3339 timestamp -> aware datetime. A naive one is read on `zone`'s wall clock."""
    if not isinstance(text, str) or not text:
        raise MalformedItem("missing or non-text timestamp")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedItem("unreadable timestamp") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return _in_range(value)


def parse_when(when: Any, zone: str) -> tuple[datetime, bool]:
    """A Google `start`/`end`/`originalStartTime` -> (aware datetime in `zone`, all_day)."""
    if not isinstance(when, Mapping):
        raise MalformedItem("missing start or end")
    tz = ZoneInfo(zone)
    if when.get("dateTime"):
        return parse_instant(when["dateTime"], zone).astimezone(tz), False
    if when.get("date"):
        try:
            day = date.fromisoformat(str(when["date"]))
        except ValueError as exc:
            raise MalformedItem("unreadable date") from exc
        return _in_range(datetime.combine(day, time(0), tzinfo=tz)), True
    raise MalformedItem("start or end has neither dateTime nor date")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def parse_attendees(items: Any) -> tuple[Attendee, ...]:
    """Attendees with lower-cased e-mails; entries without an e-mail are dropped."""
    if not isinstance(items, list):
        return ()
    result: list[Attendee] = []
    for item in items:
        if not isinstance(item, Mapping) or not item.get("email"):
            continue
        response = item.get("responseStatus", "needsAction")
        known = isinstance(response, str) and response in _RESPONSES
        result.append(
            Attendee(
                email=str(item["email"]).lower(),
                response=cast(Response, response if known else "needsAction"),
                organizer=bool(item.get("organizer", False)),
                resource=bool(item.get("resource", False)),
                optional=bool(item.get("optional", False)),
            )
        )
    return tuple(result)


def parse_markers(item: Payload) -> dict[str, str]:
    """syncer's own keys from `extendedProperties.private`; everything else is not ours."""
    props = item.get("extendedProperties")
    private = props.get("private") if isinstance(props, Mapping) else None
    if not isinstance(private, Mapping):
        return {}
    return {
        str(k): str(v)
        for k, v in private.items()
        if str(k).startswith(MARKER_PREFIX) and v is not None
    }


def parse_attachments(item: Payload) -> tuple[str, ...]:
    """File ids of the event's attachments (Drive files), in their order."""
    items = item.get("attachments")
    if not isinstance(items, list):
        return ()
    return tuple(str(a["fileId"]) for a in items if isinstance(a, Mapping) and a.get("fileId"))


def describe(description: str, opt_out_keyword: str) -> tuple[str | None, bool]:
    """(hash of the managed block, or None; whether the opt-out keyword appears)."""
    block = current_block(description, BODY_TYPE)
    digest = block_hash(block) if block is not None else None
    opted_out = bool(opt_out_keyword) and opt_out_keyword.lower() in description.lower()
    return digest, opted_out


def _event_type(item: Payload) -> EventType:
    kind = item.get("eventType", "default")
    return cast(EventType, kind if isinstance(kind, str) and kind in _EVENT_TYPES else "other")


def _text(item: Payload, key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------------------------
# Events


def is_instance(item: Payload) -> bool:
    return bool(item.get("recurringEventId")) and "originalStartTime" in item


def parse_series(
    item: Payload, *, calendar: str, default_zone: str, opt_out_keyword: str
) -> Series:
    """A master or single event (not cancelled) -> `Series` as this calendar sees it."""
    event_id = _text(item, "id")
    if not event_id:
        raise MalformedItem("missing id")
    start_payload = item.get("start")
    zone = zone_of(
        start_payload.get("timeZone") if isinstance(start_payload, Mapping) else None,
        default_zone,
    )
    start, all_day = parse_when(start_payload, zone)
    end, _ = parse_when(item.get("end"), zone)
    if end < start:
        raise MalformedItem("end before start")
    organizer_payload = item.get("organizer") or item.get("creator")
    if not isinstance(organizer_payload, Mapping):
        organizer_payload = {}
    organizer = str(organizer_payload.get("email") or calendar).lower()
    recurrence = item.get("recurrence")
    digest, opted_out = describe(_text(item, "description"), opt_out_keyword)
    updated = item.get("updated")
    return checked_rule(
        Series(
            uid=_text(item, "iCalUID") or event_id,
            calendar=calendar,
            provider="google",
            event_id=event_id,
            title=_text(item, "summary"),
            organizer=organizer,
            attendees=parse_attendees(item.get("attendees")),
            start=start,
            end=end,
            timezone=zone,
            recurrence=RRuleRecurrence(tuple(str(x) for x in recurrence))
            if isinstance(recurrence, list) and recurrence
            else None,
            all_day=all_day,
            event_type=_event_type(item),
            private=item.get("visibility") in ("private", "confidential"),
            etag=_text(item, "etag") or None,
            updated=_utc(parse_instant(updated)) if updated else None,
            body_type=BODY_TYPE,
            block_hash=digest,
            opt_out_keyword=opted_out,
            markers=parse_markers(item),
            attachments=parse_attachments(item),
        )
    )


def checked_rule(series: Series) -> Series:
    """`series` if the core can expand its rule, else MalformedItem: a rule that cannot be read
    would otherwise fail every later plan of the pair, not just this item."""
    if series.recurrence is not None:
        try:
            expand(series, series.start, series.start + timedelta(days=1))
        except (ValueError, TypeError, OverflowError) as exc:
            raise MalformedItem("unreadable recurrence") from exc
    return series


def parse_override(item: Payload, *, default_zone: str, opt_out_keyword: str) -> OverrideChanged:
    """An instance of a recurring series (cancelled or modified) -> `OverrideChanged`."""
    event_id = _text(item, "id")
    if not event_id:
        raise MalformedItem("missing id")
    original = item.get("originalStartTime")
    zone = zone_of(
        original.get("timeZone") if isinstance(original, Mapping) else None, default_zone
    )
    original_start, _ = parse_when(original, zone)
    etag = _text(item, "etag") or None
    if item.get("status") == "cancelled":
        override = OccurrenceOverride(
            original_start=_utc(original_start), cancelled=True, event_id=event_id, etag=etag
        )
    else:
        start, _ = parse_when(item.get("start"), zone)
        end, _ = parse_when(item.get("end"), zone)
        digest, _opted = describe(_text(item, "description"), opt_out_keyword)
        attendees = item.get("attendees")
        override = OccurrenceOverride(
            original_start=_utc(original_start),
            start=_utc(start),
            end=_utc(end),
            attendees=parse_attendees(attendees) if isinstance(attendees, list) else None,
            event_id=event_id,
            etag=etag,
            block_hash=digest,
            markers=parse_markers(item),
        )
    return OverrideChanged(master_event_id=str(item["recurringEventId"]), override=override)


def parse_event(item: Payload, *, calendar: str, default_zone: str, opt_out_keyword: str) -> Change:
    """One `events.list` item -> one change. Raises `MalformedItem`."""
    if not isinstance(item, Mapping):
        raise MalformedItem("item is not an object")
    if is_instance(item):
        return parse_override(item, default_zone=default_zone, opt_out_keyword=opt_out_keyword)
    if item.get("status") == "cancelled":
        event_id = _text(item, "id")
        if not event_id:
            raise MalformedItem("missing id")
        return EventRemoved(event_id)
    return SeriesChanged(
        parse_series(
            item, calendar=calendar, default_zone=default_zone, opt_out_keyword=opt_out_keyword
        )
    )


def attach_overrides(changes: Iterable[Change]) -> tuple[Change, ...]:
    """For a full pull: fold each instance into its master's `Series.overrides`.

    Instances whose master was not in the pull stay as `OverrideChanged` (the snapshot drops
    them if it does not know the master either).
    """
    items = list(changes)
    masters = {c.series.event_id for c in items if isinstance(c, SeriesChanged)}
    by_master: dict[str, dict[datetime, OccurrenceOverride]] = {}
    result: list[Change] = []
    for change in items:
        if isinstance(change, OverrideChanged) and change.master_event_id in masters:
            slot = by_master.setdefault(change.master_event_id, {})
            slot[change.override.original_start] = change.override
        elif isinstance(change, OverrideChanged | EventRemoved):
            result.append(change)
    for change in items:
        if isinstance(change, SeriesChanged):
            found = by_master.get(change.series.event_id, {})
            overrides = tuple(found[k] for k in sorted(found))
            result.append(SeriesChanged(replace(change.series, overrides=overrides)))
    return tuple(result)


def parse_event_body(item: Payload, calendar: str) -> EventBody:
    """The read-modify-write view of one event copy: description, markers, etag."""
    event_id, etag = _text(item, "id"), _text(item, "etag")
    if not event_id or not etag:
        raise MalformedItem("event without id or etag")
    return EventBody(
        calendar=calendar,
        event_id=event_id,
        etag=etag,
        body=_text(item, "description"),
        body_type=BODY_TYPE,
        markers=parse_markers(item),
        attachments=parse_attachments(item),
    )


def parse_hold(item: Payload, calendar: str) -> HoldRef | None:
    """A hold syncer created (it carries both the pair and the hold marker), else None."""
    markers = parse_markers(item)
    if item.get("status") == "cancelled" or MARKER_HOLD not in markers:
        return None
    if MARKER_PAIR not in markers or not _text(item, "id"):
        return None
    try:
        start, _ = parse_when(item.get("start"), "UTC")
        end, _ = parse_when(item.get("end"), "UTC")
        proposal_for = parse_instant(markers[MARKER_HOLD])
    except MalformedItem:
        return None
    return HoldRef(
        calendar=calendar,
        event_id=_text(item, "id"),
        start=_utc(start),
        end=_utc(end),
        pair_key=markers[MARKER_PAIR],
        proposal_for=_utc(proposal_for),
    )


# --------------------------------------------------------------------------------------------
# Free/busy and documents


def parse_free_busy(
    payload: Payload, emails: Iterable[str]
) -> tuple[dict[str, list[BusyInterval]], dict[str, str]]:
    """A `freebusy.query` answer -> (busy intervals per e-mail, error reason per e-mail).

    Per-calendar errors come inside the answer, not as HTTP errors.
    """
    calendars = payload.get("calendars")
    calendars = calendars if isinstance(calendars, Mapping) else {}
    lowered = {str(k).lower(): v for k, v in calendars.items()}
    busy: dict[str, list[BusyInterval]] = {}
    errors: dict[str, str] = {}
    for email in emails:
        entry = lowered.get(email.lower())
        if not isinstance(entry, Mapping):
            errors[email] = "missing"
            continue
        if entry.get("errors"):
            first = entry["errors"][0]
            errors[email] = (
                str(first.get("reason", "error")) if isinstance(first, Mapping) else "error"
            )
            continue
        intervals = [
            BusyInterval(_utc(parse_instant(b["start"])), _utc(parse_instant(b["end"])))
            for b in entry.get("busy", [])
        ]
        busy[email] = sorted(intervals)
    return busy, errors


def document_text(document: Payload) -> str:
    """The plain text of a Docs `documents.get` answer: every textRun, in order."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            run = node.get("textRun")
            if isinstance(run, Mapping) and isinstance(run.get("content"), str):
                parts.append(run["content"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    body = document.get("body")
    walk(body.get("content", []) if isinstance(body, Mapping) else [])
    return "".join(parts)


__all__ = [
    "BODY_TYPE",
    "MalformedItem",
    "attach_overrides",
    "checked_rule",
    "describe",
    "document_text",
    "is_instance",
    "parse_attachments",
    "parse_attendees",
    "parse_event",
    "parse_event_body",
    "parse_free_busy",
    "parse_hold",
    "parse_instant",
    "parse_markers",
    "parse_override",
    "parse_series",
    "parse_when",
    "zone_of",
]
