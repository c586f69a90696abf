"""Which series are 1:1s: core.detect.find_pairs and expected_pairs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from syncer.core.detect import expected_pairs, find_pairs
from syncer.core.model import (
    Attendee,
    DetectionRules,
    OccurrenceOverride,
    Pair,
    Person,
    RRuleRecurrence,
    Series,
)

ANA = "ana@acme.test"
BEN = "ben@acme.test"
CAM = "cam@acme.test"
DEE = "dee@acme.test"
PEOPLE = {
    e: Person(email=e, provider="google", timezone="Europe/Paris") for e in (ANA, BEN, CAM, DEE)
}
RULES = DetectionRules(domains=("acme.test",), service_accounts=("syncer@acme.test",))
WEEKLY = RRuleRecurrence(("RRULE:FREQ=WEEKLY;BYDAY=TU",))
START = datetime(2024, 11, 5, 9, 0, tzinfo=UTC)


def one_on_one(
    *others: Attendee, calendar: str = ANA, organizer: str = ANA, minutes: int = 30, **kw: object
) -> Series:
    attendees = (
        Attendee(ANA, "accepted", organizer=organizer == ANA),
        Attendee(BEN, "accepted", organizer=organizer == BEN),
        *others,
    )
    fields: dict[str, object] = {
        "uid": "uid-1",
        "calendar": calendar,
        "provider": "google",
        "event_id": f"ev-{calendar}",
        "title": "Ana / Ben",
        "organizer": organizer,
        "attendees": attendees,
        "start": START,
        "end": START + timedelta(minutes=minutes),
        "timezone": "Europe/Paris",
        "recurrence": WEEKLY,
    }
    fields.update(kw)
    return Series(**fields)  # type: ignore[arg-type]


def pairs_of(*series: Series, rules: DetectionRules = RULES, people=PEOPLE) -> list[Pair]:
    return [ps.pair for ps in find_pairs(series, people, rules)]


def test_two_people_weekly_is_a_one_on_one() -> None:
    assert pairs_of(one_on_one()) == [Pair.of(ANA, BEN)]


def test_room_is_folded() -> None:
    room = Attendee("c_123@resource.calendar.google.com", "accepted")
    flagged = Attendee("boardroom@acme.test", "accepted", resource=True)
    assert pairs_of(one_on_one(room, flagged)) == [Pair.of(ANA, BEN)]


def test_service_account_is_folded() -> None:
    assert pairs_of(one_on_one(Attendee("Syncer@acme.test"))) == [Pair.of(ANA, BEN)]


def test_alias_is_folded_into_its_person() -> None:
    people = dict(PEOPLE)
    people[BEN] = replace(people[BEN], aliases=frozenset({"benjamin@acme.test"}))
    s = one_on_one(Attendee("benjamin@acme.test", "declined"))
    found = find_pairs([s], people, RULES)
    assert [ps.pair for ps in found] == [Pair.of(ANA, BEN)]


def test_team_meeting_of_four_is_excluded() -> None:
    assert pairs_of(one_on_one(Attendee(CAM), Attendee(DEE))) == []


def test_three_people_is_excluded() -> None:
    assert pairs_of(one_on_one(Attendee(CAM))) == []


def test_external_guest_makes_a_two_person_meeting_external() -> None:
    s = replace(
        one_on_one(),
        attendees=(Attendee(ANA, "accepted", organizer=True), Attendee("zoe@other.test")),
    )
    assert pairs_of(s) == []
    allowed = replace(RULES, allow_external=True)
    found = find_pairs([s], PEOPLE, allowed)
    assert [ps.pair for ps in found] == [Pair.of(ANA, "zoe@other.test")]
    assert found[0].external == frozenset({"zoe@other.test"})


def test_unknown_person_in_the_org_domain_is_allowed_and_marked_external() -> None:
    s = replace(
        one_on_one(),
        attendees=(Attendee(ANA, organizer=True), Attendee("new@acme.test")),
    )
    found = find_pairs([s], PEOPLE, RULES)
    assert found[0].external == frozenset({"new@acme.test"})


def test_meeting_of_two_unknown_people_is_excluded() -> None:
    people = {ANA: PEOPLE[ANA]}
    s = replace(
        one_on_one(calendar=ANA),
        organizer=CAM,
        attendees=(Attendee(CAM, organizer=True), Attendee(DEE)),
    )
    assert pairs_of(s, people=people) == []


def test_title_exclude_pattern() -> None:
    assert pairs_of(one_on_one(title="Interview: Ben")) == []


def test_title_include_pattern() -> None:
    rules = replace(RULES, title_include=("1:1", "(?i)one on one"))
    assert pairs_of(one_on_one(title="Weekly sync"), rules=rules) == []
    assert pairs_of(one_on_one(title="Ana <> Ben 1:1"), rules=rules) == [Pair.of(ANA, BEN)]


def test_duration_bounds_are_inclusive() -> None:
    assert pairs_of(one_on_one(minutes=9)) == []
    assert pairs_of(one_on_one(minutes=10)) == [Pair.of(ANA, BEN)]
    assert pairs_of(one_on_one(minutes=90)) == [Pair.of(ANA, BEN)]
    assert pairs_of(one_on_one(minutes=91)) == []


def test_all_day_is_excluded() -> None:
    assert pairs_of(one_on_one(all_day=True)) == []


def test_out_of_office_focus_time_and_working_location_are_excluded() -> None:
    for kind in ("outOfOffice", "focusTime", "workingLocation"):
        assert pairs_of(one_on_one(event_type=kind)) == [], kind


def test_single_event_is_excluded() -> None:
    assert pairs_of(one_on_one(recurrence=None)) == []


def test_private_is_excluded() -> None:
    assert pairs_of(one_on_one(private=True)) == []
    # private on one person's copy only: still never touched
    assert pairs_of(one_on_one(), one_on_one(calendar=BEN, private=True)) == []


def test_same_uid_on_two_calendars_is_one_pair_series() -> None:
    mine = one_on_one(calendar=ANA)
    theirs = one_on_one(calendar=BEN, provider="microsoft", event_id="AAMk-1")
    found = find_pairs([theirs, mine], PEOPLE, RULES)
    assert len(found) == 1
    assert found[0].canonical is mine  # the organiser's copy
    assert {c.calendar for c in found[0].copies} == {ANA, BEN}


def test_without_the_organisers_copy_canonical_is_another_copy() -> None:
    theirs = one_on_one(calendar=BEN)
    (ps,) = find_pairs([theirs], PEOPLE, RULES)
    assert ps.canonical is theirs
    assert ps.organizer == ANA


def test_graph_organizer_not_listed_still_counts() -> None:
    s = one_on_one(provider="microsoft", calendar=ANA)
    s = replace(s, attendees=(Attendee(BEN, "accepted"),))
    (ps,) = find_pairs([s], PEOPLE, RULES)
    assert ps.pair == Pair.of(ANA, BEN)
    assert ps.response_of(ANA) == "accepted"


def test_declined_attendee_still_counts_as_a_person() -> None:
    s = replace(one_on_one(), attendees=(Attendee(ANA, organizer=True), Attendee(BEN, "declined")))
    assert pairs_of(s) == [Pair.of(ANA, BEN)]


def test_opted_out_person_is_never_paired() -> None:
    people = dict(PEOPLE)
    people[BEN] = replace(people[BEN], opt_out=True)
    assert pairs_of(one_on_one(), people=people) == []


def test_opt_out_keyword_on_any_copy_drops_the_series() -> None:
    assert pairs_of(one_on_one(), one_on_one(calendar=BEN, opt_out_keyword=True)) == []


def test_deleted_series_is_kept_and_marked_deleted() -> None:
    (ps,) = find_pairs([one_on_one(cancelled=True)], PEOPLE, RULES)
    assert ps.deleted


def test_a_series_the_organiser_deleted_is_no_decline_by_the_attendee() -> None:
    """Both copies deleted: the organiser ended the meeting; the attendee declined nothing, so
    the occurrences held before it count as met."""
    both = [one_on_one(cancelled=True), one_on_one(calendar=BEN, cancelled=True)]
    (ps,) = find_pairs(both, PEOPLE, RULES)
    assert ps.deleted
    assert ps.response_of(BEN) == "accepted"


def test_a_series_only_the_attendee_deleted_is_their_decline() -> None:
    (ps,) = find_pairs([one_on_one(), one_on_one(calendar=BEN, cancelled=True)], PEOPLE, RULES)
    assert not ps.deleted
    assert ps.response_of(BEN) == "declined"


def test_own_copy_answer_wins_for_that_person() -> None:
    organiser_copy = one_on_one(calendar=ANA)  # says ben accepted
    bens = replace(
        one_on_one(calendar=BEN),
        attendees=(Attendee(ANA, "accepted", organizer=True), Attendee(BEN, "declined")),
    )
    (ps,) = find_pairs([organiser_copy, bens], PEOPLE, RULES)
    assert ps.response_of(BEN) == "declined"
    assert ps.response_of(ANA) == "accepted"


def test_own_copy_answer_wins_per_occurrence() -> None:
    when = START + timedelta(days=7)
    bens = one_on_one(
        calendar=BEN,
        overrides=(
            OccurrenceOverride(
                original_start=when,
                attendees=(Attendee(ANA, "accepted"), Attendee(BEN, "declined")),
            ),
        ),
    )
    (ps,) = find_pairs([one_on_one(), bens], PEOPLE, RULES)
    assert ps.response_of(BEN, when) == "declined"
    assert ps.response_of(BEN, START) == "accepted"
    assert not ps.merged.overrides[0].cancelled


def test_occurrence_removed_from_an_attendees_copy_is_their_decline() -> None:
    when = START + timedelta(days=7)
    bens = one_on_one(
        calendar=BEN, overrides=(OccurrenceOverride(original_start=when, cancelled=True),)
    )
    (ps,) = find_pairs([one_on_one(), bens], PEOPLE, RULES)
    assert ps.response_of(BEN, when) == "declined"
    assert not ps.merged.overrides[0].cancelled


def test_occurrence_cancelled_by_the_organiser_is_cancelled() -> None:
    when = START + timedelta(days=7)
    ana = one_on_one(overrides=(OccurrenceOverride(original_start=when, cancelled=True),))
    (ps,) = find_pairs([ana, one_on_one(calendar=BEN)], PEOPLE, RULES)
    assert ps.merged.overrides[0].cancelled


def test_results_are_sorted_and_one_per_uid() -> None:
    a = one_on_one(uid="uid-b")
    b = one_on_one(uid="uid-a")
    c = replace(
        one_on_one(uid="uid-c"),
        attendees=(Attendee(CAM, organizer=True), Attendee(DEE)),
        organizer=CAM,
        calendar=CAM,
    )
    found = find_pairs([c, a, b, a], PEOPLE, RULES)
    assert [(ps.pair, ps.uid) for ps in found] == [
        (Pair.of(ANA, BEN), "uid-a"),
        (Pair.of(ANA, BEN), "uid-b"),
        (Pair.of(CAM, DEE), "uid-c"),
    ]


def test_expected_pairs_are_manager_and_report() -> None:
    people = [
        Person(ANA, "google", "UTC"),
        Person(BEN, "google", "UTC", manager=ANA),
        Person(CAM, "microsoft", "UTC", manager="ANA@acme.test"),
        Person(DEE, "google", "UTC", manager="boss@elsewhere.test"),
    ]
    assert expected_pairs(people) == {Pair.of(ANA, BEN), Pair.of(ANA, CAM)}


def test_expected_pairs_skip_opted_out_people() -> None:
    people = [
        Person(ANA, "google", "UTC", opt_out=True),
        Person(BEN, "google", "UTC", manager=ANA),
        Person(CAM, "google", "UTC", manager=BEN, opt_out=True),
        Person(DEE, "google", "UTC", manager=BEN),
    ]
    assert expected_pairs(people) == {Pair.of(BEN, DEE)}


def test_expected_pairs_follow_manager_aliases() -> None:
    people = [
        Person(ANA, "google", "UTC", aliases=frozenset({"a@acme.test"})),
        Person(BEN, "google", "UTC", manager="a@acme.test"),
    ]
    assert expected_pairs(people) == {Pair.of(ANA, BEN)}
