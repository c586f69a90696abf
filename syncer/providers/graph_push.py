"""Graph subscriptions (push) and getSchedule (free/busy): two small request/answer exchanges.

Subscriptions: `POST /subscriptions` on `/users/{id}/events`; Outlook event subscriptions last
at most 4230 minutes (under 3 days), so a longer `ttl` is cut to that. Renewal is a `PATCH` of
`expirationDateTime` (the same call answers a `reauthorizationRequired` lifecycle notification);
the subscription keeps its id and `clientState`, which carries the channel token checked on every
notification. Lifecycle notifications go to the same address as changes: they cannot be added to
a subscription later, only by creating a new one.
getSchedule: up to 20 schedules and 62 days per call (api-notes), so larger asks are chunked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from syncer.core.model import BusyInterval
from syncer.core.zones import resolve_zone
from syncer.errors import NotFound, ProviderError
from syncer.providers.base import ChannelRef
from syncer.providers.graph_http import GraphSession
from syncer.providers.graph_parse import MalformedItem, parse_instant, parse_time, utc_text

_BUSY = frozenset({"busy", "oof", "tentative"})
MAX_SUBSCRIPTION = timedelta(minutes=4230)
SCHEDULES_PER_CALL = 20
SCHEDULE_SPAN = timedelta(days=62)
Payload = Mapping[str, Any]


def parse_schedule(
    payload: Payload,
    emails: Iterable[str],
    window: tuple[datetime, datetime] | None = None,
) -> tuple[dict[str, list[BusyInterval]], dict[str, str]]:
    """A `getSchedule` answer -> (busy intervals per e-mail, error per e-mail).

    Busy means scheduleItems with status busy, oof or tentative (free and workingElsewhere do
    not block a slot), and, within `window`, the time outside the working hours the person set
    in Outlook (`workingHours`): a proposal must fit both those and the config's."""
    values = payload.get("value")
    found = {
        str(v.get("scheduleId", "")).lower(): v
        for v in (values if isinstance(values, list) else [])
        if isinstance(v, Mapping)
    }
    busy: dict[str, list[BusyInterval]] = {}
    errors: dict[str, str] = {}
    for email in emails:
        entry = found.get(email.lower())
        if entry is None:
            errors[email] = "missing"
            continue
        if isinstance(entry.get("error"), Mapping):
            errors[email] = str(entry["error"].get("responseCode") or "error")
            continue
        intervals = [
            BusyInterval(parse_time(s.get("start")), parse_time(s.get("end")))
            for s in entry.get("scheduleItems") or []
            if isinstance(s, Mapping) and s.get("status") in _BUSY
        ]
        if window is not None:
            intervals += outside_working_hours(entry.get("workingHours"), *window)
        busy[email] = sorted(intervals)
    return busy, errors


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def outside_working_hours(hours: Any, start: datetime, end: datetime) -> list[BusyInterval]:
    """The time in [start, end) outside a getSchedule `workingHours` (days, start/end times on
    its own zone's wall clock). Nothing when Graph sent none or something unreadable: then the
    config's working hours alone decide."""
    if not isinstance(hours, Mapping):
        return []
    try:
        zone_name = hours.get("timeZone", {}).get("name") or "UTC"
        zone = resolve_zone(str(zone_name))
        opens = time.fromisoformat(str(hours["startTime"])[:8])
        closes = time.fromisoformat(str(hours["endTime"])[:8])
        days = {str(d).lower() for d in hours.get("daysOfWeek") or ()}
    except (AttributeError, KeyError, TypeError, ValueError):
        return []
    if not days & set(_WEEKDAYS) or closes <= opens:
        return []
    free: list[tuple[datetime, datetime]] = []
    day = start.astimezone(zone).date() - timedelta(days=1)
    while datetime.combine(day, time(), zone) < end:
        if _WEEKDAYS[day.weekday()] in days:
            free.append((datetime.combine(day, opens, zone), datetime.combine(day, closes, zone)))
        day += timedelta(days=1)
    found: list[BusyInterval] = []
    at = start
    for opened, closed in free:
        if opened > at:
            found.append(BusyInterval(at, min(opened, end)))
        at = max(at, closed)
        if at >= end:
            break
    if at < end:
        found.append(BusyInterval(at, end))
    return [
        BusyInterval(b.start.astimezone(UTC), b.end.astimezone(UTC))
        for b in found
        if b.start < b.end
    ]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _granted(answer: Any, asked: datetime) -> datetime:
    """The expiry Graph granted (it may shorten what was asked), else what was asked."""
    granted = answer.get("expirationDateTime") if isinstance(answer, Mapping) else None
    try:
        return parse_instant(granted) if granted else asked
    except MalformedItem:
        return asked


