"""Apply planned actions through the providers: idempotent, safe to retry, never clobbering.

Every write is a read-modify-write with If-Match: on a 412 the event is read again, the managed
block merged into the person's latest text, and the write tried again (bounded). Markers left in
the calendar (block hash, agenda doc id, hold) make a repeated action a no-op even when Redis
was wiped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from syncer.core import agenda, blocks
from syncer.core.model import (
    Action,
    AppendAgendaSection,
    AttachAgenda,
    CreateHold,
    EnsureAgendaDoc,
    Pair,
    WithdrawHold,
    WriteBlock,
)
from syncer.core.snapshot import with_own_write
from syncer.engine import proposal_marker
from syncer.errors import Conflict, NotFound, ProviderError
from syncer.providers.base import (
    MARKER_AGENDA,
    MARKER_BLOCK,
    MARKER_HOLD,
    MARKER_PAIR,
    MARKER_PROPOSALS,
    DocRef,
    Provider,
)
from syncer.store import Store

MAX_CONFLICT_RETRIES = 5


def _block_markers(
    action: WriteBlock, block_marker: str | None, current: Mapping[str, str]
) -> dict[str, str | None]:
    """The markers one block write sets: the block hash and, on an instance, the proposals
    the block shows (dropped when it shows none and the marker is there). One write, so the
    marker can never disagree with the block."""
    markers: dict[str, str | None] = {MARKER_BLOCK: block_marker}
    if action.occurrence_start is not None:
        shown = proposal_marker.encode(action.content) if block_marker else None
        if shown is not None or MARKER_PROPOSALS in current:
            markers[MARKER_PROPOSALS] = shown
    return markers


@dataclass
class ApplyStats:
    writes: int = 0
    skipped: int = 0
    deferred: int = 0
    conflicts: int = 0
    failed: int = 0
    retryable_failures: int = 0  # of `failed`: worth trying again later
    gone: int = 0  # the target disappeared (404/410): skipped, its calendar re-read in full
    docs_created: int = 0
    holds_created: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class WriteBudget:
    """limits.max_writes_per_run: what is over the cap waits for the next run."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self) -> bool:
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def give_back(self) -> None:
        """The write taken was not made (a conflict to re-read, a hold already there, a target
        already gone): it does not count against the cap."""
        self.used -= 1


