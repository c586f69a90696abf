"""events.list and events.instances: filters, paging, sync tokens (full and incremental).

Behaviour from the events.list reference and the "Synchronize resources efficiently" guide:
every page but the last carries nextPageToken, the last one nextSyncToken; with a syncToken the
answer holds every change since (deleted events included, whatever showDeleted says); with
showDeleted=false and singleEvents=false cancelled *instances* are still returned so the
exceptions of a series are complete; an expired token answers 410 fullSyncRequired.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import bad_request, full_sync_required
from .store import CalendarData, Record, instance_body
from .times import event_span, moment_of, occurrences, parse_rfc3339

if TYPE_CHECKING:
    from ..state import GoogleState

FORBIDDEN_WITH_SYNC_TOKEN = (
    "iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty",
    "timeMin", "timeMax", "updatedMin",
)  # fmt: skip
HORIZON = dt.timedelta(days=366)  # expansion end when no timeMax is given (an emulator choice)


def render(calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The event as its calendar's owner sees it (``self`` flags; minimal if cancelled)."""
    if body.get("status") == "cancelled":
        keep = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
        return {key: copy.deepcopy(body[key]) for key in keep if key in body}
    out = copy.deepcopy(body)
    for key in ("organizer", "creator"):
        if key in out:
            out[key].pop("self", None)
            if out[key].get("email") == calendar_id:
                out[key]["self"] = True
    for attendee in out.get("attendees", []):
        if attendee.get("email") == calendar_id:
            attendee["self"] = True
    return out


def flag(params: dict[str, list[str]], name: str) -> bool:
    return params.get(name, ["false"])[-1].lower() == "true"


def one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def page_size(params: dict[str, list[str]], default: int, maximum: int) -> int:
    raw = one(params, "maxResults") or one(params, "pageSize")
    try:
        size = int(raw) if raw is not None else default
    except ValueError as exc:
        raise bad_request("Invalid value for maxResults") from exc
    if size < 1:
        raise bad_request("Invalid value for maxResults")
    return min(size, maximum)


