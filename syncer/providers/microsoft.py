"""The Microsoft provider: Graph calendars (calendarView/delta), OneDrive agendas, getSchedule.

This module only sequences calls: `graph_http.GraphSession` holds the msal app and retries,
`graph_parse` reads payloads, `graph_sync` turns a delta round into changes and the cursor,
`graph_docx` builds and reads the agenda file.

The delta window is [now - WINDOW_PAST, now + WINDOW_FUTURE] at the start of a round and stays
fixed for the token's life (Graph carries it in the token). When less than RENEW_MARGIN of the
future remains, `pull` raises `CursorExpired` (reason `windowEnding`) so the engine starts a new
full round with a fresh window.

No invite spam: an organiser's PATCH mails every attendee and Graph cannot silence it, so
`write_event` compares with the event as it is now and never PATCHes a body whose managed block
and surrounding text are unchanged, nor markers already there. Markers alone are written as
extended properties only (a private change that sends nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from syncer.core.model import (
    BusyInterval,
    Change,
    OccurrenceOverride,
    ProviderName,
    Series,
    SeriesChanged,
)
from syncer.core.people import DirectoryPerson
from syncer.errors import Conflict, CursorExpired, NotFound, ProviderError
from syncer.providers import graph_holds, graph_marked, graph_push
from syncer.providers.base import (
    MARKER_AGENDA,
    ChannelRef,
    DocRef,
    DocText,
    EventBody,
    HoldRef,
    MarkedCopy,
    PullResult,
)
from syncer.providers.graph_directory import PAGE_SIZE as DIRECTORY_PAGE_SIZE
from syncer.providers.graph_directory import ZONE_LOOKUPS, read_directory
from syncer.providers.graph_drive import AgendaDocs
from syncer.providers.graph_http import GraphSession
from syncer.providers.graph_parse import (
    MARKERS_EXPAND,
    MalformedItem,
    marker_property_id,
    parse_event_body,
    parse_instant,
    parse_markers,
    parse_series,
    same_body,
    utc_text,
)
from syncer.providers.graph_sync import (
    Knowledge,
    Slots,
    assemble,
    decode_cursor,
    encode_cursor,
    master_ids_to_fetch,
    reconcile_listing,
    split_round,
)
from syncer.providers.slots import UNBOUNDED, CallSlots

WINDOW_PAST = timedelta(days=400)
WINDOW_FUTURE = timedelta(days=400)
RENEW_MARGIN = timedelta(days=300)
RECHECK_AFTER = timedelta(hours=24)
INSTANCE_PAST = timedelta(days=2)  # instances older than this: their proposals are history
PAGE_SIZE = 200
_UTC_PREFER = 'outlook.timezone="UTC"'


def _z(moment: datetime) -> str:
    return utc_text(moment) + "Z"


class MicrosoftProvider:
    """Microsoft 365 calendars, agenda docs and free/busy for the people it hosts."""

    name: ProviderName = "microsoft"
    directory_page_size: int = DIRECTORY_PAGE_SIZE
    directory_zone_lookups: int = ZONE_LOOKUPS

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority: str | None = None,
        graph_endpoint: str = "https://graph.microsoft.com/v1.0",
        ca_bundle: str | None = None,
        opt_out_keyword: str = "#no-syncer",
        log: Any = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        recheck_after: timedelta = RECHECK_AFTER,
        page_size: int = PAGE_SIZE,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        timeout: float = 60.0,
        slots: CallSlots = UNBOUNDED,
    ) -> None:
        self._session = GraphSession(
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            authority=authority,
            graph_endpoint=graph_endpoint,
            ca_bundle=ca_bundle,
            timeout=timeout,
            max_attempts=max_attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
            log=log,
            slots=slots,
        )
        self._send = self._session.send
        self._docs = AgendaDocs(self._session)
        self._log = self._session.log
        self._clock = clock or (lambda: datetime.now(UTC))
        self.opt_out_keyword = opt_out_keyword
        self.recheck_after = recheck_after
        self._prefer = f"odata.maxpagesize={page_size}, {_UTC_PREFER}"
        # Series masters per calendar (re-fetched when they change or after a restart), and the
        # occurrence ids seen, so an `@removed` occurrence reads as a cancellation.
        self._masters: dict[str, dict[str, Series]] = {}
        self._occurrences: dict[str, dict[str, tuple[str, datetime]]] = {}

    @classmethod
    def from_config(cls, section: Any, **options: Any) -> MicrosoftProvider:
        """Built from `config.providers.microsoft`."""
        return cls(
            tenant_id=section.tenant_id,
            client_id=section.client_id,
            client_secret=section.client_secret.get_secret_value(),
            authority=str(section.authority) if section.authority else None,
            graph_endpoint=str(section.graph_endpoint),
            ca_bundle=str(section.ca_bundle) if section.ca_bundle else None,
            **options,
        )

    @property
    def calls(self) -> int:
        """HTTP attempts made to Graph so far, retries included."""
        return self._session.calls

    # ----------------------------------------------------------------------------------------
    # Plumbing

    @staticmethod
    def _user(calendar: str) -> str:
        return f"/users/{quote(calendar, safe='@')}"

    def _event_path(self, calendar: str, event_id: str) -> str:
        return f"{self._user(calendar)}/events/{quote(event_id, safe='')}"

    def _get_event(self, calendar: str, event_id: str) -> Any:
        return self._send(
            "GET",
            self._event_path(calendar, event_id),
            params={"$expand": MARKERS_EXPAND},
            headers={"Prefer": _UTC_PREFER},
        )

    # ----------------------------------------------------------------------------------------
    # Calendar

    def pull(self, calendar: str, cursor: str | None) -> PullResult:
        before = self.calls
        now = self._clock()
        headers = {"Prefer": self._prefer}
        if cursor is None:
            start = (now - WINDOW_PAST).replace(second=0, microsecond=0)
            window = (start, start + WINDOW_PAST + WINDOW_FUTURE)
            prior: Mapping[str, Slots] = {}
            path = f"{self._user(calendar)}/calendarView/delta"
            params: dict[str, str] | None = {
                "startDateTime": _z(window[0]),
                "endDateTime": _z(window[1]),
            }
        else:
            known = decode_cursor(cursor)
            window, prior, path, params = known.window, known.series, known.delta_link, None
            if window[1] - now < RENEW_MARGIN:
                raise CursorExpired("microsoft", None, "delta window ending", reason="windowEnding")
        # Every page of a delta round carries a token (skip or delta) that can expire: a 410 on
        # any of them, a full round's included, means "start this round over", never "gone".
        items, last = self._session.pages(path, params=params, headers=headers, cursor_call=True)
        delta_link = last.get("@odata.deltaLink")
        if not delta_link:
            raise ProviderError("microsoft", None, "calendarView/delta ended without a deltaLink")
        full = cursor is None
        round_ = split_round(items)
        masters = self._masters.setdefault(calendar, {})
        if full:
            masters.clear()
        fetched, gone, skipped = self._fetch_masters(
            calendar, master_ids_to_fetch(round_, masters, full=full)
        )
        self._remember_occurrences(calendar, round_.instances)
        result = assemble(
            round_,
            masters,
            gone,
            prior,
            calendar=calendar,
            opt_out_keyword=self.opt_out_keyword,
            window=window,
            full=full,
            refreshed=fetched,
            occurrence_ids=self._occurrences.get(calendar),
        )
        series = result.series
        changes: list[Change] = list(result.changes)
        if full:
            series = {k: Slots(v.plain, v.exceptions, now) for k, v in series.items()}
            changes = self._with_instance_markers(calendar, changes, now)
        else:
            changes += self._recheck(calendar, series, window, now)
        for event_id, reason in [*skipped, *result.skipped]:
            self._log.warning(
                "pull.item_skipped", calendar=calendar, event_id=event_id, reason=reason
            )
        return PullResult(
            calendar=calendar,
            changes=tuple(changes),
            cursor=encode_cursor(Knowledge(str(delta_link), window, series)),
            full=full,
            skipped=len(skipped) + len(result.skipped),
            calls=self.calls - before,
        )

    def _with_instance_markers(
        self, calendar: str, changes: list[Change], now: datetime
    ) -> list[Change]:
        """A full round reads the markers of the instances that carry syncer's block and are
        not past (delta cannot expand extended properties): the proposals a block shows come
        back from the calendar after a loss of Redis. One GET per such instance, in full rounds
        only; incremental rounds leave them out (the store has the proposals then)."""
        out: list[Change] = []
        for change in changes:
            if isinstance(change, SeriesChanged) and change.series.overrides:
                overrides = tuple(
                    self._instance_markers(calendar, o, now) for o in change.series.overrides
                )
                change = SeriesChanged(replace(change.series, overrides=overrides))
            out.append(change)
        return out

    def _instance_markers(
        self, calendar: str, override: OccurrenceOverride, now: datetime
    ) -> OccurrenceOverride:
        when = override.start or override.original_start
        if override.block_hash is None or not override.event_id or when < now - INSTANCE_PAST:
            return override
        try:
            item = self._get_event(calendar, override.event_id)
        except NotFound:
            return override
        return replace(override, markers=parse_markers(item))

    def _fetch_masters(
        self, calendar: str, ids: set[str]
    ) -> tuple[set[str], list[str], list[tuple[str | None, str]]]:
        masters = self._masters.setdefault(calendar, {})
        fetched: set[str] = set()
        gone: list[str] = []
        skipped: list[tuple[str | None, str]] = []
        for master_id in sorted(ids):
            try:
                item = self._get_event(calendar, master_id)
                masters[master_id] = parse_series(
                    item, calendar=calendar, opt_out_keyword=self.opt_out_keyword
                )
                fetched.add(master_id)
            except NotFound:
                masters.pop(master_id, None)
                gone.append(master_id)
            except MalformedItem as exc:
                masters.pop(master_id, None)
                skipped.append((master_id, str(exc)))
        return fetched, gone, skipped

    def _remember_occurrences(self, calendar: str, instances: Mapping[str, list[Any]]) -> None:
        known = self._occurrences.setdefault(calendar, {})
        for master_id, items in instances.items():
            for item in items:
                original = item.get("originalStart")
                if isinstance(original, str) and original:
                    try:
                        known[str(item["id"])] = (master_id, parse_instant(original))
                    except MalformedItem:
                        continue

    def _recheck(
        self,
        calendar: str,
        series: dict[str, Slots],
        window: tuple[datetime, datetime],
        now: datetime,
    ) -> list[Change]:
        """List the series not compared with the server for `recheck_after` (`/instances`):
        catches occurrences the organiser deleted without any trace in delta."""
        changes: list[Change] = []
        for master_id, slots in sorted(series.items()):
            if slots.checked is not None and now - slots.checked < self.recheck_after:
                continue
            try:
                listing, _ = self._session.pages(
                    f"{self._event_path(calendar, master_id)}/instances",
                    params={
                        "startDateTime": _z(window[0]),
                        "endDateTime": _z(window[1]),
                        "$select": "id,type,originalStart,isCancelled,seriesMasterId,start,end",
                    },
                    headers={"Prefer": self._prefer},
                )
            except NotFound:
                series.pop(master_id)
                continue
            series[master_id], found = reconcile_listing(master_id, slots, listing, now)
            changes += found
        return changes

    def read_event(self, calendar: str, event_id: str) -> EventBody:
        try:
            return parse_event_body(self._get_event(calendar, event_id), calendar)
        except MalformedItem as exc:
            raise ProviderError("microsoft", None, f"unreadable event: {exc}") from exc

    def write_event(
        self,
        calendar: str,
        event_id: str,
        *,
        etag: str,
        body: str | None,
        markers: Mapping[str, str | None],
    ) -> EventBody:
        """PATCH with If-Match, and only what really changes (see the module docstring)."""
        current = self.read_event(calendar, event_id)
        if current.etag != etag:
            raise Conflict("microsoft", 412, "event changed since read", reason="etag")
        patch: dict[str, Any] = {}
        if body is not None and not same_body(body, current.body, current.body_type):
            patch["body"] = {"contentType": current.body_type, "content": body}
        props = [
            {"id": marker_property_id(key), "value": value or ""}
            for key, value in sorted(markers.items())
            if current.markers.get(key) != (value or None)
        ]
        if props:
            patch["singleValueExtendedProperties"] = props
        if not patch:
            return current
        item = self._send(
            "PATCH",
            self._event_path(calendar, event_id),
            params={"$expand": MARKERS_EXPAND},
            json_body=patch,
            headers={"If-Match": etag, "Prefer": _UTC_PREFER},
        )
        written = parse_event_body(item, calendar)
        if "singleValueExtendedProperties" not in item:
            return self.read_event(calendar, event_id)  # PATCH answers may leave out expansions
        return written

    def attach_doc(self, calendar: str, event_id: str, doc: DocRef, etag: str) -> EventBody:
        """Graph has no Google-style attachment for a OneDrive file: the link is in the managed
        block; here only the agenda marker is recorded."""
        return self.write_event(
            calendar, event_id, etag=etag, body=None, markers={MARKER_AGENDA: doc.id}
        )

    def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """getSchedule for everyone (chunked by 20 people / 62 days, see graph_push)."""
        return graph_push.free_busy(self._session, emails, start, end, self._log)

    def instance_id(self, calendar: str, event_id: str, original_start: datetime) -> str:
        """The id of one occurrence. Graph's ids are opaque: from what pulls saw, else from
        `/instances` around the original start (a moved occurrence is matched by its
        `originalStart`, so the window is wide). An occurrence's own id comes back as is."""
        seen = self._occurrences.get(calendar, {})
        if event_id in seen:
            return event_id
        original = original_start.astimezone(UTC)
        for occurrence_id, (master_id, start) in seen.items():
            if master_id == event_id and start == original:
                return occurrence_id
        listing, _ = self._session.pages(
            f"{self._event_path(calendar, event_id)}/instances",
            params={
                "startDateTime": _z(original - timedelta(days=35)),
                "endDateTime": _z(original + timedelta(days=35)),
                "$select": "id,type,originalStart,seriesMasterId",
            },
            headers={"Prefer": self._prefer},
        )
        self._remember_occurrences(calendar, {event_id: listing})
        for item in listing:
            if item.get("originalStart") and parse_instant(item["originalStart"]) == original:
                return str(item["id"])
        raise NotFound("microsoft", 404, "no occurrence at that original start", reason="instance")

    # ----------------------------------------------------------------------------------------
    # Push (Graph subscriptions, see graph_push)

    def watch(self, calendar: str, address: str, token: str, ttl: timedelta) -> ChannelRef:
        """A subscription on the calendar's events, changes and lifecycle notifications both
        to `address`, `token` as clientState, for at most 4230 minutes."""
        return graph_push.watch(self._session, calendar, address, token, ttl, self._clock())

    def renew_watch(self, ref: ChannelRef, ttl: timedelta) -> ChannelRef:
        """PATCH the subscription's expiry (Graph's documented renewal, which also answers
        `reauthorizationRequired`); same id and clientState. NotFound: it is gone, create anew."""
        return graph_push.renew_watch(self._session, ref, ttl, self._clock())

    def stop_watch(self, ref: ChannelRef) -> None:
        """DELETE the subscription; one already gone (404) counts as stopped."""
        graph_push.stop_watch(self._session, ref, self._log)

    # ----------------------------------------------------------------------------------------
    # Agenda documents (OneDrive .docx, see graph_drive)

    def find_doc(self, owner: str, pair_key: str) -> DocRef | None:
        return self._docs.find(owner, pair_key)

    def create_doc(
        self, owner: str, pair_key: str, title: str, text: str, share_with: Sequence[str]
    ) -> DocRef:
        return self._docs.create(owner, pair_key, title, text, share_with)

    def read_doc(self, doc: DocRef) -> DocText:
        return self._docs.read(doc)

    def append_doc(self, doc: DocRef, text: str, revision: str) -> None:
        self._docs.append(doc, text, revision)

    # ----------------------------------------------------------------------------------------
    # Holds

    def create_hold(
        self,
        calendar: str,
        start: datetime,
        end: datetime,
        title: str,
        body: str,
        markers: Mapping[str, str],
    ) -> HoldRef:
        return graph_holds.create_hold(self._session, calendar, start, end, title, body, markers)

    def find_holds(self, calendar: str, pair_key: str) -> list[HoldRef]:
        return graph_holds.find_holds(self._session, calendar, pair_key)

    def find_marked(self, calendar: str) -> list[MarkedCopy]:
        now = self._clock()
        window = (now - WINDOW_PAST, now + WINDOW_FUTURE)
        return graph_marked.find_marked(self._session, calendar, window)

    def detach_doc(self, calendar: str, event_id: str, doc_id: str, etag: str) -> EventBody:
        """Graph attaches nothing (the link is in the block): only the agenda marker goes."""
        return self.write_event(
            calendar, event_id, etag=etag, body=None, markers={MARKER_AGENDA: None}
        )

    def delete_event(self, calendar: str, event_id: str) -> None:
        """Delete; an event already gone counts as deleted (idempotent)."""
        try:
            self._send("DELETE", self._event_path(calendar, event_id))
        except NotFound:
            self._log.info("delete.already_gone", calendar=calendar, event_id=event_id)

    # ----------------------------------------------------------------------------------------
    # Directory

    def list_people(self) -> list[DirectoryPerson]:
        """The tenant's users with their managers (Graph /users, every page)."""
        return read_directory(
            self._session,
            page_size=self.directory_page_size,
            zone_lookups=self.directory_zone_lookups,
            log=self._log,
        )


__all__ = ["RECHECK_AFTER", "RENEW_MARGIN", "WINDOW_FUTURE", "WINDOW_PAST", "MicrosoftProvider"]