def _path(ref: ChannelRef) -> str:
    return f"/subscriptions/{quote(ref.id, safe='')}"


def watch(
    session: GraphSession, calendar: str, address: str, token: str, ttl: timedelta, now: datetime
) -> ChannelRef:
    """Create a subscription on the calendar's events. Graph validates `address` (for changes
    and lifecycle notifications alike) before it answers, so the web app must be up."""
    resource = f"/users/{quote(calendar, safe='@')}/events"
    expires = now + min(ttl, MAX_SUBSCRIPTION)
    answer = session.send(
        "POST",
        "/subscriptions",
        json_body={
            "changeType": "created,updated,deleted",
            "notificationUrl": address,
            "lifecycleNotificationUrl": address,
            "resource": resource,
            "expirationDateTime": _stamp(expires),
            "clientState": token,
        },
    )
    if not isinstance(answer, Mapping) or not answer.get("id"):
        raise ProviderError("microsoft", None, "subscription answer without an id")
    return ChannelRef(
        provider="microsoft",
        calendar=calendar,
        id=str(answer["id"]),
        resource_id=str(answer.get("resource") or resource),
        expiration=_granted(answer, expires),
    )


def renew_watch(
    session: GraphSession, ref: ChannelRef, ttl: timedelta, now: datetime
) -> ChannelRef:
    """Extend a subscription in place (also reauthorizes it). Raises `NotFound` when Graph has
    dropped it: the caller then creates a new one."""
    expires = now + min(ttl, MAX_SUBSCRIPTION)
    answer = session.send("PATCH", _path(ref), json_body={"expirationDateTime": _stamp(expires)})
    return replace(ref, expiration=_granted(answer, expires))


def stop_watch(session: GraphSession, ref: ChannelRef, log: Any) -> None:
    try:
        session.send("DELETE", _path(ref))
    except NotFound:
        log.info("watch.already_stopped", calendar=ref.calendar, channel=ref.id)


def free_busy(
    session: GraphSession, emails: Sequence[str], start: datetime, end: datetime, log: Any
) -> dict[str, list[BusyInterval]]:
    """Busy intervals (UTC) per person. A person Graph could not read raises `ProviderError`
    rather than looking free: a slot proposed over unknown busy time is worse than none."""
    if not emails:
        return {}
    busy: dict[str, list[BusyInterval]] = {e: [] for e in emails}
    errors: dict[str, str] = {}
    for i in range(0, len(emails), SCHEDULES_PER_CALL):
        chunk = list(emails[i : i + SCHEDULES_PER_CALL])
        at = start
        while at < end:
            upto = min(end, at + SCHEDULE_SPAN)
            answer = session.send(
                "POST",
                f"/users/{quote(chunk[0], safe='@')}/calendar/getSchedule",
                json_body={
                    "schedules": chunk,
                    "startTime": {"dateTime": utc_text(at), "timeZone": "UTC"},
                    "endTime": {"dateTime": utc_text(upto), "timeZone": "UTC"},
                    "availabilityViewInterval": 15,
                },
                headers={"Prefer": 'outlook.timezone="UTC"'},
            )
            found, failed = parse_schedule(answer or {}, chunk, (at, upto))
            errors.update(failed)
            for email, intervals in found.items():
                busy[email].extend(intervals)
            at = upto
    if errors:
        for email, reason in errors.items():
            log.warning("free_busy.calendar_error", calendar=email, reason=reason)
        raise ProviderError(
            "microsoft",
            None,
            f"free/busy unavailable for {len(errors)} calendar(s)",
            reason="getSchedule:" + ",".join(sorted(set(errors.values()))),
        )
    return {e: sorted(set(v)) for e, v in busy.items()}


__all__ = [
    "MAX_SUBSCRIPTION",
    "free_busy",
    "parse_schedule",
    "renew_watch",
    "stop_watch",
    "watch",
]
