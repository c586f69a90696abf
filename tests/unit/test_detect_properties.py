"""Properties of core.detect.find_pairs over random sets of calendar copies.

Each drawn series has a random set of humans (known people, an alias, an unknown colleague in
the org's domain, an external guest), rooms and syncer's service account, an organiser who may
be missing from the attendee list (as Graph sends it), and one copy per calendar that sees it
(sometimes twice, as a duplicate), each with its own answers and occurrence overrides. The
shape (recurring, 30 minutes, plain title) is always a 1:1's: who is in it decides.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core.detect import PairSeries, find_pairs
from syncer.core.model import Attendee, DetectionRules, OccurrenceOverride, Pair, Series
from tests.unit.test_detect import ANA, BEN, CAM, DEE, PEOPLE, RULES, START, one_on_one

WEEK = timedelta(days=7)
BENJAMIN = "benjamin@acme.test"  # BEN's alias
NEW = "new@acme.test"  # in the org's domain, but syncer does not read their calendar
ZOE = "zoe@other.test"  # external
ROOM = "c_1@resource.calendar.google.com"
BOARDROOM = "boardroom@acme.test"  # a room flagged as a resource
SERVICE = "syncer@acme.test"

KNOWN = (ANA, BEN, CAM, DEE)
HUMANS = (*KNOWN, BENJAMIN, NEW, ZOE)
INTERNAL = (*KNOWN, NEW)  # distinct people of the org's domains
ALIAS_OF = {BENJAMIN: BEN}
PEOPLE_WITH_ALIAS = {**PEOPLE, BEN: replace(PEOPLE[BEN], aliases=frozenset({BENJAMIN}))}
RESPONSES = ("accepted", "declined", "tentative", "needsAction")

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def person(email: str) -> str:
    """Who an e-mail of the pool belongs to (the oracle's folding, written out by hand)."""
    return ALIAS_OF.get(email.lower(), email.lower())


@st.composite
def overrides(draw: st.DrawFn, owner: str) -> tuple[OccurrenceOverride, ...]:
    found = []
    for i in sorted(draw(st.sets(st.integers(0, 5), max_size=3))):
        when = START + i * WEEK
        what = draw(st.sampled_from(["cancel", "decline", "move"]))
        if what == "cancel":
            found.append(OccurrenceOverride(when, cancelled=True))
        elif what == "decline":
            found.append(OccurrenceOverride(when, attendees=(Attendee(owner, "declined"),)))
        else:
            moved = when + timedelta(hours=draw(st.integers(1, 30)))
            found.append(OccurrenceOverride(when, start=moved, end=moved + timedelta(minutes=30)))
    return tuple(found)


@st.composite
def one_series(draw: st.DrawFn, uid: str) -> list[Series]:
    """Every copy of one series: the same people, each calendar's own answers and overrides."""
    humans = draw(st.lists(st.sampled_from(HUMANS), min_size=1, max_size=4, unique=True))
    organizer = draw(st.sampled_from([*humans, SERVICE]))
    listed = [h for h in humans if h != organizer or draw(st.booleans())]
    things = draw(st.lists(st.sampled_from([ROOM, BOARDROOM, SERVICE]), max_size=2, unique=True))
    calendars = sorted({person(h) for h in humans} & set(KNOWN)) or [ANA]
    seen_by = draw(st.lists(st.sampled_from(calendars), min_size=1, max_size=3, unique=True))
    copies = []
    for n, cal in enumerate(seen_by):
        attendees = tuple(
            Attendee(h, draw(st.sampled_from(RESPONSES)), organizer=h == organizer, resource=False)
            for h in listed
        ) + tuple(Attendee(t, "accepted", resource=t == BOARDROOM) for t in things)
        copies.append(
            one_on_one(
                uid=uid,
                calendar=cal,
                organizer=organizer,
                event_id=f"{uid}-{cal}-{n}",
                attendees=attendees,
                overrides=draw(overrides(cal)),
                updated=START + timedelta(days=draw(st.integers(0, 2))),
            )
        )
    if draw(st.booleans()):  # a duplicate of one copy on the same calendar
        dup = draw(st.sampled_from(copies))
        copies.append(replace(dup, event_id=dup.event_id + "-dup", title="Ana / Ben (old)"))
    return copies


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Series], DetectionRules]:
    uids = [f"uid-{n}" for n in range(draw(st.integers(1, 4)))]
    copies = [c for uid in uids for c in draw(one_series(uid))]
    rules = replace(RULES, allow_external=draw(st.booleans()))
    return copies, rules