class Lister:
    def __init__(self, state: GoogleState) -> None:
        self.state = state
        self.store = state.calendars
        self.pages: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = self.store.pages

    # -- paging -----------------------------------------------------------------------------

    def paged(self, items: list[dict[str, Any]], size: int, tail: dict[str, Any]) -> dict[str, Any]:
        """First page of ``items``; the rest is kept server-side behind nextPageToken."""
        page, rest = items[:size], items[size:]
        if rest:
            token = secrets.token_urlsafe(18)
            self.pages[token] = (rest, dict(tail, _size=size))
            return {"items": page, "nextPageToken": token}
        return {"items": page, **{k: v for k, v in tail.items() if not k.startswith("_")}}

    def next_page(self, token: str) -> dict[str, Any]:
        stored = self.pages.pop(token, None)
        if stored is None:
            raise bad_request("Invalid page token value.")
        rest, tail = stored
        return self.paged(rest, tail["_size"], tail)

    # -- sync tokens ------------------------------------------------------------------------

    def _sync_token(self, calendar: CalendarData, single: bool) -> str:
        raw = json.dumps(
            {"c": calendar.id, "s": self.store.seq, "g": calendar.generation, "e": single}
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _read_sync_token(self, calendar: CalendarData, token: str) -> int:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except ValueError as exc:
            raise full_sync_required() from exc
        if data.get("c") != calendar.id or data.get("g") != calendar.generation:
            raise full_sync_required()
        return int(data["s"])

    # -- events.list ------------------------------------------------------------------------

    def list_events(self, calendar: CalendarData, params: dict[str, list[str]]) -> dict[str, Any]:
        page_token = one(params, "pageToken")
        if page_token:
            return self.envelope(calendar, self.next_page(page_token))
        size = page_size(params, 250, 2500)
        single = flag(params, "singleEvents")
        sync_token = one(params, "syncToken")
        if sync_token:
            bad = [name for name in FORBIDDEN_WITH_SYNC_TOKEN if name in params]
            if bad:
                raise bad_request(f"Parameter {bad[0]} is not allowed together with syncToken.")
            since = self._read_sync_token(calendar, sync_token)
            found = self._changed(calendar, since, single)
        else:
            if one(params, "orderBy") == "startTime" and not single:
                raise bad_request(
                    "The requested ordering is not available for the particular query."
                )
            found = self._matching(calendar, params, single)
        found = [(record, body) for record, body in found if self._keep(body, params)]
        if one(params, "orderBy") == "updated":
            found.sort(key=lambda pair: pair[1].get("updated", ""))
        elif not sync_token:
            found.sort(key=lambda pair: (_sort_start(pair[1], calendar.time_zone), pair[1]["id"]))
        items = [render(calendar.id, body) for _record, body in found]
        tail = {"nextSyncToken": self._sync_token(calendar, single)}
        return self.envelope(calendar, self.paged(items, size, tail))

    def envelope(self, calendar: CalendarData, page: dict[str, Any]) -> dict[str, Any]:
        return {
            "kind": "calendar#events",
            "etag": f'"{self.store.seq}"',
            "summary": calendar.id,
            "description": "",
            "updated": _iso(self.state.clock.now()),
            "timeZone": calendar.time_zone,
            "accessRole": "owner",
            "defaultReminders": [],
            **page,
        }

    def _keep(self, body: dict[str, Any], params: dict[str, list[str]]) -> bool:
        uid = one(params, "iCalUID")
        if uid and body.get("iCalUID") != uid:
            return False
        for scope in ("private", "shared"):
            for constraint in params.get(f"{scope}ExtendedProperty", []):
                key, _, value = constraint.partition("=")
                if body.get("extendedProperties", {}).get(scope, {}).get(key) != value:
                    return False  # repeated constraints must all match (events.list reference)
        text = one(params, "q")
        if text:
            haystack = " ".join(
                str(body.get(k, "")) for k in ("summary", "description", "location")
            )
            if text.lower() not in haystack.lower():
                return False
        return True

    def _changed(
        self, calendar: CalendarData, since: int, single: bool
    ) -> list[tuple[Record, dict[str, Any]]]:
        out: list[tuple[Record, dict[str, Any]]] = []
        for record in sorted(calendar.events.values(), key=lambda r: r.seq):
            if record.seq <= since:
                continue
            if single and "recurrence" in record.body and not record.cancelled:
                out.extend(self._expand(calendar, record, None, None))
            else:
                out.append((record, record.body))
        return out

    def _matching(
        self, calendar: CalendarData, params: dict[str, list[str]], single: bool
    ) -> list[tuple[Record, dict[str, Any]]]:
        show_deleted = flag(params, "showDeleted")
        t_min = parse_rfc3339(p, "timeMin") if (p := one(params, "timeMin")) else None
        t_max = parse_rfc3339(p, "timeMax") if (p := one(params, "timeMax")) else None
        if t_min and t_max and t_min >= t_max:
            raise bad_request("The specified time range is empty.", "timeRangeEmpty")
        updated_min = one(params, "updatedMin")
        if updated_min:
            updated_min = _iso(parse_rfc3339(updated_min, "updatedMin"))
        out: list[tuple[Record, dict[str, Any]]] = []
        for record in calendar.events.values():
            body = record.body
            if updated_min and body.get("updated", "") < updated_min:
                continue
            is_instance = "recurringEventId" in body
            master = calendar.events.get(body["recurringEventId"]) if is_instance else None
            if record.cancelled:
                # Deleted since updatedMin always show (events.list reference, updatedMin).
                if is_instance and not single and master is not None and not master.cancelled:
                    pass
                elif not (show_deleted or updated_min) or (single and "recurrence" in body):
                    continue
            if single and "recurrence" in body:
                if not record.cancelled:
                    out.extend(self._expand(calendar, record, t_min, t_max))
                continue
            if self._in_window(calendar, body, t_min, t_max):
                out.append((record, body))
        return out

    def _in_window(
        self,
        calendar: CalendarData,
        body: dict[str, Any],
        t_min: dt.datetime | None,
        t_max: dt.datetime | None,
    ) -> bool:
        if t_min is None and t_max is None:
            return True
        if "recurrence" in body:
            horizon = t_max or (self.state.clock.now() + HORIZON)
            for _original, _start, until in occurrences(body, horizon, calendar.time_zone):
                if t_min is None or moment_of(until, calendar.time_zone) > t_min:
                    return True
            return False
        if "start" in body:
            start, end = event_span(body, calendar.time_zone)
        else:  # a cancelled instance: its original slot
            start = end = moment_of(body["originalStartTime"], calendar.time_zone)
        return (t_min is None or end > t_min or start == end >= t_min) and (
            t_max is None or start < t_max
        )

    def _expand(
        self,
        calendar: CalendarData,
        master: Record,
        t_min: dt.datetime | None,
        t_max: dt.datetime | None,
    ) -> Iterator[tuple[Record, dict[str, Any]]]:
        """Unchanged instances of a series in the window (exceptions are records of their own)."""
        horizon = t_max or (self.state.clock.now() + HORIZON)
        for original, start, end in occurrences(master.body, horizon, calendar.time_zone):
            body = instance_body(master, original, start, end)
            if body["id"] in calendar.events:
                continue
            if t_min is not None and moment_of(end, calendar.time_zone) <= t_min:
                continue
            yield master, body

    # -- events.instances -------------------------------------------------------------------

    def instances(
        self, calendar: CalendarData, master: Record, params: dict[str, list[str]]
    ) -> dict[str, Any]:
        page_token = one(params, "pageToken")
        if page_token:
            return self.envelope(calendar, self.next_page(page_token))
        t_min = parse_rfc3339(p, "timeMin") if (p := one(params, "timeMin")) else None
        t_max = parse_rfc3339(p, "timeMax") if (p := one(params, "timeMax")) else None
        show_deleted = flag(params, "showDeleted")
        found = list(self._expand(calendar, master, t_min, t_max))
        for exception in self.store.instances_of(calendar, master.body["id"]):
            if exception.cancelled and not show_deleted:
                continue
            if self._in_window(calendar, exception.body, t_min, t_max):
                found.append((exception, exception.body))
        found.sort(key=lambda pair: moment_of(pair[1]["originalStartTime"], calendar.time_zone))
        items = [render(calendar.id, body) for _record, body in found]
        return self.envelope(calendar, self.paged(items, page_size(params, 250, 2500), {}))


def _sort_start(body: dict[str, Any], time_zone: str) -> dt.datetime:
    when = body.get("start") or body.get("originalStartTime")
    return (
        moment_of(when, time_zone).astimezone(dt.UTC)
        if when
        else dt.datetime.min.replace(tzinfo=dt.UTC)
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
