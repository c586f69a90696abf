"""What `plan` knows about one pair, gathered by the engine: a plain value, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from syncer.core.detect import PairSeries
from syncer.core.history import PairHistory
from syncer.core.model import BusyInterval, Pair, Person, Series


@dataclass(frozen=True)
class AgendaRef:
    """The pair's agenda doc, as the store or a calendar marker knows it."""

    doc_id: str
    url: str
    last_section: date | None = None  # day of the latest dated section in the doc


@dataclass(frozen=True)
class HoldRef:
    """A tentative hold syncer created on one person's calendar (found by its marker)."""

    calendar: str
    event_id: str
    start: datetime
    end: datetime
    proposal_for: datetime


@dataclass(frozen=True)
class PairState:
    """Everything `plan` knows about one pair. `people` are in pair order (a, b)."""

    pair: Pair
    people: tuple[Person, Person]
    series: tuple[PairSeries, ...]
    history: PairHistory
    agenda: AgendaRef | None = None
    busy: tuple[BusyInterval, ...] | None = None  # None: not fetched
    holds: tuple[HoldRef, ...] = ()
    writable: frozenset[str] = frozenset()
    # Proposals syncer made before, per affected occurrence (original start): kept while valid.
    previous_proposals: Mapping[datetime, tuple[datetime, ...]] = field(default_factory=dict)
    # The pair's calendars syncer reads but has not pulled yet (first run, or Redis lost its
    # state): what the store says of the pair is then incomplete, not empty.
    unread: frozenset[str] = frozenset()


def external_person(email: str, like: Person) -> Person:
    """A stand-in for a guest outside the org: the internal person's zone and hours.

    Syncer never writes their calendar (it is not in `writable`), and cannot see their busy
    time, so proposals only respect what it knows.
    """
    return Person(
        email=email.lower(),
        provider=like.provider,
        timezone=like.timezone,
        working_hours=like.working_hours,
    )


def display_name(p: Person) -> str:
    """How actions and hold titles name a person: their name, else their mailbox."""
    return p.name or p.email.split("@", 1)[0]


def live_series(state: PairState) -> list[PairSeries]:
    """Series not deleted that still have an upcoming occurrence, oldest first."""
    upcoming = state.history.upcoming_series
    live = [ps for ps in state.series if not ps.deleted and ps.uid in upcoming]
    return sorted(live, key=lambda ps: (ps.canonical.start, ps.uid))


def current_series(state: PairState) -> PairSeries | None:
    """The series of the next occurrence, else the latest live one."""
    live = live_series(state)
    nxt = state.history.next_occurrence
    if nxt is not None:
        for ps in live:
            if ps.uid == nxt.series_uid:
                return ps
    return live[-1] if live else None


def write_targets(ps: PairSeries, writable: frozenset[str]) -> tuple[Series, ...]:
    """The copies of a series syncer writes to.

    A copy on the organiser's own provider shares its description and attachments with the
    organiser's copy: Google shows the organiser's change on every attendee's copy, and Exchange
    carries an organiser's body to the attendees' copies. Writing each of those copies too would
    make them fight over one description, so there only the organiser's copy is written. A copy
    on another provider (a mixed Google/Microsoft pair) never receives the organiser's change,
    because syncer mails nobody, so it is written on its own.
    """
    mine = [c for c in ps.copies if c.calendar.lower() in writable]
    organizers = [c for c in mine if c.calendar.lower() == ps.organizer]
    if not organizers:
        if ps.organizer in writable:
            # The organiser's calendar is ours but its copy is not read yet (a failed or lost
            # pull): wait for it rather than write copies it would overwrite or make redundant.
            return ()
        return tuple(mine)
    shared = organizers[0].provider
    return tuple(c for c in mine if c is organizers[0] or c.provider != shared)
