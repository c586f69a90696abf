"""Pair state + policy + now -> actions: core.plan, one test per rule of its docstring."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from syncer.core.detect import find_pairs
from syncer.core.history import pair_history
from syncer.core.model import (
    Action,
    AppendAgendaSection,
    AttachAgenda,
    Attendee,
    BusyInterval,
    CreateHold,
    DetectionRules,
    EnsureAgendaDoc,
    OccurrenceOverride,
    Pair,
    Person,
    Policy,
    ReschedulePolicy,
    RRuleRecurrence,
    Series,
    WithdrawHold,
    WriteBlock,
)
from syncer.core.plan import (
    AgendaRef,
    HoldRef,
    PairState,
    describe,
    external_person,
    needs_free_busy,
    plan,
    plan_pair,
)
from syncer.core.snapshot import with_own_write

ANA = "ana@acme.test"
BEN = "ben@acme.test"
PAIR = Pair.of(ANA, BEN)
PEOPLE = {
    ANA: Person(ANA, "google", "Europe/Paris", name="Ana"),
    BEN: Person(BEN, "microsoft", "Europe/Paris", name="Ben"),
}
RULES = DetectionRules(domains=("acme.test",))
START = datetime(2024, 11, 5, 9, 0, tzinfo=UTC)  # Tuesdays 10:00 Paris
NOW = datetime(2024, 12, 2, 12, 0, tzinfo=UTC)  # Monday, the day before the 3 Dec 1:1
DEC3 = datetime(2024, 12, 3, 9, 0, tzinfo=UTC)
DEC10 = DEC3 + timedelta(days=7)
DOC = AgendaRef(doc_id="doc-1", url="https://docs.example/doc-1")
POLICY = Policy(reschedule=ReschedulePolicy(window_days=7, proposals=3, hold=True))


def copy(calendar: str, **kw: object) -> Series:
    fields: dict[str, object] = {
        "uid": "uid-1",
        "calendar": calendar,
        "provider": PEOPLE[calendar].provider,
        "event_id": f"ev-{calendar}",
        "title": "Ana / Ben",
        "organizer": ANA,
        "attendees": (Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "accepted")),
        "start": START,
        "end": START + timedelta(minutes=30),
        "timezone": "Europe/Paris",
        "recurrence": RRuleRecurrence(("RRULE:FREQ=WEEKLY",)),
    }
    fields.update(kw)
    return Series(**fields)  # type: ignore[arg-type]


def declined_by_ben(when: datetime) -> OccurrenceOverride:
    return OccurrenceOverride(
        original_start=when,
        attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined")),
    )


@dataclass(frozen=True)
class World:
    """The raw calendars plus what the store knows; `apply` plays the actions back into it."""

    copies: tuple[Series, ...] = (copy(ANA), copy(BEN))
    agenda: AgendaRef | None = DOC
    busy: tuple[BusyInterval, ...] | None = ()
    holds: tuple[HoldRef, ...] = ()
    writable: frozenset[str] = frozenset({ANA, BEN})
    people: tuple[Person, Person] = field(default=(PEOPLE[ANA], PEOPLE[BEN]))

    def state(self, now: datetime = NOW) -> PairState:
        series = tuple(find_pairs(self.copies, PEOPLE, RULES))
        return PairState(
            pair=PAIR,
            people=self.people,
            series=series,
            history=pair_history(PAIR, series, now),
            agenda=self.agenda,
            busy=self.busy,
            holds=self.holds,
            writable=self.writable,
        )

    def apply(self, actions: list[Action]) -> World:
        copies = list(self.copies)
        agenda, holds = self.agenda, list(self.holds)
        for a in actions:
            if isinstance(a, EnsureAgendaDoc):
                agenda = DOC
            elif isinstance(a, AttachAgenda):
                i = _find(copies, a.calendar)
                copies[i] = with_own_write(
                    copies[i],
                    occurrence_start=a.occurrence_start,
                    markers={"syncer_agenda": DOC.doc_id},
                )
            elif isinstance(a, AppendAgendaSection):
                agenda = replace(agenda or DOC, last_section=a.day)
            elif isinstance(a, WriteBlock):
                i = _find(copies, a.calendar)
                copies[i] = _with_hash(copies[i], a.occurrence_start, a.content_hash)
            elif isinstance(a, CreateHold):
                holds.append(
                    HoldRef(a.calendar, f"hold-{len(holds)}", a.start, a.end, a.proposal_for)
                )
            elif isinstance(a, WithdrawHold):
                holds = [h for h in holds if h.event_id != a.event_id]
        return replace(self, copies=tuple(copies), agenda=agenda, holds=tuple(holds))


def _find(copies: list[Series], calendar: str) -> int:
    return next(i for i, c in enumerate(copies) if c.calendar == calendar)


def _with_hash(c: Series, instance: datetime | None, h: str) -> Series:
    if instance is None:
        return replace(c, block_hash=h)
    others = [o for o in c.overrides if o.original_start != instance]
    mine = next((o for o in c.overrides if o.original_start == instance), None)
    mine = replace(mine, block_hash=h) if mine else OccurrenceOverride(instance, block_hash=h)
    return replace(c, overrides=tuple(sorted([*others, mine], key=lambda o: o.original_start)))


def settled(world: World, now: datetime = NOW, policy: Policy = POLICY) -> World:
    """Apply plans until nothing is left to do (at most three rounds)."""
    for _ in range(3):
        actions = plan_pair(world.state(now), policy, now)
        if not actions:
            return world
        world = world.apply(actions)
    raise AssertionError(f"no fixed point: {actions}")


def kinds(actions: list[Action]) -> list[str]:
    return [a.kind for a in actions]


def of(actions: list[Action], cls: type) -> list:
    return [a for a in actions if isinstance(a, cls)]


# --------------------------------------------------------------------------------------------
# 1. mode


def test_observe_mode_emits_nothing() -> None:
    world = World(agenda=None, copies=(copy(ANA, overrides=(declined_by_ben(DEC3),)), copy(BEN)))
    assert plan_pair(world.state(), replace(POLICY, mode="observe"), NOW) == []
    assert needs_free_busy(world.state(), replace(POLICY, mode="observe"), NOW) is None


def test_a_pair_with_an_unread_calendar_is_not_planned() -> None:
    """Regression (fault suite, Redis flushed under a worker): with the snapshots gone but the
    holds still remembered, a plan saw no declined occurrence and withdrew both holds."""
    world = settled(declined_world())
    emptied = replace(world, copies=())  # what the store shows before the calendars are read
    assert len(of(plan_pair(emptied.state(), POLICY, NOW), WithdrawHold)) == 2
    unread = replace(emptied.state(), unread=frozenset({ANA, BEN}))
    assert plan_pair(unread, POLICY, NOW) == []
    fresh = replace(declined_world(agenda=None).state(), unread=frozenset({BEN}))
    assert plan_pair(fresh, POLICY, NOW) == []
    assert needs_free_busy(fresh, POLICY, NOW) is None


# --------------------------------------------------------------------------------------------
# 2-4. agenda


def test_pair_without_agenda_doc_gets_one_owned_by_the_organiser() -> None:
    actions = plan_pair(World(agenda=None).state(), POLICY, NOW)
    (ensure,) = of(actions, EnsureAgendaDoc)
    assert (ensure.owner, ensure.provider) == (ANA, "google")
    assert ensure.title == "1:1 Ana / Ben"
    assert actions[0] == ensure


def test_agenda_owner_is_the_other_person_when_the_organiser_is_not_writable() -> None:
    actions = plan_pair(World(agenda=None, writable=frozenset({BEN})).state(), POLICY, NOW)
    (ensure,) = of(actions, EnsureAgendaDoc)
    assert (ensure.owner, ensure.provider) == (BEN, "microsoft")


def test_no_agenda_doc_without_a_live_series() -> None:
    ended = (copy(ANA, recurrence=RRuleRecurrence(("RRULE:FREQ=WEEKLY;COUNT=2",))),)
    assert plan_pair(World(agenda=None, copies=ended).state(), POLICY, NOW) == []


def test_attach_agenda_to_each_writable_copy_missing_the_marker() -> None:
    world = World(copies=(copy(ANA, markers={"syncer_agenda": "doc-1"}), copy(BEN)))
    attached = of(plan_pair(world.state(), POLICY, NOW), AttachAgenda)
    assert [(a.calendar, a.event_id) for a in attached] == [(BEN, "ev-ben@acme.test")]


def test_attach_agenda_to_every_copy_while_the_doc_does_not_exist_yet() -> None:
    attached = of(plan_pair(World(agenda=None).state(), POLICY, NOW), AttachAgenda)
    assert sorted(a.calendar for a in attached) == [ANA, BEN]


def _moved(when: datetime, **kw: object) -> OccurrenceOverride:
    return OccurrenceOverride(
        original_start=when,
        start=when + timedelta(hours=2),
        end=when + timedelta(hours=2, minutes=30),
        event_id=f"ev-{ANA}_{when:%Y%m%dT%H%M%SZ}",
        **kw,  # type: ignore[arg-type]
    )


def test_attach_agenda_to_upcoming_google_exceptions_missing_the_marker() -> None:
    attached_master = {"syncer_agenda": "doc-1"}
    overrides = (
        _moved(DEC3 - timedelta(days=14)),  # past: left alone
        _moved(DEC3),  # made before the doc was attached: lacks it
        _moved(DEC10, markers=attached_master),  # made after: Google copied the master's
        OccurrenceOverride(DEC10 + timedelta(days=7), cancelled=True, event_id="ev-x"),
    )
    world = World(copies=(copy(ANA, markers=attached_master, overrides=overrides),))
    attached = of(plan_pair(world.state(), POLICY, NOW), AttachAgenda)
    assert [(a.calendar, a.event_id, a.occurrence_start) for a in attached] == [
        (ANA, f"ev-{ANA}_20241203T090000Z", DEC3)
    ]
    assert "occurrence of" in describe(attached[0])
    assert of(plan_pair(settled(world).state(), POLICY, NOW), AttachAgenda) == []


def test_graph_exceptions_need_no_attachment() -> None:
    ben = copy(BEN, organizer=BEN, overrides=(_moved(DEC3),), markers={"syncer_agenda": "doc-1"})
    world = World(copies=(ben,), writable=frozenset({BEN}))
    assert of(plan_pair(world.state(), POLICY, NOW), AttachAgenda) == []


def test_agenda_section_appended_the_day_before_the_occurrence() -> None:
    (section,) = of(plan_pair(World().state(), POLICY, NOW), AppendAgendaSection)
    assert section.day == date(2024, 12, 3)


def test_agenda_section_appended_on_the_day() -> None:
    now = datetime(2024, 12, 3, 7, 0, tzinfo=UTC)
    (section,) = of(plan_pair(World().state(now), POLICY, now), AppendAgendaSection)
    assert section.day == date(2024, 12, 3)


def test_no_agenda_section_two_days_before() -> None:
    now = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)
    assert of(plan_pair(World().state(now), POLICY, now), AppendAgendaSection) == []


def test_no_agenda_section_when_the_doc_has_it_already() -> None:
    world = World(agenda=replace(DOC, last_section=date(2024, 12, 3)))
    assert of(plan_pair(world.state(), POLICY, NOW), AppendAgendaSection) == []


# --------------------------------------------------------------------------------------------
# 5. master blocks


def test_block_on_every_writable_master_with_the_agenda_link() -> None:
    writes = of(plan_pair(World().state(), POLICY, NOW), WriteBlock)
    assert [(w.calendar, w.event_id, w.occurrence_start) for w in writes] == [
        (ANA, "ev-ana@acme.test", None),
        (BEN, "ev-ben@acme.test", None),
    ]
    assert all(w.content.agenda_url == DOC.url and w.content.overdue_days is None for w in writes)


def test_block_skipped_when_its_hash_matches() -> None:
    world = settled(World())
    assert of(plan_pair(world.state(), POLICY, NOW), WriteBlock) == []


def test_not_writable_calendar_is_never_written() -> None:
    world = World(writable=frozenset({ANA}))
    actions = plan_pair(world.state(), POLICY, NOW)
    assert {getattr(a, "calendar", ANA) for a in actions} == {ANA}


def test_overdue_alert_in_the_block_while_overdue() -> None:
    cancelled = tuple(
        OccurrenceOverride(START + timedelta(days=7 * i), cancelled=True) for i in range(5)
    )
    world = World(copies=(copy(ANA, overrides=cancelled), copy(BEN)))
    now = DEC3 + timedelta(days=6)  # never met: the first expected 1:1 was 34 days ago
    writes = of(plan_pair(world.state(now), POLICY, now), WriteBlock)
    masters = [w for w in writes if w.occurrence_start is None]
    assert masters and all(w.content.overdue_days == 34 for w in masters)
    assert all(w.content.limit_days == 21 for w in masters)


def test_overdue_alert_cleared_once_they_meet() -> None:
    cancelled = tuple(
        OccurrenceOverride(START + timedelta(days=7 * i), cancelled=True) for i in range(4)
    )
    world = World(copies=(copy(ANA, overrides=cancelled), copy(BEN)))
    before = datetime(2024, 12, 2, 12, 0, tzinfo=UTC)
    world = settled(world, before, replace(POLICY, reschedule=ReschedulePolicy(hold=False)))
    after = DEC3 + timedelta(hours=2)  # the 3 Dec 1:1 happened
    writes = of(plan_pair(world.state(after), POLICY, after), WriteBlock)
    masters = [w for w in writes if w.occurrence_start is None]
    assert len(masters) == 2
    assert all(w.content.overdue_days is None for w in masters)


def test_empty_content_clears_an_existing_block() -> None:
    world = World(agenda=None, copies=(copy(ANA, block_hash="old"), copy(BEN)))
    writes = of(plan_pair(world.state(), POLICY, NOW), WriteBlock)
    assert [(w.calendar, w.content.empty) for w in writes] == [(ANA, True)]


# --------------------------------------------------------------------------------------------
# 6-7. proposals


def declined_world(**kw: object) -> World:
    return World(copies=(copy(ANA), copy(BEN, overrides=(declined_by_ben(DEC3),))), **kw)


def test_needs_free_busy_for_the_reschedule_window() -> None:
    window = needs_free_busy(declined_world().state(), POLICY, NOW)
    assert window == (DEC3, DEC3 + timedelta(days=7))


def test_needs_no_free_busy_without_a_cancellation() -> None:
    assert needs_free_busy(World().state(), POLICY, NOW) is None


def test_declined_occurrence_gets_three_proposals() -> None:
    writes = of(plan_pair(declined_world().state(), POLICY, NOW), WriteBlock)
    on_instance = [w for w in writes if w.occurrence_start is not None]
    assert [(w.calendar, w.occurrence_start) for w in on_instance] == [(ANA, DEC3), (BEN, DEC3)]
    for w in on_instance:
        assert len(w.content.proposals) == 3
        assert w.content.proposal_for == DEC3
        assert w.content.proposal_kind == "declined"
        assert w.content.proposal_minutes == 30
        assert w.content.agenda_url == DOC.url
        assert all(DEC3 <= p < DEC3 + timedelta(days=7) for p in w.content.proposals)


def test_proposals_never_offer_the_cancelled_slot_itself() -> None:
    writes = of(plan_pair(declined_world().state(), POLICY, NOW), WriteBlock)
    assert all(DEC3 not in w.content.proposals for w in writes)


def test_proposals_avoid_busy_time() -> None:
    free = of(plan_pair(declined_world().state(), POLICY, NOW), WriteBlock)
    first = next(w for w in free if w.occurrence_start).content.proposals[0]
    busy = (BusyInterval(first, first + timedelta(minutes=30)),)
    writes = of(plan_pair(declined_world(busy=busy).state(), POLICY, NOW), WriteBlock)
    assert first not in next(w for w in writes if w.occurrence_start).content.proposals


def test_cancelled_occurrence_proposals_go_to_the_next_occurrence() -> None:
    cancelled = OccurrenceOverride(DEC3, cancelled=True)
    world = World(copies=(copy(ANA, overrides=(cancelled,)), copy(BEN)))
    writes = of(plan_pair(world.state(), POLICY, NOW), WriteBlock)
    on_instance = [w for w in writes if w.occurrence_start is not None]
    assert [(w.calendar, w.occurrence_start) for w in on_instance] == [(ANA, DEC10), (BEN, DEC10)]
    assert all(w.content.proposal_kind == "cancelled" for w in on_instance)


def test_just_past_cancellation_gets_proposals() -> None:
    now = DEC3 + timedelta(hours=20)
    assert needs_free_busy(declined_world().state(now), POLICY, now) is not None


def test_older_cancellation_gets_none() -> None:
    now = DEC3 + timedelta(days=2)
    assert needs_free_busy(declined_world().state(now), POLICY, now) is None


def test_no_proposals_when_the_pair_moved_an_occurrence_into_the_window() -> None:
    moved = OccurrenceOverride(
        DEC10, start=DEC3 + timedelta(days=2), end=DEC3 + timedelta(days=2, minutes=30)
    )
    world = World(
        copies=(copy(ANA, overrides=(moved,)), copy(BEN, overrides=(declined_by_ben(DEC3),)))
    )
    assert needs_free_busy(world.state(), POLICY, NOW) is None
    writes = of(plan_pair(world.state(), POLICY, NOW), WriteBlock)
    assert all(not w.content.proposals for w in writes)


def test_no_proposal_actions_without_busy_time() -> None:
    actions = plan_pair(declined_world(busy=None).state(), POLICY, NOW)
    assert all(not isinstance(a, CreateHold) for a in actions)
    assert all(getattr(a, "occurrence_start", None) is None for a in actions)


# --------------------------------------------------------------------------------------------
# 8. stale instance blocks


def test_stale_proposals_are_removed_once_the_pair_rescheduled() -> None:
    world = settled(declined_world())
    moved = OccurrenceOverride(
        DEC10, start=DEC3 + timedelta(days=2), end=DEC3 + timedelta(days=2, minutes=30)
    )
    ana = world.copies[0]
    world = replace(
        world, copies=(replace(ana, overrides=(*ana.overrides, moved)), world.copies[1])
    )
    actions = plan_pair(world.state(), POLICY, NOW)
    writes = of(actions, WriteBlock)
    assert sorted((w.calendar, w.occurrence_start) for w in writes) == [(ANA, DEC3), (BEN, DEC3)]
    assert all(not w.content.proposals and w.content.agenda_url for w in writes)
    assert len(of(actions, WithdrawHold)) == 2


# --------------------------------------------------------------------------------------------
# 9-10. holds


def test_hold_created_for_the_first_proposal_on_each_persons_calendar() -> None:
    actions = plan_pair(declined_world().state(), POLICY, NOW)
    first = next(w for w in of(actions, WriteBlock) if w.occurrence_start).content.proposals[0]
    holds = of(actions, CreateHold)
    assert [(h.calendar, h.start, h.proposal_for) for h in holds] == [
        (ANA, first, DEC3),
        (BEN, first, DEC3),
    ]
    assert all(h.end - h.start == timedelta(minutes=30) for h in holds)


def test_existing_hold_is_not_duplicated() -> None:
    world = settled(declined_world())
    assert len(world.holds) == 2
    assert plan_pair(world.state(), POLICY, NOW) == []


def test_propose_mode_creates_no_holds() -> None:
    actions = plan_pair(declined_world().state(), replace(POLICY, mode="propose"), NOW)
    assert of(actions, CreateHold) == []
    assert of(actions, WriteBlock)


def test_holds_off_creates_no_holds() -> None:
    policy = replace(POLICY, reschedule=replace(POLICY.reschedule, hold=False))
    assert of(plan_pair(declined_world().state(), policy, NOW), CreateHold) == []


def test_hold_withdrawn_when_the_occurrence_is_no_longer_declined() -> None:
    world = settled(declined_world())
    world = replace(world, copies=(world.copies[0], copy(BEN)))  # Ben accepted again
    withdrawn = of(plan_pair(world.state(), POLICY, NOW), WithdrawHold)
    assert sorted(w.calendar for w in withdrawn) == [ANA, BEN]


def test_hold_withdrawn_when_the_proposal_changed() -> None:
    world = settled(declined_world())
    slot = world.holds[0]
    world = replace(world, busy=(BusyInterval(slot.start, slot.end + timedelta(minutes=1)),))
    actions = plan_pair(world.state(), POLICY, NOW)
    assert len(of(actions, WithdrawHold)) == 2
    assert all(h.start != slot.start for h in of(actions, CreateHold))


def test_past_hold_is_left_alone() -> None:
    past = HoldRef(ANA, "hold-old", NOW - timedelta(days=1), NOW - timedelta(hours=23), DEC3)
    world = replace(World(), holds=(past,))
    assert of(plan_pair(world.state(), POLICY, NOW), WithdrawHold) == []


# --------------------------------------------------------------------------------------------
# whole plans


def test_plan_orders_pairs_and_repeats_itself() -> None:
    state = declined_world().state()
    assert plan([state], POLICY, NOW) == plan([state], POLICY, NOW) == plan_pair(state, POLICY, NOW)


def test_second_plan_over_an_unchanged_world_emits_nothing() -> None:
    world = declined_world()
    world = world.apply(plan_pair(world.state(), POLICY, NOW))
    assert plan_pair(world.state(), POLICY, NOW) == []


def test_external_person_borrows_the_internal_persons_zone() -> None:
    guest = external_person("Zoe@Other.test", PEOPLE[ANA])
    assert (guest.email, guest.timezone, guest.provider) == (
        "zoe@other.test",
        "Europe/Paris",
        "google",
    )


def test_describe_says_what_a_proposal_block_does() -> None:
    actions = plan_pair(declined_world(agenda=None).state(), POLICY, NOW)
    lines = [describe(a) for a in actions]
    assert "create agenda doc '1:1 Ana / Ben' owned by ana@acme.test (google)" in lines
    assert any(
        line.startswith(
            "write block on ana@acme.test event ev-ana@acme.test (occurrence of Tue 03 Dec)"
        )
        and line.endswith("3 proposals for the declined 1:1 of Tue 03 Dec")
        for line in lines
    )
    assert all(line and "\n" not in line for line in lines)


def test_only_the_organisers_copy_is_written_when_both_share_a_provider() -> None:
    from dataclasses import replace as _replace

    from syncer.core.pair_state import write_targets

    ps = find_pairs(World().copies, PEOPLE, RULES)[0]
    organizer = ps.organizer
    same = tuple(_replace(c, provider="google") for c in ps.copies)
    targets = write_targets(_replace(ps, copies=same), frozenset(ps.pair.people))
    assert [c.calendar for c in targets] == [organizer]


def test_a_copy_on_another_provider_is_written_on_its_own() -> None:
    from dataclasses import replace as _replace

    from syncer.core.pair_state import write_targets

    ps = find_pairs(World().copies, PEOPLE, RULES)[0]
    mixed = tuple(
        _replace(c, provider="google" if c.calendar == ps.organizer else "microsoft")
        for c in ps.copies
    )
    targets = write_targets(_replace(ps, copies=mixed), frozenset(ps.pair.people))
    assert sorted(c.calendar for c in targets) == sorted(ps.pair.people)


def test_proposals_people_have_seen_stay_while_still_free() -> None:
    from syncer.core.proposals import affected_occurrence, proposed_slots

    world = declined_world()
    state = world.state()
    affected = affected_occurrence(state, POLICY, NOW)
    assert affected is not None
    first = proposed_slots(state, affected, POLICY, NOW)
    assert first is not None and len(first) == 3
    # A day later, earlier slots exist that a fresh search would prefer; the seen ones stay.
    later = NOW + timedelta(hours=20)
    seen = replace(state, previous_proposals={affected.original_start: first})
    again = proposed_slots(seen, affected, POLICY, later)
    assert again is not None
    assert all(s in again for s in first if s >= later + timedelta(hours=4))


def test_a_seen_proposal_that_became_busy_is_replaced() -> None:
    from syncer.core.proposals import affected_occurrence, proposed_slots

    state = declined_world().state()
    affected = affected_occurrence(state, POLICY, NOW)
    assert affected is not None
    first = proposed_slots(state, affected, POLICY, NOW)
    assert first is not None
    taken = BusyInterval(first[0], first[0] + timedelta(minutes=30))
    busy_now = replace(state, busy=(taken,), previous_proposals={affected.original_start: first})
    again = proposed_slots(busy_now, affected, POLICY, NOW)
    assert again is not None and first[0] not in again and len(again) == 3
    assert set(first[1:]) <= set(again)


def test_no_copy_is_written_while_the_writable_organisers_copy_is_unread() -> None:
    from syncer.core.pair_state import write_targets

    ps = find_pairs([copy(BEN)], PEOPLE, RULES)[0]  # only Ben's copy is known so far
    assert ps.organizer == ANA
    assert write_targets(ps, frozenset({ANA, BEN})) == ()
    assert [c.calendar for c in write_targets(ps, frozenset({BEN}))] == [BEN]
