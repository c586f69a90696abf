"""The words of syncer: people, series, occurrences, pairs, actions. Provider-neutral, frozen.

Every datetime is aware. Instants are kept in UTC; a series keeps its own IANA zone because its
recurrence is expanded on the wall clock of that zone (so a 10:00 meeting stays at 10:00 across
DST). Nothing here does I/O; providers parse wire payloads into these types at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal, TypeAlias

ProviderName: TypeAlias = Literal["google", "microsoft"]
Response: TypeAlias = Literal["needsAction", "accepted", "tentative", "declined"]
EventType: TypeAlias = Literal[
    "default", "outOfOffice", "focusTime", "workingLocation", "birthday", "fromGmail", "other"
]
BodyType: TypeAlias = Literal["text", "html"]
Mode: TypeAlias = Literal["observe", "propose", "full"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class WorkingHours:
    """A person's working hours on their own wall clock, Monday first.

    `days[i]` is `(start, end)` for weekday i (0 = Monday) or None for a day off.
    """

    days: tuple[tuple[time, time] | None, ...] = (
        (time(9), time(17)),
        (time(9), time(17)),
        (time(9), time(17)),
        (time(9), time(17)),
        (time(9), time(17)),
        None,
        None,
    )

    def on(self, day: date) -> tuple[time, time] | None:
        return self.days[day.weekday()]


@dataclass(frozen=True)
class Person:
    email: str
    provider: ProviderName
    timezone: str  # IANA
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    manager: str | None = None
    start_date: date | None = None
    opt_out: bool = False
    aliases: frozenset[str] = frozenset()
    name: str | None = None
    team: str | None = None


# --------------------------------------------------------------------------------------------
# Calendars: series and their occurrences


@dataclass(frozen=True)
class Attendee:
    email: str  # lower-cased
    response: Response = "needsAction"
    organizer: bool = False
    resource: bool = False  # rooms and equipment
    optional: bool = False


@dataclass(frozen=True)
class RRuleRecurrence:
    """RFC 5545 lines as Google sends them: `RRULE:...`, `EXDATE;TZID=...:...`, `RDATE...`."""

    lines: tuple[str, ...]


PatternType: TypeAlias = Literal[
    "daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"
]
RangeType: TypeAlias = Literal["endDate", "noEnd", "numbered"]
WeekIndex: TypeAlias = Literal["first", "second", "third", "fourth", "last"]


@dataclass(frozen=True)
class PatternedRecurrence:
    """Microsoft Graph's patternedRecurrence, field for field (zone names already IANA)."""

    type: PatternType
    interval: int = 1
    days_of_week: tuple[str, ...] = ()  # "monday", ... as Graph spells them
    first_day_of_week: str = "sunday"
    index: WeekIndex = "first"
    day_of_month: int = 0
    month: int = 0
    range_type: RangeType = "noEnd"
    start_date: date | None = None
    end_date: date | None = None
    number_of_occurrences: int = 0
    recurrence_time_zone: str | None = None  # IANA


Recurrence: TypeAlias = RRuleRecurrence | PatternedRecurrence


