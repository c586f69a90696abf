"""Which series are 1:1s, and who the two people are.

Calendars hand us copies of events, one per calendar that can see them. A 1:1 is a recurring
meeting of exactly two people; everything else (team meetings, focus time, all-day events,
private events, interviews) is ignored. The same meeting on both people's calendars, even one
on Google and one on Microsoft, shares its iCalUID and so becomes ONE `PairSeries`.

Rules, in the order they are checked for one uid (all copies of it together):

- the copy we trust (`canonical`) is the organiser's own copy when we have it, else the copy of
  the first calendar in sorted order; recurrence, duration, title and type are read from it;
- it is recurring, an ordinary meeting (`event_type == "default"`), not all-day;
- no copy is private (private events are never touched) and no copy carries the opt-out keyword;
- the people are the organiser plus every attendee, folded: rooms and resources
  (`Attendee.resource` or `@resource.calendar.google.com`) and syncer's own service accounts
  drop out, aliases become the person they belong to, e-mails are compared lower-cased. A
  declined attendee still counts (a declined occurrence is a cancellation, not a non-1:1), and
  an organiser not listed among the attendees (as Graph sends it) still counts;
- exactly two distinct people remain, neither opted out;
- the duration is within [min_minutes, max_minutes];
- the title matches one include pattern (none configured = any) and no exclude pattern;
- at least one of the two is a known person (someone whose calendar syncer reads), and each is
  known or in the org's domains, unless external guests are allowed; an external person is
  listed in `PairSeries.external` so nothing is written on their calendar.

A series deleted by its organiser (`canonical.cancelled`) is KEPT (see `PairSeries.deleted`):
its held occurrences are part of the pair's history and its deletion is a cancellation.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from syncer.core.frozen import positional_constructor
from syncer.core.model import (
    Attendee,
    DetectionRules,
    OccurrenceOverride,
    Pair,
    Person,
    Response,
    Series,
)

ROOM_DOMAIN = "@resource.calendar.google.com"
_NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PairSeries:
    """One 1:1 series of a pair, merged across every calendar copy we saw.

    `merged` is `canonical` with its attendees reduced to the two people (folded e-mails) and
    their answers merged from every copy: each person's own copy wins for that person, an
    answer about one occurrence wins over an answer about the whole series. Expand `merged` to
    learn what happened to each occurrence; write to `copies`.
    """

    pair: Pair
    uid: str
    canonical: Series
    copies: tuple[Series, ...]
    merged: Series
    organizer: str  # folded e-mail of the organiser (one of the pair)
    external: frozenset[str] = frozenset()  # people of the pair whose calendar is not ours

    @property
    def deleted(self) -> bool:
        return self.canonical.cancelled

    def copy_on(self, calendar: str) -> Series | None:
        for c in self.copies:
            if c.calendar.lower() == calendar.lower():
                return c
        return None

    def response_of(self, email: str, original_start: datetime | None = None) -> Response:
        """The merged answer of `email` for the series, or for one occurrence."""
        attendees = self.merged.attendees
        if original_start is not None:
            for o in self.merged.overrides:
                if o.original_start == original_start and o.attendees is not None:
                    attendees = o.attendees
        for a in attendees:
            if a.email == email:
                return a.response
        return "needsAction"


class _Folder:
    """Maps any e-mail to the person it belongs to, or None when it is not a person."""

    def __init__(self, people: Mapping[str, Person], rules: DetectionRules) -> None:
        self.people = {p.email.lower(): p for p in people.values()}
        self.alias = {a.lower(): p.email.lower() for p in people.values() for a in p.aliases}
        self.service = {s.lower() for s in rules.service_accounts}
        self.folded: dict[str, str] = {}  # every e-mail of an org is folded many times

    def email(self, email: str) -> str:
        folded = self.folded.get(email)
        if folded is None:
            e = email.strip().lower()
            folded = self.folded[email] = self.alias.get(e, e)
        return folded

    def person(self, email: str, *, resource: bool = False) -> str | None:
        e = self.email(email)
        if resource or e.endswith(ROOM_DOMAIN) or e in self.service:
            return None
        return e


def _canonical(copies: list[Series], fold: _Folder) -> Series:
    for c in copies:
        if fold.email(c.calendar) == fold.email(c.organizer):
            return c
    return copies[0]


def _people(copies: list[Series], fold: _Folder) -> set[str]:
    found: set[str] = set()
    for c in copies:
        org = fold.person(c.organizer)
        if org:
            found.add(org)
        for a in c.attendees:
            p = fold.person(a.email, resource=a.resource)
            if p:
                found.add(p)
    return found


def _domain_ok(email: str, rules: DetectionRules) -> bool:
    domain = email.rsplit("@", 1)[-1]
    return any(domain == d.lower().lstrip("@") for d in rules.domains)


def _title_ok(title: str, rules: DetectionRules) -> bool:
    if rules.title_include and not any(re.search(p, title) for p in rules.title_include):
        return False
    return not any(re.search(p, title) for p in rules.title_exclude)


def _shape_ok(s: Series, rules: DetectionRules) -> bool:
    if not s.recurring or s.all_day or s.event_type != "default":
        return False
    minutes = s.duration.total_seconds() / 60
    return rules.min_minutes <= minutes <= rules.max_minutes and _title_ok(s.title, rules)


def find_pairs(
    series: Iterable[Series], people: Mapping[str, Person], rules: DetectionRules
) -> list[PairSeries]:
    """Every 1:1 series among `series` (copies from any calendars), one per uid, sorted.

    `people` maps e-mail -> Person for everyone whose calendar syncer reads.
    """
    fold = _Folder(people, rules)
    by_uid: dict[str, dict[str, Series]] = {}
    for s in series:
        per_calendar = by_uid.setdefault(s.uid, {})
        cal = fold.email(s.calendar)
        kept = per_calendar.get(cal)
        if kept is None or _newer(s, kept):
            per_calendar[cal] = s
    found: list[PairSeries] = []
    for uid in sorted(by_uid):
        copies = [by_uid[uid][cal] for cal in sorted(by_uid[uid])]
        ps = _pair_series(uid, copies, fold, rules)
        if ps is not None:
            found.append(ps)
    found.sort(key=lambda p: (p.pair.a, p.pair.b, p.uid))  # Pair orders by (a, b)
    return found


def _newer(a: Series, b: Series) -> bool:
    """Two copies on one calendar (a duplicate in the input): keep the later one, stably."""
    ka = (a.updated is not None, a.updated or datetime.min, a.event_id)
    kb = (b.updated is not None, b.updated or datetime.min, b.event_id)
    if ka[0] != kb[0]:
        return ka[0]
    if ka[0] and a.updated != b.updated:
        return a.updated > b.updated  # type: ignore[operator]
    return a.event_id > b.event_id


def _pair_series(
    uid: str, copies: list[Series], fold: _Folder, rules: DetectionRules
) -> PairSeries | None:
    canonical = _canonical(copies, fold)
    if not _shape_ok(canonical, rules):
        return None
    if any(c.private or c.opt_out_keyword for c in copies):
        return None
    found = _people(copies, fold)
    if len(found) != 2:
        return None
    if any(fold.people[p].opt_out for p in found if p in fold.people):
        return None
    known = {p for p in found if p in fold.people}
    if not known:
        return None
    external = frozenset(found - known) if len(known) < len(found) else _NOBODY
    if not rules.allow_external and not all(_domain_ok(p, rules) for p in external):
        return None
    a, b = sorted(found)
    pair = Pair(a, b)
    organizer = fold.email(canonical.organizer)
    if organizer not in found:  # organised by a room or syncer itself: take the first person
        organizer = a
    merged = _merge(pair, canonical, copies, fold, organizer)
    return PairSeries(
        pair=pair,
        uid=uid,
        canonical=canonical,
        copies=tuple(copies),
        merged=merged,
        organizer=organizer,
        external=external,
    )


# --------------------------------------------------------------------------------------------
# Merging the answers of every copy


def _merge(
    pair: Pair, canonical: Series, copies: list[Series], fold: _Folder, organizer: str
) -> Series:
    """`canonical` with attendees = the two people and their merged answers.

    Series level: own copy (a deleted own copy of a non-organiser = declined, unless the
    organiser's copy is deleted too: the series ended), then the other copies, canonical
    first; an organiser nobody lists has accepted. Occurrence level: own
    copy's override (cancelled on a non-organiser's own copy while the organiser's copy says
    nothing = declined), then other copies' overrides, then the series-level answer.
    Cancellations and moves come from the canonical copy, else from any copy that has them.
    """
    own = {fold.email(c.calendar): c for c in copies}
    have_organizer_copy = organizer in own
    # An attendee's deleted copy is their "no" only while the organiser's copy lives on: when
    # the organiser deleted the series, every copy goes, and nobody declined anything.
    attendee_deletion_declines = have_organizer_copy and not own[organizer].cancelled
    others = [canonical] + [c for c in copies if c is not canonical]
    other_cals = [(fold.email(c.calendar), c) for c in others]
    answers = _Answers(fold)
    a, b = pair.people
    pairs_of: dict[tuple[Response, Response], tuple[Attendee, ...]] = {}

    def _attendees(answer_a: Response, answer_b: Response) -> tuple[Attendee, ...]:
        """The pair as attendees, one shared tuple per pair of answers (they are frozen)."""
        found = pairs_of.get((answer_a, answer_b))
        if found is None:
            found = pairs_of[answer_a, answer_b] = (
                Attendee(email=a, response=answer_a, organizer=a == organizer),
                Attendee(email=b, response=answer_b, organizer=b == organizer),
            )
        return found

    def series_answer(p: str) -> Response:
        c = own.get(p)
        if c is not None:
            if c.cancelled and p != organizer and attendee_deletion_declines:
                return "declined"
            r = answers.of(c.attendees).get(p)
            if r is not None:
                return r
        for c in others:
            r = answers.of(c.attendees).get(p)
            if r is not None:
                return r
        return "accepted" if p == organizer else "needsAction"

    base = {a: series_answer(a), b: series_answer(b)}

    overrides: dict[datetime, dict[str, OccurrenceOverride]] = {}
    for cal, c in own.items():
        for o in c.overrides:
            overrides.setdefault(o.original_start, {})[cal] = o

    def occurrence_answer(p: str, per_copy: dict[str, OccurrenceOverride]) -> Response:
        mine = per_copy.get(p)
        if mine is not None:
            if mine.cancelled and p != organizer and have_organizer_copy:
                org = per_copy.get(organizer)
                if org is None or not org.cancelled:
                    return "declined"
            r = answers.of(mine.attendees).get(p)
            if r is not None:
                return r
        for cal, _ in other_cals:
            o = per_copy.get(cal)
            if o is not None and o is not mine:
                r = answers.of(o.attendees).get(p)
                if r is not None:
                    return r
        return base[p]

    merged_overrides: list[OccurrenceOverride] = []
    canonical_cal = fold.email(canonical.calendar)
    make = _new_override
    for original_start in sorted(overrides):
        per_copy = overrides[original_start]
        first = per_copy.get(canonical_cal)
        if have_organizer_copy:
            cancelled = first is not None and first.cancelled
        else:
            cancelled = any(o.cancelled for o in per_copy.values())
        moved = first if first is not None and first.start is not None else None
        if moved is None:
            moved = next((per_copy[k] for k in sorted(per_copy) if per_copy[k].start), None)
        merged_overrides.append(
            make(
                original_start,
                cancelled,
                moved.start if moved else None,
                moved.end if moved else None,
                _attendees(occurrence_answer(a, per_copy), occurrence_answer(b, per_copy)),
                first.event_id if first else None,
                first.etag if first else None,
                first.block_hash if first else None,
                {},  # the markers of the merged instance: none (the copies keep their own)
            )
        )
    return dataclasses.replace(
        canonical,
        organizer=organizer,
        attendees=_attendees(base[a], base[b]),
        overrides=tuple(merged_overrides),
    )


class _Answers:
    """Each attendee list's answers by folded e-mail (the first listing wins), read once.

    Keyed by identity: the lists belong to the copies being merged, which outlive this.
    """

    def __init__(self, fold: _Folder) -> None:
        self.fold = fold
        self.seen: dict[int, dict[str, Response]] = {}

    def of(self, attendees: tuple[Attendee, ...] | None) -> dict[str, Response]:
        if attendees is None:
            return _NO_ANSWERS
        found = self.seen.get(id(attendees))
        if found is None:
            found = self.seen[id(attendees)] = {}
            for at in attendees:
                found.setdefault(self.fold.email(at.email), at.response)
        return found


_NO_ANSWERS: dict[str, Response] = {}
_new_override = positional_constructor(
    OccurrenceOverride,
    (
        "original_start",
        "cancelled",
        "start",
        "end",
        "attendees",
        "event_id",
        "etag",
        "block_hash",
        "markers",
    ),
    compact=True,
)


def expected_pairs(people: Iterable[Person]) -> set[Pair]:
    """Manager <-> report pairs that should have a 1:1 (both known, neither opted out).

    A manager outside `people` is skipped: syncer cannot see their calendar, so it could only
    ever report the pair as missing.
    """
    everyone = list(people)
    by_email = {p.email.lower(): p for p in everyone}
    alias = {a.lower(): p.email.lower() for p in everyone for a in p.aliases}
    pairs: set[Pair] = set()
    for p in everyone:
        if not p.manager or p.opt_out:
            continue
        m = alias.get(p.manager.lower(), p.manager.lower())
        manager = by_email.get(m)
        if manager is None or manager.opt_out or m == p.email.lower():
            continue
        pairs.add(Pair.of(p.email, m))
    return pairs
