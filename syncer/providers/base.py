"""The provider protocol: what the engine needs from Google or Microsoft, and nothing more.

A provider speaks one vendor's wire format and parses every payload into the model right at the
edge: nothing past a provider sees a raw dict. Errors leave a provider only as the exceptions of
`syncer.errors` (`Conflict` on 412, `CursorExpired` on 410 / syncStateNotFound, `NotFound`,
`ProviderError` with `retryable` and `retry_after`). Both providers pass `tests/contract/`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from syncer.core.model import (
    BodyType,
    BusyInterval,
    Change,
    EventRemoved,
    OverrideChanged,
    ProviderName,
    SeriesChanged,
)
from syncer.core.people import DirectoryPerson

__all__ = ["Change", "DirectoryPerson", "EventRemoved", "OverrideChanged", "SeriesChanged"]

# Marker keys syncer leaves on the event copies it touches (Google extendedProperties.private,
# Graph single-value extended properties). The calendar itself is the source of truth: with these,
# losing Redis costs a resync, never a duplicate.
MARKER_AGENDA = "syncer_agenda"  # agenda doc id
MARKER_BLOCK = "syncer_block"  # hash of the managed block syncer last wrote
MARKER_PAIR = "syncer_pair"  # pair key, on holds and docs
MARKER_HOLD = "syncer_hold"  # proposal_for (ISO, UTC) on a hold syncer created
# The proposals an instance's block shows: {"for": iso, "slots": [iso, ...]} (UTC), written in
# the same write as the block, so proposals people have seen survive a loss of Redis.
MARKER_PROPOSALS = "syncer_proposals"
MARKER_KEYS = (  # every key syncer sets
    MARKER_AGENDA,
    MARKER_BLOCK,
    MARKER_PAIR,
    MARKER_HOLD,
    MARKER_PROPOSALS,
)


@dataclass(frozen=True)
class PullResult:
    """What one pull of one calendar found. `full`: replace the local snapshot, do not merge."""

    calendar: str
    changes: tuple[Change, ...]
    cursor: str
    full: bool
    skipped: int = 0  # malformed items, logged by id by the provider and skipped
    calls: int = 0


@dataclass(frozen=True)
class EventBody:
    """The part of one event copy syncer read-modify-writes, with its concurrency token."""

    calendar: str
    event_id: str
    etag: str
    body: str
    body_type: BodyType
    markers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarkedCopy:
    """An event copy that carries something of syncer's (a marker, a managed block or both),
    as `find_marked` lists them for a purge. `people`: organiser and attendees, rooms left out,
    lower-cased (so a purge can keep to one pair)."""

    event: EventBody
    people: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DocRef:
    """The pair's agenda document."""

    id: str
    url: str
    owner: str
    provider: ProviderName
    title: str = ""


@dataclass(frozen=True)
class DocText:
    text: str
    revision: str


@dataclass(frozen=True)
class HoldRef:
    calendar: str
    event_id: str
    start: datetime
    end: datetime
    pair_key: str
    proposal_for: datetime
    # create_hold's answer: True when that call made the hold, False when it found it there.
    created: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ChannelRef:
    """A push channel (Google events.watch) or subscription (Graph) on one calendar.

    `id` is ours on Google (a UUID we chose) and the vendor's on Graph (subscription id);
    `resource_id` is what the vendor needs besides `id` to stop it (Google's resourceId, Graph's
    resource path). Notifications say only *that* the calendar changed: the answer is a pull."""

    provider: ProviderName
    calendar: str
    id: str
    resource_id: str
    expiration: datetime


class Provider(Protocol):
    """One vendor's calendars, documents and free/busy, for the people it hosts."""

    name: ProviderName

    def pull(self, calendar: str, cursor: str | None) -> PullResult:
        """Full pull without a cursor, incremental with one; raises CursorExpired when the
        vendor refuses the cursor (the engine then clears the calendar and pulls in full)."""
        ...

    def read_event(self, calendar: str, event_id: str) -> EventBody: ...

    def instance_id(self, calendar: str, event_id: str, original_start: datetime) -> str:
        """The id, on `calendar`, of the occurrence of series `event_id` that the rule put at
        `original_start` (UTC); an id that already names an occurrence is returned as is."""
        ...

    def write_event(
        self,
        calendar: str,
        event_id: str,
        *,
        etag: str,
        body: str | None,
        markers: Mapping[str, str | None],
    ) -> EventBody:
        """Write the body (None: leave it) and markers (None value: delete the marker) with
        If-Match on `etag`; raises Conflict on 412. Never notifies attendees where the vendor
        lets us choose (Google sendUpdates=none)."""
        ...

    def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """Busy intervals (UTC) of each person in one call."""
        ...

    def find_doc(self, owner: str, pair_key: str) -> DocRef | None: ...

    def create_doc(
        self, owner: str, pair_key: str, title: str, text: str, share_with: Sequence[str]
    ) -> DocRef: ...

    def read_doc(self, doc: DocRef) -> DocText: ...

    def append_doc(self, doc: DocRef, text: str, revision: str) -> None:
        """Append `text` at the end; raises Conflict when the doc changed since `revision`."""
        ...

    def attach_doc(self, calendar: str, event_id: str, doc: DocRef, etag: str) -> EventBody: ...

    def create_hold(
        self,
        calendar: str,
        start: datetime,
        end: datetime,
        title: str,
        body: str,
        markers: Mapping[str, str],
    ) -> HoldRef:
        """The hold for this pair, slot and proposal: made now (`created`), or the one already
        there (a re-run makes no twin)."""
        ...

    def find_holds(self, calendar: str, pair_key: str) -> list[HoldRef]: ...

    def find_marked(self, calendar: str) -> list[MarkedCopy]:
        """Every event copy on `calendar` (series, single events, changed occurrences) with a
        syncer marker or a managed block: what a purge undoes, found in the calendar itself."""
        ...

    def detach_doc(self, calendar: str, event_id: str, doc_id: str, etag: str) -> EventBody:
        """Take the agenda doc off the event's attachments and drop the agenda marker, with
        If-Match on `etag` (Conflict on 412); the doc itself stays. No mail."""
        ...

    def delete_event(self, calendar: str, event_id: str) -> None: ...

    def watch(self, calendar: str, address: str, token: str, ttl: timedelta) -> ChannelRef:
        """Ask the vendor to POST to `address` whenever `calendar` changes, for about `ttl`
        (the vendor may shorten it: read `expiration`). `token` comes back with every
        notification (Google X-Goog-Channel-Token, Graph clientState): keep it secret."""
        ...

    def stop_watch(self, ref: ChannelRef) -> None:
        """Stop a channel; one already gone counts as stopped."""
        ...

    def list_people(self) -> list[DirectoryPerson]:
        """Every account of the vendor's directory with its manager, team, aliases and (where
        the vendor tells) zone, suspended/disabled ones marked inactive: the org chart of
        `people_source: google_directory | microsoft_directory`. Reads every page; the engine
        caches the answer, so this runs about once an hour per org, not once per job."""
        ...