def humans_of(copies: list[Series]) -> set[str]:
    """The distinct people of a series: organiser and attendees, rooms and syncer left out."""
    found = set()
    for c in copies:
        for email in (c.organizer, *(a.email for a in c.attendees)):
            if email.lower() not in {ROOM, BOARDROOM, SERVICE}:
                found.add(person(email))
    return found


def recased(s: Series, data: st.DataObject) -> Series:
    """`s` with every e-mail in a letter case of its own."""
    styles = [str.upper, str.title, str.swapcase, str.lower]

    def case(email: str) -> str:
        return data.draw(st.sampled_from(styles))(email)

    def attendees(found: tuple[Attendee, ...]) -> tuple[Attendee, ...]:
        return tuple(replace(a, email=case(a.email)) for a in found)

    return replace(
        s,
        calendar=case(s.calendar),
        organizer=case(s.organizer),
        attendees=attendees(s.attendees),
        overrides=tuple(
            replace(o, attendees=attendees(o.attendees)) if o.attendees else o for o in s.overrides
        ),
    )


def summary(found: list[PairSeries]) -> list[tuple[object, ...]]:
    """What detection decided, without the copies' own spelling of their calendar."""
    return [
        (
            ps.pair,
            ps.uid,
            ps.organizer,
            ps.external,
            tuple(c.event_id for c in ps.copies),
            replace(ps.merged, calendar=ps.merged.calendar.lower()),
        )
        for ps in found
    ]


@SETTINGS
@given(worlds(), st.data())
def test_order_of_the_copies_does_not_matter(
    world: tuple[list[Series], DetectionRules], data: st.DataObject
) -> None:
    copies, rules = world
    shuffled = data.draw(st.permutations(copies))
    found = find_pairs(copies, PEOPLE_WITH_ALIAS, rules)
    assert find_pairs(shuffled, PEOPLE_WITH_ALIAS, rules) == found
    assert find_pairs(reversed(copies), PEOPLE_WITH_ALIAS, rules) == found


@SETTINGS
@given(worlds(), st.data())
def test_letter_case_of_emails_does_not_matter(
    world: tuple[list[Series], DetectionRules], data: st.DataObject
) -> None:
    copies, rules = world
    loud = [recased(c, data) for c in copies]
    assert summary(find_pairs(loud, PEOPLE_WITH_ALIAS, rules)) == summary(
        find_pairs(copies, PEOPLE_WITH_ALIAS, rules)
    )


@SETTINGS
@given(worlds())
def test_a_pair_is_exactly_two_people_allowed_by_the_rules(
    world: tuple[list[Series], DetectionRules],
) -> None:
    copies, rules = world
    found = {ps.uid: ps for ps in find_pairs(copies, PEOPLE_WITH_ALIAS, rules)}
    for uid in {c.uid for c in copies}:
        humans = humans_of([c for c in copies if c.uid == uid])
        allowed = rules.allow_external or all(h.endswith("@acme.test") for h in humans)
        expected = len(humans) == 2 and allowed and bool(humans & set(KNOWN))
        assert (uid in found) == expected, (uid, humans)
        if expected:
            ps = found[uid]
            assert ps.pair == Pair.of(*humans)
            assert ps.external == frozenset(humans - set(KNOWN))
            assert ps.organizer in humans
            assert {a.email for a in ps.merged.attendees} == humans


@SETTINGS
@given(worlds(), st.data())
def test_a_third_internal_attendee_removes_the_pair(
    world: tuple[list[Series], DetectionRules], data: st.DataObject
) -> None:
    copies, rules = world
    before = find_pairs(copies, PEOPLE_WITH_ALIAS, rules)
    for ps in before:
        third = data.draw(st.sampled_from([p for p in INTERNAL if p not in ps.pair.people]))
        target = data.draw(st.sampled_from(ps.copies))  # not a duplicate detection left out
        crowded = [
            replace(c, attendees=(*c.attendees, Attendee(third))) if c is target else c
            for c in copies
        ]
        after = find_pairs(crowded, PEOPLE_WITH_ALIAS, rules)
        assert [x for x in after if x.uid == ps.uid] == []
        assert after == [x for x in before if x.uid != ps.uid]