@dataclass(frozen=True)
class OccurrenceOverride:
    """An exception to a series: one instance cancelled, moved or changed (e.g. a response).

    `original_start` (UTC) identifies the instance the rule would have produced.
    """

    original_start: datetime
    cancelled: bool = False
    start: datetime | None = None  # new start (UTC) when moved or changed
    end: datetime | None = None
    attendees: tuple[Attendee, ...] | None = None  # None: same as the series
    event_id: str | None = None  # the instance's own id on this calendar, when known
    etag: str | None = None
    block_hash: str | None = None
    # syncer's private properties on this instance (e.g. the proposals its block shows), so a
    # run after Redis was lost reads them back from the calendar; not part of the hash.
    markers: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Series:
    """One copy of a recurring (or single) event as one calendar sees it.

    `uid` is the iCalUID: the same on every attendee's copy and across providers, so it is the
    key that makes two copies one series. `calendar` is the owner of this copy.
    """

    uid: str
    calendar: str
    provider: ProviderName
    event_id: str
    title: str
    organizer: str
    attendees: tuple[Attendee, ...]
    start: datetime  # aware, in `timezone`; the first occurrence (DTSTART)
    end: datetime
    timezone: str  # IANA; the recurrence is expanded on this wall clock
    recurrence: Recurrence | None = None
    overrides: tuple[OccurrenceOverride, ...] = ()
    cancelled: bool = False  # the whole series was deleted
    all_day: bool = False
    event_type: EventType = "default"
    private: bool = False
    etag: str | None = None
    updated: datetime | None = None
    body_type: BodyType = "text"
    block_hash: str | None = None  # hash of the managed block found in the body, if any
    opt_out_keyword: bool = False  # the body carries the opt-out keyword
    markers: Mapping[str, str] = field(default_factory=dict)  # syncer's private properties
    attachments: tuple[str, ...] = ()  # file ids attached

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def recurring(self) -> bool:
        return self.recurrence is not None

    def __hash__(self) -> int:
        return hash((self.uid, self.calendar, self.event_id, self.etag))


@dataclass(frozen=True)
class Occurrence:
    """One expanded instance of a series: where it is now and who said what.

    `original_start` (UTC) is the slot the rule produced; `start`/`end` (UTC) where it is now.
    """

    series_uid: str
    original_start: datetime
    start: datetime
    end: datetime
    cancelled: bool = False
    moved: bool = False
    attendance: tuple[Attendance, ...] = ()
    event_id: str | None = None

    def response_of(self, email: str) -> Response:
        for a in self.attendance:
            if a.email == email:
                return a.response
        return "needsAction"


@dataclass(frozen=True)
class Attendance:
    email: str
    response: Response


@dataclass(frozen=True, order=True)
class BusyInterval:
    start: datetime  # UTC
    end: datetime


# --------------------------------------------------------------------------------------------
# Pairs


@dataclass(frozen=True, order=True)
class Pair:
    """Two people, in a canonical order (sorted e-mails), so (a, b) and (b, a) are one pair."""

    a: str
    b: str

    @staticmethod
    def of(x: str, y: str) -> Pair:
        x, y = x.lower(), y.lower()
        return Pair(*sorted((x, y)))  # type: ignore[arg-type]

    @property
    def key(self) -> str:
        return f"{self.a}|{self.b}"

    @property
    def people(self) -> tuple[str, str]:
        return (self.a, self.b)


OutcomeKind: TypeAlias = Literal["held", "upcoming", "cancelled", "declined", "deleted"]


@dataclass(frozen=True)
class Outcome:
    """What became of one expected occurrence of a pair's 1:1."""

    series_uid: str
    original_start: datetime
    start: datetime
    end: datetime
    kind: OutcomeKind
    moved: bool = False
    declined_by: str | None = None
    event_id: str | None = None


# --------------------------------------------------------------------------------------------
# Policy (built from the admin config by syncer.config; the core never reads files)


@dataclass(frozen=True)
class DetectionRules:
    min_minutes: int = 10
    max_minutes: int = 90
    title_include: tuple[str, ...] = ()  # regexes; empty = any title
    title_exclude: tuple[str, ...] = ("(?i)interview",)
    allow_external: bool = False
    domains: tuple[str, ...] = ()
    service_accounts: tuple[str, ...] = ()  # syncer's own accounts, folded like rooms


@dataclass(frozen=True)
class ReschedulePolicy:
    window_days: int = 7
    proposals: int = 3
    hold: bool = False
    min_notice_hours: int = 4
    step_minutes: int = 15


@dataclass(frozen=True)
class Policy:
    max_gap_days: int = 21
    new_hire_days: int = 90
    new_hire_max_gap_days: int = 10
    reschedule: ReschedulePolicy = field(default_factory=ReschedulePolicy)
    holidays: frozenset[date] = frozenset()
    team_max_gap_days: Mapping[str, int] = field(default_factory=dict)  # team -> limit
    mode: Mode = "full"
    opt_out_keyword: str = "#no-syncer"
    lookback_days: int = 90  # how far back history counts cancellations for the report


