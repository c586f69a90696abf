"""Taking syncer back out of an org's calendars: every managed block, marker, attachment and
hold it added goes; people's text stays byte for byte; agenda docs stay (they are the pair's
notes).

What to undo is found in the calendars themselves (markers in extended properties, blocks in
bodies, holds by their marker), never only from the audit: Redis may have been wiped. Every
write is a read-modify-write with If-Match and the same bounded re-read on 412 as `apply`; no
write mails anyone (Google `sendUpdates=none`; on Microsoft the organiser's copy is written once
and Exchange carries the cleaned body to the attendees' copies, which are then re-read and left
alone when already clean).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from syncer.core import blocks
from syncer.core.model import Pair
from syncer.errors import Conflict, NotFound, ProviderError
from syncer.providers.base import (
    MARKER_AGENDA,
    MARKER_BLOCK,
    MARKER_HOLD,
    MARKER_KEYS,
    MARKER_PAIR,
    EventBody,
    MarkedCopy,
    Provider,
)
from syncer.store import Store

MAX_CONFLICT_RETRIES = 5


@dataclass
class PurgeStats:
    calendars: int = 0
    copies: int = 0  # event copies whose block and markers were removed
    attachments: int = 0
    holds: int = 0
    conflicts: int = 0
    failed: int = 0
    planned: list[str] = field(default_factory=list)  # a dry run's would-be writes

    @property
    def writes(self) -> int:
        return self.copies + self.attachments + self.holds

    def describe(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.calendars} calendars read, {self.copies} events cleaned, "
            f"{self.attachments} attachments removed, {self.holds} holds deleted{failed}"
        )


def pair_of(copy: MarkedCopy, ignore: Collection[str] = ()) -> Pair | None:
    """The pair a copy belongs to: a hold names it; a 1:1 copy has exactly two people."""
    key = copy.event.markers.get(MARKER_PAIR)
    if key and "|" in key:
        return Pair.of(*key.split("|", 1))
    people = sorted(copy.people - set(ignore))
    return Pair.of(*people) if len(people) == 2 else None


@dataclass
class Purger:
    store: Store
    provider_of: Callable[[str], Provider]
    now: datetime
    dry_run: bool = False
    ignore: frozenset[str] = frozenset()  # syncer's own accounts, folded like rooms
    stats: PurgeStats = field(default_factory=PurgeStats)

    def purge(self, calendars: Sequence[str], pair: Pair | None = None) -> PurgeStats:
        """Undo syncer on `calendars` (every calendar of the org), or only on `pair`'s events.

        Holds go first, then the copies syncer wrote (they carry markers: on Microsoft the
        organiser's), then copies that only show a block, re-read so that one the organiser's
        clean-up already reached is not written again."""
        log = structlog.get_logger().bind(job="purge", dry_run=self.dry_run)
        found: list[MarkedCopy] = []
        for calendar in calendars:
            try:
                copies = self.provider_of(calendar).find_marked(calendar)
            except ProviderError as err:
                self.stats.failed += 1
                log.warning("purge.calendar_failed", calendar=calendar, error=str(err))
                continue
            self.stats.calendars += 1
            found += [c for c in copies if pair is None or pair_of(c, self.ignore) == pair]
        holds = [c for c in found if MARKER_HOLD in c.event.markers]
        marked = [c for c in found if c.event.markers and c not in holds]
        shown = [c for c in found if not c.event.markers]
        for copy in holds:
            self._guarded(copy, self._delete_hold)
        for copy in marked + shown:
            self._guarded(copy, self._clean)
        log.info("purge.done", **{k: v for k, v in vars(self.stats).items() if k != "planned"})
        return self.stats

    def withdraw(
        self, calendar: str, event_ids: Sequence[str], people: frozenset[str] = frozenset()
    ) -> None:
        """Remove syncer's block, markers and attachment from these copies only (a series
        whose people put the opt-out keyword in it)."""
        for event_id in event_ids:
            stub = EventBody(calendar, event_id, etag="", body="", body_type="text")
            self._guarded(MarkedCopy(stub, people), self._clean)

    # ------------------------------------------------------------------------------------

    def _guarded(self, copy: MarkedCopy, step: Callable[[MarkedCopy], None]) -> None:
        try:
            step(copy)
        except ProviderError as err:
            self.stats.failed += 1
            structlog.get_logger().warning(
                "purge.failed",
                calendar=copy.event.calendar,
                event_id=copy.event.event_id,
                status=err.status,
                reason=err.reason,
            )
            self._audit("purge", copy, result="failed")

    def _audit(self, action: str, copy: MarkedCopy, **extra: str | None) -> None:
        pair = pair_of(copy, self.ignore)
        entry: dict[str, str | None] = {
            "time": self.now.isoformat(),
            "action": action,
            "pair": pair.key if pair else None,
            "calendar": copy.event.calendar,
            "event_id": copy.event.event_id,
            "result": "ok",
            **extra,
        }
        self.store.audit(entry)
        structlog.get_logger().info(
            "audit.write", **{k: v for k, v in entry.items() if v is not None and k != "time"}
        )

    def _delete_hold(self, copy: MarkedCopy) -> None:
        calendar, event_id = copy.event.calendar, copy.event.event_id
        if self.dry_run:
            self.stats.planned.append(f"delete hold {event_id} on {calendar}")
            return
        try:
            self.provider_of(calendar).delete_event(calendar, event_id)
        except NotFound:
            return
        self.stats.holds += 1
        self._audit("purge_hold", copy)

    def _clean(self, copy: MarkedCopy) -> None:
        calendar, event_id = copy.event.calendar, copy.event.event_id
        provider = self.provider_of(calendar)
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                event = provider.read_event(calendar, event_id)
            except NotFound:
                return
            seen = MarkedCopy(event, copy.people)
            doc = event.markers.get(MARKER_AGENDA)
            attached = doc is not None and doc in event.attachments
            body = blocks.remove(event.body, event.body_type)
            clear: dict[str, str | None] = {k: None for k in MARKER_KEYS if k in event.markers}
            if self.dry_run:
                if attached:
                    self.stats.planned.append(f"detach agenda doc {doc} from {calendar} {event_id}")
                if body != event.body or clear:
                    self.stats.planned.append(
                        f"remove block and markers from {calendar} {event_id}"
                    )
                return
            try:
                if attached:
                    provider.detach_doc(calendar, event_id, doc or "", event.etag)
                    self.stats.attachments += 1
                    self._audit("purge_attachment", seen, doc=doc)
                    continue  # read again: the etag moved
                if body == event.body and not clear:
                    return
                provider.write_event(
                    calendar,
                    event_id,
                    etag=event.etag,
                    body=body if body != event.body else None,
                    markers=clear,
                )
            except Conflict:
                self.stats.conflicts += 1
                continue
            before = blocks.current_block(event.body, event.body_type)
            self.stats.copies += 1
            self._audit(
                "purge_block",
                seen,
                hash_before=blocks.block_hash(before)
                if before
                else event.markers.get(MARKER_BLOCK),
                hash_after=None,
            )
            return
        raise Conflict(provider.name, 412, "gave up after repeated conflicts", retryable=True)