@dataclass
class Applier:
    store: Store
    provider_of: Callable[[str], Provider]  # calendar/person e-mail -> its provider
    timezone_of: Callable[[str], str]
    names: Mapping[str, str]
    template: agenda.Template
    budget: WriteBudget
    now: datetime
    stats: ApplyStats = field(default_factory=ApplyStats)

    def apply(self, action: Action) -> None:
        log = structlog.get_logger().bind(pair=action.pair.key, action=action.kind)
        try:
            wrote = self._dispatch(action)
        except NotFound as err:
            # Someone deleted the event (or occurrence) since the last pull; a write can only
            # fail again. Read that calendar in full next time, so the plan sees what is there
            # (Graph's silent deletes included), and go on.
            self.stats.gone += 1
            target = getattr(action, "calendar", None)
            log.info("apply.target_gone", status=err.status, calendar=target)
            if target:
                self.store.forget_cursor(target)
            self._audit(
                action,
                target or getattr(action, "owner", ""),
                getattr(action, "event_id", None) or "",
                result="gone",
                status=str(err.status) if err.status is not None else None,
            )
            return
        except ProviderError as err:
            self.stats.failed += 1
            self.stats.retryable_failures += int(err.retryable)
            log.warning(
                "apply.failed", status=err.status, reason=err.reason, retryable=err.retryable
            )
            target = getattr(action, "calendar", None) or getattr(action, "owner", None) or ""
            self._audit(
                action,
                target,
                getattr(action, "event_id", None) or "",
                result="failed",
                status=str(err.status) if err.status is not None else None,
            )
            return
        if wrote is None:
            self.stats.deferred += 1
            log.info("apply.deferred", limit=self.budget.limit)
        elif wrote:
            self.stats.writes += 1
            self.stats.by_kind[action.kind] = self.stats.by_kind.get(action.kind, 0) + 1
        else:
            self.stats.skipped += 1

    # Each handler returns True (wrote), False (nothing to do) or None (over the write budget).
    def _dispatch(self, action: Action) -> bool | None:
        if isinstance(action, EnsureAgendaDoc):
            return self._ensure_doc(action)
        if isinstance(action, AttachAgenda):
            return self._attach(action)
        if isinstance(action, AppendAgendaSection):
            return self._append_section(action)
        if isinstance(action, WriteBlock):
            return self._write_block(action)
        if isinstance(action, CreateHold):
            return self._create_hold(action)
        return self._withdraw_hold(action)

    def _audit(self, action: Action, calendar: str, event_id: str, **extra: str | None) -> None:
        """Every write (and every failed one) goes to the store's audit stream and to the
        structured log alike: ids and hashes only, never a body."""
        entry: dict[str, str | None] = {
            "time": self.now.isoformat(),
            "action": action.kind,
            "pair": action.pair.key,
            "calendar": calendar,
            "event_id": event_id,
            "result": "ok",
        }
        entry.update(extra)
        self.store.audit(entry)
        fields = {k: v for k, v in entry.items() if v is not None and k != "time"}
        structlog.get_logger().info("audit.write", **fields)

    def doc_of(self, pair: Pair) -> DocRef | None:
        stored = self.store.get_doc(pair.key)
        if stored is None:
            return None
        return DocRef(
            id=stored["id"],
            url=stored["url"],
            owner=stored["owner"],
            provider=stored["provider"],
            title=stored.get("title", ""),
        )

    def _ensure_doc(self, action: EnsureAgendaDoc) -> bool | None:
        """Find the pair's doc by its marker, else create it: never two docs for one pair."""
        provider = self.provider_of(action.owner)
        doc = provider.find_doc(action.owner, action.pair.key)
        created = False
        if doc is None:
            if not self.budget.take():
                return None
            names = tuple(self.names.get(p, p) for p in action.pair.people)
            others = [p for p in action.pair.people if p != action.owner]
            header = agenda.doc_header((names[0], names[1]))
            doc = provider.create_doc(action.owner, action.pair.key, action.title, header, others)
            self.stats.docs_created += 1
            created = True
            self._audit(action, action.owner, doc.id, doc=doc.id)
        self.store.put_doc(
            action.pair.key,
            {
                "id": doc.id,
                "url": doc.url,
                "owner": doc.owner,
                "provider": doc.provider,
                "title": doc.title,
            },
        )
        return created

    def _attach(self, action: AttachAgenda) -> bool | None:
        doc = self.doc_of(action.pair)
        if doc is None:
            return False
        provider = self.provider_of(action.calendar)
        # A Google event can carry a Drive file as an attachment; a doc on the other provider
        # (a mixed pair's copy) is linked from the managed block, and only the marker is set.
        attachable = provider.name == "google" and doc.provider == "google"
        for _ in range(MAX_CONFLICT_RETRIES):
            event = provider.read_event(action.calendar, action.event_id)
            if event.markers.get(MARKER_AGENDA) == doc.id and (
                not attachable or doc.id in event.attachments
            ):
                return False
            if not self.budget.take():
                return None
            try:
                if doc.provider == provider.name:
                    provider.attach_doc(action.calendar, action.event_id, doc, event.etag)
                else:
                    provider.write_event(
                        action.calendar,
                        action.event_id,
                        etag=event.etag,
                        body=None,
                        markers={MARKER_AGENDA: doc.id},
                    )
            except Conflict:
                self.stats.conflicts += 1
                self.budget.give_back()
                continue
            self._audit(action, action.calendar, action.event_id, doc=doc.id)
            self._remember(
                action.calendar,
                action.series_uid,
                occurrence_start=action.occurrence_start,
                markers={MARKER_AGENDA: doc.id},
                attachment=doc.id if attachable else None,
            )
            return True
        raise Conflict(provider.name, 412, "gave up after repeated conflicts", retryable=True)

    def _write_block(self, action: WriteBlock) -> bool | None:
        provider = self.provider_of(action.calendar)
        tz = self.timezone_of(action.calendar)
        event_id = action.event_id
        if action.occurrence_start is not None and self._is_series_id(action):
            event_id = provider.instance_id(action.calendar, event_id, action.occurrence_start)
        for _ in range(MAX_CONFLICT_RETRIES):
            event = provider.read_event(action.calendar, event_id)
            block = blocks.render(action.content, tz, event.body_type, self.names)
            body = blocks.merge(event.body, block, event.body_type)
            marker = action.content_hash if block else None
            markers = _block_markers(action, marker, event.markers)
            if body == event.body and all(event.markers.get(k) == v for k, v in markers.items()):
                return False
            if not self.budget.take():
                return None
            before = blocks.current_block(event.body, event.body_type)
            try:
                provider.write_event(
                    action.calendar,
                    event_id,
                    etag=event.etag,
                    body=body if body != event.body else None,
                    markers=markers,
                )
            except Conflict:
                # Someone edited the event since we read it: read their text again and re-merge.
                self.stats.conflicts += 1
                self.budget.give_back()
                continue
            self._audit(
                action,
                action.calendar,
                event_id,
                hash_before=blocks.block_hash(before) if before else None,
                hash_after=marker,
            )
            self._remember(
                action.calendar,
                action.series_uid,
                occurrence_start=action.occurrence_start,
                block_hash=marker,
                markers=None if action.occurrence_start else {MARKER_BLOCK: marker},
            )
            return True
        raise Conflict(provider.name, 412, "gave up after repeated conflicts", retryable=True)

    def _is_series_id(self, action: WriteBlock) -> bool:
        """Whether the action names the series (so the occurrence's id must be looked up)
        rather than the occurrence's own id, which the plan takes from a stored override:
        a fresh provider may not know that id, and Graph answers 400 to `/instances` of an
        occurrence (found by the fault suite's races)."""
        for series in self.store.series_of(action.calendar):
            if series.uid == action.series_uid:
                return series.event_id == action.event_id
        return True

    def _remember(self, calendar: str, series_uid: str, **write: Any) -> None:
        """Fold syncer's own write into the stored snapshot (see snapshot.with_own_write)."""
        for series in self.store.series_of(calendar):
            if series.uid == series_uid:
                self.store.put_series(calendar, with_own_write(series, **write))

    def _append_section(self, action: AppendAgendaSection) -> bool | None:
        doc = self.doc_of(action.pair)
        if doc is None:
            return False
        provider = self.provider_of(doc.owner)
        for _ in range(MAX_CONFLICT_RETRIES):
            current = provider.read_doc(doc)
            section = agenda.next_section(current.text, self.template, action.day)
            if section is None:
                self._remember_section(action)
                return False
            if not self.budget.take():
                return None
            try:
                provider.append_doc(doc, section, current.revision)
            except Conflict:
                self.stats.conflicts += 1
                self.budget.give_back()
                continue
            self._audit(action, doc.owner, doc.id, day=action.day.isoformat())
            self._remember_section(action)
            return True
        raise Conflict(provider.name, 412, "gave up after repeated conflicts", retryable=True)

    def _remember_section(self, action: AppendAgendaSection) -> None:
        stored = self.store.get_doc(action.pair.key)
        if stored is not None:
            last = stored.get("last_section")
            if last is None or last < action.day.isoformat():
                self.store.put_doc(
                    action.pair.key, {**stored, "last_section": action.day.isoformat()}
                )

    def _create_hold(self, action: CreateHold) -> bool | None:
        """The provider finds the hold before it makes one (no twin after a killed run); a
        hold found is recorded too, but is no write."""
        provider = self.provider_of(action.calendar)
        if not self.budget.take():
            return None
        # Until the new hold is recorded, the store's list is not known complete: a run killed
        # in between looks the holds up on the calendars (engine.state), so it neither counts
        # its own hold as busy time nor makes a second one.
        known = self._holds_known(action.pair, False)
        hold = provider.create_hold(
            action.calendar,
            action.start,
            action.end,
            action.title,
            "",
            {MARKER_PAIR: action.pair.key, MARKER_HOLD: action.proposal_for.isoformat()},
        )
        self._remember_hold(action.pair, hold.__dict__, drop=None, known=known)
        if not hold.created:
            self.budget.give_back()
            return False
        self.stats.holds_created += 1
        self._audit(action, action.calendar, hold.event_id)
        return True

    def _withdraw_hold(self, action: WithdrawHold) -> bool | None:
        provider = self.provider_of(action.calendar)
        if not self.budget.take():
            return None
        try:
            provider.delete_event(action.calendar, action.event_id)
        except NotFound:
            self.budget.give_back()
            self._remember_hold(action.pair, None, drop=action.event_id)
            return False
        self._remember_hold(action.pair, None, drop=action.event_id)
        self._audit(action, action.calendar, action.event_id)
        return True

    def _holds_known(self, pair: Pair, known: bool) -> bool:
        """Set whether the store's list of the pair's holds is complete; the previous value."""
        state = self.store.get_pair_state(pair.key) or {}
        before = bool(state.get("holds_known"))
        if before != known:
            self.store.put_pair_state(pair.key, {**state, "holds_known": known})
        return before

    def _remember_hold(
        self,
        pair: Pair,
        hold: Mapping[str, object] | None,
        drop: str | None,
        known: bool | None = None,
    ) -> None:
        """Record a hold made (`hold`) or gone (`drop`); `known` also sets, in the same write,
        whether the list is complete (see `_create_hold`)."""
        state = self.store.get_pair_state(pair.key) or {}
        if known is not None:
            state["holds_known"] = known
        holds = [h for h in state.get("holds", []) if h.get("event_id") != drop]
        if hold is not None:
            holds.append(
                {
                    "calendar": hold["calendar"],
                    "event_id": hold["event_id"],
                    "start": hold["start"].isoformat(),  # type: ignore[attr-defined]
                    "end": hold["end"].isoformat(),  # type: ignore[attr-defined]
                    "proposal_for": hold["proposal_for"].isoformat(),  # type: ignore[attr-defined]
                }
            )
        state["holds"] = holds
        self.store.put_pair_state(pair.key, state)
