"""Merging the directory's people with the config's overrides (syncer.core.people)."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from syncer.core.detect import expected_pairs
from syncer.core.model import Pair, WorkingHours
from syncer.core.people import DirectoryPerson, PersonOverride, merge_people, merge_roster

ANA, BOB, CAT, DAN = "ana@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"
ORG = dict(org_timezone="Europe/Berlin", provider="google")

DIRECTORY = (
    DirectoryPerson(ANA, "Ana", team="Engineering", aliases=frozenset({"ana.a@acme.test"})),
    DirectoryPerson(BOB, "Bob", manager="ana.a@acme.test", timezone="America/New_York"),
    DirectoryPerson(CAT, "Cat", manager=ANA, active=False),
)


def test_directory_people_get_defaults_and_managers_named_by_alias_are_folded() -> None:
    people = {p.email: p for p in merge_people(DIRECTORY, (), **ORG)}  # type: ignore[arg-type]
    assert set(people) == {ANA, BOB}  # Cat's account is suspended
    assert people[BOB].manager == ANA
    assert people[BOB].timezone == "America/New_York"
    assert people[ANA].timezone == "Europe/Berlin"
    assert people[ANA].provider == "google" and people[ANA].team == "Engineering"
    assert people[ANA].aliases == frozenset({"ana.a@acme.test"})
    assert expected_pairs(people.values()) == {Pair.of(ANA, BOB)}


def test_overrides_win_field_by_field_and_match_by_alias() -> None:
    hours = WorkingHours(days=((time(7), time(15)),) * 5 + (None, None))
    overrides = (
        PersonOverride(
            "ana.a@acme.test",
            opt_out=True,
            working_hours=hours,
            timezone="Asia/Tokyo",
            provider="microsoft",
            start_date=date(2026, 10, 1),
        ),
        PersonOverride(BOB, team="Platform", name="Robert"),
    )
    people = {p.email: p for p in merge_people(DIRECTORY, overrides, **ORG)}  # type: ignore[arg-type]
    ana, bob = people[ANA], people[BOB]
    assert ana.opt_out and ana.working_hours == hours and ana.timezone == "Asia/Tokyo"
    assert ana.provider == "microsoft" and ana.start_date == date(2026, 10, 1)
    assert ana.team == "Engineering"  # not overridden: the directory's
    assert (bob.team, bob.name, bob.timezone) == ("Platform", "Robert", "America/New_York")
    assert expected_pairs(people.values()) == set()  # Ana opted out


def test_config_entry_outside_the_directory_is_kept_and_named() -> None:
    roster = merge_roster(
        DIRECTORY,
        (PersonOverride(DAN, manager=BOB), PersonOverride(CAT, opt_out=False)),
        **ORG,  # type: ignore[arg-type]
    )
    assert roster.config_only == (DAN,)
    assert roster.inactive == (CAT,)  # suspended: left out even with a config entry
    dan = next(p for p in roster.people if p.email == DAN)
    assert (dan.provider, dan.timezone, dan.manager) == ("google", "Europe/Berlin", BOB)
    assert Pair.of(BOB, DAN) in expected_pairs(roster.people)


def test_config_manager_overrides_the_directory_manager() -> None:
    people = merge_people(DIRECTORY, (PersonOverride(BOB, manager=DAN),), **ORG)  # type: ignore[arg-type]
    assert next(p for p in people if p.email == BOB).manager == DAN


emails = st.sampled_from([f"p{i}@acme.test" for i in range(8)])


@given(
    st.lists(
        st.builds(DirectoryPerson, email=emails, manager=st.none() | emails, active=st.booleans()),
        unique_by=lambda d: d.email,
    ),
    st.lists(st.builds(PersonOverride, email=emails, opt_out=st.none() | st.booleans())),
)
def test_merge_lists_every_active_or_config_only_person_once(
    directory: list[DirectoryPerson], overrides: list[PersonOverride]
) -> None:
    roster = merge_roster(directory, overrides, **ORG)  # type: ignore[arg-type]
    emails_out = [p.email for p in roster.people]
    assert len(emails_out) == len(set(emails_out))
    inactive = {d.email for d in directory if not d.active}
    assert not inactive & set(emails_out)
    assert {d.email for d in directory if d.active} <= set(emails_out)
    assert set(roster.config_only) | {d.email for d in directory if d.active} >= set(emails_out)