# --------------------------------------------------------------------------------------------
# What syncer shows people, and what it decides to do


@dataclass(frozen=True)
class BlockContent:
    """What the managed block says, provider- and zone-neutral (rendered by core.blocks).

    `proposals` are UTC starts of proposed slots of `proposal_minutes`, for the cancelled or
    declined occurrence that started at `proposal_for` (UTC).
    """

    agenda_url: str | None = None
    overdue_days: int | None = None  # set: an overdue alert is shown
    limit_days: int | None = None
    proposal_for: datetime | None = None
    proposal_kind: OutcomeKind | None = None
    proposals: tuple[datetime, ...] = ()
    proposal_minutes: int = 30

    @property
    def empty(self) -> bool:
        return self.agenda_url is None and self.overdue_days is None and not self.proposals


@dataclass(frozen=True)
class EnsureAgendaDoc:
    """Find (by its pair marker) or create the pair's agenda doc, owned by `owner`, shared
    with both."""

    pair: Pair
    owner: str
    provider: ProviderName
    title: str
    kind: Literal["ensure_agenda_doc"] = "ensure_agenda_doc"


@dataclass(frozen=True)
class AttachAgenda:
    """Attach the pair's agenda doc to a series copy (Google attachment + marker), or to one
    of its exceptions (`occurrence_start`: the instance's original start, UTC)."""

    pair: Pair
    calendar: str
    event_id: str
    series_uid: str
    occurrence_start: datetime | None = None
    kind: Literal["attach_agenda"] = "attach_agenda"


@dataclass(frozen=True)
class AppendAgendaSection:
    """Append the dated section for the occurrence on `day` (idempotent: by its heading)."""

    pair: Pair
    day: date
    series_uid: str
    kind: Literal["append_agenda_section"] = "append_agenda_section"


@dataclass(frozen=True)
class WriteBlock:
    """Make the managed block of one event copy say `content` (insert, replace or remove if empty).

    `event_id` is the series master's or one instance's id on `calendar`.
    `content_hash` is what the block marker must read afterwards; equal hash = nothing to do.
    """

    pair: Pair
    calendar: str
    event_id: str
    series_uid: str
    content: BlockContent
    content_hash: str
    occurrence_start: datetime | None = None  # set when the target is one instance
    kind: Literal["write_block"] = "write_block"


@dataclass(frozen=True)
class CreateHold:
    """A tentative hold for a proposed slot on one person's own calendar (no invitation mail)."""

    pair: Pair
    calendar: str
    start: datetime
    end: datetime
    proposal_for: datetime
    title: str
    kind: Literal["create_hold"] = "create_hold"


@dataclass(frozen=True)
class WithdrawHold:
    pair: Pair
    calendar: str
    event_id: str
    kind: Literal["withdraw_hold"] = "withdraw_hold"


Action: TypeAlias = (
    EnsureAgendaDoc | AttachAgenda | AppendAgendaSection | WriteBlock | CreateHold | WithdrawHold
)


# --------------------------------------------------------------------------------------------
# What a pull of one calendar brings (providers produce these; core.snapshot folds them)


@dataclass(frozen=True)
class SeriesChanged:
    """A series master or a single event, new or changed. In a full pull it carries every
    override the provider saw; in an incremental pull overrides arrive as `OverrideChanged`."""

    series: Series


@dataclass(frozen=True)
class OverrideChanged:
    """One instance of a recurring series was cancelled, moved or changed."""

    master_event_id: str
    override: OccurrenceOverride


@dataclass(frozen=True)
class EventRemoved:
    """An event (single event or whole series) is gone from this calendar."""

    event_id: str


Change: TypeAlias = SeriesChanged | OverrideChanged | EventRemoved
